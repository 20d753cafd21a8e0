#pragma once
// The DingTalk Stream protocol and robot API answers as plain data: the connection-open
// request, the frames the gateway sends ({specVersion, type, headers, data}), the
// acknowledgements the official SDKs send back, the robot message of the callback topic
// and how an OpenAPI answer reads (ok, token expired, throttled, refused). Pure and never
// throwing, whatever the input holds; the connector and the fuzz target use it.

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "connectors/runtime/recent_ids.hpp"

namespace twintrack::connectors::dingtalk {

/// The robot message callback topic (机器人消息统一回调).
inline constexpr const char* bot_message_topic = "/v1.0/im/bot/messages/get";

/// Body of `POST /v1.0/gateway/connections/open`: the robot message and card callback
/// topics as CALLBACK, every event as EVENT "*" (as the SDKs subscribe), the client's `ua`
/// and `localIp`.
nlohmann::json connection_open_body(const std::string& client_id, const std::string& client_secret,
                                    const std::string& ua, const std::string& local_ip);

/// The answer of connections/open: where to connect and the one-use ticket.
struct Endpoint {
    std::string endpoint;
    std::string ticket;
};
/// False when the answer lacks `endpoint` or `ticket` (or is not JSON).
bool read_endpoint(const std::string& body, Endpoint& out);
/// `endpoint?ticket=TICKET` (URL-encoded; `&` when the endpoint has a query already).
std::string stream_url(const Endpoint& endpoint);

/// One frame from the gateway.
struct Frame {
    std::string type;  ///< SYSTEM, EVENT or CALLBACK
    std::string topic;
    std::string message_id;
    std::map<std::string, std::string> headers;  ///< every string header
    std::string data;                            ///< the opaque `data` string
};
/// False when the text is not a JSON object with a `type` and `headers`.
bool read_frame(const std::string& text, Frame& out);

/// The acknowledgement of a frame: {code, headers{contentType, messageId}, message, data}.
std::string ack(const Frame& frame, int code, const std::string& message, const std::string& data);
/// SYSTEM ping: 200 with the ping's own data echoed.
std::string ack_ping(const Frame& frame);
/// A robot message (CALLBACK): 200, data {"response":"OK"}, as the SDKs answer.
std::string ack_callback(const Frame& frame);
/// An EVENT: 200, data {"status":"SUCCESS","message":"success"}, so it is not resent.
std::string ack_event(const Frame& frame);
/// A topic nobody handles: 404.
std::string ack_unknown(const Frame& frame);

/// A robot message as the callback topic delivers it.
struct RobotMessage {
    std::string msg_id;
    std::string msgtype;            ///< text, richText, picture, ...
    std::string text;               ///< text.content, or the text parts of richText
    std::string staff_id;           ///< senderStaffId (empty for people outside the company)
    std::string sender_id;          ///< senderId ($:LWCP_v1:$...)
    std::string nick;               ///< senderNick
    std::string conversation;       ///< conversationId (the openConversationId of a group)
    std::string conversation_type;  ///< "1" one-to-one, "2" group
    std::string title;              ///< conversationTitle (groups)
    std::string robot_code;
    std::string session_webhook;
    std::int64_t session_expires_ms = 0;  ///< sessionWebhookExpiredTime
    std::int64_t created_ms = 0;          ///< createAt
    /// The downloadCodes of its pictures and file (content.downloadCode of a picture or
    /// file message, the picture parts of richText), for robot/messageFiles/download.
    std::vector<std::string> download_codes;
    std::string file_name;  ///< content.fileName of a file message
    bool direct() const { return conversation_type == "1"; }
};
enum class MessageRead { ok, not_json, not_text, incomplete };
/// Reads a robot message from a frame's data. `incomplete`: no msgId, sender,
/// conversation or valid UTF-8 text; `not_text`: a picture, file, ... (msgtype says; the
/// download codes of a picture or file are read).
MessageRead read_robot_message(const std::string& data, RobotMessage& out);

/// How an OpenAPI answer (api.dingtalk.com, v1.0) reads.
struct ApiOutcome {
    enum class Kind { ok, auth, throttled, transient, permanent } kind = Kind::transient;
    std::string code;     ///< DingTalk's `code` (e.g. InvalidAuthentication), when given
    std::string message;  ///< DingTalk's `message`, or what went wrong
};
/// `status` 0 = no answer. 401 or code InvalidAuthentication → auth; 429, or a code with
/// QpsLimit/Throttling/FlowControl → throttled; 5xx, 408 → transient; other 4xx →
/// permanent.
ApiOutcome read_api_answer(int status, const std::string& body);

/// The `msgKey`/`msgParam` pair of a robot message: sampleText {content} or
/// sampleMarkdown {title, text} (title: the first line, at most 20 characters).
struct MessageBody {
    std::string msg_key;
    std::string msg_param;  ///< a JSON string, as the API wants it
};
MessageBody robot_body(const std::string& text, bool markdown);
/// The body a sessionWebhook takes: {"msgtype":"text","text":{"content"}} or markdown.
nlohmann::json session_body(const std::string& text, bool markdown);

/// Event ids already handled, the most recent `capacity` of them (the runtime's window).
using runtime::RecentIds;

}  // namespace twintrack::connectors::dingtalk
