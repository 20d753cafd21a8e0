// The dashboard's data (GET /api/v1/dashboard/{page}) through TestBot: the figures are
// the `metrics` command's for the same view, each role sees what `metrics` lets it see,
// the trends cover the weeks asked for, and the bad input of the issue (an unknown page,
// a period with no data, a tampered scope parameter) is answered as it should be.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/features/metrics/metrics_settings.hpp"
#include "bot/features/reports/report_settings.hpp"
#include "core/text.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

bot::BotSettings settings() {
    bot::BotSettings s;
    s.features.edit<bot::metrics::MetricsSettings>().rates = {{"USD", 7.0}};
    s.features.edit<bot::reports::ReportSettings>().competitors = {{"Huawei", {"华为"}}};
    return s;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s + "\n";
    return out;
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
    DashboardTest() : bot(TestBot::default_start(), settings()) {
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

}  // namespace
}  // namespace twintrack::testing
