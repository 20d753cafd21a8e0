// Coffee pairing end to end through TestBot: HR starts rounds, each person gets an
// introduction with a conversation starter by direct message, a nudge halfway and "did
// you meet?" at the end (a dialog, answers stored); pause, opt-out, the private avoid
// list, and bad input in both languages.

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "bot/features/social/store/social_store.hpp"
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
using namespace std::chrono_literals;

/// The social feature's own tables on the bot's store (bot/features/social/store/).
using SocialTable = store::social::SocialRepository;

class CoffeeTest : public ::testing::Test {
  protected:
    CoffeeTest() {
        bot.add({"hana", "Hana HR", "hr", "hr"});
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"max", "Max Marketer", "marketing", "staff", "Asia/Shanghai"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"sue", "Sue Seller", "sales", "staff", "Asia/Shanghai"});
    }

    /// Posts made while `who` says `text`, by recipient conversation.
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

TEST_F(CoffeeTest, HrStartsRoundsAndEveryoneGetsAnIntroductionWithAStarter) {
    EXPECT_THAT(bot.say("mia", "coffee start every 2w marketing x sales"),
                ElementsAre(HasSubstr("needs the role")));
    const auto posts = by_recipient(say_posts("hana", "coffee start every 2w marketing x sales"));
    ASSERT_EQ(posts.count("@hana"), 1u);
    EXPECT_THAT(posts.at("@hana"),
                ElementsAre(HasSubstr("Coffee pairing started: Marketing x Sales, a new round "
                                      "every 14 day(s).")));
    // 2 marketing x 3 sales: one pair and one trio; nobody is left out.
    for (const char* who : {"@mia", "@max", "@sam", "@sue"}) {
        SCOPED_TRACE(who);
        ASSERT_EQ(posts.count(who), 1u);
        EXPECT_THAT(posts.at(who)[0], AllOf(HasSubstr("Coffee round 1"), HasSubstr("break the ice"),
                                            HasSubstr("before 2026-11-")));
    }
    ASSERT_EQ(posts.count("@wang"), 1u);
    EXPECT_THAT(posts.at("@wang")[0], AllOf(HasSubstr("第 1 轮咖啡配对"), HasSubstr("开场话题")));
    const auto round = SocialTable(bot.store().db()).last_round(1);
    ASSERT_TRUE(round.has_value());
    const auto groups = SocialTable(bot.store().db()).groups(round->id);
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_NE(groups[0].third_id.has_value(), groups[1].third_id.has_value());
}

TEST_F(CoffeeTest, NudgeHalfwayThenDidYouMeetAsADialogWithAnswersStored) {
    bot.say("hana", "coffee start every 2w marketing x sales");
    const auto nudges = by_recipient(bot.advance(7 * 24h));
    ASSERT_EQ(nudges.count("@mia"), 1u);
    EXPECT_THAT(nudges.at("@mia"), ElementsAre(HasSubstr("Halfway through the coffee round")));
    EXPECT_THAT(nudges.at("@wang"), ElementsAre(HasSubstr("咖啡配对这一轮已过半")));

    // Max answers early with the command: no nudge or question for him later.
    EXPECT_THAT(bot.say("max", "coffee met yes"), ElementsAre(HasSubstr("noted that you met")));
    const auto end = by_recipient(bot.advance(7 * 24h));
    ASSERT_EQ(end.count("@mia"), 1u);
    EXPECT_THAT(end.at("@mia"), Contains(HasSubstr("Did you meet")));
    EXPECT_THAT(end.at("@wang"), Contains(HasSubstr("见面了吗？请回答“是”或“否”")));
    if (end.count("@max")) {
        EXPECT_THAT(end.at("@max"), Each(Not(HasSubstr("Did you meet"))));
    }
    // Round 2 starts at the same time.
    EXPECT_THAT(end.at("@mia"), Contains(HasSubstr("Coffee round 2")));

    // An unclear answer is explained and the question asked again.
    EXPECT_THAT(bot.say("mia", "maybe"),
                ElementsAre(HasSubstr("Please answer yes or no"), HasSubstr("Did you meet")));
    EXPECT_THAT(bot.say("mia", "no"), ElementsAre(HasSubstr("did not meet")));
    EXPECT_THAT(bot.say("wang", "是"), ElementsAre(HasSubstr("已记下你们见过面了")));
    const auto stats = SocialTable(bot.store().db()).round_stats(1);
    EXPECT_EQ(stats.answered, 3);
    EXPECT_EQ(stats.met_yes, 2);
    EXPECT_EQ(stats.met_no, 1);
    EXPECT_THAT(
        bot.say("hana", "coffee stats"),
        ElementsAre(AllOf(HasSubstr("round 2: 2 group(s); 0 answer(s)"),
                          HasSubstr("round 1: 2 group(s); 3 answer(s): 2 met, 1 did not"))));
}

