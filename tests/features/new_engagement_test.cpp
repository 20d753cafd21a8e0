// `engagement new` without the test bot: what the stage, the owner and the customer's
// open engagements make of a new engagement. (Its words are read by the argument parser:
// tests/unit/args_test.cpp.)

#include "bot/features/engagements/new_engagement.hpp"

#include <gtest/gtest.h>

namespace twintrack::bot::engagements {
namespace {

using Outcome = NewEngagementPlan::Outcome;

store::Person person(std::int64_t id, const std::string& department) {
    store::Person p;
    p.id = id;
    p.name = "p" + std::to_string(id);
    p.department = department;
    return p;
}

store::engagements::Engagement open_of(const std::string& lead, bool closed = false) {
    store::engagements::Engagement e;
    e.id = lead == "sales" ? 2 : 1;
    e.customer_name = "ACME";
    e.lead = lead;
    e.closed = closed;
    return e;
}

TEST(NewEngagement, StageOwnerAndOpenEngagementsDecide) {
    const Funnel funnel = Funnel::defaults();
    const store::Person mia = person(1, "marketing"), sam = person(2, "sales");
    struct Case {
        const char* name;
        std::string stage;
        const store::Person* creator;
        const store::Person* named_owner;
        std::vector<store::engagements::Engagement> existing;
        OverlapPolicy policy;
        Outcome outcome;
        std::string lead;
        const store::Person* owner;
        bool flagged;
        std::optional<std::int64_t> conflict;
    };
    const std::vector<Case> cases = {
        {"marketing opens a top stage: owns it",
         "awareness",
         &mia,
         nullptr,
         {},
         OverlapPolicy::refuse,
         Outcome::create,
         "marketing",
         &mia,
         false,
         std::nullopt},
        {"marketing opens a bottom stage: no owner",
         "proposal",
         &mia,
         nullptr,
         {},
         OverlapPolicy::refuse,
         Outcome::create,
         "sales",
         nullptr,
         false,
         std::nullopt},
        {"a named owner from the lead",
         "proposal",
         &mia,
         &sam,
         {},
         OverlapPolicy::refuse,
         Outcome::create,
         "sales",
         &sam,
         false,
         std::nullopt},
        {"a named owner outside the lead",
         "awareness",
         &mia,
         &sam,
         {},
         OverlapPolicy::refuse,
         Outcome::owner_outside_lead,
         "marketing",
         &sam,
         false,
         std::nullopt},
        {"the lead has one open",
         "interest",
         &mia,
         nullptr,
         {open_of("marketing")},
         OverlapPolicy::flag,
         Outcome::already_open,
         "marketing",
         &mia,
         false,
         1},
        {"a closed one does not count",
         "interest",
         &mia,
         nullptr,
         {open_of("marketing", true)},
         OverlapPolicy::refuse,
         Outcome::create,
         "marketing",
         &mia,
         false,
         std::nullopt},
        {"the other department leads: refused",
         "awareness",
         &mia,
         nullptr,
         {open_of("sales")},
         OverlapPolicy::refuse,
         Outcome::overlap_refused,
         "marketing",
         &mia,
         false,
         2},
        {"the other department leads: flagged",
         "awareness",
         &mia,
         nullptr,
         {open_of("sales")},
         OverlapPolicy::flag,
         Outcome::create,
         "marketing",
         &mia,
         true,
         2},
        {"the lead's own beats the other's",
         "qualified",
         &sam,
         nullptr,
         {open_of("marketing"), open_of("sales")},
         OverlapPolicy::flag,
         Outcome::already_open,
         "sales",
         &sam,
         false,
         2},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const FunnelStage* stage = funnel.find(c.stage);
        ASSERT_NE(stage, nullptr);
        const auto plan =
            plan_new_engagement(*stage, c.policy, *c.creator, c.named_owner, c.existing);
        EXPECT_EQ(plan.outcome, c.outcome);
        EXPECT_EQ(plan.lead, c.lead);
        EXPECT_EQ(plan.owner, c.owner);
        EXPECT_EQ(plan.flagged, c.flagged);
        EXPECT_EQ(plan.conflict ? std::optional<std::int64_t>(plan.conflict->id) : std::nullopt,
                  c.conflict);
    }
}

}  // namespace
}  // namespace twintrack::bot::engagements
