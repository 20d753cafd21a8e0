// Buttons end to end on Slack: the real engine (TestBot's) behind the Slack connector in
// Socket Mode, against the fake Slack. A request with buttons goes out as Block Kit; a
// click (an `interactive` envelope) runs the handler and the post is updated with
// chat.update; a replayed payload is applied once; bad clicks (forged, from another post,
// after the decision, someone else's, expired) are answered with chat.postEphemeral to
// the clicker only, in their language, and nothing is posted in the conversation.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "bot/features/tone/store/announcements_store.hpp"
#include "connectors/slack/slack_connector.hpp"
#include "tests/slack/fake_slack.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::slack_test {
namespace {

/// The tone feature's own tables on the bot's store (bot/features/tone/store/).
using AnnouncementTable = store::tone::AnnouncementRepository;

using connectors::slack::slack_status;
using connectors::slack::SlackSettings;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const std::string kMax = "UMAX00001";
const std::string kZhou = "UZHOU0001";

class SlackActionsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        bot.set_shows_actions(true);
        bot.add({"mia", "Mia Marketer", "marketing", "staff", "Europe/Berlin"});
        add("max@example.com", "Max Manager", "marketing", "en", kMax);
        add("zhou@example.com", "周强", "sales", "zh-CN", kZhou);
        bot.engine().reload_directory();
        slack_.add_user(kMax, "Max Manager");
        slack_.add_user(kZhou, "周强");
        SlackSettings s;
        s.name = "slack";
        s.bot_token = core::Secret("SLACK_BOT_TOKEN", "xoxb-test");
        s.app_token = core::Secret("SLACK_APP_TOKEN", "xapp-1-test");
        s.api_url = slack_.api_url();
        s.backoff_initial = 50ms;
        s.backoff_max = 400ms;
        connectors::ConnectorContext context;
        context.clock = &bot.clock();
        slack = connectors::slack::make_slack(std::move(s), context);
        slack->start(bot.engine());
        auto* raw = slack.get();
        bot.engine().add_outlet(
            "slack",
            [raw](const core::Post& p, core::SendDone done) { raw->send(p, std::move(done)); },
            raw->shows_actions());
        ASSERT_TRUE(slack_.wait_sockets(1));
        ASSERT_TRUE(slack_.send_json({{"type", "hello"}, {"num_connections", 1}}));
        for (int i = 0; i < 500 && !slack_status(*slack).connected; ++i) {
            std::this_thread::sleep_for(10ms);
        }
        ASSERT_TRUE(slack_status(*slack).connected);
    }

    void TearDown() override { slack->stop(); }

    void add(const std::string& email, const std::string& name, const std::string& department,
             const std::string& locale, const std::string& slack_id) {
        store::Person p;
        p.name = name;
        p.email = email;
        p.department = department;
        p.role = "manager";
        p.timezone = locale == "en" ? "Europe/Berlin" : "Asia/Shanghai";
        p.locale = locale;
        p.work_start = 9 * 60;
        p.work_end = 18 * 60;
        p.identities = {{"slack", slack_id}};
        bot.store().people().upsert_by_email(p, core::to_millis(bot.clock().now()));
    }

    /// Lets the engine handle what the connector pushed until the fake has seen `n` calls
    /// of `method`; the n-th.
    std::optional<ApiCall> pump(const std::string& method, std::size_t n = 1) {
        for (int i = 0; i < 500; ++i) {
            bot.engine().drain();
            if (auto c = slack_.wait_call(method, n, 20ms)) return c;
        }
        return std::nullopt;
    }

    /// The request to `user` (its chat.postMessage) and the button tokens it carries.
    struct Request {
        std::string channel, ts;
        std::vector<std::string> tokens;
    };
    Request request_to(const std::string& user) {
        Request r;
        r.channel = "D" + user.substr(1);  // the fake's direct conversations
        for (const auto& c : slack_.calls("chat.postMessage")) {
            if (c.json_body.value("channel", "") != r.channel) continue;
            for (const auto& block : c.json_body.value("blocks", json::array())) {
                if (block.value("type", "") != "actions") continue;
                for (const auto& e : block["elements"]) r.tokens.push_back(e.value("value", ""));
            }
        }
        // Its ts, from the platform id the outbox kept.
        bot.store().db().query(
            "SELECT remote_id FROM outbox WHERE channel = ? AND coalesce(remote_id, '') <> '' "
            "AND dedupe_key LIKE 'action-post.%'",
            {"@" + user}, [&](const store::Row& row) {
                const std::string id = row.text(0);
                r.ts = id.substr(id.rfind(':') + 1);
            });
        return r;
    }

    void click(const std::string& user, const Request& on, const std::string& token,
               const std::string& action_ts) {
        ASSERT_TRUE(
            slack_.send_json({{"envelope_id", "env-" + user + "-" + action_ts},
                              {"type", "interactive"},
                              {"payload",
                               {{"type", "block_actions"},
                                {"user", {{"id", user}}},
                                {"container", {{"message_ts", on.ts}, {"channel_id", on.channel}}},
                                {"channel", {{"id", on.channel}}},
                                {"message", {{"ts", on.ts}}},
                                {"actions",
                                 {{{"action_id", "tt-0"},
                                   {"type", "button"},
                                   {"value", token},
                                   {"action_ts", action_ts}}}}}}}));
    }

    testing::TestBot bot;
    FakeSlack slack_;
    std::unique_ptr<connectors::Connector> slack;
};

