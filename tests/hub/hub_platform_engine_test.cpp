// Platform sign-in end to end: the real engine (TestBot's) behind a real hub, and the
// fake Feishu, DingTalk and WeCom endpoints on loopback. The person comes from their
// identity on the platform's connector as the directory holds it (feishu:OPEN_ID,
// dingtalk:USERID, wecom:USERID), else from Feishu's enterprise mailbox.

#include <gtest/gtest.h>

#include <future>

#include "connectors/hub/hub_connector.hpp"
#include "connectors/hub/hub_sign_in.hpp"
#include "core/source_dir.hpp"
#include "tests/hub/fake_platforms.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using connectors::hub::testing::FakePlatforms;
using connectors::hub::testing::PlatformAccount;
using test_support::Headers;
using test_support::WsClient;
namespace fake = connectors::hub::testing;

class HubPlatformEngineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        add_person("Mia Marketer", "mia@example.com",
                   {{"hub", "mia"}, {"feishu", "ou_mia"}, {"dingtalk", "mia.staff"}});
        add_person("Sam Sales", "sam@example.com", {{"hub", "sam"}, {"wecom", "SamS"}});
        add_person("Lin Li", "lin@example.com", {{"hub", "lin"}});
        add_person("No Hub", "nohub@example.com", {{"wecom", "nohub"}});
        bot.engine().reload_directory();
        connectors::hub::HubSettings settings;
        settings.bind = "127.0.0.1";
        settings.port = 0;
        settings.sign_in = {"feishu", "dingtalk", "wecom"};
        for (const std::string& method : connectors::hub::platform::methods()) {
            auto p = connectors::hub::platform::defaults(method);
            p.authorize_url = platforms_.url() + "/authorize";
            p.api_url = platforms_.url();
            p.oapi_url = platforms_.url();
            p.redirect_url = "http://127.0.0.1/sign-in/" + method + "/callback";
            settings.platforms[method] = p;
        }
        settings.platforms["feishu"].client_id = fake::feishu_app_id;
        settings.platforms["feishu"].secret = core::Secret("S", fake::feishu_secret);
        settings.platforms["dingtalk"].client_id = fake::dingtalk_client_id;
        settings.platforms["dingtalk"].secret = core::Secret("S", fake::dingtalk_secret);
        settings.platforms["wecom"].client_id = fake::wecom_corp_id;
        settings.platforms["wecom"].agent_id = fake::wecom_agent_id;
        settings.platforms["wecom"].secret = core::Secret("S", fake::wecom_secret);
        connectors::ConnectorContext context{data_.path(), core::source_dir() + "/prompts",
                                             &bot.clock(), std::make_shared<connectors::Roster>()};
        hub_ = connectors::hub::make_hub(settings, context);
        hub_->start(bot.engine());
        port_ = connectors::hub::listening_port(*hub_);
    }

    void TearDown() override { hub_->stop(); }

    void add_person(const std::string& name, const std::string& email,
                    std::vector<store::Identity> identities) {
        store::Person p;
        p.name = name;
        p.email = email;
        p.department = "marketing";
        p.role = "staff";
        p.timezone = "Asia/Shanghai";
        p.locale = "zh-CN";
        p.identities = std::move(identities);
        bot.store().people().upsert_by_email(p, core::to_millis(bot.clock().now()));
    }

    /// An HTTP request to the hub while the engine answers it (TestBot's engine runs
    /// only when drained).
    test_support::HttpResponse http(const std::string& target, const Headers& headers = {}) {
        auto answer = std::async(std::launch::async, [&] {
            return test_support::http_request("GET", "127.0.0.1", port_, target, headers);
        });
        while (answer.wait_for(10ms) != std::future_status::ready) bot.engine().drain();
        return answer.get();
    }

    /// Signs in at `method` as `account`; the callback's answer.
    test_support::HttpResponse sign_in(const std::string& method, PlatformAccount account) {
        const auto start = http("/sign-in/" + method);
        EXPECT_EQ(start.status, 302) << start.body;
        const std::string location = start.header("Location");
        auto params = core::parse_query(location.substr(location.find('?') + 1));
        const std::string cookie =
            start.header("Set-Cookie").substr(0, start.header("Set-Cookie").find(';'));
        const std::string code = "code-" + std::to_string(++codes_);
        account.challenge = params["code_challenge"];
        platforms_.add_code(method, code, account);
        return http("/sign-in/" + method + "/callback?code=" + code + "&state=" + params["state"],
                    {{"Cookie", cookie}, {"Accept-Language", "en"}});
    }

    std::int64_t audits(const std::string& action) {
        return bot.store()
            .db()
            .scalar("SELECT count(*) FROM audit_log WHERE action = ?", {action})
            .value_or(0);
    }

    FakePlatforms platforms_;
    TestBot bot;
    test_support::TempDir data_;
    std::unique_ptr<connectors::Connector> hub_;
    int port_ = 0;
    int codes_ = 0;
};

