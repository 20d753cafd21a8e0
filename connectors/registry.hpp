#pragma once
// Connector types by their config name. Adding a platform is one folder plus one entry
// in registry.cpp.

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "connectors/api/connector_type.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors {

/// The known connector types, by `type:` name.
const std::map<std::string, ConnectorType>& connector_types();

/// True when the platform allows one session at a time for a configured connector, or
/// delivers each event to every session: with several `twintrack run` processes on one
/// database it runs only in the process holding its lease. IRC (one nick), the DingTalk
/// Stream and Feishu long connections (each event to one connection of the app, at
/// random), Mattermost (each WebSocket gets every event), Matrix (each /sync stream gets
/// every event, and the `since` state file is the process's own), XMPP (one nick per room,
/// one resource). Any number of processes may run the others: the hub, Slack (Socket Mode
/// spreads events over connections; Events API), WeCom and Feishu event callbacks, group
/// robots and webhooks.
bool runs_in_one_process(const ConnectorSpec& spec);

/// Validates one `connectors:` list entry. Returns the spec, or nothing after errors.
std::optional<ConnectorSpec> read_connector_spec(const YAML::Node& node, int index,
                                                 core::ConfigErrors& errors);

/// Every connector type the program has, whether or not this build compiled it in.
const std::vector<std::string>& known_connector_types();

/// The error for a `type:` the program knows but a build with only `built` left out
/// (TWINTRACK_CONNECTORS); nothing for an unknown type or one that is built.
std::optional<std::string> absent_connector_message(const std::string& type,
                                                    const std::vector<std::string>& built);

}  // namespace twintrack::connectors
