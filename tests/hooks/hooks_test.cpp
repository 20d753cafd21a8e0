// Platform callbacks on the process's one HTTP server: the real hub, and the `http:`
// server the program starts without a hub, on a free loopback port each; behind them the
// real Slack, Mattermost, Feishu, WeCom and DingTalk robot connectors under
// /hooks/NAME/..., each against its fake platform. The connectors start no listener of
// their own (no `bind:`/`port:` in their sections).

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "connectors/feishu/feishu_connector.hpp"
#include "connectors/http/hook_routes.hpp"
#include "connectors/http/http_client.hpp"
#include "connectors/http/http_listener.hpp"
#include "connectors/http/signature.hpp"
#include "connectors/hub/hub_connector.hpp"
#include "connectors/mattermost/mattermost_connector.hpp"
#include "connectors/robots/robot_connector.hpp"
#include "connectors/slack/slack_connector.hpp"
#include "connectors/wecom/wecom_connector.hpp"
#include "core/clock.hpp"
#include "tests/feishu/fake_feishu.hpp"
#include "tests/mattermost/fake_mattermost.hpp"
#include "tests/slack/fake_slack.hpp"
#include "tests/support/connector_sink.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"
#include "tests/wecom/fake_wecom.hpp"

namespace twintrack::hooks_test {
namespace {

using namespace std::chrono_literals;
using connectors::http::HookRoutes;
using json = nlohmann::json;
using test_support::CollectingSink;
using test_support::HttpResponse;

const std::string kSlackSecret = "8f742231b10e8888abcd99yyyzzz85a5";
const std::string kWecomToken = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo";
const std::string kWecomAesKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";
const std::string kDingTalkSecret = "Gx7pLq2-app-secret-8Rt";
const std::string kAnna = "annaxk4r8m3ejbhx1p5q7t0wzc";
const std::string kTown = "townsq8k2m4n6p8r0t2v4x6z8b";

enum class Server { hub, http };

std::string server_name(const ::testing::TestParamInfo<Server>& info) {
    return info.param == Server::hub ? "Hub" : "HttpServer";
}

// A raw TCP connection to the server, for requests a well-behaved client never sends.
class RawClient {
  public:
    explicit RawClient(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~RawClient() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool connected() const { return connected_; }
    bool send(const std::string& bytes) {
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }
    // Reads until the server closes the connection or `limit` passes; true when it
    // closed. What it sent before is in `received`.
    bool closed_by_server(std::string& received, std::chrono::milliseconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        char buf[4096];
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                until - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return true;
            received.append(buf, static_cast<std::size_t>(n));
        }
    }

    // Waits, without reading, until the server has ended its side of the connection
    // (its FIN, or the reset a close with bytes of the request unread makes), and then
    // reads what it had sent: what a client busy sending the rest of its request finds
    // once it looks. False when the server did not end within `limit`.
    bool answer_once_ended(std::string& received, std::chrono::milliseconds limit) {
        pollfd p{fd_, POLLRDHUP, 0};
        if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
        char buf[4096];
        for (;;) {
            const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
            if (n <= 0) return true;
            received.append(buf, static_cast<std::size_t>(n));
        }
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
};

class HooksTest : public ::testing::TestWithParam<Server> {
  protected:
    void SetUp() override {
        hooks_->set_served(true);
        if (GetParam() == Server::hub) {
            connectors::hub::HubSettings settings;
            settings.bind = "127.0.0.1";
            settings.port = 0;
            hub_ = connectors::hub::make_hub(settings, context());
            hub_->start(hub_sink_);
            port_ = connectors::hub::listening_port(*hub_);
        } else {
            server_ = std::make_unique<connectors::http::HttpListener>(
                connectors::http::process_routes(nullptr, hooks_));
            port_ = server_->start("127.0.0.1", 0);
        }
        ASSERT_GT(port_, 0);
    }
    void TearDown() override {
        for (auto& c : connectors_) c->stop();
        if (hub_) hub_->stop();
        if (server_) server_->stop();
    }

    connectors::ConnectorContext context() {
        connectors::ConnectorContext c{data_dir_.path(), TWINTRACK_PROMPTS_DIR, &clock_, roster_};
        c.hooks = hooks_;
        c.own_listener = false;
        return c;
    }
    connectors::Connector& add(std::unique_ptr<connectors::Connector> c) {
        c->start(sink_);
        connectors_.push_back(std::move(c));
        return *connectors_.back();
    }

    HttpResponse post(const std::string& target, const test_support::Headers& headers,
                      const std::string& body) {
        return test_support::http_request("POST", "127.0.0.1", port_, target, headers, body);
    }

