// The one argument parser (bot/args.hpp): declared arguments read into typed values in
// both languages, every kind of bad token answered in the writer's language naming it,
// and `help CMD` written from the declaration.

#include "bot/args.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/router.hpp"
#include "bot/turn.hpp"
#include "core/source_dir.hpp"
#include "tests/features/engagement_tables.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using bot::Arg;
using bot::ArgError;
using bot::CommandSpec;
using bot::ParsedArgs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const bot::Prompts& prompts() {
    static const auto p = bot::Prompts::load(core::source_dir() + "/prompts", "en");
    return *p;
}

// A command taking one of every kind, its option keys from the features' word lists.
const bot::ArgSpec& every_kind() {
    static const CommandSpec spec =
        CommandSpec("engagement new", [](bot::Turn&, const bot::CommandArgs&) {})
            .arg(Arg::text("customer"))
            .option("engagements.words.stage", Arg::word("stage"))
            .option("engagements.words.owner", Arg::person("owner"))
            .option("engagements.words.amount", Arg::amount("amount"))
            .option("metrics.words.margin", Arg::percent("margin"))
            .option("meetings.words.after", Arg::date("after"))
            .option("meetings.words.duration", Arg::duration("duration"));
    return spec.args();
}

constexpr date::year_month_day today{date::year(2026), date::November, date::day(2)};

bool parse(const bot::ArgSpec& spec, const std::string& line, const std::string& locale,
           ParsedArgs& out, ArgError& error) {
    return bot::parse_args(spec, line, bot::ArgContext{prompts(), locale, today}, out, error);
}

date::year_month_day ymd(int y, unsigned m, unsigned d) {
    return date::year_month_day{date::year(y), date::month(m), date::day(d)};
}

TEST(Args, WordsOfBothLanguagesBecomeTypedValues) {
    struct Case {
        const char* line;
        std::string customer, stage, owner;
        std::optional<double> amount;
        std::string currency;
    };
    const std::vector<Case> cases = {
        {"ACME Asia", "ACME Asia", "", "", std::nullopt, ""},
        {"ACME stage=proposal owner=@sam amount=50万", "ACME", "proposal", "@sam", 500000, ""},
        {"艾克米 阶段=proposal 负责人=@王芳 金额=12万", "艾克米", "proposal", "@王芳", 120000, ""},
        // Options anywhere, keys in any case, the full-width ＝, a value after "= ".
        {"stage=lead Big Co", "Big Co", "lead", "", std::nullopt, ""},
        {"ACME Amount=1.2m", "ACME", "", "", 1200000, ""},
        {"ACME 金额＝¥3000", "ACME", "", "", 3000, "CNY"},
        {"ACME amount= $50k", "ACME", "", "", 50000, "USD"},
        {"ACME amount=3000元", "ACME", "", "", 3000, "CNY"},
        {"ACME amount=2万美元", "ACME", "", "", 20000, "USD"},
        {"ACME amount=十二万", "ACME", "", "", 120000, ""},
        {"ACME amount=120,000", "ACME", "", "", 120000, ""},
        // Quoted: one word, and `=` inside quotes is text; a quoted value keeps its spaces.
        {"\"A=B\" Labs", "A=B Labs", "", "", std::nullopt, ""},
        {"“华为 云” 阶段=“lead”", "华为 云", "lead", "", std::nullopt, ""},
        {"ACME stage=\"late lead\"", "ACME", "late lead", "", std::nullopt, ""},
        // A lone "=" is a word.
        {"A = B", "A = B", "", "", std::nullopt, ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.line);
        ParsedArgs out;
        ArgError error;
        ASSERT_TRUE(parse(every_kind(), c.line, "en", out, error)) << error.key;
        EXPECT_EQ(out.word("customer"), c.customer);
        EXPECT_EQ(out.word("stage"), c.stage);
        EXPECT_EQ(out.word("owner"), c.owner);
        const auto amount = out.amount("amount");
        ASSERT_EQ(amount.has_value(), c.amount.has_value());
        if (amount) {
            EXPECT_DOUBLE_EQ(amount->value, *c.amount);
            EXPECT_EQ(amount->currency, c.currency);
        }
    }
}

TEST(Args, PercentagesAndZheAreReadAsFractions) {
    // A percentage is stored as a fraction; 折 is a discount, as field reports read it
    // (8折 pays 80% of the price: a 20% discount, 0.2).
    const std::vector<std::pair<const char*, double>> cases = {
        {"30%", 0.3}, {"30", 0.3},    {"12.5％", 0.125}, {"0", 0.0},
        {"8折", 0.2}, {"85折", 0.15}, {"8.5折", 0.15},   {"九折", 0.1},
    };
    for (const auto& [written, fraction] : cases) {
        SCOPED_TRACE(written);
        ParsedArgs out;
        ArgError error;
        ASSERT_TRUE(parse(every_kind(), std::string("X margin=") + written, "en", out, error))
            << error.key;
        ASSERT_TRUE(out.percent("margin").has_value());
        EXPECT_NEAR(*out.percent("margin"), fraction, 1e-9);
    }
}

