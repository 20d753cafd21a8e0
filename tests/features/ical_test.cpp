// iCalendar with libical: busy times read from calendars (RRULE expansion in the event's
// zone across DST, EXDATE, moved occurrences, VTIMEZONE-only TZIDs, UTC, floating and
// all-day events, free and cancelled ones), ICS written and parsed back (RFC 5545
// restrictions checked by libical), and joint-meeting recurrence rules.

#include "bot/features/meetings/ical.hpp"

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libical/ical.h>

#include <filesystem>
#include <fstream>

#include "core/source_dir.hpp"
#include "tests/features/feature_test_helpers.hpp"

namespace twintrack::bot::meetings {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

std::string calendar(const std::string& body) {
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\n" + body +
           "END:VCALENDAR\r\n";
}

std::string event(const std::string& lines) {
    return "BEGIN:VEVENT\r\nDTSTAMP:20261001T000000Z\r\n" + lines + "END:VEVENT\r\n";
}

TEST(IcalParseTest, WeeklyRuleKeepsItsLocalTimeAcrossTheDstChange) {
    // 10:00 Berlin every Friday: 08:00 UTC in summer, 09:00 UTC after 2026-10-25.
    const auto c = parse_calendar(
        calendar(event("UID:w\r\nDTSTART;TZID=Europe/Berlin:20260904T100000\r\n"
                       "DTEND;TZID=Europe/Berlin:20260904T110000\r\nRRULE:FREQ=WEEKLY\r\n"
                       "EXDATE;TZID=Europe/Berlin:20261023T100000\r\nSUMMARY:Weekly\r\n")),
        utc(2026, 10, 14, 0), utc(2026, 11, 1, 0), "UTC");
    ASSERT_TRUE(c.ok);
    ASSERT_THAT(c.busy, SizeIs(2));  // 16 Oct, (23 Oct excluded), 30 Oct
    EXPECT_EQ(c.busy[0].start, utc(2026, 10, 16, 8));
    EXPECT_EQ(c.busy[1].start, utc(2026, 10, 30, 9));
    EXPECT_EQ(c.busy[1].end, utc(2026, 10, 30, 10));
    EXPECT_EQ(c.busy[0].summary, "Weekly");
}

// Rules with a COUNT that started centuries ago cannot be started at the horizon; a file
// full of them used to keep the engine busy for minutes (fuzz/ical_fuzz.cpp). The file is
// read with a bounded amount of work (the events it could not expand count as skipped)
// and what lies in the window is still found.
TEST(IcalParseTest, ManyOldCountedRulesEndAndLaterEventsAreStillRead) {
    std::string events;
    for (int i = 0; i < 40; ++i) {
        events += event("UID:old" + std::to_string(i) +
                        "\r\nDTSTART:19000101T080000Z\r\nDURATION:PT1H\r\n"
                        "RRULE:FREQ=DAILY;COUNT=40000\r\n");
    }
    events += event(
        "UID:now\r\nDTSTART:20261103T090000Z\r\nDTEND:20261103T100000Z\r\n"
        "SUMMARY:Review\r\n");
    const auto c =
        parse_calendar(calendar(events), utc(2026, 11, 1, 0), utc(2026, 11, 10, 0), "UTC");
    ASSERT_TRUE(c.ok);
    EXPECT_EQ(c.events, 41);
    EXPECT_EQ(c.skipped, 39);  // the first rule is read to its end, part of the second
    ASSERT_THAT(c.busy, SizeIs(1));
    EXPECT_EQ(c.busy[0].summary, "Review");
    EXPECT_EQ(c.busy[0].start, utc(2026, 11, 3, 9));
}

TEST(IcalParseTest, AMovedOccurrenceReplacesTheRuleOne) {
    const auto c =
        parse_calendar(calendar(event("UID:m\r\nDTSTART:20261102T080000Z\r\nDURATION:PT1H\r\n"
                                      "RRULE:FREQ=DAILY;COUNT=3\r\n") +
                                event("UID:m\r\nRECURRENCE-ID:20261103T080000Z\r\n"
                                      "DTSTART:20261103T140000Z\r\nDTEND:20261103T150000Z\r\n")),
                       utc(2026, 11, 1, 0), utc(2026, 11, 10, 0), "UTC");
    ASSERT_THAT(c.busy, SizeIs(3));
    EXPECT_EQ(c.busy[0].start, utc(2026, 11, 2, 8));
    EXPECT_EQ(c.busy[1].start, utc(2026, 11, 3, 14));
    EXPECT_EQ(c.busy[2].start, utc(2026, 11, 4, 8));
}

TEST(IcalParseTest, ZonesFloatingAllDayFreeAndCancelled) {
    const std::string vtimezone =
        "BEGIN:VTIMEZONE\r\nTZID:Custom Standard Time\r\nBEGIN:STANDARD\r\n"
        "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n"
        "END:STANDARD\r\nEND:VTIMEZONE\r\n";
    const auto c = parse_calendar(
        calendar(vtimezone +
                 event("UID:a\r\nDTSTART;TZID=Custom Standard Time:20261102T120000\r\n"
                       "DTEND;TZID=Custom Standard Time:20261102T130000\r\n") +
                 event("UID:b\r\nDTSTART:20261102T150000\r\nDTEND:20261102T160000\r\n") +
                 event("UID:c\r\nDTSTART;VALUE=DATE:20261104\r\n") +
                 event("UID:d\r\nDTSTART:20261102T060000Z\r\nDTEND:20261102T070000Z\r\n"
                       "TRANSP:TRANSPARENT\r\n") +
                 event("UID:e\r\nDTSTART:20261102T060000Z\r\nDTEND:20261102T070000Z\r\n"
                       "STATUS:CANCELLED\r\n") +
                 event("UID:f\r\nDTSTART;TZID=Mars/Olympus:20261102T060000\r\n"
                       "DTEND;TZID=Mars/Olympus:20261102T070000\r\n")),
        utc(2026, 11, 1, 0), utc(2026, 11, 10, 0), "Asia/Shanghai");
    ASSERT_TRUE(c.ok);
    EXPECT_EQ(c.events, 6);
    EXPECT_EQ(c.skipped, 3);
    EXPECT_THAT(c.unknown_zones, ElementsAre("Mars/Olympus"));
    ASSERT_THAT(c.busy, SizeIs(3));
    EXPECT_EQ(c.busy[0].start, utc(2026, 11, 2, 7));   // floating 15:00 read in Shanghai
    EXPECT_EQ(c.busy[1].start, utc(2026, 11, 2, 9));   // 12:00 at +03:00 from VTIMEZONE
    EXPECT_EQ(c.busy[2].start, utc(2026, 11, 3, 16));  // all day 4 Nov in Shanghai
    EXPECT_EQ(c.busy[2].end, utc(2026, 11, 4, 16));
}

TEST(IcalParseTest, AnOldRuleWithoutEndIsExpandedOnlyInTheHorizon) {
    const auto c = parse_calendar(
        calendar(event("UID:old\r\nDTSTART;TZID=Asia/Shanghai:20100104T090000\r\n"
                       "DTEND;TZID=Asia/Shanghai:20100104T093000\r\nRRULE:FREQ=DAILY\r\n")),
        utc(2026, 11, 2, 0), utc(2026, 11, 5, 0), "UTC");
    ASSERT_THAT(c.busy, SizeIs(3));
    EXPECT_EQ(c.busy[0].start, utc(2026, 11, 2, 1));
}

TEST(IcalParseTest, TextThatIsNoCalendarIsRefused) {
    EXPECT_FALSE(parse_calendar("hello", 0, utc(2030, 1, 1, 0), "UTC").ok);
    EXPECT_FALSE(parse_calendar("", 0, utc(2030, 1, 1, 0), "UTC").ok);
}

IcsEvent sample() {
    IcsEvent e;
    e.uid = "7@twintrack";
    e.title = "Kickoff, Q4; “联席”";
    e.start = utc(2026, 11, 4, 8);
    e.end = utc(2026, 11, 4, 9);
    e.sequence = 1;
    e.created = utc(2026, 11, 1, 12);
    e.updated = utc(2026, 11, 1, 12);
    e.organizer = {"Helen HR", "helen@example.com"};
    e.attendees = {{{"Helen HR", "helen@example.com"}, true},
                   {{"王芳", "wang@example.com"}, false}};
    return e;
}

TEST(IcsWriteTest, AnEventParsesBackAndPassesTheRfc5545Restrictions) {
    const std::string text = event_ics(sample(), utc(2026, 11, 1, 13));
    EXPECT_THAT(text, HasSubstr("METHOD:REQUEST\r\n"));
    EXPECT_THAT(text, HasSubstr("DTSTART:20261104T080000Z\r\n"));
    icalcomponent* cal = icalparser_parse_string(text.c_str());
    ASSERT_NE(cal, nullptr);
    EXPECT_EQ(icalcomponent_count_errors(cal), 0);
    EXPECT_TRUE(icalrestriction_check(cal));
    icalcomponent* ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    ASSERT_NE(ev, nullptr);
    EXPECT_STREQ(icalcomponent_get_summary(ev), "Kickoff, Q4; “联席”");
    EXPECT_STREQ(icalcomponent_get_uid(ev), "7@twintrack");
    EXPECT_EQ(icaltime_as_timet(icalcomponent_get_dtstart(ev)) * 1000, utc(2026, 11, 4, 8));
    EXPECT_EQ(icalcomponent_count_properties(ev, ICAL_ATTENDEE_PROPERTY), 2);
    icalcomponent_free(cal);

    // Reading it back as a calendar gives the same busy time.
    const auto busy = parse_calendar(text, 0, utc(2027, 1, 1, 0), "UTC");
    ASSERT_THAT(busy.busy, SizeIs(1));
    EXPECT_EQ(busy.busy[0].end, utc(2026, 11, 4, 9));
}

TEST(IcsWriteTest, ACancelledEventAndAFeed) {
    IcsEvent cancelled = sample();
    cancelled.cancelled = true;
    const std::string one = event_ics(cancelled, utc(2026, 11, 1, 13));
    EXPECT_THAT(one, HasSubstr("METHOD:CANCEL\r\n"));
    EXPECT_THAT(one, HasSubstr("STATUS:CANCELLED\r\n"));
    icalcomponent* cal = icalparser_parse_string(one.c_str());
    EXPECT_TRUE(icalrestriction_check(cal));
    icalcomponent_free(cal);

    IcsEvent second = sample();
    second.uid = "8@twintrack";
    second.start = utc(2026, 11, 5, 8);
    second.end = utc(2026, 11, 5, 9);
    const std::string feed = calendar_ics("Helen HR", {sample(), second}, utc(2026, 11, 1, 13));
    EXPECT_THAT(feed, HasSubstr("METHOD:PUBLISH\r\n"));
    EXPECT_THAT(feed, HasSubstr("X-WR-CALNAME:Helen HR\r\n"));
    cal = icalparser_parse_string(feed.c_str());
    ASSERT_NE(cal, nullptr);
    EXPECT_EQ(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 2);
    EXPECT_TRUE(icalrestriction_check(cal));
    EXPECT_THAT(feed, Not(HasSubstr("ATTENDEE")));
    icalcomponent_free(cal);
}

const Prompts& prompts() {
    static const auto p = Prompts::load(core::source_dir() + "/prompts", "en");
    return *p;
}

std::optional<std::string> rrule_of(const std::string& spec) {
    return meetings::rrule_of(spec, prompts());
}

TEST(RecurrenceTest, WordsBecomeRrules) {
    EXPECT_EQ(rrule_of("2nd tuesday"), "FREQ=MONTHLY;BYDAY=2TU");
    EXPECT_EQ(rrule_of("Last Friday"), "FREQ=MONTHLY;BYDAY=-1FR");
    EXPECT_EQ(rrule_of("every monday"), "FREQ=WEEKLY;BYDAY=MO");
    EXPECT_EQ(rrule_of("FREQ=MONTHLY;BYDAY=1WE"), "FREQ=MONTHLY;BYDAY=1WE");
    EXPECT_EQ(rrule_of("每月第二个周二"), "FREQ=MONTHLY;BYDAY=2TU");
    EXPECT_EQ(rrule_of("最后一个星期五"), "FREQ=MONTHLY;BYDAY=-1FR");
    EXPECT_EQ(rrule_of("每周一"), "FREQ=WEEKLY;BYDAY=MO");
    EXPECT_EQ(rrule_of("第六个周二"), std::nullopt);
    EXPECT_EQ(rrule_of("6th tuesday"), std::nullopt);
    EXPECT_EQ(rrule_of("sometimes"), std::nullopt);
    // An ordinal that never comes is refused, not searched for (fuzz/ical_fuzz.cpp).
    EXPECT_EQ(rrule_of("FREQ=MONTHLY;BYDAY=-9FR"), std::nullopt);
    EXPECT_EQ(rrule_of("FREQ=WEEKLY;BYDAY=2MO"), std::nullopt);
    EXPECT_EQ(rrule_of("FREQ=MONTHLY;BYDAY=-5FR"), "FREQ=MONTHLY;BYDAY=-5FR");
    EXPECT_EQ(rrule_of("FREQ=YEARLY;BYDAY=20MO"), "FREQ=YEARLY;BYDAY=20MO");
    EXPECT_EQ(rrule_of("FREQ=SOMETIMES"), std::nullopt);
}

TEST(RecurrenceTest, TheWordsComeFromThePromptsOfEveryLocale) {
    EXPECT_EQ(rrule_of("每个月最后一个周天"), "FREQ=MONTHLY;BYDAY=-1SU");
    EXPECT_EQ(rrule_of("每星期天"), "FREQ=WEEKLY;BYDAY=SU");
    EXPECT_EQ(rrule_of("every second wednesday"), "FREQ=MONTHLY;BYDAY=2WE");
    // A bare day is weekly in every language, as "tuesday" always was.
    EXPECT_EQ(rrule_of("tuesday"), "FREQ=WEEKLY;BYDAY=TU");
    EXPECT_EQ(rrule_of("周二"), "FREQ=WEEKLY;BYDAY=TU");
    // A monthly word needs an ordinal.
    EXPECT_EQ(rrule_of("每月周二"), std::nullopt);
    // Words of a locale the prompts folder does not have are not understood.
    const std::string dir = ::testing::TempDir() + "/recurrence_prompts";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir + "/en");
    std::ofstream(dir + "/en/meetings.yaml")
        << "words:\n  recur_every: [\"every\"]\n  day_mo: [\"monday\"]\n"
           "messages:\n  hello: \"hello\"\n";
    const auto english_only = Prompts::load(dir, "en");
    EXPECT_EQ(meetings::rrule_of("every monday", *english_only), "FREQ=WEEKLY;BYDAY=MO");
    EXPECT_EQ(meetings::rrule_of("每周一", *english_only), std::nullopt);
}

