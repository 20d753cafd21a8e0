#pragma once
// Small cryptographic helpers: digests (OpenSSL) and random values (the kernel's
// generator) for one-time codes.

#include <string>
#include <string_view>

namespace twintrack::core {

/// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);
/// `n` random bytes from the system's secure generator, as 2n hex digits.
std::string random_hex(std::size_t n);
/// A random decimal number of exactly `digits` digits (leading zeros kept), uniformly
/// drawn from the secure generator.
std::string random_digits(std::size_t digits);
/// HMAC-SHA256 of `data` under `key`, as 64 lower-case hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
/// Compares two strings in time that depends only on their lengths (CRYPTO_memcmp).
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace twintrack::core
