// Thanks between colleagues through TestBot: a thanks recorded and told to the person
// thanked, counted in `thanks week` when it goes between marketing and sales, the list cut
// at `shown` and at seven days; refusals (oneself, no note, a note too long, nobody by that
// name) in English and Chinese; the `thanks:` section with its errors; the counting alone;
// the thanks across tracks in the weekly joint numbers; `person export` and `person erase`
// over the feature's own table.

#include "bot/features/thanks/thanks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/config.hpp"
#include "app/person_tools.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;

bot::BotSettings settings(int shown = 10, bool tell = true) {
    bot::BotSettings s;
    auto& t = s.features.edit<bot::thanks::ThanksSettings>();
    t.shown = shown;
    t.tell = tell;
    t.note_limit = 40;
    return s;
}

class ThanksTest : public ::testing::Test {
  protected:
    explicit ThanksTest(bot::BotSettings s = settings()) : bot(TestBot::default_start(), s) {
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"sid", "Sid Seller", "sales", "staff", "Europe/Berlin"});
        bot.add({"wang", "王芳", "sales", "staff", "Asia/Shanghai", "zh-CN"});
        bot.add({"li", "李明", "marketing", "staff", "Asia/Shanghai", "zh-CN"});
    }
    /// What `who` is answered in their own conversation, as one text.
    std::string one(const std::string& who, const std::string& text) {
        const auto r = texts_sent_to(bot.say_posts(who, text), "@" + who);
        EXPECT_THAT(r, SizeIs(1)) << text;
        return r.empty() ? "" : r.front();
    }
    TestBot bot;
};

TEST_F(ThanksTest, AThanksIsNotedToldToThePersonAndCountedAcrossTracks) {
    const auto posts = bot.say_posts("mia", "thanks @sam for calling ACME back the same day");
    EXPECT_THAT(texts_sent_to(posts, "@mia"),
                ElementsAre("Thanks to Sam Seller noted: one more between Marketing and Sales. "
                            "I told Sam Seller."));
    EXPECT_THAT(texts_sent_to(posts, "@sam"),
                ElementsAre("Mia Marketer (Marketing) thanks you: for calling ACME back the "
                            "same day"));
    // Within one department: noted, not counted as crossing.
    EXPECT_EQ(one("sam", "kudos @sid for the demo"),
              "Thanks to Sid Seller noted. I told Sid Seller.");
    bot.advance(1h);
    const std::string week = one("sid", "thanks week");
    EXPECT_THAT(week, HasSubstr("Thanks in the last seven days: 2, 1 of them between marketing "
                                "and sales."));
    EXPECT_THAT(week, HasSubstr("Mia Marketer → Sam Seller: for calling ACME back the same day"));
    EXPECT_THAT(week, HasSubstr("Sam Seller → Sid Seller: for the demo"));
    // The newest first.
    EXPECT_LT(week.find("Sid Seller: for the demo"), week.find("Sam Seller: for calling"));
}

TEST_F(ThanksTest, InChineseTheThanksAndTheWeekAreAnsweredInChinese) {
    const auto posts = bot.say_posts("wang", "感谢 @li 帮我准备了华为的方案");
    EXPECT_THAT(texts_sent_to(posts, "@wang"),
                ElementsAre("已记下对李明的感谢：销售部与市场部之间又多了一次。我已告诉李明。"));
    EXPECT_THAT(texts_sent_to(posts, "@li"),
                ElementsAre("王芳（销售部）感谢你：帮我准备了华为的方案"));
    const std::string week = one("li", "本周感谢");
    EXPECT_THAT(week, HasSubstr("最近七天的感谢：1次，其中1次在市场部与销售部之间。"));
    EXPECT_THAT(week, HasSubstr("王芳 → 李明：帮我准备了华为的方案"));
}

TEST_F(ThanksTest, NobodyThanksThemselvesAndNothingIsNoted) {
    EXPECT_EQ(one("mia", "thanks @mia for my own slides"),
              "You cannot thank yourself. Thank a colleague with \"thanks @PERSON NOTE\".");
    EXPECT_EQ(one("wang", "感谢 @wang 自己"), "不能感谢自己。感谢同事请写“感谢 @某人 内容”。");
    EXPECT_EQ(one("mia", "thanks week"),
              "No thanks in the last seven days. Start with \"thanks @PERSON NOTE\".");
    EXPECT_EQ(one("wang", "本周感谢"), "最近七天没有感谢。写“感谢 @某人 内容”开始吧。");
}

