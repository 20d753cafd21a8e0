// The Mattermost connector against the fake Mattermost: REST v4 over real HTTP, the
// WebSocket event stream with the authentication challenge and seq numbers.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <thread>

#include "connectors/http/http_client.hpp"
#include "connectors/mattermost/mattermost_connector.hpp"
#include "core/clock.hpp"
#include "core/event_files.hpp"
#include "tests/mattermost/fake_mattermost.hpp"
#include "tests/support/connector_sink.hpp"
#include "tests/support/loopback_proxy.hpp"
#include "tests/support/ws_client.hpp"

namespace twintrack::mattermost_test {
namespace {

using connectors::mattermost::mattermost_status;
using connectors::mattermost::MattermostSettings;
using test_support::CollectingSink;
using test_support::LogCapture;
using ::testing::HasSubstr;

const std::string anna = "annaxk4r8m3ejbhx1p5q7t0wzc";
const std::string town = "townsq8k2m4n6p8r0t2v4x6z8b";

class MattermostTest : public ::testing::Test {
  protected:
    void SetUp() override {
        connector_ = make(FakeMattermost::token);
        connector_->start(sink_);
        ASSERT_TRUE(mm_.wait_authenticated(1));
        wait_connected(1);
    }
    void TearDown() override {
        if (connector_) connector_->stop();
    }

    std::unique_ptr<connectors::Connector> make(
        const std::string& token,
        const std::function<void(MattermostSettings&)>& adjust = nullptr) {
        MattermostSettings s;
        s.name = "mm";
        s.url = mm_.url();
        s.token = core::Secret("MATTERMOST_TOKEN", token);
        s.command_token = core::Secret("MM_COMMAND_TOKEN", "cmdtoken123");
        s.webhook_token = core::Secret("MM_WEBHOOK_TOKEN", "hooktoken456");
        s.actions_url = "https://bot.example.com/mattermost/actions";
        s.actions_secret = core::Secret("MM_ACTIONS_SECRET", "actsecret789");
        s.port = 0;
        s.backoff_initial = 50ms;
        s.backoff_max = 400ms;
        if (adjust) adjust(s);
        connectors::ConnectorContext context;
        context.clock = &clock_;
        return connectors::mattermost::make_mattermost(std::move(s), context);
    }

    void wait_connected(int n) {
        for (int i = 0; i < 500 && mattermost_status(*connector_).connections < n; ++i) {
            std::this_thread::sleep_for(10ms);
        }
        ASSERT_GE(mattermost_status(*connector_).connections, n);
    }

    core::SendResult send(core::Post post) {
        std::promise<core::SendResult> result;
        connector_->send(post, [&](core::SendResult r) { result.set_value(r); });
        auto future = result.get_future();
        if (future.wait_for(20s) != std::future_status::ready) return {false, "", "timeout", true};
        return future.get();
    }

    test_support::HttpResponse form(const std::string& path, const std::string& body) {
        const int port = mattermost_status(*connector_).listen_port;
        return test_support::http_request("POST", "127.0.0.1", port, path,
                                          {{"Content-Type", "application/x-www-form-urlencoded"}},
                                          body);
    }

    core::FakeClock clock_{core::from_millis(1795886849588)};
    FakeMattermost mm_;
    CollectingSink sink_;
    std::unique_ptr<connectors::Connector> connector_;
};

TEST_F(MattermostTest, AuthenticatesAndLearnsWhoItIs) {
    auto me = mm_.wait_call("/api/v4/users/me");
    ASSERT_TRUE(me);
    EXPECT_EQ(me->authorization, std::string("Bearer ") + FakeMattermost::token);
    EXPECT_EQ(mattermost_status(*connector_).bot_user_id, FakeMattermost::bot_id);
    EXPECT_TRUE(mattermost_status(*connector_).connected);
}

TEST_F(MattermostTest, PostedEventsBecomeMessagesWithTheMentionStripped) {
    ASSERT_TRUE(mm_.send_posted(
        make_post("post1xxxxxxxxxxxxxxxxxxxxx", anna, town, "@twintrack: whois @liwei"), "O",
        "anna"));
    auto e = sink_.with_text("whois @liwei");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->addressed);
    EXPECT_FALSE(e->direct);
    EXPECT_EQ(e->id, "mm:post1xxxxxxxxxxxxxxxxxxxxx");
    EXPECT_EQ(e->where.channel, town);
    EXPECT_EQ(e->who.user_id, anna);
    EXPECT_EQ(e->who.display, "anna");
    EXPECT_EQ(core::to_millis(e->at), 1795886849588);
}

// As Slack does with users.info: the sender's email from GET /api/v4/users/{id}, for the
// directory to match (directory.match_by_email); only an address Mattermost verified,
// and each user looked up once.
TEST_F(MattermostTest, SendersCarryTheEmailMattermostVerified) {
    const std::string lee = "leexk4r8m3ejbhx1p5q7t0wzcq";
    mm_.add_user(anna, "anna", "anna@example.com");
    mm_.add_user(lee, "lee", "lee@example.com", false);
    ASSERT_TRUE(
        mm_.send_posted(make_post("postE1xxxxxxxxxxxxxxxxxxxx", anna, town, "hello"), "O", "anna"));
    auto e = sink_.with_text("hello");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "anna@example.com");
    ASSERT_TRUE(mm_.send_posted(make_post("postE2xxxxxxxxxxxxxxxxxxxx", lee, town, "hi there"), "O",
                                "lee"));
    e = sink_.with_text("hi there");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "") << "an address Mattermost did not verify is not used";
    ASSERT_TRUE(
        mm_.send_posted(make_post("postE3xxxxxxxxxxxxxxxxxxxx", anna, town, "again"), "O", "anna"));
    e = sink_.with_text("again");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "anna@example.com");
    EXPECT_EQ(mm_.calls("/api/v4/users/" + anna).size(), 1u);
    // An unknown user (404) is still heard, without an email.
    ASSERT_TRUE(mm_.send_posted(
        make_post("postE4xxxxxxxxxxxxxxxxxxxx", "nobodyk4r8m3ejbhx1p5q7t0wz", town, "who am i"),
        "O", "nobody"));
    e = sink_.with_text("who am i");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->who.email, "");
}

