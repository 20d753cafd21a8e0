// The bridge end to end across five platforms in one engine: the hub (played by the
// test), IRC (a real ngircd), XMPP (a real Prosody), Slack (the fake Slack, Socket Mode)
// and Matrix (the fake homeserver), each with its real connector. A message from each
// platform reaches every other platform once; a reply in a Slack thread, an edit and a
// delete follow where the platform supports them; the links survive a restart of the
// engine on the same store (an edit and a delete after it still reach the copies); a homeserver
// that is down gets what it missed, in order and once, when it is back, and so does an IRC server
// that crashed. An image from Slack, Matrix and XMPP reaches every other platform once: as
// an attachment on the hub, as an upload on Slack, Matrix and XMPP (Prosody's XEP-0363
// upload service), as a note or a link on IRC; one waiting for a homeserver that is down
// goes up after a restart.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <sstream>
#include <thread>

#include "bot/features/bridge/bridge.hpp"
#include "connectors/irc/irc_connector.hpp"
#include "connectors/matrix/matrix_connector.hpp"
#include "connectors/slack/slack_connector.hpp"
#include "connectors/xmpp/xmpp_connector.hpp"
#include "core/clock.hpp"
#include "core/event_files.hpp"
#include "core/source_dir.hpp"
#include "tests/irc/irc_client.hpp"
#include "tests/irc/ngircd_fixture.hpp"
#include "tests/matrix/fake_homeserver.hpp"
#include "tests/slack/fake_slack.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/testbot/test_bot.hpp"
#include "tests/xmpp/prosody_fixture.hpp"
#include "tests/xmpp/xmpp_client.hpp"

namespace twintrack::bridge_e2e_test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using matrix_test::FakeHomeserver;
using matrix_test::Sent;
using ::testing::ElementsAre;

const std::string kSlack = "C0JOINT01";
const std::string kMatrix = "!joint:fake";
const std::string kXmpp = "joint@conference.localhost";
const std::string kIrc = "#joint";
const std::string kSara = "USARA0001";  // on Slack
const std::string kBob = "@bob:fake";   // on Matrix
const std::string kBotCopies = kXmpp + "/twintrack";

bot::BotSettings bridge_settings() {
    bot::BotSettings s;
    s.default_locale = "en";
    s.features.edit<bot::bridge::BridgeSettings>().bridges = {{"joint",
                                                               {{"hub", "joint"},
                                                                {"slack", kSlack},
                                                                {"matrix", kMatrix},
                                                                {"xmpp", kXmpp},
                                                                {"irc", kIrc}}}};
    return s;
}

/// The hub as the bridge sees it: keeps what it is sent, ids hub-1, hub-2, ...
struct FakeHub {
    std::mutex mu;
    std::vector<core::Post> posts;
    int next = 0;
    std::vector<core::Post> all() {
        std::lock_guard<std::mutex> lock(mu);
        return posts;
    }
};

class BridgeE2ETest : public ::testing::Test {
  protected:
    void SetUp() override {
        prosody.add_account("twintrack", "bot-secret");
        prosody.add_account("alice", "alice-secret");
        slack_.add_user(kSara, "Sara");
        store::Person bob;
        bob.name = "Bob";
        bob.email = "bob@example.com";
        bob.department = "sales";
        bob.role = "staff";
        bob.timezone = "Europe/Berlin";
        bob.locale = "en";
        bob.work_start = 9 * 60;
        bob.work_end = 18 * 60;
        bob.identities = {{"matrix", kBob}};
        bot.store().people().upsert_by_email(bob, core::to_millis(bot.clock().now()));
        dave = std::make_unique<irc_test::IrcClient>(ngircd.port(), "dave");
        dave->join(kIrc);
        ASSERT_NO_FATAL_FAILURE(attach());
        alice = std::make_unique<xmpp_test::XmppClient>(prosody.port(), "alice", "alice-secret");
        ASSERT_TRUE(alice->join(kXmpp, "Alice"));
    }

    void TearDown() override { detach(); }

