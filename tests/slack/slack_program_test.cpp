// End to end: the real `twintrack` program with the hub and a Slack connector (Socket
// Mode against the fake Slack) in one process; and start-up refusals naming the missing
// environment variable.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include "tests/integration/process.hpp"
#include "tests/slack/fake_slack.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"

namespace twintrack::slack_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Process;
using testing::run_program;

const bool sigpipe_ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
}();

const char* kAnna = "U061F7AUR";

std::string slack_config(const FakeSlack& slack, const std::string& bot_token_env) {
    return "connectors:\n"
           "  - type: hub\n"
           "    port: 0\n"
           "  - type: slack\n"
           "    name: slack\n"
           "    bot_token: ${" +
           bot_token_env +
           "}\n"
           "    app_token: ${TWINTRACK_TEST_SLACK_APP_TOKEN}\n"
           "    api_url: " +
           slack.api_url() +
           "\n"
           "    channels:\n"
           "      - {name: C024BE91L, track: sales}\n";
}

// The text of every chat.postMessage so far, from the n-th on (1-based).
std::string posted_since(const FakeSlack& slack, std::size_t n) {
    std::string out;
    auto calls = slack.calls("chat.postMessage");
    for (std::size_t i = n - 1; i < calls.size(); ++i) {
        out += calls[i].json_body.value("text", "") + "\n";
    }
    return out;
}

