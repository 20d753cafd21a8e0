// The WeCom app connector against a fake WeCom on loopback: the callback listener (the
// official samples' requests, forged and old ones, another corp's), one handling per
// MsgId, the access token's refresh, WeCom's "too often" answer, pictures, app group
// chats and the config section.

#include "connectors/wecom/wecom_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <future>
#include <thread>

#include "connectors/registry.hpp"
#include "core/clock.hpp"
#include "tests/support/connector_sink.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"
#include "tests/wecom/fake_wecom.hpp"
#include "tests/wecom/wecom_test_keys.hpp"

namespace twintrack::wecom_test {
namespace {

using connectors::wecom::WecomSettings;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;
using test_support::eventually;

const long long kAgent = 1000002;

// The official sample's requests (see wecom_crypto_test.cpp).
const std::string kVerifyQuery =
    "msg_signature=012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb&timestamp=1476416373&nonce=47744683"
    "&echostr=fsi1xnbH4yQh0%2BPJxcOdhhK6TDXkjMyhEPA7xB2TGz6b%2Bg7xyAbEkRxN%2F3cNXW9qdqjnoVzEtpbhnF"
    "yq6SVHyA%3D%3D";
const std::string kMsgQuery =
    "msg_signature=0c3914025cb4b4d68103f6bfc8db550f79dcf48e&timestamp=1476422779&nonce=1597212914";
const std::string kMsgBody =
    "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA["
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGz"
    "BhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+"
    "3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4"
    "iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDP"
    "OYuPDGOCI8jmnKiypE+]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>";

core::Timestamp at_seconds(long long s) { return core::from_millis(s * 1000); }

class WecomConnectorTest : public ::testing::Test {
  protected:
    void start(const std::string& corp_id = FakeWecom::corp_id,
               std::function<void(WecomSettings&)> adjust = nullptr) {
        WecomSettings s;
        s.corp_id = corp_id;
        s.agent_id = kAgent;
        s.secret = core::Secret("TT_WECOM_SECRET", FakeWecom::secret);
        s.token = core::Secret("TT_WECOM_TOKEN", kToken);
        s.encoding_aes_key = core::Secret("TT_WECOM_AES_KEY", kAesKey);
        s.port = 0;
        s.api_url = wecom_.url();
        s.proxy = "none";
        s.busy_wait = std::chrono::milliseconds(50);
        s.max_retry_wait = std::chrono::seconds(30);
        if (adjust) adjust(s);
        connectors::ConnectorContext context;
        context.clock = &clock_;
        context.prompts_dir = TWINTRACK_PROMPTS_DIR;
        context.roster = roster_;
        context.data_dir = data_dir_;
        context.match_by_email = match_by_email_;
        connector_ = connectors::wecom::make_wecom(s, context);
        connector_->start(sink_);
        port_ = connectors::wecom::wecom_status(*connector_).listen_port;
    }

    void TearDown() override {
        if (connector_) connector_->stop();
    }

    test_support::HttpResponse callback(const std::string& method, const std::string& query,
                                        const std::string& body = "") {
        return test_support::http_request(method, "127.0.0.1", port_, "/wecom/callback?" + query,
                                          {{"Content-Type", "text/xml"}}, body);
    }

    // A member's message, encrypted and signed as WeCom sends it at the clock's time.
    test_support::HttpResponse member_says(const std::string& xml) {
        const auto signed_cb = sign_callback(kToken, kAesKey, FakeWecom::corp_id, xml,
                                             core::to_millis(clock_.now()) / 1000, "8271640");
        return callback("POST", signed_cb.query, signed_cb.body);
    }

    core::SendResult send(const std::string& channel, const std::string& text) {
        core::Post post;
        post.to = {"wecom", channel, ""};
        post.text = text;
        return send(post);
    }

    core::SendResult send(const core::Post& post) {
        std::promise<core::SendResult> done;
        auto result = done.get_future();
        connector_->send(post, [&done](core::SendResult r) { done.set_value(std::move(r)); });
        if (result.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
            return {false, "", "no answer from the connector", true};
        }
        return result.get();
    }

