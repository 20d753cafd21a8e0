// Data governance: `person export` holds what is stored about one person, `person erase`
// leaves nothing that names them while totals stay the same, and the daily retention job
// deletes old records (and keeps newer ones) even with the weekly metrics post off.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "app/person_tools.hpp"
#include "bot/metrics_settings.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::app {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::int64_t count(store::Store& store, const std::string& sql) {
    return store.db().scalar(sql).value_or(-1);
}

double total(store::Store& store, const std::string& sql) {
    double out = 0;
    store.db().query(sql, {}, [&](const store::Row& r) { out = r.real(0); });
    return out;
}

/// Every text value in every table, with where it is.
std::vector<std::string> all_texts(store::Store& store) {
    std::vector<std::string> tables;
    const bool postgres = std::string(store.db().dialect().name) == "postgres";
    store.db().query(postgres ? "SELECT table_name FROM information_schema.tables WHERE "
                                "table_schema = current_schema()"
                              : "SELECT name FROM sqlite_master WHERE type = 'table'",
                     {}, [&](const store::Row& r) { tables.push_back(r.text(0)); });
    std::vector<std::string> out;
    for (const auto& t : tables) {
        store.db().query("SELECT * FROM \"" + t + "\"", {}, [&](const store::Row& r) {
            for (int c = 0; c < r.column_count(); ++c) {
                const auto v = r.value(c);
                if (std::holds_alternative<std::string>(v)) {
                    out.push_back(t + "." + r.column_name(c) + ": " + std::get<std::string>(v));
                }
            }
        });
    }
    return out;
}

class PersonDataTest : public ::testing::Test {
  protected:
    PersonDataTest() {
        bot.add({"mia", "Mia Marketer", "marketing", "staff"});
        bot.add({"sam", "Sam Seller", "sales", "staff"});
        bot.add({"sid", "Sid Boss", "sales", "manager"});
        bot.add({"ada", "Ada Admin", "management", "admin"});
        bot.store().channel_tracks().upsert({"test", "deals", "sales"}, 1);
        // What Sam leaves behind: an engagement, a report, a deal, a quota, channel
        // messages, a profile change and a link request; and what others say about him.
        bot.say("mia", "engagement new ACME");
        bot.say("sam", "report ACME: pilot next month, Sam Seller follows up");
        bot.say("sam", "deal won ACME 120000");
        bot.say("sid", "quota set @sam 2026-Q4 revenue 1000000");
        bot.say_in("deals", "sam", "ACME wants a pilot");
        bot.say_in("deals", "mia", "ask Sam Seller or sam@example.com about ACME");
        bot.say("sam", "language zh-CN");
        bot.say("sam", "link test sam-phone");
    }
    testing::TestBot bot;
};

TEST_F(PersonDataTest, ExportHoldsWhatIsStoredAboutThePerson) {
    const auto now = core::to_millis(bot.clock().now());
    EXPECT_FALSE(person_export_json(bot.store(), "nobody@example.com", now).has_value());
    const auto data = person_export_json(bot.store(), "SAM@example.com", now);
    ASSERT_TRUE(data.has_value());
    const json& t = (*data)["tables"];
    EXPECT_EQ((*data)["email"], "sam@example.com");
    ASSERT_THAT(t["person"], SizeIs(1));
    EXPECT_EQ(t["person"][0]["name"], "Sam Seller");
    EXPECT_EQ(t["person"][0]["locale"], "zh-CN");
    EXPECT_THAT(t["identities"], Contains(json{{"connector", "test"}, {"user_id", "sam"}}));
    ASSERT_THAT(t["reports"], SizeIs(1));
    ASSERT_THAT(t["report_versions"], SizeIs(1));
    EXPECT_THAT(t["report_versions"][0]["text"].get<std::string>(), HasSubstr("pilot next month"));
    ASSERT_THAT(t["deals"], SizeIs(1));
    EXPECT_EQ(t["deals"][0]["company_amount"], 120000.0);
    ASSERT_THAT(t["quotas"], SizeIs(1));
    EXPECT_EQ(t["quotas"][0]["revenue"], 1000000.0);
    ASSERT_THAT(t["channel_messages"], SizeIs(1));  // his own, not Mia's about him
    EXPECT_EQ(t["channel_messages"][0]["text"], "ACME wants a pilot");
    ASSERT_THAT(t["link_codes"], SizeIs(1));
    EXPECT_FALSE(t["link_codes"][0].contains("code_hash"));
    EXPECT_FALSE(t["link_codes"][0].contains("salt"));
    std::vector<std::string> actions;
    for (const auto& a : t["audit_log"]) actions.push_back(a["action"]);
    EXPECT_THAT(actions, Contains("profile.update"));
    EXPECT_THAT(actions, Contains("report.create"));
    EXPECT_THAT(actions, Contains("identity.link_requested"));
    // The bot's direct messages to him are his too.
    EXPECT_FALSE(t["direct_messages_from_bot"].empty());
    // Every kind is present, empty or not: store/'s 46 and the features' own tables
    // (thanks: given, received).
    EXPECT_EQ(t.size(), 48u);
    EXPECT_THAT(t["thanks_given"], IsEmpty());
    EXPECT_THAT(t["thanks_received"], IsEmpty());
}

