// The hub's history file: read back, limits, malformed lines, compaction.

#include "connectors/hub/chat_history.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "connectors/hub/hub_protocol.hpp"
#include "tests/hub/hub_fixture.hpp"

namespace twintrack::connectors::hub::testing {
namespace {

json msg(const std::string& text) { return {{"type", "message"}, {"text", text}}; }

std::vector<std::string> texts(const json& messages) {
    std::vector<std::string> out;
    for (const auto& m : messages) out.push_back(m["text"]);
    return out;
}

std::size_t line_count(const std::string& path) {
    std::ifstream in(path);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(ChatHistory, KeepsTheLastMessagesPerConversationAcrossReopen) {
    TempDir dir;
    const std::string path = dir.path() + "/nested/hub-history.jsonl";
    {
        ChatHistory history(path, 2);
        history.open();
        for (const char* t : {"a", "b", "c"}) history.append("general", msg(t));
        history.append("@alice", msg("private"));
        EXPECT_EQ(texts(history.messages("general")), (std::vector<std::string>{"b", "c"}));
        EXPECT_EQ(history.messages("sales"), json::array());
    }  // closing flushes
    ChatHistory again(path, 2);
    again.open();
    EXPECT_EQ(texts(again.messages("general")), (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(texts(again.messages("@alice")), (std::vector<std::string>{"private"}));
    EXPECT_EQ(again.skipped_lines(), 0u);
}

TEST(ChatHistory, FileLinesAndReloadFramesAreTheMessagesJson) {
    TempDir dir;
    const std::string path = dir.path() + "/h.jsonl";
    const json first = {{"type", "message"},
                        {"channel", "general"},
                        {"text", "héllo \"quoted\""},
                        {"id", "x-1"},
                        {"ts", 1795886849588}};
    const json second = {{"type", "message"}, {"text", "second"}, {"reply_to", "c-1"}};
    {
        ChatHistory history(path, 10);
        history.open();
        history.append("general", first);
        history.append_text("general", dump_json(second));
        history.append("@anna", second);
        // What a reload sends: the kept messages as one JSON array, oldest first.
        EXPECT_EQ(json::parse(history.messages_text("general")), json::array({first, second}));
        EXPECT_EQ(history.messages_text("nobody"), "[]");
        EXPECT_EQ(history.messages("general"), json::array({first, second}));
    }
    // One {"conv", "msg"} object per line, as before.
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    EXPECT_EQ(lines, (std::vector<std::string>{dump_json({{"conv", "general"}, {"msg", first}}),
                                               dump_json({{"conv", "general"}, {"msg", second}}),
                                               dump_json({{"conv", "@anna"}, {"msg", second}})}));
}

TEST(ChatHistory, WritesOnlyOnFlush) {
    TempDir dir;
    const std::string path = dir.path() + "/h.jsonl";
    ChatHistory history(path, 10);
    history.open();
    history.append("general", msg("x"));
    EXPECT_TRUE(history.dirty());
    EXPECT_EQ(line_count(path), 0u);
    history.flush();
    EXPECT_FALSE(history.dirty());
    EXPECT_EQ(line_count(path), 1u);
}

TEST(ChatHistory, SkipsMalformedLines) {
    TempDir dir;
    const std::string path = dir.path() + "/h.jsonl";
    std::ofstream(path) << "garbage\n"
                        << R"({"conv":"general","msg":{"text":"ok"}})"
                        << "\n"
                        << R"({"conv":"","msg":{"text":"no conv"}})"
                        << "\n"
                        << R"({"conv":"general","msg":"not an object"})"
                        << "\n"
                        << "\n"
                        << R"({"conv":"general","msg":{"text":"half)";
    ChatHistory history(path, 10);
    history.open();
    EXPECT_EQ(history.skipped_lines(), 4u);
    EXPECT_FALSE(history.compacted()) << "left for a human to look at";
    EXPECT_EQ(texts(history.messages("general")), (std::vector<std::string>{"ok"}));
}

TEST(ChatHistory, PartialLastLineDoesNotSwallowTheNextOne) {
    TempDir dir;
    const std::string path = dir.path() + "/h.jsonl";
    {
        std::ofstream out(path);
        // A crash in the middle of writing the last line.
        for (int i = 0; i < 3; ++i)
            out << R"({"conv":"general","msg":{"text":"ok"}})"
                << "\n";
        out << R"({"conv":"general","msg":{"text":"torn)";
    }
    {
        ChatHistory history(path, 10);
        history.open();
        EXPECT_EQ(history.skipped_lines(), 1u);
        history.append("general", msg("after"));
    }
    ChatHistory again(path, 10);
    again.open();
    EXPECT_EQ(texts(again.messages("general")),
              (std::vector<std::string>{"ok", "ok", "ok", "after"}));
}

TEST(ChatHistory, CompactsAFileThatHoldsFarMoreThanNeeded) {
    TempDir dir;
    const std::string path = dir.path() + "/h.jsonl";
    {
        ChatHistory history(path, 1000);
        history.open();
        for (int i = 0; i < 500; ++i) history.append("general", msg(std::to_string(i)));
    }
    ChatHistory small(path, 5);
    small.open();
    EXPECT_TRUE(small.compacted());
    EXPECT_EQ(line_count(path), 5u);
    EXPECT_EQ(texts(small.messages("general")),
              (std::vector<std::string>{"495", "496", "497", "498", "499"}));

    ChatHistory same(path, 5);
    same.open();
    EXPECT_FALSE(same.compacted()) << "a file that is about right is left alone";
    EXPECT_EQ(read_all(path).back(), '\n');
}

TEST(ChatHistory, StaysBoundedWhileRunning) {
    TempDir dir;
    const std::string path = dir.path() + "/h.jsonl";
    ChatHistory history(path, 5);
    history.open();
    for (int i = 0; i < 30000; ++i) {
        history.append(i % 2 ? "general" : "@alice", msg(std::to_string(i)));
        if (i % 100 == 99) history.flush();
    }
    EXPECT_LE(line_count(path), 4u * 10 + 10000 + 100);
    history.close();
    ChatHistory again(path, 5);
    again.open();
    EXPECT_EQ(texts(again.messages("general")),
              (std::vector<std::string>{"29991", "29993", "29995", "29997", "29999"}));
}

TEST(ChatHistory, KeepsAtMostSoManyConversationsForgettingTheLeastRecentDirectOneFirst) {
    TempDir dir;
    ChatHistory history(dir.path() + "/h.jsonl", 5, 3);
    history.open();
    history.append("general", msg("g"));
    history.append("@anna", msg("a"));
    history.append("@bo", msg("b"));
    history.append("@anna", msg("a2"));
    history.append("@chen", msg("c"));  // one too many: @bo was used least recently
    EXPECT_EQ(history.conversation_count(), 3u);
    EXPECT_EQ(texts(history.messages("general")), std::vector<std::string>{"g"});
    EXPECT_EQ(texts(history.messages("@anna")), (std::vector<std::string>{"a", "a2"}));
    EXPECT_TRUE(history.messages("@bo").empty());
    EXPECT_EQ(texts(history.messages("@chen")), std::vector<std::string>{"c"});
}

TEST(ChatHistory, MemoryStaysBoundedWhileTheFileCannotBeReopenedAndWritingResumesLater) {
    TempDir dir;
    const std::string path = dir.path() + "/h.jsonl";
    ChatHistory history(path, 1, 10, 64 * 1024);
    history.open();
    // The file is replaced by a folder: the compaction that comes after 10,000 lines
    // cannot rename onto it, and reopening fails, even for root.
    ASSERT_EQ(::unlink(path.c_str()), 0);
    ASSERT_TRUE(std::filesystem::create_directory(path));
    for (int i = 0; i < 40000; ++i) {
        history.append("general", msg(std::to_string(i)));
        history.flush();
        ASSERT_LE(history.pending_bytes(), 64u * 1024 + 256) << "after message " << i;
    }
    EXPECT_GT(history.pending_bytes(), 0u);
    EXPECT_EQ(texts(history.messages("general")), std::vector<std::string>{"39999"});
    std::filesystem::remove(path);
    history.append("general", msg("back"));
    history.flush();
    EXPECT_EQ(history.pending_bytes(), 0u);
    history.close();
    ChatHistory again(path, 1);
    again.open();
    EXPECT_EQ(texts(again.messages("general")), std::vector<std::string>{"back"});
}

TEST(ChatHistory, UnwritablePlaceThrowsAReason) {
    TempDir dir;
    const std::string file = dir.path() + "/file";
    std::ofstream(file) << "x";
    ChatHistory history(file + "/h.jsonl", 10);
    try {
        history.open();
        FAIL() << "opened below a file";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot write hub history " + file), std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace twintrack::connectors::hub::testing
