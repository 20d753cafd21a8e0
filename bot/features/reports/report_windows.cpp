#include "bot/features/reports/report_windows.hpp"

#include <date/tz.h>

#include <algorithm>
#include <map>
#include <set>

#include "bot/engine.hpp"
#include "bot/features/reports/store/reports_store.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::reports {
namespace {

using nlohmann::json;
using ReportTable = store::reports::ReportRepository;

const char* const plan_job = "reports.plan";
const char* const open_job = "reports.window_open";
const char* const remind_job = "reports.window_remind";
const char* const ask_zone_job = "reports.ask_zone";
const char* const digest_job = "reports.digest";

/// How far ahead a plan schedules window jobs; more than a day, so a late plan misses
/// nothing.
const date::days plan_horizon{2};
/// A window lasts at most a week; a plan looks that far back for one still open.
const date::days longest_window{8};

std::string ymd_text(date::sys_days day) { return date::format("%F", day); }
std::string ymd_text(date::local_days day) { return date::format("%F", day); }

core::Timestamp to_timestamp(date::sys_time<std::chrono::seconds> t) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

/// The zone a person's windows are computed in: theirs, else the company's.
std::string zone_of(const Engine& engine, const Person& p) {
    return valid_timezone(p.timezone) ? p.timezone : engine.settings().company_timezone;
}

const ReportWindowSetting* window_of(const Engine& engine, const std::string& department) {
    for (const auto& w : engine.settings().features.get<ReportSettings>().windows) {
        if (w.department == department) return &w;
    }
    return nullptr;
}

/// "Mon 10:00"-style local text of an instant in `zone`.
std::string local_text(core::Timestamp at, const std::string& zone) {
    return format_local(at, zone);
}

bool paused(Turn& turn, std::int64_t person_id) {
    const auto p = turn.read_table<ReportTable>().pause(person_id);
    return p && p->until_at > core::to_millis(turn.now());
}

/// The job payload of one person's occurrence.
json occurrence_json(const Person& p, const std::string& department, const WindowOccurrence& o) {
    return {{"person", p.id},
            {"department", department},
            {"opens", core::to_millis(o.opens)},
            {"closes", core::to_millis(o.closes)},
            {"date", o.date}};
}

std::string occurrence_key(const char* kind, const Person& p, const std::string& department,
                           const WindowOccurrence& o) {
    return std::string(kind) + "." + std::to_string(p.id) + "." + department + "." + o.date;
}

void schedule_plan(Turn& turn, date::sys_days day) {
    turn.engine().scheduler().schedule(turn, plan_job, std::string(plan_job) + "." + ymd_text(day),
                                       to_timestamp(day), json::object());
}

/// The daily plan: for everyone in a department with a window, the occurrences opening
/// soon (or open now) get their question and reminder; then tomorrow's plan.
void plan(Turn& turn, const json&) {
    Engine& engine = turn.engine();
    const core::Timestamp now = turn.now();
    const core::Timestamp to = now + plan_horizon;
    for (const auto& w : engine.settings().features.get<ReportSettings>().windows) {
        for (const auto& p : engine.directory().all()) {
            if (p.department != w.department) continue;
            const std::string zone = zone_of(engine, p);
            for (const auto& o : window_occurrences(w, zone, now - longest_window, to)) {
                if (o.closes <= now) continue;
                const json payload = occurrence_json(p, w.department, o);
                engine.scheduler().schedule(turn, open_job,
                                            occurrence_key(open_job, p, w.department, o),
                                            std::max(o.opens, now), payload);
                const core::Timestamp remind = reminder_at(o);
                if (remind > now) {
                    engine.scheduler().schedule(turn, remind_job,
                                                occurrence_key(remind_job, p, w.department, o),
                                                remind, payload);
                }
            }
        }
    }
    // One digest per department window, when it closes in the company zone.
    const std::string company = engine.settings().company_timezone;
    for (const auto& w : engine.settings().features.get<ReportSettings>().windows) {
        for (const auto& o : window_occurrences(w, company, now - longest_window, to)) {
            if (o.closes <= now) continue;
            engine.scheduler().schedule(turn, digest_job,
                                        std::string(digest_job) + "." + w.department + "." + o.date,
                                        o.closes,
                                        {{"department", w.department},
                                         {"opens", core::to_millis(o.opens)},
                                         {"closes", core::to_millis(o.closes)},
                                         {"date", o.date}});
        }
    }
    schedule_plan(turn, date::floor<date::days>(now) + date::days(1));
}

/// The person and occurrence a window job is about, when they still apply.
struct Target {
    const Person* person = nullptr;
    WindowOccurrence occurrence;
    std::string zone;
};

std::optional<Target> target_of(Turn& turn, const json& payload) {
    const Person* p = turn.engine().directory().by_id(payload.value("person", std::int64_t{0}));
    if (p == nullptr) return std::nullopt;
    // Someone who moved to another department (or whose window was removed) is not asked.
    if (p->department != payload.value("department", std::string()) ||
        window_of(turn.engine(), p->department) == nullptr) {
        return std::nullopt;
    }
    Target t;
    t.person = p;
    t.occurrence.opens = core::from_millis(payload.value("opens", std::int64_t{0}));
    t.occurrence.closes = core::from_millis(payload.value("closes", std::int64_t{0}));
    t.occurrence.date = payload.value("date", std::string());
    t.zone = zone_of(turn.engine(), *p);
    if (t.occurrence.closes <= turn.now()) return std::nullopt;
    return t;
}

bool filed_since(Turn& turn, std::int64_t person_id, core::Timestamp since) {
    store::ReportFilter f;
    f.author_id = person_id;
    f.since_ms = core::to_millis(since);
    f.limit = 1;
    return turn.read_table<ReportTable>().count(f) > 0;
}

void window_open(Turn& turn, const json& payload) {
    const auto t = target_of(turn, payload);
    if (!t || paused(turn, t->person->id)) return;
    turn.tell(*t->person, "reports.window_open",
              {{"closes", local_text(t->occurrence.closes, t->zone)}, {"zone", t->zone}});
    if (!valid_timezone(t->person->timezone)) {
        // Asked once ever: the job's key is per person.
        turn.engine().scheduler().schedule(
            turn, ask_zone_job, std::string(ask_zone_job) + "." + std::to_string(t->person->id),
            turn.now(), {{"person", t->person->id}});
    }
}

void window_remind(Turn& turn, const json& payload) {
    const auto t = target_of(turn, payload);
    if (!t || paused(turn, t->person->id)) return;
    if (filed_since(turn, t->person->id, t->occurrence.opens)) return;
    turn.tell(*t->person, "reports.window_reminder",
              {{"closes", local_text(t->occurrence.closes, t->zone)}, {"zone", t->zone}});
}

void ask_zone(Turn& turn, const json& payload) {
    const Person* p = turn.engine().directory().by_id(payload.value("person", std::int64_t{0}));
    if (p == nullptr || valid_timezone(p->timezone)) return;
    turn.tell(*p, "reports.ask_zone",
              {{"zone", turn.engine().settings().company_timezone},
               {"has_zone", !p->timezone.empty()},
               {"given", p->timezone}});
}

// --- the digest -----------------------------------------------------------------------

/// "a, b" in `locale`.
std::string join_in(const Engine& engine, const std::string& locale,
                    const std::vector<std::string>& items) {
    std::string out;
    const std::string sep = engine.prompts().render(locale, "reports.separator");
    for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
    return out;
}

std::string name_of(const Engine& engine, std::int64_t id) {
    const Person* p = engine.directory().by_id(id);
    return p ? p->name : "#" + std::to_string(id);
}

std::vector<std::string> mention_values(const store::Report& r, const std::string& kind) {
    std::vector<std::string> out;
    for (const auto& m : r.mentions) {
        if (m.kind == kind) out.push_back(m.value);
    }
    return out;
}

/// "+2", "-1", "±0", or empty when it is new.
std::string change_text(std::int64_t now, std::int64_t before) {
    if (before == 0) return "";
    const std::int64_t d = now - before;
    if (d == 0) return "±0";
    return (d > 0 ? "+" : "") + std::to_string(d);
}

/// Who in `department` reported (`authors`), who did not, and who is on leave.
struct Presence {
    std::vector<std::string> reported, missing, away;
};
Presence presence(Turn& turn, const std::string& department,
                  const std::vector<store::Report>& current) {
    std::set<std::int64_t> authors;
    for (const auto& r : current) authors.insert(r.author_id);
    Presence out;
    for (const auto& p : turn.engine().directory().all()) {
        if (p.department != department) continue;
        if (authors.count(p.id)) {
            out.reported.push_back(p.name);
        } else if (paused(turn, p.id)) {
            out.away.push_back(p.name);
        } else {
            out.missing.push_back(p.name);
        }
    }
    return out;
}

/// The digest's lists: competitors with their change, needs, price signals and help wanted
/// with where they came from.
json digest_lists(const Engine& engine, const std::string& locale, const DigestCounts& counts) {
    json competitors = json::array();
    for (const auto& c : counts.competitors) {
        competitors.push_back({{"name", c.name},
                               {"count", c.count},
                               {"previous", c.previous},
                               {"is_new", c.previous == 0},
                               {"change", change_text(c.count, c.previous)}});
    }
    json needs = json::array();
    for (const auto& n : counts.needs) needs.push_back({{"need", n.first}, {"count", n.second}});
    json prices = json::array();
    json help = json::array();
    for (const auto& r : counts.current) {
        const std::string who = name_of(engine, r.author_id);
        const std::string rivals = join_in(engine, locale, mention_values(r, "competitor"));
        for (const auto& p : mention_values(r, "price")) {
            prices.push_back({{"price", p},
                              {"id", r.id},
                              {"who", who},
                              {"customer", r.customer_text},
                              {"has_customer", !r.customer_text.empty()},
                              {"competitors", rivals},
                              {"has_competitors", !rivals.empty()}});
        }
        for (const auto& h : mention_values(r, "help")) {
            help.push_back({{"help", h},
                            {"id", r.id},
                            {"who", who},
                            {"customer", r.customer_text},
                            {"has_customer", !r.customer_text.empty()},
                            {"consult", r.engagement_id.has_value()}});
        }
    }
    return {{"competitors", competitors},
            {"has_competitors", !competitors.empty()},
            {"needs", needs},
            {"has_needs", !needs.empty()},
            {"prices", prices},
            {"has_prices", !prices.empty()},
            {"help", help},
            {"has_help", !help.empty()}};
}

/// Reports an earlier digest showed and that were edited since (added to `covered`).
json edited_since(Turn& turn, core::Timestamp start,
                  std::vector<store::reports::ReportVersionRef>& covered) {
    json items = json::array();
    for (const auto& e : turn.read_table<ReportTable>().edited_after_digest()) {
        const auto r = turn.read_table<ReportTable>().get(e.report_id);
        if (!r || r->created_at >= core::to_millis(start)) continue;  // shown above anyway
        covered.push_back(e);
        items.push_back({{"id", r->id},
                         {"who", name_of(turn.engine(), r->author_id)},
                         {"customer", r->customer_text},
                         {"has_customer", !r->customer_text.empty()},
                         {"version", r->version},
                         {"text", std::string(core::utf8_prefix(r->text, 160))}});
    }
    return items;
}

/// The window's digest: reports filed since the previous window closed, to the marketing
/// and joint channels in the company's locale.
void digest(Turn& turn, const json& payload) {
    Engine& engine = turn.engine();
    const std::string department = payload.value("department", std::string());
    const ReportWindowSetting* w = window_of(engine, department);
    if (w == nullptr) return;
    const std::string zone = engine.settings().company_timezone;
    const std::string locale = engine.settings().default_locale;
    const core::Timestamp opens = core::from_millis(payload.value("opens", std::int64_t{0}));
    const core::Timestamp closes = core::from_millis(payload.value("closes", std::int64_t{0}));
    const std::string key =
        std::string(digest_job) + "." + department + "." + payload.value("date", std::string());

    // The two previous occurrences bound this period and the one it is compared with.
    const auto before = window_occurrences(*w, zone, opens - date::days(15), opens);
    const date::days week{7};
    const core::Timestamp start = before.empty() ? closes - week : before.back().closes;
    const core::Timestamp prev_start =
        before.size() < 2 ? start - week : before[before.size() - 2].closes;
    store::ReportFilter f;
    f.since_ms = core::to_millis(prev_start);
    f.limit = -1;
    const DigestCounts counts = count_digest(turn.read_table<ReportTable>().find(f),
                                             core::to_millis(start), core::to_millis(closes));
    const Presence who = presence(turn, department, counts.current);
    std::vector<store::reports::ReportVersionRef> covered;
    for (const auto& r : counts.current) covered.push_back({r.id, r.version});
    const json edited = edited_since(turn, start, covered);

    store::reports::ReportDigest d;
    d.key = key;
    d.department = department;
    d.period_start = core::to_millis(start);
    d.period_end = core::to_millis(closes);
    d.sent_at = core::to_millis(turn.now());
    if (!turn.write_table<ReportTable>().add_digest(d, covered)) return;  // sent before

    json data = digest_lists(engine, locale, counts);
    data.update(
        json{{"department", engine.prompts().render(locale, "core.department." + department)},
             {"from", format_local(start, zone)},
             {"to", format_local(closes, zone)},
             {"zone", zone},
             {"count", counts.current.size()},
             {"reported", join_in(engine, locale, who.reported)},
             {"has_reported", !who.reported.empty()},
             {"missing", join_in(engine, locale, who.missing)},
             {"has_missing", !who.missing.empty()},
             {"away", join_in(engine, locale, who.away)},
             {"has_away", !who.away.empty()},
             {"edited", edited},
             {"has_edited", !edited.empty()}});
    turn.audit("report.digest", {{"key", key}, {"reports", counts.current.size()}});
    for (const std::string track : {"marketing", "joint"}) {
        for (const auto& c : turn.read().channel_tracks().by_track(track)) {
            turn.post({c.connector, c.channel, ""}, locale, "reports.digest", data,
                      key + "." + c.connector + "." + c.channel);
        }
    }
}

}  // namespace

