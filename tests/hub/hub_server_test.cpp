// The hub end to end: a real server on a loopback port, real WebSocket and HTTP clients.

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "core/text.hpp"
#include "tests/hub/hub_fixture.hpp"

namespace twintrack::connectors::hub::testing {
namespace {

using test_support::http_get;

const std::vector<std::string> default_channels = {"general", "marketing", "sales", "joint"};

TEST_F(HubTest, HelloGetsWelcomeThenOneHistoryFramePerChannelAndTheDirectChannel) {
    start_hub();
    auto ws = connect();
    ws->send_json({{"type", "hello"}, {"user", "alice"}});
    auto welcome = ws->next_json();
    ASSERT_TRUE(welcome);
    EXPECT_EQ((*welcome)["type"], "welcome");
    EXPECT_EQ((*welcome)["user"], "alice");
    EXPECT_EQ((*welcome)["channels"], json(default_channels));

    std::vector<std::string> expected = default_channels;
    expected.push_back("@twintrack");
    for (const auto& channel : expected) {
        SCOPED_TRACE(channel);
        auto history = ws->next_json();
        ASSERT_TRUE(history);
        EXPECT_EQ((*history)["type"], "history");
        EXPECT_EQ((*history)["channel"], channel);
        EXPECT_EQ((*history)["messages"], json::array());
    }
    EXPECT_TRUE(ws->nothing_within(100ms));
}

TEST_F(HubTest, PingGetsPongEvenBeforeHello) {
    start_hub();
    auto ws = connect();
    ws->send_json({{"type", "ping"}});
    auto pong = ws->next_json();
    ASSERT_TRUE(pong);
    EXPECT_EQ(*pong, json({{"type", "pong"}}));
}

TEST_F(HubTest, ASocketThatNeverSaysHelloIsClosed) {
    HubSettings settings;
    settings.hello_timeout = 300ms;
    start_hub(settings);
    auto silent = connect();
    auto patient = connect();
    patient->send_json({{"type", "hello"}, {"user", "alice"}});
    ASSERT_TRUE(patient->wait_for_type("welcome"));
    auto err = silent->wait_for_type("error", 3s);
    ASSERT_TRUE(err);
    EXPECT_EQ((*err)["code"], "hello_timeout");
    auto closed = silent->wait_closed(3s);
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1008);
    // The one that said hello stays, past the timeout.
    std::this_thread::sleep_for(500ms);
    patient->send_json({{"type", "ping"}});
    EXPECT_TRUE(patient->wait_for_type("pong"));
}

TEST_F(HubTest, ChannelMessageGoesToEveryAuthenticatedSocketOnly) {
    start_hub();
    auto alice = sign_in("alice");
    auto bob = sign_in("bob");
    auto lurker = connect();  // connected, never said hello

    alice->send_json(message("general", "help", "c-1"));
    for (WsClient* ws : {alice.get(), bob.get()}) {
        auto frame = ws->next_json();
        ASSERT_TRUE(frame);
        EXPECT_EQ((*frame)["type"], "message");
        EXPECT_EQ((*frame)["channel"], "general");
        EXPECT_EQ((*frame)["user"], "alice");
        EXPECT_EQ((*frame)["text"], "help");
        EXPECT_EQ((*frame)["client_id"], "c-1");
        EXPECT_EQ((*frame)["ts"], start_ms);
        ASSERT_TRUE((*frame)["id"].is_string());
        EXPECT_FALSE((*frame)["id"].get<std::string>().empty());
        EXPECT_NE((*frame)["id"], "c-1");
    }
    EXPECT_TRUE(lurker->nothing_within(200ms));
}

TEST_F(HubTest, DirectMessagesReachOnlyTheSendersSockets) {
    start_hub();
    auto alice_tab1 = sign_in("alice");
    auto alice_tab2 = sign_in("alice");
    auto bob = sign_in("bob");

    alice_tab1->send_json(message("@twintrack", "my pipeline", "d-1"));
    for (WsClient* ws : {alice_tab1.get(), alice_tab2.get()}) {
        auto frame = ws->next_json();
        ASSERT_TRUE(frame);
        EXPECT_EQ((*frame)["channel"], "@twintrack");
        EXPECT_EQ((*frame)["user"], "alice");
        EXPECT_EQ((*frame)["text"], "my pipeline");
    }
    EXPECT_TRUE(bob->nothing_within(200ms));

    auto event = sink_.wait_for_text("my pipeline");
    ASSERT_TRUE(event);
    EXPECT_TRUE(event->direct);
    EXPECT_EQ(event->where.channel, "@alice");

    // The bot's answer is private too.
    ASSERT_TRUE(send_post("@alice", "noted", "d-1").ok);
    auto reply = wait_text(*alice_tab2, "noted");
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)["channel"], "@twintrack");
    EXPECT_EQ((*reply)["user"], "twintrack");
    EXPECT_TRUE(bob->nothing_within(200ms));

    // Nor does bob see alice's conversation in his history.
    std::vector<json> history;
    auto bob2 = sign_in("bob", &history);
    ASSERT_EQ(history.size(), 5u);
    EXPECT_EQ(history.back()["channel"], "@twintrack");
    EXPECT_EQ(history.back()["messages"], json::array());
}

