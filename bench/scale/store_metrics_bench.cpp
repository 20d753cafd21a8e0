// The weekly metrics post's numbers read from the store, SQLite and PostgreSQL side by
// side: 1,000,000 deals and 1,000,000 field reports (a third naming a competitor) of 500
// people over ten weeks, generated with a fixed seed into a fresh store of each kind;
// then what the weekly post does: load the data of the last eight weeks
// (load_metrics_data) and compute this week, the week before and the eight-week series.
//
//   build/bench/scale/store_metrics_bench
//
// (bench/metrics/ measures the computation alone, on data already in memory.) The
// PostgreSQL server is a throwaway one on a loopback port, as in the tests. Filling each
// store takes a few minutes; the time is printed.

#include <benchmark/benchmark.h>

#include "bench/scale/generated_store.hpp"
#include "bot/directory.hpp"
#include "bot/features/metrics/metrics.hpp"
#include "bot/features/metrics/metrics_calc.hpp"
#include "store/store.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace twintrack;
using namespace twintrack::bot::metrics;

using bench::day_ms;
using bench::week_start;
using bench::zone;
constexpr int people = 500;
constexpr int rows = 1000000;

test_support::PostgresServer& durable_server() {
    static test_support::PostgresServer server(test_support::PostgresServer::Durability::durable);
    return server;
}

struct Backend {
    test_support::TempDir dir;
    std::unique_ptr<store::Store> store;
    bot::Directory directory;
};

Backend& backend(bool postgres) {
    static std::unique_ptr<Backend> b[2];
    auto& slot = b[postgres ? 1 : 0];
    if (!slot) {
        slot = std::make_unique<Backend>();
        const std::string url = postgres ? durable_server().create_database()
                                         : "sqlite:" + slot->dir.path() + "/twintrack.db";
        slot->store = store::Store::open_url(url, week_start);
        bench::fill(*slot->store, postgres ? "PostgreSQL" : "SQLite", people, rows);
        slot->directory.load(slot->store->people().all());
    }
    return *slot;
}

void BM_WeeklyMetricsFromStore(benchmark::State& state) {
    Backend& b = backend(state.range(0) == 1);
    const Period week{week_start, week_start + 7 * day_ms};
    const std::int64_t from = week_start - 7 * 7 * day_ms;
    std::size_t deals = 0, reports = 0;
    for (auto _ : state) {
        MetricsData data = load_metrics_data(*b.store, b.directory, from, week.to);
        data.zone = zone;
        Metrics now = compute_metrics(data, week, Attribution{});
        Metrics before = compute_metrics(data, previous(week, "week", zone), Attribution{});
        auto series = incremental_by_week(data, week, 8, Attribution{}, zone);
        deals = data.deals.size();
        reports = data.reports.size();
        benchmark::DoNotOptimize(now);
        benchmark::DoNotOptimize(before);
        benchmark::DoNotOptimize(series);
    }
    state.counters["deals_loaded"] = static_cast<double>(deals);
    state.counters["reports_loaded"] = static_cast<double>(reports);
    state.SetLabel(state.range(0) == 1 ? "postgres" : "sqlite");
}
BENCHMARK(BM_WeeklyMetricsFromStore)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
