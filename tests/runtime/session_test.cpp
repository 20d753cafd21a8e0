// The connector lifecycle every platform shares: the Session (sends refused while stopped,
// idempotent stop from any thread, the reconnect loop, a handler that throws, stop while
// a connection attempt hangs), the de-duplication window of event ids, and the cached
// platform access token against a fake token endpoint on loopback.

#include "connectors/runtime/session.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "connectors/runtime/access_token.hpp"
#include "connectors/runtime/recent_ids.hpp"
#include "core/clock.hpp"
#include "tests/support/loopback_proxy.hpp"

namespace twintrack::connectors::runtime {
namespace {

using namespace std::chrono_literals;
using test_support::LoopbackServer;
using test_support::read_http_request;
using test_support::write_all;
using ::testing::HasSubstr;

SessionOptions options(std::chrono::milliseconds backoff = 1000ms) {
    SessionOptions o;
    o.platform = "Test";
    o.log_name = "test";
    o.name = "t1";
    o.backoff_initial = backoff;
    o.backoff_max = backoff * 4;
    return o;
}

// Runs `f` on the session's thread and waits for its value.
template <class F>
auto on_thread(Session& session, F f) -> decltype(f()) {
    std::promise<decltype(f())> p;
    session.post([&] { p.set_value(f()); });
    return p.get_future().get();
}

core::SendResult send(Session& session, std::atomic<int>& delivered) {
    std::promise<core::SendResult> p;
    core::Post post;
    post.to = {"t1", "room", ""};
    post.text = "hi";
    session.send(
        post, [&](core::SendResult r) { p.set_value(r); },
        [&](const core::Post& sent, core::SendDone done) {
            ++delivered;
            done({true, "id:" + sent.text, "", true});
        });
    return p.get_future().get();
}

TEST(Session, SendsAreRefusedWhileStoppedAndAcceptedWhileRunning) {
    Session session(options());
    std::atomic<int> delivered{0};
    const core::SendResult before = send(session, delivered);
    EXPECT_FALSE(before.ok);
    EXPECT_TRUE(before.retryable);  // the outbox tries again later
    EXPECT_EQ(before.error, "Test connector t1 is not running");

    session.start();
    const core::SendResult running = send(session, delivered);
    EXPECT_TRUE(running.ok);
    EXPECT_EQ(running.message_id, "id:hi");

    session.stop();
    const core::SendResult after = send(session, delivered);
    EXPECT_FALSE(after.ok);
    EXPECT_TRUE(after.retryable);
    EXPECT_EQ(delivered.load(), 1);
    EXPECT_THROW(session.start(), std::runtime_error);  // a session runs once
}

TEST(Session, StopIsSafeBeforeStartTwiceAndFromAnyThread) {
    {
        Session never(options());
        never.stop();
        never.stop();
    }
    {
        Session session(options());
        session.start();
        std::thread a([&] { session.stop(); });
        std::thread b([&] { session.stop(); });
        a.join();
        b.join();
        session.stop();
        EXPECT_FALSE(session.running());
    }
    {
        // From the connector's own thread: it does not wait for itself; the owner joins.
        Session session(options());
        session.start();
        on_thread(session, [&] {
            session.stop();
            return 0;
        });
        EXPECT_FALSE(session.running());
    }
}

TEST(Session, TimersFireAtOnceWhenTheConnectorStops) {
    Session session(options());
    session.start();
    std::promise<bool> fired;
    on_thread(session, [&] {
        session.later(1h, [&] { fired.set_value(session.stopping()); });
        return 0;
    });
    session.stop();
    EXPECT_TRUE(fired.get_future().get());
}

TEST(Session, AFailedAttemptIsRetriedAndAHandlerThatThrowsDoesNotEndTheThread) {
    Session session(options(1ms));
    std::promise<void> up;
    int calls = 0;  // on the session's thread
    int drops = 0;
    session.set_protocol(Protocol{
        nullptr,
        [&] {
            ++calls;
            if (calls == 1) return session.down("refused");  // an attempt that failed
            if (calls == 2) throw std::runtime_error("parser broke on frame");
            session.up();
            up.set_value();
        },
        [&] { ++drops; },
        nullptr,
        nullptr,
    });
    session.start();
    up.get_future().get();
    EXPECT_EQ(on_thread(session, [&] { return session.attempts(); }), 3);
    EXPECT_EQ(on_thread(session, [&] { return drops; }), 1);  // the broken connection closed
    EXPECT_TRUE(on_thread(session, [&] { return session.is_up(); }));
    std::atomic<int> delivered{0};
    EXPECT_TRUE(send(session, delivered).ok);  // the thread still serves
}

TEST(Session, AskedForANewConnectionItReconnectsAtOnce) {
    Session session(options(1h));  // a backoff wait would not end within the test
    std::promise<void> second;
    int calls = 0;
    session.set_protocol(Protocol{nullptr,
                                  [&] {
                                      if (++calls == 2) return second.set_value();
                                      session.up();
                                      session.refresh();
                                      session.down("the platform asked for a new connection");
                                  },
                                  nullptr, nullptr, nullptr});
    session.start();
    second.get_future().get();
    session.stop();
}

TEST(Session, StopWhileConnectingDoesNotHang) {
    std::promise<void> reached;
    std::atomic<bool> told{false};
    LoopbackServer never_answers([&](int fd) {
        read_http_request(fd);
        if (!told.exchange(true)) reached.set_value();
        while (!never_answers.stopping()) std::this_thread::sleep_for(10ms);
    });
    Session session(options());
    std::atomic<bool> answered{false};
    session.set_protocol(Protocol{nullptr,
                                  [&] {
                                      Request r;
                                      r.url = never_answers.url("/connect");
                                      r.timeout = 10min;
                                      session.call(
                                          r, [&](Result) { answered = true; }, false);
                                  },
                                  nullptr, nullptr, nullptr});
    session.start();
    reached.get_future().get();
    session.stop();  // returns although the attempt is still open
    EXPECT_FALSE(answered.load());
}

TEST(Session, SecretsNeverReachItsLogLines) {
    SessionOptions o = options();
    o.secrets = {"s3cret", ""};
    Session session(o);
    EXPECT_EQ(session.redact("GET /gettoken?corpsecret=s3cret&x=s3cret"),
              "GET /gettoken?corpsecret=***&x=***");
    EXPECT_EQ(session.log_prefix(), "test t1");
}

TEST(RecentIds, ADuplicateIsHandledOnceWithinTheWindow) {
    RecentIds ids(3);
    struct Case {
        const char* id;
        bool first;
    } cases[] = {{"a", true}, {"b", true}, {"a", false},
                 {"c", true}, {"d", true}, {"a", true},  // "a" was the oldest of four: forgotten
                 {"d", false}};
    int handled = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.id);
        const bool first = ids.first(c.id);
        EXPECT_EQ(first, c.first);
        handled += first ? 1 : 0;
    }
    EXPECT_EQ(handled, 5);
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(ids.repeats(), 2u);
}

