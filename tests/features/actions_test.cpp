// Buttons and menus end to end through TestBot: a click runs the same handler as the
// typed command and the post is updated with the outcome; forged, foreign, expired,
// misdirected, stale and replayed clicks are refused or applied once, in the clicker's
// language; platforms without buttons get the typed commands in the reader's language.

#include "bot/actions.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/features/meetings/store/meetings_store.hpp"
#include "bot/features/social/store/social_store.hpp"
#include "bot/features/tone/store/announcements_store.hpp"
#include "tests/features/engagement_tables.hpp"
#include "tests/features/feature_test_helpers.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

/// The tone feature's own tables on the bot's store (bot/features/tone/store/).
using AnnouncementTable = store::tone::AnnouncementRepository;

/// The meetings feature's own tables on the bot's store (bot/features/meetings/store/).
using MeetingTable = store::meetings::MeetingRepository;

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using namespace std::chrono_literals;

/// The social feature's own tables on the bot's store (bot/features/social/store/).
using SocialTable = store::social::SocialRepository;

class ActionsTest : public ::testing::Test {
  protected:
    ActionsTest() {
        bot.set_shows_actions(true);
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"max", "Max Manager", "marketing", "manager", "Europe/Berlin"});
        bot.add({"mo", "Mo Manager", "marketing", "manager", "Europe/Berlin"});
        bot.add({"sue", "Sue Boss", "sales", "manager", "Asia/Shanghai"});
        bot.add({"zhou", "周强", "sales", "manager", "Asia/Shanghai", "zh-CN"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"helen", "Helen HR", "hr", "hr", "Europe/Berlin"});
    }

    /// Mia drafts announcement #1; returns every post it made.
    std::vector<core::Post> draft() {
        core::Event e;
        e.where = {"test", "@mia", ""};
        e.who = {"test", "mia", "mia"};
        e.text = "announce draft \"TwinTrack reports now cover WeChat.\"";
        e.direct = true;
        return bot.deliver(std::move(e));
    }

    /// The last post of `posts` to `who`'s DM that carries actions.
    core::Post request_to(const std::vector<core::Post>& posts, const std::string& who) {
        const core::Post* found = nullptr;
        for (const auto* p : posts_to(posts, "@" + who)) {
            if (!p->actions.empty()) found = p;
        }
        if (found != nullptr) return *found;
        ADD_FAILURE() << "no post with actions to " << who;
        return {};
    }

    static std::string token(const core::Post& post, std::size_t i) {
        if (i >= post.actions.size()) return "";
        return post.actions[i].token;
    }

    TestBot bot;
};

TEST_F(ActionsTest, ApproveButtonRunsTheHandlerAndReplacesTheButtonsWithTheOutcome) {
    const auto posts = draft();
    const core::Post request = request_to(posts, "max");
    ASSERT_THAT(request.actions, SizeIs(2));
    EXPECT_EQ(request.actions[0].label, "Approve");
    EXPECT_EQ(request.actions[0].style, "primary");
    EXPECT_EQ(request.actions[0].typed, "approve 1");
    EXPECT_EQ(request.actions[1].label, "Request changes");
    EXPECT_EQ(request.actions[1].typed, "changes 1 REASON");
    const std::string id = bot.message_id_of(request);
    ASSERT_FALSE(id.empty());

    bot.clock().advance(42min);  // Monday 09:42 UTC, 10:42 in Berlin
    const auto clicked = bot.click("max", token(request, 0), id);
    EXPECT_THAT(texts_to(clicked, "@max"),
                UnorderedElementsAre(HasSubstr("Approved announcement #1 for Marketing"),
                                     request.text + "\nApproved by Max Manager at 10:42"));
    const core::Post* update = nullptr;
    for (const auto* p : posts_to(clicked, "@max")) {
        if (!p->replaces.empty()) update = p;
    }
    ASSERT_NE(update, nullptr);
    EXPECT_EQ(update->replaces, id);
    // Only refusals are for the clicker's eyes only; the outcome stays in their messages.
    for (const auto& p : clicked) EXPECT_FALSE(p.private_reply) << p.text;
    EXPECT_THAT(update->actions, IsEmpty());
    const auto decisions = AnnouncementTable(bot.store().db()).decisions(1);
    ASSERT_THAT(decisions, SizeIs(1));
    EXPECT_EQ(decisions[0].decision, "approved");
    // The other marketing manager's request is closed by the same decision.
    const core::Post mo_request = request_to(posts, "mo");
    EXPECT_THAT(posts_to(clicked, "@mo"),
                ElementsAre(::testing::Pointee(
                    ::testing::Field(&core::Post::replaces, bot.message_id_of(mo_request)))));
}

