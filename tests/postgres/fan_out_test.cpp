// The fan-out feed among processes on one PostgreSQL database (store/fan_out.hpp): what
// one process's hub showed reaches the others once, in order, never back to itself; a
// row whose transaction commits late is not skipped; old rows are pruned. Then two
// engines, each with its own connection, pass what their "hub" showed to each other.

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include "bot/engine.hpp"
#include "core/source_dir.hpp"
#include "store/store.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::store {
namespace {

using test_support::eventually;
using test_support::PostgresServer;

const std::int64_t t0 = 1793606400000;  // 2026-11-02 08:00 UTC

FanOutEvent shown(const std::string& text, const std::string& origin, std::int64_t at = t0) {
    return {0, "hub", "message", "general", "{\"text\":\"" + text + "\"}", origin, at};
}

std::vector<std::string> payloads(const std::vector<FanOutEvent>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.payload);
    return out;
}

struct TwoProcesses : ::testing::Test {
    std::string url = PostgresServer::shared().create_database();
    std::unique_ptr<Store> a = Store::open_url(url, t0);
    std::unique_ptr<Store> b = Store::open_url(url, t0);
};

TEST_F(TwoProcesses, WhatOneShowedReachesTheOtherOnceAndNeverItself) {
    EXPECT_TRUE(a->db().shared_by_processes());
    FanOutCursor at_a, at_b;
    at_a.start(a->fan_out());
    at_b.start(b->fan_out());
    const std::int64_t version = b->db().fan_out_version();

    a->fan_out().append(shown("one", "A"));
    a->fan_out().append(shown("two", "A"));
    b->fan_out().append(shown("three", "B"));
    // B is woken without asking the server (the notification is pushed to it).
    EXPECT_TRUE(eventually([&] { return b->db().fan_out_version() != version; }));

    EXPECT_EQ(payloads(at_b.read(b->fan_out(), "B", 0)),
              (std::vector<std::string>{"{\"text\":\"one\"}", "{\"text\":\"two\"}"}));
    EXPECT_TRUE(at_b.read(b->fan_out(), "B", 0).empty()) << "shown twice";
    const auto at_a_rows = at_a.read(a->fan_out(), "A", 0);
    ASSERT_EQ(at_a_rows.size(), 1u);
    EXPECT_EQ(at_a_rows[0].payload, "{\"text\":\"three\"}");
    EXPECT_EQ(at_a_rows[0].origin, "B");
    EXPECT_EQ(at_a_rows[0].target, "general");
    EXPECT_FALSE(at_a.waiting_for_gaps());
}

TEST_F(TwoProcesses, ARowWhoseTransactionCommitsLateIsNotSkipped) {
    FanOutCursor at_b;
    at_b.start(b->fan_out());
    // A takes the next id in a transaction still open; a third session commits a later
    // id meanwhile, and B reads that one first.
    auto c = Store::open_url(url, t0);
    a->db().begin();
    a->fan_out().append(shown("late", "A"));
    c->fan_out().append(shown("early", "C"));
    EXPECT_EQ(payloads(at_b.read(b->fan_out(), "B", 1000)),
              std::vector<std::string>{"{\"text\":\"early\"}"});
    EXPECT_TRUE(at_b.waiting_for_gaps());
    a->db().commit();
    EXPECT_EQ(payloads(at_b.read(b->fan_out(), "B", 2000)),
              std::vector<std::string>{"{\"text\":\"late\"}"});
    EXPECT_FALSE(at_b.waiting_for_gaps());

    // A row rolled back leaves a gap that is given up after the wait (10 s by default).
    a->db().begin();
    a->fan_out().append(shown("never", "A"));
    a->db().rollback();
    c->fan_out().append(shown("after", "C"));
    EXPECT_EQ(payloads(at_b.read(b->fan_out(), "B", 3000)),
              std::vector<std::string>{"{\"text\":\"after\"}"});
    EXPECT_TRUE(at_b.waiting_for_gaps());
    EXPECT_TRUE(at_b.read(b->fan_out(), "B", 12999).empty());
    EXPECT_TRUE(at_b.waiting_for_gaps());
    EXPECT_TRUE(at_b.read(b->fan_out(), "B", 13000).empty());
    EXPECT_FALSE(at_b.waiting_for_gaps());
}

TEST_F(TwoProcesses, ReadsMoreThanOneBatch) {
    FanOutCursor at_b;
    at_b.start(b->fan_out());
    const auto began = std::chrono::steady_clock::now();
    for (int i = 0; i < 1200; ++i) a->fan_out().append(shown(std::to_string(i), "A"));
    const auto appended = std::chrono::steady_clock::now();
    a->db().begin();
    for (int i = 1200; i < 2400; ++i) a->fan_out().append(shown(std::to_string(i), "A"));
    a->db().commit();
    const auto batched = std::chrono::steady_clock::now();
    const auto rows = at_b.read(b->fan_out(), "B", 0);
    // For the record (not asserted): what a row costs the writer and the reader.
    const auto us = [](auto d) {
        return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    };
    std::cout << "fan-out: 1200 rows appended one by one in " << us(appended - began) / 1000
              << " ms, 1200 in one transaction in " << us(batched - appended) / 1000
              << " ms; 2400 read in " << us(std::chrono::steady_clock::now() - batched) / 1000
              << " ms\n";
    ASSERT_EQ(rows.size(), 2400u);
    EXPECT_EQ(rows.front().payload, "{\"text\":\"0\"}");
    EXPECT_EQ(rows.back().payload, "{\"text\":\"2399\"}");
}

