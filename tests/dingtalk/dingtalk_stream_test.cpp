// The Stream protocol as plain data: frames, acknowledgements, robot messages and how
// OpenAPI answers read, with payloads shaped as DingTalk's documentation and the official
// SDKs show them.

#include "connectors/dingtalk/dingtalk_stream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace twintrack::connectors::dingtalk {
namespace {

using json = nlohmann::json;

TEST(DingTalkStream, TheConnectionOpenRequestSubscribesToRobotMessagesCardClicksAndEvents) {
    const json body = connection_open_body("dingabc", "s3cret", "twintrack/1", "10.0.0.7");
    EXPECT_EQ(body["clientId"], "dingabc");
    EXPECT_EQ(body["clientSecret"], "s3cret");
    EXPECT_EQ(body["ua"], "twintrack/1");
    EXPECT_EQ(body["localIp"], "10.0.0.7");
    EXPECT_THAT(
        body["subscriptions"],
        ::testing::Contains(json{{"type", "CALLBACK"}, {"topic", "/v1.0/im/bot/messages/get"}}));
    EXPECT_THAT(body["subscriptions"],
                ::testing::Contains(json{{"type", "EVENT"}, {"topic", "*"}}));
    EXPECT_THAT(body["subscriptions"],
                ::testing::Contains(
                    json{{"type", "CALLBACK"}, {"topic", "/v1.0/card/instances/callback"}}));
}

TEST(DingTalkStream, TheEndpointAndTicketMakeTheStreamUrl) {
    Endpoint e;
    ASSERT_TRUE(read_endpoint(
        R"({"endpoint":"wss://wss-open-connection.dingtalk.com:443/connect","ticket":"a+b/c="})",
        e));
    EXPECT_EQ(stream_url(e),
              "wss://wss-open-connection.dingtalk.com:443/connect?ticket=a%2Bb%2Fc%3D");
    struct Case {
        const char* body;
    } cases[] = {{""},
                 {"[]"},
                 {R"({"endpoint":"wss://x"})"},
                 {R"({"ticket":"t"})"},
                 {R"({"endpoint":1,"ticket":"t"})"}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.body);
        EXPECT_FALSE(read_endpoint(c.body, e));
    }
}

TEST(DingTalkStream, APingIsAcknowledgedWithItsMessageIdAndItsDataEchoed) {
    Frame f;
    ASSERT_TRUE(read_frame(
        R"({"specVersion":"1.0","type":"SYSTEM","headers":{"contentType":"application/json","messageId":"m-1","time":"1690362102194","topic":"ping"},"data":"{\"opaque\":\"x-42\"}"})",
        f));
    EXPECT_EQ(f.type, "SYSTEM");
    EXPECT_EQ(f.topic, "ping");
    const json a = json::parse(ack_ping(f));
    EXPECT_EQ(a["code"], 200);
    EXPECT_EQ(a["headers"]["messageId"], "m-1");
    EXPECT_EQ(a["headers"]["contentType"], "application/json");
    EXPECT_EQ(a["message"], "OK");
    EXPECT_EQ(a["data"], "{\"opaque\":\"x-42\"}");
}

TEST(DingTalkStream, CallbacksAndEventsAreAcknowledgedAsTheSdksDo) {
    Frame f;
    f.message_id = "m-2";
    const json cb = json::parse(ack_callback(f));
    EXPECT_EQ(cb["code"], 200);
    EXPECT_EQ(json::parse(cb["data"].get<std::string>()), json({{"response", "OK"}}));
    const json ev = json::parse(ack_event(f));
    EXPECT_EQ(json::parse(ev["data"].get<std::string>())["status"], "SUCCESS");
    EXPECT_EQ(json::parse(ack_unknown(f))["code"], 404);
}

TEST(DingTalkStream, BadFramesAreRefusedWithoutThrowing) {
    struct Case {
        const char* text;
    } cases[] = {{""},
                 {"null"},
                 {"[1]"},
                 {R"({"type":"SYSTEM"})"},
                 {R"({"headers":{}})"},
                 {R"({"type":"EVENT","headers":[]})"},
                 {"{\"type\":\"\xff\",\"headers\":{}}"}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        Frame f;
        EXPECT_FALSE(read_frame(c.text, f));
    }
}

