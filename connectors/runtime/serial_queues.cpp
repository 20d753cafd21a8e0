#include "connectors/runtime/serial_queues.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

namespace twintrack::connectors::runtime {

void SerialQueues::push(const std::string& key, Job job) {
    queues_[key].waiting.push_back(std::move(job));
    next(key);
}

void SerialQueues::pause(const std::string& key, std::chrono::milliseconds wait) {
    Queue& q = queues_[key];
    const auto until = std::chrono::steady_clock::now() + wait;
    if (until > q.paused_until) q.paused_until = until;
}

std::size_t SerialQueues::pending(const std::string& key) const {
    auto it = queues_.find(key);
    return it == queues_.end() ? 0 : it->second.waiting.size() + (it->second.running ? 1 : 0);
}

std::size_t SerialQueues::pending() const {
    std::size_t n = 0;
    for (const auto& [key, q] : queues_) n += q.waiting.size() + (q.running ? 1 : 0);
    return n;
}

std::vector<SerialQueues::Job> SerialQueues::take_waiting() {
    std::vector<Job> out;
    for (auto& [key, q] : queues_) {
        for (auto& job : q.waiting) out.push_back(std::move(job));
        q.waiting.clear();
    }
    return out;
}

void SerialQueues::next(const std::string& key) {
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    Queue& q = it->second;
    if (q.running || q.timer) return;
    if (q.waiting.empty()) {
        if (std::chrono::steady_clock::now() >= q.paused_until) queues_.erase(it);
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now < q.paused_until) {
        q.timer = true;
        later_(std::chrono::duration_cast<std::chrono::milliseconds>(q.paused_until - now) +
                   std::chrono::milliseconds(1),
               [this, key] {
                   auto again = queues_.find(key);
                   if (again == queues_.end()) return;
                   again->second.timer = false;
                   next(key);
               });
        return;
    }
    Job job = std::move(q.waiting.front());
    q.waiting.pop_front();
    q.running = true;
    const unsigned long long generation = ++q.generation;
    auto called = std::make_shared<bool>(false);
    job([this, key, generation, called] {
        if (*called) return;  // a second call changes nothing
        *called = true;
        auto again = queues_.find(key);
        if (again == queues_.end() || again->second.generation != generation) return;
        again->second.running = false;
        next(key);
    });
}

void finish_post(PostJob& job, core::SendResult result) {
    auto done = std::move(job.done);
    auto finished = std::move(job.finished);
    job.done = nullptr;
    job.finished = nullptr;
    if (done) done(std::move(result));
    if (finished) finished();
}

bool pause_post(SerialQueues& queues, PostJob& job, std::chrono::milliseconds wait,
                std::chrono::milliseconds max) {
    job.waited += wait;
    queues.pause(job.key, wait);
    return job.waited <= max;
}

void finish_post(PostJob& job, core::SendResult result, const std::string& log_prefix) {
    if (!result.ok && !job.quiet) {
        spdlog::warn("{}: post to {} failed: {}", log_prefix, job.post.to.channel, result.error);
    }
    finish_post(job, std::move(result));
}

}  // namespace twintrack::connectors::runtime
