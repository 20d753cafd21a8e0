// Engagements (dual track) end to end through TestBot: commands in both languages, the
// handoff with its deadline and escalation on a fake clock, no overlap, roles.

#include "bot/features/engagements/engagements.hpp"

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/features/engagement_tables.hpp"
#include "tests/features/feature_test_helpers.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;

bot::BotSettings settings_with(const std::string& overlap = "refuse", int hours = 24) {
    bot::BotSettings s;
    s.features.edit<bot::engagements::FunnelSettings>().overlap = overlap;
    s.rules.handoff_acceptance_hours = hours;
    s.rules.key_engagement_amount = 500000;
    return s;
}

void add_people(TestBot& bot) {
    bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
    bot.add({"max", "Max Manager", "marketing", "manager", "Europe/Berlin"});
    bot.add({"li", "李娜", "marketing", "staff", "Asia/Shanghai", "zh-CN"});
    bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
    bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
    bot.add({"sue", "Sue Boss", "sales", "manager", "Asia/Shanghai"});
    bot.add({"hana", "Hana HR", "hr", "hr", "Asia/Shanghai"});
    bot.add({"root", "Ada Admin", "management", "admin", "Europe/Berlin"});
}

class EngagementsTest : public ::testing::Test {
  protected:
    EngagementsTest() : bot(TestBot::default_start(), settings_with()) { add_people(bot); }
    TestBot bot;
};

