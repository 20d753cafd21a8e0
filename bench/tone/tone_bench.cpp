// Lints 1 MB of mixed English and Chinese text with 200 rules: the default guide of
// config/tone plus generated rules of every kind (existence, substitution, occurrence,
// capitalization, repetition) with English and Chinese tokens. Target: under 50 ms.
//   build/bench/tone/tone_bench

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "bot/features/tone/tone_guide.hpp"
#include "core/source_dir.hpp"

namespace {

using twintrack::bot::tone::RuleSource;
using twintrack::bot::tone::ToneGuide;

const std::vector<std::string> english = {
    "customer", "launch",  "campaign", "quota",    "pipeline", "meeting", "report",
    "pricing",  "partner", "webinar",  "renewal",  "discount", "demo",    "proposal",
    "contract", "channel", "audience", "feedback", "forecast", "segment"};
const std::vector<std::string> chinese = {"客户", "发布", "活动", "指标", "渠道", "会议",
                                          "报告", "价格", "伙伴", "续约", "折扣", "演示",
                                          "方案", "合同", "受众", "反馈", "预测", "细分"};

const std::vector<std::string> sentences = {
    "The spring campaign starts on Monday and the sales team follows up with every lead.",
    "Please share the webinar recording with your audience before Friday.",
    "Our customer asked for a demo of the new reporting view.",
    "市场部下周发布春季活动，销售部负责跟进每一条线索。",
    "客户希望看到新报表的演示，并询问了续约的折扣。",
    "TwinTrack keeps both departments in one keynote.",
    "我们在联席会议上讨论了第三季度的销售指标。",
    "A really very long sentence that goes on and on about pricing, renewals, discounts, "
    "partners, channels, forecasts, segments, webinars, audiences and every other thing "
    "the team could possibly think of during a long meeting on a rainy afternoon.",
    "Twin Track is a revolutionary tool for sales guys!!",
    "这是颠覆性的方案，请提交竞品情报。",
};

std::string mixed_text(std::size_t bytes) {
    std::mt19937 rng(42);
    std::string out;
    while (out.size() < bytes) {
        out += sentences[rng() % sentences.size()];
        out += (rng() % 4 == 0) ? "\n" : " ";
    }
    return out;
}

std::vector<RuleSource> default_guide() {
    std::vector<RuleSource> out;
    const std::string dir = twintrack::core::source_dir() + "/config/tone";
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".yml") continue;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        out.push_back({entry.path().stem().string(), entry.path().string(), text.str()});
    }
    return out;
}

/// The default guide plus generated rules, 200 in all.
std::vector<RuleSource> rules(std::size_t count) {
    std::vector<RuleSource> out = default_guide();
    std::mt19937 rng(7);
    auto word = [&](const std::vector<std::string>& list) { return list[rng() % list.size()]; };
    for (std::size_t i = out.size(); i < count; ++i) {
        std::ostringstream yaml;
        switch (i % 6) {
            case 0:
            case 1:
                yaml << "extends: existence\nmessage: \"Avoid '%s'.\"\nignorecase: true\n"
                     << "tokens:\n";
                for (int t = 0; t < 4; ++t) yaml << "  - " << word(english) << "s? x" << i << "\n";
                yaml << "  - " << word(chinese) << "第" << i << "\n";
                break;
            case 2:
            case 3:
                yaml << "extends: substitution\nmessage: \"Use '%s' instead of '%s'.\"\n"
                     << "level: warning\nswap:\n";
                yaml << "  " << word(english) << "-" << i << ": " << word(english) << "\n";
                yaml << "  '" << word(chinese) << i << "号': " << word(chinese) << "\n";
                yaml << "  " << word(english) << "ing " << i << ": " << word(english) << "\n";
                break;
            case 4:
                yaml << "extends: occurrence\nmessage: \"Too many (%s).\"\nscope: sentence\n"
                     << "max: " << 20 + i % 30 << "\ntoken: '" << word(english) << "'\n";
                break;
            default:
                yaml << "extends: repetition\nmessage: \"'%s' twice.\"\nalpha: true\n"
                     << "tokens:\n  - '" << word(english) << "'\n";
                break;
        }
        out.push_back({"Generated" + std::to_string(i), "Generated.yml", yaml.str()});
    }
    return out;
}

void BM_LintOneMegabyte(benchmark::State& state) {
    const ToneGuide guide = ToneGuide::from_sources(rules(200));
    const std::string text = mixed_text(1 << 20);
    std::size_t findings = 0;
    for (auto _ : state) {
        const auto f = guide.check(text);
        findings = f.size();
        benchmark::DoNotOptimize(findings);
    }
    state.counters["rules"] = static_cast<double>(guide.size());
    state.counters["findings"] = static_cast<double>(findings);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_LintOneMegabyte)->Unit(benchmark::kMillisecond);

void BM_CheckOneMessage(benchmark::State& state) {
    const ToneGuide guide = ToneGuide::from_sources(rules(200));
    const std::string text = sentences[3] + " " + sentences[8];
    for (auto _ : state) benchmark::DoNotOptimize(guide.check(text));
}
BENCHMARK(BM_CheckOneMessage)->Unit(benchmark::kMicrosecond);

}  // namespace

#ifndef NO_BENCH_MAIN
BENCHMARK_MAIN();
#endif
