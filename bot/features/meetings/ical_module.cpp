// The entry point of twintrack_ical_module.so (ical.cpp with libical). The four functions
// of the program that ical.cpp calls are defined here as calls back into the program,
// through the IcalHost it hands over when it loads the module.

#include "bot/features/meetings/ical_module.hpp"

#include "bot/directory.hpp"
#include "bot/local_time.hpp"
#include "core/text.hpp"

namespace twintrack {
namespace {
const bot::meetings::IcalHost* host = nullptr;
}  // namespace

namespace bot {
const date::time_zone* zone_or_utc(const std::string& zone) { return host->zone_or_utc(zone); }
bool valid_timezone(const std::string& zone) { return host->valid_timezone(zone); }
std::vector<std::string> Prompts::words_all_locales(const std::string& key) const {
    return host->words_all_locales(*this, key);
}
}  // namespace bot

namespace core {
std::string ascii_lower(std::string_view s) { return host->ascii_lower(s); }
}  // namespace core

namespace bot::meetings {
namespace {
const IcalFunctions functions{&parse_calendar, &event_ics, &calendar_ics, &rrule_of, &occurrences};
}  // namespace
}  // namespace bot::meetings

}  // namespace twintrack

extern "C" __attribute__((visibility("default"))) const void* twintrack_ical_module_v1(
    const void* host) {
    twintrack::host = static_cast<const twintrack::bot::meetings::IcalHost*>(host);
    return &twintrack::bot::meetings::functions;
}
