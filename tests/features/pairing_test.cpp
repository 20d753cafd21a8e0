// Coffee pairing rules over many rounds, as pure code: no pair meets again before both
// have met everyone they could, trios when the departments' counts are uneven, the
// avoid list and working hours that do not overlap are never paired, and as many pairs
// as possible are made.

#include "bot/features/social/pairing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace twintrack::bot::social {
namespace {

std::vector<Participant> people(std::int64_t first, int n, int utc_start = 60, int length = 540) {
    std::vector<Participant> out;
    for (int i = 0; i < n; ++i) out.push_back({first + i, utc_start, length});
    return out;
}

/// Runs `rounds` rounds as the coffee feature does (history -> cycles -> pair_round) and
/// returns each round's groups.
std::vector<PairingResult> run_rounds(PairingInput in, int rounds, std::uint64_t seed) {
    std::vector<PastPair> history;
    std::vector<PairingResult> out;
    std::map<std::int64_t, const Participant*> by_id;
    std::set<std::int64_t> left_ids;
    for (const auto& p : in.left) by_id[p.id] = &p, left_ids.insert(p.id);
    for (const auto& p : in.right) by_id[p.id] = &p;
    for (int r = 0; r < rounds; ++r) {
        in.met = cycles(history, [&](std::int64_t id) {
            std::vector<std::int64_t> partners;
            const auto& others = left_ids.count(id) ? in.right : in.left;
            for (const auto& o : others) {
                if (hours_overlap(*by_id[id], o) && !in.avoid.count(pair_key(id, o.id))) {
                    partners.push_back(o.id);
                }
            }
            return partners;
        });
        std::mt19937_64 rng(seed * 7919 + static_cast<std::uint64_t>(r));
        auto result = pair_round(in, rng);
        for (const auto& g : result.groups) {
            history.push_back({g.left, g.right});
            if (g.third == 0) continue;
            if (left_ids.count(g.third)) {
                history.push_back({g.third, g.right});
            } else {
                history.push_back({g.left, g.third});
            }
        }
        out.push_back(std::move(result));
    }
    return out;
}

/// Every person's cross-department partners, in order.
std::map<std::int64_t, std::vector<std::int64_t>> partner_sequences(
    const std::vector<PairingResult>& rounds, const std::set<std::int64_t>& left_ids) {
    std::map<std::int64_t, std::vector<std::int64_t>> seq;
    auto meet = [&](std::int64_t a, std::int64_t b) {
        seq[a].push_back(b);
        seq[b].push_back(a);
    };
    for (const auto& r : rounds) {
        for (const auto& g : r.groups) {
            meet(g.left, g.right);
            if (g.third == 0) continue;
            meet(g.third, left_ids.count(g.third) ? g.right : g.left);
        }
    }
    return seq;
}

std::set<std::int64_t> ids(const std::vector<Participant>& ps) {
    std::set<std::int64_t> out;
    for (const auto& p : ps) out.insert(p.id);
    return out;
}

TEST(Pairing, EqualDepartmentsMeetEveryoneBeforeAnyRepeat) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        SCOPED_TRACE(seed);
        PairingInput in;
        in.left = people(1, 6);
        in.right = people(101, 6);
        const auto rounds = run_rounds(in, 12, seed);
        for (const auto& r : rounds) {
            EXPECT_EQ(r.groups.size(), 6u);
            EXPECT_TRUE(r.unpaired.empty());
        }
        // Rounds 1-6 use 36 different pairs, i.e. everyone met everyone; rounds 7-12 again.
        for (int cycle = 0; cycle < 2; ++cycle) {
            std::set<std::uint64_t> pairs;
            for (int r = cycle * 6; r < cycle * 6 + 6; ++r) {
                for (const auto& g : rounds[r].groups) {
                    EXPECT_EQ(g.third, 0);
                    EXPECT_TRUE(pairs.insert(pair_key(g.left, g.right)).second)
                        << "pair repeated in round " << r + 1;
                }
            }
            EXPECT_EQ(pairs.size(), 36u);
        }
    }
}

