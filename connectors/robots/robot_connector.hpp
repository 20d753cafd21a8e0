#pragma once
// Post-only group robots behind the Connector interface: the DingTalk custom robot, the
// Feishu/Lark custom bot, the WeCom group robot and Slack-compatible incoming webhooks
// (Slack, Mattermost, Rocket.Chat, Zulip). Each configured channel is one robot (one
// group), mapped to a track. A DingTalk connector may also listen for the outgoing
// robot's signed callbacks and answer through the conversation's sessionWebhook.
//
// One worker thread per connector does all HTTP (through connectors/runtime, waiting for
// each answer, which is all that thread does): a FIFO queue and a client-side rate
// limiter per robot, so posts wait rather than get dropped and keep their order. When
// the platform says "too fast", the robot's queue is held and the same post is tried
// again; only after `max_hold` does the post go back to the outbox as retryable.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "connectors/robots/formats.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::robots {

struct RobotChannel {
    std::string name;
    std::string track;
    core::Secret url;     ///< the full webhook URL; it holds the token or key
    core::Secret secret;  ///< signing secret (DingTalk 加签, Feishu 签名校验); may be empty
    /// DingTalk: the group's conversationId in outgoing-robot callbacks, so messages from
    /// that group arrive on this channel (and its track).
    std::string conversation_id;
};

/// DingTalk outgoing robot: where DingTalk POSTs the messages that mention the robot.
struct CallbackSettings {
    bool enabled = false;
    std::string bind = "127.0.0.1";
    int port = 0;  ///< 0 = any free port (tests)
    /// False when the section names no port: the callbacks are then served only under
    /// `/hooks/NAME/callback` by the process's HTTP server (a hub or `http:`).
    bool port_given = true;
    std::string path = "/dingtalk/callback";
    core::Secret app_secret;
    std::chrono::milliseconds max_skew{std::chrono::hours(1)};  ///< per DingTalk's docs
    std::size_t max_body = 64 * 1024;
};

struct RobotSettings {
    std::string name;
    Platform platform = Platform::webhook;
    Format format = Format::text;
    Limits limits{10000, 0};
    int per_minute = 0;  ///< client-side limit per robot; 0 = none
    int per_second = 0;
    std::chrono::milliseconds timeout{10000};
    std::string tls_ca_file;  ///< CAs to trust besides the system store
    std::string proxy;        ///< "" = HTTPS_PROXY/NO_PROXY; "none"; or http://HOST:PORT
    std::vector<RobotChannel> channels;
    CallbackSettings callback;
    /// How long one post may hold its robot's queue while the platform throttles or
    /// fails; after that it goes back to the outbox (retryable).
    std::chrono::milliseconds max_hold{std::chrono::minutes(15)};
    /// Tests only: replaces the platform's documented throttle waits.
    std::optional<std::chrono::milliseconds> rate_limit_wait;
    std::chrono::milliseconds retry_initial{1000};  ///< network errors and 5xx, doubling
    int retry_attempts = 3;
    std::size_t max_queue = 1000;  ///< posts waiting per connector; more → send() fails
};

/// The registry entry of `type: dingtalk|feishu|wecom|webhook`.
ConnectorType connector_type(Platform platform);

/// Reads a connector section (every key but type and name) into `settings`.
void read_settings(core::SectionReader& section, RobotSettings& settings);

/// Builds a robot connector (tests use this directly).
std::unique_ptr<Connector> make_robot(RobotSettings settings, const ConnectorContext& context);

/// The callback listener's port once started; 0 for other connectors.
int callback_port(const Connector& connector);

}  // namespace twintrack::connectors::robots
