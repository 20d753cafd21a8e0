// Buttons, menus and pictures through the Feishu app bot connector against the fake
// Feishu: a post with actions goes out as an interactive card, a click comes back as a
// `card.action.trigger` callback (HTTP or the long connection) and becomes an action of
// the clicker, a settled post's card is PATCHed to its outcome, and pictures follow the
// text. Bad input: malformed, forged and replayed callbacks, refused updates and uploads.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "connectors/feishu/feishu_connector.hpp"
#include "core/base64.hpp"
#include "core/clock.hpp"
#include "tests/feishu/fake_feishu.hpp"
#include "tests/feishu/feishu_test_ids.hpp"
#include "tests/support/connector_sink.hpp"
#include "tests/support/sample_actions.hpp"

namespace twintrack::feishu_test {
namespace {

using connectors::feishu::FeishuSettings;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A PNG's first bytes are enough for the fake (it keeps what it was given).
const std::string kPng = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + "chart-bytes";

class FeishuActionsTest : public ::testing::Test {
  protected:
    void start(FeishuSettings::Mode mode = FeishuSettings::Mode::events) {
        FeishuSettings s;
        s.name = "feishu";
        s.mode = mode;
        s.app_id = kAppId;
        s.app_secret = core::Secret("TEST_APP_SECRET", kAppSecret);
        if (mode == FeishuSettings::Mode::events) {
            s.verification_token = core::Secret("TEST_TOKEN", kVerificationToken);
            s.encrypt_key = core::Secret("TEST_KEY", kEncryptKey);
            s.bind = "127.0.0.1";
            s.port = 0;
        }
        s.api_url = fake_.url();
        s.throttle_wait = std::chrono::milliseconds(20);
        s.backoff_initial = std::chrono::milliseconds(20);
        s.backoff_max = std::chrono::milliseconds(200);
        s.channels = {{kGroup, "marketing"}};
        connectors::ConnectorContext context{"", TWINTRACK_PROMPTS_DIR, &clock_, nullptr};
        context.default_locale = "zh-CN";
        connector_ = connectors::feishu::make_feishu(std::move(s), context);
        connector_->start(sink_);
        port_ = connectors::feishu::feishu_status(*connector_).listen_port;
    }
    void TearDown() override {
        if (connector_) connector_->stop();
    }

    core::SendResult send(const core::Post& post) {
        std::promise<core::SendResult> done;
        auto result = done.get_future();
        connector_->send(post, [&done](core::SendResult r) { done.set_value(std::move(r)); });
        if (result.wait_for(20s) != std::future_status::ready) return {false, "", "no answer"};
        return result.get();
    }

    // An approval request to 周强, with the approve / send back buttons and a date menu.
    static core::Post request(const std::string& channel = "@" + kZhou) {
        core::Post post;
        post.to = {"feishu", channel, ""};
        post.text = "李娜 起草了公告 #7：“TwinTrack 的一线报告现已支持微信。”";
        post.locale = "zh-CN";
        post.actions = test_support::sample_actions();
        post.actions[0].label = "批准";
        post.actions[1].label = "退回修改";
        post.actions_text =
            "请输入以下命令之一来回复：\n1. 批准：批准 7\n2. 退回修改：退回修改 7 原因";
        return post;
    }

    // The settled post that replaces card `id`.
    static core::Post outcome(const std::string& id) {
        core::Post post;
        post.to = {"feishu", "@" + kZhou, ""};
        post.text =
            "李娜 起草了公告 #7：“TwinTrack 的一线报告现已支持微信。”\n周强 已于 10:42 批准";
        post.locale = "zh-CN";
        post.replaces = id;
        return post;
    }

    // Sends `request()` and returns the card's message_id.
    std::string send_card() {
        const auto r = send(request());
        EXPECT_TRUE(r.ok) << r.error;
        return r.message_id;
    }

    static json approve_click() { return {{"tag", "button"}, {"value", {{"tt", "tok-approve"}}}}; }

