#pragma once
// What the kit feature offers other features (Engine::services()): how well the kit
// covers the needs field reports name, for a metrics view.

#include <cstdint>

namespace twintrack::bot::kit {

class KitStats {
  public:
    virtual ~KitStats() = default;
    /// Needs reports named in [from_ms, to_ms), and how many of them a kit item covered.
    virtual std::int64_t needs_reported(std::int64_t from_ms, std::int64_t to_ms) = 0;
    virtual std::int64_t needs_covered(std::int64_t from_ms, std::int64_t to_ms) = 0;
    /// Needs on marketing's gaps list now.
    virtual std::int64_t open_gaps() = 0;
};

}  // namespace twintrack::bot::kit