    /// Starts the four connectors behind the engine and waits until each is live.
    void attach() {
        bot.engine().reload_directory();
        connectors::ConnectorContext context{dir.path(), core::source_dir() + "/prompts", &clock,
                                             nullptr};
        {
            connectors::irc::IrcSettings s;
            s.server = "127.0.0.1";
            s.port = ngircd.port();
            s.nick = "twintrack";
            s.channels = {{kIrc, "", "joint"}};
            s.flood_burst = 100;
            s.replay_window = 0ms;  // ngircd plays no history back
            s.backoff_initial = 200ms;
            s.backoff_max = 1s;
            irc = connectors::irc::make_irc(std::move(s), context);
        }
        {
            connectors::xmpp::XmppSettings s;
            s.jid = "twintrack@localhost";
            s.password = core::Secret("XMPP_PASSWORD", "bot-secret");
            s.server = "127.0.0.1";
            s.port = prosody.port();
            s.tls = connectors::xmpp::TlsMode::optional;
            s.nick = "twintrack";
            s.rooms = {{kXmpp, "joint"}};
            s.backoff_initial = 200ms;
            s.backoff_max = 1s;
            xmpp = connectors::xmpp::make_xmpp(std::move(s), context);
        }
        {
            connectors::slack::SlackSettings s;
            s.bot_token = core::Secret("SLACK_BOT_TOKEN", "xoxb-test");
            s.app_token = core::Secret("SLACK_APP_TOKEN", "xapp-1-test");
            s.api_url = slack_.api_url();
            s.backoff_initial = 50ms;
            s.backoff_max = 400ms;
            slack = connectors::slack::make_slack(std::move(s), context);
        }
        {
            connectors::matrix::MatrixSettings s;
            s.homeserver = matrix_.url();
            s.user = "tt";
            s.password = core::Secret("TT_MATRIX_PASSWORD", FakeHomeserver::bot_password);
            s.channels = {{kMatrix, "joint"}};
            s.backoff_initial = 100ms;
            s.backoff_max = 1s;
            matrix = connectors::matrix::make_matrix(std::move(s), context);
        }
        auto& engine = bot.engine();
        engine.add_outlet("hub", [this](const core::Post& p, core::SendDone done) {
            std::string id;
            {
                std::lock_guard<std::mutex> lock(hub.mu);
                hub.posts.push_back(p);
                id = p.edits.empty() ? "hub-" + std::to_string(++hub.next) : p.edits;
            }
            done({true, id, "", true});
        });
        engine.set_abilities("hub", {true, true, false});
        bot::bridge::set_file_abilities(engine, "hub", {true, false});
        const auto& bridges = engine.settings().features.get<bot::bridge::BridgeSettings>();
        for (auto* c : {irc.get(), xmpp.get(), slack.get(), matrix.get()}) {
            engine.add_outlet(
                c->name(), [c](const core::Post& p, core::SendDone done) { c->send(p, done); },
                c->shows_actions());
            engine.set_abilities(c->name(), c->abilities());
            bot::bridge::set_file_abilities(
                engine, c->name(), {c->shows_images(), c->shows_files(), c->wants_file_links()});
            c->fetch_files_up_to(bot::bridge::file_limit(bridges, c->name()));
            c->start(engine);
        }
        const int sockets = slack_.sockets();
        ASSERT_TRUE(slack_.wait_sockets(sockets + 1));
        ASSERT_TRUE(slack_.send_json({{"type", "hello"}, {"num_connections", 1}}));
        ASSERT_TRUE(eventually([&] {
            const auto i = connectors::irc::irc_status(*irc);
            const auto x = connectors::xmpp::xmpp_status(*xmpp);
            return std::count(i.live.begin(), i.live.end(), kIrc) == 1 && x.online &&
                   std::count(x.live.begin(), x.live.end(), kXmpp) == 1 &&
                   connectors::slack::slack_status(*slack).connected &&
                   // Signed in and syncing (after a restart the first sync is a
                   // long-poll that answers only when something happens).
                   (connectors::matrix::matrix_status(*matrix).syncs > 0 ||
                    matrix_.waiting_polls() > 0);
        })) << ngircd.log()
            << prosody.log();
    }

    void detach() {
        for (auto* c : {irc.get(), xmpp.get(), slack.get(), matrix.get()}) {
            if (c != nullptr) c->stop();
        }
    }

