// The DingTalk Stream connector against the fake DingTalk: real HTTP for the OpenAPI and
// the session webhooks, a real WebSocket for the stream, payloads as DingTalk documents.

#include "connectors/dingtalk/dingtalk_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "core/event_files.hpp"
#include "core/source_dir.hpp"
#include "tests/dingtalk/dingtalk_test_ids.hpp"
#include "tests/dingtalk/fake_dingtalk.hpp"
#include "tests/support/connector_sink.hpp"

namespace twintrack::dingtalk_test {
namespace {

using connectors::dingtalk::dingtalk_status;
using connectors::dingtalk::DingTalkSettings;
using test_support::CollectingSink;
using ::testing::ElementsAre;

class DingTalkConnectorTest : public ::testing::Test {
  protected:
    void SetUp() override {
        connector_ = make();
        connector_->start(sink_);
        ASSERT_TRUE(fake_.wait_sockets(1));
        wait_connected();
    }
    void TearDown() override {
        if (connector_) connector_->stop();
    }

    std::unique_ptr<connectors::Connector> make() {
        DingTalkSettings s;
        s.name = "dingtalk";
        s.client_id = kClientId;
        s.client_secret = core::Secret("DINGTALK_CLIENT_SECRET", kClientSecret);
        s.api_url = fake_.url();
        s.gateway_url = fake_.url();
        s.oapi_url = fake_.url();
        s.backoff_initial = 20ms;
        s.backoff_max = 200ms;
        s.throttle_wait = 30ms;
        s.sender_lookup = lookup_limits_;
        connectors::ConnectorContext context;
        context.clock = &clock_;
        context.prompts_dir = core::source_dir() + "/prompts";
        context.default_locale = "zh-CN";
        context.roster = roster_;
        context.match_by_email = match_by_email_;
        return connectors::dingtalk::make_dingtalk(std::move(s), context);
    }

    void wait_connected(int connections = 1) {
        for (int i = 0; i < 500; ++i) {
            const auto st = dingtalk_status(*connector_);
            if (st.connected && st.connections >= connections) return;
            std::this_thread::sleep_for(10ms);
        }
        FAIL() << "the connector did not report connection " << connections;
    }

    core::SendResult send(const std::string& channel, const std::string& text) {
        auto result = std::make_shared<std::promise<core::SendResult>>();
        auto future = result->get_future();
        core::Post post;
        post.to = {"dingtalk", channel, ""};
        post.text = text;
        connector_->send(post, [result](core::SendResult r) { result->set_value(r); });
        if (future.wait_for(20s) != std::future_status::ready) return {false, "", "timeout", true};
        return future.get();
    }

    // A one-to-one message from `staff` whose session webhook ends `valid_for` from now.
    json direct(const std::string& msg_id, const std::string& staff, const std::string& text,
                std::chrono::milliseconds valid_for = 1h) {
        return robot_message(msg_id, staff, "王芳", text, "1",
                             "cidDirect" + staff + "==", fake_.session_url("s-" + staff),
                             core::to_millis(clock_.now()) + valid_for.count());
    }

    bool match_by_email_ = true;                             ///< directory.match_by_email
    connectors::runtime::SenderLookupLimits lookup_limits_;  ///< senders' lookups
    core::FakeClock clock_{core::from_millis(kNow)};
    std::shared_ptr<connectors::Roster> roster_ = std::make_shared<connectors::Roster>();
    FakeDingTalk fake_;
    CollectingSink sink_;
    std::unique_ptr<connectors::Connector> connector_;
};

TEST_F(DingTalkConnectorTest, OpensTheStreamWithTheAppCredentialsAndTheRobotTopic) {
    auto open = fake_.calls("/v1.0/gateway/connections/open");
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].json_body["clientId"], kClientId);
    EXPECT_THAT(
        open[0].json_body["subscriptions"],
        ::testing::Contains(json{{"type", "CALLBACK"}, {"topic", "/v1.0/im/bot/messages/get"}}));
    EXPECT_TRUE(open[0].json_body["ua"].is_string());
    EXPECT_TRUE(open[0].json_body["localIp"].is_string());
    EXPECT_THAT(fake_.tickets_used(), ElementsAre("ticket-1"));
    EXPECT_TRUE(connector_->connected());
}

