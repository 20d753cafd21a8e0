#include "connectors/hub/smtp_mail.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <memory>
#include <sstream>
#include <vector>

#include "connectors/runtime/tls_client.hpp"
#include "core/base64.hpp"
#include "core/crypto.hpp"
#include "core/email.hpp"

namespace twintrack::connectors::hub::smtp {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

bool ascii_only(const std::string& text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// A header value in one line: printable ASCII as it is, anything else as one or more
// RFC 2047 encoded words (base64, whole UTF-8 characters per word).
std::string header_text(const std::string& text) {
    std::string flat;
    for (char c : text) flat += (c == '\r' || c == '\n') ? ' ' : c;
    if (ascii_only(flat) && flat.size() <= 900) return flat;
    std::string out;
    std::size_t i = 0;
    while (i < flat.size()) {
        // 39 bytes -> 52 base64 characters: with "Subject: " a line stays under 78.
        std::size_t end = std::min(flat.size(), i + 39);
        while (end < flat.size() && end > i &&
               (static_cast<unsigned char>(flat[end]) & 0xC0) == 0x80) {
            --end;  // do not split a UTF-8 character
        }
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + core::base64_encode(flat.substr(i, end - i)) + "?=";
        i = end;
    }
    return out;
}

}  // namespace

const char* security_name(Security s) {
    switch (s) {
        case Security::starttls:
            return "starttls";
        case Security::tls:
            return "tls";
        case Security::none:
            return "none";
    }
    return "?";
}

std::string format_message(const SmtpSettings& settings, const Mail& mail, const std::string& date,
                           const std::string& message_id) {
    std::string from = "<" + settings.from + ">";
    if (!settings.from_name.empty()) {
        std::string name = header_text(settings.from_name);
        if (ascii_only(settings.from_name)) {
            std::string quoted = "\"";
            for (char c : name) {
                if (c == '"' || c == '\\') quoted += '\\';
                quoted += c;
            }
            name = quoted + "\"";
        }
        from = name + " " + from;
    }
    std::string out;
    out += "Date: " + date + "\r\n";
    out += "From: " + from + "\r\n";
    out += "To: <" + mail.to + ">\r\n";
    out += "Subject: " + header_text(mail.subject) + "\r\n";
    out += "Message-ID: <" + message_id + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: base64\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    out += "\r\n";
    // CRLF line ends in the text itself, then base64 in lines of 76.
    std::string text;
    for (std::size_t i = 0; i < mail.body.size(); ++i) {
        if (mail.body[i] == '\n' && (i == 0 || mail.body[i - 1] != '\r')) text += '\r';
        text += mail.body[i];
    }
    const std::string encoded = core::base64_encode(text);
    for (std::size_t i = 0; i < encoded.size(); i += 76) {
        out += encoded.substr(i, 76) + "\r\n";
    }
    return out;
}

namespace {

/// Why a send stopped: the step, in words for the log, and the relay's reply code.
struct Failure {
    std::string problem;
    long code = 0;
};

struct Reply {
    int code = 0;
    std::vector<std::string> lines;  ///< the text after "NNN-" / "NNN "
};

/// One conversation with the relay on its own io_context: every step waits for its
/// completion, the deadline (`timeout` for the whole mail) or `cancel`, whichever comes
/// first.
class Session {
  public:
    Session(const SmtpSettings& settings, const std::atomic<bool>& cancel)
        : settings_(settings),
          cancel_(cancel),
          deadline_(std::chrono::steady_clock::now() + settings.timeout) {}

    ~Session() { shutdown(); }

    void connect() {
        tcp::resolver::results_type endpoints;
        wait("resolving the relay", [&](auto done) {
            resolver_.async_resolve(
                settings_.host, std::to_string(settings_.port),
                [&endpoints, done](error_code ec, tcp::resolver::results_type r) {
                    endpoints = std::move(r);
                    done(ec);
                });
        });
        if (settings_.security != Security::none) {
            // The system's CAs, or only the one that signed the relay's certificate.
            try {
                ctx_ = std::make_unique<ssl::context>(runtime::tls_client_context(
                    settings_.tls_ca_file, runtime::CaTrust::file_or_system));
            } catch (const std::runtime_error& e) {
                throw Failure{e.what()};
            }
        }
        tls_ = ctx_ ? std::make_unique<ssl::stream<tcp::socket>>(io_, *ctx_) : nullptr;
        if (!tls_) plain_ = std::make_unique<tcp::socket>(io_);
        tcp::socket& socket = tls_ ? tls_->next_layer() : *plain_;
        wait("connecting", [&](auto done) {
            asio::async_connect(socket, endpoints,
                                [done](error_code ec, const tcp::endpoint&) { done(ec); });
        });
        if (settings_.security == Security::tls) handshake();
    }