TEST_F(MattermostTest, DirectMessagesAreAnsweredInTheirChannel) {
    ASSERT_TRUE(mm_.send_posted(
        make_post("post2xxxxxxxxxxxxxxxxxxxxx", anna, "dmchannel0000000000000000a", "ping"), "D",
        "anna"));
    auto e = sink_.with_text("ping");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->direct);
    EXPECT_EQ(e->where.channel, "@" + anna);
    ASSERT_TRUE(send({e->where, "pong", e->id, "", {}, ""}).ok);
    auto post = mm_.wait_call("/api/v4/posts");
    ASSERT_TRUE(post);
    EXPECT_EQ(post->body["channel_id"], "dmchannel0000000000000000a");
    EXPECT_EQ(post->body["message"], "pong");
    // Someone who never wrote: a direct channel is created first.
    const std::string li = "liweiq1w2e3r4t5y6u7i8o9p0a";
    auto r = send({{"mm", "@" + li, ""}, "Your handoff is due", "", "", {}, ""});
    ASSERT_TRUE(r.ok) << r.error;
    auto direct = mm_.wait_call("/api/v4/channels/direct");
    ASSERT_TRUE(direct);
    EXPECT_EQ(direct->body, json::array({FakeMattermost::bot_id, li}));
    EXPECT_EQ(mm_.wait_call("/api/v4/posts", 2)->body["channel_id"], "dm" + li.substr(2));
}

TEST_F(MattermostTest, ThreadRepliesUseRootId) {
    ASSERT_TRUE(mm_.send_posted(make_post("post3xxxxxxxxxxxxxxxxxxxxx", anna, town,
                                          "@twintrack ping", "rootpostxxxxxxxxxxxxxxxxxx"),
                                "O", "anna"));
    auto e = sink_.with_text("ping");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->where.thread, "rootpostxxxxxxxxxxxxxxxxxx");
    ASSERT_TRUE(send({e->where, "pong", e->id, "", {}, ""}).ok);
    EXPECT_EQ(mm_.wait_call("/api/v4/posts")->body["root_id"], "rootpostxxxxxxxxxxxxxxxxxx");
}

TEST_F(MattermostTest, SeqGapsAreCountedAndDuplicatesDropped) {
    const json post = make_post("post4xxxxxxxxxxxxxxxxxxxxx", anna, town, "report");
    ASSERT_TRUE(mm_.send_posted(post, "O", "anna"));
    ASSERT_TRUE(mm_.send_posted(post, "O", "anna"));  // delivered twice
    ASSERT_TRUE(mm_.send_posted(make_post("post5xxxxxxxxxxxxxxxxxxxxx", anna, town, "after gap"),
                                "O", "anna", 2));
    ASSERT_TRUE(sink_.with_text("after gap"));
    ASSERT_TRUE(sink_.with_text("report"));
    EXPECT_TRUE(sink_.rest().empty());
    EXPECT_EQ(mattermost_status(*connector_).missed_events, 2);
}

TEST_F(MattermostTest, ReconnectsAndResumesAfterADrop) {
    ASSERT_TRUE(
        mm_.send_posted(make_post("post6xxxxxxxxxxxxxxxxxxxxx", anna, town, "one"), "O", "anna"));
    ASSERT_TRUE(sink_.with_text("one"));
    mm_.drop_socket();
    ASSERT_TRUE(mm_.wait_authenticated(2));
    wait_connected(2);
    const auto queries = mm_.socket_queries();
    ASSERT_EQ(queries.size(), 2u);
    EXPECT_EQ(queries[0], "");
    EXPECT_EQ(queries[1], "connection_id=conn-1&sequence_number=2");
    ASSERT_TRUE(
        mm_.send_posted(make_post("post7xxxxxxxxxxxxxxxxxxxxx", anna, town, "two"), "O", "anna"));
    ASSERT_TRUE(sink_.with_text("two"));
}