    /// Runs the engine until `pred` holds (30 s at most); `tick` also moves its clock,
    /// so that the outbox's retries come due.
    bool eventually(const std::function<bool()>& pred, bool tick = false) {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (tick) {
                bot.advance(1s);
            } else {
                bot.engine().drain();
            }
            if (pred()) return true;
            std::this_thread::sleep_for(20ms);
        }
        bot.engine().drain();
        return pred();
    }

    /// The bridge's count of `state` posts to `connector` (from /metrics).
    int bridged(const std::string& connector, const std::string& state = "relayed") {
        std::istringstream in(bot.engine().telemetry()->render());
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("twintrack_bridge_posts{", 0) == 0 &&
                line.find("connector=\"" + connector + "\"") != std::string::npos &&
                line.find("state=\"" + state + "\"") != std::string::npos) {
                return std::stoi(line.substr(line.rfind(' ') + 1));
            }
        }
        return 0;
    }

    /// Waits until the platforms confirmed this many copies each (hub, slack, matrix,
    /// xmpp, irc), so that the map of ids holds them.
    bool confirmed(int hub_n, int slack_n, int matrix_n, int xmpp_n, int irc_n) {
        return eventually([&] {
            return bridged("hub") >= hub_n && bridged("slack") >= slack_n &&
                   bridged("matrix") >= matrix_n && bridged("xmpp") >= xmpp_n &&
                   bridged("irc") >= irc_n;
        });
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

    /// Sara writes on Slack (in the thread `thread_ts` when given); returns the ts.
    std::string sara_says(const std::string& text, const std::string& thread_ts = "") {
        const std::string ts = std::to_string(1700000000 + ++slack_seq) + ".000100";
        json event = slack_test::message_event(kSlack, kSara, text, ts);
        if (!thread_ts.empty()) event["thread_ts"] = thread_ts;
        const std::string envelope = "env-" + std::to_string(slack_seq);
        EXPECT_TRUE(slack_.send_json(
            slack_test::events_api_envelope(envelope, "Ev" + std::to_string(slack_seq), event)));
        EXPECT_EQ(slack_.wait_ack(envelope), 1);
        return ts;
    }

    std::vector<std::string> slack_texts() {
        std::vector<std::string> out;
        for (const auto& c : slack_.calls("chat.postMessage")) {
            if (c.json_body.value("channel", "") == kSlack) {
                out.push_back(c.json_body.value("text", ""));
            }
        }
        return out;
    }
    std::optional<slack_test::ApiCall> slack_post(const std::string& text) {
        for (const auto& c : slack_.calls("chat.postMessage")) {
            if (c.json_body.value("text", "") == text) return c;
        }
        return std::nullopt;
    }
    std::vector<std::string> matrix_texts() {
        std::vector<std::string> out;
        for (const auto& s : matrix_.sent()) {
            if (s.room == kMatrix && !s.repeat) out.push_back(s.content.value("body", ""));
        }
        return out;
    }
    std::optional<Sent> matrix_post(const std::string& body) {
        for (const auto& s : matrix_.sent()) {
            if (s.room == kMatrix && !s.repeat && s.content.value("body", "") == body) return s;
        }
        return std::nullopt;
    }
    std::vector<std::string> hub_texts() {
        std::vector<std::string> out;
        for (const auto& p : hub.all()) out.push_back(p.text);
        return out;
    }
    std::optional<core::Post> hub_post(const std::string& text) {
        for (const auto& p : hub.all()) {
            if (p.text == text) return p;
        }
        return std::nullopt;
    }
    /// The next copy in the XMPP room that matches, taken (running the engine meanwhile).
    std::optional<xmpp_test::Received> xmpp_copy(
        const std::function<bool(const xmpp_test::Received&)>& match) {
        std::optional<xmpp_test::Received> got;
        eventually([&] {
            got = alice->wait_for(
                [&](const xmpp_test::Received& r) { return r.from == kBotCopies && match(r); },
                20ms);
            return got.has_value();
        });
        return got;
    }
    std::optional<xmpp_test::Received> xmpp_copy(const std::string& body) {
        return xmpp_copy([&](const xmpp_test::Received& r) {
            return r.body == body && r.replace_id.empty() && r.retract_id.empty();
        });
    }
    /// Waits (running the engine) for `text` from the bot on IRC; taken.
    bool irc_copy(const std::string& text) {
        return eventually([&] {
            return dave
                ->wait_for(
                    [&](const connectors::irc::Message& m) {
                        return m.command == "PRIVMSG" && m.nick() == "twintrack" &&
                               m.param(0) == kIrc && m.param(1) == text;
                    },
                    20ms)
                .has_value();
        });
    }
    /// Sends a last hub message and waits for it everywhere: every copy before it (the
    /// outbox keeps the order per channel) has arrived too. Returns what IRC and XMPP
    /// got before it that was not taken yet.
    void flush(std::vector<std::string>* irc_rest, std::vector<std::string>* xmpp_rest) {
        bot.deliver(hub_event(core::EventKind::message, "end", "the end"));
        ASSERT_TRUE(eventually(
            [&] { return slack_post("Ann (hub): the end") && matrix_post("Ann (hub): the end"); }));
        ASSERT_TRUE(xmpp_copy("Ann (hub): the end"));
        // What the room sent Alice before "the end", not taken yet.
        *xmpp_rest = alice->bodies_until_quiet(kBotCopies, 100ms);
        // IRC: the lines before "the end" are kept by the client.
        ASSERT_TRUE(irc_copy("Ann (hub): the end"));
        *irc_rest = dave->privmsgs_until_quiet("twintrack", 100ms);
    }

    irc_test::Ngircd ngircd;
    xmpp_test::Prosody prosody{false, 1 << 20};  // with its upload service
    slack_test::FakeSlack slack_;
    FakeHomeserver matrix_;
    test_support::TempDir dir;
    core::SystemClock clock;
    testing::TestBot bot{testing::TestBot::default_start(), bridge_settings()};
    FakeHub hub;
    int slack_seq = 0;
    std::unique_ptr<irc_test::IrcClient> dave;
    std::unique_ptr<xmpp_test::XmppClient> alice;
    std::unique_ptr<connectors::Connector> irc, xmpp, slack, matrix;
};

json matrix_text(const std::string& body) { return {{"msgtype", "m.text"}, {"body", body}}; }

