#include "bot/features/engagements/handoff_clock.hpp"

#include <date/tz.h>

#include "bot/local_time.hpp"

namespace twintrack::bot::engagements {

core::Timestamp working_deadline(core::Timestamp start, int working_hours, const std::string& zone,
                                 int work_start, int work_end) {
    using std::chrono::minutes;
    if (work_end <= work_start) {  // no usable working day: count plain hours
        return start + std::chrono::hours(working_hours);
    }
    const auto* tz = zone_or_utc(zone);
    // Work in whole minutes of local time; the result keeps the start's seconds.
    const auto start_min = date::floor<minutes>(start);
    const auto rest = start - start_min;
    // to_local answers in seconds; whole minutes are enough.
    date::local_time<minutes> local = date::floor<minutes>(tz->to_local(start_min));
    long remaining = static_cast<long>(working_hours) * 60;
    bool moved = false;  // the start was outside working time or the count went on

    // At most a few years of days: the loop ends when the remaining time is used up.
    for (int guard = 0; guard < 5000; ++guard) {
        const auto day = date::floor<date::days>(local);
        const date::weekday wd{day};
        const long minute = static_cast<long>((local - day).count());
        if (wd == date::Saturday || wd == date::Sunday || minute >= work_end) {
            local = day + date::days(1) + minutes(work_start);
            moved = true;
            continue;
        }
        if (minute < work_start) {
            local = day + minutes(work_start);
            moved = true;
            continue;
        }
        const long available = work_end - minute;
        if (remaining <= available) {
            local += minutes(remaining);
            const auto sys = tz->to_sys(local, date::choose::earliest);
            return core::Timestamp(std::chrono::time_point_cast<std::chrono::milliseconds>(sys) +
                                   (moved ? std::chrono::milliseconds(0) : rest));
        }
        remaining -= available;
        local = day + date::days(1) + minutes(work_start);
        moved = true;
    }
    return start + std::chrono::hours(working_hours);
}

}  // namespace twintrack::bot::engagements
