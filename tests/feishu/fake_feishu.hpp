#pragma once
// A fake Feishu OpenAPI for tests, on one loopback port over real HTTP:
// auth/v3/tenant_access_token/internal, im/v1/messages (receive_id_type open_id or
// chat_id; msg_type text, interactive or image), im/v1/messages/{id}/reply, PATCH
// im/v1/messages/{id} (cards sent with update_multi only), im/v1/images (multipart,
// image_type=message), im/v1/files (multipart: file_type, file_name, file; msg_type file)
// and GET im/v1/messages/{id}/resources/{key}?type=image|file (the files people sent). Like Feishu
// it refuses expired tenant access tokens (code 99991663), can rate-limit (HTTP 429, code
// 99991400), and delivers a message once per uuid. Every call is recorded. Also builds event and
// card callbacks as Feishu sends them (plain or encrypted, signed). The long connection:
// `/callback/ws/endpoint` hands out the URL of its own WebSocket server (a second loopback port),
// which answers pings with pongs, sends events as protobuf frames (split over several when asked)
// and records every frame the client sends.

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "connectors/feishu/feishu_stream.hpp"
#include "tests/support/ws_client.hpp"

namespace twintrack::feishu_test {

using namespace std::chrono_literals;
using json = nlohmann::json;

inline constexpr const char* kAppId = "cli_a1b2c3d4e5f60001";
inline constexpr const char* kAppSecret = "test-app-secret-value";
inline constexpr const char* kVerificationToken = "test-verification-token";
inline constexpr const char* kEncryptKey = "test-encrypt-key";

struct ApiCall {
    std::string method;                        ///< "POST", "PATCH"
    std::string path;                          ///< "/open-apis/im/v1/messages", ".../om_x/reply"
    std::string query;                         ///< "receive_id_type=open_id"
    std::string token;                         ///< the Authorization bearer token
    json json_body;                            ///< parsed body (null when not JSON)
    std::chrono::steady_clock::time_point at;  ///< when the fake received it
};

/// A message the fake delivered (once per uuid).
struct SentMessage {
    std::string id;          ///< om_fakeN
    std::string msg_type;    ///< text, interactive, image
    std::string receive_id;  ///< "" for a reply
    std::string reply_to;    ///< the message it replies to, "" when none
    json content;            ///< the parsed content; a card as last PATCHed
};

/// A picture uploaded to im/v1/images, or a file to im/v1/files.
struct Upload {
    std::string image_type;  ///< the form field; Feishu wants "message" (pictures)
    std::string file_type;   ///< the form field (files): pdf, doc, xls, ppt, stream, ...
    std::string file_name;   ///< the form field (files)
    std::string filename;
    std::string content_type;
    std::string data;
    std::string image_key;  ///< what the fake answered: img_v2_fakeN or file_v2_fakeN
};

class FakeFeishu {
  public:
    FakeFeishu();   ///< listens on 127.0.0.1, a free port
    ~FakeFeishu();  ///< stops the server
    FakeFeishu(const FakeFeishu&) = delete;
    FakeFeishu& operator=(const FakeFeishu&) = delete;

    std::string url() const;  ///< http://127.0.0.1:PORT

    /// Tokens issued so far are invalid (code 99991663 from now on).
    void expire_tokens();
    /// The next `count` message sends are rate limited (HTTP 429, code 99991400).
    void rate_limit(int count);
    /// The next `count` PATCHes are refused with `code` and `msg` (HTTP 400).
    void refuse_patches(int count, long long code, const std::string& msg);
    /// Uploads are refused as when the app lacks im:resource (code 99991672).
    void refuse_uploads(bool refuse);
    /// The next `count` uploads fail with HTTP 500 (Feishu down for a while).
    void fail_uploads(int count);
    /// The resource `key` of message `message_id` (type image or file) is `data`, served
    /// as `content_type` ("" sends none). Others answer 404 (code 234003).
    void add_resource(const std::string& message_id, const std::string& key,
                      const std::string& type, const std::string& data,
                      const std::string& content_type);
    /// While true, resource downloads hang: the fake answers nothing (and nothing else)
    /// until it is set false again or the fake stops; then the download is answered as
    /// usual. Waits for a hanging download with wait_call().
    void hang_resources(bool hang);
    /// The contact API knows `open_id` as `name` (the others: no permission, 99991672),
    /// with `email` (the contact email) and `enterprise_email` (the Feishu Mail address)
    /// where given ("" leaves the field out, as Feishu does without the app's scope).
    void add_person(const std::string& open_id, const std::string& name,
                    const std::string& email = "", const std::string& enterprise_email = "");
    /// The next `count` contact API calls fail: HTTP `status` with `code` (500 / 0: a
    /// server error; 400 / 99991672: the app lacks the scope).
    void fail_contact_lookups(int count, int status, long long code);
    /// The next `count` cards sent are refused (code 230099, as for a card Feishu cannot
    /// build).
    void refuse_cards(int count);

