#include "connectors/api/connector_type.hpp"

namespace twintrack::connectors {

std::vector<ChannelConfig> read_channels(core::SectionReader& section) {
    std::vector<ChannelConfig> out;
    const YAML::Node list = section.node("channels");
    if (!list.IsDefined() || list.IsNull()) return out;
    if (!list.IsSequence()) {
        section.error("channels", "must be a list of {name, track}");
        return out;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string path = section.path() + ".channels[" + std::to_string(i) + "]";
        core::SectionReader ch(list[i], path, section.errors());
        auto name = ch.string("name", true);
        auto track = ch.choice("track", {"marketing", "sales", "joint"}, true);
        ch.finish();
        if (name && track) out.push_back({*name, *track});
    }
    return out;
}

ConnectorType either(std::function<bool(const YAML::Node&)> is_first, ConnectorType first,
                     ConnectorType second) {
    ConnectorType type;
    type.validate = [is_first, first, second](core::SectionReader& section, ConnectorSpec& spec) {
        (is_first(spec.settings) ? first : second).validate(section, spec);
    };
    type.create = [is_first, first, second](const ConnectorSpec& spec,
                                            const ConnectorContext& context) {
        return (is_first(spec.settings) ? first : second).create(spec, context);
    };
    return type;
}

ConnectorType with_mode(ConnectorType type, std::vector<std::string> modes) {
    auto validate = type.validate;
    type.validate = [validate, modes](core::SectionReader& section, ConnectorSpec& spec) {
        section.choice("mode", modes);
        validate(section, spec);
    };
    return type;
}

std::optional<std::string> mode_of(const YAML::Node& section) {
    const YAML::Node mode = section["mode"];
    if (mode.IsDefined() && mode.IsScalar()) return mode.Scalar();
    return std::nullopt;
}

}  // namespace twintrack::connectors
