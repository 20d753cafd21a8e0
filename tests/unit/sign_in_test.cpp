// Signing in to the hub through the bot (bot/sign_in.hpp) and API tokens per integration
// (bot/access.hpp, app/access_tools.hpp): the link goes out as a direct message on
// another platform in the person's language, works once and for ten minutes; sessions
// end when revoked; tokens answer 401 or 403 outside what they may do. Every bad path is
// a case here.

#include "bot/sign_in.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "app/access_tools.hpp"
#include "core/crypto.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using ::testing::HasSubstr;

class SignInTest : public ::testing::Test {
  protected:
    SignInTest() {
        add("anna", "Anna Becker", "en");
        add("li", "Li Wei", "zh-CN");
        // On the hub only: no other platform to send a link to.
        store::Person bo;
        bo.name = "Bo Chen";
        bo.email = "bo@example.com";
        bo.department = "sales";
        bo.role = "staff";
        bo.timezone = "UTC";
        bo.locale = "en";
        bo.identities = {{"hub", "bo"}};
        bot.store().people().upsert_by_email(bo, 0);
        bot.engine().reload_directory();
    }

    void add(const std::string& handle, const std::string& name, const std::string& locale) {
        TestPerson p{handle, name};
        p.locale = locale;
        const auto& person = bot.add(p);
        bot.store().people().add_identity(person.id, {"hub", handle + "-web"});
        bot.engine().reload_directory();
    }

    core::ApiResponse ask(const std::string& path, json body) {
        body["connector"] = "hub";
        return bot.api("POST", path, body.dump());
    }

    /// Asks for a link; returns the token from the direct message, or empty.
    std::string request_link(const std::string& who, const std::string& client = "10.0.0.1") {
        const std::size_t before = bot.all_posts().size();
        const auto r = ask("/_hub/sign-in/link",
                           {{"who", who}, {"client", client}, {"url", "http://hub.test"}});
        EXPECT_EQ(r.status, 202) << r.body;
        EXPECT_EQ(json::parse(r.body), (json{{"status", "sent"}}));
        const auto& posts = bot.all_posts();
        if (posts.size() == before) return "";
        last_dm = posts.back();
        std::smatch m;
        const std::regex link("http://hub\\.test/\\?sign_in=([0-9a-f]{64})");
        if (!std::regex_search(last_dm.text, m, link)) return "";
        return m[1];
    }

    core::ApiResponse redeem(const std::string& token) {
        return ask("/_hub/sign-in/redeem", {{"token", token}});
    }

    core::ApiResponse session(const std::string& id) {
        return ask("/_hub/session", {{"session_hash", core::sha256_hex(id)}});
    }

    int audits(const std::string& action) {
        return static_cast<int>(
            bot.store()
                .db()
                .scalar("SELECT count(*) FROM audit_log WHERE action = ?", {action})
                .value_or(0));
    }

    TestBot bot;
    core::Post last_dm;
};

TEST_F(SignInTest, LinkArrivesByDirectMessageInTheLanguageOfThePerson) {
    struct Case {
        std::string who, handle, words;
    };
    for (const Case& c :
         std::vector<Case>{{"anna@example.com", "anna", "sign in"}, {"Li Wei", "li", "登录"}}) {
        SCOPED_TRACE(c.who);
        const std::string token = request_link(c.who);
        ASSERT_FALSE(token.empty()) << last_dm.text;
        EXPECT_EQ(last_dm.to.connector, "test");
        EXPECT_EQ(last_dm.to.channel, "@" + c.handle);
        EXPECT_THAT(last_dm.text, HasSubstr(c.words));
        const auto r = redeem(token);
        ASSERT_EQ(r.status, 200) << r.body;
        const json answer = json::parse(r.body);
        EXPECT_EQ(answer["user"], c.handle + "-web");
        const auto s = session(answer["session"]);
        ASSERT_EQ(s.status, 200);
        EXPECT_EQ(json::parse(s.body)["user"], c.handle + "-web");
    }
    EXPECT_EQ(audits("sign_in"), 2);
    // Only digests are stored.
    EXPECT_EQ(bot.store().db().scalar("SELECT count(*) FROM sign_in_links WHERE length(token_hash) "
                                      "= 64"),
              2);
}

