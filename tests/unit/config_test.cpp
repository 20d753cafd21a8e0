#include "app/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "bot/features.hpp"
#include "bot/features/engagements/engagements.hpp"
#include "bot/features/meetings/meeting_settings.hpp"
#include "bot/features/reports/report_settings.hpp"
#include "bot/features/social/social.hpp"
#include "bot/features/tone/tone.hpp"
#include "core/source_dir.hpp"
#include "store/migrations.hpp"

namespace twintrack::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string errors_of(const std::string& yaml) {
    Config c;
    core::ConfigErrors errors;
    parse_config(yaml, c, errors);
    return errors.describe("twintrack.yaml");
}

TEST(Config, EmptyFileMeansDefaults) {
    Config c;
    core::ConfigErrors errors;
    EXPECT_TRUE(parse_config("", c, errors));
    EXPECT_EQ(c.data_dir, "./data");
    EXPECT_EQ(c.bot.rules.handoff_acceptance_hours, 24);
}

TEST(Config, ReadsEveryKnownSection) {
    Config c;
    core::ConfigErrors errors;
    ASSERT_TRUE(parse_config(R"(
company:
  name: Acme
  timezone: Europe/Berlin
  locale: zh-CN
data_dir: /var/lib/twintrack
log:
  level: debug
dialogs:
  timeout_minutes: 45
rules:
  handoff_acceptance_hours: 16
  commission_pool_rate: 0.04
  notes:
    en: ["Joint meeting every second Tuesday"]
funnel:
  overlap: flag
  stages:
    - {name: event, side: top}
    - {name: deal, side: bottom}
    - {name: closed, side: bottom, closed: true}
connectors:
  - type: hub
    port: 9090
    channels:
      - {name: general, track: joint}
      - {name: east, track: sales}
)",
                             c, errors))
        << errors.describe("x");
    EXPECT_EQ(c.bot.company_name, "Acme");
    EXPECT_EQ(c.bot.company_timezone, "Europe/Berlin");
    EXPECT_EQ(c.bot.default_locale, "zh-CN");
    EXPECT_EQ(c.bot.dialog_timeout, std::chrono::minutes(45));
    EXPECT_EQ(c.bot.rules.handoff_acceptance_hours, 16);
    EXPECT_EQ(c.bot.features.get<bot::engagements::FunnelSettings>().overlap, "flag");
    ASSERT_EQ(c.bot.features.get<bot::engagements::FunnelSettings>().stages.size(), 3u);
    EXPECT_EQ(c.bot.features.get<bot::engagements::FunnelSettings>().stages[1].name, "deal");
    EXPECT_EQ(c.bot.features.get<bot::engagements::FunnelSettings>().stages[1].side, "bottom");
    EXPECT_TRUE(c.bot.features.get<bot::engagements::FunnelSettings>().stages[2].closed);
    EXPECT_DOUBLE_EQ(c.bot.rules.commission_pool_rate, 0.04);
    EXPECT_EQ(c.bot.rules.notes["en"].size(), 1u);
    ASSERT_EQ(c.connectors.size(), 1u);
    EXPECT_EQ(c.connectors[0].channels.size(), 2u);
    EXPECT_EQ(c.connectors[0].channels[1].track, "sales");
}

TEST(Config, TheHttpServerIsReadAndTheHubServesWhenBothAreConfigured) {
    Config c;
    core::ConfigErrors errors;
    ASSERT_TRUE(parse_config("http:\n  bind: 0.0.0.0\n  port: 8090\n", c, errors))
        << errors.describe("twintrack.yaml");
    EXPECT_TRUE(c.http_enabled);
    EXPECT_EQ(c.http_bind, "0.0.0.0");
    EXPECT_EQ(c.http_port, 8090);
    EXPECT_EQ(hooks_server_hub(c), "");
    Config both;
    ASSERT_TRUE(parse_config("http:\n  port: 8090\nconnectors:\n  - type: hub\n    name: lobby\n",
                             both, errors))
        << errors.describe("twintrack.yaml");
    EXPECT_EQ(hooks_server_hub(both), "lobby");
}

