#pragma once
// Request signatures of the group robots: HMAC-SHA256, Base64, URL encoding, and the
// DingTalk and Feishu signing rules. Pure functions over OpenSSL.

#include <cstdint>
#include <string>
#include <string_view>

namespace twintrack::connectors::robots {

/// Raw HMAC-SHA256 of `message` under `key` (32 bytes).
std::string hmac_sha256(std::string_view key, std::string_view message);

/// Standard Base64 with padding.
std::string base64(std::string_view bytes);

/// Percent-encodes everything but unreserved characters (RFC 3986 2.3).
std::string url_encode(std::string_view text);

/// Compares two strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

/// DingTalk (custom robot sending, outgoing robot receiving): Base64(HMAC-SHA256 with the
/// secret as key over `timestamp_ms + "\n" + secret`). Not URL-encoded.
std::string dingtalk_sign(std::int64_t timestamp_ms, std::string_view secret);

/// Feishu/Lark custom bot: Base64(HMAC-SHA256 with `timestamp_s + "\n" + secret` as the
/// key over an empty message).
std::string feishu_sign(std::int64_t timestamp_s, std::string_view secret);

}  // namespace twintrack::connectors::robots
