#pragma once
// The hub's wire vocabulary and the pure checks behind it: user names, bot mentions,
// token comparison, loopback detection. No I/O here, so all of it is unit-tested.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace twintrack::connectors::hub {

/// The `code` of an `{"type":"error"}` frame.
enum class ErrorCode {
    bad_request,        ///< malformed JSON, a non-object, a binary frame, a bad field
    unknown_type,       ///< a frame type the hub does not know
    not_authenticated,  ///< a message before hello
    unauthorized,       ///< a wrong or missing token (the socket is closed after it)
    too_long,           ///< text over core::max_message_bytes
    unknown_channel,    ///< a channel the hub does not have
    hello_timeout,      ///< no hello in time (the socket is closed after it)
    session_ended,      ///< the sign-in session was revoked or ended (closed after it)
};

const char* to_string(ErrorCode code);

/// `{"type":"error","code":...,"message":...}`, plus `"client_id"` when not empty.
nlohmann::json error_frame(ErrorCode code, const std::string& message,
                           const std::string& client_id = "");

/// Serialises without ever throwing: bytes that are not UTF-8 become U+FFFD.
std::string dump_json(const nlohmann::json& value);

/// The members of a `message` frame (docs/ARCHITECTURE.md, "Hub wire protocol").
/// Empty `client_id` and `reply_to` are left out of the frame.
struct MessageFrame {
    std::string_view channel;
    std::string_view user;
    std::string_view text;
    std::string_view id;
    std::int64_t ts = 0;
    std::string_view client_id;
    std::string_view reply_to;
};

/// The frame serialised: the same text as dump_json() of the JSON object with these
/// members, written straight into one string (every message crosses the hub twice, as
/// the writer's echo and as the bot's answer).
std::string message_frame_json(const MessageFrame& frame);

/// Why `user` cannot be a hub user name, or an empty string when it can: 1-64 bytes of
/// valid UTF-8 without whitespace (ASCII or Unicode) or control characters.
std::string user_id_problem(std::string_view user);

/// Client message ids are echoed back and become part of event ids: 1-128 bytes of
/// valid UTF-8 without whitespace or control characters. Same contract as above.
std::string client_id_problem(std::string_view id);

/// Channel names follow the user name rules and must not start with "@" (which marks
/// direct conversations). Same contract as above.
std::string channel_name_problem(std::string_view name);

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_bind(const std::string& bind);

/// True when a Host header ("127.0.0.1:8080", "[::1]:80", "localhost") names this
/// machine's loopback interface; false for any other name (DNS rebinding).
bool is_loopback_host(std::string_view host);

/// True when an Origin header ("http://localhost:8080") is a page served from loopback.
bool is_loopback_origin(std::string_view origin);

/// A message with the bot's mention taken off.
struct MentionCheck {
    bool addressed = false;  ///< the text began with "@" + bot user
    std::string text;        ///< the text without the mention and what follows it
};

/// Checks whether `text` starts with "@" + `bot_user` (ASCII case-insensitive) followed
/// by the end, whitespace, ':' or ',' (also the full-width "：" and "，"), and strips
/// the mention plus following spaces, colons and commas.
MentionCheck strip_mention(std::string_view text, std::string_view bot_user);

}  // namespace twintrack::connectors::hub
