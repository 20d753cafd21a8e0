// Price signals in field reports, one mirrored table: every fact written in English and
// in Chinese must give the same signal (kind, sign, value, currency, qualifier), and the
// numbers that are not prices must give none. Prints the share found per language.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>

#include "bot/features/reports/extraction.hpp"
#include "core/source_dir.hpp"
#include "tests/features/price_signal_cases.hpp"

namespace twintrack::bot::reports {
namespace {

using testing::ExpectedPrice;
using ::testing::HasSubstr;

std::shared_ptr<const Prompts> prompts() {
    static const auto p = Prompts::load(core::source_dir() + "/prompts", "en");
    return p;
}

ExtractionConfig price_config() {
    BotSettings s;
    s.features.edit<ReportSettings>().competitors = {
        {"Huawei", {"华为"}}, {"Foo", {"富欧"}}, {"ZTE", {"中兴"}}};
    s.features.edit<metrics::MetricsSettings>().rates = {{"USD", 7.0}, {"EUR", 7.5}};
    ExtractionConfig c = extraction_config(s.features.get<ReportSettings>(), {});
    c.prices = price_words(*prompts(), s);
    return c;
}

/// What was found, written like the expectation, for messages.
std::string describe(const std::vector<PriceSignal>& got) {
    std::string out;
    for (const auto& p : got) out += "[" + format_price(p) + "] ";
    return out.empty() ? "nothing" : out;
}

bool same(double a, double b) { return std::fabs(a - b) < 1e-6; }

bool matches(const std::vector<PriceSignal>& got, const ExpectedPrice& e) {
    if (e.kind.empty()) return got.empty();
    if (got.size() != 1) return false;
    const PriceSignal& p = got[0];
    std::string per;
    for (const auto& q : p.per) per += (per.empty() ? "" : "/") + q;
    const bool kind = e.kind == "percent" ? p.percent() : !p.percent();
    const bool range = e.low == 0 ? !p.low : (p.low && same(*p.low, e.low));
    return kind && same(p.value, e.value) && range && (p.percent() || p.unit == e.currency) &&
           per == e.qualifier;
}

TEST(PriceSignalTable, SameSignalInEnglishAndChinese) {
    const auto cfg = price_config();
    const auto& cases = testing::price_cases();
    ASSERT_GE(cases.size() * 2, 150u);
    int found_en = 0, found_zh = 0, positives = 0, silent_en = 0, silent_zh = 0, negatives = 0;
    for (const auto& c : cases) {
        const auto en = extract(c.en, cfg).prices;
        const auto zh = extract(c.zh, cfg).prices;
        const bool ok_en = matches(en, c.expected), ok_zh = matches(zh, c.expected);
        EXPECT_TRUE(ok_en) << c.en << " -> " << describe(en);
        EXPECT_TRUE(ok_zh) << c.zh << " -> " << describe(zh);
        if (c.expected.kind.empty()) {
            ++negatives;
            silent_en += ok_en;
            silent_zh += ok_zh;
        } else {
            ++positives;
            found_en += ok_en;
            found_zh += ok_zh;
        }
    }
    std::cout << "price signals found: en " << found_en << "/" << positives << ", zh-CN "
              << found_zh << "/" << positives << "; not-prices silent: en " << silent_en << "/"
              << negatives << ", zh-CN " << silent_zh << "/" << negatives << "\n";
}

TEST(PriceSignalTable, ForeignAmountsAreConvertedWhereARateExists) {
    const auto cfg = price_config();
    struct Case {
        const char* text;
        const char* shown;
    };
    const std::vector<Case> cases = {
        {"Foo quoted $12,000", "12000 USD (≈84000 CNY)"},
        {"富欧报价1.2万美元", "12000 USD (≈84000 CNY)"},
        {"中兴报价8000欧元", "8000 EUR (≈60000 CNY)"},
        {"Huawei quoted £5,000", "5000 GBP"},
        {"华为报价五千英镑", "5000 GBP"},
        {"ZTE quoted ¥500,000", "500000 CNY"},
        {"富欧比我们低500美元", "-500 USD (≈-3500 CNY)"},
        {"Foo charges $50 per seat a year", "50 USD per seat a year (≈350 CNY)"},
    };
    const std::map<std::string, std::string> per = {{"seat", "per seat"}, {"year", "a year"}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto got = extract(c.text, cfg).prices;
        ASSERT_EQ(got.size(), 1u) << describe(got);
        EXPECT_EQ(format_price(got[0], per), c.shown);
    }
}

TEST(PriceSignalTable, WordsComeFromThePromptsOfEveryLocale) {
    const auto cfg = price_config();
    const auto& w = cfg.prices;
    EXPECT_THAT(w.lower, ::testing::IsSupersetOf({"discounting", "便宜", "让利"}));
    EXPECT_THAT(w.higher, ::testing::IsSupersetOf({"premium", "溢价"}));
    // Without the words, a figure is only a number.
    ExtractionConfig bare = extraction_config(ReportSettings{}, {});
    EXPECT_THAT(extract("Foo offered 20% off, 富欧打八折, ¥500", bare).prices,
                ::testing::IsEmpty());
}

}  // namespace
}  // namespace twintrack::bot::reports
