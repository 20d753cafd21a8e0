#pragma once
// What the social feature offers other features (Engine::services()): coffee groups that
// met, the activity budget and the calendar of trainings, outings and coffee rounds. The
// metrics feature reads it for the weekly joint numbers and the dashboard. Every figure is
// the one the social commands show (activity_figures.hpp computes both).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::bot::social {

/// The activity budget of a quarter, in whole units of the company currency.
struct BudgetUse {
    double planned = 0;  ///< the configured budget of one quarter, every kind together
    double spent = 0;    ///< costs of activities that took place by now
};

/// One kind of activity in a quarter, as `budget` shows it.
struct BudgetLine {
    std::string kind;      ///< coffee, training, outing, meeting, ...
    long long budget = 0;  ///< configured for the quarter
    long long planned = 0;
    long long spent = 0;
};

/// A training's seats, waiting list and attendance, as `training ID` shows them.
struct SeatCount {
    std::int64_t registered = 0;
    std::int64_t waiting = 0;
    std::int64_t attended = 0;
};

/// An outing's answers, as `outing ID` shows them.
struct RsvpCount {
    std::int64_t going = 0;
    std::int64_t declined = 0;
};

/// A training, an outing or a coffee round on the calendar.
struct Activity {
    std::string kind;     ///< training, outing or coffee
    std::int64_t id = 0;  ///< of the training, outing or round
    std::string title;    ///< the topic or title; empty for a coffee round
    std::int64_t starts_at = 0;
    std::string day;  ///< an outing's day (YYYY-MM-DD); else empty
    /// scheduled/cancelled (training), polling/closed/cancelled (outing),
    /// running/ended/stopped (coffee round).
    std::string status;
    std::optional<int> capacity;
    std::optional<std::int64_t> registered;  ///< seats, people coming, groups
    std::optional<std::int64_t> waiting;
    std::optional<std::int64_t> declined;  ///< said no (outing), skipped (coffee)
    std::optional<std::int64_t> voters;
    std::optional<std::int64_t> attended;  ///< present (training), groups met (coffee)
    // Coffee rounds: the programme's departments, the round's number and, for a
    // stopped programme, when it stopped.
    std::string left_department;
    std::string right_department;
    int round = 0;
    std::optional<std::int64_t> stopped_at;
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
    /// The same quarter by kind of activity (the rows of `budget`).
    virtual std::vector<BudgetLine> budget_by_kind(std::int64_t quarter_from_ms,
                                                   std::int64_t quarter_to_ms) = 0;
    /// Every training starting in [from_ms, to_ms) (cancelled ones too), every outing on
    /// a day of it in `zone` (the chosen day, else the first polled; cancelled ones too)
    /// and every coffee round started in it (of stopped programmes too), by start.
    virtual std::vector<Activity> activities(std::int64_t from_ms, std::int64_t to_ms,
                                             const std::string& zone) = 0;
};

}  // namespace twintrack::bot::social
