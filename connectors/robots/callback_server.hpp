#pragma once
// A small HTTP/1.1 listener (Boost.Beast) for platform callbacks: one thread, keep-alive
// connections, bodies capped, 10 s to send a request. The handler runs on
// the listener's thread and must not block for long.

#include <cstdint>
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

/// A message a DingTalk outgoing robot delivers to its callback (the request body).
struct DingTalkMessage {
    std::string msgtype;  ///< only "text" messages are read further
    std::string msg_id;
    std::string user;      ///< senderStaffId, else senderId
    std::string staff_id;  ///< senderStaffId
    std::string nick;      ///< senderNick
    std::string content;   ///< text.content, valid UTF-8
    bool direct = false;   ///< conversationType "1"
    std::string conversation;
    std::string session_webhook;          ///< where to answer, when given
    std::int64_t session_expires_ms = 0;  ///< sessionWebhookExpiredTime
};

/// How a callback body reads: ok, not a JSON object, another message type than text
/// (`out.msgtype` says which), or a text message without msgId, sender or valid text.
enum class CallbackBody { ok, not_json, not_text, incomplete };

/// Reads a callback body. Pure and never throwing, whatever the body holds.
CallbackBody read_dingtalk_message(const std::string& body, DingTalkMessage& out);

}  // namespace twintrack::connectors::robots
