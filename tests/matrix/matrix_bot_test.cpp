// Commands end to end on Matrix: the real engine (TestBot's) behind the Matrix connector
// and the fake homeserver. A command in a direct chat is answered there, in the writer's
// language (an English and a Chinese reader of the people directory). A bridge between a
// hub channel (played by the test) and a Matrix room: edits and deletes of the hub go to
// Matrix as m.replace and redactions, Matrix edits, redactions and replies reach the hub,
// and a command edited on Matrix is not run again.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "bot/features/bridge/bridge.hpp"
#include "connectors/matrix/matrix_connector.hpp"
#include "core/source_dir.hpp"
#include "tests/matrix/fake_homeserver.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::matrix_test {
namespace {

using connectors::matrix::matrix_status;
using connectors::matrix::MatrixSettings;
using ::testing::HasSubstr;

class MatrixBotTest : public ::testing::Test {
  protected:
    void SetUp() override {
        add("ann@example.com", "Ann Marketer", "marketing", "en", "@ann:fake");
        add("li@example.com", "李娜", "sales", "zh-CN", "@li:fake");
        bot.engine().reload_directory();
        fake.set_direct("@ann:fake", "!ann-dm:fake");
        fake.set_direct("@li:fake", "!li-dm:fake");
        MatrixSettings s;
        s.name = "matrix";
        s.homeserver = fake.url();
        s.user = "tt";
        s.password = core::Secret("TT_MATRIX_PASSWORD", FakeHomeserver::bot_password);
        s.backoff_initial = 100ms;
        connectors::ConnectorContext context;
        context.clock = &bot.clock();
        context.data_dir = dir.path();
        context.prompts_dir = core::source_dir() + "/prompts";
        matrix = connectors::matrix::make_matrix(std::move(s), context);
        matrix->start(bot.engine());
        auto* raw = matrix.get();
        bot.engine().add_outlet(
            "matrix",
            [raw](const core::Post& p, core::SendDone done) { raw->send(p, std::move(done)); },
            raw->shows_actions());
        ASSERT_TRUE(fake.wait([&] { return matrix_status(*matrix).syncs > 0; }));
    }

    void TearDown() override { matrix->stop(); }

    void add(const std::string& email, const std::string& name, const std::string& department,
             const std::string& locale, const std::string& matrix_id) {
        store::Person p;
        p.name = name;
        p.email = email;
        p.department = department;
        p.role = "staff";
        p.timezone = locale == "en" ? "Europe/Berlin" : "Asia/Shanghai";
        p.locale = locale;
        p.work_start = 9 * 60;
        p.work_end = 18 * 60;
        p.identities = {{"matrix", matrix_id}};
        bot.store().people().upsert_by_email(p, core::to_millis(bot.clock().now()));
    }

    /// Lets the engine handle what the connector pushed until a message went to `room`.
    std::optional<Sent> answer_in(const std::string& room) {
        std::optional<Sent> found;
        fake.wait([&] {
            bot.engine().drain();
            for (const auto& s : fake.sent()) {
                if (s.room == room && !s.repeat) {
                    found = s;
                    return true;
                }
            }
            return false;
        });
        return found;
    }

