// Buttons end to end on the hub: the real engine (TestBot's) behind a real hub on a
// loopback port, driven by real WebSocket clients. A bot post carries its actions in the
// message frame; a click goes back as an `action` frame; the outcome replaces the
// buttons with an `update` frame and in the kept history.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/hub/hub_connector.hpp"
#include "core/source_dir.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using json = nlohmann::json;
using test_support::WsClient;

class HubActionsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        add("mia", "Mia Marketer", "marketing", "staff", "en");
        add("max", "Max Manager", "marketing", "manager", "en");
        add("zhou", "周强", "sales", "manager", "zh-CN");
        bot.engine().reload_directory();
        connectors::hub::HubSettings settings;
        settings.bind = "127.0.0.1";
        settings.port = 0;
        connectors::ConnectorContext context{data_.path(), core::source_dir() + "/prompts",
                                             &bot.clock(), std::make_shared<connectors::Roster>()};
        hub_ = connectors::hub::make_hub(settings, context);
        hub_->start(bot.engine());
        auto* raw = hub_.get();
        bot.engine().add_outlet(
            "hub",
            [raw](const core::Post& p, core::SendDone done) { raw->send(p, std::move(done)); },
            raw->shows_actions());
    }

    void TearDown() override { hub_->stop(); }

    void add(const std::string& handle, const std::string& name, const std::string& department,
             const std::string& role, const std::string& locale) {
        store::Person p;
        p.name = name;
        p.email = handle + "@example.com";
        p.department = department;
        p.role = role;
        p.timezone = locale == "en" ? "Europe/Berlin" : "Asia/Shanghai";
        p.locale = locale;
        p.work_start = 9 * 60;
        p.work_end = 18 * 60;
        p.identities = {{"hub", handle}};
        bot.store().people().upsert_by_email(p, core::to_millis(bot.clock().now()));
    }

    std::unique_ptr<WsClient> sign_in(const std::string& user,
                                      std::vector<json>* history = nullptr) {
        auto ws = std::make_unique<WsClient>();
        ws->connect("127.0.0.1", connectors::hub::listening_port(*hub_));
        ws->send_json({{"type", "hello"}, {"user", user}});
        const auto welcome = ws->wait_for_type("welcome");
        EXPECT_TRUE(welcome);
        if (!welcome) return ws;
        for (std::size_t i = 0; i < (*welcome)["channels"].size() + 1; ++i) {
            auto frame = ws->next_json();
            if (frame && history) history->push_back(*frame);
        }
        return ws;
    }

    /// Lets the engine handle what the hub pushed until `ws` receives a frame that
    /// matches (frames before it are discarded).
    std::optional<json> pump(WsClient& ws, const std::function<bool(const json&)>& match,
                             std::chrono::milliseconds timeout = 10s) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            bot.engine().drain();
            if (auto f = ws.wait_for(match, 20ms)) return f;
        }
        return std::nullopt;
    }

    static std::function<bool(const json&)> bot_text(const std::string& part) {
        return [part](const json& f) {
            return f.value("type", "") == "message" && f.value("user", "") == "twintrack" &&
                   f.value("text", "").find(part) != std::string::npos;
        };
    }

    TestBot bot;
    test_support::TempDir data_;
    std::unique_ptr<connectors::Connector> hub_;
};

