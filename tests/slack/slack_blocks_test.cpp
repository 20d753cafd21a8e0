// Buttons and menus as Slack Block Kit, and clicks read from `block_actions` payloads
// shaped as Slack's documentation shows them.

#include "connectors/slack/slack_blocks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/text.hpp"

namespace twintrack::slack_test {
namespace {

using connectors::slack::action_blocks;
using connectors::slack::read_block_actions;
using connectors::slack::text_blocks;
using json = nlohmann::json;

core::Action button(const std::string& label, const std::string& token,
                    const std::string& style = "", const std::string& confirm = "") {
    core::Action a;
    a.label = label;
    a.token = token;
    a.style = style;
    a.confirm = confirm;
    if (!confirm.empty()) {
        a.confirm_yes = "Yes";
        a.confirm_no = "No";
    }
    a.typed = "approve 7";
    return a;
}

core::Action menu(const std::string& label, std::size_t options, std::size_t token_len = 40) {
    core::Action a;
    a.kind = "menu";
    a.label = label;
    for (std::size_t i = 0; i < options; ++i) {
        a.options.push_back({"Option " + std::to_string(i + 1),
                             std::string(token_len, 'a' + i % 26),
                             "vote " + std::to_string(i + 1)});
    }
    return a;
}

TEST(SlackBlocks, ButtonsCarryTheirTokenStyleAndConfirmation) {
    const auto blocks = action_blocks(
        "*Announcement 7* waits for approval",
        {button("Approve", "tok-approve", "primary"),
         button("Ask for changes", "tok-changes", "danger", "Send it back to 王芳?")});
    ASSERT_TRUE(blocks);
    ASSERT_EQ(blocks->size(), 2u);
    EXPECT_EQ((*blocks)[0]["type"], "section");
    EXPECT_EQ((*blocks)[0]["text"]["type"], "mrkdwn");
    EXPECT_EQ((*blocks)[0]["text"]["text"], "*Announcement 7* waits for approval");
    const json& elements = (*blocks)[1]["elements"];
    EXPECT_EQ((*blocks)[1]["type"], "actions");
    ASSERT_EQ(elements.size(), 2u);
    EXPECT_EQ(elements[0]["type"], "button");
    EXPECT_EQ(elements[0]["text"]["text"], "Approve");
    EXPECT_EQ(elements[0]["value"], "tok-approve");
    EXPECT_EQ(elements[0]["style"], "primary");
    EXPECT_FALSE(elements[0].contains("confirm"));
    EXPECT_NE(elements[0]["action_id"], elements[1]["action_id"]);  // unique per message
    EXPECT_EQ(elements[1]["style"], "danger");
    EXPECT_EQ(elements[1]["confirm"]["text"]["text"], "Send it back to 王芳?");
    EXPECT_EQ(elements[1]["confirm"]["confirm"]["text"], "Yes");
    EXPECT_EQ(elements[1]["confirm"]["deny"]["text"], "No");
}

TEST(SlackBlocks, AMenuIsAStaticSelectWhoseOptionsCarryTheTokens) {
    const auto blocks = action_blocks("Which date suits you?", {menu("Pick a date", 3)});
    ASSERT_TRUE(blocks);
    const json& select = (*blocks)[1]["elements"][0];
    EXPECT_EQ(select["type"], "static_select");
    EXPECT_EQ(select["placeholder"]["text"], "Pick a date");
    ASSERT_EQ(select["options"].size(), 3u);
    EXPECT_EQ(select["options"][1]["text"]["text"], "Option 2");
    EXPECT_EQ(select["options"][1]["value"], std::string(40, 'b'));
}

TEST(SlackBlocks, WhatSlackWouldRefuseFallsBackToTypedChoices) {
    struct Case {
        const char* what;
        std::vector<core::Action> actions;
        bool shown;
    };
    std::vector<core::Action> many_buttons;
    for (int i = 0; i < 30; ++i) many_buttons.push_back(button("B", "t" + std::to_string(i)));
    std::vector<core::Action> too_many_blocks;
    for (int i = 0; i < 25 * 50; ++i) too_many_blocks.push_back(button("B", "t"));
    const Case cases[] = {
        {"100 menu choices fit", {menu("m", 100)}, true},
        {"101 menu choices do not", {menu("m", 101)}, false},
        {"an option token of 150 characters fits", {menu("m", 2, 150)}, true},
        {"an option token of 151 does not", {menu("m", 2, 151)}, false},
        {"a button token of 2,000 fits", {button("b", std::string(2000, 'x'))}, true},
        {"a button token of 2,001 does not", {button("b", std::string(2001, 'x'))}, false},
        {"a button without a token is not shown", {button("b", "")}, false},
        {"30 buttons", many_buttons, true},
        {"more than 50 blocks", too_many_blocks, false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(action_blocks("text", c.actions).has_value(), c.shown);
    }
    // 30 buttons go into two actions blocks: 25, then 5.
    const auto blocks = action_blocks("text", many_buttons);
    ASSERT_TRUE(blocks);
    ASSERT_EQ(blocks->size(), 3u);
    EXPECT_EQ((*blocks)[1]["elements"].size(), 25u);
    EXPECT_EQ((*blocks)[2]["elements"].size(), 5u);
    EXPECT_NE((*blocks)[1]["block_id"], (*blocks)[2]["block_id"]);
}

TEST(SlackBlocks, LongLabelsAreCutOnACharacterWithAMark) {
    std::string label;
    for (int i = 0; i < 80; ++i) label += "批";
    const auto blocks = action_blocks("text", {button(label, "t")});
    ASSERT_TRUE(blocks);
    const std::string shown = (*blocks)[1]["elements"][0]["text"]["text"];
    EXPECT_TRUE(core::valid_utf8(shown));
    EXPECT_EQ(core::utf8_length(shown), 75u);
    EXPECT_EQ(shown.substr(shown.size() - 3), "\u2026");
}

TEST(SlackBlocks, LongTextIsSplitIntoSectionsAndNothingIsLost) {
    std::string text;
    for (int i = 0; i < 700; ++i) text += "第" + std::to_string(i) + "行：客户说中兴报价低\n";
    ASSERT_GT(core::utf8_length(text), 6000u);
    const json blocks = text_blocks(text);
    ASSERT_GE(blocks.size(), 3u);
    // Sections are cut by characters, not bytes (a Chinese character is 3 bytes), and at
    // line ends in their second half.
    EXPECT_LE(blocks.size(), core::utf8_length(text) / 1500 + 1);
    std::string joined;
    for (const auto& b : blocks) {
        const std::string piece = b["text"]["text"];
        EXPECT_LE(core::utf8_length(piece), 3000u);
        EXPECT_TRUE(core::valid_utf8(piece));
        joined += piece;
    }
    EXPECT_EQ(joined, text);
}

// A `block_actions` payload as Slack documents it (trimmed to what the bot reads).
json click_payload(const json& action, const std::string& channel = "C0LAN2Q65") {
    return json::parse(R"({
      "type": "block_actions",
      "team": {"id": "T9TK3CUKW", "domain": "example"},
      "user": {"id": "UA8RXUSPL", "username": "anna", "team_id": "T9TK3CUKW"},
      "api_app_id": "AABA1ABCD",
      "container": {"type": "message", "message_ts": "1548261231.000200",
                    "channel_id": "CHANNEL", "is_ephemeral": false,
                    "thread_ts": "1548261200.000100"},
      "trigger_id": "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
      "channel": {"id": "CHANNEL", "name": "joint"},
      "message": {"type": "message", "ts": "1548261231.000200", "text": "Approve?"},
      "response_url": "https://hooks.slack.com/actions/T9TK3CUKW/1/abc",
      "actions": []
    })")
        .patch(json::array(
            {{{"op", "replace"}, {"path", "/actions"}, {"value", {action}}},
             {{"op", "replace"}, {"path", "/channel/id"}, {"value", channel}},
             {{"op", "replace"}, {"path", "/container/channel_id"}, {"value", channel}}}));
}

TEST(SlackBlocks, AButtonClickCarriesItsTokenClickerAndMessage) {
    const auto clicks = read_block_actions(
        click_payload({{"action_id", "tt-0"},
                       {"block_id", "tt-actions-1"},
                       {"type", "button"},
                       {"value", "v1.7.0.*.1765000000000.abc"},
                       {"action_ts", "1548426417.840180"},
                       {"text", {{"type", "plain_text"}, {"text", "Approve"}}}}));
    ASSERT_EQ(clicks.size(), 1u);
    EXPECT_EQ(clicks[0].user, "UA8RXUSPL");
    EXPECT_EQ(clicks[0].channel, "C0LAN2Q65");
    EXPECT_EQ(clicks[0].message_ts, "1548261231.000200");
    EXPECT_EQ(clicks[0].thread_ts, "1548261200.000100");
    EXPECT_EQ(clicks[0].action_ts, "1548426417.840180");
    EXPECT_EQ(clicks[0].token, "v1.7.0.*.1765000000000.abc");
    EXPECT_FALSE(clicks[0].direct);
}

TEST(SlackBlocks, AMenuChoiceCarriesTheChosenOptionsToken) {
    const auto clicks = read_block_actions(click_payload(
        {{"action_id", "tt-0"},
         {"type", "static_select"},
         {"action_ts", "1548426417.840181"},
         {"selected_option",
          {{"text", {{"type", "plain_text"}, {"text", "Fri 12 Dec"}}}, {"value", "tok-2"}}}},
        "D024BE91L"));
    ASSERT_EQ(clicks.size(), 1u);
    EXPECT_EQ(clicks[0].token, "tok-2");
    EXPECT_TRUE(clicks[0].direct);
}

TEST(SlackBlocks, OtherPayloadsAndIncompleteClicksGiveNothing) {
    json no_value = click_payload({{"type", "button"}, {"action_ts", "1.2"}});
    json no_user = click_payload({{"type", "button"}, {"value", "t"}, {"action_ts", "1.2"}});
    no_user.erase("user");
    json submission = click_payload({{"type", "button"}, {"value", "t"}, {"action_ts", "1.2"}});
    submission["type"] = "view_submission";
    json actions_not_array = click_payload({});
    actions_not_array["actions"] = "x";
    const std::pair<const char*, json> cases[] = {
        {"a button without a value", no_value}, {"no user", no_user},
        {"a view submission", submission},      {"actions not an array", actions_not_array},
        {"not an object", json::array()},
    };
    for (const auto& [what, payload] : cases) {
        SCOPED_TRACE(what);
        EXPECT_TRUE(read_block_actions(payload).empty());
    }
}

}  // namespace
}  // namespace twintrack::slack_test
