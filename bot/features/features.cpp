#include "bot/features.hpp"

#include "bot/builtins.hpp"
#include "bot/features/engagements/engagements.hpp"

namespace twintrack::bot {

void register_features(Engine& engine) {
    register_builtins(engine);
    engagements::register_engagements(engine);
}

}  // namespace twintrack::bot
