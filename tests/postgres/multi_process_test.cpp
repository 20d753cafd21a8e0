// Several processes on one database, played by several engines in this test program,
// each with its own connection to the same store: a due job runs in one of them, an
// outbox post is sent by one of them, and what a process that died had claimed goes to
// another once its lease has run out. Time is the fake clock's, so no test sleeps. Runs
// on PostgreSQL (postgres_tests; with TWINTRACK_TEST_STORE unset, on two connections to
// one SQLite file).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "bot/engine.hpp"
#include "bot/turn.hpp"
#include "core/source_dir.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_store.hpp"

namespace twintrack::testing {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const core::Timestamp start = core::from_millis(1793606400000);  // 2026-11-02 08:00 UTC

/// What every "process" saw, shared by the handlers of all of them.
struct Record {
    std::mutex mu;
    std::map<std::string, std::vector<std::string>> runs;  ///< job key -> processes
    std::map<std::string, std::vector<std::string>> sent;  ///< post text -> processes
};

/// One process: its own connection to the store, its own engine and connector.
class Process {
  public:
    Process(const std::string& name, const std::string& url, const core::Clock& clock,
            Record& record)
        : name_(name), record_(record) {
        store_ = store::Store::open_url(url, core::to_millis(clock.now()));
        bot::BotSettings settings;
        settings.leases.holder = name;
        settings.welcome.enabled = false;
        engine_ = std::make_unique<bot::Engine>(
            *store_, clock, bot::Prompts::load(core::source_dir() + "/prompts", "en"), settings);
        engine_->scheduler().on("test.work", [this](bot::Turn& turn, const nlohmann::json& p) {
            const std::string key = p.value("key", "");
            {
                std::lock_guard<std::mutex> lock(record_.mu);
                record_.runs[key].push_back(name_);
            }
            turn.audit("test.work", {{"key", key}});
            turn.post({"test", "general", ""}, "en", "core.button.person",
                      {{"name", "done " + key}, {"department", "test"}});
            // A copy: the hook may replace itself.
            if (auto hook = during_job_) hook();
        });
        engine_->add_outlet("test", [this](const core::Post& post, core::SendDone done) {
            {
                std::lock_guard<std::mutex> lock(record_.mu);
                record_.sent[post.text].push_back(name_);
            }
            if (hold_sends_) {
                held_.push_back(std::move(done));
                return;
            }
            core::SendResult sent;
            sent.ok = true;
            sent.message_id = "remote-" + post.text;
            done(sent);
        });
    }

    bot::Engine& engine() { return *engine_; }
    store::Store& store() { return *store_; }
    const std::string& name() const { return name_; }
    /// Runs everything due now, on the calling thread.
    void drain() { engine_->drain(); }
    /// Sends go out but are not confirmed (the process dies before it hears back).
    void hold_sends() { hold_sends_ = true; }
    /// Runs inside every job, after its work.
    void during_job(std::function<void()> f) { during_job_ = std::move(f); }

