// The real `twintrack` program, started as a user would start it, spoken to over a real
// WebSocket and its terminal.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/base64.hpp"
#include "core/crypto.hpp"
#include "core/source_dir.hpp"
#include "tests/integration/process.hpp"
#include "tests/support/fake_smtp.hpp"
#include "tests/support/loopback_proxy.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"

namespace twintrack::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::WsClient;
using ::testing::HasSubstr;
using ::testing::Not;

const bool sigpipe_ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
}();

const std::string program = TWINTRACK_BINARY;

const char* people_csv =
    "name,email,department,role,timezone,locale,working_hours,identities\n"
    "Li Wei,li.wei@example.com,sales,staff,Asia/Shanghai,zh-CN,09:00-18:00,hub:liwei\n"
    "Anna Becker,anna@example.com,marketing,manager,Europe/Berlin,en,08:00-17:00,hub:anna\n";

using test_support::TempDir;

/// A running `twintrack run` on a free port.
class Server {
  public:
    explicit Server(const std::string& data, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"run", "--data", data, "--port", "0"};
        args.insert(args.end(), extra.begin(), extra.end());
        proc_ = std::make_unique<Process>(program, args);
        auto line = proc_->wait_for_line("listening on", 15s);
        if (!line) throw std::runtime_error("server did not start");
        port_ = std::stoi(line->substr(line->rfind(':') + 1));
    }
    int port() const { return port_; }
    Process& process() { return *proc_; }
    /// SIGTERM; returns how it ended and how long that took.
    std::pair<Finished, std::chrono::milliseconds> stop() {
        const auto start = std::chrono::steady_clock::now();
        proc_->signal(SIGTERM);
        auto f = proc_->wait(10s);
        if (!f) throw std::runtime_error("server ignored SIGTERM");
        return {*f, std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)};
    }

  private:
    std::unique_ptr<Process> proc_;
    int port_ = 0;
};

std::unique_ptr<WsClient> login(int port, const std::string& user) {
    auto ws = std::make_unique<WsClient>();
    ws->connect("127.0.0.1", port);
    ws->send_json({{"type", "hello"}, {"user", user}});
    if (!ws->wait_for_type("welcome")) throw std::runtime_error("no welcome");
    return ws;
}

/// Signs in as `user` and returns the history frame of their direct messages.
std::optional<nlohmann::json> dm_history_of(WsClient& ws, const std::string& user) {
    ws.send_json({{"type", "hello"}, {"user", user}});
    return ws.wait_for(
        [](const nlohmann::json& f) {
            return f.value("type", "") == "history" && f.value("channel", "") == "@twintrack";
        },
        5s);
}

/// Sends `text` to `channel` and returns the bot's reply to it.
std::optional<nlohmann::json> ask(WsClient& ws, const std::string& channel, const std::string& text,
                                  const std::string& id) {
    ws.send_json({{"type", "message"}, {"channel", channel}, {"text", text}, {"id", id}});
    return ws.wait_for(
        [&](const nlohmann::json& f) {
            return f.value("type", "") == "message" && f.value("user", "") == "twintrack" &&
                   f.value("reply_to", "") == id;
        },
        10s);
}

class ProgramTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto csv = dir.file("people.csv", people_csv);
        const auto r = run_program(program, {"import", "people", csv, "--data", dir.path()});
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        ASSERT_THAT(r.out, HasSubstr("Imported 2 new"));
    }
    TempDir dir;
};

TEST_F(ProgramTest, AnswersHelpInEnglishAndChineseOverTheHub) {
    Server server(dir.path());
    auto anna = login(server.port(), "anna");
    auto reply = ask(*anna, "@twintrack", "help", "t-1");
    ASSERT_TRUE(reply);
    EXPECT_THAT((*reply)["text"].get<std::string>(), HasSubstr("you will most likely need"));
    auto liwei = login(server.port(), "liwei");
    reply = ask(*liwei, "@twintrack", "帮助", "t-2");
    ASSERT_TRUE(reply);
    EXPECT_THAT((*reply)["text"].get<std::string>(), HasSubstr("你最可能用到的"));
    // In a channel the bot answers "!" commands, and everyone there sees it.
    reply = ask(*liwei, "general", "!ping", "t-3");
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)["text"], "pong");
    EXPECT_TRUE(
        anna->wait_for([](const nlohmann::json& f) { return f.value("text", "") == "pong"; }));
}

TEST_F(ProgramTest, StopsCleanlyOnSigtermWithinFiveSeconds) {
    Server server(dir.path());
    auto anna = login(server.port(), "anna");
    ASSERT_TRUE(ask(*anna, "@twintrack", "ping", "p-1"));
    auto [finished, took] = server.stop();
    EXPECT_EQ(finished.exit_code, 0) << finished.err;
    EXPECT_LT(took, 5s);
}

TEST_F(ProgramTest, HistoryAndAPendingDialogSurviveARestart) {
    {
        Server server(dir.path());
        auto anna = login(server.port(), "anna");
        auto q1 = ask(*anna, "@twintrack", "profile", "d-1");
        ASSERT_TRUE(q1);
        EXPECT_THAT((*q1)["text"].get<std::string>(), HasSubstr("Question 1 of 3"));
        auto q2 = ask(*anna, "@twintrack", "America/New_York", "d-2");
        ASSERT_TRUE(q2);
        EXPECT_THAT((*q2)["text"].get<std::string>(), HasSubstr("Question 2 of 3"));
        ASSERT_TRUE(ask(*anna, "general", "!ping", "d-3"));
        EXPECT_EQ(server.stop().first.exit_code, 0);
    }
    Server server(dir.path());
    auto anna = std::make_unique<WsClient>();
    anna->connect("127.0.0.1", server.port());
    // The direct-message history shows the conversation so far.
    auto dm = dm_history_of(*anna, "anna");
    ASSERT_TRUE(dm);
    EXPECT_THAT(dm->dump(), HasSubstr("Question 2 of 3"));
    auto q3 = ask(*anna, "@twintrack", "07:00-15:00", "d-4");
    ASSERT_TRUE(q3);
    EXPECT_THAT((*q3)["text"].get<std::string>(), HasSubstr("Question 3 of 3"));
    auto done = ask(*anna, "@twintrack", "skip", "d-5");
    ASSERT_TRUE(done);
    EXPECT_THAT((*done)["text"].get<std::string>(), HasSubstr("America/New_York"));
}