TEST_F(SignInTest, TheAnswerNeverSaysWhetherThePersonExists) {
    struct Case {
        std::string who, why;
    };
    for (const Case& c : std::vector<Case>{{"nobody@example.com", "unknown"},
                                           {"bo@example.com", "no_other_platform"}}) {
        SCOPED_TRACE(c.who);
        const std::size_t before = bot.all_posts().size();
        EXPECT_EQ(request_link(c.who), "");
        EXPECT_EQ(bot.all_posts().size(), before);  // nothing sent
    }
    EXPECT_EQ(audits("sign_in.link_refused"), 2);
}

TEST_F(SignInTest, WithAnSmtpRelaySomeoneOnNoPlatformGetsTheLinkByEmail) {
    struct Case {
        std::string who;
        bool hub_mails;
        bool email;  ///< the answer carries a mail for the hub to send
    };
    for (const Case& c : std::vector<Case>{{"bo@example.com", true, true},
                                           // Without a relay Bo gets nothing, as before.
                                           {"bo@example.com", false, false},
                                           // Anna is known on a platform: a direct message.
                                           {"anna@example.com", true, false},
                                           {"nobody@example.com", true, false}}) {
        SCOPED_TRACE(c.who + (c.hub_mails ? " with a relay" : ""));
        const std::size_t before = bot.all_posts().size();
        const auto r = ask("/_hub/sign-in/link", {{"who", c.who},
                                                  {"client", "10.0.0.1"},
                                                  {"url", "http://hub.test"},
                                                  {"email", c.hub_mails}});
        EXPECT_EQ(r.status, 202);
        const json answer = json::parse(r.body);
        EXPECT_EQ(answer["status"], "sent");
        ASSERT_EQ(answer.contains("email"), c.email) << r.body;
        if (!c.email) continue;
        EXPECT_EQ(bot.all_posts().size(), before);  // no direct message
        const json& mail = answer["email"];
        EXPECT_EQ(mail["to"], "bo@example.com");
        EXPECT_THAT(mail["subject"].get<std::string>(), HasSubstr("sign-in link"));
        EXPECT_THAT(mail["body"].get<std::string>(), HasSubstr("Hello Bo Chen"));
        std::smatch m;
        const std::string body = mail["body"];
        ASSERT_TRUE(
            std::regex_search(body, m, std::regex("http://hub\\.test/\\?sign_in=([0-9a-f]{64})")));
        // The hub gets the token's digest to report a mail that did not go out.
        EXPECT_EQ(mail["link"], core::sha256_hex(m[1].str()));
        const auto redeemed = redeem(m[1]);
        ASSERT_EQ(redeemed.status, 200) << redeemed.body;
        EXPECT_EQ(json::parse(redeemed.body)["user"], "bo");
    }
    EXPECT_EQ(audits("sign_in.link_sent"), 2);
}

TEST_F(SignInTest, AMailTheRelayRefusedSpendsItsLink) {
    const auto r = ask("/_hub/sign-in/link", {{"who", "bo@example.com"},
                                              {"client", "10.0.0.1"},
                                              {"url", "http://hub.test"},
                                              {"email", true}});
    const json mail = json::parse(r.body)["email"];
    std::smatch m;
    const std::string body = mail["body"];
    ASSERT_TRUE(std::regex_search(body, m, std::regex("sign_in=([0-9a-f]{64})")));
    EXPECT_EQ(ask("/_hub/sign-in/link/undelivered",
                  {{"link", mail["link"]}, {"why", "relay answered 550"}, {"reply_code", 550}})
                  .status,
              200);
    EXPECT_EQ(audits("sign_in.link_undelivered"), 1);
    EXPECT_EQ(json::parse(redeem(m[1]).body)["error"], "link_used");
    // A digest no link has.
    EXPECT_EQ(ask("/_hub/sign-in/link/undelivered", {{"link", std::string(64, 'a')}}).status, 404);
}

