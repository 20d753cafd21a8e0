// The Matrix connector end to end against the fake homeserver: signing in (password or
// token), the /sync long-poll with `since` kept across restarts and a fresh start that
// skips the backlog, rooms and direct chats, threads and replies, images answered and
// attachments uploaded, transaction ids that make a resent message appear once,
// M_LIMIT_EXCEEDED, an expired token, sync gaps, duplicates, and a homeserver restarted
// in the middle of a long-poll. Bridged edits and deletes out (m.replace, redactions),
// replies and threads out with the thread a reply to a post goes in, and people's edits,
// redactions, replies and threads in.

#include "connectors/matrix/matrix_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/event_files.hpp"
#include "core/source_dir.hpp"
#include "tests/matrix/fake_homeserver.hpp"
#include "tests/support/connector_sink.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::matrix_test {
namespace {

using connectors::matrix::make_matrix;
using connectors::matrix::matrix_status;
using connectors::matrix::MatrixSettings;
using ::testing::HasSubstr;

const std::string kSales = "!sales:fake";
const std::string kAnnDm = "!ann-dm:fake";
const std::string kLiDm = "!li-dm:fake";

json text(const std::string& body) { return {{"msgtype", "m.text"}, {"body", body}}; }

// The outcome of a send, for a test thread to wait on.
struct Outcome {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<core::SendResult> result;
    core::SendDone done() {
        return [this](core::SendResult r) {
            std::lock_guard<std::mutex> lock(mu);
            result = std::move(r);
            cv.notify_all();
        };
    }
    std::optional<core::SendResult> wait(std::chrono::milliseconds timeout = 15s) {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait_for(lock, timeout, [&] { return result.has_value(); });
        return result;
    }
};

class MatrixTest : public ::testing::Test {
  protected:
    void SetUp() override {
        fake.add_alias("#sales:fake", kSales);
        fake.set_direct("@ann:fake", kAnnDm);
        fake.set_direct("@li:fake", kLiDm);
        roster->set(
            {{"@ann:fake", "Ann", "marketing", "en"}, {"@li:fake", "李娜", "sales", "zh-CN"}});
    }
    void TearDown() override {
        if (matrix) matrix->stop();
    }

    MatrixSettings settings(bool password = true) {
        MatrixSettings s;
        s.name = "matrix";
        s.homeserver = fake.url();
        if (password) {
            s.user = "tt";
            s.password = core::Secret("TT_MATRIX_PASSWORD", FakeHomeserver::bot_password);
        } else {
            fake.add_token("syt_admin_token");
            s.access_token = core::Secret("TT_MATRIX_TOKEN", "syt_admin_token");
        }
        s.channels = {{"#sales:fake", "sales"}};
        s.sync_timeout = 10s;
        s.backoff_initial = 100ms;
        s.backoff_max = 500ms;
        return s;
    }

    /// Starts a connector and waits until its first sync was handled (a fresh start
    /// skips what came before).
    void start(MatrixSettings s) {
        connectors::ConnectorContext context;
        context.clock = &clock;
        context.data_dir = dir.path();
        context.prompts_dir = core::source_dir() + "/prompts";
        context.roster = roster;
        matrix = make_matrix(std::move(s), context);
        matrix->fetch_files_up_to(fetch_files);
        const int syncs_before = fake.calls("/_matrix/client/v3/sync").size();
        matrix->start(sink);
        ASSERT_TRUE(fake.wait([&] {
            return static_cast<int>(fake.calls("/_matrix/client/v3/sync").size()) > syncs_before &&
                   matrix_status(*matrix).syncs > 0 && fake.waiting_polls() > 0;
        })) << "no long-poll after the first sync";
    }

    void restart(MatrixSettings s) {
        matrix->stop();
        matrix.reset();
        start(std::move(s));
    }

    core::Post post_to(const std::string& channel, const std::string& body) {
        core::Post p;
        p.to = {"matrix", channel, ""};
        p.text = body;
        p.locale = "en";
        return p;
    }

    std::uint64_t fetch_files = 0;  ///< Connector::fetch_files_up_to before start()
    FakeHomeserver fake;
    test_support::TempDir dir;
    test_support::CollectingSink sink;
    core::SystemClock clock;
    std::shared_ptr<connectors::Roster> roster = std::make_shared<connectors::Roster>();
    std::unique_ptr<connectors::Connector> matrix;
};

TEST_F(MatrixTest, ADirectMessageBecomesADirectEventAndTheAnswerGoesBackAsANotice) {
    start(settings());
    EXPECT_EQ(matrix_status(*matrix).user_id, FakeHomeserver::bot);
    EXPECT_TRUE(matrix->connected());
    const std::string id = fake.push_message(kAnnDm, "@ann:fake", text("help"));
    auto e = sink.with_text("help");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->direct);
    EXPECT_EQ(e->where.channel, "@@ann:fake");  // "@" + the user id
    EXPECT_EQ(e->who.user_id, "@ann:fake");
    EXPECT_EQ(e->id, "matrix:" + id);
    EXPECT_EQ(e->extra.value("message_id", ""), "matrix:" + id);

