#pragma once
// The engagements feature's tables on a TestBot's store (its store part,
// bot/features/engagements/store/), for tests that look at the rows behind a command.

#include "bot/features/engagements/store/engagements_store.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {

inline store::engagements::EngagementRepository engagements_of_bot(TestBot& bot) {
    return store::engagements::EngagementRepository(bot.store().db());
}

inline store::engagements::CustomerRepository customers_of_bot(TestBot& bot) {
    return store::engagements::CustomerRepository(bot.store().db());
}

}  // namespace twintrack::testing
