#pragma once
// The deals a period looks at, for the metrics feature's DealHistory (the 3-1-3 plan):
// apart from store.hpp so that the query does not rebuild everything that includes the
// store.

#include <cstdint>
#include <vector>

#include "store/metrics.hpp"

namespace twintrack::store {

class Database;

/// Deals that were open at some time in [from, to): created before `to` and not closed
/// before `from` (open ones however old), by id.
std::vector<Deal> deals_open_during(Database& db, std::int64_t from, std::int64_t to);

}  // namespace twintrack::store
