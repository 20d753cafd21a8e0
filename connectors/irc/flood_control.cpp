#include "connectors/irc/flood_control.hpp"

#include <algorithm>
#include <cmath>

namespace twintrack::connectors::irc {

TokenBucket::TokenBucket(double burst, double per_second, Time now)
    : burst_(std::max(1.0, burst)), rate_(per_second), tokens_(burst_), last_(now) {}

void TokenBucket::refill(Time now) {
    if (now <= last_) return;
    const double seconds = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + seconds * rate_);
    last_ = now;
}

bool TokenBucket::try_take(Time now) {
    if (unlimited()) return true;
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

TokenBucket::Duration TokenBucket::wait(Time now) {
    if (unlimited()) return Duration::zero();
    refill(now);
    if (tokens_ >= 1.0) return Duration::zero();
    const double seconds = (1.0 - tokens_) / rate_;
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds)) +
           Duration(1);
}

}  // namespace twintrack::connectors::irc
