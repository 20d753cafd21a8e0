#include "bot/features/meetings/ical.hpp"

#include <date/tz.h>
#include <libical/ical.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <set>

#include "bot/directory.hpp"
#include "bot/local_time.hpp"
#include "core/text.hpp"

namespace twintrack::bot::meetings {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

struct ComponentDeleter {
    void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using Component = std::unique_ptr<icalcomponent, ComponentDeleter>;

std::string ical_string(icalcomponent* c) {
    char* s = icalcomponent_as_ical_string_r(c);
    std::string out = s ? s : "";
    free(s);  // NOLINT: allocated by libical
    return out;
}

template <class Duration>
std::int64_t ms_of(date::sys_time<Duration> t) {
    return std::chrono::time_point_cast<milliseconds>(t).time_since_epoch().count();
}

date::local_seconds local_of(const icaltimetype& t) {
    const date::local_days day{date::year{t.year} / static_cast<unsigned>(t.month) /
                               static_cast<unsigned>(t.day)};
    if (t.is_date) return date::local_seconds(day);
    return day + std::chrono::hours(t.hour) + std::chrono::minutes(t.minute) + seconds(t.second);
}

/// How to turn a DTSTART/DTEND/RECURRENCE-ID value into an instant.
struct TimeReader {
    icalcomponent* calendar;
    const date::time_zone* fallback;
    std::set<std::string>* unknown;

    /// The instant of `t` read with the TZID of `prop` (if any); nothing for an unknown zone.
    std::optional<std::int64_t> instant(const icaltimetype& t, icalproperty* prop) const {
        if (icaltime_is_null_time(t)) return std::nullopt;
        if (icaltime_is_utc(t)) {
            return ms_of(date::sys_seconds(local_of(t).time_since_epoch()));
        }
        const char* tzid = nullptr;
        if (prop) {
            if (icalparameter* p = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER)) {
                tzid = icalparameter_get_tzid(p);
            }
        }
        const date::time_zone* tz = fallback;
        if (tzid && *tzid) {
            std::string name = tzid;
            if (!name.empty() && name.front() == '/') name.erase(0, 1);  // "/Europe/Berlin"
            if (valid_timezone(name)) {
                tz = date::locate_zone(name);
            } else if (icaltimezone* z = icalcomponent_get_timezone(calendar, tzid)) {
                icaltimetype copy = t;
                return static_cast<std::int64_t>(icaltime_as_timet_with_zone(copy, z)) * 1000;
            } else {
                unknown->insert(tzid);
                return std::nullopt;
            }
        }
        return ms_of(tz->to_sys(local_of(t), date::choose::earliest));
    }
};

icalproperty* first(icalcomponent* c, icalproperty_kind kind) {
    return icalcomponent_get_first_property(c, kind);
}

/// A floating local time (no zone) as libical wants for RRULE expansion.
icaltimetype floating(date::local_seconds t, bool is_date) {
    const auto day = date::floor<date::days>(t);
    const date::year_month_day ymd{day};
    const date::hh_mm_ss<seconds> hms{t - day};
    icaltimetype out = icaltime_null_time();
    out.year = static_cast<int>(ymd.year());
    out.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
    out.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
    out.is_date = is_date ? 1 : 0;
    if (!is_date) {
        out.hour = static_cast<int>(hms.hours().count());
        out.minute = static_cast<int>(hms.minutes().count());
        out.second = static_cast<int>(hms.seconds().count());
    }
    return out;
}

/// The rule with UNTIL clamped to `limit` (local) so that expansion always ends.
icalrecurrencetype bounded(icalrecurrencetype rule, date::local_seconds limit) {
    if (rule.count == 0) {
        const icaltimetype cap = floating(limit, false);
        if (icaltime_is_null_time(rule.until) || icaltime_compare(rule.until, cap) > 0) {
            rule.until = cap;
        }
    }
    return rule;
}

// Reads the VEVENTs of one calendar into busy times within [from, until).
class EventReader {
  public:
    EventReader(icalcomponent* calendar, const TimeReader& reader, std::int64_t from,
                std::int64_t until, ParsedCalendar& out)
        : calendar_(calendar), reader_(reader), from_(from), until_(until), out_(out) {}

    void read_all() {
        collect_overrides();
        for (icalcomponent* ev =
                 icalcomponent_get_first_component(calendar_, ICAL_VEVENT_COMPONENT);
             ev; ev = icalcomponent_get_next_component(calendar_, ICAL_VEVENT_COMPONENT)) {
            ++out_.events;
            if (!read_event(ev)) ++out_.skipped;
        }
    }

