// Report windows through TestBot on a fake clock: the question at each person's own
// window opening (two zones, both languages), the reminder at 80 % to those who have not
// filed, pauses, restarts that never send twice, daylight-saving changes, and a person
// without a valid zone.

#include "bot/features/reports/report_windows.hpp"

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/metrics_settings.hpp"
#include "tests/features/engagement_tables.hpp"
#include "tests/features/feature_test_helpers.hpp"
#include "tests/features/reports_tables.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using namespace std::chrono_literals;

/// The texts of posts to one person's direct messages.
std::vector<std::string> to_person(const std::vector<core::Post>& posts,
                                   const std::string& handle) {
    std::vector<std::string> out;
    for (const auto& p : posts) {
        if (p.to.channel == "@" + handle) out.push_back(p.text);
    }
    return out;
}

/// Moves the bot's clock to `t` an hour at a time, as a running engine would tick, and
/// returns what was posted on the way.
std::vector<core::Post> until(TestBot& bot, core::Timestamp t) {
    std::vector<core::Post> out;
    while (bot.clock().now() < t) {
        const auto step = std::min<std::chrono::milliseconds>(
            std::chrono::duration_cast<std::chrono::milliseconds>(t - bot.clock().now()), 1h);
        for (auto& p : bot.advance(step)) out.push_back(std::move(p));
    }
    return out;
}

const char* const open_en = "Time for your weekly field report";
const char* const open_zh = "该写本周的一线报告了";
const char* const remind_en = "your weekly field report is still missing";
const char* const remind_zh = "你本周的一线报告还没有提交";

TEST(ReportWindows, OccurrencesFollowLocalTimeAcrossDaylightSaving) {
    const bot::reports::ReportWindowSetting sales;  // Fri 15:00 to Mon 10:00
    struct Case {
        const char* name;
        const char* zone;
        core::Timestamp from;
        core::Timestamp opens, closes, next_opens;
        const char* date;
    };
    const std::vector<Case> cases = {
        {"Berlin, summer time ends on Sunday 25 October", "Europe/Berlin", utc(2026, 10, 20, 0),
         utc(2026, 10, 23, 13), utc(2026, 10, 26, 9), utc(2026, 10, 30, 14), "2026-10-23"},
        {"Berlin, summer time starts on Sunday 28 March", "Europe/Berlin", utc(2027, 3, 22, 0),
         utc(2027, 3, 26, 14), utc(2027, 3, 29, 8), utc(2027, 4, 2, 13), "2027-03-26"},
        {"Shanghai has no daylight saving", "Asia/Shanghai", utc(2026, 10, 20, 0),
         utc(2026, 10, 23, 7), utc(2026, 10, 26, 2), utc(2026, 10, 30, 7), "2026-10-23"},
        {"an unknown zone counts as UTC", "Mars/Olympus", utc(2026, 10, 20, 0),
         utc(2026, 10, 23, 15), utc(2026, 10, 26, 10), utc(2026, 10, 30, 15), "2026-10-23"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto found =
            bot::reports::window_occurrences(sales, c.zone, c.from, c.from + date::days(14));
        ASSERT_THAT(found, SizeIs(2));
        EXPECT_EQ(found[0].opens, c.opens);
        EXPECT_EQ(found[0].closes, c.closes);
        EXPECT_EQ(found[0].date, c.date);
        EXPECT_EQ(found[1].opens, c.next_opens);
    }
    // 80 % of the window: of its real length, one hour longer when the clocks go back.
    const auto october = bot::reports::window_occurrences(
        sales, "Europe/Berlin", utc(2026, 10, 20, 0), utc(2026, 10, 24, 0));
    ASSERT_THAT(october, SizeIs(1));
    EXPECT_EQ(bot::reports::reminder_at(october[0]), utc(2026, 10, 25, 19, 24));  // 80 % of 68 h
}

// The digest's counting, without a bot: this period's reports oldest first, competitors
// most mentioned first with the previous period's count (one mentioned only before shows
// with 0), needs by how often; reports after the window closed are left out.
TEST(ReportWindows, TheDigestCountsThisPeriodAgainstThePreviousOne) {
    auto report = [](std::int64_t id, std::int64_t at, std::vector<store::ReportMention> m) {
        store::Report r;
        r.id = id;
        r.created_at = at;
        r.mentions = std::move(m);
        return r;
    };
    auto mention = [](const char* kind, const char* value) {
        store::ReportMention m;
        m.kind = kind;
        m.value = value;
        return m;
    };
    auto competitor = [&](const char* name) { return mention("competitor", name); };
    auto need = [&](const char* name) { return mention("need", name); };
    // Newest first, as the store finds them; this period is [100, 200).
    const std::vector<store::Report> found = {
        report(6, 250, {competitor("Late")}),
        report(5, 180, {competitor("华为"), need("case study")}),
        report(4, 150, {competitor("ZTE"), competitor("华为"), need("case study")}),
        report(3, 100, {competitor("Nokia"), need("price list")}),
        report(2, 60, {competitor("华为"), competitor("Ericsson")}),
        report(1, 50, {competitor("华为"), competitor("ZTE")}),
    };
    const auto counts = bot::reports::count_digest(found, 100, 200);
    std::vector<std::int64_t> ids;
    for (const auto& r : counts.current) ids.push_back(r.id);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{3, 4, 5}));
    std::vector<std::string> rows;
    for (const auto& c : counts.competitors) {
        rows.push_back(c.name + " " + std::to_string(c.count) + "/" + std::to_string(c.previous));
    }
    EXPECT_EQ(rows, (std::vector<std::string>{"华为 2/2", "Nokia 1/0", "ZTE 1/1", "Ericsson 0/1"}));
    EXPECT_EQ(counts.needs,
              (std::map<std::string, std::int64_t>{{"case study", 2}, {"price list", 1}}));
    const auto empty = bot::reports::count_digest({}, 100, 200);
    EXPECT_THAT(empty.current, IsEmpty());
    EXPECT_THAT(empty.competitors, IsEmpty());
}

