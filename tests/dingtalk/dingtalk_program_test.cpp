// End to end: the real `twintrack` program with a DingTalk Stream connector against the
// fake DingTalk; and check-config on DingTalk sections.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <regex>

#include "tests/dingtalk/fake_dingtalk.hpp"
#include "tests/integration/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"

namespace twintrack::dingtalk_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Process;
using testing::run_program;

const bool sigpipe_ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
}();

long long now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string stream_config(const FakeDingTalk& fake) {
    return "connectors:\n"
           "  - type: dingtalk\n"
           "    name: dingtalk\n"
           "    client_id: " +
           std::string(kClientId) +
           "\n"
           "    client_secret: ${TWINTRACK_TEST_DINGTALK_SECRET}\n"
           "    api_url: " +
           fake.url() +
           "\n"
           "    gateway_url: " +
           fake.url() +
           "\n"
           "    oapi_url: " +
           fake.url() +
           "\n"
           "    channels:\n"
           "      - {name: cidp7tqZqSfFxBbeKzxJRBSgA==, track: sales}\n";
}

TEST(DingTalkProgram, ASalesRepFilesAFieldReportInChineseByDirectMessage) {
    ::setenv("TWINTRACK_TEST_DINGTALK_SECRET", kClientSecret, 1);
    FakeDingTalk fake;
    test_support::TempDir dir;
    const auto csv =
        dir.file("people.csv",
                 "name,email,department,role,timezone,locale,working_hours,identities\n"
                 "王芳,wang.fang@example.com,sales,staff,Asia/Shanghai,zh-CN,09:00-18:00,"
                 "dingtalk:manager4220\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const auto config = dir.file("twintrack.yaml", stream_config(fake));
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    ASSERT_EQ(check.exit_code, 0) << check.err;
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    ASSERT_TRUE(fake.wait_sockets(1, 15s));

    int n = 0;
    std::size_t seen = 0;  // session webhook posts already read
    // Sends `text` as 王芳's direct message; returns the bot's replies once one of them
    // contains `expect` (or all that came within 15 s).
    auto says = [&](const std::string& text, const std::string& expect) {
        ++n;
        json m =
            robot_message("msg-" + std::to_string(n), "manager4220", "王芳", text, "1",
                          "cidDirectWangFang==", fake.session_url("wangfang"), now_ms() + 3600000);
        m["createAt"] = now_ms();
        const std::string frame_id = "frame-" + std::to_string(n);
        EXPECT_TRUE(fake.send(callback_frame(frame_id, m)));
        EXPECT_EQ(fake.wait_acks(frame_id).size(), 1u);
        std::string out;
        while (out.find(expect) == std::string::npos) {
            auto call = fake.wait_call("/session/", seen + 1, 15s);
            if (!call) break;
            ++seen;
            out += call->json_body["text"].value("content", "") + "\n";
        }
        return out;
    };

    const std::string who = says("我是谁", "wang.fang@example.com");
    EXPECT_THAT(who, HasSubstr("wang.fang@example.com"));
    EXPECT_THAT(who, HasSubstr("dingtalk:manager4220"));
    EXPECT_THAT(says("报告", "（1/5）"), HasSubstr("你拜访了哪些客户"));
    EXPECT_THAT(says("艾克米", "（2/5）"), HasSubstr("（2/5）"));
    EXPECT_THAT(says("跳过", "（3/5）"), HasSubstr("竞品"));
    EXPECT_THAT(says("华为报价低15%", "（4/5）"), HasSubstr("需求"));
    EXPECT_THAT(says("需要案例", "（5/5）"), HasSubstr("支持"));
    EXPECT_THAT(says("跳过", "已保存报告 #1"), HasSubstr("艾克米"));
    // The report is hers when she asks for it.
    EXPECT_THAT(says("报告 1", "艾克米"), HasSubstr("#1"));
    // The answers came through her conversation's session webhook; only what the bot
    // sent her before she first wrote (the welcome, the weekly report reminder) needed
    // the robot API.
    std::string direct;
    for (const auto& c : fake.calls("/v1.0/robot/oToMessages/batchSend")) {
        direct += c.json_body.value("msgParam", "") + "\n";
    }
    EXPECT_THAT(direct, Not(HasSubstr("wang.fang@example.com")));
    EXPECT_THAT(direct, Not(HasSubstr("已保存报告")));

    bot.signal(SIGTERM);
    auto finished = bot.wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
    EXPECT_THAT(finished->out + finished->err, Not(HasSubstr(kClientSecret)));
}

TEST(DingTalkProgram, APersonLinksTheirDingTalkAccountFromTheHub) {
    ::setenv("TWINTRACK_TEST_DINGTALK_SECRET", kClientSecret, 1);
    FakeDingTalk fake;
    test_support::TempDir dir;
    const auto csv =
        dir.file("people.csv",
                 "name,email,department,role,timezone,locale,working_hours,identities\n"
                 "Anna Becker,anna@example.com,marketing,staff,Europe/Berlin,en,09:00-18:00,"
                 "hub:anna\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const auto config = dir.file("twintrack.yaml",
                                 "connectors:\n"
                                 "  - type: hub\n"
                                 "    port: 0\n" +
                                     stream_config(fake).substr(12));
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    auto line = bot.wait_for_line("listening on", 15s);
    ASSERT_TRUE(line);
    const int hub_port = std::stoi(line->substr(line->rfind(':') + 1));
    ASSERT_TRUE(fake.wait_sockets(1, 15s));

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
    EXPECT_THAT(hub_says("link dingtalk manager4220", "l-1"), HasSubstr("one-time code"));
    // The code reaches the DingTalk account by the robot API (no conversation yet).
    auto sent = fake.wait_call("/v1.0/robot/oToMessages/batchSend", 1, 15s);
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->json_body["userIds"], json::array({"manager4220"}));
    const std::string content =
        json::parse(sent->json_body.value("msgParam", "{}")).value("content", "");
    std::smatch code;
    ASSERT_TRUE(std::regex_search(content, code, std::regex("link code ([0-9]{6})"))) << content;
    EXPECT_THAT(hub_says("link code " + code[1].str(), "l-2"), HasSubstr("dingtalk:manager4220"));

    // Messages from that DingTalk account are Anna's now.
    json m = robot_message("msg-who", "manager4220", "Anna", "whoami", "1",
                           "cidDirectAnna==", fake.session_url("anna"), now_ms() + 3600000);
    m["createAt"] = now_ms();
    ASSERT_TRUE(fake.send(callback_frame("frame-who", m)));
    std::string replies;
    for (std::size_t n = 1; replies.find("anna@example.com") == std::string::npos; ++n) {
        auto call = fake.wait_call("/session/", n, 15s);
        if (!call) break;
        replies += call->json_body["text"].value("content", "") + "\n";
    }
    EXPECT_THAT(replies, HasSubstr("anna@example.com"));

    bot.signal(SIGTERM);
    auto finished = bot.wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
}