  private:
    // Occurrences moved or changed by another VEVENT (RECURRENCE-ID) are not expanded.
    void collect_overrides() {
        for (icalcomponent* ev =
                 icalcomponent_get_first_component(calendar_, ICAL_VEVENT_COMPONENT);
             ev; ev = icalcomponent_get_next_component(calendar_, ICAL_VEVENT_COMPONENT)) {
            icalproperty* rid = first(ev, ICAL_RECURRENCEID_PROPERTY);
            const char* uid = icalcomponent_get_uid(ev);
            if (!rid || !uid) continue;
            if (auto at = reader_.instant(icalproperty_get_recurrenceid(rid), rid)) {
                overridden_[uid].insert(*at);
            }
        }
    }

    void add(std::int64_t s, std::int64_t e, const std::string& summary) {
        if (e <= from_ || s >= until_ || e <= s) return;
        out_.busy.push_back({std::max(s, from_), std::min(e, until_), summary});
    }

    // The length: DTEND, else DURATION, else one day for a date and none for a time;
    // nothing when DTEND cannot be read.
    std::optional<std::int64_t> length_of(icalcomponent* ev, const icaltimetype& start_t,
                                          std::int64_t start) const {
        std::int64_t length = start_t.is_date ? day_ms : 0;
        if (icalproperty* dtend = first(ev, ICAL_DTEND_PROPERTY)) {
            const auto end = reader_.instant(icalproperty_get_dtend(dtend), dtend);
            if (!end) return std::nullopt;
            length = *end - start;
        } else if (icalproperty* dur = first(ev, ICAL_DURATION_PROPERTY)) {
            length =
                static_cast<std::int64_t>(icaldurationtype_as_int(icalproperty_get_duration(dur))) *
                1000;
        }
        return length;
    }

    // One VEVENT; false when it is skipped (cancelled, transparent, unreadable, cut short).
    bool read_event(icalcomponent* ev) {
        icalproperty* dtstart = first(ev, ICAL_DTSTART_PROPERTY);
        icalproperty* transp = first(ev, ICAL_TRANSP_PROPERTY);
        if (!dtstart || icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED ||
            (transp && icalproperty_get_transp(transp) == ICAL_TRANSP_TRANSPARENT)) {
            return false;
        }
        const icaltimetype start_t = icalproperty_get_dtstart(dtstart);
        const auto start = reader_.instant(start_t, dtstart);
        if (!start) return false;
        const auto length = length_of(ev, start_t, *start);
        if (!length || *length <= 0) return false;
        const char* summary_c = icalcomponent_get_summary(ev);
        const std::string summary = summary_c ? summary_c : "";
        icalproperty* rrule = first(ev, ICAL_RRULE_PROPERTY);
        if (!rrule || first(ev, ICAL_RECURRENCEID_PROPERTY)) {
            add(*start, *start + *length, summary);
            return true;
        }
        return expand(ev, dtstart, rrule, start_t, *length, summary);
    }

    // EXDATEs and overridden occurrences of `ev`.
    std::set<std::int64_t> excluded_of(icalcomponent* ev) {
        std::set<std::int64_t> excluded;
        for (icalproperty* ex = first(ev, ICAL_EXDATE_PROPERTY); ex;
             ex = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
            if (auto at = reader_.instant(icalproperty_get_exdate(ex), ex)) excluded.insert(*at);
        }
        const char* uid = icalcomponent_get_uid(ev);
        if (uid && overridden_.count(uid)) {
            excluded.insert(overridden_[uid].begin(), overridden_[uid].end());
        }
        return excluded;
    }

