// A newcomer's first minutes through TestBot: the short `help` that fits their role in
// both languages, `help TOPIC` and `help all`, the welcome (once per person across a
// restart and two platforms, never to the bot itself, rate-limited), `todo` with exactly
// the items waiting, and the lines to type next after a mistake.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tests/features/feature_test_helpers.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

/// The bullets ("• ...") of the short help that come before the topics.
std::vector<std::string> first_bullets(const std::string& help, const std::string& topics_header) {
    std::vector<std::string> out;
    for (const auto& line : lines_of(help)) {
        if (line == topics_header) break;
        if (line.rfind("• ", 0) == 0) out.push_back(line);
    }
    return out;
}

class FirstStepsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"liwei", "李伟", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"sue", "Sue Boss", "sales", "manager", "Europe/Berlin"});
        bot.add({"zhou", "周强", "sales", "manager", "Asia/Shanghai", "zh-CN"});
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"max", "Max Manager", "marketing", "manager", "Europe/Berlin"});
        bot.add({"hana", "Hana HR", "hr", "hr", "Europe/Berlin"});
        bot.add({"liuyang", "刘洋", "hr", "hr", "Asia/Shanghai", "zh-CN"});
    }
    TestBot bot;
};

TEST_F(FirstStepsTest, ShortHelpShowsWhatThisRoleNeedsFirstInBothLanguages) {
    // Each bullet starts with the command's usage, in this order.
    struct Case {
        const char* who;
        const char* text;
        const char* topics_header;
        std::vector<std::string> bullets;
    };
    const std::vector<Case> cases = {
        {"sam",
         "help",
         "More, by topic:",
         {"• todo:", "• report [ID | CUSTOMER: TEXT]",
          "• engagements [mine|marketing|sales] [stage=STAGE]:", "• accept CUSTOMER:",
          "• metrics [week|month|quarter] [team|@PERSON]:", "• coffee:"}},
        {"liwei",
         "帮助",
         "按主题查看更多：",
         {"• 待办：", "• 报告 [编号 | 客户：内容]",
          "• 项目列表 [我的|市场部|销售部] [阶段=阶段名]：", "• 接受 客户：",
          "• 指标 [本周|本月|本季度] [团队|@某人]：", "• 咖啡："}},
        {"sue",
         "help",
         "More, by topic:",
         {"• todo:", "• summary reports [week]:", "• approve ID:",
          "• metrics [week|month|quarter] [team|@PERSON]:",
          "• engagements [mine|marketing|sales] [stage=STAGE]:", "• quota set",
          "• intel COMPETITOR:"}},
        {"zhou",
         "帮助",
         "按主题查看更多：",
         {"• 待办：", "• 报告摘要 [本周]：", "• 批准 编号：",
          "• 指标 [本周|本月|本季度] [团队|@某人]：",
          "• 项目列表 [我的|市场部|销售部] [阶段=阶段名]：", "• 设置指标", "• 情报 竞品："}},
        {"hana",
         "help",
         "More, by topic:",
         {"• todo:", "• coffee start", "• coffee stats:", "• training new", "• outing new",
          "• budget", "• trainings:"}},
        {"liuyang",
         "帮助",
         "按主题查看更多：",
         {"• 待办：", "• 开始咖啡配对", "• 咖啡统计：", "• 新建培训", "• 新建郊游", "• 活动预算",
          "• 培训列表："}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.who);
        const auto reply = bot.say(c.who, c.text);
        ASSERT_THAT(reply, SizeIs(1));
        const auto bullets = first_bullets(reply[0], c.topics_header);
        ASSERT_EQ(bullets.size(), c.bullets.size()) << reply[0];
        for (std::size_t i = 0; i < bullets.size(); ++i) {
            EXPECT_EQ(bullets[i].rfind(c.bullets[i], 0), 0u) << bullets[i];
        }
        // Fits on a screen: the few commands, seven topics and two lines around them.
        EXPECT_LE(lines_of(reply[0]).size(), 20u) << reply[0];
    }
    EXPECT_THAT(bot.say("sam", "help"),
                ElementsAre(AllOf(HasSubstr("Sam Seller, what you will most likely need (Sales, "
                                            "staff)"),
                                  HasSubstr("• help reports: Field reports"),
                                  HasSubstr("• help meetings:"), HasSubstr("\"help all\""))));
    EXPECT_THAT(bot.say("liwei", "帮助"),
                ElementsAre(AllOf(HasSubstr("李伟，你最可能用到的（销售部"),
                                  HasSubstr("• 帮助 报告：一线报告"), HasSubstr("• 帮助 会议："),
                                  HasSubstr("“帮助 全部”"))));
}

