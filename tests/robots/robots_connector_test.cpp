// The robot connectors against fake platforms on loopback: real HTTP, the documented
// request shapes, signatures checked independently, and the failure paths.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <future>

#include "connectors/robots/callback_server.hpp"
#include "connectors/robots/robot_connector.hpp"
#include "core/clock.hpp"
#include "tests/robots/fake_platform.hpp"

namespace twintrack::robots_test {
namespace {

using namespace connectors::robots;
using namespace std::chrono_literals;
using connectors::robots::HttpAnswer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using json = nlohmann::json;

RobotChannel channel(const std::string& name, const std::string& url,
                     const std::string& secret = "") {
    RobotChannel c;
    c.name = name;
    c.track = "sales";
    c.url = core::Secret("TEST_URL", url);
    c.secret = core::Secret("TEST_SECRET", secret);
    return c;
}

RobotSettings fast(Platform platform, Format format) {
    RobotSettings s;
    s.name = platform_name(platform);
    s.platform = platform;
    s.format = format;
    s.limits = default_limits(platform, format);
    s.rate_limit_wait = 50ms;
    s.retry_initial = 20ms;
    return s;
}

class Robot {
  public:
    explicit Robot(RobotSettings settings) {
        context_.clock = &clock_;
        context_.roster = std::make_shared<connectors::Roster>();
        connector_ = make_robot(std::move(settings), context_);
        connector_->start(sink_);
    }
    ~Robot() { connector_->stop(); }

    std::future<core::SendResult> send(const std::string& channel, const std::string& text,
                                       const std::string& reply_to = "") {
        auto promise = std::make_shared<std::promise<core::SendResult>>();
        core::Post post;
        post.to = {connector_->name(), channel, ""};
        post.text = text;
        post.reply_to = reply_to;
        connector_->send(post, [promise](core::SendResult r) { promise->set_value(r); });
        return promise->get_future();
    }
    core::SendResult send_wait(const std::string& channel, const std::string& text,
                               const std::string& reply_to = "") {
        auto f = send(channel, text, reply_to);
        if (f.wait_for(30s) != std::future_status::ready) return {false, "", "timeout", true};
        return f.get();
    }
    int port() const { return callback_port(*connector_); }
    RecordingSink& sink() { return sink_; }
    connectors::Connector& connector() { return *connector_; }

