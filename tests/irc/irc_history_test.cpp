// What the IRC connector must never hand to the bot as a person's message: history the
// server plays back after a join (a real InspIRCd with chanhistory, with and without the
// IRCv3 tag modules, and a scripted server for ZNC-style playback), lines from servers
// and services, and NOTICEs. Also: long replies end with a pointer to the rest.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/irc/irc_connector.hpp"
#include "connectors/irc/replay_guard.hpp"
#include "core/clock.hpp"
#include "core/source_dir.hpp"
#include "tests/irc/inspircd_fixture.hpp"
#include "tests/irc/irc_client.hpp"
#include "tests/irc/irc_test_helpers.hpp"

namespace twintrack::irc_test {
namespace {

using connectors::irc::IrcSettings;
using connectors::irc::parse_message;
using connectors::irc::ReplayGuard;
using ::testing::HasSubstr;
using ::testing::Not;

bool live(const connectors::Connector& c, const std::string& channel) {
    auto s = irc_status(c);
    return std::find(s.live.begin(), s.live.end(), channel) != s.live.end();
}

// ---------------------------------------------------------------------------------------
// The rules, without a server

TEST(ReplayGuard, TellsHistoryFromLiveLines) {
    using namespace std::chrono_literals;
    const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
    struct Case {
        const char* name;
        bool join_tagged;  // the bot's JOIN carried server-time 2026-12-01T10:00:00.000Z
        bool numerics_done;
        std::chrono::milliseconds after_join;
        const char* line;
        bool history;
    };
    const std::vector<Case> cases = {
        {"server-time before the join", true, true, 10ms,
         "@time=2026-12-01T09:59:59.000Z :a!a@h PRIVMSG #s :!ping", true},
        {"server-time after the join, even in the burst", true, false, 10ms,
         "@time=2026-12-01T10:00:00.200Z :a!a@h PRIVMSG #s :!ping", false},
        {"server-time equal to the join", true, true, 10ms,
         "@time=2026-12-01T10:00:00.000Z :a!a@h PRIVMSG #s :!ping", false},
        {"in a chathistory batch", true, true, 10s,
         "@batch=1;time=2026-12-01T10:05:00.000Z :a!a@h PRIVMSG #s :!ping", true},
        {"in a znc.in/playback batch", false, true, 10s, "@batch=z :a!a@h PRIVMSG #s :!ping", true},
        {"in a batch of another type", false, true, 10s, "@batch=n :a!a@h PRIVMSG #s :!ping",
         false},
        {"untagged before 366", false, false, 10ms, ":a!a@h PRIVMSG #s :!ping", true},
        {"untagged after 366 within the window", false, true, 1500ms, ":a!a@h PRIVMSG #s :!ping",
         true},
        {"untagged after 366 and the window", false, true, 2001ms, ":a!a@h PRIVMSG #s :!ping",
         false},
        {"untagged, 366 never came, after the cap", false, false, 31s, ":a!a@h PRIVMSG #s :!ping",
         false},
        {"server-time but an untagged JOIN: the burst rule", false, true, 100ms,
         "@time=2026-12-01T10:05:00.000Z :a!a@h PRIVMSG #s :!ping", true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        ReplayGuard guard(2000ms, 30s);
        guard.on_batch(*parse_message(":srv BATCH +1 chathistory #s"));
        guard.on_batch(*parse_message(":srv BATCH +z znc.in/playback #s"));
        guard.on_batch(*parse_message(":srv BATCH +n netjoin irc.a irc.b"));
        guard.joined("#S", c.join_tagged ? std::optional<long long>(1796119200000LL) : std::nullopt,
                     t0);
        if (c.numerics_done) guard.numerics_done("#s");
        EXPECT_EQ(guard.is_history("#s", *parse_message(c.line), t0 + c.after_join), c.history);
    }
}

TEST(ReplayGuard, ClosedBatchesAndOtherChannelsAreLive) {
    using namespace std::chrono_literals;
    const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
    ReplayGuard guard(2000ms);
    guard.joined("#s", std::nullopt, t0);
    guard.numerics_done("#s");
    guard.on_batch(*parse_message(":srv BATCH +h chathistory #s"));
    const auto in_batch = *parse_message("@batch=h :a!a@h PRIVMSG #s :x");
    EXPECT_TRUE(guard.is_history("#s", in_batch, t0 + 5s));
    guard.on_batch(*parse_message(":srv BATCH :-h"));
    EXPECT_FALSE(guard.is_history("#s", in_batch, t0 + 5s));
    EXPECT_FALSE(guard.is_history("#other", *parse_message(":a!a@h PRIVMSG #other :x"), t0));
    guard.left("#s");
    EXPECT_TRUE(guard.burst_over("#s", t0));
}

// ---------------------------------------------------------------------------------------
// A real InspIRCd, with and without the IRCv3 tag modules

class InspircdHistoryTest : public ::testing::TestWithParam<bool> {
  protected:
    void SetUp() override {
        if (inspircd_program().empty()) GTEST_SKIP() << "inspircd is not installed";
        server = std::make_unique<Inspircd>(GetParam());
        context.clock = &clock;
    }
    IrcSettings settings() const {
        IrcSettings s;
        s.name = "irc";
        s.server = "127.0.0.1";
        s.port = server->port();
        s.nick = "twintrack";
        s.channels = {{"#sales", "", "sales"}};
        s.backoff_initial = 200ms;
        s.flood_burst = 100;
        s.more_url = "https://hub.example.com/";
        return s;
    }
    std::unique_ptr<connectors::Connector> start(FakeSink& sink, IrcSettings s) {
        auto c = connectors::irc::make_irc(std::move(s), context);
        c->start(sink);
        return c;
    }
    /// A client with history switched on in #sales (it joins first, so it may).
    std::unique_ptr<IrcClient> channel_owner() {
        auto alice = std::make_unique<IrcClient>(server->port(), "alice");
        alice->join("#sales");
        alice->send_line("MODE #sales +H 50:1d");
        if (!alice->wait_for([](const Message& m) { return m.command == "MODE"; })) {
            ADD_FAILURE() << "history mode not set:\n" << server->log();
        }
        return alice;
    }
    /// Waits until the server has handled everything `client` sent so far.
    static void sync(IrcClient& client) {
        client.send_line("PING :sync");
        EXPECT_TRUE(client.wait_for([](const Message& m) { return m.command == "PONG"; }));
    }

    std::unique_ptr<Inspircd> server;
    core::SystemClock clock;
    connectors::ConnectorContext context{"/tmp", core::source_dir() + "/prompts", nullptr, nullptr};
};

TEST_P(InspircdHistoryTest, ARestartedBotAnswersNoReplayedLine) {
    auto alice = channel_owner();
    {
        FakeSink sink;
        auto bot = start(sink, settings());
        ASSERT_TRUE(eventually([&] { return live(*bot, "#sales"); })) << server->log();
        alice->say("#sales", "!ping one");
        ASSERT_TRUE(sink.with_text("!ping one"));
        bot->stop();
        ASSERT_TRUE(alice->wait_for([](const Message& m) { return m.command == "QUIT"; }));
    }
    alice->say("#sales", "!ping two");
    alice->say("#sales", "twintrack: report Acme wants a quote");
    sync(*alice);

    // The new bot is played "!ping one", "!ping two" and the report on joining.
    FakeSink sink;
    auto bot = start(sink, settings());
    ASSERT_TRUE(eventually([&] { return live(*bot, "#sales"); })) << server->log();
    ASSERT_TRUE(eventually([&] { return irc_status(*bot).history_skipped == 3; }))
        << irc_status(*bot).history_skipped;
    alice->say("#sales", "!ping three");
    auto e = sink.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "!ping three");
    EXPECT_EQ(sink.pending(), 0u);

    // Reconnecting after the server went away replays the channel again: still silent.
    alice.reset();
    server->stop();
    ASSERT_TRUE(eventually([&] { return !irc_status(*bot).registered; }));
    server->start();
    ASSERT_TRUE(eventually([&] { return live(*bot, "#sales"); }, 15s)) << server->log();
    alice = std::make_unique<IrcClient>(server->port(), "alice");
    alice->join("#sales");
    alice->say("#sales", "twintrack: after the restart");
    e = sink.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "after the restart");
}

TEST_P(InspircdHistoryTest, ServersServicesAndNoticesGetNoAnswer) {
    auto alice = channel_owner();
    FakeSink sink;
    auto bot = start(sink, settings());
    ASSERT_TRUE(eventually([&] { return live(*bot, "#sales"); })) << server->log();
    const int before = irc_status(*bot).not_people;

    IrcClient nickserv(server->port(), "NickServ");
    nickserv.say("twintrack", "This nickname is registered. Please identify.");
    nickserv.send_line("NOTICE twintrack :!ping");
    sync(nickserv);
    alice->send_line("NOTICE twintrack :!ping");
    alice->send_line("NOTICE #sales :twintrack: help");
    sync(*alice);
    alice->say("twintrack", "whoami");
    auto e = sink.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "whoami");
    EXPECT_EQ(e->who.user_id, "alice");
    EXPECT_EQ(sink.pending(), 0u);
    EXPECT_GE(irc_status(*bot).not_people, before + 4);
}

