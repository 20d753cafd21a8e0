// Field reports end to end through TestBot: one-line filing in both languages with what
// was understood, bad input, redelivery, edits with history, pauses in the person's zone,
// and queries and the competitor timeline on a fake clock across two time zones.

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "bot/features/reports/report_settings.hpp"
#include "bot/features/reports/rotation.hpp"
#include "bot/metrics_settings.hpp"
#include "bot/report_texts.hpp"
#include "core/source_dir.hpp"
#include "tests/features/engagement_tables.hpp"
#include "tests/features/feature_test_helpers.hpp"
#include "tests/features/reports_tables.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;

bot::BotSettings report_settings() {
    bot::BotSettings s;
    s.features.edit<bot::reports::ReportSettings>().competitors = {{"Huawei", {"华为"}},
                                                                   {"Foo", {"富欧"}}};
    s.features.edit<bot::reports::ReportSettings>().need_keywords = {{"en", {"case study"}},
                                                                     {"zh-CN", {"案例"}}};
    return s;
}

class ReportsTest : public ::testing::Test {
  protected:
    ReportsTest() : bot(TestBot::default_start(), report_settings()) {
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.say("mia", "engagement new ACME");
        bot.say("mia", "customer alias ACME 艾克米");
    }
    TestBot bot;
};

TEST_F(ReportsTest, OneLineReportIsSavedWithWhatWasUnderstood) {
    struct Case {
        const char* name;
        const char* who;
        const char* text;
        std::vector<const char*> expected;
    };
    const std::vector<Case> cases = {
        {"the issue's example",
         "sam",
         "report ACME: met their CTO; competitor Foo offered 20% off; they want case studies "
         "#need:case-study",
         {"Saved report #1 on ACME (#acme).", "Competitors: Foo.", "Price signals: -20%.",
          "Needs: case study."}},
        {"Chinese with the full-width colon and an alias",
         "wang",
         "报告 艾克米：竞品华为报价低15%，客户想要案例",
         {"已保存报告 #2（客户：ACME，#acme）。", "竞品：Huawei (华为)。", "价格信号：-15%。",
          "客户需求：案例。"}},
        {"nothing recognised", "sam", "report acme: just a coffee", {"I recognised no competitor"}},
        {"another customer mentioned",
         "sam",
         "report \"Beta\": they buy from ACME too",
         {"Saved report #4 on Beta.", "Also mentioned: ACME.", "I don't know the customer"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto r = bot.say(c.who, c.text);
        // An unknown customer is followed by the question which customer it is.
        ASSERT_THAT(r, SizeIs(std::string(c.name) == "another customer mentioned" ? 2 : 1));
        for (const char* e : c.expected) EXPECT_THAT(r[0], HasSubstr(e));
    }
    const auto first = reports_table(bot).get(1);
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->customer_id.has_value());
    EXPECT_TRUE(first->engagement_id.has_value());
    EXPECT_EQ(first->text,
              "met their CTO; competitor Foo offered 20% off; they want case studies "
              "#need:case-study");
    EXPECT_EQ(bot.store().audit().recent(1).front().action, "report.create");
}

TEST(ReportsPrices, PriceSignalsReadTheSameInBothLanguages) {
    bot::BotSettings s = report_settings();
    s.features.edit<bot::metrics::MetricsSettings>().rates = {{"USD", 7.0}};
    TestBot bot(TestBot::default_start(), s);
    bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
    bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
    bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
    bot.say("mia", "engagement new ACME");
    bot.say("mia", "customer alias ACME 艾克米");
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"sam", "report ACME: Huawei is discounting 20%", "Price signals: -20%."},
        {"wang", "报告 艾克米：华为打八折", "价格信号：-20%。"},
        {"sam", "report ACME: Foo charges $3,000 per seat",
         "Price signals: 3000 USD per seat (≈21000 CNY)."},
        {"wang", "报告 艾克米：富欧每个席位三千美元", "价格信号：3000 USD 每席位 (≈21000 CNY)。"},
        {"sam", "report ACME: Foo quoted £5,000", "Price signals: 5000 GBP."},
        {"wang", "报告 艾克米：富欧报价五千英镑", "价格信号：5000 GBP。"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto r = bot.say(c.who, c.text);
        ASSERT_THAT(r, SizeIs(1));
        EXPECT_THAT(r[0], HasSubstr(c.expected));
    }
}

