// Signing in to a real hub on a loopback port (`sign_in: [link]`), with a fake bot behind
// it that answers the internal `/_hub/...` questions as bot/sign_in.hpp describes: the
// cookie, CSRF, hello taking the person from the session, a revoked session closing an
// open socket, and the shared token still working with one warning.

#include "connectors/hub/hub_sign_in.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <set>
#include <sstream>

#include "core/crypto.hpp"
#include "tests/hub/hub_fixture.hpp"

namespace twintrack::connectors::hub::testing {
namespace {

using test_support::Headers;
using test_support::http_request;

/// Anna and Bo have sessions "sess-anna" and "sess-bo"; the link token "good" signs
/// Anna in. Feature routes answer 200 with the request echoed.
class FakeBot final : public core::EventSink {
  public:
    void push(core::Event) override {}
    void request(core::ApiRequest request, core::ApiReply reply) override {
        core::ApiResponse r;
        const json body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
        std::lock_guard<std::mutex> lock(mu_);
        paths.push_back(request.path);
        if (request.path == "/_hub/sign-in/link") {
            r.status = 202;
            r.body = R"({"status":"sent"})";
        } else if (request.path == "/_hub/sign-in/redeem") {
            if (body.value("token", "") == "good" && !used_) {
                used_ = true;
                r.body = json{{"session", "sess-anna"}, {"user", "anna"}}.dump();
            } else {
                r.status = 401;
                r.body = R"({"error":"link_used"})";
            }
        } else if (request.path == "/_hub/session") {
            const std::string user = user_of(body.value("session_hash", ""));
            r.status = user.empty() ? 401 : 200;
            r.body = json{{"user", user}, {"locale", user == "bo" ? "zh-CN" : "en"}}.dump();
        } else if (request.path.rfind("/_hub/api-token/", 0) == 0) {
            // tt_metrics may read /metrics only; other tokens are unknown.
            const bool metrics = request.path == "/_hub/api-token/metrics";
            r.status = request.api_token == "tt_metrics" ? (metrics ? 200 : 403) : 401;
            r.body = json{{"error", r.status == 200 ? "" : "refused"}}.dump();
        } else if (request.path == "/_hub/sign-out") {
            revoked_.insert(body.value("session_hash", ""));
            r.body = R"({"status":"signed_out"})";
        } else if (request.path == "/_hub/sessions/check") {
            json ended = json::array();
            for (const auto& h : body["hashes"]) {
                if (user_of(h).empty()) ended.push_back(h);
            }
            r.body = json{{"ended", ended}}.dump();
        } else {
            r.body = json{{"path", request.path}, {"api_token", request.api_token}}.dump();
        }
        reply(std::move(r));
    }
    void revoke(const std::string& session) {
        std::lock_guard<std::mutex> lock(mu_);
        revoked_.insert(core::sha256_hex(session));
    }
    std::vector<std::string> paths;

  private:
    std::string user_of(const std::string& hash) {
        if (revoked_.count(hash)) return "";
        if (hash == core::sha256_hex("sess-anna")) return "anna";
        if (hash == core::sha256_hex("sess-bo")) return "bo";
        return "";
    }
    std::mutex mu_;
    bool used_ = false;
    std::set<std::string> revoked_;
};

class HubSignInTest : public HubTest {
  protected:
    /// `check`: how often open sockets' sessions are checked.
    void start(HubSettings settings = {},
               std::chrono::milliseconds check = std::chrono::milliseconds(100)) {
        if (hub_) hub_->stop();
        settings.bind = "127.0.0.1";
        settings.port = 0;
        settings.sign_in = {"link"};
        settings.session_check = check;
        hub_ = make_hub(settings, context());
        hub_->start(bot_);
        port_ = listening_port(*hub_);
        ASSERT_GT(port_, 0);
        origin_ = "http://127.0.0.1:" + std::to_string(port_);
    }

    test_support::HttpResponse post(const std::string& target, const json& body,
                                    Headers headers = {}) {
        headers.emplace_back("Content-Type", "application/json");
        return http_request("POST", "127.0.0.1", port_, target, headers, body.dump());
    }