TEST_F(MattermostTest, MalformedFramesAndOtherEventsAreIgnored) {
    LogCapture log;
    mm_.send_raw("{oops");
    mm_.send_raw(R"({"event":"typing","data":{"parent_id":"","user_id":"x"},"seq":1})");
    mm_.send_raw(R"({"event":"typing","data":{"parent_id":"","user_id":"x"},"seq":2})");
    mm_.send_raw(R"({"event":"posted","data":{"post":"{not json"},"seq":3})");
    ASSERT_TRUE(
        mm_.send_posted(make_post("post8xxxxxxxxxxxxxxxxxxxxx", anna, town, "fine"), "O", "anna"));
    ASSERT_TRUE(sink_.with_text("fine"));
    EXPECT_TRUE(sink_.rest().empty());
    EXPECT_EQ(log.count("ignoring event typing"), 1);
    EXPECT_TRUE(mattermost_status(*connector_).connected);
}

// A field of an unexpected JSON type used to throw on the connector's thread and end it,
// so Mattermost went silent for good (fuzz/mattermost_event_fuzz.cpp feeds such frames).
TEST_F(MattermostTest, FieldsOfTheWrongTypeAreIgnoredAndTheConnectorKeepsListening) {
    const std::vector<std::string> frames = {
        R"({"seq_reply":"1","status":1})",
        R"({"event":7,"seq":1})",
        R"({"event":"typing","seq":"2","data":[]})",
        R"({"event":"posted","data":"not an object","seq":3})",
        R"({"event":"posted","data":{"post":"{\"id\":5,\"user_id\":[],\"channel_id\":{}}"}})",
    };
    for (const auto& frame : frames) {
        SCOPED_TRACE(frame);
        ASSERT_TRUE(mm_.send_raw(frame));
    }
    // A post whose time is not a number still arrives, stamped with the time it came in.
    clock_.advance(std::chrono::hours(1));
    json odd = make_post("post9xxxxxxxxxxxxxxxxxxxxx", anna, town, "odd time");
    odd["create_at"] = "yesterday";
    ASSERT_TRUE(mm_.send_posted(odd, "O", "anna"));
    auto e = sink_.with_text("odd time");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->at, clock_.now());
    ASSERT_TRUE(
        mm_.send_posted(make_post("postAxxxxxxxxxxxxxxxxxxxxx", anna, town, "fine"), "O", "anna"));
    ASSERT_TRUE(sink_.with_text("fine"));
    EXPECT_TRUE(sink_.rest().empty());
    EXPECT_TRUE(mattermost_status(*connector_).connected);
}