TEST_F(PersonDataTest, ExportHoldsThePostsWithButtonsSentToThePersonAndTheButtonsTheyPressed) {
    bot.set_shows_actions(true);
    bot.say("mia", "announce draft \"TwinTrack reports now cover WeChat.\"");
    std::string approve;
    for (const auto& p : bot.all_posts()) {
        if (p.to.channel == "@sid" && !p.actions.empty()) approve = p.actions[0].token;
    }
    ASSERT_FALSE(approve.empty());
    EXPECT_THAT(testing::texts(bot.click("sid", approve, "", "click-sid-1")),
                Contains(HasSubstr("Approved announcement #1")));
    const auto now = core::to_millis(bot.clock().now());
    const auto sid = person_export_json(bot.store(), "sid@example.com", now);
    ASSERT_TRUE(sid.has_value());
    const json& t = (*sid)["tables"];
    ASSERT_THAT(t["action_posts"], SizeIs(1));
    const json& post = t["action_posts"][0];
    EXPECT_EQ(post["channel"], "@sid");
    EXPECT_THAT(post["text"].get<std::string>(), HasSubstr("WeChat"));
    EXPECT_EQ(post["status"], "settled");
    EXPECT_EQ(post["settled_by"], (*sid)["tables"]["person"][0]["id"]);
    EXPECT_THAT(post["outcome"].get<std::string>(), HasSubstr("Approved by Sid Boss"));
    ASSERT_THAT(t["action_clicks"], SizeIs(1));
    EXPECT_THAT(t["action_clicks"][0]["detail"].get<std::string>(), HasSubstr("approve 1"));
    EXPECT_EQ(t["action_clicks"][0]["event_id"], "test:click-sid-1");
    // Nobody else's export holds them.
    const auto sam = person_export_json(bot.store(), "sam@example.com", now);
    ASSERT_TRUE(sam.has_value());
    EXPECT_THAT((*sam)["tables"]["action_posts"], IsEmpty());
    EXPECT_THAT((*sam)["tables"]["action_clicks"], IsEmpty());
}

TEST_F(PersonDataTest, EraseLeavesNothingNamingThePersonAndKeepsTotals) {
    auto& store = bot.store();
    const double deals_before = total(store, "SELECT sum(company_amount) FROM deals");
    const auto reports_before = count(store, "SELECT count(*) FROM reports");
    const auto quotas_before = count(store, "SELECT count(*) FROM quotas");
    ASSERT_EQ(deals_before, 120000.0);
    ASSERT_EQ(reports_before, 1);
    // Before: the person is named in many places.
    std::size_t named = 0;
    for (const auto& text : all_texts(store)) {
        if (text.find("sam@example.com") != std::string::npos ||
            text.find("Sam Seller") != std::string::npos) {
            ++named;
        }
    }
    ASSERT_GT(named, 3u);

    const auto now = core::to_millis(bot.clock().now());
    const auto outcome = person_erase(store, "sam@example.com", now);
    ASSERT_TRUE(outcome.has_value());
    EXPECT_GT(outcome->counts.deleted, 0);
    EXPECT_GT(outcome->counts.scrubbed, 0);

    for (const auto& text : all_texts(store)) {
        SCOPED_TRACE(text);
        EXPECT_EQ(text.find("sam@example.com"), std::string::npos);
        EXPECT_EQ(text.find("Sam Seller"), std::string::npos);
    }
    EXPECT_EQ(total(store, "SELECT sum(company_amount) FROM deals"), deals_before);
    EXPECT_EQ(count(store, "SELECT count(*) FROM reports"), reports_before);
    EXPECT_EQ(count(store, "SELECT count(*) FROM quotas"), quotas_before);
    EXPECT_EQ(count(store, "SELECT count(*) FROM identities WHERE person_id = 2"), 0);
    EXPECT_EQ(count(store, "SELECT count(*) FROM channel_messages"), 1);  // Mia's, scrubbed
    // Audited without naming him.
    const auto audit = store.audit().recent(1);
    ASSERT_THAT(audit, SizeIs(1));
    EXPECT_EQ(audit[0].action, "person.erase");
    EXPECT_THAT(audit[0].detail, HasSubstr("\"person_id\":2"));
    // Gone from the directory (a running bot reloads it when another process writes):
    // his identity is a stranger now, and he cannot be found again.
    bot.engine().reload_directory();
    EXPECT_THAT(bot.say("sam", "ping"), Contains(HasSubstr("I don't know you yet")));
    EXPECT_FALSE(person_export_json(store, "sam@example.com", now).has_value());
    EXPECT_FALSE(person_erase(store, "sam@example.com", now).has_value());
    // His deal still counts in the company's numbers.
    EXPECT_THAT(bot.say("ada", "metrics"), Contains(HasSubstr("Revenue 120,000 CNY")));
}

