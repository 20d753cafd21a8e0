#include "bot/features/reports/rotation.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cctype>

#include "bot/engine.hpp"
#include "bot/features/reports/store/rotations_store.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::reports {
namespace {

using nlohmann::json;
using store::reports::Rotation;
using store::reports::RotationAssignment;
using RotationTable = store::reports::RotationRepository;

constexpr const char* round_job = "rotation.round";
constexpr std::int64_t day_ms = 24LL * 3600 * 1000;
// Each round is planned (and both sides told) this long before it starts.
constexpr std::int64_t notice_ms = 2 * day_ms;
constexpr int max_batch = 100;
const std::vector<std::string> planners = {"manager", "hr", "admin"};

std::int64_t now_ms(Turn& turn) { return core::to_millis(turn.now()); }

std::string lower(std::string s) { return core::ascii_lower(s); }

/// "marketing" / "sales" / "hr" / "management" from a word in any locale.
std::optional<std::string> department_word(Turn& turn, const std::string& word) {
    const std::string w = lower(word);
    for (const std::string dept : {"marketing", "sales", "hr", "management"}) {
        if (w == dept) return dept;
        if (turn.engine().prompts().is_word("reports.words." + dept, w)) return dept;
    }
    return std::nullopt;
}

/// The staff of a department (managers plan rotations; they are not sent on them).
std::vector<std::int64_t> ids_in(const Directory& dir, const std::string& department) {
    std::vector<std::int64_t> out;
    for (const auto& p : dir.all()) {
        if (p.department == department && p.role == "staff") out.push_back(p.id);
    }
    return out;
}

std::string department_text(Turn& turn, const std::string& department) {
    return turn.text("core.department." + department);
}

/// Monday 09:00 in `zone` strictly after `now`, or 09:00 on `ymd` (nothing when that is
/// not a date).
std::optional<std::int64_t> first_start(const std::string& zone, core::Timestamp now,
                                        const std::string& ymd) {
    const auto* tz = zone_or_utc(zone);
    date::local_days day{};
    if (!ymd.empty()) {
        const auto d = parse_ymd(ymd);
        if (!d) return std::nullopt;
        day = date::local_days(*d);
    } else {
        const auto local = tz->to_local(now);
        day = date::floor<date::days>(local);
        do {
            day += date::days(1);
        } while (date::weekday(day) != date::Monday);
    }
    const auto at = tz->to_sys(day + std::chrono::hours(9), date::choose::earliest);
    return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

std::string local_text(core::Timestamp at, const Person& p) { return format_local(at, p.timezone); }

/// Plans round `round` of `rotation`: picks who goes with whom, stores it, tells both
/// sides and schedules the next round. Returns the pairs (empty when nobody can go).
std::vector<RotationAssignment> plan_round(Turn& turn, const Rotation& rotation, int round) {
    auto rotations = turn.write_table<RotationTable>();
    if (!rotations.round(rotation.id, round).empty()) return {};  // planned before
    const auto& dir = turn.engine().directory();
    const std::int64_t starts = rotation.first_start + (round - 1) * rotation.every_days * day_ms;
    const std::int64_t ends = starts + rotation.every_days * day_ms;
    const auto pairs = pick_round(
        ids_in(dir, rotation.department), ids_in(dir, rotation.host_department), rotation.batch,
        rotations.times_went(rotation.id), rotations.times_hosted(rotation.id));
    std::vector<RotationAssignment> out;
    for (const auto& [goer_id, host_id] : pairs) {
        RotationAssignment a{0, rotation.id, round, goer_id, host_id, starts, ends};
        rotations.add_assignment(a);
        out.push_back(a);
        const Person* goer = dir.by_id(goer_id);
        const Person* host = dir.by_id(host_id);
        if (goer == nullptr || host == nullptr) continue;
        const auto s = core::from_millis(starts);
        const auto e = core::from_millis(ends);
        turn.tell(*goer, "reports.rotation_you_go",
                  {{"round", round},
                   {"host", host->name},
                   {"starts", local_text(s, *goer)},
                   {"ends", local_text(e, *goer)},
                   {"zone", goer->timezone},
                   {"tag_days", rotation_tag_days}});
        turn.tell(*host, "reports.rotation_you_host",
                  {{"round", round},
                   {"who", goer->name},
                   {"department",
                    turn.engine().prompts().render(turn.engine().locale_for(host),
                                                   "core.department." + rotation.department)},
                   {"starts", local_text(s, *host)},
                   {"ends", local_text(e, *host)},
                   {"zone", host->timezone}});
    }
    const std::int64_t next_start = starts + rotation.every_days * day_ms;
    const std::int64_t due = std::max(now_ms(turn), next_start - notice_ms);
    turn.engine().scheduler().schedule(
        turn, round_job,
        "rotation." + std::to_string(rotation.id) + "." + std::to_string(round + 1),
        core::from_millis(due), {{"rotation", rotation.id}, {"round", round + 1}});
    turn.audit("rotation.round",
               {{"rotation", rotation.id}, {"round", round}, {"pairs", out.size()}});
    return out;
}

json pairs_data(Turn& turn, const std::vector<RotationAssignment>& pairs) {
    json out = json::array();
    const auto& dir = turn.engine().directory();
    for (const auto& a : pairs) {
        const Person* goer = dir.by_id(a.person_id);
        const Person* host = dir.by_id(a.host_id);
        out.push_back(
            {{"who", goer ? goer->name : "?"},
             {"host", host ? host->name : "?"},
             {"round", a.round},
             {"starts", format_local(core::from_millis(a.starts_at),
                                     turn.person() ? turn.person()->timezone
                                                   : turn.engine().settings().company_timezone)}});
    }
    return out;
}

void plan(Turn& turn, const CommandArgs& args) {
    // Declared: DEPT with DEPT [batch=N] [every=P] [from=DATE].
    const ParsedArgs& a = args.parsed;
    const auto dept = department_word(turn, a.word("department"));
    const auto host = department_word(turn, a.word("host"));
    if (!dept || !host) {
        turn.reply("reports.rotation_unknown_department",
                   {{"word", !dept ? a.word("department") : a.word("host")}});
        return;
    }
    if (*dept == *host) {
        turn.reply("reports.rotation_same_department");
        return;
    }
    int batch = 1;
    int every = 14;
    if (a.has("batch")) {
        const std::string v = a.word("batch");
        const bool digits =
            !v.empty() && v.size() <= 3 &&
            std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); });
        if (!digits || std::stoi(v) < 1 || std::stoi(v) > max_batch) {
            turn.reply("reports.rotation_bad_batch", {{"value", v}, {"max", max_batch}});
            return;
        }
        batch = std::stoi(v);
    }
    if (a.has("every")) {
        const auto days = parse_period_days(turn.engine().prompts(), a.word("every"));
        if (!days) {
            turn.reply("reports.rotation_bad_period", {{"value", a.word("every")}});
            return;
        }
        every = *days;
    }
    const std::string from = a.date("from") ? date::format("%F", *a.date("from")) : "";
    const std::string zone = turn.engine().settings().company_timezone;
    const auto start = first_start(zone, turn.now(), from);
    if (!start) {
        turn.reply("reports.rotation_bad_date", {{"value", from}});
        return;
    }
    if (*start <= now_ms(turn)) {
        turn.reply("reports.rotation_past_date", {{"value", from}});
        return;
    }
    const auto& dir = turn.engine().directory();
    if (ids_in(dir, *dept).empty() || ids_in(dir, *host).empty()) {
        turn.reply(
            "reports.rotation_nobody",
            {{"department", department_text(turn, ids_in(dir, *dept).empty() ? *dept : *host)}});
        return;
    }
    Rotation r;
    r.department = *dept;
    r.host_department = *host;
    r.batch = batch;
    r.every_days = every;
    r.first_start = *start;
    r.created_by = turn.person()->id;
    r.created_at = now_ms(turn);
    r.id = turn.write_table<RotationTable>().create(r);
    turn.audit("rotation.plan", {{"rotation", r.id},
                                 {"department", r.department},
                                 {"with", r.host_department},
                                 {"batch", batch},
                                 {"every_days", every}});
    const auto pairs = plan_round(turn, r, 1);
    turn.reply("reports.rotation_planned",
               {{"id", r.id},
                {"batch", batch},
                {"department", department_text(turn, r.department)},
                {"host_department", department_text(turn, r.host_department)},
                {"days", every},
                {"starts", format_local(core::from_millis(r.first_start), zone)},
                {"zone", zone},
                {"pairs", pairs_data(turn, pairs)},
                {"tag_days", rotation_tag_days}});
}

