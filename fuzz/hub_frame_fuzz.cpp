// WebSocket text frames as a browser (or anyone on the hub's port) sends them, through
// the hub's parsing and checks: the JSON frame, its type, hello's user and token, a
// message's id, channel and text, the bot mention; the error frames that echo parts of
// the input back; and the Host and Origin headers of the HTTP side.
//
// The dispatch itself lives inside HubServer (connectors/hub/hub_server.cpp); this target
// repeats its order of checks over the same pure functions of hub_protocol.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "connectors/hub/hub_protocol.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"

namespace hub = twintrack::connectors::hub;
namespace core = twintrack::core;
using nlohmann::json;

namespace {

// Every frame the hub sends goes through dump_json, which must never throw and must
// give valid UTF-8 JSON whatever bytes the client sent.
void send(const json& frame) {
    const std::string out = hub::dump_json(frame);
    if (!core::valid_utf8(out)) std::abort();
    if (!json::accept(out)) std::abort();
}

const std::string* string_member(const json& frame, const char* key) {
    const auto it = frame.find(key);
    return it != frame.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string payload(reinterpret_cast<const char*>(data), size);
    // HTTP headers come from the same clients.
    const std::string_view header = std::string_view(payload).substr(0, 256);
    (void)hub::is_loopback_host(header);
    (void)hub::is_loopback_origin(header);
    (void)core::equal_constant_time(header, "s3cret-token");

    json frame;
    try {
        frame = json::parse(payload);
    } catch (const json::exception& e) {
        send(hub::error_frame(hub::ErrorCode::bad_request, e.what()));
        return 0;
    }
    if (!frame.is_object()) return 0;
    const std::string* kind = string_member(frame, "type");
    if (kind == nullptr) return 0;
    if (*kind == "hello") {
        const std::string* user = string_member(frame, "user");
        if (user == nullptr) return 0;
        const std::string problem = hub::user_id_problem(*user);
        if (!problem.empty()) {
            send(hub::error_frame(hub::ErrorCode::bad_request, problem));
            return 0;
        }
        if (!core::valid_utf8(*user) || user->empty() || user->size() > 64) std::abort();
        if (const std::string* token = string_member(frame, "token")) {
            (void)core::equal_constant_time(*token, "s3cret-token");
        }
        send(json{{"type", "welcome"}, {"user", *user}, {"bot", "twintrack"}});
    } else if (*kind == "message") {
        std::string client_id;
        if (const auto id = frame.find("id"); id != frame.end()) {
            const std::string why = id->is_string()
                                        ? hub::client_id_problem(id->get_ref<const std::string&>())
                                        : "id is not a string";
            if (!why.empty()) {
                send(hub::error_frame(hub::ErrorCode::bad_request, "bad message " + why));
                return 0;
            }
            client_id = id->get<std::string>();
        }
        const std::string* channel = string_member(frame, "channel");
        const std::string* text = string_member(frame, "text");
        if (channel == nullptr || text == nullptr) return 0;
        (void)hub::channel_name_problem(*channel);
        send(hub::error_frame(hub::ErrorCode::unknown_channel,
                              "no channel \"" + std::string(core::utf8_prefix(*channel, 64)) + "\"",
                              client_id));
        if (text->size() > core::max_message_bytes || !core::valid_utf8(*text)) return 0;
        const auto mention = hub::strip_mention(*text, "twintrack");
        if (!core::valid_utf8(mention.text)) std::abort();
        if (mention.text.size() > text->size()) std::abort();
        send(json{{"type", "message"},
                  {"channel", *channel},
                  {"text", mention.text},
                  {"client_id", client_id}});
    } else {
        send(hub::error_frame(
            hub::ErrorCode::unknown_type,
            "unknown frame type \"" + std::string(core::utf8_prefix(*kind, 64)) + "\""));
    }
    return 0;
}