TEST_F(ReportsTest, UnknownCustomerIsSavedThenPickedFromCloseMatches) {
    bot.say("mia", "engagement new Acme Robotics");
    const auto saved = bot.say("sam", "report Acm: first visit; they want a demo");
    ASSERT_THAT(saved, SizeIs(2));
    EXPECT_THAT(saved[0], HasSubstr("I don't know the customer \"Acm\" yet; the report"));
    EXPECT_THAT(saved[1], AllOf(HasSubstr("1. ACME (艾克米)"), HasSubstr("2. Acme Robotics"),
                                HasSubstr("\"new\"")));
    // Saved before the question was asked: nothing waits on the answer.
    ASSERT_TRUE(reports_table(bot).get(1).has_value());
    EXPECT_FALSE(reports_table(bot).get(1)->customer_id.has_value());
    const auto again = bot.say("sam", "7");
    ASSERT_THAT(again, SizeIs(2));
    EXPECT_THAT(again[0], HasSubstr("with a number from the list"));
    EXPECT_THAT(bot.say("sam", "2"),
                ElementsAre(HasSubstr("Report #1 is now filed under Acme Robotics")));
    const auto r = reports_table(bot).get(1);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->customer_id.has_value());
    EXPECT_TRUE(r->engagement_id.has_value());
    EXPECT_EQ(r->customer_text, "Acme Robotics");
    // The report now shows up under its customer.
    EXPECT_THAT(bot.say("mia", "reports customer Acme Robotics"), ElementsAre(HasSubstr("#1")));
    // A typo finds its customer too.
    EXPECT_THAT(bot.say("sam", "report ACMEE: call back")[1], HasSubstr("1. ACME (艾克米)"));
}

TEST_F(ReportsTest, TheCustomerQuestionNeverBlocksOtherCommands) {
    bot.say("sam", "report Zyx Corp: cold call");
    EXPECT_THAT(bot.say("sam", "ping"), ElementsAre("pong"));
    // The question is gone: a number is no answer to anything now.
    EXPECT_THAT(bot.say("sam", "1"), ElementsAre(HasSubstr("I don't know the command")));
    // And a question that is not answered times out without a word.
    bot.say("sam", "report Qux: hello");
    EXPECT_THAT(bot.advance(std::chrono::hours(1)), IsEmpty());
    EXPECT_FALSE(reports_table(bot).get(2)->customer_id.has_value());
}

TEST_F(ReportsTest, UnknownCustomerCanBeCreatedOrLeftAloneInBothLanguages) {
    EXPECT_THAT(bot.say("wang", "报告 新客户：初次拜访"),
                ElementsAre(HasSubstr("我还不认识客户“新客户”；报告已照常保存"),
                            HasSubstr("回复“新建”为 新客户 新建项目")));
    const auto created = bot.say("wang", "新建");
    EXPECT_THAT(created, Contains(HasSubstr("报告 #1 已归入 新客户")));
    EXPECT_TRUE(customers_of_bot(bot).find_by_key("新客户").has_value());
    EXPECT_TRUE(reports_table(bot).get(1)->engagement_id.has_value());

    bot.say("sam", "report Zyx Corp: cold call");
    EXPECT_THAT(bot.say("sam", "skip"),
                ElementsAre(HasSubstr("Report #2 stays without a customer")));
    EXPECT_FALSE(reports_table(bot).get(2)->customer_id.has_value());
    EXPECT_EQ(reports_table(bot).count({}), 2);
}

TEST_F(ReportsTest, BadInputGetsAClearAnswerAndSavesNothing) {
    const std::string long_text(2001, 'x');
    struct Case {
        const char* who;
        std::string text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"sam", "report ACME:", "The report is empty."},
        {"sam", "report ACME:   ", "The report is empty."},
        {"wang", "报告 艾克米：", "报告是空的。"},
        {"sam", "report ACME: " + long_text, "has 2001 characters; the limit is 2000"},
        {"wang", "报告 艾克米：" + std::string(2001, 'x'), "这份报告有 2001 个字符，上限是 2000"},
        {"sam", "report met their CTO", "Please name the customer before a colon"},
        {"sam", "report : text", "Please name the customer before a colon"},
        {"sam", "report " + std::string(101, 'a') + ": text",
         "Please name the customer before a colon"},
        {"wang", "报告 拜访了客户", "请在冒号前写明客户"},
        {"sam", "report 99", "There is no report #99."},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text.substr(0, 40));
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    EXPECT_EQ(reports_table(bot).count({}), 0);
}

TEST_F(ReportsTest, RedeliveredReportIsSavedOnce) {
    core::Event e;
    e.id = "report-once-1";
    e.where = {"test", "@sam", ""};
    e.who = {"test", "sam", "sam"};
    e.text = "report ACME: competitor Foo offered 20% off";
    e.direct = true;
    EXPECT_THAT(texts(bot.deliver(e)), ElementsAre(HasSubstr("Saved report #1")));
    EXPECT_THAT(texts(bot.deliver(e)), IsEmpty());
    bot.restart();
    EXPECT_THAT(texts(bot.deliver(e)), IsEmpty());
    EXPECT_EQ(reports_table(bot).count({}), 1);
}