TEST(SlackProgram, OnePersonFinishesAFieldReportAcrossSlackAndTheHub) {
    ::setenv("TWINTRACK_TEST_SLACK_BOT_TOKEN", "xoxb-program-test", 1);
    ::setenv("TWINTRACK_TEST_SLACK_APP_TOKEN", "xapp-1-program-test", 1);
    FakeSlack slack;
    slack.add_user(kAnna, "Anna Becker");
    test_support::TempDir dir;
    const auto csv =
        dir.file("people.csv",
                 "name,email,department,role,timezone,locale,working_hours,identities\n"
                 "Anna Becker,anna@example.com,sales,staff,Europe/Berlin,en,09:00-18:00,"
                 "hub:anna;slack:U061F7AUR\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const auto config =
        dir.file("twintrack.yaml", slack_config(slack, "TWINTRACK_TEST_SLACK_BOT_TOKEN"));
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    ASSERT_EQ(check.exit_code, 0) << check.err;
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    auto line = bot.wait_for_line("listening on", 15s);
    ASSERT_TRUE(line);
    const int hub_port = std::stoi(line->substr(line->rfind(':') + 1));
    ASSERT_TRUE(slack.wait_sockets(1, 15s));
    ASSERT_TRUE(slack.send_json({{"type", "hello"}, {"num_connections", 1}}));

    int envelope = 0;
    int ts = 0;
    std::size_t seen = 1;
    auto slack_says = [&](const std::string& text, std::size_t answers = 1) {
        const std::string id = "env-" + std::to_string(++envelope);
        slack.send_json(events_api_envelope(
            id, "Ev" + std::to_string(envelope),
            message_event("D0PNCRP9N", kAnna, text, "1795886849." + std::to_string(++ts), "im")));
        EXPECT_EQ(slack.wait_ack(id), 1);
        const std::size_t want = seen + answers - 1;
        if (!slack.wait_call("chat.postMessage", want, 15s)) return std::string("(no reply)");
        std::string out = posted_since(slack, seen);
        seen = want + 1;
        return out;
    };

    const std::string who = slack_says("whoami");
    EXPECT_THAT(who, HasSubstr("anna@example.com"));
    EXPECT_THAT(who, HasSubstr("slack:U061F7AUR"));
    EXPECT_THAT(who, HasSubstr("hub:anna"));
    EXPECT_EQ(slack.calls("chat.postMessage").back().json_body["channel"], "D0PNCRP9N");

    EXPECT_THAT(slack_says("report"), HasSubstr("(1/5)"));
    EXPECT_THAT(slack_says("Acme"), HasSubstr("(2/5)"));

    test_support::WsClient ws;
    ws.connect("127.0.0.1", hub_port);
    ws.send_json({{"type", "hello"}, {"user", "anna"}});
    ASSERT_TRUE(ws.wait_for_type("welcome"));
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
    EXPECT_THAT(slack_says("case studies"), HasSubstr("(5/5)"));
    EXPECT_THAT(hub_says("skip", "r-3"), HasSubstr("Saved report #1"));

    // The report is Anna's whichever platform she asks from.
    EXPECT_THAT(slack_says("report 1"), HasSubstr("Acme"));

    bot.signal(SIGTERM);
    auto finished = bot.wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
}

// Nobody wrote Slack ids into the people CSV: a colleague whose Slack profile carries a
// confirmed email found in the directory is known from the first message; an address
// Slack has not confirmed is not trusted.
TEST(SlackProgram, ColleaguesAreRecognisedByTheEmailSlackConfirmed) {
    ::setenv("TWINTRACK_TEST_SLACK_BOT_TOKEN", "xoxb-program-test", 1);
    ::setenv("TWINTRACK_TEST_SLACK_APP_TOKEN", "xapp-1-program-test", 1);
    FakeSlack slack;
    slack.add_user(kAnna, "Anna Becker", "Anna@Example.com");
    slack.add_user("U0G9QF9C6", "Li Wei", "liwei@example.com", /*email_confirmed=*/false);
    test_support::TempDir dir;
    const auto csv = dir.file(
        "people.csv",
        "name,email,department,role,timezone,locale,working_hours,identities\n"
        "Anna Becker,anna@example.com,sales,staff,Europe/Berlin,en,09:00-18:00,hub:anna\n"
        "Li Wei,liwei@example.com,sales,staff,Asia/Shanghai,zh-CN,09:00-18:00,hub:liwei\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const auto config =
        dir.file("twintrack.yaml", "welcome:\n  enabled: false\n" +
                                       slack_config(slack, "TWINTRACK_TEST_SLACK_BOT_TOKEN"));
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    ASSERT_TRUE(bot.wait_for_line("listening on", 15s));
    ASSERT_TRUE(slack.wait_sockets(1, 15s));
    ASSERT_TRUE(slack.send_json({{"type", "hello"}, {"num_connections", 1}}));
    int n = 0;
    auto says = [&](const std::string& user, const std::string& text) {
        ++n;
        const std::string id = "env-" + std::to_string(n);
        slack.send_json(
            events_api_envelope(id, "Ev" + std::to_string(n),
                                message_event("D0PNCRP9" + std::to_string(n), user, text,
                                              "1795886849." + std::to_string(n), "im")));
        EXPECT_EQ(slack.wait_ack(id), 1);
        if (!slack.wait_call("chat.postMessage", static_cast<std::size_t>(n), 15s)) {
            return std::string("(no reply)");
        }
        return slack.calls("chat.postMessage").back().json_body.value("text", "");
    };
    const std::string anna = says(kAnna, "whoami");
    EXPECT_THAT(anna, HasSubstr("anna@example.com"));
    EXPECT_THAT(anna, HasSubstr("slack:U061F7AUR"));
    const std::string li = says("U0G9QF9C6", "whoami");
    EXPECT_THAT(li, Not(HasSubstr("liwei@example.com")));
    EXPECT_THAT(li, HasSubstr("slack:U0G9QF9C6")) << "the unknown-sender answer";
}

TEST(SlackProgram, AMissingTokenStopsTheStartNamingTheVariable) {
    ::setenv("TWINTRACK_TEST_SLACK_APP_TOKEN", "xapp-1-program-test", 1);
    ::unsetenv("TWINTRACK_TEST_SLACK_TOKEN_NOT_SET");
    FakeSlack slack;
    test_support::TempDir dir;
    const auto config =
        dir.file("twintrack.yaml", slack_config(slack, "TWINTRACK_TEST_SLACK_TOKEN_NOT_SET"));
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    EXPECT_EQ(check.exit_code, 2);
    EXPECT_THAT(check.err, HasSubstr("TWINTRACK_TEST_SLACK_TOKEN_NOT_SET"));
    EXPECT_THAT(check.err, HasSubstr("bot_token"));
    auto run = run_program(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_THAT(run.err, HasSubstr("TWINTRACK_TEST_SLACK_TOKEN_NOT_SET"));
    EXPECT_THAT(run.err, Not(HasSubstr("xapp-1-program-test")));
    EXPECT_EQ(slack.sockets(), 0);
}

TEST(SlackProgram, CheckConfigReportsBadSlackAndMattermostSections) {
    ::setenv("TWINTRACK_TEST_SLACK_APP_TOKEN", "xapp-1-program-test", 1);
    ::setenv("TWINTRACK_TEST_SLACK_BOT_TOKEN", "xoxb-program-test", 1);
    test_support::TempDir dir;
    const auto config = dir.file("twintrack.yaml",
                                 "connectors:\n"
                                 "  - type: slack\n"
                                 "    bot_token: xoxb-literal-secret\n"  // line 3
                                 "    app_token: ${TWINTRACK_TEST_SLACK_APP_TOKEN}\n"
                                 "    chanels: []\n"  // line 5
                                 "  - type: slack\n"
                                 "    name: slack-events\n"
                                 "    mode: events\n"
                                 "    bot_token: ${TWINTRACK_TEST_SLACK_BOT_TOKEN}\n"
                                 "    channels:\n"
                                 "      - {name: general, track: joint}\n"  // line 11
                                 "  - type: mattermost\n"
                                 "    url: chat.example.com\n"                      // line 13
                                 "    token: ${TWINTRACK_TEST_MM_TOKEN_NOT_SET}\n"  // 14
                                 "  - type: mattermost\n"
                                 "    name: mm-buttons\n"
                                 "    url: https://chat.example.com\n"
                                 "    token: ${TWINTRACK_TEST_MM_TOKEN_NOT_SET}\n"
                                 "    actions_url: https://bot.example.com/mattermost/actions\n"
                                 "  - type: mattermost\n"
                                 "    name: mm-bad-url\n"
                                 "    url: https://chat.example.com\n"
                                 "    token: ${TWINTRACK_TEST_MM_TOKEN_NOT_SET}\n"
                                 "    actions_url: ftp://bot.example.com/actions\n"
                                 "    actions_secret: ${TWINTRACK_TEST_MM_TOKEN_NOT_SET}\n");
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    EXPECT_EQ(check.exit_code, 2);
    EXPECT_THAT(check.err, HasSubstr(":3:"));
    EXPECT_THAT(check.err, HasSubstr("${ENV_VAR}"));
    EXPECT_THAT(check.err, Not(HasSubstr("xoxb-literal-secret")));
    EXPECT_THAT(check.err, HasSubstr("unknown key \"chanels\""));
    EXPECT_THAT(check.err, HasSubstr("signing_secret"));  // events mode needs it
    EXPECT_THAT(check.err, HasSubstr("not a Slack channel ID"));
    EXPECT_THAT(check.err, HasSubstr("https://chat.example.com"));
    EXPECT_THAT(check.err, HasSubstr("TWINTRACK_TEST_MM_TOKEN_NOT_SET"));
    // Buttons on Mattermost need the secret that proves a click came through the server.
    EXPECT_THAT(check.err, HasSubstr("needs actions_secret"));
    EXPECT_THAT(check.err, HasSubstr("connector's /mattermost/actions"));
}

TEST(SlackProgram, CheckConfigNamesABadCaFileAndProxy) {
    ::setenv("TWINTRACK_TEST_SLACK_APP_TOKEN", "xapp-1-program-test", 1);
    ::setenv("TWINTRACK_TEST_SLACK_BOT_TOKEN", "xoxb-program-test", 1);
    test_support::TempDir dir;
    const auto not_pem = dir.file("private-ca.pem", "not a certificate\n");
    const auto config = dir.file("twintrack.yaml",
                                 "connectors:\n"
                                 "  - type: slack\n"
                                 "    bot_token: ${TWINTRACK_TEST_SLACK_BOT_TOKEN}\n"
                                 "    app_token: ${TWINTRACK_TEST_SLACK_APP_TOKEN}\n"
                                 "    tls_ca_file: " +
                                     not_pem +
                                     "\n"                                      // line 5
                                     "    proxy: socks5://127.0.0.1:1080\n");  // line 6
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    EXPECT_EQ(check.exit_code, 2);
    EXPECT_THAT(check.err, HasSubstr("tls_ca_file"));
    EXPECT_THAT(check.err, HasSubstr("holds no PEM certificate"));
    EXPECT_THAT(check.err, HasSubstr("proxy"));
    EXPECT_THAT(check.err, HasSubstr("http://HOST:PORT"));
}

// The sender's limits are checked like every other key: the value, the key and the line.
TEST(SlackProgram, CheckConfigNamesABadRateLimitWithItsLine) {
    ::setenv("TWINTRACK_TEST_SLACK_APP_TOKEN", "xapp-1-program-test", 1);
    ::setenv("TWINTRACK_TEST_SLACK_BOT_TOKEN", "xoxb-program-test", 1);
    test_support::TempDir dir;
    const auto config = dir.file("twintrack.yaml",
                                 "connectors:\n"
                                 "  - type: slack\n"
                                 "    bot_token: ${TWINTRACK_TEST_SLACK_BOT_TOKEN}\n"
                                 "    app_token: ${TWINTRACK_TEST_SLACK_APP_TOKEN}\n"
                                 "    rate_limit: {per_second: -2, queue: 0, per_secnd: 1}\n");
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    EXPECT_EQ(check.exit_code, 2);
    EXPECT_THAT(check.err, HasSubstr("twintrack.yaml:5"));
    EXPECT_THAT(check.err, HasSubstr("per_second"));
    EXPECT_THAT(check.err, HasSubstr("queue"));
    EXPECT_THAT(check.err, HasSubstr("per_secnd"));
}

}  // namespace
}  // namespace twintrack::slack_test
