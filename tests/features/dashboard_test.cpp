// The dashboard's data (GET /api/v1/dashboard/{page}) through TestBot: the figures are
// the `metrics` command's for the same view, each role sees what `metrics` lets it see,
// the trends cover the weeks asked for, and the bad input of the issue (an unknown page,
// a period with no data, a tampered scope parameter) is answered as it should be.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/features/engagements/engagements.hpp"
#include "bot/features/engagements/handoff_clock.hpp"
#include "bot/features/plan/plan_file.hpp"
#include "bot/features/reports/report_settings.hpp"
#include "bot/features/social/social.hpp"
#include "bot/local_time.hpp"
#include "bot/metrics_settings.hpp"
#include "core/text.hpp"
#include "tests/features/engagement_tables.hpp"
#include "tests/features/feature_test_helpers.hpp"
#include "tests/features/reports_tables.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

bot::BotSettings dashboard_settings() {
    bot::BotSettings s;
    s.features.edit<bot::metrics::MetricsSettings>().rates = {{"USD", 7.0}};
    s.features.edit<bot::reports::ReportSettings>().competitors = {{"Huawei", {"华为"}}};
    s.features.edit<bot::plan::PlanSettings>().markets = {{"manufacturing", {"制造业"}}};
    s.features.edit<bot::social::SocialSettings>().quarterly_budget = {{"training", 10000},
                                                                       {"outing", 3000}};
    return s;
}

/// "150,000" for 150000, as the metrics command writes amounts.
std::string grouped(double v) {
    std::string digits = std::to_string(static_cast<long long>(v));
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

class DashboardTest : public ::testing::Test {
  protected:
    DashboardTest() : bot(TestBot::default_start(), dashboard_settings()) {
        bot.add({"mia", "Mia Marketer", "marketing", "staff"});
        bot.add({"max", "Max Marketing", "marketing", "manager"});
        bot.add({"sam", "Sam Seller", "sales", "staff"});
        bot.add({"sue", "Sue Sales", "sales", "staff"});
        bot.add({"sid", "Sid Boss", "sales", "manager"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"hana", "Hana HR", "hr", "hr"});
        bot.add({"ada", "Ada Admin", "management", "admin"});
        bot.say("mia", "engagement new ACME");
        bot.say("sid", "quota set @sam 2026-Q4 revenue 1000000");
        bot.say("sam", "deal won ACME 120000 margin 30%");
        bot.say("sue", "deal won ACME 30000");
    }
    core::ApiResponse get(const std::string& page, std::map<std::string, std::string> query) {
        return bot.api("GET", "/api/v1/dashboard/" + page, "", std::move(query));
    }
    json page(const std::string& page, std::map<std::string, std::string> query) {
        const auto r = get(page, std::move(query));
        EXPECT_EQ(r.status, 200) << r.body;
        return json::parse(r.body);
    }
    TestBot bot;
};

TEST_F(DashboardTest, FiguresAreTheMetricsCommandsForTheSameView) {
    struct Case {
        const char* who;
        const char* command;
        std::map<std::string, std::string> query;
        const char* subject;
        double revenue;
    };
    const std::vector<Case> cases = {
        {"sam", "metrics", {{"user", "sam"}}, "Sam Seller", 120000},
        {"sam", "metrics team", {{"user", "sam"}, {"view", "team"}}, "Sales", 150000},
        {"sid", "metrics month", {{"user", "sid"}, {"period", "month"}}, "Sales", 150000},
        {"sid",
         "metrics @sue",
         {{"user", "sid"}, {"person", "sue@example.com"}},
         "Sue Sales",
         30000},
        {"max", "metrics", {{"user", "max"}}, "Marketing", 150000},
        {"ada", "metrics quarter", {{"user", "ada"}, {"period", "quarter"}}, "the company", 150000},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.command + std::string(" by ") + c.who);
        const json p = page("metrics", c.query);
        EXPECT_EQ(p["subject"], c.subject);
        EXPECT_DOUBLE_EQ(p["figures"]["revenue"].get<double>(), c.revenue);
        const std::string said = joined(bot.say(c.who, c.command));
        EXPECT_THAT(
            said, HasSubstr("Revenue " + grouped(p["figures"]["revenue"].get<double>()) + " CNY"));
        EXPECT_THAT(said,
                    HasSubstr("Incremental sales " +
                              grouped(p["figures"]["incremental_sales"].get<double>()) + " CNY"));
        EXPECT_THAT(said,
                    HasSubstr("Deals won " + std::to_string(p["figures"]["deals_won"].get<int>())));
    }
}

