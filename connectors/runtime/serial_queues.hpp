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
#include <string>

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

}  // namespace twintrack::connectors::runtime
