// Changes to messages over XMPP against a real Prosody: XEP-0308 corrections, XEP-0424
// retractions and XEP-0461 replies, out and in; a XEP-0199 ping that finds a server which
// hangs; and a bridged edit and delete from the hub reaching a room through the engine.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "bot/features/bridge/bridge.hpp"
#include "connectors/http/http_listener.hpp"
#include "connectors/xmpp/xmpp_connector.hpp"
#include "core/clock.hpp"
#include "core/event_files.hpp"
#include "core/source_dir.hpp"
#include "tests/support/connector_sink.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/testbot/test_bot.hpp"
#include "tests/xmpp/prosody_fixture.hpp"
#include "tests/xmpp/xmpp_client.hpp"
#include "tests/xmpp/xmpp_test_helpers.hpp"

namespace twintrack::xmpp_test {
namespace {

using namespace std::chrono_literals;
using connectors::xmpp::xmpp_status;
using connectors::xmpp::XmppSettings;

core::Post text_post(const std::string& channel, const std::string& text) {
    core::Post p;
    p.to = {"xmpp", channel, ""};
    p.text = text;
    return p;
}

/// A room message from the test client with extra payload `inner` (raw XML).
std::string room_message(const std::string& id, const std::string& body, const std::string& inner,
                         const std::string& to = kRoom, const std::string& type = "groupchat") {
    std::string xml = "<message type='" + type + "' to='" + to + "' id='" + id + "'>";
    if (!body.empty()) xml += "<body>" + body + "</body>";
    return xml + inner + "</message>";
}

class XmppChangesTest : public ::testing::Test {
  protected:
    XmppChangesTest() {
        server.add_account("twintrack", "bot-secret");
        server.add_account("alice", "alice-secret");
        server.add_account("bob", "bob-secret");
    }
    XmppSettings settings() const {
        XmppSettings s;
        s.name = "xmpp";
        s.jid = kBot;
        s.password = core::Secret("XMPP_PASSWORD", "bot-secret");
        s.server = "127.0.0.1";
        s.port = server.port();
        s.tls = connectors::xmpp::TlsMode::optional;
        s.nick = "twintrack";
        s.rooms = {{kRoom, "sales"}};
        s.backoff_initial = 200ms;
        s.backoff_max = 2s;
        return s;
    }
    std::unique_ptr<connectors::Connector> start(XmppSettings s) {
        context.clock = &clock;
        auto c = connectors::xmpp::make_xmpp(std::move(s), context);
        c->start(sink);
        return c;
    }
    /// The bot in the room and Alice joined.
    void live(connectors::Connector& bot, XmppClient& alice) {
        ASSERT_TRUE(eventually([&] { return live_in(bot, kRoom); })) << server.log();
        ASSERT_TRUE(alice.join(kRoom, "Alice"));
    }
    /// Alice's room message `id` as the room reflected it to her: its stanza-id.
    std::string said(XmppClient& alice, const std::string& id, const std::string& body) {
        alice.say(kRoom, body, "groupchat", id);
        auto own = alice.wait_for([&](const Received& r) { return r.id == id; });
        return own ? own->stanza_id : "";
    }

    Prosody server;
    core::SystemClock clock;
    test_support::TempDir data;
    connectors::ConnectorContext context{data.path(), core::source_dir() + "/prompts", nullptr,
                                         nullptr};
    test_support::CollectingSink sink;
};

TEST_F(XmppChangesTest, TheBotsCorrectionsNameTheFirstMessageEveryTime) {
    auto bot = start(settings());
    EXPECT_TRUE(bot->abilities().edits);
    EXPECT_TRUE(bot->abilities().deletes);
    EXPECT_FALSE(bot->abilities().as_name);
    XmppClient alice(server.port(), "alice", "alice-secret");
    live(*bot, alice);
    const auto first = send_post(*bot, text_post(kRoom, "ann (hub): Meet at 3"));
    ASSERT_TRUE(first.ok);
    auto got = alice.wait_for([](const Received& r) { return r.body == "ann (hub): Meet at 3"; });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->id, first.message_id);
    EXPECT_TRUE(got->replace_id.empty());

    for (const std::string text : {"ann (hub): Meet at 4", "ann (hub): Meet at 5"}) {
        core::Post edit = text_post(kRoom, text);
        edit.edits = first.message_id;
        const auto r = send_post(*bot, edit);
        ASSERT_TRUE(r.ok) << r.error;
        // The bridge keeps the first id: the next correction names it again.
        EXPECT_EQ(r.message_id, first.message_id);
        got = alice.wait_for([&](const Received& m) { return m.body == text; });
        ASSERT_TRUE(got) << text;
        EXPECT_EQ(got->replace_id, first.message_id);
        EXPECT_NE(got->id, first.message_id);
    }
    // In a direct chat the same.
    const auto dm = send_post(*bot, text_post("@alice@localhost", "draft"));
    core::Post edit = text_post("@alice@localhost", "final");
    edit.edits = dm.message_id;
    ASSERT_TRUE(send_post(*bot, edit).ok);
    got = alice.wait_for([](const Received& m) { return m.body == "final"; });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->type, "chat");
    EXPECT_EQ(got->replace_id, dm.message_id);
}

