// What Feishu / Lark sends: the long connection's protobuf frames (decode_frame, and the
// acknowledgement written back for each), events split over several frames
// (Reassembler), the endpoint answer, the pong's ClientConfig, encrypted callback bodies
// (decrypt), schema 2.0 callbacks with `im.message.receive_v1` and card clicks
// (read_callback, read_message, read_card_action) and OpenAPI answers, each read as the
// connector reads them (connectors/feishu). A decoded frame must encode and decode to
// itself, a decrypted body must survive encrypt then decrypt, and a message read as text
// must make a send body.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "connectors/feishu/feishu_cards.hpp"
#include "connectors/feishu/feishu_protocol.hpp"
#include "connectors/feishu/feishu_stream.hpp"
#include "core/text.hpp"

namespace feishu = twintrack::connectors::feishu;
using nlohmann::json;

namespace {

bool same(const feishu::StreamFrame& a, const feishu::StreamFrame& b) {
    return a.seq_id == b.seq_id && a.log_id == b.log_id && a.service == b.service &&
           a.method == b.method && a.headers == b.headers &&
           a.payload_encoding == b.payload_encoding && a.payload_type == b.payload_type &&
           a.payload == b.payload && a.log_id_new == b.log_id_new;
}

void frames(const std::string& bytes) {
    const auto frame = feishu::decode_frame(bytes);
    if (!frame) return;
    const auto again = feishu::decode_frame(feishu::encode_frame(*frame));
    if (!again || !same(*frame, *again)) std::abort();
    (void)frame->header("type");
    (void)frame->int_header("sum");
    // The acknowledgement is the same frame with a JSON payload.
    const auto ack =
        feishu::decode_frame(feishu::ack_frame(*frame, 200, std::chrono::milliseconds(3)));
    if (!ack || ack->seq_id != frame->seq_id) std::abort();
    if (!json::parse(ack->payload, nullptr, false).is_object()) std::abort();
    (void)feishu::read_ping_interval(frame->payload);
}

// The input cut into parts at every 0xFF byte, all of them one message; the parts go in
// in an order the input chooses. Once the last one is in, the whole payload comes out.
void reassembly(const std::string& input) {
    std::vector<std::string> parts;
    std::string part;
    for (char c : input) {
        if (static_cast<unsigned char>(c) == 0xFF) {
            parts.push_back(part);
            part.clear();
        } else {
            part += c;
        }
    }
    parts.push_back(part);
    if (parts.size() > 64) return;
    feishu::Reassembler r(std::chrono::seconds(5));
    const auto now = feishu::Reassembler::Time{} + std::chrono::hours(1);
    const int sum = static_cast<int>(parts.size());
    const std::size_t rotate =
        input.empty() ? 0 : static_cast<unsigned char>(input[0]) % parts.size();
    std::optional<std::string> whole;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::size_t seq = (i + rotate) % parts.size();
        whole = r.add("m", sum, static_cast<int>(seq), parts[seq], now);
        if (whole && i + 1 != parts.size()) std::abort();  // nothing before the last part
    }
    std::string expected;
    for (const auto& p : parts) expected += p;
    if (!whole || *whole != expected || r.pending() != 0) std::abort();
}

void callbacks(const std::string& text) {
    const auto cb = feishu::read_callback(text);
    if (!cb) return;
    if (const auto click = feishu::read_card_action(cb->event)) {
        if (click->token.empty() || click->open_id.empty()) std::abort();
    }
    feishu::Message m;
    if (feishu::read_message(cb->event, m) != feishu::MessageRead::ok) return;
    if (m.message_id.empty() || m.chat_id.empty() || m.open_id.empty()) std::abort();
    // Text that goes back out must make a JSON body (dump throws on broken UTF-8).
    if (!twintrack::core::valid_utf8(m.text)) std::abort();
    (void)feishu::text_message(m.chat_id, m.text, "uuid-1").dump();
}

void encrypted(const std::string& text) {
    static const std::string key = "kudryavka-encrypt-key";
    const auto plain = feishu::decrypt(key, text);
    if (!plain) return;
    const auto again = feishu::decrypt(key, feishu::encrypt(key, *plain, "0123456789abcdef"));
    if (!again || *again != *plain) std::abort();
    callbacks(*plain);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    frames(input);
    reassembly(input);
    callbacks(input);
    encrypted(input);
    (void)feishu::read_endpoint(input);
    (void)feishu::read_api_answer(static_cast<int>(size % 600), input);
    (void)feishu::signature("1700000000", "nonce", "key", input);
    return 0;
}
