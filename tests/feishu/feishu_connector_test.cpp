// The Feishu app bot connector: event callbacks posted to its own listener as Feishu
// sends them (plain, encrypted, signed, forged), and posts through a fake Feishu OpenAPI.

#include "connectors/feishu/feishu_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <future>
#include <thread>

#include "core/clock.hpp"
#include "core/event_files.hpp"
#include "tests/feishu/fake_feishu.hpp"
#include "tests/feishu/feishu_test_ids.hpp"
#include "tests/support/connector_sink.hpp"

namespace twintrack::feishu_test {
namespace {

using connectors::feishu::FeishuSettings;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class FeishuConnectorTest : public ::testing::Test {
  protected:
    void start(bool with_encrypt_key = true,
               const std::function<void(FeishuSettings&)>& adjust = nullptr) {
        FeishuSettings s;
        s.name = "feishu";
        s.mode = FeishuSettings::Mode::events;
        s.app_id = kAppId;
        s.app_secret = core::Secret("TEST_APP_SECRET", kAppSecret);
        s.verification_token = core::Secret("TEST_TOKEN", kVerificationToken);
        if (with_encrypt_key) s.encrypt_key = core::Secret("TEST_KEY", kEncryptKey);
        s.api_url = fake_.url();
        s.bind = "127.0.0.1";
        s.port = 0;
        s.throttle_wait = std::chrono::milliseconds(20);
        s.channels = {{kGroup, "sales"}};
        if (adjust) adjust(s);
        connectors::ConnectorContext context{"", TWINTRACK_PROMPTS_DIR, &clock_, roster_};
        context.default_locale = "zh-CN";
        context.match_by_email = match_by_email_;
        connector_ = connectors::feishu::make_feishu(std::move(s), context);
        connector_->fetch_files_up_to(fetch_up_to_);
        connector_->start(sink_);
        port_ = connectors::feishu::feishu_status(*connector_).listen_port;
        ASSERT_GT(port_, 0);
    }
    void TearDown() override {
        if (connector_) connector_->stop();
    }

    core::SendResult send(const std::string& channel, const std::string& text,
                          const std::string& reply_to = "", const std::string& dedupe = "") {
        core::Post post;
        post.to = {"feishu", channel, ""};
        post.text = text;
        post.reply_to = reply_to;
        post.dedupe_key = dedupe;
        std::promise<core::SendResult> done;
        auto result = done.get_future();
        connector_->send(post, [&done](core::SendResult r) { done.set_value(std::move(r)); });
        if (result.wait_for(20s) != std::future_status::ready) return {false, "", "no answer"};
        return result.get();
    }

    FakeFeishu fake_;
    bool match_by_email_ = true;     ///< directory.match_by_email
    std::uint64_t fetch_up_to_ = 0;  ///< fetch_files_up_to() (a bridge's max_file_bytes)
    std::shared_ptr<connectors::Roster> roster_ = std::make_shared<connectors::Roster>();
    core::FakeClock clock_{core::from_millis(1733480000000)};
    test_support::CollectingSink sink_;
    std::unique_ptr<connectors::Connector> connector_;
    int port_ = 0;
};

TEST_F(FeishuConnectorTest, AnswersTheConsolesUrlVerification) {
    start();
    const json check = {{"challenge", "ajls384kdjx98XX"},
                        {"token", kVerificationToken},
                        {"type", "url_verification"}};
    // Encrypted (an Encrypt Key is set in the console); the check carries no signature.
    auto r = post_callback(port_, encrypted(check), "");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["challenge"], "ajls384kdjx98XX");
    json wrong = check;
    wrong["token"] = "someone-elses-token";
    EXPECT_EQ(post_callback(port_, encrypted(wrong), "").status, 401);
}

TEST_F(FeishuConnectorTest, ADirectMessageBecomesAnEventOfItsSender) {
    start();
    const json ev = message_event("ev-1", "om_1", kWang, "oc_p2pchat", "p2p", "报告");
    auto r = post_callback(port_, encrypted(ev));
    EXPECT_EQ(r.status, 200);
    auto e = sink_.with_text("报告");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.user_id, kWang);
    EXPECT_EQ(e->where.channel, "@" + kWang);
    EXPECT_TRUE(e->direct);
    EXPECT_TRUE(e->addressed);
    EXPECT_EQ(e->extra.at("message_id"), "om_1");
}

