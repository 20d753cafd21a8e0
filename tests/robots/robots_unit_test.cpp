// Pure parts of the group robots: signatures and the shared helpers they sign with
// (checked against the openssl program), message splitting, the rate limiter, payload
// shapes and the platforms' answers.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/http/http_client.hpp"
#include "connectors/http/signature.hpp"
#include "connectors/robots/callback_server.hpp"
#include "connectors/robots/formats.hpp"
#include "connectors/robots/signing.hpp"
#include "connectors/runtime/rate_limiter.hpp"
#include "core/crypto.hpp"
#include "tests/robots/fake_platform.hpp"

namespace twintrack::robots_test {
namespace {

namespace http = connectors::http;
using namespace connectors::robots;
using connectors::runtime::RateLimiter;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(RobotSigning, Base64MatchesRfc4648Vectors) {
    EXPECT_EQ(http::base64(""), "");
    EXPECT_EQ(http::base64("f"), "Zg==");
    EXPECT_EQ(http::base64("fo"), "Zm8=");
    EXPECT_EQ(http::base64("foo"), "Zm9v");
    EXPECT_EQ(http::base64("foob"), "Zm9vYg==");
    EXPECT_EQ(http::base64("fooba"), "Zm9vYmE=");
    EXPECT_EQ(http::base64("foobar"), "Zm9vYmFy");
}

TEST(RobotSigning, UrlEncodingEscapesBase64Characters) {
    EXPECT_EQ(http::url_encode("a+b/c=="), "a%2Bb%2Fc%3D%3D");
    EXPECT_EQ(http::url_encode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(http::url_encode("中"), "%E4%B8%AD");
}

TEST(RobotSigning, DingTalkSignatureMatchesOpenssl) {
    const std::string secret =
        "SEC1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c";
    const std::int64_t ts = 1577262236757;
    EXPECT_EQ(dingtalk_sign(ts, secret),
              openssl_hmac_base64(secret, std::to_string(ts) + "\n" + secret));
    EXPECT_EQ(dingtalk_sign(ts, "this is secret"),
              openssl_hmac_base64("this is secret", "1577262236757\nthis is secret"));
}

TEST(RobotSigning, FeishuSignatureIsAnEmptyMessageUnderTheTimestampKey) {
    const std::string secret = "demo-secret-Qw3r";
    const std::int64_t ts = 1599360473;
    EXPECT_EQ(feishu_sign(ts, secret), openssl_hmac_base64("1599360473\n" + secret, ""));
    EXPECT_NE(feishu_sign(ts, secret), dingtalk_sign(ts, secret));
}

TEST(RobotSigning, ConstantTimeCompare) {
    EXPECT_TRUE(core::equal_constant_time("abc", "abc"));
    EXPECT_FALSE(core::equal_constant_time("abc", "abd"));
    EXPECT_FALSE(core::equal_constant_time("abc", "abcd"));
    EXPECT_FALSE(core::equal_constant_time("", "a"));
}

TEST(DingTalkCallbackCheck, AcceptsOnlyFreshCorrectSignatures) {
    const std::string secret = "app-secret";
    const std::int64_t now = 1795886849588;
    const std::string ts = std::to_string(now - 1000);
    const std::string good = openssl_hmac_base64(secret, ts + "\n" + secret);
    EXPECT_EQ(check_dingtalk_callback(ts, good, secret, now, 3600000), CallbackCheck::ok);
    EXPECT_EQ(check_dingtalk_callback(ts, good, "other", now, 3600000), CallbackCheck::bad_sign);
    EXPECT_EQ(check_dingtalk_callback("", good, secret, now, 3600000), CallbackCheck::missing);
    EXPECT_EQ(check_dingtalk_callback(ts, "", secret, now, 3600000), CallbackCheck::missing);
    EXPECT_EQ(check_dingtalk_callback("12x", good, secret, now, 3600000),
              CallbackCheck::bad_timestamp);
    const std::string old = std::to_string(now - 3600001);
    EXPECT_EQ(check_dingtalk_callback(old, openssl_hmac_base64(secret, old + "\n" + secret), secret,
                                      now, 3600000),
              CallbackCheck::stale);
    const std::string future = std::to_string(now + 3600001);
    EXPECT_EQ(check_dingtalk_callback(future, openssl_hmac_base64(secret, future + "\n" + secret),
                                      secret, now, 3600000),
              CallbackCheck::stale);
}

TEST(RobotRateLimiter, TwentyAMinuteDelaysTheTwentyFirst) {
    RateLimiter limiter({{20, 1min}});
    const auto t0 = RateLimiter::Clock::time_point{} + 1h;
    for (int i = 0; i < 20; ++i) {
        const auto at = t0 + std::chrono::seconds(i);
        EXPECT_EQ(limiter.next_allowed(at), at) << i;
        limiter.record(at);
    }
    EXPECT_EQ(limiter.next_allowed(t0 + 20s), t0 + 60s);
    limiter.record(t0 + 60s);
    EXPECT_EQ(limiter.next_allowed(t0 + 60s), t0 + 61s);
}

TEST(RobotRateLimiter, SecondAndMinuteRulesBothApplyAndPausesHold) {
    RateLimiter limiter({{100, 1min}, {5, 1s}});
    const auto t0 = RateLimiter::Clock::time_point{} + 1h;
    for (int i = 0; i < 5; ++i) limiter.record(t0);
    EXPECT_EQ(limiter.next_allowed(t0), t0 + 1s);
    limiter.pause_until(t0 + 10min);
    EXPECT_EQ(limiter.next_allowed(t0 + 2s), t0 + 10min);
    RateLimiter none;
    EXPECT_EQ(none.next_allowed(t0), t0);
}

TEST(RobotSplit, ShortTextIsOnePost) {
    EXPECT_EQ(split_message("hello\nworld", 100), std::vector<std::string>{"hello\nworld"});
}

TEST(RobotSplit, LongTextIsCutAtLineBreaksAndNumbered) {
    std::string text;
    for (int i = 0; i < 30; ++i) text += "line " + std::to_string(i) + " of the weekly digest\n";
    const auto pieces = split_message(text, 200);
    ASSERT_GT(pieces.size(), 3u);
    std::string joined;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        EXPECT_LE(pieces[i].size(), 200u);
        EXPECT_THAT(pieces[i], StartsWith("(" + std::to_string(i + 1) + "/" +
                                          std::to_string(pieces.size()) + ") "));
        joined += pieces[i] + "\n";
    }
    for (int i = 0; i < 30; ++i) {
        EXPECT_THAT(joined, HasSubstr("line " + std::to_string(i) + " of the weekly digest\n"));
    }
}

TEST(RobotSplit, ChineseWithoutSpacesIsCutOnCharacterBoundaries) {
    std::string text;
    for (int i = 0; i < 400; ++i) text += "报告";
    const auto pieces = split_message(text, 301);
    ASSERT_GT(pieces.size(), 1u);
    std::size_t chars = 0;
    for (const auto& p : pieces) {
        EXPECT_LE(p.size(), 301u);
        const std::string body = p.substr(p.find(' ') + 1);
        EXPECT_EQ(body.size() % 3, 0u) << "cut inside a character";
        chars += body.size() / 3;
    }
    EXPECT_EQ(chars, 800u);
}

TEST(RobotSplit, BeyondTheMaximumThePostSaysTextWasLeftOut) {
    std::string text(5000, 'x');
    const auto pieces = split_message(text, 100, 3);
    ASSERT_EQ(pieces.size(), 3u);
    EXPECT_THAT(pieces.back(), HasSubstr("(…)"));
    EXPECT_THAT(pieces.front(), StartsWith("(1/3) "));
}

TEST(RobotBodies, DingTalkTextAndMarkdownCarryMentions) {
    Mentions m;
    m.mobiles = {"13800000000"};
    m.user_ids = {"user123"};
    const auto text = build_body(Platform::dingtalk, Format::text, "hi", m);
    EXPECT_EQ(text["msgtype"], "text");
    EXPECT_EQ(text["text"]["content"], "hi");
    EXPECT_EQ(text["at"]["atMobiles"][0], "13800000000");
    EXPECT_EQ(text["at"]["atUserIds"][0], "user123");
    EXPECT_EQ(text["at"]["isAtAll"], false);
    const auto md = build_body(Platform::dingtalk, Format::markdown, "Digest\nbody", m);
    EXPECT_EQ(md["markdown"]["title"], "Digest");
    EXPECT_THAT(md["markdown"]["text"].get<std::string>(), HasSubstr("@13800000000 @user123"));
}

TEST(RobotBodies, FeishuWeComAndWebhookShapes) {
    const auto post = build_body(Platform::feishu, Format::post, "Title\nsecond", {});
    EXPECT_EQ(post["msg_type"], "post");
    EXPECT_EQ(post["content"]["post"]["zh_cn"]["content"][1][0]["text"], "second");
    const auto card = build_body(Platform::feishu, Format::card, "**x**", {});
    EXPECT_EQ(card["msg_type"], "interactive");
    EXPECT_EQ(card["card"]["elements"][0]["text"]["tag"], "lark_md");
    const auto text = build_body(Platform::feishu, Format::text, "plain", {});
    EXPECT_EQ(text["content"]["text"], "plain");
    Mentions all;
    all.all = true;
    const auto wecom = build_body(Platform::wecom, Format::text, "hi", all);
    EXPECT_EQ(wecom["text"]["mentioned_list"][0], "@all");
    EXPECT_EQ(build_body(Platform::wecom, Format::markdown, "# t", {})["markdown"]["content"],
              "# t");
    EXPECT_EQ(build_body(Platform::webhook, Format::text, "hi", {}).dump(), R"({"text":"hi"})");
}

TEST(RobotBodies, FeishuBodiesStayUnderTwentyKilobytes) {
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "\"quoted\"\tline\n";  // escaping grows the JSON
    const auto bodies = build_bodies(Platform::feishu, Format::text, text, {},
                                     default_limits(Platform::feishu, Format::text));
    ASSERT_GT(bodies.size(), 1u);
    for (const auto& b : bodies) EXPECT_LE(b.dump().size() + 128, 20u * 1024);
}

http::Response answer(int status, std::string body, std::map<std::string, std::string> h = {}) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(h);
    return r;
}

struct AnswerCase {
    const char* name;
    Platform platform;
    http::Response response;
    Outcome::Kind kind;
    const char* error_part;
};

TEST(RobotAnswers, EachPlatformsCodesMapToOutcomes) {
    using K = Outcome::Kind;
    http::Response down;
    down.error = "Couldn't connect to server";
    const std::vector<AnswerCase> cases = {
        {"dingtalk ok", Platform::dingtalk, answer(200, R"({"errcode":0,"errmsg":"ok"})"), K::ok,
         ""},
        {"dingtalk too fast", Platform::dingtalk,
         answer(200, R"({"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"})"),
         K::rate_limited, "130101"},
        {"dingtalk sign", Platform::dingtalk,
         answer(200, R"({"errcode":310000,"errmsg":"sign not match"})"), K::permanent, "310000"},
        {"dingtalk token", Platform::dingtalk,
         answer(200, R"({"errcode":300001,"errmsg":"token is not exist"})"), K::permanent,
         "300001"},
        {"dingtalk busy", Platform::dingtalk, answer(200, R"({"errcode":-1,"errmsg":"busy"})"),
         K::retry, "-1"},
        {"dingtalk html", Platform::dingtalk, answer(200, "<html>"), K::retry, "unreadable"},
        {"dingtalk 502", Platform::dingtalk, answer(502, "bad gateway"), K::retry, "502"},
        {"network", Platform::dingtalk, down, K::retry, "connect"},
        {"feishu ok", Platform::feishu,
         answer(200,
                R"({"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"})"),
         K::ok, ""},
        {"feishu sign", Platform::feishu,
         answer(
             400,
             R"({"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"})"),
         K::permanent, "19021"},
        {"feishu limit", Platform::feishu,
         answer(400, R"({"code":11232,"data":{},"msg":"frequency limited"})"), K::rate_limited,
         "11232"},
        {"feishu too many", Platform::feishu,
         answer(400, R"({"code":9499,"data":{},"msg":"too many request"})"), K::rate_limited,
         "9499"},
        {"feishu bad request", Platform::feishu,
         answer(400, R"({"code":9499,"data":{},"msg":"Bad Request"})"), K::permanent, "9499"},
        {"feishu 429", Platform::feishu,
         answer(429, R"({"code":99991400})", {{"x-ogw-ratelimit-reset", "52"}}), K::rate_limited,
         "429"},
        {"wecom ok", Platform::wecom, answer(200, R"({"errcode":0,"errmsg":"ok"})"), K::ok, ""},
        {"wecom limit", Platform::wecom,
         answer(200, R"({"errcode":45009,"errmsg":"api freq out of limit"})"), K::rate_limited,
         "45009"},
        {"wecom key", Platform::wecom,
         answer(200, R"({"errcode":93000,"errmsg":"invalid webhook url"})"), K::permanent, "93000"},
        {"webhook ok", Platform::webhook, answer(200, "ok"), K::ok, ""},
        {"webhook 429", Platform::webhook, answer(429, "rate_limited", {{"retry-after", "30"}}),
         K::rate_limited, "429"},
        {"webhook 404", Platform::webhook, answer(404, "no_service"), K::permanent, "no_service"},
        {"webhook 400", Platform::webhook, answer(400, "invalid_payload"), K::permanent,
         "invalid_payload"},
        {"zulip error", Platform::webhook,
         answer(200, R"({"result":"error","msg":"Stream 'x' does not exist"})"), K::permanent,
         "does not exist"},
        {"webhook 500", Platform::webhook, answer(500, "oops"), K::retry, "500"},
    };
    for (const auto& c : cases) {
        const Outcome o = interpret(c.platform, c.response);
        EXPECT_EQ(o.kind, c.kind) << c.name;
        EXPECT_THAT(o.error, HasSubstr(c.error_part)) << c.name;
    }
    EXPECT_EQ(interpret(Platform::webhook, answer(429, "", {{"retry-after", "30"}})).wait, 30s);
    EXPECT_EQ(interpret(Platform::feishu,
                        answer(429, R"({"code":99991400})", {{"x-ogw-ratelimit-reset", "52"}}))
                  .wait,
              52s);
    EXPECT_EQ(interpret(Platform::dingtalk, cases[1].response).wait, 10min);
}

}  // namespace
}  // namespace twintrack::robots_test
