// The Slack connector in Socket Mode against the fake Slack: real HTTP for the Web API,
// a real WebSocket for the events, payloads as in Slack's documentation.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "connectors/http/ws_link.hpp"
#include "connectors/slack/slack_connector.hpp"
#include "core/clock.hpp"
#include "core/event_files.hpp"
#include "tests/slack/fake_slack.hpp"
#include "tests/support/connector_sink.hpp"
#include "tests/support/loopback_proxy.hpp"

namespace twintrack::slack_test {
namespace {

using test_support::CollectingSink;
using test_support::LogCapture;

using connectors::slack::slack_status;
using connectors::slack::SlackSettings;
using ::testing::HasSubstr;

class SlackSocketTest : public ::testing::Test {
  protected:
    void SetUp() override {
        slack_.add_user("U061F7AUR", "Anna Becker");
        slack_.add_user("U0G9QF9C6", "Li Wei");
        connector_ = make();
        connector_->start(sink_);
        ASSERT_TRUE(slack_.wait_sockets(1));
        hello();
    }
    void TearDown() override {
        if (connector_) connector_->stop();
    }

    std::unique_ptr<connectors::Connector> make(
        const std::function<void(SlackSettings&)>& adjust = nullptr) {
        SlackSettings s;
        s.name = "slack";
        s.bot_token = core::Secret("SLACK_BOT_TOKEN", "xoxb-test");
        s.app_token = core::Secret("SLACK_APP_TOKEN", "xapp-1-test");
        s.api_url = slack_.api_url();
        s.backoff_initial = 50ms;
        s.backoff_max = 400ms;
        if (adjust) adjust(s);
        connectors::ConnectorContext context;
        context.clock = &clock_;
        return connectors::slack::make_slack(std::move(s), context);
    }

    void hello() {
        const int before = slack_status(*connector_).connections;
        ASSERT_TRUE(slack_.send_json(
            {{"type", "hello"},
             {"num_connections", 1},
             {"debug_info", {{"host", "applink-1"}, {"approximate_connection_time", 18060}}},
             {"connection_info", {{"app_id", "A0123"}}}}));
        for (int i = 0; i < 200 && slack_status(*connector_).connections == before; ++i) {
            std::this_thread::sleep_for(10ms);
        }
        ASSERT_TRUE(slack_status(*connector_).connected);
    }

    core::SendResult send(core::Post post) {
        std::promise<core::SendResult> result;
        connector_->send(post, [&](core::SendResult r) { result.set_value(r); });
        auto future = result.get_future();
        if (future.wait_for(20s) != std::future_status::ready) return {false, "", "timeout", true};
        return future.get();
    }

    core::FakeClock clock_{core::from_millis(1795886849588)};
    FakeSlack slack_;
    CollectingSink sink_;
    std::unique_ptr<connectors::Connector> connector_;
};

TEST_F(SlackSocketTest, SignsInWithTheAppTokenAndLearnsTheBotUser) {
    auto open = slack_.wait_call("apps.connections.open");
    ASSERT_TRUE(open);
    EXPECT_EQ(open->authorization, "Bearer xapp-1-test");
    auto auth = slack_.wait_call("auth.test");
    ASSERT_TRUE(auth);
    EXPECT_EQ(auth->authorization, "Bearer xoxb-test");
    EXPECT_EQ(slack_status(*connector_).bot_user_id, FakeSlack::bot_user);
}

TEST_F(SlackSocketTest, AcknowledgesEveryEnvelopeAndDeliversTheMessage) {
    slack_.send_json(
        events_api_envelope("57d6a792-4d35-4d0b-b6aa-3361493e1caf", "Ev0PV52K21",
                            message_event("C024BE91L", "U061F7AUR",
                                          "<@UBOT00001> whois <@U0G9QF9C6>", "1355517523.000005")));
    EXPECT_EQ(slack_.wait_ack("57d6a792-4d35-4d0b-b6aa-3361493e1caf"), 1);
    auto e = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "whois @LiWei");
    EXPECT_TRUE(e->addressed);
    EXPECT_FALSE(e->direct);
    EXPECT_EQ(e->where.connector, "slack");
    EXPECT_EQ(e->where.channel, "C024BE91L");
    EXPECT_EQ(e->who.user_id, "U061F7AUR");
    EXPECT_EQ(e->who.display, "Anna Becker");
    EXPECT_EQ(e->id, "slack:C024BE91L:1355517523.000005");
    EXPECT_EQ(core::to_millis(e->at), 1355517523000);
}

TEST_F(SlackSocketTest, ASharedFileComesWithItsBytesWhenFilesAreFetchedAndInOrder) {
    // Without fetch_files_up_to: the message, no file.
    const json small = slack_.add_shared_file("booth.png", "image/png", "PNG-BYTES");
    slack_.send_json(
        events_api_envelope("e-0", "Ev0",
                            file_share_event("C024BE91L", "U061F7AUR", "plain", "1355517523.000001",
                                             json::array({small}))));
    auto plain = sink_.with_text("plain");
    ASSERT_TRUE(plain);
    EXPECT_TRUE(core::event_files(plain->extra).empty());
    EXPECT_TRUE(slack_.calls("files-pri").empty());

    connector_->stop();
    connector_ = make();
    connector_->fetch_files_up_to(100);
    connector_->start(sink_);
    ASSERT_TRUE(slack_.wait_sockets(2));
    hello();
    const json big = slack_.add_shared_file("deck.pdf", "application/pdf", std::string(101, 'd'));
    slack_.send_json(
        events_api_envelope("e-1", "Ev1",
                            file_share_event("C024BE91L", "U061F7AUR", "Our booth",
                                             "1355517523.000005", json::array({small, big}))));
    slack_.send_json(events_api_envelope(
        "e-2", "Ev2", message_event("C024BE91L", "U0G9QF9C6", "nice", "1355517523.000006")));
    auto first = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(first);
    EXPECT_EQ(first->text, "Our booth");
    const auto files = core::event_files(first->extra);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].name, "booth.png");
    EXPECT_EQ(files[0].mime, "image/png");
    EXPECT_EQ(files[0].data, "PNG-BYTES");
    EXPECT_TRUE(files[0].url.empty());  // not shared publicly
    // Over the limit: named with its size, not fetched.
    EXPECT_EQ(files[1].name, "deck.pdf");
    EXPECT_EQ(files[1].size, 101u);
    EXPECT_TRUE(files[1].data.empty());
    auto second = sink_.wait_for([](const core::Event&) { return true; });
    ASSERT_TRUE(second);
    EXPECT_EQ(second->text, "nice");
    const auto fetched = slack_.calls("files-pri");
    ASSERT_EQ(fetched.size(), 1u);
    EXPECT_EQ(fetched[0].authorization, "Bearer xoxb-test");
}

