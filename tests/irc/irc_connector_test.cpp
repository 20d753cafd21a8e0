// The IRC connector against a real ngircd on a free loopback port, with a test client
// playing the human.

#include "connectors/irc/irc_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "connectors/irc/line_splitter.hpp"
#include "core/clock.hpp"
#include "core/source_dir.hpp"
#include "core/text.hpp"
#include "tests/irc/irc_client.hpp"
#include "tests/irc/irc_test_helpers.hpp"
#include "tests/irc/ngircd_fixture.hpp"

namespace twintrack::irc_test {
namespace {

using namespace std::chrono_literals;
using connectors::irc::irc_status;
using connectors::irc::IrcSettings;
using ::testing::Contains;
using ::testing::HasSubstr;

class IrcConnectorTest : public ::testing::Test {
  protected:
    IrcSettings settings() const {
        IrcSettings s;
        s.name = "irc";
        s.server = "127.0.0.1";
        s.port = server.port();
        s.nick = "twintrack";
        s.channels = {{"#sales", "", "sales"}, {"#general", "", "joint"}};
        s.backoff_initial = 200ms;
        s.replay_window = 0ms;  // ngircd plays no history back: live after the 366
        return s;
    }
    std::unique_ptr<connectors::Connector> start(IrcSettings s) {
        context.clock = &clock;
        auto c = connectors::irc::make_irc(std::move(s), context);
        c->start(sink);
        return c;
    }

    Ngircd server;
    core::SystemClock clock;
    connectors::ConnectorContext context{"/tmp", core::source_dir() + "/prompts", nullptr, nullptr};
    FakeSink sink;
};

TEST_F(IrcConnectorTest, RegistersAndJoinsItsChannelsWithKeys) {
    IrcClient owner(server.port(), "owner");
    owner.join("#secret");
    owner.send_line("MODE #secret +k letmein");
    ASSERT_TRUE(owner.wait_for([](const Message& m) { return m.command == "MODE"; }));
    auto s = settings();
    s.channels.push_back({"#secret", "letmein", "joint"});
    auto bot = start(s);
    ASSERT_TRUE(eventually([&] { return joined(*bot, "#secret"); })) << server.log();
    EXPECT_TRUE(joined(*bot, "#sales"));
    EXPECT_TRUE(joined(*bot, "#general"));
    EXPECT_EQ(irc_status(*bot).nick, "twintrack");
    EXPECT_TRUE(owner.wait_for(
        [](const Message& m) { return m.command == "JOIN" && m.nick() == "twintrack"; }));
    bot->stop();
    EXPECT_TRUE(owner.wait_for(
        [](const Message& m) { return m.command == "QUIT" && m.nick() == "twintrack"; }));
}

TEST_F(IrcConnectorTest, ChannelAndPrivateMessagesBecomeEvents) {
    auto bot = start(settings());
    ASSERT_TRUE(eventually([&] { return joined(*bot, "#sales"); }));
    IrcClient alice(server.port(), "alice");
    alice.join("#sales");

    alice.say("#sales", "twintrack: help");
    auto e = sink.with_text("help");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->addressed);
    EXPECT_FALSE(e->direct);
    EXPECT_EQ(e->where.connector, "irc");
    EXPECT_EQ(e->where.channel, "#sales");
    EXPECT_EQ(e->who.connector, "irc");
    EXPECT_EQ(e->who.user_id, "alice");
    EXPECT_FALSE(e->id.empty());
    const std::string first_id = e->id;

    alice.say("#sales", "TwinTrack, whoami");
    e = sink.with_text("whoami");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->addressed);

    alice.say("#sales", "!ping");
    e = sink.with_text("!ping");
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->addressed);
    EXPECT_NE(e->id, first_id);

    alice.say("#sales", "lunch anyone?");
    e = sink.with_text("lunch anyone?");
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->addressed);

    alice.say("twintrack", "ping");
    e = sink.with_text("ping");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->direct);
    EXPECT_EQ(e->where.channel, "@alice");

    // Invalid UTF-8 is passed through: the engine answers it with a clear error.
    alice.say("twintrack", "bad \xC3\x28 bytes");
    e = sink.with_text("bad \xC3\x28 bytes");
    ASSERT_TRUE(e);
    EXPECT_FALSE(core::valid_utf8(e->text));
}