TEST_F(DashboardTest, TrendsHaveOneValuePerWeekAndTheLastWeekIsThePeriod) {
    const json p = page("metrics", {{"user", "sid"}, {"weeks", "12"}});
    ASSERT_EQ(p["trend"]["weeks"].size(), 12u);
    const json& revenue = p["trend"]["series"]["revenue"];
    ASSERT_EQ(revenue.size(), 12u);
    EXPECT_DOUBLE_EQ(revenue.back().get<double>(), p["figures"]["revenue"].get<double>());
    EXPECT_DOUBLE_EQ(revenue.front().get<double>(), 0.0);
    EXPECT_EQ(page("metrics", {{"user", "sid"}, {"weeks", "4"}})["trend"]["weeks"].size(), 4u);
    // Every figure the issue asks a trend of has one, a value per week.
    for (const char* key :
         {"revenue", "attainment_percent", "leads", "handoffs", "median_acceptance_hours",
          "incremental_sales", "pool", "cost_per_incremental", "report_coverage_percent",
          "consultations_asked", "joint_meetings_held", "coffee_pairs_met", "budget_planned",
          "budget_spent"}) {
        SCOPED_TRACE(key);
        ASSERT_TRUE(p["trend"]["series"].contains(key));
        EXPECT_EQ(p["trend"]["series"].at(key).size(), 12u);
    }
    // Reps' attainment as the command shows it (12% of the quota).
    const json reps = p["reps"];
    ASSERT_EQ(reps.size(), 1u);
    EXPECT_EQ(reps[0]["name"], "Sam Seller");
    EXPECT_NEAR(reps[0]["percent"].get<double>(), 12.0, 0.01);
}

TEST_F(DashboardTest, EachRoleSeesWhatMetricsLetsItSee) {
    // Staff: their own and their team's, never another department or another person.
    EXPECT_EQ(get("metrics", {{"user", "mia"}, {"department", "sales"}}).status, 403);
    EXPECT_EQ(get("metrics", {{"user", "sam"}, {"person", "sue@example.com"}}).status, 403);
    EXPECT_EQ(get("metrics", {{"user", "sam"}, {"department", "sales"}}).status, 200);
    // Managers: their department and anyone in it, not another department.
    EXPECT_EQ(get("engagements", {{"user", "max"}, {"department", "sales"}}).status, 403);
    EXPECT_EQ(get("metrics", {{"user", "max"}, {"person", "sue@example.com"}}).status, 403);
    EXPECT_EQ(get("intel", {{"user", "sid"}, {"person", "sue@example.com"}}).status, 200);
    // Admins: every department.
    const json sales = page("metrics", {{"user", "ada"}, {"department", "sales"}});
    EXPECT_EQ(sales["subject"], "Sales");
    EXPECT_DOUBLE_EQ(sales["figures"]["revenue"].get<double>(), 150000);
    // Activities: HR, managers and admins; not staff.
    EXPECT_EQ(get("activities", {{"user", "sam"}}).status, 403);
    EXPECT_EQ(get("activities", {{"user", "hana"}}).status, 200);
    EXPECT_EQ(get("activities", {{"user", "sid"}}).status, 200);
    EXPECT_EQ(get("activities", {{"user", "ada"}}).status, 200);
    // HR's metrics are its own (no deals), as the command's.
    EXPECT_DOUBLE_EQ(page("metrics", {{"user", "hana"}})["figures"]["revenue"].get<double>(), 0);
}

TEST_F(DashboardTest, TheSignedInSessionDecidesWhoReads) {
    core::ApiRequest r;
    r.connector = "test";
    r.method = "GET";
    r.path = "/api/v1/dashboard/metrics";
    r.headers["x-twintrack-signed-in-user"] = "sam";
    auto own = bot.api(r);
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_EQ(json::parse(own.body)["subject"], "Sam Seller");
    // Naming someone else as the reader does not change whose session it is.
    r.query["user"] = "sid";
    EXPECT_EQ(bot.api(r).status, 403);
}

TEST_F(DashboardTest, AnApiTokenCannotReadAsAnyoneItNames) {
    // API tokens are for integrations and their scopes; the dashboard route has none, so
    // a token naming a reader is refused (an unknown one as unknown), whoever it names.
    core::ApiRequest r;
    r.connector = "test";
    r.method = "GET";
    r.path = "/api/v1/dashboard/metrics";
    r.api_token = "tt_any_token";
    r.query["user"] = "sid";
    const auto answer = bot.api(r);
    EXPECT_EQ(answer.status, 401) << answer.body;
    EXPECT_EQ(answer.body.find("revenue"), std::string::npos);
}

TEST_F(DashboardTest, EveryPageAnswersInTheReadersLanguage) {
    for (const char* name : {"metrics", "engagements", "intel"}) {
        SCOPED_TRACE(name);
        const json en = page(name, {{"user", "sid"}});
        EXPECT_EQ(en["locale"], "en");
        EXPECT_EQ(en["labels"]["page.metrics"], "Joint metrics");
        const json zh = page(name, {{"user", "wang"}});
        EXPECT_EQ(zh["locale"], "zh-CN");
        EXPECT_EQ(zh["labels"]["page.metrics"], "联合指标");
        EXPECT_EQ(zh["subject"], "王芳");
        // The language switch of the page.
        EXPECT_EQ(page(name, {{"user", "sid"}, {"locale", "zh-CN"}})["labels"]["figure.revenue"],
                  "收入");
    }
    const json activities = page("activities", {{"user", "hana"}});
    EXPECT_TRUE(activities["figures"].contains("joint_meetings_held"));
    EXPECT_EQ(activities["trend"]["series"]["coffee_pairs_met"].size(), 12u);
}