TEST_F(EngagementsTest, NewEngagementTakesItsLeadFromTheStage) {
    struct Case {
        const char* name;
        const char* who;
        const char* text;
        std::vector<const char*> expected;
    };
    const std::vector<Case> cases = {
        {"marketing creator owns a top stage",
         "mia",
         "engagement new Acme amount=100000",
         {"#acme", "Acme", "awareness", "lead: Marketing", "owner: Mia Marketer"}},
        {"sales creator at a top stage owns nothing",
         "sam",
         "engagement new Beta Labs",
         {"#betalabs", "lead: Marketing", "nobody yet"}},
        {"sales creator at a bottom stage",
         "sam",
         "engagement new Gamma stage=qualified",
         {"qualified", "lead: Sales", "owner: Sam Seller"}},
        {"owner given",
         "root",
         "engagement new Delta stage=proposal owner=@wang amount=1,000",
         {"proposal", "lead: Sales", "owner: 王芳"}},
        {"stage names ignore case",
         "mia",
         "engagement new Epsilon stage=Interest",
         {"interest", "lead: Marketing"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto r = bot.say(c.who, c.text);
        ASSERT_THAT(r, Not(IsEmpty()));
        for (const char* e : c.expected) EXPECT_THAT(r.back(), HasSubstr(e));
    }
    EXPECT_EQ(engagements_of_bot(bot).all().size(), 5u);
    EXPECT_EQ(bot.store().audit().recent(10).front().action, "engagement.create");
}

TEST_F(EngagementsTest, AmountsAreReadLikeEverywhereElse) {
    struct Case {
        const char* text;
        std::int64_t amount;
    };
    const std::vector<Case> cases = {
        {"engagement new Acme amount=1.2m", 1200000},
        {"engagement new Beta amount=50万", 500000},
        {"engagement new Gamma 金额=十二万", 120000},
        {"engagement new Delta amount=120,000", 120000},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        bot.say("mia", c.text);
        const auto all = engagements_of_bot(bot).all();
        ASSERT_FALSE(all.empty());
        const auto& e = all.front();  // the newest
        ASSERT_TRUE(e.amount);
        EXPECT_EQ(*e.amount, c.amount);
    }
    EXPECT_THAT(bot.say("mia", "engagement new Eps amount=1.5"),
                Contains(HasSubstr("is not an amount")));
}

TEST_F(EngagementsTest, CardAndWhoOwnsShowTheFactsInTheReadersTime) {
    bot.say("mia", "engagement new Acme Corp amount=100000");
    const auto card = bot.say("sue", "engagement acme corp");
    ASSERT_THAT(card, SizeIs(1));
    EXPECT_THAT(card[0], AllOf(HasSubstr("Acme Corp #acmecorp"), HasSubstr("Stage: awareness"),
                               HasSubstr("Lead: Marketing"), HasSubstr("Owner: Mia Marketer"),
                               HasSubstr("Amount: 100000 CNY"), HasSubstr("Consultants: none"),
                               // 09:00 UTC shown in Sue's zone, Asia/Shanghai.
                               HasSubstr("2026-11-02 17:00 Mia Marketer opened it at awareness")));
    EXPECT_THAT(bot.say("mia", "engagement ACMECORP"), ElementsAre(HasSubstr("2026-11-02 10:00")));
    EXPECT_THAT(bot.say("sam", "who owns Acme Corp"),
                ElementsAre(HasSubstr("Mia Marketer owns it; Marketing leads (stage awareness)")));
}

TEST_F(EngagementsTest, CardShowsOnlyTheLastFiveEvents) {
    bot.say("mia", "engagement new Acme");
    for (const char* s : {"interest", "lead", "awareness", "interest", "lead", "awareness"}) {
        bot.advance(1min);
        bot.say("mia", std::string("stage acme ") + s);
    }
    const auto card = bot.say("mia", "engagement acme");
    ASSERT_THAT(card, SizeIs(1));
    EXPECT_THAT(card[0], HasSubstr("lead → awareness"));
    EXPECT_THAT(card[0], Not(HasSubstr("opened it")));
    std::size_t bullets = 0;
    for (std::size_t p = card[0].find("• "); p != std::string::npos;
         p = card[0].find("• ", p + 1)) {
        ++bullets;
    }
    EXPECT_EQ(bullets, 5u);
}

TEST_F(EngagementsTest, BadInputGetsAClearAnswer) {
    bot.say("mia", "engagement new Acme Corp");
    bot.say("mia", "engagement new Acme Labs");
    bot.say("li", "新建项目 华为");
    struct Case {
        const char* name;
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"unknown customer", "mia", "engagement Acne Corp", "Did you mean Acme Corp?"},
        {"unknown customer, no match", "mia", "engagement Zyx",
         "I know no customer called \"Zyx\""},
        {"unknown chinese customer", "li", "项目 华维", "你是不是要找华为？"},
        {"ambiguous customer", "mia", "engagement acme",
         "could be several customers: Acme Corp; Acme Labs;"},
        {"unknown stage", "mia", "engagement new Foo stage=signed",
         "Valid stages: awareness, interest, lead, qualified, proposal, negotiation, won, lost"},
        {"unknown stage on change", "mia", "stage \"Acme Corp\" signed", "There is no stage"},
        {"amount not a number", "mia", "engagement new Foo amount=lots",
         "\"lots\" is not an amount"},
        {"amount negative", "mia", "engagement new Foo amount=-5", "is not an amount"},
        {"missing customer", "mia", "engagement new", "Usage: engagement new CUSTOMER"},
        {"missing card customer", "mia", "engagement", "Usage: engagement CUSTOMER"},
        {"missing stage", "mia", "stage acme", "Usage: stage CUSTOMER STAGE"},
        {"missing rep", "mia", "handoff \"Acme Corp\"", "Usage: handoff CUSTOMER to @REP"},
        {"missing reason", "sam", "decline \"Acme Corp\"", "Usage: decline CUSTOMER REASON"},
        {"missing consultant", "mia", "consult \"Acme Corp\"", "Usage: consult CUSTOMER"},
        {"missing accept customer", "sam", "accept", "Usage: accept CUSTOMER"},
        {"usage in chinese", "li", "新建项目", "用法"},
        {"not in marketing or sales", "hana", "engagement new Foo", "marketing or sales staff"},
        {"owner outside the lead", "mia", "engagement new Foo owner=@sam",
         "the owner must be in Marketing"},
        {"already open", "sam", "engagement new acme corp", "already has an open engagement"},
        {"nothing handed over", "sam", "accept \"Acme Corp\"", "Nobody has handed Acme Corp over"},
        {"bad filter", "mia", "engagements everything", "Usage: engagements"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    EXPECT_EQ(engagements_of_bot(bot).all().size(), 3u);
}

TEST_F(EngagementsTest, StageChangesStayOnTheirSideOfTheFunnel) {
    bot.say("mia", "engagement new Acme");
    struct Case {
        const char* who;
        const char* stage;
        const char* expected;
        const char* lead_after;
    };
    const std::vector<Case> cases = {
        {"mia", "interest", "moved from awareness to interest; lead: Marketing", "marketing"},
        {"mia", "interest", "already at stage interest", "marketing"},
        {"mia", "lead", "moved from interest to lead", "marketing"},
        {"mia", "qualified", "Refused: moving Acme from lead to qualified would put it under Sales",
         "marketing"},
        {"mia", "won", "Use \"handoff Acme to @REP\"", "marketing"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.who) + " -> " + c.stage);
        EXPECT_THAT(bot.say(c.who, std::string("stage acme ") + c.stage),
                    ElementsAre(HasSubstr(c.expected)));
        EXPECT_EQ(engagements_of_bot(bot).all().front().lead, c.lead_after);
    }
    // After the handoff sales leads; going back to the top is refused as well.
    bot.say("mia", "handoff acme to @sam");
    bot.say("sam", "accept acme");
    const std::vector<Case> bottom = {
        {"sam", "proposal", "moved from qualified to proposal; lead: Sales", "sales"},
        {"sam", "interest", "would put it under Marketing", "sales"},
        {"sam", "won", "moved from proposal to won", "sales"},
    };
    for (const auto& c : bottom) {
        SCOPED_TRACE(std::string(c.who) + " -> " + c.stage);
        EXPECT_THAT(bot.say(c.who, std::string("stage acme ") + c.stage),
                    ElementsAre(HasSubstr(c.expected)));
        EXPECT_EQ(engagements_of_bot(bot).all().front().lead, c.lead_after);
    }
    EXPECT_TRUE(engagements_of_bot(bot).all().front().closed);
    EXPECT_THAT(bot.say("mia", "engagements"), ElementsAre("No engagements match."));
    EXPECT_THAT(bot.say("mia", "engagement acme"), ElementsAre(HasSubstr("(closed)")));
}

TEST_F(EngagementsTest, PermissionMatrix) {
    bot.say("mia", "engagement new Acme");
    bot.say("mia", "consult acme @wang");
    struct Case {
        const char* who;
        const char* role;
        const char* stage;
        bool allowed;
    };
    const std::vector<Case> cases = {
        {"mia", "owner", "interest", true},
        {"li", "staff of the lead department, not owner", "lead", false},
        {"max", "manager of the lead department", "lead", true},
        {"sue", "manager of the other department", "awareness", false},
        {"sam", "staff of the other department", "awareness", false},
        {"wang", "consultant", "awareness", true},
        {"hana", "hr", "interest", false},
        {"root", "admin", "interest", true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.who) + " as " + c.role);
        const auto r = bot.say(c.who, std::string("stage Acme ") + c.stage);
        ASSERT_THAT(r, SizeIs(1));
        if (c.allowed) {
            EXPECT_THAT(r[0], AnyOf(HasSubstr("moved from"), HasSubstr("已从")));
        } else {
            EXPECT_THAT(
                r[0],
                AnyOf(
                    AllOf(HasSubstr("you cannot change the engagement with Acme"),
                          HasSubstr("its owner (Mia Marketer)"),
                          HasSubstr("a manager of Marketing, or an admin")),
                    HasSubstr("需要是项目负责人（Mia Marketer）、顾问方之一、市场部经理或管理员")));
        }
    }
    // Roles the router enforces: only admins map channels.
    EXPECT_THAT(bot.say("mia", "track set general joint"),
                ElementsAre(HasSubstr("\"track set\" needs the role admin")));
}

TEST_F(EngagementsTest, HandoffToARepInBerlinEscalatesAtTheDeadline) {
    bot.say("mia", "engagement new Acme stage=lead");
    // Monday 10:00 Berlin + 24 working hours (09:00-18:00) = Wednesday 16:00 Berlin.
    const auto sent = say_posts(bot, "mia", "handoff acme to @sam met them at the fair");
    EXPECT_THAT(to(sent, "@mia"), ElementsAre(HasSubstr("until 2026-11-04 16:00 (Europe/Berlin)")));
    EXPECT_THAT(to(sent, "@sam"), ElementsAre(AllOf(HasSubstr("Mia Marketer hands Acme"),
                                                    HasSubstr("met them at the fair"),
                                                    HasSubstr("by 2026-11-04 16:00"))));
    EXPECT_THAT(bot.say("mia", "handoff acme to @sam"),
                ElementsAre(HasSubstr("already handed to Sam Seller")));
    // Wednesday 14:59 UTC: not yet.
    EXPECT_THAT(bot.advance(2 * 24h + 5h + 59min), IsEmpty());
    const auto overdue = bot.advance(2min);
    EXPECT_THAT(to(overdue, "@max"),
                ElementsAre(AllOf(HasSubstr("Handoff overdue"), HasSubstr("Sam Seller"),
                                  HasSubstr("deadline 2026-11-04 16:00"))));
    EXPECT_THAT(to(overdue, "@sue"), ElementsAre(HasSubstr("deadline 2026-11-04 23:00")));
    EXPECT_THAT(bot.advance(24h), IsEmpty());  // once

    const auto accepted = say_posts(bot, "sam", "accept acme");
    EXPECT_THAT(to(accepted, "@sam"),
                ElementsAre("You own Acme now; sales leads at stage qualified."));
    EXPECT_THAT(to(accepted, "@mia"), ElementsAre(HasSubstr("Sam Seller accepted Acme")));
    EXPECT_THAT(bot.say("sam", "accept acme"),
                ElementsAre("You already accepted Acme (2026-11-05 16:01)."));
    const auto e = engagements_of_bot(bot).all().front();
    EXPECT_EQ(e.stage, "qualified");
    EXPECT_EQ(e.lead, "sales");
    auto h = engagements_of_bot(bot).latest_handoff(e.id);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->status, "accepted");
    EXPECT_TRUE(h->decided_at.has_value());
    EXPECT_TRUE(h->escalated_at.has_value());
    EXPECT_THAT(bot.say("mia", "who owns acme"), ElementsAre(HasSubstr("Sam Seller owns it")));
}

