// Rules and disagreements end to end through TestBot: the configured notes as version 1,
// rule proposals approved by both departments' managers (the wrong manager, twice, a
// colleague of the same department, rejected, replacing a rule), `rules` and `rules
// history`; disagreements raised with facts about known and unknown customers, the
// managers' positions (dialog and command), the joint meeting's agenda, decisions (no
// owner, no due date, a date in the past, an unknown id, with a rule change), overdue
// decisions raised by the daily job, and the lists, in English and Chinese.

#include "bot/features/rules/rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/person_tools.hpp"
#include "bot/features/meetings/store/meetings_store.hpp"
#include "bot/features/metrics/store/metrics_store.hpp"
#include "bot/features/rules/store/rules_store.hpp"
#include "tests/features/engagement_tables.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

/// The meetings feature's own tables on the bot's store (bot/features/meetings/store/).
using MeetingTable = store::meetings::MeetingRepository;

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;

/// The feature's own table on the bot's store (bot/features/rules/store/).
store::rules::RulesRepository rules_table_of_bot(TestBot& bot) {
    return store::rules::RulesRepository(bot.store().db());
}

bot::BotSettings rules_settings() {
    bot::BotSettings s;
    s.rules.notes["en"] = {"Competitor mentions go into field reports."};
    s.rules.notes["zh-CN"] = {"竞争情报写进一线报告。"};
    return s;
}

class RulesTest : public ::testing::Test {
  protected:
    RulesTest() : bot(TestBot::default_start(), rules_settings()) {
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        max_id = bot.add({"max", "Max Boss", "marketing", "manager", "Europe/Berlin"}).id;
        sam_id = bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"}).id;
        bot.add({"sue", "Sue Boss", "sales", "manager", "Europe/Berlin"});
        bot.add({"zhou", "周强", "sales", "manager", "Asia/Shanghai", "zh-CN"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"hana", "Hana HR", "hr", "manager", "Europe/Berlin"});
        bot.add({"helen", "Helen Planner", "hr", "hr", "Europe/Berlin"});
        bot.add({"root", "Ada Admin", "management", "admin", "Europe/Berlin"});
    }

    /// Every post `who`'s message made, to anyone.
    std::vector<core::Post> posts(const std::string& who, const std::string& text) {
        return bot.say_posts(who, text);
    }
    /// What `who` is answered in their own conversation.
    std::vector<std::string> say(const std::string& who, const std::string& text) {
        return texts_sent_to(posts(who, text), "@" + who);
    }
    /// The one answer `who` gets.
    std::string one(const std::string& who, const std::string& text) {
        const auto r = say(who, text);
        EXPECT_THAT(r, SizeIs(1)) << text;
        return r.empty() ? std::string() : r.front();
    }
    /// A customer ACME with a field report and a won deal.
    void acme() {
        bot.say("mia", "engagement new ACME");
        bot.say("sam", "report ACME: nobody called them back after the handoff");
        const auto c = customers_of_bot(bot).find_by_key("acme");
        ASSERT_TRUE(c.has_value());
        store::metrics::Deal deal;
        deal.customer_id = c->id;
        deal.customer_text = "ACME";
        deal.stage = "won";
        deal.amount = deal.company_amount = 120000;
        deal.currency = "CNY";
        deal.owner_id = sam_id;
        deal.created_at = core::to_millis(bot.clock().now()) - 3600 * 1000;
        deal.closed_at = deal.created_at;
        deal.updated_at = deal.created_at;
        store::metrics::DealRepository(bot.store().db()).add(deal);
    }
    /// Raises disagreement #1 as Sam, with the managers' questions answered by "skip".
    void raise_one() {
        posts("sam", "raise Who follows up ACME: nobody called back after the handoff");
        for (const char* m : {"max", "sue", "zhou"}) bot.say(m, "skip");
    }

    TestBot bot;
    std::int64_t max_id = 0;
    std::int64_t sam_id = 0;
};

// --- the rule set --------------------------------------------------------------------------

