// The worked examples of docs/METRICS.md, with the values computed by hand there, and
// week boundaries in different company zones.

#include "bot/features/metrics/metrics_calc.hpp"

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace twintrack::bot::metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

std::int64_t utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
    return core::to_millis(std::chrono::time_point_cast<std::chrono::milliseconds>(
        date::sys_days{date::year{y} / m / d} + std::chrono::hours(h) + std::chrono::minutes(min)));
}

store::Deal deal(std::int64_t id, std::int64_t customer, std::optional<std::int64_t> engagement,
                 std::int64_t owner, const std::string& stage, double amount,
                 std::optional<double> margin, std::int64_t created,
                 std::optional<std::int64_t> closed) {
    store::Deal d;
    d.id = id;
    d.customer_id = customer;
    d.engagement_id = engagement;
    d.owner_id = owner;
    d.stage = stage;
    d.amount = amount;
    d.company_amount = amount;
    d.currency = "CNY";
    d.margin = margin;
    d.created_at = created;
    d.closed_at = closed;
    return d;
}

/// The example company of docs/METRICS.md, week of Monday 2026-11-02 (Asia/Shanghai).
MetricsData example() {
    MetricsData d;
    d.people = {{1, "Anna", "sales"}, {2, "Ben", "sales"}, {3, "Mia", "marketing"}};
    const std::int64_t q4 = utc(2026, 9, 30, 16);  // 2026-10-01 00:00 Shanghai
    const std::int64_t q1 = utc(2026, 12, 31, 16);
    d.quotas = {{1, 1, "", "2026-Q4", q4, q1, 1000000.0, std::nullopt},
                {2, 2, "", "2026-Q4", q4, q1, 500000.0, std::nullopt}};
    // Engagements: 1 ACME led by marketing, 2 Beta consulted by marketing, 3 Gamma and
    // 4 Delta sales only, 5 a new marketing lead this week.
    d.engagements = {{1, 1, utc(2026, 10, 10), true, true, false},
                     {2, 2, utc(2026, 10, 12), false, false, true},
                     {3, 3, utc(2026, 10, 14), false, false, false},
                     {4, 4, utc(2026, 10, 16), false, false, false},
                     {5, 5, utc(2026, 11, 3, 2), true, true, false}};
    d.deals = {
        deal(1, 1, 1, 1, "won", 120000, 0.30, utc(2026, 10, 20), utc(2026, 11, 3, 3)),
        deal(2, 2, 2, 2, "won", 80000, 0.25, utc(2026, 11, 2, 2), utc(2026, 11, 4, 3)),
        deal(3, 3, 3, 1, "won", 50000, std::nullopt, utc(2026, 10, 22), utc(2026, 11, 5, 3)),
        deal(4, 4, 4, 2, "won", 60000, 0.20, utc(2026, 10, 24), utc(2026, 11, 6, 3)),
        deal(5, 3, 3, 1, "open", 200000, std::nullopt, utc(2026, 11, 5, 4), std::nullopt),
        deal(6, 3, 3, 2, "lost", 90000, std::nullopt, utc(2026, 10, 1, 4), utc(2026, 11, 6, 5)),
        deal(7, 1, 1, 1, "won", 300000, 0.30, utc(2026, 10, 2), utc(2026, 10, 15)),
    };
    // Campaign "Expo": 38,000 over 14 days (2026-11-02 .. 2026-11-15); it reached Delta on
    // 2026-10-28 (before Delta's deal closed).
    d.campaigns = {{1, "Expo", "expo", 38000, "2026-11-02", "2026-11-15", utc(2026, 11, 1, 16),
                    utc(2026, 11, 15, 16), "", std::nullopt, 0}};
    d.touches = {{1, 4, utc(2026, 10, 28)}};
    d.handoffs = {{utc(2026, 11, 2, 10), utc(2026, 11, 2, 14), "accepted"},
                  {utc(2026, 11, 3), utc(2026, 11, 4), "accepted"},
                  {utc(2026, 11, 5), std::nullopt, "pending"}};
    d.consultations = {{utc(2026, 11, 2, 5), utc(2026, 11, 2, 6)},
                       {utc(2026, 11, 3, 5), utc(2026, 11, 4, 6)},
                       {utc(2026, 11, 6, 5), std::nullopt}};
    d.reports = {{1, utc(2026, 11, 3, 8), {"Huawei", "Foo"}}, {1, utc(2026, 11, 5, 8), {"Huawei"}}};
    return d;
}

const std::string shanghai = "Asia/Shanghai";

