#pragma once
// `training new` in three steps: the declared arguments are read by the Router
// (bot/args.hpp), plan_training (pure) checks them and builds the training, and the
// handler saves it, schedules its reminders and invites the audience. The pure step is
// unit-tested without a bot (tests/features/activities_test.cpp).

#include <date/date.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bot/features/social/store/social_store.hpp"
#include "bot/prompts.hpp"

namespace twintrack::bot::social {

inline constexpr long long max_training_capacity = 10000;
inline constexpr long long max_training_cost = 1000000000;

/// The words of a `training new` line, as the parser read them.
struct TrainingAsk {
    std::string topic;
    std::int64_t trainer_id = 0;
    std::string audience;  ///< as typed: sales, 销售部, all, 全体...
    date::year_month_day day;
    std::string day_text;  ///< the date as typed, for answers
    std::string time;      ///< HH:MM as typed
    std::optional<std::string> capacity;
    std::optional<std::string> cost;
};

/// The organiser, their zone and the time of asking.
struct TrainingContext {
    const Prompts& prompts;
    std::int64_t organiser_id = 0;
    std::string zone;
    std::int64_t now_ms = 0;
};

/// A training to save, or the problem to answer (a prompt key under `social.` and its
/// data): a capacity or cost out of range, an audience, a time that is not one, a time
/// that does not exist in the zone or has passed.
struct TrainingPlan {
    std::optional<store::social::Training> training;
    std::string problem;
    nlohmann::json data = nlohmann::json::object();
};
TrainingPlan plan_training(const TrainingAsk& ask, const TrainingContext& context);

/// sales, marketing or all for an audience word of any locale (`social.words.*`, or the
/// department's name in English).
std::optional<std::string> audience_of(const Prompts& prompts, const std::string& word);

/// The reminders still ahead of a training starting at `starts_at`: (hours before, when),
/// 24 hours and one hour before.
std::vector<std::pair<int, std::int64_t>> reminder_times(std::int64_t starts_at,
                                                         std::int64_t now_ms);

}  // namespace twintrack::bot::social
