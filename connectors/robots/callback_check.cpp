// The checks of a DingTalk callback that need no server: its signature headers and its
// body. Kept out of callback_server.cpp (Boost.Beast) so they build on their own.

#include <nlohmann/json.hpp>

#include "connectors/http/signature.hpp"
#include "connectors/robots/callback_server.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::robots {

CallbackCheck check_dingtalk_callback(const std::string& timestamp, const std::string& sign,
                                      const std::string& app_secret, std::int64_t now_ms,
                                      std::int64_t max_skew_ms) {
    if (timestamp.empty() || sign.empty()) return CallbackCheck::missing;
    if (timestamp.size() > 15 || timestamp.find_first_not_of("0123456789") != std::string::npos) {
        return CallbackCheck::bad_timestamp;
    }
    const std::int64_t ts = std::stoll(timestamp);
    const std::int64_t skew = ts > now_ms ? ts - now_ms : now_ms - ts;
    if (skew > max_skew_ms) return CallbackCheck::stale;
    // Signed over the header text exactly as sent.
    const std::string expected = connectors::http::base64(
        connectors::http::hmac_sha256(app_secret, timestamp + "\n" + app_secret));
    if (!core::equal_constant_time(expected, sign)) return CallbackCheck::bad_sign;
    return CallbackCheck::ok;
}

CallbackBody read_dingtalk_message(const std::string& body, DingTalkMessage& out) {
    out = DingTalkMessage{};
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_object()) return CallbackBody::not_json;
    auto text_of = [&](const char* key) {
        const auto it = json.find(key);
        return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    out.msgtype = text_of("msgtype");
    if (out.msgtype != "text") return CallbackBody::not_text;
    out.msg_id = text_of("msgId");
    out.staff_id = text_of("senderStaffId");
    out.user = out.staff_id.empty() ? text_of("senderId") : out.staff_id;
    out.nick = text_of("senderNick");
    if (const auto t = json.find("text"); t != json.end() && t->is_object()) {
        if (const auto c = t->find("content"); c != t->end() && c->is_string()) {
            out.content = c->get<std::string>();
        }
    }
    if (out.msg_id.empty() || out.user.empty() || !core::valid_utf8(out.content)) {
        return CallbackBody::incomplete;
    }
    out.direct = text_of("conversationType") == "1";
    out.conversation = text_of("conversationId");
    out.session_webhook = text_of("sessionWebhook");
    if (const auto e = json.find("sessionWebhookExpiredTime");
        e != json.end() && e->is_number_integer()) {
        out.session_expires_ms = e->get<std::int64_t>();
    }
    return CallbackBody::ok;
}

}  // namespace twintrack::connectors::robots
