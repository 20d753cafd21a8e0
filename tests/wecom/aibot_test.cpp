// The WeCom AI bot (智能机器人) long connection against a fake gateway on loopback that
// speaks the frames of WeCom's document 101463 and its official SDK: the subscribe with
// the Bot ID and Secret (refused with a wrong secret), heartbeats, message callbacks of
// one-to-one chats and group @-messages, answers on the callback's req_id, messages of
// the bot's own, a dropped socket, redelivered messages and the config section.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "connectors/registry.hpp"
#include "connectors/wecom/aibot_connector.hpp"
#include "connectors/wecom/aibot_frames.hpp"
#include "core/clock.hpp"
#include "tests/support/connector_sink.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/loopback_proxy.hpp"
#include "tests/support/stop_server.hpp"

namespace twintrack::wecom_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;
using namespace std::chrono_literals;
using test_support::eventually;

const std::string kBotId = "aibAbCdEfGh0123456789";
const std::string kBotSecret = "aibot-secret-value-0123456789";

// WeCom's gateway as the document describes it: the first frame must be aibot_subscribe
// with the bot's id and secret (answered errcode 0, or 853000 for wrong ones), `ping` is
// answered, and every aibot_respond_msg / aibot_send_msg gets an answer on its req_id.
class FakeGateway {
  public:
    using Server = websocketpp::server<websocketpp::config::asio>;

    FakeGateway() {
        server_.clear_access_channels(websocketpp::log::alevel::all);
        server_.clear_error_channels(websocketpp::log::elevel::all);
        server_.init_asio();
        server_.set_reuse_addr(true);
        server_.set_open_handler([this](websocketpp::connection_hdl hdl) {
            std::lock_guard<std::mutex> lock(mu_);
            socket_ = hdl;
            ++sockets_;
            cv_.notify_all();
        });
        server_.set_message_handler([this](websocketpp::connection_hdl hdl, Server::message_ptr m) {
            on_frame(hdl, m->get_payload());
        });
        websocketpp::lib::error_code ec;
        server_.listen(
            boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0), ec);
        server_.start_accept(ec);
        boost::system::error_code lec;
        port_ = server_.get_local_endpoint(lec).port();
        thread_ = std::thread([this] { server_.run(); });
    }
    ~FakeGateway() { test_support::stop_server(server_, thread_); }

    std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_); }

    void answer_pings(bool yes) {
        std::lock_guard<std::mutex> lock(mu_);
        answer_pings_ = yes;
    }
    /// The next answers to respond/send frames carry these errcodes (then 0).
    void fail_next(long long errcode) {
        std::lock_guard<std::mutex> lock(mu_);
        errcodes_.push_back(errcode);
    }

    /// Sends a frame on the newest connection.
    bool push(const json& frame) {
        websocketpp::connection_hdl hdl;
        {
            std::lock_guard<std::mutex> lock(mu_);
            hdl = socket_;
        }
        websocketpp::lib::error_code ec;
        server_.send(hdl, frame.dump(), websocketpp::frame::opcode::text, ec);
        return !ec;
    }
    void drop_socket() {
        websocketpp::connection_hdl hdl;
        {
            std::lock_guard<std::mutex> lock(mu_);
            hdl = socket_;
        }
        boost::asio::post(server_.get_io_service(), [this, hdl] {
            websocketpp::lib::error_code ec;
            auto con = server_.get_con_from_hdl(hdl, ec);
            if (con) con->terminate(ec);
        });
    }

    /// Waits until `n` frames with `cmd` arrived; returns the n-th (null when none).
    json wait_frame(const std::string& cmd, std::size_t n = 1,
                    std::chrono::milliseconds timeout = 10s) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, timeout, [&] { return count_locked(cmd) >= n; });
        std::size_t seen = 0;
        for (const auto& f : frames_) {
            if (f.value("cmd", "") == cmd && ++seen == n) return f;
        }
        return nullptr;
    }
    std::size_t count(const std::string& cmd) {
        std::lock_guard<std::mutex> lock(mu_);
        return count_locked(cmd);
    }
    int sockets() {
        std::lock_guard<std::mutex> lock(mu_);
        return sockets_;
    }
    /// Waits until a subscribe was accepted on `n` connections.
    bool wait_subscribed(int n, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock<std::mutex> lock(mu_);
        return cv_.wait_for(lock, timeout, [&] { return subscribed_ >= n; });
    }

  private:
    std::size_t count_locked(const std::string& cmd) const {
        std::size_t n = 0;
        for (const auto& f : frames_) n += f.value("cmd", "") == cmd ? 1 : 0;
        return n;
    }

    void on_frame(websocketpp::connection_hdl hdl, const std::string& text) {
        json frame = json::parse(text, nullptr, false);
        if (!frame.is_object()) return;
        const std::string cmd = frame.value("cmd", "");
        const std::string req_id = frame["headers"].value("req_id", "");
        json answer = {{"headers", {{"req_id", req_id}}}, {"errcode", 0}, {"errmsg", "ok"}};
        bool reply = true;
        bool subscribed = false;
        {
            std::lock_guard<std::mutex> lock(mu_);
            frames_.push_back(frame);
            if (cmd == "aibot_subscribe") {
                const json body = frame.value("body", json::object());
                if (body.value("bot_id", "") != kBotId || body.value("secret", "") != kBotSecret) {
                    answer["errcode"] = 853000;
                    answer["errmsg"] = "invalid bot_id or secret";
                } else {
                    subscribed = true;
                }
            } else if (cmd == "ping") {
                reply = answer_pings_;
            } else if (cmd == "aibot_respond_msg" || cmd == "aibot_send_msg") {
                if (!errcodes_.empty()) {
                    answer["errcode"] = errcodes_.front();
                    answer["errmsg"] = "refused by the fake";
                    errcodes_.pop_front();
                }
            }
            cv_.notify_all();
        }
        if (reply) {
            websocketpp::lib::error_code ec;
            server_.send(hdl, answer.dump(), websocketpp::frame::opcode::text, ec);
        }
        if (subscribed) {
            // Counted once its answer is on the wire: what a test pushes next follows it.
            std::lock_guard<std::mutex> lock(mu_);
            ++subscribed_;
            cv_.notify_all();
        }
    }

    Server server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex mu_;
    std::condition_variable cv_;
    websocketpp::connection_hdl socket_;
    int sockets_ = 0;
    int subscribed_ = 0;
    bool answer_pings_ = true;
    std::deque<long long> errcodes_;
    std::vector<json> frames_;
};

