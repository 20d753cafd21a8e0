// The XMPP connector against a real Prosody on a free loopback port, with a libstrophe
// test client playing the person; and the engine's outbox over the connector across a
// Prosody crash.

#include "connectors/xmpp/xmpp_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "core/clock.hpp"
#include "core/source_dir.hpp"
#include "store/outbox.hpp"
#include "tests/support/connector_sink.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/testbot/test_bot.hpp"
#include "tests/xmpp/prosody_fixture.hpp"
#include "tests/xmpp/xmpp_client.hpp"
#include "tests/xmpp/xmpp_test_helpers.hpp"

namespace twintrack::xmpp_test {
namespace {

using namespace std::chrono_literals;
using connectors::xmpp::xmpp_status;
using connectors::xmpp::XmppSettings;
using ::testing::HasSubstr;

core::SendResult send_and_wait(connectors::Connector& c, const std::string& channel,
                               const std::string& text, const std::string& replaces = "") {
    auto promise = std::make_shared<std::promise<core::SendResult>>();
    auto future = promise->get_future();
    core::Post post;
    post.to = {c.name(), channel, ""};
    post.text = text;
    post.replaces = replaces;
    c.send(post, [promise](core::SendResult r) { promise->set_value(std::move(r)); });
    if (future.wait_for(15s) != std::future_status::ready) return {false, "", "no answer", false};
    return future.get();
}

class XmppConnectorTest : public ::testing::Test {
  protected:
    XmppConnectorTest() {
        server.add_account("twintrack", "bot-secret");
        server.add_account("alice", "alice-secret");
        server.add_account("bob", "bob-secret");
    }
    XmppSettings settings() const {
        XmppSettings s;
        s.name = "xmpp";
        s.jid = "twintrack@localhost";
        s.password = core::Secret("XMPP_PASSWORD", "bot-secret");
        s.server = "127.0.0.1";
        s.port = server.port();
        s.tls = connectors::xmpp::TlsMode::optional;
        s.nick = "twintrack";
        s.rooms = {{kRoom, "sales"}, {kJoint, "joint"}};
        s.backoff_initial = 200ms;
        s.backoff_max = 2s;
        return s;
    }
    std::unique_ptr<connectors::Connector> start(XmppSettings s) {
        context.clock = &clock;
        auto c = connectors::xmpp::make_xmpp(std::move(s), context);
        c->start(sink);
        return c;
    }

    Prosody server;
    core::SystemClock clock;
    test_support::TempDir data;
    connectors::ConnectorContext context{data.path(), core::source_dir() + "/prompts", nullptr,
                                         nullptr};
    test_support::CollectingSink sink;
};

TEST_F(XmppConnectorTest, DirectAndRoomMessagesBecomeEventsButNotItsOwn) {
    auto bot = start(settings());
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom) && live_in(*bot, kJoint); }))
        << server.log();
    EXPECT_TRUE(bot->connected());
    XmppClient alice(server.port(), "alice", "alice-secret");

    alice.say("twintrack@localhost", "ping");
    auto e = sink.with_text("ping");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->direct);
    EXPECT_EQ(e->where.connector, "xmpp");
    EXPECT_EQ(e->where.channel, "@alice@localhost");
    EXPECT_EQ(e->who.user_id, "alice@localhost");
    EXPECT_FALSE(e->id.empty());

    ASSERT_TRUE(alice.join(kRoom, "Alice"));
    // The bot created the room, so it sees who is behind a nick.
    alice.say(kRoom, "twintrack: help", "groupchat");
    e = sink.with_text("help");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->addressed);
    EXPECT_FALSE(e->direct);
    EXPECT_EQ(e->where.channel, kRoom);
    EXPECT_EQ(e->who.user_id, "alice@localhost");
    EXPECT_EQ(e->who.display, "Alice");

    alice.say(kRoom, "!ping", "groupchat");
    e = sink.with_text("!ping");
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->addressed);

    // The bot's post reaches the room; the room's copy of it is not an event.
    ASSERT_TRUE(send_and_wait(*bot, kRoom, "pong").ok);
    auto got = alice.wait_for([](const Received& r) { return r.body == "pong"; });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->from, kRoom + "/twintrack");
    EXPECT_EQ(got->type, "groupchat");
    ASSERT_TRUE(eventually([&] { return xmpp_status(*bot).own_skipped >= 1; }));
    // A message after it arrives, and nothing came in between.
    alice.say(kRoom, "lunch?", "groupchat");
    ASSERT_TRUE(sink.with_text("lunch?"));
    EXPECT_TRUE(sink.rest().empty());

    // A direct answer.
    ASSERT_TRUE(send_and_wait(*bot, "@alice@localhost", "pong to you").ok);
    got = alice.wait_for([](const Received& r) { return r.body == "pong to you"; });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->type, "chat");
}

