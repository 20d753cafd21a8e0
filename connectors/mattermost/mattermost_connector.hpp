#pragma once
// The Mattermost connector: REST API v4 with a bot access token (users/me, posts,
// channels/direct) and the WebSocket event stream at /api/v4/websocket (authentication
// challenge, `posted` events whose `data.post` is JSON inside a string, `seq` tracking
// and resumption, reconnect with backoff). Optionally a listener for slash commands and
// outgoing webhooks, each checked by its token. One Boost.Asio thread owns the state; REST
// calls are asynchronous (connectors/runtime) and answer on that thread, so a slow call
// never holds up the events behind it; posts to one conversation keep their order.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::mattermost {

struct MattermostSettings {
    std::string name = "mattermost";
    std::string url;  ///< https://chat.example.com (no /api/v4)
    core::Secret token;
    core::Secret command_token;  ///< slash command token; empty = no slash command
    core::Secret webhook_token;  ///< outgoing webhook token; empty = none
    /// Buttons and menus: the URL of this connector's /mattermost/actions route as the
    /// Mattermost server reaches it; empty = posts show the typed choices instead.
    std::string actions_url;
    core::Secret actions_secret;  ///< proves an action request came through the server
    std::string bind = "127.0.0.1";
    int port = 3001;  ///< the listener, when a command or webhook token is set; 0 = free port
    std::string tls_ca_file;  ///< CAs to trust besides the system store
    std::string proxy;        ///< "" = HTTPS_PROXY/NO_PROXY; "none"; or http://HOST:PORT
    std::vector<ChannelConfig> channels;  ///< channel ids to tracks
    std::size_t max_chars = 16383;        ///< Mattermost's post limit; longer posts are split
    /// Relayed messages of a bridge are posted under their writer's name
    /// (`props.override_username`); needs the server's EnablePostUsernameOverride.
    bool post_as_person = false;
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{600000};
    std::chrono::seconds max_retry_wait{60};
    /// `rate_limit:`. Mattermost's limit is the server's RateLimitSettings: when enabled,
    /// PerSec 10 by default with MaxBurst 100, per session or address
    /// (https://docs.mattermost.com/configure/rate-limiting-configuration-settings.html);
    /// 10 a second from the bot stays within the default.
    runtime::SendLimits rate_limit{10, 0, 0, 0, 1000};
};

/// The `type: mattermost` entry of the connector registry.
ConnectorType connector_type();

std::unique_ptr<Connector> make_mattermost(MattermostSettings settings,
                                           const ConnectorContext& context);

/// What a Mattermost connector is doing (for tests and logs). Thread-safe.
struct MattermostStatus {
    bool connected = false;  ///< authenticated on the current socket
    int connections = 0;
    std::string bot_user_id;
    long long missed_events = 0;  ///< seq gaps seen
    int listen_port = 0;
};

MattermostStatus mattermost_status(const Connector& connector);

}  // namespace twintrack::connectors::mattermost
