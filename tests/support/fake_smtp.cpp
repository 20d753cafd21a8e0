#include "tests/support/fake_smtp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace twintrack::test_support {
namespace {

// Reads one CRLF-terminated line (without the CRLF); false when the peer closed.
bool read_line(int fd, std::string& pending, std::string& line) {
    for (;;) {
        const auto end = pending.find("\r\n");
        if (end != std::string::npos) {
            line = pending.substr(0, end);
            pending.erase(0, end + 2);
            return true;
        }
        char buf[4096];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return false;
        pending.append(buf, static_cast<std::size_t>(n));
    }
}

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

FakeSmtp::FakeSmtp(Mode mode, bool advertise_auth)
    : mode_(mode), advertise_auth_(advertise_auth), server_([this](int fd) { serve(fd); }) {}

std::vector<FakeSmtp::Message> FakeSmtp::messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
}

int FakeSmtp::refusals() const {
    std::lock_guard<std::mutex> lock(mu_);
    return refusals_;
}

std::optional<FakeSmtp::Message> FakeSmtp::wait_message(std::size_t n,
                                                        std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; })) return std::nullopt;
    return messages_[n - 1];
}

void FakeSmtp::serve(int fd) {
    std::string pending, line;
    Message current;
    const auto say = [&](const std::string& text) { return write_all(fd, text + "\r\n"); };
    if (!say("220 fake.smtp.test ESMTP ready")) return;
    while (read_line(fd, pending, line)) {
        const std::string verb = upper(line.substr(0, line.find(' ')));
        if (verb == "EHLO" || verb == "HELO") {
            say(advertise_auth_ ? "250-fake.smtp.test\r\n250-AUTH PLAIN\r\n250 8BITMIME"
                                : "250-fake.smtp.test\r\n250 8BITMIME");
        } else if (verb == "AUTH") {
            // "AUTH PLAIN <base64>" or "AUTH PLAIN", then the answer on its own line.
            const auto sp = line.find(' ', 5);
            if (sp != std::string::npos) {
                current.auth = line.substr(sp + 1);
            } else {
                say("334 ");
                if (!read_line(fd, pending, current.auth)) return;
            }
            say("235 2.7.0 Authentication successful");
        } else if (verb == "MAIL") {
            current.mail_from = angle_address(line);
            current.rcpt.clear();
            say("250 2.1.0 Ok");
        } else if (verb == "RCPT") {
            if (mode_ == Mode::refuse_recipient) {
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
                if (!read_line(fd, pending, line)) return;
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
