// The pure checks behind the hub protocol.

#include "connectors/hub/hub_protocol.hpp"

#include <gtest/gtest.h>

namespace twintrack::connectors::hub {
namespace {

TEST(HubProtocol, UserIds) {
    struct Case {
        std::string name, user;
        bool ok;
    };
    const std::vector<Case> cases = {
        {"ascii", "alice", true},
        {"email", "alice@example.com", true},
        {"chinese", "王芳", true},
        {"64 bytes", std::string(64, 'a'), true},
        {"65 bytes", std::string(65, 'a'), false},
        {"empty", "", false},
        {"space", "alice smith", false},
        {"leading space", " alice", false},
        {"tab", "a\tb", false},
        {"newline", "a\nb", false},
        {"nul", std::string("a\0b", 3), false},
        {"del", "a\x7f", false},
        {"C1 control", "a\xc2\x85", false},
        {"no-break space", "a\xc2\xa0z", false},
        {"ideographic space", "王\xe3\x80\x80芳", false},
        {"zero-width space", "a\xe2\x80\x8bz", false},
        {"invalid utf-8", "a\xc3\x28", false},
        {"truncated utf-8", "\xe7\x8e", false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(user_id_problem(c.user).empty(), c.ok) << user_id_problem(c.user);
    }
}

TEST(HubProtocol, ChannelNames) {
    EXPECT_EQ(channel_name_problem("sales-east"), "");
    EXPECT_NE(channel_name_problem("@alice"), "");
    EXPECT_NE(channel_name_problem("two words"), "");
    EXPECT_NE(channel_name_problem(""), "");
}

TEST(HubProtocol, StripMention) {
    struct Case {
        std::string name, text;
        bool addressed;
        std::string rest;
    };
    const std::vector<Case> cases = {
        {"no mention", "help", false, "help"},
        {"mention and space", "@twintrack help", true, "help"},
        {"mention alone", "@twintrack", true, ""},
        {"colon", "@twintrack: help", true, "help"},
        {"comma", "@twintrack,help", true, "help"},
        {"many separators", "@twintrack :, \t help me", true, "help me"},
        {"case-insensitive", "@TWINTRACK help", true, "help"},
        {"longer name", "@twintrack2 help", false, "@twintrack2 help"},
        {"other user", "@alice help", false, "@alice help"},
        {"mention later", "hi @twintrack", false, "hi @twintrack"},
        {"full-width colon", "@twintrack：报告", true, "报告"},
        {"full-width comma", "@twintrack，帮助", true, "帮助"},
        {"ideographic space", "@twintrack\xe3\x80\x80帮助", true, "帮助"},
        {"text keeps inner separators", "@twintrack a: b, c", true, "a: b, c"},
        {"empty", "", false, ""},
        {"at sign only", "@", false, "@"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto m = strip_mention(c.text, "twintrack");
        EXPECT_EQ(m.addressed, c.addressed);
        EXPECT_EQ(m.text, c.rest);
    }
}

TEST(HubProtocol, Loopback) {
    struct Case {
        std::string text;
        bool bind, host;
    };
    const std::vector<Case> cases = {
        {"127.0.0.1", true, true},
        {"127.1.2.3", true, true},
        {"::1", true, false},
        {"localhost", true, true},
        {"0.0.0.0", false, false},
        {"10.0.0.5", false, false},
        {"::", false, false},
        {"example.com", false, false},
        {"127.0.0.1:8080", false, true},
        {"[::1]:8080", false, true},
        {"[::1]", false, true},
        {"LOCALHOST:80", false, true},
        {"localhost.evil.com", false, false},
        {"127.0.0.1.evil.com:80", false, false},
        {"", false, false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_EQ(is_loopback_bind(c.text), c.bind);
        EXPECT_EQ(is_loopback_host(c.text), c.host);
    }
    EXPECT_TRUE(is_loopback_origin("http://127.0.0.1:8080"));
    EXPECT_TRUE(is_loopback_origin("http://localhost:8080"));
    EXPECT_TRUE(is_loopback_origin("http://[::1]:8080"));
    EXPECT_FALSE(is_loopback_origin("http://evil.example"));
    EXPECT_FALSE(is_loopback_origin("null"));
    EXPECT_FALSE(is_loopback_origin("file://"));
}

TEST(HubProtocol, ErrorFramesAndJson) {
    EXPECT_EQ(error_frame(ErrorCode::too_long, "too long", "c-1"),
              nlohmann::json({{"type", "error"},
                              {"code", "too_long"},
                              {"message", "too long"},
                              {"client_id", "c-1"}}));
    EXPECT_FALSE(error_frame(ErrorCode::bad_request, "x").contains("client_id"));
    EXPECT_EQ(dump_json(nlohmann::json("a\xff")), "\"a\xef\xbf\xbd\"") << "never throws";
    for (auto code : {ErrorCode::bad_request, ErrorCode::unknown_type, ErrorCode::not_authenticated,
                      ErrorCode::unauthorized, ErrorCode::too_long, ErrorCode::unknown_channel}) {
        EXPECT_STRNE(to_string(code), "");
    }
}

// A message frame written straight to text is byte for byte what serialising the JSON
// object gives: clients and the history file see no difference.
TEST(HubProtocol, MessageFramesAreTheJsonObjectsText) {
    struct Case {
        const char* name;
        MessageFrame frame;
    };
    const std::string controls = std::string("a\x01b\x1f\x7f") + '\0' + "end";
    const Case cases[] = {
        {"echo with client id",
         {"general", "anna", "!ping", "5f3a9c1e-7", 1795886849588, "c-17", {}}},
        {"answer with reply_to", {"@twintrack", "twintrack", "pong", "5f3a9c1e-8", 1, {}, "c-17"}},
        {"neither", {"sales", "bob", "plain", "x-1", 0, {}, {}}},
        {"quotes and backslashes",
         {"general", "anna", "say \"hi\" \\ C:\\path /x", "i", 2, {}, {}}},
        {"two-character escapes", {"general", "anna", "a\bb\fc\nd\re\tf", "i", 3, {}, {}}},
        {"other control characters", {"general", "anna", controls, "i", 4, {}, {}}},
        {"Chinese and emoji", {"销售", "李伟", "今天见了客户 😀，报价 3.5万", "i", 5, "编号-1", {}}},
        {"not UTF-8", {"general", "anna", "a\xff\xfe", "i", 6, {}, "r\xc3"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const MessageFrame& m = c.frame;
        nlohmann::json object = {{"type", "message"},           {"channel", std::string(m.channel)},
                                 {"user", std::string(m.user)}, {"text", std::string(m.text)},
                                 {"id", std::string(m.id)},     {"ts", m.ts}};
        if (!m.client_id.empty()) object["client_id"] = std::string(m.client_id);
        if (!m.reply_to.empty()) object["reply_to"] = std::string(m.reply_to);
        EXPECT_EQ(message_frame_json(m), dump_json(object));
    }
}

}  // namespace
}  // namespace twintrack::connectors::hub