    // --- Slack (Events API) ---
    connectors::Connector& start_slack() {
        slack_.add_user("U061F7AUR", "Anna Becker");
        connectors::slack::SlackSettings s;
        s.name = "slack";
        s.mode = connectors::slack::SlackSettings::Mode::events;
        s.bot_token = core::Secret("SLACK_BOT_TOKEN", "xoxb-test");
        s.signing_secret = core::Secret("SLACK_SIGNING_SECRET", kSlackSecret);
        s.api_url = slack_.api_url();
        return add(connectors::slack::make_slack(std::move(s), context()));
    }
    HttpResponse slack_post(const std::string& path, const std::string& body,
                            const std::string& secret = kSlackSecret) {
        const std::string stamp = std::to_string(core::to_millis(clock_.now()) / 1000);
        const std::string signature =
            "v0=" + connectors::http::hmac_sha256_hex(secret, "v0:" + stamp + ":" + body);
        return post(path,
                    {{"X-Slack-Request-Timestamp", stamp},
                     {"X-Slack-Signature", signature},
                     {"Content-Type", "application/json"}},
                    body);
    }
    static std::string slack_event(const std::string& id, const std::string& text) {
        static int n = 0;
        return json{{"type", "event_callback"},
                    {"event_id", id},
                    {"event", slack_test::message_event("C024BE91L", "U061F7AUR", text,
                                                        "1355517523.00000" + std::to_string(++n))}}
            .dump();
    }
    // After a later event arrived: nothing with `text` arrived before it.
    void expect_no_event(const std::string& text) {
        for (const auto& e : sink_.rest()) EXPECT_NE(e.text, text);
    }

    // --- Mattermost (slash command) ---
    connectors::Connector& start_mattermost() {
        connectors::mattermost::MattermostSettings s;
        s.name = "mm";
        s.url = mm_.url();
        s.token = core::Secret("MATTERMOST_TOKEN", mattermost_test::FakeMattermost::token);
        s.command_token = core::Secret("MM_COMMAND_TOKEN", "cmdtoken123");
        s.backoff_initial = 50ms;
        s.backoff_max = 400ms;
        return add(connectors::mattermost::make_mattermost(std::move(s), context()));
    }
    static std::string slash_body(const std::string& token, const std::string& text) {
        return "channel_id=" + kTown +
               "&channel_name=town-square&command=%2Ftwintrack&team_domain=someteam"
               "&team_id=rcgiyftm7jyrxnma1osd8zswby&text=" +
               text + "&token=" + token + "&trigger_id=trig1&user_id=" + kAnna + "&user_name=anna";
    }

    // --- Feishu (event callbacks) ---
    connectors::Connector& start_feishu() {
        connectors::feishu::FeishuSettings s;
        s.name = "feishu";
        s.mode = connectors::feishu::FeishuSettings::Mode::events;
        s.app_id = feishu_test::kAppId;
        s.app_secret = core::Secret("TEST_APP_SECRET", feishu_test::kAppSecret);
        s.verification_token = core::Secret("TEST_TOKEN", feishu_test::kVerificationToken);
        s.encrypt_key = core::Secret("TEST_KEY", feishu_test::kEncryptKey);
        s.api_url = feishu_.url();
        return add(connectors::feishu::make_feishu(std::move(s), context()));
    }

    // --- WeCom (app callback) ---
    connectors::Connector& start_wecom() {
        connectors::wecom::WecomSettings s;
        s.name = "wecom";
        s.corp_id = wecom_test::FakeWecom::corp_id;
        s.agent_id = 1000002;
        s.secret = core::Secret("TT_WECOM_SECRET", wecom_test::FakeWecom::secret);
        s.token = core::Secret("TT_WECOM_TOKEN", kWecomToken);
        s.encoding_aes_key = core::Secret("TT_WECOM_AES_KEY", kWecomAesKey);
        s.api_url = wecom_.url();
        s.proxy = "none";
        return add(connectors::wecom::make_wecom(s, context()));
    }
    HttpResponse wecom_says(const std::string& text, const std::string& msg_id,
                            const std::string& token = kWecomToken) {
        const long long now_s = core::to_millis(clock_.now()) / 1000;
        const auto cb = wecom_test::sign_callback(
            token, kWecomAesKey, wecom_test::FakeWecom::corp_id,
            wecom_test::text_message_xml("wangfang", text, msg_id, 1000002, now_s), now_s,
            "8271640");
        return post("/hooks/wecom/callback?" + cb.query, {{"Content-Type", "text/xml"}}, cb.body);
    }