class RetentionTest : public ::testing::Test {
  protected:
    static bot::BotSettings settings() {
        bot::BotSettings s;
        s.features.edit<bot::metrics::MetricsSettings>().weekly_post = false;
        s.retention.channel_messages_days = 30;
        s.retention.reports_days = 60;
        s.retention.audit_log_days = 90;
        return s;
    }
    RetentionTest() : bot(testing::TestBot::default_start(), settings()) {
        bot.add({"mia", "Mia Marketer", "marketing", "staff"});
        bot.add({"sam", "Sam Seller", "sales", "staff"});
        bot.store().channel_tracks().upsert({"test", "deals", "sales"}, 1);
        bot.say("mia", "engagement new ACME");
    }
    std::int64_t rows(const std::string& table) {
        return count(bot.store(), "SELECT count(*) FROM " + table);
    }
    void audit_row(const std::string& action) {
        store::AuditEntry e;
        e.at = core::to_millis(bot.clock().now());
        e.action = action;
        bot.store().audit().record(e);
    }
    std::int64_t audit_rows(const std::string& action) {
        std::int64_t n = 0;
        bot.store().db().query("SELECT count(*) FROM audit_log WHERE action = ?", {action},
                               [&](const store::Row& r) { n = r.integer(0); });
        return n;
    }
    testing::TestBot bot;
};

TEST_F(RetentionTest, TheDailyJobDeletesOldRecordsAndKeepsNewOnes) {
    // Scheduled at start although the weekly metrics post is off.
    EXPECT_EQ(bot.store().jobs().status("retention.daily.2026-11-03"), "pending");
    bot.say_in("deals", "sam", "day 0 message");
    bot.say("sam", "report ACME: day 0 report");
    audit_row("test.day0");
    ASSERT_EQ(rows("channel_messages"), 1);
    ASSERT_EQ(rows("reports"), 1);

    bot.advance(25 * 24h);
    bot.say_in("deals", "sam", "day 25 message");
    bot.say("sam", "report ACME: day 25 report");
    audit_row("test.day25");

    bot.advance(10 * 24h);  // day 35: messages before day 5 go
    EXPECT_EQ(rows("channel_messages"), 1);
    EXPECT_EQ(rows("reports"), 2);
    EXPECT_EQ(audit_rows("test.day0"), 1);

    bot.advance(40 * 24h);  // day 75: messages before day 45, reports before day 15
    EXPECT_EQ(rows("channel_messages"), 0);
    EXPECT_EQ(rows("reports"), 1);
    EXPECT_EQ(rows("report_versions"), 1);
    EXPECT_EQ(audit_rows("test.day0"), 1);

    bot.advance(30 * 24h);  // day 105: audit rows before day 15, reports before day 45
    EXPECT_EQ(audit_rows("test.day0"), 0);
    EXPECT_EQ(audit_rows("test.day25"), 1);
    EXPECT_EQ(rows("reports"), 0);
    // Audited when something was deleted: days 35, 75 and 105.
    EXPECT_EQ(audit_rows("retention.run"), 3);
}

}  // namespace
}  // namespace twintrack::app
