#pragma once
// JointAgenda: the agenda of the next joint meeting (联席会议), offered by the meetings
// feature (Services, owned by the engine). The rules feature puts open disagreements on
// it. A missing service means there are no joint meetings here.

#include <cstdint>
#include <optional>
#include <string>

namespace twintrack::bot {

class Turn;

struct JointMeeting {
    std::int64_t id = 0;
    std::int64_t start_at = 0;  ///< UTC ms
    std::string title;
};

class JointAgenda {
  public:
    virtual ~JointAgenda() = default;
    /// The next booked meeting of a joint series starting after now, if any.
    virtual std::optional<JointMeeting> next(Turn& turn) = 0;
    /// Adds an item by `person_id` to that meeting's agenda (the turn writes).
    virtual void add_item(Turn& turn, std::int64_t meeting_id, std::int64_t person_id,
                          const std::string& text) = 0;
};

}  // namespace twintrack::bot
