// Meetings end to end through TestBot: proposals in each attendee's local time, booking
// with DMs and reminders, a slot taken between proposal and booking, partial slots,
// calendar import, cancelling, joint meetings with agenda and minutes, roles, both
// languages and every kind of bad input the issue names.

#include "bot/features/meetings/meetings.hpp"

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libical/ical.h>

#include <filesystem>
#include <fstream>

#include "bot/calendar_fetcher.hpp"
#include "bot/features/meetings/meet_plan.hpp"
#include "bot/features/meetings/store/meetings_store.hpp"
#include "bot/features/reports/report_settings.hpp"
#include "bot/metrics_settings.hpp"
#include "bot/turn.hpp"
#include "core/source_dir.hpp"
#include "tests/features/feature_test_helpers.hpp"
#include "tests/testbot/test_bot.hpp"

namespace twintrack::testing {
namespace {

/// The meetings feature's own tables on the bot's store (bot/features/meetings/store/).
using MeetingTable = store::meetings::MeetingRepository;

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;

std::int64_t ms(core::Timestamp t) { return core::to_millis(t); }

/// Every post made when `who` writes `text` by DM (replies and messages to others).
std::vector<core::Post> say_all(TestBot& bot, const std::string& who, const std::string& text) {
    core::Event e;
    e.where = {"test", "@" + who, ""};
    e.who = {"test", who, who};
    e.text = text;
    e.direct = true;
    return bot.deliver(std::move(e));
}

/// No field-report windows and no weekly metrics post: they would mix with the meeting
/// messages.
bot::BotSettings quiet(bot::BotSettings s) {
    s.features.edit<bot::reports::ReportSettings>().windows.clear();
    s.features.edit<bot::metrics::MetricsSettings>().weekly_post = false;
    return s;
}

class MeetingsTest : public ::testing::Test {
  protected:
    // Sunday 2026-11-01 12:00 UTC: the first working day ahead is Monday.
    explicit MeetingsTest(bot::BotSettings settings = {})
        : bot(utc(2026, 11, 1, 12), quiet(std::move(settings))) {
        bot.add({"helen", "Helen HR", "hr", "hr", "Europe/Berlin"});
        bot.add({"mia", "Mia Marketer", "marketing", "manager", "Europe/Berlin"});
        bot.add({"max", "Max Sales", "sales", "manager", "Asia/Shanghai"});
        bot.add({"sam", "Sam Seller", "sales", "staff", "Asia/Shanghai"});
        bot.add({"lee", "Lee West", "marketing", "staff", "America/Los_Angeles"});
        bot.add({"wang", "王芳", "sales", "manager", "Asia/Shanghai", "zh-CN"});
    }
    TestBot bot;
};

TEST_F(MeetingsTest, ProposesTheThreeBestSlotsInEachAttendeesLocalTime) {
    // Berlin 09:00-18:00 and Shanghai 09:00-18:00 overlap 08:00-10:00 UTC in winter.
    const auto r = bot.say("helen", "meet \"Kickoff\" with @sam @mia duration 60m within 2d");
    ASSERT_THAT(r, SizeIs(1));
    EXPECT_THAT(r[0], HasSubstr("Best slots for \"Kickoff\" (60 minutes"));
    EXPECT_THAT(r[0], HasSubstr("1. 2026-11-02 09:00-10:00 Europe/Berlin (Helen HR, Mia Marketer); "
                                "2026-11-02 16:00-17:00 Asia/Shanghai (Sam Seller)\n2."));
    EXPECT_THAT(r[0], HasSubstr("2. 2026-11-02 10:00-11:00 Europe/Berlin"));
    EXPECT_THAT(r[0], HasSubstr("3. 2026-11-03 09:00-10:00 Europe/Berlin"));
    EXPECT_THAT(r[0], HasSubstr("book N"));
}

TEST_F(MeetingsTest, OptionalAttendeesRankTheSlots) {
    // Mia is busy Monday 08:00-09:00 UTC (a meeting with Max).
    bot.say("mia", "meet \"Early\" with @max duration 60m within 1d");
    bot.say("mia", "book 1");
    // Helen and Sam can meet 08:00-10:00 UTC on Monday and Tuesday. The 2-hour slot where
    // optional Mia is free (Tuesday) comes first, although Monday's is earlier.
    const auto r =
        bot.say("helen", "meet \"Sync\" with @sam optional @mia duration 120m within 2d");
    ASSERT_THAT(r, SizeIs(1));
    EXPECT_THAT(r[0],
                HasSubstr("1. 2026-11-03 09:00-11:00 Europe/Berlin (Helen HR, Mia Marketer)"));
    EXPECT_THAT(r[0], HasSubstr("2. 2026-11-02 09:00-11:00 Europe/Berlin (Helen HR); 2026-11-02 "
                                "16:00-18:00 Asia/Shanghai (Sam Seller); optional but busy: Mia "
                                "Marketer"));
}

TEST_F(MeetingsTest, BookingTellsAttendeesAndRemindsThem24HoursAnd15MinutesBefore) {
    bot.say("helen", "meet \"Kickoff\" with @sam @mia duration 60m after 2026-11-04");
    const auto posts = say_all(bot, "helen", "book 1");
    const auto replies = to(posts, "@helen");
    ASSERT_THAT(replies, SizeIs(1));
    EXPECT_THAT(replies[0], HasSubstr("Booked meeting #1 \"Kickoff\": 2026-11-04 09:00-10:00 "
                                      "(Europe/Berlin)"));
    EXPECT_THAT(replies[0], HasSubstr("/api/v1/events/1.ics"));
    EXPECT_THAT(to(posts, "@sam"),
                ElementsAre(AllOf(HasSubstr("Helen HR invited you to \"Kickoff\""),
                                  HasSubstr("2026-11-04 16:00-17:00 (Asia/Shanghai)"))));
    EXPECT_THAT(to(posts, "@mia"), SizeIs(1));
    const auto m = MeetingTable(bot.store().db()).get(1);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->start_at, ms(utc(2026, 11, 4, 8)));
    EXPECT_THAT(m->attendees, SizeIs(3));

