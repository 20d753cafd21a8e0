#include "bot/features/meetings/meet_plan.hpp"

#include <date/tz.h>

#include <algorithm>

#include "bot/args.hpp"
#include "bot/local_time.hpp"
#include "core/text.hpp"

namespace twintrack::bot::meetings {
namespace {

constexpr std::int64_t day_ms = 24 * 60 * 60 * 1000;

bool is_word(const Prompts& prompts, const std::string& name, const std::string& word) {
    return prompts.is_word("meetings.words." + name, word);
}

std::string clip(const std::string& s) { return std::string(core::utf8_prefix(s, 40)); }

std::int64_t to_ms(date::sys_time<std::chrono::seconds> t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

MeetPlan refused(std::string key, nlohmann::json data = nlohmann::json::object()) {
    MeetPlan plan;
    plan.problem = {std::move(key), std::move(data)};
    return plan;
}

}  // namespace

bool all_digits(const std::string& s) {
    return !s.empty() && s.size() <= 6 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int> parse_minutes(const Prompts& prompts, const std::string& s) {
    if (all_digits(s)) return s.size() <= 6 ? std::optional<int>(std::stoi(s)) : std::nullopt;
    return read_duration(prompts, s);
}

std::optional<int> parse_days(const Prompts& prompts, const std::string& s) {
    if (all_digits(s)) return s.size() <= 6 ? std::optional<int>(std::stoi(s)) : std::nullopt;
    const auto minutes = read_duration(prompts, s);
    if (!minutes || *minutes % (24 * 60) != 0) return std::nullopt;
    return *minutes / (24 * 60);
}

std::optional<date::year_month_day> parse_date(const std::string& text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
    }
    const date::year_month_day ymd{date::year(std::stoi(text.substr(0, 4))),
                                   date::month(static_cast<unsigned>(std::stoi(text.substr(5, 2)))),
                                   date::day(static_cast<unsigned>(std::stoi(text.substr(8, 2))))};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

std::optional<int> parse_time(const std::string& t) {
    if (t.size() != 5 || t[2] != ':') return std::nullopt;
    for (std::size_t i : {0, 1, 3, 4}) {
        if (t[i] < '0' || t[i] > '9') return std::nullopt;
    }
    const int h = std::stoi(t.substr(0, 2));
    const int m = std::stoi(t.substr(3, 2));
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
}

bool read_meet_line(const Prompts& prompts, const std::vector<std::string>& words, MeetLine& out,
                    MeetProblem& problem) {
    bool optional = false;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& w = words[i];
        const bool has_next = i + 1 < words.size();
        const std::string next = has_next ? words[i + 1] : std::string();
        if (is_word(prompts, "with", w)) {
            optional = false;
        } else if (is_word(prompts, "optional", w)) {
            optional = true;
        } else if (is_word(prompts, "duration", w)) {
            if (!has_next) {
                problem = {"bad_duration", {{"text", ""}}};
                return false;
            }
            out.duration = words[++i];
        } else if (is_word(prompts, "within", w)) {
            if (!has_next) {
                problem = {"bad_within", {{"text", ""}}};
                return false;
            }
            out.within = words[++i];
        } else if (is_word(prompts, "after", w)) {
            const auto day = has_next ? parse_date(next) : std::nullopt;
            if (!day) {
                problem = {"bad_date", {{"text", clip(next)}}};
                return false;
            }
            out.after_day = day;
            out.after_text = words[++i];
            out.after_minute.reset();
            if (i + 1 < words.size()) {
                if (auto t = parse_time(words[i + 1])) {
                    out.after_minute = *t;
                    out.after_text += " " + words[++i];
                }
            }
        } else {
            MeetLine::Mention m{w, "", optional};
            for (const auto& d : departments()) {
                if (is_word(prompts, "dept_" + d, w)) m.department = d;
            }
            out.mentions.push_back(std::move(m));
        }
    }
    return true;
}

bool meet_line_of(const Prompts& prompts, const MeetWords& words, MeetLine& out,
                  MeetProblem& problem) {
    auto mention = [&](const std::string& w, bool optional) {
        MeetLine::Mention m{w, "", optional};
        for (const auto& d : departments()) {
            if (is_word(prompts, "dept_" + d, w)) m.department = d;
        }
        out.mentions.push_back(std::move(m));
    };
    for (const auto& w : core::split_words(words.with)) mention(w, false);
    for (const auto& w : core::split_words(words.optional)) mention(w, true);
    out.duration = words.duration;
    out.within = words.within;
    if (words.after) {
        const auto after = core::split_words(*words.after);
        const auto day = after.empty() ? std::nullopt : parse_date(after[0]);
        if (!day) {
            problem = {"bad_date", {{"text", clip(after.empty() ? std::string() : after[0])}}};
            return false;
        }
        out.after_day = day;
        out.after_text = after[0];
        std::size_t i = 1;
        if (after.size() > 1) {
            if (auto t = parse_time(after[1])) {
                out.after_minute = *t;
                out.after_text += " " + after[1];
                i = 2;
            }
        }
        // Anyone named after the start is still invited (`after 2026-12-01 @lee`).
        for (; i < after.size(); ++i) mention(after[i], false);
    }
    return true;
}

MeetPlan plan_meet(const std::string& title, const MeetLine& line,
                   const std::vector<const Person*>& people, const MeetContext& c) {
    Request r;
    r.title = title;
    r.duration = c.default_duration;
    r.within_days = c.default_within_days;
    r.attendees[c.organiser_id] = true;
    if (line.duration) {
        const auto m = parse_minutes(c.prompts, *line.duration);
        if (!m) return refused("bad_duration", {{"text", clip(*line.duration)}});
        if (*m < min_duration || *m > max_duration) {
            return refused("duration_range",
                           {{"minutes", *m}, {"min", min_duration}, {"max", max_duration}});
        }
        r.duration = ((*m + 14) / 15) * 15;
    }
    if (line.within) {
        const auto d = parse_days(c.prompts, *line.within);
        if (!d) return refused("bad_within", {{"text", clip(*line.within)}});
        if (*d < 1 || *d > max_within_days) {
            return refused("within_range", {{"days", *d}, {"max", max_within_days}});
        }
        r.within_days = *d;
    }
    if (line.after_day) {
        const int minute = line.after_minute.value_or(0);
        const auto* tz = zone_or_utc(c.zone);
        const auto local = date::local_days{*line.after_day} + std::chrono::minutes(minute);
        if (tz->get_info(local).result == date::local_info::nonexistent) {
            return refused("dst_gap", {{"when", line.after_text}, {"zone", c.zone}});
        }
        const std::int64_t at = to_ms(tz->to_sys(local, date::choose::earliest));
        const std::int64_t now = core::to_millis(c.now);
        const auto today = date::floor<date::days>(tz->to_local(c.now));
        if (date::local_days{*line.after_day} < today || (minute > 0 && at < now)) {
            return refused("date_past", {{"when", line.after_text}, {"zone", c.zone}});
        }
        if (at - now > max_after_days * day_ms) {
            return refused("after_too_far", {{"when", line.after_text}, {"days", max_after_days}});
        }
        r.after = at;
    }
    auto add = [&](std::int64_t id, bool optional) {
        auto it = r.attendees.find(id);
        if (it == r.attendees.end()) {
            r.attendees[id] = !optional;
        } else if (!optional) {
            it->second = true;  // required wins
        }
    };
    for (std::size_t i = 0; i < line.mentions.size(); ++i) {
        const auto& m = line.mentions[i];
        if (m.department.empty()) {
            if (i < people.size() && people[i] != nullptr) add(people[i]->id, m.optional);
            continue;
        }
        bool any = false;
        for (const auto& p : c.people) {
            if (p.department == m.department) {
                add(p.id, m.optional);
                any = true;
            }
        }
        // The department's name is the reader's to write: `department` is its key.
        if (!any) return refused("empty_department", {{"department", m.department}});
    }
    if (r.attendees.size() < 2) return refused("nobody");
    if (r.attendees.size() > max_attendees) {
        return refused("too_many", {{"count", r.attendees.size()}, {"max", max_attendees}});
    }
    MeetPlan plan;
    plan.request = std::move(r);
    return plan;
}

JointPlan plan_joint_meeting(const Prompts& prompts, const JointAsk& ask) {
    JointPlan out;
    auto refuse = [&](std::string key, nlohmann::json data) {
        out.problem = std::move(key);
        out.data = std::move(data);
        return out;
    };
    std::vector<std::string> words = ask.words;
    if (!words.empty() && is_word(prompts, "every", words[0])) words.erase(words.begin());
    // The rule's words run up to the time: `"2nd tuesday" 10:00` or `2nd tuesday 10:00`.
    std::size_t at = 0;
    while (at < words.size() && !parse_time(words[at])) ++at;
    if (at == 0 || at == words.size()) return refuse("usage", nlohmann::json::object());
    out.spec = core::join(
        std::vector<std::string>(words.begin(), words.begin() + static_cast<long>(at)), " ");
    out.time = words[at];
    out.minute = *parse_time(words[at]);
    out.zone = ask.company_zone;
    out.duration = ask.default_duration;
    for (std::size_t i = at + 1; i < words.size(); ++i) {
        if (is_word(prompts, "duration", words[i]) && i + 1 < words.size()) {
            const auto m = parse_minutes(prompts, words[++i]);
            if (!m || *m < min_duration || *m > max_duration) {
                return refuse(
                    "duration_range",
                    {{"minutes", m.value_or(0)}, {"min", min_duration}, {"max", max_duration}});
            }
            out.duration = *m;
        } else if (valid_timezone(words[i])) {
            out.zone = words[i];
        } else {
            return refuse("unknown_zone", {{"zone", clip(words[i])}});
        }
    }
    const auto rrule = rrule_of(out.spec, prompts);
    if (!rrule) return refuse("bad_rule", {{"spec", clip(out.spec)}});
    out.rrule = *rrule;
    out.next = occurrences(out.rrule, out.minute, out.zone, ask.now_ms, ask.look_ahead, 800);
    if (out.next.empty())
        return refuse("rule_never", {{"spec", clip(out.spec)}, {"rrule", out.rrule}});
    for (const auto& o : out.next) {
        if (o.in_gap) {
            return refuse("rule_dst_gap",
                          {{"date", o.local_date}, {"time", out.time}, {"zone", out.zone}});
        }
    }
    return out;
}

}  // namespace twintrack::bot::meetings