    // --- DingTalk outgoing robot ---
    connectors::Connector& start_dingtalk() {
        connectors::robots::RobotSettings s;
        s.name = "dingtalk";
        s.platform = connectors::robots::Platform::dingtalk;
        connectors::robots::RobotChannel ch;
        ch.name = "sales-group";
        ch.track = "sales";
        ch.url = core::Secret("URL", "http://127.0.0.1:9/robot/send?access_token=t");
        ch.conversation_id = "cidSalesGroup==";
        s.channels.push_back(ch);
        s.callback.enabled = true;
        s.callback.app_secret = core::Secret("APP", kDingTalkSecret);
        return add(connectors::robots::make_robot(std::move(s), context()));
    }
    HttpResponse dingtalk_says(const std::string& text, const std::string& secret) {
        const std::int64_t now = core::to_millis(clock_.now());
        const json body = {{"conversationId", "cidSalesGroup=="},
                           {"msgId", "msg0abc"},
                           {"senderNick", "杨xx"},
                           {"senderStaffId", "user123"},
                           {"conversationType", "2"},
                           {"senderId", "$:LWCP_v1:$Ff09GIxxxxx"},
                           {"text", {{"content", " " + text}}},
                           {"msgtype", "text"}};
        const std::string t = std::to_string(now);
        return post("/hooks/dingtalk/callback",
                    {{"timestamp", t},
                     {"sign", connectors::http::base64(
                                  connectors::http::hmac_sha256(secret, t + "\n" + secret))},
                     {"Content-Type", "application/json"}},
                    body.dump());
    }

    core::FakeClock clock_{core::from_millis(1733480000000)};
    test_support::TempDir data_dir_;
    std::shared_ptr<connectors::Roster> roster_ = std::make_shared<connectors::Roster>();
    std::shared_ptr<HookRoutes> hooks_ = std::make_shared<HookRoutes>();
    CollectingSink sink_;
    CollectingSink hub_sink_;
    std::unique_ptr<connectors::Connector> hub_;
    std::unique_ptr<connectors::http::HttpListener> server_;
    int port_ = 0;
    slack_test::FakeSlack slack_;
    mattermost_test::FakeMattermost mm_;
    feishu_test::FakeFeishu feishu_;
    wecom_test::FakeWecom wecom_;
    std::vector<std::unique_ptr<connectors::Connector>> connectors_;
};

TEST_P(HooksTest, ASignedSlackEventArrivesAndAWrongSignatureIsRefused) {
    auto& slack = start_slack();
    EXPECT_EQ(connectors::slack::slack_status(slack).listen_port, 0);  // no port of its own
    const auto forged =
        slack_post("/hooks/slack/events", slack_event("Ev0F1", "forged"), "not-the-secret");
    EXPECT_EQ(forged.status, 401);
    const auto r = slack_post("/hooks/slack/events", slack_event("Ev0PV52K21", "ping"));
    EXPECT_EQ(r.status, 200);
    const auto e = sink_.with_text("ping");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->where.connector, "slack");
    EXPECT_EQ(e->where.channel, "C024BE91L");
    expect_no_event("forged");
    // The URL check Slack makes when an admin enters the Request URL.
    const auto check = slack_post("/hooks/slack/events",
                                  R"({"type":"url_verification","challenge":"3eZbrw1aBm2r"})");
    ASSERT_EQ(check.status, 200);
    EXPECT_EQ(check.json()["challenge"], "3eZbrw1aBm2r");
}

TEST_P(HooksTest, AMattermostSlashCommandArrivesAndAWrongTokenIsRefused) {
    start_mattermost();
    ASSERT_TRUE(mm_.wait_authenticated(1));
    const test_support::Headers form = {{"Content-Type", "application/x-www-form-urlencoded"}};
    EXPECT_EQ(post("/hooks/mm/command", form, slash_body("wrong", "forged")).status, 401);
    const auto r = post("/hooks/mm/command", form, slash_body("cmdtoken123", "whoami"));
    EXPECT_EQ(r.status, 200);
    const auto e = sink_.with_text("whoami");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->where.connector, "mm");
    expect_no_event("forged");
}

TEST_P(HooksTest, AFeishuCallbackArrivesAndAWrongSignatureIsRefused) {
    start_feishu();
    const auto ev = feishu_test::message_event(
        "ev-h1", "om_h1", "ou_7d8a6e6df7621556ce0d21922b676706", "oc_p2p", "p2p", "你好");
    const std::string body = feishu_test::encrypted(ev);
    EXPECT_EQ(feishu_test::post_callback(port_, body, "another-key", "/hooks/feishu/events").status,
              401);
    EXPECT_EQ(
        feishu_test::post_callback(port_, body, feishu_test::kEncryptKey, "/hooks/feishu/events")
            .status,
        200);
    const auto e = sink_.with_text("你好");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->where.connector, "feishu");
}

