#include "connectors/feishu/feishu_stream.hpp"

#include <nlohmann/json.hpp>

#include "connectors/feishu/feishu_frame_module.hpp"
#include "connectors/http/json_fields.hpp"
#include "core/base64.hpp"
#include "core/module_loader.hpp"

namespace twintrack::connectors::feishu {
namespace {

using namespace http::json_reading;

// The value of `key` in the query of `url` ("" when absent).
std::string query_value(const std::string& url, const std::string& key) {
    const auto q = url.find('?');
    if (q == std::string::npos) return "";
    std::size_t at = q + 1;
    while (at < url.size()) {
        auto end = url.find('&', at);
        if (end == std::string::npos) end = url.size();
        const std::string pair = url.substr(at, end - at);
        const auto eq = pair.find('=');
        if (eq != std::string::npos && pair.substr(0, eq) == key) return pair.substr(eq + 1);
        at = end + 1;
    }
    return "";
}

bool all_digits(const std::string& s, std::size_t max) {
    return !s.empty() && s.size() <= max && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

EndpointAnswer read_endpoint(const std::string& body) {
    EndpointAnswer a;
    const json j = json::parse(body, nullptr, false);
    if (!j.is_object()) {
        a.message = "the answer is not JSON";
        return a;
    }
    a.code = integer_field(j, "code", -1);
    a.message = string_field(j, "msg");
    if (a.code != 0) return a;
    const json& data = object_field(j, "data");
    StreamEndpoint e;
    e.url = string_field(data, "URL");
    if (e.url.rfind("wss://", 0) != 0 && e.url.rfind("ws://", 0) != 0) {
        a.code = -1;
        a.message = "the answer has no ws:// or wss:// URL";
        return a;
    }
    const std::string service = query_value(e.url, "service_id");
    if (all_digits(service, 9)) e.service_id = std::stoi(service);
    const json& config = object_field(data, "ClientConfig");
    const long long ping = integer_field(config, "PingInterval", 0);
    if (ping > 0 && ping <= 3600) e.ping_interval = std::chrono::seconds(ping);
    const long long interval = integer_field(config, "ReconnectInterval", 0);
    if (interval > 0 && interval <= 3600) e.reconnect_interval = std::chrono::seconds(interval);
    const long long nonce = integer_field(config, "ReconnectNonce", -1);
    if (nonce >= 0 && nonce <= 3600) e.reconnect_nonce = static_cast<int>(nonce);
    a.endpoint = e;
    return a;
}

std::optional<std::chrono::seconds> read_ping_interval(const std::string& payload) {
    const json j = json::parse(payload, nullptr, false);
    const long long ping = integer_field(j, "PingInterval", 0);
    if (ping <= 0 || ping > 3600) return std::nullopt;
    return std::chrono::seconds(ping);
}

std::string StreamFrame::header(const std::string& key) const {
    for (const auto& [k, v] : headers) {
        if (k == key) return v;
    }
    return "";
}

int StreamFrame::int_header(const std::string& key) const {
    const std::string v = header(key);
    return all_digits(v, 9) ? std::stoi(v) : 0;
}

// The module's entry, when the codec is compiled into this program itself (the fuzz
// target); otherwise the module is loaded.
extern "C" const void* twintrack_feishu_frame_module_v1() __attribute__((weak));

const FrameCodec& frame_codec() {
    static const FrameCodec* const codec = [] {
        auto* entry = twintrack_feishu_frame_module_v1 != nullptr
                          ? &twintrack_feishu_frame_module_v1
                          : reinterpret_cast<const void* (*)()>(
                                core::module_entry(frame_module_file, frame_module_entry));
        return static_cast<const FrameCodec*>(entry());
    }();
    return *codec;
}

std::optional<StreamFrame> decode_frame(const std::string& bytes) {
    StreamFrame f;
    if (!frame_codec().decode(bytes, f)) return std::nullopt;
    return f;
}

std::string encode_frame(const StreamFrame& f) { return frame_codec().encode(f); }

std::string ping_frame(std::int32_t service_id) {
    StreamFrame f;
    f.service = service_id;
    f.method = frame_control;
    f.headers = {{"type", "ping"}};
    return encode_frame(f);
}

std::string ack_frame(StreamFrame frame, int code, std::chrono::milliseconds handling,
                      const std::string& data) {
    frame.headers.emplace_back("biz_rt", std::to_string(handling.count()));
    frame.payload = json{{"code", code},
                         {"headers", nullptr},
                         {"data", data.empty() ? json(nullptr) : json(core::base64_encode(data))}}
                        .dump();
    return encode_frame(frame);
}

std::optional<std::string> Reassembler::add(const std::string& message_id, int sum, int seq,
                                            std::string part, Time now) {
    for (auto it = parts_.begin(); it != parts_.end();) {
        it = now - it->second.first > keep_ ? parts_.erase(it) : std::next(it);
    }
    if (sum <= 1) return part;
    if (sum > 1000 || seq < 0 || seq >= sum || message_id.empty()) return std::nullopt;
    auto [it, fresh] = parts_.try_emplace(message_id);
    if (fresh) {
        it->second.parts.resize(static_cast<std::size_t>(sum));
        it->second.first = now;
    }
    if (it->second.parts.size() != static_cast<std::size_t>(sum)) return std::nullopt;
    it->second.parts[static_cast<std::size_t>(seq)] = std::move(part);
    std::string whole;
    for (const auto& p : it->second.parts) {
        if (!p) return std::nullopt;
        whole += *p;
    }
    parts_.erase(it);
    return whole;
}

}  // namespace twintrack::connectors::feishu