    Headers cookie(const std::string& session) {
        return {{"Cookie", std::string(session_cookie_name) + "=" + session}};
    }

    std::unique_ptr<WsClient> connect_as(const std::string& session) {
        auto ws = std::make_unique<WsClient>();
        ws->connect("127.0.0.1", port_, "/ws", 5s, session.empty() ? Headers{} : cookie(session));
        return ws;
    }

    FakeBot bot_;
    std::string origin_;
};

TEST_F(HubSignInTest, OpeningTheLinkSetsTheCookieAndHelloSpeaksAsThatPerson) {
    start();
    const auto sent = post("/sign-in/link", {{"who", "anna@example.com"}}, {{"Origin", origin_}});
    EXPECT_EQ(sent.status, 202);
    const auto signed_in = post("/sign-in/redeem", {{"token", "good"}}, {{"Origin", origin_}});
    ASSERT_EQ(signed_in.status, 200) << signed_in.body;
    const std::string set_cookie = signed_in.header("Set-Cookie");
    EXPECT_NE(set_cookie.find("twintrack_session=sess-anna"), std::string::npos);
    EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
    EXPECT_EQ(set_cookie.find("Secure"), std::string::npos);  // plain http
    EXPECT_EQ(signed_in.json()["user"], "anna");
    EXPECT_EQ(signed_in.json()["csrf"], csrf_token("sess-anna"));

    auto ws = connect_as("sess-anna");
    ws->send_json({{"type", "hello"}});
    auto welcome = ws->wait_for_type("welcome");
    ASSERT_TRUE(welcome);
    EXPECT_EQ((*welcome)["user"], "anna");

    // The link works once.
    const auto again = post("/sign-in/redeem", {{"token", "good"}}, {{"Origin", origin_}});
    EXPECT_EQ(again.status, 401);
    EXPECT_EQ(again.json()["error"], "link_used");
}

TEST_F(HubSignInTest, SecureCookieWhenThePublicUrlIsHttps) {
    HubSettings s;
    s.public_url = "https://chat.example.com";
    start(s);
    const auto r =
        post("/sign-in/redeem", {{"token", "good"}}, {{"Origin", "https://chat.example.com"}});
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.header("Set-Cookie").find("; Secure"), std::string::npos);
}

TEST_F(HubSignInTest, HelloWithoutTheRightSessionIsRefused) {
    start();
    struct Case {
        std::string name, session;
        json hello;
        std::string code;
    };
    for (const Case& c : std::vector<Case>{
             {"no cookie", "", {{"type", "hello"}, {"user", "anna"}}, "unauthorized"},
             {"unknown session", "forged", {{"type", "hello"}}, "session_ended"},
             {"a cookie of Bo naming Anna",
              "sess-bo",
              {{"type", "hello"}, {"user", "anna"}},
              "unauthorized"},
         }) {
        SCOPED_TRACE(c.name);
        auto ws = connect_as(c.session);
        ws->send_json(c.hello);
        auto error = ws->wait_for_type("error");
        ASSERT_TRUE(error);
        EXPECT_EQ((*error)["code"], c.code);
        auto closed = ws->wait_closed();
        ASSERT_TRUE(closed);
        EXPECT_EQ(closed->code, 1008);
    }
    // Bo's own cookie, naming himself: welcome.
    auto ws = connect_as("sess-bo");
    ws->send_json({{"type", "hello"}, {"user", "bo"}});
    auto welcome = ws->wait_for_type("welcome");
    ASSERT_TRUE(welcome);
    EXPECT_EQ((*welcome)["user"], "bo");
}

TEST_F(HubSignInTest, ARevokedSessionStillOpenOnAWebSocketIsClosed) {
    start();
    auto anna = connect_as("sess-anna");
    anna->send_json({{"type", "hello"}});
    ASSERT_TRUE(anna->wait_for_type("welcome"));
    auto bo = connect_as("sess-bo");
    bo->send_json({{"type", "hello"}});
    ASSERT_TRUE(bo->wait_for_type("welcome"));
    bot_.revoke("sess-anna");
    auto error = anna->wait_for_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["code"], "session_ended");
    ASSERT_TRUE(anna->wait_closed());
    EXPECT_TRUE(bo->is_open());
}

