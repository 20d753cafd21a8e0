#pragma once
// What the hub remembers so that a reload shows the conversation: the last messages of
// every channel and of every person's direct conversation with the bot, kept in one
// append-only JSON-lines file.
//
// File format: one object per line, `{"conv":"general","msg":{...message frame...}}`;
// direct conversations use "@" + user id as `conv`. Messages are kept as their JSON
// text, the bytes the hub sends: a reload is answered by joining them, and a message is
// serialised once, not once per socket, file and reload. Not thread-safe: the hub uses
// it from its own thread only.

#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

namespace twintrack::connectors::hub {

class ChatHistory {
  public:
    /// `limit` messages are kept per conversation, and at most `max_conversations`
    /// conversations (the least recently used direct conversation is forgotten first).
    /// While the file cannot be written, at most `max_pending_bytes` wait for it.
    ChatHistory(std::string path, std::size_t limit, std::size_t max_conversations = 5000,
                std::size_t max_pending_bytes = 4u << 20);
    ~ChatHistory();
    ChatHistory(const ChatHistory&) = delete;
    ChatHistory& operator=(const ChatHistory&) = delete;

    /// Creates the parent folder if needed, reads the file back (skipping malformed
    /// lines with a warning), compacts it when it holds far more than `limit` per
    /// conversation, and opens it for appending. Throws std::runtime_error with a
    /// user-facing reason when the file cannot be written.
    void open();

    /// Remembers `message` and queues it for the file (written on flush()).
    void append(const std::string& conversation, const nlohmann::json& message);
    /// The same for a message already serialised: `message_json` must be the text of
    /// one JSON object (as dump_json() writes it).
    void append_text(const std::string& conversation, std::string message_json);

    /// Changes the kept message with `id` in `conversation` (e.g. a post whose buttons
    /// gave way to the outcome) and queues the changed message for the file, where it
    /// replaces the earlier line on the next open(). False when it is not kept.
    bool replace(const std::string& conversation, const std::string& id,
                 const std::function<void(nlohmann::json&)>& change);

    /// The remembered messages of a conversation, oldest first (empty if unknown).
    nlohmann::json messages(const std::string& conversation) const;
    /// The same as JSON text, a `[...]` array ready to go into a frame.
    std::string messages_text(const std::string& conversation) const;

    /// Writes queued lines to the file, and rewrites the file when it has grown to hold
    /// far more than it needs to. Errors are logged, never thrown.
    void flush();

    /// True when append() queued lines that flush() has not written yet.
    bool dirty() const { return !pending_.empty(); }

    /// Flushes and closes the file. open() may be called again afterwards.
    void close();

    const std::string& path() const { return path_; }
    /// Lines skipped as malformed by the last open().
    std::size_t skipped_lines() const { return skipped_; }
    /// True when the last open() rewrote the file to drop old messages.
    bool compacted() const { return compacted_; }
    /// Conversations held in memory.
    std::size_t conversation_count() const { return conversations_.size(); }
    /// Bytes queued for the file and not written yet.
    std::size_t pending_bytes() const { return pending_.size(); }

  private:
    void remember(const std::string& conversation, std::string message_json);
    /// The kept message of `conversation` with `id`, or null.
    std::string* find(const std::string& conversation, const std::string& id);
    void rewrite();
    bool oversized() const;
    void forget_least_recent();
    /// Keeps the queue for the file within its bound while the file cannot be written.
    void bound_pending();

    std::string path_;
    std::size_t limit_;
    std::size_t max_conversations_;
    std::size_t max_pending_bytes_;
    struct Conversation {
        std::deque<std::string> messages;  // JSON text per message, oldest first
        std::uint64_t last_used = 0;       // value of uses_ when last appended to
    };
    std::unordered_map<std::string, Conversation> conversations_;
    std::uint64_t uses_ = 0;
    std::size_t pending_dropped_ = 0;
    std::string pending_;
    std::size_t pending_lines_ = 0;
    std::size_t kept_ = 0;           // messages across all conversations
    std::size_t lines_in_file_ = 0;  // lines the file holds, kept or not
    std::FILE* file_ = nullptr;
    std::size_t skipped_ = 0;
    bool compacted_ = false;
    bool write_failed_ = false;
};

}  // namespace twintrack::connectors::hub
