// Marketing process management end to end through TestBot: planning a metrics campaign
// from a template (owners, working-day due dates in the owners' zones), the board, steps
// done in order by the right people, sales' input asked by direct message and recorded,
// the start and reminder jobs on the fake clock, the review's figures from the metrics;
// bad input in both languages; the template check of the config with its lines; the
// working-day schedule.

#include "bot/features/campaigns/campaigns.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "bot/features/campaigns/store/campaigns_store.hpp"
#include "bot/features/metrics/store/metrics_store.hpp"
#include "core/yaml_check.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using bot::campaigns::CampaignSettings;
using bot::campaigns::StepTemplate;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr std::int64_t hour_ms = 3600 * 1000;

/// The feature's own table on the bot's store (bot/features/campaigns/store/).
store::campaigns::CampaignStepRepository campaign_steps_of_bot(TestBot& bot) {
    return store::campaigns::CampaignStepRepository(bot.store().db());
}

std::int64_t utc_ms(int y, unsigned m, unsigned d, int h, int min = 0) {
    const auto day = date::sys_days{date::year{y} / date::month{m} / date::day{d}};
    return core::to_millis(
        core::Timestamp(day + std::chrono::hours(h) + std::chrono::minutes(min)));
}

std::string texts_joined(const std::vector<std::string>& texts) {
    std::string out;
    for (const auto& t : texts) out += t + "\n";
    return out;
}

bot::BotSettings campaign_settings() {
    bot::BotSettings s;
    // A short process: launch (marketing, 1 day) then the review (marketing manager).
    s.features.edit<CampaignSettings>().templates["short"] = {
        {"launch", "marketing", 1, false, false, {}},
        {"review", "marketing_manager", 1, false, true, {0}},
    };
    return s;
}

class CampaignsTest : public ::testing::Test {
  protected:
    // Monday 2026-11-02 09:00 UTC: 10:00 in Berlin, 17:00 in Shanghai.
    CampaignsTest() : bot(TestBot::default_start(), campaign_settings()) {
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"mo", "Mo Boss", "marketing", "manager", "Europe/Berlin"});
        bot.add({"li", "李娜", "marketing", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"sid", "Sid Lead", "sales", "manager", "Asia/Shanghai"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"hal", "Hal HR", "hr", "staff", "Europe/Berlin"});
        bot.say("mia", "campaign new Spring fair cost 20000 from 2026-11-02 to 2026-11-30");
        bot.say("li", "新建活动 春季展会 费用 10000 从 2026-11-02 到 2026-11-30");
    }
    std::string one(const std::string& who, const std::string& text) {
        const auto r = bot.say(who, text);
        EXPECT_THAT(r, Not(IsEmpty())) << text;
        return r.empty() ? std::string() : r.front();
    }
    std::int64_t campaign_id(const std::string& name) {
        for (const auto& c : store::metrics::CampaignRepository(bot.store().db()).all()) {
            if (c.name == name) return c.id;
        }
        ADD_FAILURE() << name;
        return 0;
    }
    TestBot bot;
};

