#pragma once
// Shared tone (issue 6): `tone check` against the tone guide, announcements rendered per
// track from one key message and posted only after both departments' managers approved,
// and the optional draft watch in configured channels.

#include <string>

namespace twintrack::bot {
class Engine;
struct ToneSettings;
}  // namespace twintrack::bot

namespace twintrack::bot::tone {

/// The rules folder to load: the configured one, else `config/tone` of the source tree.
std::string rules_dir(const ToneSettings& settings);

/// Loads the tone guide (throws ToneGuideError when a rule file is bad) and registers
/// the tone commands, the announcement job and the draft watch.
void register_tone(Engine& engine);

}  // namespace twintrack::bot::tone