TEST_F(XmppConnectorTest, RepeatedMessageIdsAreOneEvent) {
    auto bot = start(settings());
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom); })) << server.log();
    XmppClient alice(server.port(), "alice", "alice-secret");
    alice.say("twintrack@localhost", "report", "chat", "same-id-1");
    alice.say("twintrack@localhost", "report", "chat", "same-id-1");
    alice.say("twintrack@localhost", "done", "chat", "other-id");
    ASSERT_TRUE(sink.with_text("report"));
    ASSERT_TRUE(sink.with_text("done"));
    EXPECT_FALSE(sink.wait_for([](const core::Event& e) { return e.text == "report"; }, 300ms));
    EXPECT_EQ(xmpp_status(*bot).repeats, 1);
}

TEST_F(XmppConnectorTest, LongPostsAreSplitAndSentInOrder) {
    auto s = settings();
    s.max_chars = 100;
    auto bot = start(s);
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom); })) << server.log();
    XmppClient alice(server.port(), "alice", "alice-secret");
    ASSERT_TRUE(alice.join(kRoom, "Alice"));
    std::string text;
    for (int i = 0; i < 25; ++i) text += "word" + std::to_string(i) + " 多语言 ";
    for (int n = 1; n <= 3; ++n) {
        ASSERT_TRUE(send_and_wait(*bot, kRoom, "post " + std::to_string(n)).ok);
    }
    ASSERT_TRUE(send_and_wait(*bot, kRoom, text).ok);
    const auto bodies = alice.bodies_until_quiet(kRoom + "/twintrack", 1500ms);
    ASSERT_GE(bodies.size(), 5u);
    EXPECT_EQ(bodies[0], "post 1");
    EXPECT_EQ(bodies[1], "post 2");
    EXPECT_EQ(bodies[2], "post 3");
    // Cut at spaces: nothing lost, nothing added, no piece over the limit.
    auto no_spaces = [](std::string t) {
        t.erase(std::remove(t.begin(), t.end(), ' '), t.end());
        return t;
    };
    std::string joined;
    for (std::size_t i = 3; i < bodies.size(); ++i) {
        EXPECT_LE(bodies[i].size(), 100u * 3);
        joined += bodies[i];
    }
    EXPECT_EQ(no_spaces(joined), no_spaces(text));
}

TEST_F(XmppConnectorTest, ACorrectionNamesTheMessageItReplaces) {
    auto bot = start(settings());
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom); })) << server.log();
    XmppClient alice(server.port(), "alice", "alice-secret");
    ASSERT_TRUE(alice.join(kRoom, "Alice"));
    auto first = send_and_wait(*bot, kRoom, "Meeting at 10");
    ASSERT_TRUE(first.ok);
    ASSERT_FALSE(first.message_id.empty());
    ASSERT_TRUE(send_and_wait(*bot, kRoom, "Meeting at 11", first.message_id).ok);
    auto got = alice.wait_for([](const Received& r) { return r.body == "Meeting at 11"; });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->replace_id, first.message_id);
}

TEST_F(XmppConnectorTest, BadPostsAreRefusedAndStopFailsWaitingPosts) {
    auto bot = start(settings());
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom); })) << server.log();
    auto r = send_and_wait(*bot, "other@conference.localhost", "hi");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("not a room"));
    r = send_and_wait(*bot, "@not a jid", "hi");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    bot->stop();
    r = send_and_wait(*bot, kRoom, "after stop");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_FALSE(bot->connected());
}

