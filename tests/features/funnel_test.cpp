#include "bot/features/engagements/funnel.hpp"

#include <gtest/gtest.h>

#include "bot/features/engagements/engagements.hpp"

namespace twintrack::bot::engagements {
namespace {

TEST(Funnel, EachStageImpliesItsLeadDepartment) {
    const Funnel f = Funnel::defaults();
    struct Case {
        const char* stage;
        const char* lead;
    };
    const std::vector<Case> cases = {
        {"awareness", "marketing"}, {"interest", "marketing"}, {"lead", "marketing"},
        {"qualified", "sales"},     {"proposal", "sales"},     {"negotiation", "sales"},
        {"won", "sales"},           {"lost", "sales"},         {"PROPOSAL", "sales"},
        {"nonsense", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.stage);
        EXPECT_EQ(f.lead_at(c.stage), c.lead);
    }
    EXPECT_EQ(f.first_stage(), "awareness");
    EXPECT_EQ(f.first_bottom_stage(), "qualified");
    EXPECT_TRUE(f.find("won")->closed);
    EXPECT_FALSE(f.find("negotiation")->closed);
    EXPECT_EQ(f.names(), "awareness, interest, lead, qualified, proposal, negotiation, won, lost");
}

TEST(Funnel, TransitionsAcrossTheBoundaryNeedAHandoff) {
    const Funnel f = Funnel::defaults();
    struct Case {
        const char* from;
        const char* to;
        Transition expected;
    };
    const std::vector<Case> cases = {
        {"awareness", "interest", Transition::within_side},
        {"lead", "awareness", Transition::within_side},
        {"qualified", "won", Transition::within_side},
        {"proposal", "lost", Transition::within_side},
        {"lead", "lead", Transition::same},
        {"lead", "qualified", Transition::needs_handoff},
        {"awareness", "won", Transition::needs_handoff},
        {"qualified", "lead", Transition::back_to_top},
        {"negotiation", "interest", Transition::back_to_top},
        {"lead", "signed", Transition::unknown_stage},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.from) + " -> " + c.to);
        EXPECT_EQ(f.transition(c.from, c.to), c.expected);
    }
}

TEST(Funnel, ConfiguredStagesReplaceTheDefaults) {
    FunnelSettings s;
    s.stages = {{"event", "top", false}, {"deal", "bottom", false}, {"done", "bottom", true}};
    s.overlap = "flag";
    const Funnel f = funnel_from(s);
    EXPECT_EQ(f.names(), "event, deal, done");
    EXPECT_EQ(f.first_bottom_stage(), "deal");
    EXPECT_EQ(f.lead_at("event"), "marketing");
    EXPECT_EQ(overlap_from(s), OverlapPolicy::flag);
    EXPECT_EQ(overlap_from(FunnelSettings{}), OverlapPolicy::refuse);
    EXPECT_EQ(funnel_from(FunnelSettings{}).names(), Funnel::defaults().names());
}

TEST(Funnel, CustomerNamesCompareWithoutCaseAndSpaces) {
    EXPECT_EQ(name_key("  Acme  Corp "), "acmecorp");
    EXPECT_EQ(name_key("华为\xE3\x80\x80技术"), "华为技术");
    EXPECT_EQ(name_key("HuaWei"), name_key("hua wei"));
}

}  // namespace
}  // namespace twintrack::bot::engagements
