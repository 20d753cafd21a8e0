#include "bot/features/meetings/meetings.hpp"

#include <date/tz.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "bot/api.hpp"
#include "bot/args.hpp"
#include "bot/calendar_fetcher.hpp"
#include "bot/engine.hpp"
#include "bot/features/meetings/ical.hpp"
#include "bot/features/meetings/meet_plan.hpp"
#include "bot/features/meetings/meeting_stats.hpp"
#include "bot/features/meetings/slot_finder.hpp"
#include "bot/features/meetings/store/meetings_store.hpp"
#include "bot/joint_agenda.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::meetings {

/// The feature's own tables (store/meetings_store.hpp), opened on a turn.
using MeetingTable = store::meetings::MeetingRepository;

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::int64_t minute_ms = 60 * 1000;
constexpr std::int64_t day_ms = 24 * 60 * minute_ms;
const std::size_t max_calendar_bytes = 4 * 1024 * 1024;
const int joint_duration_default = 60;
/// How many joint-meeting occurrences are checked for DST gaps (a year of monthly ones).
const int joint_checked = 12;

std::int64_t now_ms(const Turn& turn) { return core::to_millis(turn.now()); }

void usage(Turn& turn, const std::string& command) { reply_usage(turn, command); }

bool is_word(Turn& turn, const std::string& name, const std::string& word) {
    return turn.engine().prompts().is_word("meetings.words." + name, word);
}

std::string zone_of(Turn& turn, const Person* p) {
    if (p != nullptr && valid_timezone(p->timezone)) return p->timezone;
    return turn.engine().settings().company_timezone;
}

std::string name_of(Turn& turn, std::int64_t id) {
    const Person* p = turn.engine().directory().by_id(id);
    return p ? p->name : "#" + std::to_string(id);
}

std::string clip(const std::string& s) { return std::string(core::utf8_prefix(s, 40)); }

// --- parsing ----------------------------------------------------------------------------

std::string hm(int minute) {
    const std::string h = std::to_string(minute / 60);
    const std::string m = std::to_string(minute % 60);
    return (h.size() < 2 ? "0" : "") + h + ":" + (m.size() < 2 ? "0" : "") + m;
}

/// "2026-11-03 10:00-10:45" in `zone` (the end with its date when it is another day).
std::string local_span(std::int64_t start, std::int64_t end, const std::string& zone) {
    const std::string s = format_local(core::from_millis(start), zone);
    const std::string e = format_local(core::from_millis(end), zone);
    return s + "-" + (s.substr(0, 10) == e.substr(0, 10) ? e.substr(11) : e);
}

// --- proposing --------------------------------------------------------------------------

json request_json(const Request& r) {
    json people = json::array();
    for (const auto& [id, req] : r.attendees) people.push_back({{"id", id}, {"required", req}});
    return {{"title", r.title},
            {"duration", r.duration},
            {"within", r.within_days},
            {"after", r.after ? json(*r.after) : json(nullptr)},
            {"attendees", people}};
}

Request request_of(const json& j) {
    Request r;
    r.title = j.value("title", "");
    r.duration = j.value("duration", 30);
    r.within_days = j.value("within", 5);
    if (j.contains("after") && j["after"].is_number()) r.after = j["after"].get<std::int64_t>();
    for (const auto& a : j["attendees"]) {
        r.attendees[a["id"].get<std::int64_t>()] = a["required"].get<bool>();
    }
    return r;
}

Attendee attendee_of(Turn& turn, const Person& p, bool required) {
    Attendee a;
    a.id = p.id;
    a.zone = zone_of(turn, &p);
    a.work_start = p.work_start;
    a.work_end = p.work_end;
    a.work_days = turn.engine().settings().features.get<MeetingSettings>().work_days;
    a.required = required;
    return a;
}

/// Each slot in each attendee's local time, grouped by zone (the reader's zone first,
/// then in the order people come): [{zone, time, names}].
json local_times(Turn& turn, const Interval& at, const std::vector<std::int64_t>& people) {
    std::vector<std::pair<std::string, std::vector<std::string>>> by_zone;
    by_zone.push_back({zone_of(turn, turn.person()), {}});
    for (std::int64_t id : people) {
        const Person* p = turn.engine().directory().by_id(id);
        const std::string zone = zone_of(turn, p);
        auto it = std::find_if(by_zone.begin(), by_zone.end(),
                               [&](const auto& z) { return z.first == zone; });
        if (it == by_zone.end()) it = by_zone.insert(by_zone.end(), {zone, {}});
        it->second.push_back(p ? p->name : name_of(turn, id));
    }
    if (by_zone.front().second.empty()) by_zone.erase(by_zone.begin());
    json out = json::array();
    for (const auto& [zone, names] : by_zone) {
        out.push_back({{"first", out.empty()},
                       {"zone", zone},
                       {"time", local_span(at.start, at.end, zone)},
                       {"names", turn.list_data(names)}});
    }
    return out;
}

std::vector<std::string> names(Turn& turn, const std::vector<std::int64_t>& ids) {
    std::vector<std::string> out;
    for (auto id : ids) out.push_back(name_of(turn, id));
    return out;
}

/// Finds slots for `r` from now on, saves them as the organiser's proposal and answers.
/// `fresh` says these replace slots that were refused.
/// The organiser's latest slot proposal: `book N` always books from it.
std::string proposal_subject(const Person& organiser) {
    return "meeting-proposal:" + std::to_string(organiser.id);
}

