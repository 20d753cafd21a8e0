// Trainings, outings and the activity budget end to end through TestBot: registration
// with a waiting list and promotion, reminders, attendance after the session; a date
// poll with votes, closing (tie to the earliest date), RSVPs, headcount and reminders;
// planned vs spent per kind of activity; bad input in both languages.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "bot/features/social/social.hpp"
#include "bot/features/social/store/social_store.hpp"
#include "bot/features/social/training_plan.hpp"
#include "core/source_dir.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;

/// The social feature's own tables on the bot's store (bot/features/social/store/).
using SocialTable = store::social::SocialRepository;

bot::BotSettings activity_settings() {
    bot::BotSettings s;
    s.features.edit<bot::social::SocialSettings>().quarterly_budget = {
        {"training", 10000}, {"outing", 3000}, {"meeting", 500}};
    return s;
}

class ActivitiesTest : public ::testing::Test {
  protected:
    ActivitiesTest() : bot(TestBot::default_start(), activity_settings()) {
        bot.add({"hana", "Hana HR", "hr", "hr"});  // Asia/Shanghai
        bot.add({"hans", "Hans HR", "hr", "hr", "Europe/Berlin"});
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"sue", "Sue Seller", "sales", "staff", "Asia/Shanghai"});
    }
    std::map<std::string, std::vector<std::string>> by_recipient(
        const std::vector<core::Post>& ps) {
        std::map<std::string, std::vector<std::string>> out;
        for (const auto& p : ps) out[p.to.channel].push_back(p.text);
        return out;
    }
    std::vector<core::Post> say_posts(const std::string& who, const std::string& text) {
        const std::size_t before = bot.all_posts().size();
        bot.say(who, text);
        return {bot.all_posts().begin() + static_cast<long>(before), bot.all_posts().end()};
    }
    TestBot bot;
};

// The clock starts Monday 2026-11-02 09:00 UTC (17:00 in Shanghai).
const char* const new_training =
    "training new \"Selling value\" by @mia for sales on 2026-11-10 10:00 capacity 2 cost 3000";

TEST_F(ActivitiesTest, TrainingRegistrationWaitingListRemindersAndAttendance) {
    EXPECT_THAT(bot.say("sam", new_training), ElementsAre(HasSubstr("needs the role")));
    const auto created = by_recipient(say_posts("hana", new_training));
    EXPECT_THAT(created.at("@hana"),
                ElementsAre(AllOf(HasSubstr("Training #1 \"Selling value\" by Mia Marketer for "
                                            "Sales: 2026-11-10 10:00 (Asia/Shanghai), 2 seats"),
                                  HasSubstr("I invited 3 people"))));
    // The audience is invited in their own zone and language; marketing is not.
    EXPECT_THAT(created.at("@sam"), ElementsAre(HasSubstr("2026-11-10 03:00 (Europe/Berlin)")));
    EXPECT_THAT(created.at("@wang"), ElementsAre(HasSubstr("新培训 #1")));
    EXPECT_EQ(created.count("@hans"), 0u);

    EXPECT_THAT(bot.say("sam", "training join 1"), ElementsAre(HasSubstr("You are registered")));
    EXPECT_THAT(bot.say("sue", "training join #1"), ElementsAre(HasSubstr("You are registered")));
    EXPECT_THAT(bot.say("sue", "training join 1"), ElementsAre(HasSubstr("already registered")));
    EXPECT_THAT(bot.say("wang", "报名培训 1"), ElementsAre(HasSubstr("你是候补第 1 位")));
    EXPECT_THAT(bot.say("mia", "training join 1"), ElementsAre(HasSubstr("is for Sales only")));
    EXPECT_THAT(bot.say("mia", "training leave 1"), ElementsAre(HasSubstr("not registered")));

    // Sam leaves: Wang, first on the waiting list, gets the seat and is told.
    const auto left = by_recipient(say_posts("sam", "training leave 1"));
    EXPECT_THAT(left.at("@sam"), ElementsAre(HasSubstr("You are off training #1")));
    EXPECT_THAT(left.at("@wang"), ElementsAre(HasSubstr("你已从候补转为正式报名")));
    EXPECT_THAT(bot.say("hana", "training 1"),
                ElementsAre(AllOf(HasSubstr("Registered (2/2): "), HasSubstr("Sue Seller"),
                                  HasSubstr("王芳"), Not(HasSubstr("Waiting list")))));

    EXPECT_THAT(bot.say("hana", "attended 1 @sue"), ElementsAre(HasSubstr("has not taken place")));

    // The day before (10:00 Shanghai = 02:00 UTC on the 9th) and an hour before.
    bot.advance(24h * 6 + 16h);
    auto reminders = by_recipient(bot.advance(1h));
    EXPECT_THAT(reminders.at("@sue"), Contains(HasSubstr("starts in 24 hour(s)")));
    EXPECT_THAT(reminders.at("@wang"), Contains(HasSubstr("将在 24 小时后开始")));
    EXPECT_THAT(reminders.at("@mia"), Contains(HasSubstr("you give training #1")));
    EXPECT_THAT(reminders["@sam"], Each(Not(HasSubstr("training"))));  // left it
    reminders = by_recipient(bot.advance(23h));
    EXPECT_THAT(reminders.at("@sue"), Contains(HasSubstr("starts in 1 hour(s)")));

    // Two hours after the start the organiser and the trainer are asked for attendance.
    const auto ask = by_recipient(bot.advance(3h));
    EXPECT_THAT(bot.say("sam", "training join 1"), ElementsAre(HasSubstr("has already started")));
    EXPECT_THAT(ask.at("@hana"), Contains(HasSubstr("Please record who came")));
    EXPECT_THAT(ask.at("@mia"), Contains(HasSubstr("Please record who came")));
    EXPECT_THAT(bot.say("sue", "attended 1 @sue"),
                ElementsAre(HasSubstr("Only organisers and the trainer")));
    EXPECT_THAT(bot.say("hana", "attended 1 @sue @nobody"), ElementsAre(HasSubstr("nobody")));
    EXPECT_THAT(bot.say("mia", "attended 1 @sue @wang"),
                ElementsAre(HasSubstr("Sue Seller, 王芳. 2 attended in all (2 registered)")));
    EXPECT_THAT(bot.say("hana", "training 1"), ElementsAre(HasSubstr("Attended: ")));
}

