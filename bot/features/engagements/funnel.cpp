#include "bot/features/engagements/funnel.hpp"

#include "core/text.hpp"

namespace twintrack::bot::engagements {

std::vector<FunnelStage> Funnel::default_stages() {
    return {{"awareness", Side::top, false},   {"interest", Side::top, false},
            {"lead", Side::top, false},        {"qualified", Side::bottom, false},
            {"proposal", Side::bottom, false}, {"negotiation", Side::bottom, false},
            {"won", Side::bottom, true},       {"lost", Side::bottom, true}};
}

Funnel Funnel::defaults() { return Funnel(default_stages()); }

Funnel::Funnel(std::vector<FunnelStage> stages) : stages_(std::move(stages)) {
    if (stages_.empty()) stages_ = default_stages();
}

const FunnelStage* Funnel::find(const std::string& name) const {
    const std::string want = core::ascii_lower(core::trim(name));
    for (const auto& s : stages_) {
        if (core::ascii_lower(s.name) == want) return &s;
    }
    return nullptr;
}

std::string Funnel::lead_of(Side side) { return side == Side::top ? "marketing" : "sales"; }

std::string Funnel::lead_at(const std::string& stage) const {
    const FunnelStage* s = find(stage);
    return s ? lead_of(s->side) : std::string();
}

std::string Funnel::first_stage() const { return stages_.front().name; }

std::string Funnel::first_bottom_stage() const {
    for (const auto& s : stages_) {
        if (s.side == Side::bottom) return s.name;
    }
    return stages_.back().name;
}

Transition Funnel::transition(const std::string& from, const std::string& to) const {
    const FunnelStage* a = find(from);
    const FunnelStage* b = find(to);
    if (b == nullptr || a == nullptr) return Transition::unknown_stage;
    if (a == b) return Transition::same;
    if (a->side == b->side) return Transition::within_side;
    return a->side == Side::top ? Transition::needs_handoff : Transition::back_to_top;
}

std::string Funnel::names() const {
    std::vector<std::string> out;
    for (const auto& s : stages_) out.push_back(s.name);
    return core::join(out, ", ");
}

}  // namespace twintrack::bot::engagements
