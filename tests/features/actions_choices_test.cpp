// The decisions answered with one tap, end to end through TestBot: training register and
// withdraw, skipping a coffee round, picking the customer of a field report, picking the
// person a mention meant, and fresh approval buttons after an edit reset the approvals.
// Each: click -> handler -> answer and update, en and zh-CN, the typed fallback, and the
// bad paths (someone else's button, a second click, an expired button).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/features/social/store/social_store.hpp"
#include "bot/features/tone/store/announcements_store.hpp"
#include "tests/features/feature_test_helpers.hpp"
#include "tests/features/reports_tables.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

/// The tone feature's own tables on the bot's store (bot/features/tone/store/).
using AnnouncementTable = store::tone::AnnouncementRepository;
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

/// The update posts (replacing an earlier post) among `posts`.
std::vector<std::string> updates(const std::vector<core::Post>& posts) {
    std::vector<std::string> out;
    for (const auto& p : posts) {
        if (!p.replaces.empty()) out.push_back(p.text);
    }
    return out;
}

std::vector<std::string> labels(const core::Post& post) {
    std::vector<std::string> out;
    for (const auto& a : post.actions) out.push_back(a.label);
    return out;
}

std::vector<std::string> typed(const core::Post& post) {
    std::vector<std::string> out;
    for (const auto& a : post.actions) out.push_back(a.typed);
    return out;
}

