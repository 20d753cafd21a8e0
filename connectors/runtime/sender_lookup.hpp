#pragma once
// Who wrote: a sender's profile from their platform's user-info API (DingTalk
// topapi/v2/user/get, Feishu contact/v3/users/:id, WeCom user/get), for the directory to
// recognise them by the email their platform vouches for (`directory.match_by_email`)
// and, where the event names nobody, to show their name. The platform's call is the
// connector's (`Fetch`); this keeps what it learnt:
// - each sender is asked once: the answer is remembered for `ttl` (a changed address is
//   seen then), at most `capacity` senders, the least recently seen forgotten first, so a
//   busy conversation does not call the API for every message;
// - a lookup that failed (timeout, HTTP 5xx or 429, an error code, no permission) loses
//   nothing: the event goes on as from an unknown sender, and the sender is asked again
//   with a later message, no sooner than `retry` (or the platform's Retry-After);
// - several events of one sender waiting at once share one call;
// - the events of one conversation reach the bot in the order they came (SerialQueues
//   keyed by the conversation); other conversations do not wait.
// Not thread-safe: use it on the connector's own thread only.

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/runtime/http_client.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "core/types.hpp"

namespace twintrack::connectors::runtime {

/// What a platform's user-info API answered about one sender.
struct SenderInfo {
    enum class Outcome {
        found,    ///< answered: `name` and `email` as far as the app may see them
        unknown,  ///< no such user (or none the app may ask about): remembered as such
        failed,   ///< no usable answer: the event goes on, the sender is asked again later
    };
    Outcome outcome = Outcome::failed;
    std::string name;   ///< "" when the platform gave none (the event's own name stays)
    std::string email;  ///< only an address the platform vouches for; "" when none
    std::chrono::milliseconds retry_after{0};  ///< failed: the platform's own wait, if any
};

/// How much a SenderLookup remembers and for how long.
struct SenderLookupLimits {
    std::size_t capacity = 5000;                               ///< senders remembered
    std::chrono::milliseconds ttl{std::chrono::hours(12)};     ///< an answer is asked again after
    std::chrono::milliseconds retry{std::chrono::minutes(1)};  ///< after a failed lookup
};

class SenderLookup {
  public:
    /// Asks the platform about `user`; `done` runs once, on the connector's thread.
    using Fetch =
        std::function<void(const std::string& user, std::function<void(SenderInfo)> done)>;
    using Now = std::function<std::chrono::steady_clock::time_point()>;

    /// `later` as SerialQueues wants it (the connector's timers); `now`: the steady clock
    /// (replaced in tests).
    SenderLookup(SerialQueues::Later later, Fetch fetch, SenderLookupLimits limits = {},
                 Now now = nullptr);

    /// Hands `event` to `push` with what is known of its sender (`who.user_id`):
    /// `who.email` and, when the platform gave a name, `who.display`. At once when the
    /// sender is remembered (or was asked lately without answer), else after one call.
    void deliver(core::Event event, std::function<void(core::Event)> push);

    /// Calls made to the platform so far.
    unsigned long long fetches() const { return fetches_; }
    /// Senders remembered now (never more than the capacity).
    std::size_t size() const { return entries_.size(); }

  private:
    struct Entry {
        bool answered = false;  ///< `info` holds an answer (found or unknown)
        SenderInfo info;
        std::chrono::steady_clock::time_point fresh_until{};
        std::chrono::steady_clock::time_point retry_at{};  ///< no call before (after failing)
        std::list<std::string>::iterator order;
    };
    using Then = std::function<void(const SenderInfo&)>;

    void look_up(const std::string& user, Then then);
    void answered(const std::string& user, SenderInfo info);
    Entry& entry(const std::string& user);

    SerialQueues inbound_;  ///< events waiting for their sender, by conversation
    Fetch fetch_;
    SenderLookupLimits limits_;
    Now now_;
    std::unordered_map<std::string, Entry> entries_;
    std::list<std::string> order_;                                ///< most recently used first
    std::unordered_map<std::string, std::vector<Then>> waiting_;  ///< calls under way
    unsigned long long fetches_ = 0;
};

/// `text` with every occurrence of `secret` (e.g. an access token a URL carries) replaced
/// by ***; `text` itself when `secret` is empty.
std::string masked(std::string text, const std::string& secret);

/// Why a user-info call with an errcode answer failed, for the log: the transport error
/// `redacted` with `token` masked (the URL carries it), "errcode N ERRMSG", or "HTTP N";
/// sets `info.retry_after` from a rate-limited answer.
std::string lookup_failure(const Result& r, const std::string& redacted, const std::string& token,
                           long long errcode, const std::string& errmsg, SenderInfo& info);

}  // namespace twintrack::connectors::runtime
