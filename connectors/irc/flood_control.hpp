#pragma once
// A token bucket for outgoing lines: `burst` lines at once, then `per_second`. Pure: the
// caller passes the time, so tests can move it.

#include <chrono>

namespace twintrack::connectors::irc {

class TokenBucket {
  public:
    using Time = std::chrono::steady_clock::time_point;
    using Duration = std::chrono::steady_clock::duration;

    /// `per_second` <= 0 turns flood control off (every take succeeds).
    TokenBucket(double burst, double per_second, Time now);

    /// Takes one token if there is one.
    bool try_take(Time now);
    /// How long until a token is available (zero when one is).
    Duration wait(Time now);
    bool unlimited() const { return rate_ <= 0; }

  private:
    void refill(Time now);
    double burst_;
    double rate_;
    double tokens_;
    Time last_;
};

}  // namespace twintrack::connectors::irc