TEST_F(CampaignsTest, PlanMakesStepsWithOwnersAndWorkingDayDueDatesInTheirZones) {
    const auto posts = bot.say_posts("mia", "campaign plan \"Spring fair\"");
    const auto mine = texts_sent_to(posts, "@mia");
    ASSERT_THAT(mine, SizeIs(2));
    EXPECT_THAT(mine[0],
                AllOf(HasSubstr("Planned Spring fair (default) from 2026-11-02; times in "
                                "Europe/Berlin:"),
                      HasSubstr("1. plan · Mia Marketer (Marketing) · due 2026-11-04 18:00"),
                      HasSubstr("2. brief sales · Mia Marketer (Marketing) · due 2026-11-06 18:00 "
                                "· sales input"),
                      // the weekend is skipped: launch is Monday 9 to Friday 13
                      HasSubstr("3. launch · Mia Marketer (Marketing) · due 2026-11-13 18:00"),
                      // Sid's 18:00 in Shanghai is 11:00 in Berlin
                      HasSubstr("4. sales follow-up · Sid Lead (Sales manager) · due 2026-11-27 "
                                "11:00 · sales input"),
                      HasSubstr("5. review · Mo Boss (Marketing manager) · due 2026-12-01 18:00 · "
                                "review")));
    // The first step started at once (Monday 10:00 in Berlin): its owner is told.
    EXPECT_THAT(mine[1], HasSubstr("Step 1 \"plan\" of Spring fair has started; it is yours, "
                                   "due 2026-11-04 18:00."));
    const auto steps = campaign_steps_of_bot(bot).steps(campaign_id("Spring fair"));
    ASSERT_THAT(steps, SizeIs(5));
    EXPECT_EQ(steps[0].state, "active");
    EXPECT_EQ(steps[1].state, "waiting");
    EXPECT_EQ(steps[3].due_at, utc_ms(2026, 11, 27, 10));  // 18:00 Asia/Shanghai, stored UTC
    EXPECT_EQ(steps[4].due_at, utc_ms(2026, 12, 1, 17));   // 18:00 Europe/Berlin
    EXPECT_EQ(bot.store().audit().recent(2).back().action, "campaign.plan");

    // The board, in the reader's zone and language.
    EXPECT_THAT(one("sid", "campaign Spring fair"),
                AllOf(HasSubstr("Spring fair (default, from 2026-11-02); times in Asia/Shanghai:"),
                      HasSubstr("1. plan · Mia Marketer (Marketing) · due 2026-11-05 01:00 · in "
                                "progress"),
                      HasSubstr("2. brief sales · Mia Marketer (Marketing) · due 2026-11-07 01:00 "
                                "· waiting")));
    EXPECT_THAT(
        one("wang", "活动看板 Spring fair"),
        AllOf(HasSubstr("时间按 Asia/Shanghai"), HasSubstr("1. plan · Mia Marketer（市场部）"),
              HasSubstr("进行中"), HasSubstr("未开始")));
    EXPECT_THAT(one("sam", "campaign"), HasSubstr("Spring fair: 0 of 5 steps done"));
}

TEST_F(CampaignsTest, ChinesePlanWithAStartDateWaitsForItsDay) {
    EXPECT_THAT(
        one("li", "规划活动 “春季展会” 开始=2026-11-09"),
        AllOf(HasSubstr("已规划 春季展会（default），从 2026-11-09 开始；时间按 Asia/Shanghai："),
              HasSubstr("1. plan · 李娜（市场部）· 截止 2026-11-11 18:00")));
    const auto id = campaign_id("春季展会");
    EXPECT_EQ(campaign_steps_of_bot(bot).steps(id)[0].state, "waiting");
    // Monday 9 November, 09:00 in Shanghai (01:00 UTC): the start job starts step 1.
    const auto posts = bot.advance(
        std::chrono::milliseconds(utc_ms(2026, 11, 9, 1) - core::to_millis(bot.clock().now())));
    EXPECT_THAT(texts_sent_to(posts, "@li"),
                Contains(HasSubstr("春季展会 的步骤 1“plan”已开始，由你负责，截止 "
                                   "2026-11-11 18:00。")));
    EXPECT_EQ(campaign_steps_of_bot(bot).steps(id)[0].state, "active");
}

TEST_F(CampaignsTest, BadPlansAreRefusedInTheWritersLanguage) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"sam", "campaign plan \"Spring fair\"", "Only marketing, managers and admins plan"},
        {"wang", "规划活动 “春季展会”", "只有市场部、经理和管理员可以规划活动。"},
        {"mia", "campaign plan \"Spring fair\" template=weekly",
         "There is no process template \"weekly\". Templates: default, short."},
        {"li", "规划活动 “春季展会” 模板=每周", "没有名为“每周”的流程模板。"},
        {"mia", "campaign plan \"Autumn fair\"", "There is no campaign \"Autumn fair\"."},
        {"li", "规划活动 “秋季展会”", "没有名为“秋季展会”的市场活动。"},
        {"mia", "campaign plan \"Spring fair\" start=2026-10-30",
         "The start date 2026-10-30 is in the past (today is 2026-11-02)."},
        {"li", "规划活动 “春季展会” 开始=2026-11-01",
         "开始日期 2026-11-01 已经过去（今天是 2026-11-02）"},
        {"mia", "campaign plan \"Spring fair\" start=2026-13-45", "\"2026-13-45\" is not a date"},
        {"li", "规划活动 “春季展会” 开始=下个月", "“下个月”不是日期"},
        {"mia", "campaign plan \"Spring fair\" colour=red", "colour"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(one(c.who, c.text), HasSubstr(c.expected));
    }
    EXPECT_THAT(campaign_steps_of_bot(bot).plans(), IsEmpty());
    // Planned once only.
    bot.say("mia", "campaign plan \"Spring fair\"");
    EXPECT_THAT(one("mo", "campaign plan \"Spring fair\""),
                HasSubstr("Spring fair is planned already."));
    EXPECT_THAT(campaign_steps_of_bot(bot).plans(), SizeIs(1));
}