TEST(Args, DatesAndDurationsInBothLanguages) {
    const std::vector<std::pair<const char*, date::year_month_day>> dates = {
        {"2026-12-24", ymd(2026, 12, 24)}, {"2026/1/5", ymd(2026, 1, 5)},
        {"2027年1月5日", ymd(2027, 1, 5)}, {"12月24日", ymd(2026, 12, 24)},
        {"3月1号", ymd(2027, 3, 1)},  // already past this year: the next one
        {"today", ymd(2026, 11, 2)},       {"明天", ymd(2026, 11, 3)},
        {"Tomorrow", ymd(2026, 11, 3)},    {"后天", ymd(2026, 11, 4)},
    };
    for (const auto& [written, day] : dates) {
        SCOPED_TRACE(written);
        ParsedArgs out;
        ArgError error;
        ASSERT_TRUE(parse(every_kind(), std::string("X after=") + written, "en", out, error))
            << error.key;
        EXPECT_EQ(out.date("after"), day);
    }
    const std::vector<std::pair<const char*, int>> durations = {
        {"30min", 30},   {"45m", 45},    {"2h", 120},   {"1h30m", 90}, {"1.5h", 90},
        {"两小时", 120}, {"30分钟", 30}, {"3天", 4320}, {"2w", 20160}, {"1 day", 1440},
    };
    for (const auto& [written, minutes] : durations) {
        SCOPED_TRACE(written);
        ParsedArgs out;
        ArgError error;
        ASSERT_TRUE(
            parse(every_kind(), std::string("X duration=\"") + written + "\"", "en", out, error))
            << error.key;
        EXPECT_EQ(out.duration("duration"), minutes);
    }
}