TEST_F(FeishuConnectorTest, AGroupMentionLosesItsPlaceholderAndKeepsItsThread) {
    start();
    json ev = message_event(
        "ev-2", "om_2", kWang, kGroup, "group", "@_user_1 报告 1",
        json::array(
            {{{"key", "@_user_1"}, {"id", {{"open_id", "ou_bot"}}}, {"name", "TwinTrack"}}}));
    ev["event"]["message"]["root_id"] = "om_root";
    ev["event"]["message"]["thread_id"] = "omt_9";
    ASSERT_EQ(post_callback(port_, encrypted(ev)).status, 200);
    auto e = sink_.with_text("报告 1");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->where.channel, kGroup);
    EXPECT_FALSE(e->direct);
    EXPECT_TRUE(e->addressed);
    EXPECT_EQ(e->extra.at("root_id"), "om_root");
    EXPECT_EQ(e->extra.at("thread_id"), "omt_9");
}

TEST_F(FeishuConnectorTest, ForgedOrUnreadableCallbacksAreRefused) {
    start();
    const json ev = message_event("ev-3", "om_3", kWang, "oc_p2p", "p2p", "forged");
    struct Case {
        const char* name;
        std::string body;
        std::string sign_key;
        int status;
    };
    json wrong_token = ev;
    wrong_token["header"]["token"] = "not-the-token";
    const Case cases[] = {
        {"signed with another key", encrypted(ev), "another-key", 401},
        {"no signature", encrypted(ev), "", 401},
        {"encrypted with another key", encrypted(ev, "another-key"), kEncryptKey, 400},
        {"wrong verification token", encrypted(wrong_token), kEncryptKey, 401},
        {"not JSON", "not json", kEncryptKey, 400},
        {"not encrypted though a key is set", ev.dump(), kEncryptKey, 400},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(post_callback(port_, c.body, c.sign_key).status, c.status);
    }
    EXPECT_EQ(connectors::feishu::feishu_status(*connector_).refused, 6);
    // A good one afterwards is the only event.
    const json good = message_event("ev-4", "om_4", kWang, "oc_p2p", "p2p", "real");
    ASSERT_EQ(post_callback(port_, encrypted(good)).status, 200);
    ASSERT_TRUE(sink_.with_text("real"));
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(FeishuConnectorTest, WithoutEncryptKeyThePlainBodyAndTokenAreChecked) {
    start(false);
    const json ev = message_event("ev-5", "om_5", kWang, "oc_p2p", "p2p", "plain");
    json wrong = ev;
    wrong["header"]["token"] = "nope";
    EXPECT_EQ(post_callback(port_, wrong.dump(), "").status, 401);
    EXPECT_EQ(post_callback(port_, encrypted(ev), "").status, 400);  // nothing to decrypt with
    ASSERT_EQ(post_callback(port_, ev.dump(), "").status, 200);
    ASSERT_TRUE(sink_.with_text("plain"));
}

TEST_F(FeishuConnectorTest, AnEventDeliveredTwiceIsHandledOnce) {
    start();
    const json ev = message_event("ev-dup", "om_dup", kWang, "oc_p2p", "p2p", "once");
    ASSERT_EQ(post_callback(port_, encrypted(ev)).status, 200);
    ASSERT_EQ(post_callback(port_, encrypted(ev)).status, 200);  // Feishu's retry
    const json next = message_event("ev-next", "om_next", kWang, "oc_p2p", "p2p", "next");
    ASSERT_EQ(post_callback(port_, encrypted(next)).status, 200);
    ASSERT_TRUE(sink_.with_text("next"));  // handled in order: the retry came before
    auto rest = sink_.rest();
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].text, "once");
}

TEST_F(FeishuConnectorTest, PostsGoToOpenIdsChatsAndReplies) {
    start();
    auto r = send("@" + kWang, "你好");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.message_id, "om_fake1");
    r = send(kGroup, "周报");
    ASSERT_TRUE(r.ok) << r.error;
    r = send("@" + kWang, "已保存", "om_question");
    ASSERT_TRUE(r.ok) << r.error;
    auto calls = fake_.calls("/open-apis/im/v1/messages");
    ASSERT_EQ(calls.size(), 3u);
    EXPECT_EQ(calls[0].query, "receive_id_type=open_id");
    EXPECT_EQ(calls[0].json_body["receive_id"], kWang);
    EXPECT_EQ(calls[0].token, "t-fake1");
    EXPECT_EQ(calls[1].query, "receive_id_type=chat_id");
    EXPECT_EQ(calls[1].json_body["receive_id"], kGroup);
    EXPECT_EQ(calls[2].path, "/open-apis/im/v1/messages/om_question/reply");
    for (const auto& c : calls) EXPECT_FALSE(c.json_body.value("uuid", "").empty());
    EXPECT_THAT(fake_.delivered(), ElementsAre("你好", "周报", "已保存"));
    // One token served all three.
    EXPECT_EQ(fake_.calls("/open-apis/auth/v3/tenant_access_token/internal").size(), 1u);
    // Not a conversation of Feishu's: refused for good.
    r = send("general", "x");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
}

