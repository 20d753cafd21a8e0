// End to end: the real `twintrack` program with the hub and the WeCom app connector
// against the fake WeCom. A sales rep files a field report in Chinese through the report
// dialog by encrypted callbacks and reads the bot's replies as message/send calls; a
// forged callback is refused; check-config names a bad EncodingAESKey with its line.

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
