// The pure part of the Matrix connector: room events as the bot reads them, the reply
// fallback, mentions, transaction ids, the state file; and the `type: matrix` section's
// config errors with their lines.

#include "connectors/matrix/matrix_events.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <yaml-cpp/yaml.h>

#include "connectors/matrix/matrix_connector.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::matrix_test {
namespace {

using namespace connectors::matrix;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(MatrixEvents, AThreadReplyNamesItsRootAndTheMessageAnswered) {
    const json ev = {{"event_id", "$r"},
                     {"type", "m.room.message"},
                     {"sender", "@ann:fake"},
                     {"content",
                      {{"msgtype", "m.text"},
                       {"body", "> <@bob:fake> earlier\n\nmy answer"},
                       {"m.relates_to",
                        {{"rel_type", "m.thread"},
                         {"event_id", "$root"},
                         {"is_falling_back", false},
                         {"m.in_reply_to", {{"event_id", "$earlier"}}}}}}}};
    const RoomMessage m = read_room_message(ev, "@tt:fake");
    EXPECT_EQ(m.thread, "$root");
    EXPECT_EQ(m.reply_to, "$earlier");
    EXPECT_EQ(m.body, "my answer");
    EXPECT_FALSE(m.edit);
}

TEST(MatrixEvents, AThreadsFallbackReplyIsNotAReplyAndAnEditIsMarked) {
    json ev = {{"event_id", "$r"},
               {"type", "m.room.message"},
               {"sender", "@ann:fake"},
               {"content",
                {{"msgtype", "m.text"},
                 {"body", "in the thread"},
                 {"m.relates_to",
                  {{"rel_type", "m.thread"},
                   {"event_id", "$root"},
                   {"is_falling_back", true},
                   {"m.in_reply_to", {{"event_id", "$latest"}}}}}}}};
    EXPECT_EQ(read_room_message(ev, "@tt:fake").reply_to, "");
    ev["content"]["m.relates_to"] = {{"rel_type", "m.replace"}, {"event_id", "$old"}};
    EXPECT_TRUE(read_room_message(ev, "@tt:fake").edit);
}

TEST(MatrixEvents, AnEditReadsItsNewContentAndNamesTheMessageItReplaces) {
    json ev = {{"event_id", "$e"},
               {"type", "m.room.message"},
               {"sender", "@ann:fake"},
               {"content",
                {{"msgtype", "m.text"},
                 {"body", "* tt: report Acme 20k"},
                 {"m.new_content",
                  {{"msgtype", "m.text"},
                   {"body", "tt: report Acme 20k"},
                   {"m.mentions", {{"user_ids", json::array({"@tt:fake"})}}}}},
                 {"m.relates_to", {{"rel_type", "m.replace"}, {"event_id", "$orig"}}}}}};
    RoomMessage m = read_room_message(ev, "@tt:fake");
    EXPECT_TRUE(m.edit);
    EXPECT_EQ(m.target, "$orig");
    EXPECT_EQ(m.body, "tt: report Acme 20k");  // not the "* " fallback
    EXPECT_EQ(m.msgtype, "m.text");
    EXPECT_TRUE(m.mentions_bot);
    EXPECT_TRUE(m.reply_to.empty());
    EXPECT_TRUE(m.thread.empty());
    // Without m.new_content an edit is not valid: it names nothing.
    ev["content"].erase("m.new_content");
    m = read_room_message(ev, "@tt:fake");
    EXPECT_TRUE(m.edit);
    EXPECT_TRUE(m.target.empty());
}

TEST(MatrixEvents, ARedactionNamesTheEventInItsContentOrAtTheTopLevel) {
    json v11 = {{"event_id", "$x"},
                {"type", "m.room.redaction"},
                {"sender", "@ann:fake"},
                {"content", {{"redacts", "$gone"}, {"reason", "typo"}}}};
    RoomMessage m = read_room_message(v11, "@tt:fake");
    EXPECT_EQ(m.type, "m.room.redaction");
    EXPECT_EQ(m.target, "$gone");
    EXPECT_FALSE(m.edit);
    json v10 = {{"event_id", "$y"},
                {"type", "m.room.redaction"},
                {"sender", "@ann:fake"},
                {"redacts", "$old"},
                {"content", json::object()}};
    EXPECT_EQ(read_room_message(v10, "@tt:fake").target, "$old");
    v10.erase("redacts");
    EXPECT_TRUE(read_room_message(v10, "@tt:fake").target.empty());
}

TEST(MatrixEvents, MentionsOfTheBotAreFoundAndStripped) {
    const json ev = {{"event_id", "$m"},
                     {"type", "m.room.message"},
                     {"sender", "@ann:fake"},
                     {"content",
                      {{"msgtype", "m.text"},
                       {"body", "tt: help"},
                       {"m.mentions", {{"user_ids", json::array({"@tt:fake"})}}}}}};
    EXPECT_TRUE(read_room_message(ev, "@tt:fake").mentions_bot);
    EXPECT_FALSE(read_room_message(ev, "@other:fake").mentions_bot);
    EXPECT_EQ(strip_mention("tt: help", {"@tt:fake", "tt"}),
              std::make_pair(std::string("help"), true));
    EXPECT_EQ(strip_mention("@tt:fake help", {"@tt:fake", "tt"}),
              std::make_pair(std::string("help"), true));
    EXPECT_EQ(strip_mention("ttx help", {"tt"}), std::make_pair(std::string("ttx help"), false));
}

TEST(MatrixEvents, ATransactionIdFollowsTheDedupeKeyElseTheRandomBasis) {
    EXPECT_EQ(transaction_id("matrix", "outbox:7", "r1", "text:0"),
              transaction_id("matrix", "outbox:7", "r2", "text:0"));
    EXPECT_NE(transaction_id("matrix", "outbox:7", "r1", "text:0"),
              transaction_id("matrix", "outbox:7", "r1", "text:1"));
    EXPECT_NE(transaction_id("matrix", "outbox:7", "r", "text:0"),
              transaction_id("matrix", "outbox:8", "r", "text:0"));
    EXPECT_NE(transaction_id("matrix", "", "r1", "text:0"),
              transaction_id("matrix", "", "r2", "text:0"));
    // Path-safe: the id goes into the URL as it is.
    const std::string id = transaction_id("matrix", "a/b c", "", "text:0");
    EXPECT_EQ(id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789"), std::string::npos);
}

TEST(MatrixEvents, ErrorsNameTheirCodeAndWait) {
    const MatrixError e =
        read_error(R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too many","retry_after_ms":2500})");
    EXPECT_EQ(e.errcode, "M_LIMIT_EXCEEDED");
    EXPECT_EQ(e.retry_after, std::chrono::milliseconds(2500));
    EXPECT_EQ(read_error("<html>").errcode, "");
}

TEST(MatrixEvents, TheStateFileKeepsSinceAndDevice) {
    test_support::TempDir dir;
    const std::string path = dir.path() + "/matrix-m.state";
    EXPECT_EQ(read_state(path).since, "");
    ASSERT_TRUE(write_state(path, {"s42", "DEV1"}));
    EXPECT_EQ(read_state(path).since, "s42");
    EXPECT_EQ(read_state(path).device_id, "DEV1");
    dir.file("broken.state", "{not json");
    EXPECT_EQ(read_state(dir.path() + "/broken.state").since, "");
}

// --- config --------------------------------------------------------------------------------

// The section as the registry reads it: the type's validate, then unknown keys.
std::string config_errors(const std::string& yaml) {
    core::ConfigErrors errors;
    core::SectionReader section(YAML::Load(yaml), "connectors[0]", errors);
    section.string("type");
    connectors::ConnectorSpec spec;
    spec.name = "matrix";
    connector_type().validate(section, spec);
    section.finish();
    return errors.describe("twintrack.yaml");
}

TEST(MatrixConfig, AGoodSectionHasNoErrors) {
    ::setenv("TT_MATRIX_TOKEN", "syt_test_token", 1);
    EXPECT_EQ(config_errors("type: matrix\n"
                            "homeserver: https://matrix.example.org\n"
                            "access_token: ${TT_MATRIX_TOKEN}\n"
                            "channels:\n"
                            "  - {name: \"!abc:example.org\", track: sales}\n"
                            "  - {name: \"#marketing:example.org\", track: marketing}\n"),
              "");
}

TEST(MatrixConfig, ProblemsAreReportedWithTheirLines) {
    ::setenv("TT_MATRIX_PASSWORD", "secret-pass", 1);
    const std::string missing = config_errors(
        "type: matrix\n"
        "homeserver: ftp://matrix.example.org\n");
    EXPECT_THAT(missing, HasSubstr("twintrack.yaml:2"));
    EXPECT_THAT(missing, HasSubstr("https://"));
    EXPECT_THAT(missing, HasSubstr("access_token"));
    const std::string no_user = config_errors(
        "type: matrix\n"
        "homeserver: https://m.example.org\n"
        "password: ${TT_MATRIX_PASSWORD}\n"
        "sync_timeout_seconds: 0\n");
    EXPECT_THAT(no_user, HasSubstr("user"));
    EXPECT_THAT(no_user, HasSubstr("twintrack.yaml:4"));
    const std::string bad_room = config_errors(
        "type: matrix\n"
        "homeserver: https://m.example.org\n"
        "user: tt\n"
        "password: ${TT_MATRIX_PASSWORD}\n"
        "channels:\n"
        "  - {name: general, track: joint}\n"
        "colour: blue\n");
    EXPECT_THAT(bad_room, HasSubstr("\"general\" is not a Matrix room"));
    EXPECT_THAT(bad_room, HasSubstr("twintrack.yaml:7"));  // the unknown key
    const std::string literal = config_errors(
        "type: matrix\n"
        "homeserver: https://m.example.org\n"
        "access_token: syt_literal\n");
    EXPECT_THAT(literal, HasSubstr("twintrack.yaml:3"));
    EXPECT_THAT(literal, Not(HasSubstr("syt_literal")));
}

}  // namespace
}  // namespace twintrack::matrix_test
