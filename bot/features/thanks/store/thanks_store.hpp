#pragma once
// The thanks feature's table (its migration: bot/features/thanks/migrations/0028_thanks.sql
// and the PostgreSQL twin), as an interface: the feature's commands see ThanksTable and
// never SQL. The statements are in thanks_store.cpp, its own target
// (twintrack_feature_thanks_store, linking only the store layer): store code that lives with
// its feature, no chat logic, nothing from bot/. Also the feature's part of a person's data
// (`person export`, `person erase`).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/person_data.hpp"

namespace twintrack::store::thanks {

struct ThanksRecord {
    std::int64_t id = 0;
    std::int64_t from_id = 0;
    std::int64_t to_id = 0;
    std::string note;
    std::int64_t created_at = 0;  ///< UTC ms
};

/// Who thanked whom, when, for what.
class ThanksTable {
  public:
    virtual ~ThanksTable() = default;
    /// Records a thanks; returns its id.
    virtual std::int64_t add(const ThanksRecord& t) = 0;
    /// The thanks given at or after `since` (UTC ms), newest first.
    virtual std::vector<ThanksRecord> since(std::int64_t since) const = 0;
    /// The thanks given in [from_ms, to_ms), oldest first.
    virtual std::vector<ThanksRecord> between(std::int64_t from_ms, std::int64_t to_ms) const = 0;
};

/// The table on `db` (which outlives it).
std::unique_ptr<ThanksTable> open_table(Database& db);

/// What `person export` shows of the table (thanks given, thanks received) and what
/// `person erase` does to it: the rows stay, so the counts do, under the anonymous person;
/// the notes they wrote or were written to them are emptied, and any other note naming
/// them is rewritten.
PersonDataPart person_data();

}  // namespace twintrack::store::thanks