    // A recurring event, expanded in its own local time (so 10:00 stays 10:00 across DST)
    // up to the horizon; EXDATEs and overridden occurrences are left out.
    bool expand(icalcomponent* ev, icalproperty* dtstart, icalproperty* rrule,
                const icaltimetype& start_t, std::int64_t length, const std::string& summary) {
        const std::set<std::int64_t> excluded = excluded_of(ev);
        icaltimetype base = start_t;
        if (icaltime_is_utc(start_t)) {
            base = floating(date::local_seconds(local_of(start_t).time_since_epoch()),
                            start_t.is_date);
        } else {
            base = floating(local_of(start_t), start_t.is_date);
        }
        // The limit in the event's local terms: `until` plus a day covers any offset.
        const auto limit = date::local_seconds(
            std::chrono::duration_cast<seconds>(milliseconds(until_ + 2 * day_ms)));
        icalrecur_iterator* it =
            icalrecur_iterator_new(bounded(icalproperty_get_rrule(rrule), limit), base);
        if (!it) return false;
        // A long-running rule (no COUNT) starts where the horizon starts.
        const icalrecurrencetype r = icalproperty_get_rrule(rrule);
        const auto base_local = local_of(base);
        const auto from_local =
            date::floor<date::days>(date::local_seconds(
                std::chrono::duration_cast<seconds>(milliseconds(from_ - 2 * day_ms)))) +
            (base_local - date::floor<date::days>(base_local));
        if (r.count == 0 && from_local > base_local) {
            icalrecur_iterator_set_start(it, floating(from_local, start_t.is_date));
        }
        const bool whole = occurrences(it, dtstart, start_t, length, summary, excluded);
        icalrecur_iterator_free(it);
        return whole;
    }

    // The occurrences `it` gives, up to `until`; false when the budget ran out first.
    bool occurrences(icalrecur_iterator* it, icalproperty* dtstart, const icaltimetype& start_t,
                     std::int64_t length, const std::string& summary,
                     const std::set<std::int64_t>& excluded) {
        const std::int64_t offset_guard = 100000;  // occurrences at most, per event
        std::int64_t n = 0;
        for (icaltimetype t = icalrecur_iterator_next(it);
             !icaltime_is_null_time(t) && n < offset_guard; t = icalrecur_iterator_next(it), ++n) {
            if (budget_-- <= 0) return false;  // the rest of this rule is not read: say so
            std::optional<std::int64_t> at;
            if (icaltime_is_utc(start_t)) {
                at = ms_of(date::sys_seconds(local_of(t).time_since_epoch()));
            } else {
                at = reader_.instant(t, dtstart);
            }
            if (!at || *at >= until_) break;
            if (excluded.count(*at)) continue;
            add(*at, *at + length, summary);
        }
        return true;
    }

    icalcomponent* calendar_;
    const TimeReader& reader_;
    std::int64_t from_;
    std::int64_t until_;
    ParsedCalendar& out_;
    std::map<std::string, std::set<std::int64_t>> overridden_;
    // Occurrences looked at in the whole file: a rule with a COUNT cannot be started at the
    // horizon, so many such rules from centuries ago would otherwise keep the engine busy
    // for minutes (found by fuzz/ical_fuzz.cpp). Events cut short count as skipped.
    std::int64_t budget_ = 50000;
};

}  // namespace

ParsedCalendar parse_calendar(const std::string& text, std::int64_t from, std::int64_t until,
                              const std::string& zone) {
    ParsedCalendar out;
    icalerror_set_errors_are_fatal(0);
    Component root(icalparser_parse_string(text.c_str()));
    if (!root) return out;
    icalcomponent* calendar = root.get();
    if (icalcomponent_isa(calendar) != ICAL_VCALENDAR_COMPONENT) {
        if (icalcomponent_isa(calendar) != ICAL_XROOT_COMPONENT) return out;
        calendar = icalcomponent_get_first_component(calendar, ICAL_VCALENDAR_COMPONENT);
        if (!calendar) return out;
    }
    out.ok = true;
    std::set<std::string> unknown;
    const TimeReader reader{calendar, zone_or_utc(zone), &unknown};
    EventReader(calendar, reader, from, until, out).read_all();
    out.unknown_zones.assign(unknown.begin(), unknown.end());
    std::sort(out.busy.begin(), out.busy.end(),
              [](const BusyTime& a, const BusyTime& b) { return a.start < b.start; });
    return out;
}