TEST_F(ProgramTest, AClientThatDropsMidConversationDoesNotStopTheBot) {
    Server server(dir.path());
    {
        auto anna = login(server.port(), "anna");
        ASSERT_TRUE(ask(*anna, "@twintrack", "profile", "x-1"));
        anna->send_json({{"type", "message"},
                         {"channel", "@twintrack"},
                         {"text", "Europe/Paris"},
                         {"id", "x-2"}});
        anna->drop();
    }
    auto liwei = login(server.port(), "liwei");
    ASSERT_TRUE(ask(*liwei, "@twintrack", "ping", "x-3"));
    // Anna comes back and finds the answer she missed, and the dialog where she left it.
    auto anna = std::make_unique<WsClient>();
    anna->connect("127.0.0.1", server.port());
    auto dm = dm_history_of(*anna, "anna");
    ASSERT_TRUE(dm);
    EXPECT_THAT(dm->dump(), HasSubstr("Question 2 of 3"));
}

TEST_F(ProgramTest, MalformedFramesGetAnErrorAndTheSocketStaysOpen) {
    Server server(dir.path());
    auto anna = login(server.port(), "anna");
    anna->send_text("{not json");
    auto err = anna->wait_for_type("error");
    ASSERT_TRUE(err);
    EXPECT_EQ((*err)["code"], "bad_request");
    auto reply = ask(*anna, "@twintrack", "ping", "m-1");
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)["text"], "pong");
}

TEST_F(ProgramTest, DemoOrganisationIsLoadedOnlyIntoAnEmptyDirectory) {
    TempDir empty;
    Server demo(empty.path(), {"--demo"});
    auto people = test_support::http_get("127.0.0.1", demo.port(), "/api/v1/people");
    ASSERT_EQ(people.status, 200);
    EXPECT_GE(people.json().size(), 8u);
    // The demo comes with its settings: competitors in both languages, shared rules.
    auto zhang = login(demo.port(), "zhangwei");
    auto saved = ask(*zhang, "@twintrack", "report 华为：竞品华为报价低15%，客户想要案例", "r-1");
    ASSERT_TRUE(saved);
    EXPECT_THAT((*saved)["text"].get<std::string>(), HasSubstr("Huawei"));
    auto rules = ask(*zhang, "@twintrack", "rules", "r-2");
    ASSERT_TRUE(rules);
    EXPECT_THAT((*rules)["text"].get<std::string>(), HasSubstr("Demo Software Co."));
    // A directory that has people keeps them.
    Server server(dir.path(), {"--demo"});
    EXPECT_EQ(test_support::http_get("127.0.0.1", server.port(), "/api/v1/people").json().size(),
              2u);
}

TEST_F(ProgramTest, DemoTourFindsCompetitorsAndNeedsAndWelcomesNewcomers) {
    TempDir empty;
    {
        Server demo(empty.path(), {"--demo"});
        // 李伟 opens the page: his welcome is waiting (or arrives) in his direct messages.
        auto liwei = std::make_unique<WsClient>();
        liwei->connect("127.0.0.1", demo.port());
        liwei->send_json({{"type", "hello"}, {"user", "liwei"}});
        auto is_welcome = [](const nlohmann::json& m) {
            return m.value("user", "") == "twintrack" &&
                   m.value("text", "").find("我是 twintrack") != std::string::npos;
        };
        auto welcome = liwei->wait_for(
            [&](const nlohmann::json& f) {
                if (f.value("type", "") == "message") return is_welcome(f);
                if (f.value("type", "") != "history" || f.value("channel", "") != "@twintrack") {
                    return false;
                }
                for (const auto& m : f["messages"]) {
                    if (is_welcome(m)) return true;
                }
                return false;
            },
            30s);
        ASSERT_TRUE(welcome);
        // The tour's report, then intel and reports find what it said.
        struct Step {
            const char* text;
            std::vector<const char*> has;
        };
        const std::vector<Step> tour = {
            {"报告 招商银行：客户说中兴报价低15%，想要案例", {"ZTE", "-15%", "案例"}},
            // The demo's history has ZTE reports of its own; the newest is this one.
            {"情报 中兴", {"ZTE：共", "招商银行", "-15%", "需求：案例"}},
            {"报告列表 竞品 中兴", {"招商银行"}},
            {"report Acme: met their CTO; competitor Foo offered 20% off #need:case-study",
             {"Foo", "-20%"}},
            {"intel Foo", {"Acme"}},
            // Twelve weeks of history came with the demo: Huawei has a timeline, the week a
            // summary.
            {"情报 华为", {"Huawei：共", "价格："}},
            {"报告摘要", {"Huawei"}},
        };
        int n = 0;
        for (const auto& step : tour) {
            SCOPED_TRACE(step.text);
            auto reply = ask(*liwei, "@twintrack", step.text, "tour-" + std::to_string(++n));
            ASSERT_TRUE(reply);
            const auto text = (*reply)["text"].get<std::string>();
            for (const char* s : step.has) EXPECT_THAT(text, HasSubstr(s));
            EXPECT_THAT(text, Not(HasSubstr("No field report mentions")));
            EXPECT_THAT(text, Not(HasSubstr("还没有")));
        }
    }
    // The same data again: `todo` answers in his language.
    Server again(empty.path(), {"--demo"});
    auto liwei = login(again.port(), "liwei");
    auto reply = ask(*liwei, "@twintrack", "待办", "todo-1");
    ASSERT_TRUE(reply);
    EXPECT_THAT((*reply)["text"].get<std::string>(), HasSubstr("等你处理的事"));
}

