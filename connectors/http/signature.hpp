#pragma once
// Message authentication for webhook-style requests: HMAC-SHA256 and Base64. Secrets,
// signatures and tokens are compared with core::equal_constant_time (core/crypto.hpp),
// the one constant-time comparison of the program.

#include <string>

namespace twintrack::connectors::http {

/// HMAC-SHA256 of `data` with `key`, as raw bytes (32).
std::string hmac_sha256(const std::string& key, const std::string& data);
/// The same as lower-case hex (64 characters).
std::string hmac_sha256_hex(const std::string& key, const std::string& data);
/// Standard Base64 (with padding) of `bytes`.
std::string base64(const std::string& bytes);

}  // namespace twintrack::connectors::http