TEST_F(MattermostTest, OwnPostsAndSystemMessagesAreNotEvents) {
    ASSERT_TRUE(mm_.send_posted(
        make_post("post9xxxxxxxxxxxxxxxxxxxxx", FakeMattermost::bot_id, town, "mine"), "O",
        "twintrack"));
    json joined = make_post("postAxxxxxxxxxxxxxxxxxxxxx", anna, town, "anna joined");
    joined["type"] = "system_join_channel";
    ASSERT_TRUE(mm_.send_posted(joined, "O", "anna"));
    ASSERT_TRUE(
        mm_.send_posted(make_post("postBxxxxxxxxxxxxxxxxxxxxx", anna, town, "real"), "O", "anna"));
    ASSERT_TRUE(sink_.with_text("real"));
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(MattermostTest, ARelayedPostGoesUnderTheWritersNameOnlyWithPostAsPerson) {
    EXPECT_FALSE(connector_->abilities().as_name);
    core::Post relayed{{"mm", town, ""}, "Meet at 3", "", "", {}, ""};
    relayed.as_name = "Ann (hub)";
    ASSERT_TRUE(send(relayed).ok);
    auto posts = mm_.calls("/api/v4/posts");
    ASSERT_EQ(posts.size(), 1u);
    EXPECT_FALSE(posts[0].body.contains("props")) << posts[0].body.dump();

    connector_->stop();
    connector_ =
        make(FakeMattermost::token, [](MattermostSettings& s) { s.post_as_person = true; });
    connector_->start(sink_);
    ASSERT_TRUE(mm_.wait_authenticated(2));
    wait_connected(1);
    EXPECT_TRUE(connector_->abilities().as_name);
    ASSERT_TRUE(send(relayed).ok);
    posts = mm_.calls("/api/v4/posts");
    ASSERT_EQ(posts.size(), 2u);
    EXPECT_EQ(posts[1].body["props"].value("override_username", ""), "Ann (hub)");
    EXPECT_EQ(posts[1].body.value("message", ""), "Meet at 3");
    // The bot's own posts keep its name.
    ASSERT_TRUE(send({{"mm", town, ""}, "weekly digest", "", "", {}, ""}).ok);
    posts = mm_.calls("/api/v4/posts");
    ASSERT_EQ(posts.size(), 3u);
    EXPECT_FALSE(posts[2].body.contains("props"));
}

TEST_F(MattermostTest, LongPostsAreSplitAndRateLimitsWaitedOut) {
    mm_.rate_limit_posts(1);
    std::string text(20000, 'a');
    text[16000] = '\n';
    auto r = send({{"mm", town, ""}, text, "", "", {}, ""});
    ASSERT_TRUE(r.ok) << r.error;
    auto posts = mm_.calls("/api/v4/posts");
    ASSERT_EQ(posts.size(), 3u);  // one refused with 429, then two pieces
    EXPECT_GE(posts[1].at - posts[0].at, 1s);
    EXPECT_EQ(posts[1].body["message"].get<std::string>().size(), 16000u);
    EXPECT_EQ(posts[2].body["message"].get<std::string>().size(), 3999u);
}

TEST_F(MattermostTest, AHangingPostDoesNotHoldUpTheNextEvent) {
    mm_.hold_posts();
    std::promise<core::SendResult> sent;
    connector_->send({{"mm", town, ""}, "weekly digest", "", "", {}, ""},
                     [&](core::SendResult r) { sent.set_value(r); });
    ASSERT_TRUE(mm_.wait_call("/api/v4/posts"));  // in flight, unanswered
    ASSERT_TRUE(mm_.send_posted(
        make_post("post9xxxxxxxxxxxxxxxxxxxxx", anna, town, "@twintrack ping"), "O", "anna"));
    ASSERT_TRUE(sink_.with_text("ping"));  // handled while the post still hangs
    auto pending = sent.get_future();
    EXPECT_EQ(pending.wait_for(0s), std::future_status::timeout);
    mm_.release_posts();
    ASSERT_EQ(pending.wait_for(20s), std::future_status::ready);
    EXPECT_TRUE(pending.get().ok);
}

TEST_F(MattermostTest, ARateLimitPausesEveryLaterPostToThatChannelAndKeepsTheirOrder) {
    mm_.rate_limit_posts(1);
    std::promise<core::SendResult> first, second;
    connector_->send({{"mm", town, ""}, "first", "", "", {}, ""},
                     [&](core::SendResult r) { first.set_value(r); });
    connector_->send({{"mm", town, ""}, "second", "", "", {}, ""},
                     [&](core::SendResult r) { second.set_value(r); });
    auto f1 = first.get_future(), f2 = second.get_future();
    ASSERT_EQ(f1.wait_for(20s), std::future_status::ready);
    ASSERT_EQ(f2.wait_for(20s), std::future_status::ready);
    EXPECT_TRUE(f1.get().ok);
    EXPECT_TRUE(f2.get().ok);
    auto posts = mm_.calls("/api/v4/posts");
    ASSERT_EQ(posts.size(), 3u);
    EXPECT_EQ(posts[0].body["message"], "first");  // answered 429
    EXPECT_EQ(posts[1].body["message"], "first");
    EXPECT_EQ(posts[2].body["message"], "second");
    EXPECT_GE(posts[2].at - posts[0].at, 1s);  // the second waited for the limit too
}

// Posts go through the connector's sender: with room for two posts, a third one while the
// first hangs is handed back at once, retryable and held, for the outbox to keep.
TEST_F(MattermostTest, APostBeyondTheSendersQueueGoesBackToTheOutboxHeld) {
    connector_->stop();
    connector_ = make(FakeMattermost::token, [](MattermostSettings& s) { s.rate_limit.queue = 2; });
    connector_->start(sink_);
    ASSERT_TRUE(mm_.wait_authenticated(2));
    mm_.hold_posts();
    std::promise<core::SendResult> first, second;
    connector_->send({{"mm", town, ""}, "first", "", "", {}, ""},
                     [&](core::SendResult r) { first.set_value(r); });
    connector_->send({{"mm", town, ""}, "second", "", "", {}, ""},
                     [&](core::SendResult r) { second.set_value(r); });
    ASSERT_TRUE(mm_.wait_call("/api/v4/posts"));  // "first" hangs, "second" waits
    const auto third = send({{"mm", town, ""}, "third", "", "", {}, ""});
    EXPECT_FALSE(third.ok);
    EXPECT_TRUE(third.retryable);
    EXPECT_GT(third.held_until_ms, core::to_millis(clock_.now()));
    mm_.release_posts();
    auto f1 = first.get_future(), f2 = second.get_future();
    ASSERT_EQ(f1.wait_for(20s), std::future_status::ready);
    ASSERT_EQ(f2.wait_for(20s), std::future_status::ready);
    EXPECT_TRUE(f1.get().ok);
    EXPECT_TRUE(f2.get().ok);
    for (const auto& call : mm_.calls("/api/v4/posts")) EXPECT_NE(call.body["message"], "third");
}

TEST_F(MattermostTest, AForbiddenChannelFailsForGood) {
    auto r = send({{"mm", "gone000000000000000000000x", ""}, "hello", "", "", {}, ""});
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("403"));
}

