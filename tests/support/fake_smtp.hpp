#pragma once
// A small SMTP relay on 127.0.0.1 for tests of mail the program sends: it speaks enough
// ESMTP for libcurl (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, QUIT) in clear text, keeps
// every message it accepts, and can refuse the recipient (550) as a relay that will not
// deliver does.

#include <chrono>
#include <condition_variable>
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
    };
    struct Message {
        std::string mail_from;          ///< the address inside MAIL FROM:<...>
        std::vector<std::string> rcpt;  ///< the addresses inside RCPT TO:<...>
        std::string auth;               ///< the AUTH PLAIN answer (base64), or ""
        std::string data;               ///< the message, dot-unstuffed, CRLF line ends
    };

    /// With `advertise_auth`, EHLO offers AUTH PLAIN.
    explicit FakeSmtp(Mode mode = Mode::accept, bool advertise_auth = true);

    int port() const { return server_.port(); }
    /// Messages accepted so far.
    std::vector<Message> messages() const;
    /// Waits until `n` messages were accepted; the n-th, or nullopt after `timeout`.
    std::optional<Message> wait_message(
        std::size_t n = 1, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Refused recipients so far.
    int refusals() const;

  private:
    void serve(int fd);

    Mode mode_;
    bool advertise_auth_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Message> messages_;
    int refusals_ = 0;
    LoopbackServer server_;  // last: stopped (and its threads joined) first
};

/// A loopback port nothing listens on (bound, then released): "the relay is down".
int closed_loopback_port();

}  // namespace twintrack::test_support
