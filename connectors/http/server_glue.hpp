#pragma once
// What the process's HTTP servers (the hub's and the `http:` server, both websocketpp)
// share: the same limits and the same request type for the routes they hand on.
// Header-only: each server has its own websocketpp configuration.

#include <algorithm>
#include <cctype>
#include <string>

#include "connectors/http/hook_routes.hpp"
#include "connectors/http/http_listener.hpp"

namespace twintrack::connectors::http {

/// Body size (413 above it), the time a client has to send its whole request, and
/// (fixed by websocketpp) 16000 bytes of headers (431 above them).
template <typename Server>
void apply_request_limits(Server& server) {
    server.set_max_http_body_size(max_request_body);
    server.set_open_handshake_timeout(request_timeout_ms);
}

/// The request a websocketpp connection received, as the one request type.
template <typename ConnectionPtr>
ListenerRequest read_request(const ConnectionPtr& con) {
    ListenerRequest request;
    request.method = con->get_request().get_method();
    const std::string resource = con->get_resource();
    const auto q = resource.find('?');
    request.path = resource.substr(0, q);
    if (q != std::string::npos) request.query = resource.substr(q + 1);
    for (const auto& [name, value] : con->get_request().get_headers()) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        request.headers[lower] = value;
    }
    request.body = con->get_request_body();
    return request;
}

/// Sends `response` on a websocketpp connection.
template <typename ConnectionPtr>
void write_response(const ConnectionPtr& con, const ListenerResponse& response) {
    con->set_status(static_cast<websocketpp::http::status_code::value>(response.status));
    con->replace_header("Content-Type", response.content_type);
    con->replace_header("Cache-Control", "no-store");
    for (const auto& [name, value] : response.headers) con->replace_header(name, value);
    con->set_body(response.body);
}

}  // namespace twintrack::connectors::http