TEST(Config, EveryErrorIsNamedWithItsLine) {
    struct Case {
        const char* name;
        const char* yaml;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"unknown top-level key", "company:\n  name: A\ndata_dri: x\n",
         "twintrack.yaml:3: config: unknown key \"data_dri\" (did you mean \"data_dir\"?)"},
        {"unknown nested key", "company:\n  name: A\n  timezon: Asia/Shanghai\n",
         "twintrack.yaml:3: company: unknown key \"timezon\" (did you mean \"timezone\"?)"},
        {"bad time zone", "company:\n  timezone: Asia/Pyongyangg\n",
         "twintrack.yaml:2: company.timezone: \"Asia/Pyongyangg\" is not an IANA time zone"},
        {"number out of range", "rules:\n  commission_pool_rate: 5\n",
         "twintrack.yaml:2: rules.commission_pool_rate: must be between 0 and 1"},
        {"not a number", "dialogs:\n  timeout_minutes: soon\n", "must be a whole number"},
        {"bad yaml", "company: [unclosed\n", "not valid YAML"},
        {"unknown connector type", "connectors:\n  - type: telegraph\n",
         "twintrack.yaml:2: connectors[0].type: must be one of"},
        {"bad track",
         "connectors:\n  - type: hub\n    channels:\n      - {name: a, track: legal}\n",
         "twintrack.yaml:4: connectors[0].channels[0].track: must be one of marketing, sales, "
         "joint"},
        {"duplicate connector names", "connectors:\n  - type: hub\n  - type: hub\n    port: 1\n",
         "the name \"hub\" is used twice"},
        {"connector name with a slash", "connectors:\n  - type: hub\n    name: a/b\n",
         "twintrack.yaml:3: connectors[0].name: must be 1-32 letters"},
        {"literal secret", "connectors:\n  - type: hub\n    token: hunter2\n",
         "write it as ${ENV_VAR}"},
        {"bad overlap policy", "funnel:\n  overlap: ignore\n",
         "twintrack.yaml:2: funnel.overlap: must be one of refuse, flag"},
        {"stages not a list", "funnel:\n  stages: awareness\n",
         "twintrack.yaml:2: funnel.stages: must be a list of stages"},
        {"stage without side", "funnel:\n  stages:\n    - {name: a}\n",
         "twintrack.yaml:3: funnel.stages[0].side is required"},
        {"bad side", "funnel:\n  stages:\n    - {name: a, side: middle}\n",
         "twintrack.yaml:3: funnel.stages[0].side: must be one of top, bottom"},
        {"unknown stage key", "funnel:\n  stages:\n    - name: a\n      side: top\n      lead: x\n",
         "twintrack.yaml:5: funnel.stages[0]: unknown key \"lead\""},
        {"stage twice",
         "funnel:\n  stages:\n    - {name: a, side: top}\n    - {name: A, side: bottom}\n",
         "twintrack.yaml:4: funnel.stages[1].name: the stage \"A\" is listed twice"},
        {"stage name with a space",
         "funnel:\n  stages:\n    - {name: a b, side: top}\n    - {name: c, side: bottom}\n",
         "twintrack.yaml:3: funnel.stages[0].name: must be one word"},
        {"top after bottom",
         "funnel:\n  stages:\n    - {name: a, side: bottom}\n    - {name: b, side: top}\n",
         "twintrack.yaml:4: funnel.stages[1].side: top stages (marketing leads) must come before"},
        {"only one side", "funnel:\n  stages:\n    - {name: a, side: top}\n",
         "twintrack.yaml:3: funnel.stages: needs at least one top stage and one bottom stage"},
        {"http without a port", "http:\n  bind: 127.0.0.1\n", "http.port is required"},
        {"http port out of range", "http:\n  port: 70000\n",
         "twintrack.yaml:2: http.port: must be between 0 and 65535"},
        {"unknown http key", "http:\n  port: 8090\n  listen: x\n",
         "twintrack.yaml:3: http: unknown key \"listen\""},
        {"unknown funnel key", "funnel:\n  overlapp: flag\n",
         "twintrack.yaml:2: funnel: unknown key \"overlapp\" (did you mean \"overlap\"?)"},
        {"competitors not a list", "reports:\n  competitors: Huawei\n",
         "twintrack.yaml:2: reports.competitors: must be a list such as"},
        {"competitor without a name", "reports:\n  competitors:\n    - {aliases: [华为]}\n",
         "twintrack.yaml:3: reports.competitors[0].name is required"},
        {"aliases not a list",
         "reports:\n  competitors:\n    - name: Huawei\n      aliases: 华为\n",
         "twintrack.yaml:4: reports.competitors[0].aliases: must be a list of other names"},
        {"empty alias",
         "reports:\n  competitors:\n    - name: Huawei\n      aliases:\n        - \"\"\n",
         "twintrack.yaml:5: reports.competitors[0].aliases: each entry must be a non-empty word"},
        {"competitor name twice",
         "reports:\n  competitors:\n    - {name: Huawei}\n    - {name: ZTE, aliases: [huawei]}\n",
         "twintrack.yaml:4: reports.competitors[1].aliases: \"huawei\" is listed twice"},
        {"unknown competitor key",
         "reports:\n  competitors:\n    - name: Huawei\n      alias: [华为]\n",
         "twintrack.yaml:4: reports.competitors[0]: unknown key \"alias\" (did you mean "
         "\"aliases\"?)"},
        {"need keywords of an unknown locale", "reports:\n  need_keywords:\n    fr: [cas]\n",
         "twintrack.yaml:3: reports.need_keywords: unknown key \"fr\""},
        {"need keywords not a list", "reports:\n  need_keywords:\n    en: case study\n",
         "twintrack.yaml:3: reports.need_keywords.en: must be a list of words or phrases"},
        {"need keywords not a mapping", "reports:\n  need_keywords: [case study]\n",
         "twintrack.yaml:2: reports.need_keywords must be a mapping"},
        {"windows not a list", "reports:\n  windows: sales\n",
         "twintrack.yaml:2: reports.windows: must be a list such as"},
        {"window without a department",
         "reports:\n  windows:\n    - {opens: Fri 15:00, closes: Mon 10:00}\n",
         "twintrack.yaml:3: reports.windows[0].department is required"},
        {"window of an unknown department",
         "reports:\n  windows:\n    - {department: legal, opens: Fri 15:00, closes: Mon 10:00}\n",
         "twintrack.yaml:3: reports.windows[0].department"},
        {"window opening on no weekday",
         "reports:\n  windows:\n    - department: sales\n      opens: Friday\n      closes: Mon "
         "10:00\n",
         "twintrack.yaml:4: reports.windows[0].opens: must be a weekday and a time"},
        {"window closing at an impossible time",
         "reports:\n  windows:\n    - department: sales\n      opens: Fri 15:00\n      closes: Mon "
         "25:00\n",
         "twintrack.yaml:5: reports.windows[0].closes: must be a weekday and a time"},
        {"window closing when it opens",
         "reports:\n  windows:\n    - {department: sales, opens: Fri 15:00, closes: fri 15:00}\n",
         "twintrack.yaml:3: reports.windows[0].closes: must differ from opens"},
        {"two windows for one department",
         "reports:\n  windows:\n    - {department: sales, opens: Fri 15:00, closes: Mon 10:00}\n"
         "    - {department: sales, opens: Mon 09:00, closes: Mon 12:00}\n",
         "twintrack.yaml:4: reports.windows[1].department: \"sales\" has a window already"},
        {"unknown window key",
         "reports:\n  windows:\n    - {department: sales, opens: Fri 15:00, close: Mon 10:00}\n",
         "twintrack.yaml:3: reports.windows[0]: unknown key \"close\""},
        {"unknown reports key", "reports:\n  competitor: []\n",
         "twintrack.yaml:2: reports: unknown key \"competitor\" (did you mean \"competitors\"?)"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_THAT(errors_of(c.yaml), HasSubstr(c.expected));
    }
}

