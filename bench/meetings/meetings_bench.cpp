// find_slots for 50 attendees in 8 zones, each with 10 busy blocks a day over 4 weeks,
// a 45-minute meeting on the 15-minute grid (the target: under 5 ms).

#include <benchmark/benchmark.h>

#include <random>

#include "bot/features/meetings/slot_finder.hpp"

namespace {

using twintrack::bot::meetings::Attendee;
using twintrack::bot::meetings::find_slots;
using twintrack::bot::meetings::SlotQuery;

constexpr std::int64_t minute_ms = 60 * 1000;
constexpr std::int64_t day_ms = 24 * 60 * minute_ms;

SlotQuery query(int attendees, int blocks_per_day, int days) {
    const std::vector<std::string> zones = {
        "Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kolkata",
        "Asia/Tokyo",    "Europe/London", "Asia/Singapore",   "America/Los_Angeles"};
    std::mt19937 rng(42);
    SlotQuery q;
    q.from = 1793577600000;  // 2026-11-02 00:00 UTC, a Monday
    q.until = q.from + days * day_ms;
    q.duration_minutes = 45;
    for (int i = 0; i < attendees; ++i) {
        Attendee a;
        a.id = i + 1;
        a.zone = zones[static_cast<std::size_t>(i) % zones.size()];
        a.required = i % 5 != 4;  // every fifth attendee optional
        for (int d = 0; d < days; ++d) {
            for (int b = 0; b < blocks_per_day; ++b) {
                // Short blocks (15-30 minutes) so some slots stay free.
                const std::int64_t s =
                    q.from + d * day_ms +
                    std::uniform_int_distribution<int>(0, 24 * 4 - 1)(rng) * 15 * minute_ms;
                a.busy.push_back(
                    {s, s + std::uniform_int_distribution<int>(1, 2)(rng) * 15 * minute_ms});
            }
        }
        q.attendees.push_back(std::move(a));
    }
    return q;
}

void BM_FindSlots(benchmark::State& state) {
    const SlotQuery q = query(static_cast<int>(state.range(0)), 10, 28);
    std::size_t found = 0;
    for (auto _ : state) {
        const auto r = find_slots(q, 3);
        found = r.slots.size() + (r.partial ? 1 : 0);
        benchmark::DoNotOptimize(found);
    }
    state.counters["attendees"] = static_cast<double>(state.range(0));
    state.counters["results"] = static_cast<double>(found);
}
BENCHMARK(BM_FindSlots)->Arg(50)->Arg(10)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
