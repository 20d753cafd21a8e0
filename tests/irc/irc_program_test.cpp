// End to end: the real `twintrack` program with the hub and an IRC connector in one
// process, against a real ngircd (and InspIRCd with channel history), with a test client
// playing a person known on both.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/process.hpp"
#include "tests/irc/inspircd_fixture.hpp"
#include "tests/irc/irc_client.hpp"
#include "tests/irc/ngircd_fixture.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"

namespace twintrack::irc_test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::Process;
using testing::run_program;

const bool sigpipe_ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
}();

std::string joined_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

/// The program with the hub (port 0) and an IRC connector named `irc` on the server at
/// `irc_port`, after importing Alice with the identities hub:alice and irc:alice.
/// `replay_window` is the connector's replay_window_seconds (ngircd plays no history
/// back, so its tests need none).
std::unique_ptr<Process> start_bot(int irc_port, const test_support::TempDir& dir, int* hub_port,
                                   const std::string& replay_window = "0") {
    const auto csv =
        dir.file("people.csv",
                 "name,email,department,role,timezone,locale,working_hours,identities\n"
                 "Alice Chen,alice@example.com,sales,staff,Asia/Shanghai,en,09:00-18:00,"
                 "hub:alice;irc:alice\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    if (imported.exit_code != 0) throw std::runtime_error("import failed: " + imported.out);
    const auto config = dir.file("twintrack.yaml",
                                 "connectors:\n"
                                 "  - type: hub\n"
                                 "    port: 0\n"
                                 "  - type: irc\n"
                                 "    name: irc\n"
                                 "    server: 127.0.0.1\n"
                                 "    port: " +
                                     std::to_string(irc_port) +
                                     "\n"
                                     "    nick: twintrack\n"
                                     "    channels:\n"
                                     "      - {name: \"#sales\", track: sales}\n"
                                     "    flood: {burst: 50, per_second: 20}\n"
                                     "    replay_window_seconds: " +
                                     replay_window + "\n");
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    if (check.exit_code != 0) throw std::runtime_error("check-config failed: " + check.err);
    auto bot = std::make_unique<Process>(
        TWINTRACK_BINARY,
        std::vector<std::string>{"run", "--config", config, "--data", dir.path()});
    auto line = bot->wait_for_line("listening on", 15s);
    if (!line) throw std::runtime_error("the program did not start");
    *hub_port = std::stoi(line->substr(line->rfind(':') + 1));
    return bot;
}

bool bot_joins(IrcClient& client, std::chrono::milliseconds timeout) {
    return client
        .wait_for([](const Message& m) { return m.command == "JOIN" && m.nick() == "twintrack"; },
                  timeout)
        .has_value();
}

TEST(IrcProgram, ReconnectsAfterTheServerRestartsAndAnswersOnce) {
    Ngircd server;
    test_support::TempDir dir;
    int hub_port = 0;
    {
        IrcClient alice(server.port(), "alice");
        alice.join("#sales");
        auto bot = start_bot(server.port(), dir, &hub_port);
        ASSERT_TRUE(bot_joins(alice, 10s));
        alice.say("#sales", "twintrack: ping");
        EXPECT_EQ(alice.privmsgs_until_quiet("twintrack", 1000ms),
                  std::vector<std::string>{"pong"});

        server.kill();
        server.start();
        IrcClient again(server.port(), "alice");
        again.join("#sales");
        ASSERT_TRUE(bot_joins(again, 10s)) << server.log();
        // Nothing from before the restart is answered again; a new command is answered once.
        again.say("#sales", "twintrack: ping");
        EXPECT_EQ(again.privmsgs_until_quiet("twintrack", 1500ms),
                  std::vector<std::string>{"pong"});
        again.say("twintrack", "ping");
        EXPECT_EQ(again.privmsgs_until_quiet("twintrack", 1500ms),
                  std::vector<std::string>{"pong"});
        bot->signal(SIGTERM);
        auto finished = bot->wait(10s);
        ASSERT_TRUE(finished);
        EXPECT_EQ(finished->exit_code, 0) << finished->err;
    }
}

TEST(IrcProgram, OnePersonTalksToTheBotOnIrcAndOnTheHub) {
    Ngircd server;
    test_support::TempDir dir;
    IrcClient alice(server.port(), "alice");
    alice.join("#sales");
    int hub_port = 0;
    auto bot_process = start_bot(server.port(), dir, &hub_port);
    Process& bot = *bot_process;
    ASSERT_TRUE(bot_joins(alice, 10s)) << server.log();

    // In the channel, by mention.
    alice.say("#sales", "twintrack: help");
    auto help = alice.privmsgs_until_quiet("twintrack", 1500ms);
    ASSERT_FALSE(help.empty());
    EXPECT_EQ(help.size() > 1, true);
    EXPECT_THAT(joined_lines(help), HasSubstr("you will most likely need"));

    // By private message.
    alice.say("twintrack", "ping");
    auto pong = alice.next_privmsg("twintrack");
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->param(0), "alice");
    EXPECT_EQ(pong->param(1), "pong");

    // "!" commands in the channel.
    alice.say("#sales", "!ping");
    pong = alice.next_privmsg("twintrack");
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->param(0), "#sales");
    EXPECT_EQ(pong->param(1), "pong");

    // One person on both connectors.
    alice.say("twintrack", "whoami");
    const std::string on_irc = joined_lines(alice.privmsgs_until_quiet("twintrack", 1500ms));
    EXPECT_THAT(on_irc, HasSubstr("alice@example.com"));
    EXPECT_THAT(on_irc, HasSubstr("hub:alice"));
    EXPECT_THAT(on_irc, HasSubstr("irc:alice"));

    test_support::WsClient ws;
    ws.connect("127.0.0.1", hub_port);
    ws.send_json({{"type", "hello"}, {"user", "alice"}});
    ASSERT_TRUE(ws.wait_for_type("welcome"));
    ws.send_json(
        {{"type", "message"}, {"channel", "@twintrack"}, {"text", "whoami"}, {"id", "w-1"}});
    auto reply = ws.wait_for(
        [](const nlohmann::json& f) {
            return f.value("type", "") == "message" && f.value("reply_to", "") == "w-1";
        },
        10s);
    ASSERT_TRUE(reply);
    EXPECT_THAT((*reply)["text"].get<std::string>(), HasSubstr("alice@example.com"));
    EXPECT_THAT((*reply)["text"].get<std::string>(), HasSubstr("irc:alice"));

    // A field report started on IRC is finished in the hub: one person, one dialog.
    alice.say("twintrack", "report");
    const std::string first = joined_lines(alice.privmsgs_until_quiet("twintrack", 1500ms));
    EXPECT_THAT(first, HasSubstr("(1/5)"));
    alice.say("twintrack", "Acme");
    EXPECT_THAT(joined_lines(alice.privmsgs_until_quiet("twintrack", 1500ms)), HasSubstr("(2/5)"));
    auto hub_says = [&](const std::string& text, const std::string& id) {
        ws.send_json({{"type", "message"}, {"channel", "@twintrack"}, {"text", text}, {"id", id}});
        auto r = ws.wait_for(
            [&](const nlohmann::json& f) {
                return f.value("type", "") == "message" && f.value("reply_to", "") == id;
            },
            10s);
        return r ? (*r)["text"].get<std::string>() : std::string("(no reply)");
    };
    EXPECT_THAT(hub_says("skip", "r-1"), HasSubstr("(3/5)"));
    EXPECT_THAT(hub_says("Foo offered 20% off", "r-2"), HasSubstr("(4/5)"));
    EXPECT_THAT(hub_says("case studies", "r-3"), HasSubstr("(5/5)"));
    EXPECT_THAT(hub_says("skip", "r-4"), HasSubstr("Saved report #1"));

    bot.signal(SIGTERM);
    auto finished = bot.wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
    EXPECT_TRUE(alice.wait_for(
        [](const Message& m) { return m.command == "QUIT" && m.nick() == "twintrack"; }, 5s));
}