TEST_F(SlackSocketTest, DirectMessagesAreDirectAndAnsweredInTheSameConversation) {
    slack_.send_json(events_api_envelope(
        "env-dm-1", "Ev0DM1",
        message_event("D0PNCRP9N", "U061F7AUR", "ping", "1355517524.000001", "im")));
    auto e = sink_.with_text("ping");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->direct);
    EXPECT_EQ(e->where.channel, "@U061F7AUR");
    // A DM to someone who never wrote: conversations.open first.
    auto r = send({{"slack", "@U0G9QF9C6", ""}, "Hello <Li> & co", "", "", {}, ""});
    ASSERT_TRUE(r.ok) << r.error;
    auto open = slack_.wait_call("conversations.open");
    ASSERT_TRUE(open);
    EXPECT_EQ(open->json_body["users"], "U0G9QF9C6");
    auto post = slack_.wait_call("chat.postMessage");
    ASSERT_TRUE(post);
    EXPECT_EQ(post->json_body["channel"], "D0G9QF9C6");
    EXPECT_EQ(post->json_body["text"], "Hello &lt;Li&gt; &amp; co");
    // The writer of a DM is answered in their DM channel, without opening another.
    r = send({{"slack", "@U061F7AUR", ""}, "pong", "", "", {}, ""});
    ASSERT_TRUE(r.ok);
    auto answer = slack_.wait_call("chat.postMessage", 2);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->json_body["channel"], "D0PNCRP9N");
    EXPECT_EQ(slack_.calls("conversations.open").size(), 1u);
}

TEST_F(SlackSocketTest, ADuplicateDeliveryIsAcknowledgedButHandledOnce) {
    const json event =
        message_event("C024BE91L", "U061F7AUR", "report Acme: met", "1355517525.000001");
    slack_.send_json(events_api_envelope("env-a", "Ev0DUP", event));
    slack_.send_json(events_api_envelope("env-b", "Ev0DUP", event, 1));  // Slack's retry
    EXPECT_EQ(slack_.wait_ack("env-a"), 1);
    EXPECT_EQ(slack_.wait_ack("env-b"), 1);
    slack_.send_json(events_api_envelope(
        "env-c", "Ev0NEXT", message_event("C024BE91L", "U061F7AUR", "next", "1355517526.000001")));
    ASSERT_TRUE(sink_.with_text("next"));
    ASSERT_TRUE(sink_.with_text("report Acme: met"));
    EXPECT_FALSE(
        sink_.wait_for([](const core::Event& e) { return e.text == "report Acme: met"; }, 200ms));
}

TEST_F(SlackSocketTest, ReconnectsWhenTheSocketDropsMidConversation) {
    slack_.send_json(events_api_envelope(
        "env-1", "Ev01", message_event("C024BE91L", "U061F7AUR", "report", "1355517527.000001")));
    ASSERT_TRUE(sink_.with_text("report"));
    slack_.drop_socket();
    ASSERT_TRUE(slack_.wait_sockets(2));
    EXPECT_GE(slack_.calls("apps.connections.open").size(), 2u);  // a fresh URL each time
    hello();
    slack_.send_json(events_api_envelope(
        "env-2", "Ev02", message_event("C024BE91L", "U061F7AUR", "Acme", "1355517528.000001")));
    EXPECT_EQ(slack_.wait_ack("env-2"), 1);
    ASSERT_TRUE(sink_.with_text("Acme"));
    EXPECT_EQ(slack_status(*connector_).connections, 2);
}

TEST_F(SlackSocketTest, ReconnectsWhenSlackAsksForARefresh) {
    slack_.send_json({{"type", "disconnect"},
                      {"reason", "refresh_requested"},
                      {"debug_info", {{"host", "applink-1"}}}});
    ASSERT_TRUE(slack_.wait_sockets(2));
    hello();
    slack_.send_json(events_api_envelope(
        "env-3", "Ev03",
        message_event("C024BE91L", "U061F7AUR", "still here", "1355517529.000001")));
    ASSERT_TRUE(sink_.with_text("still here"));
}

