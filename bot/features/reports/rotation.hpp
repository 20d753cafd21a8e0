#pragma once
// Field rotation (perspective taking, PRODUCT.md): `rotation plan marketing with sales
// batch=2 every=2w` sends batches of one department's staff into the field with the
// other department's people, one round every period. Both sides are told; what a
// rotating person reports from the start of their round until `tag_days` after it is
// tagged `rotation`.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bot/prompts.hpp"
#include "core/types.hpp"

namespace twintrack::bot {
class Engine;
class Turn;
}  // namespace twintrack::bot

namespace twintrack::bot::reports {

/// Reports filed up to this many days after a round ends still count as its harvest.
constexpr int rotation_tag_days = 14;

/// "2w" -> 14, "10d" -> 10 (the unit words `core.words.unit_weeks` and `unit_days` of
/// every locale); nothing when malformed or out of 1..365 days.
std::optional<int> parse_period_days(const Prompts& prompts, const std::string& text);

/// Who goes with whom in one round: the `batch` people of `goers` (ids in directory
/// order) who went least often (ties: earlier in the list), each with the host who
/// hosted least often (ties: earlier). Hosts repeat only when there are fewer hosts
/// than people going. Pure, for tests.
std::vector<std::pair<std::int64_t, std::int64_t>> pick_round(
    const std::vector<std::int64_t>& goers, const std::vector<std::int64_t>& hosts, int batch,
    const std::map<std::int64_t, int>& times_went, const std::map<std::int64_t, int>& times_hosted);

/// The tags a report filed now by the turn's person gets ("rotation" or "").
std::string report_tags(Turn& turn);

void register_rotation(Engine& engine);

}  // namespace twintrack::bot::reports
