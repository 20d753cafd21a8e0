// DingTalk custom robot: {"msgtype":"text"|"markdown", ..., "at":{atMobiles, atUserIds,
// isAtAll}}, signed (加签) with a timestamp and signature in the URL; answers
// {"errcode","errmsg"}; 20 messages a minute per robot, more are refused with errcode
// 130101 and the robot is throttled for 10 minutes. Its outgoing robot calls back with
// the messages that mention it (callback_server, callback_check).

#include "connectors/robots/platform.hpp"
#include "connectors/robots/signing.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::robots {
namespace {

using nlohmann::json;

// `url` with a query parameter appended (`value` must already be encoded).
std::string with_query(const std::string& url, const std::string& name, const std::string& value) {
    std::string base = url.substr(0, url.find('#'));
    base += base.find('?') == std::string::npos ? '?' : '&';
    base += name + "=" + value;
    return base;
}

json at(const Mentions& m) {
    return {{"atMobiles", m.mobiles}, {"atUserIds", m.user_ids}, {"isAtAll", m.all}};
}

class DingTalk final : public PlatformRules {
  public:
    Platform id() const override { return Platform::dingtalk; }
    const char* name() const override { return "dingtalk"; }
    std::vector<std::string> format_names() const override { return {"markdown", "text"}; }
    // DingTalk documents no byte limit for the content; 18000 bytes stays well inside
    // what its robots accept (configurable with max_bytes).
    Limits default_limits(Format) const override { return {18000, 0}; }
    PlatformRates rates() const override { return {20, 0, 20}; }
    bool signs() const override { return true; }
    bool has_callback() const override { return true; }

    json build_body(Format format, const std::string& text,
                    const Mentions& mentions) const override {
        if (format == Format::markdown) {
            // In markdown the people to notify must also be named in the text.
            std::string body = text;
            std::string tail;
            for (const auto& m : mentions.mobiles) tail += " @" + m;
            for (const auto& u : mentions.user_ids) tail += " @" + u;
            if (!tail.empty()) body += "\n\n" + std::string(core::trim(tail));
            return {{"msgtype", "markdown"},
                    {"markdown", {{"title", first_line(text, 64)}, {"text", body}}},
                    {"at", at(mentions)}};
        }
        return {{"msgtype", "text"}, {"text", {{"content", text}}}, {"at", at(mentions)}};
    }

    std::string sign(const std::string& url, const std::string& secret, std::int64_t now_ms,
                     json&) const override {
        const std::string signature = dingtalk_sign(now_ms, secret);
        return with_query(with_query(url, "timestamp", std::to_string(now_ms)), "sign",
                          http::url_encode(signature));
    }

    Outcome interpret_answer(const http::Response& r) const override {
        // 130101: over 20 a minute, the robot is throttled for 10 minutes. 310000
        // (signature, timestamp, keyword, IP), 300001 (token), 400102 (robot stopped)
        // and the rest are permanent.
        return answer::errcode_answer(r, 130101, std::chrono::minutes(10));
    }
};

}  // namespace

const PlatformRules& dingtalk_rules() {
    static const DingTalk rules;
    return rules;
}

}  // namespace twintrack::connectors::robots