TEST_F(BridgeE2ETest, AMessageFromEachPlatformReachesEveryOtherOnce) {
    // Each message is awaited everywhere before the next, so that the order is known.
    bot.deliver(hub_event(core::EventKind::message, "h1", "hello from the hub"));
    ASSERT_TRUE(irc_copy("Ann (hub): hello from the hub"));
    ASSERT_TRUE(xmpp_copy("Ann (hub): hello from the hub"));
    ASSERT_TRUE(confirmed(0, 1, 1, 1, 1));

    sara_says("hello from Slack");
    ASSERT_TRUE(irc_copy("Sara (slack): hello from Slack"));
    ASSERT_TRUE(xmpp_copy("Sara (slack): hello from Slack"));
    ASSERT_TRUE(confirmed(1, 1, 2, 2, 2));

    matrix_.push_message(kMatrix, kBob, matrix_text("hello from Matrix"));
    ASSERT_TRUE(irc_copy("Bob (matrix): hello from Matrix"));
    ASSERT_TRUE(xmpp_copy("Bob (matrix): hello from Matrix"));
    ASSERT_TRUE(confirmed(2, 2, 2, 3, 3));

    alice->say(kXmpp, "hello from XMPP", "groupchat", "al-1");
    ASSERT_TRUE(irc_copy("Alice (xmpp): hello from XMPP"));
    ASSERT_TRUE(confirmed(3, 3, 3, 3, 4));

    dave->say(kIrc, "hello from IRC");
    ASSERT_TRUE(xmpp_copy("dave (irc): hello from IRC"));
    ASSERT_TRUE(confirmed(4, 4, 4, 4, 4));

    std::vector<std::string> irc_rest, xmpp_rest;
    ASSERT_NO_FATAL_FAILURE(flush(&irc_rest, &xmpp_rest));
    // Nothing more on IRC and XMPP than what was taken above: no doubles, no echoes.
    EXPECT_THAT(irc_rest, ::testing::IsEmpty());
    EXPECT_THAT(xmpp_rest, ::testing::IsEmpty());
    EXPECT_THAT(hub_texts(),
                ElementsAre("Sara (slack): hello from Slack", "Bob (matrix): hello from Matrix",
                            "Alice (xmpp): hello from XMPP", "dave (irc): hello from IRC"));
    EXPECT_THAT(slack_texts(),
                ElementsAre("Ann (hub): hello from the hub", "Bob (matrix): hello from Matrix",
                            "Alice (xmpp): hello from XMPP", "dave (irc): hello from IRC",
                            "Ann (hub): the end"));
    EXPECT_THAT(matrix_texts(),
                ElementsAre("Ann (hub): hello from the hub", "Sara (slack): hello from Slack",
                            "Alice (xmpp): hello from XMPP", "dave (irc): hello from IRC",
                            "Ann (hub): the end"));
}