TEST_F(HubTest, DirectMessagesFollowTheTabsAUserHasOpen) {
    start_hub();
    auto tab1 = sign_in("alice");
    auto tab2 = sign_in("alice");
    auto bob = sign_in("bob");

    // One tab closed: the other still gets her answers.
    tab1->close();
    ASSERT_TRUE(send_post("@alice", "first answer").ok);
    ASSERT_TRUE(wait_text(*tab2, "first answer"));

    // Every tab gone: the answer is kept for her, and a new tab gets the next one live.
    tab2->drop();
    ASSERT_TRUE(send_post("@alice", "while away").ok);
    std::vector<json> history;
    auto tab3 = sign_in("alice", &history);
    ASSERT_EQ(history.back()["messages"].size(), 2u);
    EXPECT_EQ(history.back()["messages"][1]["text"], "while away");
    ASSERT_TRUE(send_post("@alice", "welcome back").ok);
    ASSERT_TRUE(wait_text(*tab3, "welcome back"));
    EXPECT_TRUE(bob->nothing_within(200ms));
}

TEST_F(HubTest, MessagesBecomeEventsWithPlatformIdsAndMentionsStripped) {
    start_hub();
    auto alice = sign_in("alice");
    clock_.advance(1500ms);

    struct Case {
        std::string name;
        json frame;
        std::string event_text;
        std::string channel;
        bool direct;
        bool addressed;
    };
    const std::vector<Case> cases = {
        {"plain", message("general", "help", "c-1"), "help", "general", false, false},
        {"mention with space", message("sales", "@twintrack report", "c-2"), "report", "sales",
         false, true},
        {"mention with colon", message("joint", "@twintrack: who owns ACME?", "c-3"),
         "who owns ACME?", "joint", false, true},
        {"mention with comma, upper case", message("general", "@TwinTrack, rules", "c-4"), "rules",
         "general", false, true},
        {"longer name is no mention", message("general", "@twintrackers unite", "c-5"),
         "@twintrackers unite", "general", false, false},
        {"mention mid-text", message("general", "ask @twintrack later", "c-6"),
         "ask @twintrack later", "general", false, false},
        {"full-width colon", message("marketing", "@twintrack：本周报告", "c-7"), "本周报告",
         "marketing", false, true},
        {"direct", message("@twintrack", "help me", "c-8"), "help me", "@alice", true, false},
        {"direct with mention", message("@twintrack", "@twintrack status", "c-9"), "status",
         "@alice", true, true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        alice->send_json(c.frame);
        auto echoed = alice->next_json();
        ASSERT_TRUE(echoed);
        EXPECT_EQ((*echoed)["text"], c.frame["text"]) << "the broadcast keeps the mention";
        auto event = sink_.wait_for_text(c.event_text);
        ASSERT_TRUE(event);
        const std::string client_id = c.frame["id"];
        EXPECT_EQ(event->id, "hub:alice:" + client_id);
        EXPECT_EQ(event->kind, core::EventKind::message);
        EXPECT_EQ(event->where, (core::Address{"hub", c.channel, ""}));
        EXPECT_EQ(event->who.connector, "hub");
        EXPECT_EQ(event->who.user_id, "alice");
        EXPECT_EQ(event->who.display, "alice");
        EXPECT_EQ(core::to_millis(event->at), start_ms + 1500);
        EXPECT_EQ(event->direct, c.direct);
        EXPECT_EQ(event->addressed, c.addressed);
        EXPECT_EQ(event->extra, json({{"message_id", client_id}}));
    }
}

TEST_F(HubTest, MessageWithoutClientIdGetsTheServerIdInItsEvent) {
    start_hub();
    auto alice = sign_in("alice");
    alice->send_json(message("general", "no id here"));
    auto frame = alice->next_json();
    ASSERT_TRUE(frame);
    EXPECT_FALSE(frame->contains("client_id"));
    const std::string server_id = (*frame)["id"];
    auto event = sink_.wait_for_text("no id here");
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, "hub:alice:" + server_id);
    EXPECT_EQ(event->extra["message_id"], server_id);
}

TEST_F(HubTest, ServerIdsAreUniqueAcrossMessagesAndRestarts) {
    start_hub();
    std::set<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        const auto r = send_post("general", "m" + std::to_string(i));
        ASSERT_TRUE(r.ok);
        ids.insert(r.message_id);
    }
    start_hub();
    for (int i = 0; i < 5; ++i) ids.insert(send_post("general", "n").message_id);
    EXPECT_EQ(ids.size(), 10u);
}

