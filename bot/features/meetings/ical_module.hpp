#pragma once
// The narrow interface between the program and twintrack_ical_module.so (libical, and ICU
// behind it): the program hands the module the four functions of its own that ical.cpp
// uses (IcalHost) and gets ical.hpp's functions back (IcalFunctions). ical_loader.cpp is
// the program's side, ical_module.cpp the module's.

#include <string>
#include <string_view>

#include "bot/features/meetings/ical.hpp"

namespace date {
class time_zone;
}

namespace twintrack::bot::meetings {

struct IcalHost {
    const date::time_zone* (*zone_or_utc)(const std::string&);
    bool (*valid_timezone)(const std::string&);
    std::string (*ascii_lower)(std::string_view);
    std::vector<std::string> (*words_all_locales)(const Prompts&, const std::string&);
};

struct IcalFunctions {
    ParsedCalendar (*parse_calendar)(const std::string&, std::int64_t, std::int64_t,
                                     const std::string&);
    std::string (*event_ics)(const IcsEvent&, std::int64_t);
    std::string (*calendar_ics)(const std::string&, const std::vector<IcsEvent>&, std::int64_t);
    std::optional<std::string> (*rrule_of)(const std::string&, const Prompts&);
    std::vector<Occurrence> (*occurrences)(const std::string&, int, const std::string&,
                                           std::int64_t, int, int);
};

/// The module's entry point: `const IcalFunctions* twintrack_ical_module_v1(const IcalHost*)`.
constexpr const char* ical_module_file = "twintrack_ical_module.so";
constexpr const char* ical_module_entry = "twintrack_ical_module_v1";

}  // namespace twintrack::bot::meetings
