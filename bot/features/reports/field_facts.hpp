#pragma once
// What the reports feature offers other features (Engine::services()): the facts each
// field report named, read-only. The 3-1-3 plan counts them per market.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::bot::reports {

/// One field report as the plan needs it: when, for which customer, what it named.
struct FieldFact {
    std::int64_t id = 0;
    std::int64_t filed_at = 0;
    std::optional<std::int64_t> customer_id;  ///< filed under, or the first known named
    std::vector<std::string> competitors;     ///< canonical names
    std::vector<std::string> needs;           ///< as written
    int price_signals = 0;
};

class FieldFacts {
  public:
    virtual ~FieldFacts() = default;
    /// Reports filed in [from_ms, to_ms), oldest first.
    virtual std::vector<FieldFact> filed_between(std::int64_t from_ms, std::int64_t to_ms) = 0;
};

}  // namespace twintrack::bot::reports