TEST_F(HubActionsTest, AClickFrameRunsTheCommandAndTheHubPushesTheUpdatedPost) {
    auto mia = sign_in("mia");
    auto max = sign_in("max");
    auto zhou = sign_in("zhou");
    mia->send_json({{"type", "message"},
                    {"channel", "@twintrack"},
                    {"text", "announce draft \"Reports now cover WeChat.\""},
                    {"id", "c-1"}});
    const auto request = pump(*max, bot_text("drafted announcement #1"));
    ASSERT_TRUE(request);
    ASSERT_TRUE((*request)["actions"].is_array());
    ASSERT_EQ((*request)["actions"].size(), 2u);
    EXPECT_EQ((*request)["actions"][0]["label"], "Approve");
    EXPECT_EQ((*request)["actions"][0]["style"], "primary");
    EXPECT_EQ((*request)["actions"][0]["typed"], "approve 1");
    const std::string message_id = (*request)["id"];
    const std::string approve = (*request)["actions"][0]["token"];
    const auto zh_request = pump(*zhou, bot_text("#1"));
    ASSERT_TRUE(zh_request);
    EXPECT_EQ((*zh_request)["actions"][0]["label"], "批准");

    const json click = {
        {"type", "action"}, {"message", message_id}, {"token", approve}, {"id", "c-2"}};
    max->send_json(click);
    const auto update = pump(*max, [&](const json& f) {
        return f.value("type", "") == "update" && f.value("id", "") == message_id;
    });
    ASSERT_TRUE(update);
    EXPECT_EQ((*update)["channel"], "@twintrack");
    EXPECT_THAT((*update)["text"].get<std::string>(),
                HasSubstr("\nApproved by Max Manager at 10:00"));
    EXPECT_TRUE((*update)["actions"].empty());
    EXPECT_TRUE(pump(*max, bot_text("Approved announcement #1 for Marketing")));

    // The same click again (a replay) is dropped; a new click on the old token is told
    // the outcome, in a `private` frame to Max's sockets only (kept nowhere), next to
    // the clicked message.
    max->send_json(click);
    max->send_json(
        {{"type", "action"}, {"message", message_id}, {"token", approve}, {"id", "c-3"}});
    const auto again = pump(*max, [](const json& f) {
        return f.value("type", "") == "message" || f.value("type", "") == "private";
    });
    ASSERT_TRUE(again);
    EXPECT_EQ((*again)["type"], "private");
    EXPECT_EQ((*again)["text"], "This was already decided: Approved by Max Manager at 10:00");
    EXPECT_EQ((*again)["channel"], "@twintrack");
    EXPECT_EQ((*again)["reply_to"], message_id);

    // 周强 presses Max's button with his own message id: not his, answered in Chinese,
    // privately.
    zhou->send_json(
        {{"type", "action"}, {"message", (*zh_request)["id"]}, {"token", approve}, {"id", "z-1"}});
    const auto refused = pump(*zhou, [](const json& f) {
        return f.value("type", "") == "message" || f.value("type", "") == "private";
    });
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)["type"], "private");
    EXPECT_THAT((*refused)["text"].get<std::string>(), HasSubstr("这个按钮无效"));
    const auto private_answer = [&](WsClient& ws, const std::string& part) {
        return pump(ws, [part](const json& f) {
            return f.value("type", "") == "private" &&
                   f.value("text", "").find(part) != std::string::npos;
        });
    };
    // The same button on Max's post: meant for someone else.
    zhou->send_json(
        {{"type", "action"}, {"message", message_id}, {"token", approve}, {"id", "z-2"}});
    EXPECT_TRUE(private_answer(*zhou, "这个按钮是给其他人的"));
    // His own button, 15 days later: expired.
    bot.clock().advance(std::chrono::hours(24 * 15));
    zhou->send_json({{"type", "action"},
                     {"message", (*zh_request)["id"]},
                     {"token", (*zh_request)["actions"][0]["token"]},
                     {"id", "z-3"}});
    EXPECT_TRUE(private_answer(*zhou, "这个按钮已过期"));

    // A reload shows the post with the outcome and without buttons.
    std::vector<json> history;
    auto reloaded = sign_in("max", &history);
    bool seen = false;
    for (const auto& h : history) {
        if (h["channel"] != "@twintrack") continue;
        for (const auto& m : h["messages"]) {
            if (m.value("id", "") != message_id) continue;
            seen = true;
            EXPECT_THAT(m["text"].get<std::string>(), HasSubstr("Approved by Max Manager"));
            EXPECT_FALSE(m.contains("actions"));
        }
        for (const auto& m : h["messages"]) {  // the private answer was not kept
            EXPECT_THAT(m.value("text", ""), ::testing::Not(HasSubstr("already decided")));
        }
    }
    EXPECT_TRUE(seen);
}

TEST_F(HubActionsTest, MalformedActionFramesAreAnsweredWithErrorFrames) {
    struct Case {
        const char* name;
        json frame;
        const char* code;
    };
    const std::vector<Case> cases = {
        {"no token", {{"type", "action"}, {"message", "m-1"}, {"id", "a-1"}}, "bad_request"},
        {"token not a string",
         {{"type", "action"}, {"message", "m-1"}, {"token", 5}, {"id", "a-2"}},
         "bad_request"},
        {"empty token", {{"type", "action"}, {"message", "m-1"}, {"token", ""}}, "bad_request"},
        {"token too long",
         {{"type", "action"}, {"message", "m-1"}, {"token", std::string(600, 'x')}},
         "bad_request"},
        {"message with a space",
         {{"type", "action"}, {"message", "a b"}, {"token", "t"}},
         "bad_request"},
        {"bad id",
         {{"type", "action"}, {"message", "m-1"}, {"token", "t"}, {"id", 7}},
         "bad_request"},
    };
    auto anonymous = std::make_unique<WsClient>();
    anonymous->connect("127.0.0.1", connectors::hub::listening_port(*hub_));
    anonymous->send_json({{"type", "action"}, {"message", "m-1"}, {"token", "t"}});
    const auto refused = anonymous->wait_for_type("error");
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)["code"], "not_authenticated");

    auto max = sign_in("max");
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        max->send_json(c.frame);
        const auto error = max->wait_for_type("error");
        ASSERT_TRUE(error);
        EXPECT_EQ((*error)["code"], c.code);
    }
    // A well-formed frame with a forged token reaches the bot, which answers privately
    // (a `private` frame; the hub does not know message m-1, so it names the direct
    // conversation).
    max->send_json({{"type", "action"}, {"message", "m-1"}, {"token", "v1.1.0.*.1.ff"}});
    const auto refused_privately = pump(*max, [](const json& f) {
        return f.value("type", "") == "private" &&
               f.value("text", "").find("That button is not valid") != std::string::npos;
    });
    ASSERT_TRUE(refused_privately);
    EXPECT_EQ((*refused_privately)["channel"], "@twintrack");
    EXPECT_EQ((*refused_privately)["reply_to"], "m-1");
}

}  // namespace
}  // namespace twintrack::testing