void propose(Turn& turn, const Request& r, bool fresh) {
    const std::int64_t now = now_ms(turn);
    SlotQuery q;
    // A few minutes to get there: no slot starts right now.
    q.from = std::max(now + 5 * minute_ms, r.after.value_or(now));
    q.until = q.from + r.within_days * day_ms;
    q.duration_minutes = r.duration;
    std::vector<std::int64_t> ids;
    for (const auto& [id, req] : r.attendees) {
        const Person* p = turn.engine().directory().by_id(id);
        if (!p) continue;
        q.attendees.push_back(attendee_of(turn, *p, req));
        ids.push_back(id);
    }
    for (const auto& b : turn.read_table<MeetingTable>().busy(ids, q.from, q.until)) {
        for (auto& a : q.attendees) {
            if (a.id == b.person_id) a.busy.push_back({b.start_at, b.end_at});
        }
    }
    const SlotResult found = find_slots(q, 3);
    json proposal = request_json(r);
    json slots = json::array();
    json shown = json::array();
    int n = 1;
    std::vector<Slot> offered = found.slots;
    if (offered.empty() && found.partial) offered.push_back(*found.partial);
    for (const auto& s : offered) {
        slots.push_back({{"start", s.at.start}, {"end", s.at.end}, {"missing", s.missing}});
        std::vector<std::int64_t> present;
        for (auto id : ids) {
            if (std::find(s.missing.begin(), s.missing.end(), id) == s.missing.end() &&
                std::find(s.optional_missing.begin(), s.optional_missing.end(), id) ==
                    s.optional_missing.end()) {
                present.push_back(id);
            }
        }
        shown.push_back({{"n", n++},
                         {"times", local_times(turn, s.at, present)},
                         {"optional_missing", turn.list_data(names(turn, s.optional_missing))},
                         {"has_optional_missing", !s.optional_missing.empty()}});
    }
    proposal["slots"] = slots;
    const std::string zone = zone_of(turn, turn.person());
    const json common = {{"title", r.title},
                         {"duration", r.duration},
                         {"from", format_local(core::from_millis(q.from), zone)},
                         {"until", format_local(core::from_millis(q.until), zone)},
                         {"zone", zone},
                         {"fresh", fresh},
                         {"slots", shown}};
    if (offered.empty()) {
        turn.write_table<MeetingTable>().drop_proposal(turn.person()->id);
        turn.settle(proposal_subject(*turn.person()), "meetings.outcome.replaced");
        turn.reply("meetings.no_slot", common);
        return;
    }
    turn.write_table<MeetingTable>().save_proposal(turn.person()->id, proposal.dump(), now);
    // Buttons of an earlier proposal would now book this one's slots: close them.
    turn.settle(proposal_subject(*turn.person()), "meetings.outcome.replaced");
    Offer offer;
    offer.subject = proposal_subject(*turn.person());
    offer.audience = {turn.person()->id};
    for (std::size_t i = 1; i <= offered.size(); ++i) {
        offer.choices.push_back({"meetings.button.book",
                                 {{"n", i}},
                                 "book",
                                 std::to_string(i),
                                 i == 1 ? "primary" : "",
                                 "",
                                 "",
                                 ""});
    }
    if (!found.slots.empty()) {
        turn.reply("meetings.proposals", common, offer);
    } else {
        json data = common;
        data["missing"] = turn.list_data(names(turn, found.partial->missing));
        turn.reply("meetings.partial", data, offer);
    }
}

/// Answers a problem of plan_meet or read_meet_line in the writer's language.
void answer(Turn& turn, MeetProblem problem) {
    if (problem.key == "empty_department") {
        problem.data["department"] =
            turn.text("core.department." + problem.data.value("department", ""));
    }
    turn.reply("meetings." + problem.key, problem.data);
}

void meet(Turn& turn, const CommandArgs& args) {
    // Declared: "TITLE" with @PERSON... [optional @PERSON...] [duration D] [within N]
    // [after DATE [HH:MM]]. Read the lists (pure), resolve the @people, plan (pure), then
    // propose slots or answer.
    const std::string title(core::trim(args.parsed.word("title")));
    if (title.empty() || is_word(turn, "with", title) ||
        core::utf8_length(title) > max_title_chars) {
        usage(turn, "meet");
        return;
    }
    const Prompts& prompts = turn.engine().prompts();
    MeetLine line;
    MeetProblem problem;
    MeetWords words;
    words.with = args.parsed.word("with");
    words.optional = args.parsed.word("optional");
    for (auto [name, value] :
         {std::pair{"meet_duration", &words.duration}, std::pair{"within", &words.within},
          std::pair{"meet_after", &words.after}}) {
        if (args.parsed.has(name)) *value = args.parsed.word(name);
    }
    if (!meet_line_of(prompts, words, line, problem)) return answer(turn, problem);
    std::vector<const Person*> people;
    for (const auto& m : line.mentions) {
        const Person* p = nullptr;
        if (m.department.empty()) {
            p = turn.person_arg(m.word);
            if (p == nullptr) return;  // answered: did you mean, which one
        }
        people.push_back(p);
    }
    const auto& settings = turn.engine().settings().features.get<MeetingSettings>();
    const MeetContext context{prompts,
                              turn.engine().directory().all(),
                              turn.person()->id,
                              zone_of(turn, turn.person()),
                              turn.now(),
                              settings.default_duration_minutes,
                              settings.default_within_days};
    const MeetPlan plan = plan_meet(title, line, people, context);
    if (!plan.request) return answer(turn, plan.problem);
    propose(turn, *plan.request, false);
}

// --- booking ----------------------------------------------------------------------------

void schedule_reminders(Turn& turn, const store::meetings::Meeting& m) {
    const std::int64_t now = now_ms(turn);
    for (const auto& [lead, ms] : std::vector<std::pair<std::string, std::int64_t>>{
             {"24h", day_ms}, {"15m", 15 * minute_ms}}) {
        const std::int64_t due = m.start_at - ms;
        if (due <= now) continue;
        turn.engine().scheduler().schedule(
            turn, "meetings.remind", "meetings.remind." + std::to_string(m.id) + "." + lead,
            core::from_millis(due), {{"meeting", m.id}, {"start", m.start_at}, {"lead", lead}});
    }
}

void cancel_reminders(Turn& turn, std::int64_t id) {
    for (const std::string lead : {"24h", "15m"}) {
        turn.write().jobs().cancel("meetings.remind." + std::to_string(id) + "." + lead);
    }
}

