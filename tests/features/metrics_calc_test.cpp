// The worked examples of docs/METRICS.md, with the values computed by hand there, and
// week boundaries in different company zones.

#include "bot/features/metrics/metrics_calc.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>

namespace twintrack::bot::metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

std::int64_t utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
    return core::to_millis(std::chrono::time_point_cast<std::chrono::milliseconds>(
        date::sys_days{date::year{y} / m / d} + std::chrono::hours(h) + std::chrono::minutes(min)));
}

store::metrics::Deal deal(std::int64_t id, std::int64_t customer,
                          std::optional<std::int64_t> engagement, std::int64_t owner,
                          const std::string& stage, double amount, std::optional<double> margin,
                          std::int64_t created, std::optional<std::int64_t> closed) {
    store::metrics::Deal d;
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
    d.engagements = {{1, 1, utc(2026, 10, 10), true, true, std::nullopt},
                     {2, 2, utc(2026, 10, 12), false, false, utc(2026, 10, 30)},
                     {3, 3, utc(2026, 10, 14), false, false, std::nullopt},
                     {4, 4, utc(2026, 10, 16), false, false, std::nullopt},
                     {5, 5, utc(2026, 11, 3, 2), true, true, std::nullopt}};
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
    d.zone = "Asia/Shanghai";
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
    ASSERT_TRUE(m.campaign_cost);
    EXPECT_DOUBLE_EQ(*m.campaign_cost, 19000);  // 7 of 14 days of 38,000
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
    store::metrics::Deal d =
        deal(1, 9, std::nullopt, 1, "won", 1000, std::nullopt, 0, utc(2026, 11, 3));
    const Attribution a;
    EXPECT_DOUBLE_EQ(attribution_share(d, nullptr, utc(2026, 11, 2), a), 0.5);
    EXPECT_DOUBLE_EQ(attribution_share(d, nullptr, utc(2026, 11, 4), a), 0.0);
    EXPECT_DOUBLE_EQ(attribution_share(d, nullptr, std::nullopt, a), 0.0);
    bot::EngagementFact led{1, 9, 0, true, true, std::nullopt};
    EXPECT_DOUBLE_EQ(attribution_share(d, &led, std::nullopt, a), 1.0);
}

