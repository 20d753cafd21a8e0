// Every template renders in both locales, both locales have the same keys, and every
// command has its words in both.

#include "bot/prompts.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "bot/features/tone/tone_guide.hpp"
#include "core/source_dir.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::bot {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const Prompts> real_prompts() {
    return Prompts::load(core::source_dir() + "/prompts", "en");
}

nlohmann::json sample_data() {
    return {
        {"name", "李伟"},
        {"email", "li.wei@example.com"},
        {"code", "042917"},
        {"tables", 12},
        {"deleted", 31},
        {"scrubbed", 7},
        {"department", "Sales"},
        {"role", "staff"},
        {"timezone", "Asia/Shanghai"},
        {"local_time", "2026-11-02 17:00"},
        {"working_hours", "09:00-18:00"},
        {"locale", "zh-CN"},
        {"identities", "hub:liwei"},
        {"commands", {{{"usage", "ping"}, {"summary", "pong"}}}},
        {"bot", "twintrack"},
        {"usage", "ping"},
        {"summary", "s"},
        {"word", "x"},
        {"suggestions", {{{"item", "help"}, {"sep", ""}}}},
        {"has_suggestions", true},
        {"command", "purge"},
        {"roles", "admin"},
        {"user", "bob"},
        {"identity", "irc:liwei"},
        {"file", "reports.csv"},
        {"connector", "hub"},
        {"mention", "@li"},
        {"options",
         {{{"n", 1}, {"name", "Li Na"}, {"email", "a@b"}, {"department", "S"}, {"label", "ACME"}}}},
        {"has_options", true},
        {"batch", 2},
        {"host_department", "Sales"},
        {"days", 14},
        {"starts", "2026-12-07 09:00"},
        {"ends", "2026-12-21 09:00"},
        {"tag_days", 14},
        {"host", "Sam"},
        {"round", 1},
        {"max", 100},
        {"rotation", true},
        {"pairs", {{{"who", "Mia"}, {"host", "Sam"}, {"round", 1}, {"starts", "2026-12-07"}}}},
        {"count", 2},
        {"limit_kib", 16},
        {"company", "Acme"},
        {"handoff_hours", 24},
        {"report_window", "Fri"},
        {"pool_rate", "5"},
        {"key_amount", "500000"},
        {"currency", "CNY"},
        {"notes", {"n1"}},
        {"has_notes", true},
        {"language", "x"},
        {"known", "en"},
        {"zone", "Mars/X"},
        {"closes", "2026-11-30 10:00"},
        {"opens", "Fri 15:00"},
        {"given", "Mars/X"},
        {"has_zone", true},
        {"consulted", true},
        {"reported", "Sam"},
        {"has_reported", true},
        {"missing", "Wang"},
        {"has_missing", true},
        {"away", "Lee"},
        {"has_away", true},
        {"previous", 1},
        {"is_new", false},
        {"change", "+1"},
        {"need", "case study"},
        {"price", "-15%"},
        {"consult", true},
        {"has_edited", true},
        {"hours", "x"},
        {"step", 1},
        {"steps", 3},
        {"line", 3},
        {"header", "h"},
        {"expected", "e"},
        {"got", "g"},
        {"value", "v"},
        {"allowed", "a"},
        {"other", 2},
        {"owner", "o"},
        {"detail", "d"},
        {"added", 1},
        {"updated", 2},
        {"aliases", "a"},
        {"has_aliases", true},
        {"has_roles", true},
        // engagements.*
        {"customer", "华为"},
        {"tag", "#华为"},
        {"alias", "Huawei"},
        {"amount", "600000"},
        {"at", "2026-11-02 17:00"},
        {"channel", "marketing"},
        {"channels", "marketing"},
        {"has_channels", true},
        {"closed", true},
        {"consultants", {{{"name", "Sam"}, {"since", "2026-11-02 17:00"}, {"answered", false}}}},
        {"has_consultants", true},
        {"created", "2026-11-02 17:00"},
        {"deadline", "2026-11-04 16:00"},
        {"events", {{{"at", "2026-11-02 17:00"}, {"text", "opened"}}}},
        {"items",
         {{{"customer", "Acme"},
           {"tag", "#acme"},
           {"stage", "lead"},
           {"lead", "Marketing"},
           {"owner", "Mia"},
           // reports.list / reports.intel
           {"id", 7},
           {"at", "2026-11-02 17:00"},
           {"who", "Mia"},
           {"edited", true},
           {"text", "t"},
           {"customers", "华为"},
           {"competitors", "Huawei (华为)"},
           {"has_competitors", true},
           {"prices", "-15%"},
           {"has_prices", true},
           {"needs", "案例"},
           {"has_needs", true},
           {"has_customer", true}}}},
        {"flagged", true},
        {"from", "lead"},
        {"to", "qualified"},
        {"handoff", true},
        {"has_amount", true},
        {"has_note", true},
        {"has_owner", true},
        {"key", true},
        {"lead", "Marketing"},
        {"new_lead", "Sales"},
        {"new_stage", "qualified"},
        {"note", "n"},
        {"reason", "r"},
        {"rep", "Sam"},
        {"sales", "Sales"},
        {"since", "2026-11-02 17:00"},
        {"stage", "lead"},
        {"stages", "awareness, lead"},
        {"text", "t"},
        {"track", "sales"},
        {"who", "Mia"},
        // reports.*
        {"id", 7},
        {"version", 2},
        {"understood", "Competitors: Huawei."},
        {"unknown", true},
        {"competitor", "Huawei"},
        {"competitors", "Huawei (华为)"},
        {"has_competitors", true},
        {"prices", "-15%"},
        {"has_prices", true},
        {"needs", "案例"},
        {"has_needs", true},
        {"customers", "Acme"},
        {"has_customers", true},
        {"nothing", true},
        {"edited", true},
        {"history", {{{"version", 1}, {"at", "2026-11-02 17:00"}, {"who", "Mia"}, {"text", "t"}}}},
        {"has_tag", true},
        {"length", 2001},
        {"limit", 2000},
        {"date", "2026-12-24"},
        {"days", 366},
        {"resume", "2026-12-25 00:00"},
        {"shown", 20},
        {"more", true},
        {"has_since", true},
        {"has_customer", true},
        {"help", "a case study"},
        {"has_help", true},
        // metrics.*
        {"accepted", 2},
        {"deals",
         {{{"id", 2}, {"amount", "20,000 CNY"}, {"owner", "Sue"}, {"created", "2026-10-21"}}}},
        {"first_id", 2},
        {"for_owner", true},
        {"has_both", true},
        {"has_campaign_cost", true},
        {"has_hours", true},
        {"has_minutes", true},
        {"ref", "#9"},
        {"again", true},
        {"asked", 3},
        {"attainment", "40.7%"},
        {"authors", 2},
        {"bar", "██▌"},
        {"budget", "n/a"},
        {"campaign_cost", "19,000 CNY"},
        {"coffee", "n/a"},
        {"company_amount", "7,000 CNY"},
        {"converted", true},
        {"cost", "7,000 CNY"},
        {"cost_per", "0.1"},
        {"coverage", "50%"},
        {"coverage_delta", "+1"},
        {"empty", true},
        {"engagements",
         {{{"tag", "#acme"}, {"stage", "lead"}, {"lead", "Marketing"}, {"owner", "Mia"}}}},
        {"escalations", {{{"text", "客户投诉"}, {"source", "#2 王芳"}}}},
        {"field", "updated_at"},
        {"handoffs", 3},
        {"handoffs_delta", "+1"},
        {"has_escalations", true},
        {"has_keywords", true},
        {"has_margin", true},
        {"has_profit", true},
        {"has_revenue", true},
        {"has_segment", true},
        {"has_sentences", true},
        {"has_weeks", true},
        {"has_without_margin", true},
        {"incremental", "190,000 CNY"},
        {"incremental_delta", "+190,000"},
        {"keywords", "华为、试点"},
        {"leads", 1},
        {"leads_delta", "±0"},
        {"lost", 1},
        {"margin", "30%"},
        {"median_hours", "14 h"},
        {"meetings", "n/a"},
        {"messages", 4},
        {"open", 1},
        {"people", 2},
        {"percent", "47%"},
        {"period", "2026-Q4"},
        {"pipeline", "280,000 CNY"},
        {"pipeline_deals", 2},
        {"pipeline_delta", "+80,000"},
        {"pool", "9,500 CNY"},
        {"pool_delta", "+9,500"},
        {"problem", "\"x\" is not a date"},
        {"profit", "68,000 CNY"},
        {"profit_delta", "+68,000"},
        {"quota", "1,000,000 CNY"},
        {"reporters", 1},
        {"reports", 3},
        {"reps",
         {{{"name", "Anna"},
           {"percent", "47%"},
           {"bar", "████▋"},
           {"to_date", "470,000 CNY"},
           {"quota", "1,000,000 CNY"}}}},
        {"revenue", "310,000 CNY"},
        {"revenue_delta", "+310,000"},
        {"segment", "manufacturing"},
        {"sentences", {{{"text", "Huawei offered a pilot."}, {"source", "#2 Ben"}}}},
        {"source", "#2 Ben"},
        {"subject", "Sales"},
        {"to_date", "470,000 CNY"},
        {"was_open", true},
        {"weeks", {{{"label", "11-02"}, {"bar", "████"}, {"value", "190,000 CNY"}}}},
        {"what", "deal(s)"},
        {"without_margin", 1},
        {"won", 4},
        {"won_amount", "50,000 CNY"},
        {"won_delta", "+4"},
        {"sources", "#1 Sam、#2 王芳"},
        // meetings.*
        {"title", "Q4 kickoff"},
        {"duration", 45},
        {"until", "2026-11-07 09:00"},
        {"fresh", true},
        {"slots",
         {{{"n", 1},
           {"times",
            {{{"first", true}, {"zone", "Asia/Shanghai"}, {"time", "10:00-10:45"}, {"names", "x"}},
             {{"first", false}, {"zone", "UTC"}, {"time", "02:00-02:45"}, {"names", "y"}}}},
           {"optional_missing", {{{"item", "Lee"}, {"sep", ""}}}},
           {"has_optional_missing", true}}}},
        {"organizer", "Mia"},
        {"attendees", {{{"item", "Mia"}, {"sep", ""}}, {{"item", "Sam"}, {"sep", ", "}}}},
        {"optional", {{{"item", "Lee"}, {"sep", ""}}}},
        {"has_optional", true},
        {"ics", "/api/v1/events/7.ics"},
        {"required", false},
        {"soon", true},
        {"agenda", {{{"who", "Mia"}, {"text", "budget"}}}},
        {"has_agenda", true},
        {"source", "work.ics"},
        {"busy", 12},
        {"skipped", 1},
        {"has_skipped", true},
        {"zones", {{{"item", "Mars/X"}, {"sep", ""}}}},
        {"has_zones", true},
        {"error", "connection refused"},
        {"spec", "2nd tuesday"},
        {"rrule", "FREQ=MONTHLY;BYDAY=2TU"},
        {"time", "10:00"},
        {"rule_zone", "Asia/Shanghai"},
        {"next", {{{"item", "2026-12-08 10:00"}, {"sep", ""}}}},
        {"managers", {{{"item", "Mia"}, {"sep", ""}}}},
        {"has_managers", true},
        {"n", 2},
        {"max", 28},
        {"min", 15},
        {"minutes", 600},
        {"total", 3},
        {"has_decisions", true},
        {"actions", {{{"item", "a"}}}},
        {"has_actions", true},
        // tone.*
        {"clean", false},
        {"changed", true},
        {"fixed", "TwinTrack helps sales reps."},
        {"findings",
         {{{"level", "error"},
           {"message", "Use 'sales reps' instead of 'salesmen'."},
           {"suggestion", "sales reps"},
           {"has_suggestion", true},
           {"line", 1},
           {"part", "key message"},
           {"has_part", true}}}},
        {"has_findings", true},
        {"blocked", true},
        {"decisions",
         {{{"department", "Marketing"},
           {"first", true},
           {"lead", true},
           {"approved", true},
           {"who", "Max"}},
          {{"department", "Sales"}, {"changes", true}, {"who", "Sue"}, {"note", "shorter"}}}},
        {"status", "draft"},
        {"author", "Mia"},
        {"campaign", "Spring launch"},
        {"has_campaign", true},
        {"when", "2026-12-01 09:30"},
        {"has_when", true},
        {"marketing", "Our spring launch starts on Monday."},
        {"body", "Announcement #7"},
        {"reset", true},
        {"you", true},
        {"both", true},
        {"posted", true},
        {"scheduled", true},
        // social.*
        {"round", 2},
        {"number", 2},
        {"partner_list",
         {{{"name", "Sam"},
           {"department", "Sales"},
           {"zone", "Europe/Berlin"},
           {"local", "2026-11-02 10:00"}}}},
        {"partners", "Sam, Lee"},
        {"trio", true},
        {"ends", "2026-11-16 09:00"},
        {"starter", "What was your best week?"},
        {"next", "2026-11-16 09:00"},
        {"max", 366},
        {"left", "Marketing"},
        {"right", "Sales"},
        {"programmes", {{{"left", "Marketing"}, {"right", "Sales"}, {"days", 14}}}},
        {"has_programmes", true},
        {"opted_out", false},
        {"paused", true},
        {"paused_forever", false},
        {"paused_until", "2026-12-01 00:00"},
        {"has_partners", true},
        {"avoided", {{{"item", "Sam"}, {"sep", ""}}}},
        {"has_avoided", true},
        {"topic", "Selling value"},
        {"trainer", "Mia"},
        {"audience", "Sales"},
        {"registered", 12},
        {"waiting", 3},
        {"has_capacity", true},
        {"capacity", 12},
        {"cancelled", false},
        {"invited", 40},
        {"position", 2},
        {"names", {{{"item", "Sam"}, {"sep", ""}}}},
        {"attended", 10},
        {"registered_names", {{{"item", "Sam"}, {"sep", ""}}}},
        {"waiting_names", {{{"item", "Lee"}, {"sep", ""}}}},
        {"has_waiting", true},
        {"attended_names", {{{"item", "Sam"}, {"sep", ""}}}},
        {"has_attended", true},
        {"hours", 24},
        {"time", "14:30"},
        {"value", "0"},
        {"title", "Autumn hike"},
        {"day", "2026-11-20"},
        {"polling", true},
        {"voters", 5},
        {"votes", {{{"day", "2026-11-20"}, {"votes", 3}}}},
        {"yes", 4},
        {"no", 1},
        {"mine", "2026-11-20"},
        {"tie", true},
        {"no_votes", false},
        {"going_names", {{{"item", "Sam"}, {"sep", ""}}}},
        {"has_going", true},
        {"has_budget", true},
        {"budget", 5000},
        {"quarter", "2026Q4"},
        {"rows",
         {{{"kind", "Outings"},
           {"budget", 3000},
           {"planned", 5000},
           {"spent", 0},
           {"left", -2000},
           {"over", true},
           {"over_by", 2000}}}},
        {"has_rows", true},
        {"planned", 8000},
        {"spent", 3000},
        {"rounds",
         {{{"left", "Marketing"},
           {"right", "Sales"},
           {"round", 2},
           {"groups", 5},
           {"answered", 4},
           {"yes", 3},
           {"no", 1}}}}};
}

