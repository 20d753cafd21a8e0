#include "connectors/dingtalk/dingtalk_stream.hpp"

#include "connectors/dingtalk/dingtalk_cards.hpp"
#include "connectors/http/json_fields.hpp"
#include "core/api.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::dingtalk {
namespace {

using namespace http::json_reading;

// A header or data value the gateway may send as a string or as a number.
std::string text_of(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer()) return std::to_string(value.get<long long>());
    return "";
}

// The first `n` code points of valid UTF-8 `s`.
std::string first_chars(const std::string& s, std::size_t n) {
    std::size_t i = 0, count = 0;
    while (i < s.size() && count < n) {
        const auto c = static_cast<unsigned char>(s[i]);
        i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        ++count;
    }
    return s.substr(0, std::min(i, s.size()));
}

}  // namespace

json connection_open_body(const std::string& client_id, const std::string& client_secret,
                          const std::string& ua, const std::string& local_ip) {
    return {
        {"clientId", client_id},
        {"clientSecret", client_secret},
        {"subscriptions", json::array({{{"type", "EVENT"}, {"topic", "*"}},
                                       {{"type", "CALLBACK"}, {"topic", bot_message_topic}},
                                       {{"type", "CALLBACK"}, {"topic", card_callback_topic}}})},
        {"ua", ua},
        {"localIp", local_ip}};
}

bool read_endpoint(const std::string& body, Endpoint& out) {
    out = Endpoint{};
    const json j = json::parse(body, nullptr, false);
    out.endpoint = string_field(j, "endpoint");
    out.ticket = string_field(j, "ticket");
    return !out.endpoint.empty() && !out.ticket.empty();
}

std::string stream_url(const Endpoint& endpoint) {
    const char joint = endpoint.endpoint.find('?') == std::string::npos ? '?' : '&';
    return endpoint.endpoint + joint + "ticket=" + core::url_encode(endpoint.ticket);
}

bool read_frame(const std::string& text, Frame& out) {
    out = Frame{};
    const json j = json::parse(text, nullptr, false);
    if (!j.is_object()) return false;
    out.type = string_field(j, "type");
    const json& headers = object_field(j, "headers");
    if (out.type.empty() || !j.contains("headers") || !j["headers"].is_object()) return false;
    for (const auto& [key, value] : headers.items()) {
        const std::string v = text_of(value);
        if (!v.empty()) out.headers[key] = v;
    }
    auto header = [&](const char* key) {
        auto it = out.headers.find(key);
        return it == out.headers.end() ? std::string() : it->second;
    };
    out.topic = header("topic");
    out.message_id = header("messageId");
    if (j.contains("data")) {
        const json& data = j["data"];
        out.data = data.is_string() ? data.get<std::string>() : data.is_null() ? "" : data.dump();
    }
    return true;
}

std::string ack(const Frame& frame, int code, const std::string& message, const std::string& data) {
    return json{{"code", code},
                {"headers", {{"contentType", "application/json"}, {"messageId", frame.message_id}}},
                {"message", message},
                {"data", data}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ack_ping(const Frame& frame) { return ack(frame, 200, "OK", frame.data); }

std::string ack_callback(const Frame& frame) {
    return ack(frame, 200, "OK", json{{"response", "OK"}}.dump());
}

std::string ack_event(const Frame& frame) {
    return ack(frame, 200, "OK", json{{"status", "SUCCESS"}, {"message", "success"}}.dump());
}

std::string ack_unknown(const Frame& frame) { return ack(frame, 404, "no handler", ""); }

MessageRead read_robot_message(const std::string& data, RobotMessage& out) {
    out = RobotMessage{};
    const json j = json::parse(data, nullptr, false);
    if (!j.is_object()) return MessageRead::not_json;
    out.msg_id = string_field(j, "msgId");
    out.msgtype = string_field(j, "msgtype");
    out.staff_id = string_field(j, "senderStaffId");
    out.sender_id = string_field(j, "senderId");
    out.nick = string_field(j, "senderNick");
    out.conversation = string_field(j, "conversationId");
    out.conversation_type = j.contains("conversationType") ? text_of(j["conversationType"]) : "";
    out.title = string_field(j, "conversationTitle");
    out.robot_code = string_field(j, "robotCode");
    out.session_webhook = string_field(j, "sessionWebhook");
    out.session_expires_ms = integer_field(j, "sessionWebhookExpiredTime");
    out.created_ms = integer_field(j, "createAt");
    if (out.msgtype == "text") {
        out.text = string_field(object_field(j, "text"), "content");
    } else if (out.msgtype == "richText") {
        const json& content = object_field(j, "content");
        const auto rich = content.find("richText");
        if (rich != content.end() && rich->is_array()) {
            for (const auto& part : *rich) {
                out.text += string_field(part, "text");
                const std::string code = string_field(part, "downloadCode");
                if (!code.empty()) out.download_codes.push_back(code);
            }
        }
    } else {
        const json& content = object_field(j, "content");
        const std::string code = string_field(content, "downloadCode");
        if (!code.empty()) out.download_codes.push_back(code);
        out.file_name = string_field(content, "fileName");
        return out.msgtype.empty() ? MessageRead::incomplete : MessageRead::not_text;
    }
    const bool sender = !out.staff_id.empty() || !out.sender_id.empty();
    if (out.msg_id.empty() || !sender || out.conversation.empty() || !core::valid_utf8(out.text) ||
        (out.conversation_type != "1" && out.conversation_type != "2")) {
        return MessageRead::incomplete;
    }
    return MessageRead::ok;
}

ApiOutcome read_api_answer(int status, const std::string& body) {
    ApiOutcome out;
    const json j = json::parse(body, nullptr, false);
    out.code = string_field(j, "code");
    out.message = string_field(j, "message");
    if (status == 0) {
        out.kind = ApiOutcome::Kind::transient;
        return out;
    }
    auto has = [&](const char* word) { return out.code.find(word) != std::string::npos; };
    if (status == 401 || out.code == "InvalidAuthentication") {
        out.kind = ApiOutcome::Kind::auth;
    } else if (status == 429 || has("QpsLimit") || has("Throttling") || has("FlowControl")) {
        out.kind = ApiOutcome::Kind::throttled;
    } else if (status >= 200 && status < 300) {
        out.kind = ApiOutcome::Kind::ok;
    } else if (status >= 500 || status == 408) {
        out.kind = ApiOutcome::Kind::transient;
    } else {
        out.kind = ApiOutcome::Kind::permanent;
    }
    if (out.kind != ApiOutcome::Kind::ok && out.message.empty()) {
        out.message = "HTTP " + std::to_string(status);
    }
    return out;
}

MessageBody robot_body(const std::string& text, bool markdown) {
    if (!markdown) return {"sampleText", json{{"content", text}}.dump()};
    std::string title = text.substr(0, text.find('\n'));
    title = first_chars(title, 20);
    if (title.empty()) title = "TwinTrack";
    return {"sampleMarkdown", json{{"title", title}, {"text", text}}.dump()};
}

json session_body(const std::string& text, bool markdown) {
    if (!markdown) return {{"msgtype", "text"}, {"text", {{"content", text}}}};
    std::string title = first_chars(text.substr(0, text.find('\n')), 20);
    if (title.empty()) title = "TwinTrack";
    return {{"msgtype", "markdown"}, {"markdown", {{"title", title}, {"text", text}}}};
}

}  // namespace twintrack::connectors::dingtalk
