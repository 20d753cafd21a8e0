#pragma once
// Engagements (dual track): customers and their aliases, funnel stages with one lead
// department, owner and consultants, the marketing -> sales handoff with its deadline
// and escalation, the no-overlap rule and joint planning for key engagements.

#include <string>

#include "bot/features/engagements/funnel.hpp"
#include "bot/settings.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::engagements {

/// The funnel configured in `settings` (the default one when none is).
Funnel funnel_from(const FunnelSettings& settings);
OverlapPolicy overlap_from(const FunnelSettings& settings);

/// Customer names compare case-insensitively and ignoring whitespace (also U+3000).
std::string name_key(const std::string& name);

/// Registers the commands and the handoff deadline job.
void register_engagements(Engine& engine);

}  // namespace twintrack::bot::engagements
