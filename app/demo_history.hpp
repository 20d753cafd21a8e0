#pragma once
// The demo organisation's history for `twintrack run --demo`: twelve weeks of plausible
// work (engagements through the funnel and their handoffs, field reports in English and
// Chinese, deals against quotas, campaigns, joint meetings, coffee rounds, a training and
// an outing with their costs), generated at start from a fixed seed and dated relative to
// the clock, so `metrics`, `reports week`, `intel Huawei` and `summary reports` have
// something to show from the first minute. Written through the store's repositories and
// the features' own helpers, once: only into a store without history of its own.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "bot/prompts.hpp"
#include "bot/settings.hpp"
#include "core/clock.hpp"
#include "store/store.hpp"

namespace twintrack::app {

/// The seed of the demo history: the same seed gives the same history (std::mt19937 with
/// the project's own mapping of its output, so every standard library agrees).
constexpr std::uint32_t demo_seed = 20261128u;
/// Whole weeks of history before the current week (which gets its share up to now).
constexpr int demo_weeks = 12;
/// The `bot_settings` key that records that the history was loaded (its value: when).
constexpr const char* demo_history_key = "demo.history_loaded_at";

/// What was written.
struct DemoHistoryCounts {
    int customers = 0;
    int engagements = 0;
    int handoffs = 0;
    int consultations = 0;
    int reports = 0;
    int deals = 0;
    int quotas = 0;
    int campaigns = 0;
    int touches = 0;
    int meetings = 0;
    int coffee_rounds = 0;
    int trainings = 0;
    int outings = 0;
};

/// Loads the history into `store` in one transaction and records that it did. Nothing is
/// written (and nothing returned) when it was loaded before, when the store already has
/// customers, engagements, reports or deals, or when it has no marketing or no sales
/// people to write it for. Times are relative to `clock`; names of competitors and needs
/// come from the reports feature's settings, the funnel, currency rules and activity costs from
/// `settings`.
std::optional<DemoHistoryCounts> load_demo_history(store::Store& store,
                                                   const bot::BotSettings& settings,
                                                   const bot::Prompts& prompts,
                                                   const core::Clock& clock,
                                                   std::uint32_t seed = demo_seed);

/// What `run --demo` did to the store before the engine started.
enum class DemoStart {
    loaded,      ///< the store had nobody: the demo people and their history are in
    left_alone,  ///< the store has people: nothing was added
    failed,      ///< the people file could not be imported (reasons written to `out`)
};

/// `run --demo`: into a store with nobody in it, imports `people_csv` and loads the demo
/// history; a store that has people (a restart, or a real directory) is left alone.
/// Prints the import's outcome in `locale` to `out`.
DemoStart start_demo(store::Store& store, const std::string& people_csv,
                     const bot::BotSettings& settings, const bot::Prompts& prompts,
                     const core::Clock& clock, const std::string& locale, std::ostream& out);

}  // namespace twintrack::app
