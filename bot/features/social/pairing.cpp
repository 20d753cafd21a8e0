#include "bot/features/social/pairing.hpp"

#include <algorithm>

namespace twintrack::bot::social {
namespace {

constexpr int day_minutes = 24 * 60;
/// Random partners tried for each person before a full scan.
constexpr int greedy_tries = 24;
/// Pair checks the augmenting search may spend in one round, so a round with many
/// people who can meet nobody stays fast.
constexpr long long augment_budget = 20'000'000;

int shared_minutes(int s1, int l1, int s2, int l2) {
    int best = 0;
    for (int shift : {-day_minutes, 0, day_minutes}) {
        const int from = std::max(s1, s2 + shift);
        const int to = std::min(s1 + l1, s2 + shift + l2);
        best = std::max(best, to - from);
    }
    return best;
}

class Matcher {
  public:
    Matcher(const PairingInput& in, const std::vector<Participant>& small,
            const std::vector<Participant>& large)
        : in_(in), small_(small), large_(large) {}

    bool allowed(const Participant& a, const Participant& b) const {
        if (!hours_overlap(a, b)) return false;
        const std::uint64_t k = pair_key(a.id, b.id);
        if (!in_.avoid.empty() && in_.avoid.count(k)) return false;
        return in_.met.empty() || in_.met.count(k) == 0;
    }

    /// Kuhn's augmenting path from small index `s`.
    bool augment(std::size_t s) {
        for (std::size_t g = 0; g < large_.size(); ++g) {
            if (visited_[g] || budget_ <= 0) continue;
            --budget_;
            if (!allowed(small_[s], large_[g])) continue;
            visited_[g] = true;
            if (match_large_[g] < 0 || augment(static_cast<std::size_t>(match_large_[g]))) {
                match_large_[g] = static_cast<long>(s);
                match_small_[s] = static_cast<long>(g);
                return true;
            }
        }
        return false;
    }