TEST_F(SignInTest, ForgedExpiredAndReplayedLinksAreRefused) {
    const std::string used = request_link("anna@example.com");
    ASSERT_EQ(redeem(used).status, 200);
    const std::string late = request_link("anna@example.com");
    bot.advance(11min);
    struct Case {
        std::string name, token, error;
    };
    for (const Case& c : std::vector<Case>{{"forged", std::string(64, 'a'), "invalid_link"},
                                           {"replayed", used, "link_used"},
                                           {"expired", late, "link_expired"}}) {
        SCOPED_TRACE(c.name);
        const auto r = redeem(c.token);
        EXPECT_EQ(r.status, 401);
        EXPECT_EQ(json::parse(r.body)["error"], c.error);
    }
    EXPECT_EQ(audits("sign_in.failed"), 3);
}

TEST_F(SignInTest, RequestsAreRateLimitedPerPersonAndPerClient) {
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(request_link("anna@example.com").empty()) << i;
    // The sixth link for Anna is not sent, and the answer looks the same.
    EXPECT_EQ(request_link("anna@example.com"), "");
    // One address asking again and again is told to wait.
    for (int i = 0; i < 14; ++i) ask("/_hub/sign-in/link", {{"who", "x"}, {"client", "10.0.0.1"}});
    const auto r = ask("/_hub/sign-in/link", {{"who", "li@example.com"}, {"client", "10.0.0.1"}});
    EXPECT_EQ(r.status, 429);
    // Another address is not.
    EXPECT_FALSE(request_link("li@example.com", "10.0.0.2").empty());
}

TEST_F(SignInTest, RevokedExpiredAndIdleSessionsEnd) {
    const auto start = json::parse(redeem(request_link("anna@example.com")).body);
    const std::string id = start["session"];
    ASSERT_EQ(session(id).status, 200);
    // Idle: 12 hours without use.
    bot.advance(13h);
    EXPECT_EQ(session(id).status, 401);

    const std::string id2 = json::parse(redeem(request_link("anna@example.com")).body)["session"];
    const auto sweep = [&] {
        const auto r = ask("/_hub/sessions/check", {{"hashes", {core::sha256_hex(id2)}}});
        return json::parse(r.body)["ended"];
    };
    EXPECT_TRUE(sweep().empty());
    ASSERT_EQ(app::sessions_revoke(bot.store(), "anna@example.com", 0), 2);
    EXPECT_EQ(sweep().size(), 1u);
    EXPECT_EQ(session(id2).status, 401);
    EXPECT_EQ(audits("session.revoke"), 1);
    EXPECT_FALSE(app::sessions_revoke(bot.store(), "nobody@example.com", 0));
}

