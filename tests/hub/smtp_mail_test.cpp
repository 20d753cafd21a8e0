// The sign-in mail as it goes to the relay (connectors/hub/smtp_mail.hpp): headers that a
// subject cannot break, the text in base64, addresses that go into SMTP commands as they
// are, a Mailer that stops while a relay never answers, and the conversation with a fake
// relay on loopback: STARTTLS and TLS with the certificate checked, AUTH PLAIN and LOGIN,
// and relays that refuse or drop the connection.

#include "connectors/hub/smtp_mail.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/base64.hpp"
#include "core/email.hpp"
#include "tests/support/fake_smtp.hpp"
#include "tests/support/loopback_proxy.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::connectors::hub::smtp {
namespace {

using namespace std::chrono_literals;

SmtpSettings relay() {
    SmtpSettings s;
    s.host = "127.0.0.1";
    s.from = "twintrack@example.com";
    return s;
}

TEST(SmtpMail, TheMessageHasOneLineHeadersAndABase64Body) {
    Mail mail;
    mail.to = "li@example.com";
    mail.subject = "你的 hub 网页聊天登录链接\r\nBcc: everyone@example.com";
    mail.body = "第一行\nhttps://chat.example.com/?sign_in=abc\n";
    const std::string out =
        format_message(relay(), mail, "Sun, 06 Dec 2026 22:10:00 +0000", "id@example.com");
    const auto split = out.find("\r\n\r\n");
    ASSERT_NE(split, std::string::npos);
    const std::string head = out.substr(0, split + 2);
    // The subject cannot add a header: every line is a known header or a folded word.
    EXPECT_EQ(head.find("\r\nBcc:"), std::string::npos) << head;
    EXPECT_NE(head.find("Subject: =?UTF-8?B?"), std::string::npos) << head;
    EXPECT_NE(head.find("To: <li@example.com>\r\n"), std::string::npos) << head;
    EXPECT_NE(head.find("From: \"TwinTrack\" <twintrack@example.com>\r\n"), std::string::npos);
    EXPECT_NE(head.find("Date: Sun, 06 Dec 2026 22:10:00 +0000\r\n"), std::string::npos);
    EXPECT_NE(head.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
    std::string encoded;
    for (char c : out.substr(split + 4)) {
        if (c != '\r' && c != '\n') encoded += c;
    }
    EXPECT_EQ(core::base64_decode(encoded).value_or(""),
              "第一行\r\nhttps://chat.example.com/?sign_in=abc\r\n");
    // Lines stay within SMTP's limit.
    std::size_t start = 0;
    for (auto end = out.find("\r\n"); end != std::string::npos;
         start = end + 2, end = out.find("\r\n", start)) {
        EXPECT_LE(end - start, 78u) << out.substr(start, end - start);
    }
    EXPECT_EQ(rfc5322_date(core::Timestamp(std::chrono::milliseconds(0))),
              "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(SmtpMail, OnlyPlainAddressesGoIntoSmtpCommands) {
    struct Case {
        std::string address;
        bool plain;
    };
    for (const Case& c : std::vector<Case>{{"anna@example.com", true},
                                           {"anna.b+hub@mail.example.com", true},
                                           {"", false},
                                           {"anna", false},
                                           {"@example.com", false},
                                           {"anna@", false},
                                           {"a@b@example.com", false},
                                           {"Anna <anna@example.com>", false},
                                           {"anna@example.com>\r\nRCPT TO:<x@y.z", false},
                                           {"anna@example.com,bo@example.com", false}}) {
        SCOPED_TRACE(c.address);
        EXPECT_EQ(core::is_plain_email(c.address), c.plain);
    }
    // A mail to an address that is not plain never reaches a relay.
    std::atomic<bool> cancel{false};
    const Outcome o = send_mail(relay(), {"x@y.z>\r\nDATA", "s", "b"}, "d", cancel);
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.problem, "not a plain email address");
}

TEST(SmtpMail, StoppingTheMailerEndsASendToARelayThatNeverAnswers) {
    test_support::LoopbackServer silent([&](int) {
        // Never greets; waits for the server to stop.
        while (!silent.stopping()) std::this_thread::sleep_for(10ms);
    });
    SmtpSettings s = relay();
    s.port = silent.port();
    s.security = Security::none;
    s.timeout = 300s;
    core::SystemClock clock;
    std::atomic<int> done{0};
    {
        Mailer mailer(s, clock);
        mailer.send({"anna@example.com", "s", "b"}, [&](const Outcome&) { ++done; });
        for (int i = 0; i < 1000 && silent.connections() == 0; ++i) {
            std::this_thread::sleep_for(10ms);
        }
        ASSERT_EQ(silent.connections(), 1);
        mailer.stop();
        // Stopped: a later mail is not sent.
        mailer.send({"anna@example.com", "s", "b"}, [&](const Outcome&) { ++done; });
    }
    EXPECT_EQ(done.load(), 0);
    EXPECT_EQ(silent.connections(), 1);
}

using test_support::FakeSmtp;

// A relay with a certificate for 127.0.0.1 (or `names`), trusted through tls_ca_file.
struct TlsRelay {
    explicit TlsRelay(FakeSmtp::Options o, const std::string& names = "IP:127.0.0.1")
        : cert(test_support::make_test_certificate(dir.path(), names)), relay([&] {
              o.cert_file = cert.cert_file;
              o.key_file = cert.key_file;
              return o;
          }()) {}
    test_support::TempDir dir;
    test_support::TestCertificate cert;
    FakeSmtp relay;
};

SmtpSettings account(int port, Security security) {
    SmtpSettings s = relay();
    s.port = port;
    s.security = security;
    s.user = "twintrack";
    s.password = core::Secret("SMTP_PASSWORD", "s3cret-pw");
    s.timeout = 20s;
    return s;
}

Outcome send(const SmtpSettings& s, const std::string& body = "Hello\n") {
    std::atomic<bool> cancel{false};
    return send_mail(s, {"anna@example.com", "Your link", body}, "Mon, 07 Dec 2026 10:00:00 +0000",
                     cancel);
}

TEST(SmtpMail, StartTlsCarriesThePasswordAndTheMailOverAVerifiedConnection) {
    TlsRelay tls({});
    SmtpSettings s = account(tls.relay.port(), Security::starttls);
    s.tls_ca_file = tls.cert.cert_file;
    const Outcome o = send(s);
    ASSERT_TRUE(o.ok) << o.problem;
    const auto got = tls.relay.wait_message();
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->tls);
    EXPECT_EQ(core::base64_decode(got->auth).value_or(""),
              std::string("\0twintrack\0s3cret-pw", 20));
    EXPECT_EQ(got->mail_from, "twintrack@example.com");
    EXPECT_EQ(got->rcpt, std::vector<std::string>{"anna@example.com"});
    EXPECT_NE(got->data.find("Subject: Your link\r\n"), std::string::npos) << got->data;
}

TEST(SmtpMail, ImplicitTlsSpeaksTlsFromTheFirstByte) {
    FakeSmtp::Options o;
    o.implicit_tls = true;
    TlsRelay tls(o);
    SmtpSettings s = account(tls.relay.port(), Security::tls);
    s.tls_ca_file = tls.cert.cert_file;
    const Outcome out = send(s);
    ASSERT_TRUE(out.ok) << out.problem;
    const auto got = tls.relay.wait_message();
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->tls);
}

