#pragma once
// Helpers of the tests that run several real `twintrack run` processes on one
// PostgreSQL: a process with its own hub port and data folder, a person connected to one
// hub, a loopback port nobody listens on.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/integration/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"

namespace twintrack::testing {

using namespace std::chrono_literals;

inline const std::string program = TWINTRACK_BINARY;

/// A loopback port nobody listens on (the IRC server the connector keeps trying).
inline int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

/// One `twintrack run` with its own hub (on a free port) and data folder.
struct Instance {
    test_support::TempDir data;
    std::unique_ptr<Process> proc;
    int port = 0;

    Instance(const std::string& config, const std::string& url) {
        proc = std::make_unique<Process>(
            program, std::vector<std::string>{"run", "--config", config, "--store", url, "--data",
                                              data.path(), "--port", "0"});
        auto line = proc->wait_for_line("listening on", 30s);
        if (!line) throw std::runtime_error("twintrack run did not start");
        port = std::stoi(line->substr(line->rfind(':') + 1));
    }

    /// Stops the process and returns what it logged (for a failure's message).
    std::string stop_and_logs() {
        proc->signal(SIGTERM);
        const auto finished = proc->wait(10s);
        return finished ? finished->err : "(still running)";
    }

    /// The leases `GET /readyz` lists.
    std::vector<std::string> leases() const {
        const auto r = test_support::http_get("127.0.0.1", port, "/readyz");
        const auto body = nlohmann::json::parse(r.body, nullptr, false);
        std::vector<std::string> out;
        if (body.is_object() && body.contains("leases")) {
            for (const auto& l : body["leases"]) out.push_back(l.get<std::string>());
        }
        return out;
    }
};

/// A person connected to one process's hub, with every chat message frame they received.
struct Client {
    test_support::WsClient ws;
    std::vector<nlohmann::json> messages;

    Client(int port, const std::string& user) {
        ws.connect("127.0.0.1", port);
        ws.send_json({{"type", "hello"}, {"user", user}});
        if (!ws.wait_for_type("welcome", 10s)) throw std::runtime_error("no welcome for " + user);
    }
    void say(const std::string& channel, const std::string& text) {
        ws.send_json({{"type", "message"}, {"channel", channel}, {"text", text}});
    }
    /// With the client's own message id (the hub makes it the event id: sent again, to any
    /// process, it is the same event).
    void say(const std::string& channel, const std::string& text, const std::string& id) {
        ws.send_json({{"type", "message"}, {"channel", channel}, {"text", text}, {"id", id}});
    }
    /// Reads message frames until `done(messages)` holds; false when it does not within
    /// `timeout` (or the connection ended first).
    bool wait_until(const std::function<bool(const std::vector<nlohmann::json>&)>& done,
                    std::chrono::milliseconds timeout = 15s) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (!done(messages)) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                until - std::chrono::steady_clock::now());
            if (left <= 0ms) return false;
            auto frame = ws.next_json(left);
            if (!frame) return done(messages);
            if (frame->value("type", "") == "message") messages.push_back(*frame);
        }
        return true;
    }
    /// Message frames whose text starts with `prefix`.
    int count_starting(const std::string& prefix) const {
        int n = 0;
        for (const auto& m : messages) n += m.value("text", "").rfind(prefix, 0) == 0 ? 1 : 0;
        return n;
    }
    /// Waits for a message frame with `text` (keeping every message frame on the way).
    std::optional<nlohmann::json> wait_text(const std::string& text,
                                            std::chrono::milliseconds timeout = 15s) {
        for (const auto& m : messages) {
            if (m.value("text", "") == text) return m;
        }
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            auto frame = ws.next_json(std::chrono::duration_cast<std::chrono::milliseconds>(
                until - std::chrono::steady_clock::now()));
            if (!frame) break;
            if (frame->value("type", "") != "message") continue;
            messages.push_back(*frame);
            if (frame->value("text", "") == text) return frame;
        }
        return std::nullopt;
    }
    int count(const std::string& text) const {
        int n = 0;
        for (const auto& m : messages) n += m.value("text", "") == text ? 1 : 0;
        return n;
    }
    /// Message ids received more than once.
    std::vector<std::string> repeated_ids() const {
        std::map<std::string, int> seen;
        std::vector<std::string> out;
        for (const auto& m : messages) {
            if (++seen[m.value("id", "")] == 2) out.push_back(m.value("id", ""));
        }
        return out;
    }
};

inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace twintrack::testing