TEST_F(DingTalkConnectorTest, APingIsEchoedWithItsMessageId) {
    ASSERT_TRUE(fake_.send(system_frame("ping", "ping-1", R"({"opaque":"5c2a-77"})")));
    auto acks = fake_.wait_acks("ping-1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0]["code"], 200);
    EXPECT_EQ(acks[0]["headers"]["messageId"], "ping-1");
    EXPECT_EQ(acks[0]["data"], R"({"opaque":"5c2a-77"})");
}

TEST_F(DingTalkConnectorTest, RobotMessagesAreAcknowledgedAndReachTheBot) {
    ASSERT_TRUE(fake_.send(callback_frame("frame-1", direct("msg-1", "manager4220", " 报告 "))));
    auto acks = fake_.wait_acks("frame-1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0]["code"], 200);
    EXPECT_EQ(acks[0]["headers"]["messageId"], "frame-1");
    auto dm = sink_.with_text("报告");
    ASSERT_TRUE(dm);
    EXPECT_EQ(dm->id, "dingtalk:msg-1");
    EXPECT_EQ(dm->who.connector, "dingtalk");
    EXPECT_EQ(dm->who.user_id, "manager4220");
    EXPECT_EQ(dm->who.display, "王芳");
    EXPECT_EQ(dm->where.channel, "@manager4220");
    EXPECT_TRUE(dm->direct);

    ASSERT_TRUE(fake_.send(
        callback_frame("frame-2", robot_message("msg-2", "manager4220", "王芳", " whoami", "2",
                                                kGroup, fake_.session_url("g"), kNow + 3600000))));
    auto group = sink_.with_text("whoami");
    ASSERT_TRUE(group);
    EXPECT_EQ(group->where.channel, kGroup);
    EXPECT_FALSE(group->direct);
    EXPECT_TRUE(group->addressed);
    EXPECT_EQ(fake_.wait_acks("frame-2").size(), 1u);
}

TEST_F(DingTalkConnectorTest, OneMsgIdDeliveredTwiceIsHandledOnce) {
    const json m = direct("msg-dup", "manager4220", "todo");
    ASSERT_TRUE(fake_.send(callback_frame("frame-a", m)));
    ASSERT_TRUE(fake_.send(callback_frame("frame-b", m)));  // redelivered, new frame id
    ASSERT_TRUE(fake_.send(callback_frame("frame-c", direct("msg-next", "manager4220", "ping"))));
    EXPECT_EQ(fake_.wait_acks("frame-a").size(), 1u);
    EXPECT_EQ(fake_.wait_acks("frame-b").size(), 1u);  // acknowledged, so not sent again
    ASSERT_TRUE(sink_.with_text("todo"));
    ASSERT_TRUE(sink_.with_text("ping"));  // handled after the repeat
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(DingTalkConnectorTest, AReusedTicketIsRefusedAndTheConnectorGetsAFreshOne) {
    fake_.reissue_old_ticket();
    fake_.drop_socket();
    ASSERT_TRUE(fake_.wait_sockets(2));
    wait_connected(2);
    EXPECT_THAT(fake_.tickets_used(), ElementsAre("ticket-1", "ticket-1", "ticket-2"));
    EXPECT_THAT(fake_.tickets_refused(), ElementsAre("ticket-1"));
    EXPECT_EQ(dingtalk_status(*connector_).tickets, 3);
    // The new connection works.
    ASSERT_TRUE(fake_.send(callback_frame("frame-9", direct("msg-9", "manager4220", "hello"))));
    EXPECT_TRUE(sink_.with_text("hello"));
}

TEST_F(DingTalkConnectorTest, DisconnectIsAcknowledgedAndANewTicketOpensTheNextConnection) {
    ASSERT_TRUE(fake_.send(system_frame("disconnect", "disc-1", R"({"reason":"maintenance"})")));
    auto acks = fake_.wait_acks("disc-1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0]["code"], 200);
    EXPECT_TRUE(fake_.wait_client_close(1));  // the client closes the old connection
    ASSERT_TRUE(fake_.wait_sockets(2));
    wait_connected(2);
    EXPECT_THAT(fake_.tickets_used(), ElementsAre("ticket-1", "ticket-2"));
    EXPECT_TRUE(fake_.tickets_refused().empty());
}

TEST_F(DingTalkConnectorTest, ADroppedSocketIsReopenedWithANewTicket) {
    for (int round = 2; round <= 3; ++round) {
        SCOPED_TRACE(round);
        fake_.drop_socket();
        ASSERT_TRUE(fake_.wait_sockets(round));
        wait_connected(round);
    }
    EXPECT_THAT(fake_.tickets_used(), ElementsAre("ticket-1", "ticket-2", "ticket-3"));
    ASSERT_TRUE(fake_.send(callback_frame("frame-x", direct("msg-x", "manager4220", "again"))));
    EXPECT_TRUE(sink_.with_text("again"));
}

TEST_F(DingTalkConnectorTest, RepliesGoThroughTheSessionWebhookWhileItIsValid) {
    ASSERT_TRUE(fake_.send(callback_frame("f-1", direct("m-1", "manager4220", "报告"))));
    ASSERT_TRUE(sink_.with_text("报告"));
    auto r = send("@manager4220", "客户是哪一家？(1/5)");
    EXPECT_TRUE(r.ok) << r.error;
    auto calls = fake_.calls("/session/");
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].path, "/session/s-manager4220");
    EXPECT_EQ(calls[0].json_body["msgtype"], "text");
    EXPECT_EQ(calls[0].json_body["text"]["content"], "客户是哪一家？(1/5)");
    EXPECT_TRUE(fake_.calls("/v1.0/robot/oToMessages/batchSend").empty());
    // The reply needed no access token: the only one fetched served the sender's lookup
    // (directory.match_by_email).
    EXPECT_EQ(fake_.calls("/v1.0/oauth2/accessToken").size(),
              fake_.calls("/topapi/v2/user/get").size());
}

TEST_F(DingTalkConnectorTest, AnExpiredSessionWebhookFallsBackToOToMessages) {
    struct Case {
        const char* name;
        std::chrono::milliseconds valid_for;
        int refused;  ///< the webhook refuses although its time is not up
    } cases[] = {{"expired", -1min, 0}, {"refused by DingTalk", 1h, 1}};
    int n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        ++n;
        fake_.refuse_sessions(c.refused);
        const std::string staff = "staff" + std::to_string(n);
        ASSERT_TRUE(fake_.send(
            callback_frame("f-" + staff, direct("m-" + staff, staff, staff, c.valid_for))));
        ASSERT_TRUE(sink_.with_text(staff));
        auto r = send("@" + staff, "好的");
        EXPECT_TRUE(r.ok) << r.error;
        auto call = fake_.wait_call("/v1.0/robot/oToMessages/batchSend", n);
        ASSERT_TRUE(call);
        EXPECT_EQ(call->json_body["userIds"], json::array({staff}));
        EXPECT_EQ(call->json_body["robotCode"], kClientId);
        EXPECT_EQ(call->json_body["msgKey"], "sampleText");
        EXPECT_EQ(json::parse(call->json_body["msgParam"].get<std::string>())["content"], "好的");
        EXPECT_EQ(call->token, "token-1");
        EXPECT_EQ(r.message_id, "dingtalk:pqk-" + std::to_string(n));
    }
    EXPECT_EQ(fake_.calls("/session/").size(), 1u);  // only the refused one was tried
    EXPECT_EQ(fake_.calls("/v1.0/oauth2/accessToken").size(), 1u);  // the token is cached
}

TEST_F(DingTalkConnectorTest, GroupPostsWithoutASessionUseGroupMessagesSend) {
    auto r = send(kGroup, "本周一线报告摘要");
    EXPECT_TRUE(r.ok) << r.error;
    auto calls = fake_.calls("/v1.0/robot/groupMessages/send");
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].json_body["openConversationId"], kGroup);
    EXPECT_EQ(calls[0].json_body["robotCode"], kClientId);
    EXPECT_EQ(calls[0].token, "token-1");
}

