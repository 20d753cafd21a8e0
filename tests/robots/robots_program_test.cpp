// End to end with the real `twintrack` program: hub + a DingTalk connector whose robot
// and sessionWebhook live on a fake DingTalk; people talk to the bot through signed
// outgoing-robot callbacks.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <boost/asio.hpp>

#include "tests/integration/process.hpp"
#include "tests/robots/fake_platform.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::robots_test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Process;
using testing::run_program;
using json = nlohmann::json;

const bool sigpipe_ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
}();

int free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

const std::string program_app_secret = "prog-app-secret-77";
const std::string robot_secret = "SECprogrobotsecret";

std::string config_text(int callback_port) {
    return "connectors:\n"
           "  - type: hub\n"
           "    port: 0\n"
           "  - type: dingtalk\n"
           "    format: text\n"
           "    channels:\n"
           "      - name: sales-group\n"
           "        track: sales\n"
           "        url: ${TT_PROG_DINGTALK_URL}\n"
           "        secret: ${TT_PROG_DINGTALK_SECRET}\n"
           "        conversation_id: cidSales==\n"
           "    callback:\n"
           "      bind: 127.0.0.1\n"
           "      port: " +
           std::to_string(callback_port) +
           "\n"
           "      app_secret: ${TT_PROG_DINGTALK_APP_SECRET}\n";
}

PostAnswer callback(int port, const FakePlatform& fake, const std::string& msg_id,
                    const std::string& text, std::int64_t ts, const std::string& secret) {
    const json body = {{"conversationId", "cidSales=="},
                       {"msgId", msg_id},
                       {"senderNick", "Alice"},
                       {"senderStaffId", "alice01"},
                       {"senderId", "$:LWCP_v1:$alice"},
                       {"conversationType", "2"},
                       {"isInAtList", true},
                       {"sessionWebhook", fake.url("/robot/sendBySession?session=s1")},
                       {"sessionWebhookExpiredTime", now_ms() + 90 * 60 * 1000},
                       {"createAt", now_ms()},
                       {"text", {{"content", " " + text}}},
                       {"msgtype", "text"}};
    const std::string t = std::to_string(ts);
    return raw_post(port, "/dingtalk/callback",
                    {{"timestamp", t}, {"sign", openssl_hmac_base64(secret, t + "\n" + secret)}},
                    body.dump());
}

TEST(RobotsProgram, CheckConfigNamesTheMissingVariableNotAValue) {
    test_support::TempDir dir;
    ::unsetenv("TT_PROG_DINGTALK_URL");
    ::setenv("TT_PROG_DINGTALK_SECRET", robot_secret.c_str(), 1);
    ::setenv("TT_PROG_DINGTALK_APP_SECRET", program_app_secret.c_str(), 1);
    const auto config = dir.file("twintrack.yaml", config_text(free_port()));
    const auto r = run_program(TWINTRACK_BINARY, {"check-config", config});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("TT_PROG_DINGTALK_URL"));
    EXPECT_THAT(r.err + r.out, Not(HasSubstr(robot_secret)));
    EXPECT_THAT(r.err + r.out, Not(HasSubstr(program_app_secret)));
}

TEST(RobotsProgram, TheBotAnswersSignedCallbacksOnceThroughTheSessionWebhook) {
    FakePlatform fake;
    test_support::TempDir dir;
    const int port = free_port();
    ::setenv("TT_PROG_DINGTALK_URL", fake.url("/robot/send?access_token=progtoken").c_str(), 1);
    ::setenv("TT_PROG_DINGTALK_SECRET", robot_secret.c_str(), 1);
    ::setenv("TT_PROG_DINGTALK_APP_SECRET", program_app_secret.c_str(), 1);
    const auto csv =
        dir.file("people.csv",
                 "name,email,department,role,timezone,locale,working_hours,identities\n"
                 "Alice Chen,alice@example.com,sales,staff,Asia/Shanghai,en,09:00-18:00,"
                 "dingtalk:alice01\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const auto config = dir.file("twintrack.yaml", config_text(port));
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    ASSERT_EQ(check.exit_code, 0) << check.err;
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    ASSERT_TRUE(bot.wait_for_line("listening on", 20s));

    // Forged and stale callbacks are refused by the program.
    EXPECT_EQ(callback(port, fake, "m0", "ping", now_ms(), "forged").status, 403);
    EXPECT_EQ(
        callback(port, fake, "m0", "ping", now_ms() - 3 * 3600 * 1000, program_app_secret).status,
        403);

    EXPECT_EQ(callback(port, fake, "m1", "ping", now_ms(), program_app_secret).status, 200);
    auto got = fake.wait_for(1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].path, "/robot/sendBySession");
    EXPECT_THAT(got[0].json["text"]["content"].get<std::string>(), HasSubstr("pong"));

    // DingTalk delivering the same message again gets no second answer.
    EXPECT_EQ(callback(port, fake, "m1", "ping", now_ms(), program_app_secret).status, 200);
    EXPECT_EQ(callback(port, fake, "m2", "whoami", now_ms(), program_app_secret).status, 200);
    got = fake.wait_for(2);
    ASSERT_GE(got.size(), 2u);
    EXPECT_THAT(got[1].json["text"]["content"].get<std::string>(), HasSubstr("Alice"));
    bot.signal(SIGTERM);
    EXPECT_TRUE(bot.wait(20s));
    EXPECT_EQ(fake.received().size(), 2u);
}

}  // namespace
}  // namespace twintrack::robots_test
