#pragma once
// The weekly joint metrics (docs/METRICS.md): pure functions over what the repositories
// hold. Amounts are in the company currency; times are UTC milliseconds.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "bot/engagement_facts.hpp"
#include "bot/features/metrics/store/metrics_store.hpp"
#include "core/types.hpp"

namespace twintrack::bot::metrics {

/// [from, to) in UTC milliseconds.
struct Period {
    std::int64_t from = 0;
    std::int64_t to = 0;
    bool contains(std::int64_t t) const { return t >= from && t < to; }
};

/// The week (Monday 00:00 to the next Monday 00:00 in `zone`) that contains `at`.
Period week_of(core::Timestamp at, const std::string& zone);
/// The calendar month / quarter containing `at` in `zone`.
Period month_of(core::Timestamp at, const std::string& zone);
Period quarter_of(core::Timestamp at, const std::string& zone);
/// The period of the same length just before `p` (for weeks: the previous week; months
/// and quarters: the previous calendar one, in `zone`).
Period previous(const Period& p, const std::string& kind, const std::string& zone);

/// How much of a won deal counts as incremental sales (config `metrics.attribution`).
struct Attribution {
    double marketing_led = 1.0;  ///< marketing led the engagement at the top of the funnel
    double influenced = 0.5;     ///< marketing consulted, or a campaign touched the customer
    double other = 0.0;
    double pool_rate = 0.05;  ///< shared commission pool = rate x incremental sales
};

struct ReportFact {
    std::int64_t author_id = 0;
    std::int64_t created_at = 0;
    std::vector<std::string> competitors;
};

struct PersonFact {
    std::int64_t id = 0;
    std::string name;
    std::string department;
};

/// Everything the metrics are computed from.
struct MetricsData {
    std::vector<store::metrics::Deal> deals;
    std::vector<store::metrics::Quota> quotas;
    std::vector<store::metrics::Campaign> campaigns;
    std::vector<store::metrics::CampaignTouch> touches;
    std::vector<EngagementFact> engagements;
    std::vector<HandoffFact> handoffs;
    std::vector<ConsultationFact> consultations;
    std::vector<ReportFact> reports;
    std::vector<PersonFact> people;
    /// The company zone: campaign cost is spread over its calendar days there.
    std::string zone = "UTC";
};

/// Joint activity counted by other features (joint meetings, coffee pairs, the activity
/// budget). Whatever is not provided is shown as "n/a".
struct JointActivity {
    std::optional<std::int64_t> joint_meetings_held;
    std::optional<std::int64_t> coffee_pairs_met;
    /// Thanks between marketing and sales (the thanks feature's ThanksStats).
    std::optional<std::int64_t> thanks_across;
    std::optional<double> budget_spent;
    std::optional<double> budget_planned;
    std::optional<std::int64_t> kit_needs;    ///< needs field reports named (the sales kit)
    std::optional<std::int64_t> kit_covered;  ///< of them, those a kit item covered
    std::optional<std::int64_t> kit_gaps;     ///< needs on the kit gaps list now
};

/// Whose numbers: nullopt means the whole company.
struct Scope {
    std::optional<std::set<std::int64_t>> people;
    /// Campaign cost (and cost per unit of incremental sales) is the company's: it is
    /// shown at company and department scope, not in one person's view.
    bool campaign_cost = true;
    bool includes(const std::optional<std::int64_t>& id) const {
        return !people || (id && people->count(*id) > 0);
    }
};

struct RepAttainment {
    std::int64_t person_id = 0;
    std::string name;
    double revenue_to_date = 0;  ///< won in the quota period up to the end of the period
    double quota = 0;
    double percent = 0;
};

struct Metrics {
    // Sales
    double revenue = 0;
    double profit = 0;
    std::int64_t deals_won = 0;
    std::int64_t deals_lost = 0;
    std::int64_t deals_without_margin = 0;
    double pipeline_created = 0;
    std::int64_t pipeline_deals = 0;
    std::optional<double> attainment_percent;  ///< quota period to date, all reps with quotas
    std::vector<RepAttainment> reps;           ///< by name
    // Marketing
    std::int64_t leads = 0;
    std::int64_t handoffs = 0;
    std::int64_t handoffs_accepted = 0;  ///< accepted by the end of the period
    std::optional<double> median_acceptance_hours;
    double incremental_sales = 0;
    double pool = 0;
    std::optional<double> campaign_cost;  ///< nothing in a person's view
    std::optional<double> cost_per_incremental;
    // Joint
    std::int64_t reporters = 0;
    std::int64_t expected_reporters = 0;
    std::optional<double> report_coverage_percent;
    std::vector<std::pair<std::string, std::int64_t>> top_competitors;  ///< at most 5
    std::int64_t consultations_asked = 0;
    std::int64_t consultations_answered = 0;  ///< answered by the end of the period
    JointActivity activity;
};

/// The share of a won deal that counts as incremental sales.
double attribution_share(const store::metrics::Deal& deal, const EngagementFact* engagement,
                         std::optional<std::int64_t> first_touch_at, const Attribution& a);

/// The metrics of `period`. Sales numbers count deals whose owner is in `scope`; report
/// coverage counts sales people in `scope`. Only what happened before the end of the
/// period counts, so a period's numbers do not change once it has ended.
Metrics compute_metrics(const MetricsData& data, const Period& period, const Attribution& a,
                        const Scope& scope = {});

/// Incremental sales of each of `weeks` consecutive weeks (in `zone`) ending with the
/// week `last`, oldest first, of the deals owned by people in `scope`.
std::vector<double> incremental_by_week(const MetricsData& data, const Period& last, int weeks,
                                        const Attribution& a, const std::string& zone,
                                        const Scope& scope = {});

/// A bar of `width` cells for value/max with Unicode eighth blocks.
std::string unicode_bar(double value, double max, int width = 10);

}  // namespace twintrack::bot::metrics
