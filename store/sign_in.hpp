#pragma once
// Signing in to the hub: browser sessions, one-time sign-in links, the requests for them
// (rate limits) and API tokens per integration. Secrets are stored only as SHA-256
// digests; callers hash before they ask.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

struct WebSession {
    std::int64_t id = 0;
    std::int64_t person_id = 0;
    std::string connector;
    std::string id_hash;
    std::int64_t created_at = 0;
    std::int64_t last_seen_at = 0;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> revoked_at;
};

struct SignInLink {
    std::int64_t id = 0;
    std::int64_t person_id = 0;
    std::string connector;
    std::string token_hash;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> used_at;
};

struct ApiToken {
    std::int64_t id = 0;
    std::string name;
    std::vector<std::string> scopes;
    std::string token_hash;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> expires_at;
    std::optional<std::int64_t> revoked_at;
    std::optional<std::int64_t> last_used_at;
};

class SignInRepository {
  public:
    explicit SignInRepository(Database& db) : db_(db) {}

    // Sessions
    std::int64_t add_session(const WebSession& session);
    std::optional<WebSession> session_by_hash(const std::string& id_hash);
    void touch_session(std::int64_t id, std::int64_t now_ms);
    /// Revokes every live session of a person; returns how many.
    int revoke_sessions(std::int64_t person_id, std::int64_t now_ms);
    /// Revokes one session (signing out).
    void revoke_session(std::int64_t id, std::int64_t now_ms);

    // Links
    void add_link(const SignInLink& link);
    std::optional<SignInLink> link_by_hash(const std::string& token_hash);
    /// Marks a link used; false when it was used already (a race lost).
    bool use_link(std::int64_t id, std::int64_t now_ms);

    // Requests (rate limits)
    void add_request(std::int64_t at, const std::string& client,
                     std::optional<std::int64_t> person_id);
    int requests_from(const std::string& client, std::int64_t since);
    int requests_for(std::int64_t person_id, std::int64_t since);

    // Retention (the daily job)
    /// Deletes sessions revoked or past their absolute end by `now_ms`; returns how many.
    int delete_ended_sessions(std::int64_t now_ms);
    /// Deletes links that expired before `before_ms`; returns how many.
    int delete_links_expired_before(std::int64_t before_ms);
    /// Deletes sign-in requests made before `before_ms`; returns how many.
    int delete_requests_before(std::int64_t before_ms);

    // API tokens
    /// Throws UniqueViolation when the name is taken.
    std::int64_t add_token(const ApiToken& token);
    std::vector<ApiToken> tokens();
    std::optional<ApiToken> token_by_hash(const std::string& token_hash);
    /// Revokes the token called `name`; false when there is none not yet revoked.
    bool revoke_token(const std::string& name, std::int64_t now_ms);
    void token_used(std::int64_t id, std::int64_t now_ms);

  private:
    Database& db_;
};

}  // namespace twintrack::store