TEST_P(HooksTest, AWecomCallbackArrivesAndAWrongSignatureIsRefused) {
    start_wecom();
    EXPECT_EQ(connectors::wecom::wecom_status(*connectors_.back()).listen_port, 0);
    EXPECT_EQ(wecom_says("forged", "9000", "not-the-token").status, 401);
    const auto r = wecom_says("报告", "9001");
    EXPECT_EQ(r.status, 200);
    const auto e = sink_.with_text("报告");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->where.connector, "wecom");
    expect_no_event("forged");
}

TEST_P(HooksTest, ADingTalkRobotCallbackArrivesAndAWrongSignatureIsRefused) {
    start_dingtalk();
    EXPECT_EQ(connectors::robots::callback_port(*connectors_.back()), 0);
    EXPECT_EQ(dingtalk_says("forged", "not-the-secret").status, 403);
    EXPECT_EQ(dingtalk_says("ping", kDingTalkSecret).status, 200);
    const auto e = sink_.with_text("ping");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->where.channel, "sales-group");
}

TEST_P(HooksTest, UnknownConnectorsAndCallbacksAreNotFound) {
    start_slack();
    struct Case {
        const char* target;
        int status;
    };
    for (const Case& c : {Case{"/hooks/nobody/events", 404}, Case{"/hooks/", 404},
                          Case{"/hooks/slack/no-such-callback", 404}}) {
        SCOPED_TRACE(c.target);
        const auto r = slack_post(c.target, slack_event("Ev404", "lost"));
        EXPECT_EQ(r.status, c.status);
    }
    // Once the connector stops, its path is free and answers 404 like any other.
    connectors_.back()->stop();
    EXPECT_EQ(slack_post("/hooks/slack/events", slack_event("Ev405", "late")).status, 404);
    expect_no_event("lost");
}

TEST_P(HooksTest, AnOversizedBodyIsRefusedWith413BeforeItIsSent) {
    start_slack();
    RawClient client(port_);
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(
        client.send("POST /hooks/slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Content-Type: application/json\r\nContent-Length: " +
                    std::to_string(connectors::http::max_request_body + 1) + "\r\n\r\n"));
    std::string answer;
    EXPECT_TRUE(client.closed_by_server(answer, 30s));
    EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 413"));
}

TEST_P(HooksTest, HeadersOverTheLimitAreAnswered431) {
    start_slack();
    RawClient client(port_);
    ASSERT_TRUE(client.connected());
    // 40 headers of 1000 bytes each, over the 16000 bytes the server takes, sent at once
    // as a client would: the server refuses them with most of the request still unread.
    std::string request = "POST /hooks/slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; i < 40; ++i) {
        request += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'a') + "\r\n";
    }
    const std::string body = slack_event("Ev431", "too many headers");
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n\r\n" + body;
    ASSERT_TRUE(client.send(request));
    std::string answer;
    ASSERT_TRUE(client.answer_once_ended(answer, 30s));
    EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 431"));
    expect_no_event("too many headers");
}

