#pragma once
// XEP-0363 HTTP File Upload for the XMPP connector: finds the server's upload service by
// XEP-0030 service discovery (disco#items of the account's domain, disco#info of the
// domain and of each item, the one with feature urn:xmpp:http:upload:0; its XEP-0128
// form's max-file-size), asks it for a slot per file (<request filename size
// content-type/>) and PUTs the bytes to the slot's put URL with the connector runtime's
// HTTP client (with the headers the slot names that XEP-0363 allows: Authorization,
// Cookie, Expires). What goes out is the slot's get URL.
//
// Everything here runs on the XMPP connector's thread: the stanzas go out through the
// `Send` the connector gives, the answers come in through on_iq(), the HTTP completions
// through the connector's task queue.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/types.hpp"

typedef struct _xmpp_stanza_t xmpp_stanza_t;
typedef struct _xmpp_ctx_t xmpp_ctx_t;

namespace twintrack::connectors::runtime {
class HttpClient;
}

namespace twintrack::connectors::xmpp {

constexpr const char* kHttpUploadNs = "urn:xmpp:http:upload:0";

/// What uploading a post's attachments came to.
struct Uploaded {
    /// A passing failure (no answer, the server busy, a 5xx or timeout on the PUT, the
    /// link lost): nothing of the post should go; the outbox sends it again. `why` says it.
    bool temporary = false;
    std::string why;
    /// Per attachment, in order: its get URL when uploaded, else "" (left out for good:
    /// over the service's max-file-size, refused, no upload service; logged).
    std::vector<std::string> urls;
    /// Per attachment: why it was left out ("" when uploaded).
    std::vector<std::string> refused;
};

/// The upload service as discovery found it.
struct UploadService {
    std::string jid;             ///< "" when the server has none
    std::uint64_t max_size = 0;  ///< max-file-size; 0 when the service names none
};

class HttpUpload {
  public:
    /// Sends a stanza on the current link; false when there is none.
    using Send = std::function<bool(xmpp_stanza_t*)>;
    using Done = std::function<void(Uploaded)>;
    /// Called when discovery ends (found or not), with the service.
    using Found = std::function<void(const UploadService&)>;

    explicit HttpUpload(std::string name) : name_(std::move(name)) {}

    /// Before anything else, on the connector's thread: its libstrophe context, how to
    /// send, the HTTP client for the PUTs (may be null: every upload then fails for good)
    /// and who hears of the service found.
    void use(xmpp_ctx_t* ctx, Send send, runtime::HttpClient* http, Found found);

    /// After a sign-in: asks `domain` for its items and every item (and the domain itself)
    /// for its features. Uploads asked for meanwhile wait for the answer.
    void discover(const std::string& domain);
    /// An <iq type='result'|'error'> from the server: true when it answered a question of
    /// this uploader (then handled).
    bool on_iq(xmpp_stanza_t* iq);
    /// The link went away: questions still open fail as temporary.
    void reset(const std::string& why);
    /// Questions open longer than `wait` fail as temporary.
    void tick(std::chrono::steady_clock::time_point now);

    /// Uploads `files` one after the other; `done` runs once, on the connector's thread.
    void upload(const std::vector<core::Attachment>& files, Done done);

    /// How long a question (a disco or slot request) may stay unanswered.
    std::chrono::milliseconds wait{30000};

  private:
    enum class State { unknown, asking, known };
    struct Job;
    using Answer = std::function<void(xmpp_stanza_t* iq, const std::string& error)>;

    void ask(const std::string& to, xmpp_stanza_t* iq, Answer answer);
    void on_items(xmpp_stanza_t* iq, const std::string& domain);
    void on_info(const std::string& jid, xmpp_stanza_t* iq);
    void discovery_done();
    void next_file(const std::shared_ptr<Job>& job);
    void put(const std::shared_ptr<Job>& job, const std::string& put_url,
             std::vector<std::pair<std::string, std::string>> headers, const std::string& get_url);
    void left_out(const std::shared_ptr<Job>& job, const std::string& why);

    struct Question {
        Answer answer;
        std::chrono::steady_clock::time_point since;
        std::string to;  ///< the JID asked: only it may answer
    };

    std::string name_;
    xmpp_ctx_t* ctx_ = nullptr;
    Send send_;
    runtime::HttpClient* http_ = nullptr;
    Found found_;
    State state_ = State::unknown;
    UploadService service_;
    std::string domain_;                            ///< the account's domain, asked
    bool unanswered_ = false;                       ///< a disco question got no answer
    std::vector<std::string> candidates_;           ///< the domain, then its items, in order
    std::map<std::string, UploadService> answers_;  ///< disco#info answers with the feature
    int open_infos_ = 0;
    std::vector<std::function<void()>> waiting_;  ///< uploads waiting for discovery
    std::map<std::string, Question> questions_;   ///< by iq id
};

}  // namespace twintrack::connectors::xmpp
