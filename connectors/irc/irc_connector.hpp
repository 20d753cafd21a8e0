#pragma once
// The IRC connector: an RFC 1459/2812 client with IRCv3 CAP negotiation (server-time,
// message-tags, SASL PLAIN), optional TLS, nick fallback, channel keys, PING/PONG,
// reconnect with backoff and rejoin, and a flood-control token bucket for posts.
// One Boost.Asio thread per connector owns the connection and all its state.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "connectors/connector.hpp"
#include "connectors/registry.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::irc {

struct IrcChannel {
    std::string name;  ///< "#sales"
    std::string key;   ///< channel key (+k), empty when none
    std::string track;
};

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
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{600000};
};

/// The `type: irc` entry of the connector registry.
ConnectorType connector_type();

/// Builds an IRC connector (tests use this directly).
std::unique_ptr<Connector> make_irc(IrcSettings settings, const ConnectorContext& context);

/// What an IRC connector is doing right now (for tests and logs). Thread-safe.
struct IrcStatus {
    bool registered = false;
    std::string nick;
    std::vector<std::string> joined;  ///< channels the server confirmed, lower-cased
    int connections = 0;              ///< successful registrations so far
};

/// The status of an IRC connector; a default status for other connectors.
IrcStatus irc_status(const Connector& connector);

}  // namespace twintrack::connectors::irc
