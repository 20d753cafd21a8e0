// The Slack connector in Events API mode: signed HTTP requests to its own listener, as
// Slack sends them. Signatures are made by `openssl dgst`, not by the connector's code.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <future>

#include "connectors/http/http_client.hpp"
#include "connectors/slack/slack_connector.hpp"
#include "core/clock.hpp"
#include "tests/slack/fake_slack.hpp"
#include "tests/support/connector_sink.hpp"
#include "tests/support/ws_client.hpp"

namespace twintrack::slack_test {
namespace {

using test_support::CollectingSink;
using test_support::LogCapture;

using connectors::slack::slack_status;
using connectors::slack::SlackSettings;
using ::testing::HasSubstr;

const char* kSecret = "8f742231b10e8888abcd99yyyzzz85a5";

// hex HMAC-SHA256 of `data` with `key`, computed by the openssl command line tool.
std::string openssl_hmac(const std::string& key, const std::string& data) {
    char path[] = "/tmp/twintrack-slack-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) return "";
    {
        std::ofstream out(path, std::ios::binary);
        out << data;
    }
    close(fd);
    const std::string cmd = "openssl dgst -sha256 -r -hmac '" + key + "' " + path;
    std::string output;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[256];
        while (fgets(buf, sizeof buf, p)) output += buf;
        pclose(p);
    }
    unlink(path);
    return output.substr(0, output.find(' '));
}

class SlackEventsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        slack_.add_user("U061F7AUR", "Anna Becker");
        SlackSettings s;
        s.name = "slack";
        s.mode = SlackSettings::Mode::events;
        s.bot_token = core::Secret("SLACK_BOT_TOKEN", "xoxb-test");
        s.signing_secret = core::Secret("SLACK_SIGNING_SECRET", kSecret);
        s.api_url = slack_.api_url();
        s.bind = "127.0.0.1";
        s.port = 0;
        connectors::ConnectorContext context;
        context.clock = &clock_;
        connector_ = connectors::slack::make_slack(std::move(s), context);
        connector_->start(sink_);
        port_ = slack_status(*connector_).listen_port;
        ASSERT_GT(port_, 0);
    }
    void TearDown() override { connector_->stop(); }

    std::int64_t now_s() const { return core::to_millis(clock_.now()) / 1000; }

    test_support::HttpResponse post(const std::string& path, const std::string& body,
                                    std::int64_t ts, const std::string& secret = kSecret,
                                    test_support::Headers extra = {},
                                    const std::string& type = "application/json") {
        const std::string stamp = std::to_string(ts);
        const std::string signature = "v0=" + openssl_hmac(secret, "v0:" + stamp + ":" + body);
        test_support::Headers headers = {{"X-Slack-Request-Timestamp", stamp},
                                         {"X-Slack-Signature", signature},
                                         {"Content-Type", type}};
        for (auto& h : extra) headers.push_back(h);
        return test_support::http_request("POST", "127.0.0.1", port_, path, headers, body);
    }

    std::string callback(const std::string& event_id, const std::string& text,
                         const std::string& ts) {
        return json{{"token", "XXYYZZ"},
                    {"team_id", "T12345678"},
                    {"api_app_id", "A0123"},
                    {"event", message_event("C024BE91L", "U061F7AUR", text, ts)},
                    {"type", "event_callback"},
                    {"event_id", event_id},
                    {"event_time", 1355517523}}
            .dump();
    }

    core::FakeClock clock_{core::from_millis(1795886849588)};
    FakeSlack slack_;
    CollectingSink sink_;
    std::unique_ptr<connectors::Connector> connector_;
    int port_ = 0;
};

TEST_F(SlackEventsTest, AnswersTheUrlVerificationChallenge) {
    const std::string body =
        R"({"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"})";
    auto r = post("/slack/events", body, now_s());
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["challenge"], "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
}

TEST_F(SlackEventsTest, ASignedEventBecomesAMessage) {
    auto r = post("/slack/events", callback("Ev0PV52K21", "<@UBOT00001> ping", "1355517523.000005"),
                  now_s());
    EXPECT_EQ(r.status, 200);
    auto e = sink_.with_text("ping");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->addressed);
    EXPECT_EQ(e->who.display, "Anna Becker");
    EXPECT_EQ(e->where.channel, "C024BE91L");
}

TEST_F(SlackEventsTest, ForgedOrUnsignedRequestsAreRefused) {
    auto forged = post("/slack/events", callback("Ev0F1", "forged", "1355517523.000006"), now_s(),
                       "not-the-secret");
    EXPECT_EQ(forged.status, 401);
    auto unsigned_ = test_support::http_request("POST", "127.0.0.1", port_, "/slack/events",
                                                {{"Content-Type", "application/json"}},
                                                callback("Ev0F2", "unsigned", "1355517523.000007"));
    EXPECT_EQ(unsigned_.status, 401);
    // The signature covers the raw body: a changed body no longer matches.
    const std::string body = callback("Ev0F3", "original", "1355517523.000008");
    const std::string stamp = std::to_string(now_s());
    auto tampered = test_support::http_request(
        "POST", "127.0.0.1", port_, "/slack/events",
        {{"X-Slack-Request-Timestamp", stamp},
         {"X-Slack-Signature", "v0=" + openssl_hmac(kSecret, "v0:" + stamp + ":" + body)}},
        callback("Ev0F3", "tampered", "1355517523.000008"));
    EXPECT_EQ(tampered.status, 401);
    EXPECT_FALSE(sink_.wait_for([](const core::Event&) { return true; }, 300ms));
}

