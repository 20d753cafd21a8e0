#pragma once
// Shared by the IRC connector tests: a sink that records events, waiting helpers, and a
// scripted IRC server for what real servers do not offer on demand.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "connectors/irc/irc_connector.hpp"
#include "core/types.hpp"
#include "tests/support/connector_sink.hpp"

namespace twintrack::irc_test {

using namespace std::chrono_literals;
using connectors::irc::irc_status;

/// The shared collecting sink, plus how many events wait to be taken.
class FakeSink : public test_support::CollectingSink {
  public:
    std::size_t pending() { return rest().size(); }
};

inline core::SendResult send_and_wait(connectors::Connector& c, const std::string& channel,
                                      const std::string& text, const std::string& locale = "") {
    auto promise = std::make_shared<std::promise<core::SendResult>>();
    auto future = promise->get_future();
    core::Post post;
    post.to = {c.name(), channel, ""};
    post.text = text;
    post.locale = locale;
    c.send(post, [promise](core::SendResult r) { promise->set_value(std::move(r)); });
    if (future.wait_for(15s) != std::future_status::ready) return {false, "", "no answer", false};
    return future.get();
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return pred();
}

/// True once the connector is in `channel` and the replay burst after its JOIN is over,
/// so what people say now is live.
inline bool joined(const connectors::Connector& c, const std::string& channel) {
    auto s = irc_status(c);
    return s.registered && std::find(s.live.begin(), s.live.end(), channel) != s.live.end();
}

/// A scripted IRC server for what ngircd does not offer (SASL, message tags): accepts
/// one connection and lets the test read and write lines.
class ScriptedServer {
  public:
    ScriptedServer() {
        listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        socklen_t len = sizeof addr;
        ::getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        ::listen(listen_, 1);
    }
    ~ScriptedServer() {
        if (conn_ >= 0) ::close(conn_);
        ::close(listen_);
    }
    int port() const { return port_; }
    bool accept(std::chrono::milliseconds timeout = 5s) {
        pollfd p{listen_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
        conn_ = ::accept(listen_, nullptr, nullptr);
        return conn_ >= 0;
    }
    void send_line(const std::string& line) {
        const std::string data = line + "\r\n";
        ::send(conn_, data.data(), data.size(), MSG_NOSIGNAL);
    }
    /// The next line the client sent that starts with `prefix` (earlier ones are skipped).
    std::optional<std::string> expect(const std::string& prefix,
                                      std::chrono::milliseconds timeout = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            std::size_t nl;
            while ((nl = buf_.find("\r\n")) != std::string::npos) {
                std::string line = buf_.substr(0, nl);
                buf_.erase(0, nl + 2);
                if (line.rfind(prefix, 0) == 0) return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{conn_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
            char chunk[4096];
            const ssize_t n = ::recv(conn_, chunk, sizeof chunk, 0);
            if (n <= 0) return std::nullopt;
            buf_.append(chunk, static_cast<std::size_t>(n));
        }
    }

  private:
    int listen_ = -1;
    int conn_ = -1;
    int port_ = 0;
    std::string buf_;
};

}  // namespace twintrack::irc_test
