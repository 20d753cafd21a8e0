#pragma once
// What the metrics feature offers other features (Engine::services()): its campaigns and
// the customers each touched, a campaign's results as the metrics count them, and amounts
// written as the metrics write them. The campaigns feature plans the campaigns, asks the
// owners of the customers touched, and posts the results at a campaign's review step.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::bot {

/// A campaign as the metrics keep it (`campaign new`, `import campaigns`).
struct Campaign {
    std::int64_t id = 0;
    std::string name;
    std::string name_key;        ///< bot::name_key of the name
    double cost = 0;             ///< in the company currency
    std::string starts_on;       ///< YYYY-MM-DD, in the company zone
    std::string ends_on;         ///< the last day, included
    std::int64_t starts_at = 0;  ///< UTC ms
    std::int64_t ends_at = 0;    ///< the end of ends_on in the company zone
    std::string segment;
    std::optional<std::int64_t> created_by;
    std::int64_t created_at = 0;
};

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
    /// Every campaign (`campaign new`, `import campaigns`), ordered by id.
    virtual std::vector<Campaign> campaigns() const = 0;
    /// The customers `campaign touch` recorded for the campaign.
    virtual std::vector<std::int64_t> touched_customers(std::int64_t campaign_id) const = 0;
    virtual CampaignResult of(const Campaign& campaign, std::int64_t from_ms,
                              std::int64_t to_ms) const = 0;
    /// An amount in the company currency: "1,234,567 CNY".
    virtual std::string money_text(double amount) const = 0;
};

}  // namespace twintrack::bot
