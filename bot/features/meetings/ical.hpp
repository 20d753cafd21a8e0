#pragma once
// iCalendar (RFC 5545) with libical: busy times read from a calendar (VEVENTs, RRULE
// expansion within a horizon, EXDATE, moved occurrences, TZID), calendars written for
// booked meetings, and the recurrence rules of joint meetings.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/prompts.hpp"

namespace twintrack::bot::meetings {

struct BusyTime {
    std::int64_t start = 0;  ///< UTC ms
    std::int64_t end = 0;
    std::string summary;
};

struct ParsedCalendar {
    bool ok = false;  ///< false: not an iCalendar text at all
    int events = 0;   ///< VEVENTs read
    int skipped = 0;  ///< VEVENTs ignored (cancelled, free, no usable times, too many occurrences)
    std::vector<std::string> unknown_zones;  ///< TZIDs neither IANA nor defined in the file
    std::vector<BusyTime> busy;              ///< within [from, until), by start
};

/// Busy times of a calendar between `from` and `until` (UTC ms). Times without a zone
/// (floating) and all-day events are read in `zone`.
ParsedCalendar parse_calendar(const std::string& text, std::int64_t from, std::int64_t until,
                              const std::string& zone);

struct IcsPerson {
    std::string name;
    std::string email;
};

struct IcsAttendee {
    IcsPerson person;
    bool required = true;
};

struct IcsEvent {
    std::string uid;
    std::string title;
    std::int64_t start = 0;  ///< UTC ms
    std::int64_t end = 0;
    bool cancelled = false;
    int sequence = 0;
    std::int64_t created = 0;
    std::int64_t updated = 0;
    IcsPerson organizer;
    std::vector<IcsAttendee> attendees;
    std::string description;
};

/// A VCALENDAR with one VEVENT: METHOD:REQUEST, or CANCEL for a cancelled meeting.
std::string event_ics(const IcsEvent& event, std::int64_t now);
/// A calendar feed (METHOD:PUBLISH) with every event given, without attendees as
/// RFC 5546 wants for PUBLISH.
std::string calendar_ics(const std::string& name, const std::vector<IcsEvent>& events,
                         std::int64_t now);

/// "2nd tuesday", "last friday", "every monday" (weekly), "first monday" ..., or in
/// Chinese "第二个周二", "每月最后一个星期五", "每周一", as an RRULE value
/// (FREQ=MONTHLY;BYDAY=2TU), read with the recurrence words of every locale in
/// `prompts` (`meetings.words.recur_every`, `recur_monthly`, `day_mo` ... `day_su`,
/// `ordinal_1` ... `ordinal_5`, `ordinal_last`). A text starting with FREQ= is taken as
/// an RRULE itself. Nothing when the words are not understood or the RRULE is invalid.
std::optional<std::string> rrule_of(const std::string& spec, const Prompts& prompts);

struct Occurrence {
    std::int64_t start = 0;  ///< UTC ms
    std::string local_date;  ///< YYYY-MM-DD in the zone
    bool in_gap = false;     ///< the local time does not exist that day (DST gap)
};

/// The occurrences of `rrule` at `local_minute` in `zone` that start after `after`, at
/// most `limit` of them and none later than `horizon_days` after `after`. Empty when the
/// rule never occurs in that horizon. An occurrence in a DST gap is kept (flagged) at
/// the instant the gap ends.
std::vector<Occurrence> occurrences(const std::string& rrule, int local_minute,
                                    const std::string& zone, std::int64_t after, int limit,
                                    int horizon_days);

}  // namespace twintrack::bot::meetings
