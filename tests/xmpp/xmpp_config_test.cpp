// The `type: xmpp` connector section: every key checked, problems reported with lines;
// and the JID helpers.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "connectors/registry.hpp"
#include "connectors/xmpp/xmpp_jid.hpp"

namespace twintrack::xmpp_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

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

TEST(XmppConfig, AFullSectionIsValid) {
    ::setenv("TT_XMPP_TEST_PASSWORD", "hunter2", 1);
    auto r = check(R"(type: xmpp
name: jabber
jid: twintrack@example.com
password: ${TT_XMPP_TEST_PASSWORD}
resource: bot
server: xmpp.example.com
port: 5222
tls: required
nick: TwinTrack
max_chars: 2000
ping_interval: 30
upload_hosts: [upload.example.com, Files.Example.net]
channels:
  - {name: sales@conference.example.com, track: sales}
  - {name: Joint@Conference.Example.com, track: joint}
)");
    ASSERT_TRUE(r.spec) << r.errors;
    EXPECT_EQ(r.spec->type, "xmpp");
    EXPECT_EQ(r.spec->name, "jabber");
    ASSERT_EQ(r.spec->channels.size(), 2u);
    EXPECT_EQ(r.spec->channels[0].name, "sales@conference.example.com");
    EXPECT_EQ(r.spec->channels[1].name, "joint@conference.example.com");
    EXPECT_EQ(r.spec->channels[1].track, "joint");
    EXPECT_THAT(r.errors, Not(HasSubstr("hunter2")));
}

TEST(XmppConfig, ProblemsAreNamedWithTheirLines) {
    ::setenv("TT_XMPP_TEST_PASSWORD", "hunter2", 1);
    auto r = check(R"(type: xmpp
jid: twintrack@example.com/phone
password: literal-password
tls: sometimes
channels:
  - {name: "#sales", track: sales}
  - {name: a@b.example, track: money}
max_chars: 5
prot: 5222
)");
    EXPECT_FALSE(r.spec);
    EXPECT_THAT(r.errors, HasSubstr("c.yaml:2:"));
    EXPECT_THAT(r.errors, HasSubstr("no /resource"));
    EXPECT_THAT(r.errors, HasSubstr("c.yaml:3:"));
    EXPECT_THAT(r.errors, HasSubstr("c.yaml:4:"));
    EXPECT_THAT(r.errors, HasSubstr("required"));
    EXPECT_THAT(r.errors, HasSubstr("room's bare JID"));
    EXPECT_THAT(r.errors, HasSubstr("c.yaml:7:"));
    EXPECT_THAT(r.errors, HasSubstr("c.yaml:8:"));
    EXPECT_THAT(r.errors, HasSubstr("c.yaml:9:"));
    EXPECT_THAT(r.errors, HasSubstr("prot"));
    EXPECT_THAT(r.errors, Not(HasSubstr("literal-password")));
}

TEST(XmppConfig, JidAndPasswordAreRequiredAndRoomsOnce) {
    auto r = check("type: xmpp\nnick: bot\n");
    EXPECT_FALSE(r.spec);
    EXPECT_THAT(r.errors, HasSubstr("jid"));
    EXPECT_THAT(r.errors, HasSubstr("password"));

    ::setenv("TT_XMPP_TEST_PASSWORD", "hunter2", 1);
    r = check(
        "type: xmpp\njid: bot@example.com\npassword: ${TT_XMPP_TEST_PASSWORD}\nport: 5222\n"
        "channels:\n  - {name: a@muc.example.com, track: sales}\n"
        "  - {name: A@muc.example.com, track: joint}\n");
    EXPECT_FALSE(r.spec);
    EXPECT_THAT(r.errors, HasSubstr("listed twice"));
    EXPECT_THAT(r.errors, HasSubstr("needs server:"));
}

TEST(XmppConfig, PingIntervalIsOffOrFiveSecondsToAnHour) {
    ::setenv("TT_XMPP_TEST_PASSWORD", "hunter2", 1);
    const std::string base =
        "type: xmpp\njid: bot@example.com\npassword: ${TT_XMPP_TEST_PASSWORD}\n";
    EXPECT_TRUE(check(base + "ping_interval: 0\n").spec);
    EXPECT_TRUE(check(base + "ping_interval: 5\n").spec);
    for (const char* bad : {"3", "3601", "-1", "soon"}) {
        auto r = check(base + "ping_interval: " + bad + "\n");
        EXPECT_FALSE(r.spec) << bad;
        EXPECT_THAT(r.errors, HasSubstr("c.yaml:4:")) << bad;
        EXPECT_THAT(r.errors, HasSubstr("ping_interval")) << bad;
    }
}

TEST(XmppConfig, UploadHostsAreHostNamesInAList) {
    ::setenv("TT_XMPP_TEST_PASSWORD", "hunter2", 1);
    const std::string head = R"(type: xmpp
jid: twintrack@example.com
password: ${TT_XMPP_TEST_PASSWORD}
)";
    EXPECT_TRUE(check(head + "upload_hosts: []\n").spec);  // nothing is fetched
    auto r = check(head + "upload_hosts: [\"https://upload.example.com\", \"a.example/x\"]\n");
    EXPECT_FALSE(r.spec);
    EXPECT_THAT(r.errors, HasSubstr("c.yaml:4:"));
    EXPECT_THAT(r.errors, HasSubstr("\"https://upload.example.com\" is not a host name"));
    EXPECT_THAT(r.errors, HasSubstr("\"a.example/x\" is not a host name"));
    r = check(head + "upload_hosts: upload.example.com\n");
    EXPECT_FALSE(r.spec);
    EXPECT_THAT(r.errors, HasSubstr("must be a list"));
}

TEST(XmppJid, PartsAndChecks) {
    using namespace connectors::xmpp;
    EXPECT_EQ(bare_jid("room@muc.example.com/Nick Name"), "room@muc.example.com");
    EXPECT_EQ(jid_resource("room@muc.example.com/Nick/with/slash"), "Nick/with/slash");
    EXPECT_EQ(jid_resource("alice@example.com"), "");
    EXPECT_EQ(jid_domain("alice@example.com/phone"), "example.com");
    EXPECT_EQ(normal_jid("Alice@Example.COM/Phone"), "alice@example.com/Phone");
    EXPECT_TRUE(valid_bare_jid("alice@example.com"));
    EXPECT_FALSE(valid_bare_jid("example.com"));
    EXPECT_FALSE(valid_bare_jid("@example.com"));
    EXPECT_FALSE(valid_bare_jid("alice@"));
    EXPECT_FALSE(valid_bare_jid("alice@example.com/phone"));
    EXPECT_FALSE(valid_bare_jid("a b@example.com"));
    EXPECT_FALSE(valid_bare_jid("a@b@example.com"));
}

}  // namespace
}  // namespace twintrack::xmpp_test
