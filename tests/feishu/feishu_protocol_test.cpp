// Feishu's wire formats without I/O: decryption (the example of Feishu's event
// subscription guide), signatures, message events and OpenAPI answers.

#include "connectors/feishu/feishu_protocol.hpp"

#include <gtest/gtest.h>

namespace twintrack::connectors::feishu {
namespace {

using json = nlohmann::json;

TEST(FeishuProtocol, DecryptsTheExampleOfFeishusGuide) {
    // Encrypt Key "test key"; the guide's ciphertext of "hello world".
    auto plain = decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=");
    ASSERT_TRUE(plain);
    EXPECT_EQ(*plain, "hello world");
}

TEST(FeishuProtocol, RefusesWhatDoesNotDecrypt) {
    const std::string good = encrypt("right key", R"({"a":1})", "0123456789abcdef");
    ASSERT_TRUE(decrypt("right key", good));
    struct Case {
        const char* name;
        std::string key;
        std::string data;
    };
    const Case cases[] = {
        {"wrong key", "wrong key", good},
        {"not base64", "right key", "***not base64***"},
        {"only an IV", "right key", "MDEyMzQ1Njc4OWFiY2RlZg=="},
        {"empty", "right key", ""},
        {"truncated", "right key", good.substr(0, good.size() - 8)},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto plain = decrypt(c.key, c.data);
        // A wrong key can pass the padding check by chance, but never yields the text.
        EXPECT_TRUE(!plain || *plain != R"({"a":1})");
    }
}

TEST(FeishuProtocol, SignatureIsSha256OfTimestampNonceKeyAndBody) {
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(signature("a", "b", "c", ""), sha256_hex("abc"));
    EXPECT_NE(signature("1", "2", "key", "{}"), signature("1", "2", "key", "{ }"));
}

TEST(FeishuProtocol, ReadsSchema2AndUrlVerification) {
    auto c = read_callback(
        R"({"challenge":"ajls384kdjx98XX","token":"xxxxxx","type":"url_verification"})");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->type, "url_verification");
    EXPECT_EQ(c->challenge, "ajls384kdjx98XX");
    EXPECT_EQ(c->token, "xxxxxx");
    c = read_callback(
        R"({"schema":"2.0","header":{"event_id":"5e3702a84e847582be8db7fb73283c02",)"
        R"("event_type":"im.message.receive_v1","token":"tok","app_id":"cli_x"},"event":{}})");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->event_id, "5e3702a84e847582be8db7fb73283c02");
    EXPECT_EQ(c->event_type, "im.message.receive_v1");
    EXPECT_EQ(c->token, "tok");
    EXPECT_FALSE(read_callback("[1,2]"));
    EXPECT_FALSE(read_callback("not json"));
}

json message(const std::string& type, const std::string& content, const json& mentions) {
    return {{"sender",
             {{"sender_id", {{"open_id", "ou_7d8a6e6df7621556ce0d21922b676706"}}},
              {"sender_type", "user"}}},
            {"message",
             {{"message_id", "om_5ce6d572455d361153b7cb51da133945"},
              {"root_id", "om_root"},
              {"thread_id", "omt_1"},
              {"create_time", "1609073151345"},
              {"chat_id", "oc_5ce6d572455d361153b7xx51da133945"},
              {"chat_type", "group"},
              {"message_type", type},
              {"content", content},
              {"mentions", mentions}}}};
}

TEST(FeishuProtocol, ReadsMessagesWithoutTheirMentions) {
    const json two = json::array(
        {{{"key", "@_user_1"}, {"name", "TwinTrack"}}, {{"key", "@_user_10"}, {"name", "王芳"}}});
    struct Case {
        const char* name;
        std::string type;
        std::string content;
        json mentions;
        std::string text;
        bool mentioned;
    };
    const Case cases[] = {
        {"plain", "text", R"({"text":"报告"})", json::array(), "报告", false},
        {"mention first", "text", R"({"text":"@_user_1 报告 1"})",
         json::array({{{"key", "@_user_1"}}}), "报告 1", true},
        {"user_1 is not the front of user_10", "text", R"({"text":"@_user_1 hi @_user_10"})", two,
         "hi", true},
        {"rich text", "post",
         R"({"title":"周报","content":[[{"tag":"at","user_id":"@_user_1"},{"tag":"text","text":" 艾克米"}],[{"tag":"text","text":"第二行"}]]})",
         json::array({{{"key", "@_user_1"}}}), "周报\n艾克米\n第二行", true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        Message m;
        ASSERT_EQ(read_message(message(c.type, c.content, c.mentions), m), MessageRead::ok);
        EXPECT_EQ(m.text, c.text);
        EXPECT_EQ(m.mentioned, c.mentioned);
        EXPECT_EQ(m.open_id, "ou_7d8a6e6df7621556ce0d21922b676706");
        EXPECT_EQ(m.root_id, "om_root");
        EXPECT_EQ(m.thread_id, "omt_1");
        EXPECT_EQ(m.create_ms, 1609073151345);
        EXPECT_FALSE(m.direct());
    }
    Message m;
    EXPECT_EQ(read_message(message("image", R"({"image_key":"img_x"})", json::array()), m),
              MessageRead::not_text);
    EXPECT_EQ(read_message(json::object(), m), MessageRead::incomplete);
    EXPECT_EQ(read_message(json("a string"), m), MessageRead::incomplete);
}

TEST(FeishuProtocol, ClassifiesOpenApiAnswers) {
    using Kind = ApiOutcome::Kind;
    struct Case {
        int status;
        const char* body;
        Kind kind;
    };
    const Case cases[] = {
        {200, R"({"code":0,"msg":"success","data":{"message_id":"om_1"}})", Kind::ok},
        {400, R"({"code":99991663,"msg":"Invalid access token"})", Kind::token_invalid},
        {400, R"({"code":99991661,"msg":"Missing access token"})", Kind::token_invalid},
        {429, R"({"code":99991400,"msg":"request trigger frequency limit"})", Kind::rate_limited},
        {200, R"({"code":99991400,"msg":"request trigger frequency limit"})", Kind::rate_limited},
        {400, R"({"code":230020,"msg":"This operation triggers the frequency limit."})",
         Kind::rate_limited},
        {400, R"({"code":230031,"msg":"Message can only be modified within 14 days"})",
         Kind::permanent},
        {400, R"({"code":230002,"msg":"Bot is not in the chat"})", Kind::permanent},
        {502, "<html>bad gateway</html>", Kind::transient},
        {0, "", Kind::transient},
        {200, "not json", Kind::transient},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.body);
        EXPECT_EQ(read_api_answer(c.status, c.body).kind, c.kind);
    }
}

TEST(FeishuProtocol, RemembersABoundedWindowOfEventIds) {
    RecentIds ids(2);
    EXPECT_TRUE(ids.first("a"));
    EXPECT_FALSE(ids.first("a"));
    EXPECT_TRUE(ids.first("b"));
    EXPECT_TRUE(ids.first("c"));  // "a" leaves the window
    EXPECT_TRUE(ids.first("a"));
    EXPECT_FALSE(ids.first("c"));
}

}  // namespace
}  // namespace twintrack::connectors::feishu
