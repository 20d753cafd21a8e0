#pragma once
// The WeCom (企业微信) self-built app connector (自建应用), two-way:
// - in: the app's message callback on the connector's own HTTP listener. The URL check
//   (GET with msg_signature, timestamp, nonce, echostr) is answered with the decrypted
//   echostr; messages (POST, encrypted XML) are checked (signature in constant time,
//   timestamp age, receive id = the CorpID, agent id), decrypted and become Events.
//   Text messages are handed to the bot once per MsgId; pictures, voice, video, files
//   get a short answer that only text is read. Members write to the app directly, so
//   every message is a direct one: channel "@USERID", identity `NAME:USERID`.
// - out: message/send to a member ("@USERID") and appchat/send to an app group chat
//   (any other channel: its chatid, mapped to a track with `channels:`), with an access
//   token from gettoken, cached and fetched again before it expires and when WeCom says
//   it expired (40014, 42001, 41001; the send is then tried once more). Each recipient
//   is paced to WeCom's documented limits (send_pacer.hpp), since WeCom drops what is
//   over them silently; a "too often" answer (45009, 45033) or -1 (busy) pauses that
//   conversation and the post is tried again, then handed back to the outbox.
// - buttons (the actions model): a post with actions to a member goes as a template card
//   (button_interaction, wecom_cards.hpp) whose task_id is the post's id; a click
//   (template_card_event) becomes an action Event from the clicker, and a post that
//   `replaces` a card updates it (update_template_card) with the click's response_code.
//   App group chats cannot carry cards: they get the text and the typed choices.
// - pictures (Post::attachments, JPG/PNG) are uploaded (media/upload) and sent as
//   msgtype image after the text; a failed upload costs the picture only.
// - the app's daily quota (account_limit x 200 messages to members, China's day) is
//   counted (DailyBudget, kept in the data directory); a post over it is held: it fails
//   as retryable and the outbox sends it again later.
// - senders: with `directory.match_by_email` (default on) a member is looked up once
//   (user/get, cached by runtime::SenderLookup); the event carries their name and
//   `biz_mail`, the business mailbox WeCom hosts for the company, for the directory to
//   recognise them. The member's `email` is typed in by people and not confirmed, so it is
//   not used; apps created after 2022-06-20 get neither field (docs/connectors/wecom.md).
// One Boost.Asio thread owns the state; HTTP calls go through connectors/runtime.
//
// A `type: wecom` section with `mode: aibot` (or `bot_id`) is the WeCom AI bot over its
// long connection (aibot_connector.hpp); one without `corp_id` is the WeCom group robot
// of connectors/robots (post-only), as before.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "connectors/runtime/sender_lookup.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::wecom {

struct WecomSettings {
    std::string name = "wecom";
    std::string corp_id;                   ///< 企业ID (ww…), also the callbacks' receive id
    long long agent_id = 0;                ///< the app's AgentId
    core::Secret secret;                   ///< the app's Secret, for gettoken
    core::Secret token;                    ///< the callback Token
    core::Secret encoding_aes_key;         ///< the callback EncodingAESKey (43 characters)
    std::string bind = "127.0.0.1";        ///< the callback listener
    int port = 8093;                       ///< 0 picks a free port (tests)
    std::string path = "/wecom/callback";  ///< the callback URL's path
    std::string api_url = "https://qyapi.weixin.qq.com";
    std::string tls_ca_file;
    std::string proxy;
    std::vector<ChannelConfig> channels;  ///< app group chat ids to tracks
    bool markdown = false;                ///< msgtype markdown instead of text
    std::size_t max_bytes = 2048;         ///< WeCom's content limit; longer posts are split
    std::chrono::seconds max_age{
        300};  ///< callbacks with an older (or newer) timestamp are refused
    std::chrono::seconds token_margin{300};  ///< fetch a new access token this long before expiry
    std::chrono::milliseconds busy_wait{10000};  ///< first pause after 45009 / 45033 / -1
    std::chrono::seconds max_retry_wait{120};    ///< then the post goes back to the outbox
    /// `rate_limit:`. The per-recipient windows of message/send and appchat/send are
    /// kept by SendPacer; this adds only the bound of the queue unless configured.
    runtime::SendLimits rate_limit{0, 0, 0, 0, 1000};
    /// The company's account limit (账号上限数); the app may send account_limit x 200
    /// messages to members a day (WeCom drops the rest silently).
    std::size_t account_limit = 200;
    std::size_t daily_limit = 0;  ///< messages to members a day; 0: account_limit x 200
    /// Senders (user/get, for `directory.match_by_email`): how many are remembered, for
    /// how long, and when a failed lookup is tried again.
    runtime::SenderLookupLimits sender_lookup;
    /// How long a message waits for its sender's lookup before it goes on without.
    std::chrono::milliseconds lookup_timeout{5000};
};

/// The `type: wecom` entry of the connector registry (the app, or the group robot when
/// the section has no corp_id).
ConnectorType connector_type();

/// Builds the app connector. Throws std::invalid_argument for a bad EncodingAESKey.
std::unique_ptr<Connector> make_wecom(WecomSettings settings, const ConnectorContext& context);

/// What the connector is doing (tests, logs). Thread-safe.
struct WecomStatus {
    int listen_port = 0;
    bool token_ok = false;     ///< the last gettoken succeeded
    int tokens_fetched = 0;    ///< gettoken answers with a token
    long long refused = 0;     ///< callbacks refused (signature, age, receive id, ...)
    long long duplicates = 0;  ///< messages (MsgId) and clicks dropped as already seen
    long long clicks = 0;      ///< card button presses handed to the bot
    long long held = 0;        ///< posts held back because the daily quota was used up
};

WecomStatus wecom_status(const Connector& connector);

}  // namespace twintrack::connectors::wecom