TEST_P(InspircdHistoryTest, ALongReplyIsCutWithAPointerToTheRest) {
    auto alice = channel_owner();
    FakeSink sink;
    auto bot = start(sink, settings());
    ASSERT_TRUE(eventually([&] { return live(*bot, "#sales"); })) << server->log();

    std::string ten;
    for (int i = 1; i <= 10; ++i) ten += "line " + std::to_string(i) + "\n";
    auto r = send_and_wait(*bot, "#sales", ten, "en");
    ASSERT_TRUE(r.ok) << r.error;
    auto got = alice->privmsgs_until_quiet("twintrack", 1000ms);
    ASSERT_EQ(got.size(), 10u);
    EXPECT_EQ(got.back(), "line 10");

    struct Case {
        std::string locale;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"en", "16 more lines"},
        {"zh-CN", "还有 16 行未显示"},
        {"", "16 more lines"},  // no locale on the post: the default one
    };
    for (const auto& c : cases) {
        SCOPED_TRACE("locale " + c.locale);
        std::string long_text;
        for (int i = 1; i <= 25; ++i) long_text += "line " + std::to_string(i) + "\n";
        r = send_and_wait(*bot, "@alice", long_text, c.locale);
        ASSERT_TRUE(r.ok) << r.error;
        got = alice->privmsgs_until_quiet("twintrack", 1000ms);
        ASSERT_EQ(got.size(), 10u);
        EXPECT_EQ(got[8], "line 9");
        EXPECT_THAT(got[9], HasSubstr(c.expected));
        EXPECT_THAT(got[9], HasSubstr("https://hub.example.com/"));
        EXPECT_THAT(got[9], Not(HasSubstr("{{")));
    }
}