TEST_F(TwoProcesses, OldRowsArePrunedByAgeAndByCount) {
    const auto count = [&] { return a->db().scalar("SELECT count(*) FROM fan_out").value_or(-1); };
    a->fan_out().append(shown("old", "A", t0 - 11 * 60 * 1000));
    for (int i = 0; i < 5; ++i) a->fan_out().append(shown(std::to_string(i), "A", t0));
    EXPECT_EQ(a->fan_out().prune(t0 - 10 * 60 * 1000, 100), 1);
    EXPECT_EQ(count(), 5);
    EXPECT_EQ(a->fan_out().prune(t0 - 10 * 60 * 1000, 3), 2);
    EXPECT_EQ(count(), 3);
    // The newest stay.
    EXPECT_EQ(b->fan_out().after(0, "B", 10).front().payload, "{\"text\":\"2\"}");
}

TEST_F(TwoProcesses, FanOutRowsDoNotMakeTheOthersReloadTheirDirectory) {
    const std::int64_t changes = b->db().change_version();
    const std::int64_t version = b->db().fan_out_version();
    a->fan_out().append(shown("chat", "A"));
    ASSERT_TRUE(eventually([&] { return b->db().fan_out_version() != version; }));
    EXPECT_EQ(b->db().change_version(), changes) << "a chat message counted as a change";
    // A real change still does.
    Person ann;
    ann.name = "Ann Example";
    ann.email = "ann@example.com";
    ann.department = "marketing";
    ann.role = "staff";
    a->people().upsert_by_email(ann, t0);
    EXPECT_NE(b->db().change_version(), changes);
}

// Two engines, each with its own connection, with a connector called "hub" that records
// what it is shown from elsewhere.
struct Seen {
    std::mutex mu;
    std::vector<std::string> payloads;
    std::vector<std::string> get() {
        std::lock_guard<std::mutex> lock(mu);
        return payloads;
    }
};

std::unique_ptr<bot::Engine> engine(Store& store, const core::Clock& clock, const std::string& me,
                                    Seen& seen) {
    bot::BotSettings settings;
    settings.leases.holder = me;
    settings.welcome.enabled = false;
    auto e = std::make_unique<bot::Engine>(
        store, clock, bot::Prompts::load(core::source_dir() + "/prompts", "en"), settings);
    e->add_outlet("hub", [](const core::Post&, core::SendDone done) {
        core::SendResult sent;
        sent.ok = true;
        done(sent);
    });
    EXPECT_TRUE(e->add_fan_out("hub", [&seen](const FanOutEvent& ev) {
        std::lock_guard<std::mutex> lock(seen.mu);
        seen.payloads.push_back(ev.kind + " " + ev.target + " " + ev.payload);
    }));
    return e;
}

TEST_F(TwoProcesses, EnginesPassWhatTheirHubShowedToEachOther) {
    core::FakeClock clock(core::from_millis(t0));
    Seen seen_a, seen_b;
    auto ea = engine(*a, clock, "A", seen_a);
    auto eb = engine(*b, clock, "B", seen_b);
    ea->drain();
    eb->drain();

    ea->fan_out("hub", "message", "general", "{\"id\":\"a-1\"}");
    ea->fan_out("hub", "post", "@bob", "{\"id\":\"a-2\"}");
    ea->drain();
    ASSERT_TRUE(eventually([&] {
        eb->drain();
        return seen_b.get().size() >= 2;
    }));
    EXPECT_EQ(seen_b.get(), (std::vector<std::string>{"message general {\"id\":\"a-1\"}",
                                                      "post @bob {\"id\":\"a-2\"}"}));
    eb->fan_out("hub", "update", "general", "{\"id\":\"a-1\"}");
    eb->drain();
    ASSERT_TRUE(eventually([&] {
        ea->drain();
        return !seen_a.get().empty();
    }));
    EXPECT_EQ(seen_a.get(), std::vector<std::string>{"update general {\"id\":\"a-1\"}"});
    // Nothing more arrives on either side (each row once, none back to its origin).
    ea->drain();
    eb->drain();
    EXPECT_EQ(seen_a.get().size(), 1u);
    EXPECT_EQ(seen_b.get().size(), 2u);
    // `/metrics`: what each passed on and showed from the other.
    EXPECT_EQ(ea->telemetry()->value("twintrack_fan_out_total", {{"direction", "out"}}), 2);
    EXPECT_EQ(ea->telemetry()->value("twintrack_fan_out_total", {{"direction", "in"}}), 1);
    EXPECT_EQ(eb->telemetry()->value("twintrack_fan_out_total", {{"direction", "out"}}), 1);
    EXPECT_EQ(eb->telemetry()->value("twintrack_fan_out_total", {{"direction", "in"}}), 2);
}

TEST(FanOutOnSqlite, NothingIsWrittenOrRead) {
    test_support::TempDir dir;
    Store store(open_sqlite(dir.path() + "/twintrack.db"), t0);
    EXPECT_FALSE(store.db().shared_by_processes());
    core::FakeClock clock(core::from_millis(t0));
    bot::BotSettings settings;
    settings.welcome.enabled = false;
    bot::Engine e(store, clock, bot::Prompts::load(core::source_dir() + "/prompts", "en"),
                  settings);
    EXPECT_FALSE(e.add_fan_out("hub", [](const FanOutEvent&) { FAIL() << "shown"; }));
}

}  // namespace
}  // namespace twintrack::store