TEST_F(ActivitiesTest, TrainingBadInputIsExplainedAndNothingIsSaved) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"hana", "training new \"X\" by @mia for sales on 2026-11-01 10:00", "has already passed"},
        {"hana", "training new \"X\" by @mia for sales on 2026-11-02 16:59", "has already passed"},
        {"hana", "training new \"X\" by @mia for sales on 2026-11-31 10:00", "is not a date"},
        {"hana", "training new \"X\" by @mia for sales on 2026-12-01 25:00", "is not a time"},
        {"hana", "training new \"X\" by @mia for finance on 2026-12-01 10:00", "not an audience"},
        {"hana", "training new \"X\" by @nobody for sales on 2026-12-01 10:00", "nobody"},
        {"hana", "training new \"X\" by @mia for sales on 2026-12-01 10:00 capacity 0",
         "\"0\" is not a capacity"},
        {"hana", "training new \"X\" by @mia for sales on 2026-12-01 10:00 capacity lots",
         "\"lots\" is not a capacity"},
        {"hana", "training new \"X\" by @mia for sales on 2026-12-01 10:00 capacity",
         "Usage: training new"},
        {"hana", "training new \"X\" for sales", "Usage: training new"},
        // Berlin skips 02:00-03:00 on 2027-03-28.
        {"hans", "training new \"X\" by @mia for all on 2027-03-28 02:30",
         "does not exist in Europe/Berlin"},
        {"wang", "报名培训 9", "没有编号为 #9 的培训"},
        {"sam", "training join", "Usage: training join"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    EXPECT_FALSE(SocialTable(bot.store().db()).training(1).has_value());
    // An hour that exists twice (the clocks go back) takes the first one.
    EXPECT_THAT(bot.say("hans", "training new \"Y\" by @mia for all on 2027-10-31 02:30"),
                Contains(HasSubstr("Training #1 \"Y\" by Mia Marketer for everyone: 2027-10-31 "
                                   "02:30 (Europe/Berlin)")));
    const auto t = SocialTable(bot.store().db()).training(1);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->starts_at, 1824942600000);  // 00:30 UTC: still summer time (UTC+2)
}

