#pragma once
// What the meetings feature offers other features (Engine::services()): counts of the
// meetings it keeps. The metrics feature reads it for the weekly joint numbers.

#include <cstdint>

namespace twintrack::bot::meetings {

class MeetingStats {
  public:
    virtual ~MeetingStats() = default;
    /// Meetings of recurring joint series that ended in [from_ms, to_ms).
    virtual std::int64_t joint_meetings_held(std::int64_t from_ms, std::int64_t to_ms) = 0;
};

}  // namespace twintrack::bot::meetings