class ActionChoicesTest : public ::testing::Test {
  protected:
    ActionChoicesTest() {
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

    /// `who` writes `text` in a direct message; every post made.
    std::vector<core::Post> send(const std::string& who, const std::string& text) {
        core::Event e;
        e.where = {"test", "@" + who, ""};
        e.who = {"test", who, who};
        e.text = text;
        e.direct = true;
        return bot.deliver(std::move(e));
    }

    /// The last post of `posts` to `who`'s DM that carries actions.
    static core::Post offered_to(const std::vector<core::Post>& posts, const std::string& who) {
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

    std::int64_t id_of(const std::string& handle) {
        return bot.engine().directory().by_name_or_email(handle + "@example.com")->id;
    }

    TestBot bot;
};

// --- trainings ---------------------------------------------------------------------------

// Monday 2026-11-02 09:00 UTC; the training is 2026-11-10 10:00 in Berlin (Helen's zone).
const char* const new_one_seat_training =
    "training new \"Selling value\" by @mia for sales on 2026-11-10 10:00 capacity 1";

TEST_F(ActionChoicesTest, TrainingRegisterAndWithdrawButtons) {
    const auto invited = send("helen", new_one_seat_training);
    const core::Post sam_invite = offered_to(invited, "sam");
    EXPECT_THAT(labels(sam_invite), ElementsAre("Register"));
    EXPECT_THAT(typed(sam_invite), ElementsAre("training join 1"));
    EXPECT_EQ(sam_invite.actions[0].style, "primary");
    const core::Post wang_invite = offered_to(invited, "wang");
    EXPECT_THAT(labels(wang_invite), ElementsAre("报名"));
    EXPECT_THAT(typed(wang_invite), ElementsAre("报名培训 1"));

    // Sam registers with one tap: the seat is his, the invitation says so, and the answer
    // offers "Withdraw" (with a confirmation).
    const auto joined = bot.click("sam", token(sam_invite, 0), bot.message_id_of(sam_invite));
    EXPECT_THAT(texts_to(joined, "@sam"),
                Contains(HasSubstr("You are registered for training #1 \"Selling value\"")));
    EXPECT_THAT(updates(joined), ElementsAre(sam_invite.text + "\nRegistered at 10:00."));
    const core::Post withdraw = offered_to(joined, "sam");
    EXPECT_THAT(labels(withdraw), ElementsAre("Withdraw"));
    EXPECT_EQ(withdraw.actions[0].style, "danger");
    EXPECT_EQ(withdraw.actions[0].confirm, "Give up your place on training #1 \"Selling value\"?");
    EXPECT_EQ(withdraw.actions[0].typed, "training leave 1");

    // The training is full: 王芳 goes on the waiting list, as when typed.
    const auto waiting = bot.click("wang", token(wang_invite, 0));
    EXPECT_THAT(texts_to(waiting, "@wang"), Contains(HasSubstr("你是候补第 1 位")));
    EXPECT_THAT(updates(waiting), ElementsAre(HasSubstr("已于 17:00 进入候补名单（第 1 位）。")));
    EXPECT_THAT(labels(offered_to(waiting, "wang")), ElementsAre("退出"));

    // Sam withdraws: 王芳 gets the seat; Sam may register again.
    const auto left = bot.click("sam", token(withdraw, 0));
    EXPECT_THAT(texts_to(left, "@sam"), Contains(HasSubstr("You are off training #1")));
    EXPECT_THAT(texts_to(left, "@wang"), ElementsAre(HasSubstr("你已从候补转为正式报名")));
    EXPECT_THAT(updates(left), ElementsAre(HasSubstr("Withdrawn at 10:00.")));
    EXPECT_THAT(labels(offered_to(left, "sam")), ElementsAre("Register"));
    const auto seats = SocialTable(bot.store().db()).seats(1);
    ASSERT_THAT(seats, SizeIs(1));
    EXPECT_EQ(seats[0].person_id, id_of("wang"));
    EXPECT_EQ(seats[0].status, "registered");
}

TEST_F(ActionChoicesTest, TrainingButtonsRefuseOthersSecondClicksAndLateClicks) {
    const auto invited = send("helen", new_one_seat_training);
    const core::Post sam_invite = offered_to(invited, "sam");
    const core::Post sue_invite = offered_to(invited, "sue");
    const core::Post zhou_invite = offered_to(invited, "zhou");
    // Someone else's button; Mia (marketing) was not invited at all.
    EXPECT_THAT(texts(bot.click("sue", token(sam_invite, 0))),
                ElementsAre(HasSubstr("meant for someone else")));
    EXPECT_THAT(texts(bot.click("mia", token(sam_invite, 0))),
                ElementsAre(HasSubstr("meant for someone else")));
    EXPECT_THAT(SocialTable(bot.store().db()).seats(1), IsEmpty());
    // A second click on the same invitation: the decision was taken.
    bot.click("sam", token(sam_invite, 0));
    EXPECT_THAT(texts(bot.click("sam", token(sam_invite, 0))),
                ElementsAre("This was already decided: Registered at 10:00."));
    EXPECT_THAT(SocialTable(bot.store().db()).seats(1), SizeIs(1));
    // Registering by typing closes the invitation's button too.
    EXPECT_THAT(bot.say("sue", "training join 1"), Contains(HasSubstr("waiting list")));
    EXPECT_THAT(texts(bot.click("sue", token(sue_invite, 0))),
                ElementsAre(HasSubstr("already decided: On the waiting list (number 1)")));
    // Once the training has begun the buttons have expired; typing gets the handler's answer.
    bot.clock().advance(8 * 24h + 1h);
    EXPECT_THAT(texts_to(bot.click("zhou", token(zhou_invite, 0)), "@zhou"),
                Contains(HasSubstr("这个按钮已过期")));
    EXPECT_THAT(bot.say("zhou", "报名培训 1"), ElementsAre(HasSubstr("已经开始")));
}

TEST_F(ActionChoicesTest, CancellingATrainingClosesItsButtons) {
    const auto invited = send("helen", new_one_seat_training);
    const core::Post sam_invite = offered_to(invited, "sam");
    const auto joined = bot.click("sue", token(offered_to(invited, "sue"), 0));
    const core::Post withdraw = offered_to(joined, "sue");
    bot.say("helen", "training cancel 1");
    EXPECT_THAT(texts(bot.click("sam", token(sam_invite, 0))),
                ElementsAre("This was already decided: Cancelled by Helen HR at 10:00."));
    EXPECT_THAT(texts(bot.click("sue", token(withdraw, 0))),
                ElementsAre("This was already decided: Cancelled by Helen HR at 17:00."));
}

TEST_F(ActionChoicesTest, TrainingWithoutButtonsShowsTheTypedCommands) {
    bot.set_shows_actions(false);
    const auto invited = send("helen", new_one_seat_training);
    EXPECT_THAT(texts_to(invited, "@sam"),
                ElementsAre(HasSubstr("\n\nTo answer, type:\n1. Register: training join 1")));
    EXPECT_THAT(texts_to(invited, "@wang"),
                ElementsAre(HasSubstr("请输入以下命令之一来回复：\n1. 报名：报名培训 1")));
    EXPECT_THAT(
        bot.say("wang", "报名培训 1"),
        ElementsAre(AllOf(HasSubstr("报名成功：培训 #1"), HasSubstr("1. 退出：退出培训 1"))));
    for (const auto& p : bot.all_posts()) EXPECT_TRUE(p.replaces.empty());
}

// --- coffee -----------------------------------------------------------------------------

class CoffeeSkipTest : public ActionChoicesTest {
  protected:
    /// Starts two-weekly rounds and runs to the end of round 1; the posts of that moment.
    std::vector<core::Post> end_of_round() {
        bot.say("helen", "coffee start every 2w marketing x sales");
        bot.advance(7 * 24h);
        return bot.advance(7 * 24h);
    }
};

TEST_F(CoffeeSkipTest, SkipThisRoundIsAThirdButtonAndCountsAsNotMet) {
    const auto end = end_of_round();
    const core::Post ask = offered_to(end, "mia");
    EXPECT_THAT(labels(ask), ElementsAre("Yes, we met", "Not yet", "Skip this round"));
    EXPECT_EQ(ask.actions[2].typed, "coffee skip 1");
    const auto skipped = bot.click("mia", token(ask, 2), bot.message_id_of(ask));
    EXPECT_THAT(texts_to(skipped, "@mia"), Contains(HasSubstr("noted that you skip this round")));
    // The question and the mid-round nudge's Skip button are both closed.
    EXPECT_THAT(updates(skipped),
                UnorderedElementsAre(AllOf(HasSubstr("is over"), HasSubstr("Round skipped")),
                                     AllOf(HasSubstr("Halfway"), HasSubstr("Round skipped"))));
    EXPECT_EQ(SocialTable(bot.store().db()).answer_of(1, id_of("mia")), std::optional<bool>(false));
    // The open question steps aside; the other buttons are closed.
    EXPECT_THAT(bot.say("mia", "whoami"), ElementsAre(HasSubstr("mia@example.com")));
    EXPECT_THAT(texts(bot.click("mia", token(ask, 0))),
                ElementsAre(HasSubstr("This was already decided: Round skipped")));
    EXPECT_EQ(SocialTable(bot.store().db()).answer_of(1, id_of("mia")), std::optional<bool>(false));
    // Chinese labels and typed words.
    for (const std::string zh : {"zhou", "wang"}) {
        SCOPED_TRACE(zh);
        const core::Post p = offered_to(end, zh);
        EXPECT_THAT(labels(p), ElementsAre("见过了", "还没有", "跳过这一轮"));
        EXPECT_EQ(p.actions[2].typed, "跳过咖啡 1");
    }
}

TEST_F(CoffeeSkipTest, TheMidRoundNudgeHasTheSkipButtonAndSkipsAreCountedApart) {
    bot.say("helen", "coffee start every 2w marketing x sales");
    const auto halfway = bot.advance(7 * 24h);
    const core::Post nudge = offered_to(halfway, "mia");
    EXPECT_THAT(nudge.text, HasSubstr("Halfway through the coffee round"));
    EXPECT_THAT(labels(nudge), ElementsAre("Skip this round"));
    EXPECT_EQ(nudge.actions[0].typed, "coffee skip 1");
    const core::Post zh = offered_to(halfway, "wang");
    EXPECT_THAT(zh.text, HasSubstr("咖啡配对这一轮已过半"));
    EXPECT_THAT(labels(zh), ElementsAre("跳过这一轮"));
    EXPECT_EQ(zh.actions[0].typed, "跳过咖啡 1");

    const auto skipped = bot.click("mia", token(nudge, 0), bot.message_id_of(nudge));
    EXPECT_THAT(texts_to(skipped, "@mia"), Contains(HasSubstr("noted that you skip this round")));
    EXPECT_THAT(updates(skipped), ElementsAre(HasSubstr("Round skipped: noted at")));
    EXPECT_THAT(bot.say("wang", "跳过咖啡 1"), Contains(HasSubstr("已记下你跳过这一轮")));
    EXPECT_THAT(texts(bot.click("wang", token(zh, 0))),
                ElementsAre(HasSubstr("此事已经处理")));  // closed by the typed answer
    EXPECT_THAT(bot.say("max", "coffee met yes"), Not(IsEmpty()));
    EXPECT_THAT(bot.say("sam", "coffee met no"), Not(IsEmpty()));

    // Skipping is not "did not meet": the statistics count it apart.
    const auto stats = SocialTable(bot.store().db()).round_stats(1);
    EXPECT_EQ(stats.answered, 4);
    EXPECT_EQ(stats.met_yes, 1);
    EXPECT_EQ(stats.met_no, 1);
    EXPECT_EQ(stats.skipped, 2);
    EXPECT_EQ(SocialTable(bot.store().db()).answer_of(1, id_of("mia")), std::optional<bool>(false));
    EXPECT_THAT(bot.say("helen", "coffee stats"),
                ElementsAre(HasSubstr("4 answer(s): 1 met, 1 did not, 2 skipped the round.")));

    // At the end of the round, those who skipped are not asked whether they met.
    const auto end = bot.advance(7 * 24h);
    EXPECT_THAT(texts(end), Contains(HasSubstr("Did you meet")));  // the others are asked
    EXPECT_THAT(texts_to(end, "@mia"), Not(Contains(HasSubstr("Did you meet"))));
    EXPECT_THAT(texts_to(end, "@wang"), Not(Contains(HasSubstr("见面了吗"))));
}

TEST_F(CoffeeSkipTest, SkipTypedInTheQuestionOrAsACommand) {
    const auto end = end_of_round();
    struct Case {
        const char* name;
        std::string who;
        std::string text;
        const char* answer;
    };
    // Max and Sue leave the open question first (while it is open, it takes the message).
    bot.say("max", "cancel");
    bot.say("sue", "cancel");
    const std::vector<Case> cases = {
        {"dialog word", "sam", "skip", "noted that you skip this round"},
        {"zh dialog word", "wang", "跳过", "已记下你跳过这一轮"},
        {"command with the round", "max", "coffee skip 1", "noted that you skip this round"},
        {"bad round", "sue", "coffee skip round-one", "Usage: coffee skip"},
        {"not in a round", "helen", "coffee skip", "not been in a coffee round"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_THAT(bot.say(c.who, c.text), Contains(HasSubstr(c.answer)));
    }
    EXPECT_EQ(SocialTable(bot.store().db()).answer_of(1, id_of("max")), std::optional<bool>(false));
    EXPECT_EQ(SocialTable(bot.store().db()).answer_of(1, id_of("sam")), std::optional<bool>(false));
    EXPECT_EQ(SocialTable(bot.store().db()).answer_of(1, id_of("wang")),
              std::optional<bool>(false));
    // Sam's buttons were closed by the typed answer.
    EXPECT_THAT(texts(bot.click("sam", token(offered_to(end, "sam"), 0))),
                ElementsAre(HasSubstr("already decided: Round skipped")));
}

TEST_F(CoffeeSkipTest, SkipButtonRefusesOthersAndExpires) {
    const auto end = end_of_round();
    const core::Post mia = offered_to(end, "mia");
    EXPECT_THAT(texts(bot.click("sam", token(mia, 2))),
                ElementsAre(HasSubstr("meant for someone else")));
    bot.clock().advance(15 * 24h);
    EXPECT_THAT(texts(bot.click("mia", token(mia, 2))),
                Contains(HasSubstr("That button has expired")));
    EXPECT_EQ(SocialTable(bot.store().db()).answer_of(1, id_of("mia")), std::nullopt);
}

TEST_F(CoffeeSkipTest, WithoutButtonsTheQuestionNamesSkip) {
    bot.set_shows_actions(false);
    const auto end = end_of_round();
    const auto mia = texts_to(end, "@mia");
    EXPECT_THAT(mia, Contains(AllOf(HasSubstr("Answer yes or no, or skip to skip this round"),
                                    HasSubstr("3. Skip this round: coffee skip 1"))));
    EXPECT_THAT(texts_to(end, "@wang"), Contains(HasSubstr("3. 跳过这一轮：跳过咖啡 1")));
}

// --- field report, unknown customer -------------------------------------------------------

class ReportCustomerTest : public ActionChoicesTest {
  protected:
    ReportCustomerTest() {
        bot.say("mia", "engagement new \"Acme Robotics\"");
        bot.say("mia", "engagement new \"Acme Labs\"");
        bot.say("mia", "engagement new Zenith");
    }
};

TEST_F(ReportCustomerTest, TheCloseMatchesNewCustomerAndSkipAreButtons) {
    const auto saved = send("sam", "report Acme: first visit; they want a demo");
    const core::Post ask = offered_to(saved, "sam");
    EXPECT_THAT(ask.text, HasSubstr("Which customer is \"Acme\""));
    EXPECT_THAT(labels(ask), ElementsAre("Acme Robotics", "Acme Labs", "New customer", "Skip"));
    EXPECT_THAT(typed(ask), ElementsAre("1", "2", "new", "skip"));
    const auto picked = bot.click("sam", token(ask, 1), bot.message_id_of(ask));
    EXPECT_THAT(texts_to(picked, "@sam"),
                Contains(HasSubstr("Report #1 is now filed under Acme Labs")));
    EXPECT_THAT(updates(picked), ElementsAre(ask.text + "\nAnswered at 10:00"));
    EXPECT_EQ(reports_table(bot).get(1)->customer_text, "Acme Labs");
    // A second click: the question was answered.
    EXPECT_THAT(texts(bot.click("sam", token(ask, 3))),
                ElementsAre("This was already decided: Answered at 10:00"));
    EXPECT_EQ(reports_table(bot).get(1)->customer_text, "Acme Labs");
}

TEST_F(ReportCustomerTest, NewCustomerAndSkipRunWhatTheTypedAnswersRun) {
    struct Case {
        const char* name;
        std::string who;
        std::string report;
        std::size_t choice;  // from the end: 1 skip, 2 new customer
        const char* answer;
        const char* customer;  // the report's customer afterwards
    };
    const std::vector<Case> cases = {
        {"new customer", "sam", "report Zyx Corp: cold call", 2, "filed under Zyx Corp",
         "Zyx Corp"},
        {"skip", "sam", "report Qux: hello", 1, "stays without a customer", "Qux"},
        {"zh new customer", "wang", "report Yoyo: 第一次拜访", 2, "归入 Yoyo", "Yoyo"},
        {"zh skip", "wang", "report Wuu: 电话", 1, "暂不关联客户", "Wuu"},
    };
    std::int64_t id = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        ++id;
        const core::Post ask = offered_to(send(c.who, c.report), c.who);
        ASSERT_GE(ask.actions.size(), c.choice);
        const auto r = bot.click(c.who, token(ask, ask.actions.size() - c.choice));
        EXPECT_THAT(texts_to(r, "@" + c.who), Contains(HasSubstr(c.answer)));
        EXPECT_EQ(reports_table(bot).get(id)->customer_text, c.customer);
    }
    // "New customer" made the customer and filed the report under it.
    EXPECT_TRUE(reports_table(bot).get(1)->customer_id.has_value());
    EXPECT_FALSE(reports_table(bot).get(2)->customer_id.has_value());
}

TEST_F(ReportCustomerTest, ZhLabelsAndTypedWords) {
    const core::Post ask = offered_to(send("wang", "report Zenit: 第一次拜访"), "wang");
    EXPECT_THAT(labels(ask), ElementsAre("Zenith", "新客户", "跳过"));
    EXPECT_THAT(typed(ask), ElementsAre("1", "新建", "跳过"));
    EXPECT_THAT(texts(bot.click("wang", token(ask, 0))), Contains(HasSubstr("Zenith")));
    EXPECT_THAT(texts(bot.click("wang", token(ask, 0))),
                ElementsAre("此事已经处理：已于 17:00 回答"));
}

TEST_F(ReportCustomerTest, OthersClicksExpiredButtonsAndALeftQuestionAreRefused) {
    const core::Post ask = offered_to(send("sam", "report Acme: first visit"), "sam");
    EXPECT_THAT(texts(bot.click("wang", token(ask, 0))),
                ElementsAre(HasSubstr("这个按钮是给其他人的")));
    // Sam moves on to another command: the question steps aside and its buttons close.
    EXPECT_THAT(bot.say("sam", "whoami"),
                ElementsAre(HasSubstr("No longer open (10:00)"), HasSubstr("sam@example.com")));
    EXPECT_THAT(texts(bot.click("sam", token(ask, 0))),
                ElementsAre(HasSubstr("This was already decided: No longer open (10:00)")));
    // A new question's buttons expire with the dialog (30 minutes).
    const core::Post again = offered_to(send("sam", "report Acme: second visit"), "sam");
    bot.clock().advance(31min);
    EXPECT_THAT(texts(bot.click("sam", token(again, 0))),
                Contains(HasSubstr("That button has expired")));
    EXPECT_FALSE(reports_table(bot).get(1)->customer_id.has_value());
    EXPECT_FALSE(reports_table(bot).get(2)->customer_id.has_value());
}

TEST_F(ReportCustomerTest, WithoutButtonsTheQuestionAloneSaysWhatToType) {
    bot.set_shows_actions(false);
    const auto saved = texts_to(send("sam", "report Acme: first visit"), "@sam");
    EXPECT_THAT(saved, Contains(AllOf(HasSubstr("1. Acme Robotics  2. Acme Labs"),
                                      HasSubstr("Answer with the number"),
                                      Not(HasSubstr("To answer, type:")))));
    EXPECT_THAT(bot.say("sam", "2"), Contains(HasSubstr("filed under Acme Labs")));
}

// --- which person? ----------------------------------------------------------------------

class WhichPersonTest : public ActionChoicesTest {
  protected:
    WhichPersonTest() {
        bot.add({"lina", "Li Na", "marketing", "staff", "Asia/Shanghai"});
        bot.add({"lina2", "Li Na", "sales", "staff", "Asia/Shanghai"});
        bot.say("mia", "engagement new \"Acme Corp\" stage=lead");
    }
};

TEST_F(WhichPersonTest, OneButtonPerCandidateRunsTheCommandWithThatPerson) {
    const auto asked = send("mia", "handoff \"Acme Corp\" to @LiNa");
    const core::Post ask = offered_to(asked, "mia");
    EXPECT_THAT(ask.text, HasSubstr("could be several people"));
    EXPECT_THAT(labels(ask), ElementsAre("Li Na (Marketing)", "Li Na (Sales)"));
    EXPECT_THAT(typed(ask), ElementsAre("1", "2"));
    const auto handed = bot.click("mia", token(ask, 1), bot.message_id_of(ask));
    EXPECT_THAT(texts_to(handed, "@mia"), Contains(HasSubstr("Acme Corp handed to Li Na")));
    EXPECT_THAT(texts_to(handed, "@lina2"), ElementsAre(HasSubstr("Acme Corp")));
    EXPECT_THAT(posts_to(handed, "@lina"), IsEmpty());
    EXPECT_THAT(updates(handed), ElementsAre(ask.text + "\nAnswered at 10:00"));
    // The question is closed: a second click, or a typed number, changes nothing.
    EXPECT_THAT(texts(bot.click("mia", token(ask, 0))),
                ElementsAre("This was already decided: Answered at 10:00"));
    EXPECT_THAT(bot.say("mia", "ping"), ElementsAre("pong"));
}

TEST_F(WhichPersonTest, ZhLabelsNameTheDepartmentInTheReadersLanguage) {
    const core::Post ask = offered_to(send("zhou", "查人 @LiNa"), "zhou");
    EXPECT_THAT(labels(ask), ElementsAre("Li Na（市场部）", "Li Na（销售部）"));
    EXPECT_THAT(texts(bot.click("zhou", token(ask, 0))),
                ElementsAre(HasSubstr("已于 17:00 回答"), HasSubstr("lina@example.com")));
}

TEST_F(WhichPersonTest, OthersCancelledAndExpiredQuestionsAreRefused) {
    const core::Post ask = offered_to(send("mia", "whois @LiNa"), "mia");
    EXPECT_THAT(texts(bot.click("sam", token(ask, 0))),
                ElementsAre(HasSubstr("meant for someone else")));
    // Cancelled: the buttons close.
    EXPECT_THAT(bot.say("mia", "cancel"),
                ElementsAre(HasSubstr("No longer open (10:00)"), HasSubstr("Cancelled.")));
    EXPECT_THAT(texts(bot.click("mia", token(ask, 0))),
                ElementsAre("This was already decided: No longer open (10:00)"));
    // A question's buttons expire with the dialog (30 minutes).
    const core::Post again = offered_to(send("mia", "whois @LiNa"), "mia");
    bot.clock().advance(31min);
    EXPECT_THAT(texts(bot.click("mia", token(again, 0))),
                Contains(HasSubstr("That button has expired")));
    EXPECT_THAT(bot.say("mia", "ping"), ElementsAre("pong"));
}

TEST_F(WhichPersonTest, WithoutButtonsTheNumberedQuestionStays) {
    bot.set_shows_actions(false);
    const auto asked = texts_to(send("mia", "whois @LiNa"), "@mia");
    ASSERT_THAT(asked, SizeIs(1));
    EXPECT_THAT(asked[0], AllOf(HasSubstr("Answer with the number"),
                                HasSubstr("1. Li Na (lina@example.com, Marketing)"),
                                Not(HasSubstr("To answer, type:"))));
    EXPECT_THAT(bot.say("mia", "2"), ElementsAre(HasSubstr("lina2@example.com")));
}

// --- announce edit ----------------------------------------------------------------------

class AnnounceEditTest : public ActionChoicesTest {
  protected:
    /// Mia drafts announcement #1 and Max approves it for marketing with a click.
    std::vector<core::Post> draft_and_approve() {
        const auto posts = send("mia", "announce draft \"TwinTrack reports now cover WeChat.\"");
        bot.click("max", token(offered_to(posts, "max"), 0));
        return posts;
    }
    static constexpr const char* edit =
        "announce edit 1 sales TwinTrack reports now cover WeChat, from today.";
};

TEST_F(AnnounceEditTest, AnEditThatResetsApprovalsSendsFreshButtons) {
    const auto drafted = draft_and_approve();
    const core::Post sue_old = offered_to(drafted, "sue");
    const auto edited = send("mia", edit);
    EXPECT_THAT(texts_to(edited, "@mia"),
                ElementsAre(HasSubstr("approvals given before are reset")));
    // The open requests (sales) say it was edited.
    EXPECT_THAT(
        updates(edited),
        UnorderedElementsAre(sue_old.text + "\nEdited by Mia Marketer at 17:00: version 2 needs a "
                                            "new decision (see the newer message).",
                             HasSubstr("Mia Marketer 已于 17:00 修改：第 2 版需要重新审批")));
    // Every manager is asked again, with buttons.
    for (const std::string who : {"max", "mo", "sue", "zhou"}) {
        SCOPED_TRACE(who);
        const core::Post fresh = offered_to(edited, who);
        EXPECT_TRUE(fresh.replaces.empty());
        EXPECT_THAT(fresh.actions, SizeIs(2));
    }
    const core::Post max_new = offered_to(edited, "max");
    EXPECT_THAT(max_new.text, HasSubstr("Mia Marketer edited the Sales variant of announcement "
                                        "#1"));
    EXPECT_THAT(typed(max_new), ElementsAre("approve 1", "changes 1 REASON"));
    const core::Post zhou_new = offered_to(edited, "zhou");
    EXPECT_THAT(zhou_new.text, HasSubstr("修改了公告 #1"));
    EXPECT_THAT(labels(zhou_new), ElementsAre("批准", "退回修改"));

    // The old button is closed; the new one approves version 2.
    EXPECT_THAT(texts(bot.click("sue", token(sue_old, 0))),
                ElementsAre(HasSubstr("This was already decided: Edited by Mia Marketer")));
    EXPECT_THAT(AnnouncementTable(bot.store().db()).decisions(1), IsEmpty());
    EXPECT_THAT(texts(bot.click("max", token(max_new, 0))),
                Contains(HasSubstr("Approved announcement #1 for Marketing")));
    const auto decisions = AnnouncementTable(bot.store().db()).decisions(1);
    ASSERT_THAT(decisions, SizeIs(1));
    EXPECT_EQ(decisions[0].version, 2);
    // A second click on the fresh request, and someone else's click.
    EXPECT_THAT(texts(bot.click("max", token(max_new, 0))),
                ElementsAre(HasSubstr("already decided: Approved by Max Manager")));
    EXPECT_THAT(texts(bot.click("sue", token(zhou_new, 0))),
                ElementsAre(HasSubstr("meant for someone else")));
    // The fresh request expires like any other.
    bot.clock().advance(15 * 24h);
    EXPECT_THAT(texts(bot.click("zhou", token(zhou_new, 0))),
                ElementsAre(HasSubstr("这个按钮已过期")));
}

TEST_F(AnnounceEditTest, AnEditBeforeAnyDecisionAsksNobodyAgain) {
    send("mia", "announce draft \"TwinTrack reports now cover WeChat.\"");
    const auto edited = send("mia", edit);
    EXPECT_THAT(posts_to(edited, "@max"), IsEmpty());
    EXPECT_THAT(updates(edited), IsEmpty());
}

TEST_F(AnnounceEditTest, WithoutButtonsTheFreshRequestShowsTheTypedCommands) {
    bot.set_shows_actions(false);
    send("mia", "announce draft \"TwinTrack reports now cover WeChat.\"");
    bot.say("max", "approve 1");
    const auto edited = send("mia", edit);
    EXPECT_THAT(texts_to(edited, "@zhou"),
                ElementsAre(AllOf(HasSubstr("修改了公告 #1"),
                                  HasSubstr("请输入以下命令之一来回复：\n1. 批准：批准 1"))));
    EXPECT_THAT(texts_to(edited, "@mo"),
                ElementsAre(HasSubstr("To answer, type:\n1. Approve: approve 1")));
    EXPECT_THAT(updates(edited), IsEmpty());
}

}  // namespace
}  // namespace twintrack::testing
