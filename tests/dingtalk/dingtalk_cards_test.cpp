// Buttons and menus on DingTalk as interactive cards: the card template contract, the card
// callback as DingTalk sends it, and the connector against the fake DingTalk (card
// delivered, a click over the stream becomes an action, a settled post updates the card,
// pictures uploaded and sent), with the bad input each step may meet.

#include "connectors/dingtalk/dingtalk_cards.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "connectors/dingtalk/dingtalk_connector.hpp"
#include "core/clock.hpp"
#include "core/source_dir.hpp"
#include "tests/dingtalk/dingtalk_test_ids.hpp"
#include "tests/dingtalk/fake_dingtalk.hpp"
#include "tests/support/connector_sink.hpp"

namespace twintrack::dingtalk_test {
namespace {

using connectors::dingtalk::CardClick;
using connectors::dingtalk::CardRead;
using connectors::dingtalk::dingtalk_status;
using connectors::dingtalk::DingTalkSettings;
using test_support::CollectingSink;
using ::testing::HasSubstr;
using ::testing::Not;

const char* kApproveToken = "v1.7.0.m.1797000000000.4f2a9c";
const char* kChangesToken = "v1.7.1.m.1797000000000.88d1e0";

// The post a manager gets for an announcement waiting for approval.
core::Post approval_post(const std::string& channel) {
    core::Post post;
    post.to = {"dingtalk", channel, ""};
    post.text = "公告 #7 待审批（市场部）\n周五下午三点全员会议";
    post.locale = "zh-CN";
    core::Action approve;
    approve.label = "批准";
    approve.style = "primary";
    approve.token = kApproveToken;
    approve.typed = "批准 7";
    core::Action changes;
    changes.label = "需修改";
    changes.style = "danger";
    changes.confirm = "要求修改公告 #7？";
    changes.confirm_yes = "确定";
    changes.confirm_no = "取消";
    changes.token = kChangesToken;
    changes.typed = "修改 7";
    post.actions = {approve, changes};
    post.actions_text = "回复方式，输入：\n1. 批准 → 批准 7\n2. 需修改 → 修改 7";
    return post;
}

// A PNG's first bytes and a little more: what the metrics chart is to the connector.
std::string png_bytes() { return std::string("\x89PNG\r\n\x1a\n", 8) + std::string(200, '\x01'); }

// --- the card contract (pure) -------------------------------------------------------------

TEST(DingTalkCards, TemplateIdsAreAUuidAndSchema) {
    struct Case {
        const char* id;
        bool ok;
    };
    const Case cases[] = {
        {"8f250c94-7e4b-4c8e-b1e5-3c0b6b4e2a17.schema", true},
        {"1366A1EB-BC54-4859-AC88-517C56A9ACB1.schema", true},
        {"8f250c94-7e4b-4c8e-b1e5-3c0b6b4e2a17", false},
        {"8f250c94-7e4b-4c8e-b1e5-3c0b6b4e2a17.json", false},
        {"8f250c947e4b4c8eb1e53c0b6b4e2a17.schema", false},
        {"StandardCard", false},
        {"审批模板", false},
        {"", false},
        {"8f250c94-7e4b-4c8e-b1e5-3c0b6b4e2a1g.schema", false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.id);
        EXPECT_EQ(connectors::dingtalk::valid_card_template_id(c.id), c.ok);
    }
}

TEST(DingTalkCards, EveryCardVariableIsAStringAndListsAreJson) {
    core::Post post = approval_post(kGroup);
    core::Action menu;
    menu.kind = "menu";
    menu.label = "选择日期";
    menu.options = {{"12月12日", "v1.9.0.x.1.aa", "投票 3 2026-12-12"},
                    {"12月19日", "v1.9.1.x.1.bb", "投票 3 2026-12-19"}};
    post.actions.push_back(menu);
    ASSERT_TRUE(connectors::dingtalk::fits_card(post));
    const json params = connectors::dingtalk::card_params(post);
    for (const auto& [key, value] : params.items()) {
        SCOPED_TRACE(key);
        EXPECT_TRUE(value.is_string());
    }
    EXPECT_EQ(params["title"], "公告 #7 待审批（市场部）");
    EXPECT_EQ(params["markdown"], post.text);
    EXPECT_EQ(params["status"], "open");
    EXPECT_EQ(params["hasActions"], "true");
    const json buttons = json::parse(params["buttons"].get<std::string>());
    ASSERT_EQ(buttons.size(), 2u);
    EXPECT_EQ(buttons[0]["label"], "批准");
    EXPECT_EQ(buttons[0]["token"], kApproveToken);
    EXPECT_EQ(buttons[0]["color"], "blue");
    EXPECT_EQ(buttons[1]["color"], "red");
    EXPECT_EQ(buttons[1]["confirm"], "要求修改公告 #7？");
    EXPECT_EQ(buttons[1]["confirmYes"], "确定");
    const json menus = json::parse(params["menus"].get<std::string>());
    ASSERT_EQ(menus.size(), 1u);
    EXPECT_EQ(menus[0]["placeholder"], "选择日期");
    EXPECT_EQ(menus[0]["options"][1]["value"], "v1.9.1.x.1.bb");
    EXPECT_EQ(menus[0]["options"][1]["text"]["zh_CN"], "12月19日");
}

TEST(DingTalkCards, WhatDoesNotFitOneCardIsRefused) {
    struct Case {
        const char* name;
        std::function<void(core::Post&)> change;
        bool fits;
    };
    const std::vector<Case> cases = {
        {"two buttons", [](core::Post&) {}, true},
        {"no actions", [](core::Post& p) { p.actions.clear(); }, false},
        {"seven buttons",
         [](core::Post& p) {
             while (p.actions.size() < 7) p.actions.push_back(p.actions[0]);
         },
         false},
        {"a button without token", [](core::Post& p) { p.actions[0].token.clear(); }, false},
        {"an empty menu",
         [](core::Post& p) {
             core::Action m;
             m.kind = "menu";
             m.label = "选择";
             p.actions.push_back(m);
         },
         false},
        {"a text too long", [](core::Post& p) { p.text = std::string(6000, 'a'); }, false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        core::Post post = approval_post(kGroup);
        c.change(post);
        EXPECT_EQ(connectors::dingtalk::fits_card(post), c.fits);
    }
}

TEST(DingTalkCards, ASettledCardHidesItsButtonsAndShowsTheOutcome) {
    const json params = connectors::dingtalk::settled_card_params(
        "公告 #7 待审批（市场部）\n周五下午三点全员会议\n已由 王芳 于 10:42 批准");
    EXPECT_EQ(params["status"], "settled");
    EXPECT_EQ(params["hasActions"], "false");
    EXPECT_EQ(params["buttons"], "[]");
    EXPECT_EQ(params["resultText"], "已由 王芳 于 10:42 批准");
    EXPECT_EQ(params["markdown"], "公告 #7 待审批（市场部）\n周五下午三点全员会议");
}

TEST(DingTalkCards, ACardCallbackIsReadOrRefused) {
    auto data = [](const json& d) { return d.dump(); };
    const std::string good_content =
        json{{"cardPrivateData", {{"actionIds", {"choose"}}, {"params", {{"token", "v1.x"}}}}}}
            .dump();
    json good = {{"userId", "manager4220"},
                 {"outTrackId", "tt-1"},
                 {"content", good_content},
                 {"spaceType", "IM_GROUP"}};
    CardClick c;
    ASSERT_EQ(connectors::dingtalk::read_card_click(data(good), c), CardRead::ok);
    EXPECT_EQ(c.user_id, "manager4220");
    EXPECT_EQ(c.out_track_id, "tt-1");
    EXPECT_EQ(c.token, "v1.x");
    EXPECT_EQ(c.space_type, "IM_GROUP");

    struct Case {
        const char* name;
        std::string data;
        CardRead read;
    };
    auto without = [&](const char* key) {
        json d = good;
        d.erase(key);
        return d.dump();
    };
    auto with_content = [&](const std::string& content) {
        json d = good;
        d["content"] = content;
        return d.dump();
    };
    const std::vector<Case> cases = {
        {"not JSON", "{\"userId\":", CardRead::not_json},
        {"an array", "[1,2]", CardRead::not_json},
        {"no user", without("userId"), CardRead::incomplete},
        {"no outTrackId", without("outTrackId"), CardRead::incomplete},
        {"no content", without("content"), CardRead::incomplete},
        {"content not JSON", with_content("{cardPrivateData"), CardRead::incomplete},
        {"params without token",
         with_content(json{{"cardPrivateData", {{"params", {{"action", "agree"}}}}}}.dump()),
         CardRead::incomplete},
        {"token not a string",
         with_content(json{{"cardPrivateData", {{"params", {{"token", 7}}}}}}.dump()),
         CardRead::incomplete},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.name);
        EXPECT_EQ(connectors::dingtalk::read_card_click(k.data, c), k.read);
    }
}

// --- the connector against the fake DingTalk ------------------------------------------------

class DingTalkCardsTest : public ::testing::Test {
  protected:
    void SetUp() override { start(kCardTemplateId); }
    void TearDown() override {
        if (connector_) connector_->stop();
    }