TEST_F(ReportsTest, EditKeepsVersionsAndOnlyTheAuthorMayEdit) {
    bot.say("sam", "report ACME: competitor Foo offered 20% off");
    bot.clock().advance(1h);
    EXPECT_THAT(
        bot.say("sam", "report edit 1 competitor Foo offered 25% off; they want a case study"),
        ElementsAre(AllOf(HasSubstr("Report #1 is now at version 2"),
                          HasSubstr("Price signals: -25%."), HasSubstr("Needs: case study."))));
    EXPECT_THAT(bot.say("wang", "修改报告 1 竞品华为报价低10%"),
                ElementsAre("报告 #1 由 Sam Seller 提交，只有提交人可以修改。"));
    // Declared: the text is required; the parser answers its absence.
    EXPECT_THAT(bot.say("sam", "report edit 1"), ElementsAre(HasSubstr("report edit needs TEXT.")));
    EXPECT_THAT(bot.say("sam", "report edit x text"), ElementsAre(HasSubstr("Usage: report edit")));
    EXPECT_THAT(bot.say("sam", "report edit 7 text"), ElementsAre("There is no report #7."));

    // The card shows the latest text and the history in the reader's zone.
    const auto card = bot.say("wang", "报告 1");
    ASSERT_THAT(card, SizeIs(1));
    EXPECT_THAT(card[0],
                AllOf(HasSubstr("报告 #1，客户：ACME（#acme），Sam Seller 提交于 2026-11-02 17:00"
                                "（Asia/Shanghai），第 2 版"),
                      HasSubstr("competitor Foo offered 25% off"), HasSubstr("修改记录："),
                      HasSubstr("• 第 1 版 2026-11-02 17:00 Sam Seller：competitor Foo offered "
                                "20% off"),
                      HasSubstr("• 第 2 版 2026-11-02 18:00 Sam Seller：")));
    EXPECT_THAT(bot.say("mia", "report #1"),
                ElementsAre(AllOf(HasSubstr("Report #1 on ACME (#acme) by Sam Seller, "
                                            "2026-11-02 10:00 (Europe/Berlin), version 2"),
                                  HasSubstr("• v1 2026-11-02 10:00 Sam Seller:"))));
    // Only the latest version's facts count.
    EXPECT_EQ(reports_table(bot).versions(1).size(), 2u);
    EXPECT_THAT(bot.say("mia", "intel Foo"),
                ElementsAre(AllOf(HasSubstr("-25%"), Not(HasSubstr("-20%")))));
}

TEST_F(ReportsTest, DialogAsksOneQuestionAtATimeWithSkipBackAndEmptyAnswers) {
    struct Step {
        const char* answer;
        std::vector<const char*> expected;  // substrings of the last post
    };
    const std::vector<Step> steps = {
        {"report", {"(1/5) Which customers did you meet?"}},
        {"ACME, NewCo", {"(2/5) Any stage changes"}},
        {"skip", {"(3/5) Did you see competitors?"}},
        {"back", {"(2/5) Any stage changes"}},
        {"ACME moved to proposal", {"(3/5) Did you see competitors?"}},
        {"Foo offered 20% off", {"(4/5) What do customers need"}},
        {"   ", {"(4/5) What do customers need"}},
        {"case studies, pilot", {"(5/5) What help do you want from marketing?"}},
        {"slides for the CFO",
         {"Saved report #1 on ACME (#acme).", "Competitors: Foo.", "Price signals: -20%.",
          "Needs: case study, pilot.", "Help wanted from marketing: slides for the CFO."}},
    };
    for (const auto& s : steps) {
        SCOPED_TRACE(s.answer);
        const auto r = bot.say("sam", s.answer);
        ASSERT_THAT(r, Not(IsEmpty()));
        for (const char* e : s.expected) EXPECT_THAT(r.back(), HasSubstr(e));
    }
    EXPECT_THAT(bot.say("sam", "report 1"),
                ElementsAre(AllOf(HasSubstr("Customers met: ACME, NewCo\nStage changes: ACME "
                                            "moved to proposal\nCompetitors: Foo offered 20% off"),
                                  HasSubstr("Help wanted: slides for the CFO"))));
    const auto saved = reports_table(bot).get(1);
    ASSERT_TRUE(saved.has_value());
    EXPECT_EQ(saved->source, "dialog");
}