TEST_F(FirstStepsTest, HelpTopicsAllAndOneCommand) {
    struct Case {
        const char* who;
        const char* text;
        std::vector<const char*> has;
        std::vector<const char*> lacks;
    };
    const std::vector<Case> cases = {
        {"sam",
         "help reports",
         {"Field reports, competitor intel", "• intel COMPETITOR"},
         {"• meet"}},
        {"liwei", "帮助 报告", {"一线报告、竞争情报", "• 情报 竞品"}, {}},
        {"sam", "help 会议", {"Meetings across departments", "• meetings"}, {"• meet \""}},
        {"liwei", "帮助 activities", {"咖啡配对、培训", "• 咖啡："}, {"开始咖啡配对"}},
        {"hana", "help activities", {"• coffee start", "• budget"}, {}},
        {"sam", "help all", {"Commands you can use", "• whoami", "• ping"}, {"coffee start"}},
        {"liwei", "帮助 全部", {"你可以使用的命令", "• 我是谁"}, {}},
        {"sam", "help whoami", {"Show what TwinTrack knows about you", "我是谁"}, {}},
        {"liwei", "帮助 帮主", {"你是不是想用“帮助 帮助”"}, {}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto reply = bot.say(c.who, c.text);
        ASSERT_THAT(reply, SizeIs(1));
        for (const char* s : c.has) EXPECT_THAT(reply[0], HasSubstr(s));
        for (const char* s : c.lacks) EXPECT_THAT(reply[0], Not(HasSubstr(s)));
    }
}

TEST_F(FirstStepsTest, MistakesAreAnsweredWithTheLineToTypeNext) {
    struct Case {
        const char* name;
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"misspelt Chinese command keeps the rest", "liwei", "报高 华为：客户要案例",
         "“报告 华为：客户要案例”"},
        {"misspelt English command keeps the rest", "sam", "acept Acme", "\"accept Acme\""},
        {"missing argument, English", "sam", "accept", "For example, type: accept Acme"},
        {"missing argument, Chinese", "liwei", "接受", "例如输入：接受 华为"},
        {"missing person", "sam", "whois", "For example, type: whois @lina"},
        {"missing outing answer", "liwei", "参加郊游", "例如输入：参加郊游 1 是"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    // A command typed in a channel without "!": how to reach the bot there.
    EXPECT_THAT(bot.say_in("general", "sam", "help"), ElementsAre(HasSubstr("type \"!help\"")));
    EXPECT_THAT(bot.say_in("general", "liwei", "待办"), ElementsAre(HasSubstr("输入“!待办”")));
    EXPECT_THAT(bot.say_in("general", "sam", "can you help me with Acme?"), IsEmpty());
}

TEST_F(FirstStepsTest, TodoListsExactlyWhatIsWaiting) {
    EXPECT_THAT(bot.say("sam", "todo"), ElementsAre(HasSubstr("Nothing is waiting for you")));
    EXPECT_THAT(bot.say("liwei", "待办"), ElementsAre(HasSubstr("目前没有等你处理的事")));

    // A handoff to Sam, an announcement for the sales manager, an outing to answer and a
    // coffee round; then the report window opens (sales: Fri 15:00 in their zone).
    bot.say("mia", "engagement new Acme");
    bot.say("mia", "handoff Acme to @sam");
    bot.say("mia", "announce draft \"TwinTrack reports now cover WeChat.\"");
    bot.say("hana", "outing new \"Autumn hike\" poll 2026-11-20,2026-11-21");
    bot.say("sam", "vote 1 2026-11-20");
    bot.say("hana", "close 1");
    bot.say("hana", "coffee start every 2w marketing x sales");

    const auto sam = bot.say("sam", "todo");
    ASSERT_THAT(sam, SizeIs(1));
    auto items = lines_of(sam[0]);
    EXPECT_THAT(items, ElementsAre("Waiting for you (3):",
                                   AllOf(HasSubstr("• Mia Marketer handed you Acme"),
                                         HasSubstr("\"accept Acme\" or \"decline Acme REASON\"")),
                                   AllOf(HasSubstr("• Your coffee partner this round:"),
                                         HasSubstr("\"coffee met yes\"")),
                                   AllOf(HasSubstr("• Outing #1 \"Autumn hike\" on 2026-11-20"),
                                         HasSubstr("\"rsvp 1 yes\""))));
    const auto sue = bot.say("sue", "todo");
    ASSERT_THAT(sue, SizeIs(1));
    EXPECT_THAT(lines_of(sue[0]),
                ElementsAre("Waiting for you (3):",
                            AllOf(HasSubstr("• Announcement #1"), HasSubstr("\"approve 1\"")),
                            HasSubstr("• Your coffee partner"), HasSubstr("• Outing #1")));
    // In Chinese for 李伟: the outing and the coffee partner (no handoff to him).
    const auto liwei = bot.say("liwei", "待办");
    ASSERT_THAT(liwei, SizeIs(1));
    EXPECT_THAT(lines_of(liwei[0]),
                ElementsAre("等你处理的事（2 项）：", HasSubstr("“咖啡见面 是”"),
                            HasSubstr("“参加郊游 1 是”")));

    // Answered items leave the list; the weekly report window adds one.
    bot.say("sam", "accept Acme");
    bot.say("sam", "rsvp 1 yes");
    bot.say("sam", "coffee met yes");
    EXPECT_THAT(bot.say("sam", "todo"), ElementsAre(HasSubstr("Nothing is waiting for you")));
    bot.advance(4 * 24h + 7h);  // Friday 17:00 in Berlin: the sales window is open
    bot.advance(1min);          // the window jobs the day's plan scheduled have run
    EXPECT_THAT(bot.say("sam", "todo"),
                ElementsAre(AllOf(HasSubstr("Waiting for you (1):"),
                                  HasSubstr("Your weekly field report is due by"),
                                  HasSubstr("\"report CUSTOMER: what happened\""))));
    bot.say("sam", "report Acme: met their CTO");
    EXPECT_THAT(bot.say("sam", "todo"), ElementsAre(HasSubstr("Nothing is waiting for you")));
}

bot::BotSettings welcoming(int per_minute = 20) {
    bot::BotSettings s;
    s.welcome.enabled = true;
    s.welcome.per_minute = per_minute;
    return s;
}

TEST(WelcomeTest, SentOncePerPersonAcrossRestartsAndPlatforms) {
    TestBot bot(TestBot::default_start(), welcoming(), TestBot::Welcome::as_configured);
    const auto& sam = bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
    const std::int64_t sam_id = sam.id;
    bot.add({"liwei", "李伟", "sales", "staff", "Asia/Shanghai", "zh-CN"});
    bot.add({"twintrack", "TwinTrack", "management", "staff"});  // the bot's own account
    const auto first = bot.advance(1min);
    EXPECT_THAT(to(first, "@sam"),
                ElementsAre(AllOf(HasSubstr("Hello Sam Seller, I am twintrack"),
                                  HasSubstr("weekly field report"), HasSubstr("Type \"help\""),
                                  HasSubstr("\"todo\""))));
    EXPECT_THAT(to(first, "@liwei"),
                ElementsAre(AllOf(HasSubstr("李伟 你好，我是 twintrack"), HasSubstr("一线报告"),
                                  HasSubstr("输入“帮助”"))));
    EXPECT_THAT(to(first, "@twintrack"), IsEmpty());
    EXPECT_THAT(first, SizeIs(2));

    // Writing to the bot afterwards gets only the answer.
    EXPECT_THAT(bot.say("sam", "ping"), ElementsAre("pong"));
    bot.restart();
    EXPECT_THAT(bot.advance(1min), IsEmpty());
    EXPECT_THAT(bot.say("sam", "ping"), ElementsAre("pong"));

    // Sam also on a second platform: still the same person, still welcomed once.
    std::vector<core::Post> other;
    bot.engine().add_outlet("other", [&other](const core::Post& post, core::SendDone done) {
        other.push_back(post);
        done({true, "o" + std::to_string(other.size()), "", true});
    });
    bot.store().people().add_identity(sam_id, {"other", "sam.s"});
    bot.engine().reload_directory();
    core::Event e;
    e.where = {"other", "@sam.s", ""};
    e.who = {"other", "sam.s", "sam.s"};
    e.text = "ping";
    e.direct = true;
    EXPECT_THAT(bot.deliver(e), IsEmpty());  // nothing on the first platform
    EXPECT_THAT(bot.advance(1min), IsEmpty());
    EXPECT_THAT(texts(other), ElementsAre("pong"));

    // A newcomer on the second platform only is welcomed there.
    store::Person newcomer;
    newcomer.name = "Nia New";
    newcomer.email = "nia@example.com";
    newcomer.department = "marketing";
    newcomer.role = "staff";
    newcomer.timezone = "Europe/Berlin";
    newcomer.locale = "en";
    newcomer.identities = {{"other", "nia"}};
    bot.store().people().upsert_by_email(newcomer, 1);
    bot.engine().reload_directory();
    bot.advance(1min);
    ASSERT_THAT(other, SizeIs(2));
    EXPECT_EQ(other[1].to.channel, "@nia");
    EXPECT_THAT(other[1].text, AllOf(HasSubstr("Hello Nia New"), HasSubstr("\"tone check TEXT\"")));
}

TEST(WelcomeTest, ImportingAWholeDirectoryIsRateLimited) {
    TestBot bot(TestBot::default_start(), welcoming(20), TestBot::Welcome::as_configured);
    for (int i = 0; i < 30; ++i) {
        bot.add({"p" + std::to_string(i), "Person " + std::to_string(i), "sales", "staff"});
    }
    EXPECT_THAT(bot.advance(0ms), SizeIs(1));
    EXPECT_THAT(bot.advance(60s), SizeIs(20));   // 20 a minute
    EXPECT_THAT(bot.advance(60s), SizeIs(9));    // the rest
    EXPECT_THAT(bot.advance(10min), IsEmpty());  // and nobody twice
}

TEST(WelcomeTest, PeopleInTheDirectoryAtStartAreWelcomedAtTheFirstTick) {
    TestBot bot(TestBot::default_start(), welcoming(), TestBot::Welcome::as_configured);
    store::Person sam;
    sam.name = "Sam Seller";
    sam.email = "sam@example.com";
    sam.department = "sales";
    sam.role = "staff";
    sam.timezone = "Europe/Berlin";
    sam.locale = "en";
    sam.identities = {{"test", "sam"}};
    bot.store().people().upsert_by_email(sam, 1);  // e.g. `twintrack import people`
    bot.restart();                  // the directory is loaded before the connectors are wired
    auto posts = bot.advance(0ms);  // the first tick looks for people not welcomed yet
    for (const auto& p : bot.advance(1s)) posts.push_back(p);  // and the next sends
    EXPECT_THAT(texts(posts), ElementsAre(HasSubstr("Hello Sam Seller")));
    bot.restart();
    EXPECT_THAT(bot.advance(1min), IsEmpty());
}

TEST(WelcomeTest, OnByDefaultAndOffWhenConfiguredOff) {
    TestBot on(TestBot::default_start(), {}, TestBot::Welcome::as_configured);
    on.add({"sam", "Sam Seller"});
    EXPECT_THAT(to(on.advance(1min), "@sam"), ElementsAre(HasSubstr("Hello Sam Seller")));
    bot::BotSettings s;
    s.welcome.enabled = false;
    TestBot off(TestBot::default_start(), s, TestBot::Welcome::as_configured);
    off.add({"sam", "Sam Seller"});
    EXPECT_THAT(off.advance(1min), IsEmpty());
}

TEST_F(FirstStepsTest, HelpPanelOfTheHubPageIsTheShortHelpOfThePerson) {
    auto r = bot.api("GET", "/api/v1/help", "", {{"user", "liwei"}});
    EXPECT_EQ(r.status, 200);
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["locale"], "zh-CN");
    EXPECT_THAT(body["text"].get<std::string>(), HasSubstr("李伟，你最可能用到的"));
    EXPECT_THAT(body["todo"].get<std::string>(), HasSubstr("目前没有等你处理的事"));
    EXPECT_EQ(bot.api("GET", "/api/v1/help", "", {{"user", "nobody"}}).status, 404);
    EXPECT_EQ(bot.api("GET", "/api/v1/help").status, 400);
}

}  // namespace
}  // namespace twintrack::testing
