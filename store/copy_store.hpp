#pragma once
// `twintrack store migrate --from sqlite:PATH --to postgres://...`: copies every table of
// one store into another, empty one, in one transaction, and checks the row counts.

#include <cstdint>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace twintrack::store {

struct CopiedTable {
    std::string name;
    std::int64_t rows = 0;
};

/// Copies every table of `from` (both stores already migrated to the same schema) into
/// `to`. Throws DatabaseError, with nothing written, when `to` holds any row, when their
/// schema versions differ, or when a table's row count differs after the copy.
std::vector<CopiedTable> copy_store(Store& from, Store& to);

}  // namespace twintrack::store
