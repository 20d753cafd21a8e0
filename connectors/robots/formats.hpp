#pragma once
// What each group robot platform expects on the wire: message bodies, size limits and
// the meaning of its answers. Pure; the connector adds signatures and does the I/O.
//
// Each platform's own rules (DingTalk, Feishu/Lark, WeCom, Slack-compatible webhooks)
// are in its strategy file (platform.hpp, dingtalk.cpp, ...); these functions are the
// same for all and ask the strategy.

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/http/http_client.hpp"

namespace twintrack::connectors::robots {

enum class Platform { dingtalk, feishu, wecom, webhook };
/// text everywhere; markdown on DingTalk and WeCom; post (rich text) and card
/// (interactive card with lark_md) on Feishu.
enum class Format { text, markdown, post, card };

const char* platform_name(Platform platform);
/// The formats a platform accepts, the first being the default.
std::vector<std::string> format_names(Platform platform);
Format parse_format(const std::string& name);

struct Mentions {
    std::vector<std::string> mobiles;
    std::vector<std::string> user_ids;
    bool all = false;
    bool empty() const { return mobiles.empty() && user_ids.empty() && !all; }
};

struct Limits {
    std::size_t content_bytes;  ///< message text per post
    std::size_t body_bytes;     ///< whole JSON body; 0 = no separate limit
};
Limits default_limits(Platform platform, Format format);

/// Cuts `text` into posts of at most `max_bytes` bytes each, at a line break when it
/// can, else at a space, else at a UTF-8 boundary. When cut, each piece starts with
/// "(i/n) ". Beyond `max_pieces` the rest is left out and the last piece says so.
std::vector<std::string> split_message(std::string_view text, std::size_t max_bytes,
                                       std::size_t max_pieces = 20);

/// The JSON body of one post (no signature).
nlohmann::json build_body(Platform platform, Format format, const std::string& text,
                          const Mentions& mentions);

/// The bodies for a whole post: split to the content limit, and split finer when a
/// serialized body would pass the body limit.
std::vector<nlohmann::json> build_bodies(Platform platform, Format format, const std::string& text,
                                         const Mentions& mentions, const Limits& limits);
class PlatformRules;
std::vector<nlohmann::json> build_bodies(const PlatformRules& rules, Format format,
                                         const std::string& text, const Mentions& mentions,
                                         const Limits& limits);

struct Outcome {
    enum class Kind { ok, rate_limited, retry, permanent };
    Kind kind = Kind::ok;
    std::string error;                              ///< for logs and the outbox; no secrets
    std::optional<std::chrono::milliseconds> wait;  ///< for rate_limited: how long to hold
};

/// Reads a platform's answer to one post: no answer, 429 and 5xx alike for all, the rest
/// as the platform says.
Outcome interpret(Platform platform, const http::Response& response);
Outcome interpret(const PlatformRules& rules, const http::Response& response);

}  // namespace twintrack::connectors::robots