TEST(Pairing, UnevenCountsMakeTriosAndNobodyRepeatsBeforeMeetingEveryone) {
    struct Case {
        const char* name;
        int left, right;
        std::size_t groups, trios, unpaired;
    };
    const std::vector<Case> cases = {
        {"one more on the right", 4, 5, 4, 1, 0}, {"one more on the left", 5, 4, 4, 1, 0},
        {"twice as many", 3, 6, 3, 3, 0},         {"more than a trio each", 2, 5, 2, 2, 1},
        {"one person alone", 1, 0, 0, 0, 1},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        PairingInput in;
        in.left = people(1, c.left);
        in.right = people(101, c.right);
        std::mt19937_64 rng(3);
        const auto r = pair_round(in, rng);
        EXPECT_EQ(r.groups.size(), c.groups);
        std::size_t trios = 0;
        std::set<std::int64_t> seen;
        for (const auto& g : r.groups) {
            EXPECT_TRUE(seen.insert(g.left).second);
            EXPECT_TRUE(seen.insert(g.right).second);
            EXPECT_LE(g.left, 100);   // left person from the left department
            EXPECT_GT(g.right, 100);  // right person from the right department
            if (g.third != 0) {
                ++trios;
                EXPECT_TRUE(seen.insert(g.third).second);
            }
        }
        EXPECT_EQ(trios, c.trios);
        EXPECT_EQ(r.unpaired.size(), c.unpaired);
    }
    // Over many rounds of 3 x 7: each person's partners come in blocks that are all
    // different (everyone they can meet, once) before anyone comes again.
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        SCOPED_TRACE(seed);
        PairingInput in;
        in.left = people(1, 3);
        in.right = people(101, 7);
        const auto rounds = run_rounds(in, 30, seed);
        const auto seq = partner_sequences(rounds, ids(in.left));
        for (const auto& [person, partners] : seq) {
            const std::size_t k = person < 100 ? 7 : 3;
            for (std::size_t from = 0; from + k <= partners.size(); from += k) {
                std::set<std::int64_t> block(partners.begin() + static_cast<long>(from),
                                             partners.begin() + static_cast<long>(from + k));
                EXPECT_EQ(block.size(), k) << "person " << person << " block at " << from;
            }
        }
        // Everyone takes part in most rounds: nobody is left out for good.
        for (const auto& p : in.right) EXPECT_GE(seq.at(p.id).size(), 15u);
    }
}

TEST(Pairing, AvoidListAndHoursWithoutOverlapAreNeverPaired) {
    PairingInput in;
    in.left = people(1, 4);                      // 09:00-18:00 in Shanghai: 01:00-10:00 UTC
    in.right = people(101, 3);                   // the same
    auto far = people(201, 2, 12 * 60, 4 * 60);  // 12:00-16:00 UTC: no overlap with anyone
    in.right.insert(in.right.end(), far.begin(), far.end());
    in.avoid.insert(pair_key(1, 101));    // 1 never with 101
    in.avoid.insert(pair_key(102, 103));  // 102 and 103 never in one trio
    const auto rounds = run_rounds(in, 40, 11);
    for (const auto& r : rounds) {
        for (const auto& g : r.groups) {
            std::vector<std::int64_t> members = {g.left, g.right};
            if (g.third != 0) members.push_back(g.third);
            for (auto a : members) {
                EXPECT_LT(a, 200) << "someone without overlapping hours was paired";
                for (auto b : members) {
                    if (a < b) {
                        EXPECT_FALSE(in.avoid.count(pair_key(a, b)));
                    }
                }
            }
        }
        // The two without overlap are always left out, and told so.
        EXPECT_TRUE(std::count(r.unpaired.begin(), r.unpaired.end(), 201));
        EXPECT_TRUE(std::count(r.unpaired.begin(), r.unpaired.end(), 202));
    }
}

