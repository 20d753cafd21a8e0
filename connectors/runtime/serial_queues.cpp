#include "connectors/runtime/serial_queues.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace twintrack::connectors::runtime {

void read_send_limits(core::SectionReader& section, SendLimits& limits) {
    const YAML::Node node = section.node("rate_limit");
    if (!node.IsDefined() || node.IsNull()) return;
    core::SectionReader r(node, section.path() + ".rate_limit", section.errors());
    if (!r.valid()) return;
    auto rate = [&r](const char* key, int& into) {
        if (auto n = r.integer(key, 0, 100000)) into = static_cast<int>(*n);
    };
    rate("per_second", limits.per_second);
    rate("per_minute", limits.per_minute);
    rate("per_conversation_per_second", limits.per_conversation_per_second);
    rate("per_conversation_per_minute", limits.per_conversation_per_minute);
    if (auto n = r.integer("queue", 1, 1000000)) limits.queue = static_cast<std::size_t>(*n);
    r.finish();
}

namespace {

std::vector<RateLimiter::Rule> rules(int per_second, int per_minute) {
    std::vector<RateLimiter::Rule> out;
    if (per_second > 0) out.push_back({per_second, std::chrono::seconds(1)});
    if (per_minute > 0) out.push_back({per_minute, std::chrono::minutes(1)});
    return out;
}

}  // namespace

SerialQueues::SerialQueues(Later later, SendLimits limits, const core::Clock* clock, Now now)
    : later_(std::move(later)),
      limits_(limits),
      clock_(clock),
      now_(now ? std::move(now) : [] { return std::chrono::steady_clock::now(); }),
      all_(rules(limits.per_second, limits.per_minute)) {}

RateLimiter SerialQueues::conversation_limiter() const {
    return RateLimiter(
        rules(limits_.per_conversation_per_second, limits_.per_conversation_per_minute));
}

void SerialQueues::push(const std::string& key, Job job) {
    // Conversations idle for longer than their windows are forgotten now and then.
    if (++pushes_ % 256 == 0) sweep(now_());
    auto it = queues_.find(key);
    if (it == queues_.end()) {
        it = queues_.emplace(key, Queue{}).first;
        it->second.limiter = conversation_limiter();
    }
    it->second.waiting.push_back(std::move(job));
    next(key);
}

void SerialQueues::pause(const std::string& key, std::chrono::milliseconds wait) {
    auto it = queues_.find(key);
    if (it == queues_.end()) {
        it = queues_.emplace(key, Queue{}).first;
        it->second.limiter = conversation_limiter();
    }
    Queue& q = it->second;
    const auto until = now_() + wait;
    if (until > q.paused_until) q.paused_until = until;
}

void SerialQueues::pause_all(std::chrono::milliseconds wait) { all_.pause_until(now_() + wait); }

bool SerialQueues::full() const { return limits_.queue > 0 && pending() >= limits_.queue; }

core::SendResult SerialQueues::overflow(const std::string& who) const {
    core::SendResult r;
    r.ok = false;
    r.retryable = true;
    const std::size_t waiting = pending();
    r.error = std::to_string(waiting) + " posts are waiting to go out; the post to " + who +
              " is kept and sent later";
    if (clock_ != nullptr) {
        // About the time the queue takes to drain at the connector's rate (at least 1 s,
        // at most a minute); without a rate, 5 s.
        std::chrono::milliseconds hold(5000);
        if (limits_.per_second > 0) {
            hold = std::chrono::milliseconds(static_cast<long long>(waiting) * 1000 /
                                             limits_.per_second);
        } else if (limits_.per_minute > 0) {
            hold = std::chrono::milliseconds(static_cast<long long>(waiting) * 60000 /
                                             limits_.per_minute);
        }
        hold = std::clamp(hold, std::chrono::milliseconds(1000), std::chrono::milliseconds(60000));
        r.held_until_ms = core::to_millis(clock_->now()) + hold.count();
    }
    return r;
}

void SerialQueues::sweep(std::chrono::steady_clock::time_point now) {
    for (auto it = queues_.begin(); it != queues_.end();) {
        const Queue& q = it->second;
        if (!q.running && !q.timer && q.waiting.empty() && now >= q.paused_until &&
            q.limiter.idle(now)) {
            it = queues_.erase(it);
        } else {
            ++it;
        }
    }
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

std::vector<SerialQueues::Job> SerialQueues::take_waiting(const std::string& key) {
    std::vector<Job> out;
    auto it = queues_.find(key);
    if (it == queues_.end()) return out;
    for (auto& job : it->second.waiting) out.push_back(std::move(job));
    it->second.waiting.clear();
    return out;
}

void SerialQueues::next(const std::string& key) {
    if (starting_.count(key) != 0) {
        again_.insert(key);  // called from the job being started: the loop below goes on
        return;
    }
    starting_.insert(key);
    struct Done {
        SerialQueues& q;
        const std::string& key;
        ~Done() {
            q.starting_.erase(key);
            q.again_.erase(key);
        }
    } done{*this, key};
    do {
        again_.erase(key);
        start_next(key);
    } while (again_.count(key) != 0);
}

void SerialQueues::start_next(const std::string& key) {
    auto it = queues_.find(key);
    if (it == queues_.end()) return;
    Queue& q = it->second;
    if (q.running || q.timer) return;
    const auto now = now_();
    if (q.waiting.empty()) {
        if (now >= q.paused_until && q.limiter.idle(now)) queues_.erase(it);
        return;
    }
    // The pause of the conversation, of the whole connector, and the rate windows.
    const auto at = std::max({q.paused_until, q.limiter.next_allowed(now), all_.next_allowed(now)});
    if (now < at) {
        q.timer = true;
        later_(std::chrono::duration_cast<std::chrono::milliseconds>(at - now) +
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
    q.limiter.record(now);
    all_.record(now);
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
                std::chrono::milliseconds max, bool whole_connector) {
    job.waited += wait;
    queues.pause(job.key, wait);
    if (whole_connector) queues.pause_all(wait);
    return job.waited <= max;
}

void finish_post(PostJob& job, core::SendResult result, const std::string& log_prefix) {
    if (!result.ok && !job.quiet) {
        spdlog::warn("{}: post to {} failed: {}", log_prefix, job.post.to.channel, result.error);
    }
    finish_post(job, std::move(result));
}

}  // namespace twintrack::connectors::runtime
