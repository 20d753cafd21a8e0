#pragma once
// The sender every Web-API connector's posts go through. It keeps the posts to one
// conversation in order: jobs with the same key run one at a time, in the order they
// were pushed; different keys do not wait for each other. With SendLimits it also keeps
// under the platform's rates before the platform has to say "too fast" (sliding windows
// for the whole connector and for each conversation, see rate_limiter.hpp) and bounds how
// many posts may wait (a post that does not fit goes back to the outbox, held, never
// dropped). A key can be paused (a platform's 429 Retry-After), or every key at once
// (a limit per app or per method): the next job starts only when the pause is over.
// Not thread-safe: use it on the connector's own thread only.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "connectors/runtime/rate_limiter.hpp"
#include "core/clock.hpp"
#include "core/types.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::runtime {

/// A connector's sending limits (`rate_limit:` in its config section). 0 = no limit.
struct SendLimits {
    int per_second = 0;                   ///< posts a second, the whole connector
    int per_minute = 0;                   ///< posts a minute, the whole connector
    int per_conversation_per_second = 0;  ///< posts a second to one conversation
    int per_conversation_per_minute = 0;  ///< posts a minute to one conversation
    std::size_t queue = 1000;             ///< posts waiting or going out at most
};

/// Reads `rate_limit: {per_second, per_minute, per_conversation_per_second,
/// per_conversation_per_minute, queue}` of a connector section over the platform's
/// defaults in `limits`; a bad value is a config error with its file and line.
void read_send_limits(core::SectionReader& section, SendLimits& limits);

class SerialQueues {
  public:
    /// A job gets `finished`, to call exactly once (at once or later) when it is done.
    using Job = std::function<void(std::function<void()> finished)>;
    /// Runs `f` after `delay` on the same thread as the queues (e.g. an asio timer).
    using Later = std::function<void(std::chrono::milliseconds delay, std::function<void()> f)>;
    /// The steady clock (replaced in tests).
    using Now = std::function<std::chrono::steady_clock::time_point()>;

    /// No limits, no bound: keeps order only (e.g. incoming events by channel).
    explicit SerialQueues(Later later)
        : SerialQueues(std::move(later), SendLimits{0, 0, 0, 0, 0}) {}
    /// A sender: `limits` apply to every job started; `clock` (optional) dates the hold
    /// of a post refused because the queue is full.
    SerialQueues(Later later, SendLimits limits, const core::Clock* clock = nullptr,
                 Now now = nullptr);

    /// Queues `job` under `key`; it starts now when nothing runs or waits under it and
    /// the limits allow.
    void push(const std::string& key, Job job);
    /// No job of `key` starts before `wait` from now (the running one is not disturbed).
    void pause(const std::string& key, std::chrono::milliseconds wait);
    /// No job of any key starts before `wait` from now (a limit of the whole app or
    /// method); the order within each key is kept.
    void pause_all(std::chrono::milliseconds wait);
    /// True when `limits.queue` jobs wait or run already (a new post does not fit).
    bool full() const;
    /// The answer to a post that does not fit: retryable and held (by `clock`) for about
    /// the time the queue needs to drain, so the outbox keeps it without using up an
    /// attempt.
    core::SendResult overflow(const std::string& who) const;
    const SendLimits& limits() const { return limits_; }
    /// Jobs of `key` waiting or running.
    std::size_t pending(const std::string& key) const;
    /// Jobs waiting or running under all keys.
    std::size_t pending() const;
    /// Drops every waiting job without running it, returning them (to fail them).
    std::vector<Job> take_waiting();
    /// Drops the jobs waiting under `key` (not the one running) without running them,
    /// returning them in order (e.g. the posts behind one that failed, to fail them too).
    std::vector<Job> take_waiting(const std::string& key);

  private:
    struct Queue {
        std::deque<Job> waiting;
        bool running = false;
        bool timer = false;  ///< a start is scheduled for after a pause
        std::chrono::steady_clock::time_point paused_until{};
        unsigned long long generation = 0;
        RateLimiter limiter;  ///< the conversation's windows
    };
    /// Starts the conversation's next job when it may; a job that finishes inside its own
    /// start (a platform that answers at once) has the following one started by the same
    /// call, in a loop, so a long backlog does not deepen the stack.
    void next(const std::string& key);
    void start_next(const std::string& key);
    RateLimiter conversation_limiter() const;
    void sweep(std::chrono::steady_clock::time_point now);

    Later later_;
    SendLimits limits_;
    const core::Clock* clock_ = nullptr;
    Now now_;
    RateLimiter all_;  ///< the connector's windows and whole-connector pauses
    std::map<std::string, Queue> queues_;
    std::size_t pushes_ = 0;
    std::set<std::string> starting_;  ///< conversations inside next()
    std::set<std::string> again_;     ///< ... whose job finished there: start the next one
};

/// A post on its way out through a connector's SerialQueues: what every platform's send
/// job holds (a platform adds its own steps' state by deriving from it).
struct PostJob {
    core::Post post;
    core::SendDone done;
    std::string channel;                  ///< the resolved conversation id
    std::vector<std::string> pieces;      ///< the text split to the platform's limit
    std::size_t next = 0;                 ///< the piece to send next
    std::string first_id;                 ///< the platform's id of the first piece sent
    std::chrono::milliseconds waited{0};  ///< time spent waiting out rate limits
    std::string key;                      ///< the conversation's queue
    std::function<void()> finished;       ///< lets the next post to the conversation start
    bool quiet = false;                   ///< its failure was logged already or is not one
};

/// Queues `job` behind the earlier posts to its conversation (`post.to.channel`);
/// `start(job)` runs when its turn comes.
template <class Job>
void queue_post(SerialQueues& queues, std::shared_ptr<Job> job,
                std::function<void(const std::shared_ptr<Job>&)> start) {
    job->key = job->post.to.channel;
    const std::string key = job->key;
    queues.push(key, [job, start = std::move(start)](std::function<void()> finished) {
        job->finished = std::move(finished);
        start(job);
    });
}

/// A new job of type `Job` (a PostJob) for `post`, queued behind the earlier posts to its
/// conversation; `start(job)` runs when its turn comes. When the queue is full, `done`
/// gets SerialQueues::overflow at once (the outbox keeps the post and tries later).
template <class Job>
void queue_new_post(SerialQueues& queues, const core::Post& post, core::SendDone done,
                    std::function<void(const std::shared_ptr<Job>&)> start) {
    if (queues.full()) {
        done(queues.overflow(post.to.channel));
        return;
    }
    auto job = std::make_shared<Job>();
    job->post = post;
    job->done = std::move(done);
    queue_post<Job>(queues, std::move(job), std::move(start));
}

/// A rate-limit or busy answer to `job`: its conversation waits `wait` (the posts behind
/// it too) and the post counts the wait. False once the post has waited more than `max`
/// in all: the caller then fails it, retryable, and the outbox sends it again later.
/// `whole_connector`: the platform's limit is per app or per method, so every
/// conversation waits (each keeps its order).
bool pause_post(SerialQueues& queues, PostJob& job, std::chrono::milliseconds wait,
                std::chrono::milliseconds max, bool whole_connector = false);

/// Hands the outcome to whoever sent the post, then lets the next post of its conversation
/// start (each at most once).
void finish_post(PostJob& job, core::SendResult result);
/// The same, first logging a failure that is not `quiet` as "LOG_PREFIX: post to CHANNEL
/// failed: ERROR".
void finish_post(PostJob& job, core::SendResult result, const std::string& log_prefix);

}  // namespace twintrack::connectors::runtime
