// OpenID Connect sign-in to a real hub on a loopback port (`sign_in: [oidc]`), against a
// fake OpenID provider on another loopback port: discovery, a JWKS with keys made here
// with OpenSSL, and a token endpoint that checks the PKCE verifier and the client secret.
// A fake bot behind the hub answers the internal `/_hub/...` questions. Every way an ID
// token or a callback can be wrong is a case; the happy path ends in a WebSocket hello.

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <functional>
#include <map>

#include "connectors/hub/hub_sign_in.hpp"
#include "connectors/hub/oidc.hpp"
#include "core/api.hpp"
#include "core/base64.hpp"
#include "core/crypto.hpp"
#include "tests/hub/fake_oidc_provider.hpp"
#include "tests/hub/hub_fixture.hpp"

namespace twintrack::connectors::hub::testing {
namespace {

using test_support::Headers;
using test_support::http_request;

/// Anna (anna@example.com, zh-CN reader Li too) is in the directory; everyone else is not.
class OidcBot final : public core::EventSink {
  public:
    void push(core::Event) override {}
    void request(core::ApiRequest request, core::ApiReply reply) override {
        core::ApiResponse r;
        const json body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
        std::lock_guard<std::mutex> lock(mu_);
        if (request.path == "/_hub/sign-in/oidc/allowed") {
            r.status = limited ? 429 : 200;
            r.body = "{}";
        } else if (request.path == "/_hub/sign-in/oidc/failed") {
            failures_.push_back(body.value("why", ""));
            cv_.notify_all();
            r.body = "{}";
        } else if (request.path == "/_hub/sign-in/oidc") {
            asked_ = body;
            if (body.value("email", "") == "anna@example.com") {
                r.body = json{{"session", "sess-oidc-anna"}, {"user", "anna"}}.dump();
            } else {
                r.status = 403;
                r.body = R"({"error":"unknown_email"})";
            }
        } else if (request.path == "/_hub/session") {
            const bool anna = body.value("session_hash", "") == core::sha256_hex("sess-oidc-anna");
            r.status = anna ? 200 : 401;
            r.body = json{{"user", anna ? "anna" : ""}, {"locale", "en"}}.dump();
        } else {
            r.status = 404;
            r.body = "{}";
        }
        reply(std::move(r));
    }
    /// Waits for the next failure the hub reports; "" when none comes.
    std::string next_failure() {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, 5s, [&] { return failures_.size() > seen_; });
        return failures_.size() > seen_ ? failures_[seen_++] : "";
    }
    json asked() {
        std::lock_guard<std::mutex> lock(mu_);
        return asked_;
    }
    bool limited = false;

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::string> failures_;
    std::size_t seen_ = 0;
    json asked_;
};

/// Where the hub sent the browser: the authorization request and the binding cookie.
struct Authorize {
    std::map<std::string, std::string> params;
    std::string cookie;  // "twintrack_oidc=..."
};

class HubOidcTest : public HubTest {
  protected:
    void start(std::vector<std::string> ways = {"oidc"}) {
        HubSettings settings;
        settings.bind = "127.0.0.1";
        settings.port = 0;
        settings.sign_in = std::move(ways);
        settings.oidc.issuer = provider_.issuer();
        settings.oidc.client_id = client_id;
        settings.oidc.client_secret = core::Secret("OIDC_CLIENT_SECRET", client_secret);
        settings.oidc.redirect_url = redirect_url;
        settings.oidc.groups_claim = "groups";
        settings.oidc.roles = {{"sales-leads", "manager"}, {"it", "admin"}};
        hub_ = make_hub(settings, context());
        hub_->start(bot_);
        port_ = listening_port(*hub_);
        ASSERT_GT(port_, 0);
    }

    Authorize authorize(Headers headers = {}) {
        const auto r = http_request("GET", "127.0.0.1", port_, "/sign-in/oidc", headers);
        Authorize out;
        EXPECT_EQ(r.status, 302) << r.body;
        const std::string location = r.header("Location");
        EXPECT_EQ(location.rfind(provider_.issuer() + "/authorize?", 0), 0u) << location;
        const auto q = location.find('?');
        if (q != std::string::npos) out.params = core::parse_query(location.substr(q + 1));
        const std::string set = r.header("Set-Cookie");
        out.cookie = set.substr(0, set.find(';'));
        return out;
    }

    /// What a provider would put in the ID token for this sign-in.
    json claims(const Authorize& a, const std::string& email = "anna@example.com") {
        const std::int64_t now = core::to_millis(clock_.now()) / 1000;
        return {{"iss", provider_.issuer()},
                {"sub", "user-1"},
                {"aud", client_id},
                {"exp", now + 300},
                {"iat", now},
                {"nonce", a.params.at("nonce")},
                {"email", email},
                {"email_verified", true}};
    }

