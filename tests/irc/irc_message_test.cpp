// Pure parts of the IRC connector: lines, splitting, flood control.

#include "connectors/irc/irc_message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/irc/flood_control.hpp"
#include "connectors/irc/line_splitter.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::irc {
namespace {

using ::testing::ElementsAre;

TEST(IrcMessage, ParsesTagsPrefixParamsAndTrailing) {
    auto m = parse_message(
        "@time=2026-11-28T18:00:00.123Z;msgid=abc\\:1\\sx;+draft/flag :alice!al@host PRIVMSG "
        "#sales :twintrack: help me\r\n");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->tags.at("time"), "2026-11-28T18:00:00.123Z");
    EXPECT_EQ(m->tags.at("msgid"), "abc;1 x");
    EXPECT_EQ(m->tags.at("+draft/flag"), "");
    EXPECT_EQ(m->prefix, "alice!al@host");
    EXPECT_EQ(m->nick(), "alice");
    EXPECT_EQ(m->command, "PRIVMSG");
    EXPECT_THAT(m->params, ElementsAre("#sales", "twintrack: help me"));
}

TEST(IrcMessage, ParsesLinesWithoutPrefixOrTrailing) {
    auto m = parse_message("PING :irc.example.net");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->prefix, "");
    EXPECT_EQ(m->command, "PING");
    EXPECT_THAT(m->params, ElementsAre("irc.example.net"));
    m = parse_message(":srv 001 bot Welcome");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->command, "001");
    EXPECT_THAT(m->params, ElementsAre("bot", "Welcome"));
    m = parse_message("cap * LS :sasl=PLAIN server-time");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->command, "CAP");
    EXPECT_EQ(m->param(2), "sasl=PLAIN server-time");
    EXPECT_EQ(m->param(7), "");
    m = parse_message(":srv PRIVMSG #a :");
    ASSERT_TRUE(m);
    EXPECT_THAT(m->params, ElementsAre("#a", ""));
    EXPECT_FALSE(parse_message(""));
    EXPECT_FALSE(parse_message(":only-prefix"));
    EXPECT_FALSE(parse_message("@a=b"));
}

TEST(IrcMessage, FormatsWithTrailingWhenNeeded) {
    EXPECT_EQ(format_message("PRIVMSG", {"#sales", "hello world"}), "PRIVMSG #sales :hello world");
    EXPECT_EQ(format_message("NICK", {"twintrack"}), "NICK twintrack");
    EXPECT_EQ(format_message("PRIVMSG", {"bob", ":)"}), "PRIVMSG bob ::)");
    EXPECT_EQ(format_message("PRIVMSG", {"bob", ""}), "PRIVMSG bob :");
    EXPECT_EQ(format_message("PRIVMSG", {"bob", "a\r\nb"}), "PRIVMSG bob :a  b");
    EXPECT_EQ(format_message("JOIN", {"#a", "key"}), "JOIN #a key");
}

TEST(IrcMessage, ServerTimeAndBase64) {
    EXPECT_EQ(parse_server_time("1970-01-01T00:00:01.5Z"), 1500);
    EXPECT_EQ(parse_server_time("2026-11-28T18:00:00.123Z"), 1795888800123LL);
    EXPECT_EQ(parse_server_time("2026-11-28T18:00:00Z"), 1795888800000LL);
    EXPECT_FALSE(parse_server_time("yesterday"));
    EXPECT_FALSE(parse_server_time("2026-13-28T18:00:00Z"));
    EXPECT_EQ(base64(std::string("bot\0bot\0secret", 14)), "Ym90AGJvdABzZWNyZXQ=");
    EXPECT_EQ(base64("ab"), "YWI=");
    EXPECT_EQ(base64("abc"), "YWJj");
    EXPECT_EQ(base64(""), "");
}

TEST(IrcMessage, NamesCompareWithoutCase) {
    EXPECT_TRUE(same_name("TwinTrack", "twintrack"));
    EXPECT_FALSE(same_name("twintrack", "twintrack_"));
    EXPECT_TRUE(is_channel("#sales"));
    EXPECT_TRUE(is_channel("&local"));
    EXPECT_FALSE(is_channel("alice"));
}

TEST(LineSplitter, KeepsShortLinesAndSplitsNewlines) {
    EXPECT_THAT(split_text("pong", 400), ElementsAre("pong"));
    EXPECT_THAT(split_text("a\r\nb\n\n  c  \n", 400), ElementsAre("a", "b", "  c"));
    EXPECT_TRUE(split_text("", 400).empty());
}

TEST(LineSplitter, CutsAsciiAtSpaces) {
    auto parts = split_text("aaaa bbbb cccc dddd", 10);
    EXPECT_THAT(parts, ElementsAre("aaaa bbbb", "cccc dddd"));
    parts = split_text("one two three", 4);
    EXPECT_THAT(parts, ElementsAre("one", "two", "thre", "e"));
}

TEST(LineSplitter, CutsChineseAndEmojiOnCharacterBoundaries) {
    std::string chinese;
    for (int i = 0; i < 300; ++i) chinese += "销售";  // 6 bytes per pair
    auto parts = split_text(chinese, 400);
    std::string joined;
    for (const auto& p : parts) {
        EXPECT_LE(p.size(), 400u);
        EXPECT_TRUE(core::valid_utf8(p)) << p;
        joined += p;
    }
    EXPECT_EQ(joined, chinese);
    EXPECT_EQ(parts.front().size(), 399u);  // 133 characters of 3 bytes

    std::string emoji;
    for (int i = 0; i < 150; ++i) emoji += "\xF0\x9F\x98\x80";  // 😀, 4 bytes
    parts = split_text(emoji, 401);
    joined.clear();
    for (const auto& p : parts) {
        EXPECT_TRUE(core::valid_utf8(p));
        EXPECT_EQ(p.size() % 4, 0u);
        joined += p;
    }
    EXPECT_EQ(joined, emoji);
}

TEST(LineSplitter, AWordLongerThanALineIsCutHard) {
    const std::string word(1000, 'x');
    auto parts = split_text("short " + word + " end", 400);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0], "short " + std::string(394, 'x'));
    EXPECT_EQ(parts[1], std::string(400, 'x'));
    EXPECT_EQ(parts[2], std::string(206, 'x') + " end");
}

TEST(LineSplitter, BudgetLeavesRoomForPrefixAndServerPrefix) {
    const std::size_t budget = text_budget("#sales");
    EXPECT_GE(budget, 350u);
    EXPECT_LE(budget + std::string("PRIVMSG #sales :\r\n").size() + 128, max_line_bytes);
}

TEST(TokenBucket, AllowsABurstThenTheRate) {
    using namespace std::chrono_literals;
    TokenBucket::Time t{};
    TokenBucket bucket(5, 2, t);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.try_take(t)) << i;
    EXPECT_FALSE(bucket.try_take(t));
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(bucket.wait(t)), 500ms);
    t += 499ms;
    EXPECT_FALSE(bucket.try_take(t));
    t += 1ms;
    EXPECT_TRUE(bucket.try_take(t));
    EXPECT_FALSE(bucket.try_take(t));
    t += 10s;  // refills up to the burst, not beyond
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.try_take(t)) << i;
    EXPECT_FALSE(bucket.try_take(t));
}

TEST(TokenBucket, ZeroRateMeansNoLimit) {
    TokenBucket::Time t{};
    TokenBucket bucket(1, 0, t);
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(bucket.try_take(t));
    EXPECT_EQ(bucket.wait(t), TokenBucket::Duration::zero());
}

}  // namespace
}  // namespace twintrack::connectors::irc