TEST_F(DashboardTest, EngagementsListTheHandoffsWaiting) {
    bot.say("mia", "engagement new Globex");
    bot.say("mia", "handoff Globex to @sid");
    const json p = page("engagements", {{"user", "sid"}});
    EXPECT_GE(p["figures"]["handoffs"].get<int>(), 1);
    EXPECT_GE(p["handoffs_waiting"].size(), 1u);
}

TEST_F(DashboardTest, AWaitingHandoffShowsTheEngagementsFeaturesDeadlineInTheReadersZone) {
    bot.add({"ben", "Ben Berlin", "sales", "manager", "Europe/Berlin"});
    bot.say("mia", "engagement new Globex");
    bot.say("mia", "handoff Globex to @sam");
    const auto globex = engagements_of_bot(bot).all();
    std::optional<store::engagements::Handoff> handoff;
    for (const auto& e : globex) {
        if (e.customer_name == "Globex") handoff = engagements_of_bot(bot).latest_handoff(e.id);
    }
    ASSERT_TRUE(handoff);
    // The deadline the engagements feature computed (24 working hours in Sam's zone and
    // hours) and escalates at.
    const bot::Person& sam = *bot.engine().directory().by_name_or_email("sam@example.com");
    const core::Timestamp deadline = bot::engagements::working_deadline(
        core::from_millis(handoff->requested_at), 24, sam.timezone, sam.work_start, sam.work_end);
    EXPECT_EQ(handoff->deadline_at, core::to_millis(deadline));

    json p = page("engagements", {{"user", "ben"}});
    ASSERT_EQ(p["handoffs_waiting"].size(), 1u);
    EXPECT_EQ(p["handoffs_waiting"][0]["deadline"], bot::format_local(deadline, "Europe/Berlin"));
    EXPECT_EQ(p["handoffs_waiting"][0]["overdue"], false);
    EXPECT_EQ(p["labels"]["deadline"], "Acceptance deadline");
    p = page("engagements", {{"user", "wang"}});
    ASSERT_EQ(p["handoffs_waiting"].size(), 1u);
    EXPECT_EQ(p["handoffs_waiting"][0]["deadline"], bot::format_local(deadline, "Asia/Shanghai"));
    EXPECT_EQ(p["labels"]["deadline"], "接收截止时间");
    EXPECT_EQ(p["labels"]["overdue"], "已逾期");

    // Past the deadline (the same week): still waiting, marked overdue.
    bot.advance(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - bot.clock().now()) +
        std::chrono::minutes(1));
    p = page("engagements", {{"user", "ben"}});
    ASSERT_EQ(p["handoffs_waiting"].size(), 1u);
    EXPECT_EQ(p["handoffs_waiting"][0]["overdue"], true);
    EXPECT_EQ(p["handoffs_waiting"][0]["deadline"], bot::format_local(deadline, "Europe/Berlin"));
    // Accepted: no longer waiting.
    bot.say("sam", "accept Globex");
    EXPECT_EQ(page("engagements", {{"user", "ben"}})["handoffs_waiting"].size(), 0u);
}

TEST(DashboardOverlaps, AFlaggedOverlapShowsForEitherDepartmentsManagerNotAnotherTeam) {
    bot::BotSettings s = dashboard_settings();
    s.features.edit<bot::engagements::FunnelSettings>().overlap = "flag";
    TestBot bot(TestBot::default_start(), s);
    bot.add({"mia", "Mia Marketer", "marketing", "staff"});
    bot.add({"max", "Max Marketing", "marketing", "manager"});
    bot.add({"sam", "Sam Seller", "sales", "staff"});
    bot.add({"sue", "Sue Sales", "sales", "staff"});
    bot.add({"sid", "Sid Boss", "sales", "manager"});
    bot.add({"hank", "Hank HR", "hr", "manager"});
    bot.add({"ada", "Ada Admin", "management", "admin"});
    bot.say("mia", "engagement new Acme stage=interest");
    bot.say("sam", "engagement new acme stage=qualified");
    const auto overlaps = [&](std::map<std::string, std::string> query) {
        const auto r = bot.api("GET", "/api/v1/dashboard/engagements", "", std::move(query));
        EXPECT_EQ(r.status, 200) << r.body;
        return json::parse(r.body)["overlaps"];
    };
    for (const char* who : {"max", "sid", "ada", "sam"}) {
        SCOPED_TRACE(who);
        const json o = overlaps({{"user", who}});
        ASSERT_EQ(o.size(), 1u);
        EXPECT_EQ(o[0]["customer"], "Acme");
        EXPECT_EQ(o[0]["stage"], "qualified");
        EXPECT_EQ(o[0]["department"], "Sales");
        EXPECT_EQ(o[0]["other_department"], "Marketing");
        EXPECT_EQ(o[0]["owner"], "Sam Seller");
        EXPECT_EQ(o[0]["flagged"], bot::format_local(TestBot::default_start(), "Asia/Shanghai"));
    }
    // Sam's team sees it; a staff member of another team, and a manager of neither
    // department, do not.
    EXPECT_EQ(overlaps({{"user", "sue"}, {"view", "team"}}).size(), 1u);
    EXPECT_EQ(overlaps({{"user", "mia"}}).size(), 0u);
    EXPECT_EQ(overlaps({{"user", "mia"}, {"view", "team"}}).size(), 0u);
    EXPECT_EQ(overlaps({{"user", "hank"}}).size(), 0u);
    // A staff member cannot widen the view by URL to see it.
    EXPECT_EQ(bot.api("GET", "/api/v1/dashboard/engagements", "",
                      {{"user", "mia"}, {"department", "sales"}})
                  .status,
              403);
    // Labels in both languages.
    const json zh = [&] {
        const auto r = bot.api("GET", "/api/v1/dashboard/engagements", "",
                               {{"user", "sid"}, {"locale", "zh-CN"}});
        return json::parse(r.body);
    }();
    EXPECT_EQ(zh["labels"]["overlaps"], "已标记的重叠");
    EXPECT_NE(zh["overlaps"][0]["department"], "Sales");
    // A later overlap on another engagement comes first; each engagement's own.
    bot.advance(std::chrono::minutes(5));
    bot.say("mia", "engagement new Globex stage=interest");
    bot.say("sam", "engagement new globex stage=qualified");
    const json both = overlaps({{"user", "ada"}});
    ASSERT_EQ(both.size(), 2u);
    EXPECT_EQ(both[0]["customer"], "Globex");
    EXPECT_EQ(both[1]["customer"], "Acme");
    EXPECT_NE(both[0]["engagement"], both[1]["engagement"]);
    EXPECT_EQ(overlaps({{"user", "hank"}}).size(), 0u);
}

