// Three real `twintrack run` processes on one PostgreSQL, the same configuration, and a
// burst of field reports over their hubs while one of them is killed with `kill -9`:
// every report is stored once, every "Saved report #N" a writer got names a committed
// row, scheduled jobs (three report digests, a handoff deadline, a coffee round) run
// once across the processes, the jobs the dead process had claimed run elsewhere once
// its lease ran out (not before), and its single-session connector (IRC) moves to
// another process.
//
// The program reads the real clock, so the test does not wait for Monday's digest: it
// schedules digest jobs for three past periods and brings the handoff's deadline forward
// in the jobs table, as a process would find them once their time has come.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "bot/features/reports/store/reports_store.hpp"
#include "store/store.hpp"
#include "tests/postgres/program_instances.hpp"
#include "tests/support/postgres_server.hpp"

namespace twintrack::testing {
namespace {

using test_support::PostgresServer;
using test_support::TempDir;
using ::testing::HasSubstr;

constexpr int reps = 6;              // sales people, two on each process
constexpr int reports_per_rep = 40;  // sent at once, without waiting for the answers
constexpr int lease_seconds = 5;

std::string people_csv() {
    std::string csv = "name,email,department,role,timezone,locale,working_hours,identities\n";
    csv +=
        "Mara Manager,mara@example.com,marketing,manager,Europe/Berlin,en,09:00-18:00,hub:mara\n";
    csv += "Ada Admin,ada@example.com,marketing,admin,Europe/Berlin,en,09:00-18:00,hub:ada\n";
    for (int i = 0; i < 2; ++i) {
        csv += "Mark " + std::to_string(i) + ",mk" + std::to_string(i) +
               "@example.com,marketing,staff,Europe/Berlin,en,09:00-18:00,hub:mk" +
               std::to_string(i) + "\n";
    }
    for (int i = 0; i < reps; ++i) {
        csv += "Rep " + std::to_string(i) + ",rep" + std::to_string(i) +
               "@example.com,sales,staff,Europe/Berlin,en,09:00-18:00,hub:rep" + std::to_string(i) +
               "\n";
    }
    return csv;
}

std::string report_id(int rep, int n) {
    return "r" + std::to_string(rep) + "-" + std::to_string(n);
}
/// The words of report `id` that only it has (its stored text contains them).
std::string report_mark(const std::string& id) { return "visit-" + id + "-done"; }

/// The reply frames of the bot to a writer's messages, by the message id they answer.
std::map<std::string, std::string> acks_of(const Client& c) {
    std::map<std::string, std::string> out;
    for (const auto& m : c.messages) {
        if (m.value("user", "") == "twintrack" && !m.value("reply_to", "").empty()) {
            out.emplace(m.value("reply_to", ""), m.value("text", ""));  // the first answer
        }
    }
    return out;
}

std::size_t saved_count(const std::vector<nlohmann::json>& messages) {
    std::size_t n = 0;
    for (const auto& m : messages) {
        n += m.value("user", "") == "twintrack" &&
                     m.value("text", "").rfind("Saved report #", 0) == 0
                 ? 1
                 : 0;
    }
    return n;
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(100ms);
    }
}

std::int64_t count_sql(store::Store& s, const std::string& sql, const store::Params& params = {}) {
    std::int64_t n = -1;
    s.db().query(sql, params, [&](const store::Row& r) { n = r.integer(0); });
    return n;
}

TEST(Failover, ThreeProcessesLoseNothingAndDoubleNothingWhenOneIsKilledMidBurst) {
    TempDir dir;
    const std::string url = PostgresServer::shared().create_database();
    const auto imported =
        run_program(program, {"import", "people", dir.file("people.csv", people_csv()), "--store",
                              url, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const std::string config = dir.file("twintrack.yaml",
                                        // The digests' window is a department nobody is in:
                                        // no window question reaches the writers.
                                        "reports:\n"
                                        "  windows:\n"
                                        "    - {department: management, opens: \"Fri 15:00\", "
                                        "closes: \"Mon 10:00\"}\n"
                                        "leases:\n"
                                        "  connector_seconds: " +
                                            std::to_string(lease_seconds) +
                                            "\n"
                                            "  job_seconds: " +
                                            std::to_string(lease_seconds) +
                                            "\n"
                                            "  outbox_seconds: " +
                                            std::to_string(lease_seconds) +
                                            "\n"
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
    auto store = store::Store::open_url(url, now_ms());

    // The process to kill is the one holding the IRC connector.
    int victim = -1;
    ASSERT_TRUE(eventually(
        [&] {
            for (int i = 0; i < 3; ++i) {
                if (all[i]->leases() == std::vector<std::string>{"connector:irc"}) victim = i;
            }
            return victim >= 0;
        },
        15s))
        << "no process took the IRC connector";
    const auto lease = store->leases().get("connector:irc");
    ASSERT_TRUE(lease);
    const std::string victim_name = lease->holder;
    const int survivor = (victim + 1) % 3;

    // Before the burst: a customer handed to rep0 (its deadline is a job), and the
    // general channel follows both departments' news (the digests are posted there).
    Client mara(all[survivor]->port, "mara");
    Client ada(all[survivor]->port, "ada");
    struct Step {
        Client* who;
        std::string text;
        std::string expect;
    };
    for (const Step& step : std::vector<Step>{{&mara, "engagement new Acme", "Acme"},
                                              {&mara, "handoff Acme to @rep0", "handed to Rep 0"},
                                              {&ada, "track set general joint", "general"}}) {
        SCOPED_TRACE(step.text);
        Client& who = *step.who;
        const std::string id = "setup-" + step.text.substr(0, 5);
        who.say("@twintrack", step.text, id);
        ASSERT_TRUE(who.wait_until([&](const auto&) { return acks_of(who).count(id) > 0; }))
            << "no answer to " << step.text;
        EXPECT_THAT(acks_of(who)[id], HasSubstr(step.expect));
    }
    std::string handoff_job;
    store->db().query("SELECT key FROM jobs WHERE kind = 'engagements.handoff_deadline'", {},
                      [&](const store::Row& r) { handoff_job = r.text(0); });
    ASSERT_FALSE(handoff_job.empty());

    // The burst: two writers on each process send all their reports at once; the coffee
    // programme starts meanwhile (its first round is a job due at once).
    std::vector<std::unique_ptr<Client>> writers;
    std::vector<int> writer_process;
    for (int i = 0; i < reps; ++i) {
        writer_process.push_back(i % 3);
        writers.push_back(std::make_unique<Client>(all[i % 3]->port, "rep" + std::to_string(i)));
    }
    for (int n = 0; n < reports_per_rep; ++n) {
        for (int i = 0; i < reps; ++i) {
            const std::string id = report_id(i, n);
            writers[i]->say("@twintrack", "report Globex: " + report_mark(id) + " with the buyer",
                            id);
        }
    }
    ada.say("@twintrack", "coffee start every 2w marketing x sales", "coffee-1");

    // Mid-burst, once the doomed process has answered a few of its writers: it stops
    // (hangs) with three digests and the handoff's deadline claimed, then is killed.
    std::size_t answered_before_kill = 0;
    for (int i = 0; i < reps; ++i) {
        if (writer_process[i] != victim) continue;
        writers[i]->wait_until([](const auto& m) { return saved_count(m) >= 5; }, 15s);
        answered_before_kill += saved_count(writers[i]->messages);
    }
    all[victim]->proc->signal(SIGSTOP);
    const std::int64_t claimed_until = now_ms() + lease_seconds * 1000;
    const std::int64_t week = 7LL * 24 * 3600 * 1000;
    std::vector<std::string> digest_jobs;
    store->db().begin();  // claimed as they appear: no other process may take them first
    for (int p = 1; p <= 3; ++p) {
        store::Job job;
        job.kind = "reports.digest";
        job.key = "reports.digest.management.period-" + std::to_string(p);
        const std::int64_t closes = now_ms() - (4 - p) * week;
        job.payload = nlohmann::json{{"department", "management"},
                                     {"opens", closes - 3 * 24 * 3600 * 1000LL},
                                     {"closes", closes},
                                     {"date", "period-" + std::to_string(p)}}
                          .dump();
        job.due_at = now_ms();
        ASSERT_TRUE(store->jobs().schedule(job));
        digest_jobs.push_back(job.key);
    }
    for (const auto& key :
         std::vector<std::string>{digest_jobs[0], digest_jobs[1], digest_jobs[2], handoff_job}) {
        EXPECT_EQ(store->db().execute("UPDATE jobs SET due_at = ?, claimed_by = ?, claimed_until "
                                      "= ? WHERE key = ? AND status = 'pending'",
                                      {now_ms(), victim_name, claimed_until, key}),
                  1)
            << key;
    }
    store->db().commit();
    all[victim]->proc->signal(SIGKILL);
    all[victim]->proc->wait(10s);
    const auto killed_at = std::chrono::steady_clock::now();
    std::cout << "killed process " << victim << " after " << answered_before_kill
              << " of its writers' reports were answered\n";

    // The connector moves to a survivor within the lease plus a few seconds.
    int irc_holder = -1;
    ASSERT_TRUE(eventually(
        [&] {
            for (int i = 0; i < 3; ++i) {
                if (i != victim && all[i]->leases() == std::vector<std::string>{"connector:irc"}) {
                    irc_holder = i;
                }
            }
            return irc_holder >= 0;
        },
        std::chrono::seconds(lease_seconds + 10)))
        << "no surviving process took the IRC connector over";
    std::cout << "IRC connector taken over "
              << std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - killed_at)
                     .count()
              << " ms after kill -9 (lease " << lease_seconds << " s)\n";

    // The dead process's writers connect to a survivor and send again what it never
    // answered, with the same message ids.
    std::map<std::string, std::string> acked;  // message id -> the answer
    std::vector<bool> moved(reps, false);
    for (int i = 0; i < reps; ++i) {
        if (writer_process[i] != victim) continue;
        // What reached the writer before the connection broke.
        writers[i]->wait_until([](const auto&) { return false; }, 10s);
        for (const auto& [id, text] : acks_of(*writers[i])) acked[id] = text;
        const int to = survivor;
        auto again = std::make_unique<Client>(all[to]->port, "rep" + std::to_string(i));
        for (int n = 0; n < reports_per_rep; ++n) {
            const std::string id = report_id(i, n);
            if (acked.count(id) == 0) {
                again->say("@twintrack", "report Globex: " + report_mark(id) + " with the buyer",
                           id);
            }
        }
        writers[i] = std::move(again);
        writer_process[i] = to;
        moved[i] = true;
    }

    // Every report is stored, once.
    const std::int64_t total = reps * reports_per_rep;
    const auto stored_reports = [&] {
        store::ReportFilter f;
        f.limit = -1;
        return store::reports::ReportRepository(store->db()).find(f);
    };
    ASSERT_TRUE(eventually(
        [&] { return static_cast<std::int64_t>(stored_reports().size()) >= total; }, 60s))
        << "only " << stored_reports().size() << " of " << total << " reports were stored";
    std::map<std::string, int> times_stored;
    std::map<std::int64_t, std::string> text_of_row;
    for (const auto& r : stored_reports()) {
        text_of_row[r.id] = r.text;
        for (int i = 0; i < reps; ++i) {
            for (int n = 0; n < reports_per_rep; ++n) {
                if (r.text.find(report_mark(report_id(i, n))) != std::string::npos) {
                    ++times_stored[report_id(i, n)];
                }
            }
        }
    }
    EXPECT_EQ(static_cast<std::int64_t>(text_of_row.size()), total);
    for (int i = 0; i < reps; ++i) {
        for (int n = 0; n < reports_per_rep; ++n) {
            SCOPED_TRACE(report_id(i, n));
            EXPECT_EQ(times_stored[report_id(i, n)], 1);
        }
    }

    // The survivors answer every report sent to them; every "Saved report #N" anyone got
    // (from the dead process too) names the committed row of that report.
    for (int i = 0; i < reps; ++i) {
        SCOPED_TRACE("rep" + std::to_string(i));
        if (!moved[i]) {
            EXPECT_TRUE(writers[i]->wait_until(
                [](const auto& m) {
                    return saved_count(m) >= static_cast<std::size_t>(reports_per_rep);
                },
                60s))
                << "a survivor did not answer every report";
        }
        for (const auto& [id, text] : acks_of(*writers[i])) acked[id] = text;
    }
    std::size_t checked = 0;
    for (const auto& [id, text] : acked) {
        if (id.rfind("r", 0) != 0) continue;
        SCOPED_TRACE(id + ": " + text);
        ASSERT_EQ(text.rfind("Saved report #", 0), 0u);
        const std::int64_t row = std::stoll(text.substr(std::string("Saved report #").size()));
        ASSERT_TRUE(text_of_row.count(row)) << "acknowledged a report that is not stored";
        EXPECT_THAT(text_of_row[row], HasSubstr(report_mark(id)));
        ++checked;
    }
    // The survivors' own writers' answers and what the dead process answered in time.
    EXPECT_GE(checked, static_cast<std::size_t>(reps - 2) * reports_per_rep + answered_before_kill);

    // The jobs the dead process had claimed ran elsewhere, once, and not before its claim
    // ran out.
    for (const auto& key :
         std::vector<std::string>{digest_jobs[0], digest_jobs[1], digest_jobs[2], handoff_job}) {
        SCOPED_TRACE(key);
        ASSERT_TRUE(
            eventually([&] { return store->jobs().status(key) == std::string("done"); }, 30s));
        EXPECT_GE(count_sql(*store, "SELECT finished_at FROM jobs WHERE key = ?", {key}),
                  claimed_until);
    }
    ASSERT_TRUE(eventually(
        [&] {
            return count_sql(*store,
                             "SELECT count(*) FROM jobs WHERE kind = "
                             "'social.coffee_round' AND status = 'done'") == 1;
        },
        30s));
    // Everything queued has been handed to the hubs.
    ASSERT_TRUE(eventually(
        [&] {
            return count_sql(*store,
                             "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed = 0 "
                             "AND connector = 'hub'") == 0;
        },
        30s))
        << "posts left unsent";

    // One digest per period: recorded once, posted once, seen once in #general.
    for (const auto& key : digest_jobs) {
        SCOPED_TRACE(key);
        EXPECT_EQ(count_sql(*store, "SELECT count(*) FROM report_digests WHERE key = ?", {key}), 1);
        EXPECT_EQ(count_sql(*store,
                            "SELECT count(*) FROM audit_log WHERE action = 'report.digest' AND "
                            "detail LIKE ?",
                            {"%" + key + "%"}),
                  1);
    }
    EXPECT_TRUE(mara.wait_until(
        [](const auto& m) {
            int n = 0;
            for (const auto& f : m) {
                n += f.value("channel", "") == "general" &&
                             f.value("text", "").rfind("Field report digest", 0) == 0
                         ? 1
                         : 0;
            }
            return n >= 3;
        },
        15s))
        << "mara did not see the three digests in #general";

    // The handoff's deadline: escalated once, the manager told once.
    EXPECT_EQ(
        count_sql(*store,
                  "SELECT count(*) FROM audit_log WHERE action = 'engagement.handoff_overdue'"),
        1);
    EXPECT_TRUE(mara.wait_until(
        [](const auto& m) {
            for (const auto& f : m) {
                if (f.value("text", "").rfind("Handoff overdue", 0) == 0) return true;
            }
            return false;
        },
        15s));

    // The coffee round: one round, each member introduced once.
    EXPECT_EQ(count_sql(*store, "SELECT count(*) FROM coffee_rounds"), 1);
    EXPECT_EQ(count_sql(*store, "SELECT count(*) FROM audit_log WHERE action = 'coffee.round'"), 1);
    const std::int64_t members =
        count_sql(*store, "SELECT count(*) * 2 + count(third_id) FROM coffee_groups");
    EXPECT_GT(members, 0);
    EXPECT_EQ(count_sql(*store, "SELECT count(*) FROM outbox WHERE text LIKE '%Coffee round 1:%'"),
              members);
    EXPECT_EQ(count_sql(*store,
                        "SELECT count(DISTINCT channel) FROM outbox WHERE text LIKE "
                        "'%Coffee round 1:%'"),
              members);

    // Nothing anyone saw twice: let the last posts arrive, then count.
    ada.say("general", "the end", "end-1");
    ASSERT_TRUE(mara.wait_text("the end"));
    EXPECT_EQ(mara.count_starting("Handoff overdue"), 1);
    int digests_seen = 0;
    for (const auto& f : mara.messages) {
        digests_seen += f.value("channel", "") == "general" &&
                                f.value("text", "").rfind("Field report digest", 0) == 0
                            ? 1
                            : 0;
    }
    EXPECT_EQ(digests_seen, 3);
    EXPECT_THAT(mara.repeated_ids(), ::testing::IsEmpty());
    for (int i = 0; i < reps; ++i) {
        SCOPED_TRACE("rep" + std::to_string(i));
        EXPECT_THAT(writers[i]->repeated_ids(), ::testing::IsEmpty());
    }
}

}  // namespace
}  // namespace twintrack::testing