TEST(Pairing, HoursOverlapAcrossMidnightAndZones) {
    struct Case {
        const char* name;
        Participant a, b;
        bool overlap;
    };
    const std::vector<Case> cases = {
        // Shanghai 09-18 is 01:00-10:00 UTC; Los Angeles 09-18 (PST) is 17:00-02:00 UTC.
        {"Shanghai and Los Angeles share an hour", {1, 60, 540}, {2, 17 * 60, 540}, true},
        // Berlin 09-18 (CET) is 08:00-17:00 UTC; Los Angeles from 17:00: nothing shared.
        {"Berlin and Los Angeles", {1, 8 * 60, 540}, {2, 17 * 60, 540}, false},
        {"20 minutes are too few", {1, 0, 60}, {2, 40, 60}, false},
        {"30 minutes are enough", {1, 0, 60}, {2, 30, 60}, true},
        {"a night shift across UTC midnight", {1, 23 * 60, 120}, {2, 0, 60}, true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(hours_overlap(c.a, c.b), c.overlap);
        EXPECT_EQ(hours_overlap(c.b, c.a), c.overlap);
    }
}

TEST(Pairing, MakesAsManyPairsAsPossibleWhenChoicesAreTight) {
    // Each left person i may only meet right persons i and i+1 (the others are "met"):
    // a greedy choice of i+1 for the first person would strand the last one.
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
        SCOPED_TRACE(seed);
        const int n = 8;
        PairingInput in;
        in.left = people(1, n);
        in.right = people(101, n);
        for (int i = 0; i < n; ++i) {
            for (int j = 0; j < n; ++j) {
                if (j != i && j != i + 1) in.met.insert(pair_key(1 + i, 101 + j));
            }
        }
        std::mt19937_64 rng(seed);
        const auto r = pair_round(in, rng);
        EXPECT_EQ(r.groups.size(), static_cast<std::size_t>(n));
        EXPECT_TRUE(r.unpaired.empty());
    }
}

TEST(Pairing, TheThirdOfATrioComesFromTheLargerDepartmentOnly) {
    struct Case {
        const char* name;
        int left, right;
        std::vector<std::pair<std::int64_t, std::int64_t>> avoid;
    };
    const std::vector<Case> cases = {
        // Marketing 1 and 2 may both meet only sales 101: one of them is left over on the
        // smaller side and must sit out rather than make a trio of two marketing people.
        {"smaller side left over", 2, 3, {{1, 102}, {1, 103}, {2, 102}, {2, 103}}},
        {"the same with the sides swapped", 3, 2, {{101, 2}, {101, 3}, {102, 2}, {102, 3}}},
        // Equal counts: whoever is left over sits out, no trio on either side.
        {"equal counts", 3, 3, {{1, 102}, {1, 103}, {2, 102}, {2, 103}}},
        {"uneven without constraints", 3, 5, {}},
    };
    for (const auto& c : cases) {
        for (std::uint64_t seed = 1; seed <= 20; ++seed) {
            SCOPED_TRACE(std::string(c.name) + " seed " + std::to_string(seed));
            PairingInput in;
            in.left = people(1, c.left);
            in.right = people(101, c.right);
            for (const auto& [a, b] : c.avoid) in.avoid.insert(pair_key(a, b));
            std::mt19937_64 rng(seed);
            const auto r = pair_round(in, rng);
            const bool left_larger = c.left > c.right;
            std::size_t placed = 0;
            for (const auto& g : r.groups) {
                placed += g.third != 0 ? 3 : 2;
                if (g.third == 0) continue;
                EXPECT_NE(c.left, c.right) << "a trio although both sides are equal";
                EXPECT_EQ(g.third < 100, left_larger)
                    << "the third " << g.third << " is from the smaller department";
            }
            EXPECT_EQ(placed + r.unpaired.size(), static_cast<std::size_t>(c.left + c.right));
        }
    }
    // The first case by hand: 1 or 2 meets 101, the other sits out with 102 and 103.
    PairingInput in;
    in.left = people(1, 2);
    in.right = people(101, 3);
    for (std::int64_t a : {1, 2}) {
        for (std::int64_t b : {102, 103}) in.avoid.insert(pair_key(a, b));
    }
    std::mt19937_64 rng(5);
    const auto r = pair_round(in, rng);
    ASSERT_EQ(r.groups.size(), 1u);
    EXPECT_EQ(r.groups[0].right, 101);
    EXPECT_EQ(r.groups[0].third, 0);
    EXPECT_EQ(r.unpaired.size(), 3u);
}

}  // namespace
}  // namespace twintrack::bot::social
