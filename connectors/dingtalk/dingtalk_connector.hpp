#pragma once
// The DingTalk app robot (企业内部应用机器人) in Stream mode: two-way, no public port.
// Messages arrive over an outbound WebSocket (the gateway's endpoint with a one-use
// ticket from `connections/open`), each frame acknowledged with its messageId as the
// official SDKs do; the bot answers through the message's sessionWebhook while it is
// valid, else through the robot OpenAPI (oToMessages/batchSend one-to-one,
// groupMessages/send in groups) with a cached access token. One Boost.Asio thread per
// connector owns its state; the WebSocket has its own I/O thread and HTTP calls are
// asynchronous (connectors/runtime), answers coming back to that thread. Posts to one
// conversation keep their order and wait out throttling together.
//
// With `card_template_id`, a post's buttons and menus go out as an interactive card
// (card/instances/createAndDeliver, connectors/dingtalk/dingtalk_cards.*) whose clicks
// come back over the stream (topic /v1.0/card/instances/callback) as action events, and
// a settled post updates the card (PUT card/instances). Pictures are uploaded as media
// (oapi media/upload) and sent after the text (msgKey sampleImageMsg).
//
// With `directory.match_by_email` (default on) a sender is looked up once (oapi
// topapi/v2/user/get, cached by runtime::SenderLookup) and the event carries their
// `org_email`, the mailbox the organisation opened for them in DingTalk's enterprise mail,
// for the directory to recognise them; the address-book `email`, which DingTalk does not
// confirm, is not used (docs/connectors/dingtalk.md).
//
// `type: dingtalk` without `client_id` (or with `mode: robot`) is still the post-only
// group robot of connectors/robots/.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "connectors/runtime/sender_lookup.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::dingtalk {

struct DingTalkSettings {
    std::string name = "dingtalk";
    std::string client_id;                                 ///< the app's Client ID (AppKey)
    core::Secret client_secret;                            ///< the app's Client Secret (AppSecret)
    std::string robot_code;                                ///< "" = client_id
    std::string api_url = "https://api.dingtalk.com";      ///< robot and oauth2 APIs
    std::string gateway_url = "https://api.dingtalk.com";  ///< connections/open
    std::string oapi_url = "https://oapi.dingtalk.com";    ///< media/upload (pictures)
    /// The interactive card template (`<uuid>.schema`) for posts with buttons and menus;
    /// "" = none: the engine appends the typed choices to the text instead.
    std::string card_template_id;
    std::string tls_ca_file;  ///< CAs to trust besides the system store
    std::string proxy;        ///< "" = HTTPS_PROXY/NO_PROXY; "none"; or http://HOST:PORT
    bool markdown = false;    ///< sampleMarkdown instead of sampleText
    std::vector<ChannelConfig> channels;  ///< group openConversationIds to tracks
    std::size_t max_chars = 3000;         ///< per message; longer posts are split
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{60000};
    /// Wait after a throttling answer that names no Retry-After (DingTalk's QPS window
    /// is one second).
    std::chrono::milliseconds throttle_wait{1000};
    std::chrono::seconds max_retry_wait{60};  ///< more waiting → back to the outbox
    /// `rate_limit:`. DingTalk robots may send at most 20 messages a minute to a group and
    /// are throttled for 10 minutes above that (130101 "send too fast, exceed 20 times
    /// per minute", open.dingtalk.com robot docs), so a conversation gets 20 a minute.
    runtime::SendLimits rate_limit{0, 0, 0, 20, 1000};
    /// A cached access token is renewed this long before DingTalk's `expireIn` ends.
    std::chrono::seconds token_margin{300};
    std::size_t dedupe_window = 5000;  ///< msgIds remembered against redelivery
    /// Senders' emails (topapi/v2/user/get, for `directory.match_by_email`): how many
    /// are remembered, for how long, and when a failed lookup is tried again.
    runtime::SenderLookupLimits sender_lookup;
    /// How long a message waits for its sender's lookup before it goes on without.
    std::chrono::milliseconds lookup_timeout{5000};
};

/// The `type: dingtalk` entry of the registry: this connector when the section has
/// `client_id` (or `mode: stream`), else the group robot of connectors/robots/.
ConnectorType connector_type();

/// Builds a DingTalk Stream connector (tests use this directly).
std::unique_ptr<Connector> make_dingtalk(DingTalkSettings settings,
                                         const ConnectorContext& context);

/// What a DingTalk connector is doing (tests and logs). Thread-safe.
struct DingTalkStatus {
    bool connected = false;  ///< the stream WebSocket is open
    int connections = 0;     ///< WebSocket connections opened so far
    int tickets = 0;         ///< tickets obtained from connections/open so far
    int token_fetches = 0;   ///< access tokens obtained so far
};

DingTalkStatus dingtalk_status(const Connector& connector);

}  // namespace twintrack::connectors::dingtalk