    // Booking again is refused: the proposal is used up.
    EXPECT_THAT(bot.say("helen", "book 1"), ElementsAre(HasSubstr("no proposed slots")));

    // Tuesday 08:00 UTC: the day-before reminder; Wednesday 07:45: the 15-minute one.
    bot.clock().set(utc(2026, 11, 3, 7, 59));
    const auto day_before = bot.advance(1min);
    EXPECT_THAT(to(day_before, "@sam"),
                ElementsAre(AllOf(HasSubstr("Tomorrow: \"Kickoff\""),
                                  HasSubstr("2026-11-04 16:00-17:00 (Asia/Shanghai)"))));
    EXPECT_THAT(to(day_before, "@helen"), SizeIs(1));
    bot.clock().set(utc(2026, 11, 4, 7, 44));
    const auto soon = bot.advance(1min);
    EXPECT_THAT(to(soon, "@mia"), ElementsAre(HasSubstr("In 15 minutes: \"Kickoff\"")));
    EXPECT_THAT(bot.advance(48h), IsEmpty());
}

TEST_F(MeetingsTest, ASlotTakenSinceTheProposalIsRefusedWithFreshSlots) {
    EXPECT_THAT(bot.say("helen", "meet \"Kickoff\" with @sam duration 60m within 2d"),
                ElementsAre(HasSubstr("1. 2026-11-02 09:00-10:00 Europe/Berlin")));
    // Meanwhile Max books Sam for Monday 08:00 UTC (16:00 in Shanghai).
    EXPECT_THAT(
        bot.say("max", "meet \"1:1\" with @sam duration 60m within 1d after 2026-11-02 16:00"),
        ElementsAre(HasSubstr("1. 2026-11-02 16:00-17:00 Asia/Shanghai")));
    EXPECT_THAT(bot.say("max", "book 1"), Contains(HasSubstr("Booked meeting #1")));
    const auto r = bot.say("helen", "book 1");
    ASSERT_THAT(r, SizeIs(2));
    EXPECT_THAT(r[0], HasSubstr("Slot 1 is no longer free: Sam Seller got busy since I proposed "
                                "it. Nothing was booked."));
    EXPECT_THAT(r[1], HasSubstr("Here are fresh slots."));
    EXPECT_THAT(r[1], HasSubstr("1. 2026-11-02 10:00-11:00 Europe/Berlin"));
    EXPECT_FALSE(MeetingTable(bot.store().db()).get(2).has_value());
    // The fresh slots are the ones `book` now uses.
    EXPECT_THAT(bot.say("helen", "book 1"),
                Contains(HasSubstr("Booked meeting #2 \"Kickoff\": 2026-11-02 10:00-11:00")));
}

TEST_F(MeetingsTest, ProposalsAndRemindersSurviveARestart) {
    bot.say("helen", "meet \"Kickoff\" with @sam duration 60m after 2026-11-04");
    bot.restart();
    EXPECT_THAT(bot.say("helen", "book 1"), Contains(HasSubstr("Booked meeting #1")));
    bot.restart();
    bot.clock().set(utc(2026, 11, 4, 7, 44));
    EXPECT_THAT(to(bot.advance(1min), "@sam"), Contains(HasSubstr("In 15 minutes: \"Kickoff\"")));
}

TEST_F(MeetingsTest, NoFittingSlotOffersTheBestPartialOneNamingWhoIsMissing) {
    // Los Angeles working hours never overlap Berlin's.
    const auto r = bot.say("helen", "meet \"All hands\" with @sam @lee duration 60m within 1d");
    ASSERT_THAT(r, SizeIs(1));
    EXPECT_THAT(r[0], HasSubstr("suits every required attendee. The best one leaves out Lee West"));
    EXPECT_THAT(r[0], HasSubstr("1. 2026-11-02 09:00-10:00 Europe/Berlin (Helen HR)"));
    EXPECT_THAT(bot.say("helen", "book 1"),
                Contains(AllOf(HasSubstr("Booked meeting #1"),
                               HasSubstr("Not invited (busy then): Lee West"))));
}

// meetings, joint-meetings, agenda and minutes are declared (bot/args.hpp): `help` writes
// their usage from the declaration, a word too many is named in the writer's language.
TEST_F(MeetingsTest, DeclaredMeetingCommandsNameAWordTooMany) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"helen", "minutes now", "I did not expect \"now\" here."},
        {"wang", "会议纪要 现在", "这里不该有“现在”"},
        {"sam", "meetings all", "I did not expect \"all\" here."},
        {"wang", "我的会议 全部", "这里不该有“全部”"},
        {"sam", "joint-meetings next", "Usage: joint-meetings"},
        {"mia", "help agenda", "agenda [ITEM; ITEM ...]"},
        {"wang", "帮助 议程", "议程 [事项；事项 ...]"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
}

TEST_F(MeetingsTest, BadInputGetsAClearAnswer) {
    struct Case {
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"meet \"X\" with @sam after 2026-10-30", "2026-10-30 (Europe/Berlin) is in the past"},
        {"meet \"X\" with @sam after 2026-11-01 10:00", "is in the past"},
        {"meet \"X\" with @sam after 2026-13-01", "\"2026-13-01\" is not a date"},
        {"meet \"X\" with @sam after 2027-03-28 02:30",
         "2027-03-28 02:30 does not exist in Europe/Berlin"},
        {"meet \"X\" with @sam after 2028-01-05", "more than 366 days ahead"},
        {"meet \"X\" with @sam duration 10h", "600 minutes does not fit"},
        {"meet \"X\" with @sam duration soon", "\"soon\" is not a duration"},
        {"meet \"X\" with @sam within 0d", "0 days is not possible"},
        {"meet \"X\" with @sam within 40d", "40 days is not possible"},
        {"meet \"X\" with @nobody", "nobody"},
        {"meet \"X\"", "meet needs with @PERSON ..."},
        {"meet \"X\" with @helen", "at least one attendee"},
        {"meet", "meet \"TITLE\" with"},
        {"book 1", "no proposed slots"},
        {"book x", "book N"},
        {"meeting cancel 99", "no booked meeting #99"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say("helen", c.text), ElementsAre(HasSubstr(c.expected)));
    }
    bot.say("helen", "meet \"X\" with @sam");
    EXPECT_THAT(bot.say("helen", "book 7"),
                ElementsAre(HasSubstr("There is no slot 7; pick 1 to 3")));
}

