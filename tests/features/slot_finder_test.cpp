// The slot finder against a brute-force search (every candidate start, every minute of
// it checked in each attendee's local time) on random calendars over many seeds, plus
// time zones, DST changes, optional attendees and partial slots.

#include "bot/features/meetings/slot_finder.hpp"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tests/features/feature_test_helpers.hpp"

namespace twintrack::bot::meetings {
namespace {

constexpr std::int64_t minute_ms = 60 * 1000;

/// Is `a` free at the instant `ms`: a working day and minute in their zone, not busy.
bool free_at(const Attendee& a, std::int64_t ms) {
    const auto* tz = date::locate_zone(a.zone);
    const auto local =
        tz->to_local(date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms)));
    const auto day = date::floor<date::days>(local);
    const unsigned wd = date::weekday(day).c_encoding();
    const auto minute = std::chrono::duration_cast<std::chrono::minutes>(local - day).count();
    if (((a.work_days >> wd) & 1U) == 0 || minute < a.work_start || minute >= a.work_end) {
        return false;
    }
    for (const auto& b : a.busy) {
        if (b.start <= ms && ms < b.end) return false;
    }
    return true;
}

struct Candidate {
    std::int64_t start = 0;
    int required = 0;
    int optional = 0;
    std::vector<std::int64_t> missing;
};

/// The obvious search: every 15-minute start, every minute of the meeting, every person.
SlotResult brute_force(const SlotQuery& q, std::size_t count) {
    const std::int64_t step = slot_step_ms;
    const std::int64_t dur = ((q.duration_minutes + 14) / 15) * step;
    std::int64_t g = ((q.from + step - 1) / step) * step;
    std::vector<Candidate> all;
    int n_required = 0;
    for (const auto& a : q.attendees) n_required += a.required;
    for (; g + dur <= q.until; g += step) {
        Candidate c;
        c.start = g;
        for (const auto& a : q.attendees) {
            bool ok = true;
            for (std::int64_t t = g; t < g + dur && ok; t += minute_ms) ok = free_at(a, t);
            if (ok) {
                (a.required ? c.required : c.optional)++;
            } else if (a.required) {
                c.missing.push_back(a.id);
            }
        }
        all.push_back(c);
    }
    SlotResult r;
    std::vector<Candidate> full;
    for (const auto& c : all) {
        if (c.required == n_required) full.push_back(c);
    }
    std::stable_sort(full.begin(), full.end(), [](const Candidate& x, const Candidate& y) {
        return x.optional > y.optional;
    });
    for (const auto& c : full) {
        bool overlaps = false;
        for (const auto& s : r.slots) overlaps |= c.start < s.at.end && s.at.start < c.start + dur;
        if (overlaps) continue;
        Slot s;
        s.at = {c.start, c.start + dur};
        s.optional_free = c.optional;
        r.slots.push_back(s);
        if (r.slots.size() == count) break;
    }
    if (r.slots.empty()) {
        const Candidate* best = nullptr;
        for (const auto& c : all) {
            if (c.required == 0) continue;
            if (!best || c.required > best->required ||
                (c.required == best->required && c.optional > best->optional)) {
                best = &c;
            }
        }
        if (best) {
            Slot s;
            s.at = {best->start, best->start + dur};
            s.optional_free = best->optional;
            s.missing = best->missing;
            r.partial = s;
        }
    }
    return r;
}