void show(Turn& turn, const CommandArgs&) {
    auto plans = turn.read_table<RotationTable>().active();
    if (plans.empty()) {
        turn.reply("reports.rotation_none");
        return;
    }
    json items = json::array();
    for (const auto& r : plans) {
        items.push_back({{"id", r.id},
                         {"batch", r.batch},
                         {"department", department_text(turn, r.department)},
                         {"host_department", department_text(turn, r.host_department)},
                         {"days", r.every_days},
                         {"pairs", pairs_data(turn, turn.read_table<RotationTable>().upcoming(
                                                        r.id, now_ms(turn)))}});
    }
    turn.reply("reports.rotation_list", {{"plans", items}});
}

void stop(Turn& turn, const CommandArgs& args) {
    // Declared: ID (the parser answers a missing plan or a word that is not a number).
    const auto id = args.parsed.id("id");
    const auto r = turn.read_table<RotationTable>().get(*id);
    if (!r || r->stopped_at) {
        turn.reply("reports.rotation_not_found", {{"id", *id}});
        return;
    }
    turn.write_table<RotationTable>().stop(*id, now_ms(turn));
    turn.audit("rotation.stop", {{"rotation", *id}});
    turn.reply("reports.rotation_stopped", {{"id", *id}});
}

}  // namespace

