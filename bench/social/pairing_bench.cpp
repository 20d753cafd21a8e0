// One coffee pairing round for 2,000 people (1,000 marketing x 1,000 sales) in three
// time zones, with a few avoid entries and five earlier rounds of history (target:
// under 50 ms for the round).

#include <benchmark/benchmark.h>

#include "bot/features/social/pairing.hpp"

namespace twintrack::bot::social {
namespace {

struct Company {
    PairingInput input;
    std::vector<PastPair> history;
};

Company company(int per_side) {
    Company c;
    // Shanghai 01:00-10:00 UTC, Berlin 08:00-17:00 UTC, New York 14:00-23:00 UTC.
    const int starts[] = {60, 8 * 60, 14 * 60};
    for (int i = 0; i < per_side; ++i) {
        c.input.left.push_back({1 + i, starts[i % 3], 540});
        c.input.right.push_back({100000 + i, starts[(i / 3) % 3], 540});
    }
    for (int i = 0; i < per_side; i += 50) c.input.avoid.insert(pair_key(1 + i, 100000 + i));
    std::mt19937_64 rng(42);
    for (int round = 0; round < 5; ++round) {
        c.input.met = cycles(c.history, [&](std::int64_t) { return std::vector<std::int64_t>(); });
        for (const auto& g : pair_round(c.input, rng).groups)
            c.history.push_back({g.left, g.right});
    }
    c.input.met = cycles(c.history, [&](std::int64_t) { return std::vector<std::int64_t>(); });
    return c;
}

void BM_PairingRound(benchmark::State& state) {
    const Company c = company(static_cast<int>(state.range(0)) / 2);
    std::mt19937_64 rng(7);
    std::size_t groups = 0;
    for (auto _ : state) {
        auto result = pair_round(c.input, rng);
        groups = result.groups.size();
        benchmark::DoNotOptimize(result);
    }
    state.counters["groups"] = static_cast<double>(groups);
}
BENCHMARK(BM_PairingRound)->Arg(2000)->Unit(benchmark::kMillisecond);

void BM_CyclesFromHistory(benchmark::State& state) {
    const Company c = company(static_cast<int>(state.range(0)) / 2);
    for (auto _ : state) {
        auto met = cycles(c.history, [](std::int64_t) { return std::vector<std::int64_t>(); });
        benchmark::DoNotOptimize(met);
    }
}
BENCHMARK(BM_CyclesFromHistory)->Arg(2000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace twintrack::bot::social

BENCHMARK_MAIN();