TEST(Args, EveryKindOfBadTokenIsNamedInTheWritersLanguage) {
    struct Case {
        const char* name;
        const char* line;
        const char* key;
        const char* en;  // in the English answer
        const char* zh;  // in the Chinese answer
    };
    const std::vector<Case> cases = {
        {"bad amount", "ACME amount=12x", "bad_amount", "\"12x\" is not an amount: write 12万",
         "“12x”不是金额"},
        {"negative amount", "ACME 金额=-5", "bad_amount", "\"-5\" is not an amount",
         "“-5”不是金额"},
        {"bad percent", "ACME margin=lots", "bad_percent", "\"lots\" is not a percentage",
         "“lots”不是百分比"},
        {"percent over 100", "ACME margin=150%", "bad_percent", "\"150%\" is not a percentage",
         "“150%”不是百分比"},
        {"bad zhe", "ACME margin=0折", "bad_percent", "\"0折\" is not a percentage",
         "“0折”不是百分比"},
        {"impossible date", "ACME after=2026-02-30", "bad_date", "\"2026-02-30\" is not a date",
         "“2026-02-30”不是日期"},
        {"word for a date", "ACME after=someday", "bad_date", "\"someday\" is not a date",
         "“someday”不是日期"},
        {"month 13", "ACME after=13月5日", "bad_date", "\"13月5日\" is not a date",
         "“13月5日”不是日期"},
        {"duration without unit", "ACME duration=30", "bad_duration",
         "\"30\" is not a duration: write 30min", "“30”不是时长"},
        {"bad duration unit", "ACME duration=5x", "bad_duration", "\"5x\" is not a duration",
         "“5x”不是时长"},
        {"unknown key", "ACME colour=red", "unknown_key",
         "\"colour=\" is not an option of engagement new. The options are: stage, owner, "
         "amount, margin, after, duration.",
         "“colour=”不是新建项目的选项。可用的选项：阶段, 负责人, 金额"},
        {"duplicated key", "ACME stage=lead 阶段=proposal", "duplicate_key",
         "\"阶段=\" is given twice", "“阶段=”写了两次"},
        {"key without value", "ACME stage=", "empty_value", "\"stage=\" needs a value",
         "“stage=”后面需要写上值"},
        {"missing required", "stage=lead", "missing", "engagement new needs CUSTOMER.",
         "新建项目需要客户。"},
        {"unclosed quote", "\"Acme Corp stage=lead", "unclosed_quote",
         "The quote before \"Acme Corp stage=lead\" is not closed",
         "“Acme Corp stage=lead”前面的引号没有闭合"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        for (const std::string locale : {"en", "zh-CN"}) {
            SCOPED_TRACE(locale);
            ParsedArgs out;
            ArgError error;
            ASSERT_FALSE(parse(every_kind(), c.line, locale, out, error));
            EXPECT_EQ(error.key, c.key);
            nlohmann::json data = error.data;
            data["command"] = bot::command_word("engagement new", prompts(), locale);
            data["usage"] = bot::usage_line("engagement new", every_kind(), prompts(), locale);
            const std::string said = prompts().render(locale, "args." + error.key, data);
            EXPECT_THAT(said, HasSubstr(locale == "en" ? c.en : c.zh));
            EXPECT_THAT(said, HasSubstr(locale == "en" ? "Usage: engagement new CUSTOMER"
                                                       : "用法：新建项目 客户"));
        }
    }
}

// The bad tokens the table above cannot reach (its command takes no id, no quarter and
// one text): a bad id, a bad quarter, a word too many, each in both languages.
TEST(Args, IdsQuartersAndAWordTooManyAreNamedInTheWritersLanguage) {
    static const CommandSpec spec =
        CommandSpec("rule approve", [](bot::Turn&, const bot::CommandArgs&) {})
            .arg(Arg::id("id"))
            .arg(Arg::quarter("quarter").optional());
    struct Case {
        const char* name;
        const char* line;
        const char* key;
        const char* en;
        const char* zh;
    };
    const std::vector<Case> cases = {
        {"zero id", "0", "bad_id", "\"0\" is not a number: write a whole number above zero",
         "“0”不是编号：请写大于零的整数"},
        {"word for an id", "#abc", "bad_id", "\"#abc\" is not a number", "“#abc”不是编号"},
        {"bad quarter", "3 2027 Q9", "bad_quarter", "\"2027 Q9\" is not a quarter",
         "“2027 Q9”不是季度"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        for (const std::string locale : {"en", "zh-CN"}) {
            SCOPED_TRACE(locale);
            ParsedArgs out;
            ArgError error;
            ASSERT_FALSE(parse(spec.args(), c.line, locale, out, error));
            EXPECT_EQ(error.key, c.key);
            nlohmann::json data = error.data;
            data["command"] = bot::command_word("rule approve", prompts(), locale);
            data["usage"] = bot::usage_line("rule approve", spec.args(), prompts(), locale);
            const std::string said = prompts().render(locale, "args." + error.key, data);
            EXPECT_THAT(said, HasSubstr(locale == "en" ? c.en : c.zh));
            EXPECT_THAT(
                said, HasSubstr(locale == "en" ? "Usage: rule approve ID" : "用法：批准规则 编号"));
        }
    }
    static const CommandSpec whois =
        CommandSpec("whois", [](bot::Turn&, const bot::CommandArgs&) {}).arg(Arg::person("person"));
    for (const std::string locale : {"en", "zh-CN"}) {
        ParsedArgs out;
        ArgError error;
        ASSERT_FALSE(parse(whois.args(), "@li @wang", locale, out, error));
        ASSERT_EQ(error.key, "unexpected");
        EXPECT_THAT(
            prompts().render(locale, "args.unexpected", error.data),
            HasSubstr(locale == "en" ? "I did not expect \"@wang\" here." : "这里不该有“@wang”。"));
    }
}

TEST(Args, AWordTooManyIsNamed) {
    static const CommandSpec whois =
        CommandSpec("whois", [](bot::Turn&, const bot::CommandArgs&) {}).arg(Arg::person("person"));
    ParsedArgs out;
    ArgError error;
    ASSERT_FALSE(parse(whois.args(), "@li @wang", "en", out, error));
    EXPECT_EQ(error.key, "unexpected");
    EXPECT_EQ(error.data.value("token", ""), "@wang");
}

TEST(Args, UsageLineIsWrittenFromTheDeclarationInTheReadersLanguage) {
    EXPECT_EQ(bot::usage_line("engagement new", every_kind(), prompts(), "en"),
              "engagement new CUSTOMER [stage=STAGE] [owner=@OWNER] [amount=AMOUNT] "
              "[margin=PERCENT] [after=DATE] [duration=DURATION]");
    EXPECT_EQ(bot::usage_line("engagement new", every_kind(), prompts(), "zh-CN"),
              "新建项目 客户 [阶段=阶段名] [负责人=@负责人] [金额=金额] [毛利率=百分比] "
              "[从=日期] [时长=时长]");
}

// A trailing amount after a name of several words, its currency as a word of its own, a
// number and keywords: `deal won`'s declaration.
const bot::ArgSpec& trailing() {
    static const CommandSpec spec =
        CommandSpec("deal won", [](bot::Turn&, const bot::CommandArgs&) {})
            .arg(Arg::text("customer"))
            .arg(Arg::trailing_amount("amount"))
            .arg(Arg::id("deal").optional())
            .option("metrics.words.amount", Arg::amount("amount"))
            .keyword("metrics.words.margin", Arg::percent("margin").optional())
            .keyword("metrics.words.owner", Arg::person("owner").optional());
    return spec.args();
}

TEST(Args, ATrailingAmountEndsANameOfSeveralWords) {
    struct Case {
        const char* line;
        std::string customer;
        double amount;
        std::string currency;
        std::optional<std::int64_t> deal;
        std::optional<double> margin;
        std::string owner;
    };
    const std::vector<Case> cases = {
        {"ACME 120000", "ACME", 120000, "", std::nullopt, std::nullopt, ""},
        {"Big Co Asia 5k usd", "Big Co Asia", 5000, "USD", std::nullopt, std::nullopt, ""},
        {"华为 云 12万 美元 #3", "华为 云", 120000, "USD", 3, std::nullopt, ""},
        // The first word is always the name's: 三一 is a customer, not 31.
        {"三一 2万", "三一", 20000, "", std::nullopt, std::nullopt, ""},
        {"三一 重工 十二万 元", "三一 重工", 120000, "CNY", std::nullopt, std::nullopt, ""},
        {"ACME ¥3000 margin 30%", "ACME", 3000, "CNY", std::nullopt, 0.3, ""},
        {"ACME 1000 GBP 毛利率 25% 负责人 @王芳", "ACME", 1000, "GBP", std::nullopt, 0.25, "@王芳"},
        {"ACME 50000 owner=@sue 12", "ACME", 50000, "", 12, std::nullopt, "@sue"},
        // The amount as an option: the name ends where it was written, a currency after it.
        {"Big Co amount=1.5k USD", "Big Co", 1500, "USD", std::nullopt, std::nullopt, ""},
        {"艾克米 金额=3千5", "艾克米", 3500, "", std::nullopt, std::nullopt, ""},
        // A keyword is read as one only after the first word, and not in quotes.
        {"Owner Corp 100", "Owner Corp", 100, "", std::nullopt, std::nullopt, ""},
        {"\"Margin\" 100", "Margin", 100, "", std::nullopt, std::nullopt, ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.line);
        ParsedArgs out;
        ArgError error;
        ASSERT_TRUE(parse(trailing(), c.line, "en", out, error)) << error.key << " " << error.data;
        EXPECT_EQ(out.word("customer"), c.customer);
        ASSERT_TRUE(out.amount("amount").has_value());
        EXPECT_DOUBLE_EQ(out.amount("amount")->value, c.amount);
        EXPECT_EQ(out.amount("amount")->currency, c.currency);
        EXPECT_EQ(out.id("deal"), c.deal);
        ASSERT_EQ(out.percent("margin").has_value(), c.margin.has_value());
        if (c.margin) {
            EXPECT_NEAR(*out.percent("margin"), *c.margin, 1e-9);
        }
        EXPECT_EQ(out.word("owner"), c.owner);
    }
}

TEST(Args, ATrailingAmountsBadTokensAreNamedInBothLanguages) {
    struct Case {
        const char* name;
        const char* line;
        const char* key;
        const char* en;
        const char* zh;
    };
    const std::vector<Case> cases = {
        {"no amount", "ACME Corp", "missing", "deal won needs AMOUNT [CURRENCY].",
         "成交需要金额 [币种]。"},
        {"only the name", "5000", "missing", "deal won needs AMOUNT [CURRENCY].",
         "成交需要金额 [币种]。"},
        {"not a number", "ACME 100 #x", "bad_id", "\"#x\" is not a number", "“#x”不是编号"},
        {"zero", "ACME 100 0", "bad_id", "\"0\" is not a number", "“0”不是编号"},
        {"keyword at the end", "ACME 100 margin", "keyword_without_value",
         "\"margin\" needs PERCENT after it.", "“margin”后面需要写上百分比。"},
        // Once given, a keyword's key is a word like any other: here, not the deal's number.
        {"keyword twice", "ACME 100 margin 5% 毛利率 6%", "bad_id", "\"毛利率\" is not a number",
         "“毛利率”不是编号"},
        {"keyword, then as an option", "ACME 100 margin 5% margin=6%", "duplicate_key",
         "\"margin=\" is given twice", "“margin=”写了两次"},
        {"bad keyword value", "ACME 100 margin lots", "bad_percent", "\"lots\" is not a percentage",
         "“lots”不是百分比"},
        {"bad amount option", "ACME amount=lots", "bad_amount", "\"lots\" is not an amount",
         "“lots”不是金额"},
        {"a word too many", "ACME 100 USD 2 more", "unexpected", "I did not expect \"more\"",
         "这里不该有“more”"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        for (const std::string locale : {"en", "zh-CN"}) {
            SCOPED_TRACE(locale);
            ParsedArgs out;
            ArgError error;
            ASSERT_FALSE(parse(trailing(), c.line, locale, out, error));
            EXPECT_EQ(error.key, c.key);
            nlohmann::json data = error.data;
            data["command"] = bot::command_word("deal won", prompts(), locale);
            data["usage"] = bot::usage_line("deal won", trailing(), prompts(), locale);
            const std::string said = prompts().render(locale, "args." + error.key, data);
            EXPECT_THAT(said, HasSubstr(locale == "en" ? c.en : c.zh));
        }
    }
}

TEST(Args, KeywordsAndTrailingAmountsInTheUsageLine) {
    EXPECT_EQ(bot::usage_line("deal won", trailing(), prompts(), "en"),
              "deal won CUSTOMER AMOUNT [CURRENCY] [#DEAL] [margin PERCENT] [owner @OWNER]");
    EXPECT_EQ(bot::usage_line("deal won", trailing(), prompts(), "zh-CN"),
              "成交 客户 金额 [币种] [#商机编号] [毛利率 百分比] [负责人 @负责人]");
}

// A note (`handoff CUSTOMER to @REP [NOTE]`): the rest of the line as typed, `=` and
// quotes kept, while the keyword and any option before it are still read.
const bot::ArgSpec& with_note() {
    static const CommandSpec spec =
        CommandSpec("handoff", [](bot::Turn&, const bot::CommandArgs&) {})
            .arg(Arg::text("customer"))
            .keyword("engagements.words.to", Arg::person("rep"))
            .option("engagements.words.stage", Arg::word("stage"))
            .arg(Arg::note("note").optional());
    return spec.args();
}

TEST(Args, ANoteIsTheRestOfTheLineAsTyped) {
    struct Case {
        const char* line;
        const char* customer;
        const char* rep;
        const char* stage;
        const char* note;
    };
    const std::vector<Case> cases = {
        {"Acme Corp to @sam budget=low, call back", "Acme Corp", "@sam", "",
         "budget=low, call back"},
        {"华为 给 @王芳 预算=低，  下周再联系", "华为", "@王芳", "", "预算=低，  下周再联系"},
        // A declared option before the note is read; the same key in the note is the note's.
        {"Acme stage=lead to @sam stage=proposal \"soon\"", "Acme", "@sam", "lead",
         "stage=proposal \"soon\""},
        {"Acme to @sam talk to Bob", "Acme", "@sam", "", "talk to Bob"},
        {"Acme to @sam", "Acme", "@sam", "", ""},
        // An unclosed quote in the note is the note's.
        {"Acme to @sam said \"cheap", "Acme", "@sam", "", "said \"cheap"},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.line);
        ParsedArgs out;
        ArgError error;
        ASSERT_TRUE(parse(with_note(), k.line, "en", out, error)) << error.key;
        EXPECT_EQ(out.word("customer"), k.customer);
        EXPECT_EQ(out.word("rep"), k.rep);
        EXPECT_EQ(out.word("stage"), k.stage);
        EXPECT_EQ(out.word("note"), k.note);
        EXPECT_EQ(out.has("note"), std::string(k.note) != "");
    }
}

TEST(Args, AWordThatIsNoOptionBeforeTheNoteIsStillNamed) {
    struct Case {
        const char* line;
        const char* locale;
        const char* key;
        const char* token;
    };
    const std::vector<Case> cases = {
        {"Acme budget=low to @sam call back", "en", "unknown_key", ""},
        {"华为 预算=低 给 @王芳 下周", "zh-CN", "unknown_key", ""},
        {"\"Acme to @sam call", "en", "unclosed_quote", "Acme to @sam call"},
        {"Acme to", "en", "keyword_without_value", ""},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.line);
        ParsedArgs out;
        ArgError error;
        EXPECT_FALSE(parse(with_note(), k.line, k.locale, out, error));
        EXPECT_EQ(error.key, k.key);
        if (std::string(k.token) != "") {
            EXPECT_EQ(error.data.value("token", ""), k.token);
        }
    }
    ParsedArgs out;
    ArgError error;
    ASSERT_FALSE(parse(with_note(), "华为 预算=低 给 @王芳 下周", "zh-CN", out, error));
    EXPECT_EQ(error.data.value("key", ""), "预算");
    EXPECT_EQ(bot::usage_line("handoff", with_note(), prompts(), "en"),
              "handoff CUSTOMER to @REP [NOTE] [stage=STAGE]");
    EXPECT_EQ(bot::usage_line("handoff", with_note(), prompts(), "zh-CN"),
              "移交 客户 给 @销售代表 [说明] [阶段=阶段名]");
}

TEST(Args, QuartersInBothLanguages) {
    struct Case {
        const char* text;
        std::optional<bot::YearQuarter> expected;
    };
    const std::vector<Case> cases = {
        {"2027Q1", bot::YearQuarter{2027, 1}},
        {"2027-q2", bot::YearQuarter{2027, 2}},
        {"2027 Q3", bot::YearQuarter{2027, 3}},
        {"q4", bot::YearQuarter{2026, 4}},  // this year
        {"2027年Q4", bot::YearQuarter{2027, 4}},
        {"2027年第1季度", bot::YearQuarter{2027, 1}},
        {"2027年 第四季度", bot::YearQuarter{2027, 4}},
        {"第二季度", bot::YearQuarter{2026, 2}},
        {"三季度", bot::YearQuarter{2026, 3}},
        {"2027Q5", std::nullopt},
        {"第五季度", std::nullopt},
        {"Q0", std::nullopt},
        {"27Q1", std::nullopt},
        {"1999Q1", std::nullopt},
        {"2027", std::nullopt},
        {"Q1Q2", std::nullopt},
        {"Q1.5", std::nullopt},
        {"", std::nullopt},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.text);
        EXPECT_EQ(bot::read_quarter(prompts(), k.text, 2026), k.expected);
    }
    // Without a year to fall back on, a quarter must name its year.
    EXPECT_EQ(bot::read_quarter(prompts(), "Q1", std::nullopt), std::nullopt);
    EXPECT_EQ(bot::read_quarter(prompts(), "2027Q1", std::nullopt), (bot::YearQuarter{2027, 1}));
    // As a positional argument it takes the words left; a bad one is named.
    static const CommandSpec spec = CommandSpec("budget", [](bot::Turn&, const bot::CommandArgs&) {
                                    }).arg(Arg::quarter("quarter").optional());
    ParsedArgs out;
    ArgError error;
    ASSERT_TRUE(parse(spec.args(), "2027 Q2", "en", out, error));
    EXPECT_EQ(out.quarter("quarter"), (bot::YearQuarter{2027, 2}));
    EXPECT_FALSE(parse(spec.args(), "2027 Q9", "zh-CN", out, error));
    EXPECT_EQ(error.key, "bad_quarter");
    EXPECT_EQ(error.data.value("token", ""), "2027 Q9");
    EXPECT_EQ(bot::usage_line("budget", spec.args(), prompts(), "en"), "budget [YYYYQN]");
}