    FakeFeishu fake_;
    core::FakeClock clock_{core::from_millis(1733480000000)};
    test_support::CollectingSink sink_;
    std::unique_ptr<connectors::Connector> connector_;
    int port_ = 0;
};

// The texts of a card's div elements.
std::vector<std::string> card_texts(const json& card) {
    std::vector<std::string> out;
    for (const auto& e : card.value("elements", json::array())) {
        if (e.value("tag", "") == "div") out.push_back(e["text"].value("content", ""));
    }
    return out;
}

bool has_action_row(const json& card) {
    for (const auto& e : card.value("elements", json::array())) {
        if (e.value("tag", "") == "action") return true;
    }
    return false;
}

TEST_F(FeishuActionsTest, APostWithActionsGoesAsACardWithItsButtonsAndMenu) {
    start();
    EXPECT_TRUE(connector_->shows_actions());
    const auto r = send(request());
    ASSERT_TRUE(r.ok) << r.error;
    const auto card = fake_.wait_sent("interactive");
    ASSERT_TRUE(card);
    EXPECT_EQ(r.message_id, card->id);  // what a settled post replaces
    EXPECT_EQ(card->receive_id, kZhou);
    EXPECT_EQ(card->content["config"]["update_multi"], true);
    EXPECT_THAT(card_texts(card->content), ElementsAre(HasSubstr("公告 #7")));
    EXPECT_EQ(button_token(card->content, 0), "tok-approve");
    EXPECT_EQ(button_token(card->content, 1), "tok-changes");
    const json& row = card->content["elements"][1]["actions"];
    ASSERT_EQ(row.size(), 3u);
    EXPECT_EQ(row[0]["text"]["content"], "批准");
    EXPECT_EQ(row[2]["tag"], "select_static");
    // The card is the whole post: no text message, no typed commands.
    EXPECT_THAT(fake_.delivered(), IsEmpty());
    auto calls = fake_.calls("/open-apis/im/v1/messages");
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].json_body["msg_type"], "interactive");
    EXPECT_FALSE(calls[0].json_body.value("uuid", "").empty());
}

TEST_F(FeishuActionsTest, ALongPostSendsItsTextFirstAndTheButtonsWithTheLastPiece) {
    start();
    core::Post post = request(kGroup);
    post.text = std::string(4000, 'a') + "\n" + "最后一段";
    post.dedupe_key = "action-post.7";
    const auto r = send(post);
    ASSERT_TRUE(r.ok) << r.error;
    const auto sent = fake_.sent();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].msg_type, "text");
    EXPECT_EQ(sent[1].msg_type, "interactive");
    EXPECT_THAT(card_texts(sent[1].content), ElementsAre("最后一段"));
    EXPECT_EQ(r.message_id, sent[1].id);
    // Sent again by the outbox after a lost answer: the same uuids, shown once.
    ASSERT_TRUE(send(post).ok);
    EXPECT_EQ(fake_.sent().size(), 2u);
}

TEST_F(FeishuActionsTest, ActionsACardCannotCarryGoAsTypedCommands) {
    start();
    struct Case {
        const char* name;
        std::vector<core::Action> actions;
    };
    core::Action no_token;
    no_token.label = "批准";
    core::Action huge_menu;
    huge_menu.kind = "menu";
    huge_menu.label = "选择日期";
    for (int i = 0; i < 400; ++i) {
        huge_menu.options.push_back({"选项 " + std::to_string(i) + std::string(60, 'x'),
                                     "tok-" + std::to_string(i), "vote " + std::to_string(i)});
    }
    const Case cases[] = {
        {"no action has a token", {no_token}},
        {"the card would be over Feishu's 30 KB", {huge_menu}},
    };
    std::size_t n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        core::Post post = request();
        post.actions = c.actions;
        ASSERT_TRUE(send(post).ok);
        ++n;
        const auto delivered = fake_.delivered();
        ASSERT_EQ(delivered.size(), n);
        EXPECT_THAT(delivered.back(), HasSubstr("公告 #7"));
        EXPECT_THAT(delivered.back(), HasSubstr("\n\n请输入以下命令之一来回复：\n1. 批准：批准 7"));
    }
    for (const auto& m : fake_.sent()) EXPECT_EQ(m.msg_type, "text");
}

TEST_F(FeishuActionsTest, ACardFeishuRefusesGoesAsTextWithTypedCommandsAndIsLogged) {
    start();
    test_support::LogCapture log;
    fake_.refuse_cards(1);
    const auto r = send(request());
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_THAT(fake_.delivered(), ElementsAre(AllOf(HasSubstr("公告 #7"),
                                                     HasSubstr("\n\n请输入以下命令之一来回复："))));
    EXPECT_EQ(r.message_id, fake_.sent().at(0).id);
    EXPECT_EQ(log.count("230099"), 1);
    auto calls = fake_.calls("/open-apis/im/v1/messages");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_NE(calls[0].json_body["uuid"], calls[1].json_body["uuid"]);  // another message
}