TEST_F(CoffeeTest, RoundsGoOnAfterARestart) {
    bot.say("hana", "coffee start every 2w marketing x sales");
    bot.restart();
    auto nudges = by_recipient(bot.advance(7 * 24h));
    EXPECT_THAT(nudges["@mia"], Contains(HasSubstr("Halfway through the coffee round")));
    bot.restart();
    auto next = by_recipient(bot.advance(7 * 24h));
    EXPECT_THAT(next["@mia"], Contains(HasSubstr("Coffee round 2")));
    // Each round ran once.
    EXPECT_EQ(SocialTable(bot.store().db()).last_round(1)->number, 2);
}

TEST_F(CoffeeTest, PausedAndOptedOutPeopleAreLeftOutUntilTheyResume) {
    EXPECT_THAT(bot.say("max", "coffee optout"), ElementsAre(HasSubstr("left coffee pairing")));
    EXPECT_THAT(bot.say("sue", "coffee pause"), ElementsAre(HasSubstr("paused for you")));
    auto posts = by_recipient(say_posts("hana", "coffee start every 1w marketing x sales"));
    EXPECT_EQ(posts.count("@max"), 0u);
    EXPECT_EQ(posts.count("@sue"), 0u);
    EXPECT_EQ(posts.count("@mia"), 1u);
    EXPECT_THAT(bot.say("max", "coffee"), ElementsAre(HasSubstr("You have opted out")));
    bot.say("max", "coffee resume");
    bot.say("sue", "coffee resume");
    posts = by_recipient(bot.advance(7 * 24h));
    EXPECT_THAT(posts["@max"], Contains(HasSubstr("Coffee round 2")));
    EXPECT_THAT(posts["@sue"], Contains(HasSubstr("Coffee round 2")));
}

TEST_F(CoffeeTest, AvoidListIsPrivateAndHonoured) {
    // In a channel it is refused, so nobody else reads it.
    EXPECT_THAT(bot.say_in("general", "mia", "!coffee avoid @sam", true),
                ElementsAre(HasSubstr("please tell me in a direct message")));
    EXPECT_THAT(bot.say("mia", "coffee avoid @sam"),
                ElementsAre(HasSubstr("you will not be paired with Sam Seller")));
    EXPECT_THAT(bot.say("mia", "coffee avoid @nobody"), ElementsAre(HasSubstr("nobody")));
    EXPECT_THAT(bot.say("mia", "coffee avoid @mia"), ElementsAre(HasSubstr("yourself")));
    bot.say("hana", "coffee start every 1w marketing x sales");
    for (int round = 0; round < 6; ++round) {
        const auto r = SocialTable(bot.store().db()).last_round(1);
        ASSERT_TRUE(r.has_value());
        for (const auto& g : SocialTable(bot.store().db()).groups(r->id)) {
            std::set<std::int64_t> members = {g.left_id, g.right_id, g.third_id.value_or(0)};
            EXPECT_FALSE(members.count(2) && members.count(4)) << "round " << r->number;
        }
        bot.advance(7 * 24h);
    }
    // Mia answers the last round's "did you meet?" first.
    EXPECT_THAT(bot.say("mia", "yes"), ElementsAre(HasSubstr("noted that you met")));
    EXPECT_THAT(bot.say("mia", "coffee"), ElementsAre(HasSubstr("Your private avoid list: Sam")));
    EXPECT_THAT(bot.say("sam", "coffee"), Each(Not(HasSubstr("Mia"))));
    EXPECT_THAT(bot.say_in("general", "mia", "!coffee", true),
                ElementsAre(Not(HasSubstr("avoid list"))));
    for (const auto& p : bot.all_posts()) {
        if (p.to.channel != "@mia") {
            EXPECT_THAT(p.text, Not(HasSubstr("avoid list: ")));
        }
    }
}