TEST_F(CampaignsTest, StepsAreDoneInOrderByTheRightPeopleOnce) {
    bot.say("mia", "campaign plan \"Spring fair\"");
    bot.say("li", "规划活动 “春季展会”");
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"mia", "step done Autumn fair 1", "No planned campaign is called \"Autumn fair 1\"."},
        {"li", "步骤完成 秋季展会 1", "没有名为“秋季展会 1”的已规划活动。"},
        {"mia", "step done Spring fair 9", "Spring fair has no step \"9\". Its steps: 1 plan;"},
        {"mia", "step done Spring fair",
         "Which step of Spring fair? Its steps: 1 plan; 2 brief sales;"},
        {"li", "步骤完成 春季展会 发布", "春季展会 没有步骤“发布”。"},
        {"mia", "step done Spring fair launch",
         "Step 3 \"launch\" of Spring fair has not started yet: it waits for 2 brief sales."},
        {"sam", "step done Spring fair 1",
         "Step 1 \"plan\" of Spring fair is for Mia Marketer (Marketing)"},
        {"wang", "步骤完成 春季展会 1", "属于 李娜（市场部）"},
        {"hal", "step done \"Spring fair\" plan", "is for Mia Marketer"},
        {"mia", "step done \"Spring fair\" plan", "Done: step 1 \"plan\" of Spring fair."},
        {"mia", "step done Spring fair 1",
         "Step 1 \"plan\" of Spring fair was done already, by Mia Marketer at 2026-11-02 10:00."},
        {"mo", "step done Spring fair #2", "Done: step 2 \"brief sales\" of Spring fair."},
        {"li", "步骤完成 春季展会 1", "已完成：春季展会 的步骤 1“plan”。"},
        {"li", "步骤完成 春季展会 1", "春季展会 的步骤 1“plan”已经完成了"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(one(c.who, c.text), HasSubstr(c.expected));
    }
    const auto steps = campaign_steps_of_bot(bot).steps(campaign_id("Spring fair"));
    EXPECT_EQ(steps[0].state, "done");
    EXPECT_EQ(steps[1].state, "done");
    EXPECT_EQ(steps[2].state, "active");  // launch started when the brief was done
    std::vector<std::string> actions;
    for (const auto& a : bot.store().audit().recent(50)) actions.push_back(a.action);
    EXPECT_THAT(actions, AllOf(Contains("campaign.step_done"), Contains("campaign.step_start")));
}

TEST_F(CampaignsTest, AStepAskingSalesForInputAsksRepsByMessageAndRecordsTheirs) {
    bot.say("mia", "campaign plan \"Spring fair\"");
    const auto posts = bot.say_posts("mia", "step done Spring fair 1");
    // Step 2 "brief sales" started and asks every sales rep (the campaign touched no
    // customer of theirs yet), each in their language.
    EXPECT_THAT(
        texts_sent_to(posts, "@sam"),
        Contains(HasSubstr("Campaign Spring fair, step 2 \"brief sales\" (Mia Marketer, due "
                           "2026-11-06 18:00) asks for your input from the field. Reply "
                           "with: step input Spring fair 2: YOUR INPUT")));
    EXPECT_THAT(texts_sent_to(posts, "@wang"),
                Contains(HasSubstr("需要你从一线提供意见。请回复：步骤意见 Spring "
                                   "fair 2：你的意见")));
    EXPECT_THAT(texts_sent_to(posts, "@sid"), SizeIs(1));
    EXPECT_THAT(texts_sent_to(posts, "@mo"), IsEmpty());

    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"mia", "step input Spring fair 2: looks fine",
         "Input on campaign steps comes from sales; only people in sales give it."},
        {"li", "步骤意见 Spring fair 2：可以", "只有销售部的人可以提"},
        {"sam", "step input Spring fair 2 no colon", "Usage: step input CAMPAIGN STEP: TEXT"},
        {"sam", "step input Spring fair 1: too late",
         "Step 1 \"plan\" of Spring fair does not ask for sales input."},
        {"sam", "step input Spring fair 3: launch", "does not ask for sales input"},
        {"sam", "step input Autumn fair 2: x", "No planned campaign is called \"Autumn fair 2\""},
        {"sam", "step input Spring fair 2: customers ask for prices=in the brochure",
         "Thanks, your input is on step 2 \"brief sales\" of Spring fair; Mia Marketer will see "
         "it."},
        {"wang", "步骤意见 Spring fair brief sales：客户想要中文资料", "谢谢，你的意见已记在"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(one(c.who, c.text), HasSubstr(c.expected));
    }
    // The owner reads each input as it comes.
    EXPECT_EQ(bot.all_posts().back().to.channel, "@mia");
    EXPECT_THAT(
        bot.all_posts().back().text,
        HasSubstr("王芳 gave input on step 2 \"brief sales\" of Spring fair: 客户想要中文资料"));
    EXPECT_THAT(one("mo", "campaign Spring fair"),
                AllOf(HasSubstr("Sam Seller: customers ask for prices=in the brochure"),
                      HasSubstr("王芳: 客户想要中文资料")));
}

