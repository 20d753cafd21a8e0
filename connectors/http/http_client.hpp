#pragma once
// HTTP helpers shared by the connectors: an answer as the group robots' formats read it,
// Retry-After, form and URL encoding. Requests themselves go through the connector
// runtime (connectors/runtime/http_client, cpprestsdk).

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/api.hpp"

namespace twintrack::connectors::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Response {
    int status = 0;                              ///< 0 when no HTTP answer arrived (see `error`)
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;
    std::string error;  ///< transport error (resolve, connect, TLS, timeout), else ""

    /// The header's value or "" (`name` in lower case).
    std::string header(const std::string& name) const;
};

/// Seconds to wait from a 429 answer: `Retry-After` (seconds), else `fallback`.
std::chrono::seconds retry_after(const Response& response, std::chrono::seconds fallback);

/// RFC 3986 percent-encoding of everything but unreserved characters.
using core::url_encode;
/// Decodes application/x-www-form-urlencoded text ('+' is a space).
std::string form_decode(const std::string& text);
/// Parses `a=1&b=two` into a map (later keys win).
std::map<std::string, std::string> parse_form(const std::string& body);
/// Builds `a=1&b=two` from pairs.
using core::form_encode;

}  // namespace twintrack::connectors::http
