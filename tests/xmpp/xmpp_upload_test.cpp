// Files to XMPP through XEP-0363 HTTP File Upload against a real Prosody with its upload
// service (mod_http_file_share on upload.localhost): found by service discovery, a slot
// asked for, the bytes PUT, the get URL sent with a XEP-0066 link; a file over the
// service's limit, or with no service at all, goes as a line with its name (and its link)
// in the post's language. Links people post are fetched from the service discovery found.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "connectors/runtime/http_client.hpp"
#include "connectors/xmpp/xmpp_connector.hpp"
#include "core/clock.hpp"
#include "core/event_files.hpp"
#include "core/source_dir.hpp"
#include "tests/support/connector_sink.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/xmpp/prosody_fixture.hpp"
#include "tests/xmpp/xmpp_client.hpp"
#include "tests/xmpp/xmpp_test_helpers.hpp"

namespace twintrack::xmpp_test {
namespace {

using namespace std::chrono_literals;
using connectors::xmpp::xmpp_status;
using connectors::xmpp::XmppSettings;

/// GET `url` with the connector runtime's client (what any XMPP client does with the link).
connectors::runtime::Result fetch(const std::string& url) {
    connectors::runtime::HttpClient http({}, [](std::function<void()> f) { f(); });
    auto promise = std::make_shared<std::promise<connectors::runtime::Result>>();
    auto future = promise->get_future();
    connectors::runtime::Request req;
    req.url = url;
    http.send(req, [promise](connectors::runtime::Result r) { promise->set_value(std::move(r)); });
    if (future.wait_for(15s) != std::future_status::ready) return {};
    return future.get();
}

/// Bytes no text transport would keep as they are.
std::string binary(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>((i * 7 + 3) % 256));
    return s;
}

class XmppUploadTest : public ::testing::Test {
  protected:
    /// `limit`: the upload service's size limit; 0: no upload service at all.
    void serve(long long limit) {
        server = std::make_unique<Prosody>(false, limit);
        server->add_account("twintrack", "bot-secret");
        server->add_account("alice", "alice-secret");
    }
    XmppSettings settings() const {
        XmppSettings s;
        s.name = "xmpp";
        s.jid = kBot;
        s.password = core::Secret("XMPP_PASSWORD", "bot-secret");
        s.server = "127.0.0.1";
        s.port = server->port();
        s.tls = connectors::xmpp::TlsMode::optional;
        s.rooms = {{kRoom, "sales"}};
        s.backoff_initial = 200ms;
        s.backoff_max = 2s;
        return s;
    }
    std::unique_ptr<connectors::Connector> start(std::uint64_t fetch_up_to = 0) {
        auto c = connectors::xmpp::make_xmpp(settings(), context);
        if (fetch_up_to > 0) c->fetch_files_up_to(fetch_up_to);
        c->start(sink);
        return c;
    }
    void live(connectors::Connector& bot, XmppClient& alice) {
        ASSERT_TRUE(eventually([&] { return live_in(bot, kRoom); })) << server->log();
        ASSERT_TRUE(alice.join(kRoom, "Alice"));
    }
    core::Post post(const std::string& channel, const std::string& text,
                    std::vector<core::Attachment> files) {
        core::Post p;
        p.to = {"xmpp", channel, ""};
        p.text = text;
        p.attachments = std::move(files);
        return p;
    }