TEST_F(CampaignsTest, InputIsAskedOfTheRepsOfTheCustomersTheCampaignTouched) {
    bot.say("sam", "engagement new ACME stage=qualified");
    bot.say("mia", "campaign touch \"Spring fair\" ACME");
    bot.say("mia", "campaign plan \"Spring fair\"");
    const auto posts = bot.say_posts("mia", "step done Spring fair 1");
    EXPECT_THAT(texts_sent_to(posts, "@sam"), Contains(HasSubstr("asks for your input")));
    EXPECT_THAT(texts_sent_to(posts, "@wang"), IsEmpty());
    EXPECT_THAT(texts_sent_to(posts, "@sid"), IsEmpty());
}

TEST_F(CampaignsTest, APlanAndItsJobsSurviveARestart) {
    bot.say("mia", "campaign plan \"Spring fair\" start=2026-11-09");
    bot.restart();
    // Monday 9 November, 09:00 in Berlin (08:00 UTC): step 1 starts after the restart.
    const auto posts = bot.advance(
        std::chrono::milliseconds(utc_ms(2026, 11, 9, 8) - core::to_millis(bot.clock().now())));
    EXPECT_THAT(texts_sent_to(posts, "@mia"),
                Contains(HasSubstr("Step 1 \"plan\" of Spring fair has started")));
    EXPECT_THAT(
        one("sam", "campaign Spring fair"),
        HasSubstr("1. plan · Mia Marketer (Marketing) · due 2026-11-11 18:00 · in progress"));
}

TEST_F(CampaignsTest, AFirstStepMayBeDoneBeforeItsStartDay) {
    bot.say("mia", "campaign plan \"Spring fair\" start=2026-11-09");
    EXPECT_THAT(one("mia", "step done Spring fair 1"), HasSubstr("Done: step 1 \"plan\""));
    EXPECT_THAT(one("mia", "step done Spring fair 3"),
                HasSubstr("has not started yet: it waits for 2 brief sales."));
    const auto posts = bot.advance(
        std::chrono::milliseconds(utc_ms(2026, 11, 9, 8) - core::to_millis(bot.clock().now())));
    EXPECT_THAT(texts_sent_to(posts, "@mia"), Not(Contains(HasSubstr("Step 1 \"plan\""))));
    const auto steps = campaign_steps_of_bot(bot).steps(campaign_id("Spring fair"));
    EXPECT_EQ(steps[0].state, "done");
    EXPECT_EQ(steps[1].state, "active");
}

TEST_F(CampaignsTest, OwnersAreRemindedOnTheDueDay) {
    bot.say("mia", "campaign plan \"Spring fair\"");
    // Wednesday 4 November, 09:00 in Berlin (08:00 UTC): step 1 is due at 18:00.
    auto posts = bot.advance(
        std::chrono::milliseconds(utc_ms(2026, 11, 4, 8) - core::to_millis(bot.clock().now())));
    EXPECT_THAT(texts_sent_to(posts, "@mia"),
                ElementsAre(HasSubstr("Reminder: step 1 \"plan\" of Spring fair is due "
                                      "2026-11-04 18:00. When it is done: step done Spring "
                                      "fair 1")));
    // A step done before its day is not reminded of.
    bot.say("mia", "step done Spring fair 1");
    bot.say("mia", "step done Spring fair 2");
    posts = bot.advance(
        std::chrono::milliseconds(utc_ms(2026, 11, 6, 8) - core::to_millis(bot.clock().now())));
    EXPECT_THAT(texts_sent_to(posts, "@mia"), IsEmpty());
}

