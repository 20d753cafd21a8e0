// The demo organisation's history (`run --demo`): what a new user asks first answers with
// numbers, names and both languages; the same seed gives the same history; it is loaded
// once and never into a store that has people or data of its own.

#include "app/demo_history.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "app/config.hpp"
#include "bot/features/metrics/store/metrics_store.hpp"
#include "bot/people_import.hpp"
#include "core/source_dir.hpp"
#include "tests/features/engagement_tables.hpp"
#include "tests/features/reports_tables.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using ::testing::HasSubstr;

/// Thursday 2026-11-26 06:00 UTC: 14:00 in Shanghai, 07:00 in Berlin.
core::Timestamp thursday() { return core::from_millis(1795672800000); }

bot::BotSettings demo_settings() {
    app::Config config;
    core::ConfigErrors errors;
    const std::string path = core::source_dir() + "/config/demo/twintrack.yaml";
    EXPECT_TRUE(app::load_config(path, config, errors)) << errors.describe(path);
    return config.bot;
}

std::string people_csv() { return core::source_dir() + "/config/demo/people.csv"; }

/// A TestBot whose directory is the demo organisation, each person also reachable on the
/// test connector under their hub id ("liwei", "anna", ...).
class DemoBot {
  public:
    explicit DemoBot(core::Timestamp start = thursday()) : bot(start, demo_settings()) {}

    app::DemoStart start(std::uint32_t seed = app::demo_seed) {
        std::ostringstream out;
        app::DemoStart result = app::DemoStart::left_alone;
        if (seed == app::demo_seed) {
            result = app::start_demo(bot.store(), people_csv(), bot.engine().settings(),
                                     bot.engine().prompts(), bot.clock(), "en", out);
        } else {
            // Another seed: the same people, the history generated from `seed`.
            std::ifstream in(people_csv());
            EXPECT_TRUE(bot::import_people_csv(in, bot.store(), bot.engine().prompts(), "en",
                                               core::to_millis(bot.clock().now()))
                            .ok());
            EXPECT_TRUE(app::load_demo_history(bot.store(), bot.engine().settings(),
                                               bot.engine().prompts(), bot.clock(), seed));
            result = app::DemoStart::loaded;
        }
        link_test_identities();
        return result;
    }

    void link_test_identities() {
        for (const auto& p : bot.store().people().all()) {
            for (const auto& id : p.identities) {
                if (id.connector == "hub" && !bot.store().people().owner_of({"test", id.user_id})) {
                    bot.store().people().add_identity(p.id, {"test", id.user_id});
                }
            }
        }
        bot.engine().reload_directory();
    }

    /// Everything the history wrote that a user sees, in one text.
    std::string digest() {
        std::ostringstream out;
        store::ReportFilter all;
        all.limit = -1;
        for (const auto& r : reports_table(bot).find(all)) {
            out << "R " << r.author_id << " " << r.created_at << " " << r.text << " "
                << r.mentions.size() << "\n";
        }
        for (const auto& d :
             store::metrics::DealRepository(bot.store().db()).active_between(0, 1LL << 62)) {
            out << "D " << d.customer_text << " " << d.stage << " " << d.company_amount << " "
                << d.created_at << " " << d.closed_at.value_or(0) << "\n";
        }
        for (const auto& e : engagements_of_bot(bot).all()) {
            out << "E " << e.customer_name << " " << e.stage << " " << e.lead << " "
                << e.owner_id.value_or(0) << " " << e.updated_at << "\n";
        }
        return out.str();
    }

    std::int64_t report_count() { return reports_table(bot).count({}); }

    TestBot bot;
};

/// The first number captured by `pattern` in `text`, or -1.
long long number_after(const std::string& text, const std::string& pattern) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(pattern))) return -1;
    std::string digits;
    for (char c : m[1].str()) {
        if (c >= '0' && c <= '9') digits += c;
    }
    return digits.empty() ? -1 : std::stoll(digits);
}