TEST(ReportWindows, AWindowWithinOneDayAndAWeekLongOne) {
    bot::reports::ReportWindowSetting same_day{"marketing", 1, 9 * 60, 1, 11 * 60};
    bot::reports::ReportWindowSetting week{"sales", 1, 9 * 60, 1, 9 * 60};
    const auto a =
        bot::reports::window_occurrences(same_day, "UTC", utc(2026, 11, 2, 0), utc(2026, 11, 3, 0));
    ASSERT_THAT(a, SizeIs(1));
    EXPECT_EQ(a[0].closes, utc(2026, 11, 2, 11));
    const auto b =
        bot::reports::window_occurrences(week, "UTC", utc(2026, 11, 2, 0), utc(2026, 11, 3, 0));
    ASSERT_THAT(b, SizeIs(1));
    EXPECT_EQ(b[0].closes, utc(2026, 11, 9, 9));
}

class ReportWindowsTest : public ::testing::Test {
  protected:
    // Thursday 5 November 2026, noon UTC.
    ReportWindowsTest() : bot(utc(2026, 11, 5, 12)) {
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.advance(1min);  // today's plan
    }
    TestBot bot;
};

TEST_F(ReportWindowsTest, EachPersonIsAskedAtTheirOwnFridayAfternoonAndRemindedAt80Percent) {
    struct Step {
        const char* name;
        core::Timestamp at;
        const char* who;
        const char* expected;  ///< null: nothing for anyone up to `at`
    };
    // Shanghai: Fri 15:00 = 07:00 UTC, closes Mon 10:00 = 02:00 UTC; 80 % of 67 h is
    // 53 h 36 min after the opening. Berlin (CET): 14:00 UTC to Mon 09:00 UTC, same length.
    const std::vector<Step> steps = {
        {"nothing before Shanghai's Friday 15:00", utc(2026, 11, 6, 6, 59), nullptr, nullptr},
        {"Wang at 15:00 in Shanghai, in Chinese", utc(2026, 11, 6, 7), "wang", open_zh},
        {"nothing more before Berlin's Friday 15:00", utc(2026, 11, 6, 13, 59), nullptr, nullptr},
        {"Sam at 15:00 in Berlin", utc(2026, 11, 6, 14), "sam", open_en},
        {"no reminder before 80 %", utc(2026, 11, 8, 12, 35), nullptr, nullptr},
        {"Wang is reminded at 80 %", utc(2026, 11, 8, 12, 36), "wang", remind_zh},
        {"Sam filed, so no reminder for him", utc(2026, 11, 9, 12), nullptr, nullptr},
    };
    for (const auto& s : steps) {
        SCOPED_TRACE(s.name);
        if (std::string(s.name) == "no reminder before 80 %") {
            // ACME is no customer here: saved, then asked which customer it is.
            EXPECT_THAT(bot.say("sam", "report ACME: met their CTO"),
                        ElementsAre(HasSubstr("Saved report #1"), HasSubstr("Which customer")));
        }
        const auto posts = until(bot, s.at);
        if (s.expected == nullptr) {
            EXPECT_THAT(posts, IsEmpty());
            continue;
        }
        ASSERT_THAT(posts, SizeIs(1));
        const auto mine = to_person(posts, s.who);
        ASSERT_THAT(mine, SizeIs(1));
        EXPECT_THAT(mine[0], HasSubstr(s.expected));
    }
    EXPECT_THAT(to_person(bot.all_posts(), "mia"), IsEmpty());  // marketing has no window
}