  private:
    core::SystemClock clock_;
    connectors::ConnectorContext context_;
    RecordingSink sink_;
    std::unique_ptr<connectors::Connector> connector_;
};

std::string dingtalk_text(const Received& r) {
    if (r.json.contains("markdown")) return r.json["markdown"]["text"];
    return r.json["text"]["content"];
}

// --- DingTalk custom robot ------------------------------------------------------------

TEST(DingTalkRobot, SignsTheUrlAndPostsMarkdownAsDocumented) {
    FakePlatform fake;
    const std::string secret = "SECb1e2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6";
    auto s = fast(Platform::dingtalk, Format::markdown);
    s.channels.push_back(
        channel("sales-group", fake.url("/robot/send?access_token=tok123"), secret));
    Robot robot(s);
    const auto r = robot.send_wait("sales-group", "Weekly digest\n- 3 reports\n- 1 consult");
    EXPECT_TRUE(r.ok) << r.error;
    const auto got = fake.wait_for(1);
    ASSERT_EQ(got.size(), 1u);
    const Received& req = got[0];
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.path, "/robot/send");
    EXPECT_THAT(req.headers.at("content-type"), HasSubstr("application/json"));
    EXPECT_EQ(req.query.at("access_token"), "tok123");
    const std::string ts = req.query.at("timestamp");
    ASSERT_EQ(ts.find_first_not_of("0123456789"), std::string::npos);
    EXPECT_LT(std::llabs(std::stoll(ts) - now_ms()), 3600000);  // milliseconds, within 1 h
    EXPECT_EQ(req.query.at("sign"), openssl_hmac_base64(secret, ts + "\n" + secret));
    EXPECT_EQ(req.json["msgtype"], "markdown");
    EXPECT_EQ(req.json["markdown"]["title"], "Weekly digest");
    EXPECT_EQ(req.json["markdown"]["text"], "Weekly digest\n- 3 reports\n- 1 consult");
    EXPECT_EQ(req.json["at"]["isAtAll"], false);
}

TEST(DingTalkRobot, WithoutASecretTheUrlIsLeftAlone) {
    FakePlatform fake;
    auto s = fast(Platform::dingtalk, Format::text);
    s.channels.push_back(channel("g", fake.url("/robot/send?access_token=t")));
    Robot robot(s);
    EXPECT_TRUE(robot.send_wait("g", "hello").ok);
    const auto got = fake.wait_for(1);
    EXPECT_EQ(got[0].query.count("sign"), 0u);
    EXPECT_EQ(got[0].json["text"]["content"], "hello");
}

TEST(DingTalkRobot, TooFastIsRetriedInOrderAndNothingIsLost) {
    FakePlatform fake;
    fake.script(errcode(130101, "send too fast, exceed 20 times per minute"));
    auto s = fast(Platform::dingtalk, Format::text);
    s.channels.push_back(channel("g", fake.url("/robot/send?access_token=t"), "SECx"));
    Robot robot(s);
    auto a = robot.send("g", "first");
    auto b = robot.send("g", "second");
    EXPECT_TRUE(a.get().ok);
    EXPECT_TRUE(b.get().ok);
    std::vector<std::string> texts;
    for (const auto& r : fake.received()) texts.push_back(dingtalk_text(r));
    EXPECT_THAT(texts, ElementsAre("first", "first", "second"));
}

// Posts go through the sliding windows the runtime's sender uses: with one a minute, the
// second post waits for the window; with room for one waiting post, a third is handed
// back at once, retryable and held, so the outbox keeps it.
TEST(DingTalkRobot, ThePerMinuteWindowHoldsAPostAndAFullQueueHandsTheNextBackHeld) {
    FakePlatform fake;
    auto s = fast(Platform::dingtalk, Format::text);
    s.per_minute = 1;
    s.max_queue = 1;
    s.channels = {channel("ops", fake.url("/robot/send?access_token=T"))};
    Robot robot(std::move(s));
    ASSERT_TRUE(robot.send_wait("ops", "one").ok);
    auto second = robot.send("ops", "two");  // waits for the minute's window
    const auto third = robot.send_wait("ops", "three");
    EXPECT_FALSE(third.ok);
    EXPECT_TRUE(third.retryable);
    EXPECT_GT(third.held_until_ms, now_ms());
    EXPECT_EQ(fake.received().size(), 1u);
    robot.connector().stop();
    ASSERT_EQ(second.wait_for(30s), std::future_status::ready);
    EXPECT_TRUE(second.get().retryable);  // back to the outbox, not lost
}

TEST(DingTalkRobot, SignatureRefusalIsPermanentAndNotRetried) {
    FakePlatform fake;
    fake.script(errcode(310000, "sign not match"));
    auto s = fast(Platform::dingtalk, Format::text);
    s.channels.push_back(channel("g", fake.url("/robot/send?access_token=t"), "SECwrong"));
    Robot robot(s);
    const auto r = robot.send_wait("g", "first");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("310000"));
    EXPECT_THAT(r.error, Not(HasSubstr("SECwrong")));
    EXPECT_TRUE(robot.send_wait("g", "second").ok);
    std::vector<std::string> texts;
    for (const auto& req : fake.received()) texts.push_back(dingtalk_text(req));
    EXPECT_THAT(texts, ElementsAre("first", "second"));
}

TEST(DingTalkRobot, UnreadableAnswerIsSentAgain) {
    FakePlatform fake;
    fake.script({200, "<html>upstream busy</html>", {}});
    auto s = fast(Platform::dingtalk, Format::text);
    s.channels.push_back(channel("g", fake.url("/robot/send?access_token=t")));
    Robot robot(s);
    EXPECT_TRUE(robot.send_wait("g", "digest").ok);
    EXPECT_EQ(fake.received().size(), 2u);
}

