#include "store/outbox.hpp"

#include <algorithm>

namespace twintrack::store {

namespace {

/// `skip` as one text parameter: ",irc,dingtalk," (connector names hold no comma).
std::string skip_list(const std::vector<std::string>& skip) {
    std::string out = ",";
    for (const auto& name : skip) out += name + ",";
    return out;
}

}  // namespace

std::int64_t Outbox::enqueue(const OutboxEntry& e, std::int64_t now_ms, bool* inserted,
                             const std::optional<std::pair<std::string, std::int64_t>>& claim) {
    if (!e.dedupe_key.empty()) {
        if (auto id = db_.scalar("SELECT id FROM outbox WHERE dedupe_key = ?", {e.dedupe_key})) {
            if (inserted) *inserted = false;
            return *id;
        }
    }
    const Value key = e.dedupe_key.empty() ? Value(nullptr) : Value(e.dedupe_key);
    // Another process may queue the same dedupe key at the same moment: the unique key
    // keeps one row, and the loser reads the winner's id.
    const std::int64_t id = db_.insert(
        "INSERT INTO outbox (connector, channel, thread, text, reply_to, dedupe_key, "
        "created_at, next_attempt_at, attachments, locale, actions, claimed_by, claimed_until) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
        {e.connector, e.channel, e.thread, e.text, e.reply_to, key, now_ms, now_ms,
         e.attachments.empty() ? Value(nullptr) : Value(e.attachments), e.locale, e.actions,
         claim ? Value(claim->first) : Value(nullptr),
         claim ? Value(claim->second) : Value(nullptr)});
    if (id == 0 && !e.dedupe_key.empty()) {
        if (inserted) *inserted = false;
        return db_.scalar("SELECT id FROM outbox WHERE dedupe_key = ?", {e.dedupe_key}).value_or(0);
    }
    if (inserted) *inserted = true;
    return id;
}

std::vector<OutboxEntry> Outbox::claim_due(std::int64_t now_ms, int limit,
                                           const std::string& holder, std::int64_t lease_until,
                                           const std::vector<std::string>& skip) {
    std::vector<OutboxEntry> out;
    std::vector<std::int64_t> order;
    db_.query(
        std::string("UPDATE outbox SET claimed_by = ?1, claimed_until = ?2 WHERE id IN ("
                    "SELECT id FROM outbox WHERE sent_at IS NULL AND failed = 0 AND "
                    "next_attempt_at <= ?3 AND (claimed_until IS NULL OR claimed_until <= ?3 OR "
                    "claimed_by = ?1) AND instr(?4, ',' || connector || ',') = 0 "
                    "ORDER BY next_attempt_at, id LIMIT ?5") +
            db_.dialect().skip_locked +
            ") RETURNING id, connector, channel, thread, text, reply_to, coalesce(dedupe_key, ''), "
            "attempts, coalesce(attachments, ''), locale, actions, next_attempt_at",
        {holder, lease_until, now_ms, skip_list(skip), std::int64_t{limit}}, [&](const Row& r) {
            out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5),
                           r.text(6), static_cast<int>(r.integer(7)), r.text(8), r.text(9),
                           r.text(10)});
            order.push_back(r.integer(11));
        });
    // RETURNING gives no order: oldest attempt first, then the order they were queued.
    std::vector<std::size_t> idx(out.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        return order[a] != order[b] ? order[a] < order[b] : out[a].id < out[b].id;
    });
    std::vector<OutboxEntry> sorted;
    sorted.reserve(out.size());
    for (std::size_t i : idx) sorted.push_back(std::move(out[i]));
    return sorted;
}

void Outbox::keep_order(std::int64_t id) {
    // Not before the earlier ones still waiting, then the later ones not before it.
    const auto earlier = db_.scalar(
        "SELECT max(e.next_attempt_at) FROM outbox e, outbox f WHERE f.id = ? AND e.connector "
        "= f.connector AND e.channel = f.channel AND e.id < f.id AND e.sent_at IS NULL AND "
        "e.failed = 0",
        {id});
    if (earlier) {
        db_.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND next_attempt_at < ?",
                    {*earlier, id, *earlier});
    }
    db_.execute(
        "UPDATE outbox SET next_attempt_at = (SELECT f.next_attempt_at FROM outbox f WHERE f.id "
        "= ?1) WHERE connector = (SELECT connector FROM outbox WHERE id = ?1) AND channel = "
        "(SELECT channel FROM outbox WHERE id = ?1) AND id > ?1 AND sent_at IS NULL AND failed "
        "= 0 AND next_attempt_at < (SELECT f.next_attempt_at FROM outbox f WHERE f.id = ?1)",
        {id});
}

void Outbox::renew_claims(const std::string& holder, std::int64_t lease_until) {
    db_.execute_unannounced(
        "UPDATE outbox SET claimed_until = ? WHERE claimed_by = ? AND sent_at IS NULL AND "
        "failed = 0",
        {lease_until, holder});
}

std::optional<std::pair<std::string, std::int64_t>> Outbox::claim(std::int64_t id) {
    std::optional<std::pair<std::string, std::int64_t>> out;
    db_.query(
        "SELECT claimed_by, claimed_until FROM outbox WHERE id = ? AND claimed_by IS NOT NULL",
        {id}, [&](const Row& r) { out.emplace(r.text(0), r.integer(1)); });
    return out;
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
        "UPDATE outbox SET sent_at = ?, remote_id = ?, attempts = attempts + 1, claimed_by = "
        "NULL, claimed_until = NULL WHERE id = ?",
        {now_ms, remote_id, id});
}

void Outbox::mark_failed(std::int64_t id, const std::string& error,
                         std::optional<std::int64_t> retry_at) {
    if (retry_at) {
        db_.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, "
            "claimed_by = NULL, claimed_until = NULL WHERE id = ?",
            {error, *retry_at, id});
    } else {
        db_.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed = 1, claimed_by = "
            "NULL, claimed_until = NULL WHERE id = ?",
            {error, id});
    }
}

void Outbox::hold(std::int64_t id, const std::string& reason, std::int64_t retry_at) {
    db_.execute(
        "UPDATE outbox SET last_error = ?, next_attempt_at = ?, claimed_by = NULL, claimed_until "
        "= NULL WHERE id = ?",
        {reason, retry_at, id});
}

std::int64_t Outbox::pending_count() {
    return db_.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed = 0")
        .value_or(0);
}

std::optional<std::int64_t> Outbox::next_attempt_at(const std::vector<std::string>& skip) {
    return db_.scalar(
        "SELECT min(CASE WHEN claimed_until > next_attempt_at THEN claimed_until ELSE "
        "next_attempt_at END) FROM outbox WHERE sent_at IS NULL AND failed = 0 AND "
        "instr(?, ',' || connector || ',') = 0",
        {skip_list(skip)});
}

}  // namespace twintrack::store
