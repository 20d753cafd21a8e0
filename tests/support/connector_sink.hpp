#pragma once
// What the tests of chat connectors share: an EventSink that collects events for a test
// thread to wait on, and a log capture to check what was logged.

#include <spdlog/sinks/base_sink.h>
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

/// Where every LogCapture's lines go: one sink added once to the default logger and never
/// removed, so that a capture starting or ending while a connector's thread logs does not
/// change the logger's sink list under it (spdlog does not guard that list).
class CaptureSinks : public spdlog::sinks::base_sink<std::mutex> {
  public:
    static std::shared_ptr<CaptureSinks> installed() {
        static const std::shared_ptr<CaptureSinks> hub = std::make_shared<CaptureSinks>();
        auto& sinks = spdlog::default_logger()->sinks();
        if (std::find(sinks.begin(), sinks.end(), hub) == sinks.end()) sinks.push_back(hub);
        return hub;
    }
    void add(std::shared_ptr<spdlog::sinks::sink> sink) {
        std::lock_guard<std::mutex> lock(mutex_);
        targets_.push_back(std::move(sink));
    }
    void remove(const std::shared_ptr<spdlog::sinks::sink>& sink) {
        std::lock_guard<std::mutex> lock(mutex_);
        targets_.erase(std::remove(targets_.begin(), targets_.end(), sink), targets_.end());
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        for (const auto& t : targets_) t->log(msg);
    }
    void flush_() override {}

  private:
    std::vector<std::shared_ptr<spdlog::sinks::sink>> targets_;
};

/// Captures what is logged while it lives (every thread's lines).
class LogCapture {
  public:
    LogCapture()
        : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(2000)),
          hub_(CaptureSinks::installed()) {
        hub_->add(sink_);
    }
    ~LogCapture() { hub_->remove(sink_); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

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
    std::shared_ptr<CaptureSinks> hub_;
};

}  // namespace twintrack::test_support
