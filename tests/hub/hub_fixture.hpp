#pragma once
// Shared pieces of the hub tests: a temporary folder, an EventSink that records what
// the hub pushes, and a fixture that runs a real hub on a free loopback port.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "connectors/hub/hub_connector.hpp"
#include "core/clock.hpp"
#include "core/source_dir.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"

namespace twintrack::connectors::hub::testing {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::WsClient;

using test_support::TempDir;

/// Records every event; tests wait for the ones they expect.
class RecordingSink final : public core::EventSink {
  public:
    void push(core::Event event) override {
        std::lock_guard<std::mutex> lock(mu_);
        events_.push_back(std::move(event));
        cv_.notify_all();
    }

    /// Records the request and answers from another thread (as the engine does): status
    /// 201, the request echoed back as JSON, and an `X-Echo` header.
    void request(core::ApiRequest request, core::ApiReply reply) override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            requests_.push_back(request);
        }
        std::thread([request = std::move(request), reply = std::move(reply)] {
            json echo = {{"method", request.method}, {"path", request.path},
                         {"query", request.query},   {"headers", request.headers},
                         {"body", request.body},     {"api_token", request.api_token}};
            reply({201, "application/json; charset=utf-8", echo.dump(), {{"X-Echo", "yes"}}});
        }).detach();
    }
    std::size_t request_count() const {
        std::lock_guard<std::mutex> lock(mu_);
        return requests_.size();
    }

    /// The first event (in arrival order) whose text is `text`, waiting up to `timeout`.
    std::optional<core::Event> wait_for_text(const std::string& text,
                                             std::chrono::milliseconds timeout = 5s) {
        std::unique_lock<std::mutex> lock(mu_);
        std::optional<core::Event> found;
        cv_.wait_for(lock, timeout, [&] {
            for (const auto& e : events_) {
                if (e.text == text) {
                    found = e;
                    return true;
                }
            }
            return false;
        });
        return found;
    }

    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mu_);
        return events_.size();
    }

  private:
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<core::Event> events_;
    std::vector<core::ApiRequest> requests_;
};

/// A real hub on 127.0.0.1 with a port picked by the system, a fake clock and a
/// recording sink.
class HubTest : public ::testing::Test {
  protected:
    static constexpr std::int64_t start_ms = 1'700'000'000'000;

    void TearDown() override {
        if (hub_) hub_->stop();
    }

    ConnectorContext context() {
        return {data_dir_.path(), core::source_dir() + "/prompts", &clock_, roster_};
    }

    /// Starts (or restarts, with the same data dir) the hub.
    void start_hub(HubSettings settings = {}) {
        if (hub_) hub_->stop();
        settings.bind = "127.0.0.1";
        settings.port = 0;
        hub_ = make_hub(settings, context());
        hub_->start(sink_);
        port_ = listening_port(*hub_);
        ASSERT_GT(port_, 0);
    }

    /// A socket that connected but has not said hello.
    std::unique_ptr<WsClient> connect() {
        auto ws = std::make_unique<WsClient>();
        ws->connect("127.0.0.1", port_);
        return ws;
    }

    /// A socket signed in as `user`, with the welcome and all history frames consumed.
    /// `history` receives the history frames when not null.
    std::unique_ptr<WsClient> sign_in(const std::string& user, std::vector<json>* history = nullptr,
                                      const std::string& token = "") {
        auto ws = connect();
        json hello = {{"type", "hello"}, {"user", user}};
        if (!token.empty()) hello["token"] = token;
        ws->send_json(hello);
        auto welcome = ws->wait_for_type("welcome");
        EXPECT_TRUE(welcome) << "no welcome for " << user;
        if (!welcome) return ws;
        const std::size_t expected = (*welcome)["channels"].size() + 1;
        for (std::size_t i = 0; i < expected; ++i) {
            auto frame = ws->next_json();
            EXPECT_TRUE(frame && (*frame)["type"] == "history") << "history frame " << i;
            if (frame && history) history->push_back(*frame);
        }
        return ws;
    }

    /// Sends through the connector API and waits for `done`.
    core::SendResult send_post(const std::string& channel, const std::string& text,
                               const std::string& reply_to = "") {
        core::Post post;
        post.to = {"hub", channel, ""};
        post.text = text;
        post.reply_to = reply_to;
        auto result = std::make_shared<std::promise<core::SendResult>>();
        hub_->send(post, [result](core::SendResult r) { result->set_value(std::move(r)); });
        auto future = result->get_future();
        if (future.wait_for(5s) != std::future_status::ready) {
            ADD_FAILURE() << "send() never called done";
            return {};
        }
        return future.get();
    }

    static json message(const std::string& channel, const std::string& text,
                        const std::string& id = "") {
        json m = {{"type", "message"}, {"channel", channel}, {"text", text}};
        if (!id.empty()) m["id"] = id;
        return m;
    }

    /// Waits for a message frame carrying `text`.
    static std::optional<json> wait_text(WsClient& ws, const std::string& text,
                                         std::chrono::milliseconds timeout = 5s) {
        return ws.wait_for(
            [&](const json& f) { return f.value("type", "") == "message" && f["text"] == text; },
            timeout);
    }

    TempDir data_dir_;
    core::FakeClock clock_{core::from_millis(start_ms)};
    std::shared_ptr<Roster> roster_ = std::make_shared<Roster>();
    RecordingSink sink_;
    std::unique_ptr<Connector> hub_;
    int port_ = 0;
};

}  // namespace twintrack::connectors::hub::testing
