#pragma once
// Marketing process management (过程管理): a campaign is a process, not a number. A
// campaign of the metrics (`campaign new`) is planned from a process template (config
// `campaigns.templates`) as steps with owners and due dates in working days; the board
// shows them, owners mark them done, sales gives input on the steps that ask for it, and
// the review step posts the campaign's incremental sales and cost from the metrics.

#include "bot/feature.hpp"
#include "bot/features/campaigns/campaign_plan.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::campaigns {

/// Registers `campaign plan`, `campaign NAME`, `step done`, `step input` and the jobs.
void register_campaigns(Engine& engine);

/// The campaigns feature: section `campaigns`, migration 25.
Feature feature();

}  // namespace twintrack::bot::campaigns