TEST_F(CoffeeTest, PeopleWhoseWorkingHoursNeverOverlapAreNotPaired) {
    // Los Angeles 09:00-18:00 is 17:00-02:00 UTC; Berlin 08:00-17:00 UTC: no overlap.
    // Shanghai 01:00-10:00 UTC shares an hour with Los Angeles.
    TestBot b;
    b.add({"hana", "Hana HR", "hr", "hr"});
    b.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
    b.add({"lou", "Lou Seller", "sales", "staff", "America/Los_Angeles"});
    b.say("hana", "coffee start every 1w marketing x sales");
    const auto round = SocialTable(b.store().db()).last_round(1);
    ASSERT_TRUE(round.has_value());
    EXPECT_TRUE(SocialTable(b.store().db()).groups(round->id).empty());
    std::map<std::string, std::vector<std::string>> dm;
    for (const auto& p : b.all_posts()) dm[p.to.channel].push_back(p.text);
    EXPECT_THAT(dm["@lou"], Contains(HasSubstr("this time I found nobody for you")));
    EXPECT_THAT(dm["@lou"], Contains(HasSubstr("The next round starts 2026-11-09 01:00 "
                                               "(America/Los_Angeles)")));
    EXPECT_THAT(dm["@mia"], Contains(HasSubstr("this time I found nobody for you")));

    b.add({"max", "Max Marketer", "marketing", "staff", "Asia/Shanghai"});
    b.advance(7 * 24h);
    const auto next = SocialTable(b.store().db()).last_round(1);
    ASSERT_TRUE(next.has_value());
    const auto groups = SocialTable(b.store().db()).groups(next->id);
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].left_id, b.engine().directory().by_name_or_email("Max Marketer")->id);
    EXPECT_FALSE(groups[0].third_id.has_value());  // Mia can't join: no overlap with Lou
}

TEST_F(CoffeeTest, BadInputIsExplainedInTheWritersLanguage) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"hana", "coffee start every 0w marketing x sales", "didn't understand how often"},
        {"hana", "coffee start every 2 fortnights marketing x sales",
         "didn't understand how often"},
        {"hana", "coffee start every 2w marketing x finance", "\"finance\" is not a department"},
        {"hana", "coffee start every 2w sales x sales", "two different ones"},
        {"hana", "coffee start marketing sales", "Usage: coffee start"},
        {"hana", "coffee stop", "No coffee pairing is running"},
        {"mia", "coffee met yes", "not been in a coffee round"},
        {"mia", "coffee met perhaps", "Usage: coffee met"},
        {"mia", "coffee pause until 2026-13-01", "is not a date"},
        {"mia", "coffee pause until 2026-10-01", "has already passed"},
        {"wang", "暂停咖啡 直到 2026-10-01", "已经过去了"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    EXPECT_FALSE(SocialTable(bot.store().db()).last_round(1).has_value());
}