TEST(Prompts, BothLocalesHaveTheSameMessages) {
    auto p = real_prompts();
    const auto en = p->keys("en");
    const auto zh = p->keys("zh-CN");
    EXPECT_EQ(en, zh);
    EXPECT_GT(en.size(), 40u);
}

TEST(Prompts, BothLocalesHaveTheSameWordLists) {
    // Every word a user types comes from a `words:` list; each list is in both locales (it
    // may be empty where a language has no such word), in the same file.
    namespace fs = std::filesystem;
    const std::string dir = core::source_dir() + "/prompts";
    auto word_keys = [&](const std::string& locale) {
        std::set<std::string> out;
        for (const auto& f : fs::directory_iterator(dir + "/" + locale)) {
            if (f.path().extension() != ".yaml") continue;
            const YAML::Node words = YAML::LoadFile(f.path().string())["words"];
            if (!words) continue;
            for (const auto& w : words) {
                out.insert(f.path().stem().string() + ".words." + w.first.as<std::string>());
            }
        }
        return out;
    };
    const auto en = word_keys("en");
    EXPECT_EQ(en, word_keys("zh-CN"));
    EXPECT_TRUE(en.count("core.words.unit_days"));
    EXPECT_TRUE(en.count("meetings.words.day_mo"));
}