TEST_F(ReportWindowsTest, TheOpeningTellsWhenTheWindowClosesInTheirZone) {
    const auto posts = until(bot, utc(2026, 11, 6, 14));
    const auto wang = to_person(posts, "wang");
    const auto sam = to_person(posts, "sam");
    ASSERT_THAT(wang, SizeIs(1));
    ASSERT_THAT(sam, SizeIs(1));
    EXPECT_THAT(wang[0], HasSubstr("截止时间 2026-11-09 10:00（Asia/Shanghai）"));
    EXPECT_THAT(sam[0], HasSubstr("The window closes 2026-11-09 10:00 (Europe/Berlin)"));
    EXPECT_THAT(sam[0], HasSubstr("\"report\""));
}

TEST_F(ReportWindowsTest, ARestartNeverSendsTwice) {
    until(bot, utc(2026, 11, 6, 6));
    bot.restart();
    auto posts = until(bot, utc(2026, 11, 6, 7, 30));
    EXPECT_THAT(to_person(posts, "wang"), SizeIs(1));
    bot.restart();
    posts = until(bot, utc(2026, 11, 6, 15));
    EXPECT_THAT(to_person(posts, "wang"), IsEmpty());
    EXPECT_THAT(to_person(posts, "sam"), SizeIs(1));
    bot.restart();
    posts = until(bot, utc(2026, 11, 9, 12));
    EXPECT_THAT(to_person(posts, "wang"), SizeIs(1));  // the reminder, once
    EXPECT_THAT(to_person(posts, "sam"), SizeIs(1));
}

TEST_F(ReportWindowsTest, APausedPersonIsNeitherAskedNorReminded) {
    // Sam on leave until the Monday; Wang pauses only until Thursday, which has passed.
    EXPECT_THAT(bot.say("sam", "report pause until 2026-11-09")[0], HasSubstr("2026-11-09"));
    EXPECT_THAT(bot.say("wang", "暂停报告 至 2026-11-05")[0], HasSubstr("2026-11-05"));
    const auto posts = until(bot, utc(2026, 11, 9, 12));
    EXPECT_THAT(to_person(posts, "sam"), IsEmpty());
    EXPECT_THAT(to_person(posts, "wang"), SizeIs(2));
}