TEST_F(ThanksTest, AThanksWithoutANoteIsAnsweredWithTheUsageInTheWritersLanguage) {
    EXPECT_THAT(one("mia", "thanks @sam"), AllOf(HasSubstr("NOTE"), HasSubstr("Usage:")));
    EXPECT_THAT(one("wang", "感谢 @li"), AllOf(HasSubstr("说明"), HasSubstr("用法")));
    EXPECT_THAT(one("mia", "thanks week"), HasSubstr("No thanks"));
}

TEST_F(ThanksTest, ANoteOverTheLimitIsRefusedInBothLanguages) {
    EXPECT_EQ(one("mia", "thanks @sam " + std::string(41, 'x')),
              "A thanks note may be 40 characters long at most. Say it shorter.");
    std::string long_zh;
    for (int i = 0; i < 41; ++i) long_zh += "谢";
    EXPECT_EQ(one("wang", "感谢 @li " + long_zh), "感谢内容最多40个字，请写短一些。");
    // Forty characters (not bytes) are accepted.
    std::string forty_zh;
    for (int i = 0; i < 40; ++i) forty_zh += "谢";
    EXPECT_THAT(one("wang", "感谢 @li " + forty_zh), HasSubstr("已记下对李明的感谢"));
}

TEST_F(ThanksTest, ThanksToSomebodyUnknownIsAskedAboutAndNotNoted) {
    EXPECT_THAT(one("mia", "thanks @samuel for the call"), Not(HasSubstr("noted")));
    EXPECT_THAT(one("mia", "thanks week"), HasSubstr("No thanks"));
}

TEST_F(ThanksTest, TheWeekListsSevenDaysAndOnlyTheNewestShown) {
    one("mia", "thanks @sam old one");
    bot.advance(8 * 24h);
    for (int i = 1; i <= 12; ++i) {
        one("mia", "thanks @sam note " + std::to_string(i));
        bot.advance(1min);
    }
    const std::string week = one("mia", "thanks week");
    EXPECT_THAT(week, HasSubstr("Thanks in the last seven days: 12, 12 of them"));
    EXPECT_THAT(week, Not(HasSubstr("old one")));
    EXPECT_THAT(week, HasSubstr("note 12"));
    EXPECT_THAT(week, HasSubstr("note 3"));
    EXPECT_THAT(week, Not(HasSubstr("note 2\n")));
    EXPECT_THAT(week, HasSubstr("... and 2 more."));
}

TEST_F(ThanksTest, TheWeeklyJointNumbersCountTheThanksBetweenMarketingAndSales) {
    bot.store().channel_tracks().upsert({"test", "joint", "joint"},
                                        core::to_millis(bot.clock().now()));
    one("mia", "thanks @sam for the ACME call");  // marketing -> sales
    one("sam", "thanks @sid for the demo");       // within sales: not a joint touchpoint
    one("wang", "感谢 @li 帮我准备了方案");       // sales -> marketing
    // The weekly post goes out on Monday 09:00 in Asia/Shanghai (01:00 UTC), 160 hours on.
    auto weekly = [](const std::vector<core::Post>& posts) {
        std::vector<std::string> out;
        for (const auto& p : posts) {
            if (p.text.find("Weekly joint metrics") == 0 || p.text.find("每周联合指标") == 0) {
                out.push_back(p.text);
            }
        }
        return out;
    };
    const auto first = weekly(bot.advance(160h + 1min));
    ASSERT_THAT(first, SizeIs(2));
    EXPECT_THAT(first[0], HasSubstr("thanks between marketing and sales 2 ·"));
    EXPECT_THAT(first[1], HasSubstr("市场部与销售部之间的感谢：2"));
    // The week after had none.
    const auto second = weekly(bot.advance(7 * 24h));
    ASSERT_THAT(second, SizeIs(2));
    EXPECT_THAT(second[0], HasSubstr("thanks between marketing and sales 0 ·"));
    EXPECT_THAT(second[1], HasSubstr("市场部与销售部之间的感谢：0"));
}