TEST_F(ProgramTest, ConsoleChatsThroughTheTerminal) {
    auto r = run_program(program, {"console", "--as", "li.wei@example.com", "--data", dir.path()},
                         "ping\n规则\nnonsense\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("pong"));
    EXPECT_THAT(r.out, HasSubstr("协作规则"));
    EXPECT_THAT(r.out, HasSubstr("我不认识命令“nonsense”"));
    auto unknown = run_program(program, {"console", "--as", "Nobody", "--data", dir.path()}, "");
    EXPECT_NE(unknown.exit_code, 0);
    EXPECT_THAT(unknown.err, HasSubstr("nobody called \"Nobody\""));
}

TEST_F(ProgramTest, CorruptOrUnusableDatabaseIsAClearErrorAtStart) {
    TempDir bad;
    bad.file("twintrack.db", std::string(10000, 'z'));
    auto r = run_program(program, {"run", "--data", bad.path(), "--port", "0"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("not a database"));
    const std::string blocked = bad.file("plainfile", "x") + "/data";
    r = run_program(program, {"run", "--data", blocked, "--port", "0"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("cannot create data directory"));
}

// libical and libpq are modules the program loads on first use (core/module_loader.hpp):
// a calendar import and a PostgreSQL store work through them, and without them the
// person gets the apology in their language and the log (or the start) says which module
// is missing.
TEST_F(ProgramTest, CalendarsAndPostgresWorkThroughTheirModulesAndTheirAbsenceIsClear) {
    std::filesystem::create_directories(dir.path() + "/cal");
    dir.file("cal/week.ics",
             "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
             "UID:weekly-1@test\r\nDTSTAMP:20200106T000000Z\r\nDTSTART:20200106T020000Z\r\n"
             "DTEND:20200106T030000Z\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Standup\r\n"
             "END:VEVENT\r\nEND:VCALENDAR\r\n");
    const auto config = dir.file("cal.yaml", "meetings:\n  calendar_dir: cal\n");
    const std::vector<std::string> console = {
        "console", "--as", "li.wei@example.com", "--config", config, "--data", dir.path()};
    auto r = run_program(program, console, "calendar import week.ics\n");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("已从 week.ics 导入未来"));
    const int port = test_support::closed_loopback_port();
    const std::string pg = "postgres://tt@127.0.0.1:" + std::to_string(port) + "/tt";
    r = run_program(program, {"console", "--as", "li.wei@example.com", "--store", pg});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr(std::to_string(port)));  // libpq tried to connect
    EXPECT_THAT(r.err, Not(HasSubstr("not available")));

    TempDir empty;
    ::setenv("TWINTRACK_MODULE_DIR", empty.path().c_str(), 1);
    r = run_program(program, console, "calendar import week.ics\n");
    auto without_pg =
        run_program(program, {"console", "--as", "li.wei@example.com", "--store", pg});
    ::unsetenv("TWINTRACK_MODULE_DIR");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("抱歉，我在处理这条消息时出了问题"));
    EXPECT_THAT(r.out + r.err,
                HasSubstr("module twintrack_ical_module.so not found in " + empty.path()));
    EXPECT_NE(without_pg.exit_code, 0);
    EXPECT_THAT(without_pg.err,
                HasSubstr("the PostgreSQL store is not available: module twintrack_pg_module.so "
                          "not found in " +
                          empty.path()));
}

// A module left from another build (here one stamped "0.0.1+stale" in place of the
// calendar module) is refused like a missing one: the person gets the same apology and
// the log says the module is from another build, naming both builds.
TEST_F(ProgramTest, AModuleFromAnotherBuildIsRefusedWithTheApologyOfAMissingOne) {
    std::filesystem::create_directories(dir.path() + "/cal");
    dir.file("cal/week.ics",
             "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
             "UID:weekly-1@test\r\nDTSTAMP:20200106T000000Z\r\nDTSTART:20200106T020000Z\r\n"
             "DTEND:20200106T030000Z\r\nSUMMARY:Standup\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
    const auto config = dir.file("cal.yaml", "meetings:\n  calendar_dir: cal\n");
    TempDir stale;
    std::filesystem::copy_file(STALE_TEST_MODULE, stale.path() + "/twintrack_ical_module.so");
    ::setenv("TWINTRACK_MODULE_DIR", stale.path().c_str(), 1);
    auto r = run_program(
        program,
        {"console", "--as", "li.wei@example.com", "--config", config, "--data", dir.path()},
        "calendar import week.ics\n");
    ::unsetenv("TWINTRACK_MODULE_DIR");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("抱歉，我在处理这条消息时出了问题"));
    EXPECT_THAT(r.out, Not(HasSubstr("已从 week.ics 导入")));
    EXPECT_THAT(r.out + r.err,
                HasSubstr("module twintrack_ical_module.so does not load: in " + stale.path() +
                          " it is from another build of the program (build 0.0.1+stale, "
                          "the program is build " TWINTRACK_VERSION "+"));
}