TEST_F(SlackSocketTest, MalformedFramesAndUnknownEventsAreIgnoredAndLoggedOnce) {
    LogCapture log;
    slack_.send("{not json");
    slack_.send_json(
        {{"envelope_id", "env-r1"},
         {"type", "events_api"},
         {"payload",
          {{"type", "event_callback"},
           {"event_id", "Ev0R1"},
           {"event",
            {{"type", "reaction_added"}, {"user", "U061F7AUR"}, {"reaction", "thumbsup"}}}}}});
    slack_.send_json(
        {{"envelope_id", "env-r2"},
         {"type", "events_api"},
         {"payload",
          {{"type", "event_callback"},
           {"event_id", "Ev0R2"},
           {"event", {{"type", "reaction_added"}, {"user", "U061F7AUR"}, {"reaction", "tada"}}}}}});
    slack_.send_json(
        {{"envelope_id", "env-i1"}, {"type", "interactive"}, {"payload", json::object()}});
    EXPECT_EQ(slack_.wait_ack("env-r1"), 1);
    EXPECT_EQ(slack_.wait_ack("env-r2"), 1);
    EXPECT_EQ(slack_.wait_ack("env-i1"), 1);
    slack_.send_json(events_api_envelope(
        "env-4", "Ev04", message_event("C024BE91L", "U061F7AUR", "after", "1355517530.000001")));
    ASSERT_TRUE(sink_.with_text("after"));
    EXPECT_TRUE(sink_.rest().empty());
    EXPECT_EQ(log.count("ignoring event:reaction_added"), 1);
    EXPECT_EQ(log.count("not a JSON object"), 1);
    EXPECT_TRUE(slack_status(*connector_).connected);
}

// A field of an unexpected JSON type used to throw on the connector's thread and end it,
// so Slack went silent for good (fuzz/slack_event_fuzz.cpp feeds such frames).
TEST_F(SlackSocketTest, FieldsOfTheWrongTypeAreIgnoredAndTheConnectorKeepsListening) {
    const std::vector<json> odd_events = {
        {{"type", "message"}, {"user", 42}, {"channel", "C024BE91L"}, {"ts", "1.1"}},
        {{"type", "message"}, {"user", "U061F7AUR"}, {"channel", {{"id", "C1"}}}, {"ts", "1.2"}},
        {{"type", "message"}, {"user", "U061F7AUR"}, {"channel", "C024BE91L"}, {"ts", 1.3}},
        {{"type", 7}, {"user", "U061F7AUR"}},
    };
    int n = 0;
    for (const auto& event : odd_events) {
        SCOPED_TRACE(event.dump());
        const std::string envelope = "env-odd-" + std::to_string(++n);
        slack_.send_json(events_api_envelope(envelope, "EvOdd" + std::to_string(n), event));
        EXPECT_EQ(slack_.wait_ack(envelope), 1);
    }
    slack_.send_json({{"envelope_id", "env-odd-slash"},
                      {"type", "slash_commands"},
                      {"payload", {{"user_id", 5}, {"channel_id", "C024BE91L"}, {"text", 1}}}});
    slack_.send_json({{"type", 3}, {"payload", "not an object"}});
    slack_.send_json(events_api_envelope(
        "env-after", "EvAfter",
        message_event("C024BE91L", "U061F7AUR", "still here", "1355517531.000001")));
    ASSERT_TRUE(sink_.with_text("still here"));
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(SlackSocketTest, LongPostsAreSplitAtSlacksLimit) {
    std::string paragraph;
    for (int i = 0; i < 90; ++i) paragraph += "Competitor prices fell again this week. ";
    const std::string text = paragraph + "\n" + paragraph + "\n" + paragraph;  // ~10 800 chars
    auto r = send({{"slack", "C024BE91L", ""}, text, "", "", {}, ""});
    ASSERT_TRUE(r.ok) << r.error;
    auto posts = slack_.calls("chat.postMessage");
    ASSERT_EQ(posts.size(), 3u);
    for (const auto& p : posts) {
        const std::string piece = p.json_body["text"];
        EXPECT_LE(piece.size(), 4000u);
        EXPECT_TRUE(piece == paragraph) << "not cut at the line breaks: " << piece.size();
    }
    EXPECT_EQ(r.message_id, "slack:C024BE91L:1503435957.000200");  // the first piece
}

TEST_F(SlackSocketTest, RepliesInAThreadStayInIt) {
    json event = message_event("C024BE91L", "U061F7AUR", "<@UBOT00001> ping", "1355517531.000002");
    event["thread_ts"] = "1355517531.000001";
    slack_.send_json(events_api_envelope("env-t", "Ev0T", event));
    auto e = sink_.with_text("ping");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->where.thread, "1355517531.000001");
    ASSERT_TRUE(send({e->where, "pong", e->id, "", {}, ""}).ok);
    auto post = slack_.wait_call("chat.postMessage");
    ASSERT_TRUE(post);
    EXPECT_EQ(post->json_body["thread_ts"], "1355517531.000001");
}

TEST_F(SlackSocketTest, HonoursRetryAfterOn429) {
    slack_.rate_limit("chat.postMessage", 1);
    auto r = send({{"slack", "C024BE91L", ""}, "digest", "", "", {}, ""});
    ASSERT_TRUE(r.ok) << r.error;
    auto posts = slack_.calls("chat.postMessage");
    ASSERT_EQ(posts.size(), 2u);
    EXPECT_GE(posts[1].at - posts[0].at, 1s);  // not before Retry-After
}