/// Says `text` in #sales until the bot answers (lines said in the bot's first seconds in
/// the channel are taken for played-back history); the answers, until the bot is quiet.
std::vector<std::string> ask_until_answered(IrcClient& client, const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    std::vector<std::string> got;
    while (got.empty() && std::chrono::steady_clock::now() < deadline) {
        client.say("#sales", text);
        if (auto answer = client.next_privmsg("twintrack", 700ms)) {
            got.push_back(answer->param(1));
            for (auto& line : client.privmsgs_until_quiet("twintrack", 1500ms)) {
                got.push_back(std::move(line));
            }
        }
    }
    return got;
}

TEST(IrcProgram, ARestartedProgramAnswersNoLineInspircdPlaysBack) {
    if (inspircd_program().empty()) GTEST_SKIP() << "inspircd is not installed";
    for (const bool tags : {true, false}) {
        SCOPED_TRACE(tags ? "with the IRCv3 tag modules" : "without tags");
        Inspircd server(tags);
        test_support::TempDir dir;
        IrcClient alice(server.port(), "alice");
        alice.join("#sales");
        alice.send_line("MODE #sales +H 50:1d");
        ASSERT_TRUE(alice.wait_for([](const Message& m) { return m.command == "MODE"; }));
        int hub_port = 0;
        auto bot = start_bot(server.port(), dir, &hub_port, "2");
        ASSERT_TRUE(bot_joins(alice, 10s)) << server.log();
        auto first = ask_until_answered(alice, "!ping");
        ASSERT_FALSE(first.empty()) << server.log();
        bot->signal(SIGTERM);
        ASSERT_TRUE(bot->wait(10s));
        ASSERT_TRUE(alice.wait_for([](const Message& m) { return m.command == "QUIT"; }));

        // Said while the bot is away; InspIRCd plays it back when the bot rejoins.
        alice.say("#sales", "twintrack: whoami");
        alice.say("#sales", "!ping");
        bot = start_bot(server.port(), dir, &hub_port, "2");
        ASSERT_TRUE(bot_joins(alice, 10s)) << server.log();
        auto after = ask_until_answered(alice, "!help ping");
        ASSERT_FALSE(after.empty());
        for (const auto& line : after) {
            EXPECT_THAT(line, ::testing::Not(HasSubstr("alice@example.com")));
            EXPECT_NE(line, "pong");
        }
        bot->signal(SIGTERM);
        auto finished = bot->wait(10s);
        ASSERT_TRUE(finished);
        EXPECT_EQ(finished->exit_code, 0) << finished->err;
    }
}

}  // namespace
}  // namespace twintrack::irc_test