    FakeWecom wecom_;
    core::FakeClock clock_{at_seconds(1476422779)};
    std::shared_ptr<connectors::Roster> roster_ = std::make_shared<connectors::Roster>();
    test_support::CollectingSink sink_;
    std::unique_ptr<connectors::Connector> connector_;
    int port_ = 0;
    std::string data_dir_;        ///< "" = no files
    bool match_by_email_ = true;  ///< directory.match_by_email
};

TEST_F(WecomConnectorTest, TheUrlCheckOfTheOfficialSampleIsAnsweredWithTheEchoStr) {
    clock_.set(at_seconds(1476416373 + 10));
    start();
    const auto r = callback("GET", kVerifyQuery);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "1288432023552776189");
}

TEST_F(WecomConnectorTest, TheOfficialSampleMessageBecomesADirectEvent) {
    start();
    const auto r = callback("POST", kMsgQuery, kMsgBody);
    EXPECT_EQ(r.status, 200);
    auto event = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(event);
    EXPECT_EQ(event->text, "你好");
    EXPECT_EQ(event->id, "wecom:1456453720");
    EXPECT_EQ(event->who.connector, "wecom");
    EXPECT_EQ(event->who.user_id, "ChenJiaShun");
    EXPECT_EQ(event->where.channel, "@ChenJiaShun");
    EXPECT_TRUE(event->direct);
    EXPECT_EQ(core::to_millis(event->at), 1476422779000LL);
}

TEST_F(WecomConnectorTest, ForgedOldAndMalformedCallbacksAreRefusedAndLogged) {
    test_support::LogCapture log;
    start();
    std::string forged = kMsgQuery;
    forged[forged.find("0c39") + 3] = '8';  // one digit of the signature
    struct Case {
        std::string name, method, query, body;
        int status;
        std::string logged;
    };
    const std::vector<Case> cases = {
        {"forged signature", "POST", forged, kMsgBody, 401, "wrong msg_signature"},
        {"no signature", "POST", "timestamp=1476422779&nonce=1597212914", kMsgBody, 401, "missing"},
        {"body is not XML", "POST", kMsgQuery, "{\"Encrypt\": \"x\"}", 400, "not XML"},
        {"forged URL check", "GET", "msg_signature=0000&timestamp=1476422779&nonce=1&echostr=abcd",
         "", 401, "URL check"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto r = callback(c.method, c.query, c.body);
        EXPECT_EQ(r.status, c.status);
        EXPECT_NE(r.body, "1288432023552776189");
        EXPECT_GE(log.count(c.logged), 1);  // logged before the answer was written
    }
    // The same genuine request an hour later: replayed, refused.
    clock_.advance(std::chrono::hours(1));
    EXPECT_EQ(callback("POST", kMsgQuery, kMsgBody).status, 401);
    EXPECT_EQ(log.count("away from this server's clock"), 1);
    // A genuine message now is the only one handed on.
    EXPECT_EQ(member_says(text_message_xml("wangfang", "ok", "9001", kAgent, 1476426379)).status,
              200);
    ASSERT_TRUE(sink_.with_text("ok"));
    EXPECT_TRUE(sink_.rest().empty());
    EXPECT_EQ(connectors::wecom::wecom_status(*connector_).refused, 5);
    EXPECT_EQ(log.count(kToken), 0);
    EXPECT_EQ(log.count(kAesKey), 0);
}

TEST_F(WecomConnectorTest, AMessageForAnotherCorpIsRefused) {
    test_support::LogCapture log;
    start("ww0000000000000000");
    const auto r = callback("POST", kMsgQuery, kMsgBody);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(log.count("receive id is not this corp's"), 1);
    EXPECT_TRUE(sink_.rest().empty());
    EXPECT_EQ(connectors::wecom::wecom_status(*connector_).refused, 1);
}

TEST_F(WecomConnectorTest, AMessageDeliveredTwiceIsHandledOnce) {
    start();
    const std::string xml = text_message_xml("wangfang", "报告", "7001", kAgent, 1476422779);
    EXPECT_EQ(member_says(xml).status, 200);
    EXPECT_EQ(member_says(xml).status, 200);  // WeCom's redelivery, same MsgId
    EXPECT_EQ(member_says(text_message_xml("wangfang", "跳过", "7002", kAgent, 1476422780)).status,
              200);
    ASSERT_TRUE(sink_.with_text("报告"));
    ASSERT_TRUE(sink_.with_text("跳过"));  // handled in order: the repeat came before it
    EXPECT_TRUE(sink_.rest().empty());
    EXPECT_EQ(connectors::wecom::wecom_status(*connector_).duplicates, 1);
}

TEST_F(WecomConnectorTest, AnotherAppsMessageIsRefused) {
    start();
    const auto r = member_says(text_message_xml("wangfang", "hi", "7003", 1000099, 1476422779));
    EXPECT_EQ(r.status, 403);
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(WecomConnectorTest, ADirectPostGoesThroughMessageSendWithTheCachedToken) {
    start();
    const auto first = send("@wangfang", "第一条");
    ASSERT_TRUE(first.ok) << first.error;
    EXPECT_EQ(first.message_id, "wecom:msg1");
    ASSERT_TRUE(send("@wangfang", "second").ok);
    const auto calls = wecom_.calls("/cgi-bin/message/send");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].body["touser"], "wangfang");
    EXPECT_EQ(calls[0].body["agentid"], kAgent);
    EXPECT_EQ(calls[0].body["msgtype"], "text");
    EXPECT_EQ(calls[0].body["text"]["content"], "第一条");
    EXPECT_EQ(wecom_.calls("/cgi-bin/gettoken").size(), 1u);  // fetched once, then cached
}

TEST_F(WecomConnectorTest, AnExpiredTokenIsFetchedAgainAndTheSendRetriedOnce) {
    start();
    ASSERT_TRUE(send("@wangfang", "before").ok);
    wecom_.expire_token();
    const auto r = send("@wangfang", "after the token expired");
    ASSERT_TRUE(r.ok) << r.error;
    const auto sends = wecom_.calls("/cgi-bin/message/send");
    ASSERT_EQ(sends.size(), 3u);
    EXPECT_EQ(sends[1].access_token, "ACCESS_TOKEN_1");
    EXPECT_EQ(sends[2].access_token, "ACCESS_TOKEN_2");
    EXPECT_EQ(sends[2].body["text"]["content"], "after the token expired");
    EXPECT_EQ(wecom_.calls("/cgi-bin/gettoken").size(), 2u);
}

TEST_F(WecomConnectorTest, ATokenThatStaysRefusedIsRetriedOnlyOnce) {
    start();
    ASSERT_TRUE(send("@wangfang", "before").ok);
    wecom_.script_send_answer({{"errcode", 42001}, {"errmsg", "access_token expired"}}, 2);
    const auto r = send("@wangfang", "x");
    EXPECT_FALSE(r.ok);
    EXPECT_THAT(r.error, HasSubstr("42001"));
    EXPECT_EQ(wecom_.calls("/cgi-bin/message/send").size(), 3u);
}

TEST_F(WecomConnectorTest, TooOftenWaitsAndSendsTheSamePostAgain) {
    start();
    wecom_.script_send_answer({{"errcode", 45009}, {"errmsg", "api freq out of limit"}}, 2);
    const auto r = send("@wangfang", "拜访报告已收到");
    ASSERT_TRUE(r.ok) << r.error;
    const auto sends = wecom_.calls("/cgi-bin/message/send");
    ASSERT_EQ(sends.size(), 3u);
    for (const auto& s : sends) EXPECT_EQ(s.body["text"]["content"], "拜访报告已收到");
}

TEST_F(WecomConnectorTest, TooOftenForTooLongGoesBackToTheOutboxAsRetryable) {
    start(FakeWecom::corp_id, [](WecomSettings& s) { s.max_retry_wait = std::chrono::seconds(0); });
    wecom_.script_send_answer({{"errcode", 45009}, {"errmsg", "api freq out of limit"}}, 1);
    const auto r = send("@wangfang", "x");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);  // the outbox sends it again: not lost
    EXPECT_THAT(r.error, HasSubstr("45009"));
    // And once WeCom accepts again, it goes out.
    EXPECT_TRUE(send("@wangfang", "x").ok);
}

