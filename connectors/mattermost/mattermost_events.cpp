#include "connectors/mattermost/mattermost_events.hpp"

#include <cctype>

#include "connectors/http/json_fields.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::mattermost {

using namespace http::json_reading;

PostFields read_post(const nlohmann::json& post) {
    PostFields p;
    p.id = string_field(post, "id");
    p.user = string_field(post, "user_id");
    p.channel = string_field(post, "channel_id");
    p.type = string_field(post, "type");
    p.message = string_field(post, "message");
    p.root_id = string_field(post, "root_id");
    p.create_at = http::integer_field(post, "create_at");
    const auto ids = post.is_object() ? post.find("file_ids") : post.end();
    if (post.is_object() && ids != post.end() && ids->is_array()) {
        for (const auto& id : *ids) {
            if (!id.is_string() || id.get_ref<const std::string&>().empty()) continue;
            PostFile f;
            f.id = id.get<std::string>();
            p.files.push_back(std::move(f));
        }
    }
    const nlohmann::json& meta = http::object_field(post, "metadata");
    const auto infos = meta.find("files");
    if (infos != meta.end() && infos->is_array()) {
        for (const auto& info : *infos) {
            const std::string id = string_field(info, "id");
            for (auto& f : p.files) {
                if (f.id == id && !id.empty()) read_file_info(info, f);
            }
        }
    }
    return p;
}

void read_file_info(const nlohmann::json& info, PostFile& file) {
    if (!info.is_object()) return;
    file.name = string_field(info, "name");
    file.mime = string_field(info, "mime_type");
    const auto size = info.find("size");
    if (size != info.end() && size->is_number_integer() && size->get<long long>() > 0) {
        file.size = size->get<unsigned long long>();
    }
    file.described = true;
}

std::optional<PostedEvent> read_posted(const nlohmann::json& frame, PostedProblem* problem) {
    const nlohmann::json& data = http::object_field(frame, "data");
    const auto set = [&](PostedProblem p) {
        if (problem != nullptr) *problem = p;
    };
    const auto post_field = data.find("post");
    if (post_field == data.end() || !post_field->is_string()) {
        set(PostedProblem::no_post);
        return std::nullopt;
    }
    const auto post =
        nlohmann::json::parse(post_field->get_ref<const std::string&>(), nullptr, false);
    if (!post.is_object()) {
        set(PostedProblem::post_not_json);
        return std::nullopt;
    }
    set(PostedProblem::none);
    PostedEvent e;
    e.post = read_post(post);
    e.channel_type = string_field(data, "channel_type");
    e.sender = string_field(data, "sender_name");
    if (e.sender.rfind('@', 0) == 0) e.sender.erase(0, 1);
    return e;
}

bool strip_bot_mention(std::string& text, const std::string& bot_username) {
    if (bot_username.empty()) return false;
    const std::string mention = "@" + bot_username;
    bool found = false;
    std::size_t pos = 0;
    while ((pos = text.find(mention, pos)) != std::string::npos) {
        const std::size_t end = pos + mention.size();
        const bool boundary =
            end == text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) ||
                                    text[end] == '.' || text[end] == '_' || text[end] == '-');
        if (!boundary) {
            pos = end;
            continue;
        }
        std::size_t cut = end;
        if (cut < text.size() && (text[cut] == ':' || text[cut] == ',')) ++cut;
        text.erase(pos, cut - pos);
        found = true;
    }
    if (found) {
        text = std::string(core::trim(text));
        std::string squeezed;
        for (char c : text) {
            if (c == ' ' && !squeezed.empty() && squeezed.back() == ' ') continue;
            squeezed += c;
        }
        text = std::move(squeezed);
    }
    return found;
}

}  // namespace twintrack::connectors::mattermost