TEST_F(DingTalkConnectorTest, AnExpiredAccessTokenIsRenewedOnceAndThePostRetried) {
    EXPECT_TRUE(send("@manager4220", "一").ok);
    fake_.expire_tokens();
    auto r = send("@manager4220", "二");
    EXPECT_TRUE(r.ok) << r.error;
    auto tokens = fake_.calls("/v1.0/oauth2/accessToken");
    EXPECT_EQ(tokens.size(), 2u);
    auto sends = fake_.calls("/v1.0/robot/oToMessages/batchSend");
    ASSERT_EQ(sends.size(), 3u);
    EXPECT_EQ(sends[1].token, "token-1");  // refused
    EXPECT_EQ(sends[2].token, "token-2");
    EXPECT_EQ(json::parse(sends[2].json_body["msgParam"].get<std::string>())["content"], "二");
}

TEST_F(DingTalkConnectorTest, TheTokenIsRenewedBeforeItsExpireInEnds) {
    EXPECT_TRUE(send(kGroup, "一").ok);
    clock_.advance(std::chrono::seconds(7200 - 300 - 1));
    EXPECT_TRUE(send(kGroup, "二").ok);
    EXPECT_EQ(fake_.calls("/v1.0/oauth2/accessToken").size(), 1u);
    clock_.advance(std::chrono::seconds(2));  // within 5 minutes of expireIn
    EXPECT_TRUE(send(kGroup, "三").ok);
    EXPECT_EQ(fake_.calls("/v1.0/oauth2/accessToken").size(), 2u);
    auto sends = fake_.calls("/v1.0/robot/groupMessages/send");
    ASSERT_EQ(sends.size(), 3u);
    EXPECT_EQ(sends[2].token, "token-2");
}

