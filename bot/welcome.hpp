#pragma once
// The welcome: the first time the bot meets a person (they appear in the directory with
// an identity on a running platform), it sends them one direct message saying who it is,
// the three things it will do for them (by department and role) and how to ask for help.
// Sent once per person, whichever platforms they use and across restarts (the people
// row records it), never to the bot's own accounts, and at most `welcome.per_minute` a
// minute, so importing a whole directory does not flood a platform.

#include <string>

namespace twintrack::bot {

class Engine;

/// The welcome group of a department and role: `sales_staff`, `sales_manager`,
/// `marketing_staff`, `marketing_manager`, `hr`, `management` or `admin`.
std::string welcome_group(const std::string& department, const std::string& role);

/// Registers the `welcome.send` job and schedules welcomes at the first tick and whenever
/// the directory changes (no-op unless `welcome.enabled`).
void register_welcome(Engine& engine);

}  // namespace twintrack::bot