TEST(Args, IdsAndCurrencies) {
    EXPECT_EQ(bot::read_id("12"), 12);
    EXPECT_EQ(bot::read_id("#7"), 7);
    EXPECT_EQ(bot::read_id("0"), std::nullopt);
    EXPECT_EQ(bot::read_id("-3"), std::nullopt);
    EXPECT_EQ(bot::read_id("1.5"), std::nullopt);
    EXPECT_EQ(bot::read_id("1234567890123456"), std::nullopt);
    EXPECT_EQ(bot::read_currency(prompts(), "usd"), "USD");
    EXPECT_EQ(bot::read_currency(prompts(), "美元"), "USD");
    EXPECT_EQ(bot::read_currency(prompts(), "元"), "CNY");
    EXPECT_EQ(bot::read_currency(prompts(), "chf"), "CHF");
    EXPECT_EQ(bot::read_currency(prompts(), "dollars"), std::nullopt);
}

// A keyword declared before every positional may open the line; a positional and a
// keyword of the same name give one value either way (`report pause [until] DATE`).
TEST(Args, AKeywordMayOpenTheLineAndShareItsValueWithAPositional) {
    const CommandSpec spec = CommandSpec("report pause", [](bot::Turn&, const bot::CommandArgs&) {})
                                 .keyword("reports.words.until", Arg::date("until").optional())
                                 .arg(Arg::date("until"));
    for (const auto& [line, locale] : std::vector<std::pair<std::string, std::string>>{
             {"until 2026-12-24", "en"}, {"2026-12-24", "en"}, {"至 12月24日", "zh-CN"}}) {
        SCOPED_TRACE(line);
        ParsedArgs out;
        ArgError error;
        ASSERT_TRUE(parse(spec.args(), line, locale, out, error)) << error.key;
        EXPECT_EQ(out.date("until"), ymd(2026, 12, 24));
    }
    struct Bad {
        const char* line;
        const char* locale;
        const char* key;
        const char* answer;
    };
    for (const auto& b : std::vector<Bad>{
             {"until someday", "en", "bad_date", "\"someday\" is not a date"},
             {"至 某天", "zh-CN", "bad_date", "“某天”不是日期"},
             {"until", "en", "keyword_without_value", "\"until\" needs YYYY-MM-DD after it."},
             {"至", "zh-CN", "keyword_without_value", "“至”后面需要写上YYYY-MM-DD"},
             {"", "en", "missing", "report pause needs YYYY-MM-DD."},
             {"", "zh-CN", "missing", "暂停报告需要YYYY-MM-DD。"},
             {"until 2026-12-24 2026-12-25", "en", "unexpected", "\"2026-12-25\""},
         }) {
        SCOPED_TRACE(b.line);
        ParsedArgs out;
        ArgError error;
        EXPECT_FALSE(parse(spec.args(), b.line, b.locale, out, error));
        EXPECT_EQ(error.key, b.key);
        nlohmann::json data = error.data;
        data["command"] = bot::command_word("report pause", prompts(), b.locale);
        data["usage"] = bot::usage_line("report pause", spec.args(), prompts(), b.locale);
        data["has_example"] = false;
        EXPECT_THAT(prompts().render(b.locale, "args." + error.key, data), HasSubstr(b.answer));
    }
    EXPECT_EQ(bot::usage_line("report pause", spec.args(), prompts(), "en"),
              "report pause until YYYY-MM-DD");
    EXPECT_EQ(bot::usage_line("report pause", spec.args(), prompts(), "zh-CN"),
              "暂停报告 至 YYYY-MM-DD");
}

