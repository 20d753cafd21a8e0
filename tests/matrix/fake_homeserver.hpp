#pragma once
// A fake Matrix homeserver for tests, written from the Client-Server API specification
// (v3): password login, whoami, /sync long-polls with `since` over a scripted log of room
// events (invites, m.direct, member counts, limited timelines), sending messages with
// transaction ids (a repeated txnId answers the first event again, as the spec asks),
// relations (a thread may not start at an event that has a rel_type itself: 400
// M_UNKNOWN), redactions (PUT .../redact/{eventId}/{txnId}: an m.room.redaction in the
// timeline, the redacted event's content emptied, 404 M_NOT_FOUND for an unknown event),
// the media repository's upload and authenticated download (GET
// /_matrix/client/v1/media/download/{serverName}/{mediaId}, Matrix 1.11), joins, room aliases and
// createRoom. Real HTTP/1.1 with keep-alive on a loopback port, one thread per connection. Failure
// paths on demand: a send whose connection is dropped after it was handled, M_LIMIT_EXCEEDED with
// retry_after_ms, tokens that expire (M_UNKNOWN_TOKEN), a restart on the same port.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace twintrack::matrix_test {

using json = nlohmann::json;
using namespace std::chrono_literals;

/// A request the fake received.
struct Call {
    std::string method;
    std::string path;  ///< decoded, without the query
    std::map<std::string, std::string> query;
    std::string authorization;
    std::string content_type;
    std::string body;
    std::chrono::steady_clock::time_point at;
};

/// A message sent through PUT .../send/m.room.message/{txnId}.
struct Sent {
    std::string room;
    std::string txn;
    std::string event_id;
    json content;
    bool repeat = false;  ///< the txnId was seen before: no new event
    std::chrono::steady_clock::time_point at;
};

/// A redaction through PUT .../redact/{eventId}/{txnId}.
struct Redaction {
    std::string room;
    std::string redacts;  ///< the event redacted
    std::string txn;
    std::string event_id;  ///< the m.room.redaction event's
    json content;          ///< the request's body ({"reason"?})
    bool repeat = false;   ///< the txnId was seen before: no new event
    std::chrono::steady_clock::time_point at;
};

struct Upload {
    std::string filename;
    std::string content_type;
    std::string data;
    std::string content_uri;
};

class FakeHomeserver {
  public:
    static constexpr const char* bot = "@tt:fake";
    static constexpr const char* bot_password = "bot-password-1";

    FakeHomeserver();   ///< listens on 127.0.0.1, a free port
    ~FakeHomeserver();  ///< stop()
    FakeHomeserver(const FakeHomeserver&) = delete;
    FakeHomeserver& operator=(const FakeHomeserver&) = delete;

    int port() const { return port_; }
    std::string url() const;

    /// Closes every connection (long-polls included) and stops listening; the scripted
    /// state stays. start() listens again on the same port.
    void stop();
    void start();

    // --- script ------------------------------------------------------------------------
    /// An access token valid for the bot (as an admin would create one).
    void add_token(const std::string& token);
    /// Every token given so far answers M_UNKNOWN_TOKEN from now on.
    void expire_tokens();
    void add_alias(const std::string& alias, const std::string& room);
    /// Appends a timeline event; returns its event_id (given or made up).
    std::string push_message(const std::string& room, const std::string& sender,
                             const json& content, std::string event_id = "");
    /// Appends an event as it is (the same event_id twice: a duplicate).
    void push_event(const std::string& room, const json& event);
    /// Where an m.room.redaction names the event it redacts: in its content (room
    /// version 11), at the event's top level (room versions before 11), or both (how
    /// servers serve version 11 events, for older clients).
    enum class RedactsIn { content, top_level, both };
    /// `sender` redacts `event_id` (an m.room.redaction in the timeline); returns the
    /// redaction's event id.
    std::string push_redaction(const std::string& room, const std::string& sender,
                               const std::string& event_id, RedactsIn in = RedactsIn::both);
    /// A file in the media repository, as a person's client uploads it; returns its
    /// mxc:// URI.
    std::string add_media(const std::string& filename, const std::string& content_type,
                          const std::string& data);
    /// The next sync that carries `room` marks its timeline limited (a gap).
    void push_gap(const std::string& room);
    void push_invite(const std::string& room, const std::string& inviter, bool direct);
    /// m.direct account data: `user`'s direct chat with the bot is `room`.
    void set_direct(const std::string& user, const std::string& room);
    /// The next sync that carries `room` says it has `n` joined members (summary).
    void set_members(const std::string& room, int n);
    /// The next `n` sends are handled, then their connection is closed without an answer.
    void drop_sends(int n);
    /// The next `n` sends (messages and redactions) are answered 429 M_LIMIT_EXCEEDED
    /// with retry_after_ms.
    void limit_sends(int n, int retry_after_ms);

    // --- what happened -----------------------------------------------------------------
    std::vector<Call> calls(const std::string& path_prefix) const;
    std::vector<Sent> sent() const;
    std::vector<Redaction> redactions() const;
    /// Waits for the n-th (1-based) new redaction (repeats not counted).
    std::optional<Redaction> wait_redaction(std::size_t n = 1,
                                            std::chrono::milliseconds timeout = 15s) const;
    std::vector<Upload> uploads() const;
    std::vector<std::string> joined() const;
    int logins() const;
    /// Long-polls waiting for events now.
    int waiting_polls() const;
    /// Waits until `pred` holds (checked on every change); false after `timeout`.
    bool wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 15s) const;
    /// Waits for the n-th (1-based) new message sent (repeats not counted).
    std::optional<Sent> wait_sent(std::size_t n = 1, std::chrono::milliseconds timeout = 15s) const;

    struct Answer {
        int status = 200;
        json body;
        bool drop = false;
        std::string raw = {};       ///< sent as it is (a download) when raw_type is set
        std::string raw_type = {};  ///< its Content-Type; empty: `body` is sent as JSON
    };

  private:
    struct Entry {
        std::string kind;  ///< event, gap, invite, direct, members
        std::string room;
        json data;
    };
    void accept_loop();
    void serve(std::shared_ptr<void> socket);
    Answer handle(const Call& call, std::unique_lock<std::mutex>& lock);
    Answer sync(const Call& call, std::unique_lock<std::mutex>& lock);
    Answer redact(const Call& call);
    /// The timeline event `event_id` of `room` in the log, else null.
    json* find_event(const std::string& room, const std::string& event_id);
    bool authorized(const Call& call) const;

    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    int port_ = 0;
    bool stopping_ = false;
    struct Net;
    std::unique_ptr<Net> net_;

    std::set<std::string> tokens_;
    int token_count_ = 0;
    std::map<std::string, std::string> aliases_;
    std::vector<Entry> log_;
    json direct_content_ = json::object();
    std::map<std::string, std::string> txns_;  ///< user + txn → event id
    int drop_sends_ = 0;
    int limit_sends_ = 0;
    int retry_after_ms_ = 0;
    int next_event_ = 1;
    int logins_ = 0;
    int waiting_ = 0;
    int rooms_made_ = 0;
    std::vector<Call> calls_;
    std::vector<Sent> sent_;
    std::vector<Redaction> redactions_;
    std::vector<Upload> uploads_;
    std::vector<Upload> media_;  ///< add_media()
    std::vector<std::string> joined_;
};

}  // namespace twintrack::matrix_test
