#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/turn.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::_;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class RouterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        bot.add({"alice", "Alice Smith", "marketing", "staff"});
        bot.add({"liwei", "李伟", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"root", "Ada Admin", "management", "admin", "Europe/Berlin"});
    }
    TestBot bot;
};

TEST_F(RouterTest, PingAnswersPong) { EXPECT_THAT(bot.say("alice", "ping"), ElementsAre("pong")); }

TEST_F(RouterTest, HelpAllListsCommandsInTheWritersLanguage) {
    const auto en = bot.say("alice", "help all");
    ASSERT_THAT(en, SizeIs(1));
    EXPECT_THAT(en[0], AllOf(HasSubstr("whoami"), HasSubstr("rules"), HasSubstr("ping")));
    const auto zh = bot.say("liwei", "帮助 全部");
    ASSERT_THAT(zh, SizeIs(1));
    EXPECT_THAT(zh[0], AllOf(HasSubstr("你可以使用的命令"), HasSubstr("我是谁")));
}

TEST_F(RouterTest, ChineseAliasWorksForEveryoneAndAnswersInTheirLanguage) {
    const auto r = bot.say("alice", "帮助");
    ASSERT_THAT(r, SizeIs(1));
    EXPECT_THAT(r[0], HasSubstr("you will most likely need"));
}

TEST_F(RouterTest, HelpForOneCommandShowsUsageAndAliases) {
    const auto r = bot.say("alice", "help whoami");
    ASSERT_THAT(r, SizeIs(1));
    EXPECT_THAT(r[0], AllOf(HasSubstr("Show what TwinTrack knows about you"), HasSubstr("我是谁")));
    EXPECT_THAT(bot.say("liwei", "帮助 规则"), ElementsAre(HasSubstr("协作规则")));
}