TEST(DingTalkStream, RobotMessagesReadAsTheCallbackDocumentsThem) {
    const std::string group = R"({
        "conversationId": "cidp7tqZqSfFxBbeKzxJRBSgA==", "atUsers": [{"dingtalkId": "$:LWCP_v1:$x"}],
        "chatbotCorpId": "dinge8a5", "chatbotUserId": "$:LWCP_v1:$bot", "msgId": "msgX3+Y==",
        "senderNick": "李伟", "isAdmin": false, "senderStaffId": "manager4220",
        "sessionWebhookExpiredTime": 1690360392213, "createAt": 1690354991860,
        "senderCorpId": "dinge8a5", "conversationType": "2", "senderId": "$:LWCP_v1:$abc",
        "conversationTitle": "销售群", "isInAtList": true,
        "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=xyz",
        "text": {"content": " 报告 "}, "robotCode": "dingabc", "msgtype": "text"})";
    RobotMessage m;
    ASSERT_EQ(read_robot_message(group, m), MessageRead::ok);
    EXPECT_EQ(m.msg_id, "msgX3+Y==");
    EXPECT_EQ(m.staff_id, "manager4220");
    EXPECT_EQ(m.conversation, "cidp7tqZqSfFxBbeKzxJRBSgA==");
    EXPECT_FALSE(m.direct());
    EXPECT_EQ(m.text, " 报告 ");
    EXPECT_EQ(m.session_expires_ms, 1690360392213);
    EXPECT_EQ(m.title, "销售群");

    struct Case {
        const char* data;
        MessageRead want;
    } cases[] = {
        {"not json", MessageRead::not_json},
        {R"({"msgtype":"picture","msgId":"1"})", MessageRead::not_text},
        {R"({"msgId":"1","senderStaffId":"s","conversationId":"c","conversationType":"1","text":{"content":"x"}})",
         MessageRead::incomplete},
        {R"({"msgtype":"text","senderStaffId":"s","conversationId":"c","conversationType":"1","text":{"content":"x"}})",
         MessageRead::incomplete},
        {R"({"msgtype":"text","msgId":"1","conversationId":"c","conversationType":"1","text":{"content":"x"}})",
         MessageRead::incomplete},
        {R"({"msgtype":"text","msgId":"1","senderStaffId":"s","conversationType":"1","text":{"content":"x"}})",
         MessageRead::incomplete},
        {R"({"msgtype":"text","msgId":"1","senderStaffId":"s","conversationId":"c","conversationType":"3","text":{"content":"x"}})",
         MessageRead::incomplete},
        {R"({"msgtype":"richText","msgId":"1","senderStaffId":"s","conversationId":"c","conversationType":"1","content":{"richText":[{"text":"报告 "},{"downloadCode":"d"},{"text":"Acme"}]}})",
         MessageRead::ok},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.data);
        EXPECT_EQ(read_robot_message(c.data, m), c.want);
    }
    EXPECT_EQ(m.text, "报告 Acme");  // the richText case, last
}

TEST(DingTalkStream, ApiAnswersAreClassified) {
    using Kind = ApiOutcome::Kind;
    struct Case {
        int status;
        const char* body;
        Kind want;
    } cases[] = {
        {200, R"({"processQueryKey":"k"})", Kind::ok},
        {401, R"({"code":"InvalidAuthentication","message":"不合法的access_token"})", Kind::auth},
        {400, R"({"code":"InvalidAuthentication"})", Kind::auth},
        {403, R"({"code":"Forbidden.AccessDenied.QpsLimitForAppkeyAndApi","message":"限流"})",
         Kind::throttled},
        {403, R"({"code":"Forbidden.AccessDenied.QpsLimitForApi"})", Kind::throttled},
        {429, "", Kind::throttled},
        {403, R"({"code":"Forbidden.AccessDenied.AccessTokenPermissionDenied"})", Kind::permanent},
        {400, R"({"code":"param.invalid"})", Kind::permanent},
        {500, "oops", Kind::transient},
        {0, "", Kind::transient},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::to_string(c.status) + " " + c.body);
        EXPECT_EQ(read_api_answer(c.status, c.body).kind, c.want);
    }
}

TEST(DingTalkStream, MessageBodiesUseSampleTextOrSampleMarkdown) {
    const MessageBody text = robot_body("周报已保存\n第二行", false);
    EXPECT_EQ(text.msg_key, "sampleText");
    EXPECT_EQ(json::parse(text.msg_param)["content"], "周报已保存\n第二行");
    const MessageBody md = robot_body("一二三四五六七八九十一二三四五六七八九十一二\nbody", true);
    EXPECT_EQ(md.msg_key, "sampleMarkdown");
    EXPECT_EQ(json::parse(md.msg_param)["title"], "一二三四五六七八九十一二三四五六七八九十");
    EXPECT_EQ(session_body("hi", false),
              json({{"msgtype", "text"}, {"text", {{"content", "hi"}}}}));
}

TEST(DingTalkStream, RecentIdsForgetTheOldestBeyondTheirCapacity) {
    RecentIds ids(2);
    EXPECT_TRUE(ids.first("a"));
    EXPECT_FALSE(ids.first("a"));
    EXPECT_TRUE(ids.first("b"));
    EXPECT_TRUE(ids.first("c"));  // "a" forgotten
    EXPECT_TRUE(ids.first("a"));
    EXPECT_EQ(ids.size(), 2u);
}

}  // namespace
}  // namespace twintrack::connectors::dingtalk
