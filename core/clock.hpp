#pragma once
// Anything that reads "now" takes a Clock& so that tests can move time.

#include <atomic>

#include "core/types.hpp"

namespace twintrack::core {

class Clock {
  public:
    virtual ~Clock() = default;
    /// The current time in UTC.
    virtual Timestamp now() const = 0;
};

/// The wall clock.
class SystemClock final : public Clock {
  public:
    Timestamp now() const override {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now());
    }
};

/// A clock that only moves when told to. Safe to read from any thread.
class FakeClock final : public Clock {
  public:
    explicit FakeClock(Timestamp start) : ms_(to_millis(start)) {}
    Timestamp now() const override { return from_millis(ms_.load()); }
    void set(Timestamp t) { ms_.store(to_millis(t)); }
    void advance(std::chrono::milliseconds d) { ms_.fetch_add(d.count()); }

  private:
    std::atomic<std::int64_t> ms_;
};

}  // namespace twintrack::core