TEST_F(WecomConnectorTest, APermanentRefusalIsNotRetried) {
    start();
    wecom_.script_send_answer({{"errcode", 60020}, {"errmsg", "not allow to access from your ip"}});
    const auto r = send("@wangfang", "x");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("企业可信IP"));
}

TEST_F(WecomConnectorTest, AGroupChatPostGoesToAppchatSend) {
    start(FakeWecom::corp_id, [](WecomSettings& s) { s.markdown = true; });
    ASSERT_TRUE(send("salesgroup01", "**周报**").ok);
    const auto calls = wecom_.calls("/cgi-bin/appchat/send");
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].body["chatid"], "salesgroup01");
    EXPECT_EQ(calls[0].body["msgtype"], "markdown");
    EXPECT_EQ(calls[0].body["markdown"]["content"], "**周报**");
    EXPECT_TRUE(wecom_.calls("/cgi-bin/message/send").empty());
}

TEST_F(WecomConnectorTest, ALongPostIsSplitUnderWecomsByteLimit) {
    start();
    std::string text;
    for (int i = 0; i < 1000; ++i) text += "报告";  // 6000 bytes
    ASSERT_TRUE(send("@wangfang", text).ok);
    const auto calls = wecom_.calls("/cgi-bin/message/send");
    ASSERT_GE(calls.size(), 3u);
    for (const auto& c : calls) {
        EXPECT_LE(c.body["text"]["content"].get<std::string>().size(), 2048u);
    }
}

TEST_F(WecomConnectorTest, APictureIsAnsweredInTheWritersLanguage) {
    roster_->set({{"wangfang", "王芳", "sales", "zh-CN"}, {"anna", "Anna", "sales", "en"}});
    start();
    // WeCom UserIDs are case-insensitive: the directory's "wangfang" is "WangFang" here.
    EXPECT_EQ(member_says(image_message_xml("WangFang", "8001", kAgent, 1476422779)).status, 200);
    auto call = wecom_.wait_call("/cgi-bin/message/send", 1);
    ASSERT_TRUE(call);
    EXPECT_EQ(call->body["touser"], "WangFang");
    EXPECT_THAT(call->body["text"]["content"].get<std::string>(), HasSubstr("文字"));
    EXPECT_EQ(member_says(image_message_xml("anna", "8002", kAgent, 1476422779)).status, 200);
    call = wecom_.wait_call("/cgi-bin/message/send", 2);
    ASSERT_TRUE(call);
    EXPECT_THAT(call->body["text"]["content"].get<std::string>(), HasSubstr("text"));
    EXPECT_TRUE(sink_.rest().empty());  // nothing for the bot to misread
}

TEST_F(WecomConnectorTest, AWrongSecretShowsInTheLogAndReadiness) {
    test_support::LogCapture log;
    start(FakeWecom::corp_id,
          [](WecomSettings& s) { s.secret = core::Secret("TT_WECOM_SECRET", "wrong-secret"); });
    EXPECT_TRUE(eventually([&] { return log.count("gettoken refused: errcode 40001") > 0; }));
    EXPECT_FALSE(connector_->connected());
    const auto r = send("@wangfang", "x");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_EQ(log.count("wrong-secret"), 0);
}

// --- buttons, pictures, the daily quota ------------------------------------------------

core::Post approval(const std::string& channel) {
    core::Post post;
    post.to = {"wecom", channel, ""};
    post.text = "公告 #7 等你批准\n“TwinTrack 的一线报告现已支持微信。”";
    core::Action approve;
    approve.label = "批准";
    approve.style = "primary";
    approve.token = "v1.7.0.5.1795900000000.aa";
    approve.typed = "批准 7";
    core::Action changes;
    changes.label = "退回修改";
    changes.token = "v1.7.1.5.1795900000000.bb";
    changes.typed = "退回修改 7 原因";
    post.actions = {approve, changes};
    post.actions_text = "请输入以下命令之一来回复：\n1. 批准：批准 7\n2. 退回修改：退回修改 7 原因";
    return post;
}

TEST_F(WecomConnectorTest, ButtonsToAMemberGoAsATemplateCardWhoseTaskIdIsThePostsId) {
    start();
    EXPECT_TRUE(connector_->shows_actions());
    const auto r = send(approval("@zhouqiang"));
    ASSERT_TRUE(r.ok) << r.error;
    const auto calls = wecom_.calls("/cgi-bin/message/send");
    ASSERT_EQ(calls.size(), 1u);
    const json& body = calls[0].body;
    EXPECT_EQ(body["touser"], "zhouqiang");
    EXPECT_EQ(body["agentid"], kAgent);
    EXPECT_EQ(body["msgtype"], "template_card");
    const json& card = body["template_card"];
    EXPECT_EQ(card["card_type"], "button_interaction");
    EXPECT_EQ(card["main_title"]["title"], "公告 #7 等你批准");
    EXPECT_EQ(card["button_list"][0]["key"], "v1.7.0.5.1795900000000.aa");
    EXPECT_EQ(card["button_list"][1]["text"], "退回修改");
    EXPECT_EQ(r.message_id, "wecom:" + card["task_id"].get<std::string>());
    // Each card has its own task id (WeCom never takes one twice).
    ASSERT_TRUE(send(approval("@zhouqiang")).ok);
    EXPECT_NE(wecom_.calls("/cgi-bin/message/send")[1].body["template_card"]["task_id"],
              card["task_id"]);
}

