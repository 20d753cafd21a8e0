#include "connectors/runtime/connector_config.hpp"

#include <memory>
#include <regex>

namespace twintrack::connectors::runtime {

bool is_http_url(const std::string& url) {
    return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
}

bool read_base_url(core::SectionReader& section, const char* key, std::string& into, bool required,
                   const std::string& what) {
    auto url = section.string(key, required);
    if (!url) return false;
    if (!is_http_url(*url)) {
        section.error(
            key, (what.empty() ? std::string("must start with https:// (or http:// for a local "
                                             "test server)")
                               : what) +
                     "; got \"" + *url + "\"");
        return false;
    }
    into = *url;
    while (!into.empty() && into.back() == '/') into.pop_back();
    return true;
}

void read_max_chars(core::SectionReader& section, std::size_t& into, long long low,
                    long long high) {
    if (auto n = section.integer("max_chars", low, high)) into = static_cast<std::size_t>(*n);
}

std::function<bool(const std::string&)> id_pattern(const std::string& regex) {
    auto re = std::make_shared<const std::regex>(regex);
    return [re](const std::string& id) { return std::regex_match(id, *re); };
}

}  // namespace twintrack::connectors::runtime
