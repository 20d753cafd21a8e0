#include "store/outbox.hpp"

namespace twintrack::store {

std::int64_t Outbox::enqueue(const OutboxEntry& e, std::int64_t now_ms, bool* inserted) {
    if (!e.dedupe_key.empty()) {
        if (auto id = db_.scalar("SELECT id FROM outbox WHERE dedupe_key = ?", {e.dedupe_key})) {
            if (inserted) *inserted = false;
            return *id;
        }
    }
    const Value key = e.dedupe_key.empty() ? Value(nullptr) : Value(e.dedupe_key);
    const std::int64_t id = db_.insert(
        "INSERT INTO outbox (connector, channel, thread, text, reply_to, dedupe_key, "
        "created_at, next_attempt_at, attachments, locale, actions) VALUES (?, ?, ?, ?, ?, ?, ?, "
        "?, ?, "
        "?, ?)",
        {e.connector, e.channel, e.thread, e.text, e.reply_to, key, now_ms, now_ms,
         e.attachments.empty() ? Value(nullptr) : Value(e.attachments), e.locale, e.actions});
    if (inserted) *inserted = true;
    return id;
}

std::vector<OutboxEntry> Outbox::due(std::int64_t now_ms, int limit) {
    std::vector<OutboxEntry> out;
    db_.query(
        "SELECT id, connector, channel, thread, text, reply_to, coalesce(dedupe_key, ''), "
        "attempts, coalesce(attachments, ''), locale, actions FROM outbox WHERE sent_at IS NULL "
        "AND failed "
        "= 0 AND "
        "next_attempt_at <= ? "
        "ORDER BY next_attempt_at, id LIMIT ?",
        {now_ms, std::int64_t{limit}}, [&](const Row& r) {
            out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5),
                           r.text(6), static_cast<int>(r.integer(7)), r.text(8), r.text(9),
                           r.text(10)});
        });
    return out;
}

std::optional<std::int64_t> Outbox::oldest_pending_created_at() {
    return db_.scalar("SELECT min(created_at) FROM outbox WHERE sent_at IS NULL AND failed = 0");
}

void Outbox::mark_sent(std::int64_t id, const std::string& remote_id, std::int64_t now_ms) {
    db_.execute(
        "UPDATE outbox SET sent_at = ?, remote_id = ?, attempts = attempts + 1 WHERE id = ?",
        {now_ms, remote_id, id});
}

void Outbox::mark_failed(std::int64_t id, const std::string& error,
                         std::optional<std::int64_t> retry_at) {
    if (retry_at) {
        db_.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
            "WHERE id = ?",
            {error, *retry_at, id});
    } else {
        db_.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed = 1 WHERE id = ?",
            {error, id});
    }
}

void Outbox::hold(std::int64_t id, const std::string& reason, std::int64_t retry_at) {
    db_.execute("UPDATE outbox SET last_error = ?, next_attempt_at = ? WHERE id = ?",
                {reason, retry_at, id});
}

std::int64_t Outbox::pending_count() {
    return db_.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed = 0")
        .value_or(0);
}

std::optional<std::int64_t> Outbox::next_attempt_at() {
    return db_.scalar(
        "SELECT min(next_attempt_at) FROM outbox WHERE sent_at IS NULL AND failed = 0");
}

}  // namespace twintrack::store
