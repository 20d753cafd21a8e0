// Sign-in links by email end to end: the real engine (TestBot's) behind a real hub with
// an SMTP relay (`smtp:`), and a fake relay on loopback. A person the bot knows on no chat
// platform gets the link by email, in their language, to their directory address; it
// works once. A relay that is down or refuses gives the browser a clear answer and the
// log a line without the password, the address or the link.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <future>
#include <regex>
#include <sstream>

#include "connectors/hub/hub_connector.hpp"
#include "connectors/hub/hub_sign_in.hpp"
#include "core/base64.hpp"
#include "core/source_dir.hpp"
#include "tests/support/fake_smtp.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using test_support::FakeSmtp;
using test_support::Headers;
using test_support::WsClient;

constexpr const char* smtp_password = "relay-Pa55word-never-logged";

/// The mail's decoded subject and body.
struct Received {
    std::string subject, body, to_header;
};

// Decodes what format_message writes: encoded-word subjects and a base64 body.
Received decode(const std::string& data) {
    Received r;
    const auto split = data.find("\r\n\r\n");
    std::string head = data.substr(0, split);
    std::string encoded;
    for (char c : data.substr(split + 4)) {
        if (c != '\r' && c != '\n') encoded += c;
    }
    r.body = core::base64_decode(encoded).value_or("<not base64>");
    // Unfold the head, then read Subject and To.
    head = std::regex_replace(head, std::regex("\r\n "), " ");
    std::smatch m;
    if (std::regex_search(head, m, std::regex("Subject: ([^\r\n]*)"))) {
        const std::string value = m[1];
        const std::regex word("=\\?UTF-8\\?B\\?([A-Za-z0-9+/=]*)\\?=");
        if (value.find("=?UTF-8?B?") == std::string::npos) {
            r.subject = value;
        } else {
            for (auto it = std::sregex_iterator(value.begin(), value.end(), word);
                 it != std::sregex_iterator(); ++it) {
                r.subject += core::base64_decode((*it)[1].str()).value_or("?");
            }
        }
    }
    if (std::regex_search(head, m, std::regex("To: ([^\r\n]*)"))) r.to_header = m[1];
    return r;
}

class HubEmailEngineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        add_person("Eva Email", "eva@example.com", "en", {{"hub", "eva"}});
        add_person("Zhang Wei", "zhang@example.com", "zh-CN", {{"hub", "zhang"}});
        // Known on the chat platform too: the link goes there, as before.
        add_person("Dan Chat", "dan@example.com", "en", {{"hub", "dan"}, {"test", "dan"}});
        bot.engine().reload_directory();
    }

    void start(int smtp_port) {
        connectors::hub::HubSettings settings;
        settings.bind = "127.0.0.1";
        settings.port = 0;
        settings.sign_in = {"link"};
        settings.smtp.host = "127.0.0.1";
        settings.smtp.port = smtp_port;
        settings.smtp.security = connectors::hub::smtp::Security::none;
        settings.smtp.user = "twintrack";
        settings.smtp.password = core::Secret("SMTP_PASSWORD", smtp_password);
        settings.smtp.from = "twintrack@example.com";
        settings.smtp.timeout = 10s;
        connectors::ConnectorContext context{data_.path(), core::source_dir() + "/prompts",
                                             &bot.clock(), std::make_shared<connectors::Roster>()};
        hub_ = connectors::hub::make_hub(settings, context);
        hub_->start(bot.engine());
        port_ = connectors::hub::listening_port(*hub_);
        origin_ = "http://127.0.0.1:" + std::to_string(port_);
    }

    void TearDown() override {
        if (hub_) hub_->stop();
    }

    void add_person(const std::string& name, const std::string& email, const std::string& locale,
                    std::vector<store::Identity> identities) {
        store::Person p;
        p.name = name;
        p.email = email;
        p.department = "sales";
        p.role = "staff";
        p.timezone = "UTC";
        p.locale = locale;
        p.identities = std::move(identities);
        bot.store().people().upsert_by_email(p, core::to_millis(bot.clock().now()));
    }

    /// A POST to the hub from its own page while the engine answers it.
    test_support::HttpResponse post(const std::string& target, const json& body) {
        auto answer = std::async(std::launch::async, [&] {
            return test_support::http_request(
                "POST", "127.0.0.1", port_, target,
                {{"Content-Type", "application/json"}, {"Origin", origin_}}, body.dump(), 20s);
        });
        while (answer.wait_for(10ms) != std::future_status::ready) bot.engine().drain();
        return answer.get();
    }

    std::int64_t audits(const std::string& action) {
        return bot.store()
            .db()
            .scalar("SELECT count(*) FROM audit_log WHERE action = ?", {action})
            .value_or(0);
    }

    TestBot bot;
    test_support::TempDir data_;
    std::unique_ptr<connectors::Connector> hub_;
    int port_ = 0;
    std::string origin_;
};

