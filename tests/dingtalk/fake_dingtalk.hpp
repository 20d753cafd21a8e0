#pragma once
// A fake DingTalk for tests, on one loopback port: the OpenAPI over real HTTP
// (gateway/connections/open, oauth2/accessToken, robot/oToMessages/batchSend,
// robot/groupMessages/send (sampleText, sampleImageMsg, sampleFile),
// robot/messageFiles/download and its links, card/instances/createAndDeliver, PUT card/instances,
// the older oapi media/upload and topapi/v2/user/get, and sessionWebhook URLs) and the Stream
// gateway over a real WebSocket. Cards are created only from a published template (kCardTemplateId)
// and updated only when they exist; pictures are sent only with a media id it issued. Like DingTalk
// it hands out one-use tickets and refuses a handshake with a ticket it did not issue or saw
// before, refuses expired access tokens with 401 InvalidAuthentication, and can throttle. Every
// call and every frame the client sends is recorded.

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::dingtalk_test {

using namespace std::chrono_literals;
using json = nlohmann::json;

inline constexpr const char* kClientId = "dingtestclient0001";
inline constexpr const char* kClientSecret = "test-client-secret-value";
/// The card template the fake has published.
inline constexpr const char* kCardTemplateId = "8f250c94-7e4b-4c8e-b1e5-3c0b6b4e2a17.schema";

struct ApiCall {
    std::string method;  ///< GET, POST, PUT
    std::string path;    ///< "/v1.0/robot/oToMessages/batchSend", "/session/…"
    std::string token;   ///< x-acs-dingtalk-access-token (or ?access_token= for oapi)
    std::string body;
    json json_body;  ///< parsed body (null when not JSON)
};

class FakeDingTalk {
  public:
    FakeDingTalk();   ///< listens on 127.0.0.1, a free port
    ~FakeDingTalk();  ///< stops the server
    FakeDingTalk(const FakeDingTalk&) = delete;
    FakeDingTalk& operator=(const FakeDingTalk&) = delete;

    std::string url() const;  ///< http://127.0.0.1:PORT
    /// A sessionWebhook URL of this fake (answers {"errcode":0}).
    std::string session_url(const std::string& id) const;

    /// The next connections/open hands out the ticket it gave before (a stale one).
    void reissue_old_ticket();
    /// Tokens issued so far are expired (401 InvalidAuthentication from now on).
    void expire_tokens();
    /// The next `count` calls of `path` are throttled: HTTP 429 (Retry-After: 0) when
    /// `http_429`, else HTTP 403 with code Forbidden.AccessDenied.QpsLimitForAppkeyAndApi.
    void throttle(const std::string& path, int count, bool http_429);
    /// The next `count` session webhook calls answer errcode 300001 (session expired).
    void refuse_sessions(int count);
    /// The next `count` batchSend calls to `staff` list them in flowControlledStaffIdList.
    void flow_control(const std::string& staff, int count);
    /// batchSend lists `staff` in invalidStaffIdList (not a member the robot can reach).
    void invalid_staff(const std::string& staff);
    /// The card template is withdrawn: createAndDeliver answers 400 cardInstance.wrong.
    void unpublish_card_template();
    /// The next `count` PUT card/instances answer HTTP `status` (500: transient; 400:
    /// param.invalid).
    void fail_card_updates(int count, int status);
    /// The next `count` createAndDeliver calls create (and deliver) the card but their
    /// answer is lost: HTTP 500, as when the answer never came back.
    void lose_card_answers(int count);
    /// Cards delivered, each outTrackId once (a repeated one creates nothing new).
    int cards_delivered() const;
    /// The next `count` media uploads answer errcode 40004 (invalid media type).
    void fail_uploads(int count);
    /// A picture or file a person sent, known by `download_code`: robot/messageFiles/
    /// download answers a link to it on the fake (GET /files/CODE, no token, served as
    /// `content_type`); unknown codes are refused (400), a link to one answers 404.
    void add_file(const std::string& download_code, const std::string& content_type,
                  const std::string& data);
    /// While true, download links hang: the links handed out meanwhile point to a server of
    /// the fake's own that answers nothing until this is set false again (then as usual)
    /// or the fake stops. Wait for such a download with wait_call("/files/").
    void hang_files(bool hang);
    /// An employee topapi/v2/user/get knows: `email` the address-book email, `org_email`
    /// the enterprise mailbox ("" leaves a field out, as DingTalk does). Others get errcode
    /// 60121 (找不到该用户).
    void add_user(const std::string& staff, const std::string& name, const std::string& email,
                  const std::string& org_email);
    /// The next `count` user/get calls fail: HTTP `status` (500: a server error), or with
    /// status 200 errcode `errcode` (60011: the app lacks the permission).
    void fail_user_lookups(int count, int status, long long errcode = 0);

    /// The calls of `path` ("/session/" and "/files/": of every path under it), in order.
    std::vector<ApiCall> calls(const std::string& path) const;
    /// Waits until `path` ("/session/" and "/files/": any path under it) was called `n`
    /// times; returns the n-th call (1-based).
    std::optional<ApiCall> wait_call(const std::string& path, std::size_t n = 1,
                                     std::chrono::milliseconds timeout = 10s) const;

    /// Waits until `n` stream connections were accepted in total.
    bool wait_sockets(int n, std::chrono::milliseconds timeout = 10s) const;
    int sockets() const;
    /// Tickets seen in handshakes, in order; and those refused.
    std::vector<std::string> tickets_used() const;
    std::vector<std::string> tickets_refused() const;
    /// Sends a text frame on the newest open stream; false when none is open.
    bool send(const json& frame);
    /// Waits until `n` acks for `message_id` arrived; returns them all.
    std::vector<json> wait_acks(const std::string& message_id, std::size_t n = 1,
                                std::chrono::milliseconds timeout = 10s) const;
    /// Drops the newest stream without a close handshake.
    void drop_socket();
    /// Waits until the newest stream was closed by the client.
    bool wait_client_close(int socket_number, std::chrono::milliseconds timeout = 10s) const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

/// A robot message as the callback topic's data documents it. `conversation_type` "1"
/// (one-to-one) or "2" (group, with `conversation` its openConversationId).
json robot_message(const std::string& msg_id, const std::string& staff_id, const std::string& nick,
                   const std::string& text, const std::string& conversation_type,
                   const std::string& conversation, const std::string& session_webhook,
                   long long session_expires_ms);
/// A CALLBACK frame of the robot topic carrying `message` (as a JSON string).
json callback_frame(const std::string& message_id, const json& message);
/// A CALLBACK frame of the card callback topic: `user` clicked on card `out_track_id`, the
/// button's or menu's request sending `params` (content is the JSON string of
/// {cardPrivateData:{actionIds, params}}, as DingTalk sends it).
json card_callback_frame(const std::string& message_id, const std::string& user,
                         const std::string& out_track_id, const json& params,
                         const std::string& space_type = "IM_GROUP",
                         const std::string& space_id = "cidp7tqZqSfFxBbeKzxJRBSgA==");
/// A SYSTEM frame (`ping` or `disconnect`).
json system_frame(const std::string& topic, const std::string& message_id, const std::string& data);

}  // namespace twintrack::dingtalk_test
