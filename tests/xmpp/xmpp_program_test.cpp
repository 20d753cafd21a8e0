// End to end: the real `twintrack` program with the hub and an XMPP connector in one
// process, against a real Prosody, with test clients playing people in the directory.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include "tests/integration/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/xmpp/prosody_fixture.hpp"
#include "tests/xmpp/xmpp_client.hpp"
#include "tests/xmpp/xmpp_test_helpers.hpp"

namespace twintrack::xmpp_test {
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

/// The program with the hub (port 0) and an XMPP connector on `server`, after importing
/// Alice (en) and Wei (zh-CN) with their XMPP identities.
std::unique_ptr<Process> start_bot(const Prosody& server, const test_support::TempDir& dir) {
    const auto csv =
        dir.file("people.csv",
                 "name,email,department,role,timezone,locale,working_hours,identities\n"
                 "Alice Chen,alice@example.com,sales,staff,Asia/Shanghai,en,09:00-18:00,"
                 "hub:alice;xmpp:alice@localhost\n"
                 "Li Wei,wei@example.com,marketing,staff,Asia/Shanghai,zh-CN,09:00-18:00,"
                 "xmpp:wei@localhost\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    if (imported.exit_code != 0) throw std::runtime_error("import failed: " + imported.out);
    ::setenv("TT_TEST_XMPP_PASSWORD", "bot-secret", 1);
    const auto config = dir.file("twintrack.yaml",
                                 "connectors:\n"
                                 "  - type: hub\n"
                                 "    port: 0\n"
                                 "  - type: xmpp\n"
                                 "    jid: " +
                                     kBot +
                                     "\n"
                                     "    password: ${TT_TEST_XMPP_PASSWORD}\n"
                                     "    server: 127.0.0.1\n"
                                     "    port: " +
                                     std::to_string(server.port()) +
                                     "\n"
                                     "    tls: optional\n"
                                     "    nick: twintrack\n"
                                     "    channels:\n"
                                     "      - {name: " +
                                     kRoom + ", track: sales}\n");
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    if (check.exit_code != 0) throw std::runtime_error("check-config failed: " + check.err);
    auto bot = std::make_unique<Process>(
        TWINTRACK_BINARY,
        std::vector<std::string>{"run", "--config", config, "--data", dir.path()});
    if (!bot->wait_for_line("listening on", 15s)) {
        throw std::runtime_error("the program did not start");
    }
    return bot;
}

void accounts(Prosody& server) {
    server.add_account("twintrack", "bot-secret");
    server.add_account("alice", "alice-secret");
    server.add_account("wei", "wei-secret");
}

/// Waits until the bot is in the room (as `client` sees it).
bool bot_in_room(XmppClient& client, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (client.sees_occupant(kRoom, "twintrack")) return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

TEST(XmppProgram, DirectCommandsAreAnsweredInTheWritersLanguageAndRoomCommandsInTheRoom) {
    Prosody server;
    accounts(server);
    test_support::TempDir dir;
    auto bot = start_bot(server, dir);
    XmppClient alice(server.port(), "alice", "alice-secret");
    XmppClient wei(server.port(), "wei", "wei-secret");
    ASSERT_TRUE(alice.join(kRoom, "Alice"));
    ASSERT_TRUE(bot_in_room(alice, 15s)) << server.log();

    alice.say(kBot, "whoami");
    const std::string en = joined_lines(alice.bodies_until_quiet(kBot, 1500ms));
    EXPECT_THAT(en, HasSubstr("alice@example.com"));
    EXPECT_THAT(en, HasSubstr("Language:"));
    EXPECT_THAT(en, HasSubstr("xmpp:alice@localhost"));

    wei.say(kBot, "我是谁");
    const std::string zh = joined_lines(wei.bodies_until_quiet(kBot, 1500ms));
    EXPECT_THAT(zh, HasSubstr("wei@example.com"));
    EXPECT_THAT(zh, HasSubstr("部门"));
    EXPECT_THAT(zh, HasSubstr("xmpp:wei@localhost"));

    // In the room: by mention and with "!"; answered in the room, once.
    alice.say(kRoom, "twintrack: ping", "groupchat");
    EXPECT_EQ(alice.bodies_until_quiet(kRoom + "/twintrack", 1500ms),
              std::vector<std::string>{"pong"});
    alice.say(kRoom, "!ping", "groupchat");
    EXPECT_EQ(alice.bodies_until_quiet(kRoom + "/twintrack", 1500ms),
              std::vector<std::string>{"pong"});

    bot->signal(SIGTERM);
    auto finished = bot->wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
    EXPECT_TRUE(alice.occupant_gone(kRoom, "twintrack"));
}

TEST(XmppProgram, ACorrectedCommandIsNotRunAgain) {
    Prosody server;
    accounts(server);
    test_support::TempDir dir;
    auto bot = start_bot(server, dir);
    XmppClient alice(server.port(), "alice", "alice-secret");
    ASSERT_TRUE(alice.join(kRoom, "Alice"));
    ASSERT_TRUE(bot_in_room(alice, 15s)) << server.log();
    alice.say(kRoom, "!ping", "groupchat", "cmd-1");
    EXPECT_EQ(alice.bodies_until_quiet(kRoom + "/twintrack", 1500ms),
              std::vector<std::string>{"pong"});
    // A XEP-0308 correction of the command, then a new command: one answer, the new one's.
    alice.send_raw("<message type='groupchat' to='" + kRoom +
                   "' id='cmd-2'><body>!ping</body>"
                   "<replace id='cmd-1' xmlns='urn:xmpp:message-correct:0'/></message>");
    alice.say(kRoom, "twintrack: ping", "groupchat", "cmd-3");
    EXPECT_EQ(alice.bodies_until_quiet(kRoom + "/twintrack", 1500ms),
              std::vector<std::string>{"pong"});
    bot->signal(SIGTERM);
    auto finished = bot->wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
}

TEST(XmppProgram, ReconnectsAfterProsodyIsKilledAndAnswersOnce) {
    Prosody server;
    accounts(server);
    test_support::TempDir dir;
    auto bot = start_bot(server, dir);
    {
        XmppClient alice(server.port(), "alice", "alice-secret");
        ASSERT_TRUE(alice.join(kRoom, "Alice"));
        ASSERT_TRUE(bot_in_room(alice, 15s)) << server.log();
        alice.say(kRoom, "twintrack: ping", "groupchat");
        EXPECT_EQ(alice.bodies_until_quiet(kRoom + "/twintrack", 1500ms),
                  std::vector<std::string>{"pong"});
        alice.say(kBot, "ping");
        EXPECT_EQ(alice.bodies_until_quiet(kBot, 1500ms), std::vector<std::string>{"pong"});
        server.kill();
    }
    server.start();
    XmppClient alice(server.port(), "alice", "alice-secret");
    ASSERT_TRUE(alice.join(kRoom, "Alice"));
    ASSERT_TRUE(bot_in_room(alice, 30s)) << server.log();
    // Nothing from before the crash is answered again; a new command is answered once.
    alice.say(kRoom, "twintrack: ping", "groupchat");
    EXPECT_EQ(alice.bodies_until_quiet(kRoom + "/twintrack", 2000ms),
              std::vector<std::string>{"pong"});
    alice.say(kBot, "ping");
    EXPECT_EQ(alice.bodies_until_quiet(kBot, 2000ms), std::vector<std::string>{"pong"});
    bot->signal(SIGTERM);
    auto finished = bot->wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
}

}  // namespace
}  // namespace twintrack::xmpp_test