    std::unique_ptr<Prosody> server;
    core::SystemClock clock;
    test_support::TempDir data;
    connectors::ConnectorContext context{data.path(), core::source_dir() + "/prompts", &clock,
                                         nullptr};
    test_support::CollectingSink sink;
};

TEST_F(XmppUploadTest, AFileToARoomIsUploadedAndItsGetUrlSentAsAnInlineLink) {
    serve(100000);
    auto bot = start(10000);
    EXPECT_TRUE(bot->shows_files());
    EXPECT_TRUE(bot->wants_file_links());
    XmppClient alice(server->port(), "alice", "alice-secret");
    live(*bot, alice);
    const std::string bytes = binary(3000);
    const auto r =
        send_post(*bot, post(kRoom, "Bob (slack): the deck",
                             {{"deck.pdf", "application/pdf", bytes, "https://hub/f/1"}}));
    ASSERT_TRUE(r.ok) << r.error << "\n" << server->log();
    auto text = alice.wait_for([](const Received& m) { return m.body == "Bob (slack): the deck"; });
    ASSERT_TRUE(text);
    EXPECT_TRUE(text->oob_url.empty());
    auto file = alice.wait_for([](const Received& m) { return !m.oob_url.empty(); });
    ASSERT_TRUE(file) << server->log();
    EXPECT_EQ(file->type, "groupchat");
    EXPECT_EQ(file->body, file->oob_url);  // clients without XEP-0066 show the link
    const std::string base = "http://127.0.0.1:" + std::to_string(server->http_port()) + "/";
    EXPECT_EQ(file->oob_url.rfind(base, 0), 0u) << file->oob_url;
    EXPECT_NE(file->oob_url.find("deck.pdf"), std::string::npos);
    // What anyone fetches from the link is the file, byte for byte.
    const auto got = fetch(file->oob_url);
    ASSERT_TRUE(got.ok()) << got.error;
    EXPECT_TRUE(got.body == bytes) << "the bytes changed on the way";
    EXPECT_EQ(xmpp_status(*bot).files_uploaded, 1);
    EXPECT_EQ(xmpp_status(*bot).files_left_out, 0);

    // Without upload_hosts: links people post are fetched from the service discovery
    // found (the host of its URLs); the account's own domain is not that service.
    const std::string oob = "<x xmlns='jabber:x:oob'><url>" + file->oob_url + "</url></x>";
    const std::string elsewhere =
        "http://localhost:" + std::to_string(server->http_port()) + "/file_share/x/deck.pdf";
    alice.send_raw("<message type='groupchat' to='" + kRoom + "' id='in-1'><body>" + file->oob_url +
                   "</body>" + oob + "<x xmlns='jabber:x:oob'><url>" + elsewhere +
                   "</url></x></message>");
    auto e = sink.wait_for(
        [](const core::Event& ev) { return ev.extra.value("message_id", "") == "in-1"; });
    ASSERT_TRUE(e);
    const auto files = core::event_files(e->extra);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_TRUE(files[0].data == bytes);
    EXPECT_TRUE(files[1].data.empty());  // localhost is not the upload service
    EXPECT_EQ(files[1].url, elsewhere);
    EXPECT_EQ(xmpp_status(*bot).files_fetched, 1);
    bot->stop();
}

TEST_F(XmppUploadTest, AFileInADirectChatIsUploadedToo) {
    serve(100000);
    auto bot = start();
    XmppClient alice(server->port(), "alice", "alice-secret");
    ASSERT_TRUE(eventually([&] { return xmpp_status(*bot).online; }));
    const std::string png("\x89PNG\r\n\x1a\n-chart", 14);
    const auto r = send_post(*bot, post("@alice@localhost", "", {{"chart.png", "image/png", png}}));
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_FALSE(r.message_id.empty());  // a file alone: its message's id
    auto file = alice.wait_for([](const Received& m) { return !m.oob_url.empty(); });
    ASSERT_TRUE(file) << server->log();
    EXPECT_EQ(file->type, "chat");
    EXPECT_EQ(file->id, r.message_id);
    const auto got = fetch(file->oob_url);
    ASSERT_TRUE(got.ok()) << got.error;
    EXPECT_TRUE(got.body == png);
    EXPECT_EQ(got.header("content-type").rfind("image/png", 0), 0u);

    // A post right behind one whose file is going up waits for it: the person sees the
    // picture, then the words that follow it.
    core::Post picture = post("@alice@localhost", "", {{"chart2.png", "image/png", png}});
    picture.to.connector = bot->name();
    core::Post after = post("@alice@localhost", "after the chart", {});
    after.to.connector = bot->name();
    auto sent = std::make_shared<std::promise<std::pair<bool, bool>>>();
    auto first_ok = std::make_shared<bool>(false);
    bot->send(picture, [first_ok](core::SendResult r) { *first_ok = r.ok; });
    bot->send(after, [sent, first_ok](core::SendResult r) { sent->set_value({*first_ok, r.ok}); });
    auto both = sent->get_future();
    ASSERT_EQ(both.wait_for(30s), std::future_status::ready);
    EXPECT_EQ(both.get(), std::make_pair(true, true));
    auto next = alice.wait_for(
        [](const Received& m) { return !m.oob_url.empty() || m.body == "after the chart"; });
    ASSERT_TRUE(next);
    EXPECT_NE(next->oob_url.find("chart2.png"), std::string::npos) << next->body;
    EXPECT_TRUE(alice.wait_for([](const Received& m) { return m.body == "after the chart"; }));
    bot->stop();
}

TEST_F(XmppUploadTest, AFileOverTheServicesLimitGoesAsItsNameAndLinkInThePostsLanguage) {
    serve(1000);
    auto bot = start();
    XmppClient alice(server->port(), "alice", "alice-secret");
    live(*bot, alice);
    // English, with the link the bridge gave it (the hub's copy).
    auto r = send_post(*bot, post(kRoom, "Bob (slack): big one",
                                  {{"big.bin", "", binary(5000), "https://hub.example/f/abc"},
                                   {"small.txt", "text/plain", "just fits"}}));
    ASSERT_TRUE(r.ok) << r.error;
    auto text = alice.wait_for([](const Received& m) { return m.body.rfind("Bob", 0) == 0; });
    ASSERT_TRUE(text);
    EXPECT_EQ(text->body, "Bob (slack): big one\n[file: big.bin: https://hub.example/f/abc]");
    auto small = alice.wait_for([](const Received& m) { return !m.oob_url.empty(); });
    ASSERT_TRUE(small);  // the file that fits still goes
    EXPECT_TRUE(fetch(small->oob_url).body == "just fits");
    // Chinese, no link: the name.
    core::Post zh = post(kRoom, "鲍勃 (slack)：大文件", {{"大.bin", "", binary(5000)}});
    zh.locale = "zh-CN";
    r = send_post(*bot, zh);
    ASSERT_TRUE(r.ok) << r.error;
    auto line = alice.wait_for([](const Received& m) { return m.body.rfind("鲍勃", 0) == 0; });
    ASSERT_TRUE(line);
    EXPECT_EQ(line->body, "鲍勃 (slack)：大文件\n[文件：大.bin，此处无法显示]");
    EXPECT_EQ(xmpp_status(*bot).files_left_out, 2);
    EXPECT_EQ(xmpp_status(*bot).files_uploaded, 1);
    // Nothing else came: no link message for the files left out.
    EXPECT_FALSE(alice.wait_for([](const Received& m) { return !m.oob_url.empty(); }, 500ms));
    bot->stop();
}

TEST_F(XmppUploadTest, WithoutAnUploadServiceAFileGoesAsItsNameAndNoLinkIsFetched) {
    serve(0);
    auto bot = start(10000);
    XmppClient alice(server->port(), "alice", "alice-secret");
    live(*bot, alice);
    auto r = send_post(*bot, post(kRoom, "Bob (slack):", {{"notes.txt", "text/plain", "hello"}}));
    ASSERT_TRUE(r.ok) << r.error;
    auto text = alice.wait_for([](const Received& m) { return m.body.rfind("Bob", 0) == 0; });
    ASSERT_TRUE(text);
    EXPECT_EQ(text->body, "Bob (slack):\n[file: notes.txt, not shown here]");
    // No service found: no host to fetch from, the account's domain included.
    alice.send_raw("<message type='groupchat' to='" + kRoom +
                   "' id='in-2'><body>see</body><x xmlns='jabber:x:oob'><url>http://localhost:" +
                   std::to_string(server->port()) + "/a.png</url></x></message>");
    auto e = sink.wait_for(
        [](const core::Event& ev) { return ev.extra.value("message_id", "") == "in-2"; });
    ASSERT_TRUE(e);
    const auto files = core::event_files(e->extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_TRUE(files[0].data.empty());
    EXPECT_EQ(xmpp_status(*bot).files_fetched, 0);
    bot->stop();
}

}  // namespace
}  // namespace twintrack::xmpp_test