TEST_F(ActivitiesTest, CancelledTrainingTellsEveryoneAndRefusesJoins) {
    bot.say("hana", new_training);
    bot.say("sue", "training join 1");
    const auto cancelled = by_recipient(say_posts("hana", "training cancel 1"));
    EXPECT_THAT(cancelled.at("@hana"), ElementsAre(HasSubstr("is cancelled; everyone registered")));
    EXPECT_THAT(cancelled.at("@sue"), ElementsAre(HasSubstr("is cancelled")));
    EXPECT_THAT(bot.say("sam", "training join 1"), ElementsAre(HasSubstr("is cancelled")));
    EXPECT_THAT(bot.say("hana", "training cancel 1"), ElementsAre(HasSubstr("already cancelled")));
    // No reminders for a cancelled training.
    const auto later = bot.advance(24h * 9);
    for (const auto& p : later) EXPECT_THAT(p.text, Not(HasSubstr("Reminder")));
}

TEST_F(ActivitiesTest, OutingPollCloseRsvpAndReminders) {
    const auto created =
        by_recipient(say_posts("hana",
                               "outing new \"Autumn hike\" poll 2026-11-21,2026-11-20, 2026-11-27 "
                               "budget 5000"));
    EXPECT_THAT(created.at("@hana"),
                ElementsAre(AllOf(HasSubstr("Outing #1 \"Autumn hike\": the poll offers "
                                            "2026-11-20, 2026-11-21, 2026-11-27, budget 5000 CNY"),
                                  HasSubstr("I asked 5 people to vote"))));
    EXPECT_THAT(created.at("@wang"), ElementsAre(HasSubstr("正在筹备郊游 #1")));

    EXPECT_THAT(bot.say("sam", "rsvp 1 yes"), ElementsAre(HasSubstr("is not fixed yet")));
    EXPECT_THAT(bot.say("sam", "vote 1 2026-11-20 2026-11-21"),
                ElementsAre(HasSubstr("2026-11-20 1 vote(s); 2026-11-21 1 vote(s); 2026-11-27 "
                                      "0 vote(s); 1 people voted")));
    EXPECT_THAT(bot.say("sue", "vote 1 2026-11-21"), ElementsAre(HasSubstr("2 people voted")));
    EXPECT_THAT(bot.say("wang", "投票 1 2026-11-20"), ElementsAre(HasSubstr("共 3 人投票")));
    EXPECT_THAT(bot.say("mia", "vote 1 2026-11-22"),
                ElementsAre(HasSubstr("2026-11-22 is not one of the poll's dates")));
    EXPECT_THAT(bot.say("mia", "close 1"), ElementsAre(HasSubstr("needs the role")));

    // 2026-11-20 and 2026-11-21 have two votes each: the earlier one wins.
    const auto closed = by_recipient(say_posts("hana", "close 1"));
    EXPECT_THAT(closed.at("@hana"),
                ElementsAre(HasSubstr("is on 2026-11-20 (a tie; the earliest of the tied dates "
                                      "wins)")));
    EXPECT_THAT(closed.at("@mia"), ElementsAre(HasSubstr("Will you come? \"rsvp 1 yes\"")));
    EXPECT_THAT(bot.say("mia", "vote 1 2026-11-21"),
                ElementsAre(HasSubstr("The poll for outing #1 \"Autumn hike\" is closed: it takes "
                                      "place on 2026-11-20")));
    EXPECT_THAT(bot.say("hana", "close 1"), ElementsAre(HasSubstr("is closed")));

    EXPECT_THAT(bot.say("sam", "rsvp 1 yes"), ElementsAre(HasSubstr("Headcount: 1 coming, 0 not")));
    EXPECT_THAT(bot.say("sue", "rsvp 1 no"), ElementsAre(HasSubstr("Headcount: 1 coming, 1 not")));
    EXPECT_THAT(bot.say("wang", "参加郊游 1 是"),
                ElementsAre(HasSubstr("目前 2 人参加，1 人不参加")));
    EXPECT_THAT(bot.say("sam", "rsvp 1 maybe"), ElementsAre(HasSubstr("Usage: rsvp")));
    EXPECT_THAT(bot.say("hana", "outing 1"),
                ElementsAre(HasSubstr("Headcount: 2 coming, 1 not: Sam Seller, 王芳")));

    // The day before at 10:00 in the company zone (02:00 UTC on the 19th).
    bot.advance(24h * 16 + 16h);
    auto reminders = by_recipient(bot.advance(1h));
    EXPECT_THAT(reminders.at("@sam"), Contains(HasSubstr("Tomorrow: outing #1")));
    EXPECT_THAT(reminders.at("@mia"), Contains(HasSubstr("I don't know yet whether you come")));
    EXPECT_THAT(reminders["@sue"], Each(Not(HasSubstr("outing"))));  // said no

    bot.advance(48h);
    EXPECT_THAT(bot.say("sue", "rsvp 1 yes"), ElementsAre(HasSubstr("took place on 2026-11-20")));
}

