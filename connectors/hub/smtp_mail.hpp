#pragma once
// Sign-in links by email (`smtp:` of a hub with `sign_in: [link]`): one plain-text mail
// through the company's SMTP relay (STARTTLS on port 587, TLS from the first byte on 465,
// or clear text on a trusted relay), spoken here on Boost.Asio and OpenSSL: EHLO, STARTTLS,
// AUTH PLAIN or LOGIN, MAIL/RCPT/DATA, the certificate checked against the relay's name.
// Sending blocks, so it runs on the Mailer's own worker thread, never on the hub's thread
// or the engine's.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::hub::smtp {

enum class Security {
    starttls,  ///< smtp://, STARTTLS required (port 587)
    tls,       ///< smtps://, TLS from the first byte (port 465)
    none,      ///< smtp:// in clear text (a relay on this machine or a trusted network)
};

struct SmtpSettings {
    std::string host;  ///< empty: no email
    int port = 587;
    Security security = Security::starttls;
    std::string user;       ///< empty: no AUTH
    core::Secret password;  ///< from ${ENV}
    std::string from;       ///< the sender address, e.g. twintrack@example.com
    std::string from_name = "TwinTrack";
    std::string tls_ca_file;  ///< PEM file of the CA that signed the relay's certificate
    std::chrono::seconds timeout{30};

    bool enabled() const { return !host.empty(); }
};

struct Mail {
    std::string to;  ///< one address
    std::string subject;
    std::string body;  ///< plain text, UTF-8
};

struct Outcome {
    bool ok = false;
    long reply_code = 0;  ///< the relay's last SMTP reply (e.g. 550), 0 when none came
    /// Why it failed, for the log: never a password, never the mail's text.
    std::string problem;
};

/// "Security" by its config word: starttls, tls, none.
const char* security_name(Security s);

/// The message as it goes on the wire: headers (Subject as a UTF-8 encoded word), a
/// base64 body, CRLF line ends. `date` is an RFC 5322 date, `message_id` without `<>`.
std::string format_message(const SmtpSettings& settings, const Mail& mail, const std::string& date,
                           const std::string& message_id);

/// What follows DATA: `message` with a dot doubled at the start of every line (RFC 5321
/// 4.5.2), a CRLF if it lacks one at its end, and the end-of-data line ".".
std::string data_section(const std::string& message);

/// Sends one mail and waits for the relay's answer (up to `settings.timeout`); gives up
/// early once `cancel` becomes true.
Outcome send_mail(const SmtpSettings& settings, const Mail& mail, const std::string& date,
                  const std::atomic<bool>& cancel);

/// `when` as an RFC 5322 date in UTC, e.g. "Sun, 06 Dec 2026 22:10:00 +0000".
std::string rfc5322_date(core::Timestamp when);

/// One worker thread sending mails in order. `done` runs on that thread (post it to your
/// own); it is not called for mails still queued when the Mailer stops.
class Mailer {
  public:
    using Done = std::function<void(const Outcome&)>;
    /// `clock` dates the mails; it must outlive the Mailer.
    Mailer(SmtpSettings settings, const core::Clock& clock);
    ~Mailer();  ///< stop()
    Mailer(const Mailer&) = delete;
    Mailer& operator=(const Mailer&) = delete;

    void send(Mail mail, Done done);
    /// Cancels the mail being sent (the relay connection closes within about a second)
    /// and joins the worker.
    void stop();
    const SmtpSettings& settings() const { return settings_; }

  private:
    void run();

    SmtpSettings settings_;
    const core::Clock& clock_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::pair<Mail, Done>> queue_;
    bool stopping_ = false;
    std::atomic<bool> cancel_{false};
    std::thread worker_;
};

}  // namespace twintrack::connectors::hub::smtp