TEST(DemoHistory, TheTourAnswersWithNumbersNamesAndBothLanguages) {
    DemoBot demo;
    ASSERT_EQ(demo.start(), app::DemoStart::loaded);
    struct Case {
        std::string who;
        std::string text;
        std::vector<std::string> has;
        std::vector<std::string> positive;  ///< regexes whose number must be > 0
    };
    const std::vector<Case> cases = {
        {"thomas",
         "metrics",
         {"Metrics for the company", "Top competitor mentions: Huawei"},
         {R"(Revenue ([0-9,.]+) CNY)", R"(Deals won (\d+))", R"(pipeline created ([0-9,.]+) CNY)",
          R"(handoffs (\d+) \()", R"(accepted (\d+))", R"(Leads (\d+))",
          R"(Field-report coverage [0-9.]+% \((\d+) of)", R"(Quota attainment ([0-9.]+)%)",
          R"(Incremental sales ([0-9,.]+) CNY)"}},
        {"emily",
         "metrics month",
         {"Consultations asked", "activity budget (spent / plan)"},
         {R"(Revenue ([0-9,.]+) CNY)", R"(Deals won (\d+))", R"(coffee pairs met (\d+))",
          R"(activity budget \(spent / plan\) ([0-9,.]+) CNY)"}},
        {"anna",
         "reports week",
         {"Huawei", "华为", "[prices: -", "[needs: "},
         {R"(Field reports \((\d+))"}},
        {"anna", "intel Huawei", {"Huawei: ", "prices: -", "needs: "}, {R"(Huawei: (\d+) report)"}},
        {"liwei", "情报 华为", {"Huawei：共", "价格"}, {R"(Huawei：共 (\d+) 份报告)"}},
        {"emily",
         "summary reports",
         {"In short:", "Competitors: ", "Huawei", "Needs: "},
         {R"(: (\d+) report\(s\))", R"(from (\d+) people)"}},
        {"zhangwei", "todo", {}, {}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.who + ": " + c.text);
        const auto replies = demo.bot.say(c.who, c.text);
        ASSERT_FALSE(replies.empty());
        const std::string& text = replies.front();
        for (const auto& s : c.has) EXPECT_THAT(text, HasSubstr(s));
        for (const auto& p : c.positive) {
            EXPECT_GT(number_after(text, p), 0) << p << "\n" << text;
        }
        EXPECT_THAT(text, ::testing::Not(HasSubstr("No field report")));
    }
    // The chart of the last weeks has bars in most weeks.
    const std::string metrics = demo.bot.say("thomas", "metrics").front();
    const auto weeks = metrics.find("Incremental sales by week:");
    ASSERT_NE(weeks, std::string::npos) << metrics;
    std::istringstream lines(metrics.substr(weeks));
    std::string line;
    std::getline(lines, line);
    int shown = 0, with_sales = 0;
    while (shown < 8 && std::getline(lines, line)) {
        ++shown;
        if (number_after(line, R"(([0-9,.]+) CNY)") > 0) ++with_sales;
    }
    EXPECT_EQ(shown, 8);
    EXPECT_GE(with_sales, 4) << metrics;
    // The intel timeline has reports by more than one person, in both languages.
    const std::string intel = demo.bot.say("anna", "intel Huawei").front();
    EXPECT_GE(number_after(intel, R"(Huawei: (\d+) report)"), 5);
    bool chinese_customer = false;
    std::istringstream items(intel);
    for (std::string item; std::getline(items, item);) {
        const auto at = item.find("customers: ");
        if (at == std::string::npos) continue;
        const std::string customers = item.substr(at, item.find(" · ", at) - at);
        for (const char c : customers) {
            if (static_cast<unsigned char>(c) >= 0xE4) chinese_customer = true;  // CJK
        }
    }
    EXPECT_TRUE(chinese_customer) << "no Chinese customer:\n" << intel;
    EXPECT_TRUE(std::regex_search(intel, std::regex("customers: [A-Z][a-z]")))
        << "no European customer:\n"
        << intel;
}

TEST(DemoHistory, HandoffsMoveThroughTheFunnelWithSomeDeclinedOrWaiting) {
    DemoBot demo;
    ASSERT_EQ(demo.start(), app::DemoStart::loaded);
    std::map<std::string, int> handoffs;
    std::map<std::string, int> stages;
    for (const auto& e : engagements_of_bot(demo.bot).all()) {
        ++stages[e.stage];
        if (auto h = engagements_of_bot(demo.bot).latest_handoff(e.id)) ++handoffs[h->status];
    }
    EXPECT_GE(handoffs["accepted"], 5);
    EXPECT_GE(handoffs["declined"], 1);
    EXPECT_GE(handoffs["pending"], 1);
    EXPECT_GE(stages["won"], 2);
    EXPECT_GE(stages["lost"], 1);
    // A rep with a waiting handoff sees it in `todo`.
    bool someone_waits = false;
    for (const auto& p : demo.bot.store().people().all()) {
        if (!engagements_of_bot(demo.bot).pending_handoffs_to(p.id).empty()) {
            someone_waits = true;
        }
    }
    EXPECT_TRUE(someone_waits);
}