TEST_F(IrcConnectorTest, LongPostsAreSplitOnCharacterBoundariesAndArriveComplete) {
    auto s = settings();
    s.flood_burst = 100;
    s.max_lines = 0;  // every piece, to check the splitting
    auto bot = start(s);
    ASSERT_TRUE(eventually([&] { return joined(*bot, "#sales"); }));
    IrcClient alice(server.port(), "alice");
    alice.join("#sales");

    std::string chinese;
    for (int i = 0; i < 200; ++i) chinese += "销售和市场";  // 15 bytes each
    std::string words;
    for (int i = 0; i < 150; ++i) words += "word" + std::to_string(i) + " ";
    words += "\xF0\x9F\x98\x80 end";
    const std::string text = chinese + "\nsecond line\n" + words;
    auto r = send_and_wait(*bot, "#sales", text);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_THAT(r.message_id, HasSubstr("irc:"));

    auto got = alice.privmsgs_until_quiet("twintrack", 1500ms);
    ASSERT_GE(got.size(), 6u);
    std::string rebuilt_chinese;
    std::size_t i = 0;
    for (; i < got.size() && got[i] != "second line"; ++i) {
        EXPECT_TRUE(core::valid_utf8(got[i]));
        EXPECT_LE(got[i].size() +
                      std::string(":twintrack!~twintrack@localhost PRIVMSG #sales :\r\n").size(),
                  connectors::irc::max_line_bytes);
        rebuilt_chinese += got[i];
    }
    EXPECT_EQ(rebuilt_chinese, chinese);
    ASSERT_LT(i, got.size());
    std::string rebuilt_words;
    for (++i; i < got.size(); ++i) rebuilt_words += got[i] + " ";
    EXPECT_EQ(rebuilt_words, words + " ");

    // A direct message goes to the nick.
    r = send_and_wait(*bot, "@alice", "pong");
    ASSERT_TRUE(r.ok) << r.error;
    auto dm = alice.next_privmsg("twintrack");
    ASSERT_TRUE(dm);
    EXPECT_EQ(dm->param(0), "alice");
    EXPECT_EQ(dm->param(1), "pong");

    r = send_and_wait(*bot, "sales", "no such target");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
}

TEST_F(IrcConnectorTest, FloodControlQueuesAndRefusesWhenTheQueueIsFull) {
    auto s = settings();
    s.flood_burst = 2;
    s.flood_per_second = 10;
    s.max_queue = 5;
    auto bot = start(s);
    ASSERT_TRUE(eventually([&] { return joined(*bot, "#sales"); }));
    IrcClient alice(server.port(), "alice");
    alice.join("#sales");

    auto r = send_and_wait(*bot, "#sales", "1\n2\n3\n4\n5");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(alice.privmsgs_until_quiet("twintrack", 700ms),
              (std::vector<std::string>{"1", "2", "3", "4", "5"}));
    r = send_and_wait(*bot, "#sales", "1\n2\n3\n4\n5\n6");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("queue full"));
}

TEST_F(IrcConnectorTest, ANickInUseFallsBackToTheAlternatives) {
    IrcClient squatter(server.port(), "twintrack");
    auto s = settings();
    s.alt_nicks = {"twintrack-bot"};
    auto bot = start(s);
    ASSERT_TRUE(eventually([&] { return joined(*bot, "#sales"); })) << server.log();
    EXPECT_EQ(irc_status(*bot).nick, "twintrack-bot");

    // Addressing by the nick it got works too.
    IrcClient alice(server.port(), "alice");
    alice.join("#sales");
    alice.say("#sales", "twintrack-bot: help");
    auto e = sink.with_text("help");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->addressed);

    IrcClient squatter2(server.port(), "twintrack-bot2");
    auto s2 = settings();
    s2.name = "irc2";
    auto bot2 = start(s2);
    ASSERT_TRUE(eventually([&] { return irc_status(*bot2).registered; }));
    EXPECT_EQ(irc_status(*bot2).nick, "twintrack_");
}

TEST_F(IrcConnectorTest, ReconnectsAndRejoinsAfterTheServerRestarts) {
    auto bot = start(settings());
    ASSERT_TRUE(eventually([&] { return joined(*bot, "#sales"); }));
    {
        IrcClient alice(server.port(), "alice");
        alice.join("#sales");
        alice.say("#sales", "twintrack: before");
        ASSERT_TRUE(sink.with_text("before"));
    }
    server.kill();
    ASSERT_TRUE(eventually([&] { return !irc_status(*bot).registered; }, 5s));
    auto r = send_and_wait(*bot, "#sales", "while down");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);

    const auto restarted = std::chrono::steady_clock::now();
    server.start();
    ASSERT_TRUE(eventually([&] { return joined(*bot, "#sales") && joined(*bot, "#general"); }, 10s))
        << server.log();
    EXPECT_LT(std::chrono::steady_clock::now() - restarted, 10s);
    EXPECT_EQ(irc_status(*bot).connections, 2);

    IrcClient alice(server.port(), "alice");
    alice.join("#sales");
    r = send_and_wait(*bot, "#sales", "while down");
    ASSERT_TRUE(r.ok) << r.error;
    auto m = alice.next_privmsg("twintrack");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->param(1), "while down");
    alice.say("#sales", "twintrack: after");
    EXPECT_TRUE(sink.with_text("after"));
}

