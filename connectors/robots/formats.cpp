#include "connectors/robots/formats.hpp"

#include <algorithm>
#include <stdexcept>

#include "connectors/robots/platform.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::robots {

using nlohmann::json;

const char* platform_name(Platform platform) { return platform_rules(platform).name(); }

std::vector<std::string> format_names(Platform platform) {
    return platform_rules(platform).format_names();
}

Format parse_format(const std::string& name) {
    if (name == "markdown") return Format::markdown;
    if (name == "post") return Format::post;
    if (name == "card") return Format::card;
    return Format::text;
}

Limits default_limits(Platform platform, Format format) {
    return platform_rules(platform).default_limits(format);
}

namespace {

// The longest prefix of `text` of at most `max_bytes` bytes ending at a good cut: after a
// line break when one is in the last two thirds, else at a space, else at a UTF-8
// boundary. Returns the piece and how much input it consumed.
std::pair<std::string_view, std::size_t> cut(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return {text, text.size()};
    std::string_view window = core::utf8_prefix(text, max_bytes);
    if (window.empty()) window = text.substr(0, max_bytes);
    const std::size_t floor = window.size() / 3;
    const auto nl = window.rfind('\n');
    if (nl != std::string_view::npos && nl >= floor) return {window.substr(0, nl), nl + 1};
    const auto space = text.substr(0, window.size() + 1).rfind(' ');
    if (space != std::string_view::npos && space >= floor) {
        return {window.substr(0, space), space + 1};
    }
    return {window, window.size()};
}

std::string_view trim_newlines(std::string_view s) {
    while (!s.empty() && (s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

std::vector<std::string> split_message(std::string_view text, std::size_t max_bytes,
                                       std::size_t max_pieces) {
    max_bytes = std::max<std::size_t>(max_bytes, 64);
    max_pieces = std::max<std::size_t>(max_pieces, 1);
    text = trim_newlines(text);
    if (text.size() <= max_bytes) return {std::string(text)};
    // "(12/20) " and, on the last piece, a note that text was left out.
    const std::string omitted = "\n(…)";
    const std::size_t budget = max_bytes - 8 - omitted.size();
    std::vector<std::string_view> pieces;
    while (!text.empty() && pieces.size() < max_pieces) {
        const auto [piece, used] = cut(text, budget);
        const std::string_view p = trim_newlines(piece);
        if (!p.empty()) pieces.push_back(p);
        text.remove_prefix(used);
        text = trim_newlines(text);
    }
    const bool truncated = !text.empty();
    std::vector<std::string> out;
    const std::size_t n = pieces.size();
    for (std::size_t i = 0; i < n; ++i) {
        std::string s = "(" + std::to_string(i + 1) + "/" + std::to_string(n) + ") ";
        s += pieces[i];
        if (truncated && i + 1 == n) s += omitted;
        out.push_back(std::move(s));
    }
    return out;
}

json build_body(Platform platform, Format format, const std::string& text,
                const Mentions& mentions) {
    return platform_rules(platform).build_body(format, text, mentions);
}

std::vector<json> build_bodies(Platform platform, Format format, const std::string& text,
                               const Mentions& mentions, const Limits& limits) {
    return build_bodies(platform_rules(platform), format, text, mentions, limits);
}

std::vector<json> build_bodies(const PlatformRules& rules, Format format, const std::string& text,
                               const Mentions& mentions, const Limits& limits) {
    std::size_t budget = limits.content_bytes;
    while (true) {
        std::vector<json> bodies;
        bool fits = true;
        const auto pieces = split_message(text, budget);
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            // Only the first piece notifies people.
            bodies.push_back(rules.build_body(format, pieces[i], i == 0 ? mentions : Mentions{}));
            // Leave room for the signature fields added later (under 128 bytes).
            if (limits.body_bytes > 0 && bodies.back().dump().size() + 128 > limits.body_bytes) {
                fits = false;
                break;
            }
        }
        if (fits || budget <= 256) return bodies;
        budget = budget * 3 / 4;
    }
}

Outcome interpret(Platform platform, const http::Response& r) {
    return interpret(platform_rules(platform), r);
}

Outcome interpret(const PlatformRules& rules, const http::Response& r) {
    if (r.status == 0) return answer::retry("no answer: " + r.error);
    if (r.status == 429) {
        auto wait = answer::header_seconds(r, "retry-after");
        if (!wait) wait = answer::header_seconds(r, "x-ogw-ratelimit-reset");
        return answer::rate_limited(answer::http_status(r) + " too many requests", wait);
    }
    if (r.status >= 500)
        return answer::retry(answer::http_status(r) + ": " + answer::snippet(r.body));
    return rules.interpret_answer(r);
}

}  // namespace twintrack::connectors::robots
