#include "connectors/runtime/rate_limiter.hpp"

#include <algorithm>

namespace twintrack::connectors::runtime {

RateLimiter::RateLimiter(std::vector<Rule> rules) : rules_(std::move(rules)) {
    rules_.erase(
        std::remove_if(rules_.begin(), rules_.end(), [](const Rule& r) { return r.count <= 0; }),
        rules_.end());
}

RateLimiter::Clock::time_point RateLimiter::next_allowed(Clock::time_point now) const {
    Clock::time_point at = std::max(now, paused_until_);
    for (const Rule& rule : rules_) {
        const auto n = static_cast<std::size_t>(rule.count);
        if (sent_.size() < n) continue;
        // The send `count` places back must have left the window.
        const Clock::time_point oldest = sent_[sent_.size() - n];
        at = std::max(at, oldest + rule.window);
    }
    return at;
}

void RateLimiter::record(Clock::time_point at) {
    sent_.push_back(at);
    std::size_t keep = 0;
    for (const Rule& rule : rules_) keep = std::max(keep, static_cast<std::size_t>(rule.count));
    while (sent_.size() > keep) sent_.pop_front();
}

bool RateLimiter::idle(Clock::time_point now) const {
    if (now < paused_until_) return false;
    if (sent_.empty()) return true;
    Clock::duration longest{};
    for (const Rule& rule : rules_) longest = std::max(longest, rule.window);
    return sent_.back() + longest <= now;
}

void RateLimiter::pause_until(Clock::time_point until) {
    paused_until_ = std::max(paused_until_, until);
}

}  // namespace twintrack::connectors::runtime