TEST(MetricsCalc, WorkedExampleOfTheWeek) {
    const Period week = week_of(core::from_millis(utc(2026, 11, 4)), shanghai);
    ASSERT_EQ(week.from, utc(2026, 11, 1, 16));
    ASSERT_EQ(week.to, utc(2026, 11, 8, 16));
    Attribution a;  // 100% / 50% / 0%, pool rate 5%
    const Metrics m = compute_metrics(example(), week, a);

    // Sales
    EXPECT_DOUBLE_EQ(m.revenue, 310000);  // 120,000 + 80,000 + 50,000 + 60,000
    EXPECT_DOUBLE_EQ(m.profit, 68000);    // 36,000 + 20,000 + (no margin) + 12,000
    EXPECT_EQ(m.deals_won, 4);
    EXPECT_EQ(m.deals_lost, 1);
    EXPECT_EQ(m.deals_without_margin, 1);
    EXPECT_DOUBLE_EQ(m.pipeline_created, 280000);  // deal 2 (80,000) + deal 5 (200,000)
    EXPECT_EQ(m.pipeline_deals, 2);
    ASSERT_EQ(m.reps.size(), 2u);
    EXPECT_EQ(m.reps[0].name, "Anna");
    EXPECT_DOUBLE_EQ(m.reps[0].revenue_to_date, 470000);  // 300,000 + 120,000 + 50,000
    EXPECT_DOUBLE_EQ(m.reps[0].percent, 47);
    EXPECT_DOUBLE_EQ(m.reps[1].revenue_to_date, 140000);  // 80,000 + 60,000
    EXPECT_DOUBLE_EQ(m.reps[1].percent, 28);
    ASSERT_TRUE(m.attainment_percent);
    EXPECT_NEAR(*m.attainment_percent, 40.667, 0.001);  // 610,000 / 1,500,000

    // Marketing
    EXPECT_EQ(m.leads, 1);
    EXPECT_EQ(m.handoffs, 3);
    EXPECT_EQ(m.handoffs_accepted, 2);
    ASSERT_TRUE(m.median_acceptance_hours);
    EXPECT_DOUBLE_EQ(*m.median_acceptance_hours, 14);  // median of 4 h and 24 h
    EXPECT_DOUBLE_EQ(m.incremental_sales, 190000);     // 120,000 + 40,000 + 0 + 30,000
    EXPECT_DOUBLE_EQ(m.pool, 9500);                    // 5% of 190,000
    EXPECT_DOUBLE_EQ(m.campaign_cost, 19000);          // 7 of 14 days of 38,000
    ASSERT_TRUE(m.cost_per_incremental);
    EXPECT_DOUBLE_EQ(*m.cost_per_incremental, 0.1);  // 19,000 / 190,000

    // Joint
    EXPECT_EQ(m.reporters, 1);
    EXPECT_EQ(m.expected_reporters, 2);
    EXPECT_DOUBLE_EQ(*m.report_coverage_percent, 50);
    EXPECT_THAT(m.top_competitors, ElementsAre(Pair("Huawei", 2), Pair("Foo", 1)));
    EXPECT_EQ(m.consultations_asked, 3);
    EXPECT_EQ(m.consultations_answered, 2);
    EXPECT_FALSE(m.activity.joint_meetings_held);  // n/a until provided
}

TEST(MetricsCalc, ConfiguredAttributionChangesIncrementalSalesAndPool) {
    const Period week = week_of(core::from_millis(utc(2026, 11, 4)), shanghai);
    Attribution a;
    a.marketing_led = 0.8;
    a.influenced = 0.25;
    a.other = 0.1;
    a.pool_rate = 0.1;
    const Metrics m = compute_metrics(example(), week, a);
    // 0.8 x 120,000 + 0.25 x 80,000 + 0.1 x 50,000 + 0.25 x 60,000
    EXPECT_DOUBLE_EQ(m.incremental_sales, 136000);
    EXPECT_DOUBLE_EQ(m.pool, 13600);
}

TEST(MetricsCalc, CampaignTouchCountsOnlyBeforeTheDealClosed) {
    store::Deal d = deal(1, 9, std::nullopt, 1, "won", 1000, std::nullopt, 0, utc(2026, 11, 3));
    const Attribution a;
    EXPECT_DOUBLE_EQ(attribution_share(d, nullptr, utc(2026, 11, 2), a), 0.5);
    EXPECT_DOUBLE_EQ(attribution_share(d, nullptr, utc(2026, 11, 4), a), 0.0);
    EXPECT_DOUBLE_EQ(attribution_share(d, nullptr, std::nullopt, a), 0.0);
    store::EngagementFact led{1, 9, 0, true, true, false};
    EXPECT_DOUBLE_EQ(attribution_share(d, &led, std::nullopt, a), 1.0);
}

TEST(MetricsCalc, FarApartIdsAreFoundToo) {
    // Ids far apart (not row ids from one table) take the hash-map path of the index.
    MetricsData d;
    const std::int64_t far = 1000000000000LL;
    d.engagements = {{far, far, 0, true, true, false}, {7, 7, 0, false, false, false}};
    d.touches = {{1, 7 * far, utc(2026, 11, 1)}};
    d.deals = {deal(1, far, far, 1, "won", 1000, std::nullopt, 0, utc(2026, 11, 3)),
               deal(2, 7 * far, 7, 1, "won", 1000, std::nullopt, 0, utc(2026, 11, 3))};
    const Period week = week_of(core::from_millis(utc(2026, 11, 4)), shanghai);
    EXPECT_DOUBLE_EQ(compute_metrics(d, week, Attribution{}).incremental_sales, 1500);
}

