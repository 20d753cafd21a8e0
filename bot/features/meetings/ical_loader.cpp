// ical.hpp's functions as the program has them: the iCalendar code and libical (with ICU's
// i18n library behind it) live in twintrack_ical_module.so (ical.cpp, ical_module.cpp),
// loaded the first time a calendar is read or written or a recurrence is computed.
// Without the module those calls throw core::ModuleMissing, which the engine logs and
// answers as an internal error.

#include "bot/directory.hpp"
#include "bot/features/meetings/ical_module.hpp"
#include "bot/local_time.hpp"
#include "core/module_loader.hpp"
#include "core/text.hpp"

namespace twintrack::bot::meetings {
namespace {

std::vector<std::string> words_all_locales(const Prompts& prompts, const std::string& key) {
    return prompts.words_all_locales(key);
}

const IcalHost host{&zone_or_utc, &valid_timezone, &core::ascii_lower, &words_all_locales};

const IcalFunctions& module() {
    void* entry = core::module_entry(ical_module_file, ical_module_entry);
    static const IcalFunctions* functions =
        reinterpret_cast<const IcalFunctions* (*)(const IcalHost*)>(entry)(&host);
    return *functions;
}

}  // namespace

ParsedCalendar parse_calendar(const std::string& text, std::int64_t from, std::int64_t until,
                              const std::string& zone) {
    return module().parse_calendar(text, from, until, zone);
}

std::string event_ics(const IcsEvent& event, std::int64_t now) {
    return module().event_ics(event, now);
}

std::string calendar_ics(const std::string& name, const std::vector<IcsEvent>& events,
                         std::int64_t now) {
    return module().calendar_ics(name, events, now);
}

std::optional<std::string> rrule_of(const std::string& spec, const Prompts& prompts) {
    return module().rrule_of(spec, prompts);
}

std::vector<Occurrence> occurrences(const std::string& rrule, int local_minute,
                                    const std::string& zone, std::int64_t after, int limit,
                                    int horizon_days) {
    return module().occurrences(rrule, local_minute, zone, after, limit, horizon_days);
}

}  // namespace twintrack::bot::meetings