TEST_F(FeishuConnectorTest, AnExpiredTokenIsRenewedAndThePostTriedOnceMore) {
    start();
    ASSERT_TRUE(send("@" + kWang, "first").ok);
    fake_.expire_tokens();
    auto r = send("@" + kWang, "second");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(fake_.calls("/open-apis/auth/v3/tenant_access_token/internal").size(), 2u);
    auto calls = fake_.calls("/open-apis/im/v1/messages");
    ASSERT_EQ(calls.size(), 3u);
    EXPECT_EQ(calls[1].token, "t-fake1");
    EXPECT_EQ(calls[2].token, "t-fake2");
    // The retry is the same message: same uuid.
    EXPECT_EQ(calls[1].json_body["uuid"], calls[2].json_body["uuid"]);
    EXPECT_THAT(fake_.delivered(), ElementsAre("first", "second"));
}

TEST_F(FeishuConnectorTest, RateLimitedPostsWaitAndAreNotLost) {
    start();
    fake_.rate_limit(3);
    auto first = std::async(std::launch::async, [&] { return send(kGroup, "one"); });
    auto second = std::async(std::launch::async, [&] { return send(kGroup, "two"); });
    auto a = first.get();
    auto b = second.get();
    EXPECT_TRUE(a.ok) << a.error;
    EXPECT_TRUE(b.ok) << b.error;
    auto delivered = fake_.delivered();
    ASSERT_EQ(delivered.size(), 2u);
    EXPECT_EQ(fake_.calls("/open-apis/im/v1/messages").size(), 5u);
}

// 99991400 is the app's limit for the method: after it, no post to any conversation
// reaches Feishu before the wait is over (checked on the fake's request log, against the
// refused call's own time).
TEST_F(FeishuConnectorTest, TheAppsRateLimitHoldsThePostsOfEveryConversation) {
    start();
    test_support::LogCapture log;
    fake_.rate_limit(1);
    auto first = std::async(std::launch::async, [&] { return send(kGroup, "one"); });
    ASSERT_TRUE(fake_.wait_call("/open-apis/im/v1/messages"));  // answered 99991400
    for (int i = 0; i < 1000 && log.count("rate limited; retrying") == 0; ++i) {
        std::this_thread::sleep_for(5ms);  // until the connector has read the answer
    }
    ASSERT_EQ(log.count("rate limited; retrying"), 1);
    auto other = std::async(std::launch::async, [&] { return send("@" + kWang, "two"); });
    EXPECT_TRUE(first.get().ok);
    EXPECT_TRUE(other.get().ok);
    const auto calls = fake_.calls("/open-apis/im/v1/messages");
    ASSERT_EQ(calls.size(), 3u);
    std::vector<std::string> to;
    for (const auto& call : calls) {
        to.push_back(call.json_body.value("receive_id", ""));
        if (&call == &calls.front()) continue;  // the refused one
        SCOPED_TRACE(to.back());
        EXPECT_GE(call.at - calls.front().at, 1s);  // the wait (no reset header: 1 s)
    }
    EXPECT_EQ(to.front(), kGroup);
    EXPECT_EQ(std::count(to.begin(), to.end(), kWang), 1);
}

// Posts go through the connector's sender: with room for one post, a second one while the
// first is being retried is handed back at once, retryable and held for the outbox.
TEST_F(FeishuConnectorTest, APostBeyondTheSendersQueueGoesBackToTheOutboxHeld) {
    start(true, [](FeishuSettings& s) { s.rate_limit.queue = 1; });
    fake_.rate_limit(2);
    auto first = std::async(std::launch::async, [&] { return send(kGroup, "one"); });
    ASSERT_TRUE(fake_.wait_call("/open-apis/im/v1/messages"));
    const auto second = send(kGroup, "two");
    EXPECT_FALSE(second.ok);
    EXPECT_TRUE(second.retryable);
    EXPECT_GT(second.held_until_ms, core::to_millis(clock_.now()));
    EXPECT_TRUE(first.get().ok);
    EXPECT_THAT(fake_.delivered(), ElementsAre("one"));
}

