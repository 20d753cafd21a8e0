#pragma once
// One group robot platform as a strategy: its formats and size limits, documented rates,
// the JSON body of a post, the request signature and what its answers mean. Each
// platform lives in its own file (dingtalk.cpp, feishu.cpp, wecom.cpp, webhook.cpp); a
// connector looks its platform up once, when it is created, and the shared code asks
// the strategy instead of naming platforms.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "connectors/http/http_client.hpp"
#include "connectors/robots/formats.hpp"

namespace twintrack::connectors::robots {

struct PlatformRates {
    int per_minute;  ///< documented messages a minute per robot (0 = none)
    int per_second;  ///< documented messages a second (0 = none)
    long long most;  ///< the highest `rate_per_minute` a config may ask for
};

class PlatformRules {
  public:
    virtual ~PlatformRules() = default;

    virtual Platform id() const = 0;
    virtual const char* name() const = 0;
    /// The formats the platform accepts, the first being the default.
    virtual std::vector<std::string> format_names() const = 0;
    virtual Limits default_limits(Format format) const = 0;
    virtual PlatformRates rates() const = 0;
    /// Channels may carry a signing `secret`.
    virtual bool signs() const { return false; }
    /// Channels may carry a `conversation_id` and the section a `callback` (DingTalk's
    /// outgoing robot).
    virtual bool has_callback() const { return false; }

    /// The JSON body of one post (no signature).
    virtual nlohmann::json build_body(Format format, const std::string& text,
                                      const Mentions& mentions) const = 0;
    /// Adds the signature made with `secret` (not empty) at `now_ms` to the URL or the
    /// body; returns the URL to post to.
    virtual std::string sign(const std::string& url, const std::string& secret, std::int64_t now_ms,
                             nlohmann::json& body) const {
        (void)secret;
        (void)now_ms;
        (void)body;
        return url;
    }
    /// Reads an HTTP answer below 500 and other than 429 (those are read alike for all).
    virtual Outcome interpret_answer(const http::Response& response) const = 0;
};

/// The strategy of `platform` (static; lives as long as the program).
const PlatformRules& platform_rules(Platform platform);

const PlatformRules& dingtalk_rules();
const PlatformRules& feishu_rules();
const PlatformRules& wecom_rules();
const PlatformRules& webhook_rules();

/// The first line of `text`, trimmed, at most `max_bytes` bytes (titles).
std::string first_line(const std::string& text, std::size_t max_bytes);

// Helpers shared by the platform files.
namespace answer {

Outcome rate_limited(std::string error, std::optional<std::chrono::milliseconds> wait);
Outcome retry(std::string error);
Outcome permanent(std::string error);
/// The header's value in whole seconds, when it holds 0 to 86400.
std::optional<std::chrono::milliseconds> header_seconds(const http::Response& r,
                                                        const std::string& name);
/// The start of a body for logs: at most 200 bytes, on one line.
std::string snippet(const std::string& body);
/// "HTTP 403".
std::string http_status(const http::Response& r);
bool success(const http::Response& r);
/// The body as a JSON object; when it is not one, `fail` says what to do (a 2xx may or
/// may not have been posted: sending again risks a repeat but never a loss).
std::optional<nlohmann::json> json_object(const http::Response& r, Outcome& fail);
long long number_field(const nlohmann::json& j, const char* key, long long fallback);
std::string string_field(const nlohmann::json& j, const char* key);
constexpr long long no_code = -999999;
/// DingTalk's and WeCom's {"errcode": 0, "errmsg": "ok"}: `throttled` is the platform's
/// "too many messages" code, after which it accepts nothing for `throttle`.
Outcome errcode_answer(const http::Response& r, long long throttled,
                       std::chrono::milliseconds throttle);

}  // namespace answer

}  // namespace twintrack::connectors::robots