// Slack's limits are per Web API method: a 429 on users.info holds users.info alone (no
// second users.info goes out within its Retry-After) while posts go on.
TEST_F(SlackSocketTest, A429OnUsersInfoHoldsUserLookupsButNotPosts) {
    slack_.add_user("U0NEW00001", "Chen Jing");
    slack_.add_user("U0NEW00002", "Omar Haddad");
    slack_.rate_limit("users.info", 30);
    slack_.send_json(events_api_envelope(
        "env-r1", "Ev0R1",
        message_event("D0NEW00001", "U0NEW00001", "first", "1355517600.000001", "im")));
    const auto first = sink_.with_text("first");
    ASSERT_TRUE(first);
    EXPECT_EQ(first->who.display, "U0NEW00001");  // the name could not be looked up
    ASSERT_EQ(slack_.calls("users.info").size(), 1u);
    // users.info waits out its 30 s; posting is another method and goes out at once.
    const auto r = send({{"slack", "C024BE91L", ""}, "still posting", "", "", {}, ""});
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(slack_.calls("chat.postMessage").size(), 1u);
    slack_.send_json(events_api_envelope(
        "env-r2", "Ev0R2",
        message_event("D0NEW00002", "U0NEW00002", "second", "1355517600.000002", "im")));
    const auto second = sink_.with_text("second");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->who.display, "U0NEW00002");
    EXPECT_EQ(slack_.calls("users.info").size(), 1u)
        << "users.info was asked again within its Retry-After";
}

// ...and the other way round: a 429 on chat.postMessage holds that channel's posts, while
// users.info and conversations.open go on.
TEST_F(SlackSocketTest, A429OnPostingDoesNotHoldUserLookupsOrOpeningConversations) {
    slack_.add_user("U0NEW00003", "Chen Jing");
    slack_.rate_limit("chat.postMessage", 30);
    std::promise<core::SendResult> held;
    connector_->send({{"slack", "C024BE91L", ""}, "digest", "", "", {}, ""},
                     [&](core::SendResult r) { held.set_value(r); });
    ASSERT_TRUE(slack_.wait_call("chat.postMessage"));  // answered 429, Retry-After: 30
    slack_.send_json(events_api_envelope(
        "env-r3", "Ev0R3",
        message_event("D0NEW00003", "U0NEW00003", "hello", "1355517600.000003", "im")));
    const auto e = sink_.with_text("hello");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.display, "Chen Jing");  // users.info answered meanwhile
    std::promise<core::SendResult> dm;
    connector_->send({{"slack", "@U0G9QF9C6", ""}, "a word", "", "", {}, ""},
                     [&](core::SendResult r) { dm.set_value(r); });
    EXPECT_TRUE(slack_.wait_call("conversations.open"));
    auto pending = held.get_future();
    EXPECT_EQ(pending.wait_for(0s), std::future_status::timeout);  // still waiting its 30 s
    connector_->stop();  // the waiting posts are answered (retryable) before it returns
    ASSERT_EQ(pending.wait_for(20s), std::future_status::ready);
    EXPECT_TRUE(pending.get().retryable);
    auto dm_result = dm.get_future();
    ASSERT_EQ(dm_result.wait_for(20s), std::future_status::ready);
}

TEST_F(SlackSocketTest, AHangingWebApiCallDoesNotHoldUpTheNextEnvelope) {
    slack_.hold("chat.postMessage");
    std::promise<core::SendResult> sent;
    connector_->send({{"slack", "C024BE91L", ""}, "weekly digest", "", "", {}, ""},
                     [&](core::SendResult r) { sent.set_value(r); });
    ASSERT_TRUE(slack_.wait_call("chat.postMessage"));  // in flight, unanswered
    slack_.send_json(events_api_envelope(
        "env-h", "Ev0H",
        message_event("C024BE91L", "U061F7AUR", "<@UBOT00001> ping", "1355517540.000001")));
    EXPECT_EQ(slack_.wait_ack("env-h"), 1);
    auto e = sink_.with_text("ping");
    ASSERT_TRUE(e);  // handled while chat.postMessage still hangs
    EXPECT_EQ(e->who.display, "Anna Becker");
    auto pending = sent.get_future();
    EXPECT_EQ(pending.wait_for(0s), std::future_status::timeout);
    slack_.release();
    ASSERT_EQ(pending.wait_for(20s), std::future_status::ready);
    EXPECT_TRUE(pending.get().ok);
}

TEST_F(SlackSocketTest, ARateLimitPausesEveryLaterPostToThatChannelAndKeepsTheirOrder) {
    slack_.rate_limit("chat.postMessage", 1);
    std::promise<core::SendResult> first, second, other;
    connector_->send({{"slack", "C024BE91L", ""}, "first", "", "", {}, ""},
                     [&](core::SendResult r) { first.set_value(r); });
    connector_->send({{"slack", "C024BE91L", ""}, "second", "", "", {}, ""},
                     [&](core::SendResult r) { second.set_value(r); });
    auto f1 = first.get_future(), f2 = second.get_future();
    ASSERT_EQ(f1.wait_for(20s), std::future_status::ready);
    ASSERT_EQ(f2.wait_for(20s), std::future_status::ready);
    EXPECT_TRUE(f1.get().ok);
    EXPECT_TRUE(f2.get().ok);
    auto posts = slack_.calls("chat.postMessage");
    ASSERT_EQ(posts.size(), 3u);
    EXPECT_EQ(posts[0].json_body["text"], "first");  // answered 429, Retry-After: 1
    EXPECT_EQ(posts[1].json_body["text"], "first");
    EXPECT_EQ(posts[2].json_body["text"], "second");
    EXPECT_GE(posts[2].at - posts[0].at, 1s);  // the second waited for the Retry-After too
}