TEST(DingTalkRobot, ServerErrorsGoBackToTheOutboxAsRetryable) {
    FakePlatform fake;
    fake.set_fallback({503, "unavailable", {}});
    auto s = fast(Platform::dingtalk, Format::text);
    s.retry_attempts = 2;
    s.channels.push_back(channel("g", fake.url("/robot/send?access_token=t")));
    Robot robot(s);
    const auto r = robot.send_wait("g", "digest");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("503"));
    EXPECT_EQ(fake.received().size(), 2u);
}

TEST(DingTalkRobot, AnUnreachableRobotIsRetryable) {
    int port = 0;
    {
        FakePlatform gone;  // a port that was free a moment ago
        port = std::stoi(gone.url("").substr(17));
    }
    auto s = fast(Platform::dingtalk, Format::text);
    s.retry_attempts = 1;
    s.channels.push_back(
        channel("g", "http://127.0.0.1:" + std::to_string(port) + "/robot/send?access_token=t"));
    Robot robot(s);
    const auto r = robot.send_wait("g", "digest");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_THAT(r.error, Not(HasSubstr("access_token")));
}

TEST(DingTalkRobot, OversizedTextIsSplitIntoNumberedPostsInOrder) {
    FakePlatform fake;
    auto s = fast(Platform::dingtalk, Format::markdown);
    s.channels.push_back(channel("g", fake.url("/robot/send?access_token=t")));
    Robot robot(s);
    std::string text;
    for (int i = 0; i < 1500; ++i) text += "- 报告 " + std::to_string(i) + " competitor price\n";
    ASSERT_GT(text.size(), 40000u);
    EXPECT_TRUE(robot.send_wait("g", text).ok);
    const auto got = fake.received();
    ASSERT_GE(got.size(), 3u);
    std::string joined;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const std::string piece = dingtalk_text(got[i]);
        EXPECT_LE(piece.size(), 18000u);
        EXPECT_THAT(piece, StartsWith("(" + std::to_string(i + 1) + "/" +
                                      std::to_string(got.size()) + ") "));
        joined += piece + "\n";
    }
    EXPECT_THAT(joined, HasSubstr("- 报告 0 competitor"));
    EXPECT_THAT(joined, HasSubstr("- 报告 1499 competitor"));
    EXPECT_LT(joined.find("报告 700 "), joined.find("报告 701 "));
}

TEST(DingTalkRobot, UnknownChannelsAndDirectMessagesAreRefusedForGood) {
    FakePlatform fake;
    auto s = fast(Platform::dingtalk, Format::text);
    s.channels.push_back(channel("g", fake.url("/robot/send?access_token=t")));
    Robot robot(s);
    const auto unknown = robot.send_wait("nowhere", "x");
    EXPECT_FALSE(unknown.ok);
    EXPECT_FALSE(unknown.retryable);
    EXPECT_THAT(unknown.error, HasSubstr("nowhere"));
    const auto dm = robot.send_wait("@user123", "x");
    EXPECT_FALSE(dm.ok);
    EXPECT_FALSE(dm.retryable);
    EXPECT_THAT(dm.error, HasSubstr("direct"));
    EXPECT_TRUE(fake.received().empty());
}

TEST(DingTalkRobot, AfterStopPostsFailRetryably) {
    FakePlatform fake;
    auto s = fast(Platform::dingtalk, Format::text);
    s.channels.push_back(channel("g", fake.url("/robot/send?access_token=t")));
    Robot robot(s);
    robot.connector().stop();
    const auto r = robot.send_wait("g", "x");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
}

// --- Feishu / Lark custom bot ------------------------------------------------------------

HttpAnswer feishu_ok() {
    return {200,
            R"({"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"})",
            {}};
}

TEST(FeishuBot, SignsTheBodyWithTheDocumentedEmptyMessageHmac) {
    FakePlatform fake;
    fake.set_fallback(feishu_ok());
    const std::string secret = "qJ3n8xVbT1kLmN0pQrStUv";
    auto s = fast(Platform::feishu, Format::card);
    s.channels.push_back(channel("ops", fake.url("/open-apis/bot/v2/hook/0f8a-77"), secret));
    Robot robot(s);
    EXPECT_TRUE(robot.send_wait("ops", "**Weekly** digest").ok);
    const auto got = fake.wait_for(1);
    ASSERT_EQ(got.size(), 1u);
    const json& body = got[0].json;
    EXPECT_EQ(got[0].path, "/open-apis/bot/v2/hook/0f8a-77");
    ASSERT_TRUE(body["timestamp"].is_string());
    const std::string ts = body["timestamp"];
    EXPECT_LT(std::llabs(std::stoll(ts) - now_ms() / 1000), 3600);  // seconds
    EXPECT_EQ(body["sign"], openssl_hmac_base64(ts + "\n" + secret, ""));
    EXPECT_EQ(body["msg_type"], "interactive");
    EXPECT_EQ(body["card"]["elements"][0]["text"]["content"], "**Weekly** digest");
}

