// `link CONNECTOR USER` needs proof: a one-time code goes to that identity and the link
// is made only when the claimer sends it back in time. Every bad path (no code waiting,
// wrong, expired, reused, replaced, too many wrong tries, too many requests) in English
// and Chinese.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

class LinkTest : public ::testing::Test {
  protected:
    LinkTest() {
        bot.add({"anna", "Anna Becker", "marketing"});
        TestPerson li{"li", "Li Wei", "sales"};
        li.locale = "zh-CN";
        bot.add(li);
    }

    /// The last direct message to `handle` on the test connector.
    std::string message_to(const std::string& handle) {
        std::string text;
        for (const auto& p : bot.all_posts()) {
            if (p.to.channel == "@" + handle) text = p.text;
        }
        return text;
    }
    /// The code in it.
    std::string code_sent_to(const std::string& handle) {
        const std::string text = message_to(handle);
        std::smatch m;
        const bool found = std::regex_search(text, m, std::regex("(\\d{6})"));
        EXPECT_TRUE(found) << "no code was sent to " << handle;
        return found ? std::string(m[1]) : std::string();
    }
    bool linked(const std::string& handle) {
        return bot.store().people().owner_of({"test", handle}).has_value();
    }

    TestBot bot;
};

/// The words of each locale: the command, its code word and what the answers say.
struct Words {
    std::string who, link, code_word;
    std::string sent, done, none, wrong, expired, used, replaced, locked, too_many;
};

const std::vector<Words> locales = {
    {"anna", "link", "code",
     "I sent a one-time code to test:", "Linked: test:", "You have no link waiting for a code",
     "That is not the code I sent", "That code has expired (codes are valid for 10 minutes)",
     "That code was already used", "That code is no longer valid", "That was the 5th wrong code",
     "You have asked for 5 link codes in the last hour"},
    {"li", "关联账号", "验证码", "我已向 test:", "已关联：test:", "你目前没有等待验证的关联请求",
     "这不是我发送的验证码", "该验证码已过期（有效期 10 分钟）", "该验证码已经用过了",
     "该验证码已失效", "已连续 5 次输入错误", "你在一小时内已申请了 5 个关联验证码"},
};

TEST_F(LinkTest, TheLinkIsMadeOnlyWithTheCodeSentToThatIdentity) {
    std::string anna_code;
    for (const auto& w : locales) {
        SCOPED_TRACE(w.who);
        const std::string handle = w.who + "-phone";
        EXPECT_THAT(bot.say(w.who, w.link + " test " + handle),
                    Contains(HasSubstr(w.sent + handle)));
        EXPECT_FALSE(linked(handle));
        // The code went to the claimed identity, in the claimer's language.
        const std::string code = code_sent_to(handle);
        if (w.who == "anna") anna_code = code;
        EXPECT_THAT(message_to(handle),
                    HasSubstr(w.who == "anna" ? "link code " + code : "关联账号 验证码 " + code));
        EXPECT_THAT(bot.say(w.who, w.link + " " + w.code_word + " " + code),
                    ElementsAre(HasSubstr(w.done + handle)));
        EXPECT_TRUE(linked(handle));
        // Messages from the new identity are the claimer's now.
        EXPECT_THAT(bot.say(handle, "whoami"), ElementsAre(HasSubstr("@example.com")));
    }
    // Only a salted hash is stored.
    const auto codes = bot.store().link_codes().of_person(1, 0);
    ASSERT_THAT(codes, SizeIs(1));
    EXPECT_EQ(codes[0].code_hash.size(), 64u);
    EXPECT_EQ(codes[0].salt.size(), 32u);
    ASSERT_EQ(anna_code.size(), 6u);
    EXPECT_THAT(codes[0].code_hash, Not(HasSubstr(anna_code)));
    EXPECT_EQ(codes[0].status, "used");
}

TEST_F(LinkTest, WrongExpiredReusedAndReplacedCodesAreRefused) {
    for (const auto& w : locales) {
        SCOPED_TRACE(w.who);
        auto send = [&](const std::string& code) {
            return bot.say(w.who, w.link + " " + w.code_word + " " + code);
        };
        // Nothing waiting.
        EXPECT_THAT(send("123456"), ElementsAre(HasSubstr(w.none)));

        // Wrong, then the right one: linked.
        bot.say(w.who, w.link + " test " + w.who + "-a");
        const std::string a = code_sent_to(w.who + "-a");
        const std::string not_a = a == "000000" ? "111111" : "000000";
        EXPECT_THAT(send(not_a), ElementsAre(HasSubstr(w.wrong)));
        EXPECT_THAT(send("12ab"), ElementsAre(HasSubstr(w.wrong)));
        EXPECT_FALSE(linked(w.who + "-a"));
        EXPECT_THAT(send(a), ElementsAre(HasSubstr(w.done)));
        // Reused.
        EXPECT_THAT(send(a), ElementsAre(HasSubstr(w.used)));

        // Expired: 10 minutes on the clock.
        bot.say(w.who, w.link + " test " + w.who + "-b");
        const std::string b = code_sent_to(w.who + "-b");
        bot.advance(10min);
        EXPECT_THAT(send(b), ElementsAre(HasSubstr(w.expired)));
        EXPECT_FALSE(linked(w.who + "-b"));

        // Replaced by a newer code for another identity: the older one is void.
        bot.say(w.who, w.link + " test " + w.who + "-c");
        const std::string c = code_sent_to(w.who + "-c");
        bot.say(w.who, w.link + " test " + w.who + "-d");
        const std::string d = code_sent_to(w.who + "-d");
        if (c != d) {
            EXPECT_THAT(send(c), ElementsAre(HasSubstr(w.replaced)));
            EXPECT_FALSE(linked(w.who + "-c"));
        }

        // Five wrong codes make the waiting one void: even the right one fails then.
        const std::string not_d = d == "000000" ? "111111" : "000000";
        for (int i = 0; i < 4; ++i) send(not_d);
        EXPECT_THAT(send(not_d), ElementsAre(HasSubstr(w.locked)));
        EXPECT_THAT(send(d), ElementsAre(HasSubstr(w.replaced)));
        EXPECT_FALSE(linked(w.who + "-d"));

        // Five codes an hour at most (a, b, c, d so far, then e; the sixth is refused).
        bot.say(w.who, w.link + " test " + w.who + "-e");
        EXPECT_THAT(bot.say(w.who, w.link + " test " + w.who + "-f"),
                    ElementsAre(HasSubstr(w.too_many)));
        bot.advance(1h);
    }
}

TEST_F(LinkTest, ClaimsThatCannotBeMadeAreRefusedBeforeAnyCodeIsSent) {
    bot.add({"sam", "Sam Seller", "sales"});
    const auto before = bot.all_posts().size();
    EXPECT_THAT(bot.say("anna", "link test sam"),
                ElementsAre(HasSubstr("belongs to someone else")));
    EXPECT_THAT(bot.say("anna", "link test anna"), ElementsAre(HasSubstr("already linked to you")));
    EXPECT_THAT(bot.say("anna", "link irc anna"),
                ElementsAre(HasSubstr("There is no connector called \"irc\"")));
    EXPECT_THAT(bot.say("li", "关联账号 irc li"),
                ElementsAre(HasSubstr("这里没有名为“irc”的连接器")));
    EXPECT_EQ(bot.all_posts().size(), before + 4);  // the answers only, no codes
    EXPECT_THAT(bot.say("anna", "link test"), ElementsAre(HasSubstr("link CONNECTOR USER")));
}

}  // namespace
}  // namespace twintrack::testing
