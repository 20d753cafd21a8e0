// The `type: hub` entry of the connector registry: validation and creation.

#include <gtest/gtest.h>
#include <stdlib.h>

#include "connectors/hub/hub_connector.hpp"
#include "core/clock.hpp"
#include "core/source_dir.hpp"
#include "tests/hub/hub_fixture.hpp"
#include "tests/support/ws_client.hpp"

namespace twintrack::connectors::hub::testing {
namespace {

struct Validated {
    ConnectorSpec spec;
    std::string errors;
};

Validated validate_yaml(const std::string& yaml) {
    core::ConfigErrors errors;
    const YAML::Node node = YAML::Load(yaml);
    core::SectionReader section(node, "connectors[0]", errors);
    Validated out;
    out.spec.type = "hub";
    out.spec.name = section.string("name").value_or("hub");
    section.choice("type", {"hub"}, true);
    out.spec.settings = node;
    connector_type().validate(section, out.spec);
    section.finish();
    out.errors = errors.describe("twintrack.yaml");
    return out;
}

class HubConfig : public ::testing::Test {
  protected:
    void SetUp() override { setenv("HUB_CONFIG_TEST_TOKEN", "tok-123", 1); }
    void TearDown() override { unsetenv("HUB_CONFIG_TEST_TOKEN"); }
};

TEST_F(HubConfig, Validation) {
    struct Case {
        std::string name, yaml;
        std::string error;  ///< a substring of the errors; empty when valid
    };
    const std::vector<Case> cases = {
        {"minimal", "type: hub", ""},
        {"everything", R"(
type: hub
name: web
bind: 127.0.0.1
port: 9000
token: ${HUB_CONFIG_TEST_TOKEN}
history: 500
channels:
  - {name: general, track: joint}
  - {name: sales-east, track: sales})",
         ""},
        {"ipv6 loopback", "type: hub\nbind: '::1'", ""},
        {"all interfaces with token", "type: hub\nbind: 0.0.0.0\ntoken: ${HUB_CONFIG_TEST_TOKEN}",
         ""},
        {"all interfaces without token", "type: hub\nbind: 0.0.0.0",
         "twintrack.yaml:1: connectors[0].token: is required when bind (0.0.0.0) is not a "
         "loopback address"},
        {"token set but env var missing", "type: hub\ntoken: ${HUB_CONFIG_NOT_SET}",
         "environment variable HUB_CONFIG_NOT_SET is not set"},
        {"literal token", "type: hub\ntoken: hunter2", "is a secret: write it as ${ENV_VAR}"},
        {"bind not an address", "type: hub\nbind: example.com", "must be an IP address"},
        {"port too big", "type: hub\nport: 70000", "port: must be between 0 and 65535"},
        {"port negative", "type: hub\nport: -1", "port: must be between 0 and 65535"},
        {"port not a number", "type: hub\nport: http", "port: must be a whole number"},
        {"history zero", "type: hub\nhistory: 0", "history: must be between 1 and 10000"},
        {"history too big", "type: hub\nhistory: 10001", "history: must be between 1 and 10000"},
        {"unknown key", "type: hub\nprot: 80", "unknown key \"prot\" (did you mean \"port\"?)"},
        {"channels not a list", "type: hub\nchannels: general", "must be a list"},
        {"channel bad track", "type: hub\nchannels: [{name: x, track: hr}]", "track"},
        {"empty channel list", "type: hub\nchannels: []", "must list at least one channel"},
        {"channel with @", "type: hub\nchannels: [{name: '@x', track: joint}]",
         "must not start with @"},
        {"channel with space", "type: hub\nchannels: [{name: 'a b', track: joint}]",
         "must not contain spaces"},
        {"sign-in by link", R"(
type: hub
bind: 0.0.0.0
sign_in: [link]
session_idle_hours: 8
session_days: 7
session_check_seconds: 10
public_url: https://chat.example.com/)",
         ""},
        {"sign-in method that does not exist", "type: hub\nsign_in: [wechat]",
         "\"wechat\" is not a sign-in method: link, oidc, feishu, dingtalk and wecom exist"},
        {"the three platforms", R"(
type: hub
bind: 0.0.0.0
public_url: https://chat.example.com
sign_in: [feishu, dingtalk, wecom]
feishu:
  app_id: cli_a1b2c3
  app_secret: ${HUB_CONFIG_TEST_TOKEN}
dingtalk:
  client_id: dingabc123
  client_secret: ${HUB_CONFIG_TEST_TOKEN}
wecom:
  corp_id: ww0123456789
  agent_id: "1000002"
  secret: ${HUB_CONFIG_TEST_TOKEN})",
         ""},
        {"Lark instead of Feishu", R"(
type: hub
sign_in: [feishu]
feishu:
  app_id: cli_a1b2c3
  app_secret: ${HUB_CONFIG_TEST_TOKEN}
  connector: lark
  authorize_url: https://accounts.larksuite.com/open-apis/authen/v1/authorize
  api_url: https://open.larksuite.com
  redirect_url: http://127.0.0.1:8080/sign-in/feishu/callback)",
         ""},
        {"feishu without credentials", "type: hub\nsign_in: [feishu]",
         "feishu needs a feishu: block with app_id and app_secret"},
        {"dingtalk without credentials", "type: hub\nsign_in: [link, dingtalk]",
         "dingtalk needs a dingtalk: block with client_id and client_secret"},
        {"wecom without agent_id",
         "type: hub\npublic_url: https://c.example.com\nsign_in: [wecom]\nwecom: {corp_id: ww1, "
         "secret: '${HUB_CONFIG_TEST_TOKEN}'}",
         "wecom.agent_id is required"},
        {"feishu secret written in the file",
         "type: hub\npublic_url: https://c.example.com\nsign_in: [feishu]\nfeishu: {app_id: cli_1, "
         "app_secret: s3cret}",
         "app_secret"},
        {"feishu block without feishu in sign_in",
         "type: hub\npublic_url: https://c.example.com\nsign_in: [link]\nfeishu: {app_id: cli_1, "
         "app_secret: '${HUB_CONFIG_TEST_TOKEN}'}",
         "feishu: is used only with feishu in sign_in"},
        {"platform without a redirect URL or public_url",
         "type: hub\nsign_in: [dingtalk]\ndingtalk: {client_id: d1, client_secret: "
         "'${HUB_CONFIG_TEST_TOKEN}'}",
         "dingtalk: needs redirect_url"},
        {"platform redirect elsewhere",
         "type: hub\nsign_in: [wecom]\nwecom: {corp_id: ww1, agent_id: '1', secret: "
         "'${HUB_CONFIG_TEST_TOKEN}', redirect_url: https://c.example.com/cb}",
         "redirect_url: must end in /sign-in/wecom/callback"},
        {"platform API over plain http",
         "type: hub\npublic_url: https://c.example.com\nsign_in: [feishu]\nfeishu: {app_id: "
         "cli_1, app_secret: '${HUB_CONFIG_TEST_TOKEN}', api_url: http://open.feishu.cn}",
         "api_url: must be an https:// address"},
        {"OpenID Connect", R"(
type: hub
bind: 0.0.0.0
public_url: https://chat.example.com
sign_in: [link, oidc]
oidc:
  issuer: https://id.example.com/realms/acme
  client_id: twintrack
  client_secret: ${HUB_CONFIG_TEST_TOKEN}
  redirect_url: https://chat.example.com/sign-in/oidc/callback
  groups_claim: groups
  roles: {sales-leads: manager, people-team: hr, it-admins: admin})",
         ""},
        {"links by email through a relay", R"(
type: hub
bind: 0.0.0.0
public_url: https://chat.example.com
sign_in: [link]
smtp:
  host: smtp.example.com
  port: 587
  security: starttls
  user: twintrack@example.com
  password: ${HUB_CONFIG_TEST_TOKEN}
  from: twintrack@example.com)",
         ""},
        {"smtp relay on this machine without a password",
         "type: hub\nsign_in: [link]\nsmtp: {host: 127.0.0.1, security: none, from: t@example.com}",
         ""},
        {"smtp without link in sign_in",
         "type: hub\nsign_in: [oidc]\noidc: {issuer: https://id.example.com, client_id: x, "
         "client_secret: '${HUB_CONFIG_TEST_TOKEN}', redirect_url: "
         "https://c.example.com/sign-in/oidc/callback}\nsmtp: {host: smtp.example.com, from: "
         "t@example.com}",
         "smtp: sends sign-in links: it is used only with link in sign_in"},
        {"smtp password written in the file",
         "type: hub\nsign_in: [link]\nsmtp: {host: smtp.example.com, from: t@example.com, user: "
         "t, password: tok-123}",
         "password"},
        {"smtp password in clear text off this machine",
         "type: hub\nsign_in: [link]\nsmtp: {host: smtp.example.com, security: none, from: "
         "t@example.com, user: t, password: '${HUB_CONFIG_TEST_TOKEN}'}",
         "none would send the password in clear text to smtp.example.com"},
        {"smtp user without password",
         "type: hub\nsign_in: [link]\nsmtp: {host: smtp.example.com, from: t@example.com, user: t}",
         "user and password go together"},
        {"smtp security unknown",
         "type: hub\nsign_in: [link]\nsmtp: {host: smtp.example.com, from: t@example.com, "
         "security: ssl}",
         "security: must be starttls (port 587), tls (port 465) or none"},
        {"smtp from not an address",
         "type: hub\nsign_in: [link]\nsmtp: {host: smtp.example.com, from: 'Bot <t@example.com>'}",
         "from: must be a plain address"},
        {"smtp without host", "type: hub\nsign_in: [link]\nsmtp: {from: t@example.com}", "host"},
        {"oidc without its block", "type: hub\nsign_in: [oidc]", "oidc needs an oidc: block"},
        {"oidc block without oidc in sign_in",
         "type: hub\noidc: {issuer: https://id.example.com, client_id: x, client_secret: "
         "'${HUB_CONFIG_TEST_TOKEN}', redirect_url: https://c.example.com/sign-in/oidc/callback}",
         "oidc: is used only with sign_in: [oidc]"},
        {"oidc secret written in the file",
         "type: hub\nsign_in: [oidc]\noidc: {issuer: https://id.example.com, client_id: x, "
         "client_secret: tok-123, redirect_url: https://c.example.com/sign-in/oidc/callback}",
         "client_secret"},
        {"oidc issuer over plain http",
         "type: hub\nsign_in: [oidc]\noidc: {issuer: http://id.example.com, client_id: x, "
         "client_secret: '${HUB_CONFIG_TEST_TOKEN}', redirect_url: "
         "https://c.example.com/sign-in/oidc/callback}",
         "issuer: must be an https:// address"},
        {"oidc redirect elsewhere",
         "type: hub\nsign_in: [oidc]\noidc: {issuer: https://id.example.com, client_id: x, "
         "client_secret: '${HUB_CONFIG_TEST_TOKEN}', redirect_url: https://c.example.com/cb}",
         "redirect_url: must end in /sign-in/oidc/callback"},
        {"oidc missing client_id",
         "type: hub\nsign_in: [oidc]\noidc: {issuer: https://id.example.com, client_secret: "
         "'${HUB_CONFIG_TEST_TOKEN}', redirect_url: https://c.example.com/sign-in/oidc/callback}",
         "client_id"},
        {"oidc role that does not exist",
         "type: hub\nsign_in: [oidc]\noidc: {issuer: https://id.example.com, client_id: x, "
         "client_secret: '${HUB_CONFIG_TEST_TOKEN}', redirect_url: "
         "https://c.example.com/sign-in/oidc/callback, groups_claim: groups, roles: {g: boss}}",
         "the role must be manager, hr or admin; got \"boss\""},
        {"oidc unknown key",
         "type: hub\nsign_in: [oidc]\noidc: {issuer: https://id.example.com, client_id: x, "
         "client_secret: '${HUB_CONFIG_TEST_TOKEN}', redirect_url: "
         "https://c.example.com/sign-in/oidc/callback, scopes: x}",
         "scopes"},
        {"sign-in off loopback without public_url", "type: hub\nbind: 0.0.0.0\nsign_in: [link]",
         "public_url: is required with sign_in when bind (0.0.0.0) is not a loopback address"},
        {"sign_in not a list", "type: hub\nsign_in: link", "must be a list such as [link]"},
        {"public_url not http", "type: hub\npublic_url: chat.example.com",
         "must start with http:// or https://"},
        {"session days zero", "type: hub\nsession_days: 0", "session_days: must be between 1"},
        {"room for files", "type: hub\nmax_files_bytes: 5368709120", ""},
        {"room for files too small", "type: hub\nmax_files_bytes: 1000",
         "max_files_bytes: must be between 1048576"},
        {"duplicate channel",
         "type: hub\nchannels: [{name: a, track: joint}, {name: a, track: sales}]", "listed twice"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto v = validate_yaml(c.yaml);
        if (c.error.empty()) {
            EXPECT_EQ(v.errors, "");
        } else {
            EXPECT_NE(v.errors.find(c.error), std::string::npos) << v.errors;
        }
        EXPECT_EQ(v.errors.find("tok-123"), std::string::npos) << "never print secrets";
    }
}