TEST_F(MattermostTest, SlashCommandsNeedTheirTokenAndAreAnsweredViaResponseUrl) {
    const std::string body =
        "channel_id=" + town + "&channel_name=town-square&command=%2Ftwintrack&response_url=" +
        connectors::http::url_encode(mm_.response_url(1)) +
        "&team_domain=someteam&team_id=rcgiyftm7jyrxnma1osd8zswby&text=whoami&token=" +
        "cmdtoken123&trigger_id=trig1&user_id=" + anna + "&user_name=anna";
    auto forged = form("/mattermost/command",
                       body.substr(0, body.find("token=")) + "token=wrong&trigger_id=trig0");
    EXPECT_EQ(forged.status, 401);
    auto r = form("/mattermost/command", body);
    EXPECT_EQ(r.status, 200);
    auto e = sink_.with_text("whoami");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->addressed);
    ASSERT_TRUE(send({e->where, "You are Anna Becker", e->extra["message_id"], "", {}, ""}).ok);
    auto answer = mm_.wait_call("/response/1");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->body["text"], "You are Anna Becker");
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(MattermostTest, OutgoingWebhooksNeedTheirTokenAndShareIdsWithTheSocket) {
    const std::string body =
        "token=hooktoken456&team_id=rcgiyftm7jyrxnma1osd8zswby&channel_id=" + town +
        "&channel_name=town-square&timestamp=1795886849588&user_id=" + anna +
        "&user_name=anna&post_id=postCxxxxxxxxxxxxxxxxxxxxx" +
        "&text=%23report+Acme&trigger_word=%23report";
    EXPECT_EQ(
        form("/mattermost/webhook", "token=cmdtoken123&post_id=x&user_id=y&channel_id=z").status,
        401);
    EXPECT_EQ(form("/mattermost/webhook", body).status, 200);
    ASSERT_TRUE(mm_.send_posted(make_post("postCxxxxxxxxxxxxxxxxxxxxx", anna, town, "#report Acme"),
                                "O", "anna"));  // the same post over the socket
    auto e = sink_.with_text("#report Acme");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->id, "mm:postCxxxxxxxxxxxxxxxxxxxxx");
    ASSERT_TRUE(
        mm_.send_posted(make_post("postDxxxxxxxxxxxxxxxxxxxxx", anna, town, "next"), "O", "anna"));
    ASSERT_TRUE(sink_.with_text("next"));
    EXPECT_TRUE(sink_.rest().empty());
}

core::Post approval_post(const std::string& channel) {
    core::Post post{{"mm", channel, ""}, "Announcement 7 waits for approval", "", "", {}, ""};
    core::Action approve;
    approve.label = "Approve";
    approve.style = "primary";
    approve.token = "v1.7.0.*.1795900000000.sig";
    approve.typed = "approve 7";
    post.actions = {approve};
    post.actions_text = "To answer, type:\n1. Approve: approve 7";
    return post;
}

TEST_F(MattermostTest, APostWithActionsCarriesInteractiveButtons) {
    EXPECT_TRUE(connector_->shows_actions());
    ASSERT_TRUE(send(approval_post(town)).ok);
    auto call = mm_.wait_call("/api/v4/posts");
    ASSERT_TRUE(call);
    EXPECT_EQ(call->body["message"], "Announcement 7 waits for approval");
    const auto& action = call->body["props"]["attachments"][0]["actions"][0];
    EXPECT_EQ(action["name"], "Approve");
    EXPECT_EQ(action["integration"]["url"], "https://bot.example.com/mattermost/actions");
    EXPECT_EQ(action["integration"]["context"]["token"], "v1.7.0.*.1795900000000.sig");
}