TEST_F(XmppConnectorTest, PlayedBackHistoryIsNotAnsweredOnJoinOrRejoin) {
    XmppClient alice(server.port(), "alice", "alice-secret");
    ASSERT_TRUE(alice.join(kRoom, "Alice"));
    alice.say(kRoom, "twintrack: whoami", "groupchat");
    alice.say(kRoom, "!ping", "groupchat");
    ASSERT_TRUE(alice.wait_for([](const Received& r) { return r.body == "!ping"; }));
    auto s = settings();
    s.join_history = 20;  // ask the room for its history, as other servers send by default
    {
        auto bot = start(s);
        ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom); })) << server.log();
        EXPECT_EQ(xmpp_status(*bot).history_skipped, 2);
        alice.say(kRoom, "!live one", "groupchat");
        ASSERT_TRUE(sink.with_text("!live one"));
        bot->stop();
        ASSERT_TRUE(alice.occupant_gone(kRoom, "twintrack"));
    }
    EXPECT_TRUE(sink.rest().empty());
    // Joined again: everything said so far is history, the new line is live.
    auto bot = start(s);
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom); })) << server.log();
    EXPECT_GE(xmpp_status(*bot).history_skipped, 3);
    alice.say(kRoom, "!live two", "groupchat");
    ASSERT_TRUE(sink.with_text("!live two"));
    EXPECT_TRUE(sink.rest().empty());
}

TEST_F(XmppConnectorTest, AWrongPasswordIsLoggedClearlyAndRetriedWithBackoff) {
    test_support::LogCapture log;
    auto s = settings();
    s.password = core::Secret("XMPP_PASSWORD", "wrong-secret-123");
    auto bot = start(s);
    ASSERT_TRUE(eventually([&] { return xmpp_status(*bot).auth_failures >= 3; }, 30s))
        << server.log();
    EXPECT_FALSE(bot->connected());
    EXPECT_GE(log.count("refused the login of twintrack@localhost"), 3);
    EXPECT_EQ(log.count("wrong-secret-123"), 0);
    // Each wait is longer than the one before: no loop faster than the backoff.
    const auto st = xmpp_status(*bot);
    ASSERT_GE(st.delays_ms.size(), 3u);
    for (std::size_t i = 1; i < st.delays_ms.size(); ++i) {
        EXPECT_GT(st.delays_ms[i], st.delays_ms[i - 1]) << i;
    }
    EXPECT_LE(st.attempts, static_cast<int>(st.delays_ms.size()) + 1);
    EXPECT_EQ(st.connections, 0);
}

TEST_F(XmppConnectorTest, ReconnectsAndRejoinsAfterProsodyIsKilled) {
    test_support::LogCapture log;
    auto bot = start(settings());
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom) && live_in(*bot, kJoint); }))
        << server.log();
    {
        XmppClient alice(server.port(), "alice", "alice-secret");
        ASSERT_TRUE(alice.join(kRoom, "Alice"));
        alice.say(kRoom, "!before", "groupchat");
        ASSERT_TRUE(sink.with_text("!before"));
        server.kill();
    }
    ASSERT_TRUE(eventually([&] { return !bot->connected(); }));
    auto down = send_and_wait(*bot, kRoom, "while down");
    EXPECT_FALSE(down.ok);
    EXPECT_TRUE(down.retryable);
    server.start();
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom) && live_in(*bot, kJoint); }, 30s))
        << server.log();
    EXPECT_EQ(xmpp_status(*bot).connections, 2);
    EXPECT_GE(log.count("reconnecting in"), 1);
    XmppClient alice(server.port(), "alice", "alice-secret");
    ASSERT_TRUE(alice.join(kRoom, "Alice"));
    EXPECT_TRUE(alice.sees_occupant(kRoom, "twintrack"));
    alice.say(kRoom, "!after", "groupchat");
    ASSERT_TRUE(sink.with_text("!after"));
    EXPECT_FALSE(sink.wait_for([](const core::Event& e) { return e.text == "!after"; }, 500ms));
    EXPECT_TRUE(send_and_wait(*bot, kRoom, "back").ok);
    EXPECT_TRUE(alice.wait_for([](const Received& r) { return r.body == "back"; }));
}