// A message callback as WeCom pushes it.
json message_frame(const std::string& req_id, const std::string& msgid, const std::string& user,
                   const std::string& msgtype, const json& content,
                   const std::string& chat_id = "") {
    json body = {{"msgid", msgid},
                 {"aibotid", kBotId},
                 {"chattype", chat_id.empty() ? "single" : "group"},
                 {"from", {{"userid", user}}},
                 {"create_time", 1765072800},
                 {"msgtype", msgtype},
                 {msgtype, content}};
    if (!chat_id.empty()) body["chatid"] = chat_id;
    return {{"cmd", "aibot_msg_callback"}, {"headers", {{"req_id", req_id}}}, {"body", body}};
}

json text_frame(const std::string& req_id, const std::string& msgid, const std::string& user,
                const std::string& text, const std::string& chat_id = "") {
    return message_frame(req_id, msgid, user, "text", {{"content", text}}, chat_id);
}

class AibotTest : public ::testing::Test {
  protected:
    void start(const std::string& secret = kBotSecret,
               std::function<void(connectors::wecom::AibotSettings&)> adjust = nullptr) {
        connectors::wecom::AibotSettings s;
        s.bot_id = kBotId;
        s.secret = core::Secret("TT_AIBOT_SECRET", secret);
        s.ws_url = gateway_.url();
        s.backoff_initial = 50ms;
        s.backoff_max = 200ms;
        s.ack_timeout = 5s;
        if (adjust) adjust(s);
        connectors::ConnectorContext context;
        context.clock = &clock_;
        context.prompts_dir = TWINTRACK_PROMPTS_DIR;
        context.roster = roster_;
        connector_ = connectors::wecom::make_aibot(s, context);
        connector_->start(sink_);
    }
    void TearDown() override {
        if (connector_) connector_->stop();
    }
    connectors::wecom::AibotStatus status() const {
        return connectors::wecom::aibot_status(*connector_);
    }

