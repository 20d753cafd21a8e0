// What Slack sends: Socket Mode frames and Events API bodies (JSON), slash commands as
// form fields, each read as the connector reads it (connectors/slack: the frame's type
// and payload, read_message_event, read_slash_command, decode_incoming, ts_to_millis),
// and the request signature check of the HTTP side.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "connectors/http/http_client.hpp"
#include "connectors/http/json_fields.hpp"
#include "connectors/slack/slack_events.hpp"
#include "connectors/slack/slack_text.hpp"
#include "core/text.hpp"

namespace slack = twintrack::connectors::slack;
namespace http = twintrack::connectors::http;
using nlohmann::json;

namespace {

std::string name_of(const std::string& user) { return user == "U123" ? "Anna Becker" : ""; }

void message(const json& event, bool app_mention) {
    const slack::MessageEvent m = slack::read_message_event(event);
    const auto decoded = slack::decode_incoming(m.text, "UBOT", name_of);
    if (twintrack::core::valid_utf8(m.text) && !twintrack::core::valid_utf8(decoded.text)) {
        std::abort();  // decoding must not break characters apart
    }
    (void)slack::ts_to_millis(m.ts);
    (void)app_mention;
}

void event_callback(const json& payload) {
    if (!payload.is_object()) return;
    (void)http::string_field(payload, "event_id");
    const json& event = http::object_field(payload, "event");
    const std::string type = http::string_field(event, "type");
    if (type == "message" || type == "app_mention") message(event, type == "app_mention");
}

void slash(const json& payload) {
    const slack::SlashCommand c = slack::read_slash_command(payload);
    (void)slack::decode_incoming(c.text, "UBOT", name_of);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    // A Socket Mode frame (on_socket_text, on_socket_frame).
    const json frame = json::parse(text, nullptr, false);
    if (frame.is_object()) {
        (void)http::string_field(frame, "envelope_id");
        const std::string type = http::string_field(frame, "type");
        (void)http::integer_field(frame, "num_connections", 1);
        (void)http::string_field(frame, "reason");
        if (type == "events_api") event_callback(http::object_field(frame, "payload"));
        if (type == "slash_commands") slash(http::object_field(frame, "payload"));
        // The same JSON as an Events API body.
        if (type == "url_verification") (void)http::string_field(frame, "challenge");
        if (type == "event_callback") event_callback(frame);
        (void)http::string_field(frame, "type", "(no type)");
    }
    // A slash command over HTTP: form fields.
    json fields = json::object();
    for (auto& [k, v] : http::parse_form(text)) fields[k] = v;
    slash(fields);
    // The signature check sees attacker-chosen headers before anything else.
    const std::size_t cut = size / 2;
    (void)slack::verify_request("8f742231b10e8888abcd99yyyzzz85a5", text.substr(0, cut),
                                text.substr(cut), text.substr(cut / 2, cut), 1795886849, 300);
    return 0;
}