TEST_F(RulesTest, RulesShowsTheConfiguredRulesAsVersionOneInBothLanguages) {
    EXPECT_THAT(one("sam", "rules"),
                AllOf(HasSubstr("24 working hours"),
                      HasSubstr("• 1. Competitor mentions go into field reports."),
                      HasSubstr("Rule set version 1 (as configured).")));
    EXPECT_THAT(one("wang", "规则"),
                AllOf(HasSubstr("24 个工作小时"), HasSubstr("• 1. 竞争情报写进一线报告。"),
                      HasSubstr("规则集第 1 版（来自配置）")));
    EXPECT_THAT(
        one("sam", "rules history"),
        AllOf(HasSubstr("version 1 now"), HasSubstr("Version 1: 1 rules from the configuration")));
    EXPECT_THAT(one("wang", "规则历史"), HasSubstr("第 1 版：来自配置的 1 条规则"));
    // Reading stores nothing.
    EXPECT_EQ(rules_table_of_bot(bot).current_version(), 0);
}

TEST_F(RulesTest, AProposalApprovedByBothManagersMakesTheNextVersion) {
    const auto proposed = posts("mia",
                                "rule propose Sales answers a consultant request within "
                                "two working days.");
    EXPECT_THAT(texts_sent_to(proposed, "@mia"),
                ElementsAre(HasSubstr("Rule proposal #1 is open: \"Sales answers a consultant "
                                      "request within two working days.\"")));
    // Every manager of both departments is asked, each in their language.
    EXPECT_THAT(texts_sent_to(proposed, "@max"),
                ElementsAre(HasSubstr("Mia Marketer proposes a cooperation rule (#1)")));
    EXPECT_THAT(texts_sent_to(proposed, "@sue"), ElementsAre(HasSubstr("rule approve 1")));
    EXPECT_THAT(texts_sent_to(proposed, "@zhou"),
                ElementsAre(HasSubstr("Mia Marketer 提议一条协作规则（#1）")));
    EXPECT_THAT(texts_sent_to(proposed, "@hana"), IsEmpty());
    // The configured notes are version 1 from now on.
    EXPECT_EQ(rules_table_of_bot(bot).current_version(), 1);

    EXPECT_THAT(one("max", "rule approve 1"),
                HasSubstr("Approved for Marketing: rule proposal #1 now waits for Sales."));
    EXPECT_THAT(one("sam", "rules"), Not(HasSubstr("two working days")));
    const auto agreed = posts("sue", "rule approve 1");
    EXPECT_THAT(texts_sent_to(agreed, "@sue"),
                ElementsAre(HasSubstr("Approved by both departments: rule 2 \"Sales answers a "
                                      "consultant request within two working days.\". The "
                                      "cooperation rules are now version 2")));
    EXPECT_THAT(texts_sent_to(agreed, "@mia"), ElementsAre(HasSubstr("it is rule 2 of version 2")));

    EXPECT_THAT(one("sam", "rules"),
                AllOf(HasSubstr("• 1. Competitor mentions go into field reports."),
                      HasSubstr("• 2. Sales answers a consultant request within two working "
                                "days."),
                      HasSubstr("Rule set version 2, agreed 2026-11-02.")));
    // A rule written in English is shown as written to a Chinese reader.
    EXPECT_THAT(one("wang", "规则"), AllOf(HasSubstr("• 1. 竞争情报写进一线报告。"),
                                           HasSubstr("• 2. Sales answers a consultant request"),
                                           HasSubstr("规则集第 2 版，2026-11-02 通过")));
    EXPECT_THAT(one("sam", "rules history"),
                AllOf(HasSubstr("version 2 now"),
                      HasSubstr("Version 2 (2026-11-02): rule 2 \"Sales answers a consultant "
                                "request within two working days.\", proposed by Mia Marketer, "
                                "approved by Max Boss (Marketing) Sue Boss (Sales)"),
                      HasSubstr("Version 1 (2026-11-02): 1 rules from the configuration")));

    std::vector<std::string> actions;
    for (const auto& row : bot.store().audit().recent(20)) actions.push_back(row.action);
    EXPECT_THAT(actions, Contains("rule.seed"));
    EXPECT_THAT(actions, Contains("rule.propose"));
    EXPECT_THAT(actions, Contains("rule.approve"));
    EXPECT_THAT(actions, Contains("rule.version"));
}