// A keyword whose value is a text takes the words up to the next keyword or option; a
// trailing amount after a keyword takes the currency written after it; a link's query is
// no option.
TEST(Args, KeywordTextsCurrenciesAndLinks) {
    const CommandSpec campaign =
        CommandSpec("campaign new", [](bot::Turn&, const bot::CommandArgs&) {})
            .arg(Arg::text("campaign_name"))
            .keyword("metrics.words.cost", Arg::trailing_amount("campaign_cost"))
            .keyword("metrics.words.from", Arg::date("from"))
            .keyword("metrics.words.to", Arg::date("to"))
            .keyword("metrics.words.segment", Arg::text("segment").optional());
    ParsedArgs out;
    ArgError error;
    ASSERT_TRUE(parse(campaign.args(),
                      "Spring Expo cost 1000 USD from 2026-11-02 to 2026-11-15 segment retail "
                      "banks",
                      "en", out, error))
        << error.key;
    EXPECT_EQ(out.word("campaign_name"), "Spring Expo");
    EXPECT_EQ(out.amount("campaign_cost")->value, 1000);
    EXPECT_EQ(out.amount("campaign_cost")->currency, "USD");
    EXPECT_EQ(out.word("segment"), "retail banks");
    EXPECT_EQ(out.date("to"), ymd(2026, 11, 15));
    // The text ends at a keyword written after it; Chinese key words.
    ParsedArgs zh;
    ASSERT_TRUE(parse(campaign.args(),
                      "春季展会 细分 制造业 银行 费用 1万 美元 从 2026-11-02 到 2026-11-30",
                      "zh-CN", zh, error))
        << error.key;
    EXPECT_EQ(zh.word("campaign_name"), "春季展会");
    EXPECT_EQ(zh.word("segment"), "制造业 银行");
    EXPECT_EQ(zh.amount("campaign_cost")->value, 10000);
    EXPECT_EQ(zh.amount("campaign_cost")->currency, "USD");
    EXPECT_EQ(bot::usage_line("campaign new", campaign.args(), prompts(), "en"),
              "campaign new NAME cost AMOUNT [CURRENCY] from DATE to DATE [segment TEXT]");
    ParsedArgs bad;
    EXPECT_FALSE(parse(campaign.args(), "Expo cost 100 from 2026-11-02 to", "en", bad, error));
    EXPECT_EQ(error.key, "keyword_without_value");
    EXPECT_FALSE(
        parse(campaign.args(), "Expo cost lots from 2026-11-02 to 2026-11-03", "en", bad, error));
    EXPECT_EQ(error.key, "bad_amount");
    EXPECT_EQ(error.data.value("token", ""), "lots");

    const CommandSpec kit = CommandSpec("kit add", [](bot::Turn&, const bot::CommandArgs&) {})
                                .arg(Arg::word("title"))
                                .arg(Arg::text("tags").optional())
                                .option("kit.words.lang", Arg::word("lang"));
    ParsedArgs link;
    ASSERT_TRUE(parse(kit.args(), "\"Sheet\" pricing https://example.com/a?v=2&x=1 lang=en", "en",
                      link, error))
        << error.key;
    EXPECT_EQ(link.word("tags"), "pricing https://example.com/a?v=2&x=1");
    EXPECT_EQ(link.word("lang"), "en");
    EXPECT_FALSE(parse(kit.args(), "\"Sheet\" colour=red", "en", link, error));
    EXPECT_EQ(error.key, "unknown_key");
}

