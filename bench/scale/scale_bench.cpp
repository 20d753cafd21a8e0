// Several `twintrack run` processes on one store, measured as a user meets them:
//
//   build/bench/scale/scale_bench ingest [--reports N] [--writers W]
//       field reports per second over the hubs' WebSockets, each report committed before
//       its "Saved report #N" answer, on SQLite (one process), PostgreSQL with one
//       process and PostgreSQL with three (the writers spread over the processes);
//       prints each rate and the ratios.
//   build/bench/scale/scale_bench ingest-one sqlite|postgres PROCESSES REPORTS
//       one of those set-ups alone (on a shortfall: what the store holds).
//   build/bench/scale/scale_bench failover [--lease S] [--rounds R]
//       three processes with the hub and an IRC connector (one session among them, lease
//       S seconds): kill -9 of the process holding `connector:irc`, time until another
//       process says by GET /readyz that it holds it; R rounds.
//   build/bench/scale/scale_bench metrics [--rows N]
//       the weekly metrics post's numbers read from a store of 500 people, N deals and N
//       field reports (default 1,000,000; fixed seed), SQLite and PostgreSQL: load eight
//       weeks and compute this week, the week before and the eight-week series (bench/
//       metrics measures the computation alone, on data in memory).
//   build/bench/scale/scale_bench copy [--rows N] [--keep PATH]
//       `store migrate`'s copy of a generated SQLite store (N deals and N reports,
//       default 200,000; kept at PATH, e.g. to time `twintrack store migrate` of another
//       build) into an empty PostgreSQL database.
//
// Runs the real program (the build's twintrack) and a throwaway PostgreSQL server on a
// loopback port (Debian's postgresql-15, as the tests do, but with fsync and synchronous
// commits on, like SQLite's synchronous=FULL). Figures are printed, never
// compared with a target.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/scale/generated_store.hpp"
#include "bot/directory.hpp"
#include "bot/features/metrics/metrics.hpp"
#include "bot/features/metrics/metrics_calc.hpp"
#include "bot/features/reports/reports.hpp"
#include "store/copy_store.hpp"
#include "store/store.hpp"
#include "tests/integration/process.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"

namespace {

using namespace std::chrono_literals;
using twintrack::test_support::PostgresServer;
using twintrack::test_support::TempDir;
using twintrack::test_support::WsClient;
using twintrack::testing::Process;
using Clock = std::chrono::steady_clock;

const std::string program = TWINTRACK_BINARY;

/// PostgreSQL with its default durability (every commit flushed), as in production.
PostgresServer& durable_server() {
    static PostgresServer server(PostgresServer::Durability::durable);
    return server;
}

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

/// One `twintrack run` with its own data folder and hub port.
struct Instance {
    TempDir data;
    std::unique_ptr<Process> proc;
    int port = 0;