TEST_F(FeishuConnectorTest, TheTokenIsRenewedBeforeItsExpireEnds) {
    start();
    const auto fetches = [&] {
        return fake_.calls("/open-apis/auth/v3/tenant_access_token/internal").size();
    };
    ASSERT_TRUE(send("@" + kWang, "one").ok);
    clock_.advance(std::chrono::seconds(7200 - 300 - 60));  // expire 7200, renewed 300 s early
    ASSERT_TRUE(send("@" + kWang, "two").ok);
    EXPECT_EQ(fetches(), 1u);
    clock_.advance(std::chrono::seconds(61));
    ASSERT_TRUE(send("@" + kWang, "three").ok);
    EXPECT_EQ(fetches(), 2u);
    auto calls = fake_.calls("/open-apis/im/v1/messages");
    ASSERT_EQ(calls.size(), 3u);
    EXPECT_EQ(calls[2].token, "t-fake2");
}

TEST_F(FeishuConnectorTest, AResentPostWithTheSameDedupeKeyIsShownOnce) {
    start();
    ASSERT_TRUE(send("@" + kWang, "提醒", "", "reminder-42").ok);
    ASSERT_TRUE(send("@" + kWang, "提醒", "", "reminder-42").ok);
    auto calls = fake_.calls("/open-apis/im/v1/messages");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].json_body["uuid"], calls[1].json_body["uuid"]);
    EXPECT_THAT(fake_.delivered(), ElementsAre("提醒"));
}

TEST_F(FeishuConnectorTest, SendersAreNamedFromTheContactApiOnceAndInOrder) {
    fake_.add_person(kWang, "王芳");
    start();
    const std::string contact = "/open-apis/contact/v3/users/" + kWang;
    ASSERT_EQ(post_callback(
                  port_, encrypted(message_event("ev-n1", "om_n1", kWang, "oc_p2p", "p2p", "一")))
                  .status,
              200);
    ASSERT_EQ(post_callback(
                  port_, encrypted(message_event("ev-n2", "om_n2", kWang, "oc_p2p", "p2p", "二")))
                  .status,
              200);
    // Both wait for the one lookup and keep their order.
    auto first = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(first);
    EXPECT_EQ(first->text, "一");
    EXPECT_EQ(first->who.display, "王芳");
    EXPECT_EQ(first->who.user_id, kWang);
    auto second = sink_.with_text("二");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->who.display, "王芳");
    const auto call = fake_.wait_call(contact);
    ASSERT_TRUE(call);
    EXPECT_EQ(call->method, "GET");
    EXPECT_EQ(call->query, "user_id_type=open_id");
    EXPECT_EQ(call->token, "t-fake1");
    // Later messages take the name from the cache.
    ASSERT_EQ(post_callback(
                  port_, encrypted(message_event("ev-n3", "om_n3", kWang, "oc_p2p", "p2p", "三")))
                  .status,
              200);
    auto third = sink_.with_text("三");
    ASSERT_TRUE(third);
    EXPECT_EQ(third->who.display, "王芳");
    EXPECT_EQ(fake_.calls(contact).size(), 1u);
}

TEST_F(FeishuConnectorTest, ASenderTheContactApiCannotNameShowsAsTheirOpenIdLoggedOnce) {
    test_support::LogCapture log;
    start();
    struct Case {
        std::string open_id, text;
    };
    const std::vector<Case> cases = {{"ou_unknown0001", "甲"}, {"ou_unknown0002", "乙"}};
    int n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.open_id);
        ++n;
        ASSERT_EQ(post_callback(port_, encrypted(message_event("ev-u" + std::to_string(n),
                                                               "om_u" + std::to_string(n),
                                                               c.open_id, "oc_p2p", "p2p", c.text)))
                      .status,
                  200);
        auto e = sink_.with_text(c.text);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->who.display, c.open_id);
    }
    EXPECT_EQ(log.count("cannot read a sender's name from the contact API"), 1);
    EXPECT_EQ(log.count(kAppSecret), 0);
}

TEST_F(FeishuConnectorTest, APictureIsAnsweredThatOnlyTextIsRead) {
    start();
    json ev = message_event("ev-img", "om_img", kWang, "oc_p2p", "p2p", "");
    ev["event"]["message"]["message_type"] = "image";
    ev["event"]["message"]["content"] = R"({"image_key":"img_v2_041b28e3"})";
    ASSERT_EQ(post_callback(port_, encrypted(ev)).status, 200);
    auto reply = fake_.wait_call("/open-apis/im/v1/messages/om_img/reply");
    ASSERT_TRUE(reply);
    const std::string text = json::parse(reply->json_body.value("content", "{}")).value("text", "");
    EXPECT_THAT(text, ::testing::HasSubstr("文字"));  // the bot's default locale, zh-CN
    EXPECT_TRUE(sink_.rest().empty());                // nothing for the bot to read
}