    void start(const std::string& template_id) {
        DingTalkSettings s;
        s.name = "dingtalk";
        s.client_id = kClientId;
        s.client_secret = core::Secret("DINGTALK_CLIENT_SECRET", kClientSecret);
        s.api_url = fake_.url();
        s.gateway_url = fake_.url();
        s.oapi_url = fake_.url();
        s.card_template_id = template_id;
        s.backoff_initial = 20ms;
        s.backoff_max = 200ms;
        s.throttle_wait = 30ms;
        connectors::ConnectorContext context;
        context.clock = &clock_;
        context.prompts_dir = core::source_dir() + "/prompts";
        context.default_locale = "zh-CN";
        connector_ = connectors::dingtalk::make_dingtalk(std::move(s), context);
        connector_->start(sink_);
        ASSERT_TRUE(fake_.wait_sockets(1));
    }

    core::SendResult send(const core::Post& post) {
        auto result = std::make_shared<std::promise<core::SendResult>>();
        auto future = result->get_future();
        connector_->send(post, [result](core::SendResult r) { result->set_value(r); });
        if (future.wait_for(20s) != std::future_status::ready) return {false, "", "timeout", true};
        return future.get();
    }

    // The card a sent post became: its createAndDeliver call.
    ApiCall delivered(std::size_t n = 1) {
        auto call = fake_.wait_call("/v1.0/card/instances/createAndDeliver", n);
        EXPECT_TRUE(call);
        return call ? *call : ApiCall{};
    }