TEST_F(FeishuActionsTest, AClickOverHttpBecomesAnActionOfTheClickerAnsweredPrivately) {
    start();
    const std::string card = send_card();
    const json click = card_action_event("ev-click-1", kZhou, card, "oc_p2pzhou", approve_click());
    const auto r = post_callback(port_, encrypted(click));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json(), json::object());  // within Feishu's 3 s; no toast, the card stays
    auto e = sink_.with_text("tok-approve");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, core::EventKind::action);
    EXPECT_EQ(e->id, "feishu:action:ev-click-1");
    EXPECT_EQ(e->who.connector, "feishu");
    EXPECT_EQ(e->who.user_id, kZhou);
    EXPECT_EQ(e->where.channel, "@" + kZhou);
    EXPECT_TRUE(e->direct);
    EXPECT_EQ(e->extra.at("message_id"), card);
    EXPECT_EQ(connectors::feishu::feishu_status(*connector_).clicks, 1);

    // The bot's answer names the card as the message it answers: it goes to 周强 alone,
    // not as a reply in the card's chat.
    core::Post answer;
    answer.to = e->where;
    answer.text = "你已代表市场部批准公告 #7。";
    answer.reply_to = card;
    ASSERT_TRUE(send(answer).ok);
    const auto sent = fake_.wait_sent("text");
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->receive_id, kZhou);
    EXPECT_EQ(sent->reply_to, "");
    EXPECT_TRUE(fake_.calls("/open-apis/im/v1/messages/" + card + "/reply").empty());

    // The settled post replaces the buttons with the outcome, for everyone in the chat.
    const auto updated = send(outcome(card));
    ASSERT_TRUE(updated.ok) << updated.error;
    EXPECT_EQ(updated.message_id, card);
    const auto patch = fake_.wait_patch();
    ASSERT_TRUE(patch);
    EXPECT_EQ(patch->path, "/open-apis/im/v1/messages/" + card);
    const json now = fake_.sent()[0].content;
    EXPECT_FALSE(has_action_row(now));
    EXPECT_EQ(now["config"]["update_multi"], true);
    EXPECT_THAT(card_texts(now), ElementsAre(HasSubstr("周强 已于 10:42 批准")));
}

TEST_F(FeishuActionsTest, ARefusalOfAClickInAGroupIsACardOnlyTheClickerSees) {
    start();
    const auto group_card = send(request(kGroup));
    ASSERT_TRUE(group_card.ok) << group_card.error;
    const json click =
        card_action_event("ev-group-1", kZhou, group_card.message_id, kGroup, approve_click());
    ASSERT_EQ(post_callback(port_, encrypted(click)).status, 200);
    ASSERT_TRUE(sink_.with_text("tok-approve"));
    const std::size_t sent_before = fake_.sent().size();

    core::Post refusal;
    refusal.to = {"feishu", "@" + kZhou, ""};
    refusal.text = "此事已经处理：Sue Boss 已于 17:00 批准";
    refusal.locale = "zh-CN";
    refusal.reply_to = group_card.message_id;
    refusal.private_reply = true;
    const auto r = send(refusal);
    ASSERT_TRUE(r.ok) << r.error;
    const auto calls = fake_.calls("/open-apis/ephemeral/v1/send");
    ASSERT_THAT(calls, ::testing::SizeIs(1));
    EXPECT_EQ(calls[0].json_body["chat_id"], kGroup);
    EXPECT_EQ(calls[0].json_body["open_id"], kZhou);
    EXPECT_THAT(card_texts(calls[0].json_body["card"]),
                ElementsAre("此事已经处理：Sue Boss 已于 17:00 批准"));
    // Nothing new in the group (nor a direct message).
    EXPECT_EQ(fake_.sent().size(), sent_before);

    // A click on a card of a direct chat: the answer goes there, as before.
    const std::string direct_card = send_card();
    const json p2p =
        card_action_event("ev-p2p-1", kZhou, direct_card, "oc_p2pzhou", approve_click());
    ASSERT_EQ(post_callback(port_, encrypted(p2p)).status, 200);
    ASSERT_TRUE(sink_.with_text("tok-approve"));
    refusal.text = "这个按钮无效。";
    refusal.reply_to = direct_card;
    ASSERT_TRUE(send(refusal).ok);
    const auto dm = fake_.wait_sent("text");
    ASSERT_TRUE(dm);
    EXPECT_EQ(dm->receive_id, kZhou);
    EXPECT_THAT(fake_.calls("/open-apis/ephemeral/v1/send"), ::testing::SizeIs(1));
}