DigestCounts count_digest(std::vector<store::Report> reports, std::int64_t start_ms,
                          std::int64_t closes_ms) {
    DigestCounts out;
    std::map<std::string, std::int64_t> previous;
    for (auto& r : reports) {
        if (r.created_at >= closes_ms) continue;
        if (r.created_at < start_ms) {
            for (const auto& c : mention_values(r, "competitor")) ++previous[c];
            continue;
        }
        out.current.push_back(std::move(r));
    }
    std::reverse(out.current.begin(), out.current.end());  // oldest first
    std::map<std::string, std::int64_t> counts;
    for (const auto& r : out.current) {
        for (const auto& c : mention_values(r, "competitor")) ++counts[c];
        for (const auto& n : mention_values(r, "need")) ++out.needs[n];
    }
    for (const auto& c : previous) counts.emplace(c.first, 0);
    for (const auto& [name, count] : counts) {
        const auto was = previous.find(name);
        out.competitors.push_back({name, count, was == previous.end() ? 0 : was->second});
    }
    std::stable_sort(out.competitors.begin(), out.competitors.end(),
                     [](const auto& a, const auto& b) { return a.count > b.count; });
    return out;
}

std::vector<WindowOccurrence> window_occurrences(const ReportWindowSetting& window,
                                                 const std::string& zone, core::Timestamp from,
                                                 core::Timestamp to) {
    using std::chrono::minutes;
    const auto* tz = zone_or_utc(zone);
    const auto first = date::floor<date::days>(tz->to_local(from)) - date::days(1);
    const auto last = date::floor<date::days>(tz->to_local(to)) + date::days(1);
    unsigned span = (window.close_weekday + 7 - window.open_weekday) % 7;
    if (span == 0 && window.close_minute <= window.open_minute) span = 7;
    std::vector<WindowOccurrence> out;
    for (auto day = first; day <= last; day += date::days(1)) {
        if (date::weekday{day}.c_encoding() != window.open_weekday) continue;
        WindowOccurrence o;
        o.opens =
            to_timestamp(tz->to_sys(day + minutes(window.open_minute), date::choose::earliest));
        o.closes = to_timestamp(tz->to_sys(day + date::days(span) + minutes(window.close_minute),
                                           date::choose::earliest));
        o.date = ymd_text(day);
        if (o.opens >= from && o.opens < to) out.push_back(o);
    }
    return out;
}