TEST(DemoHistory, TheSameSeedGivesTheSameHistory) {
    DemoBot first, second, other;
    ASSERT_EQ(first.start(), app::DemoStart::loaded);
    ASSERT_EQ(second.start(), app::DemoStart::loaded);
    ASSERT_EQ(other.start(app::demo_seed + 1), app::DemoStart::loaded);
    EXPECT_GT(first.report_count(), 40);
    EXPECT_EQ(first.digest(), second.digest());
    EXPECT_NE(first.digest(), other.digest());
}

TEST(DemoHistory, IsDatedRelativeToTheClock) {
    // A week later, the same history a week later: nothing after "now", the current
    // week has its share.
    DemoBot later(thursday() + std::chrono::hours(24 * 7));
    ASSERT_EQ(later.start(), app::DemoStart::loaded);
    store::ReportFilter all;
    all.limit = -1;
    const auto now = core::to_millis(later.bot.clock().now());
    std::int64_t oldest = now;
    for (const auto& r : reports_table(later.bot).find(all)) {
        EXPECT_LT(r.created_at, now);
        oldest = std::min(oldest, r.created_at);
    }
    EXPECT_GT(oldest, now - 14LL * 7 * 24 * 3600 * 1000);  // about twelve weeks back
    EXPECT_LT(oldest, now - 11LL * 7 * 24 * 3600 * 1000);
    EXPECT_GT(number_after(later.bot.say("thomas", "metrics").front(), R"(Deals won (\d+))"), 0);
}

TEST(DemoHistory, ASecondStartDoesNotLoadItAgain) {
    DemoBot demo;
    ASSERT_EQ(demo.start(), app::DemoStart::loaded);
    const std::string before = demo.digest();
    const auto reports = demo.report_count();
    ASSERT_GT(reports, 0);
    demo.bot.restart();
    demo.bot.advance(std::chrono::hours(1));
    EXPECT_EQ(demo.start(), app::DemoStart::left_alone);
    EXPECT_FALSE(app::load_demo_history(demo.bot.store(), demo.bot.engine().settings(),
                                        demo.bot.engine().prompts(), demo.bot.clock()));
    EXPECT_EQ(demo.report_count(), reports);
    EXPECT_EQ(demo.digest(), before);
    EXPECT_TRUE(demo.bot.store().actions().setting(app::demo_history_key).has_value());
}

TEST(DemoHistory, AStoreWithPeopleOrDataOfItsOwnGetsNone) {
    {
        SCOPED_TRACE("a store with people");
        DemoBot demo;
        demo.bot.add({"alice", "Alice", "marketing"});
        demo.bot.add({"bob", "Bob", "sales"});
        EXPECT_EQ(demo.start(), app::DemoStart::left_alone);
        EXPECT_EQ(demo.bot.store().people().count(), 2);
        EXPECT_EQ(demo.report_count(), 0);
        EXPECT_EQ(store::metrics::DealRepository(demo.bot.store().db()).count(), 0);
        EXPECT_FALSE(demo.bot.store().actions().setting(app::demo_history_key).has_value());
    }
    {
        SCOPED_TRACE("people but a report of their own");
        DemoBot demo;
        demo.bot.add({"alice", "Alice", "marketing"});
        demo.bot.add({"bob", "Bob", "sales"});
        demo.bot.say("bob", "report Acme: met their CTO; competitor Foo offered 20% off");
        ASSERT_EQ(demo.report_count(), 1);
        EXPECT_FALSE(app::load_demo_history(demo.bot.store(), demo.bot.engine().settings(),
                                            demo.bot.engine().prompts(), demo.bot.clock()));
        EXPECT_EQ(demo.report_count(), 1);
    }
}

}  // namespace
}  // namespace twintrack::testing
