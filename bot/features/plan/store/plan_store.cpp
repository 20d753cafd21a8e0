#include "bot/features/plan/store/plan_store.hpp"

#include <algorithm>
#include <cctype>

namespace twintrack::store::plan {
namespace {

Value plan_real(const std::optional<double>& v) { return v ? Value(*v) : Value(nullptr); }

Value plan_person(const std::optional<std::int64_t>& v) { return nullable(v); }

std::optional<double> plan_real_or_none(const Row& r, int col) {
    return r.is_null(col) ? std::nullopt : std::optional<double>(r.real(col));
}

std::string activity_key(const std::string& name) {
    std::string key = name;
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return key;
}

}  // namespace

void PlanRepository::set_market(std::int64_t customer_id, const std::string& market,
                                std::int64_t by, std::int64_t at) {
    db_.execute(
        "INSERT INTO plan_customer_markets (customer_id, market, set_by, set_at) VALUES (?, ?, "
        "?, ?) ON CONFLICT (customer_id) DO UPDATE SET market = excluded.market, set_by = "
        "excluded.set_by, set_at = excluded.set_at",
        {customer_id, market, by, at});
}

std::map<std::int64_t, std::string> PlanRepository::customer_markets() const {
    std::map<std::int64_t, std::string> out;
    db_.query("SELECT customer_id, market FROM plan_customer_markets", {},
              [&](const Row& r) { out[r.integer(0)] = r.text(1); });
    return out;
}

void PlanRepository::set_outlook(const PlanOutlook& outlook, std::optional<std::int64_t> by) {
    db_.execute(
        "INSERT INTO plan_outlooks (market, text, set_by, set_at) VALUES (?, ?, ?, ?) ON "
        "CONFLICT (market) DO UPDATE SET text = excluded.text, set_by = excluded.set_by, "
        "set_at = excluded.set_at",
        {outlook.market, outlook.text, plan_person(by), outlook.set_at});
}

std::vector<PlanOutlook> PlanRepository::outlooks() const {
    std::vector<PlanOutlook> out;
    db_.query("SELECT market, text, set_at FROM plan_outlooks ORDER BY market", {},
              [&](const Row& r) {
                  out.push_back({r.text(0), r.text(1), r.integer(2)});
              });
    return out;
}

void PlanRepository::set_target(const PlanTarget& target, std::optional<std::int64_t> by,
                                std::int64_t at) {
    db_.execute(
        "INSERT INTO plan_targets (year, market, revenue, budget, set_by, set_at) VALUES (?, "
        "?, ?, ?, ?, ?) ON CONFLICT (year, market) DO UPDATE SET revenue = "
        "coalesce(excluded.revenue, plan_targets.revenue), budget = coalesce(excluded.budget, "
        "plan_targets.budget), set_by = excluded.set_by, set_at = excluded.set_at",
        {static_cast<std::int64_t>(target.year), target.market, plan_real(target.revenue),
         plan_real(target.budget), plan_person(by), at});
}

std::vector<PlanTarget> PlanRepository::targets(int year) const {
    std::vector<PlanTarget> out;
    db_.query(
        "SELECT year, market, revenue, budget FROM plan_targets WHERE year = ? ORDER BY market",
        {static_cast<std::int64_t>(year)}, [&](const Row& r) {
            out.push_back({static_cast<int>(r.integer(0)), r.text(1), plan_real_or_none(r, 2),
                           plan_real_or_none(r, 3)});
        });
    return out;
}

std::vector<PlanTarget> PlanRepository::all_targets() const {
    std::vector<PlanTarget> out;
    db_.query("SELECT year, market, revenue, budget FROM plan_targets ORDER BY year, market", {},
              [&](const Row& r) {
                  out.push_back({static_cast<int>(r.integer(0)), r.text(1), plan_real_or_none(r, 2),
                                 plan_real_or_none(r, 3)});
              });
    return out;
}

std::int64_t PlanRepository::set_activity(const PlanActivity& a, std::optional<std::int64_t> by,
                                          std::int64_t at) {
    const std::string key = activity_key(a.name);
    std::optional<std::int64_t> id;
    db_.query("SELECT id FROM plan_activities WHERE quarter = ? AND name_key = ?", {a.quarter, key},
              [&](const Row& r) { id = r.integer(0); });
    if (id) {
        db_.execute(
            "UPDATE plan_activities SET name = ?, market = ?, budget = ?, spent = coalesce(?, "
            "spent), set_by = ?, set_at = ? WHERE id = ?",
            {a.name, a.market, a.budget, plan_real(a.spent), plan_person(by), at, *id});
        return *id;
    }
    return db_.insert(
        "INSERT INTO plan_activities (name, name_key, market, quarter, budget, spent, set_by, "
        "set_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {a.name, key, a.market, a.quarter, a.budget, plan_real(a.spent), plan_person(by), at});
}

std::vector<PlanActivity> PlanRepository::activities(const std::string& quarter) const {
    std::vector<PlanActivity> out;
    db_.query(
        "SELECT id, name, market, quarter, budget, spent FROM plan_activities WHERE ? = '' OR "
        "quarter = ? ORDER BY quarter, name_key",
        {quarter, quarter}, [&](const Row& r) {
            out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.real(4),
                           plan_real_or_none(r, 5)});
        });
    return out;
}

}  // namespace twintrack::store::plan