    /// The PingInterval (seconds) the endpoint and each pong name.
    void set_ping_interval(int seconds);
    /// Waits until `n` WebSocket connections were opened in all.
    bool wait_sockets(int n, std::chrono::milliseconds timeout = 10s) const;
    /// Sends an event to the open connection as `parts` frames (headers type, message_id,
    /// sum, seq); false when no connection is open. Card clicks come as type "event" too.
    bool send_event(const json& event, const std::string& message_id, int parts = 1,
                    const std::string& type = "event");
    /// Closes the open connections (the client is expected to come back).
    void drop_sockets();
    /// The data frames the client sent (acknowledgements) whose message_id is `id`, once
    /// there are `n` of them, or what came within `timeout`.
    std::vector<connectors::feishu::StreamFrame> wait_acks(
        const std::string& id, std::size_t n = 1, std::chrono::milliseconds timeout = 10s) const;
    /// Waits until the client sent `n` pings in all; returns them.
    std::vector<connectors::feishu::StreamFrame> wait_pings(
        std::size_t n, std::chrono::milliseconds timeout = 10s) const;

    std::vector<ApiCall> calls(const std::string& path) const;
    /// Waits until `path` (a prefix) was called `n` times; returns the n-th call (1-based).
    std::optional<ApiCall> wait_call(const std::string& path, std::size_t n = 1,
                                     std::chrono::milliseconds timeout = 10s) const;
    /// The texts of the text messages delivered (once per uuid), in order.
    std::vector<std::string> delivered() const;
    /// Every message delivered, in order.
    std::vector<SentMessage> sent() const;
    /// Waits until `n` messages of `msg_type` were delivered; returns the n-th (1-based).
    std::optional<SentMessage> wait_sent(const std::string& msg_type, std::size_t n = 1,
                                         std::chrono::milliseconds timeout = 10s) const;
    /// Waits until `n` PATCHes were answered (successfully or not); returns the n-th.
    std::optional<ApiCall> wait_patch(std::size_t n = 1,
                                      std::chrono::milliseconds timeout = 10s) const;
    std::vector<Upload> uploads() const;

    struct State;

  private:
    std::shared_ptr<State> state_;
};

/// An `im.message.receive_v1` callback body (schema 2.0, plain).
json message_event(const std::string& event_id, const std::string& message_id,
                   const std::string& open_id, const std::string& chat_id,
                   const std::string& chat_type, const std::string& text,
                   const json& mentions = json::array());

/// An `im.message.receive_v1` callback body of a picture or file: `message_type` image
/// (content {"image_key": key}) or file (content {"file_key": key, "file_name": name}).
json file_message_event(const std::string& event_id, const std::string& message_id,
                        const std::string& open_id, const std::string& chat_id,
                        const std::string& message_type, const std::string& key,
                        const std::string& file_name = "");

/// A `card.action.trigger` callback body (schema 2.0, plain): `open_id` clicked `action`
/// (e.g. {"tag":"button","value":{"tt":TOKEN}}) on the card `message_id`.
json card_action_event(const std::string& event_id, const std::string& open_id,
                       const std::string& message_id, const std::string& chat_id,
                       const json& action);

/// The token of the `n`-th (0-based) button of a card as the connector sends it, "" when
/// there is none.
std::string button_token(const json& card, std::size_t n);

/// `body` as Feishu sends it with an Encrypt Key: `{"encrypt": ...}`.
std::string encrypted(const json& body, const std::string& key = kEncryptKey);

/// Posts a callback body to a connector's listener with Feishu's signature headers
/// (signed with `key`; no signature headers when `key` is "").
test_support::HttpResponse post_callback(int port, const std::string& body,
                                         const std::string& key = kEncryptKey,
                                         const std::string& path = "/feishu/events");

}  // namespace twintrack::feishu_test
