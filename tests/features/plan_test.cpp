// The 3-1-3 plan end to end through TestBot: customers put in markets (both languages, an
// unknown market or customer), roles, targets and activities with bad figures (negative
// budget, unknown market, bad quarter), the plan file (CSV and YAML, a malformed one named
// by its line), `plan` with what the field reported per market, the quarterly review post
// (plan vs actual, budgets, contradictions, a quarter with no data, turned off), the
// export as an attachment; the pure parts and the config section with its lines.

#include "bot/features/plan/plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "bot/features/metrics/store/metrics_store.hpp"
#include "bot/features/plan/store/plan_store.hpp"
#include "bot/features/reports/report_settings.hpp"
#include "bot/prompts.hpp"
#include "core/source_dir.hpp"
#include "tests/features/engagement_tables.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

/// The plan feature's own tables on the bot's store (bot/features/plan/store/).
using PlanTable = store::plan::PlanRepository;

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

const bot::Prompts& prompts() {
    static const auto p = bot::Prompts::load(core::source_dir() + "/prompts", "en");
    return *p;
}

bot::BotSettings plan_settings(bool review_post = true) {
    bot::BotSettings s;
    auto& reports = s.features.edit<bot::reports::ReportSettings>();
    reports.competitors = {{"Huawei", {"华为"}}, {"Foo", {}}};
    reports.need_keywords = {{"en", {"sso"}}, {"zh-CN", {"单点登录"}}};
    auto& plan = s.features.edit<bot::plan::PlanSettings>();
    plan.markets = {{"manufacturing", {"制造业", "mfg"}}, {"retail", {"零售"}}};
    plan.review_post = review_post;
    return s;
}

/// 2026-09-20 10:00 in Shanghai: the third quarter, ten days before the fourth.
core::Timestamp september() {
    return core::from_millis(1789869600000);  // 2026-09-20T02:00:00Z
}

class PlanTest : public ::testing::Test {
  protected:
    explicit PlanTest(core::Timestamp start = TestBot::default_start(), bool review_post = true)
        : bot(start, plan_settings(review_post)) {
        bot.add({"mona", "Mona Manager", "marketing", "manager", "Asia/Shanghai"});
        bot.add({"li", "李经理", "marketing", "manager", "Asia/Shanghai", "zh-CN"});
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Asia/Shanghai"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Asia/Shanghai"});
        bot.add({"sid", "Sid Boss", "sales", "manager", "Asia/Shanghai"});
        bot.add({"wang", "王总", "sales", "manager", "Asia/Shanghai", "zh-CN"});
        bot.add({"ada", "Ada Admin", "management", "admin", "Asia/Shanghai"});
        const std::int64_t now = core::to_millis(bot.clock().now());
        bot.store().channel_tracks().upsert({"test", "mkt", "marketing"}, now);
        bot.store().channel_tracks().upsert({"test", "deals", "sales"}, now);
        bot.store().channel_tracks().upsert({"test", "joint", "joint"}, now);
        bot.say("mia", "engagement new ACME");
        bot.say("mia", "engagement new Globex");
        bot.say("mia", "engagement new 三一");
    }
    std::string one(const std::string& who, const std::string& text) {
        const auto r = bot.say(who, text);
        EXPECT_THAT(r, SizeIs(1)) << text;
        return r.empty() ? std::string() : r.front();
    }
    /// The review posts among `posts` in `channel` (other features post there too).
    static std::vector<const core::Post*> in(const std::vector<core::Post>& posts,
                                             const std::string& channel) {
        std::vector<const core::Post*> out;
        for (const auto& p : posts) {
            const bool review = p.text.rfind("3-1-3 plan review", 0) == 0 ||
                                p.text.rfind("3-1-3 计划季度复盘", 0) == 0;
            if (p.to.channel == channel && review) out.push_back(&p);
        }
        return out;
    }
    TestBot bot;
};

