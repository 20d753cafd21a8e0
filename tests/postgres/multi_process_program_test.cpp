// Several real `twintrack run` processes on one PostgreSQL: a connector that allows one
// session (IRC) runs in exactly one of them, `GET /readyz` says which, and after
// `kill -9` of that process another one takes the connector over within the lease plus
// a few seconds.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "tests/integration/process.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"

namespace twintrack::testing {
namespace {

using namespace std::chrono_literals;
using test_support::PostgresServer;
using test_support::TempDir;

const std::string program = TWINTRACK_BINARY;

/// A loopback port nobody listens on (the IRC server the connector keeps trying).
int closed_port() {
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
    TempDir data;
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

TEST(MultiProcessProgram, TheIrcConnectorMovesToAnotherProcessAfterKill9) {
    TempDir dir;
    const std::string url = PostgresServer::shared().create_database();
    const std::string config = dir.file("twintrack.yaml",
                                        "leases:\n"
                                        "  connector_seconds: 5\n"
                                        "connectors:\n"
                                        "  - type: hub\n"
                                        "    name: hub\n"
                                        "  - type: irc\n"
                                        "    name: irc\n"
                                        "    server: 127.0.0.1\n"
                                        "    port: " +
                                            std::to_string(closed_port()) + "\n");
    std::vector<std::unique_ptr<Instance>> all;
    for (int i = 0; i < 3; ++i) all.push_back(std::make_unique<Instance>(config, url));

    // Exactly one of the three holds the IRC connector's lease.
    const auto holders = [&] {
        std::vector<int> out;
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (all[i] && all[i]->leases() == std::vector<std::string>{"connector:irc"}) {
                out.push_back(static_cast<int>(i));
            }
        }
        return out;
    };
    std::vector<int> held;
    for (auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(100ms)) {
        held = holders();
        if (!held.empty()) break;
    }
    ASSERT_EQ(held.size(), 1u) << test_support::http_get("127.0.0.1", all[0]->port, "/readyz").body;
    const int first = held[0];

    // kill -9: no clean stop, the lease is not given back. Another process holds it
    // within the lease (5 s) plus 5 s.
    all[first]->proc->signal(SIGKILL);
    all[first]->proc->wait(10s);
    all[first].reset();
    const auto killed_at = std::chrono::steady_clock::now();
    held.clear();
    while (std::chrono::steady_clock::now() < killed_at + 10s) {
        held = holders();
        if (!held.empty()) break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(held.size(), 1u) << "no process took the IRC connector over within 10 s";
    EXPECT_NE(held[0], first);
    // For the record (not asserted): how long the take-over took.
    std::cout << "connector taken over "
              << std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - killed_at)
                     .count()
              << " ms after kill -9 (lease 5 s)\n";
}

}  // namespace
}  // namespace twintrack::testing