    core::SendResult send(const core::Post& post) {
        std::promise<core::SendResult> done;
        auto result = done.get_future();
        connector_->send(post, [&done](core::SendResult r) { done.set_value(std::move(r)); });
        if (result.wait_for(20s) != std::future_status::ready) {
            return {false, "", "no answer from the connector", true};
        }
        return result.get();
    }
    core::SendResult reply(const std::string& channel, const std::string& text,
                           const std::string& reply_to) {
        core::Post post;
        post.to = {"wecom", channel, ""};
        post.text = text;
        post.reply_to = reply_to;
        return send(post);
    }

    FakeGateway gateway_;
    core::FakeClock clock_{core::from_millis(1765072800000)};
    std::shared_ptr<connectors::Roster> roster_ = std::make_shared<connectors::Roster>();
    test_support::CollectingSink sink_;
    std::unique_ptr<connectors::Connector> connector_;
};

TEST_F(AibotTest, AWrongSecretIsRefusedLoggedWithoutItAndTriedAgain) {
    test_support::LogCapture log;
    start("not-the-secret-value");
    ASSERT_TRUE(eventually([&] { return status().subscribes_refused >= 2; }));
    EXPECT_FALSE(connector_->connected());
    EXPECT_EQ(gateway_.wait_frame("aibot_subscribe")["body"]["bot_id"], kBotId);
    EXPECT_GE(log.count("aibot_subscribe refused: errcode 853000"), 1);
    EXPECT_EQ(log.count("not-the-secret-value"), 0);
    EXPECT_GE(gateway_.sockets(), 2);  // reconnected after the backoff
}

TEST_F(AibotTest, ADirectMessageIsAnsweredOnItsOwnReqId) {
    start();
    ASSERT_TRUE(gateway_.wait_subscribed(1));
    ASSERT_TRUE(eventually([&] { return connector_->connected(); }));
    ASSERT_TRUE(gateway_.push(text_frame("req-cb-1", "msg-1", "lina", " help ")));
    auto event = sink_.with_text("help");
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, "wecom:msg-1");
    EXPECT_EQ(event->who.user_id, "lina");
    EXPECT_EQ(event->where.channel, "@lina");
    EXPECT_TRUE(event->direct);
    EXPECT_TRUE(event->addressed);
    EXPECT_EQ(event->extra.value("message_id", ""), "msg-1");

    const auto r = reply("@lina", "**Commands**: report, help", "msg-1");
    ASSERT_TRUE(r.ok) << r.error;
    const json frame = gateway_.wait_frame("aibot_respond_msg");
    ASSERT_TRUE(frame.is_object());
    EXPECT_EQ(frame["headers"]["req_id"], "req-cb-1");
    EXPECT_EQ(frame["body"]["msgtype"], "stream");
    EXPECT_EQ(frame["body"]["stream"]["finish"], true);
    EXPECT_EQ(frame["body"]["stream"]["content"], "**Commands**: report, help");
    EXPECT_FALSE(frame["body"]["stream"].value("id", "").empty());
    EXPECT_EQ(status().responds, 1);
    EXPECT_EQ(gateway_.count("aibot_send_msg"), 0u);
}

// With `proxy:` the long connection goes through the proxy with CONNECT (company networks
// often allow only that), and the session relayed by it works both ways.
TEST_F(AibotTest, TheLongConnectionIsTunnelledThroughTheConfiguredProxy) {
    test_support::LoopbackProxy proxy;
    start(kBotSecret, [&](connectors::wecom::AibotSettings& s) { s.proxy = proxy.url(); });
    ASSERT_TRUE(gateway_.wait_subscribed(1));
    EXPECT_TRUE(proxy.wait_seen("CONNECT " + gateway_.url().substr(5) + " "));
    ASSERT_TRUE(gateway_.push(text_frame("req-cb-p", "msg-p", "lina", "via the proxy")));
    ASSERT_TRUE(sink_.with_text("via the proxy"));
    const auto r = reply("@lina", "answered through the proxy", "msg-p");
    ASSERT_TRUE(r.ok) << r.error;
    const json frame = gateway_.wait_frame("aibot_respond_msg");
    ASSERT_TRUE(frame.is_object());
    EXPECT_EQ(frame["headers"]["req_id"], "req-cb-p");
}

