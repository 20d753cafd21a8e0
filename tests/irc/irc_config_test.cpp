// The `type: irc` connector section: every key checked, problems reported with lines.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "connectors/registry.hpp"

namespace twintrack::irc_test {
namespace {

using ::testing::HasSubstr;

struct Checked {
    std::optional<connectors::ConnectorSpec> spec;
    std::string errors;
};

Checked check(const std::string& yaml) {
    core::ConfigErrors errors;
    Checked out;
    out.spec = connectors::read_connector_spec(YAML::Load(yaml), 0, errors);
    out.errors = errors.describe("c.yaml");
    return out;
}

TEST(IrcConfig, AFullSectionIsValid) {
    ::setenv("TT_IRC_TEST_PASSWORD", "hunter2", 1);
    auto r = check(R"(type: irc
name: irc-main
server: irc.example.com
port: 6697
tls: true
nick: twintrack
alt_nicks: [twintrack-bot, tt-bot]
sasl_user: twintrack
sasl_password: ${TT_IRC_TEST_PASSWORD}
channels:
  - {name: "#sales", track: sales}
  - {name: "#deals", key: s3cret, track: joint}
flood: {burst: 5, per_second: 2, queue: 100}
replay_window_seconds: 1.5
services: [NickServ, ChanServ, Q]
max_lines: 12
more_url: https://chat.example.com/
)");
    ASSERT_TRUE(r.spec) << r.errors;
    EXPECT_EQ(r.spec->name, "irc-main");
    ASSERT_EQ(r.spec->channels.size(), 2u);
    EXPECT_EQ(r.spec->channels[0].name, "#sales");
    EXPECT_EQ(r.spec->channels[1].track, "joint");
    EXPECT_THAT(r.errors, ::testing::Not(HasSubstr("hunter2")));
}

TEST(IrcConfig, ProblemsAreNamedWithTheirLines) {
    auto r = check(R"(type: irc
server: irc.example.com
nick: 9lives
sasl_password: plain-text
channels:
  - {name: sales, track: sales}
  - {name: "#a", track: money, colour: red}
flood: {burst: 0, rate: 3}
prot: 6667
)");
    EXPECT_FALSE(r.spec);
    EXPECT_THAT(r.errors, HasSubstr("c.yaml:3:"));
    EXPECT_THAT(r.errors, HasSubstr("nick"));
    EXPECT_THAT(r.errors, HasSubstr("c.yaml:4:"));
    EXPECT_THAT(r.errors, HasSubstr("c.yaml:6:"));
    EXPECT_THAT(r.errors, HasSubstr("IRC channel"));
    EXPECT_THAT(r.errors, HasSubstr("colour"));
    EXPECT_THAT(r.errors, HasSubstr("rate"));
    EXPECT_THAT(r.errors, HasSubstr("c.yaml:9:"));
    EXPECT_THAT(r.errors, HasSubstr("prot"));
}

TEST(IrcConfig, HistoryServicesAndLongReplyKeysAreChecked) {
    struct Case {
        const char* name;
        std::string yaml;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"window too long", "replay_window_seconds: 90", "replay_window_seconds"},
        {"services not a list", "services: NickServ", "list of nicks"},
        {"a service that is no nick", "services: [NickServ, \"no spaces\"]", "no spaces"},
        {"one line leaves no room", "max_lines: 1", "at least 2"},
        {"negative lines", "max_lines: -3", "max_lines"},
        {"not a web address", "more_url: ftp://chat.example.com/", "http://"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto r = check("type: irc\nserver: irc.example.com\n" + c.yaml + "\n");
        EXPECT_FALSE(r.spec);
        EXPECT_THAT(r.errors, HasSubstr("c.yaml:3:"));
        EXPECT_THAT(r.errors, HasSubstr(c.expected));
    }
}

TEST(IrcConfig, ServerIsRequired) {
    auto r = check("type: irc\nnick: bot\n");
    EXPECT_FALSE(r.spec);
    EXPECT_THAT(r.errors, HasSubstr("server"));
}

}  // namespace
}  // namespace twintrack::irc_test