TEST_F(DingTalkConnectorTest, ThrottledPostsWaitAndAreNotLost) {
    struct Case {
        const char* name;
        bool http_429;
    } cases[] = {{"403 QpsLimitForAppkeyAndApi", false}, {"HTTP 429", true}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto before = fake_.calls("/v1.0/robot/groupMessages/send").size();
        fake_.throttle("/v1.0/robot/groupMessages/send", 2, c.http_429);
        std::vector<std::shared_ptr<std::promise<core::SendResult>>> results;
        for (const char* text : {"第一条", "第二条", "第三条"}) {
            auto p = std::make_shared<std::promise<core::SendResult>>();
            results.push_back(p);
            core::Post post;
            post.to = {"dingtalk", kGroup, ""};
            post.text = text;
            connector_->send(post, [p](core::SendResult r) { p->set_value(r); });
        }
        for (auto& p : results) {
            auto f = p->get_future();
            ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
            auto r = f.get();
            EXPECT_TRUE(r.ok) << r.error;
        }
        auto calls = fake_.calls("/v1.0/robot/groupMessages/send");
        ASSERT_EQ(calls.size(), before + 5);  // two throttled, three delivered
        std::vector<std::string> delivered;
        for (std::size_t i = before + 2; i < calls.size(); ++i) {
            delivered.push_back(
                json::parse(calls[i].json_body["msgParam"].get<std::string>())["content"]);
        }
        EXPECT_THAT(delivered, ElementsAre("第一条", "第二条", "第三条"));
    }
}

TEST_F(DingTalkConnectorTest, PerPersonAnswersOfBatchSendAreHeeded) {
    fake_.flow_control("limited01", 1);
    fake_.invalid_staff("gone01");
    struct Case {
        const char* staff;
        bool ok;
        bool retryable;
        std::size_t calls;                      ///< batchSend calls for this post
    } cases[] = {{"limited01", true, true, 2},  // too many messages to them: waits, sends again
                 {"gone01", false, false, 1}};  // no such member: fails for good
    for (const auto& c : cases) {
        SCOPED_TRACE(c.staff);
        const auto before = fake_.calls("/v1.0/robot/oToMessages/batchSend").size();
        auto r = send(std::string("@") + c.staff, "周报提醒");
        EXPECT_EQ(r.ok, c.ok) << r.error;
        if (!r.ok) {
            EXPECT_EQ(r.retryable, c.retryable);
            EXPECT_THAT(r.error, ::testing::HasSubstr("invalidStaffIdList"));
        }
        EXPECT_EQ(fake_.calls("/v1.0/robot/oToMessages/batchSend").size() - before, c.calls);
    }
}

TEST_F(DingTalkConnectorTest, AFailedConnectionOpenIsTriedAgain) {
    struct Case {
        const char* name;
        bool http_429;
    } cases[] = {{"403 QpsLimit", false}, {"HTTP 429", true}};
    int sockets = 1;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        fake_.throttle("/v1.0/gateway/connections/open", 2, c.http_429);
        fake_.drop_socket();
        ASSERT_TRUE(fake_.wait_sockets(++sockets));
        wait_connected(sockets);
    }
    EXPECT_EQ(fake_.calls("/v1.0/gateway/connections/open").size(), 7u);  // 1 + 2 × (2 + 1)
    EXPECT_THAT(fake_.tickets_used(), ElementsAre("ticket-1", "ticket-2", "ticket-3"));
}