TEST(SlotFinderTest, MatchesBruteForceOnRandomCalendars) {
    const std::vector<std::string> zones = {"Asia/Shanghai",
                                            "Europe/Berlin",
                                            "America/New_York",
                                            "Asia/Kolkata",
                                            "Asia/Kathmandu",
                                            "Australia/Sydney",
                                            "UTC"};
    int with_slots = 0;
    int partial = 0;
    for (unsigned seed = 1; seed <= 300; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
        SlotQuery q;
        // Around the March and October/November DST changes as well as ordinary weeks.
        const std::vector<std::int64_t> starts = {utc(2027, 3, 26, 0), utc(2026, 10, 23, 7),
                                                  utc(2026, 11, 2, 3), utc(2027, 3, 12, 13)};
        q.from = starts[seed % starts.size()] + pick(0, 200) * minute_ms;
        q.until = q.from + pick(1, 4) * 24 * 60 * minute_ms + pick(0, 600) * minute_ms;
        q.duration_minutes = pick(1, 8) * 15 - (seed % 3 == 0 ? pick(0, 14) : 0);
        const int n = pick(1, 5);
        for (int i = 0; i < n; ++i) {
            Attendee a;
            a.id = 100 + i;
            a.zone = zones[static_cast<std::size_t>(pick(0, static_cast<int>(zones.size()) - 1))];
            a.work_start = pick(5 * 4, 11 * 4) * 15;  // away from the DST hours
            a.work_end = a.work_start + pick(1, 40) * 15;
            a.work_days = static_cast<unsigned>(pick(1, 127));
            a.required = i == 0 || pick(0, 3) != 0;
            const int blocks = pick(0, 25);
            for (int b = 0; b < blocks; ++b) {
                // Minute-aligned, not grid-aligned, sometimes overlapping or outside.
                const std::int64_t s = q.from + (pick(-300, 6000)) * minute_ms;
                a.busy.push_back({s, s + pick(1, 240) * minute_ms});
            }
            q.attendees.push_back(a);
        }
        const auto fast = find_slots(q, 3);
        const auto slow = brute_force(q, 3);
        ASSERT_EQ(fast.slots.size(), slow.slots.size());
        for (std::size_t i = 0; i < fast.slots.size(); ++i) {
            EXPECT_EQ(fast.slots[i].at.start, slow.slots[i].at.start);
            EXPECT_EQ(fast.slots[i].at.end, slow.slots[i].at.end);
            EXPECT_EQ(fast.slots[i].optional_free, slow.slots[i].optional_free);
            EXPECT_TRUE(fast.slots[i].missing.empty());
        }
        ASSERT_EQ(fast.partial.has_value(), slow.partial.has_value());
        if (fast.partial) {
            EXPECT_EQ(fast.partial->at.start, slow.partial->at.start);
            EXPECT_EQ(fast.partial->missing, slow.partial->missing);
        }
        with_slots += !fast.slots.empty();
        partial += fast.partial.has_value();
    }
    // The seeds exercise both outcomes.
    EXPECT_GT(with_slots, 50);
    EXPECT_GT(partial, 12);
}

Attendee person(std::int64_t id, const std::string& zone, bool required = true) {
    Attendee a;
    a.id = id;
    a.zone = zone;
    a.required = required;
    return a;
}

TEST(SlotFinderTest, BerlinAndShanghaiMeetInTheirOverlap) {
    // Shanghai 09:00-18:00 is 02:00-11:00 Berlin (winter); Berlin starts 09:00: overlap is
    // Berlin 09:00-11:00 = 08:00-10:00 UTC.
    SlotQuery q;
    q.from = utc(2026, 11, 2, 0);  // Monday
    q.until = utc(2026, 11, 3, 0);
    q.duration_minutes = 60;
    q.attendees = {person(1, "Europe/Berlin"), person(2, "Asia/Shanghai")};
    const auto r = find_slots(q, 3);
    ASSERT_EQ(r.slots.size(), 2u);  // 08:00 and 09:00 UTC: non-overlapping hours
    EXPECT_EQ(r.slots[0].at.start, utc(2026, 11, 2, 8));
    EXPECT_EQ(r.slots[1].at.start, utc(2026, 11, 2, 9));
}

