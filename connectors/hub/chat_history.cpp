#include "connectors/hub/chat_history.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "connectors/hub/hub_protocol.hpp"

namespace twintrack::connectors::hub {
namespace fs = std::filesystem;

namespace {

// The same bytes as dump_json({{"conv", conversation}, {"msg", message}}) + '\n'.
std::string line_for(const std::string& conversation, const std::string& message_json) {
    std::string line = "{\"conv\":";
    line += dump_json(conversation);
    line += ",\"msg\":";
    line += message_json;
    line += "}\n";
    return line;
}

std::runtime_error cannot_write(const std::string& path, const std::string& reason) {
    return std::runtime_error("cannot write hub history " + path + ": " + reason);
}

}  // namespace

ChatHistory::ChatHistory(std::string path, std::size_t limit, std::size_t max_conversations,
                         std::size_t max_pending_bytes)
    : path_(std::move(path)),
      limit_(limit == 0 ? 1 : limit),
      max_conversations_(std::max<std::size_t>(1, max_conversations)),
      max_pending_bytes_(max_pending_bytes) {}

ChatHistory::~ChatHistory() { close(); }

void ChatHistory::open() {
    close();
    conversations_.clear();
    kept_ = 0;
    pending_.clear();
    pending_lines_ = 0;
    skipped_ = 0;
    compacted_ = false;
    write_failed_ = false;

    const fs::path file(path_);
    std::error_code ec;
    if (file.has_parent_path()) {
        fs::create_directories(file.parent_path(), ec);
        if (ec) throw cannot_write(path_, ec.message());
    }

    std::size_t lines = 0;
    bool ends_with_newline = true;
    {
        std::ifstream in(file, std::ios::binary);
        std::string line;
        while (std::getline(in, line)) {
            ends_with_newline = !in.eof();
            if (line.empty()) continue;
            ++lines;
            try {
                auto entry = nlohmann::json::parse(line);
                if (!entry.is_object() || !entry.contains("conv") || !entry["conv"].is_string() ||
                    entry["conv"].get_ref<const std::string&>().empty() || !entry.contains("msg") ||
                    !entry["msg"].is_object()) {
                    throw std::invalid_argument("not a {conv, msg} object");
                }
                const std::string conv = entry["conv"].get<std::string>();
                const auto id = entry["msg"].find("id");
                std::string* kept =
                    entry.value("replace", false) && id != entry["msg"].end() && id->is_string()
                        ? find(conv, id->get<std::string>())
                        : nullptr;
                if (kept != nullptr) {
                    *kept = dump_json(entry["msg"]);
                } else {
                    remember(conv, dump_json(entry["msg"]));
                }
            } catch (const std::exception&) {
                ++skipped_;
                spdlog::warn("hub history {}: skipping malformed line {}", path_, lines);
            }
        }
    }

    lines_in_file_ = lines;
    if (oversized()) {
        rewrite();
        compacted_ = true;
        ends_with_newline = true;
        spdlog::info("hub history {}: compacted {} lines to {}", path_, lines, kept_);
    }

    file_ = std::fopen(path_.c_str(), "ab");
    if (file_ == nullptr) throw cannot_write(path_, std::strerror(errno));
    // A crash mid-write leaves a partial last line; start the next one on its own line.
    if (!ends_with_newline) pending_ = "\n";
    flush();
}

void ChatHistory::rewrite() {
    const std::string tmp = path_ + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw cannot_write(tmp, std::strerror(errno));
        for (const auto& [name, conversation] : conversations_) {
            for (const auto& message : conversation.messages) out << line_for(name, message);
        }
        out.flush();
        if (!out) throw cannot_write(tmp, std::strerror(errno));
    }
    std::error_code ec;
    fs::rename(tmp, path_, ec);
    if (ec) throw cannot_write(path_, ec.message());
    lines_in_file_ = kept_;
}

// The file may hold old messages (it is append-only) but not many times what is kept.
bool ChatHistory::oversized() const { return lines_in_file_ > 2 * kept_ + 64; }

void ChatHistory::remember(const std::string& conversation, std::string message_json) {
    auto it = conversations_.find(conversation);
    if (it == conversations_.end()) {
        if (conversations_.size() >= max_conversations_) forget_least_recent();
        it = conversations_.emplace(conversation, Conversation{}).first;
    }
    it->second.last_used = ++uses_;
    auto& messages = it->second.messages;
    messages.push_back(std::move(message_json));
    ++kept_;
    while (messages.size() > limit_) {
        messages.pop_front();
        --kept_;
    }
}

// Channels are few and named in config; direct conversations come and go with people.
void ChatHistory::forget_least_recent() {
    auto victim = conversations_.end();
    for (bool direct_only : {true, false}) {
        for (auto it = conversations_.begin(); it != conversations_.end(); ++it) {
            const bool direct = !it->first.empty() && it->first.front() == '@';
            if (direct_only && !direct) continue;
            if (victim == conversations_.end() || it->second.last_used < victim->second.last_used) {
                victim = it;
            }
        }
        if (victim != conversations_.end()) break;
    }
    if (victim == conversations_.end()) return;
    kept_ -= victim->second.messages.size();
    conversations_.erase(victim);
}