TEST_F(SignInTest, OpenIdSignInMatchesTheVerifiedEmailAndTheRoleFollowsTheProvider) {
    const auto r = ask("/_hub/sign-in/oidc", {{"client", "10.0.0.1"},
                                              {"email", "Anna@Example.com"},
                                              {"subject", "idp-1"},
                                              {"role", "manager"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const json answer = json::parse(r.body);
    EXPECT_EQ(answer["user"], "anna-web");
    EXPECT_EQ(answer["locale"], "en");
    const auto s = session(answer["session"]);
    ASSERT_EQ(s.status, 200);
    EXPECT_EQ(json::parse(s.body)["user"], "anna-web");
    std::string role;
    bot.store().db().query("SELECT role FROM people WHERE email = 'anna@example.com'", {},
                           [&](const store::Row& row) { role = row.text(0); });
    EXPECT_EQ(role, "manager");
    EXPECT_EQ(audits("person.role"), 1);
    EXPECT_EQ(audits("sign_in"), 1);

    // Nobody with the email, or nobody on this hub: refused with the reason, audited.
    TestPerson cy{"cy", "Cy Test"};
    bot.add(cy);
    bot.engine().reload_directory();
    struct Case {
        std::string email, error;
    };
    for (const Case& c : std::vector<Case>{{"nobody@example.com", "unknown_email"},
                                           {"cy@example.com", "no_identity_on_hub"}}) {
        SCOPED_TRACE(c.email);
        const auto refused =
            ask("/_hub/sign-in/oidc", {{"client", "10.0.0.1"}, {"email", c.email}});
        EXPECT_EQ(refused.status, 403);
        EXPECT_EQ(json::parse(refused.body)["error"], c.error);
    }
    EXPECT_EQ(audits("sign_in.failed"), 2);
}

TEST_F(SignInTest, OpenIdFailuresAreRateLimitedPerAddress) {
    const auto allowed = [&](const std::string& client) {
        return ask("/_hub/sign-in/oidc/allowed", {{"client", client}}).status;
    };
    EXPECT_EQ(allowed("10.0.0.9"), 200);
    for (int i = 0; i < bot::sign_in_requests_per_client; ++i) {
        EXPECT_EQ(
            ask("/_hub/sign-in/oidc/failed", {{"client", "10.0.0.9"}, {"why", "id_token_nonce"}})
                .status,
            200);
    }
    EXPECT_EQ(audits("sign_in.failed"), bot::sign_in_requests_per_client);
    EXPECT_EQ(allowed("10.0.0.9"), 429);
    // Even a good answer from the provider waits now; another address does not.
    EXPECT_EQ(
        ask("/_hub/sign-in/oidc", {{"client", "10.0.0.9"}, {"email", "anna@example.com"}}).status,
        429);
    EXPECT_EQ(allowed("10.0.0.8"), 200);
    EXPECT_EQ(audits("sign_in.rate_limited"), 2);
    // The window passes.
    bot.advance(16min);
    EXPECT_EQ(allowed("10.0.0.9"), 200);
}

TEST_F(SignInTest, SigningOutRevokesThatSessionOnly) {
    const auto first = json::parse(redeem(request_link("anna@example.com")).body);
    const auto second = json::parse(redeem(request_link("anna@example.com")).body);
    const std::string hash = core::sha256_hex(first["session"].get<std::string>());
    EXPECT_EQ(ask("/_hub/sign-out", {{"session_hash", hash}}).status, 200);
    EXPECT_EQ(session(first["session"]).status, 401);
    EXPECT_EQ(session(second["session"]).status, 200);
    const auto r = ask("/_hub/sessions/check", {{"hashes", {hash}}});
    EXPECT_EQ(json::parse(r.body)["ended"], json::array({hash}));
    EXPECT_EQ(audits("session.sign_out"), 1);
    // Again, or an unknown session: nothing more to end.
    EXPECT_EQ(ask("/_hub/sign-out", {{"session_hash", hash}}).status, 200);
    EXPECT_EQ(ask("/_hub/sign-out", {{"session_hash", std::string(64, '0')}}).status, 200);
    EXPECT_EQ(audits("session.sign_out"), 1);
}

TEST_F(SignInTest, TheDailyRetentionJobDeletesEndedSessionsLinksAndOldRequests) {
    const auto rows = [&](const std::string& table) {
        return bot.store().db().scalar("SELECT count(*) FROM " + table).value_or(-1);
    };
    const auto kept = json::parse(redeem(request_link("anna@example.com")).body);
    const auto revoked = json::parse(redeem(request_link("li@example.com")).body);
    ask("/_hub/sign-out",
        {{"session_hash", core::sha256_hex(revoked["session"].get<std::string>())}});
    request_link("anna@example.com");  // a link never used
    ask("/_hub/sign-in/oidc/failed", {{"client", "10.0.0.7"}, {"why", "id_token_expired"}});
    ASSERT_EQ(rows("web_sessions"), 2);
    ASSERT_EQ(rows("sign_in_links"), 3);
    ASSERT_EQ(rows("sign_in_requests"), 4);

    bot.advance(49h);                                 // the daily job ran since
    EXPECT_EQ(rows("web_sessions"), 1);               // the revoked one went
    EXPECT_EQ(session(kept["session"]).status, 401);  // idle by now, but kept until its end
    EXPECT_EQ(rows("sign_in_links"), 0);
    EXPECT_EQ(rows("sign_in_requests"), 0);

    bot.advance(30 * 24h);  // past the absolute end (30 days)
    EXPECT_EQ(rows("web_sessions"), 0);
}

class ApiTokenTest : public SignInTest {
  protected:
    core::ApiResponse call(const std::string& token, const std::string& method,
                           const std::string& path, const std::string& body = "") {
        core::ApiRequest r;
        r.connector = "hub";
        r.method = method;
        r.path = path;
        r.body = body;
        r.api_token = token;
        return bot.api(std::move(r));
    }
    std::int64_t now() { return core::to_millis(bot.clock().now()); }
};

TEST_F(ApiTokenTest, TokensAnswer401Or403OutsideWhatTheyMayDo) {
    const auto reports =
        app::token_create(bot.store(), "bi", {"reports:read"}, std::nullopt, now());
    ASSERT_TRUE(reports.error.empty());
    const auto soon = app::token_create(bot.store(), "crm", {"deals:write", "reports:read"},
                                        now() + 3600 * 1000, now());
    const auto gone = app::token_create(bot.store(), "old", {"reports:read"}, std::nullopt, now());
    ASSERT_TRUE(app::token_revoke(bot.store(), "old", now()));
    EXPECT_FALSE(app::token_revoke(bot.store(), "old", now()));
    EXPECT_EQ(app::token_create(bot.store(), "bi", {"reports:read"}, std::nullopt, now()).error,
              "taken");
    EXPECT_EQ(app::token_create(bot.store(), "x", {"people:write"}, std::nullopt, now()).error,
              "bad_scope:people:write");

    EXPECT_EQ(call(reports.token, "GET", "/api/v1/reports.csv").status, 200);
    EXPECT_EQ(call(soon.token, "GET", "/api/v1/reports.csv").status, 200);
    bot.advance(2h);
    struct Case {
        std::string name, token, method, path;
        int status;
    };
    for (const Case& c : std::vector<Case>{
             {"outside its scope", reports.token, "POST", "/api/v1/deals", 403},
             {"calendar without calendar:read", reports.token, "GET", "/api/v1/events/1.ics", 403},
             {"an internal route", reports.token, "POST", "/_hub/session", 403},
             {"expired", soon.token, "GET", "/api/v1/reports.csv", 401},
             {"revoked", gone.token, "GET", "/api/v1/reports.csv", 401},
             {"unknown", "tt_" + std::string(64, '0'), "GET", "/api/v1/reports.csv", 401},
         }) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(call(c.token, c.method, c.path).status, c.status);
    }
    EXPECT_EQ(audits("api_token.use"), 2);
    EXPECT_EQ(audits("api_token.forbidden"), 3);
    // What the hub serves itself asks with the scopes metrics:read and people:read.
    const auto ops =
        app::token_create(bot.store(), "prometheus", {"metrics:read"}, std::nullopt, now());
    ASSERT_TRUE(ops.error.empty()) << ops.error;
    EXPECT_EQ(call(ops.token, "GET", "/_hub/api-token/metrics").status, 200);
    EXPECT_EQ(call(ops.token, "GET", "/_hub/api-token/people").status, 403);
    EXPECT_EQ(call(reports.token, "GET", "/_hub/api-token/metrics").status, 403);
    EXPECT_EQ(audits("api_token.refused"), 3);
    EXPECT_EQ(bot.engine().telemetry()->value("twintrack_api_token_requests_total",
                                              {{"result", "unauthorized"}}),
              3);
    // Only a digest is kept.
    EXPECT_EQ(bot.store().db().scalar("SELECT count(*) FROM api_tokens WHERE token_hash = ?",
                                      {reports.token}),
              0);
}

}  // namespace
}  // namespace twintrack::testing