TEST_F(WecomConnectorTest, ChoicesThatDoNotFitACardGoAsTextWithTheTypedCommands) {
    start();
    struct Case {
        std::string name;
        std::function<void(core::Post&)> change;
    };
    const std::vector<Case> cases = {
        {"seven buttons",
         [](core::Post& p) {
             while (p.actions.size() < 7) p.actions.push_back(p.actions[0]);
         }},
        {"a menu",
         [](core::Post& p) {
             core::Action menu;
             menu.kind = "menu";
             menu.label = "选择日期";
             menu.options = {{"12月8日", "v1.tok", "投票 3 2026-12-08"}};
             p.actions.push_back(menu);
         }},
        {"a token over 1024 bytes",
         [](core::Post& p) { p.actions[0].token = std::string(1025, 'k'); }},
        {"a long text", [](core::Post& p) { p.text += std::string(200, 'x'); }},
    };
    std::size_t n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        core::Post post = approval("@zhouqiang");
        c.change(post);
        ASSERT_TRUE(send(post).ok);
        const auto call = wecom_.wait_call("/cgi-bin/message/send", ++n);
        ASSERT_TRUE(call);
        EXPECT_EQ(call->body["msgtype"], "text");
        const std::string content = call->body["text"]["content"];
        EXPECT_THAT(content, HasSubstr("公告 #7 等你批准"));
        EXPECT_THAT(content, HasSubstr("1. 批准：批准 7"));
    }
}

TEST_F(WecomConnectorTest, AGroupChatGetsTheTextWithTheTypedChoicesAndNoUpdates) {
    start();
    const auto r = send(approval("salesgroup01"));
    ASSERT_TRUE(r.ok) << r.error;
    const auto calls = wecom_.calls("/cgi-bin/appchat/send");
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].body["msgtype"], "text");
    const std::string content = calls[0].body["text"]["content"];
    EXPECT_THAT(content, HasSubstr("公告 #7 等你批准"));
    EXPECT_THAT(content, HasSubstr("请输入以下命令之一来回复"));
    EXPECT_THAT(content, HasSubstr("2. 退回修改：退回修改 7 原因"));
    EXPECT_TRUE(wecom_.calls("/cgi-bin/message/send").empty());
    // The decision taken: nothing to update in a group chat, and nothing is sent.
    core::Post update;
    update.to = {"wecom", "salesgroup01", ""};
    update.text = "公告 #7 等你批准\n周强 已于 10:42 批准";
    update.replaces = r.message_id;
    EXPECT_TRUE(send(update).ok);
    EXPECT_EQ(wecom_.calls("/cgi-bin/appchat/send").size(), 1u);
    EXPECT_TRUE(wecom_.calls("/cgi-bin/message/update_template_card").empty());
}

TEST_F(WecomConnectorTest, ACardRefusedByWecomIsSentAsTextWithTheTypedCommands) {
    test_support::LogCapture log;
    start();
    wecom_.script_send_answer({{"errcode", 40008}, {"errmsg", "invalid message type"}});
    const auto r = send(approval("@zhouqiang"));
    ASSERT_TRUE(r.ok) << r.error;
    const auto calls = wecom_.calls("/cgi-bin/message/send");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[1].body["msgtype"], "text");
    EXPECT_THAT(calls[1].body["text"]["content"].get<std::string>(), HasSubstr("1. 批准：批准 7"));
    EXPECT_EQ(log.count("template card to @zhouqiang refused"), 1);
}

class WecomCardClickTest : public WecomConnectorTest {
  protected:
    // Sends the approval card to 周强; returns its id ("wecom:TASKID").
    std::string send_card() {
        const auto r = send(approval("@zhouqiang"));
        EXPECT_TRUE(r.ok) << r.error;
        return r.message_id;
    }
    std::string task_of(const std::string& id) { return id.substr(std::string("wecom:").size()); }

    core::Post settled(const std::string& id) {
        core::Post update;
        update.to = {"wecom", "@zhouqiang", ""};
        update.text =
            "公告 #7 等你批准\n“TwinTrack 的一线报告现已支持微信。”\n周强 已于 10:42 批准";
        update.replaces = id;
        return update;
    }
};

TEST_F(WecomCardClickTest, AClickBecomesAnActionAndTheCardIsUpdatedWithItsResponseCode) {
    start();
    const std::string id = send_card();
    const std::string code = wecom_.click_response_code();
    const long long now = core::to_millis(clock_.now()) / 1000;
    EXPECT_EQ(member_says(card_click_xml("zhouqiang", "v1.7.0.5.1795900000000.aa", task_of(id),
                                         code, kAgent, now))
                  .status,
              200);
    auto event =
        sink_.wait_for([](const core::Event& e) { return e.kind == core::EventKind::action; });
    ASSERT_TRUE(event);
    EXPECT_EQ(event->text, "v1.7.0.5.1795900000000.aa");
    EXPECT_EQ(event->who.connector, "wecom");
    EXPECT_EQ(event->who.user_id, "zhouqiang");
    EXPECT_EQ(event->where.channel, "@zhouqiang");
    EXPECT_TRUE(event->direct);
    EXPECT_EQ(event->extra["message_id"], id);
    EXPECT_EQ(core::to_millis(event->at), now * 1000);

    const auto r = send(settled(id));
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.message_id, id);
    const auto updates = wecom_.calls("/cgi-bin/message/update_template_card");
    ASSERT_EQ(updates.size(), 1u);
    const json& body = updates[0].body;
    EXPECT_EQ(body["response_code"], code);  // the click's, not the send's
    EXPECT_EQ(body["atall"], 1);
    EXPECT_EQ(body["agentid"], kAgent);
    EXPECT_EQ(body["template_card"]["task_id"], task_of(id));
    EXPECT_EQ(body["template_card"]["replace_text"], "周强 已于 10:42 批准");
    EXPECT_THAT(body["template_card"]["sub_title_text"].get<std::string>(),
                HasSubstr("周强 已于 10:42 批准"));
    EXPECT_EQ(connectors::wecom::wecom_status(*connector_).clicks, 1);
}

TEST_F(WecomCardClickTest, ADecisionTypedInsteadUpdatesTheCardWithTheSendsResponseCode) {
    start();
    const std::string id = send_card();
    ASSERT_TRUE(send(settled(id)).ok);
    const auto updates = wecom_.calls("/cgi-bin/message/update_template_card");
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].body["response_code"], "send-code-1");
}