TEST_F(EngagementsTest, DeclinedHandoffGoesBackAndIsNotEscalated) {
    bot.say("mia", "engagement new Acme stage=lead");
    // Monday 17:00 Shanghai: 1 + 9 + 9 + 5 working hours -> Thursday 14:00 Shanghai.
    const auto sent = say_posts(bot, "mia", "handoff acme to @wang");
    EXPECT_THAT(to(sent, "@mia"), ElementsAre(HasSubstr("until 2026-11-05 14:00 (Asia/Shanghai)")));
    EXPECT_THAT(to(sent, "@wang"), ElementsAre(HasSubstr("把Acme #acme（阶段 lead）移交给你")));
    EXPECT_THAT(bot.say("sam", "decline acme nope"),
                ElementsAre(HasSubstr("was handed to 王芳; only they can accept")));
    const auto declined = say_posts(bot, "wang", "拒绝 Acme 预算不足，明年再说");
    EXPECT_THAT(to(declined, "@wang"), ElementsAre(HasSubstr("你已拒绝Acme")));
    EXPECT_THAT(to(declined, "@mia"),
                ElementsAre("王芳 declined Acme: 预算不足，明年再说. It is back with you."));
    EXPECT_THAT(bot.say("wang", "接受 Acme"), ElementsAre(HasSubstr("你已经拒绝过Acme")));
    EXPECT_THAT(bot.advance(7 * 24h), IsEmpty());
    EXPECT_EQ(engagements_of_bot(bot).all().front().lead, "marketing");
    EXPECT_THAT(bot.say("mia", "engagement acme"),
                ElementsAre(HasSubstr("王芳 declined the handoff: 预算不足，明年再说")));
}