TEST(Config, ReadsTheReportsSection) {
    Config c;
    core::ConfigErrors errors;
    ASSERT_TRUE(parse_config(R"(
reports:
  competitors:
    - {name: Huawei, aliases: [华为, HW]}
    - name: ZTE
  need_keywords: {en: [case study, training], zh-CN: [案例]}
)",
                             c, errors))
        << errors.describe("t");
    const auto& r = c.bot.features.get<bot::reports::ReportSettings>();
    ASSERT_EQ(r.competitors.size(), 2u);
    EXPECT_EQ(r.competitors[0].name, "Huawei");
    EXPECT_EQ(r.competitors[0].aliases, (std::vector<std::string>{"华为", "HW"}));
    EXPECT_TRUE(r.competitors[1].aliases.empty());
    EXPECT_EQ(r.need_keywords.at("en"), (std::vector<std::string>{"case study", "training"}));
    EXPECT_EQ(r.need_keywords.at("zh-CN"), (std::vector<std::string>{"案例"}));
    Config empty;
    ASSERT_TRUE(parse_config("reports:\n", empty, errors));
    EXPECT_TRUE(empty.bot.features.get<bot::reports::ReportSettings>().competitors.empty());
    // The default window: sales, Friday 15:00 to Monday 10:00.
    ASSERT_EQ(empty.bot.features.get<bot::reports::ReportSettings>().windows.size(), 1u);
    const auto& d = empty.bot.features.get<bot::reports::ReportSettings>().windows[0];
    EXPECT_EQ(d.department, "sales");
    EXPECT_EQ(d.open_weekday, 5u);
    EXPECT_EQ(d.open_minute, 15 * 60);
    EXPECT_EQ(d.close_weekday, 1u);
    EXPECT_EQ(d.close_minute, 10 * 60);
}

