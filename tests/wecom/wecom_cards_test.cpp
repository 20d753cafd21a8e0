// The pure parts of WeCom's buttons and quota: a post's actions as a button_interaction
// template card within WeCom's limits, the card that replaces a settled one, task ids,
// the click callback's fields, the response codes kept per card, and the app's daily
// quota by China's day.

#include "connectors/wecom/wecom_cards.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "connectors/wecom/send_pacer.hpp"
#include "core/text.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::wecom_test {
namespace {

using namespace connectors::wecom;
using ::testing::HasSubstr;
using json = nlohmann::json;

core::Action button(const std::string& label, const std::string& style, const std::string& token) {
    core::Action a;
    a.label = label;
    a.style = style;
    a.token = token;
    a.typed = "approve 7";
    return a;
}

core::Post approval_post() {
    core::Post post;
    post.to = {"wecom", "@zhouqiang", ""};
    post.text = "公告 #7 等你批准\n“TwinTrack 的一线报告现已支持微信。”";
    post.actions = {button("批准", "primary", "v1.7.0.5.1795900000000.aa"),
                    button("退回修改", "", "v1.7.1.5.1795900000000.bb")};
    post.actions_text = "请输入以下命令之一来回复：\n1. 批准：批准 7\n2. 退回修改：退回修改 7 原因";
    return post;
}

TEST(WecomCards, ButtonsBecomeAButtonInteractionCardWithTheirTokensAsKeys) {
    const auto card = button_card(approval_post(), "tt1_abc");
    ASSERT_TRUE(card);
    EXPECT_EQ((*card)["card_type"], "button_interaction");
    EXPECT_EQ((*card)["task_id"], "tt1_abc");
    EXPECT_EQ((*card)["main_title"]["title"], "公告 #7 等你批准");
    EXPECT_EQ((*card)["sub_title_text"], "“TwinTrack 的一线报告现已支持微信。”");
    const json& buttons = (*card)["button_list"];
    ASSERT_EQ(buttons.size(), 2u);
    EXPECT_EQ(buttons[0]["text"], "批准");
    EXPECT_EQ(buttons[0]["style"], 1);
    EXPECT_EQ(buttons[0]["key"], "v1.7.0.5.1795900000000.aa");
    EXPECT_EQ(buttons[1]["style"], 2);
    EXPECT_EQ(buttons[1]["key"], "v1.7.1.5.1795900000000.bb");
}

TEST(WecomCards, ALongFirstLineIsShortenedAndTheWholeTextShown) {
    core::Post post = approval_post();
    post.text = std::string(50, 'x');
    const auto card = button_card(post, "tt1_abc");
    ASSERT_TRUE(card);
    EXPECT_EQ((*card)["main_title"]["title"], std::string(35, 'x') + "…");
    EXPECT_EQ((*card)["sub_title_text"], post.text);
}

TEST(WecomCards, WhatDoesNotFitACardIsRefused) {
    struct Case {
        std::string name;
        std::function<void(core::Post&, std::string&)> change;
    };
    const std::vector<Case> cases = {
        {"seven buttons",
         [](core::Post& p, std::string&) {
             while (p.actions.size() < 7) p.actions.push_back(p.actions[0]);
         }},
        {"a menu",
         [](core::Post& p, std::string&) {
             core::Action menu;
             menu.kind = "menu";
             menu.label = "选择日期";
             menu.options = {{"12月8日", "v1.tok", "vote 3 2026-12-08"}};
             p.actions.push_back(menu);
         }},
        {"a key over 1024 bytes",
         [](core::Post& p, std::string&) { p.actions[0].token = std::string(1025, 'k'); }},
        {"a text over 160 characters",
         [](core::Post& p, std::string&) {
             p.text = "标题\n";
             for (int i = 0; i < 161; ++i) p.text += "字";
         }},
        {"no text", [](core::Post& p, std::string&) { p.text = "  "; }},
        {"no buttons", [](core::Post& p, std::string&) { p.actions.clear(); }},
        {"a task id with a space", [](core::Post&, std::string& id) { id = "tt 1"; }},
        {"a task id over 128 bytes",
         [](core::Post&, std::string& id) { id = std::string(129, 'a'); }},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        core::Post post = approval_post();
        std::string id = "tt1_abc";
        c.change(post, id);
        EXPECT_FALSE(button_card(post, id));
    }
    // Exactly at the limits it fits.
    core::Post six = approval_post();
    while (six.actions.size() < 6) six.actions.push_back(six.actions[0]);
    six.actions[0].token = std::string(1024, 'k');
    EXPECT_TRUE(button_card(six, std::string(128, 'a')));
}

TEST(WecomCards, ASettledCardShowsTheOutcomeInsteadOfTheButtons) {
    const json card = settled_card(
        "公告 #7 等你批准\n“TwinTrack 的一线报告现已支持微信。”\n周强 已于 10:42 批准", "tt1_abc");
    EXPECT_EQ(card["card_type"], "button_interaction");
    EXPECT_EQ(card["task_id"], "tt1_abc");
    EXPECT_EQ(card["main_title"]["title"], "公告 #7 等你批准");
    EXPECT_THAT(card["sub_title_text"].get<std::string>(), HasSubstr("周强 已于 10:42 批准"));
    EXPECT_EQ(card["replace_text"], "周强 已于 10:42 批准");
    // A long text keeps its outcome line whole.
    std::string long_text = "标题\n";
    for (int i = 0; i < 300; ++i) long_text += "字";
    const json shortened = settled_card(long_text + "\nApproved by Max Manager at 10:42", "t");
    const std::string sub = shortened["sub_title_text"];
    EXPECT_THAT(sub, HasSubstr("…\nApproved by Max Manager at 10:42"));
    EXPECT_LE(core::utf8_length(sub), max_card_text_chars);
}

TEST(WecomCards, TaskIdsAreUniqueAndOfWecomsAlphabet) {
    const core::Timestamp now = core::from_millis(1796000000000LL);
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
        const std::string id = new_task_id(now);
        EXPECT_TRUE(valid_task_id(id)) << id;
        ids.insert(id);
    }
    EXPECT_EQ(ids.size(), 1000u);
    EXPECT_FALSE(valid_task_id(""));
    EXPECT_FALSE(valid_task_id("a/b"));
    EXPECT_TRUE(valid_task_id("a-b_c@d"));
}