TEST_F(CampaignsTest, TheReviewPostsTheCampaignsFiguresAsTheMetricsCountThem) {
    // A sales-led customer the campaign touched wins a deal: influenced, half of it counts.
    bot.add({"ada", "Ada Admin", "management", "admin", "Asia/Shanghai"});
    bot.say("sam", "engagement new ACME stage=qualified");
    bot.say("mia", "campaign touch \"Spring fair\" ACME");
    bot.say("sam", "engagement new Other stage=qualified");
    bot.say("sam", "deal won ACME 100000");
    bot.say("sam", "deal won Other 40000");  // not touched: not the campaign's
    bot.say("mia", "campaign plan \"Spring fair\" template=short");
    // What `metrics` says for November, the campaign's month: the same incremental sales
    // as the review below (the other deal was not influenced); its campaign cost is both
    // campaigns' (20,000 and 10,000), the review's only this one's.
    const std::string metrics = texts_joined(bot.say("ada", "metrics month"));
    EXPECT_THAT(metrics, AllOf(HasSubstr("Incremental sales 50,000 CNY"),
                               HasSubstr("Campaign cost 30,000 CNY")));
    bot.advance(std::chrono::milliseconds(29LL * 24 * hour_ms));  // Tuesday 1 December
    const auto posts = bot.say_posts("mia", "step done Spring fair launch");
    const auto review = texts_sent_to(posts, "@mo");
    ASSERT_THAT(review, Contains(HasSubstr("Review of Spring fair (step 2 \"review\")")));
    const std::string text = review.back();
    EXPECT_THAT(text, AllOf(HasSubstr("Deals won with customers the campaign touched: 1 · revenue "
                                      "100,000 CNY"),
                            HasSubstr("Incremental sales 50,000 CNY · campaign cost 20,000 CNY · "
                                      "cost per unit of incremental sales 0.40 CNY")));
    EXPECT_THAT(texts_sent_to(posts, "@mia"), Contains(HasSubstr("Review of Spring fair")));
    EXPECT_EQ(bot.store().audit().recent(1).front().action, "campaign.review");
}

TEST(CampaignsConfig, TemplatesAreCheckedWithTheirLines) {
    const char* yaml =
        "templates:\n"
        "  loop:\n"
        "    - {name: a, owner: marketing, days: 1, after: [b]}\n"
        "    - {name: b, owner: sales, days: 2}\n"
        "  roles:\n"
        "    - {name: plan, owner: ceo, days: 1}\n"
        "    - {name: go, owner: sales_manager, days: 0, after: [nothing]}\n"
        "colour: red\n";
    core::ConfigErrors errors;
    core::SectionReader section(YAML::Load(yaml), "campaigns", errors);
    bot::FeatureSettings settings;
    bot::campaigns::read_config(section, settings);
    const std::string text = errors.describe("twintrack.yaml");
    EXPECT_THAT(text, AllOf(HasSubstr("twintrack.yaml:3: campaigns.templates.loop: the steps wait "
                                      "for each other in a cycle: a -> b -> a"),
                            HasSubstr("twintrack.yaml:6: campaigns.templates.roles[0].owner: "
                                      "unknown role \"ceo\"; known: marketing, sales"),
                            HasSubstr("twintrack.yaml:7: campaigns.templates.roles[1].days: must "
                                      "be between 1 and 250"),
                            HasSubstr("twintrack.yaml:7: campaigns.templates.roles[1].after: "
                                      "unknown step \"nothing\""),
                            HasSubstr("twintrack.yaml:8:")));
    const auto& read = settings.get<CampaignSettings>();
    EXPECT_EQ(read.templates.count("loop"), 0U);
    EXPECT_EQ(read.templates.count("default"), 1U);

    const char* good =
        "templates:\n"
        "  Launch:\n"
        "    - {name: brief, owner: marketing, days: 2, sales_input: true}\n"
        "    - {name: calls, owner: sales, days: 5, after: []}\n"
        "    - {name: review, owner: marketing_manager, days: 1, review: true, after: [brief, "
        "calls]}\n";
    core::ConfigErrors none;
    core::SectionReader ok(YAML::Load(good), "campaigns", none);
    bot::FeatureSettings got;
    bot::campaigns::read_config(ok, got);
    EXPECT_TRUE(none.empty()) << none.describe("x");
    const auto& t = got.get<CampaignSettings>().templates.at("launch");
    ASSERT_THAT(t, SizeIs(3));
    EXPECT_TRUE(t[0].sales_input);
    EXPECT_THAT(t[1].after, IsEmpty());
    EXPECT_THAT(t[2].after, ::testing::ElementsAre(0U, 1U));
    EXPECT_TRUE(t[2].review);
}