TEST_F(HubTest, SendToChannelBroadcastsAsTheBotAndReportsTheId) {
    start_hub();
    auto alice = sign_in("alice");
    auto bob = sign_in("bob");
    clock_.advance(42ms);

    const auto result = send_post("sales", "Weekly metrics are out", "c-7");
    ASSERT_TRUE(result.ok) << result.error;
    EXPECT_FALSE(result.message_id.empty());
    for (WsClient* ws : {alice.get(), bob.get()}) {
        auto frame = ws->next_json();
        ASSERT_TRUE(frame);
        EXPECT_EQ(*frame, json({{"type", "message"},
                                {"channel", "sales"},
                                {"user", "twintrack"},
                                {"text", "Weekly metrics are out"},
                                {"id", result.message_id},
                                {"reply_to", "c-7"},
                                {"ts", start_ms + 42}}));
    }
}

// The hub frames a post once for all sockets: short posts, and the two longer lengths
// of the WebSocket header (16-bit from 126 bytes, 64-bit above 65,535), arrive whole on
// each socket, in order.
TEST_F(HubTest, PostsOfEveryFrameLengthReachEverySocketWhole) {
    start_hub();
    auto alice = sign_in("alice");
    auto bob = sign_in("bob");
    const std::vector<std::string> texts = {"short", std::string(300, 'x'),
                                            std::string(70000, 'y') + "\xE4\xBD\xA0"};
    for (const auto& text : texts) ASSERT_TRUE(send_post("sales", text).ok);
    for (WsClient* ws : {alice.get(), bob.get()}) {
        for (const auto& text : texts) {
            auto frame = ws->next_json();
            ASSERT_TRUE(frame);
            EXPECT_EQ((*frame)["text"], text);
        }
    }
}

TEST_F(HubTest, PicturesTravelWithTheMessageOtherFilesAreKeptAndListed) {
    start_hub();
    auto alice = sign_in("alice");
    core::Post post;
    post.to = {"hub", "joint", ""};
    post.text = "Weekly joint metrics";
    post.attachments = {{"metrics.png", "image/png", std::string("\x89PNG\r\n\x1a\n", 8)},
                        {"deals.csv", "text/csv", "a,b\n"},
                        {"page.html", "text/html", "<script>"}};
    std::promise<core::SendResult> sent;
    hub_->send(post, [&](core::SendResult r) { sent.set_value(std::move(r)); });
    ASSERT_TRUE(sent.get_future().get().ok);
    auto frame = alice->next_json();
    ASSERT_TRUE(frame);
    EXPECT_EQ((*frame)["text"], "Weekly joint metrics");
    EXPECT_EQ(
        (*frame)["attachments"],
        json::array({{{"name", "metrics.png"}, {"mime", "image/png"}, {"data", "iVBORw0KGgo="}}}));
    // The other files are kept by the hub and listed; the page fetches them.
    ASSERT_EQ((*frame)["files"].size(), 2u);
    EXPECT_EQ((*frame)["files"][0]["name"], "deals.csv");
    EXPECT_EQ((*frame)["files"][1]["name"], "page.html");
    const auto csv =
        test_support::http_get("127.0.0.1", port_, (*frame)["files"][0]["url"].get<std::string>());
    EXPECT_EQ(csv.body, "a,b\n");
    const auto page =
        test_support::http_get("127.0.0.1", port_, (*frame)["files"][1]["url"].get<std::string>());
    EXPECT_EQ(page.headers.at("content-disposition"), "attachment; filename*=UTF-8''page.html");
    EXPECT_EQ(page.headers.at("content-security-policy"), "default-src 'none'; sandbox");
    // A client signing in later gets it from the history too.
    std::vector<json> history;
    auto bob = sign_in("bob", &history);
    bool found = false;
    for (const auto& h : history) {
        if (h["channel"] != "joint") continue;
        ASSERT_FALSE(h["messages"].empty());
        EXPECT_EQ(h["messages"].back()["attachments"][0]["name"], "metrics.png");
        found = true;
    }
    EXPECT_TRUE(found);
}

TEST_F(HubTest, SendToAnOfflineUserLandsInTheirDirectHistory) {
    start_hub();
    const auto result = send_post("@dave", "Your field report is due today");
    ASSERT_TRUE(result.ok) << result.error;

    std::vector<json> history;
    auto dave = sign_in("dave", &history);
    ASSERT_EQ(history.size(), 5u);
    const json& direct = history.back();
    EXPECT_EQ(direct["channel"], "@twintrack");
    ASSERT_EQ(direct["messages"].size(), 1u);
    EXPECT_EQ(direct["messages"][0]["text"], "Your field report is due today");
    EXPECT_EQ(direct["messages"][0]["user"], "twintrack");
    EXPECT_EQ(direct["messages"][0]["channel"], "@twintrack");
    EXPECT_EQ(direct["messages"][0]["id"], result.message_id);
    EXPECT_FALSE(direct["messages"][0].contains("reply_to"));
}