TEST_F(MeetingsTest, AnImpossibleWindowFindsNoSlot) {
    // Friday evening with one day to look in: Saturday is no working day.
    bot.clock().set(utc(2026, 11, 6, 18));
    EXPECT_THAT(bot.say("helen", "meet \"X\" with @sam within 1d"),
                ElementsAre(HasSubstr("No slot for \"X\"")));
    EXPECT_THAT(bot.say("helen", "book 1"), ElementsAre(HasSubstr("no proposed slots")));
}

TEST_F(MeetingsTest, StaffAttendButDoNotOrganise) {
    EXPECT_THAT(bot.say("sam", "meet \"X\" with @mia"), ElementsAre(HasSubstr("needs the role")));
    EXPECT_THAT(bot.say("sam", "joint-meeting every \"2nd tuesday\" 10:00"),
                ElementsAre(HasSubstr("needs the role")));
    bot.say("max", "meet \"X\" with @sam within 1d");
    bot.say("max", "book 1");
    EXPECT_THAT(bot.say("sam", "meetings"),
                ElementsAre(HasSubstr("#1 2026-11-02 09:00-09:30 \"X\"")));
    EXPECT_THAT(bot.say("sam", "meeting cancel 1"), ElementsAre(HasSubstr("needs the role")));
    EXPECT_THAT(bot.say("mia", "meeting cancel 1"),
                ElementsAre(HasSubstr("organised by Max Sales")));
    const auto posts = say_all(bot, "max", "meeting cancel 1");
    EXPECT_THAT(to(posts, "@max"), ElementsAre(HasSubstr("Cancelled meeting #1")));
    EXPECT_THAT(to(posts, "@sam"), ElementsAre(HasSubstr("Max Sales cancelled \"X\"")));
    EXPECT_THAT(bot.say("sam", "meetings"), ElementsAre(HasSubstr("no meetings")));
    EXPECT_THAT(bot.advance(24h), IsEmpty());  // no reminder for a cancelled meeting
}

TEST_F(MeetingsTest, WorksInChinese) {
    const auto r = bot.say("wang", "约会议 \"周会\" 与 @sam 时长 30分钟 范围 1天");
    ASSERT_THAT(r, SizeIs(1));
    EXPECT_THAT(r[0], HasSubstr("“周会”的最佳时间段（30 分钟"));
    EXPECT_THAT(r[0], HasSubstr("1. 2026-11-02 09:00-09:30 Asia/Shanghai（Sam Seller、王芳）"));
    EXPECT_THAT(bot.say("wang", "预订 1"), Contains(HasSubstr("已预订会议 #1“周会”")));
    EXPECT_THAT(bot.say("wang", "约会议 \"周会\" 与 @sam 从 2026-10-01"),
                ElementsAre(HasSubstr("已经过去了")));
}

// --- iCalendar output ------------------------------------------------------------------

TEST_F(MeetingsTest, BookedMeetingsAreValidICalendar) {
    bot.say("helen", "meet \"Kickoff\" with @sam optional @mia duration 60m within 2d");
    bot.say("helen", "book 1");
    bot::Turn turn(bot.engine(), nullptr, nullptr);
    const auto ics = bot::meetings::meeting_ics(turn, 1);
    ASSERT_TRUE(ics.has_value());
    icalcomponent* cal = icalparser_parse_string(ics->c_str());
    ASSERT_NE(cal, nullptr);
    EXPECT_TRUE(icalrestriction_check(cal));
    icalcomponent* ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    ASSERT_NE(ev, nullptr);
    EXPECT_STREQ(icalcomponent_get_summary(ev), "Kickoff");
    EXPECT_EQ(icaltime_as_timet(icalcomponent_get_dtstart(ev)) * 1000, ms(utc(2026, 11, 2, 8)));
    EXPECT_EQ(icalcomponent_count_properties(ev, ICAL_ATTENDEE_PROPERTY), 3);
    icalcomponent_free(cal);
    EXPECT_THAT(*ics, HasSubstr("ORGANIZER;CN=Helen HR:mailto:helen@example.com"));
    EXPECT_THAT(*ics, HasSubstr("ROLE=OPT-PARTICIPANT"));
    EXPECT_FALSE(bot::meetings::meeting_ics(turn, 99).has_value());

    // Sam's feed has it; after cancelling, the invitation says CANCEL.
    const auto feed = bot::meetings::person_calendar_ics(turn, 4);
    ASSERT_TRUE(feed.has_value());
    EXPECT_THAT(*feed, HasSubstr("X-WR-CALNAME:Sam Seller"));
    EXPECT_THAT(*feed, HasSubstr("SUMMARY:Kickoff"));
    bot.say("helen", "meeting cancel 1");
    bot::Turn later(bot.engine(), nullptr, nullptr);
    EXPECT_THAT(*bot::meetings::meeting_ics(later, 1), HasSubstr("METHOD:CANCEL"));
    EXPECT_THAT(*bot::meetings::meeting_ics(later, 1), HasSubstr("SEQUENCE:1"));
    EXPECT_FALSE(bot::meetings::person_calendar_ics(later, 999).has_value());
}

