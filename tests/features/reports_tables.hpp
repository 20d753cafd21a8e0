#pragma once
// The reports feature's own tables on a test bot's store (bot/features/reports/store/), as
// the feature's commands open them.

#include "bot/features/reports/store/reports_store.hpp"
#include "bot/features/reports/store/rotations_store.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {

inline store::reports::ReportRepository reports_table(TestBot& bot) {
    return store::reports::ReportRepository(bot.store().db());
}

inline store::reports::RotationRepository rotations_table(TestBot& bot) {
    return store::reports::RotationRepository(bot.store().db());
}

}  // namespace twintrack::testing
