// Commands per second from an Event through the router to the reply, on one core.
//   build/bench/engine/engine_bench

#include <benchmark/benchmark.h>

#include "tests/testbot/test_bot.hpp"

namespace {

using twintrack::testing::TestBot;

void BM_PingRoundTrip(benchmark::State& state) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    twintrack::core::Event e;
    e.where = {"test", "@alice", ""};
    e.who = {"test", "alice", "alice"};
    e.text = "ping";
    e.direct = true;
    long n = 0;
    std::size_t replies = 0;
    for (auto _ : state) {
        e.id = "b" + std::to_string(++n);
        replies += bot.deliver(e).size();
    }
    if (replies != static_cast<std::size_t>(n)) state.SkipWithError("a ping went unanswered");
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PingRoundTrip);

void BM_UnknownCommandSuggestion(benchmark::State& state) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    for (auto _ : state) benchmark::DoNotOptimize(bot.say("alice", "hlep"));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UnknownCommandSuggestion);

}  // namespace

BENCHMARK_MAIN();
