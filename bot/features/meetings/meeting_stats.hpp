#pragma once
// What the meetings feature offers other features (Engine::services()): counts of the
// meetings it keeps. The metrics feature reads it for the weekly joint numbers.

#include <cstdint>
#include <string>
#include <vector>

namespace twintrack::bot::meetings {

/// A joint meeting held (booked, of a recurring joint series).
struct HeldMeeting {
    std::int64_t id = 0;
    std::string title;
    std::int64_t start_at = 0;
    std::int64_t attendees = 0;
};

class MeetingStats {
  public:
    virtual ~MeetingStats() = default;
    /// Meetings of recurring joint series that ended in [from_ms, to_ms): the number of
    /// joint_meetings (the same meetings).
    virtual std::int64_t joint_meetings_held(std::int64_t from_ms, std::int64_t to_ms) = 0;
    /// Those meetings, by start (the dashboard's calendar).
    virtual std::vector<HeldMeeting> joint_meetings(std::int64_t from_ms, std::int64_t to_ms) = 0;
};

}  // namespace twintrack::bot::meetings