TEST(FeishuBot, SignMismatchIsPermanent) {
    FakePlatform fake;
    fake.set_fallback(
        {400,
         R"({"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"})",
         {}});
    auto s = fast(Platform::feishu, Format::text);
    s.channels.push_back(channel("ops", fake.url("/open-apis/bot/v2/hook/x"), "bad"));
    Robot robot(s);
    const auto r = robot.send_wait("ops", "hello");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("19021"));
    EXPECT_EQ(fake.received().size(), 1u);
}

TEST(FeishuBot, RateLimitCodeHoldsTheQueueThenDelivers) {
    FakePlatform fake;
    fake.set_fallback(feishu_ok());
    fake.script({400, R"({"code":11232,"data":{},"msg":"frequency limited psm"})", {}});
    auto s = fast(Platform::feishu, Format::text);
    s.channels.push_back(channel("ops", fake.url("/open-apis/bot/v2/hook/x")));
    Robot robot(s);
    auto a = robot.send("ops", "one");
    auto b = robot.send("ops", "two");
    EXPECT_TRUE(a.get().ok);
    EXPECT_TRUE(b.get().ok);
    std::vector<std::string> texts;
    for (const auto& r : fake.received()) texts.push_back(r.json["content"]["text"]);
    EXPECT_THAT(texts, ElementsAre("one", "one", "two"));
}

TEST(FeishuBot, EveryBodyStaysUnderTwentyKilobytes) {
    FakePlatform fake;
    fake.set_fallback(feishu_ok());
    auto s = fast(Platform::feishu, Format::post);
    s.channels.push_back(channel("ops", fake.url("/open-apis/bot/v2/hook/x"), "k"));
    Robot robot(s);
    std::string text;
    for (int i = 0; i < 3000; ++i) text += "竞品 \"Acme\" 降价 " + std::to_string(i) + "\n";
    EXPECT_TRUE(robot.send_wait("ops", text).ok);
    const auto got = fake.received();
    ASSERT_GT(got.size(), 1u);
    for (const auto& r : got) {
        EXPECT_LE(r.body.size(), 20u * 1024);
        EXPECT_EQ(r.json["msg_type"], "post");
    }
}

// --- WeCom group robot -------------------------------------------------------------------

TEST(WeComRobot, KeyInTheUrlAndMarkdownBody) {
    FakePlatform fake;
    auto s = fast(Platform::wecom, Format::markdown);
    s.channels.push_back(channel("team", fake.url("/cgi-bin/webhook/send?key=693axxx6-7aoc")));
    Robot robot(s);
    EXPECT_TRUE(robot.send_wait("team", "# Digest\n> 3 reports").ok);
    const auto got = fake.wait_for(1);
    EXPECT_EQ(got[0].path, "/cgi-bin/webhook/send");
    EXPECT_EQ(got[0].query.at("key"), "693axxx6-7aoc");
    EXPECT_EQ(got[0].json["msgtype"], "markdown");
    EXPECT_EQ(got[0].json["markdown"]["content"], "# Digest\n> 3 reports");
}

TEST(WeComRobot, FrequencyLimitThenSuccessKeepsOrder) {
    FakePlatform fake;
    fake.script(errcode(45009, "api freq out of limit"));
    auto s = fast(Platform::wecom, Format::text);
    s.channels.push_back(channel("team", fake.url("/cgi-bin/webhook/send?key=k")));
    Robot robot(s);
    auto a = robot.send("team", "a");
    auto b = robot.send("team", "b");
    EXPECT_TRUE(a.get().ok);
    EXPECT_TRUE(b.get().ok);
    std::vector<std::string> texts;
    for (const auto& r : fake.received()) texts.push_back(r.json["text"]["content"]);
    EXPECT_THAT(texts, ElementsAre("a", "a", "b"));
}