TEST(Config, ReadsTheSocialSection) {
    Config c;
    core::ConfigErrors errors;
    ASSERT_TRUE(parse_config(
        "social:\n  budget: {coffee: 2000, outing: 20000}\n  coffee_cost_per_group: 60\n", c,
        errors))
        << errors.describe("t");
    EXPECT_EQ(c.bot.features.get<bot::social::SocialSettings>().quarterly_budget,
              (std::map<std::string, long long>{{"coffee", 2000}, {"outing", 20000}}));
    EXPECT_EQ(c.bot.features.get<bot::social::SocialSettings>().coffee_cost_per_group, 60);
    struct Case {
        const char* name;
        const char* yaml;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"budget not a mapping", "social:\n  budget: [coffee]\n",
         "twintrack.yaml:2: social.budget: must give an amount per quarter"},
        {"negative amount", "social:\n  budget:\n    coffee: -5\n",
         "twintrack.yaml:3: social.budget.coffee"},
        {"kind not a word", "social:\n  budget:\n    Coffee Chats: 5\n",
         "twintrack.yaml:3: social.budget.Coffee Chats: a kind of activity is one lower-case word"},
        {"unknown key", "social:\n  coffee_cost: 5\n", "twintrack.yaml:2: social: unknown key"},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.name);
        EXPECT_THAT(errors_of(k.yaml), HasSubstr(k.expected));
    }
}

TEST(Config, ReadsTheMeetingsSection) {
    Config c;
    core::ConfigErrors errors;
    ASSERT_TRUE(parse_config(R"(
meetings:
  work_days: [Sun, monday, TUE, Wed, Thu]
  default_duration_minutes: 45
  default_within_days: 10
  calendar_dir: calendars
  import_horizon_days: 30
  calendar_urls: true
  calendar_url_allow: [calendar.intranet.example, 10.20.0.0/16, "::1"]
)",
                             c, errors))
        << errors.describe("t");
    const auto& m = c.bot.features.get<bot::meetings::MeetingSettings>();
    EXPECT_EQ(m.work_days, 0x1fu);
    EXPECT_EQ(m.default_duration_minutes, 45);
    EXPECT_EQ(m.default_within_days, 10);
    EXPECT_EQ(m.calendar_dir, "calendars");
    EXPECT_EQ(m.import_horizon_days, 30);
    EXPECT_TRUE(m.calendar_urls);
    EXPECT_THAT(m.calendar_url_allow,
                ElementsAre("calendar.intranet.example", "10.20.0.0/16", "::1"));
    Config d;
    ASSERT_TRUE(parse_config("meetings:\n", d, errors));
    EXPECT_EQ(d.bot.features.get<bot::meetings::MeetingSettings>().work_days,
              0x3eu);  // Monday to Friday
    EXPECT_FALSE(d.bot.features.get<bot::meetings::MeetingSettings>().calendar_urls);
    EXPECT_THAT(
        errors_of("meetings:\n  work_days: [Mon, Funday]\n"),
        HasSubstr("twintrack.yaml:2: meetings.work_days: must be a non-empty list of weekdays"));
    EXPECT_THAT(errors_of("meetings:\n  default_within_days: 60\n"),
                HasSubstr("meetings.default_within_days"));
    EXPECT_THAT(errors_of("meetings:\n  calendar_url: true\n"), HasSubstr("calendar_url"));
    EXPECT_THAT(errors_of("meetings:\n  calendar_url_allow: [10.0.0.0/40]\n"),
                HasSubstr("twintrack.yaml:2: meetings.calendar_url_allow: \"10.0.0.0/40\" has a "
                          "bad network prefix"));
    EXPECT_THAT(errors_of("meetings:\n  calendar_url_allow: [\"http://intranet/\"]\n"),
                HasSubstr("is neither a host name nor an address or network"));
}

