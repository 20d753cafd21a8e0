#include "connectors/runtime/backoff.hpp"

#include <algorithm>

namespace twintrack::connectors::runtime {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 std::chrono::milliseconds stable)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      stable_(stable),
      current_(initial_),
      rng_(std::random_device{}()) {}

void Backoff::connected(Time now) {
    up_ = true;
    up_since_ = now;
}

std::chrono::milliseconds Backoff::next_delay(Time now) {
    if (up_ && now - up_since_ >= stable_) current_ = initial_;
    up_ = false;
    const double jitter = std::uniform_real_distribution<double>(0.8, 1.2)(rng_);
    const auto delay = std::min(max_, std::chrono::milliseconds(static_cast<long long>(
                                          static_cast<double>(current_.count()) * jitter)));
    current_ = std::min(max_, std::chrono::milliseconds(static_cast<long long>(
                                  static_cast<double>(current_.count()) * 1.75)));
    return std::max(delay, std::chrono::milliseconds(1));
}

}  // namespace twintrack::connectors::runtime