TEST_F(DingTalkConnectorTest, EventsAreAcknowledgedAndOtherCallbacksRefused) {
    json event = system_frame("", "event-1", R"({"userId":["manager4220"]})");
    event["type"] = "EVENT";
    event["headers"]["eventType"] = "user_add_org";
    ASSERT_TRUE(fake_.send(event));
    // A callback topic the connector does not subscribe to (cards have their own test).
    json card = callback_frame("card-1", json::object());
    card["headers"]["topic"] = "/v1.0/graph/api/invoke";
    ASSERT_TRUE(fake_.send(card));
    auto acks = fake_.wait_acks("event-1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0]["code"], 200);
    EXPECT_EQ(json::parse(acks[0]["data"].get<std::string>())["status"], "SUCCESS");
    acks = fake_.wait_acks("card-1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0]["code"], 404);
    // A robot message after them still arrives, and only it.
    ASSERT_TRUE(fake_.send(callback_frame("f-after", direct("m-after", "manager4220", "帮助"))));
    ASSERT_TRUE(sink_.with_text("帮助"));
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(DingTalkConnectorTest, APictureIsAnsweredThatOnlyTextIsRead) {
    json picture = direct("m-pic", "manager4220", "");
    picture["msgtype"] = "picture";
    picture.erase("text");
    picture["content"] = {{"downloadCode", "mIofN681YE3f/+m+NntqpjGQs"}};
    ASSERT_TRUE(fake_.send(callback_frame("f-pic", picture)));
    ASSERT_TRUE(fake_.send(callback_frame("f-pic-again", picture)));  // redelivered
    EXPECT_EQ(fake_.wait_acks("f-pic").size(), 1u);
    auto answer = fake_.wait_call("/session/");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->path, "/session/s-manager4220");
    EXPECT_EQ(answer->json_body["text"]["content"],
              "我目前只能读取文字消息。请直接输入文字，例如“帮助”。");
    // Nothing reaches the bot, and the repeat is not answered twice.
    ASSERT_TRUE(fake_.send(callback_frame("f-text", direct("m-text", "manager4220", "帮助"))));
    ASSERT_TRUE(sink_.with_text("帮助"));
    EXPECT_TRUE(sink_.rest().empty());
    EXPECT_EQ(fake_.wait_acks("f-pic-again").size(), 1u);
    // Posts to one conversation keep their order: once this one is out, a second answer
    // would have been sent before it.
    EXPECT_TRUE(send("@manager4220", "好的").ok);
    EXPECT_EQ(fake_.calls("/session/").size(), 2u);
}

TEST_F(DingTalkConnectorTest, APictureIsAnsweredInTheWritersLanguageWhenTheDirectoryKnowsIt) {
    roster_->set(
        {{"sales1001", "Tom", "marketing", "en"}, {"sales1002", "李娜", "sales", "zh-CN"}});
    struct Case {
        std::string staff, words;
    };
    const std::vector<Case> cases = {{"sales1001", "I can only read text messages"},
                                     {"sales1002", "我目前只能读取文字消息"},
                                     {"sales1003", "我目前只能读取文字消息"}};  // unknown: default
    std::size_t n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.staff);
        json picture = direct("m-pic-" + c.staff, c.staff, "");
        picture["msgtype"] = "picture";
        picture.erase("text");
        picture["content"] = {{"downloadCode", "mIofN681YE3f/+m+NntqpjGQs"}};
        ASSERT_TRUE(fake_.send(callback_frame("f-pic-" + c.staff, picture)));
        auto answer = fake_.wait_call("/session/", ++n);
        ASSERT_TRUE(answer);
        EXPECT_EQ(answer->path, "/session/s-" + c.staff);
        EXPECT_THAT(answer->json_body["text"]["content"].get<std::string>(),
                    ::testing::HasSubstr(c.words));
    }
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(DingTalkConnectorTest, WrongCredentialsFailPostsSoTheOutboxTriesAgainLater) {
    DingTalkSettings s;
    s.name = "dingtalk-wrong";
    s.client_id = kClientId;
    s.client_secret = core::Secret("DINGTALK_CLIENT_SECRET", "not-the-secret");
    s.api_url = fake_.url();
    s.gateway_url = fake_.url();
    s.oapi_url = fake_.url();
    s.backoff_initial = 20ms;
    connectors::ConnectorContext context;
    context.clock = &clock_;
    auto wrong = connectors::dingtalk::make_dingtalk(std::move(s), context);
    CollectingSink sink;
    wrong->start(sink);
    auto result = std::make_shared<std::promise<core::SendResult>>();
    core::Post post;
    post.to = {"dingtalk-wrong", kGroup, ""};
    post.text = "本周摘要";
    wrong->send(post, [result](core::SendResult r) { result->set_value(r); });
    auto future = result->get_future();
    ASSERT_EQ(future.wait_for(20s), std::future_status::ready);
    const core::SendResult r = future.get();
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_THAT(r.error, ::testing::HasSubstr("invalidClientIdOrSecret"));
    EXPECT_FALSE(wrong->connected());
    EXPECT_TRUE(fake_.calls("/v1.0/robot/groupMessages/send").empty());
    wrong->stop();
}

TEST_F(DingTalkConnectorTest, LongPostsAreSplitAndAPostToNobodyIsRefused) {
    const std::string long_text(4000, 'x');
    EXPECT_TRUE(send(kGroup, long_text).ok);
    EXPECT_EQ(fake_.calls("/v1.0/robot/groupMessages/send").size(), 2u);
    auto r = send("", "hello");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
}

// --- senders recognised by their email (directory.match_by_email) ---------------------

const char* kUserGet = "/topapi/v2/user/get";

// A sender is looked up once with topapi/v2/user/get; their messages carry the enterprise
// mailbox DingTalk reports (org_email), which the directory matches.
TEST_F(DingTalkConnectorTest, SendersCarryTheirEnterpriseMailboxLookedUpOnce) {
    fake_.add_user("manager4220", "王芳", "wangfang@personal.example", "wang.fang@example.com");
    ASSERT_TRUE(fake_.send(callback_frame("frame-e1", direct("msg-e1", "manager4220", "你好"))));
    auto e = sink_.with_text("你好");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "wang.fang@example.com");
    EXPECT_EQ(e->who.user_id, "manager4220");
    EXPECT_EQ(e->who.display, "王芳");
    ASSERT_TRUE(fake_.send(callback_frame("frame-e2", direct("msg-e2", "manager4220", "报告"))));
    e = sink_.with_text("报告");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "wang.fang@example.com");
    const auto calls = fake_.calls(kUserGet);
    ASSERT_EQ(calls.size(), 1u) << "the second message needs no lookup";
    EXPECT_EQ(calls[0].json_body["userid"], "manager4220");
    EXPECT_FALSE(calls[0].token.empty());
}

