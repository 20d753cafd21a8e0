#pragma once
// Conversations in progress, one per person, so that they survive a restart.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

struct DialogRecord {
    std::int64_t person_id = 0;
    std::string kind;
    int step = 0;
    std::string state;  ///< JSON
    std::string connector, channel, thread;
    std::int64_t started_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t expires_at = 0;
};

class DialogRepository {
  public:
    explicit DialogRepository(Database& db) : db_(db) {}
    std::optional<DialogRecord> find(std::int64_t person_id) const;
    void save(const DialogRecord& dialog);
    void remove(std::int64_t person_id);
    /// Everyone with a dialog in progress.
    std::vector<std::int64_t> open_person_ids();

  private:
    Database& db_;
};

}  // namespace twintrack::store
