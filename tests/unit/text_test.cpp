#include "core/text.hpp"

#include <gtest/gtest.h>

namespace twintrack::core {
namespace {

TEST(Utf8, ValidatesTable) {
    struct Case {
        const char* name;
        std::string text;
        bool valid;
    };
    const std::vector<Case> cases = {
        {"ascii", "hello", true},
        {"chinese", "竞品华为报价低15%", true},
        {"emoji", "\xF0\x9F\x98\x80", true},
        {"lone continuation", "\x80", false},
        {"truncated", "\xE4\xB8", false},
        {"overlong slash", "\xC0\xAF", false},
        {"surrogate", "\xED\xA0\x80", false},
        {"above max", "\xF4\x90\x80\x80", false},
        {"latin1 byte", "caf\xE9", false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(valid_utf8(c.text), c.valid);
    }
}

TEST(Utf8, PrefixNeverCutsACharacter) {
    const std::string s = "市场部";  // 9 bytes
    EXPECT_EQ(utf8_prefix(s, 4), "市");
    EXPECT_EQ(utf8_prefix(s, 6), "市场");
    EXPECT_EQ(utf8_prefix(s, 100), s);
    EXPECT_EQ(utf8_length(s), 3u);
}

TEST(Words, SplitsOnSpacesQuotesAndIdeographicSpace) {
    EXPECT_EQ(split_words("  help   ping "), (std::vector<std::string>{"help", "ping"}));
    EXPECT_EQ(split_words("meet \"joint planning\" with @li"),
              (std::vector<std::string>{"meet", "joint planning", "with", "@li"}));
    EXPECT_EQ(split_words("帮助\xE3\x80\x80规则"), (std::vector<std::string>{"帮助", "规则"}));
    EXPECT_EQ(split_words("会议 “联合 计划”"), (std::vector<std::string>{"会议", "联合 计划"}));
    EXPECT_EQ(split_words("say \"\""), (std::vector<std::string>{"say", ""}));
}

TEST(Words, EditDistanceCountsCharactersNotBytes) {
    EXPECT_EQ(edit_distance("help", "hlep"), 1u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("帮助", "帮组"), 1u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Words, TrimHandlesIdeographicSpace) {
    EXPECT_EQ(trim("\xE3\x80\x80 帮助 \t"), "帮助");
    EXPECT_EQ(trim("   "), "");
}

}  // namespace
}  // namespace twintrack::core
