// Durability: redelivered events, the outbox, and restarts.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <type_traits>
#include <utility>

#include "bot/turn.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Handlers read through a read-only view: changing rows needs write(), which opens the
// turn's transaction and records the event id first.
static_assert(std::is_same_v<decltype(std::declval<bot::Turn&>().read()), const store::Store&>,
              "Turn::read() is read-only");
static_assert(std::is_same_v<decltype(std::declval<bot::Turn&>().write()), store::Store&>,
              "Turn::write() changes rows");

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
    EXPECT_THAT(bot.say("alice", "help"), ElementsAre(HasSubstr("你最可能用到的")));
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

TEST(Engine, PostsSayWhichLanguageTheyAreInEvenAfterTheOutbox) {
    // Connectors that add words of their own (IRC's pointer to the rest of a long reply)
    // write them in the post's language.
    TestBot bot;
    bot.add({"alice", "Alice"});
    bot.add({"li", "Li Wei", "sales", "staff", "Asia/Shanghai", "zh-CN"});
    struct Case {
        const char* name;
        std::string who;
        std::string text;
        std::string locale;
    };
    const std::vector<Case> cases = {
        {"read-only reply", "alice", "ping", "en"},
        {"read-only reply in Chinese", "li", "ping", "zh-CN"},
        {"a write, through the outbox, in the new language", "alice", "language zh-CN", "zh-CN"},
    };
    int n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto posts = bot.deliver(dm(c.who, c.text, "loc-" + std::to_string(++n)));
        ASSERT_THAT(posts, SizeIs(1));
        EXPECT_EQ(posts[0].locale, c.locale);
    }
    // Queued while the platform is down, sent after a restart: still known.
    bot.set_connector_down(true);
    bot.deliver(dm("alice", "language en", "loc-down"));
    bot.restart();
    bot.set_connector_down(false);
    const auto later = bot.advance(std::chrono::minutes(1));
    ASSERT_THAT(later, SizeIs(1));
    EXPECT_EQ(later[0].locale, "en");
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
    auto other = store::Store::open_url(bot.store_url(), 0);
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

// --- HTTP routes served through the engine ---------------------------------------------

void add_note_routes(bot::Engine& engine) {
    engine.api().add(
        {"GET", "/api/v1/notes/{id}.txt", false, [](bot::Turn&, const bot::ApiCall& call) {
             return core::ApiResponse{200, "text/plain", "note " + call.params.at("id"), {}};
         }});
    // Writes a person's language, posts a picture to a channel, then fails when asked to.
    engine.api().add({"POST", "/api/v1/notes", true, [](bot::Turn& turn, const bot::ApiCall& call) {
                          auto person = turn.write().people().all().at(0);
                          person.locale = "zh-CN";
                          turn.write().people().update_profile(person, 0);
                          core::Post post;
                          post.to = {"test", "joint", ""};
                          post.text = "chart";
                          post.attachments.push_back(
                              {"chart.png", "image/png", std::string("\x89PNG\0\x01\xff", 7)});
                          turn.posts().push_back(post);
                          if (call.request.body == "fail") throw std::runtime_error("boom");
                          return core::ApiResponse{201, "application/json", "{}", {}};
                      }});
}

TEST(EngineApi, RoutesMatchPathParametersAndMethods) {
    TestBot bot;
    add_note_routes(bot.engine());
    const auto ok = bot.api("GET", "/api/v1/notes/a.b.txt");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, "note a.b");
    EXPECT_EQ(bot.api("HEAD", "/api/v1/notes/7.txt").body, "");
    EXPECT_EQ(bot.api("GET", "/api/v1/notes/.txt").status, 404);
    EXPECT_EQ(bot.api("GET", "/api/v1/notes/a/b.txt").status, 404);
    EXPECT_EQ(bot.api("GET", "/api/v1/nothing").status, 404);
    const auto wrong = bot.api("DELETE", "/api/v1/notes");
    EXPECT_EQ(wrong.status, 405);
    ASSERT_EQ(wrong.headers.size(), 1u);
    EXPECT_EQ(wrong.headers[0], std::make_pair(std::string("Allow"), std::string("POST")));
}

TEST(EngineApi, AFailingWriteIsRolledBackAndAnswered500WithNothingPosted) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    add_note_routes(bot.engine());
    const auto r = bot.api("POST", "/api/v1/notes", "fail");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(bot.store().people().all().at(0).locale, "en");
    EXPECT_EQ(bot.store().db().scalar("SELECT count(*) FROM outbox"), 0);
    EXPECT_THAT(bot.all_posts(), IsEmpty());
}

TEST(EngineApi, AttachmentsSurviveTheOutboxAndARestartByteForByte) {
    TestBot bot;
    bot.add({"alice", "Alice"});
    add_note_routes(bot.engine());
    bot.set_connector_down(true);
    EXPECT_EQ(bot.api("POST", "/api/v1/notes").status, 201);
    EXPECT_EQ(bot.store().people().all().at(0).locale, "zh-CN");
    bot.restart();
    bot.set_connector_down(false);
    const auto posts = bot.advance(std::chrono::minutes(1));
    ASSERT_THAT(posts, SizeIs(1));
    EXPECT_EQ(posts[0].text, "chart");
    ASSERT_THAT(posts[0].attachments, SizeIs(1));
    EXPECT_EQ(posts[0].attachments[0].name, "chart.png");
    EXPECT_EQ(posts[0].attachments[0].mime, "image/png");
    EXPECT_EQ(posts[0].attachments[0].data, std::string("\x89PNG\0\x01\xff", 7));
}

}  // namespace
}  // namespace twintrack::testing