TEST(EngagementsHandoff, EscalationFollowsTheRepsZoneAndWorkingHours) {
    struct Case {
        const char* rep;
        const char* deadline;        // as told to the writer, in the rep's zone
        std::chrono::minutes quiet;  // from Monday 09:00 UTC, nothing happens until then
    };
    const std::vector<Case> cases = {
        // Monday 10:00 Berlin + 24 working hours = Wednesday 16:00 Berlin (15:00 UTC).
        {"sam", "until 2026-11-04 16:00 (Europe/Berlin)", 2 * 24h + 5h + 59min},
        // Monday 17:00 Shanghai + 24 working hours = Thursday 14:00 Shanghai (06:00 UTC).
        {"wang", "until 2026-11-05 14:00 (Asia/Shanghai)", 2 * 24h + 20h + 59min},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.rep);
        TestBot bot(TestBot::default_start(), settings_with());
        add_people(bot);
        bot.say("mia", "engagement new Acme stage=lead");
        EXPECT_THAT(to(say_posts(bot, "mia", std::string("handoff acme to @") + c.rep), "@mia"),
                    ElementsAre(HasSubstr(c.deadline)));
        EXPECT_THAT(bot.advance(c.quiet), IsEmpty());
        const auto overdue = bot.advance(2min);
        EXPECT_THAT(to(overdue, "@max"), ElementsAre(HasSubstr("Handoff overdue")));
        EXPECT_THAT(to(overdue, "@sue"), ElementsAre(HasSubstr("Handoff overdue")));
        EXPECT_THAT(to(overdue, std::string("@") + c.rep), IsEmpty());
    }
}

TEST(EngagementsHandoff, OnlySalesReceivesAHandoff) {
    TestBot bot(TestBot::default_start(), settings_with());
    add_people(bot);
    bot.say("mia", "engagement new Acme");
    EXPECT_THAT(bot.say("mia", "handoff acme to @li"),
                ElementsAre("李娜 is in Marketing; an engagement can only be handed to someone "
                            "in Sales."));
    EXPECT_THAT(bot.say("mia", "handoff acme to @nobody"), ElementsAre(HasSubstr("nobody called")));
    bot.say("mia", "handoff acme to @sam");
    bot.say("sam", "accept acme");
    EXPECT_THAT(bot.say("sam", "handoff acme to @wang"),
                ElementsAre(HasSubstr("a handoff is only from the top of the funnel")));
}

TEST(EngagementsHandoff, DeadlineSkipsTheWeekend) {
    using namespace date;
    // Friday 2026-11-06 16:00 Berlin, 4 working hours: 2 on Friday, 2 on Monday.
    TestBot bot(core::Timestamp(sys_days(2026_y / November / 6) + 15h), settings_with("refuse", 4));
    add_people(bot);
    bot.say("mia", "engagement new Acme");
    EXPECT_THAT(to(say_posts(bot, "mia", "handoff acme to @sam"), "@mia"),
                ElementsAre(HasSubstr("4 working hours to accept: until 2026-11-09 11:00")));
    EXPECT_THAT(bot.advance(2 * 24h + 18h + 59min), IsEmpty());  // Monday 09:59 UTC
    const auto overdue = bot.advance(2min);
    EXPECT_THAT(to(overdue, "@max"), ElementsAre(HasSubstr("within 4 working hours")));
    EXPECT_THAT(to(overdue, "@sue"), SizeIs(1));
}

TEST(EngagementsOverlap, SecondEngagementByTheOtherDepartmentIsRefusedOrFlagged) {
    for (const std::string policy : {"refuse", "flag"}) {
        SCOPED_TRACE(policy);
        TestBot bot(TestBot::default_start(), settings_with(policy));
        add_people(bot);
        bot.say("mia", "engagement new Acme stage=interest");
        const auto posts = say_posts(bot, "sam", "engagement new acme stage=qualified");
        if (policy == "refuse") {
            EXPECT_THAT(to(posts, "@sam"),
                        ElementsAre(AllOf(HasSubstr("Refused"), HasSubstr("led by Marketing"),
                                          HasSubstr("stage interest, owner Mia Marketer"),
                                          HasSubstr("led by Sales at stage qualified"))));
            EXPECT_THAT(to(posts, "@max"), IsEmpty());
            EXPECT_EQ(engagements_of_bot(bot).all().size(), 1u);
        } else {
            EXPECT_THAT(to(posts, "@sam"), ElementsAre(HasSubstr("both managers have been told")));
            EXPECT_THAT(to(posts, "@max"),
                        ElementsAre(AllOf(HasSubstr("Overlap flagged"), HasSubstr("Sam Seller"),
                                          HasSubstr("Marketing already leads one"))));
            EXPECT_THAT(to(posts, "@sue"), SizeIs(1));
            EXPECT_EQ(engagements_of_bot(bot).all().size(), 2u);
        }
    }
}

TEST(EngagementsOverlap, CrossingTheBoundaryIsFlaggedWhenConfigured) {
    TestBot bot(TestBot::default_start(), settings_with("flag"));
    add_people(bot);
    bot.say("mia", "engagement new Acme stage=lead");
    const auto posts = say_posts(bot, "mia", "stage acme qualified");
    EXPECT_THAT(to(posts, "@mia"),
                ElementsAre(HasSubstr("without a handoff: both managers have been told")));
    EXPECT_THAT(to(posts, "@max"), ElementsAre(AllOf(HasSubstr("from lead to qualified"),
                                                     HasSubstr("from Marketing to Sales"))));
    EXPECT_THAT(to(posts, "@sue"), SizeIs(1));
    EXPECT_EQ(engagements_of_bot(bot).all().front().lead, "sales");
}