    /// TLS over the connection, the certificate checked against the relay's host name.
    void handshake() {
        runtime::verify_host(*tls_, settings_.host);
        wait("TLS handshake", [&](auto done) {
            tls_->async_handshake(ssl::stream_base::client, [done](error_code e) { done(e); });
        });
        secure_ = true;
    }

    Reply read_reply(const char* step) {
        Reply reply;
        for (;;) {
            std::string line = read_line(step);
            if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
                !std::isdigit(static_cast<unsigned char>(line[1])) ||
                !std::isdigit(static_cast<unsigned char>(line[2])) ||
                (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
                throw Failure{std::string("the relay's answer to ") + step + " is not SMTP"};
            }
            const int code = std::stoi(line.substr(0, 3));
            if (reply.code != 0 && code != reply.code) {
                throw Failure{std::string("the relay's answer to ") + step + " is not SMTP"};
            }
            reply.code = code;
            reply.lines.push_back(line.size() > 4 ? line.substr(4) : "");
            if (line.size() == 3 || line[3] == ' ') return reply;
            if (reply.lines.size() > 100) {
                throw Failure{std::string("the relay's answer to ") + step + " is too long"};
            }
        }
    }

    void send(const std::string& data, const char* step) {
        wait(step, [&](auto done) {
            const auto handler = [done](error_code ec, std::size_t) { done(ec); };
            if (secure_) {
                asio::async_write(*tls_, asio::buffer(data), handler);
            } else {
                asio::async_write(tls_ ? tls_->next_layer() : *plain_, asio::buffer(data), handler);
            }
        });
    }

    /// Sends `command` (CRLF added) and reads the answer; fails unless its code is one of
    /// `expected`.
    Reply command(const std::string& command, const char* step, std::initializer_list<int> expected,
                  const char* refused) {
        send(command + "\r\n", step);
        Reply reply = read_reply(step);
        if (std::find(expected.begin(), expected.end(), reply.code) == expected.end()) {
            throw Failure{refused, reply.code};
        }
        return reply;
    }

    /// Data received but not yet read as a line (a relay must send nothing after its
    /// answer to STARTTLS until the handshake).
    bool has_pending_input() const { return !input_.empty(); }

    /// QUIT without waiting long: the mail is already accepted.
    void quit() {
        try {
            deadline_ =
                std::min(deadline_, std::chrono::steady_clock::now() + std::chrono::seconds(2));
            send("QUIT\r\n", "QUIT");
            read_reply("QUIT");
        } catch (const Failure&) {
        }
    }

  private:
    using error_code = boost::system::error_code;

    std::string read_line(const char* step) {
        for (;;) {
            const auto end = input_.find("\r\n");
            if (end != std::string::npos) {
                std::string line = input_.substr(0, end);
                input_.erase(0, end + 2);
                return line;
            }
            if (input_.size() > 64 * 1024) {
                throw Failure{std::string("the relay's answer to ") + step + " is too long"};
            }
            char buffer[4096];
            std::size_t got = 0;
            wait(step, [&](auto done) {
                const auto handler = [&got, done](error_code ec, std::size_t n) {
                    got = n;
                    done(ec);
                };
                if (secure_) {
                    tls_->async_read_some(asio::buffer(buffer), handler);
                } else {
                    (tls_ ? tls_->next_layer() : *plain_)
                        .async_read_some(asio::buffer(buffer), handler);
                }
            });
            input_.append(buffer, got);
        }
    }

