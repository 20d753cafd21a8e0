#include "bot/features/engagements/new_engagement.hpp"

namespace twintrack::bot::engagements {

NewEngagementPlan plan_new_engagement(const FunnelStage& stage, OverlapPolicy policy,
                                      const store::Person& creator,
                                      const store::Person* named_owner,
                                      const std::vector<store::engagements::Engagement>& existing) {
    using Outcome = NewEngagementPlan::Outcome;
    NewEngagementPlan plan;
    plan.lead = Funnel::lead_of(stage.side);
    if (named_owner != nullptr) {
        plan.owner = named_owner;
        if (named_owner->department != plan.lead) {
            plan.outcome = Outcome::owner_outside_lead;
            return plan;
        }
    } else if (creator.department == plan.lead) {
        plan.owner = &creator;
    }
    for (const auto& e : existing) {
        if (e.closed) continue;
        if (e.lead == plan.lead) {
            plan.outcome = Outcome::already_open;
            plan.conflict = e;
            return plan;
        }
        plan.conflict = e;  // the other department's
    }
    if (plan.conflict) {
        // Two departments would lead the same customer at once.
        if (policy == OverlapPolicy::refuse) {
            plan.outcome = Outcome::overlap_refused;
            return plan;
        }
        plan.flagged = true;
    }
    return plan;
}

}  // namespace twintrack::bot::engagements
