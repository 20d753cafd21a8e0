#pragma once
// Shared pieces of the hub tests: a temporary folder, an EventSink that records what
// the hub pushes, and a fixture that runs a real hub on a free loopback port.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

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

/// An upload sent by hand: its headers (saying `length` bytes of body) and as much of the
/// body as the test wants, the socket left open; answer() reads what the hub says. Shows
/// what the hub answers before a body has come, and holds uploads in flight.
class RawUpload {
  public:
    RawUpload(int port, const std::string& target, std::size_t length,
              const std::string& body_part = "", const test_support::Headers& headers = {},
              const std::string& method = "POST") {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<unsigned short>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ADD_FAILURE() << "cannot connect to the hub";
            return;
        }
        std::string head = method + " " + target +
                           " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                           "\r\nConnection: close\r\nContent-Type: application/octet-stream\r\n"
                           "Content-Length: " +
                           std::to_string(length) + "\r\n";
        for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
        send(head + "\r\n" + body_part);
    }
    ~RawUpload() { close(); }
    RawUpload(const RawUpload&) = delete;
    RawUpload& operator=(const RawUpload&) = delete;

    /// Sends more of the body; false when the hub closed the connection.
    bool send(const std::string& bytes) {
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    }

    /// What the hub answered, read until it closes (status 0 when nothing came within
    /// `timeout` or the connection was reset).
    test_support::HttpResponse answer(std::chrono::seconds timeout = std::chrono::seconds(10)) {
        timeval tv{};
        tv.tv_sec = static_cast<time_t>(timeout.count());
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::string raw;
        char buf[8192];
        for (;;) {
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) break;
            raw.append(buf, static_cast<std::size_t>(n));
        }
        test_support::HttpResponse r;
        const auto head_end = raw.find("\r\n\r\n");
        if (raw.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos) return r;
        r.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
        for (auto pos = raw.find("\r\n") + 2; pos < head_end;) {
            const auto eol = raw.find("\r\n", pos);
            const std::string line = raw.substr(pos, eol - pos);
            const auto colon = line.find(':');
            if (colon != std::string::npos) {
                std::string name = line.substr(0, colon);
                for (auto& c : name)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                std::string value = line.substr(colon + 1);
                value.erase(0, value.find_first_not_of(' '));
                r.headers[name] = value;
            }
            pos = eol + 2;
        }
        r.body = raw.substr(head_end + 4);
        return r;
    }

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_ = -1;
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
