// What the DingTalk Stream gateway sends: frames (JSON with the robot message as JSON
// inside the `data` string), the connections/open answer and OpenAPI answers, each read
// as the connector reads them (connectors/dingtalk/dingtalk_stream), and the
// acknowledgement written back for each frame; card clicks from the card callback topic
// (connectors/dingtalk/dingtalk_cards).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "connectors/dingtalk/dingtalk_cards.hpp"
#include "connectors/dingtalk/dingtalk_stream.hpp"
#include "core/text.hpp"

namespace dingtalk = twintrack::connectors::dingtalk;
using nlohmann::json;

namespace {

// A click read as complete names its clicker, its card and a token.
void check_card_click(const std::string& data) {
    dingtalk::CardClick click;
    if (dingtalk::read_card_click(data, click) == dingtalk::CardRead::ok) {
        if (click.user_id.empty() || click.out_track_id.empty() || click.token.empty()) {
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    dingtalk::Frame frame;
    if (dingtalk::read_frame(text, frame)) {
        // Every acknowledgement is JSON that carries the frame's messageId back.
        for (const std::string& ack : {dingtalk::ack_ping(frame), dingtalk::ack_callback(frame),
                                       dingtalk::ack_event(frame), dingtalk::ack_unknown(frame)}) {
            const json parsed = json::parse(ack, nullptr, false);
            if (!parsed.is_object()) std::abort();
        }
        dingtalk::RobotMessage m;
        if (dingtalk::read_robot_message(frame.data, m) == dingtalk::MessageRead::ok) {
            if (!twintrack::core::valid_utf8(m.text)) std::abort();
            if (m.msg_id.empty() || m.conversation.empty()) std::abort();
            const auto body = dingtalk::robot_body(m.text, m.direct());
            if (json::parse(body.msg_param, nullptr, false).is_discarded()) std::abort();
        }
        check_card_click(frame.data);
    }
    check_card_click(text);
    dingtalk::RobotMessage direct;
    (void)dingtalk::read_robot_message(text, direct);
    dingtalk::Endpoint endpoint;
    if (dingtalk::read_endpoint(text, endpoint)) (void)dingtalk::stream_url(endpoint);
    (void)dingtalk::read_api_answer(static_cast<int>(size % 600), text);
    return 0;
}
