#pragma once
// What the thanks feature offers other features (Engine::services()): the thanks between
// marketing and sales, one joint touchpoint each. The metrics feature reads it for the
// weekly joint numbers.

#include <cstdint>

namespace twintrack::bot::thanks {

class ThanksStats {
  public:
    virtual ~ThanksStats() = default;
    /// Thanks given in [from_ms, to_ms) from marketing to sales or from sales to marketing
    /// (by the departments people have now).
    virtual std::int64_t cross_track_thanks(std::int64_t from_ms, std::int64_t to_ms) = 0;
};

}  // namespace twintrack::bot::thanks
