#pragma once
// What the metrics feature offers other features (Engine::services()): the deals it keeps,
// read-only, in the company currency. The 3-1-3 plan counts pipeline and won revenue per
// market.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::bot::metrics {

struct PastDeal {
    std::int64_t id = 0;
    std::optional<std::int64_t> customer_id;
    std::string stage;  ///< open, won, lost
    double amount = 0;  ///< in the company currency
    std::int64_t created_at = 0;
    std::optional<std::int64_t> closed_at;
};

class DealHistory {
  public:
    virtual ~DealHistory() = default;
    /// The deals that were open at some time in [from_ms, to_ms): created before `to_ms`
    /// and not closed before `from_ms` (open ones included, whenever they were created).
    /// Deals closed before `from_ms` are not read.
    virtual std::vector<PastDeal> deals_before(std::int64_t from_ms, std::int64_t to_ms) = 0;
};

}  // namespace twintrack::bot::metrics
