#pragma once
// Scheduled jobs are rows, not timers: whatever is due (or was missed while the
// program was down) runs once.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

struct Job {
    std::int64_t id = 0;
    std::string kind;
    std::string key;      ///< unique; scheduling the same key twice keeps the first
    std::string payload;  ///< JSON
    std::int64_t due_at = 0;
    int attempts = 0;
};

class JobQueue {
  public:
    explicit JobQueue(Database& db) : db_(db) {}

    /// Schedules a job unless one with the same key exists. Returns true when added.
    bool schedule(const Job& job);
    /// Moves a pending job to a new time (no-op when it is not pending).
    void reschedule(const std::string& key, std::int64_t due_at);
    /// Cancels a pending job by key.
    void cancel(const std::string& key);

    std::vector<Job> due(std::int64_t now_ms, int limit);
    std::optional<std::int64_t> next_due_at();

    void mark_done(std::int64_t id, std::int64_t now_ms);
    /// A failed attempt: retried at `retry_at`, or given up for good when empty.
    void mark_failed(std::int64_t id, const std::string& error,
                     std::optional<std::int64_t> retry_at, std::int64_t now_ms);

    std::optional<std::string> status(const std::string& key);

  private:
    Database& db_;
};

}  // namespace twintrack::store