TEST(WeComRobot, InvalidKeyIsPermanent) {
    FakePlatform fake;
    fake.set_fallback(errcode(93000, "invalid webhook url, hint: [1795886849_12_abc]"));
    auto s = fast(Platform::wecom, Format::text);
    s.channels.push_back(channel("team", fake.url("/cgi-bin/webhook/send?key=wrong")));
    Robot robot(s);
    const auto r = robot.send_wait("team", "a");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("93000"));
}

TEST(WeComRobot, TextOverTwoKilobytesIsSplit) {
    FakePlatform fake;
    auto s = fast(Platform::wecom, Format::text);
    s.channels.push_back(channel("team", fake.url("/cgi-bin/webhook/send?key=k")));
    Robot robot(s);
    std::string text;
    for (int i = 0; i < 300; ++i) text += "客户拜访 " + std::to_string(i) + "\n";
    EXPECT_TRUE(robot.send_wait("team", text).ok);
    const auto got = fake.received();
    ASSERT_GT(got.size(), 1u);
    for (const auto& r : got) {
        EXPECT_LE(r.json["text"]["content"].get<std::string>().size(), 2048u);
    }
}

// --- Slack-compatible incoming webhooks ------------------------------------------------

TEST(IncomingWebhook, PostsSlackCompatibleText) {
    FakePlatform fake;
    fake.set_fallback({200, "ok", {}});
    auto s = fast(Platform::webhook, Format::text);
    s.channels.push_back(channel("town-square", fake.url("/hooks/xxx-generatedkey-xxx")));
    Robot robot(s);
    EXPECT_TRUE(robot.send_wait("town-square", "Hello, this is some text\nThis is more text.").ok);
    const auto got = fake.wait_for(1);
    EXPECT_EQ(got[0].path, "/hooks/xxx-generatedkey-xxx");
    EXPECT_EQ(got[0].json, json({{"text", "Hello, this is some text\nThis is more text."}}));
}

TEST(IncomingWebhook, TooManyRequestsIsRetriedInOrder) {
    FakePlatform fake;
    fake.set_fallback({200, "ok", {}});
    fake.script({429, "rate_limited", {{"Retry-After", "1"}}});
    auto s = fast(Platform::webhook, Format::text);
    s.channels.push_back(channel("c", fake.url("/hooks/k")));
    Robot robot(s);
    auto a = robot.send("c", "a");
    auto b = robot.send("c", "b");
    EXPECT_TRUE(a.get().ok);
    EXPECT_TRUE(b.get().ok);
    std::vector<std::string> texts;
    for (const auto& r : fake.received()) texts.push_back(r.json["text"]);
    EXPECT_THAT(texts, ElementsAre("a", "a", "b"));
}

TEST(IncomingWebhook, RefusalsArePermanentWithThePlatformsWords) {
    FakePlatform fake;
    fake.script({404, "no_service", {}});
    fake.script({200,
                 R"({"result":"error","msg":"Stream 'sales' does not exist","code":"BAD_REQUEST"})",
                 {}});
    auto s = fast(Platform::webhook, Format::text);
    s.channels.push_back(channel("c", fake.url("/hooks/k")));
    Robot robot(s);
    const auto slack = robot.send_wait("c", "a");
    EXPECT_FALSE(slack.ok);
    EXPECT_FALSE(slack.retryable);
    EXPECT_THAT(slack.error, HasSubstr("no_service"));
    const auto zulip = robot.send_wait("c", "b");
    EXPECT_FALSE(zulip.ok);
    EXPECT_FALSE(zulip.retryable);
    EXPECT_THAT(zulip.error, HasSubstr("does not exist"));
}

// --- DingTalk outgoing robot callback ----------------------------------------------------

const std::string app_secret = "Gx7pLq2-app-secret-8Rt";

