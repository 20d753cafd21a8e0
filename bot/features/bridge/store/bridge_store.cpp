#include "bot/features/bridge/store/bridge_store.hpp"

namespace twintrack::store::bridge {

bool BridgeRepository::add_origin(const std::string& bridge, const BridgeMessage& origin,
                                  std::int64_t now_ms) {
    return db_.execute(
               "INSERT INTO bridge_messages (bridge, origin_connector, origin_id, connector, "
               "channel, message_id, reply_thread, dedupe_key, created_at) VALUES (?, ?, ?, ?, "
               "?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING",
               {bridge, origin.connector, origin.message_id, origin.connector, origin.channel,
                origin.message_id, origin.reply_thread, now_ms}) > 0;
}

void BridgeRepository::add_copy(const std::string& bridge, const std::string& origin_connector,
                                const std::string& origin_id, const BridgeMessage& copy,
                                std::int64_t now_ms) {
    db_.execute(
        "INSERT INTO bridge_messages (bridge, origin_connector, origin_id, connector, channel, "
        "message_id, reply_thread, dedupe_key, created_at) VALUES (?, ?, ?, ?, ?, NULL, '', ?, "
        "?) ON CONFLICT DO NOTHING",
        {bridge, origin_connector, origin_id, copy.connector, copy.channel, copy.dedupe_key,
         now_ms});
}

bool BridgeRepository::confirm(const std::string& dedupe_key, const std::string& message_id,
                               const std::string& reply_thread) {
    return db_.execute(
               "UPDATE bridge_messages SET message_id = ?, reply_thread = ? WHERE dedupe_key = ?",
               {message_id, reply_thread, dedupe_key}) > 0;
}

std::optional<BridgeGroup> BridgeRepository::group_of(const std::string& connector,
                                                      const std::string& message_id) const {
    std::optional<BridgeGroup> out;
    db_.query(
        "SELECT bridge, origin_connector, origin_id FROM bridge_messages WHERE connector = ? AND "
        "message_id = ? ORDER BY created_at LIMIT 1",
        {connector, message_id}, [&](const Row& r) {
            out = BridgeGroup{r.text(0), r.text(1), r.text(2), {}};
        });
    if (!out) return out;
    db_.query(
        "SELECT connector, channel, coalesce(message_id, ''), reply_thread, "
        "coalesce(dedupe_key, '') FROM bridge_messages WHERE bridge = ? AND origin_connector = ? "
        "AND origin_id = ? ORDER BY CASE WHEN dedupe_key IS NULL THEN 0 ELSE 1 END, connector",
        {out->bridge, out->origin_connector, out->origin_id}, [&](const Row& r) {
            out->messages.push_back({r.text(0), r.text(1), r.text(2), r.text(3), r.text(4)});
        });
    return out;
}

std::vector<BridgeCount> BridgeRepository::counts() const {
    std::vector<BridgeCount> out;
    db_.query(
        "SELECT b.bridge, b.connector, "
        "sum(CASE WHEN b.message_id IS NOT NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN b.message_id IS NULL AND o.sent_at IS NULL AND o.failed = 0 THEN 1 ELSE 0 "
        "END), "
        "sum(CASE WHEN b.message_id IS NULL AND o.failed = 1 THEN 1 ELSE 0 END) "
        "FROM bridge_messages b LEFT JOIN outbox o ON o.dedupe_key = b.dedupe_key "
        "WHERE b.dedupe_key IS NOT NULL GROUP BY b.bridge, b.connector "
        "ORDER BY b.bridge, b.connector",
        {}, [&](const Row& r) {
            out.push_back({r.text(0), r.text(1), r.integer(2), r.integer(3), r.integer(4)});
        });
    return out;
}

}  // namespace twintrack::store::bridge