TEST_F(WecomCardClickTest, BadClickCallbacksAreRefusedOrIgnoredAndAReplayCountsOnce) {
    test_support::LogCapture log;
    start();
    const std::string id = send_card();
    const long long now = core::to_millis(clock_.now()) / 1000;
    const std::string code = wecom_.click_response_code();
    const std::string xml =
        card_click_xml("zhouqiang", "v1.7.0.5.1795900000000.aa", task_of(id), code, kAgent, now);
    // Forged: signed with another Token.
    const auto forged =
        sign_callback("AnotherToken0123", kAesKey, FakeWecom::corp_id, xml, now, "1");
    EXPECT_EQ(callback("POST", forged.query, forged.body).status, 401);
    // Malformed: the decrypted text is not XML; an event without a TaskId.
    EXPECT_EQ(member_says("<xml><Event>template_card_event</Event>").status, 400);
    std::string no_task = xml;
    no_task.replace(no_task.find("<TaskId>"),
                    no_task.find("</TaskId>") + 9 - no_task.find("<TaskId>"), "");
    EXPECT_EQ(member_says(no_task).status, 200);
    EXPECT_TRUE(eventually([&] { return log.count("ignored a template_card_event") == 1; }));
    // The genuine click, then WeCom's redelivery of it: one action.
    EXPECT_EQ(member_says(xml).status, 200);
    EXPECT_EQ(member_says(xml).status, 200);
    EXPECT_EQ(member_says(text_message_xml("zhouqiang", "待办", "9100", kAgent, now)).status, 200);
    ASSERT_TRUE(
        sink_.wait_for([](const core::Event& e) { return e.kind == core::EventKind::action; }));
    ASSERT_TRUE(sink_.with_text("待办"));  // handled in order: the repeat came before it
    EXPECT_TRUE(sink_.rest().empty());
    const auto status = connectors::wecom::wecom_status(*connector_);
    EXPECT_EQ(status.clicks, 1);
    EXPECT_EQ(status.duplicates, 1);
    EXPECT_EQ(status.refused, 2);
}

TEST_F(WecomCardClickTest, ACardSentBeforeARestartIsStillUpdated) {
    test_support::TempDir dir;
    data_dir_ = dir.path();
    start();
    const std::string id = send_card();
    connector_->stop();
    connector_.reset();
    start();  // the same data directory: the card's response code was kept
    const auto r = send(settled(id));
    ASSERT_TRUE(r.ok) << r.error;
    const auto updates = wecom_.calls("/cgi-bin/message/update_template_card");
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].body["response_code"], "send-code-1");
    EXPECT_EQ(updates[0].body["template_card"]["task_id"], task_of(id));
    // The code is spent: after another restart it is not offered again.
    connector_->stop();
    connector_.reset();
    start();
    EXPECT_FALSE(send(settled(id)).ok);
    EXPECT_EQ(wecom_.calls("/cgi-bin/message/update_template_card").size(), 1u);
}

TEST_F(WecomCardClickTest, AnUpdateWithoutAUsableResponseCodeFailsOnceAndIsLogged) {
    test_support::LogCapture log;
    start();
    // Never sent as a card here (e.g. before a restart): no code is known.
    const auto unknown = send(settled("wecom:tt0_unknown"));
    EXPECT_FALSE(unknown.ok);
    EXPECT_FALSE(unknown.retryable);
    EXPECT_EQ(log.count("card wecom:tt0_unknown for @zhouqiang not updated"), 1);
    EXPECT_TRUE(wecom_.calls("/cgi-bin/message/update_template_card").empty());
    // WeCom refuses the code (spent or expired): not retried, and not asked again.
    const std::string id = send_card();
    wecom_.script_update_answer({{"errcode", 40058}, {"errmsg", "invalid response_code"}});
    const auto refused = send(settled(id));
    EXPECT_FALSE(refused.ok);
    EXPECT_FALSE(refused.retryable);
    EXPECT_THAT(refused.error, HasSubstr("40058"));
    EXPECT_EQ(
        log.count("not updated, its buttons stay: message/update_template_card: errcode 40058"), 1);
    EXPECT_EQ(wecom_.calls("/cgi-bin/message/update_template_card").size(), 1u);
    EXPECT_FALSE(send(settled(id)).ok);  // the code is gone: no second call
    EXPECT_EQ(wecom_.calls("/cgi-bin/message/update_template_card").size(), 1u);
}

core::Post chart_post(const std::string& channel) {
    core::Post post;
    post.to = {"wecom", channel, ""};
    post.text = "本周指标";
    post.attachments = {{"metrics.png", "image/png", std::string("\x89PNG\r\n\x1a\nchart", 13)}};
    return post;
}

TEST_F(WecomConnectorTest, APictureIsUploadedAndSentAfterTheTextToMembersAndGroupChats) {
    start();
    struct Case {
        std::string channel, path;
    };
    for (const auto& c : std::vector<Case>{{"@wangfang", "/cgi-bin/message/send"},
                                           {"salesgroup01", "/cgi-bin/appchat/send"}}) {
        SCOPED_TRACE(c.channel);
        const auto before = wecom_.calls(c.path).size();
        const auto uploads = wecom_.calls("/cgi-bin/media/upload").size();
        ASSERT_TRUE(send(chart_post(c.channel)).ok);
        const auto upload = wecom_.calls("/cgi-bin/media/upload");
        ASSERT_EQ(upload.size(), uploads + 1);
        EXPECT_THAT(upload.back().query, HasSubstr("type=image"));
        EXPECT_THAT(upload.back().raw, HasSubstr("name=\"media\"; filename=\"metrics.png\""));
        EXPECT_THAT(upload.back().raw, HasSubstr("Content-Type: image/png"));
        EXPECT_THAT(upload.back().raw, HasSubstr("chart"));
        const auto sends = wecom_.calls(c.path);
        ASSERT_EQ(sends.size(), before + 2);
        EXPECT_EQ(sends[before].body["text"]["content"], "本周指标");
        EXPECT_EQ(sends[before + 1].body["msgtype"], "image");
        EXPECT_EQ(sends[before + 1].body["image"]["media_id"],
                  "media-" + std::to_string(uploads + 1));
    }
}