core::Timestamp reminder_at(const WindowOccurrence& o) {
    return o.opens + (o.closes - o.opens) * 4 / 5;
}

namespace {

// `todo`: the reader's report window is open and they have not filed since it opened.
void report_due(Turn& turn, const Person& me, std::vector<std::string>& items) {
    const ReportWindowSetting* window = window_of(turn.engine(), me.department);
    if (window == nullptr || paused(turn, me.id)) return;
    const std::string zone = zone_of(turn.engine(), me);
    const auto now = turn.now();
    for (const auto& o : window_occurrences(*window, zone, now - date::days(7), now)) {
        if (o.closes <= now || filed_since(turn, me.id, o.opens)) continue;
        items.push_back(
            turn.text("reports.todo_report_due", {{"closes", local_text(o.closes, zone)}}));
        return;
    }
}

}  // namespace

void register_windows(Engine& engine) {
    engine.scheduler().on(plan_job, plan);
    engine.scheduler().on(open_job, window_open);
    engine.scheduler().on(remind_job, window_remind);
    engine.scheduler().on(ask_zone_job, ask_zone);
    engine.scheduler().on(digest_job, digest);
    engine.add_todo_source(report_due);
    // Today's plan, unless it exists: due now, it runs on the first tick.
    const auto now = engine.clock().now();
    store::Job job;
    job.kind = plan_job;
    job.key = std::string(plan_job) + "." + ymd_text(date::floor<date::days>(now));
    job.payload = "{}";
    job.due_at = core::to_millis(now);
    engine.store().jobs().schedule(job);
}

}  // namespace twintrack::bot::reports