// After a 429 with Retry-After on one post, no post to that channel reaches Slack before
// the wait is over (checked on the fake's request log, against the 429's own time), the
// posts go out and are answered in the order they were sent, and another channel's post
// is not refused meanwhile.
TEST_F(SlackSocketTest, AfterA429NoPostToThatChannelGoesOutBeforeTheWaitAndAnswersKeepOrder) {
    slack_.rate_limit("chat.postMessage", 2);
    std::mutex mu;
    std::vector<std::string> answered;
    std::vector<std::promise<void>> done(4);
    auto post = [&](const std::string& channel, const std::string& text, std::size_t i) {
        connector_->send({{"slack", channel, ""}, text, "", "", {}, ""},
                         [&, text, i](core::SendResult r) {
                             {
                                 std::lock_guard<std::mutex> lock(mu);
                                 answered.push_back(r.ok ? text : text + " failed: " + r.error);
                             }
                             done[i].set_value();
                         });
    };
    post("C024BE91L", "one", 0);
    const auto limited = slack_.wait_call("chat.postMessage");  // answered 429, Retry-After: 2
    ASSERT_TRUE(limited);
    post("C024BE91L", "two", 1);
    post("C0ELSEWHERE", "elsewhere", 2);
    post("C024BE91L", "three", 3);
    for (auto& d : done) ASSERT_EQ(d.get_future().wait_for(30s), std::future_status::ready);
    std::vector<std::string> in_channel;
    {
        std::lock_guard<std::mutex> lock(mu);
        for (const auto& a : answered) {
            if (a.rfind("elsewhere", 0) != 0) in_channel.push_back(a);
        }
        EXPECT_EQ(std::count(answered.begin(), answered.end(), "elsewhere"), 1);
    }
    EXPECT_EQ(in_channel, (std::vector<std::string>{"one", "two", "three"}));
    std::vector<std::string> sent;
    for (const auto& call : slack_.calls("chat.postMessage")) {
        if (call.json_body["channel"] != "C024BE91L") continue;
        const std::string text = call.json_body["text"];
        sent.push_back(text);
        if (sent.size() == 1) continue;  // the refused one
        SCOPED_TRACE(text);
        EXPECT_GE(call.at - limited->at, 2s);  // nothing for the channel during the wait
    }
    EXPECT_EQ(sent, (std::vector<std::string>{"one", "one", "two", "three"}));
}

// Posts go through the connector's sender: with room for two posts, a third one while the
// first hangs is handed back at once, retryable and held, for the outbox to keep.
TEST_F(SlackSocketTest, APostBeyondTheSendersQueueGoesBackToTheOutboxHeld) {
    connector_->stop();
    connector_ = make([](SlackSettings& s) { s.rate_limit.queue = 2; });
    connector_->start(sink_);
    ASSERT_TRUE(slack_.wait_sockets(2));
    slack_.hold("chat.postMessage");
    std::promise<core::SendResult> first, second;
    connector_->send({{"slack", "C024BE91L", ""}, "first", "", "", {}, ""},
                     [&](core::SendResult r) { first.set_value(r); });
    connector_->send({{"slack", "C024BE91L", ""}, "second", "", "", {}, ""},
                     [&](core::SendResult r) { second.set_value(r); });
    ASSERT_TRUE(slack_.wait_call("chat.postMessage"));  // "first" hangs, "second" waits
    const auto third = send({{"slack", "C024BE91L", ""}, "third", "", "", {}, ""});
    EXPECT_FALSE(third.ok);
    EXPECT_TRUE(third.retryable);
    EXPECT_GT(third.held_until_ms, core::to_millis(clock_.now()));
    EXPECT_THAT(third.error, HasSubstr("kept and sent later"));
    slack_.release();
    auto f1 = first.get_future(), f2 = second.get_future();
    ASSERT_EQ(f1.wait_for(20s), std::future_status::ready);
    ASSERT_EQ(f2.wait_for(20s), std::future_status::ready);
    EXPECT_TRUE(f1.get().ok);
    EXPECT_TRUE(f2.get().ok);
    for (const auto& call : slack_.calls("chat.postMessage"))
        EXPECT_NE(call.json_body["text"], "third");
}

// An incoming message larger than the link accepts closes the socket with 1009 (message
// too big); the connector logs why and opens a new connection.
TEST_F(SlackSocketTest, AnOversizeFrameClosesTheSocketWith1009AndTheConnectorReconnects) {
    LogCapture log;
    ASSERT_TRUE(
        slack_.send(std::string(connectors::http::WsLink::default_max_message_bytes + 1, 'x')));
    ASSERT_TRUE(slack_.wait_sockets(2, 20s));
    EXPECT_GE(log.count("1009"), 1);
    hello();
    slack_.send_json(events_api_envelope(
        "env-after", "Ev0AFTER",
        message_event("C024BE91L", "U061F7AUR", "<@UBOT00001> still here", "1355517560.000001")));
    EXPECT_EQ(slack_.wait_ack("env-after"), 1);
}

TEST_F(SlackSocketTest, PostsToOneChannelKeepTheOrderTheyWereSentIn) {
    std::vector<std::promise<core::SendResult>> results(8);
    for (std::size_t i = 0; i < results.size(); ++i) {
        connector_->send({{"slack", "C024BE91L", ""}, "line " + std::to_string(i), "", "", {}, ""},
                         [&, i](core::SendResult r) { results[i].set_value(r); });
    }
    for (auto& r : results) {
        auto f = r.get_future();
        ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
        EXPECT_TRUE(f.get().ok);
    }
    auto posts = slack_.calls("chat.postMessage");
    ASSERT_EQ(posts.size(), results.size());
    for (std::size_t i = 0; i < posts.size(); ++i) {
        EXPECT_EQ(posts[i].json_body["text"], "line " + std::to_string(i));
    }
}

TEST_F(SlackSocketTest, ALongRetryAfterIsLeftToTheOutbox) {
    slack_.rate_limit("chat.postMessage", 120);
    auto r = send({{"slack", "C024BE91L", ""}, "digest", "", "", {}, ""});
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("120"));
}

TEST_F(SlackSocketTest, AnUnknownChannelFailsForGood) {
    auto r = send({{"slack", "CGONE00000", ""}, "hello", "", "", {}, ""});
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("channel_not_found"));
}