TEST_F(FeishuConnectorTest, APictureIsAnsweredInTheWritersLanguageWhenTheDirectoryKnowsIt) {
    roster_->set({{kWang, "Wang Fang", "sales", "en"}});
    start();
    struct Case {
        std::string open_id, message_id, words;
    };
    const std::vector<Case> cases = {{kWang, "om_img_en", "I read text messages only"},
                                     {"ou_someone_else", "om_img_zh", "文字"}};  // the default
    int n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.open_id);
        json ev = message_event("ev-img" + std::to_string(++n), c.message_id, c.open_id, "oc_p2p",
                                "p2p", "");
        ev["event"]["message"]["message_type"] = "image";
        ev["event"]["message"]["content"] = R"({"image_key":"img_v2_041b28e3"})";
        ASSERT_EQ(post_callback(port_, encrypted(ev)).status, 200);
        auto reply = fake_.wait_call("/open-apis/im/v1/messages/" + c.message_id + "/reply");
        ASSERT_TRUE(reply);
        const std::string text =
            json::parse(reply->json_body.value("content", "{}")).value("text", "");
        EXPECT_THAT(text, ::testing::HasSubstr(c.words));
    }
    EXPECT_TRUE(sink_.rest().empty());
}

// --- senders recognised by their email (directory.match_by_email) ---------------------

// The contact lookup that names a sender also reads their Feishu Mail address
// (enterprise_email), which the directory matches; once per sender.
TEST_F(FeishuConnectorTest, SendersCarryTheirEnterpriseEmailFromTheOneLookup) {
    fake_.add_person(kWang, "王芳", "wangfang@mail.example", "wang.fang@example.com");
    start();
    const std::string contact = "/open-apis/contact/v3/users/" + kWang;
    for (const std::string text : {"一", "二"}) {
        ASSERT_EQ(post_callback(port_, encrypted(message_event("ev-e" + text, "om_e" + text, kWang,
                                                               "oc_p2p", "p2p", text)))
                      .status,
                  200);
        auto e = sink_.with_text(text);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->who.email, "wang.fang@example.com");
        EXPECT_EQ(e->who.display, "王芳");
    }
    EXPECT_EQ(fake_.calls(contact).size(), 1u) << "the second message needs no lookup";
}

// The contact email is one an admin imported and the person never verified: not used.
TEST_F(FeishuConnectorTest, AContactEmailAloneIsNotTakenAsProof) {
    fake_.add_person(kWang, "王芳", "wang.fang@example.com", "");
    start();
    ASSERT_EQ(post_callback(
                  port_, encrypted(message_event("ev-c1", "om_c1", kWang, "oc_p2p", "p2p", "在吗")))
                  .status,
              200);
    auto e = sink_.with_text("在吗");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
    EXPECT_EQ(e->who.display, "王芳");
}

// A failed lookup loses no message, and a busy sender is not asked again at once.
TEST_F(FeishuConnectorTest, AFailedLookupIsNotRepeatedForEveryMessage) {
    fake_.add_person(kWang, "王芳", "", "wang.fang@example.com");
    fake_.fail_contact_lookups(1, 500, 0);
    start();
    for (const std::string text : {"甲", "乙"}) {
        ASSERT_EQ(post_callback(port_, encrypted(message_event("ev-f" + text, "om_f" + text, kWang,
                                                               "oc_p2p", "p2p", text)))
                      .status,
                  200);
        auto e = sink_.with_text(text);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->who.email, "");
        EXPECT_EQ(e->who.display, kWang);
    }
    EXPECT_EQ(fake_.calls("/open-apis/contact/v3/users/" + kWang).size(), 1u);
}

// HTTP 500 and a missing scope: each message still reaches the bot, and the sender is
// asked again later, until Feishu answers.
TEST_F(FeishuConnectorTest, FailedLookupsAreAskedAgainLater) {
    fake_.add_person(kWang, "王芳", "", "wang.fang@example.com");
    start(true, [](FeishuSettings& s) { s.sender_lookup.retry = std::chrono::milliseconds(0); });
    struct Case {
        int status;
        long long code;
        std::string text, email;
    };
    const std::vector<Case> cases = {
        {500, 0, "一", ""}, {400, 99991672, "二", ""}, {0, 0, "三", "wang.fang@example.com"}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        if (c.status != 0) fake_.fail_contact_lookups(1, c.status, c.code);
        ASSERT_EQ(post_callback(port_, encrypted(message_event("ev-r" + c.text, "om_r" + c.text,
                                                               kWang, "oc_p2p", "p2p", c.text)))
                      .status,
                  200);
        auto e = sink_.with_text(c.text);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->who.email, c.email);
    }
    EXPECT_EQ(fake_.calls("/open-apis/contact/v3/users/" + kWang).size(), 3u);
}