TEST_F(ReportWindowsTest, TheNextWeeksComeFromTheDailyPlan) {
    const auto posts = until(bot, utc(2026, 11, 20, 8));
    std::size_t opens = 0;
    for (const auto& t : to_person(posts, "wang")) opens += t.find(open_zh) != std::string::npos;
    EXPECT_EQ(opens, 3u);  // 6, 13 and 20 November
}

TEST_F(ReportWindowsTest, SomeoneWhoLeftTheDepartmentOrJoinedLaterIsHandledByThePlan) {
    // Sam moves to marketing after the plan ran; Kim joins sales in Berlin the same day.
    bot.add({"sam", "Sam Seller", "marketing", "staff", "Europe/Berlin"});
    bot.add({"kim", "Kim", "sales", "staff", "Europe/Berlin"});
    const auto posts = until(bot, utc(2026, 11, 6, 14, 1));
    EXPECT_THAT(to_person(posts, "sam"), IsEmpty());
    ASSERT_THAT(to_person(posts, "kim"), SizeIs(1));  // picked up by Friday's plan
    EXPECT_THAT(to_person(posts, "kim")[0], HasSubstr(open_en));
}

TEST(ReportWindowsDst, TheQuestionComesAtLocal15InBerlinAcrossTheChange) {
    struct Case {
        const char* name;
        core::Timestamp start;
        std::vector<core::Timestamp> opens;  ///< when Sam is asked, UTC
        core::Timestamp reminder;
    };
    const std::vector<Case> cases = {
        {"October: summer time ends in the window",
         utc(2026, 10, 22, 12),
         {utc(2026, 10, 23, 13), utc(2026, 10, 30, 14)},
         utc(2026, 10, 25, 19, 24)},
        {"March: summer time starts in the window",
         utc(2027, 3, 25, 12),
         {utc(2027, 3, 26, 14), utc(2027, 4, 2, 13)},
         utc(2027, 3, 28, 18, 48)},  // 80 % of 66 h
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        TestBot bot(c.start);
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.advance(1min);
        EXPECT_THAT(until(bot, c.opens[0] - 1min), IsEmpty());
        EXPECT_THAT(to_person(until(bot, c.opens[0]), "sam"), SizeIs(1));
        EXPECT_THAT(until(bot, c.reminder - 1min), IsEmpty());
        const auto reminder = to_person(until(bot, c.reminder), "sam");
        ASSERT_THAT(reminder, SizeIs(1));
        EXPECT_THAT(reminder[0], HasSubstr(remind_en));
        EXPECT_THAT(until(bot, c.opens[1] - 1min), IsEmpty());
        EXPECT_THAT(to_person(until(bot, c.opens[1]), "sam"), SizeIs(1));
    }
}

