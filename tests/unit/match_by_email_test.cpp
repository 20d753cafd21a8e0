// Someone the bot has not met on a platform, whose platform vouches for an email in the
// people directory, is that person from the first message (`directory.match_by_email`):
// the identity is recorded and audited. Not when the setting is off, the email is
// nobody's, or the person already has another account on that platform.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

/// Mei is in the directory (imported with her email) but has no account on "test" yet.
void add_mei(TestBot& bot) {
    store::Person mei;
    mei.name = "Mei Chen";
    mei.email = "mei@example.com";
    mei.department = "sales";
    mei.role = "staff";
    mei.timezone = "Asia/Shanghai";
    mei.locale = "zh-CN";
    bot.store().people().upsert_by_email(mei, 0);
    bot.engine().reload_directory();
}

std::string first_reply(TestBot& bot, const std::string& user, const std::string& email,
                        const std::string& text) {
    core::Event e;
    e.id = "ev-" + user + "-" + text;
    e.where = {"test", "@" + user, ""};
    e.who = {"test", user, user, email};
    e.text = text;
    e.direct = true;
    const auto replies = texts(bot.deliver(std::move(e)));
    return replies.empty() ? std::string() : replies.front();
}

bool linked(TestBot& bot, const std::string& user) {
    return bot.store().people().owner_of({"test", user}).has_value();
}

TEST(MatchByEmail, AVerifiedEmailFromThePlatformIsThePersonFromTheFirstMessage) {
    TestBot bot;
    add_mei(bot);
    // The platform's address is compared without regard to case.
    const std::string who = first_reply(bot, "U777", "Mei@Example.com", "whoami");
    EXPECT_THAT(who, HasSubstr("mei@example.com"));
    EXPECT_THAT(who, HasSubstr("test:U777"));
    EXPECT_TRUE(linked(bot, "U777"));
    const auto audit = bot.store().audit().recent(5);
    ASSERT_FALSE(audit.empty());
    EXPECT_EQ(audit.front().action, "identity.match_by_email");
    EXPECT_THAT(audit.front().detail, HasSubstr("test:U777"));
    // From now on the identity alone is enough, also after a restart.
    bot.restart();
    EXPECT_THAT(first_reply(bot, "U777", "", "whoami"), HasSubstr("mei@example.com"));
}

TEST(MatchByEmail, NobodysEmailAnotherAccountOrTheSettingOffLeaveTheSenderUnknown) {
    struct Case {
        const char* what;
        bool setting;
        const char* user;
        const char* email;
    };
    const Case cases[] = {
        {"an email nobody in the directory has", true, "U100", "stranger@example.org"},
        {"no email from the platform", true, "U101", ""},
        {"Anna already has an account on this platform", true, "U102", "anna@example.com"},
        {"the setting is off", false, "U103", "mei@example.com"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        bot::BotSettings settings;
        settings.directory.match_by_email = c.setting;
        TestBot bot(TestBot::default_start(), settings);
        bot.add({"anna", "Anna Becker", "marketing"});
        add_mei(bot);
        const std::string reply = first_reply(bot, c.user, c.email, "whoami");
        EXPECT_THAT(reply, Not(HasSubstr("@example.com"))) << reply;
        EXPECT_THAT(reply, HasSubstr(c.user)) << "the unknown-sender answer names the account";
        EXPECT_FALSE(linked(bot, c.user));
    }
}

}  // namespace
}  // namespace twintrack::testing