TEST_F(XmppChangesTest, ACorrectionLongerThanMaxCharsCorrectsWithTheFirstPartAndSendsTheRest) {
    auto s = settings();
    s.max_chars = 100;
    auto bot = start(s);
    XmppClient alice(server.port(), "alice", "alice-secret");
    live(*bot, alice);
    const auto first = send_post(*bot, text_post(kRoom, "ann (hub): short"));
    ASSERT_TRUE(first.ok);
    ASSERT_TRUE(alice.wait_for([](const Received& r) { return r.body == "ann (hub): short"; }));
    const std::string head = "ann (hub): " + std::string(70, 'a');
    const std::string tail = std::string(80, 'b');
    core::Post edit = text_post(kRoom, head + " " + tail);
    edit.edits = first.message_id;
    const auto r = send_post(*bot, edit);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.message_id, first.message_id);
    auto fixed = alice.wait_for([&](const Received& m) { return m.body == head; });
    ASSERT_TRUE(fixed);
    EXPECT_EQ(fixed->replace_id, first.message_id);
    auto rest = alice.wait_for([&](const Received& m) { return m.body == tail; });
    ASSERT_TRUE(rest);
    EXPECT_TRUE(rest->replace_id.empty());
    // A text that fits is still one correction.
    edit.text = "ann (hub): fits";
    ASSERT_TRUE(send_post(*bot, edit).ok);
    fixed = alice.wait_for([](const Received& m) { return m.body == "ann (hub): fits"; });
    ASSERT_TRUE(fixed);
    EXPECT_EQ(fixed->replace_id, first.message_id);
}

TEST_F(XmppChangesTest, AnOutOfBandLinkIsAFileOnlyWhenFilesAreAskedFor) {
    const std::string url = "https://files.example.net/abc/booth.PNG";  // not the upload service
    const std::string oob = "<x xmlns='jabber:x:oob'><url>" + url + "</url></x>";
    {
        auto bot = start(settings());
        XmppClient alice(server.port(), "alice", "alice-secret");
        live(*bot, alice);
        alice.send_raw(room_message("o-1", url, oob));
        auto e = sink.with_text(url);
        ASSERT_TRUE(e);
        EXPECT_TRUE(core::event_files(e->extra).empty());
        bot->stop();
    }
    context.clock = &clock;
    auto bot = connectors::xmpp::make_xmpp(settings(), context);
    bot->fetch_files_up_to(1000);
    bot->start(sink);
    XmppClient bob(server.port(), "bob", "bob-secret");
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom); })) << server.log();
    ASSERT_TRUE(bob.join(kRoom, "Bob"));
    bob.send_raw(room_message("o-2", url, oob));
    auto e = sink.wait_for(
        [](const core::Event& ev) { return ev.extra.value("message_id", "") == "o-2"; });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "");  // the body was the link itself
    const auto files = core::event_files(e->extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].url, url);
    EXPECT_EQ(files[0].name, "booth.PNG");
    EXPECT_EQ(files[0].mime, "image/png");
    EXPECT_TRUE(files[0].data.empty());
    bot->stop();
}

