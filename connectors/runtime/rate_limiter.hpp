#pragma once
// A client-side sliding-window limiter: at most `count` sends in any `window` (several
// rules may apply at once, e.g. Feishu's 5 a second and 100 a minute). It never drops:
// it says when the next send may go. Pure; the caller supplies the time.
//
// The platforms state their limits as "N in any window" and some punish a breach hard
// (a DingTalk group robot over 20 a minute is silenced for 10 minutes), so the window is
// kept exactly: a token bucket holding N tokens would let 2N through within one window.

#include <chrono>
#include <deque>
#include <vector>

namespace twintrack::connectors::runtime {

class RateLimiter {
  public:
    using Clock = std::chrono::steady_clock;
    struct Rule {
        int count = 0;
        Clock::duration window{};
    };

    RateLimiter() = default;
    explicit RateLimiter(std::vector<Rule> rules);

    /// The earliest moment a send may start (`now` or later).
    Clock::time_point next_allowed(Clock::time_point now) const;
    /// Records a send that started at `at`.
    void record(Clock::time_point at);
    /// Nothing may start before `until` (the platform said it is throttling us).
    void pause_until(Clock::time_point until);
    /// True when the limiter has rules.
    bool limits() const { return !rules_.empty(); }
    /// True when nothing recorded is within a window of `now` any more (nothing to keep).
    bool idle(Clock::time_point now) const;

  private:
    std::vector<Rule> rules_;
    std::deque<Clock::time_point> sent_;  ///< start times within the longest window
    Clock::time_point paused_until_{};
};

}  // namespace twintrack::connectors::runtime
