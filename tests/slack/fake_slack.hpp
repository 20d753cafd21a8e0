#pragma once
// A fake Slack for tests: the Web API (auth.test, apps.connections.open, users.info,
// conversations.open, chat.postMessage, chat.postEphemeral, chat.update, chat.delete, response
// URLs, the external file upload: files.getUploadURLExternal, the upload URL,
// files.completeUploadExternal, and the download of a person's file from its url_private
// with the bot token) over real HTTP and Socket Mode over a real WebSocket, both on one
// loopback port. Answers follow the examples in Slack's API documentation. Every call and every
// frame the client sends is recorded.

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::slack_test {

using namespace std::chrono_literals;
using json = nlohmann::json;

struct ApiCall {
    std::string method;  ///< "chat.postMessage", or "response" for a response URL
    std::string authorization;
    std::string content_type;
    std::string body;
    json json_body;  ///< parsed body (null when not JSON)
    std::chrono::steady_clock::time_point at;
};

/// A file uploaded through files.getUploadURLExternal and the upload URL.
struct UploadedFile {
    std::string id;
    std::string filename;      ///< as given to files.getUploadURLExternal
    std::size_t length = 0;    ///< as given to files.getUploadURLExternal
    std::string data;          ///< the bytes POSTed to the upload URL
    std::string content_type;  ///< of that POST
    bool uploaded = false;
    bool completed = false;  ///< shared by files.completeUploadExternal
    std::string title, channel, thread_ts;
};

class FakeSlack {
  public:
    FakeSlack();   ///< listens on 127.0.0.1, a free port
    ~FakeSlack();  ///< stops the server
    FakeSlack(const FakeSlack&) = delete;
    FakeSlack& operator=(const FakeSlack&) = delete;

    int port() const;
    std::string api_url() const;            ///< http://127.0.0.1:PORT/api
    std::string response_url(int n) const;  ///< a slash command's response_url

    static constexpr const char* bot_user = "UBOT00001";

    /// A user users.info knows, with the profile email (users:read.email) when given.
    void add_user(const std::string& id, const std::string& display_name,
                  const std::string& email = "", bool email_confirmed = true);
    /// The next `count` calls of `method` are answered 429 with Retry-After: seconds.
    void rate_limit(const std::string& method, int seconds, int count = 1);

    /// Later calls of `method` get no answer (the connection stays open) until release().
    void hold(const std::string& method);
    /// Answers the held calls (in the order they came) and stops holding.
    void release();

    /// Every later call of `method` is answered {"ok": false, "error": error}.
    void fail(const std::string& method, const std::string& error);
    /// A file a person shared: the file object of a file_share message event as Slack's
    /// docs show it (id, name, mimetype, size, url_private, url_private_download,
    /// permalink, public_url_shared false); its url_private_download answers `data` to a
    /// bot token (Authorization: Bearer xoxb-...), 403 to anything else.
    json add_shared_file(const std::string& name, const std::string& mimetype,
                         const std::string& data);
    /// Files started with files.getUploadURLExternal, by id.
    std::vector<UploadedFile> files() const;

    /// Calls of `method` so far.
    std::vector<ApiCall> calls(const std::string& method) const;
    /// Waits until `method` was called at least `n` times; returns the n-th (1-based).
    std::optional<ApiCall> wait_call(const std::string& method, std::size_t n = 1,
                                     std::chrono::milliseconds timeout = 10s) const;

    /// Waits until `n` Socket Mode connections were accepted in total.
    bool wait_sockets(int n, std::chrono::milliseconds timeout = 10s) const;
    int sockets() const;
    /// Sends a text frame on the newest socket; false when none is open.
    bool send(const std::string& text);
    bool send_json(const json& frame) { return send(frame.dump()); }
    /// Waits for the client to acknowledge `envelope_id`; returns how many acks for it.
    int wait_ack(const std::string& envelope_id, int n = 1,
                 std::chrono::milliseconds timeout = 10s) const;
    /// Drops the newest socket without a close handshake.
    void drop_socket();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

/// An `events_api` envelope around `event` (a message event as in Slack's docs).
json events_api_envelope(const std::string& envelope_id, const std::string& event_id,
                         const json& event, int retry_attempt = 0);
/// A file_share message event with `files` (from add_shared_file) as Slack documents it.
json file_share_event(const std::string& channel, const std::string& user, const std::string& text,
                      const std::string& ts, const json& files);
/// A message event as Slack documents it.
json message_event(const std::string& channel, const std::string& user, const std::string& text,
                   const std::string& ts, const std::string& channel_type = "channel");

}  // namespace twintrack::slack_test