// A small PNG (signature, IHDR, IDAT, IEND): binary bytes with NULs and high bits.
std::string png_bytes() {
    static const unsigned char png[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
        0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
        0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
        0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
        0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
    return std::string(reinterpret_cast<const char*>(png), sizeof png);
}

TEST_F(SlackSocketTest, AnImageAttachmentIsUploadedIntoTheChannelAfterTheText) {
    core::Post post{{"slack", "C024BE91L", ""}, "Weekly sales chart", "", "", {}, ""};
    post.attachments.push_back({"sales week 48.png", "image/png", png_bytes()});
    auto r = send(post);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.message_id, "slack:C024BE91L:1503435957.000200");  // the text message
    ASSERT_EQ(slack_.calls("chat.postMessage").size(), 1u);
    auto files = slack_.files();
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].filename, "sales week 48.png");
    EXPECT_EQ(files[0].length, png_bytes().size());
    EXPECT_TRUE(files[0].data == png_bytes()) << "the bytes changed on the way";
    EXPECT_EQ(files[0].content_type, "image/png");
    EXPECT_TRUE(files[0].completed);
    EXPECT_EQ(files[0].channel, "C024BE91L");
    EXPECT_EQ(files[0].title, "sales week 48.png");
    EXPECT_EQ(files[0].thread_ts, "");
    // The upload URL is not Slack's API: the bot token stays away from it.
    auto upload = slack_.wait_call("upload");
    ASSERT_TRUE(upload);
    EXPECT_EQ(upload->authorization, "");
}

TEST_F(SlackSocketTest, AttachmentsInAThreadAreSharedInTheThread) {
    core::Post post{{"slack", "C024BE91L", "1355517531.000001"}, "", "", "", {}, ""};
    post.attachments.push_back({"a.png", "image/png", png_bytes()});
    post.attachments.push_back({"b.png", "image/png", png_bytes() + "x"});
    auto r = send(post);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(slack_.calls("chat.postMessage").empty());  // no empty text message
    auto files = slack_.files();
    ASSERT_EQ(files.size(), 2u);
    for (const auto& f : files) {
        EXPECT_TRUE(f.completed) << f.filename;
        EXPECT_EQ(f.channel, "C024BE91L");
        EXPECT_EQ(f.thread_ts, "1355517531.000001");
    }
    EXPECT_EQ(files[1].data, png_bytes() + "x");
}

TEST_F(SlackSocketTest, AnUploadTheChannelRefusesFailsForGood) {
    slack_.fail("files.completeUploadExternal", "not_in_channel");
    core::Post post{{"slack", "C024BE91L", ""}, "Chart", "", "", {}, ""};
    post.attachments.push_back({"chart.png", "image/png", png_bytes()});
    auto r = send(post);
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("files.completeUploadExternal"));
    EXPECT_THAT(r.error, HasSubstr("not_in_channel"));
}

TEST_F(SlackSocketTest, ARateLimitedUploadIsRetriedAfterRetryAfter) {
    slack_.rate_limit("files.completeUploadExternal", 1);
    core::Post post{{"slack", "C024BE91L", ""}, "Chart", "", "", {}, ""};
    post.attachments.push_back({"chart.png", "image/png", png_bytes()});
    auto r = send(post);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(slack_.calls("chat.postMessage").size(), 1u);  // the text went once
    EXPECT_EQ(slack_.calls("upload").size(), 1u);            // the bytes went once
    auto complete = slack_.calls("files.completeUploadExternal");
    ASSERT_EQ(complete.size(), 2u);
    EXPECT_GE(complete[1].at - complete[0].at, 1s);
    ASSERT_EQ(slack_.files().size(), 1u);
    EXPECT_TRUE(slack_.files()[0].completed);
}

TEST_F(SlackSocketTest, TheBotsOwnMessagesAndEditsAreNotEvents) {
    slack_.send_json(events_api_envelope(
        "env-o", "Ev0O",
        message_event("C024BE91L", FakeSlack::bot_user, "mine", "1355517532.000001")));
    json edited = message_event("C024BE91L", "U061F7AUR", "edited", "1355517532.000002");
    edited["subtype"] = "message_changed";
    slack_.send_json(events_api_envelope("env-e", "Ev0E", edited));
    slack_.send_json(events_api_envelope(
        "env-n", "Ev0N", message_event("C024BE91L", "U061F7AUR", "normal", "1355517532.000003")));
    ASSERT_TRUE(sink_.with_text("normal"));
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(SlackSocketTest, SlashCommandsOverTheSocketAreAnsweredViaResponseUrl) {
    // The envelope of Slack's Socket Mode documentation for a slash command.
    slack_.send_json(
        {{"envelope_id", "env-slash"},
         {"type", "slash_commands"},
         {"accepts_response_payload", true},
         {"payload",
          {{"token", "bHKJ2n9AW6Ju3MjciOHfbA1b"},
           {"team_id", "T12345678"},
           {"team_domain", "maria"},
           {"channel_id", "C024BE91L"},
           {"channel_name", "general"},
           {"user_id", "U061F7AUR"},
           {"user_name", "anna"},
           {"command", "/twintrack"},
           {"text", "whoami"},
           {"api_app_id", "A0123"},
           {"response_url", slack_.response_url(7)},
           {"trigger_id", "1811357063217.1728290826.d28d07e0f1c0fb1bbcd4ff31c5e5d9c1"}}}});
    EXPECT_EQ(slack_.wait_ack("env-slash"), 1);
    auto e = sink_.with_text("whoami");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->addressed);
    EXPECT_EQ(e->where.channel, "C024BE91L");
    EXPECT_EQ(e->id, "slack:slash:1811357063217.1728290826.d28d07e0f1c0fb1bbcd4ff31c5e5d9c1");
    ASSERT_TRUE(send({e->where, "You are Anna Becker", e->extra["message_id"], "", {}, ""}).ok);
    auto answer = slack_.wait_call("response");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->json_body["text"], "You are Anna Becker");
    EXPECT_TRUE(slack_.calls("chat.postMessage").empty());
}

