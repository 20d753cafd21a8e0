#pragma once
// Every feature's commands, dialogs and jobs, registered on an engine. The program and
// TestBot both call this, so a feature added to the registry is live everywhere.

#include <vector>

#include "bot/feature.hpp"

namespace twintrack::bot {

class Engine;

/// The feature registry, one line per feature (bot/features/features.cpp), in the order
/// they register. The program reads each one's config section from it.
const std::vector<Feature>& all_features();

/// Every feature's part of a person's data (Feature::person_data), in registry order:
/// `person export` and `person erase` cover the features' own tables with them.
std::vector<store::PersonDataPart> person_data_parts();

/// The built-in commands, sign-in, every feature of all_features(), retention and the
/// welcome, on `engine`.
void register_features(Engine& engine);

}  // namespace twintrack::bot