TEST_F(HubTest, SendToUnknownPlacesFailsForGood) {
    start_hub();
    for (const std::string channel : {"nope", "", "@", "@twintrack", "@with space"}) {
        SCOPED_TRACE(channel);
        const auto r = send_post(channel, "hi");
        EXPECT_FALSE(r.ok);
        EXPECT_FALSE(r.retryable);
        EXPECT_EQ(r.error, "unknown channel " + channel);
    }
}

TEST_F(HubTest, SendWhileStoppedFailsRetryably) {
    start_hub();
    hub_->stop();
    const auto before = send_post("general", "anyone?");
    EXPECT_FALSE(before.ok);
    EXPECT_TRUE(before.retryable);

    auto never_started = make_hub({}, context());
    core::SendResult r;
    never_started->send(core::Post{{"hub", "general", ""}, "x", "", "", {}, ""},
                        [&](core::SendResult got) { r = got; });
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.retryable);
}

TEST_F(HubTest, SendIsSafeFromManyThreads) {
    start_hub();
    auto alice = sign_in("alice");
    constexpr int threads = 4, each = 50;
    std::atomic<int> ok{0};
    std::vector<std::thread> senders;
    for (int t = 0; t < threads; ++t) {
        senders.emplace_back([&, t] {
            for (int i = 0; i < each; ++i) {
                hub_->send(
                    core::Post{
                        {"hub", "general", ""}, std::to_string(t * each + i), "", "", {}, ""},
                    [&](core::SendResult r) { ok += r.ok ? 1 : 0; });
            }
        });
    }
    for (auto& s : senders) s.join();
    int seen = 0;
    while (seen < threads * each && alice->next_json(2s)) ++seen;
    EXPECT_EQ(seen, threads * each);
    EXPECT_EQ(ok.load(), threads * each);
}

TEST_F(HubTest, HistorySurvivesARestartWithTheSameDataDir) {
    HubSettings settings;
    settings.history_limit = 3;
    start_hub(settings);
    {
        auto alice = sign_in("alice");
        for (int i = 1; i <= 5; ++i) {
            alice->send_json(message("marketing", "m" + std::to_string(i)));
            ASSERT_TRUE(alice->next_json());
        }
        alice->send_json(message("@twintrack", "private note"));
        ASSERT_TRUE(alice->next_json());
        ASSERT_TRUE(send_post("@alice", "bot answer").ok);
        ASSERT_TRUE(send_post("sales", "sales news").ok);
    }
    hub_->stop();
    start_hub(settings);

    std::vector<json> history;
    auto alice = sign_in("alice", &history);
    ASSERT_EQ(history.size(), 5u);
    auto texts = [](const json& frame) {
        std::vector<std::string> out;
        for (const auto& m : frame["messages"]) out.push_back(m["text"]);
        return out;
    };
    EXPECT_EQ(texts(history[0]), std::vector<std::string>{});                    // general
    EXPECT_EQ(texts(history[1]), (std::vector<std::string>{"m3", "m4", "m5"}));  // marketing
    EXPECT_EQ(texts(history[2]), (std::vector<std::string>{"sales news"}));
    EXPECT_EQ(texts(history[4]), (std::vector<std::string>{"private note", "bot answer"}));
    EXPECT_EQ(history[1]["messages"][0]["user"], "alice");

    std::vector<json> bob_history;
    auto bob = sign_in("bob", &bob_history);
    EXPECT_EQ(bob_history[4]["messages"], json::array());
}

TEST_F(HubTest, HistoryIsOnDiskWithin100Milliseconds) {
    start_hub();
    ASSERT_TRUE(send_post("general", "durable").ok);
    std::this_thread::sleep_for(300ms);
    std::ifstream in(data_dir_.path() + "/hub-history.jsonl");
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    const json entry = json::parse(line);
    EXPECT_EQ(entry["conv"], "general");
    EXPECT_EQ(entry["msg"]["text"], "durable");
}

TEST_F(HubTest, MalformedHistoryLinesAreSkipped) {
    {
        std::ofstream out(data_dir_.path() + "/hub-history.jsonl");
        out << "not json at all\n"
            << R"({"conv":"general","msg":{"type":"message","channel":"general","user":"bob",)"
            << R"("text":"kept","id":"x-1","ts":1}})"
            << "\n"
            << "[1,2,3]\n"
            << R"({"conv":"general"})"
            << "\n"
            << R"({"conv":"general","msg":{"text":"cut off)";
    }
    start_hub();
    std::vector<json> history;
    auto alice = sign_in("alice", &history);
    ASSERT_EQ(history[0]["messages"].size(), 1u);
    EXPECT_EQ(history[0]["messages"][0]["text"], "kept");
}