TEST_F(ActivitiesTest, OutingBadInput) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"hana", "outing new \"Hike\" poll 2026-11-01,2026-11-20", "2026-11-01 has already passed"},
        {"hana", "outing new \"Hike\" poll 2026-11-20,next-friday",
         "\"next-friday\" is not a date"},
        {"hana", "outing new \"Hike\" poll 2026-11-20 budget -5", "\"-5\" is not a cost"},
        {"hana", "outing new \"Hike\"", "Usage: outing new"},
        {"hana", "outing new poll 2026-11-20", "Usage: outing new"},
        {"sam", "vote 3 2026-11-20", "There is no outing #3"},
        {"sam", "vote", "Usage: vote"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    EXPECT_FALSE(SocialTable(bot.store().db()).outing(1).has_value());
    // Closing with no votes takes the earliest date and says so.
    bot.say("hana", "outing new 秋游 poll 2026-11-28,2026-11-21");
    EXPECT_THAT(bot.say("hana", "close 1"),
                Contains(HasSubstr("on 2026-11-21 (nobody voted, so the earliest date)")));
    bot.say("hana", "outing cancel 1");
    EXPECT_THAT(bot.say("wang", "参加郊游 1 是"), ElementsAre(HasSubstr("已取消")));
}

TEST_F(ActivitiesTest, BudgetShowsPlannedAndSpentPerKind) {
    EXPECT_THAT(bot.say("sam", "budget"), ElementsAre(HasSubstr("needs the role")));
    bot.say("hana", new_training);
    bot.say("hana", "outing new \"Hike\" poll 2026-11-20 budget 5000");
    bot.say("hana", "training new \"Next year\" by @mia for all on 2027-01-15 10:00 cost 800");
    EXPECT_THAT(bot.say("hana", "budget"),
                ElementsAre(AllOf(HasSubstr("Activity budget 2026Q4 (CNY)"),
                                  HasSubstr("Joint meetings: budget 500, planned 0, spent 0, 500 "
                                            "left"),
                                  HasSubstr("Outings: budget 3000, planned 5000, spent 0, 2000 "
                                            "over budget"),
                                  HasSubstr("Trainings: budget 10000, planned 3000, spent 0, 7000 "
                                            "left"),
                                  HasSubstr("Total: budget 13500, planned 8000, spent 0"))));
    bot.advance(24h * 9);  // the training took place
    EXPECT_THAT(bot.say("hana", "budget"),
                ElementsAre(HasSubstr("Trainings: budget 10000, planned 3000, spent 3000")));
    EXPECT_THAT(bot.say("hana", "budget 2027Q1"),
                ElementsAre(HasSubstr("Trainings: budget 10000, planned 800, spent 0")));
    bot.say("hana", "outing cancel 1");
    EXPECT_THAT(bot.say("hana", "budget q4"),
                ElementsAre(HasSubstr("Outings: budget 3000, planned 0, spent 0, 3000 left")));
    EXPECT_THAT(bot.say("hana", "budget Q5"),
                ElementsAre(AllOf(HasSubstr("\"Q5\" is not a quarter: write 2027Q1, Q1"),
                                  HasSubstr("Usage: budget [YYYYQN]"))));
    EXPECT_THAT(bot.say("hana", "budget 2027 Q1"),
                ElementsAre(HasSubstr("Trainings: budget 10000, planned 800, spent 0")));
    bot.add({"li", "李经理", "sales", "manager", "Asia/Shanghai", "zh-CN"});
    EXPECT_THAT(bot.say("li", "活动预算"),
                ElementsAre(AllOf(HasSubstr("2026Q4 活动预算（CNY）"),
                                  HasSubstr("培训：预算 10000，计划 3000，已支出 3000"))));
    // The quarter in Chinese words, read by the argument parser like the plan's.
    EXPECT_THAT(bot.say("li", "活动预算 第四季度"),
                ElementsAre(HasSubstr("2026Q4 活动预算（CNY）")));
    EXPECT_THAT(bot.say("li", "活动预算 2027年第1季度"),
                ElementsAre(AllOf(HasSubstr("2027Q1 活动预算（CNY）"),
                                  HasSubstr("培训：预算 10000，计划 800"))));
    EXPECT_THAT(
        bot.say("li", "活动预算 第五季度"),
        ElementsAre(AllOf(HasSubstr("“第五季度”不是季度"), HasSubstr("用法：活动预算 [YYYYQN]"))));
}