TEST_F(ReportsTest, DialogInChineseAndWaysToEndItWithoutSaving) {
    struct Case {
        const char* name;
        const char* who;
        std::vector<const char*> answers;
        const char* expected;  // in the last post
    };
    const std::vector<Case> cases = {
        {"Chinese, skipping some questions",
         "wang",
         {"报告", "艾克米", "跳过", "竞品华为报价低15%", "案例", "跳过"},
         "已保存报告 #1（客户：ACME，#acme）。竞品：Huawei "
         "(华为)。价格信号：-15%。客户需求：案例。"},
        {"cancel", "sam", {"report", "ACME", "cancel"}, "Cancelled."},
        {"Chinese cancel", "wang", {"报告", "取消"}, "已取消"},
        {"everything skipped",
         "sam",
         {"report", "skip", "skip", "skip", "skip", "skip"},
         "Every question was skipped, so there is nothing to save."},
        {"Chinese empty answer", "wang", {"报告", "　"}, "没有收到回答。"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        std::vector<std::string> r;
        for (const char* a : c.answers) r = bot.say(c.who, a);
        ASSERT_THAT(r, Not(IsEmpty()));
        EXPECT_THAT(r.front(), HasSubstr(c.expected));
    }
    EXPECT_EQ(reports_table(bot).count({}), 1);
}

TEST(ReportPause, DateIsReadInThePersonsZone) {
    // 20:00 UTC on Monday 2 November: already Tuesday 04:00 in Shanghai, 21:00 in Berlin.
    TestBot bot(utc(2026, 11, 2, 20), report_settings());
    bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
    bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        // Declared (bot/args.hpp): the date is read like every date a command takes (today,
        // tomorrow and 12月24日 too, in the writer's zone) and kept as YYYY-MM-DD; `until`
        // may be left out.
        {"sam", "report pause until tomorrow", "until the end of 2026-11-03;"},
        {"wang", "暂停报告 12月1日", "在 2026-12-01 结束前不再向你询问报告"},
        {"sam", "report pause until 2026-11-02",
         "No report questions for you until the end of 2026-11-02; they start again "
         "2026-11-03 00:00 (Europe/Berlin)."},
        {"wang", "暂停报告 至 2026-11-02", "2026-11-02 已经过去了。"},
        {"wang", "报告 暂停 2026-11-20",
         "在 2026-11-20 结束前不再向你询问报告；将于 2026-11-21 00:00（Asia/Shanghai）恢复。"},
        {"sam", "report pause until 2026-02-30", "\"2026-02-30\" is not a date"},
        {"sam", "report pause until someday", "\"someday\" is not a date"},
        {"wang", "暂停报告 至 某天", "“某天”不是日期"},
        {"sam", "report pause until 2028-01-01", "more than 366 days away"},
        {"sam", "report pause", "report pause needs YYYY-MM-DD."},
        {"wang", "暂停报告", "暂停报告需要YYYY-MM-DD。"},
        {"sam", "report pause until", "\"until\" needs YYYY-MM-DD after it."},
        {"wang", "暂停报告 至", "“至”后面需要写上YYYY-MM-DD"},
        {"sam", "report pause 2026-12-01 please", "I did not expect \"please\" here."},
        {"sam", "help report pause", "report pause until YYYY-MM-DD"},
        {"wang", "帮助 暂停报告", "暂停报告 至 YYYY-MM-DD"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    const auto sam = reports_table(bot).pause(bot.engine().directory().all()[0].id);
    ASSERT_TRUE(sam.has_value());
    EXPECT_EQ(sam->until_date, "2026-11-02");
    EXPECT_EQ(sam->until_at, core::to_millis(utc(2026, 11, 2, 23)));
}

class ReportQueriesTest : public ::testing::Test {
  protected:
    // Filed on Sunday 8 November 20:00 UTC (Monday 04:00 in Shanghai, Sunday 21:00 in
    // Berlin), on Monday 9 November 08:00 UTC and on Tuesday 3 November.
    ReportQueriesTest() : bot(utc(2026, 11, 3, 8), report_settings()) {
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.say("mia", "engagement new ACME");
        bot.say("mia", "engagement new Beta");
        bot.say("sam", "report ACME: Huawei quoted 10% lower");  // #1, Tue 3 Nov
        bot.clock().set(utc(2026, 11, 8, 20));
        bot.say("wang", "报告 Beta：竞品华为报价低15%，客户想要案例");  // #2, Sun 20:00 UTC
        bot.clock().set(utc(2026, 11, 9, 8));
        bot.say("sam", "report Beta: Foo offered ¥20,000 off, ACME heard the same");  // #3
        bot.clock().set(utc(2026, 11, 9, 10));
    }
    TestBot bot;
};

std::vector<std::string> report_ids_in(const std::string& text) {
    const std::string mark = "• #";
    std::vector<std::string> out;
    for (std::size_t at = text.find(mark); at != std::string::npos; at = text.find(mark, at + 1)) {
        const std::size_t from = at + mark.size();
        out.push_back(text.substr(from, text.find(' ', from) - from));
    }
    return out;
}

TEST_F(ReportQueriesTest, FiltersByPeriodPersonCustomerAndCompetitor) {
    struct Case {
        const char* who;
        const char* text;
        std::vector<std::string> ids;
    };
    const std::vector<Case> cases = {
        {"sam", "reports", {"3", "2", "1"}},
        // This week began Monday 00:00 local: 8 Nov 23:00 UTC in Berlin, 16:00 UTC in
        // Shanghai, so #2 (Sunday 20:00 UTC) is this week only for the reader in Shanghai.
        {"sam", "reports week", {"3"}},
        {"wang", "报告列表 本周", {"3", "2"}},
        {"sam", "reports since 2026-11-09", {"3"}},
        {"wang", "报告列表 自 2026-11-09", {"3", "2"}},
        {"sam", "reports since 2026-11-04", {"3", "2"}},
        {"sam", "reports by @wang", {"2"}},
        {"wang", "报告列表 由 @sam", {"3", "1"}},
        {"sam", "reports customer ACME", {"3", "1"}},
        {"sam", "reports customer beta by @sam", {"3"}},
        {"sam", "reports competitor 华为", {"2", "1"}},
        {"wang", "报告列表 竞品 Huawei 本周", {"2"}},
        {"sam", "reports competitor foo customer beta", {"3"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto r = bot.say(c.who, c.text);
        ASSERT_THAT(r, SizeIs(1));
        EXPECT_EQ(report_ids_in(r[0]), c.ids) << r[0];
    }
}

TEST_F(ReportQueriesTest, ListShowsLocalTimesAndFacts) {
    const auto en = bot.say("sam", "reports week");
    EXPECT_THAT(
        en, ElementsAre(AllOf(HasSubstr("Field reports (1) since 2026-11-09 00:00, times in "
                                        "Europe/Berlin:"),
                              HasSubstr("• #3 2026-11-09 09:00 Sam Seller on Beta: Foo offered"),
                              HasSubstr("[competitors: Foo] [prices: -20000 CNY]"))));
    const auto zh = bot.say("wang", "报告列表 本周");
    EXPECT_THAT(
        zh, ElementsAre(AllOf(
                HasSubstr("一线报告（共 2 份），自 2026-11-09 00:00 起，时间按 Asia/Shanghai："),
                HasSubstr("• #2 2026-11-09 04:00 王芳，客户：Beta："),
                HasSubstr("[竞品：Huawei (华为)] [价格：-15%] [需求：案例]"))));
    EXPECT_THAT(bot.say("sam", "reports competitor Nobody"),
                ElementsAre("No field reports match."));
    EXPECT_THAT(bot.say("wang", "报告列表 自 2026-13-01"),
                ElementsAre(HasSubstr("“2026-13-01”不是日期")));
    EXPECT_THAT(bot.say("sam", "reports lately"), ElementsAre(HasSubstr("Usage: reports")));
    EXPECT_THAT(bot.say("sam", "reports by @nobody"), ElementsAre(Not(HasSubstr("Field reports"))));
}

// reports and report edit are declared (bot/args.hpp): a bad token is named by the
// parser in the writer's language, `help` shows the declaration, and the key words may
// come in any order.
TEST_F(ReportQueriesTest, DeclaredReportCommandsNameTheBadToken) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"sam", "reports since someday", "\"someday\" is not a date"},
        {"wang", "报告列表 自 某天", "“某天”不是日期"},
        {"sam", "reports by", "\"by\" needs @PERSON after it."},
        {"wang", "报告列表 由", "“由”后面需要写上@某人"},
        {"sam", "reports week lately", "I did not expect \"lately\" here."},
        {"wang", "报告列表 本周 最近", "这里不该有“最近”"},
        {"sam", "reports colour=red", "\"colour=\" is not an option of reports."},
        {"sam", "report edit x met them again", "\"x\" is not a number"},
        {"wang", "修改报告 第一 又见面了", "“第一”不是编号"},
        {"sam", "report edit 1", "report edit needs TEXT."},
        {"wang", "修改报告 1", "修改报告需要文本。"},
        {"sam", "help reports",
         "reports [since DATE] [by @PERSON] [customer CUSTOMER] [competitor COMPETITOR] [week]"},
        {"wang", "帮助 报告列表", "报告列表 [自 日期] [由 @某人] [客户 客户] [竞品 竞品] [本周]"},
        {"sam", "help report edit", "report edit ID TEXT"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    // The key words in another order; a date in words.
    EXPECT_THAT(bot.say("sam", "reports by @sam customer beta"),
                ElementsAre(HasSubstr("Field reports (1)")));
    EXPECT_THAT(bot.say("wang", "报告列表 自 2026年11月9日 由 @wang"),
                ElementsAre(HasSubstr("一线报告（共 1 份），自 2026-11-09 00:00 起")));
}

TEST_F(ReportQueriesTest, IntelIsATimelineOfACompetitor) {
    const auto en = bot.say("sam", "intel huawei");
    ASSERT_THAT(en, SizeIs(1));
    EXPECT_THAT(en[0],
                AllOf(HasSubstr("Huawei: 2 report(s), oldest first, times in Europe/Berlin:"),
                      HasSubstr("• 2026-11-03 09:00 Sam Seller · customers: ACME · prices: "
                                "-10% (#1)"),
                      HasSubstr("• 2026-11-08 21:00 王芳 · customers: Beta · prices: -15% · "
                                "needs: 案例 (#2)")));
    EXPECT_LT(en[0].find("(#1)"), en[0].find("(#2)"));
    const auto zh = bot.say("wang", "情报 华为");
    EXPECT_THAT(
        zh, ElementsAre(AllOf(HasSubstr("Huawei：共 2 份报告，按时间先后，时间按 Asia/Shanghai："),
                              HasSubstr("• 2026-11-09 04:00 王芳 · 客户：Beta · 价格：-15% · "
                                        "需求：案例（#2）"))));
    EXPECT_THAT(bot.say("sam", "intel Foo"), ElementsAre(HasSubstr("customers: Beta, ACME")));
    EXPECT_THAT(bot.say("sam", "intel Nokia"), ElementsAre("No field report mentions Nokia yet."));
    EXPECT_THAT(bot.say("wang", "情报"), ElementsAre(HasSubstr("情报 竞品")));
    // Declared: the parser answers a missing competitor, `help` shows the declaration, and
    // the name is the rest of the line (an "=" in it is the name's).
    EXPECT_THAT(bot.say("sam", "intel"), ElementsAre(AllOf(HasSubstr("intel needs COMPETITOR."),
                                                           HasSubstr("Usage: intel COMPETITOR"))));
    EXPECT_THAT(bot.say("wang", "情报"), ElementsAre(HasSubstr("情报需要竞品。")));
    EXPECT_THAT(bot.say("sam", "help intel"), ElementsAre(HasSubstr("intel COMPETITOR")));
    EXPECT_THAT(bot.say("wang", "帮助 情报"), ElementsAre(HasSubstr("情报 竞品")));
    EXPECT_THAT(bot.say("sam", "intel A=B Labs"),
                ElementsAre("No field report mentions A=B Labs yet."));
}

TEST_F(ReportsTest, HubApiServesTheReportsAsCsv) {
    bot.say("sam", "report ACME: competitor Foo offered 20% off");
    bot.say("wang", "report 艾克米：竞品华为报价低15%，客户想要案例");
    const auto r = bot.api("GET", "/api/v1/reports.csv");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
    const std::string header =
        "id,filed_at_utc,author,author_email,customer,engagement_id,version,text,competitors,"
        "price_signals,needs,help_wanted,tags";
    EXPECT_EQ(r.body.substr(0, header.size()), header);
    EXPECT_THAT(r.body, HasSubstr("Sam Seller,sam@example.com,ACME"));
    EXPECT_THAT(r.body, HasSubstr("王芳,wang@example.com,ACME"));
    EXPECT_THAT(r.body, HasSubstr("Huawei"));
    EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 3) << r.body;
    EXPECT_EQ(bot.api("POST", "/api/v1/reports.csv").status, 405);
}

// --- field rotation -------------------------------------------------------------------

class RotationTest : public ::testing::Test {
  protected:
    // Wednesday 2026-11-04 09:00 UTC; the company zone is Asia/Shanghai.
    RotationTest() : bot(utc(2026, 11, 4, 9), report_settings()) {
        bot.add({"boss", "Bo Manager", "marketing", "manager", "Asia/Shanghai"});
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"max", "Max Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.say("sam", "engagement new ACME");
    }
    TestBot bot;
};

TEST_F(RotationTest, PlanTellsBothSidesAndRoundsCoverEveryoneBeforeRepeats) {
    const auto posts = bot.deliver([] {
        core::Event e;
        e.where = {"test", "@boss", ""};
        e.who = {"test", "boss", "boss"};
        e.text = "rotation plan marketing with sales batch=2 every=2w";
        e.direct = true;
        return e;
    }());
    std::map<std::string, std::vector<std::string>> to;
    for (const auto& p : posts) to[p.to.channel].push_back(p.text);
    // The manager plans; staff go.
    ASSERT_THAT(to["@boss"], SizeIs(1));
    EXPECT_THAT(
        to["@boss"][0],
        AllOf(HasSubstr("Field rotation #1: 2 from Marketing join Sales"),
              HasSubstr("every 14 days, from 2026-11-09 09:00 (Asia/Shanghai)"),
              HasSubstr("Mia Marketer with Sam Seller"), HasSubstr("Max Marketer with 王芳")));
    // Both sides are told, each in their own language and zone.
    EXPECT_THAT(to["@mia"], ElementsAre(HasSubstr("you join Sam Seller in the field")));
    EXPECT_THAT(to["@mia"][0],
                HasSubstr("from 2026-11-09 02:00 to 2026-11-23 02:00 (Europe/Berlin)"));
    EXPECT_THAT(to["@wang"], ElementsAre(HasSubstr("市场部的 Max Marketer 将于 2026-11-09 09:00")));
    EXPECT_THAT(to["@sam"], ElementsAre(HasSubstr("Mia Marketer from Marketing joins you")));

    // Round 2 is planned two days before it starts (2026-11-21 09:00 Shanghai), not sooner.
    bot.advance(std::chrono::hours(24 * 16));
    EXPECT_THAT(rotations_table(bot).round(1, 2), IsEmpty());
    bot.advance(std::chrono::hours(24));
    EXPECT_THAT(rotations_table(bot).round(1, 2), SizeIs(2));
    EXPECT_THAT(bot.say("boss", "rotation"), Contains(HasSubstr("round 2")));
}

TEST_F(RotationTest, ReportsDuringAndAfterTheRoundAreTaggedRotation) {
    bot.say("boss", "rotation plan marketing with sales batch=1 every=1w");
    // Before the round starts: no tag.
    EXPECT_THAT(bot.say("mia", "report ACME: preparing"), Not(Contains(HasSubstr("rotation"))));
    bot.advance(std::chrono::hours(24 * 6));  // Tuesday of the round
    EXPECT_THAT(bot.say("mia", "report ACME: they asked for a demo"),
                Contains(HasSubstr("Tagged rotation")));
    EXPECT_THAT(bot.say("max", "report ACME: follow-up"), Not(Contains(HasSubstr("rotation"))));
    EXPECT_EQ(reports_table(bot).get(2)->tags, "rotation");
    EXPECT_EQ(reports_table(bot).get(3)->tags, "");
    EXPECT_THAT(bot.say("mia", "reports"), ElementsAre(HasSubstr("[rotation]")));
    EXPECT_THAT(bot.api("GET", "/api/v1/reports.csv").body, HasSubstr(",rotation\r\n"));
}

TEST_F(RotationTest, BadPlansAreAnsweredAndStaffMayNotPlan) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"boss", "rotation plan marketing sales", "I did not expect \"sales\" here."},
        {"boss", "rotation plan marketing with sales every=2x from=明年", "\"明年\" is not a date"},
        {"boss", "rotation plan marketing with sales size=2", "\"size=\" is not an option"},
        {"boss", "rotation plan marketing with finance", "\"finance\" is not a department"},
        {"boss", "rotation plan sales with sales", "two different departments"},
        {"boss", "rotation plan marketing with sales batch=0", "batch=0 is not a number"},
        {"boss", "rotation plan marketing with sales every=2x", "every=2x is not a period"},
        {"boss", "rotation plan marketing with sales from=2026-02-30", "not a date"},
        {"boss", "rotation plan marketing with sales from=2026-11-01", "is in the past"},
        {"boss", "rotation plan marketing with hr", "HR has no staff yet"},
        {"boss", "轮岗计划 市场部 和 销售部 每批=abc", "batch=abc is not a number from 1 to 100"},
        {"boss", "rotation stop 9", "no running field rotation #9"},
        {"mia", "rotation plan marketing with sales", "needs the role"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    EXPECT_THAT(rotations_table(bot).active(), IsEmpty());
}

// rotation stop and rotation plan are declared (bot/args.hpp): a missing word, a word that
// is not a number or not a date is answered by the parser in the writer's language.
TEST_F(RotationTest, DeclaredRotationCommandsAnswerInBothLanguages) {
    bot.add({"zhou", "周经理", "sales", "manager", "Asia/Shanghai", "zh-CN"});
    struct Case {
        const char* who;
        const char* text;
        std::vector<const char*> expected;
    };
    const std::vector<Case> cases = {
        {"boss", "rotation stop first", {"\"first\" is not a number", "Usage: rotation stop ID"}},
        {"zhou", "停止轮岗 第一个", {"“第一个”不是编号", "用法：停止轮岗 编号"}},
        {"boss", "rotation stop", {"rotation stop needs ID."}},
        {"zhou", "停止轮岗", {"停止轮岗需要编号。"}},
        {"zhou", "停止轮岗 #9", {"#9"}},
        {"boss", "rotation plan marketing", {"rotation plan needs with DEPARTMENT."}},
        {"zhou", "轮岗计划 市场部", {"轮岗计划需要和 部门。", "用法：轮岗计划 部门 和 部门"}},
        {"zhou", "轮岗计划 市场部 和 销售部 从=某天", {"“某天”不是日期"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto r = bot.say(c.who, c.text);
        ASSERT_EQ(r.size(), 1u);
        for (const char* e : c.expected) EXPECT_THAT(r[0], HasSubstr(e));
    }
}

TEST_F(RotationTest, StoppedPlansPlanNoFurtherRounds) {
    bot.say("boss", "rotation plan marketing with sales batch=1 every=1w");
    EXPECT_THAT(bot.say("boss", "rotation stop 1"), ElementsAre(HasSubstr("is stopped")));
    bot.advance(std::chrono::hours(24 * 30));
    EXPECT_THAT(rotations_table(bot).round(1, 2), IsEmpty());
    EXPECT_THAT(bot.say("boss", "rotation"), Contains(HasSubstr("No field rotation")));
}

TEST(RotationPick, EveryoneGoesOnceBeforeAnyoneGoesTwiceAndHostsShareTheLoad) {
    const std::vector<std::int64_t> goers = {1, 2, 3, 4, 5};
    const std::vector<std::int64_t> hosts = {10, 11};
    std::map<std::int64_t, int> went, hosted;
    for (int round = 0; round < 5; ++round) {
        for (const auto& [g, h] : bot::reports::pick_round(goers, hosts, 2, went, hosted)) {
            ++went[g];
            ++hosted[h];
        }
        int most = 0, least = 99;
        for (auto id : goers) {
            most = std::max(most, went[id]);
            least = std::min(least, went[id]);
        }
        EXPECT_LE(most - least, 1) << "round " << round;
        EXPECT_LE(std::abs(hosted[10] - hosted[11]), 1) << "round " << round;
    }
    EXPECT_EQ(went[1], 2);
    EXPECT_EQ(went[5], 2);
    EXPECT_THAT(bot::reports::pick_round(goers, {}, 2, {}, {}), IsEmpty());
}

TEST(RotationPeriod, DaysAndWeeksInBothLanguages) {
    static const auto prompts = bot::Prompts::load(core::source_dir() + "/prompts", "en");
    auto parse_period_days = [](const std::string& text) {
        return bot::reports::parse_period_days(*prompts, text);
    };
    EXPECT_EQ(parse_period_days("2w"), 14);
    EXPECT_EQ(parse_period_days("10d"), 10);
    EXPECT_EQ(parse_period_days("2周"), 14);
    EXPECT_EQ(parse_period_days("3天"), 3);
    EXPECT_EQ(parse_period_days("0d"), std::nullopt);
    EXPECT_EQ(parse_period_days("53w"), std::nullopt);
    EXPECT_EQ(parse_period_days("w"), std::nullopt);
    EXPECT_EQ(parse_period_days("2 weeks"), std::nullopt);
    // Units only the prompts name: 星期 and 日 (zh-CN), "days" (en).
    EXPECT_EQ(parse_period_days("2星期"), 14);
    EXPECT_EQ(parse_period_days("5日"), 5);
    EXPECT_EQ(parse_period_days("5days"), 5);
}

// What other features read of reports goes through the engine's services, not the
// feature's internals: the metrics' summaries take each text's competitors and needs (in
// both languages), the names known, and the reports' texts from reports::ReportTexts.
TEST_F(ReportsTest, ReportTextsServiceReadsAnyTextAndTheReportsFiled) {
    const auto* texts = bot.engine().services().find<bot::reports::ReportTexts>();
    ASSERT_NE(texts, nullptr);
    const auto reader = texts->mention_reader();
    const auto en = reader->read("Foo offered 20% off and they want a case study");
    EXPECT_THAT(en.competitors, ElementsAre("Foo"));
    EXPECT_THAT(en.needs, Contains(HasSubstr("case stud")));
    const auto zh = reader->read("富欧报价很低，客户要案例");
    EXPECT_THAT(zh.competitors, ElementsAre("Foo"));
    EXPECT_THAT(zh.needs, Not(IsEmpty()));
    const auto nothing = reader->read("just a coffee");
    EXPECT_THAT(nothing.competitors, IsEmpty());
    EXPECT_THAT(nothing.needs, IsEmpty());
    ASSERT_THAT(reader->customers(), SizeIs(1));
    EXPECT_EQ(reader->customers()[0].name, "ACME");
    EXPECT_THAT(reader->customers()[0].aliases, Contains("艾克米"));
    EXPECT_THAT(reader->competitors(), SizeIs(2));

    bot.say("sam", "report ACME: the first visit");
    bot.clock().advance(1h);
    bot.say("sam", "report ACME: the second visit");
    store::ReportFilter all;
    all.limit = -1;
    const auto filed = texts->filed(all);
    ASSERT_THAT(filed, SizeIs(2));
    EXPECT_THAT(filed[0].text, HasSubstr("first"));
    EXPECT_THAT(filed[1].text, HasSubstr("second"));
    ASSERT_TRUE(texts->report(filed[1].id).has_value());
    EXPECT_EQ(texts->report(filed[1].id)->text, filed[1].text);
    EXPECT_FALSE(texts->report(filed[1].id + 100).has_value());
}

}  // namespace
}  // namespace twintrack::testing
