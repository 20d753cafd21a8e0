#include "store/jobs.hpp"

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

std::optional<std::int64_t> JobQueue::next_due_at() {
    return db_.scalar("SELECT min(due_at) FROM jobs WHERE status = 'pending'");
}

void JobQueue::mark_done(std::int64_t id, std::int64_t now_ms) {
    db_.execute(
        "UPDATE jobs SET status = 'done', attempts = attempts + 1, finished_at = ? WHERE id = ?",
        {now_ms, id});
}

void JobQueue::mark_failed(std::int64_t id, const std::string& error,
                           std::optional<std::int64_t> retry_at, std::int64_t now_ms) {
    if (retry_at) {
        db_.execute(
            "UPDATE jobs SET attempts = attempts + 1, last_error = ?, due_at = ? WHERE id = ?",
            {error, *retry_at, id});
    } else {
        db_.execute(
            "UPDATE jobs SET status = 'failed', attempts = attempts + 1, last_error = ?, "
            "finished_at = ? WHERE id = ?",
            {error, now_ms, id});
    }
}

std::optional<std::string> JobQueue::status(const std::string& key) {
    std::optional<std::string> out;
    db_.query("SELECT status FROM jobs WHERE key = ?", {key},
              [&](const Row& r) { out = r.text(0); });
    return out;
}

}  // namespace twintrack::store