TEST_F(ProgramTest, ConfigTyposAreNamedWithTheirLine) {
    const auto bad = dir.file("bad.yaml", "company:\n  name: Acme\n  timezome: Asia/Shanghai\n");
    auto r = run_program(program, {"check-config", bad});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("bad.yaml:3: company: unknown key \"timezome\""));
    r = run_program(program, {"run", "--config", bad, "--data", dir.path()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("bad.yaml:3"));
    const auto good = dir.file("good.yaml", "company:\n  name: Acme\n");
    r = run_program(program, {"check-config", good});
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(ProgramTest, ABadToneRuleStopsTheProgramWithItsFileAndLine) {
    const auto rules = dir.path() + "/tone";
    std::filesystem::create_directories(rules);
    std::ofstream(rules + "/Hype.yml") << "extends: existence\nmessage: x\ntokens:\n  - 'bad(('\n";
    std::ofstream(rules + "/Spell.yml") << "extends: spelling\nmessage: x\n";
    const auto config = dir.file("tone.yaml", "tone:\n  rules: " + rules + "\n");
    auto r = run_program(program, {"check-config", config});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("Hype.yml:4: the regex \"bad((\" does not compile"));
    EXPECT_THAT(r.err, HasSubstr("Spell.yml:1: the kind \"spelling\" is not supported"));
    r = run_program(program, {"run", "--config", config, "--data", dir.path()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("Hype.yml:4"));
}

TEST_F(ProgramTest, TheShippedExampleConfigIsValid) {
    ::setenv("TWINTRACK_HUB_TOKEN", "example-token", 1);
    auto r = run_program(program,
                         {"check-config", core::source_dir() + "/config/twintrack.example.yaml"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("example-token")));
}

TEST_F(ProgramTest, ImportErrorsNameLinesAndImportNothing) {
    const auto csv =
        dir.file("more.csv", std::string("name,email,department,role,timezone,locale,"
                                         "working_hours,identities\n") +
                                 "Zoe,zoe@example.com,sales,staff,Asia/Shanghai,en,,hub:zoe\n"
                                 "Bad,bad@example.com,legal,staff,Asia/Shanghai,en,,\n");
    auto r = run_program(program, {"import", "people", csv, "--data", dir.path()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.out, HasSubstr("line 3: department \"legal\""));
    EXPECT_THAT(r.out, HasSubstr("Nothing was imported"));
    Server server(dir.path());
    EXPECT_EQ(test_support::http_get("127.0.0.1", server.port(), "/api/v1/people").json().size(),
              2u);
}

TEST_F(ProgramTest, ThePlanFileGoesInAndOutOnTheCommandLine) {
    const auto config = dir.file(
        "plan.yaml", "plan:\n  markets: [manufacturing, {name: retail, aliases: [零售]}]\n");
    const auto bad = dir.file("bad.csv",
                              "kind,market,name,year,quarter,revenue,budget,spent,text\n"
                              "target,retail,,2027,,100,-5,,\n"
                              "activity,mars,Fair,,2027Q1,,10,,\n");
    auto r =
        run_program(program, {"plan", "import", bad, "--config", config, "--data", dir.path()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.out, HasSubstr("bad.csv: Line 2: the budget cannot be negative (\"-5\")."));
    EXPECT_THAT(r.out, HasSubstr("bad.csv: Line 3: \"mars\" is not a market of the plan."));
    EXPECT_THAT(r.out, HasSubstr("Nothing was imported"));
    r = run_program(program, {"plan", "import", core::source_dir() + "/config/plan.example.yaml",
                              "--config", config, "--data", dir.path()});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("Plan imported: 2 outlook(s), 2 target(s), 2 activit(ies)."));
    r = run_program(program, {"plan", "export", "-", "--config", config, "--data", dir.path()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("target,manufacturing,,2027,,5000000,800000,,\r\n"));
    EXPECT_THAT(r.out, HasSubstr("activity,retail,Retail roadshow,,2027Q1,,500000,0,\r\n"));
}

TEST_F(ProgramTest, ConfiguredChannelTracksDecideWhereTheBotPosts) {
    // Anna is in marketing: her engagement's discussion lives on the marketing track,
    // which this configuration maps to the hub channel "campaigns".
    const auto config = dir.file("tracks.yaml", R"(connectors:
  - type: hub
    channels:
      - {name: general, track: joint}
      - {name: campaigns, track: marketing}
      - {name: deals, track: sales}
)");
    Server server(dir.path(), {"--config", config});
    auto anna = login(server.port(), "anna");
    auto opened = ask(*anna, "@twintrack", "engagement new Acme", "k-1");
    ASSERT_TRUE(opened);
    auto asked = ask(*anna, "@twintrack", "consult Acme @liwei pricing for the pilot", "k-2");
    ASSERT_TRUE(asked);
    // Whoever opens the page next sees the welcome in the campaigns channel's history.
    WsClient later;
    later.connect("127.0.0.1", server.port());
    later.send_json({{"type", "hello"}, {"user", "liwei"}});
    auto welcome = later.wait_for(
        [](const nlohmann::json& f) {
            return f.value("type", "") == "history" && f.value("channel", "") == "campaigns";
        },
        5s);
    ASSERT_TRUE(welcome) << (*asked)["text"];
    ASSERT_FALSE((*welcome)["messages"].empty()) << (*asked)["text"];
    const auto& last = (*welcome)["messages"].back();
    EXPECT_EQ(last["user"], "twintrack");
    EXPECT_THAT(last["text"].get<std::string>(), HasSubstr("#acme"));
}

TEST_F(ProgramTest, FieldReportsExportAsCsv) {
    auto filed =
        run_program(program, {"console", "--as", "li.wei@example.com", "--data", dir.path()},
                    "report Acme: met the CTO, they want a \"pilot\"; 20% off from Foo\n"
                    "报告 华为：竞品华为报价低15%，客户想要案例\n");
    ASSERT_EQ(filed.exit_code, 0) << filed.err;
    const std::string csv = dir.path() + "/reports.csv";
    auto r = run_program(program, {"export", "reports", csv, "--data", dir.path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("Exported 2 field report(s)"));
    std::ifstream in(csv);
    std::stringstream content;
    content << in.rdbuf();
    const std::string text = content.str();
    EXPECT_EQ(text.rfind("id,filed_at_utc,author,author_email,customer,engagement_id,version,text,"
                         "competitors,price_signals,needs,help_wanted,tags\r\n",
                         0),
              0u);
    // Oldest first; a comma or quote inside a field is quoted the RFC 4180 way.
    EXPECT_THAT(text,
                HasSubstr(",Acme,,1,\"met the CTO, they want a \"\"pilot\"\"; 20% off from Foo\""));
    EXPECT_LT(text.find("Acme"), text.find("华为"));
    EXPECT_THAT(text, HasSubstr("-15%"));
    // A file that cannot be written is a clear error and leaves nothing behind.
    r = run_program(program,
                    {"export", "reports", dir.path() + "/no/such/dir/r.csv", "--data", dir.path()});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("cannot write"));
}

TEST_F(ProgramTest, APersonIsExportedThenErasedFromTheCommandLine) {
    auto filed =
        run_program(program, {"console", "--as", "li.wei@example.com", "--data", dir.path()},
                    "report Acme: Li Wei met the CTO, they want a pilot\n");
    ASSERT_EQ(filed.exit_code, 0) << filed.err;
    const std::string file = dir.path() + "/li.json";
    auto r = run_program(program,
                         {"person", "export", "li.wei@example.com", file, "--data", dir.path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("Exported everything stored about li.wei@example.com"));
    EXPECT_EQ(fs::status(file).permissions() & fs::perms::others_read, fs::perms::none);
    std::ifstream in(file);
    const auto data = nlohmann::json::parse(in);
    EXPECT_EQ(data["tables"]["person"][0]["name"], "Li Wei");
    EXPECT_EQ(data["tables"]["identities"][0]["user_id"], "liwei");
    EXPECT_EQ(data["tables"]["reports"].size(), 1u);

    r = run_program(program, {"person", "erase", "li.wei@example.com", "--data", dir.path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("Erased li.wei@example.com"));
    // Nobody to export or erase any more; the report stays, no longer naming him.
    r = run_program(program, {"person", "export", "li.wei@example.com", "-", "--data", dir.path()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("Nobody with the email li.wei@example.com"));
    r = run_program(program, {"export", "reports", "-", "--data", dir.path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("met the CTO"));
    EXPECT_THAT(r.out, Not(HasSubstr("Li Wei")));
    EXPECT_THAT(r.out, Not(HasSubstr("li.wei@example.com")));
}

TEST_F(ProgramTest, APortInUseIsAClearError) {
    Server first(dir.path());
    TempDir other;
    auto r = run_program(program,
                         {"run", "--data", other.path(), "--port", std::to_string(first.port())});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("cannot start connector hub"));
}

TEST_F(ProgramTest, CrmDealsNeedTheHubTokenAndReplaysChangeNothing) {
    ::setenv("METRICS_TEST_HUB_TOKEN", "crm-s3cret", 1);
    const auto config = dir.file("crm.yaml", R"(metrics:
  rates: {USD: 7}
connectors:
  - type: hub
    token: ${METRICS_TEST_HUB_TOKEN}
)");
    Server server(dir.path(), {"--config", config});
    const std::string body =
        R"({"external_id":"crm-9","customer":"Acme","stage":"won","amount":100,)"
        R"("currency":"USD","owner":"li.wei@example.com","updated_at":"2026-11-02T10:00:00Z"})";
    auto post = [&](const std::string& token) {
        test_support::Headers headers = {{"Content-Type", "application/json"}};
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        return test_support::http_request("POST", "127.0.0.1", server.port(), "/api/v1/deals",
                                          headers, body);
    };
    EXPECT_EQ(post("").status, 401);
    EXPECT_EQ(post("wrong").status, 401);
    auto r = post("crm-s3cret");
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.json()["company_amount"], 700);
    r = post("crm-s3cret");  // the CRM retries the same body
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["status"], "unchanged");
}

}  // namespace
}  // namespace twintrack::testing

namespace twintrack::testing {
namespace {

/// A TCP server on loopback that accepts connections and never says a word: an IRC
/// server that hangs during registration.
class SilentServer {
  public:
    SilentServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(fd_, 8) != 0) {
            throw std::runtime_error("cannot listen");
        }
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~SilentServer() { ::close(fd_); }
    int port() const { return port_; }

  private:
    int fd_ = -1;
    int port_ = 0;
};

TEST_F(ProgramTest, ScrapesMetricsAndReportsReadinessWhileAConnectorHangs) {
    SilentServer irc;
    const auto config = dir.file("twintrack.yaml",
                                 "connectors:\n"
                                 "  - type: hub\n"
                                 "    name: hub\n"
                                 "  - type: irc\n"
                                 "    name: irc\n"
                                 "    server: 127.0.0.1\n"
                                 "    port: " +
                                     std::to_string(irc.port()) +
                                     "\n"
                                     "    channels:\n"
                                     "      - {name: \"#sales\", track: sales}\n");
    Server server(dir.path(), {"--config", config});
    auto anna = login(server.port(), "anna");
    ASSERT_TRUE(ask(*anna, "@twintrack", "ping", "m-1"));

    // Liveness says yes; readiness says no and names the connector that hangs.
    EXPECT_EQ(test_support::http_get("127.0.0.1", server.port(), "/healthz").status, 200);
    const auto ready = test_support::http_get("127.0.0.1", server.port(), "/readyz");
    EXPECT_EQ(ready.status, 503);
    EXPECT_THAT(ready.body, HasSubstr("connector irc: not connected"));
    EXPECT_THAT(ready.body, Not(HasSubstr("store")));

    // The latency of a command is recorded once its handler returns, which may be just
    // after its reply went out: wait for it rather than race it.
    auto metrics = test_support::http_get("127.0.0.1", server.port(), "/metrics");
    for (int i = 0;
         i < 100 && metrics.body.find("twintrack_command_seconds_count 1") == std::string::npos;
         ++i) {
        anna->wait_for([](const nlohmann::json&) { return false; }, 50ms);
        metrics = test_support::http_get("127.0.0.1", server.port(), "/metrics");
    }
    ASSERT_EQ(metrics.status, 200);
    EXPECT_THAT(metrics.header("content-type"), HasSubstr("text/plain; version=0.0.4"));
    EXPECT_THAT(metrics.body, HasSubstr("# TYPE twintrack_events_in_total counter"));
    EXPECT_THAT(metrics.body, HasSubstr("twintrack_events_in_total{connector=\"hub\"} 1"));
    EXPECT_THAT(metrics.body, HasSubstr("twintrack_command_seconds_count 1"));
    EXPECT_THAT(metrics.body,
                HasSubstr("twintrack_posts_out_total{connector=\"hub\",result=\"ok\"}"));
    auto [finished, took] = server.stop();
    EXPECT_EQ(finished.exit_code, 0) << finished.err;
}

TEST_F(ProgramTest, CheckConfigSaysWhichServerAnswersPlatformCallbacks) {
    struct Case {
        const char* name;
        const char* yaml;
        const char* says;
    };
    for (const Case& c : {
             Case{"hub and http", "http:\n  port: 8090\nconnectors:\n  - type: hub\n    port: 0\n",
                  "the hub hub serves /hooks/NAME/..., /metrics, /readyz and /healthz; http: is "
                  "not started"},
             Case{"http alone", "http:\n  bind: 127.0.0.1\n  port: 8090\n",
                  "http: (127.0.0.1:8090) serves /hooks/NAME/..."},
         }) {
        SCOPED_TRACE(c.name);
        const auto config = dir.file("twintrack.yaml", c.yaml);
        auto r = run_program(program, {"check-config", config});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_THAT(r.out, HasSubstr(c.says));
    }
}

TEST_F(ProgramTest, OpsEndpointsOnTheirOwnPortWhenConfigured) {
    const auto config = dir.file("twintrack.yaml", "ops:\n  listen: 127.0.0.1:0\n");
    // Port 0 is refused: a fixed port is needed for a scraper.
    auto bad = run_program(program, {"check-config", config});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_THAT(bad.err, HasSubstr("ops.listen"));
}

// A DingTalk outgoing robot against a fake DingTalk: the session webhook its answers go
// to is a loopback server the test runs. `where` is the config's server section.
class CallbackProgram {
  public:
    explicit CallbackProgram(TempDir& dir, const std::string& server_yaml,
                             const std::string& callback_yaml)
        : webhook_([this](int fd) {
              const std::string request = test_support::read_http_request(fd);
              const std::string body = R"({"errcode":0,"errmsg":"ok"})";
              test_support::write_all(fd,
                                      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                      "Content-Length: " +
                                          std::to_string(body.size()) +
                                          "\r\nConnection: close\r\n\r\n" + body);
              std::lock_guard<std::mutex> lock(mu_);
              answers_.push_back(request);
              cv_.notify_all();
          }) {
        ::setenv("CALLBACK_TEST_ROBOT_URL", "http://127.0.0.1:9/robot/send?access_token=t", 1);
        ::setenv("CALLBACK_TEST_APP_SECRET", secret, 1);
        const auto config =
            dir.file("twintrack.yaml", server_yaml +
                                           "connectors:\n"
                                           "  - type: dingtalk\n"
                                           "    name: ding\n"
                                           "    channels:\n"
                                           "      - name: sales-group\n"
                                           "        track: sales\n"
                                           "        url: ${CALLBACK_TEST_ROBOT_URL}\n"
                                           "    callback:\n" +
                                           callback_yaml +
                                           "      app_secret: "
                                           "${CALLBACK_TEST_APP_SECRET}\n");
        proc_ = std::make_unique<Process>(
            program, std::vector<std::string>{"run", "--data", dir.path(), "--config", config});
    }
    Process& process() { return *proc_; }
    // Posts a signed callback as DingTalk does; `sign_with` another secret forges it.
    test_support::HttpResponse post(int port, const std::string& text, const std::string& msg_id,
                                    const std::string& sign_with = secret) {
        const std::string t =
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
        const nlohmann::json body = {
            {"conversationId", "cidP2P=="},
            {"msgId", msg_id},
            {"senderNick", "Anna"},
            {"senderStaffId", "anna4220"},
            {"conversationType", "1"},
            {"senderId", "$:LWCP_v1:$anna"},
            {"text", {{"content", " " + text}}},
            {"msgtype", "text"},
            {"sessionWebhook", webhook_.url("/robot/sendBySession?session=s1")},
            {"sessionWebhookExpiredTime", std::stoll(t) + 3600000}};
        return test_support::http_request(
            "POST", "127.0.0.1", port, "/hooks/ding/callback",
            {{"timestamp", t},
             {"sign",
              core::base64_encode(unhex(core::hmac_sha256_hex(sign_with, t + "\n" + sign_with)))},
             {"Content-Type", "application/json"}},
            body.dump());
    }
    // The first answer the bot posted to the session webhook.
    std::optional<std::string> answer(std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mu_);
        if (!cv_.wait_for(lock, timeout, [&] { return !answers_.empty(); })) return std::nullopt;
        return answers_.front();
    }
    std::size_t answers() {
        std::lock_guard<std::mutex> lock(mu_);
        return answers_.size();
    }
    static constexpr const char* secret = "Gx7pLq2-app-secret-8Rt";

  private:
    static std::string unhex(const std::string& hex) {
        std::string out;
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
            out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
        }
        return out;
    }
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::string> answers_;
    test_support::LoopbackServer webhook_;
    std::unique_ptr<Process> proc_;
};

int port_in_line(const std::string& line) {
    const auto at = line.find(':', line.find("http://") + 7);
    return std::stoi(line.substr(at + 1));
}

// No hub: `http:` is the process's one HTTP server. A signed callback to /hooks/NAME/...
// reaches the connector and the bot answers it; a forged one is refused; /healthz and
// /readyz answer on the same port.
TEST_F(ProgramTest, TheHttpServerWithoutAHubTakesSignedCallbacksAndAnswersHealth) {
    CallbackProgram p(dir, "http:\n  bind: 127.0.0.1\n  port: 0\n",
                      "      path: /dingtalk/callback\n");
    const auto line = p.process().wait_for_line("HTTP server listening on", 15s);
    ASSERT_TRUE(line);
    const int port = port_in_line(*line);
    ASSERT_TRUE(test_support::wait_until_healthy("127.0.0.1", port, "/readyz"));
    EXPECT_EQ(test_support::http_get("127.0.0.1", port, "/healthz").status, 200);
    const auto ready = test_support::http_get("127.0.0.1", port, "/readyz");
    EXPECT_EQ(ready.status, 200) << ready.body;

    EXPECT_EQ(p.post(port, "help", "msgForged", "not-the-secret").status, 403);
    const auto r = p.post(port, "help", "msgHelp1");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto answer = p.answer(20s);
    ASSERT_TRUE(answer) << "the bot did not answer through the session webhook";
    EXPECT_THAT(*answer, HasSubstr("POST /robot/sendBySession?session=s1"));
    EXPECT_EQ(p.answers(), 1u) << "the forged callback was answered too";
    p.process().signal(SIGTERM);
    const auto finished = p.process().wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
}

// Neither a hub nor `http:`: `ops.listen` serves /hooks/NAME/... besides /metrics,
// /readyz and /healthz (the connector keeps its own callback listener too).
TEST_F(ProgramTest, OpsListenTakesCallbacksWhenNoOtherServerRuns) {
    const int ops_port = SilentServer().port();  // free now; the program binds it next
    CallbackProgram p(dir, "ops:\n  listen: 127.0.0.1:" + std::to_string(ops_port) + "\n",
                      "      bind: 127.0.0.1\n      port: 0\n");
    ASSERT_TRUE(p.process().wait_for_line("ops endpoints on", 15s));
    ASSERT_TRUE(test_support::wait_until_healthy("127.0.0.1", ops_port, "/readyz"));
    EXPECT_EQ(test_support::http_get("127.0.0.1", ops_port, "/healthz").status, 200);
    const auto r = p.post(ops_port, "help", "msgHelp2");
    EXPECT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(p.answer(20s)) << "the bot did not answer through the session webhook";
    p.process().signal(SIGTERM);
    const auto finished = p.process().wait(10s);
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->exit_code, 0) << finished->err;
}

}  // namespace
}  // namespace twintrack::testing