TEST_F(WecomConnectorTest, AFileIsUploadedAsAFileAndSentAsAFileMessage) {
    test_support::LogCapture log;
    start();
    core::Post post;
    post.to = {"wecom", "salesgroup01", ""};
    post.attachments = {{"报价单.pdf", "application/pdf", "%PDF-1.4 quote"},
                        {"booth.gif", "image/gif", "GIF89a-booth"},  // no GIF pictures: a file
                        {"tiny.txt", "text/plain", "hi"}};           // 5 bytes or less: not taken
    ASSERT_TRUE(send(post).ok);
    const auto uploads = wecom_.calls("/cgi-bin/media/upload");
    ASSERT_EQ(uploads.size(), 2u);
    EXPECT_THAT(uploads[0].query, HasSubstr("type=file"));
    EXPECT_THAT(uploads[0].raw, HasSubstr("filename=\"报价单.pdf\""));
    EXPECT_THAT(uploads[0].raw, HasSubstr("%PDF-1.4 quote"));
    EXPECT_THAT(uploads[1].query, HasSubstr("type=file"));
    const auto sends = wecom_.calls("/cgi-bin/appchat/send");
    // The file WeCom does not take is named in a text first, then the two files.
    ASSERT_EQ(sends.size(), 3u);
    EXPECT_EQ(sends[0].body["msgtype"], "text");
    EXPECT_EQ(sends[0].body["text"]["content"], "[file: tiny.txt, not shown here]");
    EXPECT_EQ(sends[1].body["msgtype"], "file");
    EXPECT_EQ(sends[1].body["chatid"], "salesgroup01");
    EXPECT_EQ(sends[1].body["file"]["media_id"], "media-1");
    EXPECT_EQ(sends[2].body["file"]["media_id"], "media-2");
    EXPECT_EQ(log.count("attachment tiny.txt"), 1);
}

TEST_F(WecomConnectorTest, AnUploadWecomRefusesIsNamedAfterTheTextInThePostsLanguage) {
    test_support::LogCapture log;
    start();
    struct Case {
        std::string locale, channel, path, note;
        long long errcode;
    };
    for (const auto& c : std::vector<Case>{{"en", "@wangfang", "/cgi-bin/message/send",
                                            "[file: metrics.png, not shown here]", 40005},
                                           {"zh-CN", "salesgroup01", "/cgi-bin/appchat/send",
                                            "[文件：metrics.png，此处无法显示]", 40009}}) {
        SCOPED_TRACE(c.locale);
        wecom_.script_upload_answer({{"errcode", c.errcode}, {"errmsg", "refused"}});
        core::Post post = chart_post(c.channel);
        post.locale = c.locale;
        const auto r = send(post);
        ASSERT_TRUE(r.ok) << r.error;
        const auto sends = wecom_.calls(c.path);
        // The text, then the picture named (no picture message).
        ASSERT_EQ(sends.size(), 2u);
        EXPECT_EQ(sends[0].body["text"]["content"], "本周指标");
        EXPECT_EQ(sends[1].body["msgtype"], "text");
        EXPECT_EQ(sends[1].body["text"]["content"], c.note);
        EXPECT_EQ(log.count("picture metrics.png for " + c.channel +
                            " not sent: media/upload: errcode " + std::to_string(c.errcode)),
                  1);
    }
}

TEST_F(WecomConnectorTest, AnUploadWithoutAnAnswerIsNamedWhenTheTextWentAndRetriedWhenAlone) {
    start();
    // A 5xx answer to the upload: the text went, so the picture is named after it.
    wecom_.script_upload_answer({{"http_status", 502}});
    auto r = send(chart_post("@wangfang"));
    ASSERT_TRUE(r.ok) << r.error;
    auto sends = wecom_.calls("/cgi-bin/message/send");
    ASSERT_EQ(sends.size(), 2u);
    EXPECT_EQ(sends[1].body["text"]["content"], "[file: metrics.png, not shown here]");
    // A picture alone: nothing went, the outbox sends the post again (nothing named).
    wecom_.script_upload_answer({{"http_status", 502}});
    core::Post alone = chart_post("@wangfang");
    alone.text.clear();
    r = send(alone);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_EQ(wecom_.calls("/cgi-bin/message/send").size(), 2u);
    // Two pictures alone, the first without an answer: the second is not sent on its
    // own (the first would be neither sent nor named); the whole post is tried again.
    wecom_.script_upload_answer({{"http_status", 502}});
    core::Post two = alone;
    two.attachments.push_back(two.attachments.front());
    two.attachments.back().name = "second.png";
    r = send(two);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_EQ(wecom_.calls("/cgi-bin/message/send").size(), 2u);
}

TEST_F(WecomConnectorTest, AFileLeftOutOfACardsPostIsNamedInAMessageAfterTheCard) {
    start();
    struct Case {
        std::string locale, note;
    };
    for (const auto& c : std::vector<Case>{
             {"en",
              "[file: tiny.txt, not shown here]\n[file: chart.png, not shown "
              "here]"},
             {"zh-CN", "[文件：tiny.txt，此处无法显示]\n[文件：chart.png，此处无法显示]"}}) {
        SCOPED_TRACE(c.locale);
        const auto before = wecom_.calls("/cgi-bin/message/send").size();
        core::Post post = approval("@zhouqiang");
        post.locale = c.locale;
        post.attachments = {{"tiny.txt", "text/plain", "hi"},  // too small for WeCom
                            {"chart.png", "image/png", std::string("\x89PNG\r\n\x1a\nchart", 13)}};
        wecom_.script_upload_answer({{"errcode", 40006}, {"errmsg", "invalid media size"}});
        const auto r = send(post);
        ASSERT_TRUE(r.ok) << r.error;
        const auto sends = wecom_.calls("/cgi-bin/message/send");
        ASSERT_EQ(sends.size(), before + 2);
        EXPECT_EQ(sends[before].body["msgtype"], "template_card");
        EXPECT_EQ(sends[before + 1].body["msgtype"], "text");
        EXPECT_EQ(sends[before + 1].body["text"]["content"], c.note);
        // The post's id stays the card's.
        EXPECT_EQ(r.message_id,
                  "wecom:" + sends[before].body["template_card"]["task_id"].get<std::string>());
    }
}

