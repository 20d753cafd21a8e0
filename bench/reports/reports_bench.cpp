// Field reports at scale:
//   build/bench/reports/reports_bench --benchmark_filter=Ingest   (100,000 one-line reports)
//   build/bench/reports/reports_bench --benchmark_filter=Digest   (digest over 1,000,000)
// Ingestion is durable: every report is its own transaction on a SQLite file with
// synchronous=FULL, committed before "saved #id" is sent, as in production.

#include <benchmark/benchmark.h>
#include <date/date.h>

#include <random>

#include "bot/engine.hpp"
#include "bot/features/reports/report_windows.hpp"
#include "bot/features/reports/store/reports_store.hpp"
#include "tests/testbot/test_bot.hpp"

namespace {

using twintrack::testing::TestBot;
namespace core = twintrack::core;
namespace store = twintrack::store;

constexpr int sales_people = 200;
constexpr int customers = 300;

twintrack::bot::BotSettings settings() {
    twintrack::bot::BotSettings s;
    s.features.edit<twintrack::bot::reports::ReportSettings>().competitors = {
        {"Huawei", {"华为"}}, {"Foo", {"富欧"}}, {"Initech", {}}};
    return s;
}

void add_people_and_customers(TestBot& bot) {
    bot.add({"boss", "Mara Manager", "marketing", "manager"});
    for (int i = 0; i < sales_people; ++i) {
        bot.add({"rep" + std::to_string(i), "Rep " + std::to_string(i), "sales", "staff"});
    }
    for (int i = 0; i < customers; ++i) {
        bot.say("boss", "engagement new Customer" + std::to_string(i));
    }
}

const char* const lines[] = {
    "met their CTO; competitor Foo offered 20% off; they want case studies #need:case-study",
    "竞品华为报价低15%，客户想要案例",
    "budget approved for Q1, asking for a demo next week",
    "Initech quoted $40k, we are at $55k; need a trial",
};

void BM_IngestOneLineReports(benchmark::State& state) {
    TestBot bot(TestBot::default_start(), settings());
    add_people_and_customers(bot);
    long n = 0;
    for (auto _ : state) {
        const std::string who = "rep" + std::to_string(n % sales_people);
        const std::string text = "report Customer" + std::to_string(n % customers) + ": " +
                                 lines[n % (sizeof lines / sizeof *lines)];
        const auto replies = bot.say(who, text);
        if (replies.empty()) state.SkipWithError("a report was not acknowledged");
        ++n;
    }
    const auto stored = store::reports::ReportRepository(bot.store().db()).count({});
    if (stored != n) state.SkipWithError("not every report was stored");
    state.SetItemsProcessed(n);
    state.counters["reports_per_s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_IngestOneLineReports)->Iterations(100000)->Unit(benchmark::kSecond)->UseRealTime();

// One million reports over the 52 weeks before the digest, each earlier week already
// digested (so `report_digest_items` is as large as in a year of use).
void fill(TestBot& bot, std::int64_t total, core::Timestamp end) {
    std::mt19937 rng(42);
    const std::int64_t end_ms = core::to_millis(end);
    const std::int64_t span = 52LL * 7 * 24 * 3600 * 1000;
    const std::int64_t step = span / total;
    auto& db = bot.store().db();
    store::reports::ReportRepository reports(db);
    db.begin();
    std::vector<std::pair<std::int64_t, std::int64_t>> ids;  // created_at, id
    ids.reserve(static_cast<std::size_t>(total));
    for (std::int64_t i = 0; i < total; ++i) {
        store::Report r;
        r.author_id = 2 + static_cast<std::int64_t>(rng() % sales_people);
        r.customer_text = "Customer" + std::to_string(rng() % customers);
        r.created_at = end_ms - span + i * step;
        r.text = lines[i % 4];
        const std::string rival = i % 3 == 0 ? "Huawei" : (i % 3 == 1 ? "Foo" : "Initech");
        r.mentions.push_back({"competitor", rival, rival, rival, std::nullopt, std::nullopt, ""});
        r.mentions.push_back({"price", "-15%", "-15%", "", std::nullopt, -15.0, "%"});
        r.mentions.push_back(
            {"need", "case study", "case study", "", std::nullopt, std::nullopt, ""});
        ids.emplace_back(r.created_at, reports.create(r));
    }
    // Earlier weeks were digested: one digest row per week with the versions it showed.
    const std::int64_t week = 7LL * 24 * 3600 * 1000;
    std::size_t at = 0;
    for (int w = 0; w < 51; ++w) {
        store::reports::ReportDigest d;
        d.key = "history." + std::to_string(w);
        d.department = "sales";
        d.period_start = end_ms - span + w * week;
        d.period_end = d.period_start + week;
        d.sent_at = d.period_end;
        std::vector<store::reports::ReportVersionRef> covered;
        while (at < ids.size() && ids[at].first < d.period_end)
            covered.push_back({ids[at++].second, 1});
        reports.add_digest(d, covered);
    }
    db.commit();
}

void BM_DigestOverAMillionReports(benchmark::State& state) {
    TestBot bot(TestBot::default_start(), settings());
    add_people_and_customers(bot);
    // The window closing on Monday 2026-11-02 10:00 in the company zone.
    twintrack::bot::reports::ReportWindowSetting window;
    const auto occ = twintrack::bot::reports::window_occurrences(
        window, bot.engine().settings().company_timezone,
        TestBot::default_start() - std::chrono::hours(24 * 7), TestBot::default_start());
    if (occ.empty()) {
        state.SkipWithError("no window occurrence");
        return;
    }
    const auto& o = occ.back();
    fill(bot, state.range(0), o.closes);
    bot.clock().set(o.closes + std::chrono::minutes(1));
    long n = 0;
    for (auto _ : state) {
        // A fresh key each time, so every run computes, records and posts the digest.
        store::Job job;
        job.kind = "reports.digest";
        job.key = "bench." + std::to_string(++n);
        job.payload = nlohmann::json{{"department", "sales"},
                                     {"opens", core::to_millis(o.opens)},
                                     {"closes", core::to_millis(o.closes)},
                                     {"date", "bench-" + std::to_string(n)}}
                          .dump();
        job.due_at = core::to_millis(bot.clock().now());
        bot.store().jobs().schedule(job);
        bot.advance(std::chrono::milliseconds(1));
        if (bot.store().jobs().status(job.key) != std::optional<std::string>("done")) {
            state.SkipWithError("the digest job did not finish");
        }
    }
    state.counters["stored_reports"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_DigestOverAMillionReports)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
