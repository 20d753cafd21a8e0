#pragma once
// What the bot is told by config: the company, its defaults and the cooperation rules.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace twintrack::bot {

/// The rules both departments agreed on (PRODUCT.md, "Rules over goodwill"); shown to
/// everyone by `rules`.
struct Rules {
    int handoff_acceptance_hours = 24;  ///< working hours in the rep's zone
    std::string report_window = "sales: Fri 15:00 - Mon 10:00";
    double commission_pool_rate = 0.05;        ///< share of incremental sales
    long long key_engagement_amount = 500000;  ///< in the company currency
    std::string currency = "CNY";
    /// Further agreements in each locale, shown as written.
    std::map<std::string, std::vector<std::string>> notes;
};

struct BotSettings {
    std::string company_name = "TwinTrack";
    std::string company_timezone = "Asia/Shanghai";
    std::string default_locale = "en";
    std::string bot_user = "twintrack";
    std::chrono::minutes dialog_timeout{30};
    Rules rules;
};

}  // namespace twintrack::bot
