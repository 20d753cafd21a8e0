// What a busy, full or broken database does to the bot: nothing escapes the engine,
// work is retried with backoff, the bot keeps answering and catches up afterwards.
// Also the shutdown of an engine with a full queue.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "bot/turn.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Fault = FaultyDatabase::Fault;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

struct FaultCase {
    const char* name;
    Fault fault;
};

const FaultCase all_faults[] = {
    {"busy", Fault::busy}, {"disk full", Fault::full}, {"I/O error", Fault::io}};

TEST(EngineFaults, AWriteTheStoreRefusesIsRetriedAndAppliedOnceItRecovers) {
    for (const auto& c : all_faults) {
        SCOPED_TRACE(c.name);
        TestBot bot;
        bot.add({"alice", "Alice"});
        bot.faults().fail(c.fault, "BEGIN");
        // Nothing is said yet: the event waits for the store.
        EXPECT_THAT(bot.say("alice", "language zh-CN"), IsEmpty());
        EXPECT_EQ(bot.store().people().all().at(0).locale, "en");
        bot.faults().clear();
        EXPECT_THAT(texts(bot.advance(seconds(1))), ElementsAre(HasSubstr("中文")));
        EXPECT_EQ(bot.store().people().all().at(0).locale, "zh-CN");
        // Applied once: nothing more later.
        EXPECT_THAT(bot.advance(minutes(5)), IsEmpty());
        EXPECT_GE(bot.engine().telemetry()->value("twintrack_database_retries_total"), 1);
    }
}

TEST(EngineFaults, WhenTheStoreStaysDownTheWriterIsToldInTheirLanguageAndNothingIsSaved) {
    struct Case {
        const char* locale;
        const char* expected;
    };
    for (const auto& c : {Case{"en", "Nothing was saved"}, Case{"zh-CN", "内容没有保存"}}) {
        SCOPED_TRACE(c.locale);
        TestBot bot;
        TestPerson p{"alice", "Alice"};
        p.locale = c.locale;
        bot.add(p);
        bot.faults().fail(Fault::full, "BEGIN");
        EXPECT_THAT(bot.say("alice", "profile"), IsEmpty());
        std::vector<std::string> said;
        for (int i = 0; i < 4 && said.empty(); ++i) said = texts(bot.advance(seconds(10)));
        ASSERT_THAT(said, SizeIs(1));
        EXPECT_THAT(said[0], HasSubstr(c.expected));
        bot.faults().clear();
        // The bot answers again as soon as the store does.
        EXPECT_THAT(bot.say("alice", "ping"), SizeIs(1));
    }
}

TEST(EngineFaults, AJobIsNotChargedAnAttemptForAStoreFailureAndRunsAfterRecovery) {
    for (const auto& c : all_faults) {
        SCOPED_TRACE(c.name);
        TestBot bot;
        int runs = 0;
        bot.engine().scheduler().on("test.job", [&runs](bot::Turn& turn, const nlohmann::json&) {
            turn.write();
            ++runs;
        });
        store::Job job;
        job.kind = "test.job";
        job.key = "test.job:1";
        job.payload = "{}";
        job.due_at = core::to_millis(bot.clock().now()) + 60000;
        bot.store().jobs().schedule(job);
        bot.faults().fail(c.fault, "", c.fault == Fault::io);
        // Hours of failures: the engine never throws, and the job keeps waiting.
        for (int i = 0; i < 30; ++i) bot.advance(minutes(10));
        EXPECT_EQ(runs, 0);
        bot.faults().clear();
        EXPECT_FALSE(bot.engine().store_healthy());
        bot.advance(minutes(1));
        EXPECT_EQ(runs, 1);
        EXPECT_EQ(bot.store().jobs().status("test.job:1").value_or(""), "done");
        EXPECT_TRUE(bot.engine().store_healthy());
    }
}

TEST(EngineFaults, OutboxPostsGoOutOnceAfterTheStoreComesBack) {
    for (const auto& c : all_faults) {
        SCOPED_TRACE(c.name);
        TestBot bot;
        bot.add({"alice", "Alice"});
        bot.set_connector_down(true);
        bot.say("alice", "language zh-CN");
        ASSERT_EQ(bot.store().outbox().pending_count(), 1);
        bot.set_connector_down(false);
        // Reading the outbox fails (an I/O error), or recording the attempt does.
        bot.faults().fail(c.fault, "outbox", true);
        for (int i = 0; i < 10; ++i) bot.advance(seconds(30));
        bot.faults().clear();
        std::vector<std::string> sent = texts(bot.all_posts());
        bot.advance(minutes(2));
        sent = texts(bot.all_posts());
        EXPECT_EQ(std::count_if(sent.begin(), sent.end(),
                                [](const std::string& t) { return t.find("中文") != t.npos; }),
                  1);
        EXPECT_EQ(bot.store().outbox().pending_count(), 0);
    }
}

TEST(EngineFaults, AConfirmationThatCannotBeRecordedIsRecordedLaterAndThePostIsNotResent) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    bot.faults().fail(Fault::busy, "SET sent_at");
    EXPECT_THAT(bot.say("alice", "language zh-CN"), SizeIs(1));
    EXPECT_EQ(bot.store().outbox().pending_count(), 1);
    bot.advance(seconds(5));
    bot.faults().clear();
    EXPECT_THAT(bot.advance(minutes(1)), IsEmpty());
    EXPECT_EQ(bot.store().outbox().pending_count(), 0);
    EXPECT_THAT(bot.all_posts(), SizeIs(1));
}