TEST_F(HubTest, BadInputGetsAClearErrorAndTheSocketStaysOpen) {
    start_hub();
    struct Case {
        std::string name;
        bool signed_in;
        std::function<void(WsClient&)> send;
        std::string code;
    };
    auto text = [](std::string t) { return [t](WsClient& ws) { ws.send_text(t); }; };
    auto frame = [](json f) { return [f](WsClient& ws) { ws.send_json(f); }; };
    const std::string long_text(core::max_message_bytes + 1, 'x');
    const std::vector<Case> cases = {
        {"malformed JSON", true, text("{\"type\": \"message\""), "bad_request"},
        {"JSON array", true, text("[1,2,3]"), "bad_request"},
        {"JSON number", false, text("42"), "bad_request"},
        {"JSON string", true, text("\"hello\""), "bad_request"},
        {"no type", true, frame({{"channel", "general"}}), "bad_request"},
        {"type not a string", true, frame({{"type", 7}}), "bad_request"},
        {"unknown type", true, frame({{"type", "dance"}}), "unknown_type"},
        {"unknown type before hello", false, frame({{"type", "dance"}}), "unknown_type"},
        {"message before hello", false, frame(message("general", "hi", "c-1")),
         "not_authenticated"},
        {"hello without user", false, frame({{"type", "hello"}}), "bad_request"},
        {"hello with empty user", false, frame({{"type", "hello"}, {"user", ""}}), "bad_request"},
        {"hello with spaced user", false, frame({{"type", "hello"}, {"user", "a b"}}),
         "bad_request"},
        {"hello with ideographic space", false, frame({{"type", "hello"}, {"user", "王\u3000芳"}}),
         "bad_request"},
        {"hello with control char", false, frame({{"type", "hello"}, {"user", "a\tb"}}),
         "bad_request"},
        {"hello with 65-byte user", false,
         frame({{"type", "hello"}, {"user", std::string(65, 'a')}}), "bad_request"},
        {"hello as the bot", false, frame({{"type", "hello"}, {"user", "TwinTrack"}}),
         "bad_request"},
        {"second hello", true, frame({{"type", "hello"}, {"user", "bob"}}), "bad_request"},
        {"message without text", true, frame({{"type", "message"}, {"channel", "general"}}),
         "bad_request"},
        {"text not a string", true,
         frame({{"type", "message"}, {"channel", "general"}, {"text", 5}}), "bad_request"},
        {"empty text", true, frame(message("general", "   ")), "bad_request"},
        {"id with spaces", true, frame(message("general", "hi", "a b")), "bad_request"},
        {"too long", true, frame(message("general", long_text, "c-2")), "too_long"},
        {"unknown channel", true, frame(message("random", "hi", "c-3")), "unknown_channel"},
        {"other user's direct channel", true, frame(message("@bob", "hi")), "unknown_channel"},
        {"binary frame", true, [](WsClient& ws) { ws.send_binary("{\"type\":\"ping\"}"); },
         "bad_request"},
        // nlohmann rejects escapes that would decode to invalid UTF-8 (a lone surrogate).
        {"lone surrogate escape", true,
         text(R"({"type":"message","channel":"general","text":"\ud800"})"), "bad_request"},
    };
    auto alice = sign_in("alice");
    auto anonymous = connect();
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        WsClient& ws = c.signed_in ? *alice : *anonymous;
        c.send(ws);
        auto error = ws.next_json();
        ASSERT_TRUE(error);
        EXPECT_EQ((*error)["type"], "error");
        EXPECT_EQ((*error)["code"], c.code);
        ASSERT_TRUE((*error)["message"].is_string());
        EXPECT_FALSE((*error)["message"].get<std::string>().empty());
        ws.send_json({{"type", "ping"}});
        auto pong = ws.next_json();
        ASSERT_TRUE(pong) << "the socket must stay open";
        EXPECT_EQ((*pong)["type"], "pong");
    }
    EXPECT_EQ(sink_.size(), 0u);
}

TEST_F(HubTest, ErrorsAboutAMessageCarryItsClientId) {
    start_hub();
    auto alice = sign_in("alice");
    alice->send_json(message("random", "hi", "c-9"));
    auto error = alice->next_json();
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["client_id"], "c-9");
}

// websocketpp checks text frames itself: invalid UTF-8 never reaches the hub; the
// connection is closed with 1007 (invalid frame payload data) and a reason.
TEST_F(HubTest, TextFrameWithInvalidUtf8IsClosedWith1007) {
    start_hub();
    auto alice = sign_in("alice");
    auto bob = sign_in("bob");
    alice->send_raw_text("{\"type\":\"message\",\"channel\":\"general\",\"text\":\"\xC3\x28\"}");
    auto closed = alice->wait_closed();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1007);
    EXPECT_FALSE(closed->reason.empty());
    EXPECT_EQ(sink_.size(), 0u);
    bob->send_json({{"type", "ping"}});
    EXPECT_TRUE(bob->wait_for_type("pong")) << "others are not disturbed";
}

TEST_F(HubTest, FramesOver64KiBAreClosedWith1009) {
    start_hub();
    auto alice = sign_in("alice");
    alice->send_json(message("general", std::string(70 * 1024, 'x')));
    auto closed = alice->wait_closed();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1009);
}