TEST_F(BridgeE2ETest, AReplyInASlackThreadAnEditAndADeleteFollowWherePossible) {
    bot.deliver(hub_event(core::EventKind::message, "h1", "Meet at 3"));
    ASSERT_TRUE(irc_copy("Ann (hub): Meet at 3"));
    auto xmpp_original = xmpp_copy("Ann (hub): Meet at 3");
    ASSERT_TRUE(xmpp_original);
    ASSERT_TRUE(confirmed(0, 1, 1, 1, 1));
    // The room's echo of the copy tells the bot its stanza-id, which replies name: await
    // it, so that the reply below is not sent before the bot knows it.
    ASSERT_TRUE(eventually([&] { return connectors::xmpp::xmpp_status(*xmpp).own_skipped >= 1; }));
    auto slack_original = slack_post("Ann (hub): Meet at 3");
    auto matrix_original = matrix_post("Ann (hub): Meet at 3");
    ASSERT_TRUE(slack_original);
    ASSERT_TRUE(matrix_original);
    ASSERT_EQ(slack_.calls("chat.postMessage").size(), 1u);

    // Sara answers the Slack copy in its thread (the fake gives its first post this ts).
    const std::string thread = "1503435957.000200";
    sara_says("Room 4?", thread);
    ASSERT_TRUE(irc_copy("Sara (slack): Room 4?"));  // IRC: a plain message
    auto xmpp_reply = xmpp_copy("Sara (slack): Room 4?");
    ASSERT_TRUE(xmpp_reply);
    ASSERT_TRUE(confirmed(1, 1, 2, 2, 2));
    auto hub_reply = hub_post("Sara (slack): Room 4?");
    ASSERT_TRUE(hub_reply);
    EXPECT_EQ(hub_reply->reply_to, "h1");
    auto matrix_reply = matrix_post("Sara (slack): Room 4?");
    ASSERT_TRUE(matrix_reply);
    const json relates = matrix_reply->content.value("m.relates_to", json::object());
    const bool threaded = relates.value("rel_type", "") == "m.thread" &&
                          relates.value("event_id", "") == matrix_original->event_id;
    const bool replied = relates.value("m.in_reply_to", json::object()).value("event_id", "") ==
                         matrix_original->event_id;
    EXPECT_TRUE(threaded || replied) << matrix_reply->content.dump();
    EXPECT_EQ(xmpp_reply->reply_id, xmpp_original->stanza_id);
    ASSERT_TRUE(eventually([&] { return connectors::xmpp::xmpp_status(*xmpp).own_skipped >= 2; }));

    // Ann answers Sara's reply on the hub: into the Slack thread, as a reply to the
    // copies of Sara's reply on Matrix and XMPP, plain on IRC.
    core::Event answer = hub_event(core::EventKind::message, "h2", "Yes, room 4");
    answer.reply_to = "hub-1";  // the id the hub gave the copy of Sara's reply
    bot.deliver(answer);
    ASSERT_TRUE(irc_copy("Ann (hub): Yes, room 4"));
    auto xmpp_answer = xmpp_copy("Ann (hub): Yes, room 4");
    ASSERT_TRUE(xmpp_answer);
    EXPECT_EQ(xmpp_answer->reply_id, xmpp_reply->stanza_id);
    ASSERT_TRUE(confirmed(1, 2, 3, 3, 3));
    auto slack_answer = slack_post("Ann (hub): Yes, room 4");
    ASSERT_TRUE(slack_answer);
    EXPECT_EQ(slack_answer->json_body.value("thread_ts", ""), thread);
    auto matrix_answer = matrix_post("Ann (hub): Yes, room 4");
    ASSERT_TRUE(matrix_answer);
    const json answer_relates = matrix_answer->content.value("m.relates_to", json::object());
    EXPECT_EQ(answer_relates.value("m.in_reply_to", json::object()).value("event_id", ""),
              matrix_reply->event_id)
        << matrix_answer->content.dump();

    // Ann edits her first message on the hub.
    bot.deliver(hub_event(core::EventKind::edit, "e1", "Meet at 4", "h1"));
    ASSERT_TRUE(irc_copy("(edited) Ann (hub): Meet at 4"));
    auto xmpp_fixed = xmpp_copy([](const xmpp_test::Received& r) {
        return r.body == "Ann (hub): Meet at 4" && !r.replace_id.empty();
    });
    ASSERT_TRUE(xmpp_fixed);
    EXPECT_EQ(xmpp_fixed->replace_id, xmpp_original->id);
    ASSERT_TRUE(eventually([&] { return !slack_.calls("chat.update").empty(); }));
    const auto update = slack_.calls("chat.update").front().json_body;
    EXPECT_EQ(update.value("ts", ""), thread);
    EXPECT_EQ(update.value("text", ""), "Ann (hub): Meet at 4");
    std::optional<Sent> matrix_edit;
    ASSERT_TRUE(eventually([&] {
        for (const auto& s : matrix_.sent()) {
            if (s.content.contains("m.new_content")) matrix_edit = s;
        }
        return matrix_edit.has_value();
    }));
    EXPECT_EQ(matrix_edit->content["m.relates_to"].value("event_id", ""),
              matrix_original->event_id);
    EXPECT_EQ(matrix_edit->content["m.new_content"].value("body", ""), "Ann (hub): Meet at 4");

    // Ann deletes it: Slack, Matrix and XMPP remove their copies; IRC cannot.
    bot.deliver(hub_event(core::EventKind::remove, "d1", "", "h1"));
    ASSERT_TRUE(eventually([&] { return !slack_.calls("chat.delete").empty(); }));
    EXPECT_EQ(slack_.calls("chat.delete").front().json_body.value("ts", ""), thread);
    auto redaction = matrix_.wait_redaction(1);
    ASSERT_TRUE(redaction);
    EXPECT_EQ(redaction->redacts, matrix_original->event_id);
    auto retraction = xmpp_copy([](const xmpp_test::Received& r) { return !r.retract_id.empty(); });
    ASSERT_TRUE(retraction);
    EXPECT_EQ(retraction->retract_id, xmpp_original->stanza_id);

    std::vector<std::string> irc_rest, xmpp_rest;
    ASSERT_NO_FATAL_FAILURE(flush(&irc_rest, &xmpp_rest));
    EXPECT_THAT(irc_rest, ::testing::IsEmpty());
    EXPECT_EQ(slack_.calls("chat.update").size(), 1u);
    EXPECT_EQ(slack_.calls("chat.delete").size(), 1u);
    EXPECT_EQ(matrix_.redactions().size(), 1u);
    // The hub's own edit and delete do not come back to the hub.
    EXPECT_THAT(hub_texts(), ElementsAre("Sara (slack): Room 4?"));
}

