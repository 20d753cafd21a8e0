// The tone guide's rule engine: Vale-format rule files of every supported kind, in
// English and Chinese, and the problems a bad rule file is reported with.

#include "bot/features/tone/tone_guide.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace twintrack::bot::tone {
namespace {

using ::testing::HasSubstr;

ToneGuide guide_of(const std::string& name, const std::string& yaml) {
    return ToneGuide::from_sources({{name, name + ".yml", yaml}});
}

/// "Rule:level:matched" of every finding, in text order.
std::vector<std::string> summary(const ToneGuide& guide, const std::string& text) {
    std::vector<std::string> out;
    for (const auto& f : guide.check(text)) {
        out.push_back(f.rule + ":" + level_name(f.level) + ":" + f.matched);
    }
    return out;
}

const char* const hype_rule = R"(extends: existence
message: "Drop the hype word '%s'."
level: error
ignorecase: true
tokens:
  - revolutionary
  - game-changing
  - 颠覆性
  - 遥遥领先
)";

const char* const terms_rule = R"(extends: substitution
message: "Use '%s' instead of '%s'."
level: warning
ignorecase: false
swap:
  '(?<![@\w./-])(?!twintrack\b)(?i:twin[ -]?track)(?![\w@/-])': TwinTrack
  行销: 营销
  竞品情报: 竞争情报
  salesmen: sales reps
)";

const char* const exclaim_rule = R"(extends: occurrence
message: "At most one exclamation mark (found %s)."
level: warning
scope: text
nonword: true
max: 1
token: '！|(?<!\s)!(?!\w)'
)";

const char* const length_rule = R"(extends: occurrence
message: "Keep sentences under 12 words or Chinese characters (this one has %s)."
level: suggestion
scope: sentence
max: 12
token: '[^\s]+'
)";

const char* const repeat_rule = R"(extends: repetition
message: "'%s' is repeated."
level: error
alpha: true
ignorecase: true
tokens:
  - '[^\s]+'
)";

const char* const heading_rule = R"(extends: capitalization
message: "'%s' should be in title case."
level: suggestion
match: $title
exceptions:
  - iPhone
)";

ToneGuide sample_guide() {
    return ToneGuide::from_sources({{"Hype", "Hype.yml", hype_rule},
                                    {"Terms", "Terms.yml", terms_rule},
                                    {"Exclaim", "Exclaim.yml", exclaim_rule},
                                    {"Length", "Length.yml", length_rule},
                                    {"Repeat", "Repeat.yml", repeat_rule},
                                    {"Heading", "Heading.yml", heading_rule}});
}

TEST(ToneGuide, FindsWhatEachKindLooksForInBothLanguages) {
    const ToneGuide guide = sample_guide();
    struct Case {
        std::string name;
        std::string text;
        std::vector<std::string> expected;
    };
    const std::vector<Case> cases = {
        {"english hype", "Our Revolutionary plan.", {"Hype:error:Revolutionary"}},
        {"hype inside a longer word is not hype", "Unrevolutionary plan.", {}},
        {"chinese hype without spaces", "这是颠覆性的方案。", {"Hype:error:颠覆性"}},
        {"chinese hype next to latin", "TwinTrack遥遥领先。", {"Hype:error:遥遥领先"}},
        {"product spelling", "Try Twin Track today.", {"Terms:warning:Twin Track"}},
        {"product spelled right", "Try TwinTrack today.", {}},
        {"the program's name and handles stay", "Run twintrack import people; ask @twintrack.", {}},
        {"chinese preferred term inside a sentence", "我们的行销计划。", {"Terms:warning:行销"}},
        {"chinese term among chinese", "请提交竞品情报", {"Terms:warning:竞品情报"}},
        {"one exclamation mark is fine", "Great news!", {}},
        {"two are not", "Great news! Really!", {"Exclaim:warning:!"}},
        {"full-width marks count", "太好了！真的！", {"Exclaim:warning:！"}},
        {"a command after ! is not an exclamation", "Great! Type !help or !ping.", {}},
        {"long english sentence",
         "One two three four five six seven eight nine ten eleven twelve thirteen.",
         {"Length:suggestion:One two three four five six seven eight nine ten eleven twelve "
          "thirteen."}},
        {"short english sentences", "One two three. Four five six.", {}},
        {"long chinese sentence counts characters",
         "市场部和销售部一起准备了下周的联席会议。",
         {"Length:suggestion:市场部和销售部一起准备了下周的联席会议。"}},
        {"short chinese sentences", "市场部准备好了。销售部也准备好了。", {}},
        {"repeated word", "Send the the draft.", {"Repeat:error:the the"}},
        {"repeated word in another case", "Send The the draft.", {"Repeat:error:The the"}},
        {"numbers may repeat", "Room 4 4 is free.", {}},
        {"heading in title case", "# Joint Launch of the Spring Campaign\nText.", {}},
        {"heading not in title case",
         "# Joint launch plan\nText.",
         {"Heading:suggestion:Joint launch plan"}},
        {"exceptions are kept", "# Launch iPhone Offers\nText.", {}},
        {"chinese heading has no capitals", "# 春季联合发布\n正文。", {}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(summary(guide, c.text), c.expected);
    }
}

TEST(ToneGuide, MessagesFillInTheMatchAndTheSuggestion) {
    const ToneGuide guide = sample_guide();
    const auto findings = guide.check("Twintrack helps salesmen.");
    ASSERT_EQ(findings.size(), 2u);
    EXPECT_EQ(findings[0].message, "Use 'TwinTrack' instead of 'Twintrack'.");
    EXPECT_EQ(findings[0].suggestion, "TwinTrack");
    EXPECT_EQ(findings[1].message, "Use 'sales reps' instead of 'salesmen'.");
    const auto hype = guide.check("A revolutionary idea.");
    ASSERT_EQ(hype.size(), 1u);
    EXPECT_EQ(hype[0].message, "Drop the hype word 'revolutionary'.");
    const auto bangs = guide.check("Yes! Great! Fine!");
    ASSERT_EQ(bangs.size(), 1u);
    EXPECT_EQ(bangs[0].message, "At most one exclamation mark (found 3).");
}

TEST(ToneGuide, FindingsCarryTheirLine) {
    const ToneGuide guide = sample_guide();
    const auto findings = guide.check("Fine.\nStill fine.\nA revolutionary line.");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].line, 3);
}

