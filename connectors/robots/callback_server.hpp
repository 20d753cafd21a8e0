#pragma once
// A small HTTP/1.1 listener (Boost.Beast) for platform callbacks: one thread, one
// request per connection, bodies capped, 10 s to send a request. The handler runs on
// the listener's thread and must not block for long.

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace twintrack::connectors::robots {

struct HttpRequest {
    std::string method;
    std::string target;                          ///< path and query
    std::map<std::string, std::string> headers;  ///< names lower-cased
    std::string body;
};

struct HttpAnswer {
    HttpAnswer() = default;
    HttpAnswer(int status_code, std::string text, std::map<std::string, std::string> extra = {})
        : status(status_code), body(std::move(text)), headers(std::move(extra)) {}
    int status = 200;
    std::string body;                            ///< sent as application/json
    std::map<std::string, std::string> headers;  ///< extra response headers
};

class CallbackServer {
  public:
    using Handler = std::function<HttpAnswer(const HttpRequest&)>;

    CallbackServer(std::string bind, int port, std::size_t max_body, Handler handler);
    ~CallbackServer();
    CallbackServer(const CallbackServer&) = delete;
    CallbackServer& operator=(const CallbackServer&) = delete;

    /// Binds and starts the thread; throws std::runtime_error when it cannot listen.
    void start();
    void stop();
    int port() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Why a DingTalk callback is refused, or ok.
enum class CallbackCheck { ok, missing, bad_timestamp, stale, bad_sign };

/// DingTalk outgoing robot: header `timestamp` (ms) within `max_skew_ms` of `now_ms`, and
/// header `sign` == Base64(HMAC-SHA256(app_secret, timestamp + "\n" + app_secret)).
CallbackCheck check_dingtalk_callback(const std::string& timestamp, const std::string& sign,
                                      const std::string& app_secret, std::int64_t now_ms,
                                      std::int64_t max_skew_ms);

}  // namespace twintrack::connectors::robots
