#pragma once
// The 3-1-3 plan (3-1-3 原则): marketing's 3-year outlook per market, 1-year target markets
// with revenue target and cost budget, and 3-month activities with their budget, held
// against what the field reports. Customers get a market (`customer market`); `plan`
// shows each market's line with reports, competitors, price signals, needs, pipeline and
// won revenue; a review is posted at the start of each quarter to marketing and joint.
// Reports and deals are read through the FieldFacts and DealHistory services, customers
// through Customers: no other feature is linked.

#include "bot/feature.hpp"
#include "bot/features/plan/plan_file.hpp"
#include "store/store.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::plan {

/// `plan: {markets: [manufacturing, {name: east-china, aliases: [华东]}],
/// review_post: {enabled: true, tracks: [marketing, joint], at: "09:00"}}`.
void read_config(core::SectionReader& section, FeatureSettings& settings);

/// What an import did: the rows kept, or the problems (rendered in the locale asked for,
/// each starting with its line) and nothing kept.
struct PlanImportOutcome {
    std::size_t outlooks = 0, targets = 0, activities = 0;
    std::vector<std::string> errors;
};

/// Reads a plan file (CSV or YAML, docs/PLAN.md) and stores it, all or nothing, in the
/// caller's transaction: `twintrack plan import FILE` and `plan import` in a chat.
PlanImportOutcome import_plan(const std::string& text, store::Store& store,
                              const PlanSettings& settings, const Prompts& prompts,
                              const std::string& locale, int default_year, std::int64_t now_ms,
                              std::optional<std::int64_t> by);

/// The stored plan as a plan file (CSV, the import columns): `twintrack plan export FILE`.
std::string plan_file_csv(store::Store& store, std::size_t& rows);

/// Registers the plan's commands and the quarterly review job.
void register_plan(Engine& engine);

/// The plan feature: section `plan`, migration 26.
Feature feature();

}  // namespace twintrack::bot::plan
