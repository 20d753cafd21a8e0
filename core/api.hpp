#pragma once
// HTTP requests a connector forwards to the bot (e.g. the hub's `/api/v1/...` routes that
// need the store), and the answer the bot gives. The connector checks authentication and
// size limits before forwarding; the bot's ApiRouter (bot/api.hpp) picks the handler.

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace twintrack::core {

struct ApiRequest {
    std::string connector;                       ///< the connector that received it
    std::string method;                          ///< "GET", "POST", ...
    std::string path;                            ///< without the query, e.g. "/api/v1/reports.csv"
    std::map<std::string, std::string> query;    ///< decoded query parameters
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;
    /// A bearer token the connector did not recognise, left for the bot to check against
    /// the per-integration API tokens; empty when the connector authenticated the request.
    std::string api_token;
};

struct ApiResponse {
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers
};

/// Called exactly once, from any thread, with the answer.
using ApiReply = std::function<void(ApiResponse)>;

/// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space). A repeated name keeps the
/// last value; malformed escapes are kept as written.
std::map<std::string, std::string> parse_query(const std::string& query);

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`).
std::string url_decode(const std::string& text, bool plus_is_space = true);

/// Percent-encodes everything but RFC 3986's unreserved characters.
std::string url_encode(const std::string& text);

/// "a=1&b=x%20y" from name/value pairs, in order.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace twintrack::core
