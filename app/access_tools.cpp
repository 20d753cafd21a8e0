#include "app/access_tools.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bot/access.hpp"
#include "core/crypto.hpp"

namespace twintrack::app {
namespace {

void audit(store::Store& store, std::int64_t now_ms, std::int64_t person_id,
           const std::string& action, const nlohmann::json& detail) {
    store::AuditEntry e;
    e.at = now_ms;
    e.person_id = person_id;
    e.action = action;
    e.detail = detail.dump();
    store.audit().record(e);
}

}  // namespace

TokenCreated token_create(store::Store& store, const std::string& name,
                          const std::vector<std::string>& scopes,
                          std::optional<std::int64_t> expires_at, std::int64_t now_ms) {
    TokenCreated out;
    const auto& known = bot::api_scopes();
    for (const auto& s : scopes) {
        if (std::find(known.begin(), known.end(), s) == known.end()) {
            out.error = "bad_scope:" + s;
            return out;
        }
    }
    const std::string token = "tt_" + core::random_hex(32);
    store::ApiToken row;
    row.name = name;
    row.scopes = scopes;
    row.token_hash = core::sha256_hex(token);
    row.created_at = now_ms;
    row.expires_at = expires_at;
    store::Transaction tx(store.db());
    try {
        store.sign_in().add_token(row);
    } catch (const store::UniqueViolation&) {
        out.error = "taken";
        return out;
    }
    audit(store, now_ms, 0, "api_token.create",
          {{"token", name}, {"scopes", scopes}, {"expires_at", expires_at.value_or(0)}});
    tx.commit();
    out.token = token;
    return out;
}

bool token_revoke(store::Store& store, const std::string& name, std::int64_t now_ms) {
    store::Transaction tx(store.db());
    if (!store.sign_in().revoke_token(name, now_ms)) return false;
    audit(store, now_ms, 0, "api_token.revoke", {{"token", name}});
    tx.commit();
    return true;
}

std::optional<int> sessions_revoke(store::Store& store, const std::string& email,
                                   std::int64_t now_ms) {
    const auto id = store.person_data().find(email);
    if (!id) return std::nullopt;
    store::Transaction tx(store.db());
    const int count = store.sign_in().revoke_sessions(*id, now_ms);
    audit(store, now_ms, *id, "session.revoke", {{"person_id", *id}, {"count", count}});
    tx.commit();
    return count;
}

}  // namespace twintrack::app
