// What Mattermost sends: WebSocket frames (the authentication reply, `hello`, `posted`
// with its post as JSON inside a string), slash commands and outgoing webhooks as JSON or
// form fields, each read as the connector reads them (connectors/mattermost:
// read_posted, read_post, strip_bot_mention; connectors/http: json_fields).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "connectors/http/http_client.hpp"
#include "connectors/http/json_fields.hpp"
#include "connectors/mattermost/mattermost_events.hpp"
#include "core/text.hpp"

namespace mm = twintrack::connectors::mattermost;
namespace http = twintrack::connectors::http;
using nlohmann::json;

namespace {

void deliver(const mm::PostFields& post) {
    std::string text = post.message;
    const bool valid = twintrack::core::valid_utf8(text);
    const std::size_t before = text.size();
    if (mm::strip_bot_mention(text, "twintrack")) {
        if (text.size() >= before) std::abort();  // the mention was taken out
        if (valid && !twintrack::core::valid_utf8(text)) std::abort();
    }
}

void fields(const json& f) {
    (void)http::string_field(f, "token");
    (void)http::string_field(f, "user_id");
    (void)http::string_field(f, "channel_id");
    (void)http::string_field(f, "trigger_id");
    (void)http::string_field(f, "response_url");
    mm::PostFields post;
    post.id = http::string_field(f, "post_id");
    post.message = http::string_field(f, "text");
    post.create_at = http::integer_field(f, "timestamp");
    deliver(post);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const json frame = json::parse(text, nullptr, false);
    if (frame.is_object()) {
        // on_socket_text
        if (frame.contains("seq_reply")) {
            (void)http::integer_field(frame, "seq_reply");
            (void)http::string_field(frame, "status");
        }
        const std::string event = http::string_field(frame, "event");
        (void)http::integer_field(frame, "seq", -1);
        (void)http::string_field(http::object_field(frame, "data"), "connection_id");
        if (event == "posted") {
            mm::PostedProblem problem = mm::PostedProblem::none;
            if (const auto posted = mm::read_posted(frame, &problem)) {
                if (problem != mm::PostedProblem::none) std::abort();
                deliver(posted->post);
            } else if (problem == mm::PostedProblem::none) {
                std::abort();  // nothing read must say why
            }
        }
        // The same JSON as a slash command or webhook body.
        fields(frame);
    }
    json form = json::object();
    for (auto& [k, v] : http::parse_form(text)) form[k] = v;
    fields(form);
    return 0;
}