TEST_F(MattermostTest, AnActionRequestWithTheSecretBecomesAClickFromThatPerson) {
    const int port = mattermost_status(*connector_).listen_port;
    auto request = [&](const json& context) {
        const json body = {{"user_id", anna},        {"user_name", "anna"},
                           {"channel_id", town},     {"post_id", "p00000000000000000000000001"},
                           {"trigger_id", "trig-7"}, {"type", ""},
                           {"context", context}};
        return test_support::http_request("POST", "127.0.0.1", port, "/mattermost/actions",
                                          {{"Content-Type", "application/json"}}, body.dump());
    };
    EXPECT_EQ(request({{"secret", "wrong"}, {"token", "t"}}).status, 401);
    EXPECT_EQ(request({{"token", "t"}}).status, 400);
    auto r = request({{"secret", "actsecret789"}, {"token", "v1.7.0.*.1795900000000.sig"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{}");  // nothing updated here: the bot answers the clicker itself
    auto e =
        sink_.wait_for([](const core::Event& ev) { return ev.kind == core::EventKind::action; });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "v1.7.0.*.1795900000000.sig");
    EXPECT_EQ(e->who.user_id, anna);
    EXPECT_EQ(e->where.channel, "@" + anna);
    EXPECT_TRUE(e->direct);
    EXPECT_EQ(e->id, "mm:action:p00000000000000000000000001:" + anna + ":trig-7");
    EXPECT_EQ(e->extra["message_id"], "mm:p00000000000000000000000001");
    EXPECT_TRUE(sink_.rest().empty());  // the refused requests gave nothing
}

TEST_F(MattermostTest, ARefusedClickIsAnsweredWithAnEphemeralPostOnlyTheClickerSees) {
    const int port = mattermost_status(*connector_).listen_port;
    auto click = [&](const std::string& channel, const std::string& post_id) {
        const json body = {{"user_id", anna},
                           {"user_name", "anna"},
                           {"channel_id", channel},
                           {"post_id", post_id},
                           {"trigger_id", "trig-" + post_id},
                           {"context", {{"secret", "actsecret789"}, {"token", "v1.forged"}}}};
        EXPECT_EQ(test_support::http_request("POST", "127.0.0.1", port, "/mattermost/actions",
                                             {{"Content-Type", "application/json"}}, body.dump())
                      .status,
                  200);
        EXPECT_TRUE(sink_.wait_for([&](const core::Event& ev) {
            return ev.kind == core::EventKind::action &&
                   ev.extra.value("message_id", "") == "mm:" + post_id;
        }));
    };
    struct Case {
        const char* name;
        std::string post_id;
        std::string text;
    };
    const std::vector<Case> cases = {
        {"en", "p00000000000000000000000001", "That button is not valid."},
        {"zh-CN", "p00000000000000000000000002", "这个按钮是给其他人的。"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        click(town, c.post_id);
        core::Post refusal{{"mm", "@" + anna, ""}, c.text, "mm:" + c.post_id, "", {}, ""};
        refusal.private_reply = true;
        const auto r = send(refusal);
        ASSERT_TRUE(r.ok) << r.error;
        const auto calls = mm_.calls("/api/v4/posts/ephemeral");
        ASSERT_FALSE(calls.empty());
        EXPECT_EQ(calls.back().body["user_id"], anna);
        EXPECT_EQ(calls.back().body["post"]["channel_id"], town);
        EXPECT_EQ(calls.back().body["post"]["message"], c.text);
    }
    // Nothing in the channel, no direct message.
    EXPECT_TRUE(mm_.calls("/api/v4/posts").empty());

    // Without the permission (403), the refusal goes by direct message.
    click("gone7k2m4n6p8r0t2v4x6z8b0d", "p00000000000000000000000003");
    core::Post refusal{{"mm", "@" + anna, ""},
                       "That button has expired.",
                       "mm:p00000000000000000000000003",
                       "",
                       {},
                       ""};
    refusal.private_reply = true;
    const auto r = send(refusal);
    ASSERT_TRUE(r.ok) << r.error;
    const auto dm = mm_.wait_call("/api/v4/posts");
    ASSERT_TRUE(dm);
    EXPECT_EQ(dm->body["channel_id"], "dm" + anna.substr(2));
    EXPECT_EQ(dm->body["message"], "That button has expired.");
}

TEST_F(MattermostTest, ASettledPostIsPatchedWithoutItsButtons) {
    auto first = send(approval_post(town));
    ASSERT_TRUE(first.ok);
    core::Post settled{
        {"mm", town, ""}, "Announcement 7\nApproved by 王芳 at 10:42", "", "", {}, ""};
    settled.replaces = first.message_id;
    auto r = send(settled);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.message_id, first.message_id);
    const std::string post_id = first.message_id.substr(3);
    auto patch = mm_.wait_call("/api/v4/posts/" + post_id + "/patch");
    ASSERT_TRUE(patch);
    EXPECT_EQ(patch->method, "PUT");
    EXPECT_EQ(patch->body["message"], "Announcement 7\nApproved by 王芳 at 10:42");
    EXPECT_EQ(patch->body["props"]["attachments"], json::array());
    // A post Mattermost does not have: given up, not retried.
    settled.replaces = "mm:zzz";
    auto gone = send(settled);
    EXPECT_FALSE(gone.ok);
    EXPECT_FALSE(gone.retryable);
}

// --- files --------------------------------------------------------------------------

json post_with_files(const std::string& id, const std::string& message,
                     const std::vector<json>& infos, bool with_metadata = true) {
    json post = make_post(id, anna, town, message);
    post["file_ids"] = json::array();
    for (const auto& info : infos) post["file_ids"].push_back(info["id"]);
    if (with_metadata) post["metadata"]["files"] = infos;
    return post;
}

TEST_F(MattermostTest, APostsFilesComeWithTheirBytesWhenFilesAreFetchedAndInOrder) {
    const json small = mm_.add_file("booth.png", "image/png", "PNG-BYTES");
    const json big = mm_.add_file("deck.pdf", "application/pdf", std::string(101, 'd'));
    // Without fetch_files_up_to: the message, no file, nothing fetched.
    ASSERT_TRUE(mm_.send_posted(post_with_files("postf0xxxxxxxxxxxxxxxxxxxx", "plain", {small}),
                                "O", "anna"));
    auto plain = sink_.with_text("plain");
    ASSERT_TRUE(plain);
    EXPECT_TRUE(core::event_files(plain->extra).empty());
    EXPECT_TRUE(mm_.calls("/api/v4/files/" + small["id"].get<std::string>()).empty());

    connector_->stop();
    connector_ = make(FakeMattermost::token);
    connector_->fetch_files_up_to(100);
    connector_->start(sink_);
    ASSERT_TRUE(mm_.wait_authenticated(2));
    wait_connected(1);
    ASSERT_TRUE(mm_.send_posted(
        post_with_files("postf1xxxxxxxxxxxxxxxxxxxx", "Our booth", {small, big}), "O", "anna"));
    // A post whose metadata does not describe its file: the file's info is asked for.
    ASSERT_TRUE(mm_.send_posted(post_with_files("postf2xxxxxxxxxxxxxxxxxxxx", "", {small}, false),
                                "O", "anna"));
    ASSERT_TRUE(
        mm_.send_posted(make_post("postf3xxxxxxxxxxxxxxxxxxxx", anna, town, "nice"), "O", "anna"));
    // In order: the channel's later posts wait for the files.
    const auto any = [](const core::Event&) { return true; };
    auto first = sink_.wait_for(any);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->text, "Our booth");
    auto files = core::event_files(first->extra);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].name, "booth.png");
    EXPECT_EQ(files[0].mime, "image/png");
    EXPECT_EQ(files[0].data, "PNG-BYTES");
    // Over the limit: named with its size, not fetched.
    EXPECT_EQ(files[1].name, "deck.pdf");
    EXPECT_EQ(files[1].size, 101u);
    EXPECT_TRUE(files[1].data.empty());
    EXPECT_TRUE(mm_.calls("/api/v4/files/" + big["id"].get<std::string>()).empty());
    auto alone = sink_.wait_for(any);
    ASSERT_TRUE(alone);
    EXPECT_EQ(alone->id, "mm:postf2xxxxxxxxxxxxxxxxxxxx");
    files = core::event_files(alone->extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].name, "booth.png");
    EXPECT_EQ(files[0].data, "PNG-BYTES");
    EXPECT_EQ(mm_.calls("/api/v4/files/" + small["id"].get<std::string>() + "/info").size(), 1u);
    auto third = sink_.wait_for(any);
    ASSERT_TRUE(third);
    EXPECT_EQ(third->text, "nice");
    const auto fetched = mm_.calls("/api/v4/files/" + small["id"].get<std::string>());
    ASSERT_EQ(fetched.size(), 2u);
    EXPECT_EQ(fetched[0].authorization, std::string("Bearer ") + FakeMattermost::token);
}

