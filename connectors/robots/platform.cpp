#include "connectors/robots/platform.hpp"

#include <array>

#include "core/text.hpp"

namespace twintrack::connectors::robots {

using nlohmann::json;

const PlatformRules& platform_rules(Platform platform) {
    // Indexed by the enum's value, in its order.
    static const std::array<const PlatformRules*, 4> rules = {&dingtalk_rules(), &feishu_rules(),
                                                              &wecom_rules(), &webhook_rules()};
    const auto index = static_cast<std::size_t>(platform);
    return index < rules.size() ? *rules[index] : webhook_rules();
}

std::string first_line(const std::string& text, std::size_t max_bytes) {
    std::string_view line = text;
    line = line.substr(0, line.find('\n'));
    line = core::trim(line);
    std::string_view p = core::utf8_prefix(line, max_bytes);
    return std::string(p.empty() && !line.empty() ? line.substr(0, max_bytes) : p);
}

namespace answer {

Outcome rate_limited(std::string error, std::optional<std::chrono::milliseconds> wait) {
    return {Outcome::Kind::rate_limited, std::move(error), wait};
}

Outcome retry(std::string error) { return {Outcome::Kind::retry, std::move(error), std::nullopt}; }

Outcome permanent(std::string error) {
    return {Outcome::Kind::permanent, std::move(error), std::nullopt};
}

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

std::string http_status(const http::Response& r) { return "HTTP " + std::to_string(r.status); }

bool success(const http::Response& r) { return r.status >= 200 && r.status < 300; }

std::optional<json> json_object(const http::Response& r, Outcome& fail) {
    json j = json::parse(r.body, nullptr, false);
    if (!j.is_discarded() && j.is_object()) return j;
    fail = success(r) ? retry(http_status(r) + " with an unreadable answer: " + snippet(r.body))
                      : permanent(http_status(r) + ": " + snippet(r.body));
    return std::nullopt;
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

Outcome errcode_answer(const http::Response& r, long long throttled,
                       std::chrono::milliseconds throttle) {
    Outcome fail;
    const auto j = json_object(r, fail);
    if (!j) return fail;
    const long long code = number_field(*j, "errcode", no_code);
    const std::string what = "errcode " + std::to_string(code) + ": " + string_field(*j, "errmsg");
    if (code == 0 && success(r)) return {};
    if (code == no_code) {
        return success(r) ? retry(http_status(r) + " without errcode") : permanent(http_status(r));
    }
    if (code == -1) return retry(what);  // "system busy"
    if (code == throttled) return rate_limited(what, throttle);
    return permanent(what);
}

}  // namespace answer

}  // namespace twintrack::connectors::robots
