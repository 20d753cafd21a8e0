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

}  // namespace twintrack::connectors
