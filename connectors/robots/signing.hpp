#pragma once
// Request signatures of the group robots: the DingTalk and Feishu signing rules, built on
// the shared HMAC-SHA256 and Base64 of connectors/http/signature.hpp.

#include <cstdint>
#include <string>
#include <string_view>

namespace twintrack::connectors::robots {

/// DingTalk (custom robot sending, outgoing robot receiving): Base64(HMAC-SHA256 with the
/// secret as key over `timestamp_ms + "\n" + secret`). Not URL-encoded.
std::string dingtalk_sign(std::int64_t timestamp_ms, std::string_view secret);

/// Feishu/Lark custom bot: Base64(HMAC-SHA256 with `timestamp_s + "\n" + secret` as the
/// key over an empty message).
std::string feishu_sign(std::int64_t timestamp_s, std::string_view secret);

}  // namespace twintrack::connectors::robots
