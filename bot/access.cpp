#include "bot/access.hpp"

#include <algorithm>

#include "bot/engine.hpp"
#include "bot/turn.hpp"
#include "core/crypto.hpp"

namespace twintrack::bot {

const std::vector<std::string>& api_scopes() {
    static const std::vector<std::string> scopes = {"reports:read", "deals:write", "calendar:read",
                                                    "metrics:read", "people:read"};
    return scopes;
}

void describe_access_metrics(core::Telemetry& t) {
    using T = core::Telemetry::Type;
    t.describe("twintrack_api_token_requests_total", T::counter,
               "Requests with a per-integration API token, by result (ok, unauthorized, "
               "forbidden).");
    t.describe("twintrack_sign_ins_total", T::counter,
               "Hub sign-ins and their failures, by result.");
}

std::optional<core::ApiResponse> check_api_token(Turn& turn, const core::ApiRequest& request,
                                                 const std::string& scope) {
    auto& store = turn.write();
    const std::int64_t now = core::to_millis(turn.now());
    const auto token = store.sign_in().token_by_hash(core::sha256_hex(request.api_token));
    const auto count = [&](const char* result) {
        if (turn.engine().telemetry()) {
            turn.engine().telemetry()->add("twintrack_api_token_requests_total",
                                           {{"result", result}});
        }
    };
    const std::string what = request.method + " " + request.path;
    if (!token || token->revoked_at || (token->expires_at && now >= *token->expires_at)) {
        const char* why = !token ? "unknown" : token->revoked_at ? "revoked" : "expired";
        turn.audit("api_token.refused",
                   {{"token", token ? token->name : std::string()}, {"why", why}, {"route", what}});
        count("unauthorized");
        auto r = api_error(
            401, "unauthorized",
            token ? std::string("this API token is ") + why : std::string("unknown API token"));
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
    }
    if (scope.empty() ||
        std::find(token->scopes.begin(), token->scopes.end(), scope) == token->scopes.end()) {
        turn.audit("api_token.forbidden", {{"token", token->name}, {"route", what}});
        count("forbidden");
        return api_error(403, "forbidden",
                         scope.empty() ? "API tokens cannot use this route"
                                       : "this API token lacks the scope " + scope);
    }
    store.sign_in().token_used(token->id, now);
    turn.audit("api_token.use", {{"token", token->name}, {"route", what}});
    count("ok");
    return std::nullopt;
}

}  // namespace twintrack::bot