TEST_F(AibotTest, AGroupMentionIsAnAddressedGroupEventAndPostsGoToTheChat) {
    start();
    ASSERT_TRUE(gateway_.wait_subscribed(1));
    ASSERT_TRUE(gateway_.push(text_frame("req-cb-2", "msg-2", "zhouqiang",
                                         "@TwinTrack\xE2\x80\x85metrics", "wrkSFfCgAA")));
    auto event = sink_.with_text("metrics");
    ASSERT_TRUE(event);
    EXPECT_EQ(event->where.channel, "wrkSFfCgAA");
    EXPECT_FALSE(event->direct);
    EXPECT_TRUE(event->addressed);
    EXPECT_EQ(event->who.user_id, "zhouqiang");

    // A post of the bot's own (a digest) to the group: aibot_send_msg to its chatid.
    core::Post post;
    post.to = {"wecom", "wrkSFfCgAA", ""};
    post.text = "Weekly digest";
    const auto r = send(post);
    ASSERT_TRUE(r.ok) << r.error;
    const json frame = gateway_.wait_frame("aibot_send_msg");
    EXPECT_EQ(frame["body"]["chatid"], "wrkSFfCgAA");
    EXPECT_EQ(frame["body"]["msgtype"], "markdown");
    EXPECT_EQ(frame["body"]["markdown"]["content"], "Weekly digest");
    EXPECT_THAT(frame["headers"].value("req_id", ""), HasSubstr("aibot_send_msg"));
}

TEST_F(AibotTest, AMessageDeliveredTwiceIsHandedOnOnce) {
    start();
    ASSERT_TRUE(gateway_.wait_subscribed(1));
    const json frame = text_frame("req-cb-3", "msg-3", "lina", "status");
    ASSERT_TRUE(gateway_.push(frame));
    ASSERT_TRUE(gateway_.push(frame));
    ASSERT_TRUE(sink_.with_text("status"));
    ASSERT_TRUE(eventually([&] { return status().duplicates == 1; }));
    EXPECT_TRUE(sink_.rest().empty());
}

TEST_F(AibotTest, HeartbeatsAreSentAndAConnectionThatStopsAnsweringIsOpenedAgain) {
    start(kBotSecret, [](auto& s) { s.heartbeat = 50ms; });
    ASSERT_TRUE(gateway_.wait_subscribed(1));
    ASSERT_TRUE(eventually([&] { return status().heartbeats >= 2; }));
    EXPECT_TRUE(gateway_.wait_frame("ping").contains("headers"));
    gateway_.answer_pings(false);
    ASSERT_TRUE(gateway_.wait_subscribed(2));  // two pings unanswered: a new connection
    EXPECT_GE(status().connections, 2);
}

TEST_F(AibotTest, ADroppedSocketReconnectsSubscribesAgainAndStillAnswers) {
    start();
    ASSERT_TRUE(gateway_.wait_subscribed(1));
    gateway_.drop_socket();
    ASSERT_TRUE(gateway_.wait_subscribed(2));
    ASSERT_TRUE(eventually([&] { return connector_->connected(); }));
    ASSERT_TRUE(gateway_.push(text_frame("req-cb-4", "msg-4", "lina", "help")));
    ASSERT_TRUE(sink_.with_text("help"));
    const auto r = reply("@lina", "ok", "msg-4");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(gateway_.wait_frame("aibot_respond_msg")["headers"]["req_id"], "req-cb-4");
}

