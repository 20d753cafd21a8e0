#pragma once
// Connector types by their config name. Adding a platform is one folder plus one entry
// in registry.cpp.

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>

#include "connectors/api/connector_type.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors {

/// The known connector types, by `type:` name.
const std::map<std::string, ConnectorType>& connector_types();

/// Validates one `connectors:` list entry. Returns the spec, or nothing after errors.
std::optional<ConnectorSpec> read_connector_spec(const YAML::Node& node, int index,
                                                 core::ConfigErrors& errors);

}  // namespace twintrack::connectors
