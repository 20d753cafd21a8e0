#include "bot/features/engagements/handoff_clock.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

namespace twintrack::bot::engagements {
namespace {

using namespace date;

core::Timestamp utc(date::year_month_day day, int hour, int minute = 0) {
    return core::Timestamp(sys_days(day) + std::chrono::hours(hour) + std::chrono::minutes(minute));
}

TEST(HandoffClock, CountsWorkingHoursInTheRepsZoneSkippingWeekends) {
    struct Case {
        const char* name;
        core::Timestamp start;
        int hours;
        const char* zone;
        core::Timestamp expected;
    };
    const int nine = 9 * 60, six_pm = 18 * 60;
    const std::vector<Case> cases = {
        // Monday 10:00 Berlin: 8 h Monday, 9 h Tuesday, 7 h Wednesday -> Wed 16:00 Berlin.
        {"berlin 24h", utc(2026_y / 11 / 2, 9), 24, "Europe/Berlin", utc(2026_y / 11 / 4, 15)},
        // Monday 17:00 Shanghai: 1 + 9 + 9 + 5 -> Thursday 14:00 Shanghai.
        {"shanghai 24h", utc(2026_y / 11 / 2, 9), 24, "Asia/Shanghai", utc(2026_y / 11 / 5, 6)},
        // Friday 16:00 Berlin, 4 h: 2 h Friday, the weekend skipped, Monday 11:00.
        {"across a weekend", utc(2026_y / 11 / 6, 15), 4, "Europe/Berlin",
         utc(2026_y / 11 / 9, 10)},
        // Saturday: nothing counts until Monday 09:00 Shanghai.
        {"starts on saturday", utc(2026_y / 11 / 7, 12), 1, "Asia/Shanghai",
         utc(2026_y / 11 / 9, 2)},
        // Before the working day starts.
        {"early morning", utc(2026_y / 11 / 2, 5), 2, "Europe/Berlin", utc(2026_y / 11 / 2, 10)},
        // After the working day ended: the next morning.
        {"evening", utc(2026_y / 11 / 2, 20), 1, "Europe/Berlin", utc(2026_y / 11 / 3, 9)},
        // Friday 17:00 CEST (UTC+2), 2 h: 1 h Friday, Monday after the switch to CET.
        {"daylight saving ends", utc(2026_y / 10 / 23, 15), 2, "Europe/Berlin",
         utc(2026_y / 10 / 26, 9)},
        {"unknown zone counts in UTC", utc(2026_y / 11 / 2, 9), 3, "Mars/Olympus",
         utc(2026_y / 11 / 2, 12)},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(working_deadline(c.start, c.hours, c.zone, nine, six_pm), c.expected)
            << format("%F %T", c.expected);
    }
}

TEST(HandoffClock, ShortWorkingDaysStretchTheDeadline) {
    // 10:00-14:00 in Shanghai: 4 h a day; Monday 10:00 (02:00 UTC) + 10 h -> Wednesday 12:00.
    EXPECT_EQ(working_deadline(utc(2026_y / 11 / 2, 2), 10, "Asia/Shanghai", 600, 840),
              utc(2026_y / 11 / 4, 4));
}

}  // namespace
}  // namespace twintrack::bot::engagements