TEST_F(AibotTest, AReqIdWeComNoLongerTakesIsAnsweredWithAMessageOfItsOwn) {
    start();
    ASSERT_TRUE(gateway_.wait_subscribed(1));
    ASSERT_TRUE(gateway_.push(text_frame("req-cb-5", "msg-5", "lina", "help")));
    ASSERT_TRUE(sink_.with_text("help"));
    gateway_.fail_next(846608);  // the stream can no longer be updated
    const auto r = reply("@lina", "late answer", "msg-5");
    ASSERT_TRUE(r.ok) << r.error;
    const json frame = gateway_.wait_frame("aibot_send_msg");
    EXPECT_EQ(frame["body"]["chatid"], "lina");
    EXPECT_EQ(frame["body"]["markdown"]["content"], "late answer");
}

TEST_F(AibotTest, OtherRefusalsFailThePostForGood) {
    start();
    ASSERT_TRUE(gateway_.wait_subscribed(1));
    ASSERT_TRUE(eventually([&] { return connector_->connected(); }));
    gateway_.fail_next(40058);
    core::Post post;
    post.to = {"wecom", "@nobody", ""};
    post.text = "hello";
    const auto r = send(post);
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.retryable);
    EXPECT_THAT(r.error, HasSubstr("40058"));
}

TEST_F(AibotTest, PicturesAreAnsweredInTheWritersLanguage) {
    roster_->set({{"lina", "Li Na", "sales", "zh-CN"}, {"tom", "Tom", "marketing", "en"}});
    start();
    ASSERT_TRUE(gateway_.wait_subscribed(1));
    struct Case {
        std::string user, req_id, msgid, words;
    };
    const std::vector<Case> cases = {{"lina", "req-img-1", "img-1", "我只能读懂文字消息"},
                                     {"tom", "req-img-2", "img-2", "I can only read text"}};
    std::size_t n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.user);
        ASSERT_TRUE(
            gateway_.push(message_frame(c.req_id, c.msgid, c.user, "image",
                                        {{"url", "https://example.invalid/x"}, {"aeskey", "k"}})));
        const json frame = gateway_.wait_frame("aibot_respond_msg", ++n);
        ASSERT_TRUE(frame.is_object());
        EXPECT_EQ(frame["headers"]["req_id"], c.req_id);
        EXPECT_THAT(frame["body"]["stream"].value("content", ""), HasSubstr(c.words));
    }
    EXPECT_TRUE(sink_.rest().empty());  // nothing reached the bot
}

TEST_F(AibotTest, AnotherConnectionTakingOverStopsReconnecting) {
    test_support::LogCapture log;
    start();
    ASSERT_TRUE(gateway_.wait_subscribed(1));
    ASSERT_TRUE(gateway_.push({{"cmd", "aibot_event_callback"},
                               {"headers", {{"req_id", "req-ev-1"}}},
                               {"body",
                                {{"msgid", "ev-1"},
                                 {"msgtype", "event"},
                                 {"event", {{"eventtype", "disconnected_event"}}}}}}));
    // The reason is logged before the link closes: wait for both.
    ASSERT_TRUE(
        eventually([&] { return log.count("not reconnecting") >= 1 && !connector_->connected(); }));
    EXPECT_EQ(gateway_.sockets(), 1);
}

// --- frames --------------------------------------------------------------------------------

TEST(AibotFrames, MentionsAreStrippedFromTheStartOfGroupText) {
    struct Case {
        std::string in, out;
    };
    const std::vector<Case> cases = {{"@TwinTrack help", "help"},
                                     {"@TwinTrack\xE2\x80\x85report  ", "report"},
                                     {"@双轨助手 @Li 指标", "指标"},
                                     {"help @TwinTrack", "help @TwinTrack"},
                                     {"@TwinTrack", ""}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        EXPECT_EQ(connectors::wecom::strip_leading_mentions(c.in), c.out);
    }
}

