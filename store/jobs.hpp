#pragma once
// Scheduled jobs are rows, not timers: whatever is due (or was missed while the
// program was down) runs once. Several processes on one database each claim due jobs
// (claim_due) before running them; a claim lasts until its lease runs out, and finishing
// a job checks that the claim is still the finisher's, so a job's work commits once.

#include <optional>
#include <string>
#include <utility>
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

    /// Pending jobs that are due, whether claimed or not (a read-only view).
    std::vector<Job> due(std::int64_t now_ms, int limit);
    /// Claims up to `limit` due jobs for `holder` until `lease_until`, oldest first: jobs
    /// nobody claimed, whose claim ran out, or that `holder` claimed before (a run that
    /// did not finish). In one statement; on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two
    /// processes claiming at once never get the same job.
    std::vector<Job> claim_due(std::int64_t now_ms, int limit, const std::string& holder,
                               std::int64_t lease_until);
    /// When the next pending job may be claimed: its due time, or the end of another
    /// process's claim on it.
    std::optional<std::int64_t> next_due_at();

    /// Marks a job done. With a `holder`, only while that holder's claim stands: false
    /// (nothing changed) when the claim went to another process meanwhile, and the
    /// caller must roll back what the job wrote. A job that is gone (cancelled) counts as
    /// done.
    bool mark_done(std::int64_t id, std::int64_t now_ms, const std::string& holder = {});
    /// A failed attempt: retried at `retry_at`, or given up for good when empty. The
    /// claim is checked as by mark_done.
    bool mark_failed(std::int64_t id, const std::string& error,
                     std::optional<std::int64_t> retry_at, std::int64_t now_ms,
                     const std::string& holder = {});
    /// Who holds a claim on the job with `key` and until when (tests, diagnostics).
    std::optional<std::pair<std::string, std::int64_t>> claim(const std::string& key);

    std::optional<std::string> status(const std::string& key);

  private:
    Database& db_;
};

}  // namespace twintrack::store
