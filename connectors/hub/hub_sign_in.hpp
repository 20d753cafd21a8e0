#pragma once
// Pure pieces of signing in to the hub (docs/ARCHITECTURE.md, "Hub sign-in"): the
// session cookie, the CSRF token derived from it, and same-origin checks. No I/O here.

#include <chrono>
#include <string>
#include <string_view>

namespace twintrack::connectors::hub {

/// The name of the session cookie.
inline constexpr const char* session_cookie_name = "twintrack_session";
/// The header carrying the CSRF token on state-changing requests made with the cookie.
inline constexpr const char* csrf_header = "X-CSRF-Token";

/// The value of cookie `name` in a `Cookie:` header ("a=1; b=2"), or empty.
std::string cookie_value(std::string_view header, std::string_view name);

/// `Set-Cookie` for a session: HttpOnly, SameSite=Strict, Path=/, Max-Age, and Secure
/// when `secure`. An empty `value` with a zero `max_age` clears the cookie.
std::string session_set_cookie(const std::string& value, std::chrono::seconds max_age, bool secure);

/// The CSRF token of a session: derived from its id (SHA-256), so the hub keeps none; a
/// page learns it from `GET /api/v1/session` and sends it back in `X-CSRF-Token`.
std::string csrf_token(const std::string& session_id);

/// The origin ("http://host:port") a browser shows for the hub: `public_url`'s when set,
/// else http:// plus the request's Host header.
std::string expected_origin(std::string_view public_url, std::string_view host);

/// The client address of websocketpp's remote endpoint text ("[::ffff:1.2.3.4]:5678",
/// "1.2.3.4:5678"): the address without the port.
std::string client_address(std::string_view remote_endpoint);

}  // namespace twintrack::connectors::hub