TEST_F(DashboardTest, BadInputIsAnsweredNotFailed) {
    // An unknown page.
    EXPECT_EQ(get("payroll", {{"user", "sid"}}).status, 404);
    // A period with no data: empty (zero) series, not an error.
    const auto empty = get("metrics", {{"user", "sid"}, {"at", "2020-01-06"}});
    ASSERT_EQ(empty.status, 200) << empty.body;
    const json e = json::parse(empty.body);
    EXPECT_DOUBLE_EQ(e["figures"]["revenue"].get<double>(), 0);
    for (const auto& v : e["trend"]["series"]["revenue"]) EXPECT_DOUBLE_EQ(v.get<double>(), 0);
    // Parameters that do not parse, and no reader.
    EXPECT_EQ(get("metrics", {{"user", "sid"}, {"period", "decade"}}).status, 400);
    EXPECT_EQ(get("metrics", {{"user", "sid"}, {"weeks", "0"}}).status, 400);
    EXPECT_EQ(get("metrics", {{"user", "sid"}, {"weeks", "999"}}).status, 400);
    EXPECT_EQ(get("metrics", {{"user", "sid"}, {"at", "yesterday"}}).status, 400);
    EXPECT_EQ(get("metrics", {{"user", "sid"}, {"view", "everyone"}}).status, 400);
    EXPECT_EQ(get("metrics", {{"user", "sid"}, {"person", "nobody"}}).status, 404);
    EXPECT_EQ(get("metrics", {}).status, 400);
    EXPECT_EQ(get("metrics", {{"user", "nobody"}}).status, 404);
    // Nothing but GET.
    EXPECT_EQ(bot.api("POST", "/api/v1/dashboard/metrics", "{}", {{"user", "sid"}}).status, 405);
}

// --- field intelligence ---------------------------------------------------------------

class FieldIntelTest : public DashboardTest {
  protected:
    FieldIntelTest() {
        bot.say("mia", "engagement new Globex");
        bot.say("sid", "customer market ACME manufacturing");
        bot.say("sam", "report ACME: Huawei offered 15% off");
        bot.say("sue", "report Globex: 华为 offered 20% off");
        bot.say("mia", "report ACME: met their CTO, Huawei was there too");
    }
    /// The ids of a table row's reports.
    static std::vector<std::int64_t> ids(const json& rows, const std::string& name) {
        for (const auto& r : rows) {
            if (r["name"] == name) return r["report_ids"].get<std::vector<std::int64_t>>();
        }
        return {};
    }
    static std::int64_t reports_of(const json& rows, const std::string& name) {
        for (const auto& r : rows) {
            if (r["name"] == name) return r["reports"].get<std::int64_t>();
        }
        return -1;
    }
};

TEST_F(FieldIntelTest, PriceSignalsAreThoseIntelShowsForEachReport) {
    const json p = page("intel", {{"user", "ada"}});
    EXPECT_EQ(p["figures"]["reports"], 3);
    EXPECT_EQ(p["figures"]["price_signals"], 2);
    // The week's reports are those `reports week` counts.
    EXPECT_THAT(
        joined(bot.say("ada", "reports week")),
        HasSubstr("Field reports (" + std::to_string(p["figures"]["reports"].get<int>()) + ")"));
    ASSERT_EQ(p["prices"].size(), 2u);
    const std::string intel = joined(bot.say("ada", "intel Huawei"));
    EXPECT_THAT(intel, HasSubstr("Huawei: 3 report(s)"));
    for (const auto& price : p["prices"]) {
        SCOPED_TRACE(price.dump());
        EXPECT_EQ(price["competitor"], "Huawei");
        EXPECT_THAT(intel, HasSubstr("prices: " + price["text"].get<std::string>() + " (#" +
                                     std::to_string(price["report"].get<int>()) + ")"));
        EXPECT_EQ(price["unit"], "%");
        EXPECT_LT(price["amount"].get<double>(), 0);  // cheaper than us
    }
    // The competitor's mentions are the `metrics` command's.
    EXPECT_EQ(p["competitors"][0]["name"], "Huawei");
    EXPECT_EQ(p["competitors"][0]["mentions"], 3);
    // One value per week, this week's the period's.
    ASSERT_EQ(p["trend"]["series"]["price_signals"].size(), 12u);
    EXPECT_EQ(p["trend"]["series"]["price_signals"].back(), 2);
    EXPECT_EQ(p["trend"]["series"]["reports"].back(), 3);
    EXPECT_EQ(p["trend"]["series"]["reports"].front(), 0);
}