struct CallbackRig {
    FakePlatform fake;
    std::unique_ptr<Robot> robot;
    CallbackRig() {
        auto s = fast(Platform::dingtalk, Format::text);
        auto c = channel("sales-group", fake.url("/robot/send?access_token=t"), "SECs");
        c.conversation_id = "cidSalesGroup==";
        s.channels.push_back(c);
        s.callback.enabled = true;
        s.callback.port = 0;
        s.callback.app_secret = core::Secret("APP", app_secret);
        robot = std::make_unique<Robot>(s);
    }
    json message(const std::string& msg_id, const std::string& text, bool group = true) {
        // The documented example callback body.
        return {
            {"conversationId", group ? "cidSalesGroup==" : "cidDirect=="},
            {"atUsers", json::array({{{"dingtalkId", "$:LWCP_v1:$x"}, {"staffId", "user123"}}})},
            {"chatbotCorpId", "dinge8a565xxxx"},
            {"chatbotUserId", "$:LWCP_v1:$Cxxxxx"},
            {"msgId", msg_id},
            {"senderNick", "杨xx"},
            {"isAdmin", true},
            {"senderStaffId", "user123"},
            {"sessionWebhookExpiredTime", now_ms() + 90 * 60 * 1000},
            {"createAt", now_ms()},
            {"senderCorpId", "dinge8a565xxxx"},
            {"conversationType", group ? "2" : "1"},
            {"senderId", "$:LWCP_v1:$Ff09GIxxxxx"},
            {"conversationTitle", "机器人测试-TEST"},
            {"isInAtList", true},
            {"sessionWebhook", fake.url("/robot/sendBySession?session=sess42")},
            {"text", {{"content", " " + text}}},
            {"msgtype", "text"}};
    }
    PostAnswer post(const std::string& body, std::int64_t ts, const std::string& secret) {
        const std::string t = std::to_string(ts);
        return raw_post(
            robot->port(), "/dingtalk/callback",
            {{"timestamp", t}, {"sign", openssl_hmac_base64(secret, t + "\n" + secret)}}, body);
    }
};

TEST(DingTalkCallback, SignedMessageBecomesAnEventAndTheAnswerUsesTheSessionWebhook) {
    CallbackRig rig;
    const auto answer = rig.post(rig.message("msg0abc", "ping").dump(), now_ms(), app_secret);
    EXPECT_EQ(answer.status, 200);
    const auto events = rig.robot->sink().wait_for(1);
    ASSERT_EQ(events.size(), 1u);
    const core::Event& e = events[0];
    EXPECT_EQ(e.id, "dingtalk:msg0abc");
    EXPECT_EQ(e.where.connector, "dingtalk");
    EXPECT_EQ(e.where.channel, "sales-group");
    EXPECT_EQ(e.who.user_id, "user123");
    EXPECT_EQ(e.who.display, "杨xx");
    EXPECT_EQ(e.text, "ping");
    EXPECT_TRUE(e.addressed);
    EXPECT_FALSE(e.direct);
    EXPECT_EQ(e.extra["message_id"], "msg0abc");

    EXPECT_TRUE(rig.robot->send_wait("sales-group", "pong", "msg0abc").ok);
    EXPECT_TRUE(rig.robot->send_wait("sales-group", "weekly digest").ok);
    const auto got = rig.fake.wait_for(2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].path, "/robot/sendBySession");
    EXPECT_EQ(got[0].query.at("session"), "sess42");
    EXPECT_EQ(got[0].json["text"]["content"], "pong");
    EXPECT_EQ(got[0].json["at"]["atUserIds"][0], "user123");
    EXPECT_EQ(got[1].path, "/robot/send");  // not an answer: the group's own robot
    EXPECT_EQ(got[1].json["text"]["content"], "weekly digest");
}

TEST(DingTalkCallback, DirectMessagesArriveAsDirectAndAreAnsweredInPlace) {
    CallbackRig rig;
    EXPECT_EQ(rig.post(rig.message("msg0dm", "whoami", false).dump(), now_ms(), app_secret).status,
              200);
    const auto events = rig.robot->sink().wait_for(1);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].where.channel, "@user123");
    EXPECT_TRUE(events[0].direct);
    EXPECT_TRUE(rig.robot->send_wait("@user123", "You are Alice", "msg0dm").ok);
    const auto got = rig.fake.wait_for(1);
    EXPECT_EQ(got[0].path, "/robot/sendBySession");
    EXPECT_FALSE(got[0].json["at"].contains("atUserIds") &&
                 !got[0].json["at"]["atUserIds"].empty());
}

