// Feishu/Lark custom bot: {"msg_type":"text"|"post"|"interactive", "content"|"card"},
// signed (签名校验) with "timestamp" and "sign" in the body; answers {"code","msg"}
// (older gateways {"StatusCode","StatusMessage"}); 100 a minute and 5 a second per bot
// (11232 when exceeded), request bodies at most 20 KB.

#include "connectors/robots/platform.hpp"
#include "connectors/robots/signing.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::robots {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class Feishu final : public PlatformRules {
  public:
    Platform id() const override { return Platform::feishu; }
    const char* name() const override { return "feishu"; }
    std::vector<std::string> format_names() const override { return {"card", "post", "text"}; }
    Limits default_limits(Format) const override { return {18000, 20 * 1024}; }
    PlatformRates rates() const override { return {100, 5, 100}; }
    bool signs() const override { return true; }

    json build_body(Format format, const std::string& text,
                    const Mentions& mentions) const override {
        if (format == Format::card) return card(text, mentions);
        if (format == Format::post) return post(text, mentions);
        std::string at;
        if (mentions.all) at += "<at user_id=\"all\">all</at> ";
        for (const auto& u : mentions.user_ids) at += "<at user_id=\"" + u + "\"></at> ";
        return {{"msg_type", "text"}, {"content", {{"text", at + text}}}};
    }

    std::string sign(const std::string& url, const std::string& secret, std::int64_t now_ms,
                     json& body) const override {
        const std::int64_t now_s = now_ms / 1000;
        body["timestamp"] = std::to_string(now_s);
        body["sign"] = feishu_sign(now_s, secret);
        return url;
    }

    Outcome interpret_answer(const http::Response& r) const override {
        Outcome fail;
        const auto j = answer::json_object(r, fail);
        if (!j) return fail;
        long long code = answer::number_field(*j, "code", answer::no_code);
        if (code == answer::no_code) code = answer::number_field(*j, "StatusCode", answer::no_code);
        std::string msg = answer::string_field(*j, "msg");
        if (msg.empty()) msg = answer::string_field(*j, "StatusMessage");
        const std::string what = "code " + std::to_string(code) + ": " + msg;
        const bool success = answer::success(r);
        if (code == 0 && success) return {};
        if (code == answer::no_code) {
            return success ? answer::retry(answer::http_status(r) + " without a code")
                           : answer::permanent(answer::http_status(r));
        }
        if (code == 11232 || code == 99991400) {
            auto wait = answer::header_seconds(r, "x-ogw-ratelimit-reset");
            return answer::rate_limited(
                what, wait ? wait : std::optional(std::chrono::milliseconds(seconds(60))));
        }
        // 9499 is Feishu's generic "Bad Request"; it also carries "too many request".
        if (code == 9499 && core::ascii_lower(msg).find("too many") != std::string::npos) {
            return answer::rate_limited(what, std::chrono::milliseconds(seconds(60)));
        }
        // 19021 signature or timestamp, 19022 IP not allowed, 19024 keyword missing,
        // 9499 malformed request, and the rest: sending again cannot help.
        return answer::permanent(what);
    }

  private:
    // An interactive card with one lark_md block; mentions as <at id=...>.
    static json card(const std::string& text, const Mentions& mentions) {
        std::string prefix = mentions.all ? "<at id=all></at> " : "";
        for (const auto& u : mentions.user_ids) prefix += "<at id=" + u + "></at> ";
        return {{"msg_type", "interactive"},
                {"card",
                 {{"config", {{"wide_screen_mode", true}}},
                  {"elements",
                   json::array({{{"tag", "div"},
                                 {"text", {{"tag", "lark_md"}, {"content", prefix + text}}}}})}}}};
    }

    // Rich text: a line of mentions, then one text element per line.
    static json post(const std::string& text, const Mentions& mentions) {
        json lines = json::array();
        json first = json::array();
        if (mentions.all) first.push_back({{"tag", "at"}, {"user_id", "all"}});
        for (const auto& u : mentions.user_ids) first.push_back({{"tag", "at"}, {"user_id", u}});
        if (!first.empty()) lines.push_back(first);
        std::string_view rest = text;
        while (true) {
            const auto nl = rest.find('\n');
            const std::string line(rest.substr(0, nl));
            lines.push_back(json::array({{{"tag", "text"}, {"text", line}}}));
            if (nl == std::string_view::npos) break;
            rest.remove_prefix(nl + 1);
        }
        return {{"msg_type", "post"},
                {"content",
                 {{"post", {{"zh_cn", {{"title", first_line(text, 64)}, {"content", lines}}}}}}}};
    }
};

}  // namespace

const PlatformRules& feishu_rules() {
    static const Feishu rules;
    return rules;
}

}  // namespace twintrack::connectors::robots
