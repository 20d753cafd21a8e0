#pragma once
// Who may use the hub: API tokens per integration (checked here for the `/api/v1` routes
// a connector forwards with a bearer token it does not know) and the scopes routes ask
// for. Secrets are compared as SHA-256 digests; the store keeps nothing else.

#include <optional>
#include <string>
#include <vector>

#include "bot/api.hpp"
#include "core/api.hpp"
#include "core/telemetry.hpp"

namespace twintrack::bot {

class Turn;

/// The scopes an API token may carry: reports:read, deals:write, calendar:read,
/// metrics:read (`/metrics`), people:read (`/api/v1/people`).
const std::vector<std::string>& api_scopes();

/// Declares the access counters in `/metrics`.
void describe_access_metrics(core::Telemetry& telemetry);

/// For a request carrying `api_token`: null when the token is live and holds the route's
/// scope (the use is audited), else the answer: 401 for an unknown, expired or revoked
/// token, 403 for a route outside its scopes (audited too).
std::optional<core::ApiResponse> check_api_token(Turn& turn, const core::ApiRequest& request,
                                                 const std::string& scope);

}  // namespace twintrack::bot
