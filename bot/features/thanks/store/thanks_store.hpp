#pragma once
// The thanks feature's table (its migration: bot/features/thanks/migrations/0028_thanks.sql
// and the PostgreSQL twin). Store code that lives with its feature: SQL, no chat logic.
// Made on the engine's database when the feature registers; reached through
// thanks::reading(turn) and thanks::writing(turn), which open the turn's view first.

#include <cstdint>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::bot::thanks {

struct ThanksRecord {
    std::int64_t id = 0;
    std::int64_t from_id = 0;
    std::int64_t to_id = 0;
    std::string note;
    std::int64_t created_at = 0;  ///< UTC ms
};

class ThanksRepository {
  public:
    explicit ThanksRepository(store::Database& db) : db_(db) {}

    /// Records a thanks; returns its id.
    std::int64_t add(const ThanksRecord& t);
    /// The thanks given at or after `since` (UTC ms), newest first.
    std::vector<ThanksRecord> since(std::int64_t since) const;

  private:
    store::Database& db_;
};

}  // namespace twintrack::bot::thanks