TEST_F(FeishuActionsTest, AMenuChoiceCarriesTheChosenOptionsToken) {
    start();
    const std::string card = send_card();
    const json click = card_action_event("ev-menu", kZhou, card, "oc_p2pzhou",
                                         {{"tag", "select_static"}, {"option", "tok-d2"}});
    ASSERT_EQ(post_callback(port_, encrypted(click)).status, 200);
    auto e = sink_.with_text("tok-d2");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, core::EventKind::action);
}

TEST_F(FeishuActionsTest, AReplayedClickIsHandedOnOnce) {
    start();
    const std::string card = send_card();
    const json click = card_action_event("ev-once", kZhou, card, "oc_p2pzhou", approve_click());
    ASSERT_EQ(post_callback(port_, encrypted(click)).status, 200);
    ASSERT_EQ(post_callback(port_, encrypted(click)).status, 200);  // Feishu's retry
    // A second click (another event_id) is a click of its own: the bot decides.
    const json again = card_action_event("ev-twice", kZhou, card, "oc_p2pzhou",
                                         {{"tag", "button"}, {"value", {{"tt", "tok-changes"}}}});
    ASSERT_EQ(post_callback(port_, encrypted(again)).status, 200);
    ASSERT_TRUE(sink_.with_text("tok-changes"));  // handled in order: the replay came before
    auto rest = sink_.rest();
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].text, "tok-approve");
}

TEST_F(FeishuActionsTest, MalformedAndForgedClicksAreNotHandedOn) {
    start();
    const std::string card = send_card();
    const auto click = [&](const std::string& id, const json& action) {
        return card_action_event(id, kZhou, card, "oc_p2pzhou", action);
    };
    json no_operator = click("ev-m1", approve_click());
    no_operator["event"].erase("operator");
    json no_message = click("ev-m2", approve_click());
    no_message["event"]["context"].erase("open_message_id");
    json event_not_object = click("ev-m3", approve_click());
    event_not_object["event"] = "tok-approve";
    json forged = click("ev-m4", approve_click());
    forged["header"]["token"] = "someone-elses-token";
    struct Case {
        const char* name;
        std::string body;
        std::string sign_key;
        int status;
    };
    const Case cases[] = {
        {"a value that is not an object",
         encrypted(click("ev-m5", {{"tag", "button"}, {"value", "tok"}})), kEncryptKey, 200},
        {"a value without tt",
         encrypted(click("ev-m6", {{"tag", "button"}, {"value", {{"k", "v"}}}})), kEncryptKey, 200},
        {"no operator", encrypted(no_operator), kEncryptKey, 200},
        {"no message", encrypted(no_message), kEncryptKey, 200},
        {"an event that is not an object", encrypted(event_not_object), kEncryptKey, 200},
        {"a forged verification token", encrypted(forged), kEncryptKey, 401},
        {"an altered body (signature)", encrypted(click("ev-m7", approve_click())), "another-key",
         401},
        {"not encrypted", click("ev-m8", approve_click()).dump(), kEncryptKey, 400},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(post_callback(port_, c.body, c.sign_key).status, c.status);
    }
    EXPECT_EQ(connectors::feishu::feishu_status(*connector_).refused, 3);
    // A good click afterwards is the only action.
    ASSERT_EQ(post_callback(port_, encrypted(click("ev-good", approve_click()))).status, 200);
    ASSERT_TRUE(sink_.with_text("tok-approve"));
    EXPECT_TRUE(sink_.rest().empty());
    EXPECT_EQ(connectors::feishu::feishu_status(*connector_).clicks, 1);
}

