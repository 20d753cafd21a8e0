#include "bot/features/social/social.hpp"

#include "bot/features/social/common.hpp"

namespace twintrack::bot::social {

void register_social(Engine& engine) {
    register_coffee(engine);
    register_trainings(engine);
    register_outings(engine);
    register_budget(engine);
}

}  // namespace twintrack::bot::social