TEST(Prompts, EveryTemplateRendersWithSampleDataInBothLocales) {
    auto p = real_prompts();
    for (const auto& locale : {"en", "zh-CN"}) {
        for (const auto& key : p->keys(locale)) {
            SCOPED_TRACE(std::string(locale) + " " + key);
            const std::string text = p->render(locale, key, sample_data());
            EXPECT_FALSE(text.empty());
            EXPECT_EQ(text.find("{{"), std::string::npos) << text;
            EXPECT_NE(text, "[" + key + "]");
        }
    }
}

TEST(Prompts, ValuesAreNotHtmlEscaped) {
    auto p = real_prompts();
    EXPECT_EQ(p->render("en", "core.usage", {{"usage", "meet \"A&B\" <x>"}}),
              "Usage: meet \"A&B\" <x>");
}

TEST(Prompts, EveryCommandHasItsWordsInBothLocales) {
    testing::TestBot bot;
    auto p = real_prompts();
    for (const auto& spec : bot.engine().router().commands()) {
        for (const auto& locale : {"en", "zh-CN"}) {
            SCOPED_TRACE(spec.name() + " " + locale);
            const CommandText* t = p->command(locale, spec.name());
            ASSERT_NE(t, nullptr);
            EXPECT_FALSE(t->usage.empty());
            EXPECT_FALSE(t->summary.empty());
        }
    }
}

