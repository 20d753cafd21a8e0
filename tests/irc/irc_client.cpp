#include "tests/irc/irc_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace twintrack::irc_test {

using connectors::irc::format_message;
using connectors::irc::parse_message;
using connectors::irc::same_name;
using Clock = std::chrono::steady_clock;

IrcClient::IrcClient(int port, std::string nick) : nick_(std::move(nick)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("cannot connect to the IRC server");
    }
    send_line(format_message("NICK", {nick_}));
    send_line(format_message("USER", {nick_, "0", "*", "Test client"}));
    if (!wait_for([](const Message& m) { return m.command == "001"; })) {
        throw std::runtime_error("IRC registration of " + nick_ + " failed");
    }
}

IrcClient::~IrcClient() {
    if (fd_ >= 0) ::close(fd_);
}

void IrcClient::send_line(const std::string& line) {
    const std::string data = line + "\r\n";
    std::size_t sent = 0;
    while (fd_ >= 0 && sent < data.size()) {
        const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("IRC client send failed");
        sent += static_cast<std::size_t>(n);
    }
}

void IrcClient::join(const std::string& channel, const std::string& key) {
    send_line(key.empty() ? format_message("JOIN", {channel})
                          : format_message("JOIN", {channel, key}));
    const std::string me = nick_;
    if (!wait_for([&](const Message& m) {
            return m.command == "JOIN" && same_name(m.nick(), me) && same_name(m.param(0), channel);
        })) {
        throw std::runtime_error(nick_ + " could not join " + channel);
    }
}

void IrcClient::say(const std::string& target, const std::string& text) {
    send_line(format_message("PRIVMSG", {target, text}));
}

bool IrcClient::read_some(std::chrono::milliseconds timeout) {
    if (fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char chunk[8192];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
        ::close(fd_);
        fd_ = -1;
        return false;
    }
    buf_.append(chunk, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = buf_.find('\n')) != std::string::npos) {
        auto m = parse_message(buf_.substr(0, nl));
        buf_.erase(0, nl + 1);
        if (!m) continue;
        if (m->command == "PING") {
            send_line(format_message("PONG", m->params));
            continue;
        }
        kept_.push_back(std::move(*m));
    }
    return true;
}

std::optional<Message> IrcClient::wait_for(const std::function<bool(const Message&)>& match,
                                           std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::size_t checked = 0;
    while (true) {
        for (; checked < kept_.size(); ++checked) {
            if (match(kept_[checked])) {
                Message m = std::move(kept_[checked]);
                kept_.erase(kept_.begin() + static_cast<long>(checked));
                return m;
            }
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0 || fd_ < 0) return std::nullopt;
        read_some(left);
    }
}

std::optional<Message> IrcClient::next_privmsg(const std::string& from,
                                               std::chrono::milliseconds timeout) {
    return wait_for(
        [&](const Message& m) { return m.command == "PRIVMSG" && same_name(m.nick(), from); },
        timeout);
}

std::vector<std::string> IrcClient::privmsgs_until_quiet(const std::string& from,
                                                         std::chrono::milliseconds quiet) {
    std::vector<std::string> out;
    while (auto m = next_privmsg(from, quiet)) out.push_back(m->param(1));
    return out;
}

}  // namespace twintrack::irc_test