TEST_F(MattermostTest, AFileThatCannotBeFetchedGoesOnByItsName) {
    connector_->stop();
    connector_ = make(FakeMattermost::token);
    connector_->fetch_files_up_to(100);
    connector_->start(sink_);
    ASSERT_TRUE(mm_.wait_authenticated(2));
    json gone = {{"id", "fgonexxxxxxxxxxxxxxxxxxxxx"},
                 {"name", "lost.txt"},
                 {"size", 5},
                 {"mime_type", "text/plain"}};
    ASSERT_TRUE(
        mm_.send_posted(post_with_files("postg1xxxxxxxxxxxxxxxxxxxx", "see", {gone}), "O", "anna"));
    auto e = sink_.with_text("see");
    ASSERT_TRUE(e);
    auto files = core::event_files(e->extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].name, "lost.txt");
    EXPECT_EQ(files[0].size, 5u);
    EXPECT_TRUE(files[0].data.empty());
}

TEST_F(MattermostTest, AnAttachmentIsUploadedToTheChannelAndPostedWithTheText) {
    EXPECT_TRUE(connector_->shows_images());
    EXPECT_TRUE(connector_->shows_files());
    core::Post post{{"mm", town, ""}, "Weekly sales chart", "", "", {}, ""};
    post.attachments.push_back(
        {"sales week 48.png", "image/png", std::string("\x89PNG\r\n\0x", 8)});
    auto r = send(post);
    ASSERT_TRUE(r.ok) << r.error;
    const auto uploads = mm_.uploads();
    ASSERT_EQ(uploads.size(), 1u);
    EXPECT_EQ(uploads[0].channel, town);
    EXPECT_EQ(uploads[0].filename, "sales week 48.png");
    EXPECT_EQ(uploads[0].content_type, "image/png");
    EXPECT_TRUE(uploads[0].data == std::string("\x89PNG\r\n\0x", 8)) << "the bytes changed";
    EXPECT_EQ(uploads[0].authorization, std::string("Bearer ") + FakeMattermost::token);
    const auto posts = mm_.calls("/api/v4/posts");
    ASSERT_EQ(posts.size(), 1u);  // one post: the text with its file
    EXPECT_EQ(posts[0].body["message"], "Weekly sales chart");
    EXPECT_EQ(posts[0].body["file_ids"], json::array({uploads[0].id}));
    EXPECT_EQ(r.message_id.rfind("mm:p", 0), 0u);
}

TEST_F(MattermostTest, MoreThanFiveAttachmentsGoInPostsOfTheirOwnInTheThread) {
    core::Post post{{"mm", town, "rootpostxxxxxxxxxxxxxxxxxx"}, "", "", "", {}, ""};
    for (int i = 0; i < 7; ++i) {
        post.attachments.push_back({"f" + std::to_string(i) + ".txt", "text/plain", "x"});
    }
    auto r = send(post);
    ASSERT_TRUE(r.ok) << r.error;
    const auto uploads = mm_.uploads();
    ASSERT_EQ(uploads.size(), 7u);
    const auto posts = mm_.calls("/api/v4/posts");
    ASSERT_EQ(posts.size(), 2u);
    EXPECT_EQ(posts[0].body["file_ids"].size(), 5u);
    EXPECT_EQ(posts[1].body["file_ids"], json::array({uploads[5].id, uploads[6].id}));
    for (const auto& p : posts) {
        EXPECT_EQ(p.body["message"], "");
        EXPECT_EQ(p.body["root_id"], "rootpostxxxxxxxxxxxxxxxxxx");
    }
}

TEST_F(MattermostTest, AnUploadTheServerFailsPostsNothingAndIsSentAgainByTheOutbox) {
    mm_.fail_uploads(503);
    core::Post post{{"mm", town, ""}, "Chart", "", "", {}, ""};
    post.attachments.push_back({"chart.png", "image/png", "PNG"});
    auto r = send(post);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("503"));
    EXPECT_TRUE(mm_.calls("/api/v4/posts").empty());  // nothing half sent
    // The outbox's next attempt: the whole post, once.
    auto again = send(post);
    ASSERT_TRUE(again.ok) << again.error;
    const auto posts = mm_.calls("/api/v4/posts");
    ASSERT_EQ(posts.size(), 1u);
    EXPECT_EQ(posts[0].body["message"], "Chart");
    ASSERT_EQ(mm_.uploads().size(), 1u);
    EXPECT_EQ(posts[0].body["file_ids"], json::array({mm_.uploads()[0].id}));
}

