// Durability: redelivered events, the outbox, and restarts.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

core::Event dm(const std::string& who, const std::string& text, const std::string& id) {
    core::Event e;
    e.id = id;
    e.where = {"test", "@" + who, ""};
    e.who = {"test", who, who};
    e.text = text;
    e.direct = true;
    return e;
}

TEST(Engine, RedeliveredEventIsNotAppliedTwiceEvenAfterARestart) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    EXPECT_THAT(bot.deliver(dm("alice", "language zh-CN", "evt-1")), SizeIs(1));
    EXPECT_THAT(bot.deliver(dm("alice", "language zh-CN", "evt-1")), IsEmpty());
    bot.restart();
    EXPECT_THAT(bot.deliver(dm("alice", "language en", "evt-1")), IsEmpty());
    // The language is still the one the first delivery set.
    EXPECT_THAT(bot.say("alice", "help"), ElementsAre(HasSubstr("你可以使用的命令")));
    EXPECT_EQ(bot.store().audit().recent(10).size(), 1u);
}

TEST(Engine, ARedeliveredRefusalIsNotAnsweredAgainAfterARestart) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    // `language` changes state, so even its refusal records the event.
    EXPECT_THAT(texts(bot.deliver(dm("alice", "language klingon", "evt-9"))),
                ElementsAre(HasSubstr("don't speak")));
    bot.restart();
    EXPECT_THAT(bot.deliver(dm("alice", "language klingon", "evt-9")), IsEmpty());
}

TEST(Engine, StateIsCommittedBeforeTheReplyAndTheReplySurvivesAnOutage) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    bot.set_connector_down(true);
    EXPECT_THAT(texts(bot.deliver(dm("alice", "language zh-CN", "e1"))), IsEmpty());
    // Saved although the answer could not be delivered yet.
    EXPECT_EQ(bot.store().people().all().at(0).locale, "zh-CN");
    EXPECT_EQ(bot.store().outbox().pending_count(), 1);
    // A restart while the platform is still down loses nothing.
    bot.restart();
    bot.set_connector_down(false);
    EXPECT_THAT(texts(bot.advance(std::chrono::minutes(1))), ElementsAre(HasSubstr("中文")));
    EXPECT_EQ(bot.store().outbox().pending_count(), 0);
    // And it is not sent again.
    EXPECT_THAT(bot.advance(std::chrono::hours(1)), IsEmpty());
}

TEST(Engine, OutboxRetriesWithBackoff) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    bot.set_connector_down(true);
    bot.deliver(dm("alice", "language zh-CN", "e1"));
    bot.advance(std::chrono::milliseconds(1000));  // first retry after 1 s: still down
    bot.set_connector_down(false);
    // Next attempt is 1.75 s after the failed retry, not before.
    EXPECT_THAT(bot.advance(std::chrono::milliseconds(1500)), IsEmpty());
    EXPECT_THAT(bot.advance(std::chrono::milliseconds(300)), SizeIs(1));
}

TEST(Engine, ReadOnlyCommandsTouchNoTables) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    for (int i = 0; i < 5; ++i) bot.say("alice", "ping");
    EXPECT_EQ(bot.store().db().scalar("SELECT count(*) FROM processed_events"), 0);
    EXPECT_EQ(bot.store().db().scalar("SELECT count(*) FROM outbox"), 0);
}

TEST(Engine, PeopleImportedByAnotherProcessAreSeenWithoutRestart) {
    TestBot bot;
    EXPECT_THAT(bot.say("zoe", "ping"), ElementsAre(HasSubstr("don't know you")));
    // Another connection (as `twintrack import people` would be) adds Zoe.
    auto other = store::Store::open_directory(bot.data_dir(), 0);
    store::Person zoe;
    zoe.name = "Zoe";
    zoe.email = "zoe@example.com";
    zoe.department = "hr";
    zoe.role = "hr";
    zoe.timezone = "Europe/Berlin";
    zoe.locale = "en";
    zoe.identities = {{"test", "zoe"}};
    other->people().upsert_by_email(zoe, 0);
    EXPECT_THAT(bot.say("zoe", "ping"), ElementsAre("pong"));
}

}  // namespace
}  // namespace twintrack::testing
