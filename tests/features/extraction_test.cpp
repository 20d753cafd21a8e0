// Extraction of field reports, table-driven in both languages: customers, competitors
// (configured names, aliases and tags), price signals and needs.

#include "bot/features/reports/extraction.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/source_dir.hpp"

namespace twintrack::bot::reports {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

ExtractionConfig config() {
    BotSettings b;
    ReportSettings& s = b.features.edit<ReportSettings>();
    s.competitors = {{"Huawei", {"华为"}}, {"Foo", {"Foo Corp", "富欧"}}, {"ZTE", {"中兴"}}};
    s.need_keywords = {{"en", {"case study", "training"}}, {"zh-CN", {"案例", "培训"}}};
    ExtractionConfig c = extraction_config(s, {{1, "ACME", {"艾克米"}}, {2, "Beta Labs", {}}});
    static const auto prompts = Prompts::load(core::source_dir() + "/prompts", "en");
    c.prices = price_words(*prompts, b);
    return c;
}

std::vector<std::string> names(const std::vector<Mention>& mentions) {
    std::vector<std::string> out;
    for (const auto& m : mentions) out.push_back(m.name);
    return out;
}

std::vector<std::string> prices(const std::vector<PriceSignal>& signals) {
    std::vector<std::string> out;
    for (const auto& p : signals) out.push_back(format_price(p));
    return out;
}

TEST(Extraction, FindsCustomersCompetitorsPricesAndNeeds) {
    struct Case {
        const char* name;
        const char* text;
        std::vector<std::string> customers, competitors, prices, needs;
    };
    const std::vector<Case> cases = {
        {"the issue's Chinese example",
         "竞品华为报价低15%，客户想要案例",
         {},
         {"Huawei"},
         {"-15%"},
         {"案例"}},
        {"the issue's one-line report",
         "met their CTO; competitor Foo offered 20% off; they want case studies "
         "#need:case-study",
         {},
         {"Foo"},
         {"-20%"},
         {"case study"}},
        {"customers by name and alias, any case",
         "Visited acme and 艾克米 again, then beta labs",
         {"ACME", "Beta Labs"},
         {},
         {},
         {}},
        {"English names only on word boundaries",
         "acmeville and food fools us; betalabs",
         {},
         {},
         {},
         {}},
        {"competitor tags, configured or not, both colons",
         "#competitor:Acronis and #竞品：中兴 and #competitor:huawei.",
         {},
         {"Acronis", "ZTE", "Huawei"},
         {},
         {}},
        {"amounts with currency symbols and words",
         "ZTE quoted ¥500,000; Huawei $1,200.50 cheaper; 富欧报价50万元",
         {},
         {"ZTE", "Huawei", "Foo"},
         {"500000 CNY", "-1200.5 USD", "500000 CNY"},
         {}},
        {"percent signs, explicit or from words",
         "price up +8%, Foo Corp discount 10 %; 中兴便宜5％, 华为打8折",
         {},
         {"Foo", "ZTE", "Huawei"},
         {"+8%", "-10%", "-5%", "-20%"},
         {}},
        {"numbers without a unit are not prices",
         "met 3 people on 2026-11-02 in room 12",
         {},
         {},
         {},
         {}},
        {"need tags and keywords in both languages, once each",
         "需要培训 #需求:试用 #need:training and Training, a case study",
         {},
         {},
         {},
         {"培训", "试用", "training", "case study"}},
        {"English names inside Chinese text",
         "竞品Foo报价比我们低8.5%，ACME要培训",
         {"ACME"},
         {"Foo"},
         {"-8.5%"},
         {"培训"}},
        {"discount forms and multipliers",
         "中兴打85折; Foo -$50k; Huawei quoted 30 dollars less",
         {},
         {"ZTE", "Foo", "Huawei"},
         {"-15%", "-50000 USD", "-30 USD"},
         {}},
        {"a range is not a sign", "prices up 10-15%", {}, {}, {"+10~15%"}, {}},
        {"empty text", "", {}, {}, {}, {}},
    };
    const auto cfg = config();
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const Extraction e = extract(c.text, cfg);
        EXPECT_THAT(names(e.customers), ElementsAreArray(c.customers));
        EXPECT_THAT(names(e.competitors), ElementsAreArray(c.competitors));
        EXPECT_THAT(prices(e.prices), ElementsAreArray(c.prices));
        EXPECT_THAT(e.needs, ElementsAreArray(c.needs));
    }
}

TEST(Extraction, KeepsWhatWasWrittenAndTheCustomerId) {
    const Extraction e = extract("华为 and 艾克米", config());
    ASSERT_THAT(e.competitors, ElementsAre(Mention{"Huawei", "华为"}));
    ASSERT_EQ(e.customers.size(), 1u);
    EXPECT_EQ(e.customers[0].id, 1);
    EXPECT_EQ(e.customers[0].matched, "艾克米");
}

TEST(Extraction, CompetitorNamesResolveThroughAliases) {
    const auto cfg = config();
    EXPECT_EQ(competitor_name("华为", cfg), "Huawei");
    EXPECT_EQ(competitor_name("foo corp", cfg), "Foo");
    EXPECT_EQ(competitor_name(" Other ", cfg), "Other");
}

PriceSignal signal(double value, const std::string& unit) {
    PriceSignal p;
    p.value = value;
    p.unit = unit;
    return p;
}

TEST(Extraction, PricesFormatWithSignAndUnit) {
    EXPECT_EQ(format_price(signal(-15, "%")), "-15%");
    EXPECT_EQ(format_price(signal(8, "%")), "+8%");
    EXPECT_EQ(format_price(signal(2000, "CNY")), "2000 CNY");
    EXPECT_EQ(format_price(signal(-0.25, "USD")), "-0.25 USD");
    PriceSignal range = signal(-15, "%");
    range.low = -10;
    EXPECT_EQ(format_price(range), "-10~15%");
    PriceSignal seat = signal(3000, "");
    seat.per = {"seat", "year"};
    EXPECT_EQ(format_price(seat), "3000/seat/year");
    EXPECT_EQ(format_price(seat, {{"seat", "每席位"}, {"year", "每年"}}), "3000 每席位 每年");
    EXPECT_THAT(extract("no facts here", config()).prices, IsEmpty());
}

}  // namespace
}  // namespace twintrack::bot::reports
