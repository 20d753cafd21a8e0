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
// Files and pictures sent with a message (core/event_files.hpp) are uploaded again as
// attachments where the target shows them (set_file_abilities) and are at most the
// bridge's `max_file_bytes`; elsewhere the text names them, with their link when the
// platform gave one or a file linker (set_file_linker) kept them. A file is never
// dropped without a word.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bot/feature.hpp"
#include "core/event_files.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::bridge {

/// One channel of a bridge: `connector:channel` in the config.
struct BridgeChannel {
    std::string connector;
    std::string channel;
};

/// The default `max_file_bytes`: 10 MiB.
constexpr std::uint64_t default_max_file_bytes = 10 * 1024 * 1024;

struct Bridge {
    std::string name;
    std::vector<BridgeChannel> channels;
    /// Files and pictures up to this size are uploaded again; larger ones are linked or
    /// named in the text.
    std::uint64_t max_file_bytes = default_max_file_bytes;
};

/// `bridge: [{name: joint, channels: [hub:joint, slack:C123, irc:#joint],
/// max_file_bytes: 10485760}]`.
struct BridgeSettings {
    std::vector<Bridge> bridges;
};

/// Reads the `bridge:` list; every problem goes to `errors` with its line: an unknown
/// connector, a channel in two bridges, a bridge with fewer than two channels.
void read_bridges(const YAML::Node& node, const std::vector<std::string>& connectors,
                  core::ConfigErrors& errors, BridgeSettings& out);

/// The largest `max_file_bytes` of the bridges `connector` is in; 0 when it is in none.
/// A connector fetches the bytes of files people send up to this size.
std::uint64_t file_limit(const BridgeSettings& settings, const std::string& connector);

/// What a connector shows of the attachments of a relayed message.
struct FileAbilities {
    bool images = false;  ///< pictures (image/*), e.g. the hub
    bool files = false;   ///< any file, pictures included, e.g. the hub, Slack, Matrix
    /// Uploads may be refused when sent (XMPP): attachments carry their link too
    /// (Attachment::link: the platform's, else the file linker's).
    bool links = false;
};
/// Tells the bridge of `engine` what `connector` shows (none until told); before the
/// engine runs.
void set_file_abilities(Engine& engine, const std::string& connector, FileAbilities can);

/// Keeps a file's bytes where people on any platform can open them and returns the link,
/// or "" when it cannot (the hub with a `public_url`: connectors/hub). Called on the
/// engine thread.
using FileLinker = std::function<std::string(const core::EventFile&)>;
/// A file that a target does not show and whose platform gave no public link goes as
/// this linker's link instead of its name and size; before the engine runs.
void set_file_linker(Engine& engine, FileLinker linker);

/// Relays on `engine` as its settings say (nothing without bridges).
void register_bridge(Engine& engine);

/// The bridge feature: section `bridge`, migration 27.
Feature feature();

}  // namespace twintrack::bot::bridge
