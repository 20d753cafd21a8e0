#pragma once
// Posts that must not be lost: written in the same transaction as the state they report,
// marked sent only when the connector confirms, retried after a restart.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

struct OutboxEntry {
    std::int64_t id = 0;
    std::string connector;
    std::string channel;
    std::string thread;
    std::string text;
    std::string reply_to;
    std::string dedupe_key;  ///< empty when the post has none
    int attempts = 0;
    /// Files with the post, as the caller encoded them (the engine: JSON); empty if none.
    std::string attachments;
    std::string locale;  ///< the post's locale; empty when unknown
    /// The post's actions, typed fallback and what it replaces, as the caller encoded
    /// them (the engine: JSON); empty for a plain post.
    std::string actions{};
};

class Outbox {
  public:
    explicit Outbox(Database& db) : db_(db) {}

    /// Queues a post. With a dedupe key already queued, returns the existing id and
    /// queues nothing (`*inserted` tells which).
    std::int64_t enqueue(const OutboxEntry& entry, std::int64_t now_ms, bool* inserted = nullptr);

    /// Unsent posts whose next attempt is due, oldest first.
    std::vector<OutboxEntry> due(std::int64_t now_ms, int limit);

    void mark_sent(std::int64_t id, const std::string& remote_id, std::int64_t now_ms);
    /// Puts a post off until `retry_at` without counting an attempt (the platform holds it).
    void hold(std::int64_t id, const std::string& reason, std::int64_t retry_at);
    /// Records a failed attempt; `retry_at` empty means give up for good.
    void mark_failed(std::int64_t id, const std::string& error,
                     std::optional<std::int64_t> retry_at);

    /// Number of posts not yet sent and not given up.
    std::int64_t pending_count();
    /// When the oldest pending post was queued.
    std::optional<std::int64_t> oldest_pending_created_at();
    /// Earliest next attempt among pending posts.
    std::optional<std::int64_t> next_attempt_at();

  private:
    Database& db_;
};

}  // namespace twintrack::store