TEST_F(BridgeE2ETest, AnEditAfterARestartStillUpdatesTheCopies) {
    sara_says("Meet at 5");
    ASSERT_TRUE(irc_copy("Sara (slack): Meet at 5"));
    auto xmpp_original = xmpp_copy("Sara (slack): Meet at 5");
    ASSERT_TRUE(xmpp_original);
    ASSERT_TRUE(confirmed(1, 0, 1, 1, 1));
    auto matrix_original = matrix_post("Sara (slack): Meet at 5");
    ASSERT_TRUE(matrix_original);
    const std::string original_ts = "1700000001.000100";

    // The engine stops and starts again on the same store; the connectors with it.
    detach();
    bot.restart();
    ASSERT_NO_FATAL_FAILURE(attach());

    // Sara edits her Slack message.
    json changed = {
        {"type", "message"},
        {"subtype", "message_changed"},
        {"channel", kSlack},
        {"ts", "1700000099.000100"},
        {"message",
         {{"type", "message"},
          {"user", kSara},
          {"text", "Meet at 6"},
          {"ts", original_ts},
          {"edited", {{"user", kSara}, {"ts", "1700000099.000000"}}}}},
        {"previous_message",
         {{"type", "message"}, {"user", kSara}, {"text", "Meet at 5"}, {"ts", original_ts}}}};
    ASSERT_TRUE(slack_.send_json(slack_test::events_api_envelope("env-edit", "EvEdit", changed)));
    ASSERT_EQ(slack_.wait_ack("env-edit"), 1);

    ASSERT_TRUE(irc_copy("(edited) Sara (slack): Meet at 6"));
    auto xmpp_fixed = xmpp_copy([](const xmpp_test::Received& r) {
        return r.body == "Sara (slack): Meet at 6" && !r.replace_id.empty();
    });
    ASSERT_TRUE(xmpp_fixed);
    EXPECT_EQ(xmpp_fixed->replace_id, xmpp_original->id);
    std::optional<Sent> matrix_edit;
    ASSERT_TRUE(eventually([&] {
        for (const auto& s : matrix_.sent()) {
            if (s.content.contains("m.new_content")) matrix_edit = s;
        }
        return matrix_edit.has_value();
    }));
    EXPECT_EQ(matrix_edit->content["m.relates_to"].value("event_id", ""),
              matrix_original->event_id);
    std::optional<core::Post> hub_edit;
    ASSERT_TRUE(eventually([&] {
        for (const auto& p : hub.all()) {
            if (!p.edits.empty()) hub_edit = p;
        }
        return hub_edit.has_value();
    }));
    EXPECT_EQ(hub_edit->edits, "hub-1");
    EXPECT_EQ(hub_edit->text, "Sara (slack): Meet at 6");

    // Sara deletes it: Matrix, XMPP and the hub remove their copies; IRC keeps its lines.
    json deleted = {
        {"type", "message"},
        {"subtype", "message_deleted"},
        {"channel", kSlack},
        {"ts", "1700000100.000100"},
        {"deleted_ts", original_ts},
        {"hidden", true},
        {"previous_message",
         {{"type", "message"}, {"user", kSara}, {"text", "Meet at 6"}, {"ts", original_ts}}}};
    ASSERT_TRUE(
        slack_.send_json(slack_test::events_api_envelope("env-delete", "EvDelete", deleted)));
    ASSERT_EQ(slack_.wait_ack("env-delete"), 1);
    auto retraction = xmpp_copy([](const xmpp_test::Received& r) { return !r.retract_id.empty(); });
    ASSERT_TRUE(retraction);
    // Names the copy by the room's stanza-id, as MUC clients match it.
    EXPECT_EQ(retraction->retract_id, xmpp_original->stanza_id);
    auto redaction = matrix_.wait_redaction(1);
    ASSERT_TRUE(redaction);
    EXPECT_EQ(redaction->redacts, matrix_original->event_id);
    std::optional<core::Post> hub_delete;
    ASSERT_TRUE(eventually([&] {
        for (const auto& p : hub.all()) {
            if (!p.deletes.empty()) hub_delete = p;
        }
        return hub_delete.has_value();
    }));
    EXPECT_EQ(hub_delete->deletes, "hub-1");
    std::vector<std::string> irc_rest, xmpp_rest;
    ASSERT_NO_FATAL_FAILURE(flush(&irc_rest, &xmpp_rest));
    EXPECT_THAT(irc_rest, ::testing::IsEmpty());
}

TEST_F(BridgeE2ETest, AHomeserverThatWasDownGetsWhatItMissedInOrderOnce) {
    bot.deliver(hub_event(core::EventKind::message, "h0", "before"));
    ASSERT_TRUE(confirmed(0, 1, 1, 1, 1));

    matrix_.stop();
    // Three messages from three platforms, one after the other; the others get them
    // meanwhile.
    bot.deliver(hub_event(core::EventKind::message, "h1", "one"));
    ASSERT_TRUE(irc_copy("Ann (hub): one"));
    sara_says("two");
    ASSERT_TRUE(irc_copy("Sara (slack): two"));
    alice->say(kXmpp, "three", "groupchat", "al-3");
    ASSERT_TRUE(irc_copy("Alice (xmpp): three"));
    ASSERT_TRUE(eventually([&] { return bridged("matrix", "queued") >= 1; }, true));

    matrix_.start();
    ASSERT_TRUE(eventually([&] { return matrix_texts().size() >= 4; }, true));
    ASSERT_TRUE(eventually([&] { return bridged("matrix") >= 4; }, true));
    EXPECT_THAT(matrix_texts(), ElementsAre("Ann (hub): before", "Ann (hub): one",
                                            "Sara (slack): two", "Alice (xmpp): three"));
    EXPECT_EQ(bridged("matrix", "queued"), 0);
    EXPECT_EQ(bridged("matrix", "failed"), 0);
}