TEST(WecomCards, AClickIsReadFromTheCallbackFields) {
    XmlFields f = {{"MsgType", "event"},          {"Event", "template_card_event"},
                   {"FromUserName", "zhouqiang"}, {"EventKey", "v1.tok"},
                   {"TaskId", "tt1_abc"},         {"CardType", "button_interaction"},
                   {"ResponseCode", "rc-1"},      {"CreateTime", "1796000000"}};
    const auto click = read_card_click(f);
    ASSERT_TRUE(click);
    EXPECT_EQ(click->user, "zhouqiang");
    EXPECT_EQ(click->key, "v1.tok");
    EXPECT_EQ(click->task_id, "tt1_abc");
    EXPECT_EQ(click->response_code, "rc-1");
    for (const char* missing : {"FromUserName", "EventKey", "TaskId"}) {
        SCOPED_TRACE(missing);
        XmlFields g = f;
        g.erase(missing);
        EXPECT_FALSE(read_card_click(g));
    }
    XmlFields other = f;
    other["Event"] = "template_card_menu_event";
    EXPECT_FALSE(read_card_click(other));
    XmlFields bad_task = f;
    bad_task["TaskId"] = "../etc";
    EXPECT_FALSE(read_card_click(bad_task));
}

TEST(WecomCards, ResponseCodesKeepTheLatestPerCardWithinTheirCapacity) {
    ResponseCodes codes(2);
    codes.put("a", "1");
    codes.put("a", "2");  // a click after the send: its code replaces the send's
    EXPECT_EQ(codes.get("a"), "2");
    codes.put("b", "3");
    codes.put("c", "4");  // over capacity: the oldest card is forgotten
    EXPECT_EQ(codes.get("a"), "");
    EXPECT_EQ(codes.get("c"), "4");
    codes.drop("c");
    EXPECT_EQ(codes.get("c"), "");
    EXPECT_LE(codes.size(), 2u);
    // A card whose code was used gets a new one (a later click): it is the newest now.
    codes.put("c", "5");
    codes.put("d", "6");
    EXPECT_EQ(codes.get("c"), "5");
    EXPECT_EQ(codes.get("b"), "");
}

TEST(WecomCards, ResponseCodesInTheirFileSurviveARestartWithinTheirCapacity) {
    test_support::TempDir dir;
    const std::string file = dir.path() + "/wecom-wecom.card-codes";
    {
        ResponseCodes codes(2, file);
        codes.put("tt1_a", "code-a");
        codes.put("tt1_b", "code-b1");
        codes.put("tt1_b", "code-b2");  // a click's newer code
        codes.put("tt1_c", "code-c");   // over capacity: tt1_a is forgotten
        codes.drop("tt1_c");            // used
    }
    ResponseCodes again(2, file);
    EXPECT_EQ(again.get("tt1_a"), "");
    EXPECT_EQ(again.get("tt1_b"), "code-b2");
    EXPECT_EQ(again.get("tt1_c"), "");
    EXPECT_EQ(again.size(), 1u);
    // A damaged file: the lines that read are kept, the others skipped.
    {
        std::ofstream out(file, std::ios::trunc);
        out << "tt1_d code-d\n../etc code-x\nno-code-here\ntt1_e code-e\n";
    }
    ResponseCodes damaged(10, file);
    EXPECT_EQ(damaged.get("tt1_d"), "code-d");
    EXPECT_EQ(damaged.get("tt1_e"), "code-e");
    EXPECT_EQ(damaged.size(), 2u);
    // A smaller capacity keeps the newest.
    ResponseCodes smaller(1, file);
    EXPECT_EQ(smaller.get("tt1_d"), "");
    EXPECT_EQ(smaller.get("tt1_e"), "code-e");
}

TEST(WecomQuota, TheDailyQuotaFollowsChinasDayAndSurvivesARestart) {
    test_support::TempDir dir;
    const std::string file = dir.path() + "/quota";
    // 2026-12-07 15:59:59 UTC = 23:59:59 in Beijing.
    const core::Timestamp before_midnight = core::from_millis(1796659199000LL);
    {
        DailyBudget quota(3, file);
        EXPECT_TRUE(quota.reserve(2, before_midnight));
        EXPECT_FALSE(quota.reserve(2, before_midnight));  // 4 > 3: nothing counted
        EXPECT_TRUE(quota.reserve(1, before_midnight));
        EXPECT_FALSE(quota.reserve(1, before_midnight));
    }
    DailyBudget again(3, file);
    EXPECT_EQ(again.used(before_midnight), 3u);
    EXPECT_FALSE(again.reserve(1, before_midnight));
    const core::Timestamp midnight = DailyBudget::next_day(before_midnight);
    EXPECT_EQ(core::to_millis(midnight), 1796659200000LL);  // 16:00 UTC
    EXPECT_TRUE(again.reserve(3, midnight));
}

}  // namespace
}  // namespace twintrack::wecom_test
