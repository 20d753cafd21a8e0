#pragma once
// The bridge's table (bridge_messages; migration bot/features/bridge/migrations/0027_bridge.sql
// and the PostgreSQL twin): the bridge feature's own store part (target
// twintrack_feature_bridge_store, linking only the store layer, nothing from bot/).
//
// The bridge's map of messages across platforms: for each message a person wrote in a
// bridged channel (the origin), the copies relayed to the bridge's other channels, each
// with the platform's id once the outbox confirmed it. Times are UTC milliseconds.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store::bridge {

/// One message of a bridge: the origin or one of its copies.
struct BridgeMessage {
    std::string connector;
    std::string channel;
    std::string message_id;    ///< empty for a copy not confirmed yet
    std::string reply_thread;  ///< Address.thread of replies to it; empty without threads
    std::string dedupe_key;    ///< the copy's outbox post; empty for the origin
};

/// An origin and its copies.
struct BridgeGroup {
    std::string bridge;
    std::string origin_connector;
    std::string origin_id;
    std::vector<BridgeMessage> messages;  ///< the origin first
};

/// Copies of a bridge to one connector: confirmed, waiting in the outbox, given up.
struct BridgeCount {
    std::string bridge;
    std::string connector;
    std::int64_t relayed = 0;
    std::int64_t queued = 0;
    std::int64_t failed = 0;
};

class BridgeRepository {
  public:
    explicit BridgeRepository(Database& db) : db_(db) {}

    /// Records a message a person wrote; false when it is recorded already.
    bool add_origin(const std::string& bridge, const BridgeMessage& origin, std::int64_t now_ms);
    /// Records a copy of origin (`origin_connector`, `origin_id`) queued as `copy.dedupe_key`.
    void add_copy(const std::string& bridge, const std::string& origin_connector,
                  const std::string& origin_id, const BridgeMessage& copy, std::int64_t now_ms);
    /// The outbox delivered the copy queued as `dedupe_key`: its platform id and thread.
    /// False when no copy has that key.
    bool confirm(const std::string& dedupe_key, const std::string& message_id,
                 const std::string& reply_thread);
    /// The origin and copies of the group the message (`connector`, `message_id`) belongs
    /// to, as origin or as a confirmed copy; none when it is not a bridged message.
    std::optional<BridgeGroup> group_of(const std::string& connector,
                                        const std::string& message_id) const;
    /// Per bridge and connector of the copies, sorted.
    std::vector<BridgeCount> counts() const;

  private:
    Database& db_;
};

}  // namespace twintrack::store::bridge