TEST_F(HubEmailEngineTest, TheLinkArrivesByEmailInThePersonsLanguageAndWorksOnce) {
    FakeSmtp relay;
    start(relay.port());
    struct Case {
        std::string who, to, subject_words, body_words, user;
    };
    const std::vector<Case> cases = {
        {"eva@example.com", "eva@example.com", "sign-in link", "Hello Eva Email", "eva"},
        {"Zhang Wei", "zhang@example.com", "登录链接", "请在 10 分钟内打开此链接", "zhang"},
    };
    std::size_t n = 0;
    for (const Case& c : cases) {
        SCOPED_TRACE(c.who);
        const auto r = post("/sign-in/link", {{"who", c.who}});
        ASSERT_EQ(r.status, 202) << r.body;
        EXPECT_EQ(json::parse(r.body), (json{{"status", "sent"}}));
        const auto mail = relay.wait_message(++n);
        ASSERT_TRUE(mail);
        EXPECT_EQ(mail->mail_from, "twintrack@example.com");
        EXPECT_EQ(mail->rcpt, std::vector<std::string>{c.to});
        // The relay's account, from the configuration.
        EXPECT_EQ(core::base64_decode(mail->auth).value_or(""),
                  std::string("\0twintrack\0", 11) + smtp_password);
        const Received got = decode(mail->data);
        EXPECT_EQ(got.to_header, "<" + c.to + ">");
        EXPECT_NE(got.subject.find(c.subject_words), std::string::npos) << got.subject;
        EXPECT_NE(got.body.find(c.body_words), std::string::npos) << got.body;

        std::smatch m;
        const std::regex link(origin_ + "/\\?sign_in=([0-9a-f]{64})");
        ASSERT_TRUE(std::regex_search(got.body, m, link)) << got.body;
        const auto redeemed = post("/sign-in/redeem", {{"token", m[1].str()}});
        ASSERT_EQ(redeemed.status, 200) << redeemed.body;
        EXPECT_EQ(json::parse(redeemed.body)["user"], c.user);
        EXPECT_EQ(redeemed.header("Set-Cookie").rfind(connectors::hub::session_cookie_name, 0), 0u);
        const auto again = post("/sign-in/redeem", {{"token", m[1].str()}});
        EXPECT_EQ(again.status, 401);
        EXPECT_EQ(json::parse(again.body)["error"], "link_used");
    }
    EXPECT_EQ(audits("sign_in"), 2);
}

TEST_F(HubEmailEngineTest, StrangersGetTheSameAnswerAndPeopleOnAChatPlatformADirectMessage) {
    FakeSmtp relay;
    start(relay.port());
    for (const std::string who : {"nobody@example.com", "Dan Chat"}) {
        SCOPED_TRACE(who);
        const auto r = post("/sign-in/link", {{"who", who}});
        EXPECT_EQ(r.status, 202) << r.body;
        EXPECT_EQ(json::parse(r.body), (json{{"status", "sent"}}));
    }
    // The hub answers a mail only once the relay took it: none went out.
    EXPECT_TRUE(relay.messages().empty());
    bot.engine().drain();
    ASSERT_FALSE(bot.all_posts().empty());
    EXPECT_EQ(bot.all_posts().back().to.channel, "@dan");
    EXPECT_NE(bot.all_posts().back().text.find("?sign_in="), std::string::npos);
}

TEST_F(HubEmailEngineTest, ARelayDownOrRefusingIsAClearAnswerAndALogLineWithoutSecrets) {
    struct Case {
        std::string name;
        bool down;
        std::string log_words;
    };
    const std::vector<Case> cases = {
        {"down", true, "could not send a sign-in link by email through 127.0.0.1:"},
        {"refusing", false, "550"},
    };
    std::int64_t undelivered = 0;
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        std::ostringstream log;
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
        auto previous = spdlog::default_logger();
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
        std::unique_ptr<FakeSmtp> relay;
        if (!c.down) relay = std::make_unique<FakeSmtp>(FakeSmtp::Mode::refuse_recipient);
        if (hub_) hub_->stop();
        start(c.down ? test_support::closed_loopback_port() : relay->port());

        const auto r = post("/sign-in/link", {{"who", "eva@example.com"}});
        spdlog::set_default_logger(previous);
        EXPECT_EQ(r.status, 502) << r.body;
        const json body = json::parse(r.body);
        EXPECT_EQ(body["error"], "email_failed");
        EXPECT_NE(body.value("message", "").find("could not be sent"), std::string::npos);
        if (relay) {
            EXPECT_EQ(relay->refusals(), 1);
        }

        const std::string text = log.str();
        EXPECT_NE(text.find(c.log_words), std::string::npos) << text;
        EXPECT_EQ(text.find(smtp_password), std::string::npos) << text;
        EXPECT_EQ(text.find("eva@example.com"), std::string::npos) << text;
        EXPECT_EQ(text.find("sign_in="), std::string::npos) << text;
        bot.engine().drain();
        EXPECT_EQ(audits("sign_in.link_undelivered"), ++undelivered);
    }
    // The undelivered links are spent.
    EXPECT_EQ(bot.store().db().scalar("SELECT count(*) FROM sign_in_links WHERE used_at IS NULL"),
              0);
}

}  // namespace
}  // namespace twintrack::testing