TEST(Config, ReadsTheRetentionSection) {
    Config c;
    core::ConfigErrors errors;
    ASSERT_TRUE(
        parse_config("retention:\n  channel_messages_days: 30\n  reports_days: 0\n"
                     "  audit_log_days: 400\n",
                     c, errors))
        << errors.describe("t");
    EXPECT_EQ(c.bot.retention.channel_messages_days, 30);
    EXPECT_EQ(c.bot.retention.reports_days, 0);  // kept for ever
    EXPECT_EQ(c.bot.retention.audit_log_days, 400);
    Config d;
    ASSERT_TRUE(parse_config("", d, errors));
    EXPECT_EQ(d.bot.retention.channel_messages_days, 120);
    EXPECT_EQ(d.bot.retention.reports_days, 1095);
    EXPECT_EQ(d.bot.retention.audit_log_days, 730);
    EXPECT_THAT(errors_of("retention:\n  channel_messages_days: -1\n"),
                HasSubstr("retention.channel_messages_days"));
    EXPECT_THAT(errors_of("retention:\n  messages_days: 10\n"), HasSubstr("messages_days"));
}

TEST(Config, ReadsTheDirectorySection) {
    Config c;
    core::ConfigErrors errors;
    ASSERT_TRUE(parse_config("directory:\n  match_by_email: false\n", c, errors))
        << errors.describe("t");
    EXPECT_FALSE(c.bot.directory.match_by_email);
    Config d;
    ASSERT_TRUE(parse_config("", d, errors));
    EXPECT_TRUE(d.bot.directory.match_by_email);
    EXPECT_THAT(errors_of("directory:\n  match_by_email: sometimes\n"),
                HasSubstr("directory.match_by_email"));
    EXPECT_THAT(errors_of("directory:\n  match_by_mail: true\n"), HasSubstr("match_by_mail"));
}

TEST(Config, ReadsTheLeasesSection) {
    Config c;
    core::ConfigErrors errors;
    ASSERT_TRUE(parse_config(
        "leases:\n  job_seconds: 60\n  outbox_seconds: 45\n  connector_seconds: 10\n", c, errors))
        << errors.describe("t");
    EXPECT_EQ(c.bot.leases.job, std::chrono::seconds(60));
    EXPECT_EQ(c.bot.leases.outbox, std::chrono::seconds(45));
    EXPECT_EQ(c.bot.leases.connector, std::chrono::seconds(10));
    Config d;
    ASSERT_TRUE(parse_config("", d, errors));
    EXPECT_EQ(d.bot.leases.job, std::chrono::seconds(30));
    EXPECT_EQ(d.bot.leases.outbox, std::chrono::seconds(30));
    EXPECT_EQ(d.bot.leases.connector, std::chrono::seconds(30));
    struct Bad {
        const char* yaml;
        const char* named;
    };
    for (const auto& bad : {Bad{"leases:\n  job_seconds: 2\n", "leases.job_seconds"},
                            Bad{"leases:\n  connector_seconds: 7200\n", "leases.connector_seconds"},
                            Bad{"leases:\n  outbox_seconds: soon\n", "leases.outbox_seconds"},
                            Bad{"leases:\n  jobs_seconds: 30\n", "jobs_seconds"}}) {
        SCOPED_TRACE(bad.yaml);
        EXPECT_THAT(errors_of(bad.yaml), HasSubstr(bad.named));
    }
}