TEST_F(MattermostTest, AFileTheServerRefusesLeavesTheTextToGoAndFailsForGood) {
    mm_.fail_uploads(413);
    core::Post post{{"mm", town, ""}, "The full deck", "", "", {}, ""};
    post.attachments.push_back({"deck.pdf", "application/pdf", std::string(2000, 'd')});
    auto r = send(post);
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("413"));
    EXPECT_THAT(r.error, HasSubstr("deck.pdf"));
    const auto posts = mm_.calls("/api/v4/posts");
    ASSERT_EQ(posts.size(), 1u);
    EXPECT_EQ(posts[0].body["message"], "The full deck");
    EXPECT_FALSE(posts[0].body.contains("file_ids"));
    EXPECT_EQ(r.message_id.rfind("mm:p", 0), 0u);
}

TEST_F(MattermostTest, ARateLimitedUploadIsUploadedAgainAfterTheWait) {
    mm_.fail_uploads(429);
    core::Post post{{"mm", town, ""}, "Chart", "", "", {}, ""};
    post.attachments.push_back({"chart.png", "image/png", "PNG"});
    auto r = send(post);
    ASSERT_TRUE(r.ok) << r.error;
    const auto tries = mm_.calls("/api/v4/files");
    ASSERT_EQ(tries.size(), 2u);
    EXPECT_GE(tries[1].at - tries[0].at, 1s);
    ASSERT_EQ(mm_.uploads().size(), 1u);
    ASSERT_EQ(mm_.calls("/api/v4/posts").size(), 1u);
}

TEST_F(MattermostTest, AnOutgoingWebhooksFileIdsAreFetchedToo) {
    connector_->stop();
    connector_ = make(FakeMattermost::token);
    connector_->fetch_files_up_to(100);
    connector_->start(sink_);
    ASSERT_TRUE(mm_.wait_authenticated(2));
    const json a = mm_.add_file("a.txt", "text/plain", "AAA");
    const json b = mm_.add_file("b.txt", "text/plain", "BBB");
    auto res = form("/mattermost/webhook",
                    "token=hooktoken456&post_id=hookfilepostxxxxxxxxxxxxxx&user_id=" + anna +
                        "&channel_id=" + town + "&text=two%20files&file_ids=" +
                        a["id"].get<std::string>() + "%2C" + b["id"].get<std::string>());
    EXPECT_EQ(res.status, 200);
    auto e = sink_.with_text("two files");
    ASSERT_TRUE(e);
    const auto files = core::event_files(e->extra);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].data, "AAA");
    EXPECT_EQ(files[1].name, "b.txt");
    EXPECT_EQ(files[1].data, "BBB");
}

TEST(MattermostStart, AWrongTokenIsLoggedAndRetried) {
    FakeMattermost mm;
    core::FakeClock clock{core::from_millis(1795886849588)};
    MattermostSettings s;
    s.url = mm.url();
    s.token = core::Secret("MATTERMOST_TOKEN", "wrong");
    s.backoff_initial = 50ms;
    s.backoff_max = 100ms;
    connectors::ConnectorContext context;
    context.clock = &clock;
    LogCapture log;
    CollectingSink sink;
    auto c = connectors::mattermost::make_mattermost(std::move(s), context);
    c->start(sink);
    ASSERT_TRUE(mm.wait_call("/api/v4/users/me", 2));
    c->stop();
    EXPECT_GE(log.count("401"), 1);
    EXPECT_FALSE(mattermost_status(*c).connected);
}

// The WebSocket goes through the configured proxy with CONNECT, like the REST calls, and
// the session relayed by it works: a post over the socket becomes a message.
TEST(MattermostProxy, TheWebSocketIsTunnelledThroughTheProxy) {
    FakeMattermost mm;
    test_support::LoopbackProxy proxy;
    core::FakeClock clock{core::from_millis(1795886849588)};
    MattermostSettings s;
    s.name = "mm";
    s.url = mm.url();
    s.token = core::Secret("MATTERMOST_TOKEN", FakeMattermost::token);
    s.proxy = proxy.url();
    connectors::ConnectorContext context;
    context.clock = &clock;
    CollectingSink sink;
    auto c = connectors::mattermost::make_mattermost(std::move(s), context);
    c->start(sink);
    ASSERT_TRUE(mm.wait_authenticated(1));
    const std::string authority = mm.url().substr(std::string("http://").size());
    EXPECT_TRUE(proxy.wait_seen("CONNECT " + authority + " "));
    EXPECT_TRUE(proxy.wait_seen("GET " + mm.url() + "/api/v4/users/me"));
    for (int i = 0; i < 500 && !mattermost_status(*c).connected; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_TRUE(mm.send_posted(
        make_post("postpxxxxxxxxxxxxxxxxxxxxx", anna, town, "@twintrack via the proxy"), "O",
        "anna"));
    EXPECT_TRUE(sink.with_text("via the proxy"));
    c->stop();
}

}  // namespace
}  // namespace twintrack::mattermost_test