TEST(RecurrenceTest, OccurrencesInTheZoneAndTheirGaps) {
    const auto o = occurrences("FREQ=MONTHLY;BYDAY=2TU", 10 * 60, "Asia/Shanghai",
                               utc(2026, 11, 1, 12), 3, 800);
    ASSERT_THAT(o, SizeIs(3));
    EXPECT_EQ(o[0].start, utc(2026, 11, 10, 2));
    EXPECT_EQ(o[1].local_date, "2026-12-08");
    EXPECT_EQ(o[2].local_date, "2027-01-12");

    // The last Sunday of March at 02:30 in Berlin does not exist.
    const auto g =
        occurrences("FREQ=MONTHLY;BYDAY=-1SU", 150, "Europe/Berlin", utc(2027, 3, 1, 0), 1, 800);
    ASSERT_THAT(g, SizeIs(1));
    EXPECT_TRUE(g[0].in_gap);
    EXPECT_EQ(g[0].local_date, "2027-03-28");
    EXPECT_EQ(g[0].start, utc(2027, 3, 28, 1));  // when the gap ends (03:00 CEST)

    EXPECT_THAT(
        occurrences("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", 600, "UTC", utc(2026, 11, 1, 0), 3, 800),
        IsEmpty());
}

}  // namespace
}  // namespace twintrack::bot::meetings