TEST(Config, ReadsReportWindows) {
    Config c;
    core::ConfigErrors errors;
    ASSERT_TRUE(parse_config(R"(
reports:
  windows:
    - {department: sales, opens: "Thursday 16:30", closes: "fri 12:00"}
    - {department: marketing, opens: "Mon 09:00", closes: "Mon 11:00"}
)",
                             c, errors))
        << errors.describe("t");
    const auto& w = c.bot.features.get<bot::reports::ReportSettings>().windows;
    ASSERT_EQ(w.size(), 2u);
    EXPECT_EQ(w[0].department, "sales");
    EXPECT_EQ(w[0].open_weekday, 4u);
    EXPECT_EQ(w[0].open_minute, 16 * 60 + 30);
    EXPECT_EQ(w[0].close_weekday, 5u);
    EXPECT_EQ(w[0].close_minute, 12 * 60);
    EXPECT_EQ(w[1].department, "marketing");
    EXPECT_EQ(w[1].open_weekday, 1u);
    EXPECT_EQ(w[1].close_minute, 11 * 60);
}

TEST(Config, AllErrorsAreReportedNotJustTheFirst) {
    const std::string out =
        errors_of("compnay: {}\nlog:\n  level: loud\nrules:\n  currenci: EUR\n");
    EXPECT_THAT(out, HasSubstr(":1:"));
    EXPECT_THAT(out, HasSubstr(":3:"));
    EXPECT_THAT(out, HasSubstr(":5:"));
}

TEST(Config, MissingSecretNamesTheVariableNeverTheValue) {
    ::unsetenv("TT_TEST_HUB_TOKEN");
    const std::string out =
        errors_of("connectors:\n  - type: hub\n    token: ${TT_TEST_HUB_TOKEN}\n");
    EXPECT_THAT(out, HasSubstr("TT_TEST_HUB_TOKEN is not set"));
    ::setenv("TT_TEST_HUB_TOKEN", "s3cret-value", 1);
    Config c;
    core::ConfigErrors errors;
    EXPECT_TRUE(
        parse_config("connectors:\n  - type: hub\n    token: ${TT_TEST_HUB_TOKEN}\n", c, errors))
        << errors.describe("x");
    ::setenv("TT_TEST_HUB_TOKEN", "s3cret-value", 1);
    EXPECT_THAT(
        errors_of("connectors:\n  - type: hub\n    token: ${TT_TEST_HUB_TOKEN}\n    bogus: 1\n"),
        Not(HasSubstr("s3cret-value")));
    ::unsetenv("TT_TEST_HUB_TOKEN");
}

TEST(Config, HubOffLoopbackNeedsAToken) {
    EXPECT_THAT(errors_of("connectors:\n  - type: hub\n    bind: 0.0.0.0\n"), HasSubstr("token"));
}

TEST(Config, ReadsTheToneSection) {
    Config c;
    core::ConfigErrors errors;
    ASSERT_TRUE(
        parse_config("tone:\n  rules: styles/acme\n  watch: [drafts, \"hub:copy\"]\n", c, errors))
        << errors.describe("t");
    EXPECT_EQ(c.bot.features.get<bot::tone::ToneSettings>().rules_dir, "styles/acme");
    EXPECT_EQ(c.bot.features.get<bot::tone::ToneSettings>().watch_channels,
              (std::vector<std::string>{"drafts", "hub:copy"}));
    Config empty;
    ASSERT_TRUE(parse_config("tone:\n", empty, errors));
    EXPECT_TRUE(empty.bot.features.get<bot::tone::ToneSettings>().rules_dir.empty());
    EXPECT_TRUE(empty.bot.features.get<bot::tone::ToneSettings>().watch_channels.empty());
    EXPECT_THAT(errors_of("tone:\n  rules: x\n  wach: [a]\n"),
                HasSubstr("twintrack.yaml:3: tone: unknown key \"wach\""));
    EXPECT_THAT(errors_of("tone:\n  watch: drafts\n"), HasSubstr("twintrack.yaml:2:"));
}