// max_files_bytes is the hub's room for kept files: an upload past it is refused.
TEST_F(HubConfig, MaxFilesBytesIsTheRoomForKeptFiles) {
    const auto v = validate_yaml("type: hub\nport: 0\nmax_files_bytes: 1048576");
    ASSERT_EQ(v.errors, "");
    TempDir dir;
    core::SystemClock clock;
    ConnectorContext ctx{dir.path(), core::source_dir() + "/prompts", &clock,
                         std::make_shared<Roster>(), "tt"};
    auto hub = connector_type().create(v.spec, ctx);
    RecordingSink sink;
    hub->start(sink);
    const int port = listening_port(*hub);
    const std::string file = std::string("%PDF-1.7 ") + std::string(600 * 1024, 'x');
    const auto up = [&](const std::string& name) {
        return test_support::http_request("POST", "127.0.0.1", port,
                                          "/api/v1/files?channel=general&user=anna&name=" + name,
                                          {{"Content-Type", "application/pdf"}}, file);
    };
    EXPECT_EQ(up("one.pdf").status, 201);
    const auto full = up("two.pdf");
    EXPECT_EQ(full.status, 507);
    EXPECT_EQ(full.json().value("max_files_bytes", 0), 1048576);
    hub->stop();
}

TEST_F(HubConfig, DefaultChannelsAreFilledIn) {
    const auto v = validate_yaml("type: hub");
    ASSERT_EQ(v.spec.channels.size(), 4u);
    EXPECT_EQ(v.spec.channels[0].name, "general");
    EXPECT_EQ(v.spec.channels[0].track, "joint");
    EXPECT_EQ(v.spec.channels[2].name, "sales");
    EXPECT_EQ(v.spec.channels[2].track, "sales");
}