    /// Starts one asynchronous operation (`start(done)`, `done(error_code)`) and runs the
    /// io_context until it completes; throws Failure on an error, the deadline or cancel.
    template <class Start>
    void wait(const char* step, Start start) {
        bool finished = false;
        error_code result;
        start([&finished, &result](error_code ec) {
            finished = true;
            result = ec;
        });
        while (!finished) {
            if (cancel_.load()) abort_and_throw(Failure{"stopped"}, finished);
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline_) {
                abort_and_throw(
                    Failure{std::string("no answer from the relay within ") +
                            std::to_string(settings_.timeout.count()) + " s (" + step + ")"},
                    finished);
            }
            io_.restart();
            io_.run_one_for(std::min<std::chrono::steady_clock::duration>(
                deadline_ - now, std::chrono::milliseconds(200)));
        }
        if (result) throw Failure{describe(step, result)};
    }

    std::string describe(const char* step, const error_code& ec) const {
        if (ec == asio::error::eof || ec == asio::error::connection_reset ||
            ec == asio::ssl::error::stream_truncated) {
            return std::string("the relay closed the connection (") + step + ")";
        }
        std::string what = ec.message();
        if (ec.category() == asio::error::get_ssl_category()) {
            const long verify = tls_ ? SSL_get_verify_result(tls_->native_handle()) : X509_V_OK;
            if (verify != X509_V_OK) {
                what = std::string("certificate not trusted: ") +
                       X509_verify_cert_error_string(verify);
            }
        }
        return std::string(step) + " with " + settings_.host + ":" +
               std::to_string(settings_.port) + " failed: " + what;
    }

    [[noreturn]] void abort_and_throw(Failure failure, bool& finished) {
        shutdown();
        // The aborted operation's handler runs (operation_aborted) before its state goes.
        while (!finished) {
            io_.restart();
            if (io_.run_one() == 0) break;
        }
        throw failure;
    }

    void shutdown() {
        error_code ignored;
        resolver_.cancel();
        if (tls_) tls_->next_layer().close(ignored);
        if (plain_) plain_->close(ignored);
    }

    const SmtpSettings& settings_;
    const std::atomic<bool>& cancel_;
    std::chrono::steady_clock::time_point deadline_;
    asio::io_context io_;
    tcp::resolver resolver_{io_};
    std::unique_ptr<ssl::context> ctx_;
    std::unique_ptr<ssl::stream<tcp::socket>> tls_;  ///< for starttls and tls
    std::unique_ptr<tcp::socket> plain_;             ///< for none
    bool secure_ = false;
    std::string input_;
};

/// The extensions an EHLO answer offers (upper case), e.g. "STARTTLS", "AUTH PLAIN LOGIN".
std::vector<std::string> extensions(const Reply& ehlo) {
    std::vector<std::string> out;
    for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
        std::string e = ehlo.lines[i];
        for (auto& c : e) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out.push_back(e);
    }
    return out;
}

bool offers(const std::vector<std::string>& ext, const std::string& keyword) {
    return std::any_of(ext.begin(), ext.end(), [&](const std::string& e) {
        return e == keyword || e.rfind(keyword + " ", 0) == 0;
    });
}

/// The AUTH mechanisms offered ("AUTH PLAIN LOGIN", also the old "AUTH=LOGIN").
bool offers_auth(const std::vector<std::string>& ext, const std::string& mechanism) {
    for (const std::string& e : ext) {
        if (e.rfind("AUTH", 0) != 0 || e.size() < 5 || (e[4] != ' ' && e[4] != '=')) continue;
        std::istringstream words(e.substr(5));
        std::string word;
        while (words >> word) {
            if (word == mechanism) return true;
        }
    }
    return false;
}

}  // namespace

std::string data_section(const std::string& message) {
    std::string out;
    out.reserve(message.size() + 16);
    bool line_start = true;
    for (char c : message) {
        if (line_start && c == '.') out += '.';
        out += c;
        line_start = c == '\n';
    }
    if (!line_start) out += "\r\n";
    out += ".\r\n";
    return out;
}