namespace twintrack::testing {
namespace {

/// Another process's write transaction on the bot's database, as `twintrack import`
/// holds one.
class WriteLock {
  public:
    explicit WriteLock(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open");
        // The bot may be writing right now (a job at start): wait for it like it waits.
        sqlite3_busy_timeout(db_, 10000);
        if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
            throw std::runtime_error("cannot take the write lock");
        }
    }
    void release() {
        if (db_ == nullptr) return;
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(db_);
        db_ = nullptr;
    }
    ~WriteLock() { release(); }

  private:
    sqlite3* db_ = nullptr;
};

double metric(int port, const std::string& series) {
    const auto body = test_support::http_get("127.0.0.1", port, "/metrics").body;
    const auto at = body.find("\n" + series + " ");
    if (at == std::string::npos) return 0;
    return std::stod(body.substr(at + series.size() + 2));
}

TEST_F(ProgramTest, AWriteThatMeetsABusyDatabaseIsAppliedOnceTheOtherWriterIsDone) {
    // Only the command below writes while the lock is held: no welcome job competes.
    const auto config = dir.file("twintrack.yaml", "welcome:\n  enabled: false\n");
    Server server(dir.path(), {"--config", config});
    auto liwei = login(server.port(), "liwei");
    ASSERT_TRUE(ask(*liwei, "@twintrack", "ping", "b-0"));
    WriteLock lock(dir.path() + "/twintrack.db");
    liwei->send_json(
        {{"type", "message"}, {"channel", "@twintrack"}, {"text", "language en"}, {"id", "b-1"}});
    // The bot waits out its busy timeout, then queues the event for a retry.
    bool waiting = false;
    for (int i = 0; i < 300 && !waiting; ++i) {
        waiting = metric(server.port(), "twintrack_database_retries_total") >= 1;
        if (!waiting) liwei->wait_for([](const nlohmann::json&) { return false; }, 100ms);
    }
    ASSERT_TRUE(waiting) << "the bot never met the lock";
    // Meanwhile it still answers what needs no writing.
    EXPECT_TRUE(ask(*liwei, "@twintrack", "ping", "b-2"));
    lock.release();
    auto reply = liwei->wait_for(
        [](const nlohmann::json& f) {
            return f.value("user", "") == "twintrack" && f.value("reply_to", "") == "b-1";
        },
        30s);
    ASSERT_TRUE(reply);
    EXPECT_THAT((*reply)["text"].get<std::string>(), HasSubstr("English"));
    auto [finished, took] = server.stop();
    EXPECT_EQ(finished.exit_code, 0) << finished.err;
}

}  // namespace
}  // namespace twintrack::testing