// With directory.match_by_email off the email is not read (the name still is).
TEST_F(FeishuConnectorTest, WithMatchByEmailOffNoEmailIsRead) {
    match_by_email_ = false;
    fake_.add_person(kWang, "王芳", "", "wang.fang@example.com");
    start();
    ASSERT_EQ(post_callback(
                  port_, encrypted(message_event("ev-o1", "om_o1", kWang, "oc_p2p", "p2p", "你好")))
                  .status,
              200);
    auto e = sink_.with_text("你好");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
    EXPECT_EQ(e->who.display, "王芳");
}

}  // namespace
}  // namespace twintrack::feishu_test

namespace twintrack::feishu_test {
namespace {

const std::string kPicture = std::string("\x89PNG\r\n\x1a\n", 8) + "picture-bytes";

TEST_F(FeishuConnectorTest, AGroupPictureAndFileComeWithTheirBytesAndInOrderWhenFilesAreFetched) {
    fake_.add_person(kWang, "王芳");
    fetch_up_to_ = 100;
    start();
    // Feishu names no type for the picture: it is read from its bytes.
    fake_.add_resource("om_pic", "img_v2_booth", "image", kPicture, "application/octet-stream");
    fake_.add_resource("om_doc", "file_v2_quote", "file", "%PDF-1.4 quote", "application/pdf");
    ASSERT_EQ(post_callback(port_, encrypted(file_message_event("ev-p", "om_pic", kWang, kGroup,
                                                                "image", "img_v2_booth")))
                  .status,
              200);
    ASSERT_EQ(
        post_callback(port_, encrypted(file_message_event("ev-d", "om_doc", kWang, kGroup, "file",
                                                          "file_v2_quote", "报价单.pdf")))
            .status,
        200);
    ASSERT_EQ(post_callback(port_, encrypted(message_event("ev-t", "om_txt", kWang, kGroup, "group",
                                                           "看看这两个")))
                  .status,
              200);
    auto picture = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(picture);
    EXPECT_EQ(picture->id, "feishu:om_pic");
    EXPECT_EQ(picture->where.channel, kGroup);
    EXPECT_EQ(picture->who.display, "王芳");
    auto files = core::event_files(picture->extra);
    ASSERT_EQ(files.size(), 1u);
    // Named by feishu.yaml's messages.picture_name in the bot's language (zh-CN here).
    EXPECT_EQ(files[0].name, "图片.png");
    EXPECT_EQ(files[0].mime, "image/png");
    EXPECT_EQ(files[0].data, kPicture);
    auto doc = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(doc);
    files = core::event_files(doc->extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].name, "报价单.pdf");
    EXPECT_EQ(files[0].mime, "application/pdf");
    EXPECT_EQ(files[0].data, "%PDF-1.4 quote");
    auto text = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(text);
    EXPECT_EQ(text->text, "看看这两个");
    // From the configured API with the tenant access token, as image and as file.
    const auto got = fake_.calls("/open-apis/im/v1/messages/om_");
    std::vector<std::string> downloads;
    for (const auto& c : got) {
        if (c.method != "GET") continue;
        downloads.push_back(c.path + "?" + c.query);
        EXPECT_EQ(c.token.rfind("t-fake", 0), 0u);
    }
    // The two downloads run side by side (either may reach Feishu first); the events above
    // came in the order the messages were sent all the same.
    EXPECT_THAT(
        downloads,
        UnorderedElementsAre("/open-apis/im/v1/messages/om_pic/resources/img_v2_booth?type=image",
                             "/open-apis/im/v1/messages/om_doc/resources/file_v2_quote?type=file"));
    // No "text only" answer in the group.
    for (const auto& c : got) EXPECT_EQ(c.path.find("/reply"), std::string::npos) << c.path;
}

TEST_F(FeishuConnectorTest, AFileThatCannotBeFetchedGoesOnByItsNameAndLosesNothing) {
    fake_.add_person(kWang, "王芳");
    fetch_up_to_ = 10;
    start();
    // Over the limit: not taken; gone from Feishu: 404.
    fake_.add_resource("om_big", "file_v2_big", "file", std::string(11, 'x'), "text/plain");
    ASSERT_EQ(post_callback(port_, encrypted(file_message_event("ev-b", "om_big", kWang, kGroup,
                                                                "file", "file_v2_big", "big.txt")))
                  .status,
              200);
    ASSERT_EQ(post_callback(port_, encrypted(file_message_event("ev-g", "om_gone", kWang, kGroup,
                                                                "image", "img_v2_gone")))
                  .status,
              200);
    ASSERT_EQ(post_callback(
                  port_, encrypted(message_event("ev-t", "om_t", kWang, kGroup, "group", "后面")))
                  .status,
              200);
    auto big = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(big);
    auto files = core::event_files(big->extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].name, "big.txt");
    EXPECT_TRUE(files[0].data.empty());
    auto gone = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(gone);
    files = core::event_files(gone->extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].name, "图片");
    EXPECT_EQ(files[0].mime.rfind("image/", 0), 0u);  // still known as a picture
    EXPECT_TRUE(files[0].data.empty());
    auto after = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(after);
    EXPECT_EQ(after->text, "后面");
}

