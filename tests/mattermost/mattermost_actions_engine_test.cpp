// Buttons end to end on Mattermost: the real engine (TestBot's) behind the Mattermost
// connector, against the fake Mattermost. A request with buttons goes out as interactive
// attachments; a click (the server's POST to /mattermost/actions) runs the handler and
// the post is patched; a replayed request is applied once; bad clicks (forged, from
// another post, after the decision, someone else's, expired) are answered with an
// ephemeral post to the clicker only, in their language; a malformed request is refused.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "bot/features/tone/store/announcements_store.hpp"
#include "connectors/mattermost/mattermost_connector.hpp"
#include "tests/mattermost/fake_mattermost.hpp"
#include "tests/support/ws_client.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::mattermost_test {
namespace {

/// The tone feature's own tables on the bot's store (bot/features/tone/store/).
using AnnouncementTable = store::tone::AnnouncementRepository;

using connectors::mattermost::mattermost_status;
using connectors::mattermost::MattermostSettings;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const std::string kMax = "maxk4r8m3ejbhx1p5q7t0wzc00";
const std::string kZhou = "zhouk4r8m3ejbhx1p5q7t0wzc0";

class MattermostActionsEngineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        bot.set_shows_actions(true);
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        add("max@example.com", "Max Manager", "marketing", "en", kMax);
        add("zhou@example.com", "周强", "sales", "zh-CN", kZhou);
        bot.engine().reload_directory();
        MattermostSettings s;
        s.name = "mm";
        s.url = mm_.url();
        s.token = core::Secret("MATTERMOST_TOKEN", FakeMattermost::token);
        s.actions_url = "https://bot.example.com/mattermost/actions";
        s.actions_secret = core::Secret("MM_ACTIONS_SECRET", "actsecret789");
        s.port = 0;
        s.backoff_initial = 50ms;
        s.backoff_max = 400ms;
        connectors::ConnectorContext context;
        context.clock = &bot.clock();
        mm = connectors::mattermost::make_mattermost(std::move(s), context);
        mm->start(bot.engine());
        auto* raw = mm.get();
        bot.engine().add_outlet(
            "mm",
            [raw](const core::Post& p, core::SendDone done) { raw->send(p, std::move(done)); },
            raw->shows_actions());
        ASSERT_TRUE(mm_.wait_authenticated(1));
        for (int i = 0; i < 500 && mattermost_status(*mm).connections < 1; ++i) {
            std::this_thread::sleep_for(10ms);
        }
        port_ = mattermost_status(*mm).listen_port;
    }

    void TearDown() override { mm->stop(); }

    void add(const std::string& email, const std::string& name, const std::string& department,
             const std::string& locale, const std::string& user) {
        store::Person p;
        p.name = name;
        p.email = email;
        p.department = department;
        p.role = "manager";
        p.timezone = locale == "en" ? "Europe/Berlin" : "Asia/Shanghai";
        p.locale = locale;
        p.work_start = 9 * 60;
        p.work_end = 18 * 60;
        p.identities = {{"mm", user}};
        bot.store().people().upsert_by_email(p, core::to_millis(bot.clock().now()));
    }

    /// Lets the engine handle what the connector pushed until the fake has seen `n` calls
    /// of `path`; the n-th.
    std::optional<RestCall> pump(const std::string& path, std::size_t n = 1) {
        for (int i = 0; i < 500; ++i) {
            bot.engine().drain();
            if (auto c = mm_.wait_call(path, n, 20ms)) return c;
        }
        return std::nullopt;
    }

    /// The request to `user`: its channel, post id and button tokens.
    struct Request {
        std::string channel, post_id;
        std::vector<std::string> tokens;
    };
    Request request_to(const std::string& user) {
        Request r;
        r.channel = "dm" + user.substr(2);  // the fake's direct channels
        for (const auto& c : mm_.calls("/api/v4/posts")) {
            if (c.body.value("channel_id", "") != r.channel || !c.body.contains("props")) continue;
            for (const auto& a : c.body["props"]["attachments"][0]["actions"]) {
                r.tokens.push_back(a["integration"]["context"].value("token", ""));
            }
        }
        bot.store().db().query(
            "SELECT remote_id FROM outbox WHERE channel = ? AND coalesce(remote_id, '') <> '' "
            "AND dedupe_key LIKE 'action-post.%'",
            {"@" + user}, [&](const store::Row& row) { r.post_id = row.text(0).substr(3); });
        return r;
    }

    int click(const std::string& user, const Request& on, const std::string& token,
              const std::string& trigger) {
        const json body = {{"user_id", user},
                           {"channel_id", on.channel},
                           {"post_id", on.post_id},
                           {"trigger_id", trigger},
                           {"type", ""},
                           {"context", {{"secret", "actsecret789"}, {"token", token}}}};
        return test_support::http_request("POST", "127.0.0.1", port_, "/mattermost/actions",
                                          {{"Content-Type", "application/json"}}, body.dump())
            .status;
    }

    testing::TestBot bot;
    FakeMattermost mm_;
    std::unique_ptr<connectors::Connector> mm;
    int port_ = 0;
};

