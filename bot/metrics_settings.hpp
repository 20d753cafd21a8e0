#pragma once
// The metrics feature's settings (section `metrics:`), in bot/ because another feature
// reads them too: the reports feature converts price signals with the currency rates.

#include <map>
#include <string>

namespace twintrack::bot::metrics {

/// The `metrics:` section: deals in other currencies, attribution of won deals
/// to incremental sales, and when the weekly metrics are posted (in the company
/// zone). The company currency is rules.currency, the pool rate
/// rules.commission_pool_rate.
struct MetricsSettings {
    /// Company-currency units one unit of another currency is worth: {USD: 7.1}.
    std::map<std::string, double> rates;
    double marketing_led_share = 1.0;  ///< marketing led the top of the funnel
    double influenced_share = 0.5;     ///< marketing consulted or a campaign touched
    double other_share = 0.0;
    bool weekly_post = true;
    unsigned post_weekday = 1;  ///< 0 = Sunday ... 6 = Saturday
    int post_minute = 9 * 60;   ///< after local midnight
};

}  // namespace twintrack::bot::metrics
