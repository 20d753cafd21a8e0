#pragma once
// What the metrics feature offers other features (Engine::services()): a campaign's
// results as the metrics count them, and amounts written as the metrics write them. The
// campaigns feature posts them at a campaign's review step.

#include <cstdint>
#include <optional>
#include <string>

#include "store/metrics.hpp"
#include "store/store.hpp"

namespace twintrack::bot {

/// The deals won in [from_ms, to_ms) by customers the campaign touched before the deal
/// closed, their revenue and incremental sales (attributed with this campaign's touches
/// only), the part of the campaign's cost in that period and the cost per incremental sale.
struct CampaignResult {
    std::int64_t deals_won = 0;
    double revenue = 0;
    double incremental_sales = 0;
    double cost = 0;
    std::optional<double> cost_per_incremental;
};

class CampaignResults {
  public:
    virtual ~CampaignResults() = default;
    virtual CampaignResult of(const store::Store& store, const store::Campaign& campaign,
                              std::int64_t from_ms, std::int64_t to_ms) const = 0;
    /// An amount in the company currency: "1,234,567 CNY".
    virtual std::string money_text(double amount) const = 0;
};

}  // namespace twintrack::bot
