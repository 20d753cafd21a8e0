#pragma once
// What the engagements feature offers other features (Engine::services()): the funnel's
// stages as configured (section `funnel`), in order. The dashboard counts engagements
// by them.

#include <string>
#include <vector>

namespace twintrack::bot {

struct FunnelStep {
    std::string name;
    bool closed = false;  ///< an end of the funnel (won, lost)
};

class FunnelStages {
  public:
    virtual ~FunnelStages() = default;
    /// The configured funnel's stages (the default funnel when none is), top to bottom.
    virtual std::vector<FunnelStep> stages() const = 0;
};

}  // namespace twintrack::bot