TEST_F(FieldIntelTest, ReportsByCustomerAndMarketAreThoseOfReportsAndPlan) {
    const json p = page("intel", {{"user", "ada"}, {"period", "quarter"}});
    // `reports customer ACME` lists the same reports as the customer's row links to.
    const std::string listed = joined(bot.say("ada", "reports customer ACME"));
    EXPECT_THAT(listed, HasSubstr("Field reports (" +
                                  std::to_string(reports_of(p["customers"], "ACME")) + ")"));
    const auto acme = ids(p["customers"], "ACME");
    ASSERT_EQ(acme.size(), 2u);
    for (auto id : acme) EXPECT_THAT(listed, HasSubstr("#" + std::to_string(id) + " "));
    EXPECT_EQ(reports_of(p["customers"], "Globex"), 1);
    // `plan` counts the quarter's reports per market the same way.
    const std::string plan = joined(bot.say("ada", "plan"));
    EXPECT_THAT(plan,
                HasSubstr("Field: " + std::to_string(reports_of(p["markets"], "manufacturing")) +
                          " report(s)"));
    EXPECT_EQ(reports_of(p["markets"], "manufacturing"), 2);
    EXPECT_EQ(reports_of(p["markets"], "No market"), 1);
    // In Chinese, the row without a market is named in Chinese.
    const json zh = page("intel", {{"user", "ada"}, {"period", "quarter"}, {"locale", "zh-CN"}});
    EXPECT_EQ(reports_of(zh["markets"], "未分市场"), 1);
    EXPECT_EQ(zh["labels"]["markets"], "各市场报告");
}

TEST_F(FieldIntelTest, ReportCountsAreTheStoresOneCountOnTheCommandsAndThePage) {
    // A report filed for Globex that names ACME is about both customers: `reports customer`
    // lists it under each, and so does the page.
    bot.say("sue", "report Globex: ACME buys from them too");
    const auto stored = reports_table(bot);
    std::optional<std::int64_t> acme, globex;
    for (const auto& c : customers_of_bot(bot).all()) {
        if (c.name == "ACME") acme = c.id;
        if (c.name == "Globex") globex = c.id;
    }
    ASSERT_TRUE(acme && globex);
    const auto count_of = [&](std::optional<std::int64_t> customer) {
        store::ReportFilter f;
        f.customer_id = customer;
        return stored.count(f);
    };
    // Every report of the store is this week's: the store's count is `reports week`'s and
    // the week's page's, its trend's last week too.
    const std::int64_t all = count_of(std::nullopt);
    ASSERT_EQ(all, 4);
    const json week = page("intel", {{"user", "ada"}});
    EXPECT_EQ(week["figures"]["reports"], all);
    EXPECT_EQ(week["trend"]["series"]["reports"].back(), all);
    EXPECT_THAT(joined(bot.say("ada", "reports week")),
                HasSubstr("Field reports (" + std::to_string(all) + ")"));
    // Per customer: the store's count is `reports customer NAME`'s and the row's, whose
    // links are as many.
    const json quarter = page("intel", {{"user", "ada"}, {"period", "quarter"}});
    const std::vector<std::pair<std::string, std::optional<std::int64_t>>> customers = {
        {"ACME", acme}, {"Globex", globex}};
    for (const auto& [name, id] : customers) {
        SCOPED_TRACE(name);
        const std::int64_t n = count_of(id);
        EXPECT_EQ(n, name == "ACME" ? 3 : 2);
        EXPECT_THAT(joined(bot.say("ada", "reports customer " + name)),
                    HasSubstr("Field reports (" + std::to_string(n) + ")"));
        EXPECT_EQ(reports_of(quarter["customers"], name), n);
        EXPECT_EQ(ids(quarter["customers"], name).size(), static_cast<std::size_t>(n));
    }
    // A period the reports were not filed in counts none, on the page as in the store.
    const json before = page("intel", {{"user", "ada"}, {"at", "2020-01-06"}});
    EXPECT_EQ(before["figures"]["reports"], 0);
    // The view's people only: Sam's own reports, as `reports by @sam` counts them.
    const json own = page("intel", {{"user", "sam"}});
    EXPECT_EQ(own["figures"]["reports"], 1);
    EXPECT_THAT(joined(bot.say("sam", "reports by @sam")), HasSubstr("Field reports (1)"));
    // The needs named most, as often as named, with their reports.
    bot.say("sam", "report ACME: met again #need:case-study");
    bot.say("sue", "report Globex: also asking #need:Case-Study #need:training");
    const json needs = page("intel", {{"user", "ada"}})["needs"];
    ASSERT_EQ(needs.size(), 2u);
    EXPECT_EQ(needs[0]["name"], "case-study");
    EXPECT_EQ(needs[0]["mentions"], 2);
    EXPECT_EQ(needs[0]["report_ids"].size(), 2u);
    EXPECT_EQ(needs[1]["mentions"], 1);
}

