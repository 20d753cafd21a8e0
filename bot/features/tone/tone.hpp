#pragma once
// Shared tone (issue 6): `tone check` against the tone guide, announcements rendered per
// track from one key message and posted only after both departments' managers approved,
// and the optional draft watch in configured channels.

#include <string>
#include <vector>

#include "bot/feature.hpp"

namespace twintrack::bot {
class Engine;
}  // namespace twintrack::bot

namespace twintrack::bot::tone {

/// The `tone:` section: the shared tone guide and the draft watch.
struct ToneSettings {
    /// Folder of Vale-format rule files; empty: `config/tone` next to the program.
    std::string rules_dir;
    /// Channels ("CHANNEL" or "CONNECTOR:CHANNEL") where a message starting with
    /// "[draft]" gets a tone check reply. Empty: the watch is off.
    std::vector<std::string> watch_channels;
};

/// The rules folder to load: the configured one, else `config/tone` of the source tree.
std::string rules_dir(const ToneSettings& settings);

/// `tone: {rules: DIR, watch: [CHANNEL, CONNECTOR:CHANNEL]}` into ToneSettings.
void read_config(core::SectionReader& section, FeatureSettings& settings);

/// Loads the tone guide (throws ToneGuideError when a rule file is bad) and registers
/// the tone commands, the announcement job and the draft watch.
void register_tone(Engine& engine);

/// The tone feature: section `tone`, migration 0006 (announcements; its own, migrations/).
Feature feature();

}  // namespace twintrack::bot::tone