// The address-book email is typed in by people and never confirmed by DingTalk: not used.
TEST_F(DingTalkConnectorTest, AnAddressBookEmailAloneIsNotTakenAsProof) {
    fake_.add_user("staff1001", "李娜", "li.na@example.com", "");
    ASSERT_TRUE(fake_.send(callback_frame("frame-e3", direct("msg-e3", "staff1001", "在吗"))));
    auto e = sink_.with_text("在吗");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
    EXPECT_EQ(fake_.calls(kUserGet).size(), 1u);
}

// Someone DingTalk does not know (60121) is heard without an email, and not asked again.
TEST_F(DingTalkConnectorTest, ASenderDingTalkDoesNotKnowIsHeardAndRemembered) {
    ASSERT_TRUE(fake_.send(callback_frame("frame-e4", direct("msg-e4", "ghost01", "一"))));
    auto e = sink_.with_text("一");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
    ASSERT_TRUE(fake_.send(callback_frame("frame-e5", direct("msg-e5", "ghost01", "二"))));
    ASSERT_TRUE(sink_.with_text("二"));
    EXPECT_EQ(fake_.calls(kUserGet).size(), 1u);
}

// No permission (errcode 60011): the message goes on as from an unknown sender, and a busy
// sender is not asked again at once (only after the retry interval).
TEST_F(DingTalkConnectorTest, ALookupWithoutPermissionLosesNoMessage) {
    fake_.add_user("manager4220", "王芳", "", "wang.fang@example.com");
    fake_.fail_user_lookups(1, 200, 60011);
    ASSERT_TRUE(fake_.send(callback_frame("frame-e6", direct("msg-e6", "manager4220", "甲"))));
    auto e = sink_.with_text("甲");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
    ASSERT_TRUE(fake_.send(callback_frame("frame-e7", direct("msg-e7", "manager4220", "乙"))));
    e = sink_.with_text("乙");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
    EXPECT_EQ(fake_.calls(kUserGet).size(), 1u);
}

class DingTalkLookupRetryTest : public DingTalkConnectorTest {
  protected:
    DingTalkLookupRetryTest() { lookup_limits_.retry = 0ms; }
};

