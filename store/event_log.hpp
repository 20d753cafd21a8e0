#pragma once
// Platform event ids already applied (so redelivery is recognised) and the audit log of
// every change (who, when, from which message).

#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

class ProcessedEvents {
  public:
    explicit ProcessedEvents(Database& db) : db_(db) {}
    /// Records the id; false when it was recorded before (a redelivery).
    bool record(const std::string& connector, const std::string& event_id, std::int64_t now_ms);
    /// Forgets ids older than `before_ms`.
    int prune(std::int64_t before_ms);

  private:
    Database& db_;
};

struct AuditEntry {
    std::int64_t at = 0;
    std::int64_t person_id = 0;  ///< 0 when the bot acted on its own
    std::string action;
    std::string detail;  ///< JSON
    std::string event_id;
};

class AuditLog {
  public:
    explicit AuditLog(Database& db) : db_(db) {}
    void record(const AuditEntry& entry);
    std::vector<AuditEntry> recent(int limit);

  private:
    Database& db_;
};

}  // namespace twintrack::store
