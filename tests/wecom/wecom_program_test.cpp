// End to end: the real `twintrack` program with the hub and the WeCom app connector
// against the fake WeCom. A sales rep files a field report in Chinese through the report
// dialog by encrypted callbacks and reads the bot's replies as message/send calls; a
// forged callback is refused; a sales manager approves an announcement by clicking its
// template card (an altered button refused, a redelivered click applied once, the card
// updated with the outcome); check-config names a bad EncodingAESKey with its line.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/integration/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"
#include "tests/wecom/fake_wecom.hpp"

namespace twintrack::wecom_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Process;
using testing::run_program;

const bool sigpipe_ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
}();

const std::string kToken = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo";
const std::string kAesKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";

// A loopback port nobody listens on right now (the program binds it next).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::string wecom_config(const FakeWecom& wecom, int port, const std::string& aes_env) {
    return "welcome:\n"
           "  enabled: false\n"
           "connectors:\n"
           "  - type: hub\n"
           "    port: 0\n"
           "  - type: wecom\n"
           "    corp_id: ww1436e0e65a779aee\n"
           "    agent_id: 1000002\n"
           "    secret: ${TWINTRACK_TEST_WECOM_SECRET}\n"
           "    token: ${TWINTRACK_TEST_WECOM_TOKEN}\n"
           "    encoding_aes_key: ${" +
           aes_env +
           "}\n"  // line 11
           "    port: " +
           std::to_string(port) +
           "\n"
           "    api_url: " +
           wecom.url() +
           "\n"
           "    proxy: none\n"
           "    channels:\n"
           "      - {name: salesgroup01, track: sales}\n";
}

void set_env() {
    ::setenv("TWINTRACK_TEST_WECOM_SECRET", FakeWecom::secret, 1);
    ::setenv("TWINTRACK_TEST_WECOM_TOKEN", kToken.c_str(), 1);
    ::setenv("TWINTRACK_TEST_WECOM_AES_KEY", kAesKey.c_str(), 1);
    ::setenv("TWINTRACK_TEST_WECOM_BAD_KEY", "too-short-aes-key", 1);
}

// A colleague in the directory who never wrote from WeCom is recognised by the business
// mailbox user/get reports for them (directory.match_by_email): the identity is recorded
// on the first message and they are looked up once. A member whose mailbox is not in the
// directory, and one whose lookup fails, get the usual "I don't know you yet".
TEST(WecomProgram, AColleagueIsRecognisedByTheirBusinessMailboxOnFirstContact) {
    set_env();
    FakeWecom wecom;
    wecom.add_member("wangfang", "王芳", "", "wang.fang@example.com");
    wecom.add_member("zhaoliu", "赵六", "", "zhao.liu@example.com");
    wecom.add_member("lina", "李娜", "", "li.na@example.com");
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
    const int port = free_port();
    const auto config =
        dir.file("twintrack.yaml", wecom_config(wecom, port, "TWINTRACK_TEST_WECOM_AES_KEY"));
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    ASSERT_TRUE(bot.wait_for_line("listening on", std::chrono::seconds(15)));
    ASSERT_TRUE(test_support::wait_until_healthy("127.0.0.1", port));

    int msg_id = 0;
    // `user` writes `text` in the app; what the bot sent them since, up to the first
    // message holding `want`.
    auto says = [&](const std::string& user, const std::string& text, const std::string& want) {
        const long long now = std::time(nullptr);
        ++msg_id;
        std::size_t seen = wecom.calls("/cgi-bin/message/send").size();
        const auto cb =
            sign_callback(kToken, kAesKey, FakeWecom::corp_id,
                          text_message_xml(user, text, std::to_string(9100 + msg_id), 1000002, now),
                          now, std::to_string(200000 + msg_id));
        const auto r =
            test_support::http_request("POST", "127.0.0.1", port, "/wecom/callback?" + cb.query,
                                       {{"Content-Type", "text/xml"}}, cb.body);
        EXPECT_EQ(r.status, 200);
        std::string out;
        while (auto call =
                   wecom.wait_call("/cgi-bin/message/send", seen + 1, std::chrono::seconds(15))) {
            ++seen;
            if (call->body.value("touser", "") != user) continue;
            const std::string content = call->body["text"]["content"].get<std::string>();
            out += content + "\n";
            if (content.find(want) != std::string::npos) return out;
        }
        return out + "(no reply with \"" + want + "\")";
    };

    const std::string who = says("wangfang", "我是谁", "wecom:wangfang");
    EXPECT_THAT(who, HasSubstr("wang.fang@example.com"));
    EXPECT_THAT(says("wangfang", "我是谁", "wang.fang@example.com"), HasSubstr("wecom:wangfang"));
    EXPECT_EQ(wecom.calls("/cgi-bin/user/get").size(), 1u);

    // A mailbox the directory does not have: not recognised.
    EXPECT_THAT(says("zhaoliu", "whoami", "import people"), HasSubstr("wecom:zhaoliu"));
    // A lookup that fails (HTTP 500): answered as from an unknown sender.
    wecom.fail_user_lookups(1, 500);
    const std::string failed = says("lina", "whoami", "import people");
    EXPECT_THAT(failed, HasSubstr("wecom:lina"));
    EXPECT_THAT(failed, Not(HasSubstr("li.na@example.com")));

    bot.signal(SIGTERM);
    auto finished = bot.wait(std::chrono::seconds(10));
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
    EXPECT_THAT(finished->out + finished->err, HasSubstr("wecom:wangfang recognised by the email"));
}