namespace {

icaltimetype utc_time(std::int64_t ms) {
    return icaltime_from_timet_with_zone(static_cast<time_t>(ms / 1000), 0,
                                         icaltimezone_get_utc_timezone());
}

icalproperty* person_property(icalproperty* prop, const IcsPerson& p) {
    if (!p.name.empty()) icalproperty_add_parameter(prop, icalparameter_new_cn(p.name.c_str()));
    return prop;
}

/// A VEVENT; a published feed carries no ATTENDEEs (RFC 5546, PUBLISH).
icalcomponent* vevent(const IcsEvent& e, std::int64_t now, bool attendees) {
    icalcomponent* ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    icalcomponent_add_property(ev, icalproperty_new_uid(e.uid.c_str()));
    icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(now)));
    icalcomponent_add_property(ev, icalproperty_new_dtstart(utc_time(e.start)));
    icalcomponent_add_property(ev, icalproperty_new_dtend(utc_time(e.end)));
    icalcomponent_add_property(ev, icalproperty_new_summary(e.title.c_str()));
    if (!e.description.empty()) {
        icalcomponent_add_property(ev, icalproperty_new_description(e.description.c_str()));
    }
    icalcomponent_add_property(ev, icalproperty_new_sequence(e.sequence));
    if (e.created) icalcomponent_add_property(ev, icalproperty_new_created(utc_time(e.created)));
    if (e.updated) {
        icalcomponent_add_property(ev, icalproperty_new_lastmodified(utc_time(e.updated)));
    }
    icalcomponent_add_property(
        ev, icalproperty_new_status(e.cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    const std::string organizer = "mailto:" + e.organizer.email;
    icalcomponent_add_property(
        ev, person_property(icalproperty_new_organizer(organizer.c_str()), e.organizer));
    for (const auto& a : e.attendees) {
        if (!attendees) break;
        const std::string mail = "mailto:" + a.person.email;
        icalproperty* prop = person_property(icalproperty_new_attendee(mail.c_str()), a.person);
        icalproperty_add_parameter(prop,
                                   icalparameter_new_role(a.required ? ICAL_ROLE_REQPARTICIPANT
                                                                     : ICAL_ROLE_OPTPARTICIPANT));
        icalcomponent_add_property(ev, prop);
    }
    return ev;
}

icalcomponent* vcalendar(icalproperty_method method) {
    icalcomponent* cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    icalcomponent_add_property(cal, icalproperty_new_prodid("-//TwinTrack//Meetings//EN"));
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(cal, icalproperty_new_method(method));
    return cal;
}

/// The recurrence words of every locale (`meetings.words.*`), lower case.
struct RecurrenceWords {
    std::vector<std::string> every;    ///< before a weekday: weekly ("every", "每")
    std::vector<std::string> monthly;  ///< before an ordinal: monthly ("每月")
    std::vector<std::pair<std::string, std::string>> days;      ///< word, RRULE day code
    std::vector<std::pair<std::string, std::string>> ordinals;  ///< word, position
};

RecurrenceWords recurrence_words(const Prompts& prompts) {
    auto words = [&](const std::string& key) {
        std::vector<std::string> out;
        for (auto w : prompts.words_all_locales("meetings.words." + key)) {
            w = core::ascii_lower(w);
            w.erase(std::remove(w.begin(), w.end(), ' '), w.end());
            if (!w.empty()) out.push_back(std::move(w));
        }
        return out;
    };
    RecurrenceWords r;
    r.every = words("recur_every");
    r.monthly = words("recur_monthly");
    for (const char* code : {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}) {
        for (auto& w : words("day_" + core::ascii_lower(code))) r.days.emplace_back(w, code);
    }
    for (const char* n : {"1", "2", "3", "4", "5"}) {
        for (auto& w : words(std::string("ordinal_") + n)) r.ordinals.emplace_back(w, n);
    }
    for (auto& w : words("ordinal_last")) r.ordinals.emplace_back(w, "-1");
    return r;
}

/// "every monday", "每周二" (weekly), "2nd tuesday", "每月第二个星期二", "最后一个周五"
/// (monthly) as an RRULE, read with the words of every locale; empty when the text is
/// none of these. Spaces do not matter.
std::string spoken_rule(const std::string& spec, const RecurrenceWords& words) {
    std::string s = core::ascii_lower(spec);
    s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
    auto day_of = [&](const std::string& rest) -> std::string {
        for (const auto& [word, code] : words.days) {
            if (rest == word) return code;
        }
        return "";
    };
    auto monthly = [&](const std::string& rest) -> std::string {
        for (const auto& [word, n] : words.ordinals) {
            if (rest.compare(0, word.size(), word) != 0) continue;
            const std::string day = day_of(rest.substr(word.size()));
            if (!day.empty()) return "FREQ=MONTHLY;BYDAY=" + n + day;
        }
        return "";
    };
    // Without a leading word, after "every" (weekly, or monthly with an ordinal), or after
    // a monthly word (an ordinal must follow).
    std::vector<std::pair<std::string, bool>> starts = {{s, true}};
    for (const auto& w : words.every) {
        if (s.compare(0, w.size(), w) == 0) starts.emplace_back(s.substr(w.size()), true);
    }
    for (const auto& w : words.monthly) {
        if (s.compare(0, w.size(), w) == 0) starts.emplace_back(s.substr(w.size()), false);
    }
    for (const auto& [rest, weekly_allowed] : starts) {
        if (weekly_allowed) {
            const std::string day = day_of(rest);
            if (!day.empty()) return "FREQ=WEEKLY;BYDAY=" + day;
        }
        const std::string rule = monthly(rest);
        if (!rule.empty()) return rule;
    }
    return "";
}

}  // namespace