TEST_F(XmppChangesTest, ALinkToTheUploadServiceIsFetchedAndAnyOtherStaysALink) {
    // The upload service: a loopback HTTP server with one picture and one file too big.
    const std::string png("\x89PNG\r\n\x1a\n-booth", 14);
    std::mutex mu;
    std::vector<std::string> asked;
    connectors::http::HttpListener files([&](const connectors::http::ListenerRequest& r) {
        {
            std::lock_guard<std::mutex> lock(mu);
            asked.push_back(r.path);
        }
        if (r.path == "/up/abc/booth.png")
            return connectors::http::ListenerResponse{200, "image/png", png};
        if (r.path == "/up/def/deck.pdf") {
            return connectors::http::ListenerResponse{200, "application/pdf",
                                                      std::string(2000, 'd')};
        }
        return connectors::http::ListenerResponse{404, "text/plain", "no such file"};
    });
    const std::string base = "http://127.0.0.1:" + std::to_string(files.start("127.0.0.1", 0));
    const std::string booth = base + "/up/abc/booth.png";
    const std::string deck = base + "/up/def/deck.pdf";
    // The same server under a name that is not the upload service's: not fetched.
    const std::string other =
        "http://localhost:" + base.substr(base.rfind(':') + 1) + "/up/abc/booth.png";
    const auto oob = [](const std::string& url) {
        return "<x xmlns='jabber:x:oob'><url>" + url + "</url></x>";
    };
    auto s = settings();
    s.upload_hosts = std::vector<std::string>{"127.0.0.1"};
    context.clock = &clock;
    auto bot = connectors::xmpp::make_xmpp(std::move(s), context);
    bot->fetch_files_up_to(1000);
    bot->start(sink);
    XmppClient alice(server.port(), "alice", "alice-secret");
    live(*bot, alice);
    alice.send_raw(room_message("f-1", "our booth", oob(booth) + oob(deck) + oob(other)));
    alice.say(kRoom, "after the files", "groupchat", "f-2");
    // In order: the message after the files waits for them.
    const auto any = [](const core::Event&) { return true; };
    auto e = sink.wait_for(any);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "our booth");
    const auto got = core::event_files(e->extra);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].name, "booth.png");
    EXPECT_TRUE(got[0].data == png) << "the bytes changed on the way";
    EXPECT_EQ(got[0].mime, "image/png");
    EXPECT_EQ(got[0].url, booth);
    // Beyond the limit (its Content-Length): a link.
    EXPECT_EQ(got[1].name, "deck.pdf");
    EXPECT_TRUE(got[1].data.empty());
    EXPECT_EQ(got[1].url, deck);
    // Not the upload service: a link, never asked for.
    EXPECT_TRUE(got[2].data.empty());
    EXPECT_EQ(got[2].url, other);
    auto next = sink.wait_for(any);
    ASSERT_TRUE(next);
    EXPECT_EQ(next->text, "after the files");
    {
        std::lock_guard<std::mutex> lock(mu);
        EXPECT_THAT(asked,
                    ::testing::UnorderedElementsAre("/up/abc/booth.png", "/up/def/deck.pdf"));
    }
    EXPECT_EQ(xmpp_status(*bot).files_fetched, 1);
    bot->stop();
}

// An upload service whose downloads hang until released (or the test ends).
class HangingUploads {
  public:
    HangingUploads()
        : listener_([this](const connectors::http::ListenerRequest& r) {
              std::unique_lock<std::mutex> lock(mu_);
              ++asked_;
              cv_.notify_all();
              cv_.wait(lock, [this] { return !hang_; });
              if (r.path == "/up/abc/booth.png") {
                  return connectors::http::ListenerResponse{200, "image/png", png};
              }
              return connectors::http::ListenerResponse{404, "text/plain", "no such file"};
          }) {
        base_ = "http://127.0.0.1:" + std::to_string(listener_.start("127.0.0.1", 0));
    }
    ~HangingUploads() {
        release();
        listener_.stop();
    }
    std::string url(const std::string& path) const { return base_ + path; }
    /// Waits until `n` downloads were asked for.
    bool wait_asked(int n) {
        std::unique_lock<std::mutex> lock(mu_);
        return cv_.wait_for(lock, 15s, [&] { return asked_ >= n; });
    }
    void release() {
        std::lock_guard<std::mutex> lock(mu_);
        hang_ = false;
        cv_.notify_all();
    }
    const std::string png = std::string("\x89PNG\r\n\x1a\n-booth", 14);

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool hang_ = true;
    int asked_ = 0;
    std::string base_;
    connectors::http::HttpListener listener_;
};

std::string oob_link(const std::string& url) {
    return "<x xmlns='jabber:x:oob'><url>" + url + "</url></x>";
}

TEST_F(XmppChangesTest, RoomMessagesHeldBehindAHangingDownloadGoOnOnceInOrderWhenItStops) {
    HangingUploads uploads;
    auto s = settings();
    s.upload_hosts = std::vector<std::string>{"127.0.0.1"};
    context.clock = &clock;
    auto bot = connectors::xmpp::make_xmpp(std::move(s), context);
    bot->fetch_files_up_to(1000);
    bot->start(sink);
    XmppClient alice(server.port(), "alice", "alice-secret");
    live(*bot, alice);
    const std::string booth = uploads.url("/up/abc/booth.png");
    alice.send_raw(room_message("h-1", "our booth", oob_link(booth)));
    ASSERT_TRUE(uploads.wait_asked(1));
    alice.say(kRoom, "then", "groupchat", "h-2");
    alice.say(kRoom, "last", "groupchat", "h-3");
    // A direct message is another conversation: it does not wait for the room's file (and
    // once it is here, the room messages sent before it were read).
    alice.say(kBot, "still there?", "chat", "h-4");
    auto direct = sink.wait_for([](const core::Event& e) { return e.direct; });
    ASSERT_TRUE(direct);
    EXPECT_EQ(direct->text, "still there?");
    // The download never answers: the connector stops with it under way.
    bot->stop();
    uploads.release();
    const auto any = [](const core::Event&) { return true; };
    auto e = sink.wait_for(any);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->text, "our booth");
    const auto got = core::event_files(e->extra);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].url, booth);  // its link, without its bytes
    EXPECT_TRUE(got[0].data.empty());
    auto then = sink.wait_for(any);
    ASSERT_TRUE(then);
    EXPECT_EQ(then->text, "then");
    auto last = sink.wait_for(any);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->text, "last");
    EXPECT_TRUE(sink.rest().empty());  // exactly once
    EXPECT_EQ(xmpp_status(*bot).files_fetched, 0);
}