// Through the router: a bad token is answered before the handler runs, in the writer's
// language; `help CMD` shows the generated usage line.
class ArgsBotTest : public ::testing::Test {
  protected:
    void SetUp() override {
        bot.add({"mia", "Mia Marketer", "marketing", "staff"});
        bot.add({"li", "李伟", "sales", "staff", "Asia/Shanghai", "zh-CN"});
    }
    TestBot bot;
};

TEST_F(ArgsBotTest, ABadTokenIsAnsweredInEnglishAndInChinese) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"mia", "engagement new Foo amount=12x",
         "\"12x\" is not an amount: write 12万, 50k, 1.2m, ¥3000 or $500."},
        {"li", "新建项目 华为 金额=12x", "“12x”不是金额：请写 12万、50k、1.2m、¥3000 或 $500。"},
        {"mia", "engagement new Foo colour=red",
         "\"colour=\" is not an option of engagement new. The options are: stage, owner, amount."},
        {"li", "新建项目 华为 颜色=红",
         "“颜色=”不是新建项目的选项。可用的选项：阶段, 负责人, 金额。"},
        {"mia", "engagement new \"Foo Labs", "The quote before \"Foo Labs\" is not closed"},
        {"li", "新建项目 华为 阶段=lead 阶段=qualified", "“阶段=”写了两次"},
        {"mia", "whois", "whois needs @PERSON."},
        {"li", "查人", "查人需要@某人。"},
        {"mia", "whois @nobody", "I know nobody called @nobody"},
        {"li", "查人 @无名", "@无名"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    EXPECT_TRUE(engagements_of_bot(bot).all().empty());
}