TEST_F(HubSignInTest, SigningOutRevokesTheSessionAndClosesItsSocketsAtOnce) {
    start({}, std::chrono::hours(1));  // no sweep during the test: the sign-out closes
    auto anna = connect_as("sess-anna");
    anna->send_json({{"type", "hello"}});
    ASSERT_TRUE(anna->wait_for_type("welcome"));
    auto bo = connect_as("sess-bo");
    bo->send_json({{"type", "hello"}});
    ASSERT_TRUE(bo->wait_for_type("welcome"));
    const std::string csrf = csrf_token("sess-anna");
    struct Case {
        std::string name;
        Headers headers;
    };
    for (const Case& c : std::vector<Case>{
             {"no CSRF token", {{"Origin", origin_}}},
             {"another origin", {{"Origin", "http://evil.test"}, {"X-CSRF-Token", csrf}}},
         }) {
        SCOPED_TRACE(c.name);
        Headers h = cookie("sess-anna");
        h.insert(h.end(), c.headers.begin(), c.headers.end());
        EXPECT_EQ(post("/sign-out", json::object(), h).status, 403);
    }
    EXPECT_TRUE(anna->is_open());
    EXPECT_EQ(test_support::http_get("127.0.0.1", port_, "/sign-out", cookie("sess-anna")).status,
              405);

    Headers h = cookie("sess-anna");
    h.emplace_back("Origin", origin_);
    h.emplace_back("X-CSRF-Token", csrf);
    const auto out = post("/sign-out", json::object(), h);
    ASSERT_EQ(out.status, 200) << out.body;
    EXPECT_NE(out.header("Set-Cookie").find("twintrack_session=;"), std::string::npos);
    EXPECT_NE(out.header("Set-Cookie").find("Max-Age=0"), std::string::npos);
    auto error = anna->wait_for_type("error");
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["code"], "session_ended");
    ASSERT_TRUE(anna->wait_closed());
    EXPECT_TRUE(bo->is_open());
    EXPECT_EQ(
        test_support::http_get("127.0.0.1", port_, "/api/v1/session", cookie("sess-anna")).status,
        401);
}

TEST_F(HubSignInTest, StateChangingRoutesNeedTheCsrfTokenAndTheOrigin) {
    start();
    const std::string csrf = csrf_token("sess-anna");
    struct Case {
        std::string name;
        Headers headers;
        int status;
    };
    for (const Case& c : std::vector<Case>{
             {"no CSRF token", {{"Origin", origin_}}, 403},
             {"a wrong CSRF token", {{"Origin", origin_}, {"X-CSRF-Token", csrf_token("x")}}, 403},
             // Another person's token with Anna's cookie: tokens belong to their session.
             {"Bo's CSRF token",
              {{"Origin", origin_}, {"X-CSRF-Token", csrf_token("sess-bo")}},
              403},
             {"another origin", {{"Origin", "http://evil.test"}, {"X-CSRF-Token", csrf}}, 403},
             {"no origin", {{"X-CSRF-Token", csrf}}, 403},
             {"token and origin", {{"Origin", origin_}, {"X-CSRF-Token", csrf}}, 200},
         }) {
        SCOPED_TRACE(c.name);
        Headers h = cookie("sess-anna");
        h.insert(h.end(), c.headers.begin(), c.headers.end());
        EXPECT_EQ(post("/api/v1/deals", json::object(), h).status, c.status);
    }
    // Sign-in requests from another origin are refused too, and so is a forged Host (the
    // link would point there).
    EXPECT_EQ(post("/sign-in/link", {{"who", "anna"}}, {{"Origin", "http://evil.test"}}).status,
              403);
    EXPECT_EQ(post("/sign-in/link", {{"who", "anna"}},
                   {{"Origin", "http://evil.test"}, {"Host", "evil.test"}})
                  .status,
              403);
    // Reads with the cookie need no token; without a session, 401.
    EXPECT_EQ(
        test_support::http_get("127.0.0.1", port_, "/api/v1/session", cookie("sess-anna")).json(),
        (json{{"user", "anna"}, {"locale", "en"}, {"csrf", csrf}, {"sign_in", {"link"}}}));
    EXPECT_EQ(test_support::http_get("127.0.0.1", port_, "/api/v1/people").status, 401);
    EXPECT_EQ(test_support::http_get("127.0.0.1", port_, "/api/v1/people", cookie("forged")).status,
              401);
}