TEST(SlotFinderTest, WorkingHoursFollowTheDstChange) {
    // Berlin summer time ends Sunday 2026-10-25: 09:00 local is 07:00 UTC on Friday the
    // 23rd and 08:00 UTC on Monday the 26th.
    SlotQuery q;
    q.duration_minutes = 30;
    q.attendees = {person(1, "Europe/Berlin")};
    q.from = utc(2026, 10, 23, 0);
    q.until = utc(2026, 10, 24, 0);
    EXPECT_EQ(find_slots(q, 1).slots.at(0).at.start, utc(2026, 10, 23, 7));
    q.from = utc(2026, 10, 24, 0);
    q.until = utc(2026, 10, 27, 0);
    EXPECT_EQ(find_slots(q, 1).slots.at(0).at.start, utc(2026, 10, 26, 8));
}

TEST(SlotFinderTest, AWorkStartInTheDstGapBeginsWhenTheGapEnds) {
    // New York springs forward on Sunday 2027-03-14 at 02:00 (to 03:00). Someone working
    // 02:30-04:00 on Sundays starts at 03:00 EDT = 07:00 UTC that day.
    Attendee a = person(1, "America/New_York");
    a.work_start = 2 * 60 + 30;
    a.work_end = 4 * 60;
    a.work_days = 1;  // Sunday
    const auto w = working_intervals(a, utc(2027, 3, 14, 0), utc(2027, 3, 15, 0));
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].start, utc(2027, 3, 14, 7));
    EXPECT_EQ(w[0].end, utc(2027, 3, 14, 8));
}

TEST(SlotFinderTest, OptionalAttendeesOnlyRank) {
    SlotQuery q;
    q.from = utc(2026, 11, 2, 1);  // Monday 09:00 Shanghai
    q.until = utc(2026, 11, 2, 10);
    q.duration_minutes = 60;
    Attendee opt = person(3, "Asia/Shanghai", false);
    opt.busy = {{utc(2026, 11, 2, 1), utc(2026, 11, 2, 5)}};  // free from 13:00 local
    Attendee busy_opt = person(4, "Asia/Shanghai", false);
    busy_opt.busy = {{utc(2026, 11, 2, 0), utc(2026, 11, 3, 0)}};  // never free
    q.attendees = {person(1, "Asia/Shanghai"), opt, busy_opt};
    const auto r = find_slots(q, 3);
    ASSERT_EQ(r.slots.size(), 3u);
    EXPECT_EQ(r.slots[0].at.start, utc(2026, 11, 2, 5));
    EXPECT_EQ(r.slots[0].optional_free, 1);
    EXPECT_EQ(r.slots[0].optional_missing, std::vector<std::int64_t>{4});
}

TEST(SlotFinderTest, NoFitGivesTheBestPartialSlotAndWhoIsMissing) {
    SlotQuery q;
    q.from = utc(2026, 11, 2, 0);
    q.until = utc(2026, 11, 3, 0);
    q.duration_minutes = 60;
    Attendee a = person(1, "Asia/Shanghai");
    Attendee b = person(2, "Asia/Shanghai");
    Attendee c = person(3, "America/New_York");  // no overlap with Shanghai hours
    b.busy = {{utc(2026, 11, 2, 0), utc(2026, 11, 2, 3)}};
    q.attendees = {a, b, c};
    const auto r = find_slots(q, 3);
    EXPECT_TRUE(r.slots.empty());
    ASSERT_TRUE(r.partial.has_value());
    EXPECT_EQ(r.partial->missing, std::vector<std::int64_t>{3});
    EXPECT_EQ(r.partial->at.start, utc(2026, 11, 2, 3));
}

TEST(SlotFinderTest, AWindowShorterThanTheMeetingHasNoSlot) {
    SlotQuery q;
    q.from = utc(2026, 11, 2, 1);
    q.until = utc(2026, 11, 2, 1, 30);
    q.duration_minutes = 45;
    q.attendees = {person(1, "Asia/Shanghai")};
    const auto r = find_slots(q, 3);
    EXPECT_TRUE(r.slots.empty());
    EXPECT_FALSE(r.partial.has_value());
}

}  // namespace
}  // namespace twintrack::bot::meetings
