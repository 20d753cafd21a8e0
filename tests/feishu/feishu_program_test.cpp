// End to end: the real `twintrack` program with a Feishu app bot connector, event
// callbacks posted to its listener and its answers read from the fake Feishu; and
// check-config on Feishu sections.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/feishu/fake_feishu.hpp"
#include "tests/feishu/feishu_test_ids.hpp"
#include "tests/integration/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::feishu_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Process;
using testing::run_program;

const bool sigpipe_ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
}();

// A loopback port nothing listens on right now (the program's listener takes it next;
// its log goes to stderr, so port 0 could not be read back).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
        port = ntohs(a.sin_port);
    }
    ::close(fd);
    return port;
}

// A Feishu app bot section: the long connection, or (`events`) HTTP callbacks to a
// listener on a free loopback port with an Encrypt Key.
std::string app_config(const FakeFeishu& fake, bool events, int port = 0) {
    std::string out =
        "connectors:\n"
        "  - type: feishu\n";
    if (events) out += "    mode: events\n";
    out += "    app_id: " + std::string(kAppId) + "\n" +
           "    app_secret: ${TWINTRACK_TEST_FEISHU_SECRET}\n"
           "    api_url: " +
           fake.url() + "\n";
    if (events) {
        out +=
            "    verification_token: ${TWINTRACK_TEST_FEISHU_TOKEN}\n"
            "    encrypt_key: ${TWINTRACK_TEST_FEISHU_KEY}\n"
            "    bind: 127.0.0.1\n"
            "    port: " +
            std::to_string(port) + "\n";
    }
    out +=
        "    channels:\n"
        "      - {name: oc_5ce6d572455d361153b7xx51da133945, track: sales}\n";
    return out;
}

void set_env() {
    ::setenv("TWINTRACK_TEST_FEISHU_SECRET", kAppSecret, 1);
    ::setenv("TWINTRACK_TEST_FEISHU_TOKEN", kVerificationToken, 1);
    ::setenv("TWINTRACK_TEST_FEISHU_KEY", kEncryptKey, 1);
}

