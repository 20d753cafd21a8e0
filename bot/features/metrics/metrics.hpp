#pragma once
// Weekly joint metrics and manager summaries (issue 7): deals, quotas and campaigns
// entered in chat, the metrics on demand and every week to the marketing, sales and
// joint tracks (text with Unicode bars, and a PNG chart), and extractive summaries of
// field reports, channels and customers.

#include <functional>
#include <optional>
#include <string>

#include "bot/directory.hpp"
#include "bot/feature.hpp"
#include "bot/features/metrics/metrics_calc.hpp"
#include "bot/features/metrics/store/metrics_store.hpp"
#include "bot/metrics_settings.hpp"
#include "bot/settings.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::store {
class Store;
}

namespace twintrack::bot::reports {
class FieldFacts;
}

namespace twintrack::bot::metrics {

/// The attribution rules and pool rate configured in `settings`.
Attribution attribution_from(const BotSettings& settings);

/// Everything the metrics of [from, to) need (quotas' whole periods included); the
/// engagements, handoffs and consultations from the engagements feature's `facts` and the
/// field reports' facts from the reports feature's `field_facts` (none when null); deals,
/// quotas and campaigns from the feature's own `tables`.
MetricsData load_metrics_data(const store::metrics::MetricsTables& tables,
                              const Directory& directory, const EngagementFacts* facts,
                              std::int64_t from, std::int64_t to, reports::FieldFacts* field_facts);
/// The reports feature's FieldFacts on `engine` (bot/field_facts.hpp); null without it.
reports::FieldFacts* field_facts_of(const Engine& engine);

/// One campaign's figures as the metrics compute them (compute_metrics, docs/METRICS.md):
/// the deals won in `period` by customers the campaign touched before the deal closed,
/// attributed like every deal (with this campaign's touches only), and the part of the
/// campaign's cost that falls in `period`.
struct CampaignFigures {
    std::int64_t deals_won = 0;
    double revenue = 0;
    double incremental_sales = 0;
    double cost = 0;
    std::optional<double> cost_per_incremental;
};
CampaignFigures campaign_figures(const store::metrics::MetricsTables& tables, const Engine& engine,
                                 const store::metrics::Campaign& campaign, const Period& period);

/// Whose figures a reader sees: the visibility rules of `metrics` (docs/METRICS.md),
/// shared by the command and the dashboard.
struct View {
    Scope scope;
    std::string subject;             ///< "company", "department" or "person"
    const Person* person = nullptr;  ///< the person of a person view
    std::string department;          ///< whose figures; empty for the company
    std::string refused;             ///< "own" or "own_department" when not allowed
};

/// The view `me` asked for: `target` "" (the default of the reader's role), "team",
/// "person" (`other`, not null) or "department" (`department`; another department than
/// one's own only for admins and management's managers).
View view_for(const Engine& engine, const Person& me, const std::string& target,
              const Person* other, const std::string& department = "");

/// The joint numbers other features count (joint meetings held, coffee pairs met, the
/// activity budget of the quarter `period` starts in); unset where no feature offers them.
JointActivity joint_activity_of(const Engine& engine, const Period& period);

/// The company zone (config `company_timezone`).
const std::string& company_zone_of(const Engine& engine);

/// An amount in the company currency as the metrics write it: "1,234,567 CNY".
std::string money_text(const Engine& engine, double amount);

/// Registers the commands, the channel-message recorder and the weekly post.
void register_metrics(Engine& engine);

/// `metrics: {rates: {USD: 7.1}, attribution: {marketing_led: 1, influenced: 0.5, other: 0},
/// weekly_post: {enabled: true, at: "Mon 09:00"}}` into MetricsSettings.
void read_config(core::SectionReader& section, FeatureSettings& settings);

/// The metrics feature: section `metrics`, migration 0008 (its own), its part of a
/// person's data.
Feature feature();

}  // namespace twintrack::bot::metrics