std::optional<int> parse_period_days(const Prompts& prompts, const std::string& text) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
        ++digits;
    }
    if (digits == 0 || digits > 3) return std::nullopt;
    const int n = std::stoi(text.substr(0, digits));
    const std::string unit = lower(text.substr(digits));
    // The unit is written right after the number: one of `core.words.unit_weeks` or
    // `unit_days` of any locale, exactly.
    auto unit_is = [&](const std::string& key) {
        for (const auto& w : prompts.words_all_locales("core.words." + key)) {
            if (lower(w) == unit) return true;
        }
        return false;
    };
    int days = 0;
    if (unit_is("unit_weeks")) {
        days = n * 7;
    } else if (unit_is("unit_days")) {
        days = n;
    } else {
        return std::nullopt;
    }
    if (days < 1 || days > 365) return std::nullopt;
    return days;
}

std::vector<std::pair<std::int64_t, std::int64_t>> pick_round(
    const std::vector<std::int64_t>& goers, const std::vector<std::int64_t>& hosts, int batch,
    const std::map<std::int64_t, int>& times_went,
    const std::map<std::int64_t, int>& times_hosted) {
    auto count = [](const std::map<std::int64_t, int>& m, std::int64_t id) {
        const auto it = m.find(id);
        return it == m.end() ? 0 : it->second;
    };
    std::vector<std::int64_t> going = goers;
    std::stable_sort(going.begin(), going.end(), [&](std::int64_t a, std::int64_t b) {
        return count(times_went, a) < count(times_went, b);
    });
    if (going.size() > static_cast<std::size_t>(std::max(0, batch))) going.resize(batch);
    std::map<std::int64_t, int> hosted = times_hosted;
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    if (hosts.empty()) return out;
    for (const std::int64_t g : going) {
        std::int64_t best = hosts.front();
        for (const std::int64_t h : hosts) {
            if (count(hosted, h) < count(hosted, best)) best = h;
        }
        ++hosted[best];
        out.emplace_back(g, best);
    }
    return out;
}

std::string report_tags(Turn& turn) {
    if (turn.person() == nullptr) return "";
    const auto a = turn.read_table<RotationTable>().covering(turn.person()->id, now_ms(turn),
                                                             rotation_tag_days * day_ms);
    return a ? "rotation" : "";
}

void register_rotation(Engine& engine) {
    auto& r = engine.router();
    r.add(CommandSpec("rotation plan", plan)
              .arg(Arg::word("department"))
              .keyword("reports.words.with", Arg::word("host"))
              .option("reports.words.batch", Arg::word("batch"))
              .option("reports.words.every", Arg::word("every"))
              .option("reports.words.from", Arg::date("from"))
              .roles(planners)
              .writes());
    r.add(CommandSpec("rotation stop", stop).arg(Arg::id("id")).roles(planners).writes());
    r.add(CommandSpec("rotation", show));
    engine.scheduler().on(round_job, [](Turn& turn, const json& payload) {
        const auto rotation = turn.read_table<RotationTable>().get(payload.value("rotation", 0LL));
        if (!rotation || rotation->stopped_at) return;
        plan_round(turn, *rotation, payload.value("round", 1));
    });
}

}  // namespace twintrack::bot::reports