TEST_F(ActionsTest, AClickAfterTheDecisionWasTakenIsAnsweredWithTheOutcomeInTheClickersLanguage) {
    const auto posts = draft();
    // Marketing: Max clicks, then Mo clicks his own button for the same decision.
    bot.click("max", token(request_to(posts, "max"), 0));
    const auto late = bot.click("mo", token(request_to(posts, "mo"), 0));
    EXPECT_THAT(texts_to(late, "@mo"),
                ElementsAre("This was already decided: Approved by Max Manager at 10:00"));
    ASSERT_THAT(late, SizeIs(1));
    EXPECT_TRUE(late[0].private_reply);
    // Sales: Sue types the command; 周强's button is closed by it, and he is told in Chinese
    // (the outcome line as his post shows it, in his zone).
    EXPECT_THAT(bot.say("sue", "approve 1"), Not(IsEmpty()));
    const auto zh = bot.click("zhou", token(request_to(posts, "zhou"), 0));
    EXPECT_THAT(texts_to(zh, "@zhou"), ElementsAre("此事已经处理：Sue Boss 已于 17:00 批准"));
    ASSERT_THAT(zh, SizeIs(1));
    EXPECT_TRUE(zh[0].private_reply);
    EXPECT_THAT(AnnouncementTable(bot.store().db()).decisions(1), SizeIs(2));
}

