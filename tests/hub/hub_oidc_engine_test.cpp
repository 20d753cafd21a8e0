// OpenID Connect sign-in end to end: the real engine (TestBot's) behind a real hub, and
// the fake OpenID provider on loopback. The person comes from the verified email in the
// directory, the role follows the provider's groups, and the session cookie says hello.

#include <gtest/gtest.h>

#include <future>

#include "connectors/hub/hub_connector.hpp"
#include "connectors/hub/hub_sign_in.hpp"
#include "core/source_dir.hpp"
#include "tests/hub/fake_oidc_provider.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using connectors::hub::testing::FakeProvider;
using connectors::hub::testing::jwt;
using connectors::hub::testing::rsa_key;
using test_support::Headers;
using test_support::WsClient;

class HubOidcEngineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store::Person p;
        p.name = "Mia Marketer";
        p.email = "mia@example.com";
        p.department = "marketing";
        p.role = "staff";
        p.timezone = "Europe/Berlin";
        p.locale = "en";
        p.identities = {{"hub", "mia"}};
        bot.store().people().upsert_by_email(p, core::to_millis(bot.clock().now()));
        bot.engine().reload_directory();
        connectors::hub::HubSettings settings;
        settings.bind = "127.0.0.1";
        settings.port = 0;
        settings.sign_in = {"oidc"};
        settings.oidc.issuer = provider_.issuer();
        settings.oidc.client_id = connectors::hub::testing::client_id;
        settings.oidc.client_secret =
            core::Secret("OIDC_CLIENT_SECRET", connectors::hub::testing::client_secret);
        settings.oidc.redirect_url = connectors::hub::testing::redirect_url;
        settings.oidc.groups_claim = "groups";
        settings.oidc.roles = {{"it-admins", "admin"}};
        connectors::ConnectorContext context{data_.path(), core::source_dir() + "/prompts",
                                             &bot.clock(), std::make_shared<connectors::Roster>()};
        hub_ = connectors::hub::make_hub(settings, context);
        hub_->start(bot.engine());
        port_ = connectors::hub::listening_port(*hub_);
    }

    void TearDown() override { hub_->stop(); }

    /// An HTTP request to the hub while the engine answers it (TestBot's engine runs
    /// only when drained).
    test_support::HttpResponse http(const std::string& target, const Headers& headers = {}) {
        auto answer = std::async(std::launch::async, [&] {
            return test_support::http_request("GET", "127.0.0.1", port_, target, headers);
        });
        while (answer.wait_for(10ms) != std::future_status::ready) bot.engine().drain();
        return answer.get();
    }

    /// Signs in through the provider as `email` (groups as given); the callback's answer.
    test_support::HttpResponse sign_in(const std::string& email, const json& groups) {
        const auto start = http("/sign-in/oidc");
        EXPECT_EQ(start.status, 302) << start.body;
        const std::string location = start.header("Location");
        auto params = core::parse_query(location.substr(location.find('?') + 1));
        const std::string cookie =
            start.header("Set-Cookie").substr(0, start.header("Set-Cookie").find(';'));
        const std::int64_t now = core::to_millis(bot.clock().now()) / 1000;
        json claims = {{"iss", provider_.issuer()},
                       {"sub", "idp-" + email},
                       {"aud", connectors::hub::testing::client_id},
                       {"exp", now + 300},
                       {"iat", now},
                       {"nonce", params["nonce"]},
                       {"email", email},
                       {"email_verified", true}};
        if (!groups.is_null()) claims["groups"] = groups;
        const std::string code = "code-" + email;
        provider_.add_code(code, params["code_challenge"],
                           jwt({{"alg", "RS256"}, {"kid", "rsa-1"}}, claims, &rsa_key()));
        return http("/sign-in/oidc/callback?code=" + code + "&state=" + params["state"],
                    {{"Cookie", cookie}, {"Accept-Language", "en"}});
    }

    std::int64_t audits(const std::string& action) {
        return bot.store()
            .db()
            .scalar("SELECT count(*) FROM audit_log WHERE action = ?", {action})
            .value_or(0);
    }

    FakeProvider provider_;
    TestBot bot;
    test_support::TempDir data_;
    std::unique_ptr<connectors::Connector> hub_;
    int port_ = 0;
};

TEST_F(HubOidcEngineTest, TheVerifiedEmailSignsThePersonInAndTheirGroupsSetTheRole) {
    const auto r = sign_in("Mia@Example.com", json::array({"all-staff", "it-admins"}));
    ASSERT_EQ(r.status, 302) << r.body;
    const std::string set_cookie = r.header("Set-Cookie");
    const std::string prefix = std::string(connectors::hub::session_cookie_name) + "=";
    ASSERT_EQ(set_cookie.rfind(prefix, 0), 0u) << set_cookie;
    const std::string session = set_cookie.substr(prefix.size(), 64);
    EXPECT_EQ(bot.engine().directory().by_email("mia@example.com")->role, "admin");
    EXPECT_EQ(audits("sign_in"), 1);
    EXPECT_EQ(audits("person.role"), 1);

    WsClient ws;
    ws.connect("127.0.0.1", port_, "/ws", 5s, {{"Cookie", prefix + session}});
    ws.send_json({{"type", "hello"}});
    std::optional<json> welcome;
    for (int i = 0; i < 500 && !welcome; ++i) {
        bot.engine().drain();
        welcome = ws.wait_for([](const json& f) { return f.value("type", "") == "welcome"; }, 10ms);
    }
    ASSERT_TRUE(welcome);
    EXPECT_EQ((*welcome)["user"], "mia");
}

TEST_F(HubOidcEngineTest, AnEmailNobodyHasIsToldSoAndAudited) {
    const auto r = sign_in("stranger@example.com", json());
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("has nobody with the email stranger@example.com"), std::string::npos)
        << r.body;
    EXPECT_EQ(r.header("Set-Cookie"), "");
    EXPECT_EQ(audits("sign_in.failed"), 1);
    EXPECT_EQ(audits("sign_in"), 0);
}

}  // namespace
}  // namespace twintrack::testing
