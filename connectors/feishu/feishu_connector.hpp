#pragma once
// The Feishu / Lark app bot (自建应用机器人): two-way. Events arrive over the long
// connection (default: `/callback/ws/endpoint` hands out a WebSocket URL; protobuf
// frames, pings at the server's interval, events split over frames put back together,
// each acknowledged with {"code":200}, as the official SDKs do), or as HTTP callbacks on
// the bot's own listener (`mode: events`, the Request URL): the console's URL
// verification is answered, the Verification Token and, with an Encrypt Key, the
// X-Lark-Signature are checked and `{"encrypt": ...}` bodies decrypted. Each event is
// handled once by its event_id. Posts go out through the IM OpenAPI (`im/v1/messages`,
// or `.../reply` when a post answers a message) with a cached tenant access token. A
// post's buttons and menus go as an interactive card (connectors/feishu/feishu_cards.*);
// a click comes back as a `card.action.trigger` callback on the same way as events and
// is handed to the bot as an action of the clicker; a settled post's card is PATCHed to
// its outcome. Pictures follow the text (uploaded to `im/v1/images`, sent as images). One
// Boost.Asio thread per connector owns its state; the WebSocket and the listener have
// their own I/O threads and HTTP calls are asynchronous (connectors/runtime), everything
// coming back to that thread. Posts to one conversation keep their order and wait out
// rate limits together.
//
// Senders are looked up once (contact/v3/users, cached by runtime::SenderLookup) for their
// name and, with `directory.match_by_email` (default on), their `enterprise_email`, for the
// directory to recognise them (docs/connectors/feishu.md).
//
// Feishu and Lark differ only in the API's base URL (`platform:` or `api_url:`).
// `type: feishu` without `app_id` (or with `mode: robot`) is still the post-only group
// robot of connectors/robots/.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "connectors/runtime/sender_lookup.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::feishu {

struct FeishuSettings {
    enum class Mode {
        long_connection,  ///< events over an outbound WebSocket (no public address needed)
        events,           ///< events as HTTP callbacks to the bot's listener (Request URL)
    };
    std::string name = "feishu";
    Mode mode = Mode::long_connection;
    std::string app_id;               ///< the app's App ID (cli_...)
    core::Secret app_secret;          ///< the app's App Secret
    core::Secret verification_token;  ///< Events and callbacks → Verification Token
    core::Secret encrypt_key;         ///< Encrypt Key; empty when none is set
    std::string api_url = "https://open.feishu.cn";  ///< or https://open.larksuite.com
    std::string bind = "127.0.0.1";                  ///< the callback listener
    int port = 3000;                                 ///< 0 picks a free port (tests)
    std::string path = "/feishu/events";             ///< the request URL's path
    std::string tls_ca_file;                         ///< CAs to trust besides the system store
    std::string proxy;  ///< "" = HTTPS_PROXY/NO_PROXY; "none"; or http://HOST:PORT
    std::vector<ChannelConfig> channels;  ///< group chat_ids (oc_...) to tracks
    std::size_t max_chars = 4000;         ///< per message; longer posts are split
    /// Wait after a rate-limit answer that names no Retry-After / x-ogw-ratelimit-reset.
    std::chrono::milliseconds throttle_wait{1000};
    std::chrono::seconds max_retry_wait{60};  ///< more waiting → back to the outbox
    /// `rate_limit:`. Feishu im/v1/messages: 1000 a minute and 50 a second per app, and
    /// 5 a second to one chat or user (the API's page, open.feishu.cn/document/server-docs/
    /// im-v1/message/create; gateway answers: code 99991400 / HTTP 429, and 230020 for
    /// one chat, open.feishu.cn/document/server-docs/api-call-guide/frequency-control).
    runtime::SendLimits rate_limit{50, 1000, 5, 0, 1000};
    /// A cached tenant access token is renewed this long before its `expire` ends.
    std::chrono::seconds token_margin{300};
    std::size_t dedupe_window = 5000;  ///< event_ids remembered against redelivery
    std::size_t name_cache = 2000;     ///< senders' names (contact API) kept in memory
    /// How long an event waits for its sender's name before it goes with the open_id.
    std::chrono::milliseconds name_timeout{5000};
    /// Senders' names and emails (contact API): how long they are remembered and when a
    /// failed lookup is tried again (the number remembered is `name_cache`).
    runtime::SenderLookupLimits sender_lookup;
    std::chrono::milliseconds backoff_initial{1000};  ///< long connection reconnects
    std::chrono::milliseconds backoff_max{120000};
};

/// The `type: feishu` entry of the registry: this connector when the section has
/// `app_id` (or a `mode:` other than robot), else the group robot of connectors/robots/.
ConnectorType connector_type();

/// Builds a Feishu app bot connector (tests use this directly).
std::unique_ptr<Connector> make_feishu(FeishuSettings settings, const ConnectorContext& context);

/// What a Feishu connector is doing (tests and logs). Thread-safe.
struct FeishuStatus {
    bool connected = false;  ///< long connection: the WebSocket is open
    int connections = 0;     ///< long connection: WebSocket connections opened so far
    int pings = 0;           ///< long connection: pings sent so far
    int listen_port = 0;     ///< events mode: the callback listener's port
    int token_fetches = 0;   ///< tenant access tokens obtained so far
    int events = 0;          ///< events accepted (after de-duplication), clicks included
    int clicks = 0;          ///< card clicks handed to the bot
    int refused = 0;         ///< callbacks refused (token, signature, decryption)
};

FeishuStatus feishu_status(const Connector& connector);

}  // namespace twintrack::connectors::feishu