TEST(ToneGuide, AppliesEverySubstitution) {
    const ToneGuide guide = sample_guide();
    EXPECT_EQ(guide.apply_substitutions("Twin-Track 帮助行销团队整理竞品情报。"),
              "TwinTrack 帮助营销团队整理竞争情报。");
    EXPECT_EQ(guide.apply_substitutions("Nothing to change."), "Nothing to change.");
}

TEST(ToneGuide, MinimumOccurrences) {
    const ToneGuide guide = guide_of("CallToAction", R"(extends: occurrence
message: "Add a call to action (found %s)."
level: warning
ignorecase: true
min: 1
token: 'sign up|register|报名'
)");
    EXPECT_EQ(summary(guide, "Spring launch next week."),
              std::vector<std::string>{"CallToAction:warning:Spring launch next week."});
    EXPECT_TRUE(summary(guide, "Register for the launch.").empty());
    EXPECT_TRUE(summary(guide, "欢迎报名参加发布会。").empty());
}

TEST(ToneGuide, CapitalizationWithARegex) {
    const ToneGuide guide = guide_of("Upper", R"(extends: capitalization
message: "'%s' must start with a capital."
scope: sentence
match: '[A-Z].*'
)");
    EXPECT_EQ(summary(guide, "fine start. Second one."),
              std::vector<std::string>{"Upper:suggestion:fine start."});
}

TEST(ToneGuide, CaseMattersUnlessIgnorecase) {
    const ToneGuide guide = ToneGuide::from_sources(
        {{"Brand", "Brand.yml",
          "extends: substitution\nmessage: \"Write '%s'.\"\nswap:\n  Wechat|WECHAT: WeChat\n"},
         {"Loud", "Loud.yml", "extends: existence\nmessage: x\ntokens: [URGENT]\n"}});
    EXPECT_EQ(summary(guide, "Use Wechat, WECHAT or WeChat. urgent, URGENT."),
              (std::vector<std::string>{"Brand:suggestion:Wechat", "Brand:suggestion:WECHAT",
                                        "Loud:suggestion:URGENT"}));
}

TEST(ToneGuide, InvalidUtf8HasNoFindings) {
    const ToneGuide guide = sample_guide();
    EXPECT_TRUE(guide.check(std::string("revolutionary \xff\xfe")).empty());
}

struct BadRule {
    std::string name;
    std::string yaml;
    std::string expected;  ///< part of the problem, after "Bad.yml:"
};