TEST_F(RulesTest, ApprovalsByTheWrongPeopleOrTwiceAreRefused) {
    bot.say("mia", "rule propose Marketing shares campaign plans a week ahead.");
    bot.say("mia", "rule propose Another rule.");
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"hana", "rule approve 1", "Only the managers of marketing and sales approve or reject"},
        {"sam", "rule approve 1", "Only the managers of marketing and sales"},
        {"root", "rule approve 1", "Only the managers of marketing and sales"},
        {"wang", "批准规则 1", "只有市场部和销售部经理可以批准或驳回规则"},
        {"max", "rule approve 1", "Approved for Marketing"},
        {"max", "rule approve 1", "You already approved rule proposal #1 for Marketing."},
        {"zhou", "规则 批准 1", "两个部门都已批准：规则 2"},
        // A colleague of the same department cannot approve a second time.
        {"sue", "rule approve 2", "Approved for Sales"},
        {"zhou", "批准规则 2", "Sue Boss 已经代表销售部批准了规则提议 #2"},
        {"sue", "rule approve 1", "Rule proposal #1 is already approved (it made version 2)"},
        {"max", "rule approve 9", "There is no rule proposal #9."},
        {"max", "rule approve x", "\"x\" is not a number."},
        {"max", "rule reject 2 we have a similar rule",
         "Rule proposal #2 rejected for Marketing: we have a similar rule."},
        {"zhou", "驳回规则 2", "规则提议 #2 已经被驳回"},
        {"max", "rule approve 2", "Rule proposal #2 is already rejected"},
        {"wang", "提议规则 市场部每月分享活动计划。", "规则提议 #3已提交"},
        {"zhou", "驳回规则 3 已有类似规则", "已代表销售部驳回规则提议 #3：已有类似规则"},
        {"max", "rule propose x replaces=7", "\"7\" is not the number of a current rule."},
        {"mia", "rule propose", "Usage: rule propose"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.who) + ": " + c.text);
        EXPECT_THAT(one(c.who, c.text), HasSubstr(c.expected));
    }
    EXPECT_EQ(rules_table_of_bot(bot).current_version(), 2);
    EXPECT_EQ(rules_table_of_bot(bot).proposal(2)->status, "rejected");
    // The proposer of the rejected one was told why, in her language.
    EXPECT_THAT(
        texts_sent_to(bot.all_posts(), "@wang"),
        Contains(HasSubstr("周强 代表销售部驳回了你的规则提议 #3（“市场部每月分享活动计划。”）")));
}

TEST_F(RulesTest, ANewWordingReplacesARule) {
    bot.say("wang", "提议规则 竞争情报当天写进一线报告。 替换=1");
    bot.say("max", "rule approve 1");
    bot.say("zhou", "批准规则 1");
    EXPECT_THAT(one("wang", "规则"), AllOf(HasSubstr("• 2. 竞争情报当天写进一线报告。"),
                                           Not(HasSubstr("1. 竞争情报写进一线报告。"))));
    EXPECT_THAT(one("sam", "rules history"),
                HasSubstr("rule 2 \"竞争情报当天写进一线报告。\" in place of rule 1"));
    EXPECT_THAT(rules_table_of_bot(bot).rules_of(1), SizeIs(1));
    EXPECT_THAT(rules_table_of_bot(bot).rules_of(2), SizeIs(1));
}

// --- disagreements -------------------------------------------------------------------------

