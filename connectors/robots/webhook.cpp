// Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat, Zulip): {"text":
// ...}; the HTTP status carries the outcome, 429 with Retry-After when limited. Slack
// allows about one message a second; Mattermost and Zulip allow more.

#include "connectors/robots/platform.hpp"

namespace twintrack::connectors::robots {
namespace {

using nlohmann::json;

class Webhook final : public PlatformRules {
  public:
    Platform id() const override { return Platform::webhook; }
    const char* name() const override { return "webhook"; }
    std::vector<std::string> format_names() const override { return {"text"}; }
    // Zulip caps a message at 10000 characters, Mattermost at 16383, Slack at 40000.
    Limits default_limits(Format) const override { return {10000, 0}; }
    // Servers differ (Mattermost and Zulip allow more than Slack): up to 6000 a minute.
    PlatformRates rates() const override { return {60, 1, 6000}; }

    json build_body(Format, const std::string& text, const Mentions&) const override {
        return {{"text", text}};
    }

    Outcome interpret_answer(const http::Response& r) const override {
        if (!answer::success(r)) {
            return answer::permanent(answer::http_status(r) + ": " + answer::snippet(r.body));
        }
        // Zulip answers JSON with "result"; Slack and Mattermost answer "ok".
        const json j = json::parse(r.body, nullptr, false);
        if (!j.is_discarded() && j.is_object() && answer::string_field(j, "result") == "error") {
            return answer::permanent("refused: " + answer::string_field(j, "msg"));
        }
        return {};
    }
};

}  // namespace

const PlatformRules& webhook_rules() {
    static const Webhook rules;
    return rules;
}

}  // namespace twintrack::connectors::robots