TEST_P(HooksTest, ASlowClientIsDisconnected) {
    start_slack();
    RawClient client(port_);
    ASSERT_TRUE(client.connected());
    // Half a request, and then nothing: the server must not wait for the rest forever.
    ASSERT_TRUE(client.send("POST /hooks/slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    std::string answer;
    EXPECT_TRUE(client.closed_by_server(
        answer, std::chrono::milliseconds(connectors::http::request_timeout_ms) + 30s));
    EXPECT_TRUE(sink_.rest().empty());
}

INSTANTIATE_TEST_SUITE_P(OnePort, HooksTest, ::testing::Values(Server::hub, Server::http),
                         server_name);

// Two connectors of one name cannot both serve /hooks/NAME.
TEST(HookRoutes, ANameIsClaimedOnce) {
    HookRoutes routes;
    routes.add("slack", [](const connectors::http::ListenerRequest&) {
        return connectors::http::ListenerResponse{200, "text/plain", "first"};
    });
    EXPECT_THROW(routes.add("slack",
                            [](const connectors::http::ListenerRequest&) {
                                return connectors::http::ListenerResponse{};
                            }),
                 std::runtime_error);
    connectors::http::ListenerRequest r;
    r.method = "POST";
    r.path = "/hooks/slack/events";
    EXPECT_EQ(routes.dispatch(r).body, "first");
    routes.remove("slack");
    EXPECT_EQ(routes.dispatch(r).status, 404);
}

// What every connector's callback handler answers before reading a request.
TEST(ScreenCallback, HealthUnknownPathsAndOtherMethodsAreAnsweredFirst) {
    using connectors::http::screen_callback;
    connectors::http::ListenerRequest r;
    r.method = "GET";
    r.path = "/healthz";
    auto early = screen_callback(r, {"/demo/events"});
    ASSERT_TRUE(early);
    EXPECT_EQ(early->status, 200);
    EXPECT_EQ(early->body, "ok");
    r.method = "POST";
    r.path = "/demo/other";
    early = screen_callback(r, {"/demo/events", "/demo/commands"});
    ASSERT_TRUE(early);
    EXPECT_EQ(early->status, 404);
    r.path = "/demo/commands";
    EXPECT_FALSE(screen_callback(r, {"/demo/events", "/demo/commands"}));  // to read
    r.method = "GET";
    early = screen_callback(r, {"/demo/commands"});
    ASSERT_TRUE(early);
    EXPECT_EQ(early->status, 405);
    EXPECT_EQ(early->body, "POST only");
    EXPECT_FALSE(screen_callback(r, {"/demo/commands"}, {"GET", "POST"}));
    r.method = "PUT";
    early = screen_callback(r, {"/demo/commands"}, {"GET", "POST"});
    ASSERT_TRUE(early);
    EXPECT_EQ(early->status, 405);
    EXPECT_EQ(early->body, "GET or POST");
}

// A connector's callbacks on the shared routes: its handler gets the path it knows from
// its own listener, until it stops; a second stop changes nothing.
TEST(Callbacks, AreServedUnderTheConnectorsNameUntilStopped) {
    auto routes = std::make_shared<HookRoutes>();
    std::string seen;
    connectors::http::Callbacks callbacks([&](const connectors::http::ListenerRequest& r) {
        seen = r.path;
        return connectors::http::ListenerResponse{200, "text/plain", "handled"};
    });
    const int port = callbacks.serve(routes, "demo", {{"/events", "/demo/events"}}, false,
                                     {"127.0.0.1", 0, "", "demo events"}, "demo demo");
    EXPECT_EQ(port, 0);  // no listener of its own
    EXPECT_TRUE(routes->has("demo"));
    connectors::http::ListenerRequest r;
    r.method = "POST";
    r.path = "/hooks/demo/events";
    EXPECT_EQ(routes->dispatch(r).body, "handled");
    EXPECT_EQ(seen, "/demo/events");
    r.path = "/hooks/demo/elsewhere";
    EXPECT_EQ(routes->dispatch(r).status, 404);
    callbacks.stop();
    EXPECT_FALSE(routes->has("demo"));
    callbacks.stop();
    EXPECT_FALSE(routes->has("demo"));
}

// A DingTalk robot whose callback names no port needs a hub or http: to serve it.
TEST(HookRoutes, ARobotCallbackWithoutAPortNeedsTheSharedServer) {
    core::FakeClock clock{core::from_millis(1733480000000)};
    connectors::robots::RobotSettings s;
    s.name = "dingtalk";
    s.platform = connectors::robots::Platform::dingtalk;
    s.callback.enabled = true;
    connectors::robots::RobotChannel ch;
    ch.name = "sales-group";
    ch.track = "sales";
    ch.url = core::Secret("URL", "http://127.0.0.1:9/robot/send?access_token=t");
    s.channels.push_back(ch);
    s.callback.port_given = false;
    s.callback.app_secret = core::Secret("APP", kDingTalkSecret);
    connectors::ConnectorContext alone;
    alone.clock = &clock;
    CollectingSink sink;
    auto robot = connectors::robots::make_robot(s, alone);
    try {
        robot->start(sink);
        ADD_FAILURE() << "started without a port and without a shared server";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), ::testing::HasSubstr("callback.port is required"));
    }
    // With the shared server it starts, and serves /hooks/dingtalk/callback only.
    connectors::ConnectorContext shared = alone;
    shared.hooks = std::make_shared<HookRoutes>();
    shared.hooks->set_served(true);
    shared.own_listener = false;
    auto served = connectors::robots::make_robot(s, shared);
    served->start(sink);
    EXPECT_TRUE(shared.hooks->has("dingtalk"));
    EXPECT_EQ(connectors::robots::callback_port(*served), 0);
    served->stop();
    EXPECT_FALSE(shared.hooks->has("dingtalk"));
}

}  // namespace
}  // namespace twintrack::hooks_test