TEST_F(FieldIntelTest, EachReaderSeesTheReportsOfTheirView) {
    // Staff of sales: their team's reports (Sam's and Sue's), not marketing's.
    const json team = page("intel", {{"user", "sam"}, {"view", "team"}});
    EXPECT_EQ(team["figures"]["reports"], 2);
    const json own = page("intel", {{"user", "sam"}});
    EXPECT_EQ(own["figures"]["reports"], 1);
    EXPECT_EQ(own["prices"].size(), 1u);
    EXPECT_EQ(ids(own["customers"], "Globex").size(), 0u);
    // A tampered scope: another department or person.
    EXPECT_EQ(get("intel", {{"user", "sam"}, {"department", "marketing"}}).status, 403);
    EXPECT_EQ(get("intel", {{"user", "sam"}, {"person", "mia@example.com"}}).status, 403);
    EXPECT_EQ(get("intel", {{"user", "sid"}, {"department", "marketing"}}).status, 403);
}

TEST_F(FieldIntelTest, AReportOpensForThoseWhoMaySeeIt) {
    const json all = page("intel", {{"user", "ada"}});
    std::map<std::string, std::int64_t> by_author;
    for (const auto& r : all["customers"]) {
        for (auto id : r["report_ids"].get<std::vector<std::int64_t>>()) {
            const json report = page("report", {{"user", "ada"}, {"id", std::to_string(id)}});
            EXPECT_EQ(report["report"]["id"], id);
            by_author[report["report"]["author"].get<std::string>()] = id;
        }
    }
    ASSERT_EQ(by_author.size(), 3u);
    const std::string sams = std::to_string(by_author["Sam Seller"]);
    const std::string mias = std::to_string(by_author["Mia Marketer"]);
    const json sam = page("report", {{"user", "sue"}, {"id", sams}});
    EXPECT_EQ(sam["report"]["customer"], "ACME");
    EXPECT_EQ(sam["report"]["text"], "Huawei offered 15% off");
    EXPECT_EQ(sam["report"]["competitors"], json::array({"Huawei"}));
    EXPECT_EQ(sam["report"]["prices"].size(), 1u);
    EXPECT_EQ(get("report", {{"user", "sid"}, {"id", sams}}).status, 200);
    // A report of another department: refused to staff and managers, not to admins.
    EXPECT_EQ(get("report", {{"user", "sam"}, {"id", mias}}).status, 403);
    EXPECT_EQ(get("report", {{"user", "sid"}, {"id", mias}}).status, 403);
    EXPECT_EQ(get("report", {{"user", "hana"}, {"id", sams}}).status, 403);
    EXPECT_EQ(get("report", {{"user", "max"}, {"id", mias}}).status, 200);
    EXPECT_EQ(get("report", {{"user", "ada"}, {"id", mias}}).status, 200);
    // The signed-in person decides, whatever the URL names.
    core::ApiRequest r;
    r.connector = "test";
    r.method = "GET";
    r.path = "/api/v1/dashboard/report";
    r.headers["x-twintrack-signed-in-user"] = "sam";
    r.query["id"] = mias;
    EXPECT_EQ(bot.api(r).status, 403);
    r.query["user"] = "ada";
    EXPECT_EQ(bot.api(r).status, 403);
    // Bad ids.
    EXPECT_EQ(get("report", {{"user", "ada"}}).status, 400);
    EXPECT_EQ(get("report", {{"user", "ada"}, {"id", "1 OR 1=1"}}).status, 400);
    EXPECT_EQ(get("report", {{"user", "ada"}, {"id", "-1"}}).status, 400);
    EXPECT_EQ(get("report", {{"user", "ada"}, {"id", "999999"}}).status, 404);
    // The labels in the reader's language.
    const json zh = page("report", {{"user", "wang"}, {"id", sams}});
    EXPECT_EQ(zh["locale"], "zh-CN");
    EXPECT_EQ(zh["labels"]["report_title"], "一线报告");
}

TEST_F(FieldIntelTest, APeriodWithNoReportsIsEmpty) {
    const json p = page("intel", {{"user", "ada"}, {"at", "2020-01-06"}});
    EXPECT_EQ(p["figures"]["reports"], 0);
    EXPECT_EQ(p["figures"]["price_signals"], 0);
    EXPECT_TRUE(p["prices"].empty());
    EXPECT_TRUE(p["markets"].empty());
    EXPECT_TRUE(p["customers"].empty());
    for (const auto& v : p["trend"]["series"]["price_signals"]) EXPECT_EQ(v, 0);
}

// --- activities -------------------------------------------------------------------------