    core::Post answer = post_to("@@ann:fake", "Here is the help.");
    answer.reply_to = e->extra.value("message_id", "");
    Outcome out;
    matrix->send(answer, out.done());
    auto r = out.wait();
    ASSERT_TRUE(r && r->ok) << (r ? r->error : "no answer");
    auto sent = fake.wait_sent(1);
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->room, kAnnDm);
    EXPECT_EQ(sent->content.value("msgtype", ""), "m.notice");
    EXPECT_EQ(sent->content.value("body", ""), "Here is the help.");
    EXPECT_EQ(sent->content["m.relates_to"]["m.in_reply_to"]["event_id"], id);
    EXPECT_EQ(r->message_id, "matrix:" + sent->event_id);
    // The bot's own message comes back in the next sync and is not handed on.
    fake.push_message(kAnnDm, "@ann:fake", text("after"));
    ASSERT_TRUE(sink.with_text("after"));
    for (const auto& left : sink.rest()) EXPECT_NE(left.who.user_id, FakeHomeserver::bot);
}

TEST_F(MatrixTest, APictureInADirectChatIsAnsweredInTheWritersLanguage) {
    start(settings());
    fake.push_message(kAnnDm, "@ann:fake",
                      {{"msgtype", "m.image"}, {"body", "a.png"}, {"url", "mxc://fake/x"}});
    auto en = fake.wait_sent(1);
    ASSERT_TRUE(en);
    EXPECT_EQ(en->room, kAnnDm);
    EXPECT_THAT(en->content.value("body", ""), HasSubstr("I read text messages only"));
    fake.push_message(kLiDm, "@li:fake",
                      {{"msgtype", "m.image"}, {"body", "b.png"}, {"url", "mxc://fake/y"}});
    auto zh = fake.wait_sent(2);
    ASSERT_TRUE(zh);
    EXPECT_EQ(zh->room, kLiDm);
    EXPECT_THAT(zh->content.value("body", ""), HasSubstr("我只能读取文字消息"));
    EXPECT_TRUE(sink.rest().empty()) << "a picture reached the bot";
}

json picture(const std::string& name, const std::string& mxc, std::uint64_t size) {
    return {{"msgtype", "m.image"},
            {"body", name},
            {"url", mxc},
            {"info", {{"mimetype", "image/png"}, {"size", size}}}};
}

TEST_F(MatrixTest, AChannelPictureIsNotHandedOnUnlessFilesAreFetched) {
    start(settings());
    fake.push_message(kSales, "@bob:fake",
                      picture("a.png", fake.add_media("a.png", "image/png", "x"), 1));
    fake.push_message(kSales, "@bob:fake", text("after"));
    ASSERT_TRUE(sink.with_text("after"));
    EXPECT_TRUE(sink.rest().empty()) << "a picture reached the bot";
    EXPECT_TRUE(fake.calls("/_matrix/client/v1/media/download/").empty());
}