TEST_F(MeetingsTest, IcsIsServedOverTheHttpApi) {
    bot.say("helen", "meet \"Kickoff\" with @sam duration 60m within 2d");
    bot.say("helen", "book 1");
    const auto event = bot.api("GET", "/api/v1/events/1.ics");
    EXPECT_EQ(event.status, 200);
    EXPECT_EQ(event.content_type, "text/calendar; charset=utf-8");
    icalcomponent* cal = icalparser_parse_string(event.body.c_str());
    ASSERT_NE(cal, nullptr);
    EXPECT_TRUE(icalrestriction_check(cal));
    icalcomponent_free(cal);
    const auto feed = bot.api("GET", "/api/v1/people/4/calendar.ics");
    EXPECT_EQ(feed.status, 200);
    EXPECT_THAT(feed.body, HasSubstr("SUMMARY:Kickoff"));
    cal = icalparser_parse_string(feed.body.c_str());
    ASSERT_NE(cal, nullptr);
    EXPECT_TRUE(icalrestriction_check(cal));
    icalcomponent_free(cal);
    EXPECT_EQ(bot.api("GET", "/api/v1/events/99.ics").status, 404);
    EXPECT_EQ(bot.api("GET", "/api/v1/events/x.ics").status, 404);
    EXPECT_EQ(bot.api("GET", "/api/v1/people/99/calendar.ics").status, 404);
    EXPECT_EQ(bot.api("POST", "/api/v1/events/1.ics").status, 405);
}

// --- calendar import -------------------------------------------------------------------

bot::BotSettings with_calendars(const std::string& dir) {
    bot::BotSettings s;
    auto& m = s.features.edit<bot::meetings::MeetingSettings>();
    m.calendar_dir = dir;
    m.calendar_urls = true;
    return s;
}

/// The program's fetcher answers from another thread; answering at once goes through the
/// same engine task and job.
class AnsweringFetcher final : public bot::CalendarFetcher {
  public:
    void fetch(const std::string& url, const std::vector<std::string>&,
               std::function<void(bot::CalendarFetchResult)> done) override {
        bot::CalendarFetchResult r;
        if (url == "http://127.0.0.1/sam.ics") {
            r.outcome = bot::CalendarFetchResult::Outcome::ok;
            r.body =
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
                "UID:u1\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Asia/Shanghai:20261102T090000"
                "\r\nDTEND;TZID=Asia/Shanghai:20261102T180000\r\nSUMMARY:Offsite\r\n"
                "END:VEVENT\r\nEND:VCALENDAR\r\n";
        }
        done(std::move(r));
    }
};