TEST_F(ThanksTest, PersonExportHoldsTheThanksGivenAndReceivedAndEraseAnonymisesThem) {
    one("mia", "thanks @sam for the ACME call");
    one("sam", "thanks @sid for the demo");
    one("mia", "thanks @sid for covering Sam Seller");
    const auto now = core::to_millis(bot.clock().now());
    const auto data = app::person_export_json(bot.store(), "sam@example.com", now);
    ASSERT_TRUE(data.has_value());
    const auto& tables = (*data)["tables"];
    ASSERT_THAT(tables["thanks_given"], SizeIs(1));
    EXPECT_EQ(tables["thanks_given"][0]["note"], "for the demo");
    ASSERT_THAT(tables["thanks_received"], SizeIs(1));
    EXPECT_EQ(tables["thanks_received"][0]["note"], "for the ACME call");
    // Mia's export holds only hers.
    const auto mia = app::person_export_json(bot.store(), "mia@example.com", now);
    ASSERT_TRUE(mia.has_value());
    EXPECT_THAT((*mia)["tables"]["thanks_given"], SizeIs(2));
    EXPECT_THAT((*mia)["tables"]["thanks_received"], IsEmpty());

    const auto erased = app::person_erase(bot.store(), "sam@example.com", now);
    ASSERT_TRUE(erased.has_value());
    std::vector<std::string> notes;
    bot.store().db().query("SELECT note FROM thanks ORDER BY id", {},
                           [&](const store::Row& r) { notes.push_back(r.text(0)); });
    // The rows stay (they still count); his notes are gone, and nothing names him.
    EXPECT_THAT(notes, ElementsAre("", "", "for covering " + erased->label));
    bot.engine().reload_directory();
    EXPECT_THAT(one("sid", "thanks week"),
                AllOf(HasSubstr("Thanks in the last seven days: 3,"), Not(HasSubstr("Sam Seller")),
                      Not(HasSubstr("ACME call"))));
}

class ThanksUntoldTest : public ThanksTest {
  protected:
    ThanksUntoldTest() : ThanksTest(settings(10, false)) {}
};

TEST_F(ThanksUntoldTest, WithTellOffThePersonThankedGetsNoMessage) {
    const auto posts = bot.say_posts("mia", "thanks @sam for the call");
    EXPECT_THAT(texts_sent_to(posts, "@mia"), ElementsAre("Thanks to Sam Seller noted: one more "
                                                          "between Marketing and Sales."));
    EXPECT_THAT(texts_sent_to(posts, "@sam"), IsEmpty());
}

TEST(ThanksConfig, TheSectionIsReadAndItsMistakesNamedWithTheirLines) {
    app::Config c;
    core::ConfigErrors errors;
    ASSERT_TRUE(
        app::parse_config("thanks:\n  tell: false\n  note_limit: 80\n  shown: 5\n", c, errors))
        << errors.describe("t");
    const auto& t = c.bot.features.get<bot::thanks::ThanksSettings>();
    EXPECT_FALSE(t.tell);
    EXPECT_EQ(t.note_limit, 80);
    EXPECT_EQ(t.shown, 5);
    app::Config defaults;
    ASSERT_TRUE(app::parse_config("", defaults, errors));
    EXPECT_TRUE(defaults.bot.features.get<bot::thanks::ThanksSettings>().tell);
    app::Config bad;
    core::ConfigErrors bad_errors;
    EXPECT_FALSE(app::parse_config("thanks:\n  tel: false\n  shown: 0\n", bad, bad_errors));
    const std::string described = bad_errors.describe("twintrack.yaml");
    EXPECT_THAT(described, HasSubstr("twintrack.yaml:2: thanks: unknown key \"tel\""));
    EXPECT_THAT(described, HasSubstr("twintrack.yaml:3:"));
}

TEST(ThanksCount, OnlyThanksBetweenMarketingAndSalesCross) {
    EXPECT_TRUE(bot::thanks::crosses_tracks("marketing", "sales"));
    EXPECT_TRUE(bot::thanks::crosses_tracks("sales", "marketing"));
    EXPECT_FALSE(bot::thanks::crosses_tracks("sales", "sales"));
    EXPECT_FALSE(bot::thanks::crosses_tracks("hr", "sales"));
    EXPECT_FALSE(bot::thanks::crosses_tracks("marketing", ""));
    const std::map<std::int64_t, std::string> departments = {
        {1, "marketing"}, {2, "sales"}, {3, "hr"}};
    const auto counts = bot::thanks::count_week(
        {{1, 1, 2, "a", 0}, {2, 2, 1, "b", 0}, {3, 3, 2, "c", 0}, {4, 1, 9, "d", 0}},
        [&](std::int64_t id) {
            const auto it = departments.find(id);
            return it == departments.end() ? std::string() : it->second;
        });
    EXPECT_EQ(counts.total, 4);
    EXPECT_EQ(counts.cross, 2);
}

}  // namespace
}  // namespace twintrack::testing
