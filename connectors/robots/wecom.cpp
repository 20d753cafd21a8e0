// WeCom (企业微信) group robot: {"msgtype":"text"|"markdown"}, the key in the URL, no
// signature; text content at most 2048 bytes, markdown 4096; answers {"errcode",
// "errmsg"}; 20 messages a minute (errcode 45009 beyond).

#include "connectors/robots/platform.hpp"

namespace twintrack::connectors::robots {
namespace {

using nlohmann::json;

class WeCom final : public PlatformRules {
  public:
    Platform id() const override { return Platform::wecom; }
    const char* name() const override { return "wecom"; }
    std::vector<std::string> format_names() const override { return {"markdown", "text"}; }
    Limits default_limits(Format format) const override {
        return {format == Format::markdown ? 4096u : 2048u, 0};
    }
    PlatformRates rates() const override { return {20, 0, 20}; }

    json build_body(Format format, const std::string& text,
                    const Mentions& mentions) const override {
        if (format == Format::markdown) {
            std::string body = text;
            for (const auto& u : mentions.user_ids) body += " <@" + u + ">";
            return {{"msgtype", "markdown"}, {"markdown", {{"content", body}}}};
        }
        json t = {{"content", text}};
        std::vector<std::string> ids = mentions.user_ids;
        if (mentions.all) ids.push_back("@all");
        if (!ids.empty()) t["mentioned_list"] = ids;
        if (!mentions.mobiles.empty()) t["mentioned_mobile_list"] = mentions.mobiles;
        return {{"msgtype", "text"}, {"text", t}};
    }

    Outcome interpret_answer(const http::Response& r) const override {
        // 45009: over 20 a minute. 93000 (bad key), 40008 (bad type) ...: permanent.
        return answer::errcode_answer(r, 45009, std::chrono::minutes(1));
    }
};

}  // namespace

const PlatformRules& wecom_rules() {
    static const WeCom rules;
    return rules;
}

}  // namespace twintrack::connectors::robots
