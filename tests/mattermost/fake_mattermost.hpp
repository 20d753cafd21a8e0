#pragma once
// A fake Mattermost for tests: REST API v4 (users/me, posts, channels/direct, a slash
// command response URL) over real HTTP and the WebSocket at /api/v4/websocket with the
// authentication challenge, `hello` and numbered (`seq`) events, on one loopback port.
// Payloads follow Mattermost's API reference. Every call is recorded.

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::mattermost_test {

using namespace std::chrono_literals;
using json = nlohmann::json;

struct RestCall {
    std::string method;  ///< "GET", "POST"
    std::string path;    ///< "/api/v4/posts", "/response/1"
    std::string authorization;
    json body;  ///< parsed (null when not JSON)
    std::chrono::steady_clock::time_point at;
};

/// A file uploaded with POST /api/v4/files (multipart/form-data: channel_id, files).
struct UploadedFile {
    std::string id;  ///< the id the fake gave it
    std::string channel;
    std::string filename;
    std::string content_type;
    std::string data;
    std::string authorization;
};

class FakeMattermost {
  public:
    static constexpr const char* token = "xoxo5cacdozwn3fndnzobbpha3";
    static constexpr const char* bot_id = "bot9zyw8c7jb8yhe6o9r9hwbke";

    FakeMattermost();
    ~FakeMattermost();
    FakeMattermost(const FakeMattermost&) = delete;
    FakeMattermost& operator=(const FakeMattermost&) = delete;

    std::string url() const;  ///< http://127.0.0.1:PORT
    std::string response_url(int n) const;

    /// A user GET /api/v4/users/ID answers (others: 404), with `email` and
    /// `email_verified` as the API reference shows them.
    void add_user(const std::string& id, const std::string& username, const std::string& email,
                  bool email_verified = true);

    /// A file people attached to a post: GET /api/v4/files/ID answers its bytes (with the
    /// bot token), GET /api/v4/files/ID/info its FileInfo, which this returns.
    json add_file(const std::string& name, const std::string& mime, const std::string& data);
    /// The next `count` POST /api/v4/files answer `status` (429 with Retry-After: 1).
    void fail_uploads(int status, int count = 1);
    /// The files uploaded so far, in order.
    std::vector<UploadedFile> uploads() const;

    /// The next `count` POST /api/v4/posts answer 429 with Retry-After: seconds.
    void rate_limit_posts(int seconds, int count = 1);

    /// Later POST /api/v4/posts get no answer (the connection stays open) until
    /// release_posts() answers them.
    void hold_posts();
    void release_posts();

    std::vector<RestCall> calls(const std::string& path) const;
    std::optional<RestCall> wait_call(const std::string& path, std::size_t n = 1,
                                      std::chrono::milliseconds timeout = 10s) const;

    /// Waits until `n` sockets passed the authentication challenge in total.
    bool wait_authenticated(int n, std::chrono::milliseconds timeout = 10s) const;
    /// The query strings of the WebSocket handshakes so far.
    std::vector<std::string> socket_queries() const;
    /// Sends a `posted` event for `post` on the newest socket with the next seq (plus
    /// `skip`: a gap of lost events).
    bool send_posted(const json& post, const std::string& channel_type,
                     const std::string& sender_name, int skip = 0);
    /// Sends any text on the newest socket (no seq bookkeeping).
    bool send_raw(const std::string& text);
    /// Drops the newest socket without a close handshake.
    void drop_socket();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

/// A post object as the API reference shows it.
json make_post(const std::string& id, const std::string& user_id, const std::string& channel_id,
               const std::string& message, const std::string& root_id = "");

}  // namespace twintrack::mattermost_test
