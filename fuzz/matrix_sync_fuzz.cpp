// What a Matrix homeserver sends: a /sync answer (rooms joined and invited, timelines,
// account data), each timeline event read as the connector reads it, and error answers
// (connectors/matrix: read_room_message, strip_reply_fallback, strip_mention, read_error;
// connectors/http: json_fields).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "connectors/http/json_fields.hpp"
#include "connectors/matrix/matrix_events.hpp"
#include "core/text.hpp"

namespace mx = twintrack::connectors::matrix;
namespace http = twintrack::connectors::http;
using nlohmann::json;

namespace {

void event(const json& ev) {
    const mx::RoomMessage m = mx::read_room_message(ev, "@twintrack:example.org");
    const bool valid = twintrack::core::valid_utf8(m.body);
    auto [text, mentioned] =
        mx::strip_mention(m.body, {"@twintrack:example.org", "twintrack", "@twintrack"});
    if (text.size() > m.body.size()) std::abort();
    if (mentioned && text.size() == m.body.size()) std::abort();  // the mention was taken out
    (void)valid;
    const std::string stripped = mx::strip_reply_fallback(m.body);
    if (stripped.size() > m.body.size()) std::abort();
}

void events(const json& holder) {
    if (!holder.is_object()) return;
    auto it = holder.find("events");
    if (it == holder.end() || !it->is_array()) return;
    for (const auto& ev : *it) event(ev);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    (void)mx::read_error(text);
    const json body = json::parse(text, nullptr, false);
    if (!body.is_object()) return 0;
    (void)http::string_field(body, "next_batch");
    events(http::object_field(body, "account_data"));
    const json& rooms = http::object_field(body, "rooms");
    for (const char* part : {"join", "invite", "leave"}) {
        for (const auto& [room, data] : http::object_field(rooms, part).items()) {
            (void)mx::valid_room(room);
            events(http::object_field(data, "timeline"));
            events(http::object_field(data, "state"));
            events(http::object_field(data, "invite_state"));
            (void)http::bool_field(http::object_field(data, "timeline"), "limited");
        }
    }
    event(body);  // a single event, as the send and event APIs answer
    return 0;
}