TEST(IrcConnectorScripted, NegotiatesCapabilitiesSaslAndReadsMessageTags) {
    ScriptedServer server;
    core::SystemClock clock;
    connectors::ConnectorContext context{"/tmp", core::source_dir() + "/prompts", &clock, nullptr};
    FakeSink sink;
    IrcSettings s;
    s.server = "127.0.0.1";
    s.port = server.port();
    s.sasl_user = "ttbot";
    s.sasl_password = core::Secret("TT_PASSWORD", "s3cret");
    s.channels = {{"#sales", "k3y", "sales"}};
    auto bot = connectors::irc::make_irc(s, context);
    bot->start(sink);
    ASSERT_TRUE(server.accept());
    ASSERT_TRUE(server.expect("CAP LS 302"));
    ASSERT_TRUE(server.expect("USER "));
    server.send_line(":fake CAP * LS * :multi-prefix server-time");
    server.send_line(":fake CAP * LS :message-tags sasl=PLAIN,EXTERNAL");
    auto req = server.expect("CAP REQ");
    ASSERT_TRUE(req);
    EXPECT_EQ(*req, "CAP REQ :server-time message-tags sasl");
    server.send_line(":fake CAP * ACK :server-time message-tags sasl");
    ASSERT_TRUE(server.expect("AUTHENTICATE PLAIN"));
    server.send_line("AUTHENTICATE +");
    auto auth = server.expect("AUTHENTICATE ");
    ASSERT_TRUE(auth);
    EXPECT_EQ(*auth,
              "AUTHENTICATE " + connectors::irc::base64(std::string("ttbot\0ttbot\0s3cret", 18)));
    server.send_line(":fake 903 twintrack :SASL authentication successful");
    ASSERT_TRUE(server.expect("CAP END"));
    server.send_line(":fake 001 twintrack :Welcome");
    server.send_line(":fake 422 twintrack :MOTD File is missing");
    auto join = server.expect("JOIN");
    ASSERT_TRUE(join);
    EXPECT_EQ(*join, "JOIN #sales k3y");
    // With server-time, the bot's own JOIN is the line between history and live lines.
    server.send_line("@time=2026-11-28T17:59:00.000Z :twintrack!t@h JOIN #sales");
    server.send_line(":fake 366 twintrack #sales :End of /NAMES list.");
    ASSERT_TRUE(eventually([&] { return joined(*bot, "#sales"); }));

    server.send_line("PING :keepalive-1");
    auto pong = server.expect("PONG");
    ASSERT_TRUE(pong);
    EXPECT_EQ(*pong, "PONG keepalive-1");

    server.send_line(
        "@msgid=m-42;time=2026-11-28T18:00:00.123Z :alice!a@h PRIVMSG #sales :twintrack, help");
    auto e = sink.with_text("help");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->id, "irc:m-42");
    EXPECT_EQ(core::to_millis(e->at), 1795888800123LL);
    EXPECT_TRUE(e->addressed);

    // The same message delivered again keeps its id, so the engine drops it.
    server.send_line(
        "@msgid=m-42;time=2026-11-28T18:00:00.123Z :alice!a@h PRIVMSG #sales :twintrack, help");
    e = sink.with_text("help");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->id, "irc:m-42");

    // CTCP and the bot's own lines are not events.
    server.send_line(":alice!a@h PRIVMSG twintrack :\x01VERSION\x01");
    server.send_line(":alice!a@h PRIVMSG twintrack :after ctcp");
    e = sink.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "after ctcp");
    bot->stop();
}

TEST(IrcConnectorTls, TalksOverTlsAndRefusesAnUntrustedCertificate) {
    Ngircd server(true);
    core::SystemClock clock;
    connectors::ConnectorContext context{"/tmp", core::source_dir() + "/prompts", &clock, nullptr};
    FakeSink sink;
    IrcSettings s;
    s.server = "127.0.0.1";
    s.port = server.tls_port();
    s.tls = true;
    s.backoff_initial = 200ms;
    s.channels = {{"#sales", "", "sales"}};

    // The self-signed certificate is not in the system store: no connection.
    auto untrusting = connectors::irc::make_irc(s, context);
    untrusting->start(sink);
    std::this_thread::sleep_for(1500ms);
    EXPECT_FALSE(irc_status(*untrusting).registered);
    untrusting->stop();

    s.tls_ca_file = server.ca_file();
    auto bot = connectors::irc::make_irc(s, context);
    bot->start(sink);
    ASSERT_TRUE(eventually([&] { return joined(*bot, "#sales"); })) << server.log();
    IrcClient alice(server.port(), "alice");  // a plain-text client on the same network
    alice.join("#sales");
    alice.say("#sales", "twintrack: help");
    auto e = sink.with_text("help");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->addressed);
    auto r = send_and_wait(*bot, "@alice", "pong over TLS");
    ASSERT_TRUE(r.ok) << r.error;
    auto m = alice.next_privmsg("twintrack");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->param(1), "pong over TLS");
    bot->stop();
}

}  // namespace
}  // namespace twintrack::irc_test
