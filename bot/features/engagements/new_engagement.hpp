#pragma once
// `engagement new` without the chat around it: the typed words read into a request, and
// what the funnel, the owner and the customer's open engagements make of it. Pure: no
// turn, no store; the handler (engagements.cpp) answers and writes.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bot/features/engagements/funnel.hpp"
#include "store/engagements.hpp"
#include "store/people.hpp"

namespace twintrack::bot::engagements {

/// `engagement new NAME [stage=S] [owner=@P] [amount=N]` as typed.
struct NewEngagementRequest {
    std::string customer;               ///< the words that are not options, joined
    std::string stage;                  ///< empty: the funnel's first stage
    std::string owner;                  ///< a mention; empty: none named
    std::optional<std::string> amount;  ///< as typed, when given
};

/// Reads the words: `key=value` whose key `is_key("stage"|"owner"|"amount", key)` accepts
/// (the words of every locale) is that option, anything else is part of the name.
NewEngagementRequest parse_new_engagement(
    const std::vector<std::string>& words,
    const std::function<bool(const std::string& option, const std::string& key)>& is_key);

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
    std::optional<store::Engagement> conflict;
    bool flagged = false;  ///< created although the other department leads one (policy flag)
};

/// Decides a new engagement at `stage` made by `creator`, owned by `named_owner` (null
/// when none was named), for a customer whose engagements are `existing` (closed ones
/// are ignored), under the overlap `policy`.
NewEngagementPlan plan_new_engagement(const FunnelStage& stage, OverlapPolicy policy,
                                      const store::Person& creator,
                                      const store::Person* named_owner,
                                      const std::vector<store::Engagement>& existing);

}  // namespace twintrack::bot::engagements
