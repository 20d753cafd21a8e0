// Signing in to a real hub on a loopback port with a Feishu, DingTalk or WeCom account
// (`sign_in: [feishu, dingtalk, wecom]`), against fake platform endpoints on another
// loopback port (tests/hub/fake_platforms.hpp). A fake bot behind the hub answers the
// internal `/_hub/...` questions with a small directory. The happy path of each platform
// ends in a WebSocket hello as that person; every bad answer gets its page.

#include <functional>
#include <map>

#include "connectors/hub/hub_sign_in.hpp"
#include "connectors/hub/oidc.hpp"
#include "core/api.hpp"
#include "core/crypto.hpp"
#include "tests/hub/fake_platforms.hpp"
#include "tests/hub/hub_fixture.hpp"
#include "tests/support/connector_sink.hpp"

namespace twintrack::connectors::hub::testing {
namespace {

using test_support::Headers;
using test_support::http_request;

/// The directory: feishu:ou_anna is anna, dingtalk:bo.staff is bo, wecom:chen is chen,
/// and li@example.com is li (on the hub as "li"). Nobody else.
class PlatformBot final : public core::EventSink {
  public:
    void push(core::Event) override {}
    void request(core::ApiRequest request, core::ApiReply reply) override {
        core::ApiResponse r;
        const json body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
        std::lock_guard<std::mutex> lock(mu_);
        if (request.path == "/_hub/sign-in/oidc/allowed") {
            r.body = "{}";
        } else if (request.path == "/_hub/sign-in/oidc/failed") {
            failures_.push_back(body.value("via", "") + ":" + body.value("why", ""));
            cv_.notify_all();
            r.body = "{}";
        } else if (request.path == "/_hub/sign-in/platform") {
            asked_ = body;
            static const std::map<std::string, std::string> identities = {
                {"feishu:ou_anna", "anna"}, {"dingtalk:bo.staff", "bo"}, {"wecom:chen", "chen"}};
            const auto it = identities.find(body.value("identity_connector", "") + ":" +
                                            body.value("user_id", ""));
            std::string user = it == identities.end() ? "" : it->second;
            if (user.empty() && body.value("email", "") == "li@example.com") user = "li";
            if (user.empty()) {
                r.status = 403;
                r.body = R"({"error":"unknown_person"})";
            } else {
                r.body = json{{"session", "sess-" + user}, {"user", user}}.dump();
            }
        } else if (request.path == "/_hub/session") {
            std::string user;
            for (const char* u : {"anna", "bo", "chen", "li"}) {
                if (body.value("session_hash", "") == core::sha256_hex(std::string("sess-") + u)) {
                    user = u;
                }
            }
            r.status = user.empty() ? 401 : 200;
            r.body = json{{"user", user}, {"locale", "en"}}.dump();
        } else {
            r.status = 404;
            r.body = "{}";
        }
        reply(std::move(r));
    }
    /// The next failure the hub reports ("via:why"); "" when none comes.
    std::string next_failure() {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, 5s, [&] { return failures_.size() > seen_; });
        return failures_.size() > seen_ ? failures_[seen_++] : "";
    }
    json asked() {
        std::lock_guard<std::mutex> lock(mu_);
        return asked_;
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::string> failures_;
    std::size_t seen_ = 0;
    json asked_;
};

/// Where the hub sent the browser.
struct PlatformAuthorize {
    std::string method;
    std::string location;
    std::map<std::string, std::string> params;
    std::string cookie;      // "twintrack_sign_in=..."
    std::string set_cookie;  // the whole Set-Cookie header
};

class HubPlatformTest : public HubTest {
  protected:
    void start(const std::string& api_url = "") {
        const std::string api = api_url.empty() ? platforms_.url() : api_url;
        HubSettings settings;
        settings.bind = "127.0.0.1";
        settings.port = 0;
        settings.sign_in = {"feishu", "dingtalk", "wecom"};
        for (const std::string& method : platform::methods()) {
            platform::PlatformSettings p = platform::defaults(method);
            p.authorize_url = platforms_.url() + "/authorize/" + method;
            if (method == "wecom") p.client_authorize_url = platforms_.url() + "/wecom-client";
            p.api_url = api;
            p.oapi_url = api;
            p.redirect_url = "http://127.0.0.1/sign-in/" + method + "/callback";
            settings.platforms[method] = p;
        }
        auto& feishu = settings.platforms["feishu"];
        feishu.client_id = feishu_app_id;
        feishu.secret = core::Secret("FEISHU_APP_SECRET", feishu_secret);
        auto& dingtalk = settings.platforms["dingtalk"];
        dingtalk.client_id = dingtalk_client_id;
        dingtalk.secret = core::Secret("DINGTALK_APP_SECRET", dingtalk_secret);
        auto& wecom = settings.platforms["wecom"];
        wecom.client_id = wecom_corp_id;
        wecom.agent_id = wecom_agent_id;
        wecom.secret = core::Secret("WECOM_APP_SECRET", wecom_secret);
        if (hub_) hub_->stop();
        hub_ = make_hub(settings, context());
        hub_->start(bot_);
        port_ = listening_port(*hub_);
        ASSERT_GT(port_, 0);
    }