TEST_F(WecomConnectorTest, OverTheDailyQuotaPostsAreHeldUntilTheNextChinaDay) {
    test_support::LogCapture log;
    // 2026-12-07 23:00 in Beijing.
    clock_.set(core::from_millis(1796655600000LL));
    start(FakeWecom::corp_id, [](WecomSettings& s) { s.daily_limit = 4; });
    ASSERT_TRUE(send("@wangfang", "一").ok);
    ASSERT_TRUE(send("@zhouqiang", "二").ok);
    ASSERT_TRUE(send(chart_post("@lina")).ok);  // text and picture: 4 of 4
    const auto held = send(chart_post("@lina"));
    EXPECT_FALSE(held.ok);
    EXPECT_TRUE(held.retryable);  // the outbox keeps it
    EXPECT_THAT(held.error, HasSubstr("daily quota"));
    EXPECT_THAT(held.error, HasSubstr("2026-12-07T16:00:00Z"));
    // The outbox waits until then without counting an attempt.
    EXPECT_EQ(held.held_until_ms, 1796659200000LL);
    EXPECT_EQ(log.count("daily quota for the app is used up"), 1);
    EXPECT_EQ(wecom_.calls("/cgi-bin/message/send").size(), 4u);  // nothing over it sent
    EXPECT_FALSE(send("@lina", "三").ok);
    EXPECT_EQ(log.count("daily quota for the app is used up"), 1);  // warned once a day
    // Group chats have limits of their own.
    EXPECT_TRUE(send("salesgroup01", "群消息").ok);
    // Midnight in Beijing: the outbox's next try goes out.
    clock_.advance(std::chrono::hours(1));
    EXPECT_TRUE(send("@lina", "三").ok);
    EXPECT_EQ(wecom_.calls("/cgi-bin/message/send").back().body["text"]["content"], "三");
    EXPECT_EQ(connectors::wecom::wecom_status(*connector_).held, 2);
}

// --- config ------------------------------------------------------------------------------

struct ReadResult {
    std::optional<connectors::ConnectorSpec> spec;
    std::string errors;
};

ReadResult read(const std::string& yaml) {
    core::ConfigErrors errors;
    ReadResult r;
    r.spec = connectors::read_connector_spec(YAML::Load(yaml), 0, errors);
    r.errors = errors.describe("twintrack.yaml");
    return r;
}

class WecomConfig : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("TT_WECOM_SECRET", "app-secret-value-xyz", 1);
        ::setenv("TT_WECOM_TOKEN", "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo", 1);
        ::setenv("TT_WECOM_AES_KEY", kAesKey.c_str(), 1);
        ::setenv("TT_WECOM_BAD_AES_KEY", "short-key-value", 1);
        ::setenv("TT_ROBOT_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", 1);
        ::unsetenv("TT_WECOM_MISSING");
    }
    const std::string base =
        "type: wecom\n"
        "corp_id: ww1436e0e65a779aee\n"
        "agent_id: 1000002\n"
        "secret: ${TT_WECOM_SECRET}\n"
        "token: ${TT_WECOM_TOKEN}\n";
};

TEST_F(WecomConfig, AWholeSectionReadsWithItsChannels) {
    const auto r = read(base +
                        "encoding_aes_key: ${TT_WECOM_AES_KEY}\nport: 0\npath: /wecom/cb\n"
                        "format: markdown\naccount_limit: 500\nchannels:\n  - {name: salesgroup01, "
                        "track: sales}\n");
    ASSERT_TRUE(r.spec) << r.errors;
    EXPECT_EQ(r.spec->name, "wecom");
    ASSERT_EQ(r.spec->channels.size(), 1u);
    EXPECT_EQ(r.spec->channels[0].track, "sales");
}

