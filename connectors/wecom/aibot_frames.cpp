#include "connectors/wecom/aibot_frames.hpp"

#include "connectors/http/json_fields.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::wecom {
namespace {

using namespace http::json_reading;

std::string frame_text(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The length of the blank at `i` of `s`: ASCII blanks, U+00A0, U+2005 (what WeCom puts
// after an @mention) and U+3000; 0 when there is none.
std::size_t blank_at(const std::string& s, std::size_t i) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return 1;
    if (s.compare(i, 2, "\xC2\xA0") == 0) return 2;
    if (s.compare(i, 3, "\xE2\x80\x85") == 0 || s.compare(i, 3, "\xE3\x80\x80") == 0) return 3;
    return 0;
}

}  // namespace

std::string subscribe_frame(const std::string& req_id, const std::string& bot_id,
                            const std::string& secret) {
    return frame_text({{"cmd", aibot_cmd::subscribe},
                       {"headers", {{"req_id", req_id}}},
                       {"body", {{"bot_id", bot_id}, {"secret", secret}}}});
}

std::string ping_frame(const std::string& req_id) {
    return frame_text({{"cmd", aibot_cmd::ping}, {"headers", {{"req_id", req_id}}}});
}

std::string respond_frame(const std::string& callback_req_id, const std::string& stream_id,
                          const std::string& content) {
    return frame_text(
        {{"cmd", aibot_cmd::respond},
         {"headers", {{"req_id", callback_req_id}}},
         {"body",
          {{"msgtype", "stream"},
           {"stream", {{"id", stream_id}, {"finish", true}, {"content", content}}}}}});
}

std::string send_frame(const std::string& req_id, const std::string& chat_id,
                       const std::string& content) {
    return frame_text(
        {{"cmd", aibot_cmd::send},
         {"headers", {{"req_id", req_id}}},
         {"body",
          {{"chatid", chat_id}, {"msgtype", "markdown"}, {"markdown", {{"content", content}}}}}});
}

bool read_aibot_frame(const std::string& text, AibotFrame& out) {
    out = AibotFrame{};
    const json j = json::parse(text, nullptr, false);
    if (!j.is_object()) return false;
    out.cmd = string_field(j, "cmd");
    out.req_id = string_field(object_field(j, "headers"), "req_id");
    if (out.req_id.empty()) return false;
    const auto code = j.find("errcode");
    if (code != j.end() && code->is_number_integer()) {
        out.has_errcode = true;
        out.errcode = code->get<long long>();
    }
    out.errmsg = string_field(j, "errmsg");
    const auto body = j.find("body");
    if (body != j.end() && body->is_object()) out.body = *body;
    return true;
}

AibotRead read_aibot_message(const json& body, AibotMessage& out) {
    out = AibotMessage{};
    if (!body.is_object()) return AibotRead::incomplete;
    out.msg_id = string_field(body, "msgid");
    out.msgtype = string_field(body, "msgtype");
    out.chattype = string_field(body, "chattype");
    out.chat_id = string_field(body, "chatid");
    out.user_id = string_field(object_field(body, "from"), "userid");
    const auto created = body.find("create_time");
    if (created != body.end() && created->is_number_integer()) {
        const long long t = created->get<long long>();
        // Seconds in WeCom's samples; milliseconds accepted too.
        if (t > 0) out.created_ms = t < 100000000000LL ? t * 1000 : t;
    }
    if (out.msg_id.empty() || out.user_id.empty() ||
        (out.chattype != "single" && out.chattype != "group") ||
        (out.group() && out.chat_id.empty())) {
        return AibotRead::incomplete;
    }
    if (out.msgtype == "text") {
        out.text = string_field(object_field(body, "text"), "content");
    } else if (out.msgtype == "voice") {
        out.text = string_field(object_field(body, "voice"), "content");  // WeCom's transcript
    } else if (out.msgtype == "mixed") {
        const json& mixed = object_field(body, "mixed");
        const auto items = mixed.find("msg_item");
        if (items != mixed.end() && items->is_array()) {
            for (const auto& item : *items) {
                if (string_field(item, "msgtype") != "text") continue;
                const std::string part = string_field(object_field(item, "text"), "content");
                if (part.empty()) continue;
                if (!out.text.empty()) out.text += "\n";
                out.text += part;
            }
        }
        if (out.text.empty()) return AibotRead::not_text;
    } else {
        return out.msgtype.empty() ? AibotRead::incomplete : AibotRead::not_text;
    }
    if (!core::valid_utf8(out.text)) return AibotRead::incomplete;
    return AibotRead::ok;
}

std::string strip_leading_mentions(const std::string& text) {
    std::size_t i = 0;
    for (;;) {
        while (i < text.size() && blank_at(text, i) > 0) i += blank_at(text, i);
        if (i >= text.size() || text[i] != '@') break;
        std::size_t end = i;
        while (end < text.size() && blank_at(text, end) == 0) ++end;
        if (end >= text.size()) return "";  // only the mention
        i = end;
    }
    return std::string(core::trim(text.substr(i)));
}

std::string aibot_event_type(const json& body) {
    return string_field(object_field(body, "event"), "eventtype");
}

}  // namespace twintrack::connectors::wecom
