// Buttons and menus as Feishu / Lark interactive cards, and clicks read from
// `card.action.trigger` events shaped as the official SDK's model declares them.

#include "connectors/feishu/feishu_cards.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/text.hpp"
#include "tests/support/sample_actions.hpp"

namespace twintrack::feishu_test {
namespace {

using connectors::feishu::action_card;
using connectors::feishu::read_card_action;
using connectors::feishu::text_card;
using json = nlohmann::json;

std::vector<core::Action> approval_and_vote() {
    auto actions = test_support::sample_actions();
    actions[0].label = "批准";
    actions[1].confirm = "退回给王芳？";
    actions[2].label = "选择日期";
    actions[2].options[1].label = "12月13日 周六";
    core::Action no_token;
    no_token.label = "never shown";
    actions.push_back(no_token);
    return actions;
}

TEST(FeishuCards, ACardShowsTheTextThenButtonsAndMenusWithTheirTokens) {
    const json card = action_card("公告 7 等待批准 <b>not markup</b>", approval_and_vote());
    EXPECT_EQ(card["config"]["update_multi"], true);  // an update shows to the whole chat
    const json& elements = card["elements"];
    ASSERT_EQ(elements.size(), 2u);
    EXPECT_EQ(elements[0]["tag"], "div");
    EXPECT_EQ(elements[0]["text"]["tag"], "plain_text");
    EXPECT_EQ(elements[0]["text"]["content"], "公告 7 等待批准 <b>not markup</b>");
    EXPECT_EQ(elements[1]["tag"], "action");
    const json& row = elements[1]["actions"];
    ASSERT_EQ(row.size(), 3u);  // the action without a token is left out
    EXPECT_EQ(row[0]["tag"], "button");
    EXPECT_EQ(row[0]["text"]["content"], "批准");
    EXPECT_EQ(row[0]["type"], "primary");
    EXPECT_EQ(row[0]["value"], json({{"tt", "tok-approve"}}));
    EXPECT_FALSE(row[0].contains("confirm"));
    EXPECT_EQ(row[1]["type"], "danger");
    EXPECT_EQ(row[1]["confirm"]["text"]["content"], "退回给王芳？");
    EXPECT_EQ(row[2]["tag"], "select_static");
    EXPECT_EQ(row[2]["placeholder"]["content"], "选择日期");
    ASSERT_EQ(row[2]["options"].size(), 2u);
    EXPECT_EQ(row[2]["options"][1]["value"], "tok-d2");
    EXPECT_EQ(row[2]["options"][1]["text"]["content"], "12月13日 周六");
}

TEST(FeishuCards, ASettledCardKeepsOnlyTheOutcome) {
    const json card = text_card("已由 王芳 于 10:42 批准");
    ASSERT_EQ(card["elements"].size(), 1u);
    EXPECT_EQ(card["elements"][0]["text"]["content"], "已由 王芳 于 10:42 批准");
    EXPECT_EQ(action_card("no actions", {})["elements"].size(), 1u);
}

TEST(FeishuCards, ACardIsOnlyMadeWhenFeishuCanCarryIt) {
    const auto card = connectors::feishu::card_for("公告 7", approval_and_vote());
    ASSERT_TRUE(card);
    EXPECT_EQ(*card, action_card("公告 7", approval_and_vote()));
    core::Action no_token;
    no_token.label = "批准";
    EXPECT_FALSE(connectors::feishu::card_for("公告 7", {no_token}));
    core::Action menu;
    menu.kind = "menu";
    menu.label = "选择日期";
    for (int i = 0; i < 400; ++i) {
        menu.options.push_back({std::string(60, 'x'), "tok-" + std::to_string(i), ""});
    }
    EXPECT_FALSE(connectors::feishu::card_for("公告 7", {menu}));  // over 28 KB
}

TEST(FeishuCards, ASettledCardTooLongForFeishuIsCutOnACharacterBoundary) {
    // Quotes and newlines double in JSON; Chinese takes three bytes a character.
    const std::string text = std::string(20000, '"') + std::string(12000, '\n') + "批准批准批准";
    const json card = text_card(text);
    EXPECT_LE(card.dump().size(), connectors::feishu::card_max_bytes);
    const std::string kept = card["elements"][0]["text"]["content"];
    EXPECT_GT(kept.size(), 10000u);
    EXPECT_EQ(text.compare(0, kept.size(), kept), 0);
    EXPECT_TRUE(core::valid_utf8(kept));
    const std::string short_text = "周强 已于 10:42 批准";
    EXPECT_EQ(text_card(short_text)["elements"][0]["text"]["content"], short_text);
}

// The `event` of a schema 2.0 card.action.trigger callback.
json click(const json& action) {
    return {{"operator", {{"tenant_key", "736588c9260f175e"}, {"open_id", "ou_84aad35d084aa403"}}},
            {"token", "c-295ee57216a5dc9de90fefd0aadb4b1d7d337a"},
            {"action", action},
            {"host", "im_message"},
            {"context", {{"open_message_id", "om_x100b5a1c"}, {"open_chat_id", "oc_5ce6d572"}}}};
}

TEST(FeishuCards, AButtonClickCarriesItsTokenOperatorAndMessage) {
    const auto c = read_card_action(click({{"tag", "button"}, {"value", {{"tt", "tok-approve"}}}}));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->open_id, "ou_84aad35d084aa403");
    EXPECT_EQ(c->message_id, "om_x100b5a1c");
    EXPECT_EQ(c->chat_id, "oc_5ce6d572");
    EXPECT_EQ(c->token, "tok-approve");
}

TEST(FeishuCards, AMenuChoiceCarriesTheChosenOption) {
    const auto c = read_card_action(click({{"tag", "select_static"}, {"option", "tok-d2"}}));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->token, "tok-d2");
}

TEST(FeishuCards, IncompleteClicksAreIgnored) {
    json no_operator = click({{"tag", "button"}, {"value", {{"tt", "t"}}}});
    no_operator.erase("operator");
    json no_message = click({{"tag", "button"}, {"value", {{"tt", "t"}}}});
    no_message["context"].erase("open_message_id");
    const std::pair<const char*, json> cases[] = {
        {"a value of another shape", click({{"tag", "button"}, {"value", "tok"}})},
        {"a value without tt", click({{"tag", "button"}, {"value", {{"k", "v"}}}})},
        {"no operator", no_operator},
        {"no message", no_message},
        {"not an object", json::array()},
    };
    for (const auto& [what, event] : cases) {
        SCOPED_TRACE(what);
        EXPECT_FALSE(read_card_action(event));
    }
}

}  // namespace
}  // namespace twintrack::feishu_test