core::Post approval_post() {
    core::Post post{
        {"slack", "C024BE91L", ""}, "Announcement 7 waits for approval", "", "", {}, ""};
    core::Action approve;
    approve.label = "Approve";
    approve.style = "primary";
    approve.token = "v1.7.0.*.1795900000000.sig";
    approve.typed = "approve 7";
    post.actions = {approve};
    post.actions_text = "To answer, type:\n1. Approve: approve 7";
    return post;
}

TEST_F(SlackSocketTest, APostWithActionsCarriesBlockKitButtons) {
    EXPECT_TRUE(connector_->shows_actions());
    ASSERT_TRUE(send(approval_post()).ok);
    auto call = slack_.wait_call("chat.postMessage");
    ASSERT_TRUE(call);
    const json& blocks = call->json_body["blocks"];
    ASSERT_TRUE(blocks.is_array());
    EXPECT_EQ(blocks[0]["text"]["text"], "Announcement 7 waits for approval");
    EXPECT_EQ(blocks[1]["elements"][0]["value"], "v1.7.0.*.1795900000000.sig");
    // The notification text stays the post's text, without the typed choices.
    EXPECT_EQ(call->json_body["text"], "Announcement 7 waits for approval");
}

TEST_F(SlackSocketTest, ActionsSlackWouldRefuseGoOutAsTypedChoices) {
    auto post = approval_post();
    post.actions[0].token = std::string(2001, 'x');  // over a button value's limit
    ASSERT_TRUE(send(post).ok);
    auto call = slack_.wait_call("chat.postMessage");
    ASSERT_TRUE(call);
    EXPECT_FALSE(call->json_body.contains("blocks"));
    EXPECT_THAT(call->json_body["text"].get<std::string>(), HasSubstr("1. Approve: approve 7"));
}

TEST_F(SlackSocketTest, AClickIsAcknowledgedAndHandedOnAsAnActionFromTheClicker) {
    slack_.send_json({{"envelope_id", "env-click"},
                      {"type", "interactive"},
                      {"accepts_response_payload", false},
                      {"payload",
                       {{"type", "block_actions"},
                        {"user", {{"id", "U061F7AUR"}, {"username", "anna"}}},
                        {"container",
                         {{"type", "message"},
                          {"message_ts", "1795886850.000200"},
                          {"channel_id", "C024BE91L"}}},
                        {"channel", {{"id", "C024BE91L"}, {"name", "joint"}}},
                        {"message", {{"ts", "1795886850.000200"}, {"text", "Announcement 7"}}},
                        {"actions",
                         {{{"action_id", "tt-0"},
                           {"block_id", "tt-actions-1"},
                           {"type", "button"},
                           {"value", "v1.7.0.*.1795900000000.sig"},
                           {"action_ts", "1795886860.123456"}}}}}}});
    EXPECT_EQ(slack_.wait_ack("env-click"), 1);
    auto e =
        sink_.wait_for([](const core::Event& ev) { return ev.kind == core::EventKind::action; });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "v1.7.0.*.1795900000000.sig");
    EXPECT_EQ(e->who.user_id, "U061F7AUR");
    EXPECT_EQ(e->who.display, "Anna Becker");
    EXPECT_EQ(e->where.channel, "@U061F7AUR");  // the answer goes to the clicker alone
    EXPECT_TRUE(e->direct);
    EXPECT_EQ(e->extra["message_id"], "slack:C024BE91L:1795886850.000200");
    // The same click delivered again has the same id, so the bot applies it once.
    slack_.send_json({{"envelope_id", "env-click-2"},
                      {"type", "interactive"},
                      {"payload", {{"type", "view_closed"}}}});
    EXPECT_EQ(slack_.wait_ack("env-click-2"), 1);
}