    PlatformAuthorize authorize(const std::string& method, Headers headers = {}) {
        const auto r = http_request("GET", "127.0.0.1", port_, "/sign-in/" + method, headers);
        PlatformAuthorize out;
        out.method = method;
        EXPECT_EQ(r.status, 302) << r.body;
        out.location = r.header("Location");
        EXPECT_EQ(out.location.rfind(platforms_.url() + "/authorize/" + method + "?", 0), 0u)
            << out.location;
        const auto q = out.location.find('?');
        if (q != std::string::npos) out.params = core::parse_query(out.location.substr(q + 1));
        out.set_cookie = r.header("Set-Cookie");
        out.cookie = out.set_cookie.substr(0, out.set_cookie.find(';'));
        return out;
    }

    /// The platform's redirect back to the hub with a fresh code for `account`.
    test_support::HttpResponse callback(const PlatformAuthorize& a, PlatformAccount account,
                                        Headers headers = {}, bool with_cookie = true) {
        const std::string code = "code-" + std::to_string(++codes_);
        account.challenge = a.params.count("code_challenge") ? a.params.at("code_challenge") : "";
        platforms_.add_code(a.method, code, account);
        return redeem(a, code, headers, with_cookie);
    }

    /// The redirect back with `code` (DingTalk names it authCode).
    test_support::HttpResponse redeem(const PlatformAuthorize& a, const std::string& code,
                                      Headers headers = {}, bool with_cookie = true) {
        if (with_cookie) headers.emplace_back("Cookie", a.cookie);
        const std::string name = a.method == "dingtalk" ? "authCode" : "code";
        const std::string state = a.params.count("state") ? a.params.at("state") : "";
        return http_request(
            "GET", "127.0.0.1", port_,
            "/sign-in/" + a.method + "/callback?" + name + "=" + code + "&state=" + state, headers);
    }