TEST_F(PlanTest, CustomersGetAMarketInBothLanguages) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"sam", "customer market ACME manufacturing",
         "ACME is now in market manufacturing: its reports and deals count there in the plan."},
        {"li", "客户市场 三一 制造业",
         "三一 已归入市场 manufacturing：它的报告和交易在计划中计入这个市场。"},
        {"mia", "customer market Globex RETAIL",
         "Globex is now in market retail: its reports and deals count there in the plan."},
        {"mia", "customer market ACME space",
         "\"space\" is not a market of the plan. Markets: manufacturing, retail."},
        {"li", "客户市场 三一 太空", "“太空”不是计划中的市场。可选市场：manufacturing、retail。"},
        {"mia", "customer market Initech retail",
         "I know no customer called \"Initech\". Open one with \"engagement new Initech\"."},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_EQ(one(c.who, c.text), c.expected);
    }
    const auto markets = PlanTable(bot.store().db()).customer_markets();
    std::vector<std::string> values;
    for (const auto& [_, m] : markets) values.push_back(m);
    EXPECT_THAT(values, ElementsAre("manufacturing", "retail", "manufacturing"));
}

TEST_F(PlanTest, OnlyMarketingManagersAndAdminsPlan) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;  ///< a part of the answer
    };
    const std::vector<Case> cases = {
        {"sam", "plan", "needs the role manager / admin"},
        {"mia", "plan target retail revenue=100", "needs the role manager / admin"},
        {"sid", "plan", "The 3-1-3 plan is kept by marketing managers and admins."},
        {"sid", "plan target retail revenue=100",
         "The 3-1-3 plan is kept by marketing managers and admins."},
        {"wang", "计划", "3-1-3 计划由市场部经理和管理员维护。"},
        {"mona", "plan target retail revenue=100", "Target for 2026 in retail: revenue 100 CNY."},
        {"ada", "plan target retail budget=50",
         "Target for 2026 in retail: revenue 100 CNY, cost budget 50 CNY."},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.who) + ": " + c.text);
        EXPECT_THAT(one(c.who, c.text), HasSubstr(c.expected));
    }
    ASSERT_THAT(PlanTable(bot.store().db()).targets(2026), SizeIs(1));
}

TEST_F(PlanTest, BadFiguresAreRefusedAndNothingIsKept) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"mona", "plan target manufacturing revenue=5000000 budget=-800000",
         "The budget cannot be negative (\"-800000\"): write 0 or more."},
        {"li", "计划目标 制造业 收入=500万 预算=-5", "预算不能为负数（“-5”）：请写 0 或更大的数。"},
        {"mona", "plan target mars revenue=1",
         "\"mars\" is not a market of the plan. Markets: manufacturing, retail."},
        {"mona", "plan target retail revenue=lots",
         "\"lots\" is not an amount for the revenue: write a number such as 200000, 20万 or 1.5m."},
        {"mona", "plan target retail",
         "Give the target a figure: revenue=AMOUNT, budget=AMOUNT or both."},
        {"mona", "plan target retail revenue=1 year=20x7",
         "\"20x7\" is not a year: write it like 2027."},
        {"mona", "plan activity \"Fair\" market=moon budget=1",
         "\"moon\" is not a market of the plan. Markets: manufacturing, retail."},
        {"mona", "plan activity \"Fair\" market=retail budget=-1",
         "The budget cannot be negative (\"-1\"): write 0 or more."},
        {"mona", "plan activity \"Fair\" market=retail spent=-1 budget=5",
         "The spent cannot be negative (\"-1\"): write 0 or more."},
        {"li", "计划活动 “展会” 市场=零售", "请写上活动的预算：预算=金额（不花钱就写 0）。"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_EQ(one(c.who, c.text), c.expected);
    }
    EXPECT_THAT(PlanTable(bot.store().db()).targets(2026), IsEmpty());
    EXPECT_THAT(PlanTable(bot.store().db()).activities(), IsEmpty());
    // The same in good order is kept: the Chinese market name and 万 are understood.
    EXPECT_EQ(one("li", "计划活动 “上海展会” 市场=制造业 预算=20万 季度=2027年第1季度"),
              "活动“上海展会”，2027Q1，市场 manufacturing：预算 200,000 CNY。");
    EXPECT_EQ(one("mona",
                  "plan activity \"Shanghai fair\" spent=150000 budget=200000 quarter=2027Q1 "
                  "market=mfg"),
              "Activity \"Shanghai fair\" in 2027Q1 for manufacturing: budget 200,000 CNY, spent "
              "150,000 CNY.");
    ASSERT_THAT(PlanTable(bot.store().db()).activities("2027Q1"), SizeIs(2));
}

