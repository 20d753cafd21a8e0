#include "store/sign_in.hpp"

#include <sstream>

namespace twintrack::store {
namespace {

const char* const session_columns =
    "SELECT id, person_id, connector, id_hash, created_at, last_seen_at, expires_at, "
    "revoked_at FROM web_sessions ";

WebSession session_row(const Row& r) {
    WebSession s;
    s.id = r.integer(0);
    s.person_id = r.integer(1);
    s.connector = r.text(2);
    s.id_hash = r.text(3);
    s.created_at = r.integer(4);
    s.last_seen_at = r.integer(5);
    s.expires_at = r.integer(6);
    s.revoked_at = r.optional_integer(7);
    return s;
}

const char* const token_columns =
    "SELECT id, name, scopes, token_hash, created_at, expires_at, revoked_at, last_used_at "
    "FROM api_tokens ";

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
}

ApiToken token_row(const Row& r) {
    ApiToken t;
    t.id = r.integer(0);
    t.name = r.text(1);
    t.scopes = split_words(r.text(2));
    t.token_hash = r.text(3);
    t.created_at = r.integer(4);
    t.expires_at = r.optional_integer(5);
    t.revoked_at = r.optional_integer(6);
    t.last_used_at = r.optional_integer(7);
    return t;
}

}  // namespace

std::int64_t SignInRepository::add_session(const WebSession& s) {
    return db_.insert(
        "INSERT INTO web_sessions (person_id, connector, id_hash, created_at, last_seen_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        {s.person_id, s.connector, s.id_hash, s.created_at, s.last_seen_at, s.expires_at});
}

std::optional<WebSession> SignInRepository::session_by_hash(const std::string& id_hash) {
    std::optional<WebSession> out;
    db_.query(std::string(session_columns) + "WHERE id_hash = ?", {id_hash},
              [&](const Row& r) { out = session_row(r); });
    return out;
}

void SignInRepository::touch_session(std::int64_t id, std::int64_t now_ms) {
    db_.execute("UPDATE web_sessions SET last_seen_at = ? WHERE id = ?", {now_ms, id});
}

int SignInRepository::revoke_sessions(std::int64_t person_id, std::int64_t now_ms) {
    return db_.execute(
        "UPDATE web_sessions SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL",
        {now_ms, person_id});
}

void SignInRepository::revoke_session(std::int64_t id, std::int64_t now_ms) {
    db_.execute("UPDATE web_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                {now_ms, id});
}

void SignInRepository::add_link(const SignInLink& l) {
    db_.execute(
        "INSERT INTO sign_in_links (person_id, connector, token_hash, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        {l.person_id, l.connector, l.token_hash, l.created_at, l.expires_at});
}

std::optional<SignInLink> SignInRepository::link_by_hash(const std::string& token_hash) {
    std::optional<SignInLink> out;
    db_.query(
        "SELECT id, person_id, connector, token_hash, created_at, expires_at, used_at "
        "FROM sign_in_links WHERE token_hash = ?",
        {token_hash}, [&](const Row& r) {
            SignInLink l;
            l.id = r.integer(0);
            l.person_id = r.integer(1);
            l.connector = r.text(2);
            l.token_hash = r.text(3);
            l.created_at = r.integer(4);
            l.expires_at = r.integer(5);
            l.used_at = r.optional_integer(6);
            out = std::move(l);
        });
    return out;
}

bool SignInRepository::use_link(std::int64_t id, std::int64_t now_ms) {
    return db_.execute("UPDATE sign_in_links SET used_at = ? WHERE id = ? AND used_at IS NULL",
                       {now_ms, id}) == 1;
}

void SignInRepository::add_request(std::int64_t at, const std::string& client,
                                   std::optional<std::int64_t> person_id) {
    db_.execute("INSERT INTO sign_in_requests (at, client, person_id) VALUES (?, ?, ?)",
                {at, client, nullable(person_id)});
}

int SignInRepository::requests_from(const std::string& client, std::int64_t since) {
    return static_cast<int>(
        db_.scalar("SELECT count(*) FROM sign_in_requests WHERE client = ? AND at >= ?",
                   {client, since})
            .value_or(0));
}

int SignInRepository::requests_for(std::int64_t person_id, std::int64_t since) {
    return static_cast<int>(
        db_.scalar("SELECT count(*) FROM sign_in_requests WHERE person_id = ? AND at >= ?",
                   {person_id, since})
            .value_or(0));
}

int SignInRepository::delete_ended_sessions(std::int64_t now_ms) {
    return db_.execute("DELETE FROM web_sessions WHERE revoked_at IS NOT NULL OR expires_at <= ?",
                       {now_ms});
}

int SignInRepository::delete_links_expired_before(std::int64_t before_ms) {
    return db_.execute("DELETE FROM sign_in_links WHERE expires_at < ?", {before_ms});
}

int SignInRepository::delete_requests_before(std::int64_t before_ms) {
    return db_.execute("DELETE FROM sign_in_requests WHERE at < ?", {before_ms});
}

std::int64_t SignInRepository::add_token(const ApiToken& t) {
    std::string scopes;
    for (const auto& s : t.scopes) scopes += (scopes.empty() ? "" : " ") + s;
    return db_.insert(
        "INSERT INTO api_tokens (name, scopes, token_hash, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?)",
        {t.name, scopes, t.token_hash, t.created_at, nullable(t.expires_at)});
}

std::vector<ApiToken> SignInRepository::tokens() {
    std::vector<ApiToken> out;
    db_.query(std::string(token_columns) + "ORDER BY name", {},
              [&](const Row& r) { out.push_back(token_row(r)); });
    return out;
}

std::optional<ApiToken> SignInRepository::token_by_hash(const std::string& token_hash) {
    std::optional<ApiToken> out;
    db_.query(std::string(token_columns) + "WHERE token_hash = ?", {token_hash},
              [&](const Row& r) { out = token_row(r); });
    return out;
}

bool SignInRepository::revoke_token(const std::string& name, std::int64_t now_ms) {
    return db_.execute("UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                       {now_ms, name}) == 1;
}

void SignInRepository::token_used(std::int64_t id, std::int64_t now_ms) {
    db_.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", {now_ms, id});
}

}  // namespace twintrack::store
