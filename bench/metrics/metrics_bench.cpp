// The weekly metrics over 1,000,000 deals and 1,000,000 field reports (target < 200 ms)
// and an extractive summary of 10,000 channel messages, English and Chinese (target
// < 300 ms):  build/bench/metrics/metrics_bench
//
// The data is what load_metrics_data() hands to the computation; the figures are for
// the computation itself, on one core.

#include <benchmark/benchmark.h>

#include <random>

#include "bot/features/metrics/metrics_calc.hpp"
#include "bot/features/metrics/summarizer.hpp"

namespace {

using namespace twintrack::bot::metrics;

const std::int64_t day_ms = 24LL * 3600 * 1000;
// Monday 2026-11-02 00:00 in Asia/Shanghai.
const std::int64_t week_start = 1793548800000LL - 8 * 3600 * 1000;

const MetricsData& big_data() {
    static const MetricsData data = [] {
        MetricsData d;
        std::mt19937_64 rng(42);
        const int people = 500, customers = 100000, engagements = 100000;
        for (int i = 1; i <= people; ++i) {
            d.people.push_back({i, "Rep " + std::to_string(i), i % 5 == 0 ? "marketing" : "sales"});
            twintrack::store::metrics::Quota q;
            q.person_id = i;
            q.period = "2026-Q4";
            q.starts_at = week_start - 32 * day_ms;
            q.ends_at = week_start + 60 * day_ms;
            q.revenue = 1000000.0;
            d.quotas.push_back(q);
        }
        for (int i = 1; i <= engagements; ++i) {
            d.engagements.push_back(
                {i, i, week_start - static_cast<std::int64_t>(rng() % 200) * day_ms, i % 3 == 0,
                 i % 3 == 0,
                 i % 4 == 0 ? std::optional<std::int64_t>(week_start - day_ms) : std::nullopt});
        }
        for (int i = 0; i < 20000; ++i) {
            d.touches.push_back({1 + i % 20, 1 + static_cast<std::int64_t>(rng() % customers),
                                 week_start - static_cast<std::int64_t>(rng() % 60) * day_ms});
        }
        for (int i = 1; i <= 20; ++i) {
            d.campaigns.push_back({i, "C" + std::to_string(i), "c" + std::to_string(i), 50000, "",
                                   "", week_start - 20 * day_ms, week_start + 20 * day_ms, "",
                                   std::nullopt, 0});
        }
        const char* stages[] = {"open", "won", "won", "lost"};
        d.deals.reserve(1000000);
        for (int i = 1; i <= 1000000; ++i) {
            twintrack::store::metrics::Deal deal;
            deal.id = i;
            deal.customer_id = 1 + static_cast<std::int64_t>(rng() % customers);
            deal.engagement_id = *deal.customer_id;
            deal.owner_id = 1 + static_cast<std::int64_t>(rng() % people);
            deal.stage = stages[rng() % 4];
            deal.company_amount = static_cast<double>(1000 + rng() % 500000);
            if (i % 2) deal.margin = 0.25;
            deal.created_at = week_start - static_cast<std::int64_t>(rng() % (70 * day_ms));
            if (deal.stage != "open") {
                deal.closed_at = deal.created_at + static_cast<std::int64_t>(rng() % (20 * day_ms));
            }
            d.deals.push_back(std::move(deal));
        }
        const std::vector<std::string> rivals = {"Huawei", "ZTE", "Foo", "Bar", "Baz"};
        d.reports.reserve(1000000);
        for (int i = 0; i < 1000000; ++i) {
            ReportFact r;
            r.author_id = 1 + static_cast<std::int64_t>(rng() % people);
            r.created_at =
                week_start - static_cast<std::int64_t>(rng() % (60 * day_ms)) + 7 * day_ms;
            if (i % 3 == 0) r.competitors.push_back(rivals[rng() % rivals.size()]);
            d.reports.push_back(std::move(r));
        }
        for (int i = 0; i < 50000; ++i) {
            const std::int64_t at = week_start - static_cast<std::int64_t>(rng() % (14 * day_ms));
            d.handoffs.push_back({at, at + static_cast<std::int64_t>(rng() % day_ms), "accepted"});
            d.consultations.push_back({at, std::nullopt});
        }
        return d;
    }();
    return data;
}

/// One week's numbers.
void BM_WeeklyMetrics(benchmark::State& state) {
    const MetricsData& data = big_data();
    const Period week{week_start, week_start + 7 * day_ms};
    for (auto _ : state) {
        Metrics m = compute_metrics(data, week, Attribution{});
        benchmark::DoNotOptimize(m);
    }
    state.counters["deals"] = static_cast<double>(data.deals.size());
    state.counters["reports"] = static_cast<double>(data.reports.size());
}
BENCHMARK(BM_WeeklyMetrics)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Everything the weekly post computes: this week, the week before and 8 weeks of
/// incremental sales.
void BM_WeeklyPostNumbers(benchmark::State& state) {
    const MetricsData& data = big_data();
    const std::string zone = "Asia/Shanghai";
    const Period week{week_start, week_start + 7 * day_ms};
    for (auto _ : state) {
        Metrics now = compute_metrics(data, week, Attribution{});
        Metrics before = compute_metrics(data, previous(week, "week", zone), Attribution{});
        auto series = incremental_by_week(data, week, 8, Attribution{}, zone);
        benchmark::DoNotOptimize(now);
        benchmark::DoNotOptimize(before);
        benchmark::DoNotOptimize(series);
    }
}
BENCHMARK(BM_WeeklyPostNumbers)->Unit(benchmark::kMillisecond)->UseRealTime();

std::vector<SourceText> messages(std::size_t n) {
    const std::vector<std::string> english = {
        "ACME wants a pilot in December before they sign.",
        "Huawei offered them a 15% discount on the first year.",
        "Lunch was good, thanks everyone.",
        "The Beta team asked for a case study about logistics customers.",
        "Can someone from marketing join the Gamma demo on Thursday?",
        "Delta complained about the delivery time and wants to escalate.",
    };
    const std::vector<std::string> chinese = {
        "艾克米希望在签约前先做试点。",       "华为给他们的第一年报价低了百分之十五。",
        "贝塔团队想要物流行业的客户案例。",   "周四伽马的演示需要市场部的同事参加。",
        "德尔塔投诉交付太慢，要求升级处理。", "今天天气不错。"};
    std::vector<SourceText> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& pool = i % 3 == 2 ? chinese : english;
        out.push_back({pool[i % pool.size()] + " " + pool[(i / 7) % pool.size()],
                       "user" + std::to_string(i % 40)});
    }
    return out;
}

void BM_Summary10kMessages(benchmark::State& state) {
    const auto texts = messages(10000);
    const std::vector<std::string> boost = {"huawei", "华为", "escalate", "升级"};
    const std::vector<std::string> known = {"艾克米", "华为", "acme"};
    for (auto _ : state) {
        Summary s = summarize(texts, 5, 8, boost, known);
        benchmark::DoNotOptimize(s);
    }
    state.counters["messages"] = static_cast<double>(texts.size());
}
BENCHMARK(BM_Summary10kMessages)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
