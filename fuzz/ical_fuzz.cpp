// iCalendar text given to `calendar import` (a file or a URL's answer), read for busy
// times (bot::features::meetings::parse_calendar: VEVENTs, RRULE expansion, EXDATE,
// TZID), and the recurrence words of joint meetings (rrule_of, occurrences). The first
// byte picks the zone; a second input after a NUL byte is read as recurrence words.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bot/features/meetings/ical.hpp"
#include "bot/prompts.hpp"
#include "core/source_dir.hpp"

namespace meetings = twintrack::bot::meetings;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const char* const zones[] = {"Asia/Shanghai", "Europe/Berlin", "America/New_York",
                                        "UTC"};
    const std::string zone = zones[data[0] % 4];
    const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::size_t nul = input.find('\0');
    const std::string text = input.substr(0, nul);

    const std::int64_t from = 1795886849588;            // 2026-11-28
    const std::int64_t until = from + 28LL * 86400000;  // four weeks, as the import reads
    const auto calendar = meetings::parse_calendar(text, from, until, zone);
    for (const auto& busy : calendar.busy) {
        if (busy.end < busy.start) std::abort();
    }

    if (nul != std::string::npos) {
        const std::string words = input.substr(nul + 1);
        static const auto prompts =
            twintrack::bot::Prompts::load(twintrack::core::source_dir() + "/prompts", "en");
        if (const auto rule = meetings::rrule_of(words, *prompts)) {
            const auto list = meetings::occurrences(*rule, 10 * 60, zone, from, 8, 366);
            if (list.size() > 8) std::abort();
        }
    }
    return 0;
}