    Instance(const std::string& config, const std::string& store_url) {
        std::vector<std::string> args = {"run",    "--config", config,        "--data", data.path(),
                                         "--port", "0",        "--log-level", "warn"};
        if (!store_url.empty()) {
            args.push_back("--store");
            args.push_back(store_url);
        }
        proc = std::make_unique<Process>(program, args);
        auto line = proc->wait_for_line("listening on", 60s);
        if (!line) throw std::runtime_error("twintrack run did not start");
        port = std::stoi(line->substr(line->rfind(':') + 1));
    }
    ~Instance() {
        if (proc) {
            proc->signal(SIGTERM);
            proc->wait(15s);
        }
    }
    std::vector<std::string> leases() const {
        const auto r = twintrack::test_support::http_get("127.0.0.1", port, "/readyz");
        const auto body = nlohmann::json::parse(r.body, nullptr, false);
        std::vector<std::string> out;
        if (body.is_object() && body.contains("leases")) {
            for (const auto& l : body["leases"]) out.push_back(l.get<std::string>());
        }
        return out;
    }
};

std::string people_csv(int writers) {
    std::string csv = "name,email,department,role,timezone,locale,working_hours,identities\n";
    for (int i = 0; i < writers; ++i) {
        csv += "Rep " + std::to_string(i) + ",rep" + std::to_string(i) +
               "@example.com,sales,staff,Europe/Berlin,en,09:00-18:00,hub:rep" + std::to_string(i) +
               "\n";
    }
    return csv;
}

const char* const lines[] = {
    "met their CTO; competitor Foo offered 20% off; they want case studies",
    "竞品华为报价低15%，客户想要案例",
    "budget approved for Q1, asking for a demo next week",
    "Initech quoted $40k, we are at $55k; need a trial",
};

/// Reports per second: `writers` people, spread over the processes, each sending their
/// share at once and reading until every one is answered "Saved report #...".
double ingest(const std::string& store_url, int processes, int reports, int writers) {
    TempDir dir;
    const std::string csv = dir.file("people.csv", people_csv(writers));
    std::vector<std::string> import = {"import", "people", csv};
    if (store_url.empty()) {
        import.push_back("--data");
        import.push_back(dir.path() + "/shared");
    } else {
        import.push_back("--store");
        import.push_back(store_url);
    }
    const auto imported = twintrack::testing::run_program(program, import);
    if (imported.exit_code != 0) throw std::runtime_error("import failed: " + imported.err);
    const std::string config =
        dir.file("twintrack.yaml", "connectors:\n  - type: hub\n    name: hub\n");
    std::vector<std::unique_ptr<Instance>> all;
    for (int i = 0; i < processes; ++i) {
        if (store_url.empty()) {
            // One process on the SQLite file the import wrote.
            all.push_back(std::make_unique<Instance>(
                config, "sqlite:" + dir.path() + "/shared/twintrack.db"));
        } else {
            all.push_back(std::make_unique<Instance>(config, store_url));
        }
    }
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < writers; ++i) {
        auto ws = std::make_unique<WsClient>();
        ws->connect("127.0.0.1", all[i % processes]->port);
        ws->send_json({{"type", "hello"}, {"user", "rep" + std::to_string(i)}});
        if (!ws->wait_for_type("welcome", 10s)) throw std::runtime_error("no welcome");
        clients.push_back(std::move(ws));
    }
    // One reader thread per writer: the clock stops when the last answer arrived.
    const int each = reports / writers;
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    std::vector<int> answered(static_cast<std::size_t>(writers), 0);
    std::mutex other_mu;
    std::string other;  // the first frame that is not an answer "Saved report #..."
    for (int i = 0; i < writers; ++i) {
        threads.emplace_back([&, i] {
            WsClient& ws = *clients[static_cast<std::size_t>(i)];
            for (int n = 0; n < each; ++n) {
                ws.send_json(
                    {{"type", "message"},
                     {"channel", "@twintrack"},
                     {"id", "b" + std::to_string(i) + "-" + std::to_string(n)},
                     {"text", "report Customer" + std::to_string(n % 50) + ": " + lines[n % 4]}});
            }
            int& got = answered[static_cast<std::size_t>(i)];
            while (got < each) {
                auto f = ws.next_json(60s);
                if (!f) break;
                if (f->value("type", "") == "message" && f->value("user", "") == "twintrack" &&
                    f->value("text", "").rfind("Saved report #", 0) == 0) {
                    ++got;
                } else if (f->value("type", "") != "message" ||
                           f->value("user", "") == "twintrack") {
                    std::lock_guard<std::mutex> lock(other_mu);
                    if (other.empty()) other = f->dump();
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    int total = 0;
    for (int n : answered) total += n;
    if (total != each * writers) {
        std::fprintf(stderr, "first other frame: %s\n", other.c_str());
        {
            auto s = twintrack::store::Store::open_url(
                store_url.empty() ? "sqlite:" + dir.path() + "/shared/twintrack.db" : store_url, 0);
            std::fprintf(stderr, "stored reports: %lld, outbox rows not sent: %lld\n",
                         static_cast<long long>(
                             twintrack::store::reports::ReportRepository(s->db()).count({})),
                         static_cast<long long>(
                             s->db()
                                 .scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
                                 .value_or(-1)));
        }
        for (auto& i : all) {
            i->proc->signal(SIGTERM);
            if (auto f = i->proc->wait(15s)) std::fprintf(stderr, "%s\n", f->err.c_str());
        }
        throw std::runtime_error("only " + std::to_string(total) + " of " +
                                 std::to_string(each * writers) + " reports were answered");
    }
    return total / seconds;
}

int arg_value(int argc, char** argv, const std::string& name, int fallback) {
    for (int i = 2; i + 1 < argc; ++i) {
        if (argv[i] == name) return std::stoi(argv[i + 1]);
    }
    return fallback;
}

int run_ingest(int argc, char** argv) {
    const int reports = arg_value(argc, argv, "--reports", 3000);
    const int writers = arg_value(argc, argv, "--writers", 12);
    PostgresServer& pg = durable_server();
    std::printf("%d field reports from %d writers (hub WebSocket, durable commit each)\n", reports,
                writers);
    const double sqlite = ingest("", 1, reports, writers);
    std::printf("  SQLite, 1 process:      %8.0f reports/s\n", sqlite);
    const double pg1 = ingest(pg.create_database(), 1, reports, writers);
    std::printf("  PostgreSQL, 1 process:  %8.0f reports/s\n", pg1);
    const double pg3 = ingest(pg.create_database(), 3, reports, writers);
    std::printf("  PostgreSQL, 3 processes:%8.0f reports/s\n", pg3);
    std::printf(
        "  ratios: PostgreSQL 1 / SQLite %.2f, PostgreSQL 3 / SQLite %.2f, "
        "PostgreSQL 3 / PostgreSQL 1 %.2f\n",
        pg1 / sqlite, pg3 / sqlite, pg3 / pg1);
    return 0;
}

int run_failover(int argc, char** argv) {
    const int lease = arg_value(argc, argv, "--lease", 5);
    const int rounds = arg_value(argc, argv, "--rounds", 3);
    PostgresServer& pg = durable_server();
    std::printf("kill -9 of the process holding connector:irc (3 processes, lease %d s)\n", lease);
    for (int round = 1; round <= rounds; ++round) {
        TempDir dir;
        const std::string config =
            dir.file("twintrack.yaml", "leases:\n  connector_seconds: " + std::to_string(lease) +
                                           "\nconnectors:\n  - type: hub\n    name: hub\n"
                                           "  - type: irc\n    name: irc\n"
                                           "    server: 127.0.0.1\n    port: " +
                                           std::to_string(closed_port()) + "\n");
        const std::string url = pg.create_database();
        std::vector<std::unique_ptr<Instance>> all;
        for (int i = 0; i < 3; ++i) all.push_back(std::make_unique<Instance>(config, url));
        const auto holder = [&](int except) {
            for (int i = 0; i < 3; ++i) {
                if (i != except && all[static_cast<std::size_t>(i)] &&
                    all[static_cast<std::size_t>(i)]->leases() ==
                        std::vector<std::string>{"connector:irc"}) {
                    return i;
                }
            }
            return -1;
        };
        int first = -1;
        for (auto until = Clock::now() + 30s; first < 0 && Clock::now() < until;) {
            first = holder(-1);
            if (first < 0) std::this_thread::sleep_for(50ms);
        }
        if (first < 0) throw std::runtime_error("nobody took the IRC connector");
        auto& victim = all[static_cast<std::size_t>(first)];
        victim->proc->signal(SIGKILL);
        const auto killed = Clock::now();
        victim->proc->wait(10s);
        victim->proc.reset();
        victim.reset();
        int next = -1;
        for (auto until = killed + std::chrono::seconds(lease * 3 + 10);
             next < 0 && Clock::now() < until;) {
            next = holder(first);
            if (next < 0) std::this_thread::sleep_for(20ms);
        }
        if (next < 0) throw std::runtime_error("no process took the IRC connector over");
        std::printf("  round %d: taken over after %.2f s\n", round,
                    std::chrono::duration<double>(Clock::now() - killed).count());
    }
    return 0;
}

/// The weekly post's numbers read from a store of `rows` deals and `rows` reports: load
/// eight weeks (load_metrics_data), compute this week, the week before and the eight-week
/// series; the mean of three runs.
void weekly_metrics(const std::string& url, const char* kind, int rows) {
    using namespace twintrack::bot::metrics;
    namespace bench = twintrack::bench;
    auto store = twintrack::store::Store::open_url(url, bench::week_start);
    bench::fill(*store, kind, 500, rows);
    twintrack::bot::Directory directory;
    directory.load(store->people().all());
    const auto field_facts = twintrack::bot::reports::field_facts_on(store->db());
    const Period week{bench::week_start, bench::week_start + 7 * bench::day_ms};
    const std::int64_t from = bench::week_start - 7 * 7 * bench::day_ms;
    constexpr int runs = 3;
    double total = 0;
    std::size_t deals = 0, reports = 0;
    for (int i = 0; i < runs; ++i) {
        const auto start = Clock::now();
        // The generated store holds deals and reports, no engagements: no EngagementFacts.
        MetricsData data = load_metrics_data(twintrack::store::metrics::MetricsTables(store->db()),
                                             directory, nullptr, from, week.to, field_facts.get());
        data.zone = bench::zone;
        const Metrics now = compute_metrics(data, week, Attribution{});
        const Metrics before =
            compute_metrics(data, previous(week, "week", bench::zone), Attribution{});
        const auto series = incremental_by_week(data, week, 8, Attribution{}, bench::zone);
        total += std::chrono::duration<double>(Clock::now() - start).count();
        deals = data.deals.size();
        reports = data.reports.size();
        // Results kept until here, so that nothing of the work can be left out.
        if (now.reps.size() + before.reps.size() + series.size() == 0) std::printf(" ");
    }
    std::printf("  %-10s weekly numbers in %.2f s (mean of %d; %zu deals and %zu reports loaded)\n",
                kind, total / runs, runs, deals, reports);
}

int run_metrics(int argc, char** argv) {
    const int rows = arg_value(argc, argv, "--rows", 1000000);
    std::printf("weekly metrics from the store: 500 people, %d deals, %d reports\n", rows, rows);
    TempDir dir;
    weekly_metrics("sqlite:" + dir.path() + "/twintrack.db", "SQLite", rows);
    weekly_metrics(durable_server().create_database(), "PostgreSQL", rows);
    return 0;
}

/// `store migrate`'s copy of a generated SQLite store (kept at PATH when given) into an
/// empty PostgreSQL database.
int run_copy(int argc, char** argv) {
    namespace bench = twintrack::bench;
    const int rows = arg_value(argc, argv, "--rows", 200000);
    std::string path;
    for (int i = 2; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == "--keep") path = argv[i + 1];
    }
    TempDir dir;
    if (path.empty()) path = dir.path() + "/twintrack.db";
    auto from = twintrack::store::Store::open_url("sqlite:" + path, bench::week_start);
    bench::fill(*from, "SQLite", 500, rows);
    auto to =
        twintrack::store::Store::open_url(durable_server().create_database(), bench::week_start);
    const auto start = Clock::now();
    const auto copied = twintrack::store::copy_store(*from, *to);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::int64_t total = 0;
    for (const auto& t : copied) total += t.rows;
    std::printf("copied %lld rows in %zu tables to PostgreSQL in %.2f s (%.0f rows/s)\n",
                static_cast<long long>(total), copied.size(), seconds, total / seconds);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    ::signal(SIGPIPE, SIG_IGN);
    const std::string what = argc > 1 ? argv[1] : "";
    if (what == "ingest-one") {  // one set-up: ingest-one sqlite|postgres PROCESSES REPORTS
        try {
            const bool pg = argc > 2 && std::string(argv[2]) == "postgres";
            const int processes = argc > 3 ? std::stoi(argv[3]) : 1;
            const int reports = argc > 4 ? std::stoi(argv[4]) : 600;
            std::printf("%.0f reports/s\n", ingest(pg ? durable_server().create_database() : "",
                                                   processes, reports, 12));
            return 0;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "scale_bench: %s\n", e.what());
            return 1;
        }
    }
    try {
        if (what == "ingest") return run_ingest(argc, argv);
        if (what == "failover") return run_failover(argc, argv);
        if (what == "metrics") return run_metrics(argc, argv);
        if (what == "copy") return run_copy(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "scale_bench: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr,
                 "usage: scale_bench ingest [--reports N] [--writers W]\n"
                 "       scale_bench ingest-one sqlite|postgres PROCESSES REPORTS\n"
                 "       scale_bench failover [--lease S] [--rounds R]\n"
                 "       scale_bench metrics [--rows N]\n"
                 "       scale_bench copy [--rows N] [--keep PATH]\n");
    return 2;
}
