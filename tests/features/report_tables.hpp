#pragma once
// The reports feature's tables on a TestBot's store (its store part,
// bot/features/reports/store/), for tests that look at the rows behind a command.

#include "bot/features/reports/store/reports_store.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {

inline store::reports::ReportRepository reports_table(TestBot& bot) {
    return store::reports::ReportRepository(bot.store().db());
}

}  // namespace twintrack::testing