TEST_F(SlackSocketTest, ARefusedClickIsAnsweredEphemerallyToTheClickerInTheClickedChannel) {
    struct Case {
        const char* name;
        std::string text;
    };
    const std::vector<Case> cases = {
        {"en", "This was already decided: Approved by Max Manager at 10:00"},
        {"zh-CN", "此事已经处理：Sue Boss 已于 17:00 批准"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const std::size_t before = slack_.calls("chat.postEphemeral").size();
        core::Post refusal{
            {"slack", "@U061F7AUR", ""}, c.text, "slack:C024BE91L:1795886850.000200", "", {}, ""};
        refusal.private_reply = true;
        const auto r = send(refusal);
        ASSERT_TRUE(r.ok) << r.error;
        const auto call = slack_.wait_call("chat.postEphemeral", before + 1);
        ASSERT_TRUE(call);
        EXPECT_EQ(call->json_body["channel"], "C024BE91L");
        EXPECT_EQ(call->json_body["user"], "U061F7AUR");
        EXPECT_EQ(call->json_body["text"], c.text);
    }
    // Nothing in the channel, and no direct message either.
    EXPECT_TRUE(slack_.calls("chat.postMessage").empty());
    EXPECT_TRUE(slack_.calls("conversations.open").empty());
}

TEST_F(SlackSocketTest, WhereSlackShowsNoEphemeralTheRefusalGoesByDirectMessage) {
    core::Post refusal{{"slack", "@U061F7AUR", ""},
                       "That button is not valid",
                       "slack:CGONE00000:1795886850.000200",
                       "",
                       {},
                       ""};
    refusal.private_reply = true;
    const auto r = send(refusal);
    ASSERT_TRUE(r.ok) << r.error;
    ASSERT_TRUE(slack_.wait_call("chat.postEphemeral"));
    const auto dm = slack_.wait_call("chat.postMessage");
    ASSERT_TRUE(dm);
    EXPECT_EQ(dm->json_body["channel"], "D061F7AUR");  // the clicker's direct conversation
    EXPECT_EQ(dm->json_body["text"], "That button is not valid");
}

TEST_F(SlackSocketTest, ASettledPostIsUpdatedInPlaceWithoutItsButtons) {
    ASSERT_TRUE(send(approval_post()).ok);
    auto posted = slack_.wait_call("chat.postMessage");
    ASSERT_TRUE(posted);
    core::Post settled{
        {"slack", "C024BE91L", ""}, "Announcement 7\nApproved by 王芳 at 10:42", "", "", {}, ""};
    auto first = send(approval_post());
    ASSERT_TRUE(first.ok);
    settled.replaces = first.message_id;
    auto r = send(settled);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.message_id, first.message_id);
    auto update = slack_.wait_call("chat.update");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->json_body["channel"], "C024BE91L");
    EXPECT_EQ("slack:C024BE91L:" + update->json_body["ts"].get<std::string>(), first.message_id);
    EXPECT_EQ(update->json_body["text"], "Announcement 7\nApproved by 王芳 at 10:42");
    for (const auto& block : update->json_body["blocks"]) EXPECT_NE(block["type"], "actions");
    // A message Slack no longer has: given up, not retried forever.
    settled.replaces = "slack:C024BE91L:1.1";
    auto gone = send(settled);
    EXPECT_FALSE(gone.ok);
    EXPECT_FALSE(gone.retryable);
}

TEST(SlackSocketStart, AWrongAppTokenIsRetriedAndLogged) {
    FakeSlack slack;
    core::FakeClock clock{core::from_millis(1795886849588)};
    SlackSettings s;
    s.bot_token = core::Secret("SLACK_BOT_TOKEN", "xoxb-test");
    s.app_token = core::Secret("SLACK_APP_TOKEN", "xoxb-not-an-app-token");
    s.api_url = slack.api_url();
    s.backoff_initial = 50ms;
    s.backoff_max = 100ms;
    connectors::ConnectorContext context;
    context.clock = &clock;
    LogCapture log;
    CollectingSink sink;
    auto c = connectors::slack::make_slack(std::move(s), context);
    c->start(sink);
    ASSERT_TRUE(slack.wait_call("apps.connections.open", 2));
    c->stop();
    EXPECT_GE(log.count("not_allowed_token_type"), 1);
    EXPECT_EQ(slack.sockets(), 0);
}

TEST(SlackProxy, WebApiCallsGoThroughTheConfiguredProxy) {
    FakeSlack slack;
    test_support::LoopbackProxy proxy;
    core::FakeClock clock{core::from_millis(1795886849588)};
    SlackSettings s;
    s.mode = SlackSettings::Mode::events;
    s.port = 0;
    s.bot_token = core::Secret("SLACK_BOT_TOKEN", "xoxb-test");
    s.signing_secret = core::Secret("SLACK_SIGNING_SECRET", "secret");
    s.api_url = slack.api_url();
    s.proxy = proxy.url();
    connectors::ConnectorContext context;
    context.clock = &clock;
    auto connector = connectors::slack::make_slack(std::move(s), context);
    CollectingSink sink;
    connector->start(sink);
    std::promise<core::SendResult> sent;
    connector->send({{"slack", "C024BE91L", ""}, "via the proxy", "", "", {}, ""},
                    [&](core::SendResult r) { sent.set_value(r); });
    auto f = sent.get_future();
    ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
    EXPECT_TRUE(f.get().ok);
    const std::string api = "http://127.0.0.1:" + std::to_string(slack.port()) + "/api/";
    EXPECT_TRUE(proxy.wait_seen("POST " + api + "auth.test"));
    EXPECT_TRUE(proxy.wait_seen("POST " + api + "chat.postMessage"));
    connector->stop();
}

// The Socket Mode WebSocket goes through the configured proxy with CONNECT (the Web API
// calls too), and the session relayed by it works both ways.
TEST(SlackProxy, TheSocketModeConnectionIsTunnelledThroughTheProxy) {
    FakeSlack slack;
    test_support::LoopbackProxy proxy;
    core::FakeClock clock{core::from_millis(1795886849588)};
    SlackSettings s;
    s.bot_token = core::Secret("SLACK_BOT_TOKEN", "xoxb-test");
    s.app_token = core::Secret("SLACK_APP_TOKEN", "xapp-1-test");
    s.api_url = slack.api_url();
    s.proxy = proxy.url();
    connectors::ConnectorContext context;
    context.clock = &clock;
    auto connector = connectors::slack::make_slack(std::move(s), context);
    CollectingSink sink;
    connector->start(sink);
    ASSERT_TRUE(slack.wait_sockets(1));
    EXPECT_TRUE(proxy.wait_seen("CONNECT 127.0.0.1:" + std::to_string(slack.port()) + " "));
    slack.send_json({{"type", "hello"}});
    slack.send_json(
        events_api_envelope("env-proxy", "Ev0PROXY",
                            message_event("C024BE91L", "U061F7AUR", "<@UBOT00001> via the proxy",
                                          "1355517570.000001")));
    EXPECT_EQ(slack.wait_ack("env-proxy"), 1);
    EXPECT_TRUE(sink.with_text("via the proxy"));
    connector->stop();
}

}  // namespace
}  // namespace twintrack::slack_test