class ActivitiesPageTest : public DashboardTest {
  protected:
    ActivitiesPageTest() {
        bot.say("hana",
                "training new \"Selling value\" by @mia for sales on 2026-11-10 10:00 capacity 1 "
                "cost 3000");
        bot.say("sam", "training join 1");
        bot.say("sue", "training join 1");
        bot.say("hana", "outing new \"Hike\" poll 2026-11-20 budget 5000");
        bot.say("sam", "vote 1 2026-11-20");
        bot.say("hana", "close 1");
        bot.say("sam", "rsvp 1 yes");
        bot.say("sue", "rsvp 1 no");
    }
    static json event(const json& p, const std::string& kind) {
        for (const auto& e : p["calendar"]["events"]) {
            if (e["kind"] == kind) return e;
        }
        return nullptr;
    }
    static json budget_row(const json& p, const std::string& quarter, const std::string& kind) {
        for (const auto& r : p["budget"]) {
            if (r["quarter"] == quarter && r["kind"] == kind) return r;
        }
        return nullptr;
    }
};

TEST_F(ActivitiesPageTest, TheCalendarShowsSeatsWaitingListsAndRsvpsAsTheCommands) {
    // A week's calendar covers its month.
    const json p = page("activities", {{"user", "hana"}});
    EXPECT_EQ(p["calendar"]["from"], "2026-11-01");
    EXPECT_EQ(p["calendar"]["to"], "2026-11-30");
    const json training = event(p, "training");
    ASSERT_TRUE(training.is_object()) << p["calendar"].dump();
    EXPECT_EQ(training["day"], "2026-11-10");
    EXPECT_EQ(training["title"], "Selling value");
    const std::string card = joined(bot.say("hana", "training 1"));
    EXPECT_THAT(card, HasSubstr("Registered (" + std::to_string(training["registered"].get<int>()) +
                                "/" + std::to_string(training["capacity"].get<int>()) + ")"));
    EXPECT_EQ(training["waiting"], 1);
    EXPECT_THAT(card, HasSubstr("Waiting list: Sue Sales"));
    const json outing = event(p, "outing");
    ASSERT_TRUE(outing.is_object());
    EXPECT_EQ(outing["day"], "2026-11-20");
    EXPECT_EQ(outing["status"], "closed");
    const std::string shown = joined(bot.say("hana", "outing 1"));
    EXPECT_THAT(shown,
                HasSubstr("Headcount: " + std::to_string(outing["registered"].get<int>()) +
                          " coming, " + std::to_string(outing["declined"].get<int>()) + " not"));
    EXPECT_EQ(outing["registered"], 1);
    // Labels and kinds in Chinese.
    const json zh = page("activities", {{"user", "hana"}, {"locale", "zh-CN"}});
    EXPECT_EQ(event(zh, "training")["kind_label"], "培训");
    EXPECT_EQ(event(zh, "outing")["status_label"], "已定日期");
}

TEST_F(ActivitiesPageTest, TheBudgetByKindAndQuarterIsTheBudgetCommands) {
    const json p = page("activities", {{"user", "sid"}, {"period", "quarter"}});
    ASSERT_EQ(p["budget"].size(), 8u);  // training and outing over four quarters
    const json training = budget_row(p, "2026Q4", "training");
    const json outing = budget_row(p, "2026Q4", "outing");
    ASSERT_TRUE(training.is_object() && outing.is_object()) << p["budget"].dump();
    const std::string said = joined(bot.say("hana", "budget"));
    for (const json& row : {training, outing}) {
        EXPECT_THAT(said, HasSubstr(row["kind_label"].get<std::string>() + ": budget " +
                                    std::to_string(row["budget"].get<long long>()) + ", planned " +
                                    std::to_string(row["planned"].get<long long>()) + ", spent " +
                                    std::to_string(row["spent"].get<long long>())));
    }
    EXPECT_EQ(training["planned"], 3000);
    EXPECT_EQ(outing["planned"], 5000);
    // Earlier quarters: the budget, nothing planned.
    EXPECT_EQ(budget_row(p, "2026Q1", "outing")["planned"], 0);
    // The figure of the page is the budget's total (as `metrics` shows it).
    EXPECT_DOUBLE_EQ(p["figures"]["budget_planned"].get<double>(), 13000);
}

TEST_F(ActivitiesPageTest, CoffeeRoundsAreThoseOfCoffeeStats) {
    bot.say("hana", "coffee start every 2w marketing x sales");
    bot.say("mia", "coffee met yes");
    const json p = page("activities", {{"user", "hana"}});
    const json round = event(p, "coffee");
    ASSERT_TRUE(round.is_object()) << p["calendar"].dump();
    EXPECT_EQ(round["title"], "Marketing × Sales #1");
    EXPECT_EQ(round["status"], "running");
    const std::string stats = joined(bot.say("hana", "coffee stats"));
    EXPECT_THAT(
        stats,
        HasSubstr("round 1: " + std::to_string(round["registered"].get<int>()) +
                  " group(s); 1 answer(s): " + std::to_string(round["attended"].get<int>()) +
                  " met, 0 did not, " + std::to_string(round["declined"].get<int>()) + " skipped"));
    EXPECT_EQ(round["attended"], 1);
}

