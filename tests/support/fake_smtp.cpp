#include "tests/support/fake_smtp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include "core/base64.hpp"

namespace twintrack::test_support {
namespace {

// One client connection, in clear text or over TLS once `ssl` is set.
struct Conn {
    int fd = -1;
    SSL* ssl = nullptr;
    std::string pending;

    ~Conn() {
        if (ssl != nullptr) SSL_free(ssl);
    }
    bool start_tls(const std::shared_ptr<void>& context) {
        ssl = SSL_new(static_cast<SSL_CTX*>(context.get()));
        SSL_set_fd(ssl, fd);
        return SSL_accept(ssl) == 1;
    }
    // Reads one CRLF-terminated line (without the CRLF); false when the peer closed.
    bool read_line(std::string& line) {
        for (;;) {
            const auto end = pending.find("\r\n");
            if (end != std::string::npos) {
                line = pending.substr(0, end);
                pending.erase(0, end + 2);
                return true;
            }
            char buf[4096];
            const int n = ssl != nullptr ? SSL_read(ssl, buf, sizeof buf)
                                         : static_cast<int>(::read(fd, buf, sizeof buf));
            if (n <= 0) return false;
            pending.append(buf, static_cast<std::size_t>(n));
        }
    }
    bool write(const std::string& text) {
        if (ssl == nullptr) return write_all(fd, text);
        return SSL_write(ssl, text.data(), static_cast<int>(text.size())) ==
               static_cast<int>(text.size());
    }
};

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// The address between < and > of "MAIL FROM:<a@b> SIZE=1".
std::string angle_address(const std::string& line) {
    const auto open = line.find('<');
    const auto close = line.find('>', open == std::string::npos ? 0 : open);
    if (open == std::string::npos || close == std::string::npos) return "";
    return line.substr(open + 1, close - open - 1);
}

}  // namespace

namespace {
FakeSmtp::Options options_of(FakeSmtp::Mode mode, bool advertise_auth) {
    FakeSmtp::Options o;
    o.mode = mode;
    o.auth = advertise_auth ? "PLAIN" : "";
    return o;
}

std::shared_ptr<void> server_context(const FakeSmtp::Options& o) {
    if (o.cert_file.empty()) return nullptr;
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr || SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        if (ctx != nullptr) SSL_CTX_free(ctx);
        throw std::runtime_error("fake SMTP: cannot load " + o.cert_file);
    }
    return std::shared_ptr<void>(ctx, [](void* c) { SSL_CTX_free(static_cast<SSL_CTX*>(c)); });
}
}  // namespace

FakeSmtp::FakeSmtp(Mode mode, bool advertise_auth) : FakeSmtp(options_of(mode, advertise_auth)) {}

FakeSmtp::FakeSmtp(Options options)
    : options_(std::move(options)),
      tls_context_(server_context(options_)),
      server_([this](int fd) { serve(fd); }) {}

std::vector<FakeSmtp::Message> FakeSmtp::messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
}

int FakeSmtp::refusals() const {
    std::lock_guard<std::mutex> lock(mu_);
    return refusals_;
}

int FakeSmtp::auth_attempts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return auth_attempts_;
}

std::optional<FakeSmtp::Message> FakeSmtp::wait_message(std::size_t n,
                                                        std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; })) return std::nullopt;
    return messages_[n - 1];
}

void FakeSmtp::serve(int fd) {
    Conn conn;
    conn.fd = fd;
    std::string line;
    Message current;
    const auto say = [&](const std::string& text) { return conn.write(text + "\r\n"); };
    if (options_.implicit_tls && !conn.start_tls(tls_context_)) return;
    current.tls = conn.ssl != nullptr;
    if (!say("220 fake.smtp.test ESMTP ready")) return;
    while (conn.read_line(line)) {
        const std::string verb = upper(line.substr(0, line.find(' ')));
        if (verb == "EHLO" || verb == "HELO") {
            std::string answer = "250-fake.smtp.test";
            if (tls_context_ && conn.ssl == nullptr) answer += "\r\n250-STARTTLS";
            if (!options_.auth.empty()) answer += "\r\n250-AUTH " + options_.auth;
            say(answer + "\r\n250 8BITMIME");
        } else if (verb == "STARTTLS" && tls_context_ && conn.ssl == nullptr) {
            say("220 2.0.0 Ready to start TLS");
            if (!conn.start_tls(tls_context_)) return;
            current = Message{};
            current.tls = true;
        } else if (verb == "AUTH") {
            {
                std::lock_guard<std::mutex> lock(mu_);
                ++auth_attempts_;
            }
            const std::string mechanism =
                line.size() > 5 ? upper(line.substr(5, line.find(' ', 5) - 5)) : "";
            if (mechanism == "LOGIN") {
                std::string user, password;
                say("334 VXNlcm5hbWU6");
                if (!conn.read_line(user)) return;
                say("334 UGFzc3dvcmQ6");
                if (!conn.read_line(password)) return;
                current.login_user = core::base64_decode(user).value_or("?");
                current.login_password = core::base64_decode(password).value_or("?");
            } else {
                // "AUTH PLAIN <base64>" or "AUTH PLAIN", then the answer on its own line.
                const auto sp = line.find(' ', 5);
                if (sp != std::string::npos) {
                    current.auth = line.substr(sp + 1);
                } else {
                    say("334 ");
                    if (!conn.read_line(current.auth)) return;
                }
            }
            if (options_.mode == Mode::refuse_auth) {
                say("535 5.7.8 Authentication credentials invalid");
            } else {
                say("235 2.7.0 Authentication successful");
            }
        } else if (verb == "MAIL") {
            current.mail_from = angle_address(line);
            current.rcpt.clear();
            say("250 2.1.0 Ok");
        } else if (verb == "RCPT") {
            if (options_.mode == Mode::refuse_recipient) {
                {
                    std::lock_guard<std::mutex> lock(mu_);
                    ++refusals_;
                }
                say("550 5.7.1 Relaying denied");
            } else {
                current.rcpt.push_back(angle_address(line));
                say("250 2.1.5 Ok");
            }
        } else if (verb == "DATA") {
            say("354 End data with <CR><LF>.<CR><LF>");
            std::string data;
            for (;;) {
                if (!conn.read_line(line)) return;
                if (options_.mode == Mode::drop_during_data) return;
                if (line == ".") break;
                if (line.rfind("..", 0) == 0) line.erase(0, 1);
                data += line + "\r\n";
            }
            current.data = data;
            {
                std::lock_guard<std::mutex> lock(mu_);
                messages_.push_back(current);
            }
            cv_.notify_all();
            say("250 2.0.0 Ok: queued");
        } else if (verb == "RSET" || verb == "NOOP") {
            say("250 2.0.0 Ok");
        } else if (verb == "QUIT") {
            say("221 2.0.0 Bye");
            return;
        } else {
            say("502 5.5.2 Command not recognized");
        }
    }
}

TestCertificate make_test_certificate(const std::string& dir,
                                      const std::string& subject_alt_names) {
    TestCertificate out{dir + "/relay-cert.pem", dir + "/relay-key.pem"};
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=relay.test -addext "
        "subjectAltName=" +
        subject_alt_names + " -keyout " + out.key_file + " -out " + out.cert_file +
        " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl req failed");
    return out;
}

int closed_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = 0;
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
        port = ntohs(a.sin_port);
    }
    ::close(fd);
    return port;
}

}  // namespace twintrack::test_support
