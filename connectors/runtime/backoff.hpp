#pragma once
// The reconnect delay every connector uses: starts at `initial`, grows 1.75 times per
// failed attempt up to `max`, each delay jittered by ±20 % so that many bots restarted
// together do not reconnect in step, and back to `initial` only once a connection has
// stayed up for `stable` (a server that accepts and drops at once does not get a
// reconnect loop at the initial rate). Pure: the caller passes the steady time in.
// Not thread-safe: use it on the connector's own thread.

#include <chrono>
#include <random>

namespace twintrack::connectors::runtime {

class Backoff {
  public:
    using Time = std::chrono::steady_clock::time_point;

    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
            std::chrono::milliseconds stable = std::chrono::minutes(1));

    /// A connection is up (handshake done, signed in).
    void connected(Time now);
    /// The connection failed or dropped: the delay before the next attempt.
    std::chrono::milliseconds next_delay(Time now);
    /// The delay the next failure would start from (before jitter), for tests and logs.
    std::chrono::milliseconds current() const { return current_; }

  private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    std::chrono::milliseconds stable_;
    std::chrono::milliseconds current_;
    bool up_ = false;
    Time up_since_{};
    std::minstd_rand rng_;
};

}  // namespace twintrack::connectors::runtime
