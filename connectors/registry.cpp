#include "connectors/registry.hpp"

#include <algorithm>
#include <vector>

// Each connector is compiled in when the build has it (TWINTRACK_CONNECTORS in
// connectors/CMakeLists.txt; all of them unless chosen otherwise).
#if TWINTRACK_WITH_DINGTALK
#include "connectors/dingtalk/dingtalk_connector.hpp"
#endif
#if TWINTRACK_WITH_FEISHU
#include "connectors/feishu/feishu_connector.hpp"
#endif
#include "connectors/hub/hub_connector.hpp"
#if TWINTRACK_WITH_IRC
#include "connectors/irc/irc_connector.hpp"
#endif
#if TWINTRACK_WITH_MATRIX
#include "connectors/matrix/matrix_connector.hpp"
#endif
#if TWINTRACK_WITH_MATTERMOST
#include "connectors/mattermost/mattermost_connector.hpp"
#endif
#if TWINTRACK_WITH_ROBOTS
#include "connectors/robots/robot_connector.hpp"
#endif
#if TWINTRACK_WITH_SLACK
#include "connectors/slack/slack_connector.hpp"
#endif
#if TWINTRACK_WITH_WECOM
#include "connectors/wecom/wecom_connector.hpp"
#endif
#if TWINTRACK_WITH_XMPP
#include "connectors/xmpp/xmpp_connector.hpp"
#endif
#include "core/text.hpp"

namespace twintrack::connectors {

const std::map<std::string, ConnectorType>& connector_types() {
    static const std::map<std::string, ConnectorType> types = {
        {"hub", hub::connector_type()},
#if TWINTRACK_WITH_IRC
        {"irc", irc::connector_type()},
#endif
#if TWINTRACK_WITH_DINGTALK
        // The DingTalk Stream app robot (client_id set), else the DingTalk group robot.
        {"dingtalk", dingtalk::connector_type()},
#endif
#if TWINTRACK_WITH_FEISHU
        // The Feishu / Lark app bot (app_id set), else the Feishu group robot.
        {"feishu", feishu::connector_type()},
#endif
#if TWINTRACK_WITH_ROBOTS
        // Slack-compatible incoming webhooks (connectors/robots/).
        {"webhook", robots::connector_type(robots::Platform::webhook)},
#endif
#if TWINTRACK_WITH_MATTERMOST
        {"mattermost", mattermost::connector_type()},
#endif
#if TWINTRACK_WITH_MATRIX
        // The Matrix Client-Server API (connectors/matrix/).
        {"matrix", matrix::connector_type()},
#endif
#if TWINTRACK_WITH_SLACK
        {"slack", slack::connector_type()},
#endif
#if TWINTRACK_WITH_WECOM
        // The WeCom app (corp_id set), else the WeCom group robot.
        {"wecom", wecom::connector_type()},
#endif
#if TWINTRACK_WITH_XMPP
        {"xmpp", xmpp::connector_type()},
#endif
    };
    return types;
}

const std::vector<std::string>& known_connector_types() {
    static const std::vector<std::string> names = {"dingtalk", "feishu",     "hub",   "irc",
                                                   "matrix",   "mattermost", "slack", "webhook",
                                                   "wecom",    "xmpp"};
    return names;
}

std::optional<std::string> absent_connector_message(const std::string& type,
                                                    const std::vector<std::string>& built) {
    const auto& known = known_connector_types();
    if (std::find(known.begin(), known.end(), type) == known.end()) return std::nullopt;
    if (std::find(built.begin(), built.end(), type) != built.end()) return std::nullopt;
    std::string list;
    for (const auto& name : built) list += (list.empty() ? "" : ", ") + name;
    return "this build of twintrack has no " + type + " connector (it has " + list +
           "); build them all with `bash scripts/build.sh` (-DTWINTRACK_CONNECTORS=all)";
}

bool runs_in_one_process(const ConnectorSpec& spec) {
    const YAML::Node& s = spec.settings;
    const auto mode = [&s]() -> std::string {
        const YAML::Node m = s["mode"];
        return m.IsDefined() && m.IsScalar() ? m.Scalar() : std::string();
    };
    // One /sync stream per account: two processes would each hand every message on.
    if (spec.type == "irc" || spec.type == "mattermost" || spec.type == "matrix" ||
        spec.type == "xmpp")
        return true;
    if (spec.type == "dingtalk") {
        // Stream mode when the section says so, or names a client_id without saying.
        return mode().empty() ? s["client_id"].IsDefined() : mode() != "robot";
    }
    if (spec.type == "feishu") {
        // The app bot's long connection is the default with app_id; events come by HTTP.
        return mode().empty() ? s["app_id"].IsDefined() : mode() == "long_connection";
    }
    if (spec.type == "wecom") {
        // The AI bot's long connection: WeCom keeps one per bot and closes the older one.
        return mode().empty() ? s["bot_id"].IsDefined() : mode() == "aibot";
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
    // A type the program knows but this build left out gets its own answer: the
    // configuration is right, the build is not.
    const YAML::Node type_node = node.IsMap() ? node["type"] : YAML::Node();
    if (type_node && type_node.IsScalar() && !types.count(type_node.Scalar())) {
        if (auto absent = absent_connector_message(type_node.Scalar(), names)) {
            section.error("type", *absent);
            return std::nullopt;
        }
    }
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
