#include "bot/features/social/activity_figures.hpp"

#include <set>

namespace twintrack::bot::social {

SeatCount seat_count(const std::vector<store::social::TrainingSeat>& seats) {
    SeatCount c;
    for (const auto& s : seats) {
        (s.status == "registered" ? c.registered : c.waiting) += 1;
        if (s.attended) ++c.attended;
    }
    return c;
}

RsvpCount rsvp_count(const std::vector<store::social::OutingRsvp>& rsvps) {
    RsvpCount c;
    for (const auto& r : rsvps) (r.going ? c.going : c.declined) += 1;
    return c;
}

std::vector<BudgetLine> budget_lines(const std::map<std::string, long long>& configured,
                                     const std::vector<store::social::CostTotal>& totals) {
    std::map<std::string, const store::social::CostTotal*> by_kind;
    for (const auto& t : totals) by_kind[t.kind] = &t;
    std::set<std::string> kinds;
    for (const auto& [k, v] : configured) kinds.insert(k);
    for (const auto& [k, v] : by_kind) kinds.insert(k);
    std::vector<BudgetLine> out;
    for (const auto& kind : kinds) {
        BudgetLine line;
        line.kind = kind;
        if (const auto b = configured.find(kind); b != configured.end()) line.budget = b->second;
        if (const auto t = by_kind.find(kind); t != by_kind.end()) {
            line.planned = t->second->planned;
            line.spent = t->second->spent;
        }
        out.push_back(line);
    }
    return out;
}

std::string round_state(const store::social::CoffeeRound& round,
                        const store::social::CoffeeProgramme& programme, std::int64_t now_ms) {
    if (!programme.active || programme.stopped_at) return "stopped";
    return round.ends_at <= now_ms ? "ended" : "running";
}

}  // namespace twintrack::bot::social