TEST_F(BridgeE2ETest, AnIrcServerThatCrashedGetsWhatItMissedInOrderOnce) {
    bot.deliver(hub_event(core::EventKind::message, "h0", "before"));
    ASSERT_TRUE(irc_copy("Ann (hub): before"));
    ASSERT_TRUE(confirmed(0, 1, 1, 1, 1));

    ngircd.kill();
    ASSERT_TRUE(eventually([&] { return !irc->connected(); }));
    // Three messages from three platforms, one after the other; the others get them.
    bot.deliver(hub_event(core::EventKind::message, "h1", "one"));
    ASSERT_TRUE(xmpp_copy("Ann (hub): one"));
    sara_says("two");
    ASSERT_TRUE(xmpp_copy("Sara (slack): two"));
    matrix_.push_message(kMatrix, kBob, matrix_text("three"));
    ASSERT_TRUE(xmpp_copy("Bob (matrix): three"));
    ASSERT_TRUE(eventually([&] { return bridged("irc", "queued") >= 1; }));

    // The server is back; Dave too (his connection died with it), then the bot.
    ngircd.start();
    dave = std::make_unique<irc_test::IrcClient>(ngircd.port(), "dave");
    dave->join(kIrc);
    ASSERT_TRUE(eventually([&] {
        const auto i = connectors::irc::irc_status(*irc);
        return std::count(i.live.begin(), i.live.end(), kIrc) == 1;
    })) << ngircd.log();
    std::vector<std::string> got;
    ASSERT_TRUE(eventually(
        [&] {
            while (auto m = dave->next_privmsg("twintrack", 20ms)) got.push_back(m->param(1));
            return got.size() >= 3;
        },
        true))
        << "IRC got " << ::testing::PrintToString(got) << ", queued " << bridged("irc", "queued")
        << ", relayed " << bridged("irc");
    EXPECT_THAT(got, ElementsAre("Ann (hub): one", "Sara (slack): two", "Bob (matrix): three"));
    std::vector<std::string> irc_rest, xmpp_rest;
    ASSERT_NO_FATAL_FAILURE(flush(&irc_rest, &xmpp_rest));
    EXPECT_THAT(irc_rest, ::testing::IsEmpty()) << "delivered twice";
    EXPECT_EQ(bridged("irc", "queued"), 0);
    EXPECT_EQ(bridged("irc", "failed"), 0);
}

// After a restart the XMPP connector still knows the stanza-id the room gave its copy
// (from its id file in the data dir), so its XEP-0424 retraction names that id, which
// MUC clients match, and the copy goes.
TEST_F(BridgeE2ETest, AHubDeleteAfterARestartRetractsTheXmppCopyByItsStanzaId) {
    bot.deliver(hub_event(core::EventKind::message, "h1", "Meet at 7"));
    auto xmpp_original = xmpp_copy("Ann (hub): Meet at 7");
    ASSERT_TRUE(xmpp_original);
    ASSERT_TRUE(confirmed(0, 1, 1, 1, 1));
    detach();
    bot.restart();
    ASSERT_NO_FATAL_FAILURE(attach());
    bot.deliver(hub_event(core::EventKind::remove, "d1", "", "h1"));
    auto retraction = xmpp_copy([](const xmpp_test::Received& r) { return !r.retract_id.empty(); });
    ASSERT_TRUE(retraction);
    EXPECT_EQ(retraction->retract_id, xmpp_original->stanza_id);
}

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "booth";  // 13 bytes

/// Sara shares `name` on Slack with `text`; returns the ts.
std::string share_on_slack(slack_test::FakeSlack& slack, int seq, const std::string& text,
                           const std::string& name) {
    const std::string ts = std::to_string(1700000500 + seq) + ".000100";
    const json file = slack.add_shared_file(name, "image/png", kPng);
    const std::string envelope = "env-file-" + std::to_string(seq);
    EXPECT_TRUE(slack.send_json(slack_test::events_api_envelope(
        envelope, "EvFile" + std::to_string(seq),
        slack_test::file_share_event(kSlack, kSara, text, ts, json::array({file})))));
    EXPECT_EQ(slack.wait_ack(envelope), 1);
    return ts;
}

