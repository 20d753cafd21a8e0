// Field reports end to end through TestBot: one-line filing in both languages with what
// was understood, bad input, redelivery, edits with history, pauses in the person's zone,
// and queries and the competitor timeline on a fake clock across two time zones.

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;

core::Timestamp utc(int y, unsigned m, unsigned d, int h, int min = 0) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        date::sys_days{date::year{y} / m / d} + std::chrono::hours(h) + std::chrono::minutes(min));
}

bot::BotSettings settings() {
    bot::BotSettings s;
    s.reports.competitors = {{"Huawei", {"华为"}}, {"Foo", {"富欧"}}};
    s.reports.need_keywords = {{"en", {"case study"}}, {"zh-CN", {"案例"}}};
    return s;
}

class ReportsTest : public ::testing::Test {
  protected:
    ReportsTest() : bot(TestBot::default_start(), settings()) {
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
         {"Saved report #4 on Beta.", "Also mentioned: ACME.", "engagement new Beta"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto r = bot.say(c.who, c.text);
        ASSERT_THAT(r, SizeIs(1));
        for (const char* e : c.expected) EXPECT_THAT(r[0], HasSubstr(e));
    }
    const auto first = bot.store().reports().get(1);
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->customer_id.has_value());
    EXPECT_TRUE(first->engagement_id.has_value());
    EXPECT_EQ(first->text,
              "met their CTO; competitor Foo offered 20% off; they want case studies "
              "#need:case-study");
    EXPECT_EQ(bot.store().audit().recent(1).front().action, "report.create");
}

TEST_F(ReportsTest, UnknownCustomerIsSavedAndCreatingItIsOffered) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"sam", "report NewCo: first visit", "I don't know the customer \"NewCo\" yet; the report"},
        {"wang", "报告 新客户：初次拜访",
         "我还不认识客户“新客户”；报告已照常保存。如需跟进，请用“新建项目 新客户”"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    const auto r = bot.store().reports().get(1);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->customer_id.has_value());
    EXPECT_EQ(r->customer_text, "NewCo");
    EXPECT_EQ(bot.store().reports().count({}), 2);
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
    EXPECT_EQ(bot.store().reports().count({}), 0);
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
    EXPECT_EQ(bot.store().reports().count({}), 1);
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
    EXPECT_THAT(bot.say("sam", "report edit 1"), ElementsAre(HasSubstr("The report is empty.")));
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
    EXPECT_EQ(bot.store().reports().versions(1).size(), 2u);
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
    const auto saved = bot.store().reports().get(1);
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
    EXPECT_EQ(bot.store().reports().count({}), 1);
}

TEST(ReportPause, DateIsReadInThePersonsZone) {
    // 20:00 UTC on Monday 2 November: already Tuesday 04:00 in Shanghai, 21:00 in Berlin.
    TestBot bot(utc(2026, 11, 2, 20), settings());
    bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
    bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"sam", "report pause until 2026-11-02",
         "No report questions for you until the end of 2026-11-02; they start again "
         "2026-11-03 00:00 (Europe/Berlin)."},
        {"wang", "暂停报告 至 2026-11-02", "2026-11-02 已经过去了。"},
        {"wang", "报告 暂停 2026-11-20",
         "在 2026-11-20 结束前不再向你询问报告；将于 2026-11-21 00:00（Asia/Shanghai）恢复。"},
        {"sam", "report pause until 2026-02-30", "\"2026-02-30\" is not a date."},
        {"sam", "report pause until tomorrow", "\"tomorrow\" is not a date."},
        {"wang", "暂停报告 至 2026/12/01", "“2026/12/01”不是有效日期。"},
        {"sam", "report pause until 2028-01-01", "more than 366 days away"},
        {"sam", "report pause", "Usage: report pause"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    const auto sam = bot.store().reports().pause(bot.engine().directory().all()[0].id);
    ASSERT_TRUE(sam.has_value());
    EXPECT_EQ(sam->until_date, "2026-11-02");
    EXPECT_EQ(sam->until_at, core::to_millis(utc(2026, 11, 2, 23)));
}

class ReportQueriesTest : public ::testing::Test {
  protected:
    // Filed on Sunday 8 November 20:00 UTC (Monday 04:00 in Shanghai, Sunday 21:00 in
    // Berlin), on Monday 9 November 08:00 UTC and on Tuesday 3 November.
    ReportQueriesTest() : bot(utc(2026, 11, 3, 8), settings()) {
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

std::vector<std::string> ids_in(const std::string& text) {
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
        EXPECT_EQ(ids_in(r[0]), c.ids) << r[0];
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
    EXPECT_THAT(bot.say("wang", "报告列表 自 2026-13-01"), ElementsAre(HasSubstr("不是有效日期")));
    EXPECT_THAT(bot.say("sam", "reports lately"), ElementsAre(HasSubstr("Usage: reports")));
    EXPECT_THAT(bot.say("sam", "reports by @nobody"), ElementsAre(Not(HasSubstr("Field reports"))));
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
}

}  // namespace
}  // namespace twintrack::testing
