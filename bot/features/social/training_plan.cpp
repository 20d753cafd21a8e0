#include "bot/features/social/training_plan.hpp"

#include "bot/features/social/common.hpp"
#include "core/text.hpp"

namespace twintrack::bot::social {
namespace {

std::string ask_clip(const std::string& s) { return std::string(core::utf8_prefix(s, 32)); }

TrainingPlan plan_refused(std::string key, nlohmann::json data) {
    TrainingPlan p;
    p.problem = std::move(key);
    p.data = std::move(data);
    return p;
}

}  // namespace

std::optional<std::string> audience_of(const Prompts& prompts, const std::string& word) {
    if (prompts.is_word("social.words.all", word)) return std::string("all");
    for (const std::string d : {"sales", "marketing"}) {
        if (core::ascii_lower(word) == d || prompts.is_word("social.words." + d, word)) return d;
    }
    return std::nullopt;
}

TrainingPlan plan_training(const TrainingAsk& ask, const TrainingContext& c) {
    store::social::Training t;
    if (ask.capacity) {
        const auto n = parse_number(*ask.capacity, 1, max_training_capacity);
        if (!n) {
            return plan_refused("bad_capacity", {{"value", ask_clip(*ask.capacity)},
                                                 {"max", max_training_capacity}});
        }
        t.capacity = static_cast<int>(*n);
    }
    if (ask.cost) {
        const auto n = parse_number(*ask.cost, 0, max_training_cost);
        if (!n) return plan_refused("bad_cost", {{"value", ask_clip(*ask.cost)}});
        t.cost = *n;
    }
    const auto audience = audience_of(c.prompts, ask.audience);
    if (!audience) return plan_refused("bad_audience", {{"word", ask_clip(ask.audience)}});
    const auto minute = parse_time(ask.time);
    if (!minute) return plan_refused("bad_time", {{"time", ask_clip(ask.time)}});
    const auto at = local_instant(date::local_days{ask.day}, *minute, c.zone);
    const nlohmann::json when = {{"date", ask.day_text}, {"time", ask.time}, {"zone", c.zone}};
    if (!at) return plan_refused("time_in_gap", when);
    if (*at <= c.now_ms) return plan_refused("in_the_past", when);
    t.topic = std::string(core::utf8_prefix(ask.topic, 200));
    t.trainer_id = ask.trainer_id;
    t.audience = *audience;
    t.starts_at = *at;
    t.created_by = c.organiser_id;
    t.created_at = c.now_ms;
    TrainingPlan plan;
    plan.training = std::move(t);
    return plan;
}

std::vector<std::pair<int, std::int64_t>> reminder_times(std::int64_t starts_at,
                                                         std::int64_t now_ms) {
    std::vector<std::pair<int, std::int64_t>> out;
    for (const int hours : {24, 1}) {
        const std::int64_t due = starts_at - std::int64_t{hours} * 3600 * 1000;
        if (due > now_ms) out.emplace_back(hours, due);
    }
    return out;
}

}  // namespace twintrack::bot::social
