// Commands per second from an Event through the engine queue and router to the reply,
// on one core:  build/bench/engine/engine_bench

#include <benchmark/benchmark.h>

#include "tests/testbot/test_bot.hpp"

namespace {

using twintrack::testing::TestBot;

twintrack::core::Event direct(const std::string& text) {
    twintrack::core::Event e;
    e.where = {"test", "@alice", ""};
    e.who = {"test", "alice", "alice"};
    e.text = text;
    e.direct = true;
    return e;
}

// Events arrive in bursts as they do from a busy connector; the engine drains them.
void run_burst(benchmark::State& state, const std::string& text) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    const long burst = state.range(0);
    auto e = direct(text);
    long n = 0;
    std::size_t replies = 0;
    const std::size_t before = bot.all_posts().size();
    for (auto _ : state) {
        for (long i = 0; i < burst; ++i) {
            e.id = "b" + std::to_string(++n);
            bot.engine().push(e);
        }
        bot.engine().drain();
    }
    replies = bot.all_posts().size() - before;
    if (replies != static_cast<std::size_t>(n)) state.SkipWithError("a command went unanswered");
    state.SetItemsProcessed(n);
}

void BM_Ping(benchmark::State& state) { run_burst(state, "ping"); }
BENCHMARK(BM_Ping)->Arg(1)->Arg(1000);

void BM_HelpInChinese(benchmark::State& state) { run_burst(state, "帮助"); }
BENCHMARK(BM_HelpInChinese)->Arg(1000);

void BM_UnknownCommandSuggestion(benchmark::State& state) { run_burst(state, "hlep"); }
BENCHMARK(BM_UnknownCommandSuggestion)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