// HTTP 500, a permission error and a 429: each message still reaches the bot, and the
// sender is asked again later, until DingTalk answers.
TEST_F(DingTalkLookupRetryTest, FailedLookupsAreAskedAgainLater) {
    fake_.add_user("manager4220", "王芳", "", "wang.fang@example.com");
    fake_.fail_user_lookups(1, 500);
    ASSERT_TRUE(fake_.send(callback_frame("frame-r1", direct("msg-r1", "manager4220", "一"))));
    auto e = sink_.with_text("一");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
    fake_.fail_user_lookups(1, 200, 60011);
    ASSERT_TRUE(fake_.send(callback_frame("frame-r2", direct("msg-r2", "manager4220", "二"))));
    e = sink_.with_text("二");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
    fake_.throttle(kUserGet, 1, true);
    ASSERT_TRUE(fake_.send(callback_frame("frame-r3", direct("msg-r3", "manager4220", "三"))));
    e = sink_.with_text("三");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
    ASSERT_TRUE(fake_.send(callback_frame("frame-r4", direct("msg-r4", "manager4220", "四"))));
    e = sink_.with_text("四");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "wang.fang@example.com");
    EXPECT_EQ(fake_.calls(kUserGet).size(), 4u);
}

class DingTalkNoEmailMatchTest : public DingTalkConnectorTest {
  protected:
    DingTalkNoEmailMatchTest() { match_by_email_ = false; }
};

TEST_F(DingTalkNoEmailMatchTest, WithMatchByEmailOffNobodyIsLookedUp) {
    fake_.add_user("manager4220", "王芳", "", "wang.fang@example.com");
    ASSERT_TRUE(fake_.send(callback_frame("frame-n1", direct("msg-n1", "manager4220", "你好"))));
    auto e = sink_.with_text("你好");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
    EXPECT_TRUE(fake_.calls(kUserGet).empty());
}

}  // namespace
}  // namespace twintrack::dingtalk_test