class CalendarImportTest : public MeetingsTest {
  protected:
    CalendarImportTest() : MeetingsTest(with_calendars(make_dir())) {
        bot.engine().services().provide<bot::CalendarFetcher>(std::make_shared<AnsweringFetcher>());
    }
    static std::string make_dir() {
        const auto dir = std::filesystem::temp_directory_path() /
                         ("twintrack-calendars-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        // Sam is busy every weekday 09:00-12:00 Shanghai (RRULE), except on Wednesday.
        std::ofstream(dir / "sam.ics")
            << "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
               "BEGIN:VEVENT\r\nUID:daily\r\nDTSTAMP:20261101T000000Z\r\n"
               "DTSTART;TZID=Asia/Shanghai:20261026T090000\r\n"
               "DTEND;TZID=Asia/Shanghai:20261026T120000\r\n"
               "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\r\n"
               "EXDATE;TZID=Asia/Shanghai:20261104T090000\r\nSUMMARY:Calls\r\n"
               "END:VEVENT\r\nEND:VCALENDAR\r\n";
        std::ofstream(dir / "notes.txt") << "just text\n";
        return dir.string();
    }
};

TEST_F(CalendarImportTest, ImportedBusyTimesAreAvoided) {
    const auto r = bot.say("sam", "calendar import sam.ics");
    ASSERT_THAT(r, SizeIs(1));
    // 2026-11-02 .. within 90 days: about 64 weekdays less the excluded Wednesday.
    EXPECT_THAT(r[0], HasSubstr("busy times from sam.ics for the next 90 days (1 events read)"));
    const auto blocks =
        MeetingTable(bot.store().db()).busy({4}, ms(utc(2026, 11, 2, 0)), ms(utc(2026, 11, 5, 0)));
    EXPECT_THAT(blocks, SizeIs(2));  // Monday and Tuesday; Wednesday is excluded
    // Berlin and Shanghai overlap 08:00-10:00 UTC = 16:00-18:00 Shanghai: still free. With
    // 10:00-11:00 Shanghai busy, a 3-hour window from 01:00 UTC is not.
    const auto p = bot.say("helen", "meet \"Early\" with @sam duration 60m within 3d");
    EXPECT_THAT(p, ElementsAre(HasSubstr("1. 2026-11-02 09:00-10:00 Europe/Berlin")));
    // Importing again replaces, it does not add.
    bot.say("sam", "calendar import sam.ics");
    EXPECT_THAT(
        MeetingTable(bot.store().db()).busy({4}, ms(utc(2026, 11, 2, 0)), ms(utc(2026, 11, 5, 0))),
        SizeIs(2));
}

TEST_F(CalendarImportTest, AUrlIsFetchedThroughTheProgramsFetcher) {
    EXPECT_THAT(bot.say("sam", "calendar import http://127.0.0.1/sam.ics"),
                ElementsAre(HasSubstr("Fetching the calendar from 127.0.0.1"),
                            HasSubstr("Imported 1 busy times from 127.0.0.1")));
    // Sam's whole Monday is busy now: Monday has no slot with Sam.
    EXPECT_THAT(bot.say("helen", "meet \"X\" with @sam duration 60m within 1d"),
                ElementsAre(HasSubstr("leaves out Sam Seller")));
    EXPECT_THAT(bot.say("sam", "calendar import http://127.0.0.1/other.ics"),
                ElementsAre(HasSubstr("Fetching"),
                            HasSubstr("couldn't fetch the calendar from 127.0.0.1: the server "
                                      "did not hand it over")));
}

TEST_F(CalendarImportTest, BadSourcesAreRefused) {
    EXPECT_THAT(bot.say("sam", "calendar import ../../etc/passwd"),
                ElementsAre(HasSubstr("not a file name I may read")));
    EXPECT_THAT(bot.say("sam", "calendar import /etc/passwd"),
                ElementsAre(HasSubstr("not a file name I may read")));
    EXPECT_THAT(bot.say("sam", "calendar import missing.ics"),
                ElementsAre(HasSubstr("no calendar file \"missing.ics\"")));
    EXPECT_THAT(bot.say("sam", "calendar import notes.txt"),
                ElementsAre(HasSubstr("not an iCalendar file")));
    EXPECT_THAT(bot.say("sam", "calendar import"), ElementsAre(HasSubstr("calendar import FILE")));
}

TEST_F(MeetingsTest, ImportIsOffUnlessConfigured) {
    EXPECT_THAT(bot.say("sam", "calendar import sam.ics"), ElementsAre(HasSubstr("not enabled")));
    EXPECT_THAT(bot.say("sam", "calendar import https://example.com/a.ics"),
                ElementsAre(HasSubstr("from URLs is not enabled")));
}

// --- joint meetings --------------------------------------------------------------------

TEST_F(MeetingsTest, JointMeetingAsksForAgendaAndRecordsMinutes) {
    bot.store().channel_tracks().upsert({"test", "joint", "joint"}, 1);
    const auto created =
        bot.say("helen", "joint-meeting every \"2nd tuesday\" 10:00 Asia/Shanghai");
    ASSERT_THAT(created, SizeIs(1));
    EXPECT_THAT(created[0], HasSubstr("every 2nd tuesday at 10:00 (Asia/Shanghai), rule "
                                      "FREQ=MONTHLY;BYDAY=2TU"));
    EXPECT_THAT(created[0], HasSubstr("Next: 2026-11-10 03:00, 2026-12-08 03:00, 2027-01-12 03:00 "
                                      "(Europe/Berlin)"));
    EXPECT_THAT(created[0], HasSubstr("Mia Marketer, Max Sales, 王芳 will be asked"));
    EXPECT_THAT(bot.say("mia", "joint-meeting"), ElementsAre(HasSubstr("every 2nd tuesday")));
    EXPECT_THAT(bot.say("sam", "joint-meetings"),
                ElementsAre(HasSubstr("next: 2026-11-10 10:00, 2026-12-08 10:00")));

    // Two days before (Sunday 02:00 UTC): each manager is asked by DM.
    bot.clock().set(utc(2026, 11, 8, 1, 59));
    const auto asked = bot.advance(1min);
    EXPECT_THAT(to(asked, "@mia"), ElementsAre(HasSubstr("What should be on the agenda?")));
    EXPECT_THAT(to(asked, "@wang"), ElementsAre(HasSubstr("议程上应该有什么")));
    EXPECT_THAT(bot.say("mia", "agenda budget review; Q1 campaign plan"),
                ElementsAre(HasSubstr("Added 2 agenda item(s)")));
    // `agenda` alone asks.
    EXPECT_THAT(bot.say("max", "agenda"), ElementsAre(HasSubstr("What should be on the agenda")));
    EXPECT_THAT(bot.say("max", "key accounts"), ElementsAre(HasSubstr("3 in all")));

    // The day before, the reminder carries the agenda.
    bot.clock().set(utc(2026, 11, 9, 1, 59));
    const auto reminded = bot.advance(1min);
    EXPECT_THAT(
        to(reminded, "@helen"),
        ElementsAre(AllOf(HasSubstr("Tomorrow"), HasSubstr("- budget review (Mia Marketer)"),
                          HasSubstr("- key accounts (Max Sales)"))));

    // After it: the organiser is asked for minutes; the next one is planned.
    bot.clock().set(utc(2026, 11, 10, 2, 59));
    const auto after = bot.advance(1h);
    EXPECT_THAT(to(after, "@helen"), Contains(HasSubstr("Record its decisions")));
    EXPECT_TRUE(
        MeetingTable(bot.store().db()).by_series_start(1, ms(utc(2026, 12, 8, 2))).has_value());

    EXPECT_THAT(bot.say("helen", "minutes"), ElementsAre(HasSubstr("What was decided?")));
    EXPECT_THAT(bot.say("helen", "Budget approved; Launch in March"),
                ElementsAre(HasSubstr("Which action items")));
    const auto posts = say_all(bot, "helen", "Mia: campaign brief by Friday");
    EXPECT_THAT(to(posts, "@helen"), ElementsAre(HasSubstr("posted to 1 joint channel(s)")));
    EXPECT_THAT(to(posts, "joint"),
                ElementsAre(AllOf(HasSubstr("Decisions:\n- Budget approved\n- Launch in March"),
                                  HasSubstr("Action items:\n- Mia: campaign brief by Friday"))));
    EXPECT_THAT(bot.say("helen", "minutes"), ElementsAre(HasSubstr("no joint meeting waiting")));

    EXPECT_THAT(bot.say("helen", "joint-meeting cancel"), ElementsAre(HasSubstr("cancelled")));
    EXPECT_THAT(bot.say("helen", "joint-meeting"), ElementsAre(HasSubstr("No joint meeting")));
    EXPECT_THAT(bot.advance(24h * 40), IsEmpty());
}

TEST_F(MeetingsTest, JointMeetingInChinese) {
    const auto r = bot.say("wang", "联席会议 每月第二个周二 10:00");
    ASSERT_THAT(r, SizeIs(1));
    EXPECT_THAT(r[0], HasSubstr("联席会议已设定：每月第二个周二 10:00（Asia/Shanghai），规则 "
                                "FREQ=MONTHLY;BYDAY=2TU。接下来：2026-11-10 10:00"));
    EXPECT_THAT(bot.say("wang", "联席会议 每月第九个周二 10:00"),
                ElementsAre(HasSubstr("我看不懂")));
}

TEST_F(MeetingsTest, JointMeetingBadInput) {
    struct Case {
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"joint-meeting every \"6th tuesday\" 10:00", "I don't understand \"6th tuesday\""},
        {"joint-meeting every \"2nd tuesday\"", "Usage: joint-meeting [every"},
        {"joint-meeting every \"2nd tuesday\" 25:00", "Usage: joint-meeting [every"},
        {"joint-meeting every \"2nd tuesday\" 10:00 Mars/Olympus",
         "\"Mars/Olympus\" is not a time zone"},
        {"joint-meeting every FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30 10:00",
         "never happens in the next two years"},
        {"joint-meeting every FREQ=MONTHLY;BYDAY=2TU;UNTIL=20200101T000000Z 10:00",
         "never happens"},
        {"joint-meeting every \"last sunday\" 02:30 Europe/Berlin",
         "02:30 does not exist in Europe/Berlin on 2027-03-28"},
        {"agenda x", "no upcoming joint meeting"},
        {"minutes", "no joint meeting waiting"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say("helen", c.text), ElementsAre(HasSubstr(c.expected)));
    }
    EXPECT_TRUE(MeetingTable(bot.store().db()).active_series().empty());
}