TEST(SmtpMail, ACertificateForAnotherNameOrAnUnknownCaIsRefusedBeforeThePassword) {
    struct Case {
        std::string name;
        std::string names;
        bool trust;
    };
    for (const Case& c : std::vector<Case>{{"other name", "DNS:other.example", true},
                                           {"unknown CA", "IP:127.0.0.1", false}}) {
        SCOPED_TRACE(c.name);
        TlsRelay tls({}, c.names);
        SmtpSettings s = account(tls.relay.port(), Security::starttls);
        if (c.trust) s.tls_ca_file = tls.cert.cert_file;
        const Outcome o = send(s);
        EXPECT_FALSE(o.ok);
        EXPECT_NE(o.problem.find("TLS handshake with 127.0.0.1:"), std::string::npos) << o.problem;
        EXPECT_NE(o.problem.find("certificate"), std::string::npos) << o.problem;
        EXPECT_EQ(tls.relay.auth_attempts(), 0);
        EXPECT_TRUE(tls.relay.messages().empty());
    }
}

TEST(SmtpMail, ARelayWithoutStartTlsGetsNoPasswordWhenStartTlsIsAskedFor) {
    FakeSmtp plain;
    const Outcome o = send(account(plain.port(), Security::starttls));
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.problem, "the relay does not offer STARTTLS");
    EXPECT_EQ(plain.auth_attempts(), 0);
    EXPECT_TRUE(plain.messages().empty());
}