    testing::TestBot bot;
    FakeHomeserver fake;
    test_support::TempDir dir;
    std::unique_ptr<connectors::Connector> matrix;
};

TEST_F(MatrixBotTest, ADirectCommandIsAnsweredInTheWritersLanguage) {
    fake.push_message("!ann-dm:fake", "@ann:fake", {{"msgtype", "m.text"}, {"body", "help"}});
    auto en = answer_in("!ann-dm:fake");
    ASSERT_TRUE(en);
    EXPECT_EQ(en->content.value("msgtype", ""), "m.notice");
    EXPECT_THAT(en->content.value("body", ""), HasSubstr("\"help all\""));

    fake.push_message("!li-dm:fake", "@li:fake", {{"msgtype", "m.text"}, {"body", "帮助"}});
    auto zh = answer_in("!li-dm:fake");
    ASSERT_TRUE(zh);
    EXPECT_THAT(zh->content.value("body", ""), HasSubstr("“帮助 全部”"));
}

// --- the bridge ---------------------------------------------------------------------

const std::string kJoint = "!joint:fake";

bot::BotSettings bridged() {
    bot::BotSettings s;
    s.default_locale = "en";
    s.features.edit<bot::bridge::BridgeSettings>().bridges = {
        {"joint", {{"hub", "joint"}, {"matrix", kJoint}}}};
    return s;
}

json text(const std::string& body) { return {{"msgtype", "m.text"}, {"body", body}}; }

json edit_of(const std::string& original, const std::string& body) {
    return {{"msgtype", "m.text"},
            {"body", "* " + body},
            {"m.new_content", {{"msgtype", "m.text"}, {"body", body}}},
            {"m.relates_to", {{"rel_type", "m.replace"}, {"event_id", original}}}};
}

class MatrixBridgeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store::Person bob;
        bob.name = "Bob";
        bob.email = "bob@example.com";
        bob.department = "sales";
        bob.role = "staff";
        bob.timezone = "Europe/Berlin";
        bob.locale = "en";
        bob.work_start = 9 * 60;
        bob.work_end = 18 * 60;
        bob.identities = {{"matrix", "@bob:fake"}};
        bot.store().people().upsert_by_email(bob, core::to_millis(bot.clock().now()));
        bot.engine().reload_directory();
        MatrixSettings s;
        s.name = "matrix";
        s.homeserver = fake.url();
        s.user = "tt";
        s.password = core::Secret("TT_MATRIX_PASSWORD", FakeHomeserver::bot_password);
        s.channels = {{kJoint, "joint"}};
        s.backoff_initial = 100ms;
        connectors::ConnectorContext context;
        context.clock = &bot.clock();
        context.data_dir = dir.path();
        context.prompts_dir = core::source_dir() + "/prompts";
        matrix = connectors::matrix::make_matrix(std::move(s), context);
        matrix->start(bot.engine());
        auto* raw = matrix.get();
        bot.engine().add_outlet("matrix", [this, raw](const core::Post& p, core::SendDone done) {
            matrix_posts.push_back(p);
            raw->send(p, [this, done](core::SendResult r) {
                done(std::move(r));
                ++matrix_answers;
            });
        });
        bot.engine().set_abilities("matrix", raw->abilities());
        // The hub, as the test plays it: each post gets the id hub-N.
        bot.engine().add_outlet("hub", [this](const core::Post& p, core::SendDone done) {
            hub_posts.push_back(p);
            done({true, p.edits.empty() ? "hub-" + std::to_string(hub_posts.size()) : p.edits, "",
                  true});
        });
        bot.engine().set_abilities("hub", {true, true, false});
        ASSERT_TRUE(fake.wait([&] { return matrix_status(*matrix).syncs > 0; }));
    }

    void TearDown() override { matrix->stop(); }

    /// Lets the engine handle what came in and what was confirmed until `pred` holds.
    bool until(const std::function<bool()>& pred) {
        const bool ok = fake.wait([&] {
            bot.engine().drain();
            return pred();
        });
        bot.engine().drain();
        return ok;
    }

    /// Waits until the connector answered `n` posts and the engine recorded the answers.
    bool answered(int n) {
        return until([&] { return matrix_answers.load() >= n; });
    }

    core::Event hub_event(core::EventKind kind, const std::string& id, const std::string& text,
                          const std::string& target = "") {
        core::Event e;
        e.kind = kind;
        e.id = "hub:" + id;
        e.where = {"hub", "joint", ""};
        e.who = {"hub", "ann", "Ann"};
        e.text = text;
        e.target = target;
        if (kind == core::EventKind::message) e.extra = {{"message_id", id}};
        return e;
    }

    testing::TestBot bot{testing::TestBot::default_start(), bridged()};
    FakeHomeserver fake;
    test_support::TempDir dir;
    std::unique_ptr<connectors::Connector> matrix;
    std::vector<core::Post> matrix_posts;  // handed to the connector (engine thread)
    std::atomic<int> matrix_answers{0};
    std::vector<core::Post> hub_posts;
};

