#include "connectors/robots/formats.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/text.hpp"

namespace twintrack::connectors::robots {

using nlohmann::json;

const char* platform_name(Platform platform) {
    switch (platform) {
        case Platform::dingtalk:
            return "dingtalk";
        case Platform::feishu:
            return "feishu";
        case Platform::wecom:
            return "wecom";
        case Platform::webhook:
            return "webhook";
    }
    return "webhook";
}

std::vector<std::string> format_names(Platform platform) {
    switch (platform) {
        case Platform::dingtalk:
            return {"markdown", "text"};
        case Platform::feishu:
            return {"card", "post", "text"};
        case Platform::wecom:
            return {"markdown", "text"};
        case Platform::webhook:
            return {"text"};
    }
    return {"text"};
}

Format parse_format(const std::string& name) {
    if (name == "markdown") return Format::markdown;
    if (name == "post") return Format::post;
    if (name == "card") return Format::card;
    return Format::text;
}

Limits default_limits(Platform platform, Format format) {
    switch (platform) {
        // DingTalk documents no byte limit for the content; 18000 bytes stays well inside
        // what its robots accept (configurable with max_bytes).
        case Platform::dingtalk:
            return {18000, 0};
        case Platform::feishu:
            return {18000, 20 * 1024};
        case Platform::wecom:
            return {format == Format::markdown ? 4096u : 2048u, 0};
        // Zulip caps a message at 10000 characters, Mattermost at 16383, Slack at 40000.
        case Platform::webhook:
            return {10000, 0};
    }
    return {4000, 0};
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

namespace {

std::string first_line(const std::string& text, std::size_t max_bytes) {
    std::string_view line = text;
    line = line.substr(0, line.find('\n'));
    line = core::trim(line);
    std::string_view p = core::utf8_prefix(line, max_bytes);
    return std::string(p.empty() && !line.empty() ? line.substr(0, max_bytes) : p);
}

json dingtalk_at(const Mentions& m) {
    return {{"atMobiles", m.mobiles}, {"atUserIds", m.user_ids}, {"isAtAll", m.all}};
}

}  // namespace

json build_body(Platform platform, Format format, const std::string& text,
                const Mentions& mentions) {
    switch (platform) {
        case Platform::dingtalk: {
            if (format == Format::markdown) {
                // In markdown the people to notify must also be named in the text.
                std::string body = text;
                std::string tail;
                for (const auto& m : mentions.mobiles) tail += " @" + m;
                for (const auto& u : mentions.user_ids) tail += " @" + u;
                if (!tail.empty()) body += "\n\n" + std::string(core::trim(tail));
                return {{"msgtype", "markdown"},
                        {"markdown", {{"title", first_line(text, 64)}, {"text", body}}},
                        {"at", dingtalk_at(mentions)}};
            }
            return {
                {"msgtype", "text"}, {"text", {{"content", text}}}, {"at", dingtalk_at(mentions)}};
        }
        case Platform::feishu: {
            std::string prefix;
            if (mentions.all) prefix = format == Format::card ? "<at id=all></at> " : "";
            for (const auto& u : mentions.user_ids) {
                if (format == Format::card) prefix += "<at id=" + u + "></at> ";
            }
            if (format == Format::card) {
                return {{"msg_type", "interactive"},
                        {"card",
                         {{"config", {{"wide_screen_mode", true}}},
                          {"elements",
                           json::array(
                               {{{"tag", "div"},
                                 {"text", {{"tag", "lark_md"}, {"content", prefix + text}}}}})}}}};
            }
            if (format == Format::post) {
                json lines = json::array();
                json first = json::array();
                if (mentions.all) first.push_back({{"tag", "at"}, {"user_id", "all"}});
                for (const auto& u : mentions.user_ids) {
                    first.push_back({{"tag", "at"}, {"user_id", u}});
                }
                std::string_view rest = text;
                bool first_done = first.empty();
                if (!first_done) lines.push_back(first);
                while (true) {
                    const auto nl = rest.find('\n');
                    const std::string line(rest.substr(0, nl));
                    lines.push_back(json::array({{{"tag", "text"}, {"text", line}}}));
                    if (nl == std::string_view::npos) break;
                    rest.remove_prefix(nl + 1);
                }
                return {{"msg_type", "post"},
                        {"content",
                         {{"post",
                           {{"zh_cn", {{"title", first_line(text, 64)}, {"content", lines}}}}}}}};
            }
            std::string at;
            if (mentions.all) at += "<at user_id=\"all\">all</at> ";
            for (const auto& u : mentions.user_ids) at += "<at user_id=\"" + u + "\"></at> ";
            return {{"msg_type", "text"}, {"content", {{"text", at + text}}}};
        }
        case Platform::wecom: {
            if (format == Format::markdown) {
                std::string body = text;
                for (const auto& u : mentions.user_ids) body += " <@" + u + ">";
                return {{"msgtype", "markdown"}, {"markdown", {{"content", body}}}};
            }
            json t = {{"content", text}};
            std::vector<std::string> ids = mentions.user_ids;
            if (mentions.all) ids.push_back("@all");
            if (!ids.empty()) t["mentioned_list"] = ids;
            if (!mentions.mobiles.empty()) t["mentioned_mobile_list"] = mentions.mobiles;
            return {{"msgtype", "text"}, {"text", t}};
        }
        case Platform::webhook:
            return {{"text", text}};
    }
    return {{"text", text}};
}

std::vector<json> build_bodies(Platform platform, Format format, const std::string& text,
                               const Mentions& mentions, const Limits& limits) {
    std::size_t budget = limits.content_bytes;
    while (true) {
        std::vector<json> bodies;
        bool fits = true;
        const auto pieces = split_message(text, budget);
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            // Only the first piece notifies people.
            bodies.push_back(
                build_body(platform, format, pieces[i], i == 0 ? mentions : Mentions{}));
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

namespace {

std::optional<std::chrono::milliseconds> header_seconds(const http::Response& r,
                                                        const std::string& name) {
    const auto it = r.headers.find(name);
    if (it == r.headers.end()) return std::nullopt;
    try {
        const long long s = std::stoll(it->second);
        if (s < 0 || s > 24 * 3600) return std::nullopt;
        return std::chrono::milliseconds(s * 1000);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string snippet(const std::string& body) {
    std::string_view s = core::utf8_prefix(core::trim(body), 200);
    std::string out(s);
    for (char& c : out) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return out;
}

Outcome rate_limited(std::string error, std::optional<std::chrono::milliseconds> wait) {
    return {Outcome::Kind::rate_limited, std::move(error), wait};
}
Outcome retry(std::string error) { return {Outcome::Kind::retry, std::move(error), std::nullopt}; }
Outcome permanent(std::string error) {
    return {Outcome::Kind::permanent, std::move(error), std::nullopt};
}

std::optional<json> parse(const std::string& body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
}

long long number_field(const json& j, const char* key, long long fallback) {
    const auto it = j.find(key);
    if (it == j.end()) return fallback;
    if (it->is_number_integer()) return it->get<long long>();
    if (it->is_string()) {
        try {
            return std::stoll(it->get<std::string>());
        } catch (const std::exception&) {
        }
    }
    return fallback;
}

std::string string_field(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Outcome interpret(Platform platform, const http::Response& r) {
    using std::chrono::minutes;
    using std::chrono::seconds;
    if (r.status == 0) return retry("no answer: " + r.error);
    const std::string http = "HTTP " + std::to_string(r.status);
    if (r.status == 429) {
        auto wait = header_seconds(r, "retry-after");
        if (!wait) wait = header_seconds(r, "x-ogw-ratelimit-reset");
        return rate_limited(http + " too many requests", wait);
    }
    if (r.status >= 500) return retry(http + ": " + snippet(r.body));
    const bool success = r.status >= 200 && r.status < 300;

    if (platform == Platform::webhook) {
        if (!success) return permanent(http + ": " + snippet(r.body));
        // Zulip answers JSON with "result"; Slack and Mattermost answer "ok".
        if (auto j = parse(r.body)) {
            if (string_field(*j, "result") == "error") {
                return permanent("refused: " + string_field(*j, "msg"));
            }
        }
        return {};
    }

    const auto j = parse(r.body);
    if (!j) {
        // A 2xx whose body cannot be read may or may not have been posted; sending
        // again risks a repeat but never a loss.
        if (success) return retry(http + " with an unreadable answer: " + snippet(r.body));
        return permanent(http + ": " + snippet(r.body));
    }

    if (platform == Platform::feishu) {
        long long code = number_field(*j, "code", -999999);
        if (code == -999999) code = number_field(*j, "StatusCode", -999999);
        std::string msg = string_field(*j, "msg");
        if (msg.empty()) msg = string_field(*j, "StatusMessage");
        const std::string what = "code " + std::to_string(code) + ": " + msg;
        if (code == 0 && success) return {};
        if (code == -999999) return success ? retry(http + " without a code") : permanent(http);
        if (code == 11232 || code == 99991400) {
            auto wait = header_seconds(r, "x-ogw-ratelimit-reset");
            return rate_limited(
                what, wait ? wait : std::optional(std::chrono::milliseconds(seconds(60))));
        }
        // 9499 is Feishu's generic "Bad Request"; it also carries "too many request".
        if (code == 9499 && core::ascii_lower(msg).find("too many") != std::string::npos) {
            return rate_limited(what, std::chrono::milliseconds(seconds(60)));
        }
        // 19021 signature or timestamp, 19022 IP not allowed, 19024 keyword missing,
        // 9499 malformed request, and the rest: sending again cannot help.
        return permanent(what);
    }

    // DingTalk and WeCom: {"errcode": 0, "errmsg": "ok"}.
    const long long code = number_field(*j, "errcode", -999999);
    const std::string what = "errcode " + std::to_string(code) + ": " + string_field(*j, "errmsg");
    if (code == 0 && success) return {};
    if (code == -999999) return success ? retry(http + " without errcode") : permanent(http);
    if (code == -1) return retry(what);  // "system busy"
    if (platform == Platform::dingtalk && code == 130101) {
        // Over 20 a minute: the robot is throttled for 10 minutes.
        return rate_limited(what, std::chrono::milliseconds(minutes(10)));
    }
    if (platform == Platform::wecom && code == 45009) {
        return rate_limited(what, std::chrono::milliseconds(minutes(1)));
    }
    // DingTalk 310000 (signature, timestamp, keyword, IP), 300001 (token), 400102
    // (robot stopped); WeCom 93000 (bad key), 40008 (bad type) ...: permanent.
    return permanent(what);
}

}  // namespace twintrack::connectors::robots
