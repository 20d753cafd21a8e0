#pragma once
// `twintrack token create|list|revoke` and `twintrack sessions revoke`: API tokens per
// integration and signing a person out of the hub. Every change is audited; the SQL is
// in store/sign_in.

#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace twintrack::app {

struct TokenCreated {
    std::string token;  ///< shown once, never stored
    std::string error;  ///< "bad_scope:SCOPE", "taken"; empty on success
};

/// Creates an API token `name` with `scopes` (bot::api_scopes()), ending at
/// `expires_at` (UTC ms) when given.
TokenCreated token_create(store::Store& store, const std::string& name,
                          const std::vector<std::string>& scopes,
                          std::optional<std::int64_t> expires_at, std::int64_t now_ms);

/// Revokes the token called `name`; false when no live token has that name.
bool token_revoke(store::Store& store, const std::string& name, std::int64_t now_ms);

/// Revokes every session of the person with `email`; how many, or nothing when nobody
/// has that email.
std::optional<int> sessions_revoke(store::Store& store, const std::string& email,
                                   std::int64_t now_ms);

}  // namespace twintrack::app