TEST(AibotFrames, IncompleteCallbacksAreRecognised) {
    using connectors::wecom::AibotRead;
    struct Case {
        std::string name;
        json body;
        AibotRead read;
    };
    const json ok = text_frame("r", "m", "lina", "hi")["body"];
    json no_user = ok, group_without_chat = ok, file = ok, mixed = ok;
    no_user["from"] = json::object();
    group_without_chat["chattype"] = "group";
    file["msgtype"] = "file";
    mixed["msgtype"] = "mixed";
    mixed["mixed"] = {
        {"msg_item", json::array({json{{"msgtype", "text"}, {"text", {{"content", "look"}}}},
                                  json{{"msgtype", "image"}, {"image", {{"url", "u"}}}}})}};
    const std::vector<Case> cases = {
        {"text", ok, AibotRead::ok},
        {"no user", no_user, AibotRead::incomplete},
        {"group without chatid", group_without_chat, AibotRead::incomplete},
        {"file", file, AibotRead::not_text},
        {"mixed with text", mixed, AibotRead::ok},
        {"not an object", json::array(), AibotRead::incomplete}};
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        connectors::wecom::AibotMessage m;
        EXPECT_EQ(connectors::wecom::read_aibot_message(c.body, m), c.read);
    }
}

// --- config --------------------------------------------------------------------------------

class AibotConfig : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("TT_AIBOT_SECRET", kBotSecret.c_str(), 1);
        ::unsetenv("TT_AIBOT_MISSING");
    }
    static std::pair<std::optional<connectors::ConnectorSpec>, std::string> read(
        const std::string& yaml) {
        core::ConfigErrors errors;
        auto spec = connectors::read_connector_spec(YAML::Load(yaml), 0, errors);
        return {spec, errors.describe("twintrack.yaml")};
    }
};

TEST_F(AibotConfig, AnAibotSectionReadsWithItsGroups) {
    const auto [spec, errors] =
        read("type: wecom\nmode: aibot\nbot_id: " + kBotId +
             "\nsecret: ${TT_AIBOT_SECRET}\nheartbeat_seconds: 30\nchannels:\n"
             "  - {name: wrkSFfCgAA, track: sales}\n");
    ASSERT_TRUE(spec) << errors;
    ASSERT_EQ(spec->channels.size(), 1u);
    EXPECT_EQ(spec->channels[0].track, "sales");
    // One connection per bot: only the process holding the connector's lease runs it.
    EXPECT_TRUE(connectors::runs_in_one_process(*spec));
    // bot_id without mode is the AI bot too.
    const auto plain = read("type: wecom\nbot_id: " + kBotId + "\nsecret: ${TT_AIBOT_SECRET}\n");
    ASSERT_TRUE(plain.first) << plain.second;
    EXPECT_TRUE(connectors::runs_in_one_process(*plain.first));
}

TEST_F(AibotConfig, ProblemsAreNamedAndNeverEchoTheSecret) {
    struct Case {
        std::string name, yaml, error;
    };
    const std::string base = "type: wecom\nmode: aibot\n";
    const std::vector<Case> cases = {
        {"no bot_id", base + "secret: ${TT_AIBOT_SECRET}\n", "bot_id"},
        {"secret written inline", base + "bot_id: " + kBotId + "\nsecret: " + kBotSecret + "\n",
         "${ENV_VAR}"},
        {"variable not set", base + "bot_id: " + kBotId + "\nsecret: ${TT_AIBOT_MISSING}\n",
         "TT_AIBOT_MISSING"},
        {"bad ws_url",
         base + "bot_id: " + kBotId + "\nsecret: ${TT_AIBOT_SECRET}\nws_url: https://x\n",
         "wss://"},
        {"app keys", base + "bot_id: " + kBotId + "\nsecret: ${TT_AIBOT_SECRET}\ncorp_id: ww1\n",
         "twintrack.yaml:5:"},
        {"an unknown mode", "type: wecom\nmode: robot\nbot_id: " + kBotId + "\n", "mode"},
        {"the app's mode without its corp_id", "type: wecom\nmode: app\nbot_id: " + kBotId + "\n",
         "corp_id"},
        {"a proxy that is not http://host:port",
         base + "bot_id: " + kBotId + "\nsecret: ${TT_AIBOT_SECRET}\nproxy: ftp://p:3128\n",
         "proxy"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto [spec, errors] = read(c.yaml);
        EXPECT_FALSE(spec);
        EXPECT_THAT(errors, HasSubstr(c.error));
        EXPECT_THAT(errors, Not(HasSubstr(kBotSecret)));
    }
}

}  // namespace
}  // namespace twintrack::wecom_test
