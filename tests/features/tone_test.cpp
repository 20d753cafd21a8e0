// Shared tone end to end through TestBot: tone check in both languages, announcements
// with the two-department approval state machine (roles, approving twice, edits that
// reset approval, tone errors that block, scheduled posting), and the draft watch.

#include "bot/features/tone/tone.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/features/tone/store/announcements_store.hpp"
#include "tests/features/feature_test_helpers.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

/// The tone feature's own tables on the bot's store (bot/features/tone/store/).
using AnnouncementTable = store::tone::AnnouncementRepository;

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;

bot::BotSettings tone_settings() {
    bot::BotSettings s;
    s.features.edit<bot::tone::ToneSettings>().watch_channels = {"drafts", "test:copy"};
    return s;
}

class ToneTest : public ::testing::Test {
  protected:
    ToneTest() : bot(TestBot::default_start(), tone_settings()) {
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"max", "Max Manager", "marketing", "manager", "Europe/Berlin"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"sue", "Sue Boss", "sales", "manager", "Asia/Shanghai"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"zhou", "周强", "sales", "manager", "Asia/Shanghai", "zh-CN"});
        bot.add({"hana", "Hana HR", "hr", "manager", "Asia/Shanghai"});
        bot.add({"root", "Ada Admin", "management", "admin", "Europe/Berlin"});
        auto& tracks = bot.store().channel_tracks();
        tracks.upsert({"test", "mkt", "marketing"}, 1);
        tracks.upsert({"test", "sales-room", "sales"}, 1);
        tracks.upsert({"test", "joint-room", "joint"}, 1);
    }

    /// What `who` is answered in their direct conversation (not the others' messages).
    std::vector<std::string> say(const std::string& who, const std::string& text) {
        return to(say_posts(bot, who, text), "@" + who);
    }

    /// Drafts announcement #1 as Mia and returns the reply.
    std::string draft(const std::string& extra = "") {
        const auto r =
            say("mia",
                "announce draft \"TwinTrack reports now cover WeChat.\" campaign=Spring" + extra);
        EXPECT_THAT(r, SizeIs(1));
        return r.empty() ? "" : r[0];
    }

    TestBot bot;
};

