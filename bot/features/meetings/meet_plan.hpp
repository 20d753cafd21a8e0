#pragma once
// `meet` in three steps: read the line (read_meet_line, pure), resolve the @people it
// names (the handler, through the Turn: did you mean, which one), then check everything
// and build the request (plan_meet, pure); the handler proposes slots or answers the
// problem. The pure steps are unit-tested without a bot (tests/features/meetings_test.cpp).

#include <date/date.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/directory.hpp"
#include "bot/features/meetings/ical.hpp"
#include "bot/prompts.hpp"
#include "core/clock.hpp"

namespace twintrack::bot::meetings {

inline constexpr int min_duration = 15;
inline constexpr int max_duration = 8 * 60;
inline constexpr int max_within_days = 28;
inline constexpr int max_after_days = 366;
inline constexpr std::size_t max_attendees = 100;
inline constexpr std::size_t max_title_chars = 200;

/// True for 1 to 6 ASCII digits.
bool all_digits(const std::string& s);
/// "45m", "45min", "1h", "1h30m", "90" (minutes), "45分钟", "1小时": a number alone is
/// minutes, else the duration reader of declared arguments (bot/args.hpp; the unit words
/// are `core.words.unit_*` of every locale).
std::optional<int> parse_minutes(const Prompts& prompts, const std::string& s);
/// "5d", "5", "2w", "5天", "2周": a number alone is days, else a duration of whole days.
std::optional<int> parse_days(const Prompts& prompts, const std::string& s);
/// A strict YYYY-MM-DD.
std::optional<date::year_month_day> parse_date(const std::string& text);
/// "HH:MM" (24 h) as minutes after midnight.
std::optional<int> parse_time(const std::string& t);

/// What `meet` asks for: a title, how long, within how many days from when, and who
/// (person id -> required).
struct Request {
    std::string title;
    int duration = 30;
    int within_days = 5;
    std::optional<std::int64_t> after;
    std::map<std::int64_t, bool> attendees;  ///< person -> required
};

/// Why a `meet` line cannot be planned: a prompt key under `meetings.` and its data.
struct MeetProblem {
    std::string key;
    nlohmann::json data = nlohmann::json::object();
};

/// The words of a `meet` line after its title, sorted: the people and departments named
/// (after `with`, or after `optional` for optional ones), and the values written after
/// `duration`, `within` and `after` (its date and, when one follows, its HH:MM).
struct MeetLine {
    struct Mention {
        std::string word;        ///< @someone, or a department word
        std::string department;  ///< marketing, sales, hr, management; empty for a person
        bool optional = false;
    };
    std::vector<Mention> mentions;
    std::optional<std::string> duration;
    std::optional<std::string> within;
    std::optional<date::year_month_day> after_day;
    std::optional<int> after_minute;
    std::string after_text;  ///< the date (and time) as written, for answers
};

/// Reads the words after the title (`meetings.words.*` of every locale). False, with
/// `problem` set, when a keyword has no value or `after` is not followed by a date.
bool read_meet_line(const Prompts& prompts, const std::vector<std::string>& words, MeetLine& out,
                    MeetProblem& problem);

/// The values of a declared `meet` line (bot/args.hpp): the words of its `with` and
/// `optional` lists, and what follows `duration`, `within` and `after`.
struct MeetWords {
    std::string with;
    std::string optional;
    std::optional<std::string> duration;
    std::optional<std::string> within;
    std::optional<std::string> after;  ///< YYYY-MM-DD [HH:MM]
};

/// The line of a declared `meet`: people and departments of both lists, and `after`'s
/// date and time (a word after them is one more person). False, with `problem` set,
/// when `after` does not begin with a date.
bool meet_line_of(const Prompts& prompts, const MeetWords& words, MeetLine& out,
                  MeetProblem& problem);

/// What plan_meet needs besides the line: who organises, the people by id (the
/// directory), the organiser's zone, the time, and the defaults.
struct MeetContext {
    const Prompts& prompts;
    const std::vector<Person>& people;
    std::int64_t organiser_id = 0;
    std::string zone;
    core::Timestamp now;
    int default_duration = 30;
    int default_within_days = 5;
};

/// The request of a `meet` line whose people the caller resolved (`people`: the person
/// each person mention names, null for department mentions, in the order of
/// `line.mentions`), or the problem to answer: a duration, period or start out of range
/// or unreadable, a start in the past, in a clock change or too far ahead, a department
/// without people, nobody but the organiser, too many people.
struct MeetPlan {
    std::optional<Request> request;
    MeetProblem problem;
};
MeetPlan plan_meet(const std::string& title, const MeetLine& line,
                   const std::vector<const Person*>& people, const MeetContext& context);

/// The words of a `joint-meeting` line that sets the meeting up: the rule and its time
/// (`every "2nd tuesday" 10:00 [ZONE] [duration 60m]`; an RRULE such as
/// FREQ=MONTHLY;BYDAY=2TU is a word of the rule).
struct JointAsk {
    std::vector<std::string> words;
    std::string company_zone;
    std::int64_t now_ms = 0;
    int default_duration = 60;
    int look_ahead = 12;  ///< how many occurrences are checked for a clock change
};

/// A joint meeting's series, or the problem to answer: `usage` (no rule or no time), or a
/// prompt key under `meetings.` (duration_range, unknown_zone, bad_rule, rule_never,
/// rule_dst_gap) and its data.
struct JointPlan {
    std::string problem;
    nlohmann::json data = nlohmann::json::object();
    std::string spec;  ///< the rule as written
    std::string rrule;
    std::string time;  ///< HH:MM as written
    int minute = 0;
    std::string zone;
    int duration = 60;
    std::vector<Occurrence> next;  ///< the next ones, the first to plan now
};
JointPlan plan_joint_meeting(const Prompts& prompts, const JointAsk& ask);

}  // namespace twintrack::bot::meetings