TEST_F(MattermostActionsEngineTest, AClickPatchesThePostOnceAndBadClicksAreAnsweredEphemerally) {
    bot.say("mia", "announce draft \"TwinTrack reports now cover WeChat.\"");
    ASSERT_TRUE(pump("/api/v4/posts", 2));
    for (int i = 0;
         i < 100 && (request_to(kMax).post_id.empty() || request_to(kZhou).post_id.empty()); ++i) {
        bot.engine().drain();
        std::this_thread::sleep_for(10ms);
    }
    const Request max = request_to(kMax);
    const Request zhou = request_to(kZhou);
    ASSERT_THAT(max.tokens, SizeIs(2));
    ASSERT_THAT(zhou.tokens, SizeIs(2));
    ASSERT_FALSE(max.post_id.empty());

    // Max approves: the handler runs and his post is patched without its buttons.
    EXPECT_EQ(click(kMax, max, max.tokens[0], "trig-1"), 200);
    const auto patch = pump("/api/v4/posts/" + max.post_id + "/patch");
    ASSERT_TRUE(patch);
    EXPECT_THAT(patch->body["message"].get<std::string>(), HasSubstr("Approved by Max Manager"));
    EXPECT_EQ(patch->body["props"]["attachments"], json::array());
    EXPECT_EQ(AnnouncementTable(bot.store().db()).decisions(1).size(), 1u);

    // The same request again (applied once), a malformed one (refused), then bad clicks.
    EXPECT_EQ(click(kMax, max, max.tokens[0], "trig-1"), 200);
    EXPECT_EQ(test_support::http_request("POST", "127.0.0.1", port_, "/mattermost/actions",
                                         {{"Content-Type", "application/json"}}, "{\"user_id\":")
                  .status,
              400);
    std::string forged = max.tokens[0];
    forged.back() = forged.back() == '0' ? '1' : '0';
    struct Case {
        const char* name;
        std::string user;
        Request on;
        std::string token;
        const char* answer;
    };
    const std::vector<Case> cases = {
        {"forged", kMax, max, forged, "That button is not valid"},
        {"after the decision", kMax, max, max.tokens[0], "This was already decided"},
        {"token of another post", kZhou, zhou, max.tokens[0], "这个按钮无效"},
        {"someone else's", kZhou, max, max.tokens[0], "这个按钮是给其他人的"},
    };
    std::size_t n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(click(c.user, c.on, c.token, "trig-bad-" + std::to_string(++n)), 200);
        const auto answer = pump("/api/v4/posts/ephemeral", n);
        ASSERT_TRUE(answer);
        EXPECT_EQ(answer->body["user_id"], c.user);
        EXPECT_EQ(answer->body["post"]["channel_id"], c.on.channel);
        EXPECT_THAT(answer->body["post"]["message"].get<std::string>(), HasSubstr(c.answer));
    }
    bot.clock().advance(std::chrono::hours(24 * 15));
    EXPECT_EQ(click(kZhou, zhou, zhou.tokens[0], "trig-late"), 200);
    const auto expired = pump("/api/v4/posts/ephemeral", ++n);
    ASSERT_TRUE(expired);
    EXPECT_THAT(expired->body["post"]["message"].get<std::string>(), HasSubstr("这个按钮已过期"));

    // The replay did nothing; the refusals went to the clickers only.
    EXPECT_THAT(mm_.calls("/api/v4/posts/" + max.post_id + "/patch"), SizeIs(1));
    EXPECT_EQ(AnnouncementTable(bot.store().db()).decisions(1).size(), 1u);
    int approved = 0;
    for (const auto& c : mm_.calls("/api/v4/posts")) {
        const std::string text = c.body.value("message", "");
        if (text.find("Approved announcement #1") != std::string::npos) ++approved;
        for (const auto& refusal : {"not valid", "already decided", "无效", "其他人", "过期"}) {
            EXPECT_EQ(text.find(refusal), std::string::npos) << text;
        }
    }
    EXPECT_EQ(approved, 1);
}

}  // namespace
}  // namespace twintrack::mattermost_test