json meeting_data(Turn& turn, const store::meetings::Meeting& m, const Person& reader) {
    const std::string zone = zone_of(turn, &reader);
    std::vector<std::int64_t> ids;
    std::vector<std::string> optional;
    for (const auto& a : m.attendees) {
        ids.push_back(a.person_id);
        if (!a.required) optional.push_back(name_of(turn, a.person_id));
    }
    return {{"id", m.id},
            {"title", m.title},
            {"when", local_span(m.start_at, m.end_at, zone)},
            {"zone", zone},
            {"organizer", name_of(turn, m.organizer_id)},
            {"attendees", turn.list_data(names(turn, ids))},
            {"optional", turn.list_data(optional)},
            {"has_optional", !optional.empty()},
            {"ics", "/api/v1/events/" + std::to_string(m.id) + ".ics"}};
}

std::string new_uid(Turn& turn, std::int64_t start) {
    return std::to_string(now_ms(turn)) + "-" + std::to_string(start) + "-" +
           std::to_string(turn.person() ? turn.person()->id : 0) + "@" +
           core::ascii_lower(turn.engine().settings().bot_user);
}

void book(Turn& turn, const CommandArgs& args) {
    // Declared: N (the parser answers a word that is not a number).
    const std::int64_t n = *args.parsed.id("slot");
    const auto saved = turn.read_table<MeetingTable>().proposal(turn.person()->id);
    if (!saved) {
        turn.reply("meetings.no_proposal");
        return;
    }
    const json proposal = json::parse(*saved);
    const json& slots = proposal["slots"];
    if (n < 1 || n > static_cast<std::int64_t>(slots.size())) {
        turn.reply("meetings.bad_choice", {{"n", n}, {"count", slots.size()}});
        return;
    }
    const Request r = request_of(proposal);
    const json& slot = slots[static_cast<std::size_t>(n - 1)];
    const std::int64_t start = slot["start"].get<std::int64_t>();
    const std::int64_t end = slot["end"].get<std::int64_t>();
    std::set<std::int64_t> missing;
    for (const auto& id : slot["missing"]) missing.insert(id.get<std::int64_t>());
    if (start <= now_ms(turn)) {
        turn.reply("meetings.slot_past", {{"n", n}});
        propose(turn, r, true);
        return;
    }
    // Someone may have become busy since the proposal (another booking, an import).
    std::vector<std::int64_t> check;
    for (const auto& [id, req] : r.attendees) {
        if (req && !missing.count(id)) check.push_back(id);
    }
    std::set<std::int64_t> now_busy;
    for (const auto& b : turn.read_table<MeetingTable>().busy(check, start, end)) {
        now_busy.insert(b.person_id);
    }
    if (!now_busy.empty()) {
        turn.reply(
            "meetings.slot_taken",
            {{"n", n}, {"who", turn.list_data(names(turn, {now_busy.begin(), now_busy.end()}))}});
        propose(turn, r, true);
        return;
    }
    store::meetings::Meeting m;
    m.uid = new_uid(turn, start);
    m.title = r.title;
    m.organizer_id = turn.person()->id;
    m.start_at = start;
    m.end_at = end;
    m.created_at = now_ms(turn);
    for (const auto& [id, req] : r.attendees) {
        if (missing.count(id) || !turn.engine().directory().by_id(id)) continue;
        m.attendees.push_back({id, req});
    }
    m.id = turn.write_table<MeetingTable>().create(m);
    turn.write_table<MeetingTable>().drop_proposal(turn.person()->id);
    turn.settle(proposal_subject(*turn.person()), "meetings.outcome.booked", {{"n", n}});
    turn.audit("meeting.book", {{"meeting", m.id}, {"title", m.title}, {"start", start}});
    schedule_reminders(turn, m);
    for (const auto& a : m.attendees) {
        if (a.person_id == turn.person()->id) continue;
        if (const Person* p = turn.engine().directory().by_id(a.person_id)) {
            json data = meeting_data(turn, m, *p);
            data["required"] = a.required;
            turn.tell(*p, "meetings.invited", data);
        }
    }
    json data = meeting_data(turn, m, *turn.person());
    data["missing"] = turn.list_data(names(turn, {missing.begin(), missing.end()}));
    data["has_missing"] = !missing.empty();
    turn.reply("meetings.booked", data);
}

std::optional<std::int64_t> parse_id(std::string word) {
    if (!word.empty() && word.front() == '#') word.erase(0, 1);
    if (!all_digits(word)) return std::nullopt;
    return std::stoll(word);
}

void cancel_meeting(Turn& turn, const CommandArgs& args) {
    // Declared: ID (the parser answers a word that is not a number).
    const auto id = args.parsed.id("id");
    const auto m = turn.read_table<MeetingTable>().get(*id);
    if (!m || m->status != "booked") {
        turn.reply("meetings.not_found", {{"id", *id}});
        return;
    }
    const Person& me = *turn.person();
    if (m->organizer_id != me.id && me.role != "hr" && me.role != "admin") {
        turn.reply("meetings.not_organizer",
                   {{"id", *id}, {"who", name_of(turn, m->organizer_id)}});
        return;
    }
    if (m->end_at <= now_ms(turn)) {
        turn.reply("meetings.already_over", {{"id", *id}});
        return;
    }
    turn.write_table<MeetingTable>().set_status(*id, "cancelled", now_ms(turn));
    cancel_reminders(turn, *id);
    turn.audit("meeting.cancel", {{"meeting", *id}});
    for (const auto& a : m->attendees) {
        if (a.person_id == me.id) continue;
        if (const Person* p = turn.engine().directory().by_id(a.person_id)) {
            json data = meeting_data(turn, *m, *p);
            data["who"] = me.name;
            turn.tell(*p, "meetings.cancelled_notice", data);
        }
    }
    turn.reply("meetings.cancelled", meeting_data(turn, *m, me));
}