std::string event_ics(const IcsEvent& event, std::int64_t now) {
    Component cal(vcalendar(event.cancelled ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST));
    icalcomponent_add_component(cal.get(), vevent(event, now, true));
    return ical_string(cal.get());
}

std::string calendar_ics(const std::string& name, const std::vector<IcsEvent>& events,
                         std::int64_t now) {
    Component cal(vcalendar(ICAL_METHOD_PUBLISH));
    icalproperty* x = icalproperty_new_x(name.c_str());
    icalproperty_set_x_name(x, "X-WR-CALNAME");
    icalcomponent_add_property(cal.get(), x);
    for (const auto& e : events) icalcomponent_add_component(cal.get(), vevent(e, now, false));
    return ical_string(cal.get());
}

std::optional<std::string> rrule_of(const std::string& spec_in, const Prompts& prompts) {
    const std::string spec = core::ascii_lower(spec_in);
    std::string rule;
    if (spec.rfind("freq=", 0) == 0) {
        rule = spec_in;
        for (auto& c : rule) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else {
        rule = spoken_rule(spec_in, recurrence_words(prompts));
        if (rule.empty()) return std::nullopt;
    }
    icalerror_set_errors_are_fatal(0);
    const icalrecurrencetype r = icalrecurrencetype_from_string(rule.c_str());
    icalerror_clear_errno();
    if (r.freq == ICAL_NO_RECURRENCE) return std::nullopt;
    // "the 9th-last Friday" of a month never comes, and libical searches for it for
    // seconds (found by fuzz/ical_fuzz.cpp): an ordinal must fit its period.
    const int most = r.freq == ICAL_MONTHLY_RECURRENCE  ? 5
                     : r.freq == ICAL_YEARLY_RECURRENCE ? 53
                                                        : 0;
    for (int i = 0; i < ICAL_BY_DAY_SIZE && r.by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; ++i) {
        const int position = icalrecurrencetype_day_position(r.by_day[i]);
        if (position > most || position < -most) return std::nullopt;
    }
    return rule;
}

std::vector<Occurrence> occurrences(const std::string& rrule, int local_minute,
                                    const std::string& zone, std::int64_t after, int limit,
                                    int horizon_days) {
    std::vector<Occurrence> out;
    icalerror_set_errors_are_fatal(0);
    icalrecurrencetype rule = icalrecurrencetype_from_string(rrule.c_str());
    icalerror_clear_errno();
    if (rule.freq == ICAL_NO_RECURRENCE) return out;
    const auto* tz = zone_or_utc(zone);
    const auto now_local = tz->to_local(date::sys_time<milliseconds>(milliseconds(after)));
    // DTSTART: today at the meeting time; a rule anchored there gives the dates after it.
    const auto today = date::floor<date::days>(now_local);
    const auto start = date::local_seconds(today) + std::chrono::minutes(local_minute);
    const auto limit_local = date::local_seconds(today) + date::days(horizon_days);
    icalrecur_iterator* it =
        icalrecur_iterator_new(bounded(rule, limit_local), floating(start, false));
    if (!it) return out;
    for (icaltimetype t = icalrecur_iterator_next(it);
         !icaltime_is_null_time(t) && static_cast<int>(out.size()) < limit;
         t = icalrecur_iterator_next(it)) {
        const auto local = local_of(t);
        if (local > limit_local) break;
        const auto info = tz->get_info(local);
        Occurrence o;
        o.in_gap = info.result == date::local_info::nonexistent;
        o.start = ms_of(tz->to_sys(local, date::choose::earliest));
        o.local_date = date::format("%F", date::floor<date::days>(local));
        if (o.start <= after) continue;
        out.push_back(o);
    }
    icalrecur_iterator_free(it);
    return out;
}

}  // namespace twintrack::bot::meetings