// The commands that take a training's or an outing's number are declared (bot/args.hpp): a
// word that is not a number is answered by the parser, naming it, in the writer's language.
TEST_F(ActivitiesTest, IdCommandsNameAWordThatIsNotANumberInBothLanguages) {
    bot.add({"liu", "刘洋", "hr", "hr", "Asia/Shanghai", "zh-CN"});
    struct Case {
        const char* who;
        const char* text;
        std::vector<const char*> expected;
    };
    const std::vector<Case> cases = {
        {"sam", "training join abc", {"\"abc\" is not a number", "Usage: training join ID"}},
        {"wang", "报名培训 abc", {"“abc”不是编号", "用法：报名培训 编号"}},
        {"sam", "training leave #x", {"\"#x\" is not a number"}},
        {"wang", "退出培训 #x", {"“#x”不是编号"}},
        {"sam", "training first", {"\"first\" is not a number", "Usage: training [ID]"}},
        {"wang", "培训 第一", {"“第一”不是编号"}},
        {"hana", "training cancel 0", {"\"0\" is not a number"}},
        {"liu", "取消培训 0", {"“0”不是编号"}},
        {"hana", "attended one @sam", {"\"one\" is not a number"}},
        {"liu", "出勤 一 @sam", {"“一”不是编号"}},
        {"hana", "attended 1", {"attended needs @PERSON [@PERSON ...]."}},
        {"liu", "出勤 1", {"出勤需要@同事 [@同事 ...]。"}},
        {"hana", "outing cancel 1.5", {"\"1.5\" is not a number"}},
        {"liu", "取消郊游 1.5", {"“1.5”不是编号"}},
        {"hana", "close -1", {"\"-1\" is not a number"}},
        {"liu", "结束投票 -1", {"“-1”不是编号"}},
        {"sam", "vote x 2026-11-20", {"\"x\" is not a number"}},
        {"wang", "投票 x 2026-11-20", {"“x”不是编号"}},
        {"sam", "rsvp x yes", {"\"x\" is not a number"}},
        {"wang", "参加郊游 x 是", {"“x”不是编号"}},
        {"sam", "rsvp 1", {"rsvp needs yes|no.", "Usage: rsvp ID yes|no"}},
        {"wang", "参加郊游 1", {"参加郊游需要是|否。"}},
        {"sam", "outing 1 2", {"I did not expect \"2\" here."}},
        {"wang", "郊游 1 2", {"这里不该有“2”"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto r = bot.say(c.who, c.text);
        ASSERT_THAT(r, SizeIs(1));
        for (const char* e : c.expected) EXPECT_THAT(r[0], HasSubstr(e));
    }
    // "#N" is read like N.
    EXPECT_THAT(bot.say("wang", "报名培训 #9"), ElementsAre(HasSubstr("没有编号为 #9 的培训")));
}

// `training new` and `outing new` are declared (bot/args.hpp): `help` writes their usage
// from the declaration, and a bad token is answered by the parser, naming it, in the
// writer's language, before anything is saved.
TEST_F(ActivitiesTest, DeclaredTrainingAndOutingNameTheBadToken) {
    bot.add({"li", "李经理", "hr", "hr", "Asia/Shanghai", "zh-CN"});
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"hana", "training new \"X\" by @mia for sales on someday 10:00",
         "\"someday\" is not a date"},
        {"li", "新建培训 “X” 主讲 @mia 面向 销售部 时间 某天 10:00", "“某天”不是日期"},
        {"hana", "training new \"X\" by @mia for sales on 2026-12-01", "training new needs HH:MM"},
        {"li", "新建培训 “X” 主讲 @mia 面向 销售部 时间 2026-12-01", "新建培训需要HH:MM"},
        {"hana", "training new \"X\" by @mia for sales on 2026-12-01 10:00 seats",
         "\"seats\" needs N after it"},
        {"li", "新建培训 “X” 主讲 @mia 面向 销售部 时间 2026-12-01 10:00 名额",
         "“名额”后面需要写上N"},
        {"hana", "training new \"X\" by @mia for sales on 2026-12-01 10:00 room=5",
         "\"room=\" is not an option of training new"},
        {"li", "新建培训 “X” 主讲 @mia 面向 销售部 时间 2026-12-01 10:00 房间=5",
         "“房间=”不是新建培训的选项"},
        {"hana", "training new \"X\" by @mia on 2026-12-01 10:00", "training new needs for"},
        {"hana", "outing new \"Hike\" poll", "\"poll\" needs YYYY-MM-DD,YYYY-MM-DD,... after it"},
        {"li", "新建郊游 “秋游” 候选日期", "“候选日期”后面需要写上YYYY-MM-DD,YYYY-MM-DD,..."},
        {"hana", "outing new \"Hike\" poll 2026-11-20 budget", "\"budget\" needs N after it"},
        {"li", "新建郊游 “秋游” 候选日期 2026-11-20 预算", "“预算”后面需要写上N"},
        {"hana", "outing new \"Hike\" poll 2026-11-20 place=park",
         "\"place=\" is not an option of outing new"},
        {"li", "新建郊游 “秋游” 候选日期 2026-11-20 地点=公园", "“地点=”不是新建郊游的选项"},
        {"hana", "outing new \"Hike\" budget 500", "outing new needs poll"},
        {"li", "新建郊游 “秋游” 预算 500", "新建郊游需要候选日期"},
        {"hana", "help training new",
         "training new \"TOPIC\" by @TRAINER for sales|marketing|all on DATE HH:MM [capacity N] "
         "[cost N]"},
        {"li", "帮助 新建培训",
         "新建培训 “主题” 主讲 @讲师 面向 销售部|市场部|全体 时间 日期 HH:MM [名额 N] [费用 N]"},
        {"hana", "help outing new",
         "outing new \"TITLE\" poll YYYY-MM-DD,YYYY-MM-DD,... [budget N]"},
        {"li", "帮助 新建郊游", "新建郊游 \"标题\" 候选日期 YYYY-MM-DD,YYYY-MM-DD,... [预算 N]"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    EXPECT_FALSE(SocialTable(bot.store().db()).training(1).has_value());
    EXPECT_FALSE(SocialTable(bot.store().db()).outing(1).has_value());

    // Good calls in both languages: the dates of a poll may be written with spaces, and the
    // key words may come in any order after the topic.
    EXPECT_THAT(
        bot.say("li", "新建培训 “价格入门” 主讲 @mia 面向 销售部 时间 2026-12-10 14:00 名额 3"),
        Contains(HasSubstr("培训 #1“价格入门”已安排")));
    EXPECT_THAT(bot.say("hana", "training new \"Demo day\" for all by @mia on 2026-12-11 09:00"),
                Contains(HasSubstr("Training #2 \"Demo day\" by Mia Marketer for everyone")));
    EXPECT_THAT(bot.say("hana", "outing new \"Hike\" poll 2026-11-20 2026-11-21 budget 500"),
                Contains(HasSubstr("the poll offers 2026-11-20, 2026-11-21, budget 500 CNY")));
    EXPECT_THAT(bot.say("li", "新建郊游 秋游 候选日期 2026-11-27,2026-11-28"),
                Contains(HasSubstr("郊游 #2")));
}

// `training new`'s check, without a bot: plan_training builds the training or names the
// problem; reminder_times lists the reminders still ahead.
namespace {
const bot::Prompts& activity_prompts() {
    static const auto p = bot::Prompts::load(core::source_dir() + "/prompts", "en");
    return *p;
}

bot::social::TrainingAsk training_ask() {
    bot::social::TrainingAsk a;
    a.topic = "Pricing 101";
    a.trainer_id = 7;
    a.audience = "sales";
    a.day = date::year_month_day{date::year(2026), date::December, date::day(10)};
    a.day_text = "2026-12-10";
    a.time = "14:00";
    return a;
}
}  // namespace

TEST(TrainingPlan, BuildsTheTrainingInTheOrganisersZone) {
    // 2026-11-02 09:00 UTC.
    const bot::social::TrainingContext c{activity_prompts(), 3, "Asia/Shanghai", 1793610000000};
    auto ask = training_ask();
    ask.capacity = "12";
    ask.cost = "3000";
    const auto plan = bot::social::plan_training(ask, c);
    ASSERT_TRUE(plan.training.has_value()) << plan.problem;
    EXPECT_EQ(plan.training->topic, "Pricing 101");
    EXPECT_EQ(plan.training->trainer_id, 7);
    EXPECT_EQ(plan.training->audience, "sales");
    EXPECT_EQ(plan.training->starts_at, 1796882400000);  // 06:00 UTC: 14:00 in Shanghai
    EXPECT_EQ(plan.training->capacity, 12);
    EXPECT_EQ(plan.training->cost, 3000);
    EXPECT_EQ(plan.training->created_by, 3);
    // Chinese audience words, and everyone.
    ask.audience = "销售部";
    EXPECT_EQ(bot::social::plan_training(ask, c).training->audience, "sales");
    ask.audience = "全体";
    EXPECT_EQ(bot::social::plan_training(ask, c).training->audience, "all");
}

TEST(TrainingPlan, NamesEachProblem) {
    const bot::social::TrainingContext c{activity_prompts(), 3, "Europe/Berlin", 1793610000000};
    struct Case {
        std::function<void(bot::social::TrainingAsk&)> change;
        const char* problem;
        nlohmann::json data;
    };
    const std::vector<Case> cases = {
        {[](auto& a) { a.capacity = "0"; }, "bad_capacity", {{"value", "0"}, {"max", 10000}}},
        {[](auto& a) { a.capacity = "lots"; }, "bad_capacity", {{"value", "lots"}, {"max", 10000}}},
        {[](auto& a) { a.cost = "-5"; }, "bad_cost", {{"value", "-5"}}},
        {[](auto& a) { a.audience = "finance"; }, "bad_audience", {{"word", "finance"}}},
        {[](auto& a) { a.time = "25:00"; }, "bad_time", {{"time", "25:00"}}},
        {[](auto& a) {
             a.day = date::year_month_day{date::year(2027), date::March, date::day(28)};
             a.day_text = "2027-03-28";
             a.time = "02:30";
         },
         "time_in_gap",
         {{"date", "2027-03-28"}, {"time", "02:30"}, {"zone", "Europe/Berlin"}}},
        {[](auto& a) {
             a.day = date::year_month_day{date::year(2026), date::November, date::day(1)};
             a.day_text = "2026-11-01";
         },
         "in_the_past",
         {{"date", "2026-11-01"}, {"time", "14:00"}, {"zone", "Europe/Berlin"}}},
    };
    for (const auto& k : cases) {
        auto ask = training_ask();
        k.change(ask);
        SCOPED_TRACE(k.problem);
        const auto plan = bot::social::plan_training(ask, c);
        EXPECT_FALSE(plan.training.has_value());
        EXPECT_EQ(plan.problem, k.problem);
        EXPECT_EQ(plan.data, k.data);
    }
}

TEST(TrainingPlan, RemindersStillAheadOnly) {
    const std::int64_t hour = 3600 * 1000;
    EXPECT_EQ(bot::social::reminder_times(100 * hour, 0),
              (std::vector<std::pair<int, std::int64_t>>{{24, 76 * hour}, {1, 99 * hour}}));
    EXPECT_EQ(bot::social::reminder_times(100 * hour, 80 * hour),
              (std::vector<std::pair<int, std::int64_t>>{{1, 99 * hour}}));
    EXPECT_TRUE(bot::social::reminder_times(100 * hour, 99 * hour).empty());
}

}  // namespace
}  // namespace twintrack::testing