TEST_F(SlackActionsTest, AClickUpdatesThePostOnceAndBadClicksAreAnsweredEphemerally) {
    bot.say("mia", "announce draft \"TwinTrack reports now cover WeChat.\"");
    ASSERT_TRUE(pump("chat.postMessage", 2));
    for (int i = 0; i < 100 && (request_to(kMax).ts.empty() || request_to(kZhou).ts.empty()); ++i) {
        bot.engine().drain();
        std::this_thread::sleep_for(10ms);
    }
    const Request max = request_to(kMax);
    const Request zhou = request_to(kZhou);
    ASSERT_THAT(max.tokens, SizeIs(2));
    ASSERT_THAT(zhou.tokens, SizeIs(2));
    ASSERT_FALSE(max.ts.empty());

    // Max approves: the handler runs and his post loses its buttons.
    click(kMax, max, max.tokens[0], "1795886860.000001");
    const auto update = pump("chat.update");
    ASSERT_TRUE(update);
    EXPECT_EQ(update->json_body["channel"], max.channel);
    EXPECT_EQ(update->json_body["ts"], max.ts);
    EXPECT_THAT(update->json_body["text"].get<std::string>(), HasSubstr("Approved by Max Manager"));
    EXPECT_EQ(AnnouncementTable(bot.store().db()).decisions(1).size(), 1u);

    // The same payload again (Slack retried the envelope) is applied once; then bad clicks.
    click(kMax, max, max.tokens[0], "1795886860.000001");
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
        click(c.user, c.on, c.token, "1795886861.00000" + std::to_string(++n));
        const auto answer = pump("chat.postEphemeral", n);
        ASSERT_TRUE(answer);
        EXPECT_EQ(answer->json_body["user"], c.user);
        EXPECT_EQ(answer->json_body["channel"], c.on.channel);
        EXPECT_THAT(answer->json_body["text"].get<std::string>(), HasSubstr(c.answer));
    }
    // Expired: 周强's own button, 15 days later.
    bot.clock().advance(std::chrono::hours(24 * 15));
    click(kZhou, zhou, zhou.tokens[0], "1795886862.000001");
    const auto expired = pump("chat.postEphemeral", ++n);
    ASSERT_TRUE(expired);
    EXPECT_THAT(expired->json_body["text"].get<std::string>(), HasSubstr("这个按钮已过期"));

    // The replay did nothing; the refusals were ephemeral only (each conversation's posts
    // go in order, so Max's answer went out before his refusals).
    EXPECT_THAT(slack_.calls("chat.update"), SizeIs(1));
    EXPECT_EQ(AnnouncementTable(bot.store().db()).decisions(1).size(), 1u);
    int approved = 0;
    for (const auto& c : slack_.calls("chat.postMessage")) {
        const std::string text = c.json_body.value("text", "");
        if (text.find("Approved announcement #1") != std::string::npos) ++approved;
        for (const auto& refusal : {"not valid", "already decided", "无效", "其他人", "过期"}) {
            EXPECT_EQ(text.find(refusal), std::string::npos) << text;
        }
    }
    EXPECT_EQ(approved, 1);
}

}  // namespace
}  // namespace twintrack::slack_test