TEST(MetricsCalc, FarApartIdsAreFoundToo) {
    // Ids far apart (not row ids from one table) take the hash-map path of the index.
    MetricsData d;
    const std::int64_t far = 1000000000000LL;
    d.engagements = {{far, far, 0, true, true, std::nullopt},
                     {7, 7, 0, false, false, std::nullopt}};
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

TEST(MetricsCalc, ConsultationAfterTheCloseDoesNotInfluenceTheDeal) {
    const Attribution a;
    const store::metrics::Deal d = deal(1, 9, 1, 1, "won", 1000, std::nullopt, 0, utc(2026, 11, 3));
    struct Case {
        const char* name;
        std::optional<std::int64_t> consulted;
        double share;
    };
    const std::vector<Case> cases = {
        {"consulted before the close", utc(2026, 11, 2), 0.5},
        {"consulted at the close", utc(2026, 11, 3), 0.5},
        {"consulted after the close", utc(2026, 11, 4), 0.0},
        {"never consulted", std::nullopt, 0.0},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const bot::EngagementFact e{1, 9, 0, false, false, c.consulted};
        EXPECT_DOUBLE_EQ(attribution_share(d, &e, std::nullopt, a), c.share);
    }
    // Gamma (engagement 3, deal 3 won on 2026-11-05) is consulted the week after: the
    // example week's incremental sales and pool stay as they were.
    const Period week = week_of(core::from_millis(utc(2026, 11, 4)), shanghai);
    MetricsData data = example();
    data.engagements[2].consulted_at = utc(2026, 11, 10);
    data.consultations.push_back({utc(2026, 11, 10), utc(2026, 11, 10, 2)});
    const Metrics m = compute_metrics(data, week, a);
    EXPECT_DOUBLE_EQ(m.incremental_sales, 190000);
    EXPECT_DOUBLE_EQ(m.pool, 9500);
    EXPECT_EQ(m.consultations_asked, 3);
}

TEST(MetricsCalc, CampaignCostIsSpreadByCalendarDaysAcrossADaylightSavingChange) {
    // 14,000 over the 14 days 2026-10-26 .. 2026-11-08 in New York. Daylight saving ends
    // on Sunday 2026-11-01, so the first week is 169 hours long and the second 168: each
    // still has 7 of the 14 days, 7,000.
    const std::string ny = "America/New_York";
    MetricsData d;
    d.zone = ny;
    d.campaigns = {{1, "Fall", "fall", 14000, "2026-10-26", "2026-11-08", utc(2026, 10, 26, 4),
                    utc(2026, 11, 9, 5), "", std::nullopt, 0}};
    struct Case {
        const char* name;
        Period period;
        double cost;
    };
    const std::vector<Case> cases = {
        {"the week with the change", week_of(core::from_millis(utc(2026, 10, 28)), ny), 7000},
        {"the week after", week_of(core::from_millis(utc(2026, 11, 4)), ny), 7000},
        {"the week before", week_of(core::from_millis(utc(2026, 10, 21)), ny), 0},
        {"October: 6 days", month_of(core::from_millis(utc(2026, 10, 28)), ny), 6000},
        {"November: 8 days", month_of(core::from_millis(utc(2026, 11, 4)), ny), 8000},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const Metrics m = compute_metrics(d, c.period, Attribution{});
        ASSERT_TRUE(m.campaign_cost);
        EXPECT_DOUBLE_EQ(*m.campaign_cost, c.cost);
    }
}

TEST(MetricsCalc, CampaignCostBelongsToTheCompanyAndDepartmentViews) {
    const Period week = week_of(core::from_millis(utc(2026, 11, 4)), shanghai);
    struct Case {
        const char* name;
        Scope scope;
        double incremental;
        std::optional<double> cost_per;
    };
    Scope anna;  // a person's view, as `metrics` builds it
    anna.people = std::set<std::int64_t>{1};
    anna.campaign_cost = false;
    Scope sales;
    sales.people = std::set<std::int64_t>{1, 2};
    const std::vector<Case> cases = {
        {"company", Scope{}, 190000, 0.1},
        {"sales department", sales, 190000, 0.1},
        // Anna's deals: 120,000 marketing led + 50,000 not attributed.
        {"one person", anna, 120000, std::nullopt},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const Metrics m = compute_metrics(example(), week, Attribution{}, c.scope);
        EXPECT_DOUBLE_EQ(m.incremental_sales, c.incremental);
        EXPECT_EQ(m.campaign_cost.has_value(), c.cost_per.has_value());
        EXPECT_EQ(m.cost_per_incremental.has_value(), c.cost_per.has_value());
        if (c.cost_per && m.cost_per_incremental) {
            EXPECT_DOUBLE_EQ(*m.cost_per_incremental, *c.cost_per);
        }
    }
}

TEST(MetricsCalc, AWeekCountsWhatWasAcceptedAndAnsweredByItsEnd) {
    MetricsData d = example();
    // Requested on Sunday evening in Shanghai, accepted / answered on Monday.
    d.handoffs.push_back({utc(2026, 11, 8, 10), utc(2026, 11, 9), "accepted"});
    d.consultations.push_back({utc(2026, 11, 8, 10), utc(2026, 11, 9)});
    const Period week = week_of(core::from_millis(utc(2026, 11, 4)), shanghai);
    const Metrics m = compute_metrics(d, week, Attribution{});
    EXPECT_EQ(m.handoffs, 4);
    EXPECT_EQ(m.handoffs_accepted, 2);
    EXPECT_DOUBLE_EQ(*m.median_acceptance_hours, 14);
    EXPECT_EQ(m.consultations_asked, 4);
    EXPECT_EQ(m.consultations_answered, 2);
}

// --- Property: random companies over 12 weeks -------------------------------------------

const std::string new_york = "America/New_York";

std::int64_t local_midnight(date::local_days day, const std::string& zone) {
    const auto sys = date::locate_zone(zone)->to_sys(day, date::choose::earliest);
    return core::to_millis(std::chrono::time_point_cast<std::chrono::milliseconds>(sys));
}

struct RandomCompany {
    MetricsData data;
    std::vector<Period> weeks;                                  ///< 12, oldest first
    std::map<std::string, std::set<std::int64_t>> departments;  ///< name -> people
};

/// Deals, engagements, campaigns and touches, handoffs, consultations and reports at
/// random over the 12 weeks from Monday 2026-09-14 in New York (one week has the
/// daylight-saving change). Every deal has an owner.
RandomCompany random_company(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto between = [&](std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    auto chance = [&](int percent) { return between(1, 100) <= percent; };
    const std::int64_t hour = 3600000, day = 24 * hour;
    RandomCompany c;
    MetricsData& d = c.data;
    d.zone = new_york;
    Period w = week_of(core::from_millis(utc(2026, 9, 16)), new_york);
    for (int i = 0; i < 12; ++i) {
        c.weeks.push_back(w);
        w = week_of(core::from_millis(w.to), new_york);
    }
    const std::int64_t start = c.weeks.front().from, end = c.weeks.back().to;
    d.people = {{1, "Anna", "sales"},     {2, "Ben", "sales"},     {3, "Cai", "sales"},
                {4, "Dee", "sales"},      {5, "Mia", "marketing"}, {6, "Max", "marketing"},
                {7, "Ada", "management"}, {8, "Hana", "hr"}};
    for (const auto& p : d.people) c.departments[p.department].insert(p.id);
    std::int64_t quota_id = 0;
    for (const auto at : {utc(2026, 9, 16), utc(2026, 11, 16)}) {
        const Period q = quarter_of(core::from_millis(at), new_york);
        for (std::int64_t person = 1; person <= 4; ++person) {
            d.quotas.push_back({++quota_id, person, "", "Q", q.from, q.to,
                                static_cast<double>(between(2, 10) * 100000), std::nullopt});
        }
    }
    // Customers 1-12; 11 and 12 have no engagement.
    for (std::int64_t e = 1; e <= 10; ++e) {
        const bool led = chance(30);
        std::optional<std::int64_t> consulted;
        if (chance(50)) consulted = between(start - 14 * day, end + 14 * day);
        d.engagements.push_back({e, e, between(start - 21 * day, end - day), led, led, consulted});
    }
    const std::vector<std::int64_t> owners = {1, 2, 3, 4, 1, 2, 3, 4, 7};
    for (std::int64_t id = 1; id <= 90; ++id) {
        const std::int64_t customer = between(1, 12);
        const std::int64_t owner = owners[static_cast<std::size_t>(between(0, 8))];
        const std::int64_t created = between(start - 21 * day, end - hour);
        // A deal belongs to its customer's engagement when there is one already.
        std::optional<std::int64_t> engagement;
        if (customer <= 10 &&
            d.engagements[static_cast<std::size_t>(customer - 1)].created_at <= created) {
            engagement = customer;
        }
        const int roll = static_cast<int>(between(1, 100));
        const std::string stage = roll <= 45 ? "won" : roll <= 65 ? "lost" : "open";
        std::optional<std::int64_t> closed;
        if (stage != "open") closed = created + between(hour, 28 * day);
        std::optional<double> margin;
        if (chance(70)) margin = static_cast<double>(between(5, 50)) / 100.0;
        d.deals.push_back(deal(id, customer, engagement, owner, stage,
                               static_cast<double>(between(1, 200) * 1000), margin, created,
                               closed));
    }
    for (std::int64_t id = 1; id <= 4; ++id) {
        const auto first = date::floor<date::days>(date::locate_zone(new_york)->to_local(
            core::from_millis(between(start - 14 * day, end))));
        const auto last = first + date::days(between(0, 29));
        d.campaigns.push_back(
            {id, "C" + std::to_string(id), "c" + std::to_string(id),
             static_cast<double>(between(1, 100) * 1000), date::format("%F", first),
             date::format("%F", last), local_midnight(first, new_york),
             local_midnight(last + date::days(1), new_york), "", std::nullopt, 0});
    }
    for (int i = 0; i < 20; ++i) {
        d.touches.push_back({between(1, 4), between(1, 12), between(start - 14 * day, end)});
    }
    for (int i = 0; i < 30; ++i) {
        const std::int64_t requested = between(start, end - hour);
        const int roll = static_cast<int>(between(1, 3));
        const std::string status = roll == 1 ? "accepted" : roll == 2 ? "declined" : "pending";
        std::optional<std::int64_t> decided;
        if (status != "pending") decided = requested + between(10 * 60000, 3 * day);
        d.handoffs.push_back({requested, decided, status});
    }
    for (int i = 0; i < 30; ++i) {
        const std::int64_t requested = between(start, end - hour);
        std::optional<std::int64_t> answered;
        if (chance(70)) answered = requested + between(60000, 4 * day);
        d.consultations.push_back({requested, answered});
    }
    const std::vector<std::string> names = {"Huawei", "Foo", "Bar"};
    for (int i = 0; i < 40; ++i) {
        ReportFact r{between(1, 8), between(start, end - hour), {}};
        for (const auto& n : names) {
            if (chance(40)) r.competitors.push_back(n);
        }
        d.reports.push_back(r);
    }
    return c;
}

/// What was known at `cut`: everything that happened later has not happened yet (deals
/// closed later are still open, answers and acceptances later are still missing).
MetricsData known_at(const MetricsData& full, std::int64_t cut) {
    MetricsData d;
    d.people = full.people;
    d.quotas = full.quotas;
    d.zone = full.zone;
    for (auto x : full.deals) {
        if (x.created_at >= cut) continue;
        if (x.closed_at && *x.closed_at >= cut) {
            x.stage = "open";
            x.closed_at.reset();
        }
        d.deals.push_back(x);
    }
    for (auto e : full.engagements) {
        if (e.created_at >= cut) continue;
        if (e.consulted_at && *e.consulted_at >= cut) e.consulted_at.reset();
        d.engagements.push_back(e);
    }
    for (const auto& x : full.campaigns) {
        if (x.starts_at < cut) d.campaigns.push_back(x);
    }
    for (const auto& t : full.touches) {
        if (t.at < cut) d.touches.push_back(t);
    }
    for (auto h : full.handoffs) {
        if (h.requested_at >= cut) continue;
        if (h.decided_at && *h.decided_at >= cut) {
            h.decided_at.reset();
            h.status = "pending";
        }
        d.handoffs.push_back(h);
    }
    for (auto x : full.consultations) {
        if (x.requested_at >= cut) continue;
        if (x.answered_at && *x.answered_at >= cut) x.answered_at.reset();
        d.consultations.push_back(x);
    }
    for (const auto& r : full.reports) {
        if (r.created_at < cut) d.reports.push_back(r);
    }
    return d;
}

template <typename T>
void expect_same_optional(const std::optional<T>& a, const std::optional<T>& b, const char* what) {
    ASSERT_EQ(a.has_value(), b.has_value()) << what;
    if (a) {
        EXPECT_DOUBLE_EQ(static_cast<double>(*a), static_cast<double>(*b)) << what;
    }
}

void expect_same(const Metrics& a, const Metrics& b) {
    EXPECT_DOUBLE_EQ(a.revenue, b.revenue);
    EXPECT_DOUBLE_EQ(a.profit, b.profit);
    EXPECT_EQ(a.deals_won, b.deals_won);
    EXPECT_EQ(a.deals_lost, b.deals_lost);
    EXPECT_EQ(a.deals_without_margin, b.deals_without_margin);
    EXPECT_DOUBLE_EQ(a.pipeline_created, b.pipeline_created);
    EXPECT_EQ(a.pipeline_deals, b.pipeline_deals);
    expect_same_optional(a.attainment_percent, b.attainment_percent, "attainment");
    ASSERT_EQ(a.reps.size(), b.reps.size());
    for (std::size_t i = 0; i < a.reps.size(); ++i) {
        EXPECT_EQ(a.reps[i].person_id, b.reps[i].person_id);
        EXPECT_DOUBLE_EQ(a.reps[i].revenue_to_date, b.reps[i].revenue_to_date);
    }
    EXPECT_EQ(a.leads, b.leads);
    EXPECT_EQ(a.handoffs, b.handoffs);
    EXPECT_EQ(a.handoffs_accepted, b.handoffs_accepted);
    expect_same_optional(a.median_acceptance_hours, b.median_acceptance_hours, "median");
    EXPECT_DOUBLE_EQ(a.incremental_sales, b.incremental_sales);
    EXPECT_DOUBLE_EQ(a.pool, b.pool);
    expect_same_optional(a.campaign_cost, b.campaign_cost, "campaign cost");
    expect_same_optional(a.cost_per_incremental, b.cost_per_incremental, "cost per");
    EXPECT_EQ(a.reporters, b.reporters);
    EXPECT_EQ(a.expected_reporters, b.expected_reporters);
    EXPECT_EQ(a.top_competitors, b.top_competitors);
    EXPECT_EQ(a.consultations_asked, b.consultations_asked);
    EXPECT_EQ(a.consultations_answered, b.consultations_answered);
}

/// The figures that add up over departments and people.
std::vector<std::pair<const char*, double>> additive(const Metrics& m) {
    double to_date = 0, quota = 0;
    for (const auto& r : m.reps) to_date += r.revenue_to_date, quota += r.quota;
    return {{"revenue", m.revenue},
            {"profit", m.profit},
            {"won", static_cast<double>(m.deals_won)},
            {"lost", static_cast<double>(m.deals_lost)},
            {"without margin", static_cast<double>(m.deals_without_margin)},
            {"pipeline", m.pipeline_created},
            {"pipeline deals", static_cast<double>(m.pipeline_deals)},
            {"incremental", m.incremental_sales},
            {"pool", m.pool},
            {"quota won to date", to_date},
            {"quota", quota},
            {"reporters", static_cast<double>(m.reporters)},
            {"expected reporters", static_cast<double>(m.expected_reporters)}};
}

void expect_sum(const Metrics& whole, const std::vector<Metrics>& parts, const std::string& what) {
    const auto w = additive(whole);
    for (std::size_t i = 0; i < w.size(); ++i) {
        double sum = 0;
        for (const auto& p : parts) sum += additive(p)[i].second;
        EXPECT_NEAR(w[i].second, sum, 1e-6 * std::max(1.0, std::fabs(sum)))
            << what << ": " << w[i].first;
    }
}

TEST(MetricsCalcProperty, TotalsAddUpAndAClosedWeekNeverChanges) {
    const Attribution a;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        const RandomCompany c = random_company(seed);
        double revenue = 0, incremental = 0;
        // The company is the sum of its departments, each department of its people.
        for (std::size_t w = 0; w < c.weeks.size(); ++w) {
            SCOPED_TRACE("week " + std::to_string(w + 1));
            const Metrics company = compute_metrics(c.data, c.weeks[w], a);
            revenue += company.revenue;
            incremental += company.incremental_sales;
            std::vector<Metrics> departments;
            for (const auto& [name, people] : c.departments) {
                Scope dept;
                dept.people = people;
                departments.push_back(compute_metrics(c.data, c.weeks[w], a, dept));
                std::vector<Metrics> persons;
                for (const auto id : people) {
                    Scope one;
                    one.people = std::set<std::int64_t>{id};
                    one.campaign_cost = false;
                    persons.push_back(compute_metrics(c.data, c.weeks[w], a, one));
                }
                expect_sum(departments.back(), persons, name);
            }
            expect_sum(company, departments, "company");
        }
        EXPECT_GT(revenue, 0);
        EXPECT_GT(incremental, 0);
        // A closed week's figures are the same whatever happened after it: compute them
        // with only what was known when it ended, then with everything.
        int later = 0;
        for (const std::size_t k : {2u, 5u, 8u}) {
            const std::int64_t cut = c.weeks[k].to;
            const MetricsData then = known_at(c.data, cut);
            later += static_cast<int>(c.data.deals.size() - then.deals.size());
            for (std::size_t w = 0; w <= k; ++w) {
                SCOPED_TRACE("week " + std::to_string(w + 1) + " seen after week " +
                             std::to_string(k + 1));
                expect_same(compute_metrics(then, c.weeks[w], a),
                            compute_metrics(c.data, c.weeks[w], a));
                Scope sales;
                sales.people = c.departments.at("sales");
                expect_same(compute_metrics(then, c.weeks[w], a, sales),
                            compute_metrics(c.data, c.weeks[w], a, sales));
            }
        }
        EXPECT_GT(later, 0);  // there was later activity to ignore
    }
}

}  // namespace
}  // namespace twintrack::bot::metrics