// A colleague in the directory who never wrote from DingTalk is recognised by the
// enterprise mailbox DingTalk reports for them (directory.match_by_email): the identity is
// recorded on the first message and they are looked up once. Someone whose mailbox is not
// in the directory, and someone whose lookup fails, get the usual "I don't know you yet".
TEST(DingTalkProgram, AColleagueIsRecognisedByTheirEnterpriseMailboxOnFirstContact) {
    ::setenv("TWINTRACK_TEST_DINGTALK_SECRET", kClientSecret, 1);
    FakeDingTalk fake;
    fake.add_user("manager4220", "王芳", "", "wang.fang@example.com");
    fake.add_user("staff9999", "赵六", "", "zhao.liu@example.com");
    fake.add_user("staff1001", "李娜", "", "li.na@example.com");
    test_support::TempDir dir;
    const auto csv =
        dir.file("people.csv",
                 "name,email,department,role,timezone,locale,working_hours,identities\n"
                 "王芳,wang.fang@example.com,sales,staff,Asia/Shanghai,zh-CN,09:00-18:00,"
                 "hub:wangfang\n"
                 "李娜,li.na@example.com,marketing,staff,Asia/Shanghai,zh-CN,09:00-18:00,"
                 "hub:lina\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const auto config = dir.file("twintrack.yaml", stream_config(fake));
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    ASSERT_TRUE(fake.wait_sockets(1, 15s));

    int n = 0;
    // `staff` writes `text` by direct message; the replies on their session webhook once
    // one contains `expect` (or all that came within 15 s).
    auto says = [&](const std::string& staff, const std::string& text, const std::string& expect) {
        ++n;
        const std::string session = "s-" + staff;
        const std::size_t before = fake.calls("/session/" + session).size();
        json m = robot_message("msg-m" + std::to_string(n), staff, staff, text, "1",
                               "cidDirect" + staff + "==", fake.session_url(session),
                               now_ms() + 3600000);
        m["createAt"] = now_ms();
        EXPECT_TRUE(fake.send(callback_frame("frame-m" + std::to_string(n), m)));
        std::string out;
        for (std::size_t k = before + 1; out.find(expect) == std::string::npos; ++k) {
            auto call = fake.wait_call("/session/" + session, k, 15s);
            if (!call) break;
            out += call->json_body["text"].value("content", "") + "\n";
        }
        return out;
    };

    const std::string who = says("manager4220", "我是谁", "dingtalk:manager4220");
    EXPECT_THAT(who, HasSubstr("wang.fang@example.com"));
    EXPECT_THAT(who, HasSubstr("dingtalk:manager4220"));
    EXPECT_THAT(says("manager4220", "我是谁", "wang.fang@example.com"),
                HasSubstr("wang.fang@example.com"));
    EXPECT_EQ(fake.calls("/topapi/v2/user/get").size(), 1u);

    // A mailbox the directory does not have: not recognised.
    EXPECT_THAT(says("staff9999", "whoami", "import people"), HasSubstr("dingtalk:staff9999"));
    // A lookup that fails (HTTP 500): the message is answered as from an unknown sender.
    fake.fail_user_lookups(1, 500);
    const std::string failed = says("staff1001", "whoami", "import people");
    EXPECT_THAT(failed, HasSubstr("dingtalk:staff1001"));
    EXPECT_THAT(failed, Not(HasSubstr("li.na@example.com")));

    bot.signal(SIGTERM);
    auto finished = bot.wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
    EXPECT_THAT(finished->out + finished->err,
                HasSubstr("dingtalk:manager4220 recognised by the email"));
}

// A DingTalk app with the card template imported: buttons come as interactive cards and
// their clicks come back over the stream.
TEST(DingTalkProgram, AManagerApprovesAnAnnouncementByClickingItsCardInChinese) {
    ::setenv("TWINTRACK_TEST_DINGTALK_SECRET", kClientSecret, 1);
    FakeDingTalk fake;
    test_support::TempDir dir;
    const auto csv =
        dir.file("people.csv",
                 "name,email,department,role,timezone,locale,working_hours,identities\n"
                 "李娜,li.na@example.com,marketing,staff,Asia/Shanghai,zh-CN,09:00-18:00,"
                 "dingtalk:staff1001\n"
                 "张伟,zhang.wei@example.com,marketing,manager,Asia/Shanghai,zh-CN,09:00-18:00,"
                 "dingtalk:manager4220\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const auto config = dir.file("twintrack.yaml", stream_config(fake) + "    card_template_id: " +
                                                       std::string(kCardTemplateId) + "\n");
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    ASSERT_EQ(check.exit_code, 0) << check.err;
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    ASSERT_TRUE(fake.wait_sockets(1, 15s));

    // 李娜 drafts an announcement by direct message.
    json m = robot_message("msg-1", "staff1001", "李娜", "起草公告 \"周五下午三点全员会议\"", "1",
                           "cidDirectLiNa==", fake.session_url("lina"), now_ms() + 3600000);
    m["createAt"] = now_ms();
    ASSERT_TRUE(fake.send(callback_frame("frame-1", m)));

    // 张伟 gets the request as a card in his chat with the robot.
    auto card = fake.wait_call("/v1.0/card/instances/createAndDeliver", 1, 20s);
    ASSERT_TRUE(card);
    EXPECT_EQ(card->json_body["openSpaceId"], "dtv1.card//IM_ROBOT.manager4220");
    const json params = card->json_body["cardData"]["cardParamMap"];
    EXPECT_THAT(params["markdown"].get<std::string>(), HasSubstr("#1"));
    const json buttons = json::parse(params["buttons"].get<std::string>());
    ASSERT_GE(buttons.size(), 2u);
    EXPECT_EQ(buttons[0]["label"], "批准");
    const std::string out = card->json_body["outTrackId"];
    const std::string approve = buttons[0]["token"];

    // Every message the robot API carried to 张伟, as one text.
    auto to_manager = [&] {
        std::string all;
        for (const auto& c : fake.calls("/v1.0/robot/oToMessages/batchSend")) {
            if (c.json_body.value("userIds", json::array()) != json::array({"manager4220"})) {
                continue;
            }
            all += json::parse(c.json_body.value("msgParam", "{}")).value("content", "") + "\n";
        }
        return all;
    };
    auto wait_manager_told = [&](const std::string& part) {
        for (std::size_t n = 1;; ++n) {
            if (to_manager().find(part) != std::string::npos) return true;
            if (!fake.wait_call("/v1.0/robot/oToMessages/batchSend", n, 15s)) return false;
        }
    };
    auto count = [](const std::string& text, const std::string& part) {
        int n = 0;
        for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
        return n;
    };

    // A token altered on the way is refused, privately and in his language.
    std::string forged = approve;
    forged.back() = forged.back() == '0' ? '1' : '0';
    ASSERT_TRUE(fake.send(card_callback_frame("cb-forged", "manager4220", out, {{"token", forged}},
                                              "IM_ROBOT", "manager4220")));
    EXPECT_TRUE(wait_manager_told("这个按钮无效")) << to_manager();
    EXPECT_TRUE(fake.calls("/v1.0/card/instances").empty());

    // His click approves; the card then shows the outcome instead of the buttons.
    const json click = card_callback_frame("cb-1", "manager4220", out, {{"token", approve}},
                                           "IM_ROBOT", "manager4220");
    ASSERT_TRUE(fake.send(click));
    auto put = fake.wait_call("/v1.0/card/instances", 1, 20s);
    ASSERT_TRUE(put);
    EXPECT_EQ(put->method, "PUT");
    EXPECT_EQ(put->json_body["outTrackId"], out);
    const json settled = put->json_body["cardData"]["cardParamMap"];
    EXPECT_EQ(settled["status"], "settled");
    EXPECT_THAT(settled["resultText"].get<std::string>(), HasSubstr("张伟 已于"));
    EXPECT_THAT(settled["resultText"].get<std::string>(), HasSubstr("批准"));
    EXPECT_TRUE(wait_manager_told("批准公告 #1")) << to_manager();

    // The same callback delivered again changes nothing; a later click on the same card
    // is told the outcome.
    ASSERT_TRUE(fake.send(click));
    ASSERT_TRUE(fake.send(card_callback_frame("cb-2", "manager4220", out, {{"token", approve}},
                                              "IM_ROBOT", "manager4220")));
    EXPECT_TRUE(wait_manager_told("此事已经处理")) << to_manager();
    EXPECT_EQ(count(to_manager(), "批准公告 #1"), 1) << to_manager();
    EXPECT_EQ(fake.calls("/v1.0/card/instances").size(), 1u);
    EXPECT_EQ(fake.wait_acks("cb-1", 2).size(), 2u);

    bot.signal(SIGTERM);
    auto finished = bot.wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
    EXPECT_THAT(finished->out + finished->err, Not(HasSubstr(kClientSecret)));
}

TEST(DingTalkProgram, CheckConfigReportsEveryBadKeyWithItsLine) {
    ::setenv("TWINTRACK_TEST_DINGTALK_SECRET", kClientSecret, 1);
    ::unsetenv("TWINTRACK_TEST_DINGTALK_NOT_SET");
    test_support::TempDir dir;
    const auto config = dir.file("twintrack.yaml",
                                 "connectors:\n"
                                 "  - type: dingtalk\n"
                                 "    client_id: dingtestclient0001\n"
                                 "    client_secret: literal-secret-value\n"  // line 4
                                 "    api_url: api.dingtalk.com\n"            // line 5
                                 "    format: html\n"                         // line 6
                                 "    chanels: []\n"                          // line 7
                                 "    card_template_id: 审批模板\n"           // line 8
                                 "  - type: dingtalk\n"
                                 "    name: dingtalk-2\n"
                                 "    mode: stream\n"
                                 "    client_secret: ${TWINTRACK_TEST_DINGTALK_NOT_SET}\n"
                                 "    channels:\n"
                                 "      - {name: 华东销售群, track: sales}\n");  // line 14
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    EXPECT_EQ(check.exit_code, 2);
    EXPECT_THAT(check.err, HasSubstr(":4:"));
    EXPECT_THAT(check.err, HasSubstr("${ENV_VAR}"));
    EXPECT_THAT(check.err, Not(HasSubstr("literal-secret-value")));
    EXPECT_THAT(check.err, HasSubstr(":5:"));
    EXPECT_THAT(check.err, HasSubstr("https://"));
    EXPECT_THAT(check.err, HasSubstr(":6:"));
    EXPECT_THAT(check.err, HasSubstr("unknown key \"chanels\""));
    EXPECT_THAT(check.err, HasSubstr(":8:"));
    EXPECT_THAT(check.err, HasSubstr(".schema"));
    EXPECT_THAT(check.err, HasSubstr("client_id"));  // missing on the second
    EXPECT_THAT(check.err, HasSubstr("TWINTRACK_TEST_DINGTALK_NOT_SET"));
    EXPECT_THAT(check.err, HasSubstr("openConversationId"));
}

TEST(DingTalkProgram, ASectionWithoutClientIdIsStillTheGroupRobot) {
    ::setenv("TWINTRACK_TEST_DINGTALK_ROBOT_URL",
             "https://oapi.dingtalk.com/robot/send?access_token=abc", 1);
    test_support::TempDir dir;
    const auto good = dir.file("good.yaml",
                               "connectors:\n"
                               "  - type: dingtalk\n"
                               "    format: markdown\n"
                               "    channels:\n"
                               "      - {name: sales-group, track: sales, url: "
                               "\"${TWINTRACK_TEST_DINGTALK_ROBOT_URL}\"}\n");
    auto check = run_program(TWINTRACK_BINARY, {"check-config", good});
    EXPECT_EQ(check.exit_code, 0) << check.err;
    const auto robot_keys_in_stream = dir.file("bad.yaml",
                                               "connectors:\n"
                                               "  - type: dingtalk\n"
                                               "    mode: robot\n"
                                               "    client_id: dingtestclient0001\n"
                                               "    channels: []\n");
    check = run_program(TWINTRACK_BINARY, {"check-config", robot_keys_in_stream});
    EXPECT_EQ(check.exit_code, 2);
    EXPECT_THAT(check.err, HasSubstr("unknown key \"client_id\""));
}

}  // namespace
}  // namespace twintrack::dingtalk_test