void list_meetings(Turn& turn, const CommandArgs&) {
    const std::int64_t now = now_ms(turn);
    const auto found =
        turn.read_table<MeetingTable>().of_person(turn.person()->id, now, now + 30 * day_ms);
    if (found.empty()) {
        turn.reply("meetings.none");
        return;
    }
    json items = json::array();
    for (const auto& m : found) items.push_back(meeting_data(turn, m, *turn.person()));
    turn.reply("meetings.list", {{"items", items}, {"zone", zone_of(turn, turn.person())}});
}

void remind(Turn& turn, const json& payload) {
    const auto m = turn.read_table<MeetingTable>().get(payload.at("meeting").get<std::int64_t>());
    if (!m || m->status != "booked" || m->start_at != payload.at("start").get<std::int64_t>()) {
        return;
    }
    json agenda = json::array();
    for (const auto& item : turn.read_table<MeetingTable>().agenda(m->id)) {
        agenda.push_back({{"who", name_of(turn, item.person_id)}, {"text", item.text}});
    }
    for (const auto& a : m->attendees) {
        const Person* p = turn.engine().directory().by_id(a.person_id);
        if (!p) continue;
        json data = meeting_data(turn, *m, *p);
        data["soon"] = payload.at("lead").get<std::string>() == "15m";
        data["agenda"] = agenda;
        data["has_agenda"] = !agenda.empty();
        turn.tell(*p, "meetings.reminder", data);
    }
}

// --- calendar import --------------------------------------------------------------------

bool is_url(const std::string& s) {
    const std::string l = core::ascii_lower(s);
    return l.rfind("http://", 0) == 0 || l.rfind("https://", 0) == 0;
}

/// The URL's host, for messages and logs: the path and query may hold a private
/// calendar's secret.
std::string url_host(const std::string& url) {
    std::string rest = url.substr(url.find("://") + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    const auto at = rest.rfind('@');
    if (at != std::string::npos) rest = rest.substr(at + 1);
    return clip(rest);
}

/// Turns a calendar into `person`'s busy blocks from `source` (replacing what that
/// source gave before) and says how it went through `say`.
void apply_calendar(Turn& turn, const Person& person, const std::string& source,
                    const std::string& shown, const std::string& text,
                    const std::function<void(const std::string&, const json&)>& say) {
    const auto& settings = turn.engine().settings().features.get<MeetingSettings>();
    if (text.size() > max_calendar_bytes) {
        say("meetings.too_big", {{"source", shown}});
        return;
    }
    const std::int64_t now = now_ms(turn);
    const std::int64_t until = now + settings.import_horizon_days * day_ms;
    const auto parsed = parse_calendar(text, now - day_ms, until, zone_of(turn, &person));
    if (!parsed.ok) {
        say("meetings.not_ical", {{"source", shown}});
        return;
    }
    std::vector<store::meetings::BusyBlock> blocks;
    for (const auto& b : parsed.busy) {
        blocks.push_back({person.id, b.start, b.end, b.summary, source});
    }
    turn.write_table<MeetingTable>().replace_busy(person.id, source, blocks);
    turn.audit("calendar.import",
               {{"person_id", person.id}, {"source", shown}, {"busy", blocks.size()}});
    json zones = json::array();
    const std::string sep =
        turn.engine().prompts().render(turn.engine().locale_for(&person), "core.list_separator");
    for (std::size_t i = 0; i < parsed.unknown_zones.size(); ++i) {
        zones.push_back({{"item", parsed.unknown_zones[i]}, {"sep", i == 0 ? "" : sep}});
    }
    say("meetings.imported", {{"source", shown},
                              {"busy", blocks.size()},
                              {"events", parsed.events},
                              {"skipped", parsed.skipped},
                              {"has_skipped", parsed.skipped > 0},
                              {"days", settings.import_horizon_days},
                              {"zones", zones},
                              {"has_zones", !parsed.unknown_zones.empty()}});
}

/// Calendar fetches under way (engine thread only): one per person at a time, and what
/// came back until the job `meetings.calendar_fetched` takes it (kept in memory, not in
/// the job row, so a private calendar is not stored twice).
struct Fetching {
    std::set<std::int64_t> people;
    std::map<std::string, CalendarFetchResult> results;
};

/// `calendar import URL`: answers "fetching" at once; the program's fetcher gets the
/// calendar on its own thread and the result comes back through the engine queue as the
/// job `meetings.calendar_fetched`, whose own turn writes the busy times. No transaction
/// is held while the network is slow.
void fetch_calendar(Turn& turn, const std::string& url, const std::shared_ptr<Fetching>& fetching) {
    const auto& settings = turn.engine().settings().features.get<MeetingSettings>();
    CalendarFetcher* fetcher = turn.engine().services().find<CalendarFetcher>();
    if (!settings.calendar_urls || fetcher == nullptr) {
        turn.reply("meetings.urls_off");
        return;
    }
    const Person& me = *turn.person();
    const std::string host = url_host(url);
    if (fetching->people.count(me.id)) {
        turn.reply("meetings.fetch_pending");
        return;
    }
    const core::Event& event = *turn.event();
    json job = {{"person", me.id},
                {"url", url},
                {"host", host},
                {"connector", event.where.connector},
                {"channel", event.where.channel},
                {"thread", event.where.thread},
                {"reply_to",
                 event.extra.is_object() ? event.extra.value("message_id", event.id) : event.id},
                {"key", "meetings.calendar_fetched." + std::to_string(me.id) + "." +
                            std::to_string(now_ms(turn)) + "." + event.id}};
    fetching->people.insert(me.id);
    Engine& engine = turn.engine();
    turn.reply("meetings.fetching", {{"host", host}});
    fetcher->fetch(
        url, settings.calendar_url_allow, [&engine, fetching, job](CalendarFetchResult result) {
            engine.post_task([&engine, fetching, job, result = std::move(result)]() mutable {
                fetching->people.erase(job.at("person").get<std::int64_t>());
                fetching->results[job.at("key").get<std::string>()] = std::move(result);
                store::Job row;
                row.kind = "meetings.calendar_fetched";
                row.key = job.at("key").get<std::string>();
                row.payload = job.dump(-1, ' ', false, json::error_handler_t::replace);
                row.due_at = core::to_millis(engine.clock().now());
                try {
                    engine.store().jobs().schedule(row);
                } catch (const std::exception& e) {
                    fetching->results.erase(row.key);
                    spdlog::error("calendar fetched for person {} but not kept: {}",
                                  job.at("person").get<std::int64_t>(), e.what());
                }
            });
        });
}

/// The job `meetings.calendar_fetched`: writes what a fetch brought, answering where the
/// command was given.
void calendar_fetched(Turn& turn, const json& payload, Fetching& fetching) {
    CalendarFetchResult result;
    bool found = false;
    auto it = fetching.results.find(payload.value("key", ""));
    if (it != fetching.results.end()) {
        result = std::move(it->second);
        fetching.results.erase(it);
        found = true;
    }
    const Person* person = turn.engine().directory().by_id(payload.value("person", 0LL));
    if (person == nullptr) return;
    const std::string locale = turn.engine().locale_for(person);
    const std::string host = payload.value("host", "");
    core::Address to{payload.value("connector", ""), payload.value("channel", ""),
                     payload.value("thread", "")};
    const std::string reply_to = payload.value("reply_to", "");
    auto say = [&](const std::string& key, const json& data) {
        core::Post p;
        p.to = to;
        p.text = turn.engine().prompts().render(locale, key, data);
        p.reply_to = reply_to;
        turn.posts().push_back(std::move(p));
    };
    using Outcome = CalendarFetchResult::Outcome;
    if (!found) {
        // The program restarted between the fetch and this job.
        say("meetings.fetch_lost", {{"host", host}});
    } else if (result.outcome == Outcome::ok) {
        apply_calendar(turn, *person, payload.value("url", ""), host, result.body, say);
    } else if (result.outcome == Outcome::refused) {
        say("meetings.fetch_refused", {{"host", host}});
    } else if (result.outcome == Outcome::too_big) {
        say("meetings.too_big", {{"source", host}});
    } else if (result.outcome == Outcome::busy) {
        say("meetings.fetch_busy", {{"host", host}});
    } else {
        say("meetings.fetch_failed", {{"host", host}});
    }
}

void import_calendar(Turn& turn, const CommandArgs& args,
                     const std::shared_ptr<Fetching>& fetching) {
    // Declared: FILE|URL.
    const std::string source = args.parsed.word("source");
    if (is_url(source)) {
        fetch_calendar(turn, source, fetching);
        return;
    }
    namespace fs = std::filesystem;
    const auto& settings = turn.engine().settings().features.get<MeetingSettings>();
    if (settings.calendar_dir.empty()) {
        turn.reply("meetings.files_off");
        return;
    }
    // Plain file names only: nothing outside the calendar folder can be read.
    if (source.find('/') != std::string::npos || source.find('\\') != std::string::npos ||
        source == "." || source == ".." || source.front() == '.') {
        turn.reply("meetings.bad_file", {{"source", clip(source)}});
        return;
    }
    fs::path dir = settings.calendar_dir;
    const std::string& data_dir = turn.engine().settings().data_dir;
    if (dir.is_relative() && !data_dir.empty()) dir = fs::path(data_dir) / dir;
    const fs::path path = dir / source;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) > max_calendar_bytes) {
        turn.reply("meetings.no_file", {{"source", clip(source)}});
        return;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    apply_calendar(turn, *turn.person(), source, clip(source), ss.str(),
                   [&](const std::string& key, const json& data) { turn.reply(key, data); });
}

