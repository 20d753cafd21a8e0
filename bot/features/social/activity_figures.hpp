#pragma once
// The figures of communication activities, computed once: the commands (`training`,
// `outing`, `budget`, `coffee stats`) and what the feature offers others (ActivityStats,
// read by the dashboard) call these same functions. Pure: they read only their arguments.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bot/features/social/activity_stats.hpp"
#include "bot/features/social/store/social_store.hpp"

namespace twintrack::bot::social {

/// Seats taken, waiting places and attendance of a training.
SeatCount seat_count(const std::vector<store::social::TrainingSeat>& seats);

/// Who said they come to an outing and who said they do not.
RsvpCount rsvp_count(const std::vector<store::social::OutingRsvp>& rsvps);

/// The budget of one quarter by kind, ordered by kind: every configured kind and every
/// kind that has costs in the quarter.
std::vector<BudgetLine> budget_lines(const std::map<std::string, long long>& configured,
                                     const std::vector<store::social::CostTotal>& totals);

/// The state of a coffee round at `now_ms`: "stopped" when its programme was stopped
/// (`stopped_at`), else "ended" once it ended, else "running".
std::string round_state(const store::social::CoffeeRound& round,
                        const store::social::CoffeeProgramme& programme, std::int64_t now_ms);

}  // namespace twintrack::bot::social