// A platform that holds posts until a time (WeCom's daily quota): the outbox waits for
// that time however long it is, never gives the post up, and sends it once released.
TEST(EngineOutbox, APostThePlatformHoldsWaitsWithoutUsingUpItsAttemptsAndGoesOutLater) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    const std::int64_t start = core::to_millis(bot.clock().now());
    const std::int64_t release = start + 30LL * 3600 * 1000;  // longer than every retry
    int calls = 0;
    std::vector<std::string> delivered;
    bot.engine().add_outlet("test", [&](const core::Post& post, core::SendDone done) {
        ++calls;
        if (core::to_millis(bot.clock().now()) < release) {
            core::SendResult held{false, "", "daily quota used up", true};
            held.held_until_ms = release;
            done(held);
            return;
        }
        delivered.push_back(post.text);
        done({true, "m1", "", true});
    });
    bot.say("alice", "language zh-CN");
    ASSERT_EQ(calls, 1);
    for (int i = 0; i < 29; ++i) bot.advance(minutes(60));
    EXPECT_EQ(calls, 1) << "a held post is not tried again before its time";
    EXPECT_EQ(bot.store().outbox().pending_count(), 1) << "and not given up";
    EXPECT_THAT(delivered, IsEmpty());
    bot.advance(minutes(61));
    EXPECT_EQ(calls, 2);
    ASSERT_THAT(delivered, SizeIs(1));
    EXPECT_THAT(delivered[0], HasSubstr("中文"));
    EXPECT_EQ(bot.store().outbox().pending_count(), 0);
}

TEST(EngineOutbox, PostsWaitingForThePlatformsAnswerDoNotHoldBackTheOnesQueuedBehindThem) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    // The platform takes the first 250 posts and answers none of them yet (a slow API).
    std::vector<core::SendDone> unanswered;
    std::vector<std::string> sent;
    bot.engine().add_outlet("test", [&](const core::Post& post, core::SendDone done) {
        sent.push_back(post.text);
        if (unanswered.size() < 250) {
            unanswered.push_back(std::move(done));
            return;
        }
        done({true, "m" + std::to_string(sent.size()), "", true});
    });
    // Each of these writes, so its answer goes through the outbox.
    for (int i = 0; i < 251; ++i) bot.say("alice", i % 2 ? "language en" : "language zh-CN");
    EXPECT_EQ(sent.size(), 251u) << "the answer queued behind 250 unanswered posts went out";
    bot.advance(seconds(5));
    EXPECT_EQ(sent.size(), 251u) << "and nothing went out twice";
    for (auto& done : unanswered) done({true, "late", "", true});
    bot.advance(seconds(1));
    EXPECT_EQ(bot.store().outbox().pending_count(), 0);
    EXPECT_EQ(sent.size(), 251u);
}

// The real engine thread: faults at every point while it runs; it stays up and answers.
TEST(EngineFaults, TheEngineThreadSurvivesEveryFaultAndKeepsAnswering) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    std::mutex mu;
    std::condition_variable cv;
    int replies = 0;
    bot.engine().add_outlet("test", [&](const core::Post&, core::SendDone done) {
        {
            std::lock_guard<std::mutex> lock(mu);
            ++replies;
        }
        cv.notify_all();
        done({true, "x", "", true});
    });
    bot.faults().fail(Fault::io, "", true);
    std::thread engine([&] { bot.engine().run(); });
    core::Event e;
    e.where = {"test", "@alice", ""};
    e.who = {"test", "alice", "alice"};
    e.direct = true;
    for (int i = 0; i < 5; ++i) {
        e.id = "f" + std::to_string(i);
        e.text = i % 2 ? "ping" : "language zh-CN";
        bot.engine().push(e);
    }
    // Wait until the engine has met the failing store, then let it recover.
    for (int i = 0; i < 2000 && bot.faults().failures() < 3; ++i) {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait_for(lock, milliseconds(5));
    }
    EXPECT_GE(bot.faults().failures(), 3);
    bot.faults().clear();
    e.id = "after";
    e.text = "ping";
    bot.engine().push(e);
    {
        std::unique_lock<std::mutex> lock(mu);
        EXPECT_TRUE(cv.wait_for(lock, seconds(60), [&] { return replies >= 1; }));
    }
    bot.engine().stop(seconds(5));
    engine.join();
}

// SIGTERM under a full queue: input stops at once, the queue drains within the grace
// period, the rest is dropped and counted, and run() returns.
TEST(EngineShutdown, AFullQueueIsDrainedWithinTheGracePeriodOrDropped) {
    constexpr int queued = 100000;
    struct Case {
        const char* name;
        std::chrono::milliseconds grace;
        bool all_handled;
    };
    for (const auto& c :
         {Case{"no grace", milliseconds(0), false}, Case{"ample grace", minutes(30), true}}) {
        SCOPED_TRACE(c.name);
        TestBot bot;
        std::atomic<int> replies{0};
        bot.engine().add_outlet("test", [&](const core::Post&, core::SendDone done) {
            ++replies;
            done({true, "x", "", true});
        });
        core::Event e;
        e.who = {"test", "stranger", "stranger"};
        e.where = {"test", "@stranger", ""};
        e.direct = true;
        e.text = "ping";
        for (int i = 0; i < queued; ++i) {
            e.id = "q" + std::to_string(i);
            bot.engine().push(e);
        }
        bot.engine().stop(c.grace);
        e.id = "late";
        bot.engine().push(e);  // refused: the engine is stopping
        bot.engine().run();
        const auto dropped = bot.engine().dropped_on_shutdown();
        EXPECT_EQ(static_cast<std::uint64_t>(replies.load()) + dropped, queued + 1u);
        if (c.all_handled) {
            EXPECT_EQ(replies.load(), queued);
            EXPECT_EQ(dropped, 1u);
        } else {
            EXPECT_GT(dropped, 1u);
        }
    }
}

}  // namespace
}  // namespace twintrack::testing