TEST_F(ArgsBotTest, AnAmbiguousPersonInAnOptionIsAskedAndTheCommandRunsAgain) {
    bot.add({"wangfang1", "Wang Fang", "sales", "staff"});
    bot.add({"wangfang2", "Wang Fang", "sales", "manager"});
    EXPECT_THAT(bot.say("mia", "engagement new Zeta stage=qualified owner=@WangFang"),
                ElementsAre(HasSubstr("could be several people")));
    EXPECT_THAT(bot.say("mia", "2"), Contains(HasSubstr("owner: Wang Fang")));
    const auto all = engagements_of_bot(bot).all();
    ASSERT_EQ(all.size(), 1u);
    ASSERT_TRUE(all.front().owner_id.has_value());
    const bot::Person* owner = bot.engine().directory().by_id(*all.front().owner_id);
    ASSERT_NE(owner, nullptr);
    EXPECT_EQ(owner->role, "manager");
}

TEST_F(ArgsBotTest, HelpForADeclaredCommandIsWrittenFromTheDeclaration) {
    EXPECT_THAT(
        bot.say("mia", "help engagement new"),
        ElementsAre(
            AllOf(HasSubstr("engagement new CUSTOMER [stage=STAGE] [owner=@OWNER] [amount=AMOUNT]"),
                  HasSubstr("Open an engagement"))));
    EXPECT_THAT(
        bot.say("li", "帮助 新建项目"),
        ElementsAre(AllOf(HasSubstr("新建项目 客户 [阶段=阶段名] [负责人=@负责人] [金额=金额]"),
                          HasSubstr("为客户新建项目"))));
    EXPECT_THAT(bot.say("mia", "help whois"), ElementsAre(HasSubstr("whois @PERSON")));
    EXPECT_THAT(bot.say("li", "帮助 查人"), ElementsAre(HasSubstr("查人 @某人")));
}