TEST_F(MatrixTest, AChannelPictureComesWithItsBytesBeforeTheMessagesAfterIt) {
    fetch_files = 1000;
    start(settings());
    const std::string mxc = fake.add_media("booth.png", "image/png", "PNG-BYTES");
    const std::string id = fake.push_message(kSales, "@bob:fake", picture("booth.png", mxc, 9));
    fake.push_message(kSales, "@bob:fake", text("after the picture"));
    ASSERT_TRUE(sink.with_text("after the picture"));
    // By then the picture was handed on already: it came first.
    auto rest = sink.rest();
    ASSERT_EQ(rest.size(), 1u);
    const core::Event& e = rest[0];
    EXPECT_EQ(e.id, "matrix:" + id);
    EXPECT_EQ(e.where.channel, "#sales:fake");
    EXPECT_EQ(e.text, "");
    const auto files = core::event_files(e.extra);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].name, "booth.png");
    EXPECT_EQ(files[0].mime, "image/png");
    EXPECT_EQ(files[0].data, "PNG-BYTES");
    // The download went to the authenticated media API with the bot's token.
    const auto calls = fake.calls("/_matrix/client/v1/media/download/");
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].path, "/_matrix/client/v1/media/download/fake/people1");
    EXPECT_EQ(calls[0].authorization.rfind("Bearer ", 0), 0u);

    // Over the limit: named with its size, not fetched. A file the repository does not
    // have: named, and the messages after it still come.
    fake.push_message(kSales, "@bob:fake",
                      {{"msgtype", "m.file"},
                       {"body", "Here is the deck"},
                       {"filename", "deck.pdf"},
                       {"url", fake.add_media("deck.pdf", "application/pdf", "big")},
                       {"info", {{"mimetype", "application/pdf"}, {"size", 5000}}}});
    fake.push_message(kSales, "@bob:fake", picture("gone.png", "mxc://fake/gone", 5));
    fake.push_message(kSales, "@bob:fake", text("last"));
    ASSERT_TRUE(sink.with_text("last"));
    auto deck = sink.with_text("Here is the deck");
    ASSERT_TRUE(deck);
    auto deck_files = core::event_files(deck->extra);
    ASSERT_EQ(deck_files.size(), 1u);
    EXPECT_EQ(deck_files[0].name, "deck.pdf");
    EXPECT_EQ(deck_files[0].size, 5000u);
    EXPECT_TRUE(deck_files[0].data.empty());
    auto gone = sink.wait_for([](const core::Event& ev) {
        const auto f = core::event_files(ev.extra);
        return !f.empty() && f[0].name == "gone.png";
    });
    ASSERT_TRUE(gone);
    EXPECT_TRUE(core::event_files(gone->extra)[0].data.empty());
    EXPECT_EQ(fake.calls("/_matrix/client/v1/media/download/").size(), 2u);
}

TEST_F(MatrixTest, AMappedRoomByAliasGetsTrackPostsAndItsMessagesCarryTheChannel) {
    start(settings());
    // The alias is looked up in the room directory.
    ASSERT_TRUE(
        fake.wait([&] { return !fake.calls("/_matrix/client/v3/directory/room/").empty(); }));
    fake.push_message("!elsewhere:fake", "@bob:fake", text("not for the bot"));
    fake.push_message(kSales, "@bob:fake", text("tt: report Acme 10k"));
    auto e = sink.with_text("report Acme 10k");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->where.channel, "#sales:fake");
    EXPECT_FALSE(e->direct);
    EXPECT_TRUE(e->addressed);
    EXPECT_TRUE(sink.rest().empty()) << "a message of an unmapped room reached the bot";

    Outcome out;
    matrix->send(post_to("#sales:fake", "Weekly sales summary"), out.done());
    auto r = out.wait();
    ASSERT_TRUE(r && r->ok) << (r ? r->error : "no answer");
    auto sent = fake.wait_sent(1);
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->room, kSales);
    EXPECT_EQ(sent->content.value("body", ""), "Weekly sales summary");
}

TEST_F(MatrixTest, AReplyInAThreadGoesBackInTheThread) {
    start(settings());
    const std::string root = fake.push_message(kSales, "@bob:fake", text("a question"));
    ASSERT_TRUE(sink.with_text("a question"));
    const std::string in_thread = fake.push_message(kSales, "@bob:fake",
                                                    {{"msgtype", "m.text"},
                                                     {"body", "tt: help"},
                                                     {"m.relates_to",
                                                      {{"rel_type", "m.thread"},
                                                       {"event_id", root},
                                                       {"is_falling_back", true},
                                                       {"m.in_reply_to", {{"event_id", root}}}}}});
    auto e = sink.with_text("help");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->where.thread, root);
    core::Post answer = post_to(e->where.channel, "the answer");
    answer.to.thread = e->where.thread;
    answer.reply_to = e->extra.value("message_id", "");
    Outcome out;
    matrix->send(answer, out.done());
    ASSERT_TRUE(out.wait());
    auto sent = fake.wait_sent(1);
    ASSERT_TRUE(sent);
    const json rel = sent->content["m.relates_to"];
    EXPECT_EQ(rel.value("rel_type", ""), "m.thread");
    EXPECT_EQ(rel.value("event_id", ""), root);
    EXPECT_EQ(rel["m.in_reply_to"].value("event_id", ""), in_thread);
}