TEST_F(ToneTest, ToneCheckListsFindingsAndAppliesSubstitutionsInBothLanguages) {
    struct Case {
        const char* name;
        const char* who;
        const char* text;
        std::vector<const char*> expected;
    };
    const std::vector<Case> cases = {
        {"english",
         "mia",
         "tone check Twin Track is a revolutionary tool for sales guys!! Try it!",
         {"4 finding(s)", "[error] line 1: Write 'TwinTrack', not 'Twin Track'.",
          "Suggested: TwinTrack", "[error] line 1: Drop the hype: 'revolutionary'.",
          "[warning] line 1: Use 'sales reps' instead of 'sales guys'.",
          "With our terms applied:\nTwinTrack is a revolutionary tool for sales reps!! Try it!"}},
        {"english, two exclamation marks",
         "mia",
         "tone check Good news! Our launch is next week!",
         {"1 finding(s)", "[warning] line 1: Use at most one exclamation mark (found 2)."}},
        {"chinese",
         "wang",
         "基调检查 我们的行销方案遥遥领先，请提交竞品情报。",
         {"发现 3 处问题", "[错误] 第 1 行", "请避免夸大用语：“遥遥领先”。", "[警告]",
          "请用“营销”代替“行销”。", "建议改为：竞争情报",
          "替换为规范用语后：\n我们的营销方案遥遥领先，请提交竞争情报。"}},
        {"clean english",
         "mia",
         "tone check The spring launch starts on Monday.",
         {"No findings: the text follows the tone guide."}},
        {"clean chinese", "wang", "基调检查 市场部和销售部下周一起开联席会议。", {"没有发现问题"}},
        {"no text", "mia", "tone check", {"Usage: tone check TEXT"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto r = say(c.who, c.text);
        ASSERT_THAT(r, SizeIs(1));
        for (const char* e : c.expected) EXPECT_THAT(r[0], HasSubstr(e));
    }
}

// `tone check` is declared: its text is the rest of the line as typed ("=" in it is the
// text's), a missing text is answered by the parser in the writer's language.
TEST_F(ToneTest, ToneCheckIsDeclared) {
    EXPECT_THAT(bot.say("mia", "tone check"),
                ElementsAre(AllOf(HasSubstr("tone check needs TEXT."),
                                  HasSubstr("Usage: tone check TEXT"))));
    EXPECT_THAT(bot.say("wang", "基调检查"), ElementsAre(HasSubstr("基调检查需要文本。")));
    const auto checked = bot.say("mia", "tone check price=low, free trial");
    ASSERT_THAT(checked, SizeIs(1));
    EXPECT_THAT(checked[0], Not(HasSubstr("is not an option")));
    EXPECT_THAT(bot.say("wang", "帮助 基调检查"), ElementsAre(HasSubstr("基调检查 文本")));
}

TEST_F(ToneTest, DraftRendersBothVariantsLintsThemAndAsksBothManagers) {
    const auto posts = say_posts(bot, "mia",
                                 "announce draft \"TwinTrack reports now cover WeChat.\" "
                                 "campaign=\"Spring launch\"");
    const auto reply = to(posts, "@mia");
    ASSERT_THAT(reply, SizeIs(1));
    EXPECT_THAT(reply[0], HasSubstr("Announcement #1 by Mia Marketer (draft, waiting for "
                                    "approval), lead: Marketing, campaign: Spring launch"));
    EXPECT_THAT(reply[0], HasSubstr("Key message: TwinTrack reports now cover WeChat."));
    EXPECT_THAT(reply[0], HasSubstr("Marketing variant:\nTwinTrack reports now cover WeChat.\n"
                                    "Campaign: Spring launch."));
    EXPECT_THAT(reply[0], HasSubstr("Sales variant:\nTalk track for customers: TwinTrack"));
    EXPECT_THAT(reply[0], HasSubstr("The tone guide has no findings."));
    EXPECT_THAT(reply[0], HasSubstr("Marketing (lead): waiting; Sales: waiting."));
    EXPECT_THAT(to(posts, "@max"), ElementsAre(HasSubstr("Mia Marketer drafted announcement #1")));
    EXPECT_THAT(to(posts, "@sue"), ElementsAre(HasSubstr("approve 1")));
    EXPECT_THAT(to(posts, "@zhou"), ElementsAre(HasSubstr("起草了公告 #1")));
    EXPECT_THAT(to(posts, "@hana"), IsEmpty());
    const auto a = AnnouncementTable(bot.store().db()).get(1);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->lead, "marketing");
    EXPECT_EQ(a->status, "draft");
}

TEST_F(ToneTest, BothDepartmentsApproveThenEachTrackGetsItsVariant) {
    draft();
    EXPECT_THAT(say("sam", "approve 1"),
                ElementsAre(HasSubstr("Only the managers of marketing and sales approve")));
    EXPECT_THAT(say("hana", "approve 1"), ElementsAre(HasSubstr("Only the managers")));
    EXPECT_THAT(say("root", "approve 1"), ElementsAre(HasSubstr("Only the managers")));
    EXPECT_THAT(say("max", "approve 1"),
                ElementsAre("Approved announcement #1 for Marketing. It now waits for Sales."));
    EXPECT_THAT(say("max", "approve 1"),
                ElementsAre(HasSubstr("You already approved announcement #1 for Marketing.")));
    EXPECT_THAT(to(bot.all_posts(), "mkt"), IsEmpty());
    const auto posts = say_posts(bot, "sue", "approve 1");
    EXPECT_THAT(to(posts, "@sue"),
                ElementsAre("Both departments approved announcement #1. Posted to 3 channel(s)."));
    EXPECT_THAT(to(posts, "mkt"), ElementsAre(AllOf(HasSubstr("TwinTrack reports now cover"),
                                                    HasSubstr("Campaign: Spring."))));
    EXPECT_THAT(to(posts, "sales-room"),
                ElementsAre(HasSubstr("Talk track for customers: TwinTrack reports")));
    EXPECT_THAT(to(posts, "joint-room"),
                ElementsAre("Key message (Spring): TwinTrack reports now cover WeChat."));
    EXPECT_THAT(to(posts, "@mia"), ElementsAre(HasSubstr("posted to 3 channel(s)")));
    EXPECT_THAT(say("zhou", "approve 1"), ElementsAre(HasSubstr("已经发布")));
    const auto card = say("mia", "announce 1");
    ASSERT_THAT(card, SizeIs(1));
    EXPECT_THAT(card[0], HasSubstr("(posted)"));
    EXPECT_THAT(card[0], HasSubstr("Marketing (lead): approved by Max Manager; Sales: approved "
                                   "by Sue Boss."));
    EXPECT_THAT(card[0], HasSubstr("Mia Marketer: drafted"));
    EXPECT_THAT(card[0], HasSubstr("Max Manager: approved"));
    EXPECT_THAT(card[0], HasSubstr(": posted"));
    EXPECT_EQ(AnnouncementTable(bot.store().db()).history(1).size(), 4u);
}

TEST_F(ToneTest, AnotherManagerOfTheSameDepartmentCannotApproveAgain) {
    bot.add({"mo", "Mo Manager", "marketing", "manager", "Europe/Berlin"});
    draft();
    say("max", "approve 1");
    EXPECT_THAT(say("mo", "approve 1"),
                ElementsAre(HasSubstr("Max Manager already approved announcement #1 for "
                                      "Marketing.")));
}

TEST_F(ToneTest, EditingAfterApprovalResetsIt) {
    draft();
    say("max", "approve 1");
    const auto edited = say("mia",
                            "announce edit 1 sales Tell customers TwinTrack now "
                            "reads WeChat too.");
    ASSERT_THAT(edited, SizeIs(1));
    EXPECT_THAT(edited[0], HasSubstr("The Sales variant of announcement #1 is updated (version "
                                     "2). The approvals given before are reset"));
    EXPECT_THAT(edited[0], HasSubstr("Sales variant:\nTell customers TwinTrack now reads WeChat"));
    EXPECT_THAT(edited[0], HasSubstr("Marketing (lead): waiting; Sales: waiting."));
    EXPECT_THAT(say("sue", "approve 1"),
                ElementsAre("Approved announcement #1 for Sales. It now waits for Marketing."));
    EXPECT_THAT(to(bot.all_posts(), "mkt"), IsEmpty());
    const auto posts = say_posts(bot, "max", "approve 1");
    EXPECT_THAT(to(posts, "sales-room"),
                ElementsAre("Tell customers TwinTrack now reads WeChat too."));
}

TEST_F(ToneTest, WhoMayEditAndBadEdits) {
    draft();
    EXPECT_THAT(say("sam", "announce edit 1 marketing New text."),
                ElementsAre("Only the author, a Marketing manager or an admin can edit that "
                            "variant of announcement #1."));
    EXPECT_THAT(say("sue", "announce edit 1 sales Sue's own talk track."),
                ElementsAre(HasSubstr("The Sales variant of announcement #1 is updated")));
    EXPECT_THAT(say("mia", "announce edit 1 finance New text."),
                ElementsAre(HasSubstr("\"finance\" is not a variant.")));
    EXPECT_THAT(say("mia", "announce edit 1 sales"), ElementsAre(HasSubstr("Usage:")));
    EXPECT_THAT(say("mia", "announce edit x sales Text."),
                ElementsAre(HasSubstr("\"x\" is not an announcement number.")));
    EXPECT_THAT(say("mia", "announce edit 9 sales Text."),
                ElementsAre("There is no announcement #9."));
}

TEST_F(ToneTest, ToneErrorsBlockApprovalUntilFixed) {
    const auto r = say("mia", "announce draft \"Our revolutionary Twin Track release.\"");
    ASSERT_THAT(r, SizeIs(1));
    EXPECT_THAT(r[0], HasSubstr("key message [error]: Drop the hype: 'revolutionary'."));
    EXPECT_THAT(r[0], HasSubstr("Errors in the tone findings must be fixed"));
    EXPECT_THAT(say("max", "approve 1"),
                ElementsAre(HasSubstr("cannot be approved while the tone guide finds errors")));
    EXPECT_TRUE(AnnouncementTable(bot.store().db()).decisions(1).empty());
}

TEST_F(ToneTest, ChangesRequestReachesTheAuthor) {
    draft();
    EXPECT_THAT(say("sue", "changes 1"), ElementsAre(HasSubstr("Usage: changes ID NOTE")));
    EXPECT_THAT(say("sam", "changes 1 shorter please"), ElementsAre(HasSubstr("Only the")));
    const auto posts = say_posts(bot, "sue", "changes 1 Mention the WeChat demo");
    EXPECT_THAT(to(posts, "@sue"),
                ElementsAre("Noted: announcement #1 needs changes. The author has been told."));
    EXPECT_THAT(to(posts, "@mia"), ElementsAre("Sue Boss asked for changes to announcement #1: "
                                               "Mention the WeChat demo. Edit it with \"announce "
                                               "edit 1 marketing|sales TEXT\"."));
    // A full-width space between the number and the note works too.
    EXPECT_THAT(say("zhou", "退回修改 1\u3000请补充价格"), ElementsAre(HasSubstr("已记录")));
    EXPECT_THAT(to(bot.all_posts(), "@mia").back(), HasSubstr("周强 asked for changes to "
                                                              "announcement #1: 请补充价格."));
    EXPECT_THAT(say("mia", "announce 1")[0],
                HasSubstr("Sales: 周强 asked for changes: 请补充价格."));
}

// announce edit and changes are declared with a verbatim text (bot/args.hpp): the text is
// kept exactly as typed, quotes, spacing and "=" included.
TEST_F(ToneTest, EditsAndChangeNotesKeepTheTextExactlyAsTyped) {
    draft();
    say("mia", "announce edit 1 sales Say \"WeChat\"  twice:  a=b, “引号” too.");
    EXPECT_EQ(AnnouncementTable(bot.store().db()).get(1)->sales_text,
              "Say \"WeChat\"  twice:  a=b, “引号” too.");
    say("zhou", "退回修改 1 请把 \"价格=面议\" 改成  具体数字");
    const auto decisions = AnnouncementTable(bot.store().db()).decisions(1);
    ASSERT_FALSE(decisions.empty());
    EXPECT_EQ(decisions.back().note, "请把 \"价格=面议\" 改成  具体数字");
}

TEST_F(ToneTest, EditsAndChangeNotesAnswerBadLinesInBothLanguages) {
    draft();
    struct Case {
        const char* who;
        const char* text;
        std::vector<const char*> expected;
    };
    const std::vector<Case> cases = {
        {"mia",
         "announce edit 1 sales",
         {"announce edit needs TEXT.", "Usage: announce edit ID marketing|sales TEXT"}},
        {"wang", "修改公告 1 销售", {"修改公告需要文本。", "用法：修改公告 编号 市场|销售 文本"}},
        {"mia", "announce edit", {"announce edit needs ID."}},
        {"wang", "修改公告", {"修改公告需要编号。"}},
        {"sue", "changes 1", {"changes needs NOTE.", "Usage: changes ID NOTE"}},
        {"zhou", "退回修改 1", {"退回修改需要说明。", "用法：退回修改 编号 说明"}},
        {"sue", "changes x shorter please", {"\"x\" is not an announcement number."}},
        {"zhou", "退回修改 x 请缩短", {"“x”"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto r = say(c.who, c.text);
        ASSERT_THAT(r, SizeIs(1));
        for (const char* e : c.expected) EXPECT_THAT(r[0], HasSubstr(e));
    }
    EXPECT_EQ(AnnouncementTable(bot.store().db()).get(1)->version, 1);
    EXPECT_TRUE(AnnouncementTable(bot.store().db()).decisions(1).empty());
}

TEST_F(ToneTest, ScheduledAnnouncementPostsAtItsTimeUnlessEditedMeanwhile) {
    // Mia is in Berlin: 10:00 local on 3 November is 09:00 UTC, a day after the start.
    const std::string r = draft(" when=\"2026-11-03 10:00\"");
    EXPECT_THAT(r, HasSubstr("to be posted 2026-11-03 10:00 (Europe/Berlin)"));
    say("max", "approve 1");
    EXPECT_THAT(say("sue", "approve 1"),
                ElementsAre("Both departments approved announcement #1. It will be posted "
                            "2026-11-03 17:00."));
    EXPECT_THAT(say("sue", "approve 1"), ElementsAre(HasSubstr("scheduled for")));
    EXPECT_THAT(to(bot.advance(23h), "mkt"), IsEmpty());
    const auto posts = bot.advance(1h + 1min);
    EXPECT_THAT(to(posts, "mkt"), SizeIs(1));
    EXPECT_THAT(to(posts, "joint-room"), ElementsAre(HasSubstr("Key message (Spring)")));
    EXPECT_EQ(AnnouncementTable(bot.store().db()).get(1)->status, "posted");
}

TEST_F(ToneTest, ScheduledPostSurvivesARestart) {
    draft(" when=\"2026-11-03 10:00\"");
    say("max", "approve 1");
    say("sue", "approve 1");
    bot.restart();
    const auto posts = bot.advance(25h);
    EXPECT_THAT(to(posts, "sales-room"), SizeIs(1));
    EXPECT_THAT(to(bot.advance(25h), "sales-room"), IsEmpty());
}

TEST_F(ToneTest, ARedeliveredApprovalCountsOnce) {
    draft();
    core::Event e;
    e.id = "approve-once";
    e.where = {"test", "@max", ""};
    e.who = {"test", "max", "max"};
    e.text = "approve 1";
    e.direct = true;
    EXPECT_THAT(to(bot.deliver(e), "@max"), ElementsAre(HasSubstr("It now waits for Sales.")));
    EXPECT_THAT(bot.deliver(e), IsEmpty());
    EXPECT_EQ(AnnouncementTable(bot.store().db()).history(1).size(), 2u);
}

TEST_F(ToneTest, EditAfterSchedulingCancelsThePost) {
    draft(" when=\"2026-11-03 10:00\"");
    say("max", "approve 1");
    say("sue", "approve 1");
    EXPECT_THAT(say("mia", "announce edit 1 marketing Updated text for marketing."),
                ElementsAre(HasSubstr("The approvals given before are reset")));
    EXPECT_THAT(to(bot.advance(25h), "mkt"), IsEmpty());
    EXPECT_EQ(AnnouncementTable(bot.store().db()).get(1)->status, "draft");
}

TEST_F(ToneTest, BadDraftOptions) {
    struct Case {
        const char* name;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"no key message", "announce draft", "Usage: announce draft"},
        {"bad time", "announce draft \"Launch.\" when=tomorrow", "\"tomorrow\" is not a time"},
        {"impossible date", "announce draft \"Launch.\" when=\"2026-02-30 10:00\"",
         "is not a time"},
        {"past time", "announce draft \"Launch.\" when=\"2026-11-01 10:00\"",
         "2026-11-01 10:00 has already passed."},
        {"bad lead", "announce draft \"Launch.\" lead=hr", "\"hr\" is not a department"},
        {"unknown announcement", "announce 42", "There is no announcement #42."},
        {"approve without number", "approve", "Usage: approve ID"},
        {"approve a word", "approve soon", "\"soon\" is not an announcement number."},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_THAT(say("mia", c.text), ElementsAre(HasSubstr(c.expected)));
    }
    EXPECT_FALSE(AnnouncementTable(bot.store().db()).get(1).has_value());
}

TEST_F(ToneTest, SalesLedAnnouncementInChinese) {
    const auto r = say("wang", "起草公告 “TwinTrack 新增微信报告。” 活动=春季 主方=销售");
    ASSERT_THAT(r, SizeIs(1));
    EXPECT_THAT(r[0], HasSubstr("公告 #1，作者 王芳（草稿，等待审批），主方：销售部，活动：春季"));
    EXPECT_THAT(r[0], HasSubstr("市场版：\nTwinTrack 新增微信报告。\n所属活动：春季。"));
    EXPECT_THAT(r[0], HasSubstr("销售版：\n客户沟通要点：TwinTrack 新增微信报告。"));
    EXPECT_THAT(r[0], HasSubstr("审批：销售部（主方）：等待中；市场部：等待中。"));
    EXPECT_THAT(say("wang", "批准 1"), ElementsAre(HasSubstr("只有市场部和销售部的经理")));
    EXPECT_THAT(say("zhou", "批准 1"),
                ElementsAre("你已代表销售部批准公告 #1，现在等待市场部审批。"));
    EXPECT_THAT(say("zhou", "批准 1"), ElementsAre(HasSubstr("你已经代表销售部批准了公告 #1。")));
    const auto posts = say_posts(bot, "max", "approve 1");
    EXPECT_THAT(to(posts, "joint-room"), ElementsAre("核心信息（春季）：TwinTrack 新增微信报告。"));
    EXPECT_THAT(to(posts, "@wang"), ElementsAre(HasSubstr("你的公告 #1 已获两个部门批准")));
}

TEST_F(ToneTest, DraftWatchAnswersDraftsInWatchedChannelsOnly) {
    EXPECT_THAT(bot.say_in("drafts", "mia", "[draft] Twin Track is game-changing!!"),
                ElementsAre(AllOf(HasSubstr("[error] line 1: Write 'TwinTrack'"),
                                  HasSubstr("Drop the hype: 'game-changing'"),
                                  HasSubstr("TwinTrack is game-changing!!"))));
    EXPECT_THAT(bot.say_in("copy", "wang", "[DRAFT] 市场部下周发布新版本。"),
                ElementsAre(HasSubstr("没有发现问题")));
    EXPECT_THAT(bot.say_in("drafts", "mia", "Twin Track is game-changing!!"), IsEmpty());
    EXPECT_THAT(bot.say_in("general", "mia", "[draft] Twin Track is game-changing!!"), IsEmpty());
    EXPECT_THAT(bot.say_in("drafts", "stranger", "[draft] Twin Track"), IsEmpty());
}

TEST(ToneWatch, IsOffByDefault) {
    TestBot bot;
    bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
    EXPECT_THAT(bot.say_in("drafts", "mia", "[draft] Twin Track is game-changing!!"), IsEmpty());
}

}  // namespace
}  // namespace twintrack::testing