    /// The provider's redirect back to the hub, with a code for `id_token`.
    test_support::HttpResponse callback(const Authorize& a, const std::string& id_token,
                                        Headers headers = {}, bool with_cookie = true) {
        const std::string code = "code-" + std::to_string(++codes_);
        provider_.add_code(code, a.params.at("code_challenge"), id_token);
        if (with_cookie) headers.emplace_back("Cookie", a.cookie);
        return http_request(
            "GET", "127.0.0.1", port_,
            "/sign-in/oidc/callback?code=" + code + "&state=" + a.params.at("state"), headers);
    }

    FakeProvider provider_;
    OidcBot bot_;
    int codes_ = 0;
};

TEST_F(HubOidcTest, CodeExchangedSessionCookieSetAndHelloSpeaksAsThatPerson) {
    start();
    const Authorize a = authorize();
    EXPECT_EQ(a.params.at("response_type"), "code");
    EXPECT_EQ(a.params.at("client_id"), client_id);
    EXPECT_EQ(a.params.at("redirect_uri"), redirect_url);
    EXPECT_EQ(a.params.at("code_challenge_method"), "S256");
    EXPECT_NE(a.params.at("scope").find("openid"), std::string::npos);
    EXPECT_NE(a.params.at("scope").find("email"), std::string::npos);
    EXPECT_EQ(a.cookie.rfind("twintrack_oidc=", 0), 0u);

    json c = claims(a);
    c["groups"] = {"staff-all", "sales-leads"};
    const auto r = callback(a, jwt({{"alg", "RS256"}, {"kid", "rsa-1"}}, c, &rsa_key()));
    ASSERT_EQ(r.status, 302) << r.body;
    EXPECT_EQ(r.header("Location"), "/");
    const std::string set_cookie = r.header("Set-Cookie");
    EXPECT_NE(set_cookie.find("twintrack_session=sess-oidc-anna"), std::string::npos);
    EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
    EXPECT_EQ(bot_.asked()["email"], "anna@example.com");
    EXPECT_EQ(bot_.asked()["role"], "manager");  // sales-leads is mapped to manager

    auto ws = std::make_unique<WsClient>();
    ws->connect("127.0.0.1", port_, "/ws", 5s,
                {{"Cookie", std::string(session_cookie_name) + "=sess-oidc-anna"}});
    ws->send_json({{"type", "hello"}});
    auto welcome = ws->wait_for_type("welcome");
    ASSERT_TRUE(welcome);
    EXPECT_EQ((*welcome)["user"], "anna");
}

TEST_F(HubOidcTest, Es256TokensAreAcceptedToo) {
    start();
    const Authorize a = authorize();
    const auto r = callback(a, jwt({{"alg", "ES256"}, {"kid", "ec-1"}}, claims(a), &ec_key()));
    ASSERT_EQ(r.status, 302) << r.body;
    EXPECT_NE(r.header("Set-Cookie").find("sess-oidc-anna"), std::string::npos);
    EXPECT_FALSE(bot_.asked().contains("role"));  // no groups claim: the role is left alone
}

TEST_F(HubOidcTest, BadAnswersAreRefusedEachWithItsReason) {
    start();
    struct Case {
        std::string name;
        std::function<std::string(const Authorize&, json claims)> token;
        std::string why;
        int status;
    };
    const auto rs = [](json c, json header = {{"alg", "RS256"}, {"kid", "rsa-1"}}) {
        return jwt(header, c, &rsa_key());
    };
    const std::int64_t now = core::to_millis(clock_.now()) / 1000;
    const std::vector<Case> cases = {
        {"wrong audience",
         [&](const Authorize&, json c) {
             c["aud"] = "someone-else";
             return rs(c);
         },
         "id_token_audience", 401},
        {"wrong issuer",
         [&](const Authorize&, json c) {
             c["iss"] = "https://evil.example.com";
             return rs(c);
         },
         "id_token_issuer", 401},
        {"wrong nonce",
         [&](const Authorize&, json c) {
             c["nonce"] = "another-nonce";
             return rs(c);
         },
         "id_token_nonce", 401},
        {"bad signature (another key under the same kid)",
         [&](const Authorize&, json c) {
             return jwt({{"alg", "RS256"}, {"kid", "rsa-1"}}, c, &other_rsa_key());
         },
         "id_token_signature", 401},
        {"expired beyond the leeway",
         [&](const Authorize&, json c) {
             c["exp"] = now - oidc::leeway_seconds - 60;
             return rs(c);
         },
         "id_token_expired", 401},
        {"alg none",
         [&](const Authorize&, json c) {
             return jwt({{"alg", "none"}, {"kid", "rsa-1"}}, c, nullptr);
         },
         "id_token_algorithm", 401},
        {"HS256 keyed with the public key",
         [&](const Authorize&, json c) {
             const std::string part =
                 base64url_encode(json{{"alg", "HS256"}, {"kid", "rsa-1"}}.dump()) + "." +
                 base64url_encode(c.dump());
             const std::string key = rsa_key().jwk()["n"];
             unsigned char mac[32];
             unsigned int len = 0;
             HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                  reinterpret_cast<const unsigned char*>(part.data()), part.size(), mac, &len);
             return part + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), len));
         },
         "id_token_algorithm", 401},
        {"unknown kid",
         [&](const Authorize&, json c) {
             return rs(c, {{"alg", "RS256"}, {"kid", "nobody"}});
         },
         "id_token_unknown_key", 401},
        {"unverified email",
         [&](const Authorize&, json c) {
             c["email_verified"] = false;
             return rs(c);
         },
         "email_unverified", 403},
        {"not a JWT", [&](const Authorize&, json) { return std::string("abc.def"); },
         "id_token_malformed", 401},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const Authorize a = authorize();
        const auto r = callback(a, c.token(a, claims(a)));
        EXPECT_EQ(r.status, c.status) << r.body;
        EXPECT_EQ(r.header("Set-Cookie"), "");  // no session
        EXPECT_EQ(bot_.next_failure(), c.why);
    }
}