TEST_F(HubTest, TokenIsCheckedWhenRequired) {
    HubSettings settings;
    settings.require_token = true;
    settings.token = core::Secret("HUB_TEST_TOKEN", "s3cret-token");
    start_hub(settings);

    struct Case {
        std::string name;
        std::optional<json> token;
        bool accepted;
    };
    const std::vector<Case> cases = {
        {"missing", std::nullopt, false},         {"empty", json(""), false},
        {"wrong", json("s3cret-tokem"), false},   {"prefix", json("s3cret"), false},
        {"longer", json("s3cret-token!"), false}, {"not a string", json(12), false},
        {"right", json("s3cret-token"), true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto ws = connect();
        json hello = {{"type", "hello"}, {"user", "alice"}};
        if (c.token) hello["token"] = *c.token;
        ws->send_json(hello);
        auto reply = ws->next_json();
        ASSERT_TRUE(reply);
        if (c.accepted) {
            EXPECT_EQ((*reply)["type"], "welcome");
            continue;
        }
        EXPECT_EQ((*reply)["type"], "error");
        EXPECT_EQ((*reply)["code"], "unauthorized");
        auto closed = ws->wait_closed();
        ASSERT_TRUE(closed) << "the socket is closed after unauthorized";
        EXPECT_EQ(closed->code, 1008);
    }
}

TEST_F(HubTest, PeopleApiNeedsTheBearerTokenWhenRequired) {
    HubSettings settings;
    settings.require_token = true;
    settings.token = core::Secret("HUB_TEST_TOKEN", "s3cret-token");
    start_hub(settings);
    roster_->set({{"alice", "Alice", "marketing"}});
    struct Case {
        std::string name;
        test_support::Headers headers;
        int status;
    };
    const std::vector<Case> cases = {
        {"no header", {}, 401},
        // Another bearer token may be an API token with people:read: the bot is asked
        // (this sink answers 201; the bot's 401/403 are in hub_sign_in_test.cpp).
        {"another token, asked of the bot", {{"Authorization", "Bearer nope"}}, 201},
        {"wrong scheme", {{"Authorization", "Basic s3cret-token"}}, 401},
        {"right token", {{"Authorization", "Bearer s3cret-token"}}, 200},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto r = http_get("127.0.0.1", port_, "/api/v1/people", c.headers);
        EXPECT_EQ(r.status, c.status);
        EXPECT_EQ(r.header("content-type"), "application/json; charset=utf-8");
        if (c.status == 401) {
            EXPECT_EQ(r.header("www-authenticate"), "Bearer");
        }
    }
}

TEST_F(HubTest, FeatureApiRequestsAreForwardedToTheBotAndAnsweredWhenItReplies) {
    start_hub();
    const auto r =
        test_support::http_request("POST", "127.0.0.1", port_, "/api/v1/deals?dry_run=1&note=a%20b",
                                   {{"Content-Type", "application/json"}}, R"({"x":1})");
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.header("x-echo"), "yes");
    const json echo = r.json();
    EXPECT_EQ(echo["method"], "POST");
    EXPECT_EQ(echo["path"], "/api/v1/deals");
    EXPECT_EQ(echo["query"], json({{"dry_run", "1"}, {"note", "a b"}}));
    EXPECT_EQ(echo["body"], R"({"x":1})");
    EXPECT_EQ(echo["headers"]["content-type"], "application/json");
}

TEST_F(HubTest, FeatureApiNeedsTheTokenAndNeverPassesItOn) {
    HubSettings settings;
    settings.require_token = true;
    settings.token = core::Secret("HUB_TEST_TOKEN", "s3cret-token");
    start_hub(settings);
    EXPECT_EQ(http_get("127.0.0.1", port_, "/api/v1/reports.csv").status, 401);
    EXPECT_EQ(http_get("127.0.0.1", port_, "/api/v1/reports.csv", {{"Authorization", "Basic abc"}})
                  .status,
              401);
    EXPECT_EQ(sink_.request_count(), 0u) << "refused requests never reach the bot";
    const auto r = http_get("127.0.0.1", port_, "/api/v1/reports.csv",
                            {{"Authorization", "Bearer s3cret-token"}});
    EXPECT_EQ(r.status, 201);
    EXPECT_FALSE(r.json()["headers"].contains("authorization"));
    EXPECT_EQ(r.json()["api_token"], "");
    // Another bearer token is an API token for the bot to check (bot/access.hpp), passed
    // on in its own field, never as a header.
    const auto other =
        http_get("127.0.0.1", port_, "/api/v1/reports.csv", {{"Authorization", "Bearer tt_other"}});
    EXPECT_FALSE(other.json()["headers"].contains("authorization"));
    EXPECT_EQ(other.json()["api_token"], "tt_other");
}

