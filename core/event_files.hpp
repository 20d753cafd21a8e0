#pragma once
// The files and pictures a person sent with a message. A connector that sees them puts
// them in the message's `Event::extra` under "files", as a list of
// {name, mime, size, url?, data? (Base64)}; the bridge reads them back. `data` is there
// when the connector fetched the bytes, `url` when the platform gives a link anyone may
// open. Header only: connectors and features read it without a new dependency.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/base64.hpp"

namespace twintrack::core {

struct EventFile {
    std::string name;        ///< file name, e.g. "photo.png"
    std::string mime;        ///< e.g. "image/png"; empty when not known
    std::string data;        ///< the bytes, or empty when not fetched
    std::string url;         ///< a public link to it, or empty
    std::uint64_t size = 0;  ///< bytes as the platform gives them (0: not known)
};

/// Appends `file` to `extra["files"]` (making `extra` an object when it is not).
inline void add_event_file(nlohmann::json& extra, const EventFile& file) {
    if (!extra.is_object()) extra = nlohmann::json::object();
    nlohmann::json f = {{"name", file.name},
                        {"mime", file.mime},
                        {"size", file.size != 0 ? file.size : file.data.size()}};
    if (!file.url.empty()) f["url"] = file.url;
    if (!file.data.empty()) f["data"] = base64_encode(file.data);
    extra["files"].push_back(std::move(f));
}

/// The files of an event's `extra`; entries that are not objects are skipped, a `data`
/// that is not Base64 counts as not fetched. Never throws.
inline std::vector<EventFile> event_files(const nlohmann::json& extra) {
    std::vector<EventFile> out;
    if (!extra.is_object()) return out;
    const auto list = extra.find("files");
    if (list == extra.end() || !list->is_array()) return out;
    const auto text = [](const nlohmann::json& o, const char* key) {
        const auto it = o.find(key);
        return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    for (const auto& f : *list) {
        if (!f.is_object()) continue;
        EventFile file;
        file.name = text(f, "name");
        file.mime = text(f, "mime");
        file.url = text(f, "url");
        if (auto data = base64_decode(text(f, "data"))) file.data = std::move(*data);
        const auto size = f.find("size");
        if (size != f.end() && size->is_number_unsigned()) {
            file.size = size->get<std::uint64_t>();
        }
        if (file.size == 0) file.size = file.data.size();
        out.push_back(std::move(file));
    }
    return out;
}

}  // namespace twintrack::core
