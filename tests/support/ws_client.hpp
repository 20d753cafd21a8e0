#pragma once
// Test helpers that talk to a running server the way a browser would: a WebSocket client
// with blocking, timeout-bounded calls, and a tiny HTTP GET. Meant for tests that start a
// real hub (or the real `twintrack` binary) on a loopback port.
//
//   test_support::WsClient ws;
//   ws.connect("127.0.0.1", port);                      // ws://127.0.0.1:port/ws
//   ws.send_json({{"type", "hello"}, {"user", "alice"}});
//   auto welcome = ws.wait_for_type("welcome");         // std::optional<json>
//   ASSERT_TRUE(welcome);
//
//   auto health = test_support::http_get("127.0.0.1", port, "/healthz");
//   EXPECT_EQ(health.status, 200);
//
// Every wait takes a timeout and returns an empty optional when it expires, so a test
// fails with a message instead of hanging.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace twintrack::test_support {

using namespace std::chrono_literals;

/// Extra request headers, e.g. {{"Authorization", "Bearer abc"}}.
using Headers = std::vector<std::pair<std::string, std::string>>;

/// One WebSocket message received from the server.
struct WsFrame {
    bool binary = false;
    std::string payload;
};

/// How the server ended the connection.
struct WsClose {
    int code = 0;  ///< the close code the server sent (1000, 1007, 1009, ...); 1006 when none
    std::string reason;
};

/// A WebSocket client with its own I/O thread. Received frames are queued; the
/// next_* and wait_* calls take them off the queue in order. Not copyable; one test
/// thread at a time.
class WsClient {
  public:
    WsClient();
    ~WsClient();  ///< closes the connection (if open) and joins the I/O thread
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    /// Connects to ws://host:port + path and returns once the handshake is done.
    /// Throws std::runtime_error naming the URL and the reason (HTTP status for a
    /// refused handshake, or a timeout). May be called once per client.
    void connect(const std::string& host, int port, const std::string& path = "/ws",
                 std::chrono::milliseconds timeout = 5s, const Headers& headers = {});

    /// True between a successful connect() and the end of the connection.
    bool is_open() const;

    /// Sends one text frame. Throws std::runtime_error when not open.
    void send_text(const std::string& text);
    /// Sends `frame.dump()` as a text frame.
    void send_json(const nlohmann::json& frame);
    /// Sends one binary frame.
    void send_binary(const std::string& bytes);
    /// Sends a text frame with `bytes` exactly as given, bypassing the client's own
    /// UTF-8 check: for testing how a server treats malformed text frames.
    void send_raw_text(const std::string& bytes);

    /// The next frame, or nothing when `timeout` passes or the connection has ended
    /// with no frame left in the queue.
    std::optional<WsFrame> next_frame(std::chrono::milliseconds timeout = 5s);
    /// The next frame parsed as JSON; nothing on timeout/end. A frame that is not JSON
    /// is returned as a JSON string holding its payload.
    std::optional<nlohmann::json> next_json(std::chrono::milliseconds timeout = 5s);
    /// Discards frames until one (parsed as JSON) satisfies `match`; nothing on
    /// timeout/end.
    std::optional<nlohmann::json> wait_for(const std::function<bool(const nlohmann::json&)>& match,
                                           std::chrono::milliseconds timeout = 5s);
    /// wait_for() a frame whose "type" is `type`.
    std::optional<nlohmann::json> wait_for_type(const std::string& type,
                                                std::chrono::milliseconds timeout = 5s);
    /// True when no frame arrives within `quiet` (to check that nothing was sent).
    bool nothing_within(std::chrono::milliseconds quiet);

    /// Waits until the connection has ended and tells how the server closed it;
    /// nothing when it is still open after `timeout`. Queued frames are kept.
    std::optional<WsClose> wait_closed(std::chrono::milliseconds timeout = 5s);

    /// Starts the close handshake and waits (up to 2 s) for it to finish.
    void close(int code = 1000, const std::string& reason = "");
    /// Drops the TCP connection without a close handshake, like a laptop lid closing.
    void drop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// An HTTP response as received.
struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;

    /// The header's value, or "" (name is case-insensitive).
    std::string header(const std::string& name) const;
    /// The body parsed as JSON (throws nlohmann::json::parse_error when it is not).
    nlohmann::json json() const;
};

/// One HTTP/1.1 request ("Connection: close") to host:port. `target` is the path and
/// query ("/api/v1/people"). `host` must be an IP address; a "Host" entry in `headers`
/// replaces the default Host header. Throws std::runtime_error when the server cannot be reached,
/// the response is malformed or `timeout` passes.
HttpResponse http_request(const std::string& method, const std::string& host, int port,
                          const std::string& target, const Headers& headers = {},
                          const std::string& body = "", std::chrono::milliseconds timeout = 5s);

/// http_request("GET", ...).
HttpResponse http_get(const std::string& host, int port, const std::string& target,
                      const Headers& headers = {}, std::chrono::milliseconds timeout = 5s);

/// Polls `GET path` until it answers 200 or `timeout` passes; for waiting on a server
/// process that was just started. Returns whether it answered.
bool wait_until_healthy(const std::string& host, int port, const std::string& path = "/healthz",
                        std::chrono::milliseconds timeout = 10s);

}  // namespace twintrack::test_support