TEST_F(FeishuActionsTest, ACardFeishuWillNotUpdateIsLoggedOnceAndNotRetried) {
    start();
    const std::string card = send_card();
    test_support::LogCapture log;
    struct Case {
        const char* name;
        long long code;
        const char* msg;
        const char* logged;
    };
    const Case cases[] = {
        {"older than 14 days", 230031, "Message can only be modified within 14 days after sending.",
         "within 14 days"},
        {"recalled", 230011, "The message is recalled.", "recalled"},
    };
    std::size_t patches = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        fake_.refuse_patches(1, c.code, c.msg);
        const auto r = send(outcome(card));
        EXPECT_FALSE(r.ok);
        EXPECT_FALSE(r.retryable);  // the outbox does not try again
        EXPECT_THAT(r.error, HasSubstr(std::to_string(c.code)));
        ++patches;
        EXPECT_EQ(fake_.calls("/open-apis/im/v1/messages/" + card).size(), patches);
        EXPECT_EQ(log.count(c.logged), 1);
    }
    // Not a card (a text message of the bot's): refused, said so.
    core::Post text;
    text.to = {"feishu", "@" + kZhou, ""};
    text.text = "纯文字";
    const auto plain = send(text);
    ASSERT_TRUE(plain.ok);
    auto r = send(outcome(plain.message_id));
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_EQ(log.count("not a card"), 1);
    // Not a Feishu message id at all: refused without a call.
    r = send(outcome("feishu:om_1/../x"));
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    // Feishu's frequency limit (230020) is waited out, then the card is updated.
    fake_.refuse_patches(1, 230020, "This operation triggers the frequency limit.");
    r = send(outcome(card));
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_FALSE(has_action_row(fake_.sent()[0].content));
}

TEST_F(FeishuActionsTest, APictureIsUploadedAndSentAfterTheText) {
    start();
    core::Post post;
    post.to = {"feishu", kGroup, ""};
    post.text = "本周指标";
    post.attachments = {{"metrics.png", "image/png", kPng}};
    const auto r = send(post);
    ASSERT_TRUE(r.ok) << r.error;
    const auto uploads = fake_.uploads();
    ASSERT_EQ(uploads.size(), 1u);
    EXPECT_EQ(uploads[0].image_type, "message");
    EXPECT_EQ(uploads[0].filename, "metrics.png");
    EXPECT_EQ(uploads[0].content_type, "image/png");
    EXPECT_EQ(uploads[0].data, kPng);
    const auto sent = fake_.sent();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].msg_type, "text");
    EXPECT_EQ(r.message_id, sent[0].id);
    EXPECT_EQ(sent[1].msg_type, "image");
    EXPECT_EQ(sent[1].receive_id, kGroup);
    EXPECT_EQ(sent[1].content["image_key"], uploads[0].image_key);
}

TEST_F(FeishuActionsTest, AFileIsUploadedToImFilesAndSentAsAFileMessage) {
    start();
    core::Post post;
    post.to = {"feishu", kGroup, ""};
    post.attachments = {{"报价单.pdf", "application/pdf", "%PDF-1.4 quote"},
                        {"notes.txt", "text/plain", "hello"}};
    const auto r = send(post);
    ASSERT_TRUE(r.ok) << r.error;
    const auto uploads = fake_.uploads();
    ASSERT_EQ(uploads.size(), 2u);
    EXPECT_EQ(uploads[0].file_type, "pdf");
    EXPECT_EQ(uploads[0].file_name, "报价单.pdf");
    EXPECT_EQ(uploads[0].data, "%PDF-1.4 quote");
    EXPECT_EQ(uploads[1].file_type, "stream");  // any other file
    EXPECT_EQ(uploads[1].file_name, "notes.txt");
    for (const auto& c : fake_.calls("/open-apis/im/v1/files")) {
        EXPECT_EQ(c.token.rfind("t-fake", 0), 0u);
    }
    const auto sent = fake_.sent();
    ASSERT_EQ(sent.size(), 2u);  // no empty text message before them
    EXPECT_EQ(sent[0].msg_type, "file");
    EXPECT_EQ(sent[0].receive_id, kGroup);
    EXPECT_EQ(sent[0].content["file_key"], uploads[0].image_key);
    EXPECT_EQ(sent[1].msg_type, "file");
    EXPECT_EQ(r.message_id, sent[0].id);
    // Nothing Feishu takes (empty): named in a message instead.
    post.attachments = {{"empty.txt", "text/plain", ""}};
    ASSERT_TRUE(send(post).ok);
    EXPECT_EQ(fake_.uploads().size(), 2u);
    EXPECT_THAT(fake_.delivered(), ElementsAre("[文件：empty.txt，此处无法显示]"));
}