TEST(SmtpMail, AuthLoginWhenTheRelayOffersOnlyLogin) {
    FakeSmtp::Options o;
    o.auth = "LOGIN";
    FakeSmtp login(o);
    const Outcome out = send(account(login.port(), Security::none));
    ASSERT_TRUE(out.ok) << out.problem;
    const auto got = login.wait_message();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->login_user, "twintrack");
    EXPECT_EQ(got->login_password, "s3cret-pw");
    EXPECT_FALSE(got->tls);
}

TEST(SmtpMail, ARefusedPasswordOrRecipientIsAClearProblemWithTheReplyCode) {
    struct Case {
        FakeSmtp::Mode mode;
        long code;
        std::string problem;
    };
    for (const Case& c : std::vector<Case>{
             {FakeSmtp::Mode::refuse_auth, 535,
              "the relay refused the user name or password (AUTH PLAIN), relay answered 535"},
             {FakeSmtp::Mode::refuse_recipient, 550,
              "the relay refused the recipient (RCPT TO), relay answered 550"}}) {
        SCOPED_TRACE(c.problem);
        FakeSmtp refusing(c.mode);
        const Outcome o = send(account(refusing.port(), Security::none));
        EXPECT_FALSE(o.ok);
        EXPECT_EQ(o.reply_code, c.code);
        EXPECT_EQ(o.problem, c.problem);
        EXPECT_EQ(o.problem.find("s3cret-pw"), std::string::npos);
        EXPECT_EQ(o.problem.find("anna@example.com"), std::string::npos);
        EXPECT_TRUE(refusing.messages().empty());
    }
}

TEST(SmtpMail, ARelayThatDropsTheConnectionDuringDataIsNotASentMail) {
    FakeSmtp dropping(FakeSmtp::Mode::drop_during_data);
    const Outcome o = send(account(dropping.port(), Security::none));
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.problem.find("the relay closed the connection"), std::string::npos) << o.problem;
    EXPECT_TRUE(dropping.messages().empty());
}

TEST(SmtpMail, ARelayThatIsDownIsAProblemNamingHostAndPort) {
    const int port = test_support::closed_loopback_port();
    const Outcome o = send(account(port, Security::none));
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.problem.find("connecting with 127.0.0.1:" + std::to_string(port) + " failed"),
              std::string::npos)
        << o.problem;
}

TEST(SmtpMail, LinesStartingWithADotArriveUnchanged) {
    EXPECT_EQ(data_section("a\r\n.b\r\n..c\r\n."), "a\r\n..b\r\n...c\r\n..\r\n.\r\n");
    EXPECT_EQ(data_section(".\r\n"), "..\r\n.\r\n");
    // Through a relay: the message is base64 below its headers, so a dot starts no line of
    // a real mail; the relay gets back exactly what was sent.
    FakeSmtp plain;
    const Outcome o = send(account(plain.port(), Security::none), ".\n..\n");
    ASSERT_TRUE(o.ok) << o.problem;
    const auto got = plain.wait_message();
    ASSERT_TRUE(got);
    const auto split = got->data.find("\r\n\r\n");
    ASSERT_NE(split, std::string::npos);
    std::string encoded;
    for (char c : got->data.substr(split + 4)) {
        if (c != '\r' && c != '\n') encoded += c;
    }
    EXPECT_EQ(core::base64_decode(encoded).value_or(""), ".\r\n..\r\n");
}

}  // namespace
}  // namespace twintrack::connectors::hub::smtp