TEST_F(HubSignInTest, SharedTokenStillWorksWithOneWarningAndOtherTokensGoToTheBot) {
    std::ostringstream log;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
    HubSettings s;
    s.token = core::Secret("HUB_TOKEN", "shared-secret");
    s.require_token = true;
    start(s);
    const Headers shared = {{"Authorization", "Bearer shared-secret"}};
    for (int i = 0; i < 2; ++i) {
        const auto r = http_request("GET", "127.0.0.1", port_, "/api/v1/reports.csv", shared);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.json()["api_token"], "");  // the hub accepted it itself
    }
    const auto other = http_request("GET", "127.0.0.1", port_, "/api/v1/reports.csv",
                                    {{"Authorization", "Bearer tt_integration"}});
    EXPECT_EQ(other.json()["api_token"], "tt_integration");  // for the bot to check
    spdlog::set_default_logger(previous);
    const std::string text = log.str();
    const auto first = text.find("shared hub token was used");
    ASSERT_NE(first, std::string::npos) << text;
    EXPECT_EQ(text.find("shared hub token was used", first + 1), std::string::npos);
    EXPECT_EQ(text.find("shared-secret"), std::string::npos);  // never the secret itself
}

TEST_F(HubSignInTest, MetricsAndPeopleTakeApiTokensWithTheirScope) {
    HubSettings s;
    s.token = core::Secret("HUB_TOKEN", "shared-secret");
    s.require_token = true;
    start(s);
    struct Case {
        std::string name, target, token;
        int status;
    };
    for (const Case& c : std::vector<Case>{
             {"metrics with metrics:read", "/metrics", "tt_metrics", 200},
             {"people without people:read", "/api/v1/people", "tt_metrics", 403},
             {"an unknown token on metrics", "/metrics", "tt_unknown", 401},
             {"the shared token on metrics", "/metrics", "shared-secret", 200},
             {"the shared token on people", "/api/v1/people", "shared-secret", 200},
         }) {
        SCOPED_TRACE(c.name);
        const auto r = http_request("GET", "127.0.0.1", port_, c.target,
                                    {{"Authorization", "Bearer " + c.token}});
        EXPECT_EQ(r.status, c.status) << r.body;
        if (c.target == "/metrics" && c.status == 200) {
            EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
        }
    }
    // Without any token: 401 as before.
    EXPECT_EQ(test_support::http_get("127.0.0.1", port_, "/metrics").status, 401);
}

TEST(HubSignInHelpers, CookieAndOriginParsing) {
    EXPECT_EQ(cookie_value("a=1; twintrack_session=abc ; b=2", "twintrack_session"), "abc");
    EXPECT_EQ(cookie_value("a=1", "twintrack_session"), "");
    EXPECT_EQ(expected_origin("https://Chat.example.com/hub", "x"), "https://chat.example.com");
    EXPECT_EQ(expected_origin("", "127.0.0.1:8080"), "http://127.0.0.1:8080");
    EXPECT_EQ(client_address("[::1]:5000"), "::1");
    EXPECT_EQ(client_address("10.1.2.3:5000"), "10.1.2.3");
}

