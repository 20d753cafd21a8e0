#pragma once
// `engagement new` without the chat around it: what the funnel, the owner and the
// customer's open engagements make of it. Pure: no turn, no store; the handler
// (engagements.cpp) answers and writes. Its words are declared on the command and read
// by the Router (bot/args.hpp).

#include <optional>
#include <string>
#include <vector>

#include "bot/features/engagements/funnel.hpp"
#include "bot/features/engagements/store/engagements_store.hpp"
#include "store/people.hpp"

namespace twintrack::bot::engagements {

/// What a new engagement at `stage` comes to.
struct NewEngagementPlan {
    enum class Outcome {
        create,              ///< create it (`flagged`: despite the other department's)
        owner_outside_lead,  ///< the named owner is not in the lead department
        already_open,        ///< the lead department has one open already (`conflict`)
        overlap_refused,     ///< the other department leads one (`conflict`), policy refuse
    };
    Outcome outcome = Outcome::create;
    std::string lead;                      ///< the department the stage implies
    const store::Person* owner = nullptr;  ///< the named owner, else the creator when in lead
    std::optional<store::engagements::Engagement> conflict;
    bool flagged = false;  ///< created although the other department leads one (policy flag)
};

/// Decides a new engagement at `stage` made by `creator`, owned by `named_owner` (null
/// when none was named), for a customer whose engagements are `existing` (closed ones
/// are ignored), under the overlap `policy`.
NewEngagementPlan plan_new_engagement(const FunnelStage& stage, OverlapPolicy policy,
                                      const store::Person& creator,
                                      const store::Person* named_owner,
                                      const std::vector<store::engagements::Engagement>& existing);

}  // namespace twintrack::bot::engagements
