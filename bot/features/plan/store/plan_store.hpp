#pragma once
// The plan feature's tables (plan_customer_markets, plan_outlooks, plan_targets,
// plan_activities; migration bot/features/plan/migrations/0026_plan.sql and the PostgreSQL
// twin): its own store part (target twintrack_feature_plan_store, linking only the store
// layer, nothing from bot/). The feature's commands open it on the turn's store
// (Turn::read_table, write_table); other features read the customers' markets through
// CustomerMarkets (bot/customer_markets.hpp).
//
// The 3-1-3 plan: customers' markets, the 3-year outlook per market, the 1-year targets
// (revenue and cost budget per market and year) and the 3-month activities with their
// budget and spending. Markets are the canonical names of the configured list; amounts are
// in the company currency; times are UTC milliseconds.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store::plan {

struct PlanOutlook {
    std::string market;
    std::string text;
    std::int64_t set_at = 0;
};

struct PlanTarget {
    int year = 0;
    std::string market;
    std::optional<double> revenue;
    std::optional<double> budget;
};

struct PlanActivity {
    std::int64_t id = 0;
    std::string name;
    std::string market;   ///< empty: every market
    std::string quarter;  ///< 2027Q1
    double budget = 0;
    std::optional<double> spent;
};

/// Everything one import writes, at once.
struct PlanImport {
    std::vector<PlanOutlook> outlooks;
    std::vector<PlanTarget> targets;
    std::vector<PlanActivity> activities;
};

class PlanRepository {
  public:
    explicit PlanRepository(Database& db) : db_(db) {}

    /// Sets (or replaces) a customer's market.
    void set_market(std::int64_t customer_id, const std::string& market, std::int64_t by,
                    std::int64_t at);
    /// The market of every customer that has one, by customer id.
    std::map<std::int64_t, std::string> customer_markets() const;

    void set_outlook(const PlanOutlook& outlook, std::optional<std::int64_t> by);
    std::vector<PlanOutlook> outlooks() const;

    /// Sets a market's target for a year; the given figures replace the stored ones,
    /// absent ones are kept.
    void set_target(const PlanTarget& target, std::optional<std::int64_t> by, std::int64_t at);
    std::vector<PlanTarget> targets(int year) const;
    /// Every year's targets, by year then market.
    std::vector<PlanTarget> all_targets() const;

    /// Adds the activity, or updates the one with the same name (any case) in its quarter
    /// (an absent `spent` keeps the stored one). Returns its id.
    std::int64_t set_activity(const PlanActivity& activity, std::optional<std::int64_t> by,
                              std::int64_t at);
    /// The activities of a quarter (all when empty), by quarter then name.
    std::vector<PlanActivity> activities(const std::string& quarter = "") const;

  private:
    Database& db_;
};

}  // namespace twintrack::store::plan