TEST_F(BridgeE2ETest, AnImageFromEachPlatformReachesEveryOtherOnce) {
    // From Slack: fetched with the bot token, uploaded to the hub, Matrix and XMPP's
    // upload service, named on IRC (Slack's file links need a Slack sign-in).
    share_on_slack(slack_, 1, "Our booth", "booth.png");
    const std::string note = "[image: booth.png, 13 B, not shown here]";
    const auto uploaded = [](const std::string& name) {
        return [name](const xmpp_test::Received& r) {
            return !r.oob_url.empty() && r.body == r.oob_url && r.oob_url.size() > name.size() &&
                   r.oob_url.compare(r.oob_url.size() - name.size(), name.size(), name) == 0;
        };
    };
    ASSERT_TRUE(irc_copy("Sara (slack): Our booth"));
    ASSERT_TRUE(irc_copy(note));
    ASSERT_TRUE(xmpp_copy("Sara (slack): Our booth"));
    ASSERT_TRUE(xmpp_copy(uploaded("/booth.png"))) << prosody.log();
    ASSERT_TRUE(eventually([&] { return !matrix_.uploads().empty(); }));
    ASSERT_TRUE(confirmed(1, 0, 1, 1, 1));
    auto hub_copy = hub_post("Sara (slack): Our booth");
    ASSERT_TRUE(hub_copy);
    ASSERT_EQ(hub_copy->attachments.size(), 1u);
    EXPECT_EQ(hub_copy->attachments[0].name, "booth.png");
    EXPECT_EQ(hub_copy->attachments[0].mime, "image/png");
    EXPECT_EQ(hub_copy->attachments[0].data, kPng);
    EXPECT_EQ(matrix_.uploads()[0].data, kPng);
    std::optional<Sent> image;
    ASSERT_TRUE(eventually([&] {
        for (const auto& s : matrix_.sent()) {
            if (s.content.value("msgtype", "") == "m.image") image = s;
        }
        return image.has_value();
    }));
    EXPECT_EQ(image->content.value("url", ""), matrix_.uploads()[0].content_uri);
    EXPECT_TRUE(matrix_post("Sara (slack): Our booth"));

    // From Matrix: fetched from the media repository, uploaded to Slack and the hub.
    const std::string mxc = matrix_.add_media("plan.png", "image/png", kPng);
    matrix_.push_message(kMatrix, kBob,
                         {{"msgtype", "m.image"},
                          {"body", "plan.png"},
                          {"url", mxc},
                          {"info", {{"mimetype", "image/png"}, {"size", kPng.size()}}}});
    ASSERT_TRUE(irc_copy("Bob (matrix): [image: plan.png, 13 B, not shown here]"));
    ASSERT_TRUE(xmpp_copy("Bob (matrix):"));
    ASSERT_TRUE(xmpp_copy(uploaded("/plan.png")));
    ASSERT_TRUE(confirmed(2, 1, 1, 2, 2));
    ASSERT_TRUE(eventually([&] {
        const auto files = slack_.files();
        return files.size() == 1 && files[0].completed;
    }));
    EXPECT_EQ(slack_.files()[0].data, kPng);
    EXPECT_EQ(slack_.files()[0].filename, "plan.png");
    EXPECT_TRUE(slack_post("Bob (matrix):"));
    auto hub_plan = hub_post("Bob (matrix):");
    ASSERT_TRUE(hub_plan);
    ASSERT_EQ(hub_plan->attachments.size(), 1u);
    EXPECT_EQ(hub_plan->attachments[0].data, kPng);

    // From XMPP: an out-of-band link to a host that is not the server's upload service,
    // passed on as the link (not fetched).
    const std::string url = "https://files.example.net/u/stand.jpg";
    alice->send_raw("<message type='groupchat' to='" + kXmpp + "' id='al-f'><body>" + url +
                    "</body><x xmlns='jabber:x:oob'><url>" + url + "</url></x></message>");
    const std::string link = "[image: stand.jpg] " + url;
    ASSERT_TRUE(irc_copy("Alice (xmpp): " + link));
    ASSERT_TRUE(confirmed(3, 2, 2, 2, 3));
    EXPECT_TRUE(slack_post("Alice (xmpp): " + link));
    EXPECT_TRUE(matrix_post("Alice (xmpp): " + link));
    EXPECT_TRUE(hub_post("Alice (xmpp): " + link));

    // Once each: no second upload anywhere, nothing more on IRC and XMPP.
    std::vector<std::string> irc_rest, xmpp_rest;
    ASSERT_NO_FATAL_FAILURE(flush(&irc_rest, &xmpp_rest));
    EXPECT_THAT(irc_rest, ::testing::IsEmpty());
    EXPECT_THAT(xmpp_rest, ::testing::IsEmpty());
    EXPECT_EQ(matrix_.uploads().size(), 1u);
    EXPECT_EQ(slack_.files().size(), 1u);
    int with_files = 0;
    for (const auto& p : hub.all()) with_files += static_cast<int>(p.attachments.size());
    EXPECT_EQ(with_files, 2);
}

TEST_F(BridgeE2ETest, AnImageWaitingForADownHomeserverIsUploadedAfterARestart) {
    matrix_.stop();
    share_on_slack(slack_, 2, "", "map.png");
    ASSERT_TRUE(irc_copy("Sara (slack): [image: map.png, 13 B, not shown here]"));
    ASSERT_TRUE(eventually([&] { return bridged("matrix", "queued") >= 1; }, true));

    detach();
    bot.restart();
    matrix_.start();
    ASSERT_NO_FATAL_FAILURE(attach());
    ASSERT_TRUE(eventually([&] { return bridged("matrix") >= 1; }, true));
    ASSERT_EQ(matrix_.uploads().size(), 1u);
    EXPECT_EQ(matrix_.uploads()[0].data, kPng);
    EXPECT_EQ(matrix_.uploads()[0].filename, "map.png");
    int images = 0;
    for (const auto& s : matrix_.sent()) {
        if (!s.repeat && s.content.value("msgtype", "") == "m.image") ++images;
    }
    EXPECT_EQ(images, 1);
    // The hub got it before, once.
    auto hub_copy = hub_post("Sara (slack):");
    ASSERT_TRUE(hub_copy);
    ASSERT_EQ(hub_copy->attachments.size(), 1u);
    EXPECT_EQ(bridged("matrix", "failed"), 0);
}

}  // namespace
}  // namespace twintrack::bridge_e2e_test
