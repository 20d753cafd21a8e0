#include "bot/features/engagements/new_engagement.hpp"

#include "core/text.hpp"

namespace twintrack::bot::engagements {

NewEngagementRequest parse_new_engagement(
    const std::vector<std::string>& words,
    const std::function<bool(const std::string& option, const std::string& key)>& is_key) {
    NewEngagementRequest r;
    std::vector<std::string> name_words;
    for (const auto& w : words) {
        const auto eq = w.find('=');
        if (eq == std::string::npos || eq == 0) {
            name_words.push_back(w);
            continue;
        }
        const std::string key = w.substr(0, eq), value = w.substr(eq + 1);
        if (is_key("stage", key)) {
            r.stage = value;
        } else if (is_key("owner", key)) {
            r.owner = value;
        } else if (is_key("amount", key)) {
            r.amount = value;
        } else {
            name_words.push_back(w);
        }
    }
    r.customer = core::join(name_words, " ");
    return r;
}

NewEngagementPlan plan_new_engagement(const FunnelStage& stage, OverlapPolicy policy,
                                      const store::Person& creator,
                                      const store::Person* named_owner,
                                      const std::vector<store::Engagement>& existing) {
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