TEST(RecentIds, TheWindowStaysWithinItsBound) {
    RecentIds ids(100);
    for (int i = 0; i < 1000; ++i) ids.first("evt-" + std::to_string(i));
    EXPECT_EQ(ids.size(), 100u);
    EXPECT_FALSE(ids.first("evt-999"));
    EXPECT_TRUE(ids.first("evt-0"));
    EXPECT_EQ(RecentIds(0).capacity(), 1u);
}

// A token endpoint: answers each request with the next token ("t1", "t2", ...), or with
// `status` when set to something other than 200.
struct FakeTokenServer {
    FakeTokenServer()
        : server([this](int fd) {
              const std::string request = read_http_request(fd);
              const int n = ++requests;
              const int code = status.load();
              const std::string body =
                  code == 200
                      ? nlohmann::json{{"token", "t" + std::to_string(n)}, {"expires_in", 7200}}
                            .dump()
                      : R"({"error":"busy"})";
              write_all(fd, "HTTP/1.1 " + std::to_string(code) +
                                " X\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                                body);
          }) {}
    std::atomic<int> requests{0};
    std::atomic<int> status{200};
    LoopbackServer server;
};

class AccessTokenTest : public ::testing::Test {
  protected:
    AccessTokenTest()
        : token_(
              session_, clock_,
              [this] {
                  Request r =
                      Request::json_post(fake_.server.url("/token"), {{"secret", "app-secret"}});
                  return r;
              },
              [](const Result& r) {
                  AccessToken::Grant g;
                  const auto body = r.json();
                  if (r.ok() && body.is_object() && body.contains("token")) {
                      g.token = body["token"].get<std::string>();
                      g.expires_in = std::chrono::seconds(body["expires_in"].get<int>());
                  }
                  return g;
              },
              300s) {
        session_.start();
    }
    ~AccessTokenTest() override { session_.stop(); }