TEST(XmppTls, StarttlsWithTheServersCaAndRefusedWithout) {
    Prosody server(true);
    server.add_account("twintrack", "bot-secret");
    core::SystemClock clock;
    test_support::TempDir data;
    connectors::ConnectorContext context{data.path(), core::source_dir() + "/prompts", &clock,
                                         nullptr};
    test_support::CollectingSink sink;
    XmppSettings s;
    s.jid = "twintrack@localhost";
    s.password = core::Secret("XMPP_PASSWORD", "bot-secret");
    s.server = "127.0.0.1";
    s.port = server.port();
    s.tls = connectors::xmpp::TlsMode::required;
    s.backoff_initial = 200ms;
    {
        test_support::LogCapture log;
        auto untrusted = connectors::xmpp::make_xmpp(s, context);
        untrusted->start(sink);
        ASSERT_TRUE(eventually([&] { return xmpp_status(*untrusted).attempts >= 2; }));
        EXPECT_EQ(xmpp_status(*untrusted).connections, 0);
        EXPECT_FALSE(untrusted->connected());
    }
    s.tls_ca_file = server.ca_file();
    test_support::LogCapture log;
    auto bot = connectors::xmpp::make_xmpp(s, context);
    bot->start(sink);
    ASSERT_TRUE(eventually([&] { return bot->connected(); })) << server.log();
    EXPECT_EQ(log.count("(TLS)"), 1);
}

// Posts the engine made while Prosody was down wait in the outbox and go out, in order,
// once the connector is back.
TEST(XmppOutbox, PostsMadeWhileDownAreDeliveredAfterRecovery) {
    Prosody server;
    server.add_account("twintrack", "bot-secret");
    server.add_account("alice", "alice-secret");
    testing::TestBot bot;
    XmppSettings s;
    s.jid = "twintrack@localhost";
    s.password = core::Secret("XMPP_PASSWORD", "bot-secret");
    s.server = "127.0.0.1";
    s.port = server.port();
    s.tls = connectors::xmpp::TlsMode::optional;
    s.rooms = {{kRoom, "sales"}};
    s.backoff_initial = 200ms;
    s.backoff_max = 1s;
    test_support::TempDir data;
    connectors::ConnectorContext context{data.path(), core::source_dir() + "/prompts", nullptr,
                                         nullptr};
    core::SystemClock clock;
    context.clock = &clock;
    auto xmpp = connectors::xmpp::make_xmpp(std::move(s), context);
    xmpp->start(bot.engine());
    auto* raw = xmpp.get();
    bot.engine().add_outlet(
        "xmpp", [raw](const core::Post& p, core::SendDone done) { raw->send(p, std::move(done)); },
        raw->shows_actions());
    ASSERT_TRUE(eventually([&] { return live_in(*xmpp, kRoom); })) << server.log();

    server.kill();
    ASSERT_TRUE(eventually([&] { return !xmpp->connected(); }));
    const auto now = core::to_millis(bot.clock().now());
    for (int n = 1; n <= 3; ++n) {
        store::OutboxEntry e;
        e.connector = "xmpp";
        e.channel = n == 3 ? "@alice@localhost" : kRoom;
        e.text = "while down " + std::to_string(n);
        bot.store().outbox().enqueue(e, now);
    }
    // Tried at once, refused (retryable), kept.
    ASSERT_TRUE(eventually([&] {
        bot.engine().drain();
        return bot.store().outbox().due(now + 60 * 60 * 1000, 10).size() == 3 &&
               bot.store().outbox().due(now, 10).empty();
    })) << "the posts were neither tried nor kept";

    server.start();
    ASSERT_TRUE(eventually([&] { return live_in(*xmpp, kRoom); }, 30s)) << server.log();
    XmppClient alice(server.port(), "alice", "alice-secret");
    ASSERT_TRUE(alice.join(kRoom, "Alice"));
    // Time passes for the outbox's retry; the posts go out.
    ASSERT_TRUE(eventually([&] {
        bot.advance(2s);
        return bot.store().outbox().due(now + 60 * 60 * 1000, 10).empty();
    }));
    EXPECT_EQ(alice.bodies_until_quiet(kRoom + "/twintrack", 1000ms),
              (std::vector<std::string>{"while down 1", "while down 2"}));
    auto dm = alice.wait_for([](const Received& r) { return r.body == "while down 3"; });
    ASSERT_TRUE(dm);
    EXPECT_EQ(dm->type, "chat");
    xmpp->stop();
}

}  // namespace
}  // namespace twintrack::xmpp_test