TEST(CampaignsSchedule, WorkingDaysSkipWeekendsAndStepsWaitForTheirPredecessors) {
    using namespace date;
    const std::vector<StepTemplate> steps = {
        {"a", "marketing", 3, false, false, {}},
        {"b", "sales", 1, false, false, {}},
        {"c", "marketing", 2, false, false, {0, 1}},
    };
    struct Case {
        sys_days start;
        sys_days a_last, b_last, c_first, c_last;
    };
    const std::vector<Case> cases = {
        // Thursday: a runs Thu, Fri, Mon; c after it on Tue and Wed.
        {2026_y / 11 / 5, 2026_y / 11 / 9, 2026_y / 11 / 5, 2026_y / 11 / 10, 2026_y / 11 / 11},
        // Saturday: everything begins on Monday.
        {2026_y / 11 / 7, 2026_y / 11 / 11, 2026_y / 11 / 9, 2026_y / 11 / 12, 2026_y / 11 / 13},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(format("%F", c.start));
        const auto days = bot::campaigns::schedule(steps, c.start);
        EXPECT_EQ(days[0].last, c.a_last);
        EXPECT_EQ(days[1].last, c.b_last);
        EXPECT_EQ(days[2].first, c.c_first);
        EXPECT_EQ(days[2].last, c.c_last);
    }
}

// `campaign plan`'s pure step: each step's days, deadline, reminder and start in its
// owner's working hours and zone.
TEST(CampaignsSchedule, PlannedStepsTakeTheirOwnersHoursAndZones) {
    using namespace date;
    const std::vector<StepTemplate> steps = {
        {"a", "marketing", 3, false, false, {}},
        {"b", "sales", 1, true, false, {}},
        {"c", "marketing", 2, false, true, {0, 1}},
    };
    const std::vector<bot::campaigns::StepOwner> owners = {
        {11, 9 * 60, 18 * 60, "Asia/Shanghai"},
        {12, 10 * 60, 17 * 60, "Europe/Berlin"},
        {13, 9 * 60, 18 * 60, "Asia/Shanghai"},
    };
    // Thursday 2026-11-05.
    const auto planned = bot::campaigns::plan_steps(steps, 2026_y / 11 / 5, owners);
    ASSERT_EQ(planned.size(), 3u);
    EXPECT_EQ(planned[0].seq, 1);
    EXPECT_EQ(planned[0].owner_id, 11);
    EXPECT_EQ(planned[0].starts_on, "2026-11-05");
    EXPECT_EQ(planned[0].start_at, 1793840400000);   // 2026-11-05 09:00 in Shanghai
    EXPECT_EQ(planned[0].remind_at, 1794186000000);  // 2026-11-09 09:00 in Shanghai
    EXPECT_EQ(planned[0].due_at, 1794218400000);     // 2026-11-09 18:00 in Shanghai
    EXPECT_EQ(planned[1].owner_role, "sales");
    EXPECT_TRUE(planned[1].sales_input);
    EXPECT_EQ(planned[1].start_at, 1793869200000);  // 2026-11-05 10:00 in Berlin
    EXPECT_EQ(planned[1].due_at, 1793894400000);    // 2026-11-05 17:00 in Berlin
    EXPECT_EQ(planned[2].waits_for, (std::vector<int>{1, 2}));
    EXPECT_EQ(planned[2].starts_on, "2026-11-10");
    EXPECT_TRUE(planned[2].review);
}

}  // namespace
}  // namespace twintrack::testing
