#pragma once
// The bridge: every message a person writes in one channel of a bridge (not a command to
// the bot, not the bot's own) is relayed to the bridge's other channels, on any
// connector, as "Name (platform): text", or under the writer's name where the platform
// allows it (PostAbilities::as_name). Relays go through the outbox (retries, order per
// channel, delivery once a connector is back). The map of message ids across platforms
// is in the store (store/bridge.hpp), filled when the outbox confirms a copy, so that
// replies go into the mapped thread and edits and deletes follow where the platform can
// (PostAbilities::edits, deletes), also after a restart. `/metrics` shows per bridge and
// connector the copies relayed, queued and given up (twintrack_bridge_posts).

#include <string>
#include <vector>

#include "bot/feature.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::bridge {

/// One channel of a bridge: `connector:channel` in the config.
struct BridgeChannel {
    std::string connector;
    std::string channel;
};

struct Bridge {
    std::string name;
    std::vector<BridgeChannel> channels;
};

/// `bridge: [{name: joint, channels: [hub:joint, slack:C123, irc:#joint]}]`.
struct BridgeSettings {
    std::vector<Bridge> bridges;
};

/// Reads the `bridge:` list; every problem goes to `errors` with its line: an unknown
/// connector, a channel in two bridges, a bridge with fewer than two channels.
void read_bridges(const YAML::Node& node, const std::vector<std::string>& connectors,
                  core::ConfigErrors& errors, BridgeSettings& out);

/// Relays on `engine` as its settings say (nothing without bridges).
void register_bridge(Engine& engine);

/// The bridge feature: section `bridge`, migration 27.
Feature feature();

}  // namespace twintrack::bot::bridge