    static json param_map(const ApiCall& call) {
        return call.json_body["cardData"]["cardParamMap"];
    }

    core::FakeClock clock_{core::from_millis(kNow)};
    FakeDingTalk fake_;
    CollectingSink sink_;
    std::unique_ptr<connectors::Connector> connector_;
};

TEST_F(DingTalkCardsTest, APostWithButtonsIsDeliveredAsACardToAGroupOrAPerson) {
    EXPECT_TRUE(connector_->shows_actions());
    struct Case {
        const char* name;
        std::string channel;
        std::string space;
        const char* deliver_model;
    };
    const Case cases[] = {
        {"group", kGroup, std::string("dtv1.card//IM_GROUP.") + kGroup, "imGroupOpenDeliverModel"},
        {"one-to-one", "@manager4220", "dtv1.card//IM_ROBOT.manager4220",
         "imRobotOpenDeliverModel"},
    };
    std::size_t n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto result = send(approval_post(c.channel));
        ASSERT_TRUE(result.ok) << result.error;
        const ApiCall call = delivered(++n);
        EXPECT_EQ(call.method, "POST");
        EXPECT_EQ(call.token, "token-1");
        const json& body = call.json_body;
        EXPECT_EQ(body["cardTemplateId"], kCardTemplateId);
        EXPECT_EQ(body["callbackType"], "STREAM");
        EXPECT_EQ(body["openSpaceId"], c.space);
        EXPECT_EQ(body[c.deliver_model]["robotCode"], kClientId);
        const std::string out = body["outTrackId"];
        EXPECT_EQ(result.message_id, "dingtalk:card:" + out);
        const json params = param_map(call);
        EXPECT_EQ(params["markdown"], "公告 #7 待审批（市场部）\n周五下午三点全员会议");
        EXPECT_THAT(params["buttons"].get<std::string>(), HasSubstr(kApproveToken));
    }
    // Two cards, two ids; no plain message carried the typed choices.
    EXPECT_NE(delivered(1).json_body["outTrackId"], delivered(2).json_body["outTrackId"]);
    EXPECT_TRUE(fake_.calls("/v1.0/robot/groupMessages/send").empty());
    EXPECT_TRUE(fake_.calls("/v1.0/robot/oToMessages/batchSend").empty());
}

TEST_F(DingTalkCardsTest, APostSentAgainAfterALostAnswerKeepsItsOneCardAndItsButtonsWork) {
    // The card is delivered but DingTalk's answer is lost: the post fails, retryable, and
    // the outbox sends it again (the same post, with its dedupe key).
    core::Post post = approval_post(kGroup);
    post.dedupe_key = "action:announce:7";
    fake_.lose_card_answers(1);
    const auto first = send(post);
    ASSERT_FALSE(first.ok);
    EXPECT_TRUE(first.retryable);
    const auto again = send(post);
    ASSERT_TRUE(again.ok) << again.error;
    const std::string out = delivered(1).json_body["outTrackId"];
    EXPECT_EQ(delivered(2).json_body["outTrackId"], out);  // the same card id both times
    EXPECT_EQ(again.message_id, "dingtalk:card:" + out);
    EXPECT_EQ(fake_.cards_delivered(), 1);  // people see one card
    // Another post (another dedupe key) is another card.
    core::Post other = approval_post(kGroup);
    other.dedupe_key = "action:announce:8";
    ASSERT_TRUE(send(other).ok);
    EXPECT_NE(delivered(3).json_body["outTrackId"], out);
    EXPECT_EQ(fake_.cards_delivered(), 2);

    // A click on the one card comes back as an action of that post.
    ASSERT_TRUE(
        fake_.send(card_callback_frame("cb-9", "manager4220", out, {{"token", kApproveToken}})));
    auto click =
        sink_.wait_for([](const core::Event& e) { return e.kind == core::EventKind::action; });
    ASSERT_TRUE(click);
    EXPECT_EQ(click->text, kApproveToken);
    EXPECT_EQ(click->extra["message_id"], again.message_id);
}

TEST_F(DingTalkCardsTest, AClickComesBackAsAnActionAndTheSettledPostUpdatesTheCard) {
    const auto sent = send(approval_post(kGroup));
    ASSERT_TRUE(sent.ok) << sent.error;
    const std::string out = delivered().json_body["outTrackId"];

    ASSERT_TRUE(
        fake_.send(card_callback_frame("cb-1", "manager4220", out, {{"token", kApproveToken}})));
    auto acks = fake_.wait_acks("cb-1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0]["code"], 200);
    EXPECT_EQ(json::parse(acks[0]["data"].get<std::string>()),
              json({{"response", json::object()}}));

    auto click =
        sink_.wait_for([](const core::Event& e) { return e.kind == core::EventKind::action; });
    ASSERT_TRUE(click);
    EXPECT_EQ(click->text, kApproveToken);
    EXPECT_EQ(click->who.connector, "dingtalk");
    EXPECT_EQ(click->who.user_id, "manager4220");
    EXPECT_EQ(click->where.channel, "@manager4220");
    EXPECT_TRUE(click->direct);
    EXPECT_EQ(click->extra["message_id"], sent.message_id);

    core::Post update;
    update.to = {"dingtalk", kGroup, ""};
    update.text = "公告 #7 待审批（市场部）\n周五下午三点全员会议\n已由 王芳 于 10:42 批准";
    update.replaces = sent.message_id;
    const auto updated = send(update);
    ASSERT_TRUE(updated.ok) << updated.error;
    EXPECT_EQ(updated.message_id, sent.message_id);
    auto put = fake_.wait_call("/v1.0/card/instances");
    ASSERT_TRUE(put);
    EXPECT_EQ(put->method, "PUT");
    EXPECT_EQ(put->json_body["outTrackId"], out);
    const json params = param_map(*put);
    EXPECT_EQ(params["status"], "settled");
    EXPECT_EQ(params["hasActions"], "false");
    EXPECT_EQ(params["resultText"], "已由 王芳 于 10:42 批准");
    EXPECT_EQ(put->json_body["cardUpdateOptions"]["updateCardDataByKey"], true);
}

TEST_F(DingTalkCardsTest, MalformedCallbacksAreAcknowledgedAndDropped) {
    const json bad_frames[] = {
        [] {
            json f = card_callback_frame("bad-1", "manager4220", "tt-1", {{"token", "x"}});
            f["data"] = "{not json";
            return f;
        }(),
        card_callback_frame("bad-2", "", "tt-1", {{"token", "x"}}),
        card_callback_frame("bad-3", "manager4220", "", {{"token", "x"}}),
        card_callback_frame("bad-4", "manager4220", "tt-1", {{"action", "agree"}}),
        [] {
            json f = card_callback_frame("bad-5", "manager4220", "tt-1", {{"token", "x"}});
            json d = json::parse(f["data"].get<std::string>());
            d["content"] = "{\"cardPrivateData\":";
            f["data"] = d.dump();
            return f;
        }(),
    };
    for (const auto& f : bad_frames) {
        const std::string id = f["headers"]["messageId"];
        SCOPED_TRACE(id);
        ASSERT_TRUE(fake_.send(f));
        auto acks = fake_.wait_acks(id);
        ASSERT_EQ(acks.size(), 1u);
        EXPECT_EQ(acks[0]["code"], 200);  // acknowledged, so DingTalk does not resend it
    }
    // The stream goes on: the next good click is the first event the bot gets.
    ASSERT_TRUE(
        fake_.send(card_callback_frame("good-1", "manager4220", "tt-1", {{"token", "v1.ok"}})));
    auto first = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(first);
    EXPECT_EQ(first->text, "v1.ok");
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(DingTalkCardsTest, ACallbackDeliveredAgainIsHandledOnce) {
    const json frame = card_callback_frame("cb-9", "manager4220", "tt-9", {{"token", "v1.once"}});
    ASSERT_TRUE(fake_.send(frame));
    ASSERT_TRUE(fake_.send(frame));
    EXPECT_EQ(fake_.wait_acks("cb-9", 2).size(), 2u);  // both acknowledged
    ASSERT_TRUE(
        fake_.send(card_callback_frame("cb-10", "manager4220", "tt-9", {{"token", "v1.next"}})));
    ASSERT_TRUE(sink_.wait_for([](const core::Event& e) { return e.text == "v1.next"; }));
    const auto rest = sink_.rest();
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].text, "v1.once");
}

TEST_F(DingTalkCardsTest, ARefusedCardFallsBackToTextWithTheTypedChoices) {
    test_support::LogCapture log;
    fake_.unpublish_card_template();
    const auto result = send(approval_post(kGroup));
    ASSERT_TRUE(result.ok) << result.error;
    ASSERT_EQ(fake_.calls("/v1.0/card/instances/createAndDeliver").size(), 1u);
    auto text = fake_.wait_call("/v1.0/robot/groupMessages/send");
    ASSERT_TRUE(text);
    const std::string content =
        json::parse(text->json_body.value("msgParam", "{}")).value("content", "");
    EXPECT_THAT(content, HasSubstr("周五下午三点全员会议"));
    EXPECT_THAT(content, HasSubstr("批准 7"));
    EXPECT_THAT(result.message_id, Not(HasSubstr(":card:")));
    EXPECT_EQ(log.count("cardInstance.wrong"), 1);
    EXPECT_EQ(log.count("card_template_id"), 1);

    // Its settling has no card to update, and says so without failing.
    core::Post update;
    update.to = {"dingtalk", kGroup, ""};
    update.text = "公告 #7\n已批准";
    update.replaces = result.message_id;
    EXPECT_TRUE(send(update).ok);
    EXPECT_TRUE(fake_.calls("/v1.0/card/instances").empty());
}

TEST_F(DingTalkCardsTest, TooManyButtonsGoAsTextWithTheTypedChoices) {
    core::Post post = approval_post("@manager4220");
    while (post.actions.size() < 8) post.actions.push_back(post.actions[0]);
    const auto result = send(post);
    ASSERT_TRUE(result.ok) << result.error;
    EXPECT_TRUE(fake_.calls("/v1.0/card/instances/createAndDeliver").empty());
    auto text = fake_.wait_call("/v1.0/robot/oToMessages/batchSend");
    ASSERT_TRUE(text);
    EXPECT_THAT(text->json_body.value("msgParam", ""), HasSubstr("修改 7"));
}

TEST_F(DingTalkCardsTest, AFailedCardUpdateIsRetriedOnlyWhenItMayWorkLater) {
    const auto sent = send(approval_post(kGroup));
    ASSERT_TRUE(sent.ok) << sent.error;
    struct Case {
        const char* name;
        int status;
        bool retryable;
    };
    const Case cases[] = {{"server error", 500, true}, {"refused", 400, false}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        fake_.fail_card_updates(1, c.status);
        core::Post update;
        update.to = {"dingtalk", kGroup, ""};
        update.text = "公告 #7\n已批准";
        update.replaces = sent.message_id;
        const auto r = send(update);
        EXPECT_FALSE(r.ok);
        EXPECT_EQ(r.retryable, c.retryable);
        EXPECT_THAT(r.error, HasSubstr("card/instances"));
    }
    // An id that is no card of this connector is refused for good.
    core::Post foreign;
    foreign.to = {"dingtalk", kGroup, ""};
    foreign.text = "x\ny";
    foreign.replaces = "slack:C1:1.2";
    const auto r = send(foreign);
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
}

TEST_F(DingTalkCardsTest, APictureIsUploadedAndSentAfterTheText) {
    core::Post post;
    post.to = {"dingtalk", kGroup, ""};
    post.text = "本周指标：线索 42，成交 7";
    post.attachments.push_back({"metrics.png", "image/png", png_bytes()});
    const auto result = send(post);
    ASSERT_TRUE(result.ok) << result.error;
    auto upload = fake_.wait_call("/media/upload");
    ASSERT_TRUE(upload);
    EXPECT_EQ(upload->token, "token-1");
    EXPECT_THAT(upload->body, HasSubstr("filename=\"metrics.png\""));
    auto sends = fake_.calls("/v1.0/robot/groupMessages/send");
    ASSERT_EQ(sends.size(), 2u);
    EXPECT_EQ(sends[0].json_body["msgKey"], "sampleText");
    EXPECT_EQ(sends[1].json_body["msgKey"], "sampleImageMsg");
    EXPECT_EQ(json::parse(sends[1].json_body.value("msgParam", "{}"))["photoURL"], "@media-1");
    EXPECT_EQ(result.message_id, "dingtalk:" + std::string("pqk-1"));
}

TEST_F(DingTalkCardsTest, AFileIsUploadedAsMediaAndSentAsSampleFile) {
    core::Post post;
    post.to = {"dingtalk", kGroup, ""};
    post.attachments.push_back({"报价单.PDF", "application/pdf", "%PDF-1.4 quote"});
    const auto result = send(post);
    ASSERT_TRUE(result.ok) << result.error;
    auto upload = fake_.wait_call("/media/upload");
    ASSERT_TRUE(upload);
    EXPECT_THAT(upload->body, HasSubstr("name=\"type\"\r\n\r\nfile\r\n"));
    EXPECT_THAT(upload->body, HasSubstr("filename=\"报价单.PDF\""));
    EXPECT_THAT(upload->body, HasSubstr("%PDF-1.4 quote"));
    auto sends = fake_.calls("/v1.0/robot/groupMessages/send");
    ASSERT_EQ(sends.size(), 1u);  // no empty text before it
    EXPECT_EQ(sends[0].json_body["msgKey"], "sampleFile");
    const json param = json::parse(sends[0].json_body.value("msgParam", "{}"));
    EXPECT_EQ(param["mediaId"], "@media-1");
    EXPECT_EQ(param["fileName"], "报价单.PDF");
    EXPECT_EQ(param["fileType"], "pdf");
}

TEST_F(DingTalkCardsTest, AFileOverDingTalksLimitIsNamedInTheLanguageOfThePost) {
    core::Post post;
    post.to = {"dingtalk", kGroup, ""};
    post.locale = "en";
    post.text = "The trade-fair film";
    post.attachments.push_back({"booth.mp4", "video/mp4", std::string(20 * 1024 * 1024 + 1, 'v')});
    const auto result = send(post);
    ASSERT_TRUE(result.ok) << result.error;
    EXPECT_TRUE(fake_.calls("/media/upload").empty());  // not even tried
    auto sends = fake_.calls("/v1.0/robot/groupMessages/send");
    ASSERT_EQ(sends.size(), 2u);
    EXPECT_EQ(json::parse(sends[1].json_body.value("msgParam", "{}")).value("content", ""),
              "[file: booth.mp4, not shown here]");
}

TEST_F(DingTalkCardsTest, APictureThatCannotBeUploadedIsNamedAfterTheText) {
    test_support::LogCapture log;
    fake_.fail_uploads(1);
    core::Post post;
    post.to = {"dingtalk", "@manager4220", ""};
    post.text = "本周指标：线索 42，成交 7";
    post.attachments.push_back({"metrics.png", "image/png", png_bytes()});
    const auto result = send(post);
    ASSERT_TRUE(result.ok) << result.error;
    ASSERT_EQ(fake_.calls("/media/upload").size(), 1u);
    auto sends = fake_.calls("/v1.0/robot/oToMessages/batchSend");
    ASSERT_EQ(sends.size(), 2u);
    EXPECT_EQ(sends[0].json_body["msgKey"], "sampleText");
    EXPECT_THAT(sends[0].json_body.value("msgParam", ""), HasSubstr("线索 42"));
    // The picture is named in the reader's language (the bot's default here), not dropped.
    EXPECT_EQ(sends[1].json_body["msgKey"], "sampleText");
    EXPECT_EQ(json::parse(sends[1].json_body.value("msgParam", "{}")).value("content", ""),
              "[文件：metrics.png，此处无法显示]");
    EXPECT_EQ(log.count("metrics.png"), 1);
    EXPECT_EQ(log.count("40004"), 1);
    EXPECT_EQ(log.count("token-1"), 0);  // the access token in the upload URL is not logged
}

TEST(DingTalkCardsOff, WithoutATemplateTheConnectorShowsNoButtons) {
    FakeDingTalk fake;
    core::FakeClock clock{core::from_millis(kNow)};
    DingTalkSettings s;
    s.client_id = kClientId;
    s.client_secret = core::Secret("DINGTALK_CLIENT_SECRET", kClientSecret);
    s.api_url = fake.url();
    s.gateway_url = fake.url();
    connectors::ConnectorContext context;
    context.clock = &clock;
    auto connector = connectors::dingtalk::make_dingtalk(std::move(s), context);
    EXPECT_FALSE(connector->shows_actions());
}

}  // namespace
}  // namespace twintrack::dingtalk_test