TEST_F(SlackEventsTest, StaleOrFutureTimestampsAreRefusedAsReplays) {
    EXPECT_EQ(
        post("/slack/events", callback("Ev0S1", "old", "1355517523.000009"), now_s() - 301).status,
        401);
    EXPECT_EQ(post("/slack/events", callback("Ev0S2", "future", "1355517523.000010"), now_s() + 301)
                  .status,
              401);
    EXPECT_EQ(
        post("/slack/events", callback("Ev0S3", "in time", "1355517523.000011"), now_s() - 299)
            .status,
        200);
    ASSERT_TRUE(sink_.with_text("in time"));
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(SlackEventsTest, RetriesAreRecognisedByEventId) {
    const std::string body = callback("Ev0RETRY", "report Acme: visited", "1355517523.000012");
    EXPECT_EQ(post("/slack/events", body, now_s()).status, 200);
    EXPECT_EQ(post("/slack/events", body, now_s(), kSecret,
                   {{"X-Slack-Retry-Num", "1"}, {"X-Slack-Retry-Reason", "http_timeout"}})
                  .status,
              200);
    EXPECT_EQ(
        post("/slack/events", callback("Ev0AFTER", "after", "1355517523.000013"), now_s()).status,
        200);
    ASSERT_TRUE(sink_.with_text("after"));
    ASSERT_TRUE(sink_.with_text("report Acme: visited"));
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(SlackEventsTest, MalformedJsonIsRefused) {
    EXPECT_EQ(post("/slack/events", "{\"type\": \"event_callback\", ", now_s()).status, 400);
    EXPECT_EQ(post("/slack/events", "[1,2,3]", now_s()).status, 400);
}

TEST_F(SlackEventsTest, OtherPathsAndMethodsAreNotServed) {
    EXPECT_EQ(test_support::http_get("127.0.0.1", port_, "/slack/events").status, 405);
    EXPECT_EQ(post("/admin", "{}", now_s()).status, 404);
}

TEST_F(SlackEventsTest, SlashCommandsAreAcknowledgedAtOnceAndAnsweredViaResponseUrl) {
    // The payload of Slack's slash command documentation, for /twintrack.
    const std::string body =
        "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id="
        "E0001&enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name="
        "test&user_id=U061F7AUR&user_name=Steve&command=%2Ftwintrack&text=whois+%40li&"
        "response_url=" +
        connectors::http::url_encode(slack_.response_url(1)) +
        "&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456";
    auto r =
        post("/slack/commands", body, now_s(), kSecret, {}, "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "");
    auto e = sink_.with_text("whois @li");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->addressed);
    EXPECT_EQ(e->where.channel, "C2147483705");
    std::promise<core::SendResult> done;
    connector_->send(
        {e->where, "Li Wei <li.wei@example.com>, sales", e->extra["message_id"], "", {}, ""},
        [&](core::SendResult res) { done.set_value(res); });
    auto result = done.get_future();
    ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(result.get().ok);
    auto answer = slack_.wait_call("response");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->json_body["response_type"], "ephemeral");
    EXPECT_EQ(answer->json_body["text"], "Li Wei &lt;li.wei@example.com&gt;, sales");
    EXPECT_TRUE(slack_.calls("chat.postMessage").empty());
}

TEST_F(SlackEventsTest, AForgedSlashCommandIsRefused) {
    const std::string body = "command=%2Ftwintrack&text=whoami&user_id=U061F7AUR&channel_id=C1";
    EXPECT_EQ(
        post("/slack/commands", body, now_s(), "guess", {}, "application/x-www-form-urlencoded")
            .status,
        401);
    EXPECT_FALSE(sink_.wait_for([](const core::Event&) { return true; }, 300ms));
}

// Events API mode: clicks come to /slack/interactive as a signed form whose `payload`
// field is the interaction's JSON.
TEST_F(SlackEventsTest, AClickOnTheInteractiveRouteBecomesAnActionAndBadOnesAreRefused) {
    const json click = {
        {"type", "block_actions"},
        {"user", {{"id", "U061F7AUR"}}},
        {"container", {{"message_ts", "1795886850.000200"}, {"channel_id", "C024BE91L"}}},
        {"channel", {{"id", "C024BE91L"}}},
        {"actions",
         {{{"type", "button"}, {"value", "v1.7.0.*.1.sig"}, {"action_ts", "1795886860.1"}}}}};
    const std::string form = "payload=" + connectors::http::url_encode(click.dump());
    const std::string type = "application/x-www-form-urlencoded";
    EXPECT_EQ(post("/slack/interactive", form, now_s(), "guess", {}, type).status, 401);
    EXPECT_EQ(post("/slack/interactive", "payload=not%20json", now_s(), kSecret, {}, type).status,
              400);
    EXPECT_EQ(post("/slack/interactive", "other=1", now_s(), kSecret, {}, type).status, 400);
    EXPECT_FALSE(sink_.wait_for([](const core::Event&) { return true; }, 300ms));
    EXPECT_EQ(post("/slack/interactive", form, now_s(), kSecret, {}, type).status, 200);
    auto e =
        sink_.wait_for([](const core::Event& ev) { return ev.kind == core::EventKind::action; });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "v1.7.0.*.1.sig");
    EXPECT_EQ(e->who.display, "Anna Becker");
    EXPECT_EQ(e->where.channel, "@U061F7AUR");
}

}  // namespace
}  // namespace twintrack::slack_test