  private:
    std::string name_;
    Record& record_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<bot::Engine> engine_;
    bool hold_sends_ = false;
    std::vector<core::SendDone> held_;
    std::function<void()> during_job_;
};

void schedule(store::Store& s, const std::string& key, core::Timestamp due) {
    store::Job job;
    job.kind = "test.work";
    job.key = key;
    job.payload = nlohmann::json{{"key", key}}.dump();
    job.due_at = core::to_millis(due);
    ASSERT_TRUE(s.jobs().schedule(job));
}

std::int64_t audit_count(store::Store& s) {
    return s.db().scalar("SELECT count(*) FROM audit_log WHERE action = 'test.work'").value_or(-1);
}

TEST(MultiProcess, EachDueJobRunsInExactlyOneOfTwoProcessesWorkingAtOnce) {
    test_support::TempDir dir;
    const std::string url = test_support::new_store_url(dir);
    core::FakeClock clock(start);
    Record record;
    Process a("a", url, clock, record);
    Process b("b", url, clock, record);
    constexpr int jobs = 40;
    for (int i = 0; i < jobs; ++i) schedule(a.store(), "job-" + std::to_string(i), start);
    // Both claim and run at the same moment, each on its own thread.
    std::thread ta([&] { a.drain(); });
    std::thread tb([&] { b.drain(); });
    ta.join();
    tb.join();
    ASSERT_EQ(record.runs.size(), static_cast<std::size_t>(jobs));
    for (const auto& [key, who] : record.runs) {
        SCOPED_TRACE(key);
        EXPECT_EQ(who.size(), 1u);
        EXPECT_EQ(a.store().jobs().status(key), "done");
        EXPECT_EQ(a.store().jobs().claim(key), std::nullopt);  // finished: no claim left
    }
    EXPECT_EQ(audit_count(a.store()), jobs);
    // Nothing runs again later, in either process.
    clock.advance(seconds(120));
    a.drain();
    b.drain();
    std::size_t total = 0;
    for (const auto& [key, who] : record.runs) total += who.size();
    EXPECT_EQ(total, static_cast<std::size_t>(jobs));
}

TEST(MultiProcess, AJobClaimedByAProcessThatDiedRunsElsewhereOnceTheLeaseRunsOut) {
    test_support::TempDir dir;
    const std::string url = test_support::new_store_url(dir);
    core::FakeClock clock(start);
    Record record;
    Process b("b", url, clock, record);
    schedule(b.store(), "digest", start);
    {
        // Process "a" claims the job and dies before finishing it.
        auto a = store::Store::open_url(url, core::to_millis(start));
        const auto claimed =
            a->jobs().claim_due(core::to_millis(start), 10, "a", core::to_millis(start) + 30000);
        ASSERT_EQ(claimed.size(), 1u);
    }
    b.drain();
    EXPECT_THAT(record.runs, IsEmpty());
    clock.advance(seconds(29));
    b.drain();
    EXPECT_THAT(record.runs, IsEmpty()) << "taken over before the lease ran out";
    clock.advance(seconds(1));
    b.drain();
    EXPECT_THAT(record.runs["digest"], ElementsAre("b"));
    EXPECT_EQ(b.store().jobs().status("digest"), "done");
    EXPECT_EQ(audit_count(b.store()), 1);
}

TEST(MultiProcess, ASlowRunWhoseLeaseRanOutIsUndoneWhenAnotherProcessTookTheJob) {
    if (!test_support::testing_postgres()) {
        // On SQLite the slow run holds the one write lock, so nobody can take over.
        GTEST_SKIP() << "PostgreSQL only";
    }
    test_support::TempDir dir;
    const std::string url = test_support::new_store_url(dir);
    core::FakeClock clock(start);
    Record record;
    Process a("a", url, clock, record);
    Process b("b", url, clock, record);
    schedule(a.store(), "digest", start);
    // "a" hangs in the job past its lease; meanwhile "b" takes the job and finishes it.
    a.during_job([&] {
        a.during_job(nullptr);
        clock.advance(seconds(31));
        std::thread other([&] { b.drain(); });
        other.join();
    });
    a.drain();
    EXPECT_THAT(record.runs["digest"], ElementsAre("a", "b"));
    // Only b's run counts: a's writes and its post were rolled back.
    EXPECT_EQ(audit_count(a.store()), 1);
    EXPECT_EQ(a.store().jobs().status("digest"), "done");
    EXPECT_THAT(record.sent["done digest (test)"], ElementsAre("b"));
}

TEST(MultiProcess, EachOutboxPostIsSentByExactlyOneOfTwoProcessesWorkingAtOnce) {
    test_support::TempDir dir;
    const std::string url = test_support::new_store_url(dir);
    core::FakeClock clock(start);
    Record record;
    Process a("a", url, clock, record);
    Process b("b", url, clock, record);
    constexpr int posts = 40;
    {
        // Queued by a third process (e.g. `twintrack import`), claimed by nobody yet.
        auto c = store::Store::open_url(url, core::to_millis(start));
        for (int i = 0; i < posts; ++i) {
            store::OutboxEntry e;
            e.connector = "test";
            e.channel = "general";
            e.text = "post " + std::to_string(i);
            c->outbox().enqueue(e, core::to_millis(start));
        }
    }
    std::thread ta([&] { a.drain(); });
    std::thread tb([&] { b.drain(); });
    ta.join();
    tb.join();
    ASSERT_EQ(record.sent.size(), static_cast<std::size_t>(posts));
    for (const auto& [text, who] : record.sent) {
        SCOPED_TRACE(text);
        EXPECT_EQ(who.size(), 1u);
    }
    EXPECT_EQ(a.store().outbox().pending_count(), 0);
}

TEST(MultiProcess, ADedupeKeyHoldsAcrossProcesses) {
    test_support::TempDir dir;
    const std::string url = test_support::new_store_url(dir);
    auto a = store::Store::open_url(url, core::to_millis(start));
    auto b = store::Store::open_url(url, core::to_millis(start));
    store::OutboxEntry e;
    e.connector = "test";
    e.channel = "general";
    e.text = "weekly digest";
    e.dedupe_key = "digest:2026-W45";
    bool first = false, second = false;
    const auto id_a = a->outbox().enqueue(e, core::to_millis(start), &first);
    const auto id_b = b->outbox().enqueue(e, core::to_millis(start), &second);
    EXPECT_TRUE(first);
    EXPECT_FALSE(second);
    EXPECT_EQ(id_a, id_b);
    EXPECT_EQ(a->outbox().pending_count(), 1);
}

TEST(MultiProcess, APostWhoseSenderDiedBeforeTheConfirmationIsSentAgainAfterTheLease) {
    test_support::TempDir dir;
    const std::string url = test_support::new_store_url(dir);
    core::FakeClock clock(start);
    Record record;
    Process a("a", url, clock, record);
    Process b("b", url, clock, record);
    a.hold_sends();  // "a" hands the post to the platform and dies before hearing back
    schedule(a.store(), "digest", start);
    a.drain();
    EXPECT_THAT(record.runs["digest"], ElementsAre("a"));
    EXPECT_THAT(record.sent["done digest (test)"], ElementsAre("a"));
    b.drain();
    clock.advance(seconds(29));
    b.drain();
    EXPECT_THAT(record.sent["done digest (test)"], ElementsAre("a")) << "sent twice at once";
    clock.advance(seconds(1));
    b.drain();
    // At least once: the post goes out again, by the process that is alive; the job is
    // not run again.
    EXPECT_THAT(record.sent["done digest (test)"], ElementsAre("a", "b"));
    EXPECT_THAT(record.runs["digest"], ElementsAre("a"));
    EXPECT_EQ(b.store().outbox().pending_count(), 0);
}

TEST(MultiProcess, AConnectorRunsInTheProcessHoldingItsLeaseAndMovesWhenTheLeaseLapses) {
    test_support::TempDir dir;
    const std::string url = test_support::new_store_url(dir);
    core::FakeClock clock(start);
    Record record;
    Process a("a", url, clock, record);
    Process b("b", url, clock, record);
    std::vector<std::string> changes;  // "a+" gained, "a-" lost
    a.engine().add_connector_lease("test",
                                   [&](bool held) { changes.push_back(held ? "a+" : "a-"); });
    b.engine().add_connector_lease("test",
                                   [&](bool held) { changes.push_back(held ? "b+" : "b-"); });
    a.drain();
    b.drain();
    EXPECT_THAT(changes, ElementsAre("a+"));
    EXPECT_THAT(a.engine().held_leases(), ElementsAre("connector:test"));
    EXPECT_THAT(b.engine().held_leases(), IsEmpty());
    EXPECT_EQ(a.engine().telemetry()->value("twintrack_lease_held", {{"lease", "connector:test"}}),
              1);
    EXPECT_EQ(b.engine().telemetry()->value("twintrack_lease_held", {{"lease", "connector:test"}}),
              0);
    // A post for the connector queued by b is left to a, the holder.
    {
        store::OutboxEntry e;
        e.connector = "test";
        e.channel = "general";
        e.text = "for the holder";
        b.store().outbox().enqueue(e, core::to_millis(clock.now()));
    }
    b.drain();
    EXPECT_THAT(record.sent["for the holder"], IsEmpty());
    a.drain();
    EXPECT_THAT(record.sent["for the holder"], ElementsAre("a"));
    // The holder renews while alive: b never takes over.
    for (int i = 0; i < 10; ++i) {
        clock.advance(seconds(10));
        a.drain();
        b.drain();
    }
    EXPECT_THAT(changes, ElementsAre("a+"));
    // a stops renewing (it died); b takes over once the lease has run out, not before.
    clock.advance(seconds(29));
    b.drain();
    EXPECT_THAT(changes, ElementsAre("a+"));
    clock.advance(seconds(3));
    b.drain();
    EXPECT_THAT(changes, ElementsAre("a+", "b+"));
    EXPECT_THAT(b.engine().held_leases(), ElementsAre("connector:test"));
    // a comes back (it hung, it did not die): it learns it lost the lease and stops.
    a.drain();
    EXPECT_THAT(changes, ElementsAre("a+", "b+", "a-"));
    EXPECT_THAT(a.engine().held_leases(), IsEmpty());
}

TEST(MultiProcess, AProcessThatStopsCleanlyHandsItsConnectorOverAtOnce) {
    test_support::TempDir dir;
    const std::string url = test_support::new_store_url(dir);
    core::FakeClock clock(start);
    Record record;
    Process a("a", url, clock, record);
    Process b("b", url, clock, record);
    bool b_holds = false;
    a.engine().add_connector_lease("test", [](bool) {});
    b.engine().add_connector_lease("test", [&](bool held) { b_holds = held; });
    a.drain();
    b.drain();
    ASSERT_FALSE(b_holds);
    a.engine().release_leases();
    clock.advance(seconds(2));
    b.drain();
    EXPECT_TRUE(b_holds);
    // a, stopping, does not take it back.
    a.drain();
    EXPECT_THAT(a.engine().held_leases(), IsEmpty());
}

}  // namespace
}  // namespace twintrack::testing
