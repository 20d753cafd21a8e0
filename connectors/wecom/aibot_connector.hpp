#pragma once
// The WeCom AI bot (智能机器人) in long connection mode (`type: wecom`, `mode: aibot`):
// two-way, no public URL. The program opens a WebSocket to WeCom's gateway
// (wss://openws.work.weixin.qq.com), subscribes with the bot's Bot ID and Secret
// (aibot_subscribe), keeps it alive with `ping` frames and receives every message written
// to the bot (aibot_msg_callback: one-to-one chats, and group messages that @mention the
// bot). A reply to a message goes back on the callback's req_id (aibot_respond_msg, one
// finished stream message); other posts are sent with aibot_send_msg (markdown) to the
// member's userid or the group's chatid. Frames are JSON `{cmd, headers{req_id}, body}`
// (aibot_frames.hpp), as WeCom's document 101463 and its official SDK describe them.
//
// One Boost.Asio thread (runtime::Session) owns the state; the WebSocket (http::WsLink)
// has its own I/O thread; reconnects follow the runtime's Backoff.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::wecom {

struct AibotSettings {
    std::string name = "wecom";
    std::string bot_id;   ///< the bot's Bot ID (智能机器人 > API 模式 > 长连接)
    core::Secret secret;  ///< the bot's Secret
    std::string ws_url = "wss://openws.work.weixin.qq.com";
    std::string proxy;  ///< "" = HTTPS_PROXY/NO_PROXY, "none", or http://host:port (CONNECT)
    std::string tls_ca_file;
    std::vector<ChannelConfig> channels;  ///< group chatids to tracks
    std::size_t max_chars = 6000;  ///< per message (WeCom: 20480 bytes); longer posts are split
    std::chrono::milliseconds heartbeat{30000};    ///< a `ping` this often
    std::chrono::milliseconds ack_timeout{10000};  ///< WeCom's answer to a message we sent
    /// A reply goes back on the message's req_id while the message is younger than this;
    /// later (or when WeCom refuses the req_id) it is sent with aibot_send_msg.
    std::chrono::seconds respond_window{300};
    std::chrono::milliseconds busy_wait{2000};  ///< after a "busy" answer (-1, 45009)
    std::chrono::seconds max_retry_wait{60};    ///< then the post goes back to the outbox
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{60000};
    std::size_t dedupe_window = 5000;  ///< msgids remembered against redelivery
};

/// True when a `type: wecom` section is the AI bot: `mode: aibot`, or no `mode` and a
/// `bot_id`.
bool aibot_section(const YAML::Node& section);
/// The AI bot's part of the wecom type: validate (check-config, `spec.channels`) and create.
ConnectorType aibot_type();

/// Builds the AI bot connector (tests use this directly).
std::unique_ptr<Connector> make_aibot(AibotSettings settings, const ConnectorContext& context);

/// What the AI bot connector is doing (tests, logs). Thread-safe.
struct AibotStatus {
    bool connected = false;      ///< subscribed on an open connection
    int connections = 0;         ///< WebSocket connections opened
    int subscribes_refused = 0;  ///< aibot_subscribe answered with an errcode
    long long heartbeats = 0;    ///< pings WeCom answered
    long long duplicates = 0;    ///< message callbacks dropped as already seen
    long long responds = 0;      ///< posts answered on a callback's req_id
    long long sends = 0;         ///< messages sent with aibot_send_msg
};

AibotStatus aibot_status(const Connector& connector);

}  // namespace twintrack::connectors::wecom
