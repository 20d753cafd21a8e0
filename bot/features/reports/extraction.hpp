#pragma once
// Understanding a field report (pure, no store): which customers and competitors it
// names, the price signals it gives and the customer needs it reports. English terms
// match on word boundaries (ICU), Chinese ones as substrings.

#include <string>
#include <vector>

#include "bot/settings.hpp"

namespace twintrack::bot::reports {

/// A known customer: its id in the store, its name and its aliases.
struct KnownCustomer {
    std::int64_t id = 0;
    std::string name;
    std::vector<std::string> aliases;
};

/// What extraction looks for.
struct ExtractionConfig {
    std::vector<CompetitorSetting> competitors;
    std::vector<std::string> need_keywords;  ///< every locale's, merged
    std::vector<KnownCustomer> customers;
};

/// A name found in the text: the canonical name and the words that were written.
struct Mention {
    std::string name;
    std::string matched;
    std::int64_t id = 0;  ///< customers: the store id; else 0

    bool operator==(const Mention& o) const { return name == o.name && matched == o.matched; }
};

struct PriceSignal {
    double value = 0;  ///< negative: lower than ours, a discount
    std::string unit;  ///< "%", "CNY" or "USD"

    bool operator==(const PriceSignal& o) const { return value == o.value && unit == o.unit; }
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

/// "-15%", "+8%", "-2000 CNY", "1200.5 USD".
std::string format_price(const PriceSignal& price);

}  // namespace twintrack::bot::reports