TEST_F(MatrixTest, AFreshStartSkipsTheBacklogAndSinceSurvivesARestart) {
    fake.push_message(kSales, "@bob:fake", text("old news"));
    start(settings());
    fake.push_message(kSales, "@bob:fake", text("first"));
    ASSERT_TRUE(sink.with_text("first"));
    const std::string since = matrix_status(*matrix).since;
    matrix->stop();
    fake.push_message(kSales, "@bob:fake", text("while down"));
    restart(settings());
    ASSERT_TRUE(sink.with_text("while down"));
    fake.push_message(kSales, "@bob:fake", text("marker"));
    ASSERT_TRUE(sink.with_text("marker"));
    for (const auto& left : sink.rest()) {
        ADD_FAILURE() << "handed on again or from the backlog: " << left.text;
    }
    // The restarted connector's first sync went on from where the first one stopped.
    bool resumed = false;
    for (const auto& c : fake.calls("/_matrix/client/v3/sync")) {
        auto it = c.query.find("since");
        if (it != c.query.end() && it->second == since) resumed = true;
    }
    EXPECT_TRUE(resumed);
}

TEST_F(MatrixTest, ASendWhoseAnswerWasLostGoesAgainWithTheSameTxnIdAndAppearsOnce) {
    start(settings());
    fake.drop_sends(1);
    core::Post p = post_to("#sales:fake", "exactly once");
    p.dedupe_key = "outbox:41";
    Outcome out;
    matrix->send(p, out.done());
    auto r = out.wait();
    ASSERT_TRUE(r && r->ok) << (r ? r->error : "no answer");
    const auto sent = fake.sent();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].txn, sent[1].txn);
    EXPECT_FALSE(sent[0].repeat);
    EXPECT_TRUE(sent[1].repeat);
    EXPECT_EQ(r->message_id, "matrix:" + sent[0].event_id);
    // The outbox sending the same post again (same dedupe key) posts nothing new.
    Outcome again;
    matrix->send(p, again.done());
    auto r2 = again.wait();
    ASSERT_TRUE(r2 && r2->ok);
    EXPECT_EQ(r2->message_id, r->message_id);
    int new_events = 0;
    for (const auto& s : fake.sent()) new_events += s.repeat ? 0 : 1;
    EXPECT_EQ(new_events, 1);
}

TEST_F(MatrixTest, LimitExceededPausesTheSenderForRetryAfterMs) {
    test_support::LogCapture log;
    start(settings());
    fake.limit_sends(1, 400);
    Outcome first, second;
    matrix->send(post_to("#sales:fake", "one"), first.done());
    ASSERT_TRUE(fake.wait([&] { return log.count("M_LIMIT_EXCEEDED") > 0; }));
    matrix->send(post_to("@@ann:fake", "two"), second.done());
    auto r1 = first.wait();
    auto r2 = second.wait();
    ASSERT_TRUE(r1 && r1->ok) << (r1 ? r1->error : "no answer");
    ASSERT_TRUE(r2 && r2->ok) << (r2 ? r2->error : "no answer");
    const auto puts = fake.calls("/_matrix/client/v3/rooms/");
    ASSERT_GE(puts.size(), 3u);
    // Nothing went to the homeserver before the wait it asked for was over (the limit is
    // the user's: the other room waited too).
    for (std::size_t i = 1; i < puts.size(); ++i) {
        EXPECT_GE(puts[i].at - puts[0].at, std::chrono::milliseconds(400)) << puts[i].path;
    }
    EXPECT_EQ(fake.sent().size(), 2u);
}

TEST_F(MatrixTest, AnExpiredTokenSignsInAgainWithThePassword) {
    start(settings());
    EXPECT_EQ(fake.logins(), 1);
    fake.expire_tokens();
    ASSERT_TRUE(fake.wait([&] { return fake.logins() == 2; }));
    fake.push_message(kSales, "@bob:fake", text("after the new token"));
    ASSERT_TRUE(sink.with_text("after the new token"));
    Outcome out;
    matrix->send(post_to("#sales:fake", "still posting"), out.done());
    auto r = out.wait();
    ASSERT_TRUE(r && r->ok) << (r ? r->error : "no answer");
    // The device of the first login is reused.
    const auto logins = fake.calls("/_matrix/client/v3/login");
    ASSERT_EQ(logins.size(), 2u);
    EXPECT_THAT(logins[1].body, HasSubstr("\"device_id\":\"DEV1\""));
}

TEST_F(MatrixTest, AnExpiredAccessTokenWithoutPasswordIsReportedNotReady) {
    test_support::LogCapture log;
    start(settings(false));
    EXPECT_TRUE(matrix->connected());
    fake.expire_tokens();
    ASSERT_TRUE(fake.wait([&] { return !matrix->connected(); }));
    EXPECT_GE(log.count("TT_MATRIX_TOKEN"), 1);
    EXPECT_EQ(log.count("syt_admin_token"), 0);
    Outcome out;
    matrix->send(post_to("#sales:fake", "cannot go"), out.done());
    auto r = out.wait();
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ok);
    EXPECT_TRUE(r->retryable);
}