TEST_F(XmppChangesTest, AHangingDownloadInOneRoomDoesNotDelayAnotherRoom) {
    HangingUploads uploads;
    auto s = settings();
    s.rooms.push_back({kJoint, "joint"});
    s.upload_hosts = std::vector<std::string>{"127.0.0.1"};
    context.clock = &clock;
    auto bot = connectors::xmpp::make_xmpp(std::move(s), context);
    bot->fetch_files_up_to(1000);
    bot->start(sink);
    XmppClient alice(server.port(), "alice", "alice-secret");
    live(*bot, alice);
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kJoint); }));
    ASSERT_TRUE(alice.join(kJoint, "Alice"));
    const std::string booth = uploads.url("/up/abc/booth.png");
    alice.send_raw(room_message("r-1", "our booth", oob_link(booth)));
    ASSERT_TRUE(uploads.wait_asked(1));
    alice.say(kRoom, "after the picture", "groupchat", "r-2");
    alice.say(kJoint, "meanwhile elsewhere", "groupchat", "r-3");
    // The other room's message arrives while the download still hangs.
    const auto any = [](const core::Event&) { return true; };
    auto first = sink.wait_for(any);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->text, "meanwhile elsewhere");
    EXPECT_EQ(first->where.channel, kJoint);
    uploads.release();
    auto picture = sink.wait_for(any);
    ASSERT_TRUE(picture);
    EXPECT_EQ(picture->text, "our booth");
    const auto got = core::event_files(picture->extra);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].data == uploads.png) << "the bytes changed on the way";
    auto after = sink.wait_for(any);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->text, "after the picture");
    bot->stop();
}

TEST(XmppUploadHosts, OnlyTheServicesHostsAndTheirSubdomainsAreFetchedFrom) {
    using connectors::xmpp::on_upload_host;
    const std::vector<std::string> hosts = {"example.com", "10.0.0.5"};
    EXPECT_TRUE(on_upload_host("https://example.com/f/a.png", hosts));
    EXPECT_TRUE(on_upload_host("https://Upload.Example.com:5281/f/a.png", hosts));
    EXPECT_TRUE(on_upload_host("http://10.0.0.5/a.png", hosts));
    EXPECT_FALSE(on_upload_host("https://notexample.com/a.png", hosts));
    EXPECT_FALSE(on_upload_host("https://example.com.evil.net/a.png", hosts));
    EXPECT_FALSE(on_upload_host("https://example.com@evil.net/a.png", hosts));
    EXPECT_FALSE(on_upload_host("https://1.10.0.0.5/a.png", hosts));
    EXPECT_FALSE(on_upload_host("ftp://example.com/a.png", hosts));
    EXPECT_FALSE(on_upload_host("file:///etc/passwd", hosts));
    // Hosts found by discovery count only as themselves: a service on the company's own
    // domain does not open the intranet's other hosts.
    EXPECT_TRUE(on_upload_host("https://example.com/f/a.png", hosts, false));
    EXPECT_FALSE(on_upload_host("https://intranet.example.com/a.png", hosts, false));
    EXPECT_FALSE(on_upload_host("https://example.com/a.png", {}));
}

TEST_F(XmppChangesTest, APersonsCorrectionIsAnEditOfTheFirstMessage) {
    auto bot = start(settings());
    XmppClient alice(server.port(), "alice", "alice-secret");
    XmppClient bob(server.port(), "bob", "bob-secret");
    live(*bot, alice);
    ASSERT_TRUE(bob.join(kRoom, "Bob"));
    alice.say(kRoom, "offer 5%", "groupchat", "a-1");
    auto e = sink.with_text("offer 5%");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, core::EventKind::message);
    EXPECT_EQ(e->extra["message_id"], "a-1");

    alice.send_raw(
        room_message("a-2", "offer 10%", "<replace id='a-1' xmlns='urn:xmpp:message-correct:0'/>"));
    e = sink.with_text("offer 10%");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, core::EventKind::edit);
    EXPECT_EQ(e->target, "a-1");
    EXPECT_EQ(e->who.user_id, "alice@localhost");
    EXPECT_EQ(e->where.channel, kRoom);
    EXPECT_FALSE(e->addressed);

    // Bob cannot correct Alice's message: nothing comes of it.
    bob.send_raw(
        room_message("b-1", "offer 50%", "<replace id='a-1' xmlns='urn:xmpp:message-correct:0'/>"));
    ASSERT_TRUE(bob.wait_for([](const Received& r) { return r.id == "b-1"; }));
    // A correction of an id nobody here saw is an edit of that id (the bridge then finds
    // nothing to follow).
    alice.send_raw(room_message("a-3", "never mind",
                                "<replace id='not-seen' xmlns='urn:xmpp:message-correct:0'/>"));
    e = sink.with_text("never mind");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, core::EventKind::edit);
    EXPECT_EQ(e->target, "not-seen");
    EXPECT_TRUE(sink.rest().empty());  // Bob's came before and was dropped

    // A direct message corrected.
    alice.say(kBot, "hello", "chat", "d-1");
    ASSERT_TRUE(sink.with_text("hello"));
    alice.send_raw(room_message("d-2", "hello again",
                                "<replace id='d-1' xmlns='urn:xmpp:message-correct:0'/>", kBot,
                                "chat"));
    e = sink.with_text("hello again");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, core::EventKind::edit);
    EXPECT_EQ(e->target, "d-1");
    EXPECT_TRUE(e->direct);
}