TEST_F(RulesTest, RaiseAttachesFactsAsksBothManagersAndGoesOnTheJointAgenda) {
    acme();
    bot.say("helen", "joint-meeting every \"2nd tuesday\" 10:00 Asia/Shanghai");
    const auto raised = posts("sam",
                              "raise Who follows up ACME: marketing handed ACME over on Monday "
                              "and nobody called back customer=ACME");
    EXPECT_THAT(
        texts_sent_to(raised, "@sam"),
        ElementsAre(AllOf(
            HasSubstr("Disagreement #1 is open: Who follows up ACME."),
            HasSubstr("What I found from 2026-08-04 to 2026-11-02:"),
            HasSubstr("• ACME: 1 field reports; deals: 0 open (0 CNY), 1 won (120000 CNY), 0 lost"),
            HasSubstr("engagement at stage"), HasSubstr("Sam Seller): "),
            HasSubstr("nobody called them back"),
            HasSubstr("It is on the agenda of the joint meeting on 2026-11-10 03:00"),
            HasSubstr("I asked the managers of marketing and sales for their positions."))));
    EXPECT_THAT(texts_sent_to(raised, "@max"),
                ElementsAre(HasSubstr("Sam Seller raised disagreement #1: Who follows up ACME. "
                                      "Facts: marketing handed ACME over on Monday and nobody "
                                      "called back. What is the position of Marketing?")));
    EXPECT_THAT(texts_sent_to(raised, "@zhou"), ElementsAre(HasSubstr("销售部的立场是什么？")));
    const auto meeting =
        MeetingTable(bot.store().db()).next_of_series(core::to_millis(bot.clock().now()));
    ASSERT_TRUE(meeting.has_value());
    const auto agenda = MeetingTable(bot.store().db()).agenda(meeting->id);
    ASSERT_THAT(agenda, SizeIs(1));
    EXPECT_EQ(
        agenda[0].text,
        "Disagreement #1: Who follows up ACME (raised by Sam Seller; see \"disagreement 1\")");

    // Max answers the question; Sam hears of it. Zhou leaves it for the meeting.
    const auto answered = posts("max", "We handed over with notes; sales calls within a day.");
    EXPECT_THAT(
        texts_sent_to(answered, "@max"),
        ElementsAre("Saved the position of Marketing on disagreement #1: We handed over with "
                    "notes; sales calls within a day."));
    EXPECT_THAT(texts_sent_to(answered, "@sam"),
                ElementsAre(HasSubstr("Max Boss gave the position of Marketing on your "
                                      "disagreement #1")));
    EXPECT_THAT(one("zhou", "跳过"), HasSubstr("已留到联席会议"));
    // Sue's question is still open; a command ends it and runs as usual.
    EXPECT_THAT(one("sue", "disagreements"),
                AllOf(HasSubstr("Open disagreements:"),
                      HasSubstr("#1 Who follows up ACME (raised by Sam Seller, 2026-11-02): "
                                "positions Marketing given; Sales missing;")));
    EXPECT_THAT(one("sue", "position 1: Sales was not told the contact."),
                HasSubstr("Saved the position of Sales"));
    EXPECT_THAT(one("mia", "disagreement 1"),
                AllOf(HasSubstr("Marketing: We handed over with notes; sales calls within a day. "
                                "(Max Boss)"),
                      HasSubstr("Sales: Sales was not told the contact. (Sue Boss)"),
                      HasSubstr("On the agenda of the joint meeting on 2026-11-10 03:00"),
                      HasSubstr("• ACME: 1 field reports")));
    EXPECT_THAT(one("wang", "分歧详情 1"),
                AllOf(HasSubstr("分歧 #1：Who follows up ACME"), HasSubstr("一线报告 1 份"),
                      HasSubstr("已列入 2026-11-10 10:00 联席会议的议程")));
    // Positions are the managers'.
    EXPECT_THAT(one("mia", "position 1: mine"), HasSubstr("Positions are given by the managers"));
    EXPECT_THAT(one("wang", "表明立场 1：我的"), HasSubstr("立场由市场部和销售部经理给出"));
}