TEST_F(HubConfig, CreateBuildsAHubFromTheSpec) {
    const auto v = validate_yaml(R"(
type: hub
name: web
port: 0
token: ${HUB_CONFIG_TEST_TOKEN}
history: 7
channels: [{name: news, track: joint}])");
    ASSERT_EQ(v.errors, "");
    TempDir dir;
    core::SystemClock clock;
    ConnectorContext ctx{dir.path(), core::source_dir() + "/prompts", &clock,
                         std::make_shared<Roster>(), "tt"};
    auto hub = connector_type().create(v.spec, ctx);
    ASSERT_TRUE(hub);
    EXPECT_EQ(hub->name(), "web");
    RecordingSink sink;
    hub->start(sink);
    const int port = listening_port(*hub);
    ASSERT_GT(port, 0);

    // A configured token is required even on loopback.
    WsClient intruder;
    intruder.connect("127.0.0.1", port);
    intruder.send_json({{"type", "hello"}, {"user", "mallory"}});
    auto refused = intruder.wait_for_type("error");
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)["code"], "unauthorized");

    WsClient ws;
    ws.connect("127.0.0.1", port);
    ws.send_json({{"type", "hello"}, {"user", "alice"}, {"token", "tok-123"}});
    auto welcome = ws.wait_for_type("welcome");
    ASSERT_TRUE(welcome);
    EXPECT_EQ((*welcome)["channels"], json({"news"}));
    EXPECT_EQ((*welcome)["bot"], "tt");
    ws.send_json({{"type", "message"}, {"channel", "news"}, {"text", "hi"}});
    auto event = sink.wait_for_text("hi");
    ASSERT_TRUE(event);
    EXPECT_EQ(event->where.connector, "web");
    hub->stop();
}

}  // namespace
}  // namespace twintrack::connectors::hub::testing