TEST_F(ArgsBotTest, ADeclaredCommandGetsTypedValuesAndResolvedPeople) {
    bot.engine().router().add(
        CommandSpec("plan trip",
                    [](bot::Turn& turn, const bot::CommandArgs& args) {
                        const auto& a = args.parsed;
                        turn.reply_text(
                            a.word("city") + " with " + a.person("owner")->name + " on " +
                            date::format("%F", *a.date("after")) + " for " +
                            std::to_string(*a.duration("duration")) + " min, " +
                            std::to_string(static_cast<long>(a.amount("amount")->value)) + " " +
                            a.amount("amount")->currency);
                    })
            .arg(Arg::word("city"))
            .option("engagements.words.owner", Arg::person("owner"))
            .option("meetings.words.after", Arg::date("after"))
            .option("meetings.words.duration", Arg::duration("duration"))
            .option("engagements.words.amount", Arg::amount("amount")));
    EXPECT_THAT(bot.say("mia",
                        "plan trip Shanghai owner=@li after=2026-12-01 duration=2h "
                        "amount=$5k"),
                ElementsAre("Shanghai with 李伟 on 2026-12-01 for 120 min, 5000 USD"));
    EXPECT_THAT(bot.say("li", "plan trip 上海 负责人=@mia 从=12月1日 时长=两小时 金额=5千元"),
                ElementsAre("上海 with Mia Marketer on 2026-12-01 for 120 min, 5000 CNY"));
    EXPECT_THAT(bot.say("mia", "plan trip Shanghai owner=@li duration=2h after=someday"),
                ElementsAre(AllOf(HasSubstr("\"someday\" is not a date"),
                                  HasSubstr("Usage: plan trip WORD"))));
    EXPECT_THAT(bot.say("li", "plan trip 上海 时长=很久"),
                ElementsAre(HasSubstr("“很久”不是时长")));
}

}  // namespace
}  // namespace twintrack::testing