TEST_F(MatrixTest, ASyncGapIsLoggedAndLaterMessagesStillArrive) {
    test_support::LogCapture log;
    start(settings());
    fake.push_gap(kSales);
    fake.push_message(kSales, "@bob:fake", text("after the gap"));
    ASSERT_TRUE(sink.with_text("after the gap"));
    EXPECT_EQ(matrix_status(*matrix).gaps, 1);
    EXPECT_GE(log.count("sync gap in " + kSales), 1);
}

TEST_F(MatrixTest, ADuplicateEventIsHandedOnOnce) {
    start(settings());
    const std::string id = fake.push_message(kSales, "@bob:fake", text("once"));
    json again = {{"event_id", id},
                  {"type", "m.room.message"},
                  {"sender", "@bob:fake"},
                  {"content", text("once")}};
    fake.push_event(kSales, again);
    ASSERT_TRUE(sink.with_text("once"));
    fake.push_event(kSales, again);
    fake.push_message(kSales, "@bob:fake", text("marker"));
    ASSERT_TRUE(sink.with_text("marker"));
    EXPECT_TRUE(sink.rest().empty()) << "a duplicate was handed on";
}

TEST_F(MatrixTest, InvitesToMappedRoomsAndDirectChatsAreJoinedOthersNot) {
    start(settings());
    fake.push_invite("!stranger:fake", "@eve:fake", false);
    fake.push_invite(kSales, "@bob:fake", false);
    fake.push_invite("!new-dm:fake", "@cai:fake", true);
    ASSERT_TRUE(fake.wait([&] { return fake.joined().size() >= 2; }));
    fake.push_message(kSales, "@bob:fake", text("marker"));
    ASSERT_TRUE(sink.with_text("marker"));
    const auto joined = fake.joined();
    EXPECT_EQ(std::count(joined.begin(), joined.end(), kSales), 1);
    EXPECT_EQ(std::count(joined.begin(), joined.end(), "!new-dm:fake"), 1);
    EXPECT_EQ(std::count(joined.begin(), joined.end(), "!stranger:fake"), 0);
    // The direct chat's messages are direct.
    fake.push_message("!new-dm:fake", "@cai:fake", text("hello bot"));
    auto e = sink.with_text("hello bot");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->direct);
    EXPECT_EQ(e->where.channel, "@@cai:fake");
}

TEST_F(MatrixTest, ARoomOfTwoMembersIsADirectChat) {
    start(settings());
    fake.set_members("!pair:fake", 2);
    fake.push_message("!pair:fake", "@dan:fake", text("just us"));
    auto e = sink.with_text("just us");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->direct);
    EXPECT_EQ(e->where.channel, "@@dan:fake");
}

TEST_F(MatrixTest, AnAttachmentIsUploadedAndSentAsAnImage) {
    start(settings());
    core::Post p = post_to("#sales:fake", "This week's chart");
    p.attachments.push_back({"chart.png", "image/png", std::string("\x89PNG\r\n\x1a\n0123", 12)});
    Outcome out;
    matrix->send(p, out.done());
    auto r = out.wait();
    ASSERT_TRUE(r && r->ok) << (r ? r->error : "no answer");
    const auto uploads = fake.uploads();
    ASSERT_EQ(uploads.size(), 1u);
    EXPECT_EQ(uploads[0].filename, "chart.png");
    EXPECT_EQ(uploads[0].content_type, "image/png");
    EXPECT_EQ(uploads[0].data, p.attachments[0].data);
    auto image = fake.wait_sent(2);
    ASSERT_TRUE(image);
    EXPECT_EQ(image->content.value("msgtype", ""), "m.image");
    EXPECT_EQ(image->content.value("url", ""), uploads[0].content_uri);
    EXPECT_EQ(image->content["info"].value("mimetype", ""), "image/png");
}

TEST_F(MatrixTest, TheHomeserverRestartedDuringALongPollIsReachedAgain) {
    start(settings());
    ASSERT_TRUE(fake.wait([&] { return fake.waiting_polls() > 0; }));
    fake.stop();
    fake.push_message(kSales, "@bob:fake", text("written during the restart"));
    fake.start();
    ASSERT_TRUE(sink.with_text("written during the restart").has_value());
    ASSERT_TRUE(fake.wait([&] { return matrix->connected(); }));
    fake.push_message(kSales, "@bob:fake", text("and after"));
    EXPECT_TRUE(sink.with_text("and after").has_value());
}