// `meet` reads its line, resolves the people, then plans: the two pure steps, without a bot.
const bot::Prompts& source_prompts() {
    static const auto p = bot::Prompts::load(core::source_dir() + "/prompts", "en");
    return *p;
}

TEST(MeetPlan, TheLineIsReadIntoPeopleDepartmentsAndKeywordsInBothLanguages) {
    struct Case {
        std::vector<std::string> words;
        std::vector<std::string> mentions;  // word, "?" after an optional one
        std::string department;             // of the last mention
        std::optional<std::string> duration, within;
        std::string after;
    };
    const std::vector<Case> cases = {
        {{"with", "@sam", "@mia", "duration", "45m"}, {"@sam", "@mia"}, "", "45m", {}, ""},
        {{"@sam", "optional", "@lee", "sales"}, {"@sam", "@lee?", "sales?"}, "sales", {}, {}, ""},
        {{"与", "@王芳", "可选", "市场部", "时长", "1小时", "范围", "2周"},
         {"@王芳", "市场部?"},
         "marketing",
         "1小时",
         "2周",
         ""},
        {{"with", "@sam", "after", "2026-11-04", "10:00", "within", "3"},
         {"@sam"},
         "",
         {},
         "3",
         "2026-11-04 10:00"},
        {{"@sam", "从", "2026-11-04", "@mia"}, {"@sam", "@mia"}, "", {}, {}, "2026-11-04"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c.words));
        bot::meetings::MeetLine line;
        bot::meetings::MeetProblem problem;
        ASSERT_TRUE(bot::meetings::read_meet_line(source_prompts(), c.words, line, problem))
            << problem.key;
        std::vector<std::string> mentions;
        for (const auto& m : line.mentions) mentions.push_back(m.word + (m.optional ? "?" : ""));
        EXPECT_EQ(mentions, c.mentions);
        EXPECT_EQ(line.mentions.back().department, c.department);
        EXPECT_EQ(line.duration, c.duration);
        EXPECT_EQ(line.within, c.within);
        EXPECT_EQ(line.after_text, c.after);
    }
}

TEST(MeetPlan, AKeywordWithoutItsValueIsAProblemNamingIt) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"@sam", "duration"}, "bad_duration"},
        {{"@sam", "范围"}, "bad_within"},
        {{"@sam", "after", "tomorrow"}, "bad_date"},
        {{"@sam", "从"}, "bad_date"},
    };
    for (const auto& [words, key] : cases) {
        SCOPED_TRACE(::testing::PrintToString(words));
        bot::meetings::MeetLine line;
        bot::meetings::MeetProblem problem;
        EXPECT_FALSE(bot::meetings::read_meet_line(source_prompts(), words, line, problem));
        EXPECT_EQ(problem.key, key);
    }
}

TEST(MeetPlan, ThePlanChecksEveryValueAndBuildsTheRequest) {
    std::vector<bot::Person> people(4);
    people[0].id = 1;  // the organiser, Berlin
    people[0].department = "hr";
    people[1].id = 2;
    people[1].department = "sales";
    people[2].id = 3;
    people[2].department = "sales";
    people[3].id = 4;
    people[3].department = "marketing";
    // Sunday 2026-11-01 12:00 UTC.
    const bot::meetings::MeetContext context{source_prompts(),     people, 1, "Europe/Berlin",
                                             utc(2026, 11, 1, 12), 30,     5};
    struct Case {
        const char* name;
        std::vector<std::string> words;
        std::string problem;  // empty: planned
        int duration;
        int within;
        std::size_t attendees;
    };
    const std::vector<Case> cases = {
        {"defaults", {"@two"}, "", 30, 5, 2},
        {"rounded to 15 minutes", {"@two", "duration", "50"}, "", 60, 5, 2},
        {"a department, optional", {"@two", "optional", "sales", "within", "2w"}, "", 30, 14, 3},
        {"too short", {"@two", "duration", "10m"}, "duration_range", 0, 0, 0},
        {"not a duration", {"@two", "duration", "soon"}, "bad_duration", 0, 0, 0},
        {"zero days", {"@two", "within", "0d"}, "within_range", 0, 0, 0},
        {"not days", {"@two", "within", "3h"}, "bad_within", 0, 0, 0},
        {"past", {"@two", "after", "2026-10-30"}, "date_past", 0, 0, 0},
        {"in the clock change", {"@two", "after", "2027-03-28", "02:30"}, "dst_gap", 0, 0, 0},
        {"too far", {"@two", "after", "2028-01-05"}, "after_too_far", 0, 0, 0},
        {"an empty department", {"@two", "management"}, "empty_department", 0, 0, 0},
        {"only the organiser", {"hr"}, "nobody", 0, 0, 0},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        bot::meetings::MeetLine line;
        bot::meetings::MeetProblem problem;
        ASSERT_TRUE(bot::meetings::read_meet_line(source_prompts(), c.words, line, problem));
        // The caller resolved "@two" to person 2.
        std::vector<const bot::Person*> resolved;
        for (const auto& m : line.mentions) {
            resolved.push_back(m.department.empty() ? &people[1] : nullptr);
        }
        const auto plan = bot::meetings::plan_meet("X", line, resolved, context);
        if (!c.problem.empty()) {
            EXPECT_FALSE(plan.request.has_value());
            EXPECT_EQ(plan.problem.key, c.problem);
            continue;
        }
        ASSERT_TRUE(plan.request.has_value()) << plan.problem.key;
        EXPECT_EQ(plan.request->duration, c.duration);
        EXPECT_EQ(plan.request->within_days, c.within);
        EXPECT_EQ(plan.request->attendees.size(), c.attendees);
        EXPECT_TRUE(plan.request->attendees.at(1));  // the organiser is required
    }
}