TEST_F(WecomConfig, ProblemsAreNamedWithTheirLineAndNeverEchoSecrets) {
    struct Case {
        std::string name, yaml, error;
    };
    const std::vector<Case> cases = {
        {"bad EncodingAESKey", base + "encoding_aes_key: ${TT_WECOM_BAD_AES_KEY}\n",
         "twintrack.yaml:6:"},
        {"bad EncodingAESKey reason", base + "encoding_aes_key: ${TT_WECOM_BAD_AES_KEY}\n",
         "43-character EncodingAESKey"},
        {"secret written inline",
         base + "encoding_aes_key: 6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt\n", "${ENV_VAR}"},
        {"variable not set", base + "encoding_aes_key: ${TT_WECOM_MISSING}\n", "TT_WECOM_MISSING"},
        {"no agent_id",
         "type: wecom\ncorp_id: ww1436e0e65a779aee\nsecret: ${TT_WECOM_SECRET}\n"
         "token: ${TT_WECOM_TOKEN}\nencoding_aes_key: ${TT_WECOM_AES_KEY}\n",
         "agent_id"},
        {"unknown key", base + "encoding_aes_key: ${TT_WECOM_AES_KEY}\ncorpsecret: x\n",
         "twintrack.yaml:7:"},
        {"bad path", base + "encoding_aes_key: ${TT_WECOM_AES_KEY}\npath: wecom\n", "path"},
        {"bad chat id",
         base + "encoding_aes_key: ${TT_WECOM_AES_KEY}\nchannels:\n  - {name: \"销售群\", track: "
                "sales}\n",
         "not a WeCom app group chat id"},
        {"bad format", base + "encoding_aes_key: ${TT_WECOM_AES_KEY}\nformat: card\n",
         "must be one of"},
        {"account limit of zero",
         base + "encoding_aes_key: ${TT_WECOM_AES_KEY}\naccount_limit: 0\n", "account_limit"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto r = read(c.yaml);
        EXPECT_FALSE(r.spec);
        EXPECT_THAT(r.errors, HasSubstr(c.error));
        EXPECT_THAT(r.errors, Not(HasSubstr("short-key-value")));
        EXPECT_THAT(r.errors, Not(HasSubstr("app-secret-value-xyz")));
        EXPECT_THAT(r.errors, Not(HasSubstr("6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt")));
    }
}

TEST_F(WecomConfig, ABadAesKeyStopsTheStartToo) {
    WecomSettings s;
    s.corp_id = FakeWecom::corp_id;
    s.agent_id = kAgent;
    s.encoding_aes_key = core::Secret("TT_WECOM_BAD_AES_KEY", "short-key-value");
    core::FakeClock clock(at_seconds(1476422779));
    connectors::ConnectorContext context;
    context.clock = &clock;
    context.prompts_dir = TWINTRACK_PROMPTS_DIR;
    try {
        connectors::wecom::make_wecom(s, context);
        ADD_FAILURE() << "a bad EncodingAESKey was accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("EncodingAESKey"));
        EXPECT_THAT(e.what(), Not(HasSubstr("short-key-value")));
    }
}

TEST_F(WecomConfig, ASectionWithoutCorpIdIsStillTheGroupRobot) {
    const auto robot =
        read("type: wecom\nchannels:\n  - {name: g, track: joint, url: \"${TT_ROBOT_URL}\"}\n");
    ASSERT_TRUE(robot.spec) << robot.errors;
    EXPECT_EQ(robot.spec->channels[0].name, "g");
    // The app's keys do not make a robot section valid.
    const auto mixed = read(
        "type: wecom\nagent_id: 5\nchannels:\n  - {name: g, track: joint, url: "
        "\"${TT_ROBOT_URL}\"}\n");
    EXPECT_FALSE(mixed.spec);
    EXPECT_THAT(mixed.errors, HasSubstr("agent_id"));
}

// --- members recognised by their email (directory.match_by_email) ---------------------

const char* kUserGet = "/cgi-bin/user/get";

// A member is looked up once with user/get; their messages carry their name and the
// business mailbox (biz_mail), which the directory matches.
TEST_F(WecomConnectorTest, MembersCarryTheirBusinessMailboxLookedUpOnce) {
    wecom_.add_member("wangfang", "王芳", "wangfang@qq.example", "wang.fang@example.com");
    start();
    int n = 0;
    for (const std::string text : {"一", "二"}) {
        ++n;
        ASSERT_EQ(member_says(text_message_xml("wangfang", text, "810" + std::to_string(n), kAgent,
                                               1476422779 + n))
                      .status,
                  200);
        auto e = sink_.with_text(text);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->who.email, "wang.fang@example.com");
        EXPECT_EQ(e->who.display, "王芳");
        EXPECT_EQ(e->who.user_id, "wangfang");
    }
    const auto calls = wecom_.calls(kUserGet);
    ASSERT_EQ(calls.size(), 1u) << "the second message needs no lookup";
    EXPECT_THAT(calls[0].query, HasSubstr("userid=wangfang"));
    EXPECT_FALSE(calls[0].access_token.empty());
}

// The member's own email is typed in by people and never confirmed: not used. (Apps
// created after 2022-06-20 get no email field at all; then nobody is matched.)
TEST_F(WecomConnectorTest, AMembersEmailAloneIsNotTakenAsProof) {
    wecom_.add_member("lina", "李娜", "li.na@example.com", "");
    wecom_.add_member("zhouqiang", "周强", "", "");
    start();
    ASSERT_EQ(member_says(text_message_xml("lina", "在吗", "8201", kAgent, 1476422779)).status,
              200);
    ASSERT_EQ(member_says(text_message_xml("zhouqiang", "你好", "8202", kAgent, 1476422779)).status,
              200);
    for (const std::string text : {"在吗", "你好"}) {
        auto e = sink_.with_text(text);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->who.email, "");
    }
}

// A failed lookup (the member outside the app's visible range, 60011) loses no message,
// and a busy member is not asked again at once.
TEST_F(WecomConnectorTest, AFailedLookupIsNotRepeatedForEveryMessage) {
    wecom_.add_member("wangfang", "王芳", "", "wang.fang@example.com");
    wecom_.fail_user_lookups(1, 200, 60011);
    start();
    int n = 0;
    for (const std::string text : {"甲", "乙"}) {
        ++n;
        ASSERT_EQ(member_says(text_message_xml("wangfang", text, "830" + std::to_string(n), kAgent,
                                               1476422779 + n))
                      .status,
                  200);
        auto e = sink_.with_text(text);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->who.email, "");
        EXPECT_EQ(e->who.display, "wangfang");
    }
    EXPECT_EQ(wecom_.calls(kUserGet).size(), 1u);
}

// HTTP 500 and errcode 60011: each message still reaches the bot, and the member is asked
// again later, until WeCom answers.
TEST_F(WecomConnectorTest, FailedLookupsAreAskedAgainLater) {
    wecom_.add_member("wangfang", "王芳", "", "wang.fang@example.com");
    start(FakeWecom::corp_id, [](WecomSettings& s) { s.sender_lookup.retry = 0ms; });
    struct Case {
        int status;
        long long code;
        std::string text, email;
    };
    const std::vector<Case> cases = {
        {500, 0, "一", ""}, {200, 60011, "二", ""}, {0, 0, "三", "wang.fang@example.com"}};
    int n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        if (c.status != 0) wecom_.fail_user_lookups(1, c.status, c.code);
        ++n;
        ASSERT_EQ(member_says(text_message_xml("wangfang", c.text, "840" + std::to_string(n),
                                               kAgent, 1476422779 + n))
                      .status,
                  200);
        auto e = sink_.with_text(c.text);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->who.email, c.email);
    }
    EXPECT_EQ(wecom_.calls(kUserGet).size(), 3u);
}

TEST_F(WecomConnectorTest, WithMatchByEmailOffNobodyIsLookedUp) {
    match_by_email_ = false;
    wecom_.add_member("wangfang", "王芳", "", "wang.fang@example.com");
    start();
    ASSERT_EQ(member_says(text_message_xml("wangfang", "你好", "8501", kAgent, 1476422779)).status,
              200);
    auto e = sink_.with_text("你好");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
    EXPECT_TRUE(wecom_.calls(kUserGet).empty());
}

}  // namespace
}  // namespace twintrack::wecom_test