TEST_F(XmppChangesTest, TheBotRetractsByTheRoomsStanzaIdWithAFallbackInThePostsLanguage) {
    auto bot = start(settings());
    XmppClient alice(server.port(), "alice", "alice-secret");
    live(*bot, alice);
    const auto sent = send_post(*bot, text_post(kRoom, "ann (hub): wrong room"));
    ASSERT_TRUE(sent.ok);
    auto copy = alice.wait_for([](const Received& r) { return r.body == "ann (hub): wrong room"; });
    ASSERT_TRUE(copy);
    ASSERT_FALSE(copy->stanza_id.empty()) << "the room gives no stanza-id";
    // The bot learns the stanza-id from the room's copy of its message.
    ASSERT_TRUE(eventually([&] { return xmpp_status(*bot).own_skipped >= 1; }));

    core::Post gone = text_post(kRoom, "");
    gone.deletes = sent.message_id;
    gone.locale = "zh-CN";
    const auto r = send_post(*bot, gone);
    ASSERT_TRUE(r.ok) << r.error;
    // Prosody 0.12 passes the retraction through the room as it is.
    auto retraction = alice.wait_for([](const Received& m) { return !m.retract_id.empty(); });
    ASSERT_TRUE(retraction) << server.log();
    EXPECT_EQ(retraction->retract_id, copy->stanza_id);
    EXPECT_EQ(retraction->from, kRoom + "/twintrack");
    EXPECT_TRUE(retraction->store_hint);
    EXPECT_THAT(retraction->body, ::testing::HasSubstr("删除"));

    // In English by default; in a direct chat by the message's own id.
    const auto dm = send_post(*bot, text_post("@alice@localhost", "oops"));
    core::Post dm_gone = text_post("@alice@localhost", "");
    dm_gone.deletes = dm.message_id;
    ASSERT_TRUE(send_post(*bot, dm_gone).ok);
    retraction = alice.wait_for([](const Received& m) { return !m.retract_id.empty(); });
    ASSERT_TRUE(retraction);
    EXPECT_EQ(retraction->type, "chat");
    EXPECT_EQ(retraction->retract_id, dm.message_id);
    EXPECT_THAT(retraction->body, ::testing::HasSubstr("deleted"));
}

TEST_F(XmppChangesTest, APersonsRetractionIsARemoveOfTheirMessage) {
    auto bot = start(settings());
    XmppClient alice(server.port(), "alice", "alice-secret");
    XmppClient bob(server.port(), "bob", "bob-secret");
    live(*bot, alice);
    ASSERT_TRUE(bob.join(kRoom, "Bob"));
    const std::string sid = said(alice, "r-1", "typo here");
    ASSERT_FALSE(sid.empty());
    ASSERT_TRUE(sink.with_text("typo here"));

    // Bob cannot retract Alice's message.
    bob.send_raw(
        room_message("b-2", "", "<retract id='" + sid + "' xmlns='urn:xmpp:message-retract:1'/>"));
    ASSERT_TRUE(bob.wait_for([](const Received& r) { return r.id == "b-2"; }));
    // Alice's client names the room's stanza-id; the event names her message's own id.
    const std::string fallback =
        "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/>"
        "<store xmlns='urn:xmpp:hints'/>";
    alice.send_raw(
        room_message("r-2", "This person attempted to retract a previous message",
                     "<retract id='" + sid + "' xmlns='urn:xmpp:message-retract:1'/>" + fallback));
    auto e = sink.wait_for([](const core::Event& ev) { return ev.kind == core::EventKind::remove; },
                           10s);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->target, "r-1");
    EXPECT_TRUE(e->text.empty());
    EXPECT_EQ(e->who.user_id, "alice@localhost");
    EXPECT_EQ(e->where.channel, kRoom);
    // The older form (XEP-0424 0.3, fastened) with an id the bot never saw.
    alice.send_raw(room_message("r-3", "",
                                "<apply-to xmlns='urn:xmpp:fasten:0' id='old-one'>"
                                "<retract xmlns='urn:xmpp:message-retract:0'/></apply-to>"));
    e = sink.wait_for([](const core::Event& ev) { return ev.kind == core::EventKind::remove; },
                      10s);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->target, "old-one");
    EXPECT_TRUE(sink.rest().empty());  // nothing of Bob's
}

