#include "store/jobs.hpp"

#include <algorithm>

namespace twintrack::store {

bool JobQueue::schedule(const Job& job) {
    return db_.execute(
               "INSERT INTO jobs (kind, key, payload, due_at) VALUES (?, ?, ?, ?) "
               "ON CONFLICT (key) DO NOTHING",
               {job.kind, job.key, job.payload.empty() ? std::string("{}") : job.payload,
                job.due_at}) > 0;
}

void JobQueue::reschedule(const std::string& key, std::int64_t due_at) {
    db_.execute("UPDATE jobs SET due_at = ? WHERE key = ? AND status = 'pending'", {due_at, key});
}

void JobQueue::cancel(const std::string& key) {
    db_.execute("DELETE FROM jobs WHERE key = ? AND status = 'pending'", {key});
}

std::vector<Job> JobQueue::due(std::int64_t now_ms, int limit) {
    std::vector<Job> out;
    db_.query(
        "SELECT id, kind, key, payload, due_at, attempts FROM jobs "
        "WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?",
        {now_ms, std::int64_t{limit}}, [&](const Row& r) {
            out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.integer(4),
                           static_cast<int>(r.integer(5))});
        });
    return out;
}

std::vector<Job> JobQueue::claim_due(std::int64_t now_ms, int limit, const std::string& holder,
                                     std::int64_t lease_until) {
    std::vector<Job> out;
    db_.query(std::string("UPDATE jobs SET claimed_by = ?1, claimed_until = ?2 WHERE id IN ("
                          "SELECT id FROM jobs WHERE status = 'pending' AND due_at <= ?3 AND "
                          "(claimed_until IS NULL OR claimed_until <= ?3 OR claimed_by = ?1) "
                          "ORDER BY due_at, id LIMIT ?4") +
                  db_.dialect().skip_locked +
                  ") RETURNING id, kind, key, payload, due_at, attempts",
              {holder, lease_until, now_ms, std::int64_t{limit}}, [&](const Row& r) {
                  out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.integer(4),
                                 static_cast<int>(r.integer(5))});
              });
    // RETURNING gives no order.
    std::sort(out.begin(), out.end(), [](const Job& a, const Job& b) {
        return a.due_at != b.due_at ? a.due_at < b.due_at : a.id < b.id;
    });
    return out;
}

std::optional<std::int64_t> JobQueue::next_due_at() {
    return db_.scalar(
        "SELECT min(CASE WHEN claimed_until > due_at THEN claimed_until ELSE due_at END) "
        "FROM jobs WHERE status = 'pending'");
}

bool JobQueue::mark_done(std::int64_t id, std::int64_t now_ms, const std::string& holder) {
    const std::string set =
        "UPDATE jobs SET status = 'done', attempts = attempts + 1, finished_at = ?, "
        "claimed_by = NULL, claimed_until = NULL WHERE id = ?";
    if (holder.empty()) return db_.execute(set, {now_ms, id}) > 0;
    if (db_.execute(set + " AND claimed_by = ?", {now_ms, id, holder}) > 0) return true;
    // Gone (the job cancelled itself, or was cancelled): nothing left to mark.
    return !db_.scalar("SELECT id FROM jobs WHERE id = ?", {id});
}

bool JobQueue::mark_failed(std::int64_t id, const std::string& error,
                           std::optional<std::int64_t> retry_at, std::int64_t now_ms,
                           const std::string& holder) {
    std::string sql;
    Params params;
    if (retry_at) {
        sql =
            "UPDATE jobs SET attempts = attempts + 1, last_error = ?, due_at = ?, "
            "claimed_by = NULL, claimed_until = NULL WHERE id = ?";
        params = {error, *retry_at, id};
    } else {
        sql =
            "UPDATE jobs SET status = 'failed', attempts = attempts + 1, last_error = ?, "
            "finished_at = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?";
        params = {error, now_ms, id};
    }
    if (holder.empty()) return db_.execute(sql, params) > 0;
    sql += " AND claimed_by = ?";
    params.emplace_back(holder);
    if (db_.execute(sql, params) > 0) return true;
    return !db_.scalar("SELECT id FROM jobs WHERE id = ?", {id});
}

std::optional<std::pair<std::string, std::int64_t>> JobQueue::claim(const std::string& key) {
    std::optional<std::pair<std::string, std::int64_t>> out;
    db_.query("SELECT claimed_by, claimed_until FROM jobs WHERE key = ? AND claimed_by IS NOT NULL",
              {key}, [&](const Row& r) { out.emplace(r.text(0), r.integer(1)); });
    return out;
}

std::optional<std::string> JobQueue::status(const std::string& key) {
    std::optional<std::string> out;
    db_.query("SELECT status FROM jobs WHERE key = ?", {key},
              [&](const Row& r) { out = r.text(0); });
    return out;
}

}  // namespace twintrack::store