TEST_F(MatrixBridgeTest, AnEditAndADeleteOnTheHubReachMatrixAsReplacementAndRedaction) {
    bot.deliver(hub_event(core::EventKind::message, "h1", "Meet at 3"));
    auto copy = fake.wait_sent(1);
    ASSERT_TRUE(copy);
    EXPECT_EQ(copy->room, kJoint);
    EXPECT_EQ(copy->content.value("body", ""), "Ann (hub): Meet at 3");
    ASSERT_TRUE(answered(1));

    bot.deliver(hub_event(core::EventKind::edit, "e1", "Meet at 4", "h1"));
    auto edit = fake.wait_sent(2);
    ASSERT_TRUE(edit);
    EXPECT_EQ(edit->room, kJoint);
    EXPECT_EQ(edit->content["m.relates_to"].value("rel_type", ""), "m.replace");
    EXPECT_EQ(edit->content["m.relates_to"].value("event_id", ""), copy->event_id);
    EXPECT_EQ(edit->content["m.new_content"].value("body", ""), "Ann (hub): Meet at 4");
    EXPECT_EQ(edit->content.value("body", ""), "* Ann (hub): Meet at 4");
    ASSERT_TRUE(answered(2));

    bot.deliver(hub_event(core::EventKind::remove, "d1", "", "h1"));
    auto redaction = fake.wait_redaction(1);
    ASSERT_TRUE(redaction);
    EXPECT_EQ(redaction->room, kJoint);
    EXPECT_EQ(redaction->redacts, copy->event_id);
    ASSERT_TRUE(answered(3));
    // Nothing else went to Matrix (no "(edited)" message), nothing came back to the hub.
    EXPECT_EQ(fake.sent().size(), 2u);
    EXPECT_TRUE(hub_posts.empty());
}

TEST_F(MatrixBridgeTest, AnEditARedactionAndAReplyOnMatrixReachTheHub) {
    const std::string m1 = fake.push_message(kJoint, "@bob:fake", text("Meet at 5"));
    ASSERT_TRUE(until([&] { return hub_posts.size() >= 1; }));
    EXPECT_EQ(hub_posts[0].text, "Bob (matrix): Meet at 5");
    EXPECT_EQ(hub_posts[0].to.channel, "joint");

    fake.push_message(kJoint, "@bob:fake", edit_of(m1, "Meet at 6"));
    ASSERT_TRUE(until([&] { return hub_posts.size() >= 2; }));
    EXPECT_EQ(hub_posts[1].edits, "hub-1");
    EXPECT_EQ(hub_posts[1].text, "Bob (matrix): Meet at 6");

    // bob answers the Matrix copy of a hub message: the hub shows what it answers.
    bot.deliver(hub_event(core::EventKind::message, "h2", "Which room?"));
    auto copy = fake.wait_sent(1);
    ASSERT_TRUE(copy);
    ASSERT_TRUE(answered(1));
    fake.push_message(kJoint, "@bob:fake",
                      {{"msgtype", "m.text"},
                       {"body", "> <@tt:fake> Ann (hub): Which room?\n\nRoom 4"},
                       {"m.relates_to", {{"m.in_reply_to", {{"event_id", copy->event_id}}}}}});
    ASSERT_TRUE(until([&] { return hub_posts.size() >= 3; }));
    EXPECT_EQ(hub_posts[2].text, "Bob (matrix): Room 4");
    EXPECT_EQ(hub_posts[2].reply_to, "h2");

    fake.push_redaction(kJoint, "@bob:fake", m1);
    ASSERT_TRUE(until([&] { return hub_posts.size() >= 4; }));
    EXPECT_EQ(hub_posts[3].deletes, "hub-1");

    // An edit of a message the bot never saw changes nothing anywhere.
    fake.push_message(kJoint, "@bob:fake", edit_of("$from-before", "rewritten"));
    fake.push_message(kJoint, "@bob:fake", text("marker"));
    ASSERT_TRUE(until([&] { return hub_posts.size() >= 5; }));
    EXPECT_EQ(hub_posts[4].text, "Bob (matrix): marker");
    EXPECT_EQ(hub_posts.size(), 5u);
    EXPECT_EQ(matrix_posts.size(), 1u);  // only the hub's "Which room?"
}

TEST_F(MatrixBridgeTest, ACommandEditedOnMatrixIsNotRunAgainNorRelayed) {
    const std::string command = fake.push_message(kJoint, "@bob:fake", text("!help"));
    ASSERT_TRUE(until([&] { return !matrix_posts.empty(); }));
    ASSERT_EQ(matrix_posts.size(), 1u);  // the answer, in the room asked
    EXPECT_EQ(matrix_posts[0].to.channel, kJoint);
    fake.push_message(kJoint, "@bob:fake", edit_of(command, "!help all"));
    fake.push_message(kJoint, "@bob:fake", text("marker"));
    ASSERT_TRUE(until([&] { return !hub_posts.empty(); }));
    EXPECT_EQ(matrix_posts.size(), 1u) << "the edited command ran again";
    ASSERT_EQ(hub_posts.size(), 1u);
    EXPECT_EQ(hub_posts[0].text, "Bob (matrix): marker");
}

}  // namespace
}  // namespace twintrack::matrix_test
