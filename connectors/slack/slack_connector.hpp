#pragma once
// The Slack connector. Events arrive over Socket Mode (a WebSocket opened with the
// app-level token, every envelope acknowledged before it is handled) or over the Events
// API (signed HTTP requests to the connector's own listener); slash commands come the
// same way. Posts go out through the Web API (chat.postMessage, conversations.open for
// direct messages), split at Slack's length limit, with HTTP 429 Retry-After honoured;
// attachments follow the text through the external upload flow (files.getUploadURLExternal,
// the bytes to the upload URL, files.completeUploadExternal into the channel or thread).
// One Boost.Asio thread per connector owns its state; the WebSocket and the listener
// have their own I/O threads and hand everything to it. Web API calls are asynchronous
// (connectors/runtime): their answers come back to that thread, so a slow call never holds
// up the events behind it; posts to one conversation keep their order.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::slack {

struct SlackSettings {
    std::string name = "slack";
    enum class Mode { socket, events } mode = Mode::socket;
    core::Secret bot_token;          ///< xoxb-…, for the Web API
    core::Secret app_token;          ///< xapp-…, Socket Mode only
    core::Secret signing_secret;     ///< Events API and slash commands over HTTP
    std::string bind = "127.0.0.1";  ///< the listener (events mode)
    int port = 3000;                 ///< 0 picks a free port (tests)
    std::string api_url = "https://slack.com/api";
    std::string tls_ca_file;  ///< CAs to trust besides the system store
    std::string proxy;        ///< "" = HTTPS_PROXY/NO_PROXY; "none"; or http://HOST:PORT
    std::vector<ChannelConfig> channels;  ///< channel ids (C…, G…) to tracks
    std::size_t max_chars = 4000;         ///< per message; longer posts are split
    /// `post_as_person:` relayed messages (the bridge) go under their writer's name
    /// (chat.postMessage `username`; the app needs the chat:write.customize scope).
    bool post_as_person = false;
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{600000};
    std::chrono::seconds max_retry_wait{60};  ///< longer Retry-After → the outbox retries
    /// `rate_limit:`. Slack: chat.postMessage "generally allows posting one message per
    /// second per channel, while also maintaining a workspace-wide limit" (Special tier,
    /// https://api.slack.com/docs/rate-limits); the workspace-wide figure is not
    /// published ("several hundred a minute"), 5 a second stays well under it.
    runtime::SendLimits rate_limit{5, 0, 1, 0, 1000};
};

/// The `type: slack` entry of the connector registry.
ConnectorType connector_type();

/// Builds a Slack connector (tests use this directly).
std::unique_ptr<Connector> make_slack(SlackSettings settings, const ConnectorContext& context);

/// What a Slack connector is doing (for tests and logs). Thread-safe.
struct SlackStatus {
    bool connected = false;  ///< Socket Mode: `hello` received on the current socket
    int connections = 0;     ///< hellos so far
    std::string bot_user_id;
    int listen_port = 0;  ///< events mode: the listener's port
};

SlackStatus slack_status(const Connector& connector);

}  // namespace twintrack::connectors::slack
