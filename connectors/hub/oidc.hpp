#pragma once
// Pure pieces of OpenID Connect sign-in to the hub (`sign_in: [oidc]`; docs/connectors/
// hub.md): PKCE, the provider's signing keys (JWKS) and the checks of an ID token. No I/O
// here: the hub fetches the discovery document, the JWKS and the token itself.

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/yaml_check.hpp"

namespace twintrack::connectors::hub::oidc {

/// The `oidc:` block of a hub.
struct OidcSettings {
    std::string issuer;  ///< exactly as the provider names itself (the `iss` claim)
    std::string client_id;
    core::Secret client_secret;  ///< `${ENV}` only
    std::string redirect_url;    ///< registered with the provider: PUBLIC_URL/sign-in/oidc/callback
    /// The claim listing the person's groups ("" = roles are left alone).
    std::string groups_claim;
    /// Group name -> role (manager, hr or admin).
    std::map<std::string, std::string> roles;
};

/// How far `exp`, `iat` and `nbf` may be off (clock skew between the hub and provider).
constexpr std::int64_t leeway_seconds = 60;
/// How long a browser may take between leaving for the provider and coming back.
constexpr std::int64_t pending_minutes = 10;

/// RFC 4648 base64url without padding.
std::string base64url_encode(std::string_view bytes);
/// Null when `text` is not base64url (padding is tolerated).
std::optional<std::string> base64url_decode(std::string_view text);

/// The PKCE S256 challenge of `verifier`: base64url(SHA-256(verifier)).
std::string pkce_challenge(const std::string& verifier);

/// A verification key of the provider.
struct Key {
    std::string kid;
    std::string kty;             ///< RSA or EC (P-256)
    std::string alg;             ///< as the JWKS says, or ""
    std::shared_ptr<void> pkey;  ///< EVP_PKEY
};

/// The provider's keys, from its JWKS document. Keys that are not RSA or P-256 EC, or
/// whose `use` is not `sig`, are skipped.
class KeySet {
  public:
    static KeySet parse(const nlohmann::json& jwks);
    const Key* find(const std::string& kid) const;
    std::size_t size() const { return keys_.size(); }

  private:
    std::map<std::string, Key> keys_;
};

/// What an ID token must say.
struct Expected {
    std::string issuer;
    std::string audience;  ///< the client id
    std::string nonce;
    std::int64_t now_ms = 0;
};

enum class Problem {
    none,
    malformed,    ///< not three base64url parts of JSON
    algorithm,    ///< `alg` other than RS256 or ES256 (none and HS256 included)
    unknown_key,  ///< no key with the token's `kid` (the caller may fetch the JWKS again)
    signature,    ///< the signature does not verify
    issuer,
    audience,
    expired,
    not_yet_valid,  ///< `iat` or `nbf` in the future
    nonce,
};

/// "malformed", "algorithm", ... for audit logs and tests.
const char* problem_name(Problem problem);

struct Verified {
    Problem problem = Problem::none;
    nlohmann::json claims;  ///< the payload, when the problem is none
};

/// Checks an ID token: header alg (RS256 or ES256 only), the signature with the key named
/// by `kid`, then iss, aud (and azp when several audiences), exp, iat/nbf (with
/// `leeway_seconds`) and nonce.
Verified verify_id_token(const std::string& jwt, const KeySet& keys, const Expected& expected);

/// The role a person's groups give: the highest of admin, hr, manager the mapping names
/// for any of them, else "staff". `groups` is the claim: a list of strings or one string.
std::string role_for_groups(const nlohmann::json& groups,
                            const std::map<std::string, std::string>& mapping);

/// The locale of an Accept-Language header: zh-CN for any Chinese first, else en.
std::string locale_of(std::string_view accept_language);

}  // namespace twintrack::connectors::hub::oidc
