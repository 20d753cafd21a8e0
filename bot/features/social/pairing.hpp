#pragma once
// Coffee pairing as pure code: who meets whom in one round. Each group is one person of
// the left department with one of the right department, plus at most one more person of
// the larger department (a trio) when the counts are uneven. A pair must have working
// hours that overlap, must not be on either person's "don't pair me with" list, and must
// not have met in either person's current cycle (see cycles()).

#include <cstdint>
#include <functional>
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace twintrack::bot::social {

/// Minutes of working time two people must share (on the same UTC day, wrapping
/// around midnight) to be paired.
constexpr int min_overlap_minutes = 30;

/// One person taking part in a round.
struct Participant {
    std::int64_t id = 0;
    /// Start of their working day as minutes after UTC midnight (0-1439) and its length
    /// in minutes, on the day of the round.
    int utc_start = 0;
    int length = 0;
};

/// A group of the round: `left` and `right` always, `third` (a person of the larger
/// department) or 0.
struct CoffeeGroup {
    std::int64_t left = 0;
    std::int64_t right = 0;
    std::int64_t third = 0;
};

/// The key of an unordered pair of people.
inline std::uint64_t pair_key(std::int64_t a, std::int64_t b) {
    if (a > b) std::swap(a, b);
    return (static_cast<std::uint64_t>(a) << 32) ^ static_cast<std::uint64_t>(b);
}

struct PairingInput {
    std::vector<Participant> left;   ///< e.g. marketing
    std::vector<Participant> right;  ///< e.g. sales
    /// Pairs that have met in the current cycle of either person (pair_key).
    std::unordered_set<std::uint64_t> met;
    /// Pairs that must never be made (someone's "don't pair me with"), pair_key.
    std::unordered_set<std::uint64_t> avoid;
};

struct PairingResult {
    std::vector<CoffeeGroup> groups;
    std::vector<std::int64_t> unpaired;  ///< took part but got no group this round
};

/// True when the two working days share at least min_overlap_minutes.
bool hours_overlap(const Participant& a, const Participant& b);

/// One round. `rng` decides among equally good choices; the result is otherwise
/// deterministic. As many left-right pairs as possible are made (maximum matching on the
/// allowed pairs), then the larger side's leftovers join a pair as a third person where
/// every rule holds for them too. Leftovers of the smaller side (or of either side when
/// the counts are equal) sit out: a trio never has two people of the smaller department.
PairingResult pair_round(const PairingInput& input, std::mt19937_64& rng);

/// A cross-department pairing from history, oldest first.
struct PastPair {
    std::int64_t left = 0;
    std::int64_t right = 0;
};

/// The pairs that still count as "met" for the next round. Each person's cycle starts
/// over once they have met every partner `eligible(person)` lists (their possible
/// partners now); a pair counts as met while it lies in the current cycle of either of
/// the two. So nobody meets someone again before they have met everyone they could.
std::unordered_set<std::uint64_t> cycles(
    const std::vector<PastPair>& history,
    const std::function<std::vector<std::int64_t>(std::int64_t)>& eligible);

}  // namespace twintrack::bot::social