TEST_F(MatrixTest, APostToSomethingThatIsNoRoomFailsAndAnUnknownAliasIsRetryable) {
    start(settings());
    Outcome bad;
    matrix->send(post_to("general", "nowhere"), bad.done());
    auto r = bad.wait();
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ok);
    EXPECT_FALSE(r->retryable);
    Outcome unknown;
    matrix->send(post_to("#nobody:fake", "not yet"), unknown.done());
    auto u = unknown.wait();
    ASSERT_TRUE(u);
    EXPECT_FALSE(u->ok);
    EXPECT_TRUE(u->retryable);
    EXPECT_THAT(u->error, HasSubstr("#nobody:fake"));
    EXPECT_TRUE(fake.sent().empty());
}

// --- edits, deletes, replies and threads ----------------------------------------------

json edit_of(const std::string& original, const std::string& body) {
    return {{"msgtype", "m.text"},
            {"body", "* " + body},
            {"m.new_content", {{"msgtype", "m.text"}, {"body", body}}},
            {"m.relates_to", {{"rel_type", "m.replace"}, {"event_id", original}}}};
}

TEST_F(MatrixTest, ItSaysItCanEditAndDeleteButNotPostUnderAnotherName) {
    start(settings());
    const core::PostAbilities can = matrix->abilities();
    EXPECT_TRUE(can.edits);
    EXPECT_TRUE(can.deletes);
    EXPECT_FALSE(can.as_name);
}

TEST_F(MatrixTest, ABridgedEditGoesOutAsAReplacementOfTheCopyOnce) {
    start(settings());
    Outcome first;
    core::Post copy = post_to("#sales:fake", "Ann (hub): Meet at 3");
    copy.dedupe_key = "bridge:copy";
    matrix->send(copy, first.done());
    auto r = first.wait();
    ASSERT_TRUE(r && r->ok) << (r ? r->error : "no answer");
    const std::string original = fake.wait_sent(1)->event_id;

    core::Post edit = post_to("#sales:fake", "Ann (hub): Meet at 4");
    edit.edits = r->message_id;
    edit.dedupe_key = "bridge:copy:edit:1";
    Outcome edited;
    matrix->send(edit, edited.done());
    auto e = edited.wait();
    ASSERT_TRUE(e && e->ok) << (e ? e->error : "no answer");
    EXPECT_EQ(e->message_id, r->message_id);  // the message edited keeps its id
    auto sent = fake.wait_sent(2);
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->room, kSales);
    EXPECT_EQ(sent->content.value("body", ""), "* Ann (hub): Meet at 4");
    EXPECT_EQ(sent->content["m.new_content"].value("body", ""), "Ann (hub): Meet at 4");
    EXPECT_EQ(sent->content["m.new_content"].value("msgtype", ""), "m.notice");
    EXPECT_EQ(sent->content["m.relates_to"].value("rel_type", ""), "m.replace");
    EXPECT_EQ(sent->content["m.relates_to"].value("event_id", ""), original);
    EXPECT_FALSE(sent->content["m.relates_to"].contains("m.in_reply_to"));
    // The outbox sending the edit again (an answer lost) edits nothing more.
    Outcome again;
    matrix->send(edit, again.done());
    ASSERT_TRUE(again.wait());
    int new_events = 0;
    for (const auto& s : fake.sent()) new_events += s.repeat ? 0 : 1;
    EXPECT_EQ(new_events, 2);
}

TEST_F(MatrixTest, ABridgedDeleteGoesOutAsARedactionOnce) {
    start(settings());
    Outcome first;
    matrix->send(post_to("#sales:fake", "Bo (slack): wrong room, sorry"), first.done());
    auto r = first.wait();
    ASSERT_TRUE(r && r->ok) << (r ? r->error : "no answer");
    core::Post del = post_to("#sales:fake", "");
    del.deletes = r->message_id;
    del.dedupe_key = "bridge:copy:delete:1";
    Outcome deleted;
    matrix->send(del, deleted.done());
    auto d = deleted.wait();
    ASSERT_TRUE(d && d->ok) << (d ? d->error : "no answer");
    EXPECT_EQ(d->message_id, r->message_id);
    auto redaction = fake.wait_redaction(1);
    ASSERT_TRUE(redaction);
    EXPECT_EQ(redaction->room, kSales);
    EXPECT_EQ("matrix:" + redaction->redacts, r->message_id);
    EXPECT_EQ(fake.sent().size(), 1u) << "a delete posted a message";
    // Sent again with the same key: the same transaction, no second redaction.
    Outcome again;
    matrix->send(del, again.done());
    auto a = again.wait();
    ASSERT_TRUE(a && a->ok);
    const auto all = fake.redactions();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].txn, all[1].txn);
    EXPECT_TRUE(all[1].repeat);
    // The bot's own redaction comes back in the sync and is not handed on.
    fake.push_message(kSales, "@bob:fake", text("marker"));
    ASSERT_TRUE(sink.with_text("marker"));
    EXPECT_TRUE(sink.rest().empty());
}