// --- joint meetings ---------------------------------------------------------------------

std::vector<const Person*> joint_managers(Turn& turn) {
    std::vector<const Person*> out;
    for (const std::string d : {"marketing", "sales"}) {
        for (const Person* p : turn.engine().directory().managers_of(d)) out.push_back(p);
    }
    return out;
}

/// Creates the meeting of one occurrence with its jobs (reminders, agenda questions two
/// days before, what follows its end). Does nothing when it exists.
void plan_occurrence(Turn& turn, const store::meetings::MeetingSeries& s, const Occurrence& o) {
    auto repo = turn.write_table<MeetingTable>();
    if (repo.by_series_start(s.id, o.start)) return;
    store::meetings::Meeting m;
    m.uid = "series-" + std::to_string(s.id) + "-" + o.local_date + "@" +
            core::ascii_lower(turn.engine().settings().bot_user);
    m.title = s.title;
    m.organizer_id = s.organizer_id;
    m.start_at = o.start;
    m.end_at = o.start + s.duration_min * minute_ms;
    m.series_id = s.id;
    m.created_at = now_ms(turn);
    m.attendees.push_back({s.organizer_id, true});
    for (const Person* p : joint_managers(turn)) m.attendees.push_back({p->id, true});
    m.id = repo.create(m);
    schedule_reminders(turn, m);
    const std::string key = std::to_string(m.id);
    const std::int64_t ask = m.start_at - 2 * day_ms;
    if (ask > now_ms(turn)) {
        turn.engine().scheduler().schedule(turn, "meetings.agenda_ask",
                                           "meetings.agenda_ask." + key, core::from_millis(ask),
                                           {{"meeting", m.id}});
    }
    turn.engine().scheduler().schedule(turn, "meetings.joint_next", "meetings.joint_next." + key,
                                       core::from_millis(m.end_at),
                                       {{"meeting", m.id}, {"series", s.id}});
}

std::vector<std::string> next_dates(Turn& turn, const store::meetings::MeetingSeries& s, int count,
                                    const std::string& zone) {
    std::vector<std::string> out;
    for (const auto& o : occurrences(s.rrule, s.local_minute, s.zone, now_ms(turn), count, 800)) {
        out.push_back(format_local(core::from_millis(o.start), zone));
    }
    return out;
}