// The declared `meet` line's lists, without a bot: `with` and `optional` people and
// departments in both languages, `after`'s date and time, and a person written after it.
TEST(MeetPlan, DeclaredListsAreReadIntoPeopleDepartmentsAndTheStart) {
    bot::meetings::MeetWords words;
    words.with = "@sam marketing";
    words.optional = "@mia 销售部";
    words.duration = "45m";
    words.within = "3d";
    words.after = "2026-11-04 10:00 @lee";
    bot::meetings::MeetLine line;
    bot::meetings::MeetProblem problem;
    ASSERT_TRUE(bot::meetings::meet_line_of(source_prompts(), words, line, problem));
    ASSERT_EQ(line.mentions.size(), 5u);
    EXPECT_EQ(line.mentions[0].word, "@sam");
    EXPECT_FALSE(line.mentions[0].optional);
    EXPECT_EQ(line.mentions[1].department, "marketing");
    EXPECT_FALSE(line.mentions[1].optional);
    EXPECT_EQ(line.mentions[2].word, "@mia");
    EXPECT_TRUE(line.mentions[2].optional);
    EXPECT_EQ(line.mentions[3].department, "sales");
    EXPECT_TRUE(line.mentions[3].optional);
    EXPECT_EQ(line.mentions[4].word, "@lee");
    EXPECT_FALSE(line.mentions[4].optional);
    EXPECT_EQ(line.duration, std::optional<std::string>("45m"));
    EXPECT_EQ(line.within, std::optional<std::string>("3d"));
    EXPECT_EQ(line.after_day,
              (date::year_month_day{date::year(2026), date::November, date::day(4)}));
    EXPECT_EQ(line.after_minute, std::optional<int>(600));
    EXPECT_EQ(line.after_text, "2026-11-04 10:00");

    // A start without a time; a start that is no date is named.
    words.after = "2026-11-04";
    bot::meetings::MeetLine day_only;
    ASSERT_TRUE(bot::meetings::meet_line_of(source_prompts(), words, day_only, problem));
    EXPECT_FALSE(day_only.after_minute.has_value());
    words.after = "someday";
    bot::meetings::MeetLine bad;
    EXPECT_FALSE(bot::meetings::meet_line_of(source_prompts(), words, bad, problem));
    EXPECT_EQ(problem.key, "bad_date");
    EXPECT_EQ(problem.data, (nlohmann::json{{"text", "someday"}}));
}