TEST_F(HubOidcTest, StateWorksOnceInTheBrowserThatStartedAndWithItsOwnVerifier) {
    start();
    const auto good = [&](const Authorize& a) {
        return jwt({{"alg", "RS256"}, {"kid", "rsa-1"}}, claims(a), &rsa_key());
    };
    {
        SCOPED_TRACE("replayed state");
        const Authorize a = authorize();
        ASSERT_EQ(callback(a, good(a)).status, 302);
        const auto again = callback(a, good(a));
        EXPECT_EQ(again.status, 400);
        EXPECT_EQ(bot_.next_failure(), "unknown_state");
    }
    {
        SCOPED_TRACE("another browser (no binding cookie)");
        const Authorize a = authorize();
        EXPECT_EQ(callback(a, good(a), {}, false).status, 400);
        EXPECT_EQ(bot_.next_failure(), "other_browser");
    }
    {
        SCOPED_TRACE("a code issued for another PKCE challenge");
        const Authorize a = authorize();
        Authorize forged = a;
        forged.params["code_challenge"] = oidc::pkce_challenge("not-the-verifier");
        EXPECT_EQ(callback(forged, good(a)).status, 502);
        EXPECT_EQ(provider_.refused(), "pkce");
        EXPECT_EQ(bot_.next_failure(), "token_endpoint_permanent");
    }
    {
        SCOPED_TRACE("the provider said no");
        const Authorize a = authorize();
        const auto r =
            http_request("GET", "127.0.0.1", port_,
                         "/sign-in/oidc/callback?error=access_denied&state=" + a.params.at("state"),
                         {{"Cookie", a.cookie}});
        EXPECT_EQ(r.status, 401);
        EXPECT_EQ(bot_.next_failure(), "provider_refused");
    }
    {
        SCOPED_TRACE("too late");
        const Authorize a = authorize();
        clock_.advance(std::chrono::minutes(oidc::pending_minutes + 1));
        EXPECT_EQ(callback(a, good(a)).status, 400);
        EXPECT_EQ(bot_.next_failure(), "state_expired");
    }
}

TEST_F(HubOidcTest, AnUnknownEmailGetsAClearPageInTheReadersLanguage) {
    start();
    struct Case {
        std::string accept_language, lang, words;
    };
    for (const Case& c :
         std::vector<Case>{{"en-GB,en;q=0.8", "en", "has nobody with the email"},
                           {"zh-CN,zh;q=0.9,en;q=0.5", "zh-CN", "团队名录中没有"}}) {
        SCOPED_TRACE(c.lang);
        const Authorize a = authorize();
        const auto r = callback(
            a,
            jwt({{"alg", "RS256"}, {"kid", "rsa-1"}}, claims(a, "nobody@example.com"), &rsa_key()),
            {{"Accept-Language", c.accept_language}});
        EXPECT_EQ(r.status, 403);
        EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8");
        EXPECT_NE(r.body.find("lang=\"" + c.lang + "\""), std::string::npos) << r.body;
        EXPECT_NE(r.body.find(c.words), std::string::npos) << r.body;
        EXPECT_NE(r.body.find("nobody@example.com"), std::string::npos);
        EXPECT_EQ(r.header("Set-Cookie"), "");
    }
}