// An unknown customer does not stop a disagreement: the departments disagree whether or
// not the customer was recorded, and a missing record is itself something for the
// meeting. The answer names it and how to create it.
TEST_F(RulesTest, AnUnknownCustomerIsNamedAndTheDisagreementStillOpens) {
    EXPECT_THAT(one("sam", "raise Pricing: the brochure promises 10% off customer=Globex"),
                AllOf(HasSubstr("Disagreement #1 is open: Pricing."),
                      HasSubstr("I know no customer called Globex: the disagreement is open all "
                                "the same"),
                      HasSubstr("No known customer is named"),
                      HasSubstr("No joint meeting is booked yet")));
    EXPECT_THAT(one("wang", "提出分歧 报价口径：市场部的宣传价和销售报价不一致 客户=未知公司"),
                AllOf(HasSubstr("分歧 #2 已提出：报价口径。"),
                      HasSubstr("我不认识名为 未知公司 的客户：分歧照样提出")));
    EXPECT_THAT(rules_table_of_bot(bot).disagreements("open", 10), SizeIs(2));
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> bad = {
        {"sam", "raise no colon here", "Write a title, a colon and the facts"},
        {"sam", "raise Title only:", "Write a title, a colon and the facts"},
        {"wang", "提出分歧 没有事实", "请写标题、冒号和事实"},
        {"sam", "raise Late: x from=2026-11-01 to=2026-10-01", "is empty: from= must come before"},
        {"sam", "raise Bad: x from=someday", "someday"},
    };
    for (const auto& c : bad) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(one(c.who, c.text), HasSubstr(c.expected));
    }
    EXPECT_THAT(rules_table_of_bot(bot).disagreements("", 10), SizeIs(2));
}

TEST_F(RulesTest, ADecisionNeedsAKnownOpenDisagreementAnOwnerAndADueDate) {
    raise_one();
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"sam", "decide 1: Sales calls owner=@sam due=2026-11-20", "needs the role"},
        {"max", "decide 9: Sales calls owner=@sam due=2026-11-20", "There is no disagreement #9."},
        {"max", "decide x: Sales calls owner=@sam due=2026-11-20", "\"x:\" is not a number."},
        {"max", "decide 1: Sales calls ACME due=2026-11-20",
         "A decision needs an owner who carries it out: add owner=@PERSON"},
        {"zhou", "裁决 1：销售部回电 期限=2026-11-20", "裁决需要一位负责执行的人"},
        {"max", "decide 1: Sales calls ACME owner=@sam", "A decision needs a due date"},
        {"max", "decide 1: Sales calls ACME owner=@sam due=2026-11-01",
         "The due date 2026-11-01 has passed (today is 2026-11-02)."},
        {"zhou", "裁决 1：销售部回电 负责人=@wang 期限=2026-10-01",
         "期限 2026-10-01 已经过去（今天是 2026-11-02）"},
        {"max", "decide 1 owner=@sam due=2026-11-20", "Usage: decide"},
        {"max", "decide 1: Sales calls owner=@nobody due=2026-11-20", "nobody"},
        {"max", "decide 1: Sales calls owner=@sam due=someday", "someday"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.who) + ": " + c.text);
        EXPECT_THAT(one(c.who, c.text), HasSubstr(c.expected));
    }
    EXPECT_EQ(rules_table_of_bot(bot).disagreement(1)->status, "open");

    const auto decided = posts("max",
                               "decide 1: Sales calls ACME this week owner=@sam due=2026-11-06 "
                               "rule=\"Sales calls back a handed-over lead within one working "
                               "day.\"");
    EXPECT_THAT(texts_sent_to(decided, "@max"),
                ElementsAre(HasSubstr("Decided on disagreement #1 (Who follows up ACME): Sales "
                                      "calls ACME this week. Owner Sam Seller, due 2026-11-06. "
                                      "The rule change goes to both managers as rule proposal "
                                      "#1")));
    EXPECT_THAT(texts_sent_to(decided, "@sam"),
                Contains(HasSubstr("that you carry out by 2026-11-06: Sales calls ACME this "
                                   "week.")));
    EXPECT_THAT(texts_sent_to(decided, "@sue"),
                ElementsAre(HasSubstr("decided on disagreement #1")));
    EXPECT_THAT(texts_sent_to(decided, "@max"),
                SizeIs(1));  // not asked to approve his own proposal
    const auto d = rules_table_of_bot(bot).disagreement(1);
    EXPECT_EQ(d->status, "decided");
    EXPECT_EQ(d->owner_id, sam_id);
    EXPECT_EQ(d->rule_proposal_id, 1);
    EXPECT_EQ(rules_table_of_bot(bot).proposal(1)->disagreement_id, 1);
    EXPECT_THAT(one("sue", "decide 1: again owner=@sam due=2026-11-20"),
                HasSubstr("Disagreement #1 is already decided"));
    EXPECT_THAT(one("sue", "position 1: late"), HasSubstr("already decided"));
    // Chinese, written without a space after the colon.
    posts("wang", "提出分歧 报价：宣传价与报价不一致");
    EXPECT_THAT(one("zhou", "裁决 2：统一报价口径 负责人=@wang 期限=2026-11-30"),
                HasSubstr("已裁决分歧 #2（报价）：统一报价口径。负责人 王芳，期限 2026-11-30。"));
}