    void run(std::mt19937_64& rng) {
        match_small_.assign(small_.size(), -1);
        match_large_.assign(large_.size(), -1);
        std::vector<std::size_t> order(small_.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::shuffle(order.begin(), order.end(), rng);
        std::vector<std::size_t> free_large(large_.size());
        for (std::size_t i = 0; i < free_large.size(); ++i) free_large[i] = i;

        auto take = [&](std::size_t s, std::size_t at) {
            const std::size_t g = free_large[at];
            match_small_[s] = static_cast<long>(g);
            match_large_[g] = static_cast<long>(s);
            free_large[at] = free_large.back();
            free_large.pop_back();
        };
        for (std::size_t s : order) {
            if (free_large.empty()) break;
            bool done = false;
            for (int t = 0; t < greedy_tries && !done; ++t) {
                std::uniform_int_distribution<std::size_t> pick(0, free_large.size() - 1);
                const std::size_t at = pick(rng);
                if (allowed(small_[s], large_[free_large[at]])) {
                    take(s, at);
                    done = true;
                }
            }
            for (std::size_t at = 0; !done && at < free_large.size(); ++at) {
                if (allowed(small_[s], large_[free_large[at]])) {
                    take(s, at);
                    done = true;
                }
            }
        }
        budget_ = augment_budget;
        for (std::size_t s : order) {
            if (match_small_[s] >= 0 || budget_ <= 0) continue;
            visited_.assign(large_.size(), false);
            augment(s);
        }
    }

    std::vector<long> match_small_, match_large_;

  private:
    const PairingInput& in_;
    const std::vector<Participant>& small_;
    const std::vector<Participant>& large_;
    std::vector<bool> visited_;
    long long budget_ = 0;
};

}  // namespace

bool hours_overlap(const Participant& a, const Participant& b) {
    return shared_minutes(a.utc_start, a.length, b.utc_start, b.length) >= min_overlap_minutes;
}

PairingResult pair_round(const PairingInput& input, std::mt19937_64& rng) {
    const bool left_small = input.left.size() <= input.right.size();
    const auto& small = left_small ? input.left : input.right;
    const auto& large = left_small ? input.right : input.left;
    Matcher m(input, small, large);
    m.run(rng);

    struct Slot {
        const Participant* small;
        const Participant* large;
        const Participant* third = nullptr;
    };
    std::vector<Slot> slots;
    PairingResult out;
    for (std::size_t s = 0; s < small.size(); ++s) {
        if (m.match_small_[s] >= 0) {
            slots.push_back({&small[s], &large[static_cast<std::size_t>(m.match_small_[s])]});
        } else {
            // A trio has one person of each department and one more of the larger one:
            // someone of the smaller department left without a partner sits out.
            out.unpaired.push_back(small[s].id);
        }
    }
    // Only the larger department's leftovers join a pair; with equal counts nobody does.
    std::vector<const Participant*> leftovers;
    for (std::size_t g = 0; g < large.size(); ++g) {
        if (m.match_large_[g] >= 0) continue;
        if (large.size() > small.size()) {
            leftovers.push_back(&large[g]);
        } else {
            out.unpaired.push_back(large[g].id);
        }
    }
    std::shuffle(slots.begin(), slots.end(), rng);

    auto ok_same_side = [&](const Participant& a, const Participant& b) {
        return hours_overlap(a, b) && input.avoid.count(pair_key(a.id, b.id)) == 0;
    };
    std::size_t next_slot = 0;  // slots before it already have a third
    for (const Participant* p : leftovers) {
        bool placed = false;
        for (std::size_t i = next_slot; i < slots.size() && !placed; ++i) {
            Slot& slot = slots[i];
            if (slot.third != nullptr) continue;
            if (m.allowed(*p, *slot.small) && ok_same_side(*p, *slot.large)) {
                slot.third = p;
                placed = true;
                if (i == next_slot) ++next_slot;
            }
        }
        if (!placed) out.unpaired.push_back(p->id);
    }
    for (const auto& slot : slots) {
        CoffeeGroup g;
        g.left = left_small ? slot.small->id : slot.large->id;
        g.right = left_small ? slot.large->id : slot.small->id;
        g.third = slot.third ? slot.third->id : 0;
        out.groups.push_back(g);
    }
    std::sort(out.unpaired.begin(), out.unpaired.end());
    return out;
}

std::unordered_set<std::uint64_t> cycles(
    const std::vector<PastPair>& history,
    const std::function<std::vector<std::int64_t>(std::int64_t)>& eligible) {
    struct Cycle {
        std::unordered_set<std::int64_t> possible;
        std::unordered_set<std::int64_t> met;
        std::size_t hits = 0;  // members of `met` that are in `possible`
    };
    std::unordered_map<std::int64_t, Cycle> by_person;
    auto cycle_of = [&](std::int64_t id) -> Cycle& {
        auto it = by_person.find(id);
        if (it != by_person.end()) return it->second;
        Cycle c;
        for (auto p : eligible(id)) c.possible.insert(p);
        return by_person.emplace(id, std::move(c)).first->second;
    };
    auto meet = [&](std::int64_t who, std::int64_t partner) {
        Cycle& c = cycle_of(who);
        if (!c.met.insert(partner).second) return;
        if (c.possible.count(partner)) ++c.hits;
        if (!c.possible.empty() && c.hits == c.possible.size()) {
            c.met.clear();  // met everyone possible: a new cycle begins
            c.hits = 0;
        }
    };
    for (const auto& p : history) {
        meet(p.left, p.right);
        meet(p.right, p.left);
    }
    std::unordered_set<std::uint64_t> out;
    for (const auto& [id, c] : by_person) {
        for (auto partner : c.met) out.insert(pair_key(id, partner));
    }
    return out;
}

}  // namespace twintrack::bot::social
