#include "bot/features/kit/kit_text.hpp"

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "core/text.hpp"

namespace twintrack::bot::kit {
namespace {

bool ascii_only(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

bool has(const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

icu::BreakIterator* word_iterator() {
    UErrorCode status = U_ZERO_ERROR;
    thread_local std::unique_ptr<icu::BreakIterator> words(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    return U_SUCCESS(status) ? words.get() : nullptr;
}

/// Whether `bytes` begin the way a file of `type` does.
bool looks_like(const std::string& type, const std::string& bytes) {
    if (type == "pdf") return starts_with(bytes, "%PDF-");
    if (type == "png") return starts_with(bytes, "\x89PNG\r\n\x1a\n");
    if (type == "jpg") return starts_with(bytes, "\xFF\xD8\xFF");
    if (type == "gif") return starts_with(bytes, "GIF87a") || starts_with(bytes, "GIF89a");
    if (type == "pptx" || type == "docx" || type == "xlsx") {
        return starts_with(bytes, std::string("PK\x03\x04", 4));
    }
    return true;  // text formats: nothing to recognise
}

}  // namespace

const std::vector<std::string>& known_types() {
    static const std::vector<std::string> types = {"pdf", "pptx", "docx", "xlsx", "png",
                                                   "jpg", "gif",  "csv",  "txt"};
    return types;
}

std::string mime_of(const std::string& type) {
    static const std::vector<std::pair<std::string, std::string>> mimes = {
        {"pdf", "application/pdf"},
        {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
        {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"gif", "image/gif"},
        {"csv", "text/csv"},
        {"txt", "text/plain"}};
    for (const auto& [t, m] : mimes) {
        if (t == type) return m;
    }
    return {};
}

std::string type_of(const std::string& file_name) {
    const auto slash = file_name.find_last_of('/');
    const std::string base = slash == std::string::npos ? file_name : file_name.substr(slash + 1);
    const auto dot = base.find_last_of('.');
    if (dot == std::string::npos || dot + 1 >= base.size()) return {};
    std::string type = core::ascii_lower(base.substr(dot + 1));
    if (type == "jpeg") type = "jpg";
    return type;
}

std::optional<std::string> link_problem(const std::string& url, const KitSettings& settings) {
    const std::string lower = core::ascii_lower(url);
    std::size_t after = 0;
    if (starts_with(lower, "https://")) {
        after = 8;
    } else if (starts_with(lower, "http://")) {
        after = 7;
    } else {
        return std::string("bad_url");
    }
    if (url.size() > 2000) return std::string("bad_url");
    for (const char c : url) {
        if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '<' || c == '>' || c == '\\' ||
            c == 0x7f) {
            return std::string("bad_url");
        }
    }
    const std::size_t host_end = url.find_first_of("/?#", after);
    std::string host =
        url.substr(after, host_end == std::string::npos ? std::string::npos : host_end - after);
    if (const auto at = host.find_last_of('@'); at != std::string::npos) host = host.substr(at + 1);
    if (const auto colon = host.find_last_of(':');
        colon != std::string::npos && host.find(']') == std::string::npos) {
        const std::string port = host.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return std::string("bad_url");
        }
        host = host.substr(0, colon);
    }
    if (host.empty() || host.front() == '.' || host.back() == '.' ||
        host.find("..") != std::string::npos) {
        return std::string("bad_url");
    }
    if (host_end == std::string::npos) return std::nullopt;
    // The path's last segment, when it names a file, must be of an allowed type.
    const std::size_t path_end = url.find_first_of("?#", host_end);
    const std::string path = url.substr(
        host_end, path_end == std::string::npos ? std::string::npos : path_end - host_end);
    const std::string type = type_of(path);
    if (type.empty() || type == "html" || type == "htm") return std::nullopt;
    if (!has(settings.types, type)) return std::string("bad_type");
    return std::nullopt;
}

std::optional<std::string> file_problem(const std::string& name, const std::string& bytes,
                                        const KitSettings& settings) {
    const std::string type = type_of(name);
    if (type.empty() || !has(settings.types, type) || !looks_like(type, bytes)) {
        return std::string("bad_type");
    }
    if (static_cast<long long>(bytes.size()) > settings.max_file_mb * 1024 * 1024) {
        return std::string("too_big");
    }
    return std::nullopt;
}

std::string normalise(const std::string& text) {
    std::vector<std::string> words = core::split_words(core::ascii_lower(text));
    return core::join(words, " ");
}

std::vector<std::string> search_words(const std::string& text,
                                      const std::vector<std::string>& ignore) {
    std::vector<std::string> out;
    const std::string lower = core::ascii_lower(text);
    icu::BreakIterator* it = word_iterator();
    UErrorCode status = U_ZERO_ERROR;
    UText* ut = utext_openUTF8(nullptr, lower.data(), static_cast<int64_t>(lower.size()), &status);
    if (U_FAILURE(status) || it == nullptr) {
        utext_close(ut);
        for (auto& w : core::split_words(lower)) out.push_back(std::move(w));
        return out;
    }
    it->setText(ut, status);
    std::int32_t start = it->first();
    for (std::int32_t end = it->next(); end != icu::BreakIterator::DONE; end = it->next()) {
        const std::int32_t rule = it->getRuleStatus();
        const auto from = static_cast<std::size_t>(start);
        start = end;
        if (rule < UBRK_WORD_NUMBER) continue;  // spaces and punctuation
        std::string w = lower.substr(from, static_cast<std::size_t>(end) - from);
        if (has(ignore, w) || has(out, w)) continue;
        out.push_back(std::move(w));
    }
    utext_close(ut);
    return out;
}

bool tag_covers(const std::string& tag, const std::string& need) {
    if (tag.empty() || need.empty()) return false;
    if (tag == need) return true;
    if (!ascii_only(tag) || !ascii_only(need)) {
        return need.find(tag) != std::string::npos || tag.find(need) != std::string::npos;
    }
    const auto tag_words = search_words(tag);
    const auto need_words = search_words(need);
    return !tag_words.empty() && std::all_of(tag_words.begin(), tag_words.end(),
                                             [&](const auto& w) { return has(need_words, w); });
}

std::vector<std::size_t> rank(const std::vector<Searchable>& items,
                              const std::vector<std::string>& words) {
    struct Scored {
        std::size_t index;
        int score;
    };
    std::vector<Scored> scored;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const Searchable& item = items[i];
        const std::string title = core::ascii_lower(item.title);
        const auto title_words = search_words(title);
        std::vector<std::vector<std::string>> tag_words;
        for (const auto& t : item.tags) tag_words.push_back(search_words(t));
        int score = 0;
        for (const auto& w : words) {
            const bool chinese = !ascii_only(w);
            bool in_tag = false;
            for (std::size_t t = 0; t < item.tags.size() && !in_tag; ++t) {
                const std::string& tag = item.tags[t];
                in_tag = tag == w || has(tag_words[t], w) ||
                         (chinese &&
                          (tag.find(w) != std::string::npos || w.find(tag) != std::string::npos));
            }
            const bool in_title =
                has(title_words, w) || (chinese && title.find(w) != std::string::npos);
            score += (in_tag ? 10 : 0) + (in_title ? 3 : 0);
        }
        if (score > 0) scored.push_back({i, score});
    }
    std::stable_sort(scored.begin(), scored.end(), [&](const Scored& a, const Scored& b) {
        if (a.score != b.score) return a.score > b.score;
        if (items[a.index].useful != items[b.index].useful) {
            return items[a.index].useful > items[b.index].useful;
        }
        return items[a.index].id > items[b.index].id;
    });
    std::vector<std::size_t> out;
    for (const auto& s : scored) out.push_back(s.index);
    return out;
}

}  // namespace twintrack::bot::kit