    // Asks for the token `n` times at once (all before any answer can arrive).
    std::vector<std::string> get(int n) {
        std::vector<std::promise<std::string>> ps(static_cast<std::size_t>(n));
        session_.post([&] {
            for (auto& p : ps) {
                token_.get([&p](const std::string& t, const Result&) { p.set_value(t); });
            }
        });
        std::vector<std::string> out;
        for (auto& p : ps) out.push_back(p.get_future().get());
        return out;
    }

    FakeTokenServer fake_;
    core::FakeClock clock_{core::from_millis(1700000000000)};
    Session session_{options()};
    AccessToken token_;
};

TEST_F(AccessTokenTest, ConcurrentCallersShareOneFetch) {
    EXPECT_THAT(get(8), ::testing::Each(std::string("t1")));
    EXPECT_EQ(fake_.requests.load(), 1);
    EXPECT_THAT(get(3), ::testing::Each(std::string("t1")));  // cached
    EXPECT_EQ(fake_.requests.load(), 1);
    EXPECT_EQ(on_thread(session_, [&] { return token_.fetches(); }), 1);
}

TEST_F(AccessTokenTest, ATokenThePlatformCallsExpiredIsFetchedAgain) {
    EXPECT_EQ(get(1)[0], "t1");
    session_.post([&] {
        token_.refused("t0");  // an older token: the cached one stays
    });
    EXPECT_EQ(get(1)[0], "t1");
    session_.post([&] { token_.refused("t1"); });
    EXPECT_THAT(get(4), ::testing::Each(std::string("t2")));
    EXPECT_EQ(fake_.requests.load(), 2);
}

TEST_F(AccessTokenTest, ATokenIsRenewedBeforeItsLifetimeEnds) {
    EXPECT_EQ(get(1)[0], "t1");
    clock_.advance(std::chrono::seconds(7200 - 300 - 1));
    EXPECT_EQ(get(1)[0], "t1");
    clock_.advance(2s);  // within the margin
    EXPECT_EQ(get(1)[0], "t2");
}

TEST_F(AccessTokenTest, AFailedFetchAnswersEveryCallerAndTheNextCallTriesAgain) {
    fake_.status = 503;
    std::vector<std::promise<std::pair<std::string, int>>> ps(3);
    session_.post([&] {
        for (auto& p : ps) {
            token_.get([&p](const std::string& t, const Result& r) { p.set_value({t, r.status}); });
        }
    });
    for (auto& p : ps) {
        const auto [token, status] = p.get_future().get();
        EXPECT_EQ(token, "");
        EXPECT_EQ(status, 503);
    }
    EXPECT_EQ(fake_.requests.load(), 1);
    fake_.status = 200;
    EXPECT_EQ(get(1)[0], "t2");
}

}  // namespace
}  // namespace twintrack::connectors::runtime