TEST_F(XmppChangesTest, RepliesNameTheMessageTheyAnswerBothWays) {
    auto bot = start(settings());
    XmppClient alice(server.port(), "alice", "alice-secret");
    live(*bot, alice);
    const std::string sid = said(alice, "q-1", "who has the deck?");
    ASSERT_FALSE(sid.empty());
    ASSERT_TRUE(sink.with_text("who has the deck?"));

    // A reply with a quote for clients without replies (XEP-0428 fallback, code points).
    const std::string quote = "> Alice: who has the deck?\n";  // 27 code points
    alice.send_raw(
        room_message("q-2", quote + "me, 拿到了",
                     "<reply to='" + kRoom + "/Alice' id='" + sid +
                         "' xmlns='urn:xmpp:reply:0'/><fallback xmlns='urn:xmpp:fallback:0' "
                         "for='urn:xmpp:reply:0'><body start='0' end='27'/></fallback>"));
    auto e = sink.with_text("me, 拿到了");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, core::EventKind::message);
    EXPECT_EQ(e->reply_to, "q-1");

    // The bot answers Alice's message: by the room's stanza-id and her occupant JID.
    core::Post answer = text_post(kRoom, "noted");
    answer.reply_to = "q-1";
    ASSERT_TRUE(send_post(*bot, answer).ok);
    auto got = alice.wait_for([](const Received& r) { return r.body == "noted"; });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->reply_id, sid);
    EXPECT_EQ(got->reply_to, kRoom + "/Alice");
}

TEST_F(XmppChangesTest, AfterARestartRetractionsAndRepliesStillNameTheRoomsStanzaIds) {
    auto bot = start(settings());
    XmppClient alice(server.port(), "alice", "alice-secret");
    live(*bot, alice);
    const auto sent = send_post(*bot, text_post(kRoom, "ann (hub): wrong room"));
    ASSERT_TRUE(sent.ok);
    auto copy = alice.wait_for([](const Received& r) { return r.body == "ann (hub): wrong room"; });
    ASSERT_TRUE(copy);
    ASSERT_FALSE(copy->stanza_id.empty()) << "the room gives no stanza-id";
    ASSERT_NE(copy->stanza_id, sent.message_id);
    const std::string asked = said(alice, "q-1", "who has the deck?");
    ASSERT_FALSE(asked.empty());
    ASSERT_TRUE(sink.with_text("who has the deck?"));
    ASSERT_TRUE(eventually([&] { return xmpp_status(*bot).own_skipped >= 1; }));

    // The program stops and starts again: a new connector on the same data dir.
    bot->stop();
    bot.reset();
    bot = start(settings());
    EXPECT_GE(xmpp_status(*bot).ids_restored, 2);
    EXPECT_EQ(xmpp_status(*bot).id_file_errors, 0);
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom); })) << server.log();

    // Its retraction of the copy sent before the restart names the room's stanza-id.
    core::Post gone = text_post(kRoom, "");
    gone.deletes = sent.message_id;
    ASSERT_TRUE(send_post(*bot, gone).ok);
    auto retraction = alice.wait_for([](const Received& m) { return !m.retract_id.empty(); });
    ASSERT_TRUE(retraction) << server.log();
    EXPECT_EQ(retraction->retract_id, copy->stanza_id);

    // Its reply to Alice's message from before the restart: her stanza-id and her nick.
    core::Post answer = text_post(kRoom, "noted");
    answer.reply_to = "q-1";
    ASSERT_TRUE(send_post(*bot, answer).ok);
    auto got = alice.wait_for([](const Received& r) { return r.body == "noted"; });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->reply_id, asked);
    EXPECT_EQ(got->reply_to, kRoom + "/Alice");

    // Alice retracts that message by the room's stanza-id: a remove of her own id.
    alice.send_raw(room_message(
        "q-2", "", "<retract id='" + asked + "' xmlns='urn:xmpp:message-retract:1'/>"));
    auto e = sink.wait_for([](const core::Event& ev) { return ev.kind == core::EventKind::remove; },
                           10s);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->target, "q-1");
}

