#pragma once
// The IRC connector: an RFC 1459/2812 client with IRCv3 CAP negotiation (server-time,
// message-tags, batch, SASL PLAIN), optional TLS, nick fallback, channel keys, PING/PONG,
// reconnect with backoff and rejoin, and a flood-control token bucket for posts.
// One Boost.Asio thread per connector owns the connection and all its state.
//
// What never reaches the bot: history the server plays back after a join (see
// replay_guard.hpp), NOTICEs (RFC 1459: never answered automatically), and lines from
// servers (no nick!user@host) or services (the `services` nicks). Replies longer than
// `max_lines` IRC lines end with one line from prompts/<locale>/irc.yaml saying where the
// rest is.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::irc {

struct IrcChannel {
    std::string name;  ///< "#sales"
    std::string key;   ///< channel key (+k), empty when none
    std::string track;
};

/// NickServ, ChanServ and the other usual services nicks (Atheme, Anope, InspIRCd).
std::vector<std::string> default_services();

struct IrcSettings {
    std::string name = "irc";
    std::string server;
    int port = 6667;  ///< default 6697 with TLS
    bool tls = false;
    /// A PEM file of CAs to trust besides the system store (private CAs, tests).
    std::string tls_ca_file;
    std::string nick = "twintrack";
    std::vector<std::string> alt_nicks;
    std::string sasl_user;
    core::Secret sasl_password;
    std::vector<IrcChannel> channels;
    double flood_burst = 5;        ///< lines sent at once
    double flood_per_second = 2;   ///< then this many lines a second; 0 = no limit
    std::size_t max_queue = 1000;  ///< lines waiting for the bucket; more → send() fails
    /// Untagged lines this soon after the bot's JOIN (or before its 366) are history.
    std::chrono::milliseconds replay_window{2000};
    /// Nicks whose messages are never a person's (compared case-insensitively).
    std::vector<std::string> services = default_services();
    /// Most IRC lines in one reply, the pointer to the rest included; 0 = no limit.
    std::size_t max_lines = 10;
    /// Where people read long answers in full (the hub's address), shown in the pointer.
    std::string more_url;
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{600000};
};

/// The `type: irc` entry of the connector registry.
ConnectorType connector_type();

/// Builds an IRC connector (tests use this directly). Throws std::runtime_error when
/// `context.prompts_dir` has no irc.yaml for the default locale.
std::unique_ptr<Connector> make_irc(IrcSettings settings, const ConnectorContext& context);

/// What an IRC connector is doing right now (for tests and logs). Thread-safe.
struct IrcStatus {
    bool registered = false;
    std::string nick;
    std::vector<std::string> joined;  ///< channels the server confirmed, lower-cased
    int connections = 0;              ///< successful registrations so far
    std::vector<std::string> live;    ///< joined channels whose replay burst is over
    int history_skipped = 0;          ///< played-back lines recorded as seen, not answered
    int not_people = 0;               ///< lines from servers or services, and NOTICEs
};

/// The status of an IRC connector; a default status for other connectors.
IrcStatus irc_status(const Connector& connector);

}  // namespace twintrack::connectors::irc