// Uploads take the page's sign-in: no session 401, no CSRF token 403; a file sent in
// someone's direct conversation with the bot is theirs only, a channel's file anyone's
// who is signed in.
TEST_F(HubSignInTest, UploadsNeedTheSessionAndADirectConversationsFileStaysWithItsPerson) {
    start();
    const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "my picture";
    const auto up = [&](const std::string& channel, Headers h) {
        h.emplace_back("Content-Type", "image/png");
        return http_request("POST", "127.0.0.1", port_,
                            "/api/v1/files?channel=" + channel + "&name=me.png&user=bo", h, png);
    };
    EXPECT_EQ(up("joint", {{"Origin", origin_}}).status, 401);
    Headers anna = cookie("sess-anna");
    EXPECT_EQ(up("joint", anna).status, 403);
    anna.emplace_back("Origin", origin_);
    anna.emplace_back("X-CSRF-Token", csrf_token("sess-anna"));

    const auto direct = up("%40twintrack", anna);
    ASSERT_EQ(direct.status, 201) << direct.body;
    const std::string mine = direct.json()["file"]["url"];
    const auto get = [&](const std::string& url, const Headers& h) {
        return test_support::http_get("127.0.0.1", port_, url, h);
    };
    EXPECT_EQ(get(mine, cookie("sess-anna")).body, png);
    EXPECT_EQ(get(mine, cookie("sess-bo")).status, 404);  // Bo reads the channels, not Anna's
    EXPECT_EQ(get(mine, {}).status, 401);
    EXPECT_EQ(get(mine + "?e=1&s=00", {}).status, 403);  // no signed link to it either

    const auto shared = up("joint", anna);
    ASSERT_EQ(shared.status, 201);
    EXPECT_EQ(get(shared.json()["file"]["url"], cookie("sess-bo")).body, png);
}

// A large upload with the cookie is taken only for a session whose page is open on the
// hub, signed in: the bot's word on a session comes after a body, so a stolen or made-up
// cookie, a missing CSRF token or a session that ended cannot make the hub read one.
TEST_F(HubSignInTest, ALargeUploadNeedsASignedInPageBeforeItsBodyIsRead) {
    HubSettings settings;
    settings.max_upload_bytes = 4 * 1024 * 1024;
    start(settings);
    const std::string big = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(2 * 1024 * 1024, 'x');
    const std::string target = "/api/v1/files?channel=joint&name=poster.png";
    const auto headers = [&](const std::string& session, bool csrf) {
        Headers h = cookie(session);
        h.emplace_back("Origin", origin_);
        if (csrf) h.emplace_back("X-CSRF-Token", csrf_token(session));
        return h;
    };
    // No page open: refused before the body, whatever the cookie.
    {
        RawUpload anyone(port_, target, big.size(), "", {{"Origin", origin_}});
        EXPECT_EQ(anyone.answer().status, 401);
        RawUpload made_up(port_, target, big.size(), "", headers("sess-made-up", true));
        const auto r = made_up.answer();
        EXPECT_EQ(r.status, 401);
        EXPECT_EQ(r.json().value("error", ""), "not_signed_in");
        RawUpload no_page(port_, target, big.size(), "", headers("sess-anna", true));
        EXPECT_EQ(no_page.answer().status, 401);
    }
    // Anna's page is open: her upload is taken, with the CSRF token only.
    auto ws = connect_as("sess-anna");
    ws->send_json({{"type", "hello"}});
    ASSERT_TRUE(ws->wait_for_type("welcome"));
    RawUpload no_csrf(port_, target, big.size(), "", headers("sess-anna", false));
    EXPECT_EQ(no_csrf.answer().status, 403);
    RawUpload with_page(port_, target, big.size(), "", headers("sess-anna", true));
    ASSERT_TRUE(with_page.send(big));
    const auto taken = with_page.answer();
    ASSERT_EQ(taken.status, 201) << taken.body;
    EXPECT_EQ(taken.json()["file"]["size"], big.size());
    // Bo has no page open here.
    RawUpload bo(port_, target, big.size(), "", headers("sess-bo", true));
    EXPECT_EQ(bo.answer().status, 401);
}

}  // namespace
}  // namespace twintrack::connectors::hub::testing
