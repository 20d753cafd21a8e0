#pragma once
// Slack's message formatting and request signing, as pure functions: the connector and
// its tests share them.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace twintrack::connectors::slack {

/// Escapes the three characters Slack reserves for markup (&, <, >) in outgoing text.
std::string escape_text(std::string_view text);

struct IncomingText {
    std::string text;        ///< plain text: markup decoded, the bot's mention removed
    bool mentioned = false;  ///< the bot was mentioned (<@BOT_ID>)
};

/// Turns a message's `text` into what the bot reads: `<@BOT>` removed (with the
/// punctuation after a leading one), other `<@U…>` as `@name` (from `name_of`, which may
/// return "" for unknown users), `<#C…|name>` as `#name`, `<url|label>` as `label (url)`,
/// `<!here>` as `@here`, and `&amp;` `&lt;` `&gt;` decoded.
IncomingText decode_incoming(std::string_view text, const std::string& bot_user_id,
                             const std::function<std::string(const std::string&)>& name_of);

/// Slack's `ts` ("1355517523.000005") as milliseconds since the epoch; 0 when malformed.
std::int64_t ts_to_millis(const std::string& ts);

/// Checks a signed request (Events API, slash commands): `X-Slack-Signature` must be
/// "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)) compared in constant
/// time, and `X-Slack-Request-Timestamp` at most `tolerance_s` from `now_s`. Returns ""
/// when the request is genuine, else why it is refused.
std::string verify_request(const std::string& signing_secret, const std::string& timestamp,
                           const std::string& body, const std::string& signature,
                           std::int64_t now_s, std::int64_t tolerance_s = 300);

}  // namespace twintrack::connectors::slack
