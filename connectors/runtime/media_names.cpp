#include "connectors/runtime/media_names.hpp"

#include "core/text.hpp"

namespace twintrack::connectors::runtime {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string extension_of(std::string_view name) {
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos) return "";
    return core::ascii_lower(name.substr(dot + 1));
}

std::string media_type_of(std::string_view content_type) {
    return core::ascii_lower(core::trim(content_type.substr(0, content_type.find(';'))));
}

std::string sniff_type(std::string_view name, std::string_view data) {
    if (data.empty()) return "";
    if (starts_with(data, "\x89PNG\r\n\x1a\n")) return "image/png";
    if (starts_with(data, "\xff\xd8\xff")) return "image/jpeg";
    if (starts_with(data, "GIF87a") || starts_with(data, "GIF89a")) return "image/gif";
    if (data.size() >= 12 && starts_with(data, "RIFF") && data.substr(8, 4) == "WEBP") {
        return "image/webp";
    }
    if (starts_with(data, "%PDF-")) return "application/pdf";
    const std::string ext = extension_of(name);
    if (starts_with(data, std::string_view("PK\x03\x04", 4))) {
        if (ext == "docx") {
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        }
        if (ext == "xlsx")
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        if (ext == "pptx") {
            return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
        }
        if (ext == "zip") return "application/zip";
        return "";
    }
    if (ext == "txt" || ext == "csv" || ext == "md" || ext == "log") {
        if (!core::valid_utf8(data) || data.find('\0') != std::string_view::npos) return "";
        return ext == "csv" ? "text/csv" : ext == "md" ? "text/markdown" : "text/plain";
    }
    return "";
}

std::string picture_name(const std::string& base, const std::string& mime) {
    if (mime == "image/jpeg") return base + ".jpg";
    if (mime.rfind("image/", 0) == 0 && mime.size() > 6 && mime.size() < 12 &&
        mime.find_first_of(";/+* ", 6) == std::string::npos) {
        return base + "." + mime.substr(6);
    }
    return base;
}

}  // namespace twintrack::connectors::runtime