void show_joint(Turn& turn) {
    const auto series = turn.read_table<MeetingTable>().active_series();
    if (series.empty()) {
        turn.reply("meetings.joint_none");
        return;
    }
    const std::string zone = zone_of(turn, turn.person());
    json items = json::array();
    for (const auto& s : series) {
        items.push_back({{"id", s.id},
                         {"spec", s.spec},
                         {"time", hm(s.local_minute)},
                         {"rule_zone", s.zone},
                         {"next", turn.list_data(next_dates(turn, s, 3, zone))},
                         {"organizer", name_of(turn, s.organizer_id)}});
    }
    turn.reply("meetings.joint_list", {{"items", items}, {"zone", zone}});
}

void cancel_joint(Turn& turn) {
    const auto series = turn.read_table<MeetingTable>().active_series();
    if (series.empty()) {
        turn.reply("meetings.joint_none");
        return;
    }
    const std::int64_t now = now_ms(turn);
    for (const auto& s : series) {
        turn.write_table<MeetingTable>().cancel_series(s.id);
        turn.audit("joint_meeting.cancel", {{"series", s.id}});
    }
    // Every future meeting of the series goes, with its reminders and questions.
    while (auto m = turn.read_table<MeetingTable>().next_of_series(now)) {
        {
            turn.write_table<MeetingTable>().set_status(m->id, "cancelled", now);
            cancel_reminders(turn, m->id);
            for (const std::string kind : {"agenda_ask", "joint_next"}) {
                turn.write().jobs().cancel("meetings." + kind + "." + std::to_string(m->id));
            }
        }
    }
    turn.reply("meetings.joint_cancelled", {{"count", series.size()}});
}

void joint_meeting(Turn& turn, const CommandArgs& args) {
    // Declared: [every] RULE TIME [ZONE] [duration D] as typed, or nothing, or cancel.
    std::vector<std::string> words = core::split_words(args.parsed.word("joint_rule"));
    if (words.empty()) {
        show_joint(turn);
        return;
    }
    if (words.size() == 1 && is_word(turn, "cancel", words[0])) {
        cancel_joint(turn);
        return;
    }
    JointAsk ask;
    ask.words = std::move(words);
    ask.company_zone = turn.engine().settings().company_timezone;
    ask.now_ms = now_ms(turn);
    ask.default_duration = joint_duration_default;
    ask.look_ahead = joint_checked;
    const JointPlan plan = plan_joint_meeting(turn.engine().prompts(), ask);
    if (plan.problem == "usage") return usage(turn, "joint-meeting");
    if (!plan.problem.empty()) return turn.reply("meetings." + plan.problem, plan.data);
    const std::int64_t now = ask.now_ms;
    store::meetings::MeetingSeries s;
    s.title = turn.text("meetings.joint_title");
    s.rrule = plan.rrule;
    s.spec = plan.spec;
    s.local_minute = plan.minute;
    s.zone = plan.zone;
    s.duration_min = plan.duration;
    s.organizer_id = turn.person()->id;
    s.created_at = now;
    s.id = turn.write_table<MeetingTable>().create_series(s);
    plan_occurrence(turn, s, plan.next.front());
    turn.audit("joint_meeting.create",
               {{"series", s.id}, {"rrule", plan.rrule}, {"zone", plan.zone}});
    const std::string my_zone = zone_of(turn, turn.person());
    std::vector<std::string> managers;
    for (const Person* p : joint_managers(turn)) managers.push_back(p->name);
    turn.reply("meetings.joint_created", {{"spec", plan.spec},
                                          {"rrule", plan.rrule},
                                          {"time", plan.time},
                                          {"rule_zone", plan.zone},
                                          {"zone", my_zone},
                                          {"next", turn.list_data(next_dates(turn, s, 3, my_zone))},
                                          {"managers", turn.list_data(managers)},
                                          {"has_managers", !managers.empty()}});
}

void agenda_ask(Turn& turn, const json& payload) {
    const auto m = turn.read_table<MeetingTable>().get(payload.at("meeting").get<std::int64_t>());
    if (!m || m->status != "booked") return;
    for (const Person* p : joint_managers(turn))
        turn.tell(*p, "meetings.agenda_ask", meeting_data(turn, *m, *p));
}

void joint_next(Turn& turn, const json& payload) {
    const auto s = turn.read_table<MeetingTable>().series(payload.at("series").get<std::int64_t>());
    const auto m = turn.read_table<MeetingTable>().get(payload.at("meeting").get<std::int64_t>());
    if (!s || !m || s->status != "active") return;
    if (m->status == "booked") {
        if (const Person* o = turn.engine().directory().by_id(s->organizer_id)) {
            turn.tell(*o, "meetings.minutes_prompt", meeting_data(turn, *m, *o));
        }
    }
    const auto next = occurrences(s->rrule, s->local_minute, s->zone, m->start_at, 1, 800);
    if (!next.empty()) plan_occurrence(turn, *s, next.front());
}

/// Agenda items of an answer: one per line or separated by semicolons.
std::vector<std::string> items_of(const std::string& text) {
    std::string s = text;
    for (const std::string sep : {"；", ";"}) {
        for (auto at = s.find(sep); at != std::string::npos; at = s.find(sep, at)) {
            s.replace(at, sep.size(), "\n");
        }
    }
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);) {
        const std::string item(core::trim(line));
        if (!item.empty()) out.push_back(std::string(core::utf8_prefix(item, 300)));
    }
    return out;
}