namespace twintrack::slack_test {
namespace {

// The bridge's part: edits, deletes and thread replies come in as their own events; a
// relayed edit or delete goes out as chat.update or chat.delete, a relayed message under
// its writer's name only with post_as_person, and each new post says its thread.
std::string wrapped(const json& event, const std::string& event_id) {
    return json{{"type", "event_callback"}, {"event_id", event_id}, {"event", event}}.dump();
}

TEST_F(SlackEventsTest, EditsDeletesAndThreadRepliesBecomeTheirEvents) {
    json reply = message_event("C024BE91L", "U061F7AUR", "in the thread", "1355517600.000001");
    reply["thread_ts"] = "1355517523.000005";
    ASSERT_EQ(post("/slack/events", wrapped(reply, "EvR1"), now_s()).status, 200);
    auto r = sink_.with_text("in the thread");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->reply_to, "slack:C024BE91L:1355517523.000005");
    EXPECT_EQ(r->reply_thread, "1355517523.000005");

    const json changed = {
        {"type", "message"},
        {"subtype", "message_changed"},
        {"channel", "C024BE91L"},
        {"hidden", true},
        {"ts", "1355517700.000001"},
        {"message",
         {{"type", "message"},
          {"user", "U061F7AUR"},
          {"text", "now right"},
          {"ts", "1355517523.000005"}}},
        {"previous_message", {{"type", "message"}, {"user", "U061F7AUR"}, {"text", "now wrong"}}}};
    ASSERT_EQ(post("/slack/events", wrapped(changed, "EvE1"), now_s()).status, 200);
    auto e = sink_.with_text("now right");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, core::EventKind::edit);
    EXPECT_EQ(e->target, "slack:C024BE91L:1355517523.000005");

    const json deleted = {{"type", "message"},
                          {"subtype", "message_deleted"},
                          {"channel", "C024BE91L"},
                          {"hidden", true},
                          {"ts", "1355517800.000001"},
                          {"deleted_ts", "1355517523.000005"},
                          {"previous_message", {{"user", "U061F7AUR"}, {"text", "now right"}}}};
    ASSERT_EQ(post("/slack/events", wrapped(deleted, "EvD1"), now_s()).status, 200);
    auto d = sink_.wait_for([](const core::Event& x) { return x.kind == core::EventKind::remove; });
    ASSERT_TRUE(d);
    EXPECT_EQ(d->target, "slack:C024BE91L:1355517523.000005");
    EXPECT_EQ(d->where.channel, "C024BE91L");
}

TEST_F(SlackEventsTest, RelayedEditsAndDeletesUseChatUpdateAndChatDelete) {
    const auto send = [&](const core::Post& p) {
        std::promise<core::SendResult> done;
        connector_->send(p, [&](core::SendResult res) { done.set_value(res); });
        auto result = done.get_future();
        EXPECT_EQ(result.wait_for(10s), std::future_status::ready);
        return result.get();
    };
    EXPECT_FALSE(connector_->abilities().as_name);  // post_as_person is off
    core::Post first;
    first.to = {"slack", "C024BE91L", ""};
    first.text = "Meet at 3";
    first.as_name = "Ann (hub)";
    const auto sent = send(first);
    ASSERT_TRUE(sent.ok);
    EXPECT_EQ(sent.reply_thread, sent.message_id.substr(sent.message_id.rfind(':') + 1));
    auto call = slack_.wait_call("chat.postMessage");
    ASSERT_TRUE(call);
    EXPECT_FALSE(call->json_body.contains("username"));

    core::Post edit;
    edit.to = first.to;
    edit.text = "Meet at 4";
    edit.edits = sent.message_id;
    EXPECT_TRUE(send(edit).ok);
    auto update = slack_.wait_call("chat.update");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->json_body["text"], "Meet at 4");
    EXPECT_EQ(update->json_body["channel"], "C024BE91L");

    core::Post gone;
    gone.to = first.to;
    gone.deletes = sent.message_id;
    EXPECT_TRUE(send(gone).ok);
    auto del = slack_.wait_call("chat.delete");
    ASSERT_TRUE(del);
    EXPECT_EQ("slack:C024BE91L:" + del->json_body.value("ts", ""), sent.message_id);
}

}  // namespace
}  // namespace twintrack::slack_test