// `joint-meeting`'s check, without a bot: the rule, its time, zone and duration, and the
// occurrences ahead; or the problem with its data.
TEST(JointPlan, ReadsTheRuleAndNamesEachProblem) {
    const std::int64_t now = 1793610000000;  // 2026-11-02 09:00 UTC
    auto ask = [&](std::vector<std::string> words) {
        bot::meetings::JointAsk a;
        a.words = std::move(words);
        a.company_zone = "Europe/Berlin";
        a.now_ms = now;
        a.default_duration = 60;
        a.look_ahead = 12;
        return bot::meetings::plan_joint_meeting(source_prompts(), a);
    };
    const auto plan = ask({"every", "2nd", "tuesday", "10:00", "Asia/Shanghai", "duration", "45m"});
    ASSERT_EQ(plan.problem, "");
    EXPECT_EQ(plan.spec, "2nd tuesday");
    EXPECT_EQ(plan.rrule, "FREQ=MONTHLY;BYDAY=2TU");
    EXPECT_EQ(plan.time, "10:00");
    EXPECT_EQ(plan.minute, 600);
    EXPECT_EQ(plan.zone, "Asia/Shanghai");
    EXPECT_EQ(plan.duration, 45);
    ASSERT_EQ(plan.next.size(), 12u);
    EXPECT_EQ(plan.next.front().local_date, "2026-11-10");
    // Chinese words, the company zone and the default duration.
    const auto zh = ask({"每月第二个周二", "10:00"});
    EXPECT_EQ(zh.rrule, "FREQ=MONTHLY;BYDAY=2TU");
    EXPECT_EQ(zh.zone, "Europe/Berlin");
    EXPECT_EQ(zh.duration, 60);

    EXPECT_EQ(ask({"every", "2nd", "tuesday"}).problem, "usage");
    EXPECT_EQ(ask({"10:00"}).problem, "usage");
    const auto rule = ask({"6th", "tuesday", "10:00"});
    EXPECT_EQ(rule.problem, "bad_rule");
    EXPECT_EQ(rule.data, (nlohmann::json{{"spec", "6th tuesday"}}));
    const auto zone = ask({"2nd", "tuesday", "10:00", "Mars/Olympus"});
    EXPECT_EQ(zone.problem, "unknown_zone");
    EXPECT_EQ(zone.data, (nlohmann::json{{"zone", "Mars/Olympus"}}));
    const auto longer = ask({"2nd", "tuesday", "10:00", "duration", "10h"});
    EXPECT_EQ(longer.problem, "duration_range");
    EXPECT_EQ(longer.data, (nlohmann::json{{"minutes", 600}, {"min", 15}, {"max", 480}}));
    EXPECT_EQ(ask({"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "10:00"}).problem, "rule_never");
    const auto gap = ask({"last", "sunday", "02:30"});
    EXPECT_EQ(gap.problem, "rule_dst_gap");
    EXPECT_EQ(gap.data, (nlohmann::json{
                            {"date", "2027-03-28"}, {"time", "02:30"}, {"zone", "Europe/Berlin"}}));
}

// meet is declared (bot/args.hpp): its title and attendees are required, and the bad
// values of its keywords are answered naming them, in the writer's language.
TEST_F(MeetingsTest, MeetAnswersBadLinesInBothLanguages) {
    struct Case {
        const char* who;
        const char* text;
        std::vector<const char*> expected;
    };
    const std::vector<Case> cases = {
        {"helen", "meet", {"meet needs \"TITLE\".", "Usage: meet \"TITLE\" with @PERSON ..."}},
        {"wang", "约会议", {"约会议需要\"标题\"。", "用法：约会议 \"标题\" 与 @某人 ..."}},
        {"helen", "meet \"X\"", {"meet needs with @PERSON ..."}},
        {"wang", "约会议 \"X\"", {"约会议需要与 @某人 ..."}},
        {"helen", "meet \"X\" with @sam duration", {"\"duration\" needs 60m after it."}},
        {"wang", "约会议 \"X\" 与 @sam 时长 很久", {"“很久”不是时长"}},
        {"helen", "meet \"X\" with @sam within soon", {"\"soon\" is not a number of days"}},
        {"wang", "约会议 \"X\" 与 @sam 范围 很久", {"“很久”不是天数"}},
        {"helen", "meet \"X\" with @sam after someday", {"\"someday\" is not a date"}},
        {"wang", "约会议 \"X\" 与 @sam 从 某天", {"“某天”不是日期"}},
        {"helen", "meet \"X\" with @sam room=5", {"\"room=\" is not an option of meet."}},
        {"wang", "约会议 \"X\" 与 @sam 房间=5", {"“房间=”不是约会议的选项。"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto r = bot.say(c.who, c.text);
        ASSERT_THAT(r, SizeIs(1));
        for (const char* e : c.expected) EXPECT_THAT(r[0], HasSubstr(e));
    }
    EXPECT_FALSE(MeetingTable(bot.store().db())
                     .proposal(bot.engine().directory().by_name_or_email("helen@example.com")->id)
                     .has_value());
}

// meet declares its `with`, `optional`, `duration`, `within` and `after` lists: a list
// without its words is named in the writer's language, `help` shows them all, and a good
// line in either language (the lists in any order) is planned.
TEST_F(MeetingsTest, MeetListsAreDeclaredInBothLanguages) {
    struct Case {
        const char* who;
        const char* text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"helen", "meet \"X\" with @sam optional", "\"optional\" needs @PERSON ... after it."},
        {"wang", "约会议 \"X\" 与 @sam 可选", "“可选”后面需要写上@某人 ..."},
        {"helen", "meet \"X\" with @sam after", "\"after\" needs YYYY-MM-DD [HH:MM] after it."},
        {"wang", "约会议 \"X\" 与 @sam 从", "“从”后面需要写上YYYY-MM-DD [HH:MM]"},
        {"helen", "meet \"X\" with @sam within", "\"within\" needs 5d after it."},
        {"wang", "约会议 \"X\" 与 @sam 范围", "“范围”后面需要写上5天"},
        {"helen", "meet \"X\" with", "\"with\" needs @PERSON ... [marketing] [sales] after it."},
        {"helen", "help meet",
         "meet \"TITLE\" with @PERSON ... [marketing] [sales] [optional @PERSON ...] [duration "
         "60m] [within 5d] [after YYYY-MM-DD [HH:MM]]"},
        {"wang", "帮助 约会议",
         "约会议 \"标题\" 与 @某人 ... [市场部] [销售部] [可选 @某人 ...] [时长 60分钟] [范围 5天] "
         "[从 YYYY-MM-DD [HH:MM]]"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_THAT(bot.say(c.who, c.text), ElementsAre(HasSubstr(c.expected)));
    }
    // The lists in another order, the optional one first.
    const auto r = bot.say("helen", "meet \"Sync\" optional @mia within 2d with @sam duration 60m");
    ASSERT_THAT(r, SizeIs(1));
    EXPECT_THAT(r[0], HasSubstr("Best slots for \"Sync\" (60 minutes"));
    const auto zh =
        bot.say("wang", "约会议 \"周会\" 与 @sam 市场部 时长 30分钟 从 2026-11-04 10:00");
    ASSERT_THAT(zh, SizeIs(1));
    EXPECT_THAT(zh[0], HasSubstr("周会"));
    EXPECT_THAT(bot.say("sam", "calendar import a.ics b.ics"),
                ElementsAre(HasSubstr("I did not expect \"b.ics\" here.")));
    EXPECT_THAT(bot.say("wang", "导入日历"), ElementsAre(HasSubstr("导入日历需要文件|URL。")));
    EXPECT_THAT(bot.say("helen", "help joint-meeting"),
                ElementsAre(HasSubstr("joint-meeting [every \"2nd tuesday\" 10:00 [ZONE] "
                                      "[duration 60m] | cancel]")));
}

// book and meeting cancel are declared (bot/args.hpp): a word that is not a number is
// answered by the parser, naming it, in the writer's language.
TEST_F(MeetingsTest, BookAndCancelNameAWordThatIsNotANumberInBothLanguages) {
    struct Case {
        const char* who;
        const char* text;
        std::vector<const char*> expected;
    };
    const std::vector<Case> cases = {
        {"helen", "book x", {"\"x\" is not a number", "Usage: book N"}},
        {"wang", "预订 x", {"“x”不是编号", "用法：预订 N"}},
        {"helen", "book 0", {"\"0\" is not a number"}},
        {"wang", "预订 0", {"“0”不是编号"}},
        {"helen", "book", {"book needs N."}},
        {"wang", "预订", {"预订需要N。"}},
        {"helen", "meeting cancel abc", {"\"abc\" is not a number", "Usage: meeting cancel ID"}},
        {"wang", "取消会议 abc", {"“abc”不是编号", "用法：取消会议 编号"}},
        {"helen", "meeting cancel 1 2", {"I did not expect \"2\" here."}},
        {"wang", "取消会议 1 2", {"这里不该有“2”"}},
        // A number that is not one of the slots is the command's to answer.
        {"helen", "book 99999999999999", {"no proposed slots"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto r = bot.say(c.who, c.text);
        ASSERT_THAT(r, SizeIs(1));
        for (const char* e : c.expected) EXPECT_THAT(r[0], HasSubstr(e));
    }
}

}  // namespace
}  // namespace twintrack::testing