// 王芳 files a field report through the report dialog by direct message; her messages
// reach the real program over the long connection or as encrypted, signed callbacks.
void files_a_field_report(bool events) {
    set_env();
    FakeFeishu fake;
    test_support::TempDir dir;
    const auto csv =
        dir.file("people.csv",
                 "name,email,department,role,timezone,locale,working_hours,identities\n"
                 "王芳,wang.fang@example.com,sales,staff,Asia/Shanghai,zh-CN,09:00-18:00,"
                 "feishu:" +
                     kWang + "\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const int port = events ? free_port() : 0;
    const auto config = dir.file("twintrack.yaml", app_config(fake, events, port));
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    ASSERT_EQ(check.exit_code, 0) << check.err;
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    if (events) {
        ASSERT_GT(port, 0);
        ASSERT_TRUE(test_support::wait_until_healthy("127.0.0.1", port, "/healthz", 15s));
    } else {
        ASSERT_TRUE(fake.wait_sockets(1, 15s));
    }

    int n = 0;
    std::size_t seen = 0;  // messages already read
    // Sends `text` as 王芳's direct message; returns the bot's answers once one of them
    // contains `expect` (or all that came within 15 s).
    auto says = [&](const std::string& text, const std::string& expect) {
        ++n;
        const json ev = message_event("ev-" + std::to_string(n), "om_wang" + std::to_string(n),
                                      kWang, "oc_p2pwangfang", "p2p", text);
        if (events) {
            auto r = post_callback(port, encrypted(ev));
            EXPECT_EQ(r.status, 200) << r.body;
        } else {
            const std::string id = "frame-" + std::to_string(n);
            EXPECT_TRUE(fake.send_event(ev, id));
            EXPECT_EQ(fake.wait_acks(id).size(), 1u);
        }
        std::string out;
        while (out.find(expect) == std::string::npos) {
            auto call = fake.wait_call("/open-apis/im/v1/messages", seen + 1, 15s);
            if (!call) break;
            ++seen;
            out += json::parse(call->json_body.value("content", "{}")).value("text", "") + "\n";
        }
        return out;
    };

    const std::string who = says("我是谁", "wang.fang@example.com");
    EXPECT_THAT(who, HasSubstr("wang.fang@example.com"));
    EXPECT_THAT(who, HasSubstr("feishu:" + kWang));
    EXPECT_THAT(says("报告", "（1/5）"), HasSubstr("你拜访了哪些客户"));
    EXPECT_THAT(says("艾克米", "（2/5）"), HasSubstr("（2/5）"));
    EXPECT_THAT(says("跳过", "（3/5）"), HasSubstr("竞品"));
    EXPECT_THAT(says("华为报价低15%", "（4/5）"), HasSubstr("需求"));
    EXPECT_THAT(says("需要案例", "（5/5）"), HasSubstr("支持"));
    EXPECT_THAT(says("跳过", "已保存报告 #1"), HasSubstr("艾克米"));
    // The report is hers when she asks for it.
    EXPECT_THAT(says("报告 1", "艾克米"), HasSubstr("#1"));
    // Answers went to her open_id or as replies to her messages.
    for (const auto& c : fake.calls("/open-apis/im/v1/messages")) {
        if (c.path == "/open-apis/im/v1/messages") {
            EXPECT_EQ(c.json_body.value("receive_id", ""), kWang);
        } else {
            EXPECT_THAT(c.path, HasSubstr("/open-apis/im/v1/messages/om_wang"));
        }
    }

    bot.signal(SIGTERM);
    auto finished = bot.wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
    EXPECT_THAT(finished->out + finished->err, Not(HasSubstr(kAppSecret)));
    EXPECT_THAT(finished->out + finished->err, Not(HasSubstr(kEncryptKey)));
}

TEST(FeishuProgram, ASalesRepFilesAFieldReportInChineseOverTheLongConnection) {
    files_a_field_report(false);
}

TEST(FeishuProgram, ASalesRepFilesAFieldReportInChineseByEncryptedCallbacks) {
    files_a_field_report(true);
}

const std::string kLina = "ou_2b8c4f1e6a9d4e0b8f3c7a5d1e9b6c24";

// A colleague in the directory who never wrote from Feishu is recognised by the Feishu
// Mail address the contact API reports for them (directory.match_by_email): the identity
// is recorded on the first message and they are looked up once. Someone whose address is
// not in the directory, and someone whose lookup fails, get the usual "I don't know you
// yet".
TEST(FeishuProgram, AColleagueIsRecognisedByTheirEnterpriseEmailOnFirstContact) {
    set_env();
    FakeFeishu fake;
    const std::string stranger = "ou_0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    fake.add_person(kWang, "王芳", "", "wang.fang@example.com");
    fake.add_person(stranger, "赵六", "", "zhao.liu@example.com");
    fake.add_person(kLina, "李娜", "", "li.na@example.com");
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
    const auto config = dir.file("twintrack.yaml", app_config(fake, false));
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    ASSERT_TRUE(fake.wait_sockets(1, 15s));

    int n = 0;
    // `open_id` writes `text` by direct message; the bot's answers to them (to their
    // open_id, or replies to their message) once one contains `expect`, or all within 15 s.
    auto says = [&](const std::string& open_id, const std::string& text,
                    const std::string& expect) {
        ++n;
        const std::string message_id = "om_m" + std::to_string(n);
        const json ev = message_event("ev-m" + std::to_string(n), message_id, open_id,
                                      "oc_p2p" + open_id.substr(3, 8), "p2p", text);
        const std::string frame = "frame-m" + std::to_string(n);
        EXPECT_TRUE(fake.send_event(ev, frame));
        EXPECT_EQ(fake.wait_acks(frame).size(), 1u);
        std::string out;
        for (std::size_t k = 1; out.find(expect) == std::string::npos; ++k) {
            auto call = fake.wait_call("/open-apis/im/v1/messages", k, 15s);
            if (!call) break;
            const bool theirs = call->path.find(message_id) != std::string::npos ||
                                call->json_body.value("receive_id", "") == open_id;
            if (!theirs) continue;
            out += json::parse(call->json_body.value("content", "{}")).value("text", "") + "\n";
        }
        return out;
    };

    const std::string who = says(kWang, "我是谁", "wang.fang@example.com");
    EXPECT_THAT(who, HasSubstr("wang.fang@example.com"));
    EXPECT_THAT(who, HasSubstr("feishu:" + kWang));
    EXPECT_THAT(says(kWang, "我是谁", "wang.fang@example.com"), HasSubstr("feishu:" + kWang));
    EXPECT_EQ(fake.calls("/open-apis/contact/v3/users/" + kWang).size(), 1u);

    // An address the directory does not have: not recognised.
    EXPECT_THAT(says(stranger, "whoami", "import people"), HasSubstr("feishu:" + stranger));
    // A lookup that fails (HTTP 500): answered as from an unknown sender.
    fake.fail_contact_lookups(1, 500, 0);
    const std::string failed = says(kLina, "whoami", "import people");
    EXPECT_THAT(failed, HasSubstr("feishu:" + kLina));
    EXPECT_THAT(failed, Not(HasSubstr("li.na@example.com")));

    bot.signal(SIGTERM);
    auto finished = bot.wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
    EXPECT_THAT(finished->out + finished->err,
                HasSubstr("feishu:" + kWang + " recognised by the email"));
}

// 李娜 drafts an announcement; 周强, a marketing manager, gets it as a card with buttons
// and approves it with one, in Chinese. A click with an altered token and a click on
// someone else's card are refused privately; a replayed callback is applied once; the
// settled card loses its buttons for everyone.
void a_manager_approves_with_a_card_button(bool events) {
    set_env();
    FakeFeishu fake;
    test_support::TempDir dir;
    const auto csv = dir.file(
        "people.csv",
        "name,email,department,role,timezone,locale,working_hours,identities\n"
        "李娜,li.na@example.com,marketing,staff,Asia/Shanghai,zh-CN,09:00-18:00,feishu:" +
            kLina +
            "\n"
            "周强,zhou.qiang@example.com,marketing,manager,Asia/Shanghai,zh-CN,09:00-18:00,"
            "feishu:" +
            kZhou + "\n");
    auto imported = run_program(TWINTRACK_BINARY, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const int port = events ? free_port() : 0;
    const auto config = dir.file("twintrack.yaml", app_config(fake, events, port));
    Process bot(TWINTRACK_BINARY, {"run", "--config", config, "--data", dir.path()});
    if (events) {
        ASSERT_GT(port, 0);
        ASSERT_TRUE(test_support::wait_until_healthy("127.0.0.1", port, "/healthz", 15s));
    } else {
        ASSERT_TRUE(fake.wait_sockets(1, 15s));
    }

    int frames = 0;
    // Hands a callback body to the program the way the connector's mode receives it.
    auto deliver = [&](const json& body) {
        if (events) {
            auto r = post_callback(port, encrypted(body));
            EXPECT_EQ(r.status, 200) << r.body;
        } else {
            const std::string id = "frame-" + std::to_string(++frames);
            EXPECT_TRUE(fake.send_event(body, id));
            EXPECT_EQ(fake.wait_acks(id).size(), 1u);
        }
    };
    std::size_t texts_seen = 0;
    // The next text message sent to `open_id` directly (not as a reply) that contains
    // `expect`; "" when none came within 15 s.
    auto told = [&](const std::string& open_id, const std::string& expect) {
        while (auto m = fake.wait_sent("text", texts_seen + 1, 15s)) {
            ++texts_seen;
            const std::string text = m->content.value("text", "");
            if (m->reply_to.empty() && m->receive_id == open_id &&
                text.find(expect) != std::string::npos) {
                return text;
            }
        }
        return std::string();
    };

    deliver(message_event("ev-draft", "om_lina1", kLina, "oc_p2plina", "p2p",
                          "起草公告 “TwinTrack 的一线报告现已支持微信。”"));
    const auto card = fake.wait_sent("interactive", 1, 15s);
    ASSERT_TRUE(card);
    EXPECT_EQ(card->receive_id, kZhou);
    EXPECT_THAT(card->content.dump(), HasSubstr("公告 #1"));
    EXPECT_THAT(card->content.dump(), HasSubstr("批准"));
    EXPECT_THAT(card->content.dump(), Not(HasSubstr("请输入以下命令")));  // buttons, not typing
    const std::string token = button_token(card->content, 0);
    ASSERT_FALSE(token.empty());
    const auto click = [&](const std::string& event_id, const std::string& who,
                           const std::string& tt) {
        return card_action_event(event_id, who, card->id, "oc_p2pzhou",
                                 {{"tag", "button"}, {"value", {{"tt", tt}}}});
    };

    // An altered token: refused, privately, in his language; nothing decided.
    std::string altered = token;
    altered.back() = altered.back() == '0' ? '1' : '0';
    deliver(click("ev-altered", kZhou, altered));
    EXPECT_THAT(told(kZhou, "这个按钮无效"), HasSubstr("请直接输入命令"));
    // 李娜 presses 周强's button: not hers.
    deliver(click("ev-lina", kLina, token));
    EXPECT_THAT(told(kLina, "这个按钮是给其他人的"), Not(::testing::IsEmpty()));
    EXPECT_TRUE(fake.calls("/open-apis/im/v1/messages/" + card->id).empty());  // no update

    // 周强 approves with the button.
    const json approve = click("ev-approve", kZhou, token);
    deliver(approve);
    EXPECT_THAT(told(kZhou, "你已代表市场部批准公告 #1"), HasSubstr("销售部"));
    const auto patch = fake.wait_patch(1, 15s);
    ASSERT_TRUE(patch);
    EXPECT_EQ(patch->path, "/open-apis/im/v1/messages/" + card->id);
    std::optional<SentMessage> settled;
    for (const auto& m : fake.sent()) {
        if (m.id == card->id) settled = m;
    }
    ASSERT_TRUE(settled);
    const std::string now = settled->content.dump();
    EXPECT_THAT(now, HasSubstr("周强 已于"));
    EXPECT_THAT(now, HasSubstr("批准"));
    EXPECT_THAT(now, Not(HasSubstr("\"tag\":\"action\"")));  // the buttons are gone
    EXPECT_THAT(now, Not(HasSubstr(token)));

    // Feishu delivers the same callback again: applied once. A fresh click on the settled
    // card (its buttons were still on his screen) is told the outcome.
    deliver(approve);
    deliver(click("ev-late", kZhou, token));
    EXPECT_THAT(told(kZhou, "此事已经处理"), HasSubstr("周强 已于"));
    int approvals = 0;
    for (const auto& m : fake.sent()) {
        if (m.content.value("text", "").find("你已代表市场部批准公告 #1") != std::string::npos) {
            ++approvals;
        }
    }
    EXPECT_EQ(approvals, 1);
    EXPECT_EQ(fake.calls("/open-apis/im/v1/messages/" + card->id).size(), 1u);  // one PATCH

    bot.signal(SIGTERM);
    auto finished = bot.wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
    EXPECT_THAT(finished->out + finished->err, Not(HasSubstr(kAppSecret)));
    EXPECT_THAT(finished->out + finished->err, Not(HasSubstr(kEncryptKey)));
}

TEST(FeishuProgram, AManagerApprovesAnAnnouncementWithACardButtonOverTheLongConnection) {
    a_manager_approves_with_a_card_button(false);
}

TEST(FeishuProgram, AManagerApprovesAnAnnouncementWithACardButtonByEncryptedCallbacks) {
    a_manager_approves_with_a_card_button(true);
}

TEST(FeishuProgram, CheckConfigReportsEveryBadKeyWithItsLine) {
    set_env();
    ::unsetenv("TWINTRACK_TEST_FEISHU_NOT_SET");
    test_support::TempDir dir;
    const auto config = dir.file("twintrack.yaml",
                                 "connectors:\n"
                                 "  - type: feishu\n"
                                 "    app_id: cli_a1b2c3d4e5f60001\n"
                                 "    app_secret: literal-secret-value\n"  // line 4
                                 "    verification_token: ${TWINTRACK_TEST_FEISHU_TOKEN}\n"
                                 "    api_url: open.feishu.cn\n"  // line 6
                                 "    platform: wechat\n"         // line 7
                                 "    chanels: []\n"              // line 8
                                 "  - type: feishu\n"
                                 "    name: feishu-2\n"
                                 "    mode: events\n"
                                 "    app_secret: ${TWINTRACK_TEST_FEISHU_NOT_SET}\n"
                                 "    verification_token: ${TWINTRACK_TEST_FEISHU_TOKEN}\n"
                                 "    channels:\n"
                                 "      - {name: 华东销售群, track: sales}\n");
    auto check = run_program(TWINTRACK_BINARY, {"check-config", config});
    EXPECT_EQ(check.exit_code, 2);
    EXPECT_THAT(check.err, HasSubstr(":4:"));
    EXPECT_THAT(check.err, Not(HasSubstr("literal-secret-value")));
    EXPECT_THAT(check.err, HasSubstr(":5:"));  // the long connection takes no token
    EXPECT_THAT(check.err, HasSubstr("only used with mode: events"));
    EXPECT_THAT(check.err, HasSubstr(":6:"));
    EXPECT_THAT(check.err, HasSubstr("https://"));
    EXPECT_THAT(check.err, HasSubstr(":7:"));
    EXPECT_THAT(check.err, HasSubstr(":8:"));
    EXPECT_THAT(check.err, HasSubstr("unknown key \"chanels\""));
    EXPECT_THAT(check.err, HasSubstr("app_id"));  // missing on the second
    EXPECT_THAT(check.err, HasSubstr("TWINTRACK_TEST_FEISHU_NOT_SET"));
    EXPECT_THAT(check.err, HasSubstr("chat_id"));
}

TEST(FeishuProgram, ASectionWithoutAppIdIsStillTheGroupRobot) {
    ::setenv("TWINTRACK_TEST_FEISHU_ROBOT_URL", "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
             1);
    test_support::TempDir dir;
    const auto good = dir.file("good.yaml",
                               "connectors:\n"
                               "  - type: feishu\n"
                               "    channels:\n"
                               "      - {name: sales-group, track: sales, url: "
                               "\"${TWINTRACK_TEST_FEISHU_ROBOT_URL}\"}\n");
    auto check = run_program(TWINTRACK_BINARY, {"check-config", good});
    EXPECT_EQ(check.exit_code, 0) << check.err;
    const auto app_keys_in_robot = dir.file("bad.yaml",
                                            "connectors:\n"
                                            "  - type: feishu\n"
                                            "    mode: robot\n"
                                            "    app_id: cli_a1b2c3d4e5f60001\n"
                                            "    channels: []\n");
    check = run_program(TWINTRACK_BINARY, {"check-config", app_keys_in_robot});
    EXPECT_EQ(check.exit_code, 2);
    EXPECT_THAT(check.err, HasSubstr("unknown key \"app_id\""));
}

}  // namespace
}  // namespace twintrack::feishu_test