namespace twintrack::dingtalk_test {
namespace {

// A group message with files: `msgtype` picture (content {downloadCode}) or richText
// (content {richText: [{text}, {type: picture, downloadCode}]}).
json group_message(const std::string& msg_id, const std::string& msgtype, const json& content) {
    json m = robot_message(msg_id, "manager4220", "王芳", "", "2", kGroup, "", 0);
    m.erase("text");
    m.erase("sessionWebhook");
    m["msgtype"] = msgtype;
    m["content"] = content;
    return m;
}

TEST_F(DingTalkConnectorTest, GroupPicturesComeWithTheirBytesInOrderWhenFilesAreFetched) {
    connector_->stop();
    connector_ = make();
    connector_->fetch_files_up_to(100);
    connector_->start(sink_);
    ASSERT_TRUE(fake_.wait_sockets(2));
    wait_connected(1);  // the new connector's first connection
    const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "booth";
    fake_.add_file("dc-booth", "image/png", png);
    fake_.add_file("dc-big", "image/jpeg", std::string(101, 'j'));
    ASSERT_TRUE(fake_.send(
        callback_frame("f-1", group_message("m-pic", "picture", {{"downloadCode", "dc-booth"}}))));
    ASSERT_TRUE(fake_.send(callback_frame(
        "f-2",
        group_message("m-rich", "richText",
                      {{"richText",
                        json::array({{{"text", "我们的展台"}},
                                     {{"type", "picture"}, {"downloadCode", "dc-big"}},
                                     {{"type", "picture"}, {"downloadCode", "dc-expired"}}})}}))));
    ASSERT_TRUE(fake_.send(callback_frame(
        "f-3", robot_message("m-text", "manager4220", "王芳", "不错", "2", kGroup, "", 0))));
    auto picture = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(picture);
    EXPECT_EQ(picture->id, "dingtalk:m-pic");
    EXPECT_EQ(picture->where.channel, kGroup);
    auto files = core::event_files(picture->extra);
    ASSERT_EQ(files.size(), 1u);
    // Named by dingtalk.yaml's messages.picture_name in the bot's language (zh-CN here).
    EXPECT_EQ(files[0].name, "图片.png");
    EXPECT_EQ(files[0].mime, "image/png");
    EXPECT_EQ(files[0].data, png);
    auto rich = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(rich);
    EXPECT_EQ(rich->text, "我们的展台");
    files = core::event_files(rich->extra);
    ASSERT_EQ(files.size(), 2u);
    // Over the limit, and a code DingTalk no longer knows: named, nothing lost.
    EXPECT_TRUE(files[0].data.empty());
    EXPECT_EQ(files[0].mime.rfind("image/", 0), 0u);
    EXPECT_TRUE(files[1].data.empty());
    EXPECT_EQ(files[1].name, "图片");
    auto text = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(text);
    EXPECT_EQ(text->text, "不错");
    const auto exchanges = fake_.calls("/v1.0/robot/messageFiles/download");
    ASSERT_EQ(exchanges.size(), 3u);
    std::set<std::string> codes;
    for (const auto& c : exchanges) {
        codes.insert(c.json_body.value("downloadCode", ""));
        EXPECT_EQ(c.json_body["robotCode"], kClientId);
        EXPECT_EQ(c.token.rfind("token-", 0), 0u);
    }
    EXPECT_EQ(codes, (std::set<std::string>{"dc-booth", "dc-big", "dc-expired"}));
    // The signed link itself is fetched without the access token.
    std::size_t links = 0;
    for (const auto& c : fake_.calls("/files/")) {
        ++links;
        EXPECT_TRUE(c.token.empty()) << c.path;
    }
    EXPECT_EQ(links, 2u);
    // Nobody was told that only text is read.
    EXPECT_TRUE(fake_.calls("/session/").empty());
}

class DingTalkHeldFilesTest : public DingTalkConnectorTest {
  protected:
    void SetUp() override {
        DingTalkConnectorTest::SetUp();
        connector_->stop();
        connector_ = make();
        connector_->fetch_files_up_to(100);
        connector_->start(sink_);
        ASSERT_TRUE(fake_.wait_sockets(2));
        wait_connected(1);
        fake_.add_user("manager4220", "王芳", "", "wang.fang@example.cn");
        fake_.add_file("dc-booth", "image/png", png_);
        // Wang is known (looked up) before a download hangs.
        say("f-0", "m-0", kGroup, "先说一句");
        ASSERT_TRUE(sink_.with_text("先说一句"));
    }
    void say(const std::string& frame, const std::string& id, const std::string& group,
             const std::string& text) {
        ASSERT_TRUE(fake_.send(callback_frame(
            frame, robot_message(id, "manager4220", "王芳", text, "2", group, "", 0))));
    }
    const std::string png_ = std::string("\x89PNG\r\n\x1a\n", 8) + "booth";
};

TEST_F(DingTalkHeldFilesTest, MessagesHeldBehindAHangingDownloadGoOnOnceInOrderWhenItStops) {
    fake_.hang_files(true);
    ASSERT_TRUE(fake_.send(
        callback_frame("f-1", group_message("m-pic", "picture", {{"downloadCode", "dc-booth"}}))));
    ASSERT_TRUE(fake_.wait_call("/files/"));
    say("f-2", "m-then", kGroup, "然后");
    say("f-3", "m-last", kGroup, "最后");
    ASSERT_EQ(fake_.wait_acks("f-3").size(), 1u);  // read by the connector
    // The download never answers: the connector stops with it under way.
    connector_->stop();
    fake_.hang_files(false);
    const auto any = [](const core::Event&) { return true; };
    auto picture = sink_.wait_for(any);
    ASSERT_TRUE(picture);
    EXPECT_EQ(picture->id, "dingtalk:m-pic");
    EXPECT_EQ(picture->who.email, "wang.fang@example.cn");
    const auto files = core::event_files(picture->extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].name, "图片");  // by its name, without its bytes
    EXPECT_TRUE(files[0].data.empty());
    auto then = sink_.wait_for(any);
    ASSERT_TRUE(then);
    EXPECT_EQ(then->text, "然后");
    auto last = sink_.wait_for(any);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->text, "最后");
    EXPECT_TRUE(sink_.rest().empty());  // exactly once
}

TEST_F(DingTalkHeldFilesTest, AHangingDownloadInOneGroupDoesNotDelayAnotherGroup) {
    const std::string other = "cidOtherGroupQqSfFxBbeKzx==";
    fake_.hang_files(true);
    ASSERT_TRUE(fake_.send(
        callback_frame("f-1", group_message("m-pic", "picture", {{"downloadCode", "dc-booth"}}))));
    ASSERT_TRUE(fake_.wait_call("/files/"));
    say("f-2", "m-after", kGroup, "这张之后");
    say("f-3", "m-other", other, "另一个群");
    // The other group's message arrives while the download still hangs.
    auto first = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(first);
    EXPECT_EQ(first->text, "另一个群");
    EXPECT_EQ(first->where.channel, other);
    fake_.hang_files(false);
    auto picture = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(picture);
    EXPECT_EQ(picture->id, "dingtalk:m-pic");
    const auto files = core::event_files(picture->extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].data, png_);
    auto after = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(after);
    EXPECT_EQ(after->text, "这张之后");
}

}  // namespace
}  // namespace twintrack::dingtalk_test