TEST_F(HubOidcTest, KeysAreCachedAndFetchedAgainForAnUnknownKid) {
    start();
    const Authorize first = authorize();
    ASSERT_EQ(callback(first, jwt({{"alg", "RS256"}, {"kid", "rsa-1"}}, claims(first), &rsa_key()))
                  .status,
              302);
    const Authorize second = authorize();
    ASSERT_EQ(callback(second, jwt({{"alg", "ES256"}, {"kid", "ec-1"}}, claims(second), &ec_key()))
                  .status,
              302);
    EXPECT_EQ(provider_.jwks_fetches(), 1);  // cached

    // The provider rotates to a new key; a token under its kid makes the hub look again.
    static const TestKey rotated = TestKey::ec("ec-2");
    provider_.set_keys({rsa_key().jwk(), rotated.jwk()});
    clock_.advance(std::chrono::minutes(2));
    const Authorize third = authorize();
    const auto r =
        callback(third, jwt({{"alg", "ES256"}, {"kid", "ec-2"}}, claims(third), &rotated));
    EXPECT_EQ(r.status, 302) << r.body;
    EXPECT_EQ(provider_.jwks_fetches(), 2);
}

TEST_F(HubOidcTest, AProviderThatCannotBeReachedGetsAPageAndNoRedirect) {
    struct Case {
        std::string name, issuer;
    };
    for (const Case& c : std::vector<Case>{
             // No discovery document there (404).
             {"no discovery document", provider_.issuer() + "/realms/none"},
             // A provider whose document names another issuer.
             {"another issuer", provider_.issuer() + "/"},
         }) {
        SCOPED_TRACE(c.name);
        HubSettings settings;
        settings.bind = "127.0.0.1";
        settings.port = 0;
        settings.sign_in = {"oidc"};
        settings.oidc.issuer = c.issuer;
        settings.oidc.client_id = client_id;
        settings.oidc.client_secret = core::Secret("OIDC_CLIENT_SECRET", client_secret);
        settings.oidc.redirect_url = redirect_url;
        if (hub_) hub_->stop();
        hub_ = make_hub(settings, context());
        hub_->start(bot_);
        port_ = listening_port(*hub_);
        const auto r = http_request("GET", "127.0.0.1", port_, "/sign-in/oidc",
                                    {{"Accept-Language", "zh-CN"}});
        EXPECT_EQ(r.status, 502);
        EXPECT_EQ(r.header("Location"), "");
        EXPECT_NE(r.body.find("暂时无法连接登录服务"), std::string::npos) << r.body;
    }
}

TEST_F(HubOidcTest, OneAddressCannotStartSignInsWithoutEnd) {
    start();
    for (int i = 0; i < 20; ++i) authorize();  // never come back
    const auto r = http_request("GET", "127.0.0.1", port_, "/sign-in/oidc");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.header("Location"), "");
    // Ten minutes later those are forgotten.
    clock_.advance(std::chrono::minutes(oidc::pending_minutes + 1));
    authorize();
}

TEST_F(HubOidcTest, TooManyFailuresFromOneAddressAreRefusedBeforeTheProvider) {
    start();
    bot_.limited = true;
    const auto r = http_request("GET", "127.0.0.1", port_, "/sign-in/oidc");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.header("Location"), "");
    EXPECT_NE(r.body.find("wait a few minutes"), std::string::npos);
}

TEST_F(HubOidcTest, ThePageLearnsWhichWaysExistAndLinksAreOffWithoutLink) {
    start();
    const auto session = test_support::http_get("127.0.0.1", port_, "/api/v1/session");
    EXPECT_EQ(session.status, 401);
    EXPECT_EQ(session.json()["sign_in"], json::array({"oidc"}));
    const auto link = http_request("POST", "127.0.0.1", port_, "/sign-in/link",
                                   {{"Origin", "http://127.0.0.1:" + std::to_string(port_)}},
                                   R"({"who":"anna"})");
    EXPECT_EQ(link.status, 404);
}

TEST(OidcPieces, Base64urlPkceRolesAndLocales) {
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(oidc::base64url_decode("-_8"), std::string("\xfb\xff"));
    EXPECT_FALSE(oidc::base64url_decode("a+b/"));
    // RFC 7636, appendix B.
    EXPECT_EQ(oidc::pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
              "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    const std::map<std::string, std::string> mapping = {{"leads", "manager"}, {"it", "admin"}};
    EXPECT_EQ(oidc::role_for_groups(json::array({"leads", "it"}), mapping), "admin");
    EXPECT_EQ(oidc::role_for_groups("leads", mapping), "manager");
    EXPECT_EQ(oidc::role_for_groups(json::array({"other"}), mapping), "staff");
    EXPECT_EQ(oidc::locale_of("zh-TW,en"), "zh-CN");
    EXPECT_EQ(oidc::locale_of("fr, en;q=0.5"), "en");
    EXPECT_EQ(oidc::locale_of(""), "en");
}

}  // namespace
}  // namespace twintrack::connectors::hub::testing
