#include "connectors/slack/slack_events.hpp"

#include "connectors/http/json_fields.hpp"

namespace twintrack::connectors::slack {

using namespace http::json_reading;

MessageEvent read_message_event(const nlohmann::json& event) {
    MessageEvent m;
    m.subtype = string_field(event, "subtype");
    m.from_bot = event.is_object() && event.contains("bot_id");
    m.user = string_field(event, "user");
    m.channel = string_field(event, "channel");
    m.ts = string_field(event, "ts");
    m.thread_ts = string_field(event, "thread_ts");
    m.text = string_field(event, "text");
    const bool typed = event.is_object() && event.contains("channel_type");
    m.direct = string_field(event, "channel_type") == "im" ||
               (!typed && !m.channel.empty() && m.channel[0] == 'D');
    const auto inner = [&](const char* key) {
        const auto it = event.find(key);
        return it != event.end() && it->is_object() ? *it : nlohmann::json::object();
    };
    if (m.subtype == "message_changed") {
        const nlohmann::json now = inner("message");
        m.user = string_field(now, "user");
        m.text = string_field(now, "text");
        m.thread_ts = string_field(now, "thread_ts");
        m.target_ts = string_field(now, "ts");
        m.from_bot = now.contains("bot_id");
        m.unchanged = m.text == string_field(inner("previous_message"), "text");
    } else if (m.subtype == "message_deleted") {
        const nlohmann::json before = inner("previous_message");
        m.user = string_field(before, "user");
        m.thread_ts = string_field(before, "thread_ts");
        m.target_ts = string_field(event, "deleted_ts");
        m.from_bot = before.contains("bot_id");
    }
    return m;
}

SlashCommand read_slash_command(const nlohmann::json& payload) {
    SlashCommand c;
    c.user = string_field(payload, "user_id");
    c.channel = string_field(payload, "channel_id");
    c.trigger_id = string_field(payload, "trigger_id");
    c.command = string_field(payload, "command");
    c.text = string_field(payload, "text");
    c.response_url = string_field(payload, "response_url");
    c.direct = string_field(payload, "channel_name") == "directmessage" ||
               (!c.channel.empty() && c.channel[0] == 'D');
    return c;
}

}  // namespace twintrack::connectors::slack