void add_agenda(Turn& turn, const std::string& text) {
    const auto m = turn.read_table<MeetingTable>().next_of_series(now_ms(turn));
    if (!m) {
        turn.reply("meetings.no_joint");
        return;
    }
    const auto items = items_of(text);
    if (items.empty()) {
        turn.reply("meetings.answer_empty");
        return;
    }
    for (const auto& item : items) {
        turn.write_table<MeetingTable>().add_agenda_item(m->id, turn.person()->id, item,
                                                         now_ms(turn));
    }
    turn.audit("joint_meeting.agenda", {{"meeting", m->id}, {"items", items.size()}});
    json data = meeting_data(turn, *m, *turn.person());
    data["count"] = items.size();
    data["total"] = turn.read_table<MeetingTable>().agenda(m->id).size();
    turn.reply("meetings.agenda_added", data);
}

void agenda(Turn& turn, const CommandArgs& args) {
    // Declared: [ITEM; ITEM ...], the rest of the line.
    if (args.parsed.has("items")) {
        add_agenda(turn, args.parsed.word("items"));
        return;
    }
    const auto m = turn.read_table<MeetingTable>().next_of_series(now_ms(turn));
    if (!m) {
        turn.reply("meetings.no_joint");
        return;
    }
    json state = meeting_data(turn, *m, *turn.person());
    turn.engine().dialogs().start(turn, "agenda", state);
}

void minutes(Turn& turn, const CommandArgs&) {
    const auto m = turn.read_table<MeetingTable>().latest_without_minutes(now_ms(turn));
    if (!m) {
        turn.reply("meetings.no_minutes_due");
        return;
    }
    turn.engine().dialogs().start(turn, "minutes", meeting_data(turn, *m, *turn.person()));
}

bool accept_text(Turn& turn, json& state, const std::string& key, const std::string& answer) {
    const std::string text(core::trim(answer));
    if (text.empty()) {
        turn.reply("meetings.answer_empty");
        return false;
    }
    if (core::utf8_length(text) > 4000) {
        turn.reply("meetings.answer_too_long", {{"max", 4000}});
        return false;
    }
    state[key] = text;
    return true;
}

void finish_minutes(Turn& turn, json& state) {
    const std::int64_t id = state.at("id").get<std::int64_t>();
    const auto m = turn.read_table<MeetingTable>().get(id);
    if (!m) return;
    store::meetings::Minutes rec;
    rec.meeting_id = id;
    rec.decisions = state.value("decisions", "");
    rec.actions = state.value("actions", "");
    rec.recorded_by = turn.person()->id;
    rec.recorded_at = now_ms(turn);
    turn.write_table<MeetingTable>().save_minutes(rec);
    turn.audit("joint_meeting.minutes", {{"meeting", id}});
    const auto& settings = turn.engine().settings();
    const std::string locale = settings.default_locale;
    auto bullets = [](const std::string& text) {
        json out = json::array();
        for (const auto& i : items_of(text)) out.push_back({{"item", i}});
        return out;
    };
    json data = {{"title", m->title},
                 {"when", local_span(m->start_at, m->end_at, settings.company_timezone)},
                 {"zone", settings.company_timezone},
                 {"who", turn.person()->name},
                 {"decisions", bullets(rec.decisions)},
                 {"has_decisions", !rec.decisions.empty()},
                 {"actions", bullets(rec.actions)},
                 {"has_actions", !rec.actions.empty()}};
    int posted = 0;
    for (const auto& c : turn.read().channel_tracks().by_track("joint")) {
        turn.post({c.connector, c.channel, ""}, locale, "meetings.minutes_post", data,
                  "meetings.minutes." + std::to_string(id) + "." + c.connector + "." + c.channel);
        ++posted;
    }
    turn.reply("meetings.minutes_saved", {{"channels", posted}, {"posted", posted > 0}});
}

DialogSpec minutes_dialog() {
    DialogSpec spec;
    spec.kind = "minutes";
    spec.steps.push_back(
        {"meetings.ask_decisions", true,
         [](Turn& t, json& s, const std::string& a) { return accept_text(t, s, "decisions", a); }});
    spec.steps.push_back({"meetings.ask_actions", true, [](Turn& t, json& s, const std::string& a) {
                              return accept_text(t, s, "actions", a);
                          }});
    spec.finish = [](Turn& turn, json& state) {
        if (!state.contains("decisions") && !state.contains("actions")) {
            turn.reply("meetings.minutes_nothing");
            return;
        }
        finish_minutes(turn, state);
    };
    return spec;
}

DialogSpec agenda_dialog() {
    DialogSpec spec;
    spec.kind = "agenda";
    spec.steps.push_back({"meetings.ask_agenda", false, [](Turn& t, json& s, const std::string& a) {
                              return accept_text(t, s, "items", a);
                          }});
    spec.finish = [](Turn& turn, json& state) { add_agenda(turn, state.value("items", "")); };
    return spec;
}

IcsPerson ics_person(Turn& turn, std::int64_t id) {
    const Person* p = turn.engine().directory().by_id(id);
    if (!p) return {"#" + std::to_string(id), "person-" + std::to_string(id) + "@invalid"};
    return {p->name, p->email};
}

IcsEvent ics_event(Turn& turn, const store::meetings::Meeting& m) {
    IcsEvent e;
    e.uid = m.uid;
    e.title = m.title;
    e.start = m.start_at;
    e.end = m.end_at;
    e.cancelled = m.status == "cancelled";
    e.sequence = m.sequence;
    e.created = m.created_at;
    e.updated = m.updated_at;
    e.organizer = ics_person(turn, m.organizer_id);
    for (const auto& a : m.attendees)
        e.attendees.push_back({ics_person(turn, a.person_id), a.required});
    return e;
}

core::ApiResponse ics_response(const std::string& body, const std::string& name) {
    core::ApiResponse r;
    r.content_type = "text/calendar; charset=utf-8";
    r.body = body;
    r.headers.emplace_back("Content-Disposition", "inline; filename=\"" + name + "\"");
    return r;
}

}  // namespace

std::optional<std::string> meeting_ics(Turn& turn, std::int64_t id) {
    const auto m = turn.read_table<MeetingTable>().get(id);
    if (!m) return std::nullopt;
    return event_ics(ics_event(turn, *m), now_ms(turn));
}

