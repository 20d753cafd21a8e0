#pragma once
// A blocking HTTP client (libcurl) for connector threads: one call, one request. Never
// used on the engine thread.

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace twintrack::connectors::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
    std::string method = "GET";
    std::string url;
    HeaderList headers;
    std::string body;
    std::chrono::milliseconds timeout{15000};
    /// A PEM file of CAs to trust besides the system store (private CAs, tests).
    std::string ca_file;
};

struct Response {
    int status = 0;                              ///< 0 when no HTTP answer arrived (see `error`)
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;
    std::string error;  ///< transport error (resolve, connect, TLS, timeout), else ""

    /// The header's value or "" (`name` in lower case).
    std::string header(const std::string& name) const;
};

/// Performs one request and returns the answer; never throws for network errors.
Response perform(const Request& request);

/// Seconds to wait from a 429 answer: `Retry-After` (seconds), else `fallback`.
std::chrono::seconds retry_after(const Response& response, std::chrono::seconds fallback);

/// RFC 3986 percent-encoding of everything but unreserved characters.
std::string url_encode(const std::string& text);
/// Decodes application/x-www-form-urlencoded text ('+' is a space).
std::string form_decode(const std::string& text);
/// Parses `a=1&b=two` into a map (later keys win).
std::map<std::string, std::string> parse_form(const std::string& body);
/// Builds `a=1&b=two` from pairs.
std::string form_encode(const HeaderList& fields);

}  // namespace twintrack::connectors::http
