#pragma once
// Feishu's long connection without I/O: the endpoint answer of `/callback/ws/endpoint`,
// the protobuf frames (connectors/feishu/feishu_frame.proto) and the reassembly of
// events split over several frames. For the connector, its tests and the fake platform.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace twintrack::connectors::feishu {

/// What `/callback/ws/endpoint` hands out.
struct StreamEndpoint {
    std::string url;                          ///< wss://...?device_id=..&service_id=..
    std::int32_t service_id = 0;              ///< from the URL's query
    std::chrono::seconds ping_interval{120};  ///< ClientConfig.PingInterval
    std::chrono::seconds reconnect_interval{120};
    int reconnect_nonce = 30;  ///< seconds of random wait before reconnecting
};

/// The endpoint call's outcome: `code` 0 with a URL, or Feishu's code and message.
struct EndpointAnswer {
    long long code = -1;
    std::string message;
    std::optional<StreamEndpoint> endpoint;
};
EndpointAnswer read_endpoint(const std::string& body);

/// The ClientConfig a pong carries: the new ping interval, if it names one.
std::optional<std::chrono::seconds> read_ping_interval(const std::string& payload);

/// One frame, decoded.
struct StreamFrame {
    std::uint64_t seq_id = 0;
    std::uint64_t log_id = 0;
    std::int32_t service = 0;
    std::int32_t method = 0;  ///< 0 control, 1 data
    std::vector<std::pair<std::string, std::string>> headers;
    std::string payload_encoding;
    std::string payload_type;
    std::string payload;
    std::string log_id_new;

    std::string header(const std::string& key) const;
    int int_header(const std::string& key) const;  ///< 0 when absent or not a number
};

inline constexpr std::int32_t frame_control = 0;
inline constexpr std::int32_t frame_data = 1;

/// Nothing when `bytes` is not a Frame.
std::optional<StreamFrame> decode_frame(const std::string& bytes);
std::string encode_frame(const StreamFrame& frame);

/// The ping the client sends every PingInterval (a control frame, header type=ping).
std::string ping_frame(std::int32_t service_id);

/// The acknowledgement of a data frame: the frame itself with `biz_rt` (handling time in
/// ms) added to its headers and the payload `{"code":200,...}`. `data`, when not empty, is
/// the answer to a callback (e.g. `{}` or a toast for `card.action.trigger`), Base64-encoded
/// as the official SDK sends its bytes.
std::string ack_frame(StreamFrame frame, int code, std::chrono::milliseconds handling,
                      const std::string& data = "");

/// Puts events split over several frames (headers message_id, sum, seq) back together.
/// Parts of a message not completed within `keep` are dropped.
class Reassembler {
  public:
    using Time = std::chrono::steady_clock::time_point;
    explicit Reassembler(std::chrono::milliseconds keep = std::chrono::seconds(5)) : keep_(keep) {}
    /// The whole payload once every part of `message_id` arrived; nothing before.
    std::optional<std::string> add(const std::string& message_id, int sum, int seq,
                                   std::string part, Time now);
    std::size_t pending() const { return parts_.size(); }

  private:
    struct Parts {
        std::vector<std::optional<std::string>> parts;
        Time first;
    };
    std::chrono::milliseconds keep_;
    std::map<std::string, Parts> parts_;
};

}  // namespace twintrack::connectors::feishu