std::optional<std::string> person_calendar_ics(Turn& turn, std::int64_t person_id) {
    const Person* p = turn.engine().directory().by_id(person_id);
    if (!p) return std::nullopt;
    std::vector<IcsEvent> events;
    for (const auto& m :
         turn.read_table<MeetingTable>().feed_of(person_id, now_ms(turn) - 30 * day_ms)) {
        events.push_back(ics_event(turn, m));
    }
    return calendar_ics(p->name, events, now_ms(turn));
}

namespace {

/// Counts from this engine's store.
class EngineMeetingStats final : public MeetingStats {
  public:
    explicit EngineMeetingStats(Engine& engine) : engine_(engine) {}
    std::int64_t joint_meetings_held(std::int64_t from_ms, std::int64_t to_ms) override {
        return static_cast<std::int64_t>(joint_meetings(from_ms, to_ms).size());
    }
    std::vector<HeldMeeting> joint_meetings(std::int64_t from_ms, std::int64_t to_ms) override {
        std::vector<HeldMeeting> out;
        for (const auto& m :
             MeetingTable(engine_.store().db()).joint_meetings_ended_between(from_ms, to_ms)) {
            out.push_back(
                {m.id, m.title, m.start_at, static_cast<std::int64_t>(m.attendees.size())});
        }
        return out;
    }

  private:
    Engine& engine_;
};

/// The next joint meeting's agenda, for features that put items on it (rules).
class EngineJointAgenda final : public JointAgenda {
  public:
    std::optional<JointMeeting> next(Turn& turn) override {
        const auto m = turn.read_table<MeetingTable>().next_of_series(now_ms(turn));
        if (!m) return std::nullopt;
        return JointMeeting{m->id, m->start_at, m->title};
    }
    void add_item(Turn& turn, std::int64_t meeting_id, std::int64_t person_id,
                  const std::string& text) override {
        turn.write_table<MeetingTable>().add_agenda_item(meeting_id, person_id, text, now_ms(turn));
    }
};

}  // namespace

Feature feature() {
    Feature f{"meetings", "meetings", read_config, {7}, [](Engine& engine, Services&) {
                  register_meetings(engine);
              }};
    f.person_data = store::meetings::person_data;
    return f;
}

void register_meetings(Engine& engine) {
    engine.services().provide<MeetingStats>(std::make_shared<EngineMeetingStats>(engine));
    engine.services().provide<JointAgenda>(std::make_shared<EngineJointAgenda>());
    auto& r = engine.router();
    const std::vector<std::string> organisers = {"manager", "hr"};
    r.add(CommandSpec("meet", meet)
              .arg(Arg::word("title"))
              .keyword("meetings.words.with", Arg::text("with"))
              .keyword("meetings.words.optional", Arg::text("optional").optional())
              .keyword("meetings.words.duration", Arg::word("meet_duration").optional())
              .keyword("meetings.words.within", Arg::word("within").optional())
              .keyword("meetings.words.after", Arg::text("meet_after").optional())
              .roles(organisers)
              .writes());
    r.add(CommandSpec("book", book).arg(Arg::id("slot")).roles(organisers).writes());
    r.add(CommandSpec("meeting cancel", cancel_meeting)
              .arg(Arg::id("id"))
              .roles(organisers)
              .writes());
    r.add(CommandSpec("meetings", list_meetings).no_args());
    auto fetching = std::make_shared<Fetching>();
    r.add(CommandSpec("calendar import",
                      [fetching](Turn& turn, const CommandArgs& args) {
                          import_calendar(turn, args, fetching);
                      })
              .arg(Arg::word("source"))
              .writes());
    r.add(CommandSpec("joint-meeting", joint_meeting)
              // The line as typed: an RRULE (FREQ=MONTHLY;BYDAY=2TU) is no option.
              .arg(Arg::verbatim("joint_rule").optional())
              .roles(organisers)
              .writes());
    r.add(CommandSpec("joint-meetings", [](Turn& turn, const CommandArgs&) {
              show_joint(turn);
          }).no_args());
    r.add(CommandSpec("agenda", agenda)
              .roles(organisers)
              .arg(Arg::note("items").optional())
              .writes());
    r.add(CommandSpec("minutes", minutes).roles(organisers).no_args().writes());
    engine.dialogs().add(minutes_dialog());
    engine.dialogs().add(agenda_dialog());
    // iCalendar over HTTP (the hub checks the token before forwarding).
    engine.api().add({"GET", "/api/v1/events/{id}.ics", false,
                      [](Turn& turn, const ApiCall& call) -> core::ApiResponse {
                          const auto id = parse_id(call.params.at("id"));
                          const auto ics = id ? meeting_ics(turn, *id) : std::nullopt;
                          if (!ics) return api_error(404, "not_found", "no such event");
                          return ics_response(*ics, "event-" + std::to_string(*id) + ".ics");
                      }},
                     "calendar:read");
    engine.api().add({"GET", "/api/v1/people/{id}/calendar.ics", false,
                      [](Turn& turn, const ApiCall& call) -> core::ApiResponse {
                          const auto id = parse_id(call.params.at("id"));
                          const auto ics = id ? person_calendar_ics(turn, *id) : std::nullopt;
                          if (!ics) return api_error(404, "not_found", "no such person");
                          return ics_response(*ics, "calendar-" + std::to_string(*id) + ".ics");
                      }},
                     "calendar:read");
    engine.scheduler().on("meetings.remind", remind);
    engine.scheduler().on("meetings.agenda_ask", agenda_ask);
    engine.scheduler().on("meetings.joint_next", joint_next);
    engine.scheduler().on("meetings.calendar_fetched", [fetching](Turn& turn, const json& payload) {
        calendar_fetched(turn, payload, *fetching);
    });
}

}  // namespace twintrack::bot::meetings