namespace {

void converse(Session& session, const SmtpSettings& settings, const std::string& domain,
              const std::string& to, const std::string& message) {
    session.connect();
    const Reply greeting = session.read_reply("greeting");
    if (greeting.code != 220) throw Failure{"the relay did not greet", greeting.code};
    Reply ehlo = session.command("EHLO " + domain, "EHLO", {250}, "the relay refused EHLO");
    std::vector<std::string> ext = extensions(ehlo);
    if (settings.security == Security::starttls) {
        if (!offers(ext, "STARTTLS")) throw Failure{"the relay does not offer STARTTLS"};
        session.command("STARTTLS", "STARTTLS", {220}, "the relay refused STARTTLS");
        if (session.has_pending_input()) {
            throw Failure{"the relay sent data before the TLS handshake"};
        }
        session.handshake();
        ehlo = session.command("EHLO " + domain, "EHLO", {250}, "the relay refused EHLO");
        ext = extensions(ehlo);
    }
    if (!settings.user.empty()) {
        const std::string& password = settings.password.reveal();
        if (offers_auth(ext, "PLAIN")) {
            const std::string response =
                core::base64_encode(std::string(1, '\0') + settings.user + '\0' + password);
            session.command("AUTH PLAIN " + response, "AUTH", {235},
                            "the relay refused the user name or password (AUTH PLAIN)");
        } else if (offers_auth(ext, "LOGIN")) {
            const char* refused = "the relay refused the user name or password (AUTH LOGIN)";
            session.command("AUTH LOGIN", "AUTH", {334}, refused);
            session.command(core::base64_encode(settings.user), "AUTH", {334}, refused);
            session.command(core::base64_encode(password), "AUTH", {235}, refused);
        } else {
            throw Failure{"the relay offers neither AUTH PLAIN nor AUTH LOGIN"};
        }
    }
    session.command("MAIL FROM:<" + settings.from + ">", "MAIL FROM", {250},
                    "the relay refused the sender (MAIL FROM)");
    session.command("RCPT TO:<" + to + ">", "RCPT TO", {250, 251},
                    "the relay refused the recipient (RCPT TO)");
    session.command("DATA", "DATA", {354}, "the relay refused DATA");
    session.send(data_section(message), "DATA");
    const Reply accepted = session.read_reply("end of DATA");
    if (accepted.code != 250) throw Failure{"the relay refused the message", accepted.code};
    session.quit();
}

}  // namespace

Outcome send_mail(const SmtpSettings& settings, const Mail& mail, const std::string& date,
                  const std::atomic<bool>& cancel) {
    Outcome outcome;
    if (!core::is_plain_email(mail.to) || !core::is_plain_email(settings.from)) {
        outcome.problem = "not a plain email address";
        return outcome;
    }
    const std::string domain = settings.from.substr(settings.from.find('@') + 1);
    const std::string message =
        format_message(settings, mail, date, core::random_hex(16) + "@" + domain);
    try {
        Session session(settings, cancel);
        converse(session, settings, domain, mail.to, message);
        outcome.ok = true;
    } catch (const Failure& f) {
        // The step and the reply code; never the credentials, and not the relay's own
        // text (it may quote the recipient).
        outcome.problem = f.problem;
        outcome.reply_code = f.code;
        if (f.code != 0) outcome.problem += ", relay answered " + std::to_string(f.code);
    } catch (const boost::system::system_error& e) {
        outcome.problem = e.what();
    }
    return outcome;
}

std::string rfc5322_date(core::Timestamp when) {
    static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char out[64];
    std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[utc.tm_wday],
                  utc.tm_mday, months[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                  utc.tm_sec);
    return out;
}

Mailer::Mailer(SmtpSettings settings, const core::Clock& clock)
    : settings_(std::move(settings)), clock_(clock) {
    worker_ = std::thread([this] { run(); });
}

Mailer::~Mailer() { stop(); }

void Mailer::send(Mail mail, Done done) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        queue_.emplace_back(std::move(mail), std::move(done));
    }
    cv_.notify_one();
}

void Mailer::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
        queue_.clear();
    }
    cancel_ = true;
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void Mailer::run() {
    for (;;) {
        std::pair<Mail, Done> next;
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            next = std::move(queue_.front());
            queue_.pop_front();
        }
        // No exception leaves this thread.
        Outcome outcome;
        try {
            outcome = send_mail(settings_, next.first, rfc5322_date(clock_.now()), cancel_);
        } catch (const std::exception& e) {
            outcome.problem = e.what();
        }
        if (cancel_) return;
        try {
            if (next.second) next.second(outcome);
        } catch (...) {
        }
    }
}

}  // namespace twintrack::connectors::hub::smtp