namespace twintrack::testing {
namespace {

/// The path and query of the sign-in link in a bot message, or empty.
std::string sign_in_target(const std::string& text) {
    const auto at = text.find("/?sign_in=");
    if (at == std::string::npos) return "";
    return text.substr(at + std::string("/?sign_in=").size(), 64);
}

// Two hubs: "hub" asks people to sign in by link, "lobby" is a plain loopback hub where
// Anna is known already, so the bot sends her link there.
TEST_F(ProgramTest, SignInByALinkTheBotSendsThenHelloSpeaksOnlyAsThatPerson) {
    const auto csv = dir.file("more.csv",
                              "name,email,department,role,timezone,locale,working_hours,"
                              "identities\n"
                              "Anna Becker,anna@example.com,marketing,manager,Europe/Berlin,en,"
                              "08:00-17:00,hub:anna;lobby:anna\n");
    auto imported = run_program(program, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const auto config = dir.file("signin.yaml", R"(connectors:
  - type: hub
    name: hub
    sign_in: [link]
    session_check_seconds: 1
  - type: hub
    name: lobby
    port: 0
)");
    Server server(dir.path(), {"--config", config});
    const auto lobby_line = server.process().wait_for_line("hub lobby listening on", 15s);
    ASSERT_TRUE(lobby_line);
    const int lobby_port = std::stoi(lobby_line->substr(lobby_line->rfind(':') + 1));
    auto lobby = login(lobby_port, "anna");

    const std::string origin = "http://127.0.0.1:" + std::to_string(server.port());
    const test_support::Headers json_from_page = {{"Origin", origin},
                                                  {"Content-Type", "application/json"}};
    auto sent = test_support::http_request("POST", "127.0.0.1", server.port(), "/sign-in/link",
                                           json_from_page, R"({"who":"anna@example.com"})");
    EXPECT_EQ(sent.status, 202);
    // Someone unknown gets the same answer.
    auto unknown = test_support::http_request("POST", "127.0.0.1", server.port(), "/sign-in/link",
                                              json_from_page, R"({"who":"nobody@example.com"})");
    EXPECT_EQ(unknown.status, 202);
    EXPECT_EQ(unknown.body, sent.body);

    auto dm = lobby->wait_for(
        [](const nlohmann::json& f) {
            return f.value("type", "") == "message" && !sign_in_target(f.value("text", "")).empty();
        },
        10s);
    ASSERT_TRUE(dm) << "no sign-in link arrived on the lobby";
    EXPECT_EQ((*dm)["channel"], "@twintrack");
    const std::string token = sign_in_target((*dm)["text"]);

    auto redeemed =
        test_support::http_request("POST", "127.0.0.1", server.port(), "/sign-in/redeem",
                                   json_from_page, nlohmann::json{{"token", token}}.dump());
    ASSERT_EQ(redeemed.status, 200) << redeemed.body;
    const std::string set_cookie = redeemed.header("Set-Cookie");
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    EXPECT_THAT(set_cookie, HasSubstr("HttpOnly"));
    // The link works once.
    auto replay =
        test_support::http_request("POST", "127.0.0.1", server.port(), "/sign-in/redeem",
                                   json_from_page, nlohmann::json{{"token", token}}.dump());
    EXPECT_EQ(replay.status, 401);

    // Naming someone else with Anna's cookie is refused.
    {
        WsClient ws;
        ws.connect("127.0.0.1", server.port(), "/ws", 5s, {{"Cookie", cookie}});
        ws.send_json({{"type", "hello"}, {"user", "liwei"}});
        auto error = ws.wait_for_type("error");
        ASSERT_TRUE(error);
        EXPECT_EQ((*error)["code"], "unauthorized");
        EXPECT_THAT((*error)["message"].get<std::string>(), HasSubstr("signed in as anna"));
    }
    WsClient ws;
    ws.connect("127.0.0.1", server.port(), "/ws", 5s, {{"Cookie", cookie}});
    ws.send_json({{"type", "hello"}});
    auto welcome = ws.wait_for_type("welcome");
    ASSERT_TRUE(welcome);
    EXPECT_EQ((*welcome)["user"], "anna");

    // Signed out from the command line: the open socket is closed.
    auto revoked =
        run_program(program, {"sessions", "revoke", "anna@example.com", "--data", dir.path()});
    ASSERT_EQ(revoked.exit_code, 0) << revoked.out << revoked.err;
    EXPECT_THAT(revoked.out, HasSubstr("1 session(s) revoked"));
    auto ended = ws.wait_for_type("error", 10s);
    ASSERT_TRUE(ended);
    EXPECT_EQ((*ended)["code"], "session_ended");
    EXPECT_TRUE(ws.wait_closed());
    auto after =
        test_support::http_get("127.0.0.1", server.port(), "/api/v1/session", {{"Cookie", cookie}});
    EXPECT_EQ(after.status, 401);
}

TEST_F(ProgramTest, ApiTokensPerIntegrationAndTheSharedTokenWithOneWarning) {
    ::setenv("TOKENS_TEST_HUB_TOKEN", "shared-s3cret", 1);
    auto created = run_program(
        program, {"token", "create", "bi", "--scope", "reports:read", "--data", dir.path()});
    ASSERT_EQ(created.exit_code, 0) << created.out << created.err;
    const auto at = created.out.find("tt_");
    ASSERT_NE(at, std::string::npos) << created.out;
    const std::string bi = created.out.substr(at, 67);
    auto bad = run_program(
        program, {"token", "create", "x", "--scope", "people:write", "--data", dir.path()});
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_THAT(bad.err, HasSubstr("Unknown scope people:write"));

    const auto config = dir.file("tokens.yaml", R"(connectors:
  - type: hub
    token: ${TOKENS_TEST_HUB_TOKEN}
)");
    Server server(dir.path(), {"--config", config});
    auto get = [&](const std::string& token) {
        return test_support::http_get("127.0.0.1", server.port(), "/api/v1/reports.csv",
                                      {{"Authorization", "Bearer " + token}});
    };
    auto post_deal = [&](const std::string& token) {
        return test_support::http_request(
            "POST", "127.0.0.1", server.port(), "/api/v1/deals",
            {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}}, "{}");
    };
    EXPECT_EQ(get(bi).status, 200);
    EXPECT_EQ(post_deal(bi).status, 403);  // outside its scope
    EXPECT_EQ(get("tt_" + std::string(64, '0')).status, 401);
    EXPECT_EQ(get("shared-s3cret").status, 200);
    EXPECT_EQ(get("shared-s3cret").status, 200);

    auto revoked = run_program(program, {"token", "revoke", "bi", "--data", dir.path()});
    ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
    EXPECT_EQ(get(bi).status, 401);
    auto list = run_program(program, {"token", "list", "--data", dir.path()});
    EXPECT_THAT(list.out, HasSubstr("bi  reports:read  revoked"));
    EXPECT_THAT(list.out, Not(HasSubstr(bi)));

    auto [finished, took] = server.stop();
    const std::string log = finished.out + finished.err;
    const auto first = log.find("shared hub token was used");
    ASSERT_NE(first, std::string::npos) << log;
    EXPECT_EQ(log.find("shared hub token was used", first + 1), std::string::npos);
    EXPECT_EQ(log.find("shared-s3cret"), std::string::npos);
}

}  // namespace
}  // namespace twintrack::testing