TEST_F(EngagementsTest, KeyEngagementReachingProposalGetsOneJointPlanningTask) {
    bot.say("sam", "engagement new Bigco stage=qualified amount=600000");
    bot.say("sam", "engagement new Smallco stage=qualified amount=1000");
    const auto posts = say_posts(bot, "sam", "stage bigco proposal");
    EXPECT_THAT(to(posts, "@max"),
                ElementsAre(AllOf(HasSubstr("Key engagement: Bigco"), HasSubstr("600000 CNY"),
                                  HasSubstr("joint planning task"))));
    EXPECT_THAT(to(posts, "@sue"), SizeIs(1));
    bot.say("sam", "stage bigco negotiation");
    const auto again = say_posts(bot, "sam", "stage bigco proposal");
    EXPECT_THAT(to(again, "@max"), IsEmpty());
    const auto small = say_posts(bot, "sam", "stage smallco proposal");
    EXPECT_THAT(to(small, "@max"), IsEmpty());
    const auto big = engagements_of_bot(bot).all();
    std::int64_t tasks = 0;
    for (const auto& e : big) tasks += engagements_of_bot(bot).count_tasks(e.id, "joint_planning");
    EXPECT_EQ(tasks, 1);
    EXPECT_THAT(bot.say("sam", "engagement bigco"), ElementsAre(HasSubstr("(key engagement)")));
}

// `track set` is declared: `help` shows its usage from the declaration and a line that does
// not fit is answered by the parser, naming the token, in the writer's language.
TEST_F(EngagementsTest, TrackSetIsDeclared) {
    bot.add({"zhao", "赵管理", "management", "admin", "Asia/Shanghai", "zh-CN"});
    EXPECT_THAT(
        bot.say("root", "help track set"),
        ElementsAre(HasSubstr("track set CHANNEL|CONNECTOR:CHANNEL marketing|sales|joint")));
    EXPECT_THAT(bot.say("zhao", "帮助 设置频道"),
                ElementsAre(HasSubstr("设置频道 频道|连接器:频道 市场部|销售部|联合")));
    EXPECT_THAT(bot.say("root", "track set mkt-news"),
                ElementsAre(HasSubstr("track set needs marketing|sales|joint.")));
    EXPECT_THAT(bot.say("zhao", "设置频道 mkt-news 市场部 多余"),
                ElementsAre(AllOf(HasSubstr("这里不该有“多余”"), HasSubstr("用法：设置频道"))));
    EXPECT_THAT(bot.say("root", "track set \"mkt news marketing"),
                ElementsAre(HasSubstr("The quote before \"mkt news marketing\" is not closed")));
    EXPECT_THAT(bot.store().channel_tracks().by_track("marketing"), IsEmpty());
    EXPECT_THAT(bot.say("zhao", "设置频道 mkt-news 市场部"), ElementsAre(HasSubstr("marketing")));
}

TEST_F(EngagementsTest, ConsultTellsTheConsultantAndWelcomesThemInTheLeadTrack) {
    EXPECT_THAT(bot.say("root", "track set mkt-news marketing"),
                ElementsAre("Channel test:mkt-news is on the marketing track now."));
    EXPECT_THAT(bot.say("root", "track set test:deals sales"), ElementsAre(HasSubstr("sales")));
    EXPECT_THAT(bot.say("root", "设置频道 #joint-room 联合"), ElementsAre(HasSubstr("joint")));
    EXPECT_THAT(bot.say("root", "track set x purple"), ElementsAre(HasSubstr("no track")));
    EXPECT_EQ(bot.store().channel_tracks().track_of("test", "joint-room"), "joint");

    bot.say("mia", "engagement new Acme");
    const auto posts = say_posts(bot, "mia", "consult acme @sam what do they pay now?");
    EXPECT_THAT(to(posts, "@sam"),
                ElementsAre(AllOf(HasSubstr("Mia Marketer asks you to consult on Acme #acme"),
                                  HasSubstr("what do they pay now?"))));
    EXPECT_THAT(to(posts, "mkt-news"),
                ElementsAre(HasSubstr("#acme Welcome Sam Seller, consulting on Acme")));
    EXPECT_THAT(to(posts, "deals"), IsEmpty());
    EXPECT_THAT(to(posts, "@mia"), ElementsAre(HasSubstr("welcomed them in mkt-news")));
    EXPECT_THAT(
        bot.say("mia", "engagement acme"),
        ElementsAre(AllOf(HasSubstr("Sam Seller (since 2026-11-02 10:00, not answered yet)"),
                          HasSubstr("asked Sam Seller to consult"))));
    bot.advance(1h);
    bot.say("sam", "engagement acme");  // the consultant looks at it: answered
    EXPECT_THAT(bot.say("mia", "engagement acme"),
                ElementsAre(AllOf(HasSubstr("Sam Seller (since 2026-11-02 10:00); "),
                                  Not(HasSubstr("not answered")))));
    const auto c = engagements_of_bot(bot).consultations(engagements_of_bot(bot).all()[0].id);
    ASSERT_THAT(c, SizeIs(1));
    EXPECT_TRUE(c[0].answered_at.has_value());

    // A department: its managers are consulted.
    const auto dept = say_posts(bot, "mia", "consult acme sales");
    EXPECT_THAT(to(dept, "@sue"), ElementsAre(HasSubstr("asks you to consult")));
    EXPECT_THAT(bot.say("mia", "engagements mine"), ElementsAre(HasSubstr("Acme #acme")));
    EXPECT_THAT(bot.say("sue", "engagements mine"), ElementsAre(HasSubstr("Acme")));
}

