#pragma once
// The WeCom AI bot (智能机器人) long connection as plain data: the JSON frames
// `{cmd, headers{req_id}, body}` of WeCom's document 101463 and its official SDK
// (WecomTeam/aibot-node-sdk): the subscribe, heartbeat, respond and send frames the
// program writes, and how the frames WeCom writes read (an answer to one of ours by its
// req_id with errcode/errmsg, a message callback, an event callback). Pure and never
// throwing, whatever the input holds.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace twintrack::connectors::wecom {

/// WeCom's gateway (长连接地址).
inline constexpr const char* aibot_default_url = "wss://openws.work.weixin.qq.com";

namespace aibot_cmd {
inline constexpr const char* subscribe = "aibot_subscribe";
inline constexpr const char* ping = "ping";
inline constexpr const char* respond = "aibot_respond_msg";
inline constexpr const char* send = "aibot_send_msg";
inline constexpr const char* msg_callback = "aibot_msg_callback";
inline constexpr const char* event_callback = "aibot_event_callback";
}  // namespace aibot_cmd

/// {"cmd":"aibot_subscribe","headers":{"req_id"},"body":{"bot_id","secret"}}.
std::string subscribe_frame(const std::string& req_id, const std::string& bot_id,
                            const std::string& secret);
/// {"cmd":"ping","headers":{"req_id"}}.
std::string ping_frame(const std::string& req_id);
/// The answer to a message callback, on the callback's own req_id: one finished stream
/// message ({"msgtype":"stream","stream":{"id","finish":true,"content"}}; the content is
/// shown as markdown).
std::string respond_frame(const std::string& callback_req_id, const std::string& stream_id,
                          const std::string& content);
/// A message of the bot's own: {"cmd":"aibot_send_msg","headers":{"req_id"},
/// "body":{"chatid","msgtype":"markdown","markdown":{"content"}}}; `chat_id` is the
/// member's userid for a one-to-one chat, else the group's chatid.
std::string send_frame(const std::string& req_id, const std::string& chat_id,
                       const std::string& content);

/// One frame from WeCom.
struct AibotFrame {
    std::string cmd;     ///< "" for the answer to a frame of ours
    std::string req_id;  ///< headers.req_id
    bool has_errcode = false;
    long long errcode = 0;
    std::string errmsg;
    nlohmann::json body;  ///< an object, or null
};
/// False when the text is not a JSON object with headers.req_id.
bool read_aibot_frame(const std::string& text, AibotFrame& out);

/// A message callback's body (aibot_msg_callback).
struct AibotMessage {
    std::string msg_id;
    std::string msgtype;          ///< text, image, mixed, voice, file, video
    std::string chattype;         ///< single or group
    std::string chat_id;          ///< the group's chatid (group only)
    std::string user_id;          ///< from.userid
    std::string text;             ///< text.content, the text parts of a mixed message, or a
                                  ///< voice message's transcript
    std::int64_t created_ms = 0;  ///< create_time (seconds or milliseconds), as ms; 0 unknown
    bool group() const { return chattype == "group"; }
};
enum class AibotRead { ok, not_text, incomplete };
/// `incomplete`: no msgid, userid, a chattype other than single/group, a group without
/// chatid, or text that is not UTF-8; `not_text`: an image, file, video (msgtype says),
/// or a mixed message without text.
AibotRead read_aibot_message(const nlohmann::json& body, AibotMessage& out);

/// `text` of a group message without the leading @mention(s) of the bot ("@TwinTrack
/// help" → "help"): WeCom only delivers group messages that mention the bot.
std::string strip_leading_mentions(const std::string& text);

/// An event callback's kind (body.event.eventtype: enter_chat, template_card_event,
/// feedback_event, disconnected_event), "" when there is none.
std::string aibot_event_type(const nlohmann::json& body);

}  // namespace twintrack::connectors::wecom
