#pragma once
// What the social feature offers other features (Engine::services()): coffee groups that
// met and the activity budget. The metrics feature reads it for the weekly joint numbers.

#include <cstdint>
#include <optional>

namespace twintrack::bot::social {

/// The activity budget of a quarter, in whole units of the company currency.
struct BudgetUse {
    double planned = 0;  ///< the configured budget of one quarter, every kind together
    double spent = 0;    ///< costs of activities that took place by now
};

class ActivityStats {
  public:
    virtual ~ActivityStats() = default;
    /// Coffee groups of rounds that ended in [from_ms, to_ms) where someone said they met.
    virtual std::int64_t coffee_pairs_met(std::int64_t from_ms, std::int64_t to_ms) = 0;
    /// The budget of the quarter [quarter_from_ms, quarter_to_ms), by this engine's clock
    /// and settings; nothing when neither a budget is configured nor anything was spent.
    virtual std::optional<BudgetUse> budget(std::int64_t quarter_from_ms,
                                            std::int64_t quarter_to_ms) = 0;
};

}  // namespace twintrack::bot::social