TEST(Prompts, MissingKeyIsVisibleNotSilent) {
    auto p = real_prompts();
    EXPECT_EQ(p->render("en", "core.no_such_key"), "[core.no_such_key]");
    // A key missing in one locale falls back to the default locale.
    EXPECT_EQ(p->render("fr", "core.pong"), "pong");
}

TEST(Prompts, LocaleNamesAreNormalised) {
    auto p = real_prompts();
    EXPECT_EQ(p->normalize_locale("zh"), "zh-CN");
    EXPECT_EQ(p->normalize_locale("ZH_cn"), "zh-CN");
    EXPECT_EQ(p->normalize_locale("en-GB"), "en");
    EXPECT_EQ(p->normalize_locale("fr"), "en");
}

TEST(Prompts, ABrokenTemplateNamesItsFileAndLine) {
    char tmpl[] = "/tmp/twintrack-prompts-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    std::filesystem::create_directories(dir + "/en");
    std::ofstream(dir + "/en/core.yaml")
        << "messages:\n  ok: \"fine\"\n  bad: \"{{#open}} never closed\"\n";
    try {
        Prompts::load(dir, "en");
        FAIL() << "expected an error";
    } catch (const PromptError& e) {
        EXPECT_THAT(e.what(), HasSubstr("core.yaml:3"));
    }
    std::filesystem::remove_all(dir);
}