TEST_F(ActivitiesPageTest, CancelledTrainingsAndOutingsStayOnTheCalendarMarked) {
    bot.say("hana", "training new \"Pricing\" by @mia for all on 2026-11-12 15:00 cost 1000");
    bot.say("hana", "training cancel 2");
    bot.say("hana", "outing new \"Karaoke\" poll 2026-11-21 2026-11-22");
    bot.say("hana", "outing cancel 2");
    const json p = page("activities", {{"user", "hana"}});
    json training, outing;
    for (const auto& e : p["calendar"]["events"]) {
        if (e["kind"] == "training" && e["id"] == 2) training = e;
        if (e["kind"] == "outing" && e["id"] == 2) outing = e;
    }
    ASSERT_TRUE(training.is_object()) << p["calendar"].dump();
    EXPECT_EQ(training["day"], "2026-11-12");
    EXPECT_EQ(training["status"], "cancelled");
    EXPECT_EQ(training["status_label"], "Cancelled");
    EXPECT_THAT(joined(bot.say("hana", "training 2")), HasSubstr(", cancelled"));
    ASSERT_TRUE(outing.is_object()) << p["calendar"].dump();
    EXPECT_EQ(outing["day"], "2026-11-21");  // the first day of its poll
    EXPECT_EQ(outing["status"], "cancelled");
    EXPECT_THAT(joined(bot.say("hana", "outing 2")), HasSubstr(", cancelled"));
    const json zh = page("activities", {{"user", "hana"}, {"locale", "zh-CN"}});
    for (const auto& e : zh["calendar"]["events"]) {
        if (e["id"] == 2 && e["kind"] != "coffee") {
            EXPECT_EQ(e["status_label"], "已取消");
        }
    }
}

TEST_F(ActivitiesPageTest, EveryOutingOfTheRangeIsOnTheCalendar) {
    // 30 outings polled on days of November besides "Hike": no cap of 20.
    for (int i = 0; i < 30; ++i) {
        const int d = i % 28 + 3;  // the 3rd to the 30th: today is the 2nd
        const std::string day = "2026-11-" + std::string(d < 10 ? "0" : "") + std::to_string(d);
        bot.say("hana", "outing new \"Walk " + std::to_string(i) + "\" poll " + day);
    }
    bot.say("hana", "outing new \"Winter party\" poll 2026-12-18");
    auto outings = [](const json& p) {
        std::vector<std::string> titles;
        for (const auto& e : p["calendar"]["events"]) {
            if (e["kind"] == "outing") titles.push_back(e["title"]);
        }
        return titles;
    };
    const auto november = outings(page("activities", {{"user", "hana"}}));
    EXPECT_EQ(november.size(), 31u);
    EXPECT_THAT(november, ::testing::Contains("Walk 0"));
    EXPECT_THAT(november, ::testing::Contains("Walk 29"));
    EXPECT_THAT(november, ::testing::Not(::testing::Contains("Winter party")));
    // December's calendar has December's outing only.
    const auto december = outings(page("activities", {{"user", "hana"}, {"at", "2026-12-14"}}));
    EXPECT_THAT(december, ::testing::ElementsAre("Winter party"));
}

TEST_F(ActivitiesPageTest, AStoppedCoffeeProgrammesRoundsStayMarkedStopped) {
    bot.say("hana", "coffee start every 2w marketing x sales");
    bot.say("mia", "coffee met yes");
    EXPECT_THAT(joined(bot.say("hana", "coffee stop")), HasSubstr("Coffee pairing stopped"));
    const json p = page("activities", {{"user", "hana"}});
    const json round = event(p, "coffee");
    ASSERT_TRUE(round.is_object()) << p["calendar"].dump();
    EXPECT_EQ(round["title"], "Marketing × Sales #1");
    EXPECT_EQ(round["status"], "stopped");
    const std::string today = round["day"];
    EXPECT_EQ(round["stopped"], today);
    EXPECT_EQ(round["status_label"], "Programme stopped on " + today);
    EXPECT_EQ(round["attended"], 1);  // the answers given before it stopped still count
    const json zh = page("activities", {{"user", "hana"}, {"locale", "zh-CN"}});
    EXPECT_EQ(event(zh, "coffee")["status_label"], "项目已于 " + today + " 停止");
    // `coffee stats` shows running programmes only; the calendar keeps the stopped one.
    EXPECT_THAT(joined(bot.say("hana", "coffee stats")), HasSubstr("No coffee pairing"));
}

TEST_F(ActivitiesPageTest, BadInputAndVisibility) {
    // A period with no activities: an empty calendar, the configured budget.
    const json empty = page("activities", {{"user", "hana"}, {"at", "2020-01-06"}});
    EXPECT_TRUE(empty["calendar"]["events"].empty());
    for (const auto& r : empty["budget"]) EXPECT_EQ(r["planned"], 0);
    // Staff do not see the activities, whatever they ask for.
    EXPECT_EQ(get("activities", {{"user", "sam"}, {"view", "team"}}).status, 403);
    EXPECT_EQ(get("activities", {{"user", "mia"}, {"department", "hr"}}).status, 403);
    EXPECT_EQ(get("activities", {{"user", "hana"}, {"period", "year"}}).status, 400);
    // No names of attendees leave the bot: counts only.
    const std::string body = get("activities", {{"user", "sid"}}).body;
    EXPECT_EQ(body.find("Sue Sales"), std::string::npos);
}

}  // namespace
}  // namespace twintrack::testing