// The coffee commands are declared (bot/args.hpp): `help` writes their usage from the
// declaration, and a bad token is answered by the parser, naming it, in the writer's
// language, before anything changes.
TEST_F(CoffeeTest, DeclaredCoffeeCommandsNameTheBadToken) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"mia", "coffee met yes x", "\"x\" is not a number"},
        {"wang", "咖啡见面 是 第一轮", "“第一轮”不是编号"},
        {"mia", "coffee met", "coffee met needs yes|no."},
        {"mia", "coffee skip 1 2", "I did not expect \"2\" here."},
        {"wang", "跳过咖啡 1 2", "这里不该有“2”"},
        {"mia", "coffee avoid", "coffee avoid needs @PERSON."},
        {"wang", "咖啡回避", "咖啡回避需要@某人。"},
        {"mia", "coffee optout please", "I did not expect \"please\" here."},
        {"wang", "退出咖啡 谢谢", "这里不该有“谢谢”"},
        {"hana", "coffee stop now", "Usage: coffee stop"},
        {"mia", "help coffee met", "coffee met yes|no [ROUND]"},
        {"wang", "帮助 咖啡见面", "咖啡见面 是|否 [轮次]"},
        {"wang", "帮助 咖啡回避", "咖啡回避 @某人"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
}

TEST_F(CoffeeTest, ChineseCommandsStartAndAnswer) {
    bot.add({"li", "李经理", "hr", "hr", "Asia/Shanghai", "zh-CN"});
    EXPECT_THAT(bot.say("li", "开始咖啡配对 每 2周 市场部 x 销售部"),
                Contains(HasSubstr("咖啡配对已开启：市场部 x 销售部，每 14 天一轮")));
    EXPECT_THAT(bot.say("wang", "咖啡见面 是"), ElementsAre(HasSubstr("已记下你们见过面了")));
}

// `coffee start` and `coffee pause` are declared too: the parser names a bad token in the
// writer's language, `help` writes their usage, and `until` may be left out.
TEST_F(CoffeeTest, DeclaredStartAndPauseNameTheBadToken) {
    bot.add({"li", "李经理", "hr", "hr", "Asia/Shanghai", "zh-CN"});
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"mia", "coffee pause until someday", "\"someday\" is not a date"},
        {"wang", "暂停咖啡 直到 某天", "“某天”不是日期"},
        {"mia", "coffee pause until", "\"until\" needs YYYY-MM-DD after it"},
        {"wang", "暂停咖啡 直到", "“直到”后面需要写上YYYY-MM-DD"},
        {"mia", "coffee pause 2026-12-24 please", "I did not expect \"please\" here."},
        {"wang", "暂停咖啡 2026-12-24 谢谢", "这里不该有“谢谢”"},
        {"hana", "coffee start every 2w marketing sales", "coffee start needs x DEPARTMENT"},
        {"li", "开始咖啡配对 每 2周 市场部 销售部", "开始咖啡配对需要× 部门"},
        {"hana", "coffee start every 2 fortnights marketing x sales", "(\"2 fortnights\")"},
        {"li", "开始咖啡配对 每 两个月 市场部 × 销售部", "（“两个月”）"},
        {"hana", "coffee start every 2w marketing x sales size=2",
         "\"size=\" is not an option of coffee start"},
        {"mia", "help coffee pause", "coffee pause [until YYYY-MM-DD]"},
        {"wang", "帮助 暂停咖啡", "暂停咖啡 [直到 YYYY-MM-DD]"},
        {"mia", "help coffee start", "coffee start PERIOD DEPARTMENT x DEPARTMENT"},
        {"wang", "帮助 开始咖啡配对", "开始咖啡配对 周期 部门 × 部门"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    EXPECT_FALSE(SocialTable(bot.store().db()).last_round(1).has_value());
    // Good calls: a date without `until`, a date in words, and a start in Chinese.
    EXPECT_THAT(bot.say("mia", "coffee pause 2026-12-24"),
                ElementsAre(HasSubstr("paused for you until the end of 2026-12-24")));
    EXPECT_THAT(bot.say("wang", "暂停咖啡 直到 明天"), ElementsAre(HasSubstr("直到 明天 结束")));
    EXPECT_THAT(bot.say("li", "开始咖啡配对 每 2周 市场部 × 销售部"),
                Contains(HasSubstr("咖啡配对已开启：市场部 x 销售部，每 14 天一轮")));
}

}  // namespace
}  // namespace twintrack::testing
