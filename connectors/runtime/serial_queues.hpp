#pragma once
// Keeps the posts to one conversation in order: jobs with the same key run one at a time,
// in the order they were pushed; different keys do not wait for each other. A key can be
// paused (a platform's 429 Retry-After): its next job starts only when the pause is over.
// Not thread-safe: use it on the connector's own thread only.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/types.hpp"

namespace twintrack::connectors::runtime {

class SerialQueues {
  public:
    /// A job gets `finished`, to call exactly once (at once or later) when it is done.
    using Job = std::function<void(std::function<void()> finished)>;
    /// Runs `f` after `delay` on the same thread as the queues (e.g. an asio timer).
    using Later = std::function<void(std::chrono::milliseconds delay, std::function<void()> f)>;

    explicit SerialQueues(Later later) : later_(std::move(later)) {}

    /// Queues `job` under `key`; it starts now when nothing runs or waits under it.
    void push(const std::string& key, Job job);
    /// No job of `key` starts before `wait` from now (the running one is not disturbed).
    void pause(const std::string& key, std::chrono::milliseconds wait);
    /// Jobs of `key` waiting or running.
    std::size_t pending(const std::string& key) const;
    /// Jobs waiting or running under all keys.
    std::size_t pending() const;
    /// Drops every waiting job without running it, returning them (to fail them).
    std::vector<Job> take_waiting();

  private:
    struct Queue {
        std::deque<Job> waiting;
        bool running = false;
        bool timer = false;  ///< a start is scheduled for after a pause
        std::chrono::steady_clock::time_point paused_until{};
        unsigned long long generation = 0;
    };
    void next(const std::string& key);

    Later later_;
    std::map<std::string, Queue> queues_;
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
/// conversation; `start(job)` runs when its turn comes.
template <class Job>
void queue_new_post(SerialQueues& queues, const core::Post& post, core::SendDone done,
                    std::function<void(const std::shared_ptr<Job>&)> start) {
    auto job = std::make_shared<Job>();
    job->post = post;
    job->done = std::move(done);
    queue_post<Job>(queues, std::move(job), std::move(start));
}

/// A rate-limit or busy answer to `job`: its conversation waits `wait` (the posts behind
/// it too) and the post counts the wait. False once the post has waited more than `max`
/// in all: the caller then fails it, retryable, and the outbox sends it again later.
bool pause_post(SerialQueues& queues, PostJob& job, std::chrono::milliseconds wait,
                std::chrono::milliseconds max);

/// Hands the outcome to whoever sent the post, then lets the next post of its conversation
/// start (each at most once).
void finish_post(PostJob& job, core::SendResult result);
/// The same, first logging a failure that is not `quiet` as "LOG_PREFIX: post to CHANNEL
/// failed: ERROR".
void finish_post(PostJob& job, core::SendResult result, const std::string& log_prefix);

}  // namespace twintrack::connectors::runtime
