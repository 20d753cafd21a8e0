#include "connectors/http/http_client.hpp"

#include <algorithm>
#include <cctype>

#include "core/api.hpp"

namespace twintrack::connectors::http {

std::string Response::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

std::chrono::seconds retry_after(const Response& response, std::chrono::seconds fallback) {
    const std::string value = response.header("retry-after");
    if (value.empty() || value.size() > 9 ||
        !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
        return fallback;
    }
    return std::chrono::seconds(std::stoll(value));
}

std::string form_decode(const std::string& text) { return core::url_decode(text, true); }

std::map<std::string, std::string> parse_form(const std::string& body) {
    return core::parse_query(body);
}

}  // namespace twintrack::connectors::http
