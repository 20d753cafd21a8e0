#pragma once
// A fake WeCom server API for tests, on one loopback port over real HTTP: gettoken,
// message/send and appchat/send with the answers the API reference documents
// ({"errcode":0,"errmsg":"ok",...}; 42001 for an expired token; a template card's send
// answers a response_code), message/update_template_card (each response_code valid
// once), media/upload (multipart, type image or file, answers a media_id) and user/get (a member as
// the app may see them; 60111 for anyone else). Every call is recorded; answers can be scripted
// (45009, ...). Plus the other direction: an encrypted, signed callback POST as WeCom sends it to
// an app's callback URL, and the XML of a click on a template card.

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::wecom_test {

using namespace std::chrono_literals;
using json = nlohmann::json;

struct ApiCall {
    std::string method;
    std::string path;   ///< "/cgi-bin/message/send"
    std::string query;  ///< raw, after '?'
    std::string access_token;
    json body;        ///< parsed (null when not JSON)
    std::string raw;  ///< the body as sent (multipart uploads)
};

class FakeWecom {
  public:
    static constexpr const char* corp_id = "ww1436e0e65a779aee";
    static constexpr const char* secret = "app-secret-for-tests-0123456789abcdefghijk";

    FakeWecom();
    ~FakeWecom();
    FakeWecom(const FakeWecom&) = delete;
    FakeWecom& operator=(const FakeWecom&) = delete;

    std::string url() const;  ///< http://127.0.0.1:PORT

    /// The token handed out so far stops working: sends with it answer 42001.
    void expire_token();
    /// The next send calls (message/send or appchat/send) answer `answer` instead.
    void script_send_answer(const json& answer, int times = 1);

    /// The next media/upload calls answer `answer` instead ({"http_status": 502}: that HTTP
    /// status and no JSON).
    void script_upload_answer(const json& answer, int times = 1);
    /// The next update_template_card calls answer `answer` instead.
    void script_update_answer(const json& answer, int times = 1);
    /// A member user/get knows: `email` (the member's email) and `biz_mail` (the business
    /// mailbox) as given; "" leaves a field out, as WeCom does for apps created after
    /// 2022-06-20 or outside the member's range. Anyone else: errcode 60111.
    void add_member(const std::string& userid, const std::string& name, const std::string& email,
                    const std::string& biz_mail);
    /// The next `count` user/get calls fail: HTTP `status` (500), or with status 200
    /// errcode `errcode` (60011: the member is outside the app's visible range).
    void fail_user_lookups(int count, int status, long long errcode = 0);
    /// A response_code as WeCom puts into a click's callback; update_template_card
    /// accepts it once.
    std::string click_response_code();

    std::vector<ApiCall> calls(const std::string& path) const;
    /// Waits until `n` calls of `path` arrived; returns the n-th.
    std::optional<ApiCall> wait_call(const std::string& path, std::size_t n,
                                     std::chrono::milliseconds timeout = 10s) const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

/// The XML of a member's text message to an app, as WeCom decrypts it.
std::string text_message_xml(const std::string& user, const std::string& content,
                             const std::string& msg_id, long long agent_id, long long create_time);
/// The same for a picture.
std::string image_message_xml(const std::string& user, const std::string& msg_id,
                              long long agent_id, long long create_time);

/// The XML of a click on a template card button (Event template_card_event).
std::string card_click_xml(const std::string& user, const std::string& key,
                           const std::string& task_id, const std::string& response_code,
                           long long agent_id, long long create_time);

/// What WeCom POSTs to the callback URL for `plain_xml`: the query string
/// (msg_signature, timestamp, nonce) and the body (<xml> with Encrypt).
struct SignedCallback {
    std::string query;
    std::string body;
};
SignedCallback sign_callback(const std::string& token, const std::string& aes_key,
                             const std::string& corp_id, const std::string& plain_xml,
                             long long timestamp, const std::string& nonce);

}  // namespace twintrack::wecom_test