TEST_F(RulesTest, OverdueDecisionsAreRaisedToBothManagersOnce) {
    raise_one();
    bot.say("max", "decide 1: Sales calls ACME owner=@sam due=2026-11-03");
    // Due at the end of 2026-11-03 in Berlin (23:00 UTC): the run of 11-03 finds nothing.
    EXPECT_THAT(bot.advance(24h), IsEmpty());
    const auto late = bot.advance(24h);
    EXPECT_THAT(texts_sent_to(late, "@max"),
                ElementsAre(HasSubstr("Overdue: the decision on disagreement #1 (Who follows up "
                                      "ACME) was due 2026-11-03")));
    EXPECT_THAT(texts_sent_to(late, "@sue"), ElementsAre(HasSubstr("Overdue")));
    EXPECT_THAT(texts_sent_to(late, "@zhou"), ElementsAre(HasSubstr("已逾期：分歧 #1")));
    EXPECT_THAT(texts_sent_to(late, "@sam"),
                ElementsAre(HasSubstr("Overdue: you were to carry out")));
    EXPECT_THAT(texts_sent_to(late, "@hana"), IsEmpty());
    EXPECT_THAT(bot.advance(24h), IsEmpty());
    EXPECT_THAT(one("sam", "todo"), HasSubstr("Overdue: you carry out the decision on "
                                              "disagreement #1 by 2026-11-03"));
    EXPECT_THAT(one("sue", "disagreements decided"),
                HasSubstr("#1 Who follows up ACME (raised by Sam Seller, 2026-11-02): Sales calls "
                          "ACME. Owner Sam Seller, due 2026-11-03, OVERDUE"));
    EXPECT_THAT(one("mia", "decision done 1"), HasSubstr("Only the owner (Sam Seller)"));
    EXPECT_THAT(one("sam", "decision done 1"), HasSubstr("Marked done"));
    EXPECT_THAT(one("sam", "decision done 1"), HasSubstr("already marked done"));
    EXPECT_THAT(one("wang", "分歧 已决"), HasSubstr("，已完成"));
    EXPECT_THAT(one("sam", "todo"), Not(HasSubstr("disagreement #1")));
}

TEST_F(RulesTest, AnOpenDisagreementGoesOntoTheNextJointMeetingOnceThereIsOne) {
    EXPECT_THAT(one("sam", "raise Leads: marketing leads are stale"),
                HasSubstr("No joint meeting is booked yet"));
    bot.say("helen", "joint-meeting every \"2nd tuesday\" 10:00 Asia/Shanghai");
    bot.advance(24h);
    const auto meeting =
        MeetingTable(bot.store().db()).next_of_series(core::to_millis(bot.clock().now()));
    ASSERT_TRUE(meeting.has_value());
    EXPECT_THAT(MeetingTable(bot.store().db()).agenda(meeting->id),
                ElementsAre(::testing::Field(&store::meetings::AgendaItem::text,
                                             HasSubstr("Disagreement #1: Leads"))));
    EXPECT_THAT(one("sam", "disagreement 1"), HasSubstr("On the agenda of the joint meeting"));
    // Once only: the next run leaves it there.
    bot.advance(24h);
    EXPECT_THAT(MeetingTable(bot.store().db()).agenda(meeting->id), SizeIs(1));
}