TEST(FeatureRegistry, EachFeatureHasItsOwnNameSectionAndKnownMigrations) {
    std::set<int> known;
    for (const auto& m : store::known_migrations()) known.insert(m.version);
    std::set<std::string> names, sections;
    for (const bot::Feature& f : bot::all_features()) {
        SCOPED_TRACE(f.name);
        EXPECT_TRUE(names.insert(f.name).second);
        EXPECT_TRUE(f.register_on != nullptr);
        if (!f.section.empty()) {
            EXPECT_TRUE(sections.insert(f.section).second);
            EXPECT_TRUE(f.read_config != nullptr || f.read_section != nullptr);
        }
        EXPECT_FALSE(f.migrations.empty());
        for (int v : f.migrations) EXPECT_TRUE(known.count(v)) << v;
    }
    // Every feature folder (bot/features/NAME/CMakeLists.txt) has its registry line, and
    // every registry line its folder.
    std::set<std::string> folders;
    namespace fs = std::filesystem;
    for (const auto& entry :
         fs::directory_iterator(fs::path(core::source_dir()) / "bot/features")) {
        if (fs::exists(entry.path() / "CMakeLists.txt")) {
            folders.insert(entry.path().filename().string());
        }
    }
    EXPECT_GE(folders.size(), 11u);
    EXPECT_EQ(names, folders);
}

TEST(FeatureRegistry, TheBridgeSectionIsReadWithTheConfiguredConnectors) {
    // `bridge:` is a list and names connectors: read after them, with their names.
    EXPECT_THAT(errors_of("bridge: [{name: joint, channels: [hub:joint, slack:C123]}]\n"),
                HasSubstr("twintrack.yaml:1: bridge[0]: no connector \"slack\" is configured "
                          "(connectors: hub)"));
    EXPECT_EQ(errors_of("bridge: [{name: joint, channels: [hub:joint, hub:sales]}]\n"), "");
}

TEST(FeatureRegistry, AFeatureSectionIsReadByItsFeatureWithLinesAndDefaults) {
    // Each moved feature reads its own section: values land in its own settings, unknown
    // keys are named with their line, and an absent section keeps the defaults.
    Config c;
    core::ConfigErrors errors;
    EXPECT_FALSE(parse_config("tone:\n  watch: [drafts]\nsocial:\n  coffee_cost: 5\n", c, errors));
    ASSERT_EQ(errors.all().size(), 1u);
    EXPECT_EQ(errors.all()[0].line, 4);
    EXPECT_THAT(errors.all()[0].message,
                ::testing::HasSubstr("social: unknown key \"coffee_cost\""));
    EXPECT_EQ(c.bot.features.get<bot::tone::ToneSettings>().watch_channels,
              (std::vector<std::string>{"drafts"}));
    EXPECT_EQ(c.bot.features.get<bot::engagements::FunnelSettings>().overlap, "refuse");
    // A copy of the settings is its own (each engine keeps its own copy).
    bot::BotSettings copy = c.bot;
    copy.features.edit<bot::tone::ToneSettings>().watch_channels.clear();
    EXPECT_EQ(c.bot.features.get<bot::tone::ToneSettings>().watch_channels.size(), 1u);
}

// `store:` names SQLite (the default, in data_dir) or PostgreSQL; a bad URL is reported
// with its line when the configuration is read, before anything starts.
TEST(Config, ReadsTheStoreKey) {
    struct Case {
        const char* yaml;
        const char* store;
        const char* error;  // empty: accepted
    };
    const Case cases[] = {
        {"", "", ""},
        {"store: sqlite:./data/twintrack.db\n", "sqlite:./data/twintrack.db", ""},
        {"store: postgres://tt@db.example.com:5432/twintrack\n",
         "postgres://tt@db.example.com:5432/twintrack", ""},
        {"data_dir: x\nstore: mysql://tt@h/db\n", "", "twintrack.yaml:2: config.store"},
        {"store: mysql://tt@h/db\n", "", "expected sqlite:PATH or postgres://"},
        {"store: postgres://tt:hunter2@h/db\n", "", "write no password in the URL"},
        {"store: postgres://tt@h\n", "", "no database name"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.yaml);
        Config config;
        core::ConfigErrors errors;
        const bool ok = parse_config(c.yaml, config, errors);
        EXPECT_EQ(ok, std::string(c.error).empty()) << errors.describe("twintrack.yaml");
        EXPECT_EQ(config.store, c.store);
        if (!ok) {
            const std::string described = errors.describe("twintrack.yaml");
            EXPECT_THAT(described, HasSubstr(c.error));
            EXPECT_THAT(described, Not(HasSubstr("hunter2")));
        }
    }
}

}  // namespace
}  // namespace twintrack::app