TEST_F(HubPlatformEngineTest, EachPlatformIdentitySignsItsPersonIn) {
    struct Case {
        std::string method;
        PlatformAccount account;
        std::string hub_user;
    };
    const std::vector<Case> cases = {
        {"feishu", {"ou_mia", ""}, "mia"},
        {"dingtalk", {"mia.staff", ""}, "mia"},
        {"wecom", {"SamS", ""}, "sam"},
        // Not known by open_id: the organisation's mailbox names the person.
        {"feishu", {"ou_unknown", "Lin@Example.com"}, "lin"},
    };
    std::int64_t signed_in = 0;
    for (const Case& c : cases) {
        SCOPED_TRACE(c.method + " " + c.account.user_id);
        const auto r = sign_in(c.method, c.account);
        ASSERT_EQ(r.status, 302) << r.body;
        const std::string prefix = std::string(connectors::hub::session_cookie_name) + "=";
        const std::string set_cookie = r.header("Set-Cookie");
        ASSERT_EQ(set_cookie.rfind(prefix, 0), 0u) << set_cookie;
        EXPECT_EQ(audits("sign_in"), ++signed_in);

        WsClient ws;
        ws.connect("127.0.0.1", port_, "/ws", 5s,
                   {{"Cookie", prefix + set_cookie.substr(prefix.size(), 64)}});
        ws.send_json({{"type", "hello"}});
        std::optional<json> welcome;
        for (int i = 0; i < 500 && !welcome; ++i) {
            bot.engine().drain();
            welcome =
                ws.wait_for([](const json& f) { return f.value("type", "") == "welcome"; }, 10ms);
        }
        ASSERT_TRUE(welcome);
        EXPECT_EQ((*welcome)["user"], c.hub_user);
    }
}

TEST_F(HubPlatformEngineTest, StrangersAndPeopleWithoutAHubAccountAreToldSoAndAudited) {
    struct Case {
        std::string method;
        PlatformAccount account;
        std::string words;
    };
    const std::vector<Case> cases = {
        {"dingtalk", {"someone.else", ""}, "nobody with this DingTalk account"},
        // An address nobody in the directory has, and an open_id nobody has.
        {"feishu", {"ou_x", "x@example.com"}, "nobody with this Feishu account"},
        {"wecom", {"nohub", ""}, "no account on this web chat yet"},
    };
    std::int64_t failed = 0;
    for (const Case& c : cases) {
        SCOPED_TRACE(c.method + " " + c.account.user_id);
        const auto r = sign_in(c.method, c.account);
        EXPECT_EQ(r.status, 403);
        EXPECT_NE(r.body.find(c.words), std::string::npos) << r.body;
        EXPECT_EQ(r.header("Set-Cookie"), "");
        EXPECT_EQ(audits("sign_in.failed"), ++failed);
    }
    EXPECT_EQ(audits("sign_in"), 0);
}

}  // namespace
}  // namespace twintrack::testing