TEST(ToneGuide, BadRuleFilesAreNamedWithFileAndLine) {
    const std::vector<BadRule> cases = {
        {"unsupported kind", "message: x\nextends: spelling\n",
         "Bad.yml:2: the kind \"spelling\" is not supported"},
        {"missing kind", "message: x\n", "Bad.yml:1: `extends` is missing"},
        {"unsupported key", "extends: existence\nmessage: x\ntokens: [a]\nraw: ['x']\n",
         "Bad.yml:4: the key \"raw\" is not supported in existence rules"},
        {"key of another kind", "extends: existence\nmessage: x\ntokens: [a]\nswap:\n  a: b\n",
         "Bad.yml:4: the key \"swap\" is not supported"},
        {"bad level", "extends: existence\nmessage: x\nlevel: fatal\ntokens: [a]\n",
         "Bad.yml:3: `level` must be suggestion, warning or error"},
        {"bad regex in tokens", "extends: existence\nmessage: x\ntokens:\n  - ok\n  - 'bad(('\n",
         "Bad.yml:5: the regex \"bad((\" does not compile"},
        {"bad regex in swap", "extends: substitution\nmessage: x\nswap:\n  '[oops': fine\n",
         "Bad.yml:4: the regex \"[oops\" does not compile"},
        {"bad regex in token", "extends: occurrence\nmessage: x\nmax: 1\ntoken: '(?<=a+)b'\n",
         "Bad.yml:4: the regex \"(?<=a+)b\" does not compile"},
        {"bad max", "extends: occurrence\nmessage: x\nmax: many\ntoken: a\n",
         "Bad.yml:3: `max` must be a whole number"},
        {"occurrence without limits", "extends: occurrence\nmessage: x\ntoken: a\n",
         "needs `max` or `min`"},
        {"bad scope", "extends: existence\nmessage: x\nscope: list\ntokens: [a]\n",
         "Bad.yml:3: the scope \"list\" is not supported"},
        {"bad yaml", "extends: existence\nmessage: [x\n", "Bad.yml:"},
        {"not a mapping", "- a\n- b\n", "Bad.yml:1: a rule file must be a mapping"},
        {"no message", "extends: existence\ntokens: [a]\n", "`message` is missing"},
        {"no tokens", "extends: existence\nmessage: x\n", "`tokens` is missing or empty"},
        {"bad capitalization match", "extends: capitalization\nmessage: x\nmatch: $camel\n",
         "Bad.yml:3: `match` \"$camel\" is not supported"},
        {"bad boolean", "extends: existence\nmessage: x\nignorecase: maybe\ntokens: [a]\n",
         "Bad.yml:3: `ignorecase` must be true or false"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        try {
            guide_of("Bad", c.yaml);
            ADD_FAILURE() << "expected a problem";
        } catch (const ToneGuideError& e) {
            EXPECT_THAT(e.what(), HasSubstr(c.expected));
        }
    }
}

TEST(ToneGuide, EveryProblemOfEveryFileIsReportedAtOnce) {
    try {
        ToneGuide::from_sources({{"A", "A.yml", "extends: metric\nmessage: x\n"},
                                 {"B", "B.yml", "extends: existence\nmessage: x\ntokens: ['(']\n"},
                                 {"C", "C.yml", hype_rule}});
        FAIL() << "expected problems";
    } catch (const ToneGuideError& e) {
        ASSERT_EQ(e.problems().size(), 2u);
        EXPECT_EQ(e.problems()[0].file, "A.yml");
        EXPECT_EQ(e.problems()[0].line, 1);
        EXPECT_EQ(e.problems()[1].file, "B.yml");
        EXPECT_EQ(e.problems()[1].line, 3);
    }
}

TEST(ToneGuide, LoadsAFolderWithStylesInSubfolders) {
    char tmpl[] = "/tmp/twintrack-tone-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    std::filesystem::create_directories(dir + "/Acme");
    std::ofstream(dir + "/Hype.yml") << hype_rule;
    std::ofstream(dir + "/Acme/Terms.yml") << terms_rule;
    std::ofstream(dir + "/README.md") << "not a rule";
    const ToneGuide guide = ToneGuide::load(dir);
    EXPECT_EQ(guide.size(), 2u);
    EXPECT_EQ(summary(guide, "A revolutionary 行销 plan."),
              (std::vector<std::string>{"Hype:error:revolutionary", "Acme.Terms:warning:行销"}));
    std::ofstream(dir + "/Acme/Broken.yml") << "extends: existence\nmessage: x\ntokens: ['[']\n";
    try {
        ToneGuide::load(dir);
        FAIL() << "expected a problem";
    } catch (const ToneGuideError& e) {
        EXPECT_THAT(e.what(), HasSubstr("Acme/Broken.yml:3: the regex \"[\" does not compile"));
    }
    std::filesystem::remove_all(dir);
    EXPECT_THROW(ToneGuide::load(dir), ToneGuideError);
}

}  // namespace
}  // namespace twintrack::bot::tone
