#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/turn.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

void schedule(TestBot& bot, const std::string& key, std::chrono::minutes in,
              const std::string& kind = "test.say") {
    store::Job job;
    job.kind = kind;
    job.key = key;
    job.payload = nlohmann::json{{"text", key}}.dump();
    job.due_at = core::to_millis(bot.clock().now() + in);
    bot.store().jobs().schedule(job);
}

class SchedulerTest : public ::testing::Test {
  protected:
    void SetUp() override { register_kinds(); }
    void register_kinds() {
        bot.engine().scheduler().on("test.say", [this](bot::Turn& turn, const nlohmann::json& p) {
            ++runs;
            turn.post({"test", "general", ""}, "en", "core.usage", {{"usage", p["text"]}});
        });
        bot.engine().scheduler().on("test.fail", [this](bot::Turn& turn, const nlohmann::json&) {
            ++failures;
            turn.post({"test", "general", ""}, "en", "core.pong", {});
            throw std::runtime_error("not today");
        });
    }
    TestBot bot;
    int runs = 0;
    int failures = 0;
};

TEST_F(SchedulerTest, RunsADueJobOnceAtItsTime) {
    schedule(bot, "digest", std::chrono::minutes(10));
    EXPECT_THAT(bot.advance(std::chrono::minutes(9)), IsEmpty());
    EXPECT_THAT(texts(bot.advance(std::chrono::minutes(1))), ElementsAre("Usage: digest"));
    EXPECT_THAT(bot.advance(std::chrono::hours(24)), IsEmpty());
    EXPECT_EQ(runs, 1);
    EXPECT_EQ(bot.store().jobs().status("digest"), "done");
}

TEST_F(SchedulerTest, SchedulingTheSameKeyTwiceKeepsOneJob) {
    schedule(bot, "once", std::chrono::minutes(1));
    schedule(bot, "once", std::chrono::minutes(2));
    bot.advance(std::chrono::minutes(5));
    EXPECT_EQ(runs, 1);
}

TEST_F(SchedulerTest, JobsMissedWhileDownRunOnceAfterRestartInOrder) {
    schedule(bot, "first", std::chrono::minutes(5));
    schedule(bot, "second", std::chrono::minutes(10));
    bot.restart();
    register_kinds();
    bot.clock().advance(std::chrono::hours(3));  // the program was down meanwhile
    EXPECT_THAT(texts(bot.advance(std::chrono::milliseconds(0))),
                ElementsAre("Usage: first", "Usage: second"));
    EXPECT_THAT(bot.advance(std::chrono::hours(1)), IsEmpty());
}

TEST_F(SchedulerTest, AFailingJobPostsNothingIsRetriedThenGivenUp) {
    schedule(bot, "flaky", std::chrono::minutes(0), "test.fail");
    EXPECT_THAT(bot.advance(std::chrono::milliseconds(0)), IsEmpty());
    EXPECT_EQ(failures, 1);
    bot.advance(std::chrono::hours(24));
    bot.advance(std::chrono::hours(24));
    bot.advance(std::chrono::hours(24));
    bot.advance(std::chrono::hours(24));
    EXPECT_EQ(failures, 5);
    EXPECT_EQ(bot.store().jobs().status("flaky"), "failed");
    bot.advance(std::chrono::hours(24));
    EXPECT_EQ(failures, 5);
}

TEST_F(SchedulerTest, UnknownJobKindIsGivenUpNotLooped) {
    schedule(bot, "mystery", std::chrono::minutes(0), "no.such.kind");
    bot.advance(std::chrono::milliseconds(0));
    EXPECT_EQ(bot.store().jobs().status("mystery"), "failed");
}

}  // namespace
}  // namespace twintrack::testing