const std::string kOtherGroup = "oc_7be2b7c3f0a14d2e9c55a0d1e2f3a4b5";

// A group text message of Wang's, handed on once the connector named him: afterwards his
// name and the tenant access token are known, so nothing more is asked of the fake.
void named_first(FakeFeishu& fake, test_support::CollectingSink& sink, int port,
                 const std::string& chat_id) {
    ASSERT_EQ(post_callback(port, encrypted(message_event("ev-0", "om_0", kWang, chat_id, "group",
                                                          "先说一句")))
                  .status,
              200);
    ASSERT_TRUE(sink.with_text("先说一句"));
    EXPECT_EQ(fake.calls("/open-apis/contact/v3/users/").size(), 1u);
}

TEST_F(FeishuConnectorTest, MessagesHeldBehindAHangingDownloadGoOnOnceInOrderWhenItStops) {
    fake_.add_person(kWang, "王芳");
    fetch_up_to_ = 100;
    start();
    named_first(fake_, sink_, port_, kGroup);
    fake_.add_resource("om_pic", "img_v2_booth", "image", kPicture, "image/png");
    fake_.hang_resources(true);
    ASSERT_EQ(post_callback(port_, encrypted(file_message_event("ev-p", "om_pic", kWang, kGroup,
                                                                "image", "img_v2_booth")))
                  .status,
              200);
    ASSERT_TRUE(fake_.wait_call("/open-apis/im/v1/messages/om_pic/resources/"));
    for (const auto& [id, text] : {std::pair<std::string, std::string>{"om_1", "然后"},
                                   std::pair<std::string, std::string>{"om_2", "最后"}}) {
        ASSERT_EQ(post_callback(
                      port_, encrypted(message_event("ev-" + id, id, kWang, kGroup, "group", text)))
                      .status,
                  200);
    }
    // The download never answers: the connector stops with it under way.
    connector_->stop();
    fake_.hang_resources(false);
    const auto any = [](const core::Event&) { return true; };
    auto picture = sink_.wait_for(any);
    ASSERT_TRUE(picture);
    EXPECT_EQ(picture->id, "feishu:om_pic");
    EXPECT_EQ(picture->who.display, "王芳");
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
    // Exactly once: nothing else came (the connector's thread has ended).
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(FeishuConnectorTest, AHangingDownloadInOneGroupDoesNotDelayAnotherGroup) {
    fake_.add_person(kWang, "王芳");
    fetch_up_to_ = 100;
    start();
    named_first(fake_, sink_, port_, kGroup);
    fake_.add_resource("om_pic", "img_v2_booth", "image", kPicture, "image/png");
    fake_.hang_resources(true);
    ASSERT_EQ(post_callback(port_, encrypted(file_message_event("ev-p", "om_pic", kWang, kGroup,
                                                                "image", "img_v2_booth")))
                  .status,
              200);
    ASSERT_TRUE(fake_.wait_call("/open-apis/im/v1/messages/om_pic/resources/"));
    ASSERT_EQ(post_callback(port_, encrypted(message_event("ev-a", "om_a", kWang, kGroup, "group",
                                                           "这张之后")))
                  .status,
              200);
    ASSERT_EQ(post_callback(port_, encrypted(message_event("ev-b", "om_b", kWang, kOtherGroup,
                                                           "group", "另一个群")))
                  .status,
              200);
    // The other group's message arrives while the download still hangs.
    auto other = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(other);
    EXPECT_EQ(other->text, "另一个群");
    EXPECT_EQ(other->where.channel, kOtherGroup);
    fake_.hang_resources(false);
    auto picture = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(picture);
    EXPECT_EQ(picture->id, "feishu:om_pic");
    const auto files = core::event_files(picture->extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].data, kPicture);
    auto after = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(after);
    EXPECT_EQ(after->text, "这张之后");
}

