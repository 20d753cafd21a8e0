#pragma once
// Communication activities (issue 5, part B): cross-department coffee pairing, trainings
// with waiting lists and attendance, outings with a date poll and RSVPs, and the
// quarterly activity budget.

#include <map>
#include <string>

#include "bot/feature.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::social {

/// The `social:` section: communication activities (coffee pairing, trainings,
/// outings) and the activity budget.
struct SocialSettings {
    /// Budget per quarter per kind of activity (coffee, training, outing, meeting, ...),
    /// in whole units of `rules.currency`.
    std::map<std::string, long long> quarterly_budget;
    /// What one coffee group of a round costs (the company pays the coffee); 0 = free.
    long long coffee_cost_per_group = 0;
};

/// `social: {budget: {coffee: 2000, training: 10000, outing: 20000, meeting: 5000},
/// coffee_cost_per_group: 60}`: amounts per quarter in whole units of rules.currency.
void read_config(core::SectionReader& section, FeatureSettings& settings);

/// Registers every social command, dialog and job on the engine, and offers
/// ActivityStats (activity_stats.hpp) to other features.
void register_social(Engine& engine);

/// The social feature: section `social`, migrations 0010 and 0019 (its own, migrations/).
Feature feature();

}  // namespace twintrack::bot::social