TEST_F(ActionsTest, BadTokensAreRefusedPrivatelyInTheClickersLanguage) {
    const auto posts = draft();
    const core::Post max_request = request_to(posts, "max");
    const core::Post zhou_request = request_to(posts, "zhou");
    const std::string good = token(max_request, 0);
    std::string altered_signature = good;
    altered_signature.back() = altered_signature.back() == '0' ? '1' : '0';
    // Post 1 is Max's; naming another post keeps the signature of the first.
    std::string other_post = good;
    other_post.replace(3, 1, "9");
    struct Case {
        const char* name;
        std::string who;
        std::string token;
        std::string message_id;
        const char* answer;
    };
    const std::vector<Case> cases = {
        {"altered signature", "max", altered_signature, "", "That button is not valid"},
        {"altered post", "max", other_post, "", "That button is not valid"},
        {"garbage", "max", "v1.x.y", "", "That button is not valid"},
        {"empty", "max", "", "", "That button is not valid"},
        {"token of another post", "max", good, bot.message_id_of(zhou_request),
         "That button is not valid"},
        {"someone else's button", "sue", good, "", "meant for someone else"},
        {"zh altered", "zhou", altered_signature, "", "这个按钮无效"},
        {"zh someone else's", "zhou", good, "", "这个按钮是给其他人的"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto r = bot.click(c.who, c.token, c.message_id);
        ASSERT_THAT(r, SizeIs(1));
        EXPECT_EQ(r[0].to.channel, "@" + c.who);  // privately
        // Marked for the clicker's eyes only (ephemeral where the platform has it), in
        // answer to the clicked post.
        EXPECT_TRUE(r[0].private_reply);
        EXPECT_EQ(r[0].reply_to, c.message_id.empty() ? r[0].reply_to : c.message_id);
        EXPECT_THAT(r[0].text, HasSubstr(c.answer));
    }
    EXPECT_THAT(AnnouncementTable(bot.store().db()).decisions(1), IsEmpty());
}

TEST_F(ActionsTest, AClickWithoutTheRoleIsRefusedPrivatelyInTheClickersLanguage) {
    const auto posts = draft();
    // Both managers lose the role after the requests went out.
    bot.add({"max", "Max Manager", "marketing", "staff", "Europe/Berlin"});
    bot.add({"zhou", "周强", "sales", "staff", "Asia/Shanghai", "zh-CN"});
    struct Case {
        const char* name;
        std::string who;
        std::size_t choice;
        const char* answer;
    };
    const std::vector<Case> cases = {
        {"en", "max", 0, "Only the managers of marketing and sales approve announcements"},
        {"zh-CN", "zhou", 0, "只有市场部和销售部的经理可以审批公告"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto r = bot.click(c.who, token(request_to(posts, c.who), c.choice));
        ASSERT_THAT(r, SizeIs(1));
        EXPECT_EQ(r[0].to.channel, "@" + c.who);
        EXPECT_TRUE(r[0].private_reply);
        EXPECT_THAT(r[0].text, HasSubstr(c.answer));
    }
    EXPECT_THAT(AnnouncementTable(bot.store().db()).decisions(1), IsEmpty());
}

TEST_F(ActionsTest, AnExpiredButtonIsRefusedAndTheTypedCommandStillWorks) {
    const auto posts = draft();
    bot.clock().advance(15 * 24h);
    EXPECT_THAT(texts(bot.click("max", token(request_to(posts, "max"), 0))),
                ElementsAre(HasSubstr("That button has expired")));
    EXPECT_THAT(texts(bot.click("zhou", token(request_to(posts, "zhou"), 0))),
                ElementsAre(HasSubstr("这个按钮已过期")));
    for (const auto& p : bot.all_posts()) {
        if (p.text.find("expired") != std::string::npos ||
            p.text.find("过期") != std::string::npos) {
            EXPECT_TRUE(p.private_reply) << p.text;
        }
    }
    EXPECT_THAT(AnnouncementTable(bot.store().db()).decisions(1), IsEmpty());
    EXPECT_THAT(bot.say("max", "approve 1"),
                Contains(HasSubstr("Approved announcement #1 for Marketing")));
}

TEST_F(ActionsTest, AReplayedClickIsAppliedOnce) {
    const auto posts = draft();
    const std::string t = token(request_to(posts, "max"), 0);
    EXPECT_THAT(texts(bot.click("max", t, "", "click-1")),
                Contains(HasSubstr("Approved announcement #1")));
    EXPECT_THAT(bot.click("max", t, "", "click-1"), IsEmpty());
    // After a restart the click id is still known.
    bot.restart();
    EXPECT_THAT(bot.click("max", t, "", "click-1"), IsEmpty());
    EXPECT_THAT(AnnouncementTable(bot.store().db()).history(1), SizeIs(2));  // drafted, approved
}

TEST_F(ActionsTest, RequestChangesAsksForTheNoteThenRunsTheCommand) {
    const auto posts = draft();
    const auto asked = bot.click("zhou", token(request_to(posts, "zhou"), 1));
    EXPECT_THAT(texts(asked), ElementsAre(HasSubstr("公告 #1 需要怎样修改？")));
    const auto done = bot.deliver([] {
        core::Event e;
        e.where = {"test", "@zhou", ""};
        e.who = {"test", "zhou", "zhou"};
        e.text = "请补充价格";
        e.direct = true;
        return e;
    }());
    EXPECT_THAT(texts_to(done, "@mia"), ElementsAre(HasSubstr("请补充价格")));
    const auto decisions = AnnouncementTable(bot.store().db()).decisions(1);
    ASSERT_THAT(decisions, SizeIs(1));
    EXPECT_EQ(decisions[0].decision, "changes");
    EXPECT_THAT(texts_to(done, "@zhou"), Contains(HasSubstr("周强 已于 17:00 退回修改")));
}

TEST_F(ActionsTest, HandoffDeclineAsksForTheReasonInTheRepsLanguage) {
    bot.say("mia", "engagement new \"Acme Corp\" stage=lead");
    core::Event e;
    e.where = {"test", "@mia", ""};
    e.who = {"test", "mia", "mia"};
    e.text = "handoff \"Acme Corp\" to @wang";
    e.direct = true;
    const auto sent = bot.deliver(e);
    const core::Post request = request_to(sent, "wang");
    ASSERT_THAT(request.actions, SizeIs(2));
    EXPECT_EQ(request.actions[0].label, "接受 Acme Corp");
    EXPECT_EQ(request.actions[1].typed, "拒绝 \"Acme Corp\" 原因");
    const auto asked = bot.click("wang", token(request, 1), bot.message_id_of(request));
    EXPECT_THAT(texts(asked), ElementsAre(HasSubstr("你为什么拒绝 Acme Corp 的移交？")));
    const auto declined = bot.say("wang", "预算不足");
    EXPECT_THAT(declined, Contains(HasSubstr("你已拒绝")));
    EXPECT_THAT(declined, Contains(HasSubstr("王芳 已于 17:00 拒绝：预算不足")));
    EXPECT_EQ(engagements_of_bot(bot).all().front().lead, "marketing");
    // Accept on the same post now: already decided.
    EXPECT_THAT(texts(bot.click("wang", token(request, 0))),
                ElementsAre(HasSubstr("此事已经处理：王芳 已于 17:00 拒绝：预算不足")));
}

// The reason typed into the decline button's question is free text: "=" in it is the
// reason's, kept exactly.
TEST_F(ActionsTest, TheReasonTypedIntoTheDeclineQuestionIsKeptAsTyped) {
    bot.say("mia", "engagement new \"Acme Corp\" stage=lead");
    core::Event e;
    e.where = {"test", "@mia", ""};
    e.who = {"test", "mia", "mia"};
    e.text = "handoff \"Acme Corp\" to @wang";
    e.direct = true;
    const core::Post request = request_to(bot.deliver(e), "wang");
    bot.click("wang", token(request, 1), bot.message_id_of(request));
    const auto declined = bot.say("wang", "预算=低, 明年 再说");
    EXPECT_THAT(declined, Contains(HasSubstr("王芳 已于 17:00 拒绝：预算=低, 明年 再说")));
    const auto h = engagements_of_bot(bot).latest_handoff(engagements_of_bot(bot).all()[0].id);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->status, "declined");
    EXPECT_EQ(h->reason, "预算=低, 明年 再说");
}

TEST_F(ActionsTest, HandoffAcceptButton) {
    bot.say("mia", "engagement new Acme stage=lead");
    const auto sent = [&] {
        core::Event e;
        e.where = {"test", "@mia", ""};
        e.who = {"test", "mia", "mia"};
        e.text = "handoff acme to @sam";
        e.direct = true;
        return bot.deliver(e);
    }();
    const core::Post request = request_to(sent, "sam");
    const auto accepted = bot.click("sam", token(request, 0));
    EXPECT_THAT(texts_to(accepted, "@sam"),
                Contains("You own Acme now; sales leads at stage qualified."));
    EXPECT_THAT(texts_to(accepted, "@mia"), ElementsAre(HasSubstr("Sam Seller accepted Acme")));
    EXPECT_EQ(engagements_of_bot(bot).all().front().owner_id,
              bot.engine().directory().by_name_or_email("sam@example.com")->id);
}

TEST_F(ActionsTest, BookingASlotTakenMeanwhileProposesFreshSlotsAndClosesTheOldButtons) {
    core::Event e;
    e.where = {"test", "@helen", ""};
    e.who = {"test", "helen", "helen"};
    e.text = "meet \"Kickoff\" with @sam duration 60m after 2026-11-04";
    e.direct = true;
    const auto proposed = bot.deliver(e);
    const core::Post first = request_to(proposed, "helen");
    ASSERT_THAT(first.actions, SizeIs(3));
    EXPECT_EQ(first.actions[1].label, "Book slot 2");
    EXPECT_EQ(first.actions[1].typed, "book 2");
    // Sam's calendar fills up meanwhile.
    const std::int64_t sam = bot.engine().directory().by_name_or_email("sam@example.com")->id;
    const std::int64_t day = 24LL * 3600 * 1000;
    const std::int64_t from = core::to_millis(bot.clock().now());
    MeetingTable(bot.store().db())
        .replace_busy(sam, "test", {{sam, from, from + 30 * day, "busy", "test"}});
    const auto taken = bot.click("helen", token(first, 0));
    EXPECT_THAT(texts_to(taken, "@helen"), Contains(HasSubstr("Slot 1 is no longer free")));
    EXPECT_THAT(texts_to(taken, "@helen"), Contains(HasSubstr("Replaced by newer slots at 10:00")));
    EXPECT_THAT(MeetingTable(bot.store().db()).of_person(sam, from, from + 30 * day), IsEmpty());
    // The old buttons would book from the new proposal: they are closed.
    EXPECT_THAT(texts(bot.click("helen", token(first, 1))),
                ElementsAre(HasSubstr("This was already decided: Replaced by newer slots")));
}

TEST_F(ActionsTest, WithoutButtonsThePostShowsTheTypedCommandsInTheReadersLanguage) {
    bot.set_shows_actions(false);  // like IRC or the console
    const auto posts = draft();
    const auto max = texts_to(posts, "@max");
    ASSERT_THAT(max, SizeIs(1));
    EXPECT_THAT(max[0], HasSubstr("\n\nTo answer, type:\n1. Approve: approve 1\n"
                                  "2. Request changes: changes 1 REASON"));
    const auto zhou = texts_to(posts, "@zhou");
    ASSERT_THAT(zhou, SizeIs(1));
    EXPECT_THAT(zhou[0], HasSubstr("请输入以下命令之一来回复：\n1. 批准：批准 1\n"
                                   "2. 退回修改：退回修改 1 原因"));
    for (const auto& p : posts) EXPECT_THAT(p.actions, IsEmpty());
    // The typed command settles the post; no update goes to a platform that cannot edit.
    const auto approved = bot.say("zhou", "批准 1");
    EXPECT_THAT(approved, ElementsAre(HasSubstr("1")));
    for (const auto& p : bot.all_posts()) EXPECT_TRUE(p.replaces.empty());
}

TEST_F(ActionsTest, OutingPollIsAMenuAndTheFixedDateAsksForAnRsvpWithButtons) {
    const auto created = [&] {
        core::Event e;
        e.where = {"test", "@helen", ""};
        e.who = {"test", "helen", "helen"};
        e.text = "outing new \"Hiking\" poll 2026-11-20,2026-11-21";
        e.direct = true;
        return bot.deliver(e);
    }();
    const core::Post invite = request_to(created, "sam");
    ASSERT_THAT(invite.actions, SizeIs(1));
    const core::Action& menu = invite.actions[0];
    EXPECT_EQ(menu.kind, "menu");
    EXPECT_EQ(menu.label, "Pick a date");
    ASSERT_THAT(menu.options, SizeIs(2));
    EXPECT_EQ(menu.options[1].label, "2026-11-21");
    EXPECT_EQ(menu.options[1].typed, "vote 1 2026-11-21");
    EXPECT_THAT(texts(bot.click("sam", menu.options[1].token)),
                ElementsAre(HasSubstr("2026-11-21")));
    const core::Post zh_invite = request_to(created, "wang");
    bot.click("wang", zh_invite.actions[0].options[1].token);
    const auto votes = SocialTable(bot.store().db()).vote_counts(1);
    ASSERT_THAT(votes, SizeIs(2));
    EXPECT_EQ(votes[1].votes, 2);

    const auto closed = bot.say("helen", "close 1");
    EXPECT_THAT(closed, Contains(HasSubstr("Poll closed at 10:00: the outing is on 2026-11-21.")));
    EXPECT_THAT(texts(bot.click("sam", menu.options[0].token)),
                ElementsAre(HasSubstr("This was already decided: Poll closed")));
    // The date is fixed: everyone is asked to RSVP with buttons, 王芳 in Chinese.
    const auto fixed = bot.all_posts();
    const core::Post rsvp = request_to(fixed, "wang");
    ASSERT_THAT(rsvp.actions, SizeIs(2));
    EXPECT_EQ(rsvp.actions[0].label, "我参加");
    EXPECT_EQ(rsvp.actions[0].typed, "参加郊游 1 是");
    EXPECT_THAT(texts(bot.click("wang", rsvp.actions[0].token)), Contains(HasSubstr("你将参加")));
    const auto rsvps = SocialTable(bot.store().db()).rsvps(1);
    ASSERT_THAT(rsvps, SizeIs(1));
    EXPECT_TRUE(rsvps[0].going);
}

TEST_F(ActionsTest, CoffeeDidYouMeetHasButtonsAndTheDialogStepsAsideOnceAnswered) {
    bot.say("helen", "coffee start every 2w marketing x sales");
    bot.advance(7 * 24h);
    const auto end = bot.advance(7 * 24h);
    const core::Post ask = request_to(end, "mia");
    ASSERT_THAT(ask.actions, SizeIs(3));
    EXPECT_EQ(ask.actions[0].label, "Yes, we met");
    EXPECT_EQ(ask.actions[0].typed, "coffee met yes 1");
    const auto clicked = bot.click("mia", token(ask, 0));
    EXPECT_THAT(texts(clicked), Contains(HasSubstr("You met: noted at")));
    // The open "did you meet?" question no longer takes the next message.
    EXPECT_THAT(bot.say("mia", "whoami"), ElementsAre(HasSubstr("mia@example.com")));
    EXPECT_THAT(texts(bot.click("mia", token(ask, 1))),
                ElementsAre(HasSubstr("This was already decided: You met")));
    for (const std::string zh : {"zhou", "wang"}) {
        for (const auto* p : posts_to(end, "@" + zh)) {
            if (p->actions.empty()) continue;
            SCOPED_TRACE(zh);
            EXPECT_EQ(p->actions[1].label, "还没有");
            EXPECT_EQ(p->actions[1].typed, "咖啡见面 否 1");
        }
    }
}

TEST(ActionTokens, SignatureCoversEveryClaim) {
    const std::string key = "0123456789abcdef0123456789abcdef";
    const bot::TokenClaims claims{12, 1, {3, 4}, 1795886849588};
    const std::string t = bot::sign_token(key, claims);
    const auto back = bot::verify_token(key, t);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->post_id, 12);
    EXPECT_EQ(back->choice, 1);
    EXPECT_EQ(back->audience, (std::vector<std::int64_t>{3, 4}));
    EXPECT_EQ(back->expires_at, 1795886849588);
    EXPECT_FALSE(bot::verify_token("another key 456789abcdef0123456789ab", t).has_value());
    // Any change to the claims (here: the audience) breaks the signature.
    std::string widened = t;
    widened.replace(widened.find("3-4"), 3, "3-5");
    EXPECT_FALSE(bot::verify_token(key, widened).has_value());
    EXPECT_TRUE(bot::verify_token(key, bot::sign_token(key, {1, 0, {}, 5})).has_value());
}

}  // namespace
}  // namespace twintrack::testing