TEST(WecomProgram, ASalesRepFilesAFieldReportInChineseThroughTheApp) {
    set_env();
    FakeWecom wecom;
    test_support::TempDir dir;
    const auto csv =
        dir.file("people.csv",
                 "name,email,department,role,timezone,locale,working_hours,identities\n"
                 "王芳,wang.fang@example.com,sales,staff,Asia/Shanghai,zh-CN,09:00-18:00,"
                 "wecom:wangfang\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const int port = free_port();
    const auto config =
        dir.file("twintrack.yaml", wecom_config(wecom, port, "TWINTRACK_TEST_WECOM_AES_KEY"));
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    ASSERT_EQ(check.exit_code, 0) << check.err;
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    ASSERT_TRUE(bot.wait_for_line("listening on", std::chrono::seconds(15)));
    ASSERT_TRUE(test_support::wait_until_healthy("127.0.0.1", port));
    ASSERT_TRUE(wecom.wait_call("/cgi-bin/gettoken", 1));

    int msg_id = 0;
    std::size_t seen = 0;
    // 王芳 writes `text` in the app; returns what the bot sent her since, up to the first
    // message holding `want` (the bot may also send her something of its own, such as
    // the weekly report reminder when the report window is open).
    auto wang_says = [&](const std::string& text, const std::string& want) {
        const long long now = std::time(nullptr);
        ++msg_id;
        const auto cb = sign_callback(
            kToken, kAesKey, FakeWecom::corp_id,
            text_message_xml("wangfang", text, std::to_string(7000 + msg_id), 1000002, now), now,
            std::to_string(100000 + msg_id));
        const auto r =
            test_support::http_request("POST", "127.0.0.1", port, "/wecom/callback?" + cb.query,
                                       {{"Content-Type", "text/xml"}}, cb.body);
        EXPECT_EQ(r.status, 200);
        std::string out;
        while (auto call =
                   wecom.wait_call("/cgi-bin/message/send", seen + 1, std::chrono::seconds(15))) {
            ++seen;
            EXPECT_EQ(call->body["touser"], "wangfang");
            const std::string content = call->body["text"]["content"].get<std::string>();
            out += content + "\n";
            if (content.find(want) != std::string::npos) return out;
        }
        return out + "(no reply with \"" + want + "\")";
    };

    EXPECT_THAT(wang_says("报告", "（1/5）"), HasSubstr("你拜访了哪些客户"));
    EXPECT_THAT(wang_says("华为技术", "（2/5）"), HasSubstr("阶段变化"));
    EXPECT_THAT(wang_says("跳过", "（3/5）"), HasSubstr("竞品"));
    EXPECT_THAT(wang_says("中兴报价低15%", "（4/5）"), HasSubstr("需求"));
    EXPECT_THAT(wang_says("需要案例和培训", "（5/5）"), HasSubstr("市场部"));
    EXPECT_THAT(wang_says("跳过", "已保存报告 #1"), HasSubstr("华为技术"));

    // A forged callback changes nothing and gets no reply.
    const long long now = std::time(nullptr);
    auto forged =
        sign_callback("AnotherToken", kAesKey, FakeWecom::corp_id,
                      text_message_xml("wangfang", "报告", "7999", 1000002, now), now, "1");
    EXPECT_EQ(
        test_support::http_request("POST", "127.0.0.1", port, "/wecom/callback?" + forged.query,
                                   {{"Content-Type", "text/xml"}}, forged.body)
            .status,
        401);
    // The report is hers: she reads it back.
    EXPECT_THAT(wang_says("报告 1", "华为技术"), HasSubstr("中兴"));

    bot.signal(SIGTERM);
    auto finished = bot.wait(std::chrono::seconds(10));
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
    EXPECT_THAT(finished->err, HasSubstr("refused a callback: wrong msg_signature"));
    EXPECT_THAT(finished->err, Not(HasSubstr(kAesKey)));
    EXPECT_THAT(finished->err, Not(HasSubstr(FakeWecom::secret)));
    EXPECT_THAT(finished->err, Not(HasSubstr("ACCESS_TOKEN_")));
}

// Text of a message/send call: a text message's content, or a card's title and text.
std::string shown(const ApiCall& call) {
    const json& b = call.body;
    if (b.value("msgtype", "") == "template_card") {
        return b["template_card"]["main_title"].value("title", "") + "\n" +
               b["template_card"].value("sub_title_text", "");
    }
    return b.contains("text") ? b["text"].value("content", "") : "";
}

TEST(WecomProgram, AManagerApprovesAnAnnouncementByClickingItsCardInChinese) {
    set_env();
    FakeWecom wecom;
    test_support::TempDir dir;
    const auto csv = dir.file(
        "people.csv",
        "name,email,department,role,timezone,locale,working_hours,identities\n"
        "王芳,wang.fang@example.com,marketing,staff,Asia/"
        "Shanghai,zh-CN,09:00-18:00,wecom:wangfang\n"
        "李娜,li.na@example.com,marketing,manager,Asia/Shanghai,zh-CN,09:00-18:00,wecom:lina\n"
        "周强,zhou.qiang@example.com,sales,manager,Asia/Shanghai,zh-CN,09:00-18:00,"
        "wecom:zhouqiang\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const int port = free_port();
    const auto config =
        dir.file("twintrack.yaml", wecom_config(wecom, port, "TWINTRACK_TEST_WECOM_AES_KEY"));
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    ASSERT_TRUE(bot.wait_for_line("listening on", std::chrono::seconds(15)));
    ASSERT_TRUE(test_support::wait_until_healthy("127.0.0.1", port));

    int n = 0;
    auto post = [&](const std::string& xml) {
        const long long now = std::time(nullptr);
        const auto cb = sign_callback(kToken, kAesKey, FakeWecom::corp_id, xml, now,
                                      std::to_string(200000 + ++n));
        return test_support::http_request("POST", "127.0.0.1", port, "/wecom/callback?" + cb.query,
                                          {{"Content-Type", "text/xml"}}, cb.body)
            .status;
    };
    auto says = [&](const std::string& user, const std::string& text) {
        return post(
            text_message_xml(user, text, std::to_string(8000 + n), 1000002, std::time(nullptr)));
    };
    auto clicks = [&](const std::string& key, const std::string& task, const std::string& code) {
        return post(card_click_xml("zhouqiang", key, task, code, 1000002, std::time(nullptr)));
    };
    // The next message/send to `user` after the ones seen, whose shown text holds `want`.
    std::size_t seen = 0;
    auto next_to = [&](const std::string& user, const std::string& want) -> std::optional<ApiCall> {
        while (auto call =
                   wecom.wait_call("/cgi-bin/message/send", seen + 1, std::chrono::seconds(15))) {
            ++seen;
            if (call->body.value("touser", "") == user &&
                shown(*call).find(want) != std::string::npos) {
                return call;
            }
        }
        return std::nullopt;
    };

    ASSERT_EQ(says("wangfang", "起草公告 “TwinTrack 的一线报告现已支持微信。”"), 200);
    // 周强 (sales manager) gets the request as a card with 批准 / 退回修改 buttons.
    const auto card = next_to("zhouqiang", "起草了公告 #1");
    ASSERT_TRUE(card) << "no approval request to 周强";
    ASSERT_EQ(card->body["msgtype"], "template_card");
    const json& buttons = card->body["template_card"]["button_list"];
    ASSERT_EQ(buttons.size(), 2u);
    EXPECT_EQ(buttons[0]["text"], "批准");
    EXPECT_EQ(buttons[1]["text"], "退回修改");
    const std::string task = card->body["template_card"]["task_id"];
    const std::string approve = buttons[0]["key"];

    // An altered token is refused, privately, in his language; nothing is approved.
    std::string altered = approve;
    altered.back() = altered.back() == '0' ? '1' : '0';
    ASSERT_EQ(clicks(altered, task, wecom.click_response_code()), 200);
    EXPECT_TRUE(next_to("zhouqiang", "这个按钮无效"));

    // His click approves for sales; the card's buttons give way to the outcome.
    const std::string code = wecom.click_response_code();
    ASSERT_EQ(clicks(approve, task, code), 200);
    const auto approved = next_to("zhouqiang", "批准公告 #1");
    ASSERT_TRUE(approved);
    EXPECT_EQ(approved->body["msgtype"], "text");
    const auto update = wecom.wait_call("/cgi-bin/message/update_template_card", 1);
    ASSERT_TRUE(update);
    EXPECT_EQ(update->body["response_code"], code);
    EXPECT_EQ(update->body["template_card"]["task_id"], task);
    const std::string outcome = update->body["template_card"]["replace_text"];
    EXPECT_THAT(outcome, HasSubstr("周强"));
    EXPECT_THAT(outcome, HasSubstr("批准"));

    // WeCom delivers the same click again: applied once (no "already approved").
    ASSERT_EQ(clicks(approve, task, code), 200);
    ASSERT_EQ(says("zhouqiang", "公告 1"), 200);
    const auto shown_announcement = next_to("zhouqiang", "TwinTrack");
    ASSERT_TRUE(shown_announcement);
    EXPECT_THAT(shown(*shown_announcement), HasSubstr("周强 已批准"));
    int approvals = 0;
    for (const auto& call : wecom.calls("/cgi-bin/message/send")) {
        if (call.body.value("touser", "") != "zhouqiang") continue;
        EXPECT_THAT(shown(call), Not(HasSubstr("已经代表")));
        if (shown(call).find("批准公告 #1") != std::string::npos) ++approvals;
    }
    EXPECT_EQ(approvals, 1);
    EXPECT_EQ(wecom.calls("/cgi-bin/message/update_template_card").size(), 1u);

    bot.signal(SIGTERM);
    auto finished = bot.wait(std::chrono::seconds(10));
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
    EXPECT_THAT(finished->err,
                HasSubstr("click on card " + task + " by zhouqiang delivered again"));
}

TEST(WecomProgram, CheckConfigAndRunRefuseABadEncodingAesKey) {
    set_env();
    FakeWecom wecom;
    test_support::TempDir dir;
    const auto config = dir.file("twintrack.yaml",
                                 wecom_config(wecom, free_port(), "TWINTRACK_TEST_WECOM_BAD_KEY"));
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    EXPECT_EQ(check.exit_code, 2);
    EXPECT_THAT(check.err, HasSubstr(":11:"));
    EXPECT_THAT(check.err, HasSubstr("encoding_aes_key"));
    EXPECT_THAT(check.err, HasSubstr("TWINTRACK_TEST_WECOM_BAD_KEY"));
    EXPECT_THAT(check.err, Not(HasSubstr("too-short-aes-key")));
    auto run = run_program(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_THAT(run.err, Not(HasSubstr("too-short-aes-key")));
    EXPECT_TRUE(wecom.calls("/cgi-bin/gettoken").empty());
}

}  // namespace
}  // namespace twintrack::wecom_test