INSTANTIATE_TEST_SUITE_P(Servers, InspircdHistoryTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                             return info.param ? std::string("WithIrcv3Tags")
                                               : std::string("WithoutTags");
                         });

// ---------------------------------------------------------------------------------------
// A scripted server: a server's own PRIVMSG, services with full masks, ZNC playback

TEST(IrcHistoryScripted, ServerLinesServicesAndBouncerPlaybackAreNotAnswered) {
    ScriptedServer server;
    core::SystemClock clock;
    connectors::ConnectorContext context{"/tmp", core::source_dir() + "/prompts", &clock, nullptr};
    FakeSink sink;
    IrcSettings s;
    s.server = "127.0.0.1";
    s.port = server.port();
    s.channels = {{"#sales", "", "sales"}};
    s.services = {"NickServ", "Q"};
    auto bot = connectors::irc::make_irc(s, context);
    bot->start(sink);
    ASSERT_TRUE(server.accept());
    ASSERT_TRUE(server.expect("CAP LS 302"));
    server.send_line(":znc.in CAP * LS :server-time batch message-tags");
    auto req = server.expect("CAP REQ");
    ASSERT_TRUE(req);
    EXPECT_EQ(*req, "CAP REQ :server-time message-tags batch");
    server.send_line(":znc.in CAP * ACK :server-time message-tags batch");
    ASSERT_TRUE(server.expect("CAP END"));
    server.send_line("@time=2026-12-01T10:00:00.000Z :irc2.test 001 twintrack :Welcome");
    server.send_line(":irc2.test 422 twintrack :MOTD File is missing");
    ASSERT_TRUE(server.expect("JOIN #sales"));
    server.send_line("@time=2026-12-01T10:00:01.000Z :twintrack!t@h JOIN #sales");
    server.send_line("@time=2026-12-01T10:00:01.000Z :irc2.test 366 twintrack #sales :End");
    ASSERT_TRUE(eventually([&] { return joined(*bot, "#sales"); }));

    // ZNC plays back the channel and a query in batches, and a query with old times only.
    server.send_line("@time=2026-12-01T10:00:01.000Z :znc.in BATCH +p1 znc.in/playback #sales");
    server.send_line(
        "@batch=p1;time=2026-12-01T10:00:02.000Z :bob!b@h PRIVMSG #sales :!report lost Acme");
    server.send_line(":znc.in BATCH -p1");
    server.send_line("@time=2026-11-30T18:00:00.000Z :bob!b@h PRIVMSG twintrack :!ping old");
    // The server itself, services, and notices.
    server.send_line(":irc2.test PRIVMSG twintrack :Hello from the server");
    server.send_line("@time=2026-12-01T10:00:05.000Z :irc2.test NOTICE twintrack :*** Notice");
    server.send_line(
        "@time=2026-12-01T10:00:05.000Z :NickServ!NickServ@services. PRIVMSG "
        "twintrack :This nickname is registered");
    server.send_line(
        "@time=2026-12-01T10:00:05.000Z :Q!TheQBot@CServe.quakenet.org PRIVMSG "
        "#sales :!ping");
    server.send_line("@time=2026-12-01T10:00:05.000Z :bob!b@h NOTICE twintrack :!ping");
    server.send_line("PRIVMSG twintrack :no source at all");
    // Then a live line.
    server.send_line("@time=2026-12-01T10:00:06.000Z;msgid=live-1 :bob!b@h PRIVMSG #sales :!ping");
    auto e = sink.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "!ping");
    EXPECT_EQ(e->id, "irc:live-1");
    EXPECT_EQ(sink.pending(), 0u);
    const auto status = irc_status(*bot);
    EXPECT_EQ(status.history_skipped, 2);
    // The server's PRIVMSG and NOTICE, NickServ, Q, bob's NOTICE, the line without source.
    EXPECT_EQ(status.not_people, 6);
    bot->stop();
}

}  // namespace
}  // namespace twintrack::irc_test
