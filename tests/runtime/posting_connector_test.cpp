// What every Web-API connector gets from runtime::PostingConnector (posts to one
// conversation in order, one at a time, the outcome handed back to the sender) and from
// connectors/api (make_connector, status_of), shown on a small connector of its own.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "connectors/api/connector_type.hpp"
#include "connectors/runtime/session_connector.hpp"
#include "core/clock.hpp"

namespace twintrack::connectors::runtime {
namespace {

using namespace std::chrono_literals;

struct DemoStatus {
    bool connected = true;
    int started = 0;
};

struct DemoJob : PostJob {};

struct DemoSettings {
    std::string name = "demo1";
};

class NullSink final : public core::EventSink {
  public:
    void push(core::Event) override {}
};

// Each post's text is its id; a post whose text starts with "hold" is finished only when
// the test says so (release), any other at once.
class DemoConnector final : public PostingConnector<DemoStatus, DemoJob> {
  public:
    DemoConnector(DemoSettings settings, const ConnectorContext& context)
        : PostingConnector({"Demo", "demo", settings.name, {}, 1000ms, 4000ms, {}}, context,
                           SendLimits{}) {}
    ~DemoConnector() override { stop(); }

    // Finishes the held post `text` on the connector's thread.
    void release(const std::string& text) {
        session_.post([this, text] {
            auto it = held_.find(text);
            if (it == held_.end()) return;
            auto job = it->second;
            held_.erase(it);
            complete(job, {true, job->post.text, "", true});
        });
    }

    std::vector<std::string> started() {
        std::lock_guard<std::mutex> lock(mu_);
        return started_;
    }

  private:
    void start_job(const std::shared_ptr<DemoJob>& job) override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            started_.push_back(job->post.text);
        }
        update_status([](DemoStatus& s) { ++s.started; });
        if (job->post.text.rfind("hold", 0) == 0) {
            held_[job->post.text] = job;
            return;
        }
        if (job->post.text.rfind("busy", 0) == 0 && job->waited.count() == 0) {
            // "busy-long": it may wait no longer than the first wait.
            const auto max = job->post.text == "busy-long" ? 0ms : 10000ms;
            return retry_later(job, 5ms, max, "chat.post", "rate limited",
                               [this, job] { start_job(job); });
        }
        if (job->post.text == "bad") {
            return complete(job, {false, "", "refused", false});
        }
        complete(job, {true, job->post.text, "", true});
    }

    std::map<std::string, std::shared_ptr<DemoJob>> held_;  ///< the connector's thread's
    std::mutex mu_;
    std::vector<std::string> started_;
};

class OtherConnector final : public Connector {
  public:
    std::string name() const override { return "other"; }
    void start(core::EventSink&) override {}
    void stop() override {}
    void send(const core::Post&, core::SendDone done) override { done({}); }
};

core::Post post(const std::string& channel, const std::string& text) {
    core::Post p;
    p.to = {"demo1", channel, ""};
    p.text = text;
    return p;
}

class PostingConnectorTest : public ::testing::Test {
  protected:
    PostingConnectorTest() {
        context.clock = &clock;
        connector = make_connector<DemoConnector>("make_demo", DemoSettings{}, context);
        connector->start(sink);
    }

    std::shared_ptr<std::promise<core::SendResult>> send(const std::string& channel,
                                                         const std::string& text) {
        auto p = std::make_shared<std::promise<core::SendResult>>();
        connector->send(post(channel, text), [p](core::SendResult r) { p->set_value(r); });
        return p;
    }

    DemoConnector& demo() { return static_cast<DemoConnector&>(*connector); }

    core::FakeClock clock{core::from_millis(1700000000000)};
    ConnectorContext context;
    NullSink sink;
    std::unique_ptr<Connector> connector;
};

TEST_F(PostingConnectorTest, PostsToOneConversationGoOutInOrderOneAtATimeOthersDoNotWait) {
    auto first = send("room", "hold-1");
    auto second = send("room", "two");
    auto elsewhere = send("other-room", "three");
    auto third = elsewhere->get_future().get();  // another conversation does not wait
    EXPECT_TRUE(third.ok);
    auto second_result = second->get_future();
    EXPECT_EQ(second_result.wait_for(0s), std::future_status::timeout);
    EXPECT_EQ(demo().started(), (std::vector<std::string>{"hold-1", "three"}));

    demo().release("hold-1");
    EXPECT_EQ(first->get_future().get().message_id, "hold-1");
    EXPECT_EQ(second_result.get().message_id, "two");  // after the one ahead of it
    EXPECT_EQ(demo().started(), (std::vector<std::string>{"hold-1", "three", "two"}));
    EXPECT_EQ(status_of<DemoConnector>(*connector).started, 3);
    connector->stop();
}

TEST_F(PostingConnectorTest, AFailedPostReachesItsSenderAndTheNextPostStillGoes) {
    auto bad = send("room", "bad");
    auto good = send("room", "fine");
    const auto refused = bad->get_future().get();
    EXPECT_FALSE(refused.ok);
    EXPECT_FALSE(refused.retryable);
    EXPECT_EQ(refused.error, "refused");
    EXPECT_TRUE(good->get_future().get().ok);
    connector->stop();
}

TEST_F(PostingConnectorTest, AfterStopAPostIsRefusedRetryable) {
    connector->stop();
    const auto r = send("room", "late")->get_future().get();
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_TRUE(demo().started().empty());
}

// A "too fast" answer: the post waits, the posts behind it wait too, then it goes on; one
// that would wait longer than allowed goes back to the outbox (retryable).
TEST_F(PostingConnectorTest, ARateLimitedPostWaitsWithThePostsBehindItThenGoesOn) {
    auto busy = send("room", "busy");
    auto next = send("room", "after");
    EXPECT_EQ(busy->get_future().get().message_id, "busy");
    EXPECT_EQ(next->get_future().get().message_id, "after");
    EXPECT_EQ(demo().started(), (std::vector<std::string>{"busy", "busy", "after"}));
    const auto r = send("room", "busy-long")->get_future().get();
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_EQ(r.error, "chat.post: rate limited by Demo for too long");
    connector->stop();
}

TEST(MakeConnector, WithoutAClockItRefusesNamingTheFactory) {
    ConnectorContext context;
    context.clock = nullptr;
    try {
        make_connector<DemoConnector>("make_demo", DemoSettings{}, context);
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "make_demo: context.clock is null");
    }
}

TEST(StatusOf, AnotherKindOfConnectorHasTheEmptyStatus) {
    OtherConnector other;
    const DemoStatus s = status_of<DemoConnector>(other);
    EXPECT_EQ(s.started, 0);
}

}  // namespace
}  // namespace twintrack::connectors::runtime