TEST_F(HubTest, HealthzAnswersOk) {
    start_hub();
    const auto r = http_get("127.0.0.1", port_, "/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json(), json({{"status", "ok"}}));
}

TEST_F(HubTest, RootServesTheEmbeddedPage) {
    start_hub();
    const auto r = http_get("127.0.0.1", port_, "/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("<!doctype html>"), std::string::npos);
    EXPECT_NE(r.body.find("/api/v1/ui/"), std::string::npos);
    EXPECT_FALSE(r.header("content-security-policy").empty());
    EXPECT_EQ(http_get("127.0.0.1", port_, "/?autotest=help&user=alice").status, 200);
}

TEST_F(HubTest, DashboardReportLinksOpenThePageAndAskTheBotForThatReport) {
    start_hub();
    // The intel page links a field report as /dashboard?page=report&id=N: the page itself.
    const auto page = http_get("127.0.0.1", port_, "/dashboard?page=report&id=7");
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("report-section"), std::string::npos);
    // Its data is the bot's (which applies the visibility rules), asked with the id; a
    // client's own signed-in header never reaches the bot.
    const auto r = http_get("127.0.0.1", port_, "/api/v1/dashboard/report?id=7&user=alice",
                            {{"X-TwinTrack-Signed-In-User", "bob"}});
    EXPECT_EQ(r.status, 201);
    const json echo = r.json();
    EXPECT_EQ(echo["method"], "GET");
    EXPECT_EQ(echo["path"], "/api/v1/dashboard/report");
    EXPECT_EQ(echo["query"], json({{"id", "7"}, {"user", "alice"}}));
    EXPECT_FALSE(echo["headers"].contains("x-twintrack-signed-in-user"));
}

TEST_F(HubTest, UnknownPathsAndMethodsGetJsonErrors) {
    start_hub();
    struct Case {
        std::string method, target;
        int status;
    };
    const std::vector<Case> cases = {
        {"GET", "/nope", 404},
        {"GET", "/api/v1/", 404},
        {"GET", "/api/v1/ui/fr", 404},
        {"GET", "/api/v1/ui/en/x", 404},
        {"GET", "/healthz/more", 404},
        {"POST", "/healthz", 405},
        {"DELETE", "/api/v1/people", 405},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.method + " " + c.target);
        const auto r = test_support::http_request(c.method, "127.0.0.1", port_, c.target);
        EXPECT_EQ(r.status, c.status);
        EXPECT_TRUE(r.json().contains("error"));
    }
}

TEST_F(HubTest, PeopleApiListsTheRosterOnLoopback) {
    start_hub();
    EXPECT_EQ(http_get("127.0.0.1", port_, "/api/v1/people").json(), json::array());
    roster_->set(
        {{"alice", "Alice Chen", "marketing", "en"}, {"wangfang", "王芳", "sales", "zh-CN"}});
    const auto r = http_get("127.0.0.1", port_, "/api/v1/people");
    EXPECT_EQ(r.status, 200);
    // The locale lets the page speak each person's language after sign-in.
    EXPECT_EQ(r.json(), json::parse(R"([
        {"user_id": "alice", "display": "Alice Chen", "department": "marketing", "locale": "en"},
        {"user_id": "wangfang", "display": "王芳", "department": "sales", "locale": "zh-CN"}])"));
}

// On loopback without a token, a request naming another host is a page elsewhere
// reaching the hub through DNS rebinding; it must not see names or chat.
TEST_F(HubTest, LoopbackWithoutTokenRefusesForeignHostsAndOrigins) {
    start_hub();
    roster_->set({{"alice", "Alice", "marketing"}});
    EXPECT_EQ(http_get("127.0.0.1", port_, "/api/v1/people", {{"Host", "evil.example:80"}}).status,
              403);
    EXPECT_EQ(http_get("127.0.0.1", port_, "/api/v1/people",
                       {{"Host", "localhost:" + std::to_string(port_)}})
                  .status,
              200);

    WsClient foreign;
    EXPECT_THROW(
        foreign.connect("127.0.0.1", port_, "/ws", 5s, {{"Origin", "http://evil.example"}}),
        std::runtime_error);
    WsClient local;
    EXPECT_NO_THROW(local.connect("127.0.0.1", port_, "/ws", 5s,
                                  {{"Origin", "http://localhost:" + std::to_string(port_)}}));
}

TEST_F(HubTest, WebSocketOnlyAtWs) {
    start_hub();
    WsClient ws;
    try {
        ws.connect("127.0.0.1", port_, "/chat");
        FAIL() << "connected at /chat";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("404"), std::string::npos) << e.what();
    }
}