TEST_F(MatrixTest, ADeleteOfAnEventTheHomeserverDoesNotKnowIsDoneAndOfAnotherPlatformFails) {
    start(settings());
    core::Post gone = post_to("#sales:fake", "");
    gone.deletes = "matrix:$never-sent";
    Outcome out;
    matrix->send(gone, out.done());
    auto r = out.wait();
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->ok) << r->error;
    core::Post foreign = post_to("#sales:fake", "x");
    foreign.edits = "slack:C1:1700.1";
    Outcome bad;
    matrix->send(foreign, bad.done());
    auto b = bad.wait();
    ASSERT_TRUE(b);
    EXPECT_FALSE(b->ok);
    EXPECT_FALSE(b->retryable);
    EXPECT_THAT(b->error, HasSubstr("slack:C1:1700.1"));
    EXPECT_TRUE(fake.sent().empty());
}

TEST_F(MatrixTest, ARateLimitedRedactionIsSentAgainAfterRetryAfterMs) {
    test_support::LogCapture log;
    start(settings());
    Outcome first;
    matrix->send(post_to("#sales:fake", "to be deleted"), first.done());
    auto r = first.wait();
    ASSERT_TRUE(r && r->ok);
    fake.limit_sends(1, 300);
    core::Post del = post_to("#sales:fake", "");
    del.deletes = r->message_id;
    del.dedupe_key = "bridge:limited:delete";
    Outcome deleted;
    matrix->send(del, deleted.done());
    auto d = deleted.wait();
    ASSERT_TRUE(d && d->ok) << (d ? d->error : "no answer");
    EXPECT_GE(log.count("M_LIMIT_EXCEEDED"), 1);
    const auto calls = fake.calls("/_matrix/client/v3/rooms/" + kSales + "/redact/");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].path, calls[1].path);  // the same transaction id
    EXPECT_GE(calls[1].at - calls[0].at, std::chrono::milliseconds(300));
    ASSERT_EQ(fake.redactions().size(), 1u);
    EXPECT_FALSE(fake.redactions()[0].repeat);
}

TEST_F(MatrixTest, RepliesAndThreadRepliesGoOutWithTheirRelationsAndTheirThread) {
    start(settings());
    const std::string question = fake.push_message(kSales, "@bob:fake", text("which list?"));
    ASSERT_TRUE(sink.with_text("which list?"));
    // A reply outside a thread: a rich reply, and replies to it go in its own thread.
    core::Post reply = post_to("#sales:fake", "the 2027 one");
    reply.reply_to = "matrix:" + question;
    Outcome out;
    matrix->send(reply, out.done());
    auto r = out.wait();
    ASSERT_TRUE(r && r->ok) << (r ? r->error : "no answer");
    auto sent = fake.wait_sent(1);
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->content["m.relates_to"]["m.in_reply_to"].value("event_id", ""), question);
    EXPECT_FALSE(sent->content["m.relates_to"].contains("rel_type"));
    EXPECT_EQ(r->reply_thread, sent->event_id);
    // Into the thread of that reply (as the bridge does for a reply in a Slack thread):
    // an m.thread relation with the fallback for clients without threads.
    core::Post in_thread = post_to("#sales:fake", "thanks");
    in_thread.to.thread = r->reply_thread;
    in_thread.reply_to = r->message_id;
    Outcome out2;
    matrix->send(in_thread, out2.done());
    auto r2 = out2.wait();
    ASSERT_TRUE(r2 && r2->ok) << (r2 ? r2->error : "no answer");
    auto threaded = fake.wait_sent(2);
    ASSERT_TRUE(threaded);
    const json rel = threaded->content["m.relates_to"];
    EXPECT_EQ(rel.value("rel_type", ""), "m.thread");
    EXPECT_EQ(rel.value("event_id", ""), sent->event_id);
    EXPECT_TRUE(rel.value("is_falling_back", false));
    EXPECT_EQ(rel["m.in_reply_to"].value("event_id", ""), sent->event_id);
    EXPECT_EQ(r2->reply_thread, sent->event_id);  // replies to it stay in the thread
}

