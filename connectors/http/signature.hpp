#pragma once
// Message authentication for webhook-style requests: HMAC-SHA256 and comparisons that
// take the same time whatever the inputs hold.

#include <string>

namespace twintrack::connectors::http {

/// HMAC-SHA256 of `data` with `key`, as raw bytes (32).
std::string hmac_sha256(const std::string& key, const std::string& data);
/// The same as lower-case hex (64 characters).
std::string hmac_sha256_hex(const std::string& key, const std::string& data);
/// Standard Base64 (with padding) of `bytes`.
std::string base64(const std::string& bytes);
/// Compares two strings in time independent of where they differ (CRYPTO_memcmp); a
/// length difference is not hidden.
bool constant_time_equal(const std::string& a, const std::string& b);

}  // namespace twintrack::connectors::http