TEST_F(HubTest, UiApiServesBothLocalesWithTheSameKeys) {
    start_hub();
    std::map<std::string, std::set<std::string>> keys;
    for (const std::string locale : {"en", "zh-CN"}) {
        SCOPED_TRACE(locale);
        const auto r = http_get("127.0.0.1", port_, "/api/v1/ui/" + locale);
        ASSERT_EQ(r.status, 200);
        const json strings = r.json();
        ASSERT_TRUE(strings.is_object());
        for (const auto& [key, value] : strings.items()) {
            SCOPED_TRACE(key);
            ASSERT_TRUE(value.is_string());
            EXPECT_FALSE(value.get<std::string>().empty());
            keys[locale].insert(key);
        }
        EXPECT_TRUE(strings.contains("send"));
        EXPECT_TRUE(strings.contains("direct_label"));
    }
    EXPECT_EQ(keys["en"], keys["zh-CN"]);
    EXPECT_EQ(http_get("127.0.0.1", port_, "/api/v1/ui/en").json()["direct_label"],
              "Direct message to TwinTrack");
    EXPECT_EQ(http_get("127.0.0.1", port_, "/api/v1/ui/zh-CN").json()["send"], "发送");
}

TEST_F(HubTest, UnwritableDataDirFailsStartWithAReason) {
    const std::string file = data_dir_.path() + "/plain-file";
    std::ofstream(file) << "x";
    struct Case {
        std::string name;
        std::string dir;
    };
    std::vector<Case> cases = {{"data dir is a file", file},
                               {"data dir below a file", file + "/sub"}};
    TempDir read_only;
    if (geteuid() != 0) {  // root writes anywhere
        chmod(read_only.path().c_str(), 0500);
        cases.push_back({"read-only dir", read_only.path()});
    }
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        ConnectorContext ctx = context();
        ctx.data_dir = c.dir;
        HubSettings settings;
        settings.port = 0;
        auto hub = make_hub(settings, ctx);
        try {
            hub->start(sink_);
            FAIL() << "started";
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("cannot write hub history"), std::string::npos)
                << e.what();
        }
        hub->stop();
    }
    chmod(read_only.path().c_str(), 0700);
}

TEST_F(HubTest, PortInUseFailsStartWithAReason) {
    start_hub();
    HubSettings settings;
    settings.port = port_;
    TempDir other;
    ConnectorContext ctx = context();
    ctx.data_dir = other.path();
    auto second = make_hub(settings, ctx);
    try {
        second->start(sink_);
        FAIL() << "two hubs on one port";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot listen on 127.0.0.1:" + std::to_string(port_) + ": address in use");
    }
}

TEST_F(HubTest, NonLoopbackBindWithoutTokenRefusesToStart) {
    HubSettings settings;
    settings.bind = "0.0.0.0";
    settings.port = 0;
    auto hub = make_hub(settings, context());
    try {
        hub->start(sink_);
        hub->stop();
        FAIL() << "started without a token";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("token is required"), std::string::npos) << e.what();
    }
}

TEST_F(HubTest, ClientDroppingMidConversationDisturbsNothing) {
    start_hub();
    auto alice = sign_in("alice");
    auto bob = sign_in("bob");
    alice->send_json(message("@twintrack", "long question", "q-1"));
    ASSERT_TRUE(sink_.wait_for_text("long question"));
    alice->drop();

    // The bot answers after she left: it succeeds and lands in her history.
    const auto reply = send_post("@alice", "long answer", "q-1");
    EXPECT_TRUE(reply.ok) << reply.error;
    EXPECT_TRUE(send_post("general", "still here?").ok);
    EXPECT_TRUE(wait_text(*bob, "still here?"));

    std::vector<json> history;
    auto again = sign_in("alice", &history);
    const json& direct = history.back()["messages"];
    ASSERT_EQ(direct.size(), 2u);
    EXPECT_EQ(direct[1]["text"], "long answer");
    EXPECT_EQ(direct[1]["reply_to"], "q-1");
}

TEST_F(HubTest, StopIsQuickIdempotentAndClosesSockets) {
    start_hub();
    auto alice = sign_in("alice");
    auto silent = connect();
    const auto began = std::chrono::steady_clock::now();
    hub_->stop();
    hub_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
    auto closed = alice->wait_closed(2s);
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, 1001);
    EXPECT_THROW(http_get("127.0.0.1", port_, "/healthz", {}, 1s), std::runtime_error);
}

TEST_F(HubTest, StartAgainAfterStop) {
    start_hub();
    hub_->stop();
    hub_->start(sink_);
    port_ = listening_port(*hub_);
    EXPECT_EQ(http_get("127.0.0.1", port_, "/healthz").status, 200);
}

TEST_F(HubTest, ListeningPortIsZeroWhenStoppedOrNotAHub) {
    start_hub();
    EXPECT_GT(listening_port(*hub_), 0);
    hub_->stop();
    EXPECT_EQ(listening_port(*hub_), 0);
    struct Other final : Connector {
        std::string name() const override { return "other"; }
        void start(core::EventSink&) override {}
        void stop() override {}
        void send(const core::Post&, core::SendDone) override {}
    } other;
    EXPECT_EQ(listening_port(other), 0);
}

}  // namespace
}  // namespace twintrack::connectors::hub::testing