TEST_F(EngagementsTest, ListFilters) {
    bot.say("mia", "engagement new Acme");
    bot.say("sam", "engagement new Beta stage=proposal");
    struct Case {
        const char* who;
        const char* text;
        std::vector<const char*> has;
        std::vector<const char*> lacks;
    };
    const std::vector<Case> cases = {
        {"mia", "engagements", {"Engagements (2)", "Acme", "Beta"}, {}},
        {"mia", "engagements mine", {"Acme"}, {"Beta"}},
        {"mia", "engagements sales", {"Beta"}, {"Acme"}},
        {"mia", "engagements marketing", {"Acme"}, {"Beta"}},
        {"mia", "engagements stage=proposal", {"Beta"}, {"Acme"}},
        {"li", "项目列表 销售部", {"项目（1 个）", "Beta"}, {"Acme"}},
        {"li", "项目列表 阶段=awareness", {"Acme"}, {"Beta"}},
        {"wang", "项目列表 我的", {"没有符合条件的项目"}, {}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto r = bot.say(c.who, c.text);
        ASSERT_THAT(r, SizeIs(1));
        for (const char* h : c.has) EXPECT_THAT(r[0], HasSubstr(h));
        for (const char* l : c.lacks) EXPECT_THAT(r[0], Not(HasSubstr(l)));
    }
}

TEST_F(EngagementsTest, TheSameFlowsInChinese) {
    struct Step {
        const char* who;
        const char* text;
        std::vector<const char*> expected;
    };
    const std::vector<Step> steps = {
        {"li",
         "新建项目 华为 金额=800000",
         {"已为华为新建项目 #华为", "主方：市场部", "负责人：李娜"}},
        {"li", "客户别名 华为 Huawei", {"华为 现在也可以叫 Huawei"}},
        {"mia", "customer alias Huawei 华为技术", {"华为 is also known as 华为技术"}},
        {"mia", "customer alias acme 华为", {"I know no customer called \"acme\""}},
        {"li", "项目 HUAWEI", {"华为 #华为", "阶段：awareness", "主方：市场部", "（重点项目）"}},
        {"mia", "engagement hua wei", {"华为 #华为", "Stage: awareness", "Lead: Marketing"}},
        {"li", "阶段 华为 lead", {"华为 已从 awareness 移到 lead；主方：市场部"}},
        {"li", "阶段 华为 qualified", {"已拒绝", "移交 华为 给 @销售代表"}},
        {"li", "咨询 华为 @wang 请帮忙评估价格", {"王芳 已作为顾问方参与华为"}},
        {"li", "移交 华为 给 @wang 展会线索", {"已把华为移交给 王芳", "24 个工作小时"}},
        {"wang", "接受 huawei", {"华为 现在由你负责；销售部为主方，阶段 qualified"}},
        {"wang", "接受 华为", {"你已经接受过华为"}},
        {"li", "谁负责 华为技术", {"华为：由王芳负责；主方为销售部（阶段 qualified）"}},
        {"sam", "who owns huawei", {"王芳 owns it; Sales leads"}},
    };
    for (const auto& s : steps) {
        SCOPED_TRACE(s.text);
        const auto r = bot.say(s.who, s.text);
        ASSERT_THAT(r, Not(IsEmpty()));
        for (const char* e : s.expected) EXPECT_THAT(r.back(), HasSubstr(e));
    }
}

// consult, handoff, decline and customer alias are declared (bot/args.hpp): a line that
// does not fit is answered by the parser in the writer's language, naming the token, and
// nothing changes.
TEST_F(EngagementsTest, DeclaredEngagementCommandsAnswerBadLinesInBothLanguages) {
    bot.say("mia", "engagement new Acme Corp stage=lead");
    struct Case {
        const char* who;
        const char* text;
        std::vector<const char*> expected;
    };
    const std::vector<Case> cases = {
        {"mia",
         "handoff Acme Corp",
         {"handoff needs to @REP.", "Usage: handoff CUSTOMER to @REP [NOTE]"}},
        {"li", "移交 Acme Corp", {"移交需要给 @销售代表。", "用法：移交 客户 给 @销售代表 [说明]"}},
        {"mia", "handoff Acme Corp to", {"\"to\" needs @REP after it."}},
        {"li", "移交 Acme Corp 给", {"“给”后面需要写上@销售代表。"}},
        {"mia",
         "consult \"Acme Corp\"",
         {"consult needs @PERSON|marketing|sales.",
          "Usage: consult CUSTOMER @PERSON|marketing|sales [NOTE]"}},
        {"li", "咨询 “Acme Corp”", {"咨询需要@某人|市场部|销售部。"}},
        {"sam",
         "decline \"Acme Corp\"",
         {"decline needs REASON.", "Usage: decline CUSTOMER REASON"}},
        {"wang", "拒绝 “Acme Corp”", {"拒绝需要原因。", "用法：拒绝 客户 原因"}},
        {"mia", "customer alias \"Acme Corp\"", {"customer alias needs ALIAS."}},
        {"li", "客户别名 “Acme Corp”", {"客户别名需要别名。"}},
        {"mia",
         "customer alias \"Acme Corp ACME",
         {"The quote before \"Acme Corp ACME\" is not closed"}},
        {"li", "客户别名 “Acme Corp ACME", {"“Acme Corp ACME”前面的引号没有闭合"}},
        // A word that is no option is refused before the note (after it, it is the note's).
        {"mia",
         "handoff Acme Corp stage=lead to @sam",
         {"\"stage=\" is not an option of handoff."}},
        {"li", "移交 Acme Corp 阶段=lead 给 @sam", {"“阶段=”不是移交的选项。"}},
        {"mia", "consult Acme Corp budget=low @sue", {"\"budget=\" is not an option of consult."}},
        {"li", "咨询 Acme Corp 预算=低 @sue", {"“预算=”不是咨询的选项。"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto r = bot.say(c.who, c.text);
        ASSERT_THAT(r, SizeIs(1));
        for (const char* e : c.expected) EXPECT_THAT(r[0], HasSubstr(e));
    }
    const auto e = engagements_of_bot(bot).all();
    ASSERT_EQ(e.size(), 1u);
    EXPECT_FALSE(engagements_of_bot(bot).latest_handoff(e[0].id).has_value());
    EXPECT_TRUE(engagements_of_bot(bot).consultations(e[0].id).empty());
    EXPECT_TRUE(customers_of_bot(bot).all()[0].aliases.empty());
}

TEST_F(EngagementsTest, DeclaredEngagementCommandsKeepTheirSyntax) {
    bot.say("mia", "engagement new Acme Corp stage=lead");
    struct Step {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Step> steps = {
        // A note after the rep; "to" in the note is the note's.
        {"mia", "handoff Acme Corp to @sam met them at the fair, talk to Bob",
         "Acme Corp handed to Sam Seller"},
        // The reason keeps every word.
        {"sam", "decline Acme Corp budget is frozen", "You declined Acme Corp"},
        {"mia", "咨询 Acme Corp 销售部 请看看报价", "now consult on Acme Corp"},
        {"li", "客户别名 Acme Corp 艾克美", "Acme Corp 现在也可以叫 艾克美"},
    };
    for (const auto& s : steps) {
        SCOPED_TRACE(s.text);
        const auto posts = say_posts(bot, s.who, s.text);
        EXPECT_THAT(to(posts, std::string("@") + s.who), ElementsAre(HasSubstr(s.expected)));
    }
    const auto e = engagements_of_bot(bot).all();
    const auto h = engagements_of_bot(bot).latest_handoff(e[0].id);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->note, "met them at the fair, talk to Bob");
    EXPECT_EQ(h->reason, "budget is frozen");
    const auto consultations = engagements_of_bot(bot).consultations(e[0].id);
    ASSERT_FALSE(consultations.empty());
    EXPECT_EQ(consultations.back().note, "请看看报价");
}

// Notes and reasons are free text: a note like "budget=low, call back" is not an option
// but the note, and reaches the store exactly as typed, in both languages.
TEST_F(EngagementsTest, NotesAndReasonsWithKeyValueTextReachTheStoreAsTyped) {
    bot.say("mia", "engagement new Acme Corp stage=lead");
    bot.say("li", "新建项目 华为 阶段=lead");
    struct Step {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Step> steps = {
        {"mia", "consult Acme Corp @sue budget=low, call back",
         "Sue Boss now consult on Acme Corp"},
        {"mia", "handoff Acme Corp to @sam budget=low,  call back",
         "Acme Corp handed to Sam Seller"},
        {"sam", "decline Acme Corp budget=low, call \"back\"", "You declined Acme Corp"},
        {"li", "咨询 华为 @wang 预算=低，下周回电", "王芳 已作为顾问方参与华为"},
        {"li", "移交 华为 给 @wang 预算=低，下周回电", "已把华为移交给 王芳"},
        {"wang", "拒绝 华为 预算=低 明年再说", "你已拒绝华为"},
    };
    for (const auto& s : steps) {
        SCOPED_TRACE(s.text);
        const auto posts = say_posts(bot, s.who, s.text);
        EXPECT_THAT(to(posts, std::string("@") + s.who), ElementsAre(HasSubstr(s.expected)));
    }
    const auto all = engagements_of_bot(bot).all();
    ASSERT_EQ(all.size(), 2u);
    const auto& acme = all[0].customer_name == "Acme Corp" ? all[0] : all[1];
    const auto& huawei = all[0].customer_name == "Acme Corp" ? all[1] : all[0];
    const auto acme_handoff = engagements_of_bot(bot).latest_handoff(acme.id);
    ASSERT_TRUE(acme_handoff.has_value());
    EXPECT_EQ(acme_handoff->note, "budget=low,  call back");
    EXPECT_EQ(acme_handoff->reason, "budget=low, call \"back\"");
    ASSERT_THAT(engagements_of_bot(bot).consultations(acme.id), SizeIs(1));
    EXPECT_EQ(engagements_of_bot(bot).consultations(acme.id)[0].note, "budget=low, call back");
    const auto huawei_handoff = engagements_of_bot(bot).latest_handoff(huawei.id);
    ASSERT_TRUE(huawei_handoff.has_value());
    EXPECT_EQ(huawei_handoff->note, "预算=低，下周回电");
    EXPECT_EQ(huawei_handoff->reason, "预算=低 明年再说");
    ASSERT_THAT(engagements_of_bot(bot).consultations(huawei.id), SizeIs(1));
    EXPECT_EQ(engagements_of_bot(bot).consultations(huawei.id)[0].note, "预算=低，下周回电");
}

TEST_F(EngagementsTest, MultiWordCustomerNamesNeedNoQuotes) {
    bot.say("mia", "engagement new Acme Corp stage=lead");
    struct Step {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Step> steps = {
        {"mia", "customer alias Acme Corp 艾克美 集团", "Acme Corp is also known as 艾克美 集团"},
        {"mia", "consult Acme Corp @sue please look", "Sue Boss now consult on Acme Corp"},
        {"mia", "consult 艾克美集团 marketing", "Max Manager now consult on Acme Corp"},
        {"mia", "stage Acme Corp interest", "Acme Corp moved from lead to interest"},
        {"mia", "handoff Acme Corp to @sam", "Acme Corp handed to Sam Seller"},
        {"sam", "decline Acme Corp not ready to buy",
         "You declined Acme Corp; it is back with Mia"},
    };
    for (const auto& s : steps) {
        SCOPED_TRACE(s.text);
        const auto posts = say_posts(bot, s.who, s.text);
        EXPECT_THAT(to(posts, std::string("@") + s.who), ElementsAre(HasSubstr(s.expected)));
    }
    auto h = engagements_of_bot(bot).latest_handoff(engagements_of_bot(bot).all()[0].id);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->reason, "not ready to buy");
}

TEST_F(EngagementsTest, TheCardRendersInBothLocales) {
    bot.say("mia", "engagement new Acme amount=600000");
    bot.say("mia", "consult acme @wang");
    const auto en = bot.say("mia", "engagement acme");
    const auto zh = bot.say("li", "项目 acme");
    ASSERT_THAT(en, SizeIs(1));
    ASSERT_THAT(zh, SizeIs(1));
    EXPECT_THAT(en[0], AllOf(HasSubstr("Stage: awareness · Lead: Marketing · Owner: Mia Marketer"),
                             HasSubstr("Amount: 600000 CNY (key engagement)"),
                             HasSubstr("王芳 (since 2026-11-02 10:00, not answered yet)"),
                             HasSubstr("Recent:"), HasSubstr("asked 王芳 to consult")));
    EXPECT_THAT(zh[0], AllOf(HasSubstr("阶段：awareness · 主方：市场部 · 负责人：Mia Marketer"),
                             HasSubstr("金额：600000 CNY（重点项目）"),
                             HasSubstr("王芳（自 2026-11-02 17:00，尚未回应）"),
                             HasSubstr("最近记录："), HasSubstr("邀请 王芳 作为顾问方")));
    EXPECT_EQ(en[0].find("{{"), std::string::npos);
    EXPECT_EQ(zh[0].find("{{"), std::string::npos);
}

TEST_F(EngagementsTest, RedeliveredNewEngagementIsAppliedOnce) {
    core::Event e;
    e.id = "same-id-1";
    e.where = {"test", "@mia", ""};
    e.who = {"test", "mia", "mia"};
    e.text = "engagement new Acme";
    e.direct = true;
    EXPECT_THAT(texts(bot.deliver(e)), ElementsAre(HasSubstr("opened")));
    EXPECT_THAT(texts(bot.deliver(e)), IsEmpty());
    bot.restart();
    EXPECT_THAT(texts(bot.deliver(e)), IsEmpty());
    EXPECT_EQ(engagements_of_bot(bot).all().size(), 1u);
    EXPECT_EQ(customers_of_bot(bot).all().size(), 1u);
}

TEST(EngagementsStore, RepositoriesRoundTrip) {
    TestBot bot;
    auto& s = bot.store();
    s.channel_tracks().upsert({"hub", "general", "joint"}, 1);
    s.channel_tracks().upsert({"hub", "general", "sales"}, 2);
    s.channel_tracks().upsert({"irc", "mkt", "marketing"}, 2);
    EXPECT_EQ(s.channel_tracks().track_of("hub", "general"), "sales");
    EXPECT_EQ(s.channel_tracks().track_of("hub", "nope"), std::nullopt);
    ASSERT_THAT(s.channel_tracks().by_track("marketing"), SizeIs(1));
    EXPECT_EQ(s.channel_tracks().all().size(), 2u);

    const auto id = customers_of_bot(bot).create("华为", "华为", 1);
    customers_of_bot(bot).add_alias(id, "Huawei", "huawei", 2);
    EXPECT_THROW(customers_of_bot(bot).create("Huawei", "华为", 3), store::UniqueViolation);
    EXPECT_THROW(customers_of_bot(bot).add_alias(id, "HUAWEI", "huawei", 3),
                 store::UniqueViolation);
    const auto c = customers_of_bot(bot).get(id);
    ASSERT_TRUE(c.has_value());
    EXPECT_THAT(c->aliases, ElementsAre("Huawei"));

    store::engagements::Engagement e;
    e.customer_id = id;
    e.tag = "#华为";
    e.stage = "lead";
    e.lead = "marketing";
    e.amount = 5;
    e.created_at = e.updated_at = 10;
    e.id = engagements_of_bot(bot).create(e);
    e.stage = "qualified";
    e.lead = "sales";
    engagements_of_bot(bot).update(e, 20);
    const auto got = engagements_of_bot(bot).get(e.id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->customer_name, "华为");
    EXPECT_EQ(got->stage, "qualified");
    EXPECT_EQ(got->amount, 5);
    EXPECT_EQ(got->owner_id, std::nullopt);
    EXPECT_EQ(got->updated_at, 20);

    for (int i = 0; i < 7; ++i)
        engagements_of_bot(bot).add_event(e.id, {100 + i, std::nullopt, "k", "{}"});
    const auto events = engagements_of_bot(bot).events(e.id, 5);
    ASSERT_THAT(events, SizeIs(5));
    EXPECT_EQ(events.front().at, 106);

    store::engagements::Handoff h;
    h.engagement_id = e.id;
    h.to_id = 1;
    h.requested_at = 1;
    h.deadline_at = 2;
    bot.add({"x", "X"});
    h.to_id = bot.engine().directory().all().front().id;
    h.id = engagements_of_bot(bot).add_handoff(h);
    engagements_of_bot(bot).decide_handoff(h.id, "accepted", 5, "");
    EXPECT_EQ(engagements_of_bot(bot).latest_handoff(e.id)->status, "accepted");
    EXPECT_EQ(engagements_of_bot(bot).handoff(h.id)->decided_at, 5);
    EXPECT_TRUE(engagements_of_bot(bot).add_task(e.id, "joint_planning", 1));
    EXPECT_FALSE(engagements_of_bot(bot).add_task(e.id, "joint_planning", 2));
}

}  // namespace
}  // namespace twintrack::testing
