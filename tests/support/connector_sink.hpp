#pragma once
// What the tests of chat connectors share: an EventSink that collects events for a test
// thread to wait on, and a log capture to check what was logged.

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace twintrack::test_support {

class CollectingSink : public core::EventSink {
  public:
    void push(core::Event event) override {
        std::lock_guard<std::mutex> lock(mu_);
        events_.push_back(std::move(event));
        cv_.notify_all();
    }
    /// The first event not yet taken that matches; nothing after `timeout`.
    std::optional<core::Event> wait_for(
        const std::function<bool(const core::Event&)>& match,
        std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        std::unique_lock<std::mutex> lock(mu_);
        std::optional<core::Event> found;
        cv_.wait_for(lock, timeout, [&] {
            for (auto it = events_.begin(); it != events_.end(); ++it) {
                if (match(*it)) {
                    found = *it;
                    events_.erase(it);
                    return true;
                }
            }
            return false;
        });
        return found;
    }
    std::optional<core::Event> with_text(const std::string& text) {
        return wait_for([&](const core::Event& e) { return e.text == text; });
    }
    /// Events not taken yet.
    std::vector<core::Event> rest() {
        std::lock_guard<std::mutex> lock(mu_);
        return events_;
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<core::Event> events_;
};

/// Captures what the default logger writes while it lives.
class LogCapture {
  public:
    LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(2000)) {
        spdlog::default_logger()->sinks().push_back(sink_);
    }
    ~LogCapture() {
        auto& sinks = spdlog::default_logger()->sinks();
        sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    }
    /// How many captured lines contain `text`.
    int count(const std::string& text) const {
        int n = 0;
        for (const auto& line : sink_->last_formatted()) {
            if (line.find(text) != std::string::npos) ++n;
        }
        return n;
    }

  private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

}  // namespace twintrack::test_support