    FakePlatforms platforms_;
    PlatformBot bot_;
    int codes_ = 0;
};

TEST_F(HubPlatformTest, EachPlatformSignsInThroughItsOwnPageAndHelloSpeaksAsThatPerson) {
    test_support::LogCapture log;
    start();
    struct Case {
        std::string method;
        std::map<std::string, std::string> params;  // what the sign-in page must be given
        std::string user_id, hub_user;
    };
    const std::vector<Case> cases = {
        {"feishu",
         {{"client_id", feishu_app_id},
          {"response_type", "code"},
          {"redirect_uri", "http://127.0.0.1/sign-in/feishu/callback"},
          {"code_challenge_method", "S256"}},
         "ou_anna",
         "anna"},
        {"dingtalk",
         {{"client_id", dingtalk_client_id},
          {"response_type", "code"},
          {"scope", "openid"},
          {"prompt", "consent"},
          {"redirect_uri", "http://127.0.0.1/sign-in/dingtalk/callback"}},
         "bo.staff",
         "bo"},
        {"wecom",
         {{"login_type", "CorpApp"},
          {"appid", wecom_corp_id},
          {"agentid", wecom_agent_id},
          {"redirect_uri", "http://127.0.0.1/sign-in/wecom/callback"}},
         "chen",
         "chen"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.method);
        const PlatformAuthorize a = authorize(c.method);
        for (const auto& [key, value] : c.params) {
            EXPECT_EQ(a.params.count(key) ? a.params.at(key) : "(none)", value) << key;
        }
        EXPECT_EQ(a.params.at("state").size(), 64u);
        EXPECT_EQ(a.cookie.rfind("twintrack_sign_in=", 0), 0u);
        EXPECT_NE(a.set_cookie.find("Path=/sign-in/" + c.method), std::string::npos);
        EXPECT_NE(a.set_cookie.find("HttpOnly"), std::string::npos);
        // Secrets never travel through the browser.
        EXPECT_EQ(a.location.find("s3cret"), std::string::npos);

        const auto r = callback(a, {c.user_id, ""});
        ASSERT_EQ(r.status, 302) << r.body;
        EXPECT_EQ(r.header("Location"), "/");
        const std::string set_cookie = r.header("Set-Cookie");
        EXPECT_NE(set_cookie.find("twintrack_session=sess-" + c.hub_user), std::string::npos);
        EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
        EXPECT_EQ(bot_.asked()["via"], c.method);
        EXPECT_EQ(bot_.asked()["identity_connector"], c.method);
        EXPECT_EQ(bot_.asked()["user_id"], c.user_id);

        WsClient ws;
        ws.connect("127.0.0.1", port_, "/ws", 5s,
                   {{"Cookie", std::string(session_cookie_name) + "=sess-" + c.hub_user}});
        ws.send_json({{"type", "hello"}});
        const auto welcome = ws.wait_for_type("welcome");
        ASSERT_TRUE(welcome);
        EXPECT_EQ((*welcome)["user"], c.hub_user);
    }
    // The app secrets went to the platforms' servers only, and never into the log.
    for (const char* secret : {feishu_secret, dingtalk_secret, wecom_secret}) {
        EXPECT_EQ(log.count(secret), 0) << secret;
    }
    EXPECT_EQ(log.count("wecom-app-token"), 0);
    EXPECT_EQ(log.count("feishu-token-"), 0);
}

TEST_F(HubPlatformTest, InsideTheWeComClientItsSilentSignInIsUsed) {
    start();
    struct Case {
        std::string user_agent;
        bool in_client;
    };
    for (const Case& c : std::vector<Case>{
             {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 "
              "Language/zh ColorScheme/Light",
              true},
             {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "WXWork/4.1.30.6008 Chrome/98.0 Safari/537.36",
              true},
             // WeChat (not WeCom) and a desktop browser get the web login page.
             {"Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0.47", false},
             {"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36", false},
         }) {
        SCOPED_TRACE(c.user_agent);
        const auto r = http_request("GET", "127.0.0.1", port_, "/sign-in/wecom",
                                    {{"User-Agent", c.user_agent}});
        ASSERT_EQ(r.status, 302) << r.body;
        const std::string location = r.header("Location");
        if (!c.in_client) {
            EXPECT_EQ(location.rfind(platforms_.url() + "/authorize/wecom?", 0), 0u) << location;
            continue;
        }
        ASSERT_EQ(location.rfind(platforms_.url() + "/wecom-client?", 0), 0u) << location;
        const std::string fragment = "#wechat_redirect";
        ASSERT_GT(location.size(), fragment.size());
        EXPECT_EQ(location.substr(location.size() - fragment.size()), fragment);
        PlatformAuthorize a;
        a.method = "wecom";
        a.location = location;
        const auto q = location.find('?');
        a.params =
            core::parse_query(location.substr(q + 1, location.size() - fragment.size() - q - 1));
        EXPECT_EQ(a.params["appid"], wecom_corp_id);
        EXPECT_EQ(a.params["agentid"], wecom_agent_id);
        EXPECT_EQ(a.params["scope"], "snsapi_base");
        EXPECT_EQ(a.params["response_type"], "code");
        EXPECT_EQ(a.params["redirect_uri"], "http://127.0.0.1/sign-in/wecom/callback");
        EXPECT_EQ(a.params["state"].size(), 64u);
        a.set_cookie = r.header("Set-Cookie");
        a.cookie = a.set_cookie.substr(0, a.set_cookie.find(';'));
        // The code comes back to the same callback and names the member as the web login.
        const auto back = callback(a, {"chen", ""});
        ASSERT_EQ(back.status, 302) << back.body;
        EXPECT_NE(back.header("Set-Cookie").find("twintrack_session=sess-chen"), std::string::npos);
    }
}

TEST_F(HubPlatformTest, FeishuSendsThePkceVerifierAndFallsBackToTheEnterpriseEmail) {
    start();
    const PlatformAuthorize a = authorize("feishu");
    // ou_li is not in the directory; li's enterprise mailbox is.
    const auto r = callback(a, {"ou_li", "li@example.com"});
    ASSERT_EQ(r.status, 302) << r.body;
    EXPECT_NE(r.header("Set-Cookie").find("sess-li"), std::string::npos);
    EXPECT_EQ(bot_.asked()["email"], "li@example.com");  // not the admin-typed `email`

    // A code issued for another challenge is refused by the platform (PKCE).
    const PlatformAuthorize b = authorize("feishu");
    PlatformAuthorize forged = b;
    forged.params["code_challenge"] = oidc::pkce_challenge("not-the-verifier");
    EXPECT_EQ(callback(forged, {"ou_anna", ""}).status, 401);
    EXPECT_EQ(bot_.next_failure(), "feishu:token_refused");
}

TEST_F(HubPlatformTest, TheAppTokenIsFetchedOnceAndKept) {
    start();
    for (int i = 0; i < 2; ++i) {
        SCOPED_TRACE(i);
        ASSERT_EQ(callback(authorize("wecom"), {"chen", ""}).status, 302);
        ASSERT_EQ(callback(authorize("dingtalk"), {"bo.staff", ""}).status, 302);
    }
    EXPECT_EQ(platforms_.app_token_fetches(), 2);  // one per platform
}

TEST_F(HubPlatformTest, AStateWorksOnceInTheBrowserThatStartedItAtItsOwnPlatform) {
    start();
    for (const std::string method : {"feishu", "dingtalk", "wecom"}) {
        SCOPED_TRACE(method);
        const std::string user = method == "feishu"     ? "ou_anna"
                                 : method == "dingtalk" ? "bo.staff"
                                                        : "chen";
        {
            SCOPED_TRACE("replayed state");
            const PlatformAuthorize a = authorize(method);
            ASSERT_EQ(callback(a, {user, ""}).status, 302);
            const auto again = callback(a, {user, ""});
            EXPECT_EQ(again.status, 400);
            EXPECT_EQ(again.header("Set-Cookie"), "");
            EXPECT_EQ(bot_.next_failure(), method + ":unknown_state");
        }
        {
            SCOPED_TRACE("a state the hub never gave");
            PlatformAuthorize a = authorize(method);
            a.params["state"] = std::string(64, 'a');
            EXPECT_EQ(callback(a, {user, ""}).status, 400);
            EXPECT_EQ(bot_.next_failure(), method + ":unknown_state");
        }
        {
            SCOPED_TRACE("no state");
            PlatformAuthorize a = authorize(method);
            a.params.erase("state");
            EXPECT_EQ(callback(a, {user, ""}).status, 400);
            EXPECT_EQ(bot_.next_failure(), method + ":unknown_state");
        }
        {
            SCOPED_TRACE("another browser (no binding cookie)");
            const PlatformAuthorize a = authorize(method);
            EXPECT_EQ(callback(a, {user, ""}, {}, false).status, 400);
            EXPECT_EQ(bot_.next_failure(), method + ":other_browser");
        }
        {
            SCOPED_TRACE("too late");
            const PlatformAuthorize a = authorize(method);
            clock_.advance(std::chrono::minutes(oidc::pending_minutes + 1));
            EXPECT_EQ(callback(a, {user, ""}).status, 400);
            EXPECT_EQ(bot_.next_failure(), method + ":state_expired");
        }
        {
            SCOPED_TRACE("the person said no on the platform's page");
            const PlatformAuthorize a = authorize(method);
            const auto r =
                http_request("GET", "127.0.0.1", port_,
                             "/sign-in/" + method +
                                 "/callback?error=access_denied&state=" + a.params.at("state"),
                             {{"Cookie", a.cookie}});
            EXPECT_EQ(r.status, 401);
            EXPECT_EQ(bot_.next_failure(), method + ":provider_refused");
        }
    }
    {
        SCOPED_TRACE("a state of another platform");
        PlatformAuthorize a = authorize("feishu");
        a.method = "wecom";
        EXPECT_EQ(callback(a, {"chen", ""}).status, 400);
        EXPECT_EQ(bot_.next_failure(), "wecom:state_of_another_method");
    }
}

TEST_F(HubPlatformTest, ACodeThePlatformRefusesGetsAPageAndNoSession) {
    start();
    for (const std::string method : {"feishu", "dingtalk", "wecom"}) {
        SCOPED_TRACE(method);
        const PlatformAuthorize a = authorize(method);
        const auto r = redeem(a, "never-issued", {{"Accept-Language", "zh-CN"}});
        EXPECT_EQ(r.status, 401) << r.body;
        EXPECT_EQ(r.header("Set-Cookie"), "");
        EXPECT_NE(r.body.find("登录未能完成"), std::string::npos) << r.body;
        EXPECT_EQ(bot_.next_failure(),
                  method + (method == "wecom" ? ":code_refused" : ":token_refused"));
    }
}

TEST_F(HubPlatformTest, SomeoneNotInTheDirectoryGetsAClearPageInTheirLanguage) {
    start();
    struct Case {
        std::string method, accept_language, lang, words;
        PlatformAccount account;
    };
    const std::vector<Case> cases = {
        {"feishu", "en-US,en;q=0.9", "en", "nobody with this Feishu account", {"ou_zed", ""}},
        {"feishu", "zh-CN,zh;q=0.9", "zh-CN", "没有这个飞书账号对应的人", {"ou_zed", ""}},
        {"dingtalk", "en", "en", "nobody with this DingTalk account", {"zed", ""}},
        {"dingtalk", "zh-CN", "zh-CN", "没有这个钉钉账号", {"zed", ""}},
        // Not even a member of the organisation: the platform says so.
        {"dingtalk", "en", "en", "nobody with this DingTalk account", {"outsider", "", false}},
        {"wecom", "en", "en", "nobody with this WeCom account", {"zed", ""}},
        {"wecom", "zh-CN", "zh-CN", "没有这个企业微信账号", {"outsider", "", false}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.method + " " + c.lang + " " + c.account.user_id);
        const PlatformAuthorize a = authorize(c.method);
        const auto r = callback(a, c.account, {{"Accept-Language", c.accept_language}});
        EXPECT_EQ(r.status, 403);
        EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8");
        EXPECT_EQ(r.header("Set-Cookie"), "");
        EXPECT_NE(r.body.find("lang=\"" + c.lang + "\""), std::string::npos) << r.body;
        EXPECT_NE(r.body.find(c.words), std::string::npos) << r.body;
        EXPECT_EQ(r.body.find("{platform}"), std::string::npos);
    }
    EXPECT_EQ(bot_.next_failure(), "dingtalk:not_in_organisation");
    EXPECT_EQ(bot_.next_failure(), "wecom:not_in_organisation");
}

TEST_F(HubPlatformTest, APlatformThatIsDownGetsAPageAndNothingLeaks) {
    test_support::LogCapture log;
    struct Case {
        std::string name;
        std::function<void()> arrange;
        std::string why_prefix;
    };
    const std::vector<Case> cases = {
        {"the platform answers 503", [&] { platforms_.set_down(true); }, "_transient"},
        {"nothing listens there", [&] { platforms_.set_down(false); }, "_transient"},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE(cases[i].name);
        cases[i].arrange();
        if (i == 1) {
            // A port that was free a moment ago: nothing answers there.
            int closed_port = 0;
            {
                FakePlatforms gone;
                closed_port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
            }
            start("http://127.0.0.1:" + std::to_string(closed_port));
        } else {
            start();
        }
        for (const std::string method : {"feishu", "dingtalk", "wecom"}) {
            SCOPED_TRACE(method);
            const PlatformAuthorize a = authorize(method);
            const auto r = callback(a, {"ou_anna", ""}, {{"Accept-Language", "en"}});
            EXPECT_EQ(r.status, 502) << r.body;
            EXPECT_EQ(r.header("Set-Cookie"), "");
            EXPECT_NE(r.body.find("cannot be reached right now"), std::string::npos) << r.body;
            for (const char* secret : {feishu_secret, dingtalk_secret, wecom_secret}) {
                EXPECT_EQ(r.body.find(secret), std::string::npos);
            }
            EXPECT_EQ(r.body.find("code-"), std::string::npos);  // the code is not echoed
            const std::string failure = bot_.next_failure();
            EXPECT_EQ(failure.rfind(method + ":", 0), 0u) << failure;
            EXPECT_NE(failure.find(cases[i].why_prefix), std::string::npos) << failure;
        }
    }
    for (const char* secret : {feishu_secret, dingtalk_secret, wecom_secret}) {
        EXPECT_EQ(log.count(secret), 0) << secret;
    }
    EXPECT_GT(log.count("sign-in from 127.0.0.1 failed"), 0);
}

TEST_F(HubPlatformTest, OneAddressCannotStartSignInsWithoutEnd) {
    start();
    for (int i = 0; i < 20; ++i) authorize(i % 2 ? "feishu" : "wecom");  // never come back
    const auto r = http_request("GET", "127.0.0.1", port_, "/sign-in/dingtalk");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.header("Location"), "");
    clock_.advance(std::chrono::minutes(oidc::pending_minutes + 1));
    authorize("dingtalk");
}

TEST_F(HubPlatformTest, ThePageLearnsWhichWaysExistAndOtherMethodsStayClosed) {
    start();
    const auto session = test_support::http_get("127.0.0.1", port_, "/api/v1/session");
    EXPECT_EQ(session.status, 401);
    EXPECT_EQ(session.json()["sign_in"], json::array({"feishu", "dingtalk", "wecom"}));
    EXPECT_EQ(http_request("GET", "127.0.0.1", port_, "/sign-in/oidc").status, 404);
    EXPECT_EQ(http_request("POST", "127.0.0.1", port_, "/sign-in/feishu").status, 405);
    const auto page = test_support::http_get("127.0.0.1", port_, "/");
    for (const char* way : {"/sign-in/feishu", "/sign-in/dingtalk", "/sign-in/wecom"}) {
        EXPECT_NE(page.body.find(way), std::string::npos) << way;
    }
}

TEST(PlatformPieces, SignInPagesAndCallbackCodes) {
    platform::PlatformSettings lark = platform::defaults("feishu");
    EXPECT_EQ(lark.api_url, "https://open.feishu.cn");
    lark.authorize_url = "https://accounts.larksuite.com/open-apis/authen/v1/authorize";
    lark.client_id = "cli_1";
    lark.redirect_url = "https://chat.example.com/sign-in/feishu/callback";
    const std::string url = platform::authorize_location(lark, "st", "ch");
    EXPECT_EQ(url.rfind("https://accounts.larksuite.com/open-apis/authen/v1/authorize?", 0), 0u);
    EXPECT_NE(url.find("redirect_uri=https%3A%2F%2Fchat.example.com%2Fsign-in%2Ffeishu%2Fcallback"),
              std::string::npos)
        << url;
    EXPECT_EQ(platform::defaults("dingtalk").oapi_url, "https://oapi.dingtalk.com");
    EXPECT_EQ(platform::defaults("wecom").authorize_url,
              "https://login.work.weixin.qq.com/wwlogin/sso/login");
    platform::PlatformSettings wecom = platform::defaults("wecom");
    wecom.client_id = "ww1";
    wecom.agent_id = "1000002";
    wecom.redirect_url = "https://chat.example.com/sign-in/wecom/callback";
    EXPECT_EQ(platform::authorize_location(wecom, "st", "", true),
              "https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww1&redirect_uri="
              "https%3A%2F%2Fchat.example.com%2Fsign-in%2Fwecom%2Fcallback&response_type=code&"
              "scope=snsapi_base&state=st&agentid=1000002#wechat_redirect");
    EXPECT_TRUE(platform::in_wecom_client("Mozilla/5.0 wxwork/4.1.22 MicroMessenger/7.0.1"));
    EXPECT_FALSE(platform::in_wecom_client("Mozilla/5.0 MicroMessenger/8.0.47"));
    EXPECT_EQ(platform::callback_code({{"authCode", "a1"}, {"state", "s"}}), "a1");
    EXPECT_EQ(platform::callback_code({{"code", "c1"}}), "c1");
    EXPECT_EQ(platform::callback_code({{"state", "s"}}), "");
    EXPECT_TRUE(platform::is_platform("wecom"));
    EXPECT_FALSE(platform::is_platform("oidc"));
}

}  // namespace
}  // namespace twintrack::connectors::hub::testing