TEST_F(FeishuActionsTest, AnUploadFailingForAWhileSendsThePostAgainShowingEverythingOnce) {
    start();
    fake_.fail_uploads(1);
    core::Post post;
    post.to = {"feishu", kGroup, ""};
    post.text = "Li Wei (slack): our booth";
    post.dedupe_key = "relay:joint:slack:1:feishu";
    post.attachments = {{"booth.png", "image/png", kPng}};
    auto r = send(post);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);  // the outbox sends it again
    EXPECT_THAT(r.error, HasSubstr("booth.png"));
    r = send(post);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_THAT(fake_.delivered(), ElementsAre("Li Wei (slack): our booth"));
    const auto sent = fake_.sent();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[1].msg_type, "image");
    EXPECT_EQ(r.message_id, sent[0].id);
}

TEST_F(FeishuActionsTest, AFailedUploadLeavesTheTextAndIsLogged) {
    start();
    test_support::LogCapture log;
    fake_.refuse_uploads(true);
    core::Post post;
    post.to = {"feishu", "@" + kZhou, ""};
    post.text = "本周指标";
    post.attachments = {{"metrics.png", "image/png", kPng}};
    const auto r = send(post);
    ASSERT_TRUE(r.ok) << r.error;  // the text went: the post is delivered
    // The picture is named in its place, in the post's language (here the default).
    EXPECT_THAT(fake_.delivered(), ElementsAre("本周指标", "[文件：metrics.png，此处无法显示]"));
    EXPECT_EQ(fake_.calls("/open-apis/im/v1/images").size(), 1u);  // not retried
    for (const auto& m : fake_.sent()) EXPECT_NE(m.msg_type, "image");
    EXPECT_EQ(log.count("metrics.png"), 1);
    EXPECT_EQ(log.count("im:resource"), 1);
}

// The long connection: clicks arrive as `card.action.trigger` events in frames of type
// event, acknowledged with an empty answer as the data.
TEST_F(FeishuActionsTest, AClickOverTheLongConnectionIsAcknowledgedAndTheCardUpdated) {
    start(FeishuSettings::Mode::long_connection);
    ASSERT_TRUE(fake_.wait_sockets(1));
    const std::string card = send_card();
    const json click = card_action_event("ev-ws-click", kZhou, card, "oc_p2pzhou", approve_click());
    ASSERT_TRUE(fake_.send_event(click, "frame-click", 2));
    auto e = sink_.with_text("tok-approve");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, core::EventKind::action);
    EXPECT_EQ(e->who.user_id, kZhou);
    EXPECT_EQ(e->extra.at("message_id"), card);
    auto acks = fake_.wait_acks("frame-click");
    ASSERT_EQ(acks.size(), 1u);
    const json ack = json::parse(acks[0].payload);
    EXPECT_EQ(ack["code"], 200);
    ASSERT_TRUE(ack["data"].is_string());
    EXPECT_EQ(core::base64_decode(ack["data"].get<std::string>()),
              std::optional<std::string>("{}"));
    // Delivered again across a reconnect: acknowledged, not handed on again.
    ASSERT_TRUE(fake_.send_event(click, "frame-click-again"));
    ASSERT_EQ(fake_.wait_acks("frame-click-again").size(), 1u);
    // A frame of type card (the old message card callback) is dropped unanswered, as the
    // official SDKs drop it; frames are handled in order, so once the next one is
    // acknowledged the card frame would have been too.
    ASSERT_TRUE(fake_.send_event(card_action_event("ev-old", kZhou, card, "", approve_click()),
                                 "frame-old", 1, "card"));
    const json next = message_event("ev-next", "om_next", kZhou, "oc_p2pzhou", "p2p", "下一条");
    ASSERT_TRUE(fake_.send_event(next, "frame-next"));
    ASSERT_EQ(fake_.wait_acks("frame-next").size(), 1u);
    EXPECT_TRUE(fake_.wait_acks("frame-old", 1, 0ms).empty());
    ASSERT_TRUE(sink_.with_text("下一条"));
    EXPECT_TRUE(sink_.rest().empty());
    // The settled post: the card is PATCHed.
    ASSERT_TRUE(send(outcome(card)).ok);
    EXPECT_FALSE(has_action_row(fake_.sent()[0].content));
}

}  // namespace
}  // namespace twintrack::feishu_test