TEST(MetricsCalc, ScopeLimitsSalesNumbersToThePeopleAsked) {
    const Period week = week_of(core::from_millis(utc(2026, 11, 4)), shanghai);
    Scope ben;
    ben.people = std::set<std::int64_t>{2};
    const Metrics m = compute_metrics(example(), week, Attribution{}, ben);
    EXPECT_DOUBLE_EQ(m.revenue, 140000);
    EXPECT_EQ(m.deals_won, 2);
    ASSERT_EQ(m.reps.size(), 1u);
    EXPECT_EQ(m.reps[0].name, "Ben");
    EXPECT_EQ(m.expected_reporters, 1);
    EXPECT_EQ(m.reporters, 0);
}

TEST(MetricsCalc, WeekOverWeekUsesThePreviousWeek) {
    MetricsData d = example();
    // One more won deal of 10,000 the week before.
    d.deals.push_back(deal(8, 3, 3, 1, "won", 10000, 0.5, utc(2026, 10, 27), utc(2026, 10, 28)));
    const Period week = week_of(core::from_millis(utc(2026, 11, 4)), shanghai);
    const Period before = previous(week, "week", shanghai);
    EXPECT_EQ(before.from, utc(2026, 10, 25, 16));
    const Metrics m = compute_metrics(d, before, Attribution{});
    EXPECT_DOUBLE_EQ(m.revenue, 10000);
    EXPECT_DOUBLE_EQ(m.profit, 5000);
    const auto weekly = incremental_by_week(example(), week, 3, Attribution{}, shanghai);
    EXPECT_THAT(weekly, ElementsAre(0.0, 0.0, 190000.0));
}

TEST(MetricsCalc, WeeksStartMondayMidnightInTheCompanyZone) {
    struct Case {
        const char* name;
        std::string zone;
        std::int64_t at;
        std::int64_t from;
    };
    const std::vector<Case> cases = {
        // Sunday 2026-11-08 23:30 in Shanghai is still the week of Monday 2026-11-02 there,
        // but already Sunday 15:30 UTC.
        {"Shanghai late Sunday", "Asia/Shanghai", utc(2026, 11, 8, 15, 30), utc(2026, 11, 1, 16)},
        // Monday 00:30 in Shanghai is Sunday 16:30 UTC: a new week in Shanghai.
        {"Shanghai early Monday", "Asia/Shanghai", utc(2026, 11, 8, 16, 30), utc(2026, 11, 8, 16)},
        {"UTC same instant", "UTC", utc(2026, 11, 8, 16, 30), utc(2026, 11, 2)},
        // New York, the week after the DST change (2026-11-01): Monday 00:00 EST = 05:00 UTC.
        {"New York after DST", "America/New_York", utc(2026, 11, 4), utc(2026, 11, 2, 5)},
        // The week containing the change starts Monday 2026-10-26 00:00 EDT = 04:00 UTC and
        // lasts 7 days and one hour.
        {"New York DST week", "America/New_York", utc(2026, 10, 30), utc(2026, 10, 26, 4)},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const Period p = week_of(core::from_millis(c.at), c.zone);
        EXPECT_EQ(p.from, c.from);
        EXPECT_TRUE(p.contains(c.at));
    }
    const Period dst = week_of(core::from_millis(utc(2026, 10, 30)), "America/New_York");
    EXPECT_EQ(dst.to - dst.from, (7 * 24 + 1) * 3600000LL);
}

TEST(MetricsCalc, MonthsAndQuartersFollowTheZone) {
    const Period q = quarter_of(core::from_millis(utc(2026, 11, 4)), shanghai);
    EXPECT_EQ(q.from, utc(2026, 9, 30, 16));
    EXPECT_EQ(q.to, utc(2026, 12, 31, 16));
    const Period m = month_of(core::from_millis(utc(2026, 10, 31, 17)), shanghai);  // Nov 1 01:00
    EXPECT_EQ(m.from, utc(2026, 10, 31, 16));
    EXPECT_EQ(previous(q, "quarter", shanghai).from, utc(2026, 6, 30, 16));
}

TEST(MetricsCalc, UnicodeBarsScaleToTheMaximum) {
    EXPECT_EQ(unicode_bar(100, 100, 4), "████");
    EXPECT_EQ(unicode_bar(50, 100, 4), "██");
    EXPECT_EQ(unicode_bar(62.5, 100, 4), "██▌");
    EXPECT_EQ(unicode_bar(150, 100, 4), "████");  // capped
    EXPECT_EQ(unicode_bar(0, 100, 4), "");
    EXPECT_EQ(unicode_bar(0.1, 100, 4), "▏");  // something, however small
}

}  // namespace
}  // namespace twintrack::bot::metrics
