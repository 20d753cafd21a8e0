#pragma once
// Engagements (dual track): customers and their aliases, funnel stages with one lead
// department, owner and consultants, the marketing -> sales handoff with its deadline
// and escalation, the no-overlap rule and joint planning for key engagements.

#include <memory>
#include <string>
#include <vector>

#include "bot/customers.hpp"
#include "bot/feature.hpp"
#include "bot/features/engagements/funnel.hpp"
#include "bot/name_key.hpp"
#include "store/database.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::engagements {

/// One funnel stage as configured: `{name: proposal, side: bottom}`.
struct FunnelStageSetting {
    std::string name;
    std::string side = "top";  ///< top (marketing leads) or bottom (sales leads)
    bool closed = false;       ///< an end of the funnel, such as won or lost
};

/// The `funnel:` section. The handoff deadline and the key-engagement threshold are
/// Rules (handoff_acceptance_hours, key_engagement_amount).
struct FunnelSettings {
    /// Empty means the default funnel: awareness, interest, lead (top), qualified,
    /// proposal, negotiation, won, lost (bottom).
    std::vector<FunnelStageSetting> stages;
    std::string overlap = "refuse";  ///< refuse or flag (to both departments' managers)
};

/// `funnel: {stages: [{name: awareness, side: top}, ...], overlap: refuse}`. Stages are
/// one word each, listed once, top ones before bottom ones, at least one of each.
void read_config(core::SectionReader& section, FeatureSettings& settings);

/// The engagements feature: section `funnel`, migration 0002 (in store/migrations/, shared
/// with the engine's channel_tracks); its tables are its store part's (store/). Offers
/// Customers, EngagementFacts and FunnelStages.
Feature feature();

/// The Customers service over `db` (which outlives it), for the program's own work
/// without an engine: `twintrack import deals` and the demo history link deals to their
/// customers through it, as a running engine's features do through its services.
std::shared_ptr<const Customers> customers_on(store::Database& db);

/// The funnel configured in `settings` (the default one when none is).
Funnel funnel_from(const FunnelSettings& settings);
OverlapPolicy overlap_from(const FunnelSettings& settings);

/// Customer names compare by bot::name_key (bot/name_key.hpp).
using bot::name_key;

/// Registers the commands and the handoff deadline job.
void register_engagements(Engine& engine);

}  // namespace twintrack::bot::engagements
