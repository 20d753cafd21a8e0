#pragma once
// Posts that must not be lost: written in the same transaction as the state they report,
// marked sent only when the connector confirms, retried after a restart. Several
// processes on one database each claim the posts they send (claim_due) for a lease, so a
// post goes out once per delivery attempt; a claim that runs out (the process died before
// the platform confirmed) lets another process send it again.

#include <optional>
#include <string>
#include <utility>
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
    /// With a `claim`, the post is queued already claimed by that holder until then (the
    /// process that wrote it sends it right after its commit).
    std::int64_t enqueue(const OutboxEntry& entry, std::int64_t now_ms, bool* inserted = nullptr,
                         const std::optional<std::pair<std::string, std::int64_t>>& claim = {});

    /// Unsent posts whose next attempt is due, oldest first (claimed or not).
    std::vector<OutboxEntry> due(std::int64_t now_ms, int limit);
    /// Claims up to `limit` unsent posts whose next attempt is due for `holder` until
    /// `lease_until`, oldest first: posts nobody claimed, whose claim ran out, or that
    /// `holder` claimed before. Posts for the connectors in `skip` (another process runs
    /// them) are left alone. One statement; PostgreSQL skips rows other processes are
    /// claiming at the same moment.
    std::vector<OutboxEntry> claim_due(std::int64_t now_ms, int limit, const std::string& holder,
                                       std::int64_t lease_until,
                                       const std::vector<std::string>& skip = {});
    /// Extends `holder`'s claims on unsent posts to `lease_until` (sends under way).
    void renew_claims(const std::string& holder, std::int64_t lease_until);
    /// Who holds a claim on the post and until when (tests, diagnostics).
    std::optional<std::pair<std::string, std::int64_t>> claim(std::int64_t id);

    void mark_sent(std::int64_t id, const std::string& remote_id, std::int64_t now_ms);
    /// Puts a post off until `retry_at` without counting an attempt (the platform holds it).
    void hold(std::int64_t id, const std::string& reason, std::int64_t retry_at);
    /// After a failed attempt of post `id`: the later posts of its conversation (same
    /// connector and channel) not sent yet are not tried before it, so they keep their
    /// order (each is tried no earlier than every earlier one of the conversation).
    void keep_order(std::int64_t id);
    /// Records a failed attempt; `retry_at` empty means give up for good.
    void mark_failed(std::int64_t id, const std::string& error,
                     std::optional<std::int64_t> retry_at);

    /// Number of posts not yet sent and not given up.
    std::int64_t pending_count();
    /// When the oldest pending post was queued.
    std::optional<std::int64_t> oldest_pending_created_at();
    /// Earliest next attempt among pending posts (not before another process's claim on
    /// a post runs out), leaving out the connectors in `skip`.
    std::optional<std::int64_t> next_attempt_at(const std::vector<std::string>& skip = {});

  private:
    Database& db_;
};

}  // namespace twintrack::store