TEST_F(XmppChangesTest, AnUnreadableIdFileIsIgnoredAndWrittenAnew) {
    const std::string path =
        data.file("xmpp-xmpp.stanza-ids", "twintrack xmpp stanza-ids 1\nnot\ta line\n");
    auto bot = start(settings());
    EXPECT_EQ(xmpp_status(*bot).id_file_errors, 1);
    EXPECT_EQ(xmpp_status(*bot).ids_restored, 0);
    XmppClient alice(server.port(), "alice", "alice-secret");
    live(*bot, alice);

    // The connector works as before and keeps the new pairs.
    const auto sent = send_post(*bot, text_post(kRoom, "ann (hub): wrong room"));
    ASSERT_TRUE(sent.ok);
    auto copy = alice.wait_for([](const Received& r) { return r.body == "ann (hub): wrong room"; });
    ASSERT_TRUE(copy);
    ASSERT_TRUE(eventually([&] { return xmpp_status(*bot).own_skipped >= 1; }));
    bot->stop();
    bot.reset();
    bot = start(settings());
    EXPECT_EQ(xmpp_status(*bot).id_file_errors, 0);
    EXPECT_EQ(xmpp_status(*bot).ids_restored, 1);
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom); })) << server.log();
    core::Post gone = text_post(kRoom, "");
    gone.deletes = sent.message_id;
    ASSERT_TRUE(send_post(*bot, gone).ok);
    auto retraction = alice.wait_for([](const Received& m) { return !m.retract_id.empty(); });
    ASSERT_TRUE(retraction) << server.log();
    EXPECT_EQ(retraction->retract_id, copy->stanza_id);

    // A file that is not an id file at all (say, a directory in its place) neither.
    bot->stop();
    bot.reset();
    std::filesystem::remove(path);
    std::filesystem::create_directory(path);
    bot = start(settings());
    EXPECT_EQ(xmpp_status(*bot).id_file_errors, 1);
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom); })) << server.log();
}

TEST_F(XmppChangesTest, PingsKeepAQuietLinkAndFindAServerThatHangs) {
    test_support::LogCapture log;
    auto s = settings();
    s.ping_interval = 500ms;
    auto bot = start(s);
    XmppClient alice(server.port(), "alice", "alice-secret");
    live(*bot, alice);
    // A quiet but healthy link: pings are answered, nothing is dropped.
    ASSERT_TRUE(eventually([&] { return xmpp_status(*bot).pings >= 3; }));
    EXPECT_EQ(xmpp_status(*bot).dead_links, 0);
    EXPECT_EQ(xmpp_status(*bot).connections, 1);

    // The server hangs: the socket stays open, nothing answers.
    server.pause();
    ASSERT_TRUE(eventually([&] { return xmpp_status(*bot).dead_links >= 1 && !bot->connected(); }))
        << "a hung server was not noticed";
    EXPECT_GE(log.count("no answer to a ping"), 1);
    const auto down = send_post(*bot, text_post(kRoom, "while hung"));
    EXPECT_FALSE(down.ok);
    EXPECT_TRUE(down.retryable);

    server.resume();
    ASSERT_TRUE(eventually([&] { return live_in(*bot, kRoom); }, 40s)) << server.log();
    EXPECT_GE(xmpp_status(*bot).connections, 2);
    ASSERT_TRUE(eventually([&] { return alice.sees_occupant(kRoom, "twintrack"); }));
    alice.say(kRoom, "!after", "groupchat");
    ASSERT_TRUE(sink.with_text("!after")) << server.log();
    EXPECT_TRUE(send_post(*bot, text_post(kRoom, "back")).ok);
    EXPECT_TRUE(alice.wait_for([](const Received& r) { return r.body == "back"; }));
}

// ---------------------------------------------------------------------------------------
// Through the engine: a hub message bridged to a room, then edited and deleted on the hub.

/// The hub as the bridge sees it: keeps what it is sent, ids hub-1, hub-2, ...
struct FakeHub {
    std::mutex mu;
    std::vector<core::Post> posts;
    int next = 0;
    void attach(bot::Engine& engine) {
        engine.add_outlet("hub", [this](const core::Post& p, core::SendDone done) {
            std::string id;
            {
                std::lock_guard<std::mutex> lock(mu);
                posts.push_back(p);
                id = p.edits.empty() ? "hub-" + std::to_string(++next) : p.edits;
            }
            done({true, id, "", true});
        });
        engine.set_abilities("hub", {true, true, false});
    }
    std::optional<core::Post> find(const std::function<bool(const core::Post&)>& match) {
        std::lock_guard<std::mutex> lock(mu);
        for (const auto& p : posts) {
            if (match(p)) return p;
        }
        return std::nullopt;
    }
};

core::Event hub_event(core::EventKind kind, const std::string& id, const std::string& text,
                      const std::string& target = "") {
    core::Event e;
    e.kind = kind;
    e.id = "hub:" + id;
    e.where = {"hub", "joint", ""};
    e.who = {"hub", "ann", "ann"};
    e.text = text;
    e.target = target;
    if (kind == core::EventKind::message) e.extra = {{"message_id", id}};
    return e;
}

