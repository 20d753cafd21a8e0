#pragma once
// What each group robot platform expects on the wire: message bodies, size limits and
// the meaning of its answers. Pure; the connector adds signatures and does the I/O.
//
// DingTalk custom robot: {"msgtype":"text"|"markdown", ...,"at":{atMobiles, atUserIds,
//   isAtAll}}; answers {"errcode","errmsg"}; 20 messages a minute per robot, more are
//   refused with errcode 130101 and the robot is throttled for 10 minutes.
// Feishu/Lark custom bot: {"msg_type":"text"|"post"|"interactive", "content"|"card"};
//   answers {"code","msg"}; 100 a minute and 5 a second per bot (11232 when exceeded),
//   request bodies at most 20 KB.
// WeCom group robot: {"msgtype":"text"|"markdown"}; text content at most 2048 bytes,
//   markdown 4096; 20 messages a minute (errcode 45009).
// Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat, Zulip):
//   {"text": ...}; HTTP status carries the outcome, 429 with Retry-After when limited.

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

struct Outcome {
    enum class Kind { ok, rate_limited, retry, permanent };
    Kind kind = Kind::ok;
    std::string error;                              ///< for logs and the outbox; no secrets
    std::optional<std::chrono::milliseconds> wait;  ///< for rate_limited: how long to hold
};

/// Reads a platform's answer to one post.
Outcome interpret(Platform platform, const http::Response& response);

}  // namespace twintrack::connectors::robots