void ChatHistory::append(const std::string& conversation, const nlohmann::json& message) {
    append_text(conversation, dump_json(message));
}

void ChatHistory::append_text(const std::string& conversation, std::string message_json) {
    pending_ += line_for(conversation, message_json);
    ++pending_lines_;
    remember(conversation, std::move(message_json));
    bound_pending();
}

void ChatHistory::bound_pending() {
    if (pending_.size() <= max_pending_bytes_) return;
    // The file has not taken anything for a while: keep the newest lines only. They are
    // all still in memory for reloads; only the file misses the dropped ones.
    const std::size_t keep_from = pending_.size() - max_pending_bytes_ / 2;
    const std::size_t cut = pending_.find('\n', keep_from);
    const std::size_t erase_to = cut == std::string::npos ? pending_.size() : cut + 1;
    const auto dropped_lines =
        static_cast<std::size_t>(std::count(pending_.begin(), pending_.begin() + erase_to, '\n'));
    pending_.erase(0, erase_to);
    pending_lines_ -= std::min(pending_lines_, dropped_lines);
    if (pending_dropped_ == 0) {
        spdlog::error(
            "hub history {}: the file cannot be written; older unwritten lines are "
            "dropped from the file queue (memory stays bounded)",
            path_);
    }
    pending_dropped_ += dropped_lines;
}

std::string* ChatHistory::find(const std::string& conversation, const std::string& id) {
    const auto it = conversations_.find(conversation);
    if (it == conversations_.end()) return nullptr;
    // Newest first: an update is about a recent post.
    for (auto m = it->second.messages.rbegin(); m != it->second.messages.rend(); ++m) {
        const auto message = nlohmann::json::parse(*m, nullptr, false);
        if (!message.is_object()) continue;
        const auto found = message.find("id");
        if (found != message.end() && found->is_string() && *found == id) return &*m;
    }
    return nullptr;
}

bool ChatHistory::replace(const std::string& conversation, const std::string& id,
                          const std::function<void(nlohmann::json&)>& change) {
    std::string* kept = find(conversation, id);
    if (kept == nullptr) return false;
    auto message = nlohmann::json::parse(*kept);
    change(message);
    *kept = dump_json(message);
    std::string line = line_for(conversation, *kept);
    line.insert(line.size() - 2, ",\"replace\":true");
    pending_ += line;
    ++pending_lines_;
    bound_pending();
    return true;
}

nlohmann::json ChatHistory::messages(const std::string& conversation) const {
    auto out = nlohmann::json::array();
    const auto it = conversations_.find(conversation);
    if (it == conversations_.end()) return out;
    for (const auto& message : it->second.messages) {
        out.push_back(nlohmann::json::parse(message));
    }
    return out;
}

std::string ChatHistory::messages_text(const std::string& conversation) const {
    const auto it = conversations_.find(conversation);
    if (it == conversations_.end()) return "[]";
    std::size_t size = 2;
    const auto& messages = it->second.messages;
    for (const auto& message : messages) size += message.size() + 1;
    std::string out;
    out.reserve(size);
    out += '[';
    for (const auto& message : messages) {
        if (out.size() > 1) out += ',';
        out += message;
    }
    out += ']';
    return out;
}

void ChatHistory::flush() {
    if (pending_.empty()) return;
    if (file_ == nullptr) {
        // Closed after a failed reopen: try again, the disk may be back.
        file_ = std::fopen(path_.c_str(), "ab");
        if (file_ == nullptr) {
            bound_pending();
            return;
        }
        spdlog::info("hub history {}: the file can be written again", path_);
    }
    const bool ok = std::fwrite(pending_.data(), 1, pending_.size(), file_) == pending_.size() &&
                    std::fflush(file_) == 0;
    pending_.clear();
    lines_in_file_ += pending_lines_;
    pending_lines_ = 0;
    if (!ok && !write_failed_) {
        spdlog::error("hub history {}: write failed: {}; messages are kept in memory only", path_,
                      std::strerror(errno));
    }
    write_failed_ = !ok;
    // While running, compact with more slack than at start: a rewrite stalls the hub
    // thread for as long as writing every kept message takes.
    if (ok && lines_in_file_ > 4 * kept_ + 10000) {
        std::fclose(file_);
        file_ = nullptr;
        try {
            rewrite();
        } catch (const std::exception& e) {
            spdlog::error("hub history: {}", e.what());
            lines_in_file_ = kept_;  // try again only after as many lines once more
        }
        file_ = std::fopen(path_.c_str(), "ab");
        if (file_ == nullptr) {
            spdlog::error("hub history {}: cannot reopen: {}; messages are kept in memory only",
                          path_, std::strerror(errno));
        }
    }
}

void ChatHistory::close() {
    if (file_ == nullptr) return;
    flush();
    std::fclose(file_);
    file_ = nullptr;
}

}  // namespace twintrack::connectors::hub
