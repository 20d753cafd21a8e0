#include "bot/api.hpp"

#include <nlohmann/json.hpp>

namespace twintrack::bot {

core::ApiResponse api_error(int status, const std::string& code, const std::string& message) {
    core::ApiResponse r;
    r.status = status;
    r.body = nlohmann::json{{"error", code}, {"message", message}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

bool match_pattern(const std::string& pattern, const std::string& path,
                   std::map<std::string, std::string>& params) {
    std::size_t p = 0;
    std::size_t s = 0;
    std::map<std::string, std::string> found;
    while (p < pattern.size()) {
        if (pattern[p] == '{') {
            const auto close = pattern.find('}', p);
            if (close == std::string::npos) return false;
            const std::string name = pattern.substr(p + 1, close - p - 1);
            p = close + 1;
            // The parameter runs to the next literal character of the pattern (or the
            // end of the segment) and never spans a '/'.
            const char stop = p < pattern.size() ? pattern[p] : '/';
            std::size_t end = s;
            while (end < path.size() && path[end] != '/' && path[end] != stop) ++end;
            if (stop != '/' && p < pattern.size()) {
                // Prefer the last occurrence of the literal within the segment, so that
                // "{id}.ics" takes "a.b" from "a.b.ics".
                std::size_t seg_end = s;
                while (seg_end < path.size() && path[seg_end] != '/') ++seg_end;
                const std::string literal = pattern.substr(p, pattern.find_first_of("{/", p) - p);
                const auto at = path.substr(s, seg_end - s).rfind(literal);
                if (at == std::string::npos) return false;
                end = s + at;
            }
            if (end == s) return false;
            found[name] = path.substr(s, end - s);
            s = end;
        } else {
            if (s >= path.size() || path[s] != pattern[p]) return false;
            ++s;
            ++p;
        }
    }
    if (s != path.size()) return false;
    params = std::move(found);
    return true;
}

void ApiRouter::add(ApiRoute route, std::string scope) {
    routes_.push_back(std::move(route));
    scopes_.push_back(std::move(scope));
}

ApiRouter::Match ApiRouter::match(const std::string& method, const std::string& path) const {
    Match m;
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        const ApiRoute& route = routes_[i];
        std::map<std::string, std::string> params;
        if (!match_pattern(route.pattern, path, params)) continue;
        const bool head_as_get = method == "HEAD" && route.method == "GET";
        if (route.method == method || head_as_get) {
            m.route = &route;
            m.params = std::move(params);
            m.other_method = false;
            m.scope = scopes_[i];
            return m;
        }
        m.other_method = true;
        m.allowed.push_back(route.method);
    }
    return m;
}

}  // namespace twintrack::bot
