#pragma once
// A small SMTP relay on 127.0.0.1 for tests of mail the program sends: it speaks enough
// ESMTP (EHLO, STARTTLS, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA, RSET, QUIT), in clear text,
// after STARTTLS or TLS from the first byte, keeps every message it accepts, and can
// misbehave as real relays do: refuse the recipient (550) or the password (535), or drop
// the connection in the middle of DATA.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/loopback_proxy.hpp"

namespace twintrack::test_support {

class FakeSmtp {
  public:
    enum class Mode {
        accept,            ///< 250 to everything
        refuse_recipient,  ///< 550 to RCPT TO
        refuse_auth,       ///< 535 to AUTH
        drop_during_data,  ///< closes the connection after the first line of DATA
    };
    struct Options {
        Mode mode = Mode::accept;
        /// AUTH mechanisms EHLO offers ("PLAIN", "LOGIN", "PLAIN LOGIN"); "" for none.
        std::string auth = "PLAIN";
        /// PEM files of the relay's certificate and key: with them EHLO offers STARTTLS,
        /// or with `implicit_tls` the relay speaks TLS from the first byte.
        std::string cert_file, key_file;
        bool implicit_tls = false;
    };
    struct Message {
        std::string mail_from;                   ///< the address inside MAIL FROM:<...>
        std::vector<std::string> rcpt;           ///< the addresses inside RCPT TO:<...>
        std::string auth;                        ///< the AUTH PLAIN answer (base64), or ""
        std::string data;                        ///< the message, dot-unstuffed, CRLF line ends
        std::string login_user, login_password;  ///< decoded AUTH LOGIN answers
        bool tls = false;                        ///< sent over TLS
    };

    /// With `advertise_auth`, EHLO offers AUTH PLAIN.
    explicit FakeSmtp(Mode mode = Mode::accept, bool advertise_auth = true);
    explicit FakeSmtp(Options options);

    int port() const { return server_.port(); }
    /// Messages accepted so far.
    std::vector<Message> messages() const;
    /// Waits until `n` messages were accepted; the n-th, or nullopt after `timeout`.
    std::optional<Message> wait_message(
        std::size_t n = 1, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Refused recipients so far.
    int refusals() const;
    /// AUTH commands seen so far (in clear text or not).
    int auth_attempts() const;

  private:
    void serve(int fd);

    Options options_;
    std::shared_ptr<void> tls_context_;  ///< SSL_CTX when a certificate is given
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Message> messages_;
    int refusals_ = 0;
    int auth_attempts_ = 0;
    LoopbackServer server_;  // last: stopped (and its threads joined) first
};

/// A self-signed certificate (also its own CA) and key written into `dir` by `openssl
/// req`, for the names in `subject_alt_names` (e.g. "IP:127.0.0.1", "DNS:other.test").
struct TestCertificate {
    std::string cert_file, key_file;
};
TestCertificate make_test_certificate(const std::string& dir, const std::string& subject_alt_names);

/// A loopback port nothing listens on (bound, then released): "the relay is down".
int closed_loopback_port();

}  // namespace twintrack::test_support
