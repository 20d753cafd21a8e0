// `twintrack store migrate` from SQLite to PostgreSQL: a SQLite store with generated
// data (fixed seed: 500 people, N deals, N field reports, with their versions and
// mentions) copied into an empty database on a throwaway PostgreSQL server, in one
// transaction with the row counts checked, as the command does.
//
//   build/bench/scale/copy_store_bench [N [PATH]]   (N default 200000)
//
// With PATH the generated SQLite store is written there and kept, e.g. to time
// `twintrack store migrate --from sqlite:PATH --to postgres://...` of another build.

#include <chrono>
#include <cstdio>
#include <string>

#include "bench/scale/generated_store.hpp"
#include "store/copy_store.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"

int main(int argc, char** argv) {
    using namespace twintrack;
    const int rows = argc > 1 ? std::stoi(argv[1]) : 200000;
    test_support::TempDir dir;
    const std::string path = argc > 2 ? argv[2] : dir.path() + "/twintrack.db";
    auto from = store::Store::open_url("sqlite:" + path, bench::week_start);
    bench::fill(*from, "SQLite", 500, rows);
    test_support::PostgresServer server(test_support::PostgresServer::Durability::durable);
    auto to = store::Store::open_url(server.create_database(), bench::week_start);
    const auto started = std::chrono::steady_clock::now();
    const auto copied = store::copy_store(*from, *to);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::int64_t total = 0;
    for (const auto& t : copied) total += t.rows;
    std::printf("copied %lld rows in %zu tables to PostgreSQL in %.2f s (%.0f rows/s)\n",
                static_cast<long long>(total), copied.size(), seconds, total / seconds);
    return 0;
}