// A rich-text message (post) with pictures: each `img` element's image_key fetched as the
// message's resource, like an image message's.
json post_event(const std::string& event_id, const std::string& message_id,
                const std::string& open_id, const std::string& chat_id, const json& paragraphs) {
    json ev = message_event(event_id, message_id, open_id, chat_id, "group", "");
    ev["event"]["message"]["message_type"] = "post";
    ev["event"]["message"]["content"] = json{{"title", ""}, {"content", paragraphs}}.dump();
    return ev;
}

TEST_F(FeishuConnectorTest, PicturesInsideARichTextMessageComeWithTheirBytesInABridgedGroup) {
    fake_.add_person(kWang, "王芳");
    fetch_up_to_ = 100;
    start();
    const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "jpeg-bytes";
    fake_.add_resource("om_post", "img_v2_first", "image", kPicture, "image/png");
    fake_.add_resource("om_post", "img_v2_second", "image", jpeg, "");
    const json paragraphs =
        json::array({json::array({{{"tag", "text"}, {"text", "展台照片"}}}),
                     json::array({{{"tag", "img"}, {"image_key", "img_v2_first"}}}),
                     json::array({{{"tag", "img"}, {"image_key", "img_v2_second"}}})});
    ASSERT_EQ(
        post_callback(port_, encrypted(post_event("ev-r", "om_post", kWang, kGroup, paragraphs)))
            .status,
        200);
    ASSERT_EQ(post_callback(port_, encrypted(message_event("ev-n", "om_next", kWang, kGroup,
                                                           "group", "看到了吗")))
                  .status,
              200);
    auto post = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(post);
    EXPECT_EQ(post->id, "feishu:om_post");
    EXPECT_EQ(post->text.rfind("展台照片", 0), 0u);
    const auto files = core::event_files(post->extra);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].name, "图片.png");
    EXPECT_EQ(files[0].data, kPicture);
    EXPECT_EQ(files[1].name, "图片.jpg");  // no type named: read from the bytes
    EXPECT_EQ(files[1].mime, "image/jpeg");
    EXPECT_EQ(files[1].data, jpeg);
    auto next = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(next);
    EXPECT_EQ(next->text, "看到了吗");
    std::vector<std::string> downloads;
    for (const auto& c : fake_.calls("/open-apis/im/v1/messages/om_post/resources/")) {
        downloads.push_back(c.path + "?" + c.query);
    }
    EXPECT_THAT(downloads,
                UnorderedElementsAre(
                    "/open-apis/im/v1/messages/om_post/resources/img_v2_first?type=image",
                    "/open-apis/im/v1/messages/om_post/resources/img_v2_second?type=image"));
}

TEST_F(FeishuConnectorTest, PicturesInsideARichTextMessageAreNotFetchedWithoutABridge) {
    start();
    const json paragraphs =
        json::array({json::array({{{"tag", "text"}, {"text", "展台照片"}}}),
                     json::array({{{"tag", "img"}, {"image_key", "img_v2_first"}}})});
    ASSERT_EQ(
        post_callback(port_, encrypted(post_event("ev-r", "om_post", kWang, kGroup, paragraphs)))
            .status,
        200);
    auto post = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(post);
    EXPECT_TRUE(core::event_files(post->extra).empty());
    EXPECT_TRUE(fake_.calls("/open-apis/im/v1/messages/om_post/resources/").empty());
}

TEST_F(FeishuConnectorTest, AGroupPictureIsAnsweredThatOnlyTextIsReadWhenFilesAreNotFetched) {
    start();
    ASSERT_EQ(post_callback(port_, encrypted(file_message_event("ev-p", "om_pic", kWang, kGroup,
                                                                "image", "img_v2_booth")))
                  .status,
              200);
    ASSERT_TRUE(fake_.wait_call("/open-apis/im/v1/messages/om_pic/reply"));
    for (const auto& c : fake_.calls("/open-apis/im/v1/messages/om_pic/resources")) {
        ADD_FAILURE() << "fetched " << c.path;
    }
    EXPECT_TRUE(sink_.rest().empty());
}

}  // namespace
}  // namespace twintrack::feishu_test
