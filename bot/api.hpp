#pragma once
// HTTP routes served by features (`/api/v1/...`), reached through a connector that
// forwards authenticated requests (the hub). Handlers run on the engine thread with a
// Turn like any command: read() for queries, write() to change state (committed before
// the answer goes out, rolled back and answered 500 when the handler throws).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/api.hpp"

namespace twintrack::bot {

class Turn;

struct ApiCall {
    const core::ApiRequest& request;
    std::map<std::string, std::string> params;  ///< the `{name}` parts of the pattern
};

struct ApiRoute {
    std::string method;   ///< "GET", "POST", ...
    std::string pattern;  ///< e.g. "/api/v1/events/{id}.ics"; `{x}` matches one segment part
    bool writes = false;  ///< the handler changes state: its turn opens a transaction first
    std::function<core::ApiResponse(Turn&, const ApiCall&)> handler;
};

/// A JSON error body: {"error": code, "message": message}.
core::ApiResponse api_error(int status, const std::string& code, const std::string& message);

class ApiRouter {
  public:
    /// `scope`: what an API token needs to use the route (e.g. "reports:read"); empty:
    /// no API token may (bot/access.hpp).
    void add(ApiRoute route, std::string scope = "");

    struct Match {
        const ApiRoute* route = nullptr;
        std::map<std::string, std::string> params;
        /// The path is known but not for this method (405 rather than 404).
        bool other_method = false;
        std::vector<std::string> allowed;
        std::string scope;  ///< the route's API token scope
    };
    Match match(const std::string& method, const std::string& path) const;

  private:
    std::vector<ApiRoute> routes_;
    std::vector<std::string> scopes_;  // parallel to routes_
};

/// Matches `path` against `pattern`; fills `params`. Exposed for tests.
bool match_pattern(const std::string& pattern, const std::string& path,
                   std::map<std::string, std::string>& params);

}  // namespace twintrack::bot
