// Pure parts: Slack markup in and out, ts parsing, long posts split by characters.

#include "connectors/slack/slack_text.hpp"

#include <gtest/gtest.h>

#include "connectors/http/text_pieces.hpp"
#include "core/text.hpp"

namespace twintrack::slack_test {
namespace {

using connectors::slack::decode_incoming;

TEST(SlackText, IncomingMarkupBecomesPlainText) {
    struct Case {
        const char* name;
        std::string in;
        std::string out;
        bool mentioned;
    };
    const std::vector<Case> cases = {
        {"leading mention with colon", "<@UBOT>: report Acme", "report Acme", true},
        {"full-width comma", "<@UBOT>\xEF\xBC\x8C\xE6\x8A\xA5\xE5\x91\x8A",
         "\xE6\x8A\xA5\xE5\x91\x8A", true},
        {"mention inside", "hey <@UBOT> ping", "hey ping", true},
        {"other user by name", "whois <@U0G9QF9C6>", "whois @LiWei", false},
        {"other user with label", "whois <@U0G9QF9C6|liwei>", "whois @liwei", false},
        {"unknown user keeps id", "whois <@UNKNOWN1>", "whois @UNKNOWN1", false},
        {"channel", "see <#C024BE91L|sales>", "see #sales", false},
        {"link with label", "<https://example.com/a?b=1&amp;c=2|the deck>",
         "the deck (https://example.com/a?b=1&c=2)", false},
        {"bare link", "<https://example.com>", "https://example.com", false},
        {"special", "<!here> meeting", "@here meeting", false},
        {"entities", "price &lt; 10 &amp; rising &gt;", "price < 10 & rising >", false},
        {"unclosed bracket", "a <b", "a <b", false},
    };
    auto name_of = [](const std::string& id) {
        return id == "U0G9QF9C6" ? std::string("Li Wei") : std::string();
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto r = decode_incoming(c.in, "UBOT", name_of);
        EXPECT_EQ(r.text, c.out);
        EXPECT_EQ(r.mentioned, c.mentioned);
    }
}

TEST(SlackText, OutgoingTextEscapesMarkup) {
    EXPECT_EQ(connectors::slack::escape_text("a<b>&c"), "a&lt;b&gt;&amp;c");
    EXPECT_EQ(connectors::slack::escape_text("王芳 said <hi>"), "王芳 said &lt;hi&gt;");
}

TEST(SlackText, TsBecomesMilliseconds) {
    EXPECT_EQ(connectors::slack::ts_to_millis("1355517523.000005"), 1355517523000);
    EXPECT_EQ(connectors::slack::ts_to_millis("1355517523.123456"), 1355517523123);
    EXPECT_EQ(connectors::slack::ts_to_millis("1355517523"), 1355517523000);
    EXPECT_EQ(connectors::slack::ts_to_millis("abc"), 0);
    EXPECT_EQ(connectors::slack::ts_to_millis(""), 0);
}

TEST(SlackText, SignaturesFromSlacksDocumentedExample) {
    // The example of Slack's "Verifying requests from Slack" page.
    const std::string secret = "8f742231b10e8888abcd99yyyzzz85a5";
    const std::string body =
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
        "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
        "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F39770"
        "0885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d1"
        "0d2c447fce8b6703c";
    const std::string sig = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    EXPECT_EQ(connectors::slack::verify_request(secret, "1531420618", body, sig, 1531420618), "");
    EXPECT_NE(connectors::slack::verify_request(secret, "1531420618", body + "x", sig, 1531420618),
              "");
    EXPECT_NE(connectors::slack::verify_request(secret, "1531420618", body, sig, 1531420618 + 301),
              "");
    EXPECT_NE(connectors::slack::verify_request(secret, "", body, sig, 1531420618), "");
    EXPECT_NE(connectors::slack::verify_request(secret, "15x", body, sig, 1531420618), "");
}

TEST(TextPieces, SplitsByCharactersAtLineBreaksThenSpaces) {
    using connectors::http::split_message;
    EXPECT_TRUE(split_message("", 100).empty());
    EXPECT_EQ(split_message("short", 100), std::vector<std::string>{"short"});
    const std::string lines = std::string(30, 'a') + "\n" + std::string(30, 'b');
    EXPECT_EQ(split_message(lines, 40),
              (std::vector<std::string>{std::string(30, 'a'), std::string(30, 'b')}));
    const std::string words = "alpha beta gamma delta epsilon zeta";
    for (const auto& piece : split_message(words, 16)) {
        EXPECT_LE(core::utf8_length(piece), 16u);
        EXPECT_NE(piece.front(), ' ');
    }
    // Chinese text without spaces: cut at character boundaries, never inside one.
    std::string chinese;
    for (int i = 0; i < 50; ++i) chinese += "\xE4\xBB\xB7";  // 价
    auto pieces = split_message(chinese, 20);
    ASSERT_EQ(pieces.size(), 3u);
    for (const auto& p : pieces) EXPECT_TRUE(core::valid_utf8(p));
    EXPECT_EQ(core::utf8_length(pieces[0]), 20u);
    EXPECT_EQ(pieces[0] + pieces[1] + pieces[2], chinese);
}

}  // namespace
}  // namespace twintrack::slack_test