TEST(DingTalkCallback, ForgedStaleUnsignedAndMalformedRequestsAreRefused) {
    CallbackRig rig;
    const std::string body = rig.message("msg1", "ping").dump();
    EXPECT_EQ(rig.post(body, now_ms(), "not-the-secret").status, 403);
    EXPECT_EQ(rig.post(body, now_ms() - 2 * 3600 * 1000, app_secret).status, 403);  // 2 h old
    EXPECT_EQ(rig.post(body, now_ms() + 2 * 3600 * 1000, app_secret).status, 403);
    EXPECT_EQ(raw_post(rig.robot->port(), "/dingtalk/callback", {}, body).status, 401);
    EXPECT_EQ(rig.post("{\"msgtype\": \"text\", ", now_ms(), app_secret).status, 400);
    EXPECT_EQ(rig.post("[1,2]", now_ms(), app_secret).status, 400);
    json no_id = rig.message("", "ping");
    EXPECT_EQ(rig.post(no_id.dump(), now_ms(), app_secret).status, 400);
    json huge = rig.message("msg2", std::string(70 * 1024, 'x'));
    EXPECT_EQ(rig.post(huge.dump(), now_ms(), app_secret).status, 413);
    EXPECT_EQ(raw_post(rig.robot->port(), "/other", {}, body).status, 404);
    json picture = rig.message("msg3", "");
    picture["msgtype"] = "picture";
    EXPECT_EQ(rig.post(picture.dump(), now_ms(), app_secret).status, 200);  // ignored
    // Only a correct one gets through.
    EXPECT_EQ(rig.post(rig.message("msg4", "ping").dump(), now_ms(), app_secret).status, 200);
    const auto events = rig.robot->sink().wait_for(1);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].id, "dingtalk:msg4");
}

// Platform SDKs and the bot's own poster keep connections open between requests; the
// listener answers each request on the connection and closes only when asked.
TEST(CallbackListener, AnswersEveryRequestOnAKeptConnectionAndClosesWhenAsked) {
    std::atomic<int> seen{0};
    CallbackServer server("127.0.0.1", 0, 64 * 1024, [&](const HttpRequest& r) {
        ++seen;
        return HttpAnswer(200, "{\"echo\":\"" + r.body + "\"}");
    });
    server.start();
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect(
        {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server.port())});
    auto request = [](const std::string& body, bool close) {
        return "POST /h HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
               std::to_string(body.size()) + (close ? "\r\nConnection: close" : "") + "\r\n\r\n" +
               body;
    };
    boost::system::error_code ec;
    asio::streambuf buf;
    for (const std::string body : {"one", "two"}) {
        SCOPED_TRACE(body);
        asio::write(socket, asio::buffer(request(body, false)), ec);
        ASSERT_FALSE(ec) << ec.message();
        // Read headers then exactly the announced body; the connection stays open.
        asio::read_until(socket, buf, "\r\n\r\n", ec);
        ASSERT_FALSE(ec) << ec.message();
        std::string head(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
        const auto end = head.find("\r\n\r\n") + 4;
        head.resize(end);
        buf.consume(end);
        EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
        const std::string expected = "{\"echo\":\"" + body + "\"}";
        if (buf.size() < expected.size()) {
            asio::read(socket, buf, asio::transfer_exactly(expected.size() - buf.size()), ec);
        }
        std::string got(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
        buf.consume(buf.size());
        EXPECT_EQ(got, expected);
    }
    asio::write(socket, asio::buffer(request("three", true)), ec);
    std::string rest;
    char chunk[1024];
    while (!ec) {
        const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
        rest.append(chunk, n);
    }
    EXPECT_EQ(ec, asio::error::eof) << "the server closes after Connection: close";
    EXPECT_NE(rest.find("three"), std::string::npos);
    EXPECT_EQ(seen, 3);
    server.stop();
}

}  // namespace
}  // namespace twintrack::robots_test
