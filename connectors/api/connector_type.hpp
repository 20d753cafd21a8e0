#pragma once
// What the registry and every connector share: a connector section as configured, what a
// connector is given at creation, and how its type is validated and built. Connectors
// link this small library, not the registry, so the registry (which links every
// connector) and the connectors do not depend on each other in a circle.

#include <yaml-cpp/yaml.h>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "connectors/api/connector.hpp"
#include "core/clock.hpp"
#include "core/telemetry.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors {

namespace http {
class HookRoutes;  // connectors/http/hook_routes.hpp
}

/// A channel as configured on a connector, with the track it belongs to.
struct ChannelConfig {
    std::string name;
    std::string track;  ///< marketing, sales or joint
};

/// What every connector instance is told at creation.
struct ConnectorContext {
    std::string data_dir;      ///< where a connector may keep its own files
    std::string prompts_dir;   ///< prompts/ root, for a connector's own UI strings
    const core::Clock* clock;  ///< never null
    std::shared_ptr<Roster> roster;
    std::string bot_user = "twintrack";  ///< the bot's own user name on the platform
    std::string default_locale = "en";   ///< for a connector's own words when a post has none
    /// Process metrics and readiness (`/metrics`, `/readyz`); may be null in tests.
    std::shared_ptr<core::Telemetry> telemetry = nullptr;
    /// The process's one HTTP server's route table: a connector that takes platform
    /// callbacks serves them under `/hooks/NAME/...` while it runs. Null: not served.
    std::shared_ptr<http::HookRoutes> hooks = nullptr;
    /// False when the connector's section names no listen keys of its own (`bind:`,
    /// `port:`; a robot's `callback.bind`/`callback.port`) and a shared server serves
    /// `hooks`: its callbacks are then served there only, not on a port of its own.
    bool own_listener = true;
    /// `directory.match_by_email`: a connector whose platform tells a sender's verified
    /// email looks it up (and fills `Sender::email`); false: no such lookup.
    bool match_by_email = true;
};

/// A validated connector section. `settings` is the section itself, read again by
/// `create` once validation passed.
struct ConnectorSpec {
    std::string type;
    std::string name;
    std::vector<ChannelConfig> channels;
    YAML::Node settings;
};

struct ConnectorType {
    /// Checks a `connectors:` entry of this type, reporting every problem with its line
    /// (unknown keys included), and fills `spec.name` and `spec.channels`.
    std::function<void(core::SectionReader&, ConnectorSpec&)> validate;
    /// Builds the connector from a section that validated cleanly.
    std::function<std::unique_ptr<Connector>(const ConnectorSpec&, const ConnectorContext&)> create;
};

/// Reads the `channels:` list shared by all connector types:
/// `[{name: general, track: joint}, ...]`.
std::vector<ChannelConfig> read_channels(core::SectionReader& section);

/// For ConnectorType::create: reads a section that validated cleanly once more (`type`
/// and `name` skipped) with `read(section)`, and throws with every problem if anything
/// is wrong after all (e.g. an environment variable unset since check-config).
template <typename Read>
void reread_section(const ConnectorSpec& spec, const std::string& what, Read&& read) {
    core::ConfigErrors errors;
    core::SectionReader section(spec.settings, "connectors." + spec.name, errors);
    section.string("type");
    section.string("name");
    read(section);
    if (!errors.empty()) throw std::runtime_error(errors.describe(what + " settings"));
}

/// The ConnectorType of a platform whose settings (with `name` and `channels`) are read
/// by `read(section, settings)` and built by `make(std::move(settings), context)`. `what`
/// names the settings in the error create() throws ("slack" settings).
template <typename Settings, typename Read, typename Make>
ConnectorType settings_type(std::string what, Read read, Make make) {
    ConnectorType type;
    type.validate = [read](core::SectionReader& section, ConnectorSpec& spec) {
        Settings s;
        s.name = spec.name;
        read(section, s);
        spec.channels = s.channels;
    };
    type.create = [what, read, make](const ConnectorSpec& spec, const ConnectorContext& context) {
        Settings s;
        s.name = spec.name;
        reread_section(spec, what, [&](core::SectionReader& section) { read(section, s); });
        return make(std::move(s), context);
    };
    return type;
}

/// A new `Impl` (a platform's connector) built from `settings` and `context`: what every
/// make_PLATFORM does once its own settings are checked. `what` names the factory in the
/// std::invalid_argument thrown when the context has no clock ("make_slack").
template <typename Impl, typename Settings>
std::unique_ptr<Connector> make_connector(const char* what, Settings settings,
                                          const ConnectorContext& context) {
    if (context.clock == nullptr) {
        throw std::invalid_argument(std::string(what) + ": context.clock is null");
    }
    return std::make_unique<Impl>(std::move(settings), context);
}

/// `connector`'s status() when it is an `Impl`, else a default (empty) status: what every
/// PLATFORM_status(connector) answers.
template <typename Impl>
auto status_of(const Connector& connector) {
    const auto* c = dynamic_cast<const Impl*>(&connector);
    using Status = std::decay_t<decltype(c->status())>;
    return c == nullptr ? Status{} : c->status();
}

/// One type of two kinds: `first` for a section that `is_first` picks, else `second`.
ConnectorType either(std::function<bool(const YAML::Node&)> is_first, ConnectorType first,
                     ConnectorType second);

/// `type` in a section that may also say `mode:` (one of `modes`) for it.
ConnectorType with_mode(ConnectorType type, std::vector<std::string> modes);

/// The section's `mode:` when it names one.
std::optional<std::string> mode_of(const YAML::Node& section);

}  // namespace twintrack::connectors
