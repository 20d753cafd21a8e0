#include "connectors/registry.hpp"

#include "connectors/dingtalk/dingtalk_connector.hpp"
#include "connectors/feishu/feishu_connector.hpp"
#include "connectors/hub/hub_connector.hpp"
#include "connectors/irc/irc_connector.hpp"
#include "connectors/mattermost/mattermost_connector.hpp"
#include "connectors/robots/robot_connector.hpp"
#include "connectors/slack/slack_connector.hpp"
#include "connectors/wecom/wecom_connector.hpp"
#include "core/text.hpp"

namespace twintrack::connectors {

const std::map<std::string, ConnectorType>& connector_types() {
    static const std::map<std::string, ConnectorType> types = {
        {"hub", hub::connector_type()},
        {"irc", irc::connector_type()},
        // The DingTalk Stream app robot (client_id set), else the DingTalk group robot.
        {"dingtalk", dingtalk::connector_type()},
        // The Feishu / Lark app bot (app_id set), else the Feishu group robot.
        {"feishu", feishu::connector_type()},
        // Slack-compatible incoming webhooks (connectors/robots/).
        {"webhook", robots::connector_type(robots::Platform::webhook)},
        {"mattermost", mattermost::connector_type()},
        {"slack", slack::connector_type()},
        // The WeCom app (corp_id set), else the WeCom group robot.
        {"wecom", wecom::connector_type()},
    };
    return types;
}

bool runs_in_one_process(const ConnectorSpec& spec) {
    const YAML::Node& s = spec.settings;
    const auto mode = [&s]() -> std::string {
        const YAML::Node m = s["mode"];
        return m.IsDefined() && m.IsScalar() ? m.Scalar() : std::string();
    };
    if (spec.type == "irc" || spec.type == "mattermost") return true;
    if (spec.type == "dingtalk") {
        // Stream mode when the section says so, or names a client_id without saying.
        return mode().empty() ? s["client_id"].IsDefined() : mode() != "robot";
    }
    if (spec.type == "feishu") {
        // The app bot's long connection is the default with app_id; events come by HTTP.
        return mode().empty() ? s["app_id"].IsDefined() : mode() == "long_connection";
    }
    return false;
}

std::optional<ConnectorSpec> read_connector_spec(const YAML::Node& node, int index,
                                                 core::ConfigErrors& errors) {
    const std::string path = "connectors[" + std::to_string(index) + "]";
    core::SectionReader section(node, path, errors);
    if (!section.valid()) return std::nullopt;
    const std::size_t before = errors.all().size();
    const auto& types = connector_types();
    std::vector<std::string> names;
    for (const auto& [name, _] : types) names.push_back(name);
    auto type = section.choice("type", names, true);
    if (!type) {
        return std::nullopt;
    }
    ConnectorSpec spec;
    spec.type = *type;
    spec.name = *type;
    spec.settings = node;
    if (auto name = section.string("name")) {
        const bool plain = !name->empty() && name->size() <= 32 &&
                           name->find_first_not_of(
                               "abcdefghijklmnopqrstuvwxyz"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == std::string::npos;
        if (plain) {
            spec.name = *name;
        } else {
            section.error("name",
                          "must be 1-32 letters, digits, '-' or '_' (it names files and "
                          "identities such as NAME:user), got \"" +
                              *name + "\"");
        }
    }
    types.at(*type).validate(section, spec);
    section.finish();
    if (errors.all().size() != before) return std::nullopt;
    return spec;
}

}  // namespace twintrack::connectors