const char* const good_csv =
    "plan import\n"
    "kind,market,name,year,quarter,revenue,budget,spent,text\n"
    "outlook,manufacturing,,,,,,,\"Smart factories grow 15% a year, buyers move to "
    "subscriptions\"\n"
    "target,manufacturing,,2026,,5000000,800000,,\n"
    "target,零售,,2026,,1000000,200000,,\n"
    "activity,manufacturing,Shanghai trade fair,,2026Q4,,200000,150000,\n";

TEST_F(PlanTest, ImportReadsCsvOrYamlAndNamesTheLineOfEachProblem) {
    EXPECT_EQ(one("mona", good_csv), "Plan imported: 1 outlook(s), 2 target(s), 1 activit(ies).");
    EXPECT_THAT(PlanTable(bot.store().db()).targets(2026), SizeIs(2));
    EXPECT_THAT(PlanTable(bot.store().db()).outlooks(), SizeIs(1));

    const std::string yaml =
        "plan import\n"
        "outlook:\n"
        "  retail: Stores shrink, online grows\n"
        "targets:\n"
        "  - {market: retail, year: 2027, revenue: 2000000}\n"
        "activities:\n"
        "  - name: Retail roadshow\n"
        "    market: 零售\n"
        "    quarter: 2027Q1\n"
        "    budget: 50万\n";
    EXPECT_EQ(one("ada", yaml), "Plan imported: 1 outlook(s), 1 target(s), 1 activit(ies).");
    ASSERT_THAT(PlanTable(bot.store().db()).activities("2027Q1"), SizeIs(1));
    EXPECT_DOUBLE_EQ(PlanTable(bot.store().db()).activities("2027Q1")[0].budget, 500000);

    struct Case {
        const char* name;
        const char* who;
        std::string text;
        std::vector<std::string> expected;
    };
    const std::vector<Case> cases = {
        {"csv, negative budget and unknown market",
         "mona",
         "plan import\nkind,market,name,year,quarter,revenue,budget,spent,text\n"
         "target,retail,,2027,,100,50,,\n"
         "target,retail,,2027,,100,-50,,\n"
         "activity,mars,Fair,,2027Q1,,10,,\n",
         {"Nothing was imported: the plan file has 2 problem(s).",
          "Line 3: the budget cannot be negative (\"-50\").",
          "Line 4: \"mars\" is not a market of the plan. Markets: manufacturing, retail."}},
        {"csv, unknown kind and column",
         "mona",
         "plan import\nkind,market,colour\nplan,retail,red\n",
         {"Line 1: \"colour\" is not a column of a plan file",
          "Line 2: \"plan\" is not a kind of row (outlook, target, activity)."}},
        {"yaml syntax",
         "mona",
         "plan import\ntargets:\n  - {market: retail, revenue: [1\n",
         {"Nothing was imported", ": this is not valid YAML"}},
        {"yaml, bad quarter and missing budget",
         "li",
         "计划导入\nactivities:\n  - name: 展会\n    market: retail\n    quarter: 2027Q9\n"
         "    budget: 10\n  - name: 路演\n    market: retail\n    quarter: 2027Q1\n",
         {"没有导入任何内容：计划文件有 2 处问题。", "第 2 行：“2027Q9”不是季度（请写 2027Q1）。",
          "第 6 行：缺少 budget。"}},
        {"a file name",
         "mona",
         "plan import plan.csv",
         {"I cannot read files on the server from the chat.", "twintrack plan import plan.csv"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string answer = one(c.who, c.text);
        for (const auto& e : c.expected) EXPECT_THAT(answer, HasSubstr(e));
    }
    // Nothing of the bad files was kept.
    EXPECT_THAT(PlanTable(bot.store().db()).targets(2027), SizeIs(1));
    EXPECT_THAT(PlanTable(bot.store().db()).activities("2027Q1"), SizeIs(1));
}

class PlanFieldTest : public PlanTest {
  protected:
    PlanFieldTest() : PlanTest(september()) {}
    /// One report in the third quarter, then (after the review of it is posted) three in
    /// the fourth, two naming Huawei; a deal won and one open in manufacturing.
    std::vector<core::Post> fill() {
        bot.say("mona", "customer market ACME manufacturing");
        bot.say("mona", "customer market 三一 manufacturing");
        bot.say("mona", "customer market Globex retail");
        bot.say("mona", good_csv);
        bot.say("sam", "report ACME: Huawei came up once, they want sso");
        auto posts = bot.advance(15 * 24h);  // 2026-10-05: the review of 2026Q3 went out
        bot.say("sam", "report ACME: Huawei offered a big discount, they want sso");
        bot.say("sam", "report 三一: 华为 也在谈，客户要单点登录");
        bot.say("sam", "report ACME: pilot next month");
        bot.say("sam", "deal won ACME 120000");
        store::metrics::Deal open;
        open.customer_id = customers_of_bot(bot).find_by_key("globex")->id;
        open.customer_text = "Globex";
        open.amount = open.company_amount = 80000;
        open.currency = "CNY";
        open.created_at = core::to_millis(bot.clock().now());
        store::metrics::DealRepository(bot.store().db()).add(open);
        return posts;
    }
};

TEST_F(PlanFieldTest, PlanShowsEachMarketAgainstWhatTheFieldReported) {
    fill();
    const std::string view = one("mona", "plan");
    EXPECT_THAT(view, HasSubstr("3-1-3 plan, 2026Q4 so far (targets for 2026):"));
    EXPECT_THAT(view, HasSubstr("■ manufacturing (2 customer(s))\n  3 years: Smart factories grow "
                                "15% a year, buyers move to subscriptions"));
    EXPECT_THAT(view, HasSubstr("1 year: target 5,000,000 CNY, won 120,000 CNY (2%), pipeline 0 "
                                "CNY; cost budget 800,000 CNY"));
    EXPECT_THAT(view, HasSubstr("3 months: activities 200,000 CNY, spent 150,000 CNY"));
    EXPECT_THAT(view, HasSubstr("Field: 3 report(s) (last quarter 1, rising); competitors Huawei "
                                "2; price signals"));
    EXPECT_THAT(view, HasSubstr("; needs "));
    EXPECT_THAT(view, HasSubstr("sso 1"));
    EXPECT_THAT(view, HasSubstr("■ retail (1 customer(s))"));
    EXPECT_THAT(view, HasSubstr("won 0 CNY (0%), pipeline 80,000 CNY"));
    EXPECT_THAT(view, HasSubstr("Field: 0 report(s) (last quarter 0, steady)"));

    const std::string zh = one("li", "计划");
    EXPECT_THAT(zh, HasSubstr("一线：3 份报告（上季度 1，上升）；竞品 Huawei 2"));
    EXPECT_THAT(zh, HasSubstr("1 年：目标 5,000,000 CNY，已成交 120,000 CNY（2%）"));
}

TEST_F(PlanFieldTest, QuarterlyReviewGoesToMarketingAndJointWithWhatContradictsThePlan) {
    const auto q3 = fill();
    // The review of 2026Q3 went out on 1 October: one report, from a customer in a target
    // market, nothing won, no activities.
    ASSERT_THAT(in(q3, "mkt"), SizeIs(2));  // en and zh-CN readers
    EXPECT_THAT(in(q3, "joint"), SizeIs(2));
    EXPECT_THAT(in(q3, "deals"), IsEmpty());
    EXPECT_THAT(in(q3, "mkt")[0]->text,
                AllOf(HasSubstr("3-1-3 plan review, 2026Q3 (2026-07-01 to 2026-09-30, "
                                "Asia/Shanghai):"),
                      HasSubstr("• manufacturing: 1 report(s)"),
                      HasSubstr("retail is a target market, but no field report came from it")));

    // 2027-01-01 09:00 in Shanghai: the review of the fourth quarter.
    const auto posts = bot.advance(90 * 24h);
    ASSERT_THAT(in(posts, "mkt"), SizeIs(2));
    ASSERT_THAT(in(posts, "joint"), SizeIs(2));
    EXPECT_THAT(in(posts, "deals"), IsEmpty());
    const std::string en = in(posts, "mkt")[0]->text;
    EXPECT_THAT(en, HasSubstr("3-1-3 plan review, 2026Q4 (2026-10-01 to 2026-12-31, "
                              "Asia/Shanghai):"));
    EXPECT_THAT(en, HasSubstr("• manufacturing: 3 report(s) (before 1, rising); won 120,000 CNY "
                              "this quarter, 120,000 CNY this year of 5,000,000 CNY (2%)"));
    EXPECT_THAT(en, HasSubstr("• Shanghai trade fair (manufacturing): budget 200,000 CNY, spent "
                              "150,000 CNY"));
    EXPECT_THAT(en, HasSubstr("Budget: planned 200,000 CNY, spent 150,000 CNY."));
    EXPECT_THAT(en, HasSubstr("• retail is a target market, but no field report came from it "
                              "this quarter."));
    EXPECT_THAT(en, HasSubstr("• Huawei is rising in target market manufacturing: 2 mentions "
                              "(quarter before: 1)."));
    const std::string zh = in(posts, "mkt")[1]->text;
    EXPECT_THAT(zh,
                AllOf(HasSubstr("3-1-3 计划季度复盘，2026Q4"),
                      HasSubstr("Huawei 在目标市场 manufacturing 上升：2 次提及（上季度 1 次）。"),
                      HasSubstr("retail 是目标市场，但本季度没有来自它的一线报告。")));
    // Posted once: the next is scheduled for April.
    EXPECT_THAT(in(bot.advance(24h), "mkt"), IsEmpty());
}

TEST_F(PlanTest, AQuarterWithNoDataIsSaidPlainly) {
    // Default start: 2026-11-02. Nothing is reported, won or planned.
    const auto posts = bot.advance(61 * 24h);
    ASSERT_THAT(in(posts, "mkt"), SizeIs(2));
    const std::string en = in(posts, "mkt")[0]->text;
    EXPECT_EQ(en,
              "3-1-3 plan review, 2026Q4 (2026-10-01 to 2026-12-31, Asia/Shanghai):\n"
              "Nothing was reported, won or spent on planned activities in 2026Q4: no field "
              "reports, no deals won, no activities.");
    EXPECT_THAT(en, Not(HasSubstr("0 report")));
    EXPECT_EQ(in(posts, "mkt")[1]->text,
              "3-1-3 计划季度复盘，2026Q4（2026-10-01 至 2026-12-31，Asia/Shanghai）：\n"
              "2026Q4 没有任何一线报告、成交或计划活动的花费：没有数据。");
    // Asked for: the same plain words, and a target without data is named.
    bot.say("mona", "plan target retail revenue=100 year=2026");
    EXPECT_THAT(one("li", "计划复盘 季度=2026Q4"),
                HasSubstr("没有数据。目标市场没有来自一线的数据。"));
}

class PlanOffTest : public PlanTest {
  protected:
    PlanOffTest() : PlanTest(TestBot::default_start(), false) {}
};

TEST_F(PlanOffTest, TheReviewPostCanBeTurnedOff) {
    EXPECT_THAT(in(bot.advance(61 * 24h), "mkt"), IsEmpty());
    EXPECT_THAT(in(bot.advance(92 * 24h), "joint"), IsEmpty());
    // The review can still be asked for: by default the quarter that ended.
    EXPECT_THAT(one("mona", "plan review"), HasSubstr("3-1-3 plan review, 2027Q1"));
    EXPECT_THAT(one("mona", "plan review quarter=2026Q4"), HasSubstr("3-1-3 plan review, 2026Q4"));
}

TEST_F(PlanTest, ExportAnswersWithTheCsvAttached) {
    bot.say("mona", good_csv);
    bot.say("mona", "customer market ACME manufacturing");
    bot.say("sam", "report ACME: Huawei again");
    const auto r = bot.say("mona", "plan export plan.csv");
    ASSERT_THAT(r, SizeIs(1));
    EXPECT_THAT(r[0], HasSubstr("The 3-1-3 plan for 2026Q4, 4 row(s), is attached as plan.csv."));
    const core::Post& post = bot.all_posts().back();
    ASSERT_THAT(post.attachments, SizeIs(1));
    EXPECT_EQ(post.attachments[0].name, "plan.csv");
    EXPECT_EQ(post.attachments[0].mime, "text/csv");
    const std::string& csv = post.attachments[0].data;
    EXPECT_THAT(csv, HasSubstr("kind,market,name,year,quarter,revenue,budget,spent,text,reports,"
                               "reports_last_quarter,competitor_mentions,price_signals,pipeline,"
                               "won_year\r\n"));
    EXPECT_THAT(csv, HasSubstr("target,manufacturing,,2026,2026Q4,5000000,800000,,,1,0,1,"));
    EXPECT_THAT(csv,
                HasSubstr("activity,manufacturing,Shanghai trade fair,,2026Q4,,200000,150000,"));
    // The file re-imports as it is.
    EXPECT_EQ(one("mona", "plan import\n" + csv),
              "Plan imported: 1 outlook(s), 2 target(s), 1 activit(ies).");
    EXPECT_THAT(one("li", "计划导出 /etc/passwd"),
                HasSubstr("“passwd”不是 CSV 文件名：计划导出的是 CSV（计划导出 plan.csv）。"));
}

TEST(PlanText, QuartersAmountsAndMarkets) {
    struct QuarterCase {
        const char* text;
        const char* expected;  ///< empty: not a quarter
    };
    const std::vector<QuarterCase> quarters = {
        {"2027Q1", "2027Q1"},
        {"2027-q2", "2027Q2"},
        {"2027 Q3", "2027Q3"},
        {"2027年Q4", "2027Q4"},
        {"2027年第1季度", "2027Q1"},
        {"2027年 第四季度", "2027Q4"},
        {"2027年一季度", "2027Q1"},
        {"2027年第5季度", ""},
        {"2027Q5", ""},
        {"27Q1", ""},
        {"Q1", ""},  // a plan's quarter names its year
        {"第一季度", ""},
        {"2027Q1Q2", ""},
        {"", ""},
    };
    for (const auto& c : quarters) {
        SCOPED_TRACE(c.text);
        const auto q = bot::plan::parse_quarter(prompts(), c.text);
        EXPECT_EQ(q ? q->text() : std::string(), c.expected);
    }
    bot::plan::PlanSettings s;
    s.markets = {{"east-china", {"华东", "East China"}}};
    EXPECT_EQ(bot::plan::find_market(s, " east china "), "east-china");
    EXPECT_EQ(bot::plan::find_market(s, "华东"), "east-china");
    EXPECT_EQ(bot::plan::find_market(s, "north"), std::nullopt);
    EXPECT_EQ(bot::plan::number_text(1234567.5), "1,234,567.5");
    EXPECT_EQ(bot::plan::number_text(0), "0");
}

TEST(PlanConfig, SectionIsCheckedWithItsLines) {
    const YAML::Node node = YAML::Load(
        "markets: [retail, {name: east china}, {name: north, aliases: [retail]}]\n"
        "review_post: {enabled: maybe, tracks: [hr]}\n"
        "colour: red\n");
    core::ConfigErrors errors;
    core::SectionReader section(node, "plan", errors);
    bot::FeatureSettings settings;
    bot::plan::read_config(section, settings);
    const std::string text = errors.describe("twintrack.yaml");
    EXPECT_THAT(text,
                AllOf(HasSubstr("twintrack.yaml:1:"), HasSubstr("must be one word"),
                      HasSubstr("\"retail\" names two markets"), HasSubstr("twintrack.yaml:2:"),
                      HasSubstr("unknown track \"hr\""), HasSubstr("twintrack.yaml:3:")));

    const YAML::Node good = YAML::Load(
        "markets: [retail, {name: east-china, aliases: [华东, East China]}]\n"
        "review_post: {enabled: false, tracks: [marketing], at: \"08:30\"}\n");
    core::ConfigErrors none;
    core::SectionReader ok(good, "plan", none);
    bot::FeatureSettings read;
    bot::plan::read_config(ok, read);
    EXPECT_TRUE(none.empty()) << none.describe("x");
    const auto& plan = read.get<bot::plan::PlanSettings>();
    EXPECT_THAT(bot::plan::market_names(plan), ElementsAre("retail", "east-china"));
    EXPECT_FALSE(plan.review_post);
    EXPECT_THAT(plan.review_tracks, ElementsAre("marketing"));
    EXPECT_EQ(plan.review_minute, 8 * 60 + 30);
}

}  // namespace
}  // namespace twintrack::testing
