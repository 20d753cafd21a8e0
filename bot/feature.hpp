#pragma once
// A feature as a module: its name (also its config section), how it reads and checks
// that section, the store migrations it owns, and how it registers on an engine. The
// registry (bot/features/features.cpp, `all_features()`) has one line per feature, as
// connectors/registry has one per connector type.

#include <functional>
#include <string>
#include <vector>

#include "bot/settings.hpp"
#include "core/yaml_check.hpp"
#include "store/person_data.hpp"

namespace twintrack::bot {

class Engine;
class Services;

struct Feature {
    /// The feature's name, as in bot/features/NAME/.
    std::string name;
    /// The config section it reads (`tone:`); empty when it has none.
    std::string section;
    /// Reads the section into the feature's own settings in `settings` (kept there by
    /// type, see FeatureSettings); every problem goes to the reader's errors with its line,
    /// unknown keys included (finish()). The section may be absent: defaults stay. Null
    /// when the feature has no section of its own (rules reads the engine's `rules:`).
    std::function<void(core::SectionReader& section, FeatureSettings& settings)> read_config;
    /// The migration versions that made its tables (its own migrations/, or store/migrations/).
    std::vector<int> migrations;
    /// Registers commands, dialogs, jobs and routes on `engine`, and offers what other
    /// features read through `services`.
    std::function<void(Engine& engine, Services& services)> register_on;
    /// Instead of read_config, for a section that is not a mapping (`bridge:` is a list)
    /// or that names connectors: reads the raw node (absent: undefined) once the
    /// connectors are read, with their names (the default hub's when none is configured).
    std::function<void(const YAML::Node& node, const std::vector<std::string>& connectors,
                       core::ConfigErrors& errors, FeatureSettings& settings)>
        read_section = nullptr;
    /// Its own tables' part of a person's data (what `person export` shows, what `person
    /// erase` deletes or rewrites), supplied by the feature's store part. Null when its
    /// tables are store/'s (store/person_data.cpp covers those).
    std::function<store::PersonDataPart()> person_data = nullptr;
};

}  // namespace twintrack::bot
