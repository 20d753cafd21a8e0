#include "bot/features.hpp"

#include "bot/builtins.hpp"

namespace twintrack::bot {

void register_features(Engine& engine) { register_builtins(engine); }

}  // namespace twintrack::bot
