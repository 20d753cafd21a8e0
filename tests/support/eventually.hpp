#pragma once
// Waiting for a condition a test cannot be told about (another thread, another process).

#include <chrono>
#include <thread>

namespace twintrack::test_support {

/// Checks `done` every 10 ms until it holds (true) or `timeout` has passed (false).
template <class Condition>
bool eventually(Condition&& done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
}

}  // namespace twintrack::test_support
