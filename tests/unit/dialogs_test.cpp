#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class DialogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        bot.add({"alice", "Alice", "marketing", "staff", "Asia/Shanghai", "en"});
        bot.add({"liwei", "李伟", "sales", "staff", "Asia/Shanghai", "zh-CN"});
    }
    const bot::Person& alice() { return *bot.engine().directory().by_name_or_email("Alice"); }
    TestBot bot;
};

TEST_F(DialogTest, ProfileAsksOneQuestionAtATimeAndSavesAtTheEnd) {
    EXPECT_THAT(bot.say("alice", "profile"), ElementsAre(HasSubstr("Question 1 of 3")));
    EXPECT_THAT(bot.say("alice", "Europe/Berlin"), ElementsAre(HasSubstr("Question 2 of 3")));
    // Nothing is saved before the last answer.
    EXPECT_EQ(alice().timezone, "Asia/Shanghai");
    EXPECT_THAT(bot.say("alice", "08:30-17:00"), ElementsAre(HasSubstr("Question 3 of 3")));
    EXPECT_THAT(bot.say("alice", "zh-CN"),
                ElementsAre(AllOf(HasSubstr("已保存"), HasSubstr("Europe/Berlin"),
                                  HasSubstr("08:30-17:00"))));
    EXPECT_EQ(alice().timezone, "Europe/Berlin");
    EXPECT_EQ(alice().locale, "zh-CN");
    EXPECT_EQ(alice().work_start, 8 * 60 + 30);
}

TEST_F(DialogTest, BadAnswersAreExplainedAndAskedAgain) {
    bot.say("alice", "profile");
    const auto r = bot.say("alice", "Mars/Olympus");
    ASSERT_THAT(r, SizeIs(2));
    EXPECT_THAT(r[0], HasSubstr("not a time zone I know"));
    EXPECT_THAT(r[1], HasSubstr("Question 1 of 3"));
    bot.say("alice", "skip");
    EXPECT_THAT(bot.say("alice", "18:00-09:00"),
                ElementsAre(HasSubstr("not a working-hours range"), HasSubstr("Question 2")));
}

TEST_F(DialogTest, SkipBackAndCancelWorkInBothLanguages) {
    bot.say("liwei", "个人设置");
    EXPECT_THAT(bot.say("liwei", "跳过"), ElementsAre(HasSubstr("第 2/3 题")));
    EXPECT_THAT(bot.say("liwei", "返回"), ElementsAre(HasSubstr("第 1/3 题")));
    EXPECT_THAT(bot.say("liwei", "取消"), ElementsAre(HasSubstr("已取消")));
    EXPECT_THAT(bot.say("liwei", "ping"), ElementsAre("pong"));
    bot.say("alice", "profile");
    bot.say("alice", "Europe/Paris");
    EXPECT_THAT(bot.say("alice", "cancel"), ElementsAre(HasSubstr("Cancelled")));
    EXPECT_EQ(alice().timezone, "Asia/Shanghai");
}

TEST_F(DialogTest, ADialogSurvivesARestart) {
    bot.say("alice", "profile");
    bot.say("alice", "America/New_York");
    bot.restart();
    EXPECT_THAT(bot.say("alice", "07:00-15:00"), ElementsAre(HasSubstr("Question 3 of 3")));
    EXPECT_THAT(bot.say("alice", "skip"), ElementsAre(HasSubstr("America/New_York")));
}

TEST_F(DialogTest, ADialogTimesOutAndSaysSoOnce) {
    bot.say("alice", "profile");
    EXPECT_THAT(bot.advance(std::chrono::minutes(29)), IsEmpty());
    bot.say("alice", "Europe/Berlin");  // an answer restarts the 30 minutes
    EXPECT_THAT(bot.advance(std::chrono::minutes(29)), IsEmpty());
    EXPECT_THAT(texts(bot.advance(std::chrono::minutes(2))), ElementsAre(HasSubstr("timed out")));
    EXPECT_THAT(bot.advance(std::chrono::hours(3)), IsEmpty());
    EXPECT_THAT(bot.say("alice", "ping"), ElementsAre("pong"));
    EXPECT_EQ(alice().timezone, "Asia/Shanghai");
}

TEST_F(DialogTest, TimeoutMissedWhileDownIsReportedAfterRestart) {
    bot.say("liwei", "个人设置");
    bot.restart();
    EXPECT_THAT(texts(bot.advance(std::chrono::hours(2))), ElementsAre(HasSubstr("对话超时")));
}

TEST_F(DialogTest, ChannelChatterDoesNotFeedADirectMessageDialog) {
    bot.say("alice", "profile");
    EXPECT_THAT(bot.say_in("general", "alice", "lunch at noon?"), IsEmpty());
    EXPECT_THAT(bot.say_in("general", "alice", "!ping"), ElementsAre("pong"));
    EXPECT_THAT(bot.say("alice", "Europe/Berlin"), ElementsAre(HasSubstr("Question 2 of 3")));
}

}  // namespace
}  // namespace twintrack::testing
