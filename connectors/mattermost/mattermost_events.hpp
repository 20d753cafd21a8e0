#pragma once
// What Mattermost sends, read into plain fields: posts (inside WebSocket `posted` events,
// where `data.post` is JSON in a string, or from outgoing webhooks) and the bot's mention
// in a post's text. Pure and never throwing, whatever the JSON holds: a field that is
// absent or of another type reads as empty.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::connectors::mattermost {

/// A file attached to a post: its id (`file_ids`) and what `metadata.files` says of it
/// (a FileInfo); name, mime and size stay empty/0 where the post does not carry them.
struct PostFile {
    std::string id;
    std::string name;
    std::string mime;
    unsigned long long size = 0;
    bool described = false;  ///< metadata.files had this file
};

struct PostFields {
    std::string id;
    std::string user;
    std::string channel;
    std::string type;  ///< "" for a message a person wrote; system posts have one
    std::string message;
    std::string root_id;
    long long create_at = 0;      ///< ms since the epoch; 0 when absent
    std::vector<PostFile> files;  ///< `file_ids` in order, described by `metadata.files`
};

PostFields read_post(const nlohmann::json& post);

/// A FileInfo object (`metadata.files[]`, GET /files/{id}/info) read into `file`.
void read_file_info(const nlohmann::json& info, PostFile& file);

/// A WebSocket `posted` event.
struct PostedEvent {
    PostFields post;
    std::string channel_type;  ///< "D" for a direct message
    std::string sender;        ///< `sender_name` without its leading '@'
};

/// Why a `posted` event cannot be read.
enum class PostedProblem { none, no_post, post_not_json };

/// Reads `data.post` (a JSON object inside a string) and its companions. Nothing (and
/// `problem` set) when the post is missing or not a JSON object.
std::optional<PostedEvent> read_posted(const nlohmann::json& frame, PostedProblem* problem);

/// Removes "@BOT" (with a following ':' or ',') wherever it stands as a whole name, then
/// trims and squeezes double spaces; true when it was there.
bool strip_bot_mention(std::string& text, const std::string& bot_username);

}  // namespace twintrack::connectors::mattermost
