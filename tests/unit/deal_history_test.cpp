// The deals the metrics feature hands the 3-1-3 plan (metrics::DealHistory): the ones
// open at some time in the asked window, without reading the deals closed before it.

#include "bot/features/metrics/deal_history.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "bot/features/metrics/store/metrics_store.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

std::int64_t add_deal(TestBot& bot, const std::string& stage, std::int64_t created,
                      std::optional<std::int64_t> closed, double amount) {
    store::metrics::Deal d;
    d.customer_text = "ACME";
    d.stage = stage;
    d.amount = d.company_amount = amount;
    d.currency = "CNY";
    d.created_at = created;
    d.closed_at = closed;
    return store::metrics::DealRepository(bot.store().db()).add(d);
}

TEST(DealHistory, ReadsOnlyTheDealsOpenDuringTheWindow) {
    TestBot bot;
    auto* history = bot.engine().services().find<bot::metrics::DealHistory>();
    ASSERT_NE(history, nullptr);
    const std::int64_t from = 1000000, to = 2000000;
    const auto won_long_ago = add_deal(bot, "won", 10, 500, 1);
    const auto lost_long_ago = add_deal(bot, "lost", 20, 999999, 2);
    const auto open_long_ago = add_deal(bot, "open", 30, std::nullopt, 3);
    const auto won_inside = add_deal(bot, "won", 40, 1500000, 4);
    const auto lost_at_from = add_deal(bot, "lost", 1200000, from, 5);
    const auto created_inside = add_deal(bot, "open", 1700000, std::nullopt, 6);
    const auto closed_after = add_deal(bot, "won", 1800000, 2500000, 7);
    const auto created_at_to = add_deal(bot, "open", to, std::nullopt, 8);
    const auto created_later = add_deal(bot, "won", 3000000, 3100000, 9);

    std::set<std::int64_t> ids;
    for (const auto& d : history->deals_before(from, to)) ids.insert(d.id);
    EXPECT_EQ(ids, (std::set<std::int64_t>{open_long_ago, won_inside, lost_at_from, created_inside,
                                           closed_after}));
    for (const auto id : {won_long_ago, lost_long_ago, created_at_to, created_later}) {
        EXPECT_EQ(ids.count(id), 0u) << "deal " << id;
    }
    // The plan's pipeline asks for the deals open at its end: open ones however old.
    std::set<std::int64_t> at_end;
    for (const auto& d : history->deals_before(to, to)) at_end.insert(d.id);
    EXPECT_EQ(at_end, (std::set<std::int64_t>{open_long_ago, created_inside, closed_after}));
}

}  // namespace
}  // namespace twintrack::testing