// Templates are compiled when first rendered: the first and later renders, from several
// threads at once, each give the text for their own data.
TEST(Prompts, ATemplateRendersTheSameFirstAndLaterFromAnyThread) {
    char tmpl[] = "/tmp/twintrack-prompts-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    std::filesystem::create_directories(dir + "/en");
    std::ofstream(dir + "/en/core.yaml")
        << "messages:\n  hello: \"Hello {{name}}{{#vip}} (VIP){{/vip}}\"\n";
    const auto p = Prompts::load(dir, "en");
    std::filesystem::remove_all(dir);
    EXPECT_EQ(p->render("en", "core.hello", {{"name", "Ann"}, {"vip", true}}), "Hello Ann (VIP)");
    EXPECT_EQ(p->render("en", "core.hello", {{"name", "Bo"}}), "Hello Bo");
    std::vector<std::thread> threads;
    std::vector<std::string> mismatches[4];
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                const std::string name = "p" + std::to_string(t) + "-" + std::to_string(i);
                const std::string got = p->render("en", "core.hello", {{"name", name}});
                if (got != "Hello " + name) mismatches[t].push_back(got);
            }
        });
    }
    for (auto& t : threads) t.join();
    for (int t = 0; t < 4; ++t) {
        SCOPED_TRACE("thread " + std::to_string(t));
        EXPECT_THAT(mismatches[t], ::testing::IsEmpty());
    }
}

// Every bot message keeps the shared tone: each template, rendered with sample data in
// both locales, has no `error` finding of the default tone guide (config/tone).
TEST(Prompts, EveryTemplatePassesTheDefaultToneGuide) {
    auto p = real_prompts();
    const auto guide = tone::ToneGuide::load(core::source_dir() + "/config/tone");
    std::size_t checked = 0;
    for (const auto& locale : {"en", "zh-CN"}) {
        for (const auto& key : p->keys(locale)) {
            const std::string text = p->render(locale, key, sample_data());
            for (const auto& f : guide.check(text)) {
                if (f.level != tone::Level::error) continue;
                ADD_FAILURE() << locale << " " << key << ": " << f.rule << ": " << f.message << "\n"
                              << text;
            }
            ++checked;
        }
    }
    EXPECT_GT(checked, 80u);
}

}  // namespace
}  // namespace twintrack::bot