/// twintrack_bridge_posts of bridge joint, `connector`, state relayed on /metrics.
std::string relayed(testing::TestBot& bot, const std::string& connector) {
    std::istringstream in(bot.engine().telemetry()->render());
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("twintrack_bridge_posts{", 0) == 0 &&
            line.find("connector=\"" + connector + "\"") != std::string::npos &&
            line.find("state=\"relayed\"") != std::string::npos) {
            return line.substr(line.rfind(' ') + 1);
        }
    }
    return "";
}

TEST(XmppBridge, AHubEditArrivesAsACorrectionAndADeleteAsARetraction) {
    Prosody server;
    server.add_account("twintrack", "bot-secret");
    server.add_account("alice", "alice-secret");
    bot::BotSettings settings;
    settings.default_locale = "en";
    settings.features.edit<bot::bridge::BridgeSettings>().bridges = {
        {"joint", {{"hub", "joint"}, {"xmpp", kJoint}}}};
    testing::TestBot bot(testing::TestBot::default_start(), settings);
    FakeHub hub;
    hub.attach(bot.engine());

    XmppSettings s;
    s.jid = kBot;
    s.password = core::Secret("XMPP_PASSWORD", "bot-secret");
    s.server = "127.0.0.1";
    s.port = server.port();
    s.tls = connectors::xmpp::TlsMode::optional;
    s.rooms = {{kJoint, "joint"}};
    s.backoff_initial = 200ms;
    core::SystemClock clock;
    test_support::TempDir data;
    connectors::ConnectorContext context{data.path(), core::source_dir() + "/prompts", &clock,
                                         nullptr};
    auto xmpp = connectors::xmpp::make_xmpp(std::move(s), context);
    xmpp->start(bot.engine());
    auto* raw = xmpp.get();
    bot.engine().add_outlet(
        "xmpp", [raw](const core::Post& p, core::SendDone done) { raw->send(p, std::move(done)); },
        raw->shows_actions());
    bot.engine().set_abilities("xmpp", raw->abilities());
    ASSERT_TRUE(eventually([&] { return live_in(*xmpp, kJoint); })) << server.log();
    XmppClient alice(server.port(), "alice", "alice-secret");
    ASSERT_TRUE(alice.join(kJoint, "Alice"));

    // Waits for Alice to get a message matching `match`, running the engine meanwhile.
    auto arrives = [&](const std::function<bool(const Received&)>& match) {
        std::optional<Received> got;
        eventually([&] {
            bot.engine().drain();
            got = alice.wait_for(match, 50ms);
            return got.has_value();
        });
        return got;
    };
    bot.deliver(hub_event(core::EventKind::message, "h-1", "Meet at 3"));
    auto copy = arrives([](const Received& r) { return r.body == "ann (hub): Meet at 3"; });
    ASSERT_TRUE(copy);
    // The copy's id is in the store once the send is confirmed (counted as relayed); the
    // bot learns the room's stanza-id from its copy coming back.
    ASSERT_TRUE(eventually([&] {
        bot.engine().drain();
        return relayed(bot, "xmpp") == "1" && xmpp_status(*xmpp).own_skipped >= 1;
    }));

    bot.deliver(hub_event(core::EventKind::edit, "e-1", "Meet at 4", "h-1"));
    auto fixed = arrives([](const Received& r) { return r.body == "ann (hub): Meet at 4"; });
    ASSERT_TRUE(fixed);
    EXPECT_EQ(fixed->replace_id, copy->id);

    bot.deliver(hub_event(core::EventKind::remove, "d-1", "", "h-1"));
    auto retraction = arrives([](const Received& r) { return !r.retract_id.empty(); });
    ASSERT_TRUE(retraction);
    EXPECT_EQ(retraction->retract_id, copy->stanza_id);

    // The other way: Alice's message reaches the hub, her correction edits the hub's copy.
    alice.say(kJoint, "Fine by me", "groupchat", "al-1");
    ASSERT_TRUE(eventually([&] {
        bot.engine().drain();
        return hub.find([](const core::Post& p) { return p.text == "Alice (xmpp): Fine by me"; })
            .has_value();
    }));
    alice.send_raw(room_message("al-2", "Fine by me at 4",
                                "<replace id='al-1' xmlns='urn:xmpp:message-correct:0'/>", kJoint));
    std::optional<core::Post> edit;
    ASSERT_TRUE(eventually([&] {
        bot.engine().drain();
        edit = hub.find([](const core::Post& p) { return !p.edits.empty(); });
        return edit.has_value();
    }));
    EXPECT_EQ(edit->edits, "hub-1");
    EXPECT_EQ(edit->text, "Alice (xmpp): Fine by me at 4");
    xmpp->stop();
}

}  // namespace
}  // namespace twintrack::xmpp_test
