#pragma once
// Signing in to the hub as oneself (docs/ARCHITECTURE.md, "Hub sign-in"). The hub owns
// cookies, CSRF and sockets; the questions that need the directory, the store or a
// direct message come here as internal routes under `/_hub/`, which the hub calls
// itself and never forwards from outside (it forwards `/api/v1/...` only):
//
//   POST /_hub/sign-in/link    {"connector","who","client","url","email"?} → 202, or 429
//        sends a one-time link (10 minutes, single use) by direct message on another
//        platform where the person is known; the answer never says whether they exist.
//        With "email": true (the hub has an SMTP relay) a person with no such platform
//        gets it by email: the 202 then carries {"email": {"to","subject","body","link"}}
//        (the text in their language, "link" the token's digest) for the hub to send
//   POST /_hub/sign-in/link/undelivered {"connector","link","why","reply_code"} → 200
//        the relay did not take that mail: the link is spent, the failure audited
//   POST /_hub/sign-in/redeem  {"connector","token","absolute_ms"}  → {"session","user"}
//        or 401 {"error": "invalid_link" | "link_used" | "link_expired"}
//   POST /_hub/session         {"connector","session_hash","idle_ms"} → {"user"} or 401
//   POST /_hub/sessions/check  {"connector","hashes":[...],"idle_ms"} → {"ended":[...]}
//        sessions revoked or past their absolute end; the live ones count as used
//   POST /_hub/sign-in/oidc/allowed {"connector","client"}           → 200, or 429
//        before a browser is sent to the OpenID provider: too many failures from there?
//   POST /_hub/sign-in/oidc/failed  {"connector","client","why","email","via"?} → 200
//        the hub refused an OpenID answer (bad ID token, replayed state, ...): audited,
//        and counted against the client address
//   POST /_hub/sign-in/oidc  {"connector","client","email","subject","role"?,"absolute_ms"}
//        → {"session","user","locale"}, 403 {"error": "unknown_email" |
//        "no_identity_on_hub"} or 429; the hub verified the ID token and that the email is
//        verified; "role" (from the provider's groups) replaces the person's role
//   POST /_hub/sign-in/platform {"connector","client","via","identity_connector","user_id",
//        "email","absolute_ms"} → {"session","user","locale"}, 403 {"error":
//        "unknown_person" | "no_identity_on_hub"} or 429; the hub had Feishu, DingTalk or
//        WeCom say who signed in (via); the person is the one with identity
//        identity_connector:user_id, else the one with that email (one the platform's
//        organisation vouches for). Failures (also reported through .../oidc/failed with
//        "via") count against the client address.
//   POST /_hub/sign-out      {"connector","session_hash"}           → 200 (revoked)
//   GET  /_hub/api-token/metrics, /_hub/api-token/people (with the request's API token)
//        → 200 when the token is live and holds metrics:read / people:read, else the
//        engine's 401 or 403 (audited as every API token use)

#include <string>

namespace twintrack::bot {

class Engine;

/// How long a sign-in link works.
constexpr int sign_in_link_minutes = 10;
/// Link requests allowed per person and per client address in `sign_in_window_minutes`.
constexpr int sign_in_requests_per_person = 5;
constexpr int sign_in_requests_per_client = 20;
constexpr int sign_in_window_minutes = 15;

void register_sign_in(Engine& engine);

}  // namespace twintrack::bot
