// The sign-in mail as it goes to the relay (connectors/hub/smtp_mail.hpp): headers that a
// subject cannot break, the text in base64, addresses that go into SMTP commands as they
// are, and a Mailer that stops while a relay never answers.

#include "connectors/hub/smtp_mail.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/base64.hpp"
#include "core/email.hpp"
#include "tests/support/loopback_proxy.hpp"

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

}  // namespace
}  // namespace twintrack::connectors::hub::smtp
