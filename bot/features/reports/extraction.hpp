#pragma once
// Understanding a field report (pure, no store): which customers and competitors it
// names, the price signals it gives and the customer needs it reports. English terms
// match on word boundaries (ICU), Chinese ones as substrings. Numbers are read by
// core/numbers in both numeral systems; the words around them come from prompts.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bot/features/reports/report_settings.hpp"
#include "bot/metrics_settings.hpp"
#include "bot/prompts.hpp"
#include "bot/settings.hpp"

namespace twintrack::bot::reports {

/// A known customer: its id in the store, its name and its aliases.
struct KnownCustomer {
    std::int64_t id = 0;
    std::string name;
    std::vector<std::string> aliases;
};

/// The words of price signals and tags (`reports.words.*` of every locale, lower case) and the
/// rates that convert amounts into the company currency.
struct PriceWords {
    std::vector<std::string> lower;           ///< make a signal negative: "off", "便宜"
    std::vector<std::string> higher;          ///< make it positive: "premium", "贵"
    std::vector<std::string> context;         ///< make a bare percentage a price: "price", "价"
    std::vector<std::string> percent;         ///< after a number: "%", "percent", "个点"
    std::vector<std::string> percent_before;  ///< before a number: "百分之"
    std::vector<std::string> tenths_off;      ///< "折": 八折 is 20 % off
    std::vector<std::string> tenths_share;    ///< "成": 两成 is 20 %, with a direction word
    std::vector<std::string> range;           ///< between two numbers: "-", "to", "到"
    std::vector<std::string> not_price;       ///< words that contain a unit: "折叠", "成本"
    /// Tag names: "#NAME:value" names a competitor or a customer need
    /// (`reports.words.tag_competitor`, `tag_need`).
    std::vector<std::string> competitor_tags;
    std::vector<std::string> need_tags;
    /// Per-unit and per-period qualifiers, in the order shown: {"seat", {"per seat", ...}}.
    std::vector<std::pair<std::string, std::vector<std::string>>> qualifiers;
    /// ISO code and the symbols, codes and words that name the currency.
    std::vector<std::pair<std::string, std::vector<std::string>>> currencies;
    std::map<std::string, double> rates;  ///< code -> value of one unit in the company currency
    std::string company_currency;
};

/// The price words of every locale in `prompts`, with the metrics feature's currency
/// rates (metrics::MetricsSettings::rates).
PriceWords price_words(const Prompts& prompts, const BotSettings& settings);

/// What extraction looks for.
struct ExtractionConfig {
    std::vector<CompetitorSetting> competitors;
    std::vector<std::string> need_keywords;  ///< every locale's, merged
    std::vector<KnownCustomer> customers;
    PriceWords prices;
};

/// A name found in the text: the canonical name and the words that were written.
struct Mention {
    std::string name;
    std::string matched;
    std::int64_t id = 0;  ///< customers: the store id; else 0

    bool operator==(const Mention& o) const { return name == o.name && matched == o.matched; }
};

struct PriceSignal {
    double value = 0;  ///< negative: lower than ours, a discount; a range's end farther from 0
    std::string unit;  ///< "%", an ISO currency code, or empty for an amount without one
    std::optional<double> low;      ///< a range's other end (same sign)
    std::vector<std::string> per;   ///< qualifiers: "seat", "user", "unit", "year", "month"
    std::optional<double> company;  ///< an amount in the company currency, when converted
    std::string company_currency;   ///< the currency of `company`

    bool percent() const { return unit == "%"; }
    bool operator==(const PriceSignal& o) const {
        return value == o.value && unit == o.unit && low == o.low && per == o.per &&
               company == o.company;
    }
};

struct Extraction {
    std::vector<Mention> customers;
    std::vector<Mention> competitors;
    std::vector<PriceSignal> prices;
    std::vector<std::string> needs;
};

/// The extraction config for `settings`, with `customers` to look for.
ExtractionConfig extraction_config(const ReportSettings& settings,
                                   std::vector<KnownCustomer> customers);

/// Everything `text` says, each fact once, in the order written.
Extraction extract(const std::string& text, const ExtractionConfig& config);

/// The configured competitor `text` names (name or alias, any case), else `text` itself.
std::string competitor_name(const std::string& text, const ExtractionConfig& config);

/// "-15%", "+8%", "-10~15%", "-2000 CNY", "1200.5 USD (≈8523.55 CNY)", "3000 CNY per
/// seat": qualifiers are shown with `per_text` (qualifier -> words), else as "/seat".
std::string format_price(const PriceSignal& price,
                         const std::map<std::string, std::string>& per_text = {});

}  // namespace twintrack::bot::reports