TEST_F(RulesTest, ListsAndTheirBadWordsInBothLanguages) {
    EXPECT_THAT(one("sam", "disagreements"), HasSubstr("No open disagreements."));
    EXPECT_THAT(one("wang", "分歧"), HasSubstr("没有未决的分歧。"));
    EXPECT_THAT(one("sam", "disagreements all"), HasSubstr("No disagreements yet."));
    EXPECT_THAT(one("sam", "disagreements later"), HasSubstr("\"later\" is not a list I keep"));
    EXPECT_THAT(one("wang", "分歧 以后"), HasSubstr("没有“以后”这个列表"));
    EXPECT_THAT(one("sam", "disagreement 4"), HasSubstr("There is no disagreement #4."));
    EXPECT_THAT(one("wang", "分歧详情 4"), HasSubstr("没有分歧 #4"));
    raise_one();
    EXPECT_THAT(one("wang", "分歧 未决"),
                AllOf(HasSubstr("未决的分歧："), HasSubstr("#1 Who follows up ACME（Sam Seller 于 "
                                                           "2026-11-02 提出）")));
    EXPECT_THAT(one("sam", "disagreements decided"), HasSubstr("No decided disagreements yet."));
    EXPECT_THAT(one("zhou", "todo"), HasSubstr("分歧 #1（Who follows up ACME）等待本部门的立场"));
}

TEST_F(RulesTest, APersonsExportHoldsTheirRulesAndDisagreementsAndEraseScrubsTheirName) {
    bot.say("mia", "rule propose Ask Sam Seller before pricing.");
    bot.say("max", "rule approve 1");
    posts("sam", "raise Pricing: Sam Seller was not asked");
    bot.say("max", "Mia Marketer asked Sam Seller twice.");
    bot.say("max", "decide 1: Ask first owner=@sam due=2026-11-20");
    const std::int64_t now = core::to_millis(bot.clock().now());
    const auto mia = app::person_export_json(bot.store(), "mia@example.com", now);
    ASSERT_TRUE(mia.has_value());
    EXPECT_EQ((*mia)["tables"]["rule_proposals"].size(), 1u);
    const auto max = app::person_export_json(bot.store(), "max@example.com", now);
    ASSERT_TRUE(max.has_value());
    EXPECT_EQ((*max)["tables"]["rule_approvals"].size(), 1u);
    EXPECT_EQ((*max)["tables"]["disagreement_positions"].size(), 1u);
    EXPECT_EQ((*max)["tables"]["disagreements"].size(), 1u);  // he decided it
    const auto sam = app::person_export_json(bot.store(), "sam@example.com", now);
    ASSERT_TRUE(sam.has_value());
    EXPECT_EQ((*sam)["tables"]["disagreements"].size(), 1u);  // raised and owns it

    ASSERT_TRUE(app::person_erase(bot.store(), "sam@example.com", now).has_value());
    EXPECT_THAT(rules_table_of_bot(bot).proposal(1)->text, Not(HasSubstr("Sam Seller")));
    EXPECT_THAT(rules_table_of_bot(bot).disagreement(1)->facts, Not(HasSubstr("Sam Seller")));
    EXPECT_THAT(rules_table_of_bot(bot).positions(1).at(0).position, Not(HasSubstr("Sam Seller")));
    EXPECT_THAT(rules_table_of_bot(bot).positions(1).at(0).position, HasSubstr("Mia Marketer"));
}

}  // namespace
}  // namespace twintrack::testing
