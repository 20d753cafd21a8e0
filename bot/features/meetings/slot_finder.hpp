#pragma once
// Finding meeting slots (pure): every attendee's working hours in their own zone, their
// busy intervals, a 15-minute grid. Required attendees decide whether a slot fits;
// optional ones only rank the slots that do.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::bot::meetings {

/// The grid step, in milliseconds (15 minutes).
constexpr std::int64_t slot_step_ms = 15 * 60 * 1000;

/// A half-open interval [start, end) of UTC milliseconds.
struct Interval {
    std::int64_t start = 0;
    std::int64_t end = 0;
};

struct Attendee {
    std::int64_t id = 0;
    std::string zone;           ///< IANA name; UTC when unknown
    int work_start = 9 * 60;    ///< minutes after local midnight
    int work_end = 18 * 60;     ///< end <= start means no working hours
    unsigned work_days = 0x3e;  ///< bit d set = weekday d is a working day (0 = Sunday)
    bool required = true;
    std::vector<Interval> busy;  ///< any order, may overlap
};

struct SlotQuery {
    std::int64_t from = 0;      ///< earliest start (rounded up to the grid)
    std::int64_t until = 0;     ///< every slot ends by then
    int duration_minutes = 30;  ///< rounded up to the 15-minute grid
    std::vector<Attendee> attendees;
};

struct Slot {
    Interval at;
    int optional_free = 0;              ///< optional attendees free for the whole slot
    std::vector<std::int64_t> missing;  ///< required attendees not free (partial slots)
    std::vector<std::int64_t> optional_missing;
};

struct SlotResult {
    /// Up to `count` slots where every required attendee is free, best first: most
    /// optional attendees free, then earliest; they never overlap each other.
    std::vector<Slot> slots;
    /// When no slot fits: the one with the most required attendees free (then most
    /// optional, then earliest), naming who is missing. Empty when no required attendee is
    /// ever free.
    std::optional<Slot> partial;
};

SlotResult find_slots(const SlotQuery& query, std::size_t count = 3);

/// The local working intervals of one attendee between `from` and `until` (UTC), DST-safe:
/// each local working day's start and end become instants on their own; a start or end in
/// a DST gap moves to the instant the gap ends.
std::vector<Interval> working_intervals(const Attendee& a, std::int64_t from, std::int64_t until);

}  // namespace twintrack::bot::meetings