TEST_F(MatrixTest, AnEditComesInAsAnEditOfTheOriginalWithTheNewText) {
    start(settings());
    const std::string original = fake.push_message(kSales, "@bob:fake", text("Meet at 3"));
    ASSERT_TRUE(sink.with_text("Meet at 3"));
    const std::string edit = fake.push_message(kSales, "@bob:fake", edit_of(original, "Meet at 4"));
    auto e = sink.with_text("Meet at 4");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, core::EventKind::edit);
    EXPECT_EQ(e->id, "matrix:" + edit);
    EXPECT_EQ(e->target, "matrix:" + original);
    EXPECT_EQ(e->extra.value("message_id", ""), "matrix:" + original);
    EXPECT_EQ(e->where.channel, "#sales:fake");
    EXPECT_EQ(e->who.user_id, "@bob:fake");
    EXPECT_FALSE(e->direct);
    EXPECT_TRUE(sink.rest().empty()) << "the edit also came as a message";
}

TEST_F(MatrixTest, AnEditOfAMessageTheBotNeverSawIsHandedOnAsAnEditAndAForgedOneIsNot) {
    start(settings());
    // Written before the bot's first start: the edit still names it, as an edit.
    const std::string unseen = fake.push_message(kSales, "@bob:fake", edit_of("$before", "v2"));
    auto e = sink.with_text("v2");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, core::EventKind::edit);
    EXPECT_EQ(e->target, "matrix:$before");
    EXPECT_EQ(e->id, "matrix:" + unseen);
    // Someone else's m.replace of bob's message is not a valid edit (the specification:
    // the same sender), nor one without m.new_content.
    const std::string bobs = fake.push_message(kSales, "@bob:fake", text("bob's words"));
    ASSERT_TRUE(sink.with_text("bob's words"));
    fake.push_message(kSales, "@eve:fake", edit_of(bobs, "eve's words"));
    fake.push_message(kSales, "@bob:fake",
                      {{"msgtype", "m.text"},
                       {"body", "* no new content"},
                       {"m.relates_to", {{"rel_type", "m.replace"}, {"event_id", bobs}}}});
    fake.push_message(kSales, "@bob:fake", text("marker"));
    ASSERT_TRUE(sink.with_text("marker"));
    for (const auto& left : sink.rest()) ADD_FAILURE() << "handed on: " << left.text;
}

TEST_F(MatrixTest, ARedactionComesInAsARemoveInEitherRoomVersionsForm) {
    start(settings());
    const std::string one = fake.push_message(kSales, "@bob:fake", text("first"));
    const std::string two = fake.push_message(kSales, "@bob:fake", text("second"));
    ASSERT_TRUE(sink.with_text("first"));
    ASSERT_TRUE(sink.with_text("second"));
    const std::string r1 =
        fake.push_redaction(kSales, "@bob:fake", one, FakeHomeserver::RedactsIn::content);
    const std::string r2 =
        fake.push_redaction(kSales, "@bob:fake", two, FakeHomeserver::RedactsIn::top_level);
    auto removed = [&](const std::string& id) {
        return sink.wait_for([&](const core::Event& e) { return e.id == "matrix:" + id; });
    };
    auto a = removed(r1);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->kind, core::EventKind::remove);
    EXPECT_EQ(a->target, "matrix:" + one);
    EXPECT_EQ(a->extra.value("message_id", ""), "matrix:" + one);
    EXPECT_EQ(a->where.channel, "#sales:fake");
    auto b = removed(r2);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->kind, core::EventKind::remove);
    EXPECT_EQ(b->target, "matrix:" + two);
    EXPECT_TRUE(sink.rest().empty());
}

TEST_F(MatrixTest, RepliesAndThreadMessagesComeInWithWhatTheyAnswerAndTheirThread) {
    start(settings());
    const std::string root = fake.push_message(kSales, "@bob:fake", text("a question"));
    auto first = sink.with_text("a question");
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->reply_to.empty());
    EXPECT_EQ(first->reply_thread, root);  // a reply to it starts its thread
    const std::string reply =
        fake.push_message(kSales, "@ann:fake",
                          {{"msgtype", "m.text"},
                           {"body", "> <@bob:fake> a question\n\nan answer"},
                           {"m.relates_to", {{"m.in_reply_to", {{"event_id", root}}}}}});
    auto r = sink.with_text("an answer");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->reply_to, "matrix:" + root);
    EXPECT_EQ(r->reply_thread, reply);
    EXPECT_TRUE(r->where.thread.empty());
    fake.push_message(kSales, "@ann:fake",
                      {{"msgtype", "m.text"},
                       {"body", "in the thread"},
                       {"m.relates_to",
                        {{"rel_type", "m.thread"},
                         {"event_id", root},
                         {"is_falling_back", true},
                         {"m.in_reply_to", {{"event_id", root}}}}}});
    auto t = sink.with_text("in the thread");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->where.thread, root);
    EXPECT_EQ(t->reply_to, "matrix:" + root);  // the thread's first message
    EXPECT_EQ(t->reply_thread, root);
}

}  // namespace
}  // namespace twintrack::matrix_test