TEST(ReportWindowsZone, APersonWithoutAValidZoneUsesTheCompanyZoneAndIsAskedOnce) {
    struct Case {
        const char* name;
        const char* zone;
        const char* locale;
        const char* asked;
    };
    const std::vector<Case> cases = {
        {"no zone", "", "en", "You have no time zone set, so I use the company's (Asia/Shanghai)"},
        {"an unknown zone", "Mars/Olympus", "zh-CN", "我不认识时区“Mars/Olympus”"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        TestBot bot(utc(2026, 11, 5, 12));  // the company zone is Asia/Shanghai
        bot.add({"lee", "Lee", "sales", "staff", c.zone, c.locale});
        bot.advance(1min);
        EXPECT_THAT(until(bot, utc(2026, 11, 6, 6, 59)), IsEmpty());
        auto posts = to_person(until(bot, utc(2026, 11, 6, 7, 1)), "lee");
        ASSERT_THAT(posts, SizeIs(2));
        EXPECT_THAT(posts[0], HasSubstr(std::string(c.locale) == "en" ? open_en : open_zh));
        EXPECT_THAT(posts[1], HasSubstr(c.asked));
        // The next week: the question again, but not the zone request.
        posts = to_person(until(bot, utc(2026, 11, 13, 7, 1)), "lee");
        ASSERT_THAT(posts, SizeIs(2));  // last week's reminder and this week's question
        for (const auto& p : posts) EXPECT_THAT(p, ::testing::Not(HasSubstr(c.asked)));
    }
}

/// The texts posted to a channel.
std::vector<std::string> in(const std::vector<core::Post>& posts, const std::string& channel) {
    std::vector<std::string> out;
    for (const auto& p : posts) {
        if (p.to.channel == channel) out.push_back(p.text);
    }
    return out;
}

bot::BotSettings digest_settings(const std::string& locale) {
    bot::BotSettings s;  // the company zone is Asia/Shanghai
    s.default_locale = locale;
    s.features.edit<bot::reports::ReportSettings>().competitors = {{"Huawei", {"华为"}},
                                                                   {"ZTE", {"中兴"}}};
    s.features.edit<bot::reports::ReportSettings>().need_keywords = {{"en", {"case study"}},
                                                                     {"zh-CN", {"案例"}}};
    s.features.edit<bot::metrics::MetricsSettings>().weekly_post =
        false;  // the weekly metrics post goes to these channels too
    return s;
}

class ReportDigestTest : public ::testing::Test {
  protected:
    // Monday 2 November 2026, 09:00 UTC. The sales window closes in the company zone on
    // Mondays at 10:00 Shanghai time, 02:00 UTC.
    explicit ReportDigestTest(const std::string& locale = "en")
        : bot(utc(2026, 11, 2, 9), digest_settings(locale)) {
        bot.add({"mia", "Mia Marketer", "marketing", "manager", "Europe/Berlin"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"lee", "Lee", "sales", "staff", "Asia/Shanghai"});
        const auto now = core::to_millis(bot.clock().now());
        bot.store().channel_tracks().upsert({"test", "mkt", "marketing"}, now);
        bot.store().channel_tracks().upsert({"test", "joint", "joint"}, now);
        bot.store().channel_tracks().upsert({"test", "deals", "sales"}, now);
        bot.say("mia", "engagement new ACME");
        bot.say("mia", "customer alias ACME 艾克米");
        bot.advance(1min);
    }
    TestBot bot;
};

TEST_F(ReportDigestTest, OneDigestPerWindowToMarketingAndJointWithChangesAndEdits) {
    bot.advance(24h);
    bot.say("sam", "report ACME: competitor Huawei offered 10% off");
    bot.say("lee", "report pause until 2026-11-20");
    auto posts = until(bot, utc(2026, 11, 9, 1, 59));
    EXPECT_THAT(in(posts, "mkt"), IsEmpty());
    posts = until(bot, utc(2026, 11, 9, 2));
    EXPECT_THAT(in(posts, "deals"), IsEmpty());  // not the sales track
    ASSERT_THAT(in(posts, "joint"), SizeIs(1));
    const auto first = in(posts, "mkt");
    ASSERT_THAT(first, SizeIs(1));
    EXPECT_EQ(first, in(posts, "joint"));
    for (const char* e :
         {"Field report digest, Sales: 1 report(s) from 2026-11-02 10:00 to 2026-11-09 10:00 "
          "(Asia/Shanghai).",
          "Reported: Sam Seller. Not yet: 王芳. On leave: Lee.", "• Huawei: 1 (new)", "Needs: none",
          "• -10% Huawei at ACME (#1, Sam Seller)", "Help wanted from marketing: none"}) {
        EXPECT_THAT(first[0], HasSubstr(e));
    }

    // The next period: more competitors, an edit of a report already in a digest, and
    // help wanted on an engagement (a consult request) and without one.
    bot.advance(24h);
    bot.say("wang", "报告 艾克米：竞品华为报价低15%，客户想要案例");
    bot.say("sam", "report Beta: Huawei and ZTE were both there");
    EXPECT_THAT(bot.say("sam", "report edit 1 competitor Huawei offered 12% off")[0],
                HasSubstr("version 2"));
    for (const char* a : {"report", "ACME", "skip", "skip", "skip"}) bot.say("sam", a);
    const auto consult = bot.deliver([] {
        core::Event e;
        e.where = {"test", "@sam", ""};
        e.who = {"test", "sam", "sam"};
        e.text = "a customer reference in banking";
        e.direct = true;
        return e;
    }());
    ASSERT_THAT(to_person(consult, "sam"), SizeIs(1));
    EXPECT_THAT(to_person(consult, "sam")[0], HasSubstr("I asked the marketing managers"));
    ASSERT_THAT(to_person(consult, "mia"), SizeIs(1));
    EXPECT_THAT(to_person(consult, "mia")[0],
                HasSubstr("Sam Seller asks marketing for help with ACME (#acme): a customer "
                          "reference in banking (report #4)"));
    const auto acme =
        engagements_of_bot(bot).of_customer(reports_table(bot).get(4)->customer_id.value());
    ASSERT_THAT(acme, SizeIs(1));
    const auto consultations = engagements_of_bot(bot).consultations(acme[0].id);
    ASSERT_THAT(consultations, SizeIs(1));
    EXPECT_EQ(consultations[0].note, "a customer reference in banking");
    for (const char* a : {"report", "Beta", "skip", "skip", "skip", "pricing slides"}) {
        bot.say("sam", a);
    }

    posts = until(bot, utc(2026, 11, 16, 2));
    const auto second = in(posts, "mkt");
    ASSERT_THAT(second, SizeIs(1));
    for (const char* e :
         {"4 report(s) from 2026-11-09 10:00 to 2026-11-16 10:00",
          "Reported: Sam Seller, 王芳. Not yet: nobody. On leave: Lee.", "• Huawei: 2 (+1 from 1)",
          "• ZTE: 1 (new)", "• 案例 ×1", "• -15% Huawei at ACME (#2, 王芳)",
          "• a customer reference in banking for ACME (#4, Sam Seller), a consult request on "
          "the engagement",
          "• pricing slides for Beta (#5, Sam Seller), no engagement: please pick it up here",
          "Edited after the last digest:\n• #1 Sam Seller on ACME, now version 2: competitor "
          "Huawei offered 12% off"}) {
        EXPECT_THAT(second[0], HasSubstr(e));
    }

    // A restart sends nothing twice; the edit is noted once; Huawei drops to none.
    bot.restart();
    posts = until(bot, utc(2026, 11, 23, 2));
    const auto third = in(posts, "mkt");
    ASSERT_THAT(third, SizeIs(1));
    EXPECT_THAT(third[0], HasSubstr("• Huawei: 0 (-2 from 2)"));
    EXPECT_THAT(third[0], ::testing::Not(HasSubstr("Edited after the last digest")));
    EXPECT_THAT(third[0], HasSubstr("Reported: nobody. Not yet: Sam Seller, 王芳, Lee."));
}

class ReportDigestChineseTest : public ReportDigestTest {
  protected:
    ReportDigestChineseTest() : ReportDigestTest("zh-CN") {}
};

TEST_F(ReportDigestChineseTest, TheDigestIsInTheCompanysDefaultLocale) {
    bot.advance(24h);
    bot.say("wang", "报告 艾克米：竞品华为报价低15%，客户想要案例");
    const auto digest = in(until(bot, utc(2026, 11, 9, 2)), "joint");
    ASSERT_THAT(digest, SizeIs(1));
    for (const char* e :
         {"一线报告汇总（", "共 1 份报告", "已提交：王芳。未提交：Sam Seller、Lee。",
          "• Huawei：1 次（新出现）", "• 案例 ×1", "需要市场部支持：无"}) {
        EXPECT_THAT(digest[0], HasSubstr(e));
    }
}

}  // namespace
}  // namespace twintrack::testing
