// Several real `twintrack run` processes on one PostgreSQL: a connector that allows one
// session (IRC) runs in exactly one of them, `GET /readyz` says which, and after
// `kill -9` of that process another one takes the connector over within the lease plus
// a few seconds. The hub runs in every process, and the people connected to one see what
// the others showed (the fan-out).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "store/store.hpp"
#include "tests/postgres/program_instances.hpp"
#include "tests/support/postgres_server.hpp"

namespace twintrack::testing {
namespace {

using namespace std::chrono_literals;
using test_support::PostgresServer;
using test_support::TempDir;

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

TEST(MultiProcessProgram, TheHubsOfTwoProcessesShowEachOthersMessagesAndPosts) {
    TempDir dir;
    const std::string url = PostgresServer::shared().create_database();
    const std::string config =
        dir.file("twintrack.yaml", "connectors:\n  - type: hub\n    name: hub\n");
    Instance a(config, url), b(config, url);
    Client ann(a.port, "ann");    // on A only
    Client bob_b(b.port, "bob");  // bob on B ...
    Client bob_a(a.port, "bob");  // ... and on A too

    // A person's channel message on A reaches the people on B, with the same id.
    ann.say("general", "hello from A");
    const auto sent = ann.wait_text("hello from A");
    ASSERT_TRUE(sent);
    const auto there = bob_b.wait_text("hello from A");

    ASSERT_TRUE(there) << "a channel message written on A never reached B\nA:\n"
                       << a.stop_and_logs() << "\nB:\n"
                       << b.stop_and_logs();
    EXPECT_EQ((*there)["id"], (*sent)["id"]);
    EXPECT_EQ((*there)["user"], "ann");

    // And the other way round.
    bob_b.say("general", "hello from B");
    ASSERT_TRUE(ann.wait_text("hello from B")) << "a channel message written on B never reached A";

    // B's name among the processes, from the row it wrote for the others.
    auto store = store::Store::open_url(url, now_ms());
    std::string process_b;
    store->db().query("SELECT origin FROM fan_out WHERE payload LIKE '%hello from B%'", {},
                      [&](const store::Row& r) { process_b = r.text(0); });
    ASSERT_FALSE(process_b.empty());

    // A channel post and a direct message to ann (connected to A only), both claimed by
    // B, so that B sends them: ann sees each once, bob the channel post once per
    // connection.
    for (const auto& [channel, text] : std::vector<std::pair<std::string, std::string>>{
             {"general", "post from B"}, {"@ann", "direct from B"}}) {
        store::OutboxEntry post;
        post.connector = "hub";
        post.channel = channel;
        post.text = text;
        store->outbox().enqueue(post, now_ms(), nullptr,
                                std::make_pair(process_b, now_ms() + 60000));
    }
    const auto post = ann.wait_text("post from B");
    ASSERT_TRUE(post) << "a bot post sent by B never reached A";
    EXPECT_EQ((*post)["user"], "twintrack");
    const auto direct = ann.wait_text("direct from B");
    ASSERT_TRUE(direct) << "a direct message sent by B never reached its reader on A";
    EXPECT_EQ((*direct)["channel"], "@twintrack");
    ASSERT_TRUE(bob_a.wait_text("post from B"));
    ASSERT_TRUE(bob_b.wait_text("post from B"));
    std::string sender;
    store->db().query("SELECT origin FROM fan_out WHERE payload LIKE '%direct from B%'", {},
                      [&](const store::Row& r) { sender = r.text(0); });
    EXPECT_EQ(sender, process_b);

    // Everything said so far has arrived everywhere once the last word has.
    ann.say("general", "the end");
    for (Client* c : {&ann, &bob_a, &bob_b}) {
        SCOPED_TRACE(c == &ann ? "ann on A" : c == &bob_a ? "bob on A" : "bob on B");
        ASSERT_TRUE(c->wait_text("the end"));
        EXPECT_THAT(c->repeated_ids(), ::testing::IsEmpty()) << "a message was shown twice";
        EXPECT_EQ(c->count("hello from A"), 1);
        EXPECT_EQ(c->count("hello from B"), 1);
        EXPECT_EQ(c->count("post from B"), 1);
        EXPECT_EQ(c->count("direct from B"), c == &ann ? 1 : 0);
    }

    // A's history has what B showed, once: someone connecting to A later reads it.
    Client late(a.port, "cid");
    const auto history = late.ws.wait_for(
        [](const nlohmann::json& f) {
            return f.value("type", "") == "history" && f.value("channel", "") == "general";
        },
        10s);
    ASSERT_TRUE(history);
    std::vector<std::string> texts;
    for (const auto& m : (*history)["messages"]) texts.push_back(m.value("text", ""));
    EXPECT_THAT(texts,
                ::testing::ElementsAre("hello from A", "hello from B", "post from B", "the end"));
}

}  // namespace
}  // namespace twintrack::testing
