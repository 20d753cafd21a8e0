#include "connectors/mattermost/mattermost_actions.hpp"

#include "connectors/http/json_fields.hpp"

namespace twintrack::connectors::mattermost {

using namespace http::json_reading;

json action_attachments(const std::vector<core::Action>& actions, const std::string& url,
                        const std::string& secret) {
    json list = json::array();
    int n = 0;
    for (const auto& a : actions) {
        json action = {{"id", "tt" + std::to_string(n++)}, {"name", a.label}};
        if (a.kind == "menu") {
            json options = json::array();
            for (const auto& o : a.options) {
                if (!o.token.empty()) options.push_back({{"text", o.label}, {"value", o.token}});
            }
            if (options.empty()) continue;
            action["type"] = "select";
            action["options"] = std::move(options);
            action["integration"] = {{"url", url}, {"context", {{"secret", secret}}}};
        } else {
            if (a.token.empty()) continue;
            action["type"] = "button";
            action["style"] = a.style.empty() ? "default" : a.style;
            action["integration"] = {{"url", url},
                                     {"context", {{"secret", secret}, {"token", a.token}}}};
        }
        list.push_back(std::move(action));
    }
    if (list.empty()) return json::array();
    return json::array({{{"actions", std::move(list)}}});
}

std::optional<ActionRequest> read_action_request(const std::string& body) {
    const json j = json::parse(body, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    const json& context = object_field(j, "context");
    // A menu's choice comes as `selected_option` in the context, a button's as its token.
    std::string token = string_field(context, "selected_option");
    if (token.empty()) token = string_field(context, "token");
    ActionRequest r{string_field(j, "user_id"),     string_field(j, "user_name"),
                    string_field(j, "channel_id"),  string_field(j, "post_id"),
                    string_field(j, "trigger_id"),  std::move(token),
                    string_field(context, "secret")};
    if (r.user_id.empty() || r.channel_id.empty() || r.post_id.empty() || r.token.empty() ||
        r.secret.empty()) {
        return std::nullopt;
    }
    return r;
}

}  // namespace twintrack::connectors::mattermost