TEST_F(RouterTest, UnknownWordsGetADidYouMean) {
    struct Case {
        const char* name;
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"english typo", "alice", "hlep", "Did you mean \"help\"?"},
        {"chinese typo", "liwei", "帮组", "“帮助”"},
        {"no close match", "alice", "xyzzyplugh", "Type \"help\""},
        {"help about unknown", "alice", "help pnig", "\"help ping\""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
}

TEST_F(RouterTest, ChannelMessagesNeedAPrefixOrAMention) {
    EXPECT_THAT(bot.say_in("general", "alice", "ping now?"), IsEmpty());
    EXPECT_THAT(bot.say_in("general", "alice", "!ping"), ElementsAre("pong"));
    EXPECT_THAT(bot.say_in("general", "alice", "ping", /*addressed=*/true), ElementsAre("pong"));
    EXPECT_THAT(bot.say("alice", "!ping"), ElementsAre("pong"));
}

TEST_F(RouterTest, RepliesGoWhereTheMessageCameFromAndReferToIt) {
    core::Event e;
    e.id = "msg-42";
    e.where = {"test", "sales", ""};
    e.who = {"test", "alice", "alice"};
    e.text = "!ping";
    e.extra = {{"message_id", "c-7"}};
    const auto posts = bot.deliver(e);
    ASSERT_THAT(posts, SizeIs(1));
    EXPECT_EQ(posts[0].to.channel, "sales");
    EXPECT_EQ(posts[0].reply_to, "c-7");
}

TEST_F(RouterTest, RoleIsCheckedAndTheRefusalNamesIt) {
    bot.engine().router().add(
        bot::CommandSpec("purge", [](bot::Turn& turn, const bot::CommandArgs&) {
            turn.reply_text("purged");
        }).roles({"admin"}));
    EXPECT_THAT(bot.say("alice", "purge"), ElementsAre(HasSubstr("needs the role admin")));
    EXPECT_THAT(bot.say("liwei", "purge"), ElementsAre(HasSubstr("需要角色：管理员")));
    EXPECT_THAT(bot.say("root", "purge"), ElementsAre("purged"));
}

TEST_F(RouterTest, UnknownSenderIsToldHowToGetAdded) {
    EXPECT_THAT(bot.say("stranger", "help"),
                ElementsAre(AllOf(HasSubstr("don't know you"), HasSubstr("test:stranger"))));
}

TEST_F(RouterTest, OversizedAndInvalidTextGetAClearAnswer) {
    EXPECT_THAT(bot.say("alice", "report " + std::string(17 * 1024, 'a')),
                ElementsAre(HasSubstr("too long")));
    EXPECT_THAT(bot.say("liwei", std::string(17 * 1024, 'a')), ElementsAre(HasSubstr("太长")));
    EXPECT_THAT(bot.say("alice", "caf\xE9"), ElementsAre(HasSubstr("not valid UTF-8")));
}

TEST_F(RouterTest, AFailingHandlerApologisesAndTheEngineGoesOn) {
    bot.engine().router().add(
        bot::CommandSpec("boom", [](bot::Turn& turn, const bot::CommandArgs&) {
            turn.write().audit().record({1, 0, "half", "{}", ""});
            throw std::runtime_error("disk on fire");
        }));
    EXPECT_THAT(bot.say("alice", "boom"), ElementsAre(HasSubstr("Sorry, something went wrong")));
    EXPECT_THAT(bot.say("liwei", "boom"), ElementsAre(HasSubstr("抱歉")));
    // What the handler wrote before failing was rolled back.
    EXPECT_TRUE(bot.store().audit().recent(10).empty());
    EXPECT_THAT(bot.say("alice", "ping"), ElementsAre("pong"));
}

TEST_F(RouterTest, MentionsResolveByIdentityEmailOrName) {
    struct Case {
        const char* name;
        const char* mention;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"identity", "whois @liwei", "李伟"},
        {"email local part", "whois @root", "Ada Admin"},
        {"name without spaces", "whois @AliceSmith", "alice@example.com"},
        {"chinese name", "whois @李伟", "liwei@example.com"},
        {"full email", "whois @alice@example.com", "Alice Smith"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_THAT(bot.say("alice", c.mention), ElementsAre(HasSubstr(c.expected)));
    }
}

TEST_F(RouterTest, UnknownMentionSuggestsCloseNames) {
    EXPECT_THAT(bot.say("alice", "whois @alise"),
                ElementsAre(AllOf(HasSubstr("nobody called @alise"), HasSubstr("Alice Smith"))));
    EXPECT_THAT(bot.say("liwei", "查人 @李伟伟"), ElementsAre(HasSubstr("李伟")));
}

TEST_F(RouterTest, AmbiguousMentionAsksWhichAndThenAnswers) {
    bot.add({"lina", "Li Na", "marketing"});
    bot.add({"lina2", "Li Na", "sales"});
    const auto ask = bot.say("alice", "whois @LiNa");
    ASSERT_THAT(ask, SizeIs(1));
    EXPECT_THAT(ask[0], AllOf(HasSubstr("could be several"), HasSubstr("lina@example.com"),
                              HasSubstr("lina2@example.com")));
    EXPECT_THAT(bot.say("alice", "7"), ElementsAre(HasSubstr("number from 1 to 2"), _));
    EXPECT_THAT(bot.say("alice", "2"),
                ElementsAre(AllOf(HasSubstr("lina2@example.com"), HasSubstr("Sales"))));
    // The question is closed: the next message is a command again.
    EXPECT_THAT(bot.say("alice", "ping"), ElementsAre("pong"));
}

TEST_F(RouterTest, RulesComeFromConfig) {
    bot::BotSettings settings;
    settings.company_name = "Acme";
    settings.rules.handoff_acceptance_hours = 12;
    settings.rules.commission_pool_rate = 0.03;
    settings.rules.notes["zh-CN"] = {"每月第一周召开联席会议"};
    TestBot custom(TestBot::default_start(), settings);
    custom.add({"liwei", "李伟", "sales", "staff", "Asia/Shanghai", "zh-CN"});
    custom.add({"bob", "Bob", "sales", "staff", "Asia/Shanghai", "en"});
    EXPECT_THAT(custom.say("bob", "rules"),
                ElementsAre(AllOf(HasSubstr("Acme"), HasSubstr("12 working hours"), HasSubstr("3%"),
                                  HasSubstr("Sales, Fri 15:00 to Mon 10:00"))));
    EXPECT_THAT(
        custom.say("liwei", "规则"),
        ElementsAre(AllOf(HasSubstr("12 个工作小时"), HasSubstr("每月第一周召开联席会议"),
                          HasSubstr("销售部：每人按自己的时区，周五 15:00 至 周一 10:00"))));
}

TEST_F(RouterTest, WhoamiShowsLocalTimeInTheirZone) {
    // 2026-11-02 09:00 UTC is 17:00 in Shanghai and 10:00 in Berlin.
    EXPECT_THAT(bot.say("liwei", "我是谁"),
                ElementsAre(HasSubstr("时区：Asia/Shanghai（当前 2026-11-02 17:00）")));
    EXPECT_THAT(bot.say("root", "whoami"),
                ElementsAre(HasSubstr("Time zone: Europe/Berlin (now 2026-11-02 10:00)")));
}

TEST_F(RouterTest, LinkMakesAnotherIdentityTheSamePerson) {
    // The code goes to the claimed identity; sent back, it makes the link.
    EXPECT_THAT(bot.say("alice", "link test alice2"),
                Contains(HasSubstr("I sent a one-time code to test:alice2")));
    std::string code;
    for (const auto& p : bot.all_posts()) {
        const auto at = p.text.find("link code ");
        if (p.to.channel == "@alice2" && at != std::string::npos) code = p.text.substr(at + 10, 6);
    }
    EXPECT_THAT(bot.say("alice", "link code " + code),
                ElementsAre(HasSubstr("Linked: test:alice2")));
    EXPECT_THAT(bot.say("alice2", "whoami"), ElementsAre(HasSubstr("Alice Smith")));
    EXPECT_THAT(bot.say("alice", "link test alice2"), ElementsAre(HasSubstr("already linked")));
    EXPECT_THAT(bot.say("liwei", "关联账号 test alice2"), ElementsAre(HasSubstr("属于另一位同事")));
    EXPECT_THAT(bot.say("alice", "link slack alice"),
                ElementsAre(AllOf(HasSubstr("no connector called \"slack\""), HasSubstr("test"))));
    EXPECT_THAT(bot.say("alice", "link test"),
                ElementsAre(HasSubstr("Usage: link CONNECTOR USER")));
    // The link survives a restart.
    bot.restart();
    EXPECT_THAT(bot.say("alice2", "whoami"), ElementsAre(HasSubstr("Alice Smith")));
}

TEST_F(RouterTest, LanguageSwitchIsSavedAndAnsweredInTheNewLanguage) {
    EXPECT_THAT(bot.say("alice", "language zh-CN"), ElementsAre(HasSubstr("中文")));
    EXPECT_THAT(bot.say("alice", "help"), ElementsAre(HasSubstr("你最可能用到的")));
    EXPECT_THAT(bot.say("alice", "语言 klingon"), ElementsAre(HasSubstr("不支持")));
    bot.restart();
    EXPECT_THAT(bot.say("alice", "ping"), ElementsAre("pong"));
    EXPECT_THAT(bot.say("alice", "help"), ElementsAre(HasSubstr("你最可能用到的")));
}

TEST_F(RouterTest, LanguageNamesComeFromThePromptsOfEveryLocale) {
    // "英语" and "chinese" are only in the prompts files (core.words.language_*), never in
    // the code; "中文" and "english" were read before as well.
    const struct {
        const char* text;
        const char* locale;
    } cases[] = {{"language 英语", "en"},       {"语言 中文", "zh-CN"}, {"language English", "en"},
                 {"language chinese", "zh-CN"}, {"语言 英文", "en"},    {"language zh", "zh-CN"}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say("alice", c.text), SizeIs(1));
        EXPECT_EQ(bot.engine().directory().by_name_or_email("alice@example.com")->locale, c.locale);
    }
    EXPECT_THAT(bot.say("alice", "language klingon"), ElementsAre(HasSubstr("klingon")));
}

}  // namespace
}  // namespace twintrack::testing
