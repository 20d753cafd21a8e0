// The dashboard's data (docs/DASHBOARD.md): GET /api/v1/dashboard/{page} answers the
// figures of one page as JSON for the person who reads it. Every figure comes from the
// function the chat command showing it calls: compute_metrics (`metrics` and the weekly
// post) over the same view (view_for), once per week for the trends; the field figures
// from reports::tally_* (field_figures.hpp, also `plan`) over FieldFacts; the calendar
// and the budget from the meetings and social features' services (MeetingStats,
// ActivityStats), computed by the functions `training`, `outing`, `budget` use.

#include "bot/features/metrics/dashboard.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "bot/api.hpp"
#include "bot/customer_markets.hpp"
#include "bot/customers.hpp"
#include "bot/engagement_facts.hpp"
#include "bot/engine.hpp"
#include "bot/features/meetings/meeting_stats.hpp"
#include "bot/features/metrics/deal_input.hpp"
#include "bot/features/metrics/metrics.hpp"
#include "bot/features/social/activity_stats.hpp"
#include "bot/field_facts.hpp"
#include "bot/field_figures.hpp"
#include "bot/funnel_stages.hpp"
#include "bot/local_time.hpp"
#include "bot/report_texts.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"
#include "store/store.hpp"

namespace twintrack::bot::metrics {
// Named, so that a unity build with metrics.cpp keeps the two files' helpers apart.
namespace dashboard_page {
namespace {

using nlohmann::json;

// Set by the hub from the session a request came with; the hub drops a client's own.
const char* const signed_in_header = "x-twintrack-signed-in-user";
const char* const pages[] = {"metrics", "activities", "engagements", "intel"};

core::ApiResponse json_ok(const json& body) {
    core::ApiResponse r;
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
}

std::string query(const ApiCall& call, const std::string& name) {
    const auto it = call.request.query.find(name);
    return it == call.request.query.end() ? std::string() : it->second;
}

/// The reader: the hub's session when it signed the person in, else `?user=` (the
/// loopback page and tokens, as /api/v1/help). Fills `refused` when there is none.
const Person* reader_of(Turn& turn, const ApiCall& call,
                        std::optional<core::ApiResponse>& refused) {
    const auto header = call.request.headers.find(signed_in_header);
    const std::string asked = query(call, "user");
    const Directory& directory = turn.engine().directory();
    if (header != call.request.headers.end() && !header->second.empty()) {
        if (!asked.empty() && asked != header->second) {
            refused =
                api_error(403, "forbidden", "the dashboard shows the signed-in person's view");
            return nullptr;
        }
        const Person* p =
            directory.resolve(core::Sender{call.request.connector, header->second, header->second});
        if (p == nullptr) refused = api_error(403, "forbidden", "nobody has that identity here");
        return p;
    }
    if (asked.empty()) {
        refused = api_error(400, "bad_request", "the query parameter user is required");
        return nullptr;
    }
    const Person* p = directory.resolve(core::Sender{call.request.connector, asked, asked});
    if (p == nullptr) refused = api_error(404, "not_found", "nobody has that identity here");
    return p;
}

bool sees_activities(const Person& p) {
    return p.role == "hr" || p.department == "hr" || p.role == "admin" || p.role == "manager";
}

std::string day_label(std::int64_t ms, const std::string& zone) {
    const auto local = date::floor<date::days>(zone_or_utc(zone)->to_local(core::from_millis(ms)));
    return date::format("%F", local);
}

json optional_value(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json optional_value(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

/// The figures a page shows, by key (the same keys as the labels `dashboard.figure.*`).
json figures_of(const std::string& page, const Metrics& m) {
    const JointActivity& a = m.activity;
    if (page == "activities") {
        return {{"joint_meetings_held", optional_value(a.joint_meetings_held)},
                {"coffee_pairs_met", optional_value(a.coffee_pairs_met)},
                {"budget_planned", optional_value(a.budget_planned)},
                {"budget_spent", optional_value(a.budget_spent)}};
    }
    if (page == "engagements") {
        return {{"leads", m.leads},
                {"handoffs", m.handoffs},
                {"handoffs_accepted", m.handoffs_accepted},
                {"median_acceptance_hours", optional_value(m.median_acceptance_hours)},
                {"consultations_asked", m.consultations_asked},
                {"consultations_answered", m.consultations_answered},
                {"pipeline_created", m.pipeline_created},
                {"pipeline_deals", m.pipeline_deals},
                {"deals_won", m.deals_won},
                {"deals_lost", m.deals_lost}};
    }
    if (page == "intel") {
        return {{"reporters", m.reporters},
                {"expected_reporters", m.expected_reporters},
                {"report_coverage_percent", optional_value(m.report_coverage_percent)},
                {"kit_needs", optional_value(a.kit_needs)},
                {"kit_covered", optional_value(a.kit_covered)},
                {"kit_gaps", optional_value(a.kit_gaps)}};
    }
    return {{"revenue", m.revenue},
            {"profit", m.profit},
            {"deals_won", m.deals_won},
            {"deals_lost", m.deals_lost},
            {"pipeline_created", m.pipeline_created},
            {"attainment_percent", optional_value(m.attainment_percent)},
            {"leads", m.leads},
            {"handoffs", m.handoffs},
            {"handoffs_accepted", m.handoffs_accepted},
            {"median_acceptance_hours", optional_value(m.median_acceptance_hours)},
            {"incremental_sales", m.incremental_sales},
            {"pool", m.pool},
            {"campaign_cost", optional_value(m.campaign_cost)},
            {"cost_per_incremental", optional_value(m.cost_per_incremental)},
            {"report_coverage_percent", optional_value(m.report_coverage_percent)},
            {"consultations_asked", m.consultations_asked},
            {"consultations_answered", m.consultations_answered},
            {"joint_meetings_held", optional_value(a.joint_meetings_held)},
            {"coffee_pairs_met", optional_value(a.coffee_pairs_met)},
            {"budget_planned", optional_value(a.budget_planned)},
            {"budget_spent", optional_value(a.budget_spent)}};
}

/// The figures a page draws over the weeks.
std::vector<std::string> trend_keys(const std::string& page) {
    if (page == "activities") return {"joint_meetings_held", "coffee_pairs_met"};
    if (page == "engagements") return {"leads", "handoffs", "handoffs_accepted", "deals_won"};
    if (page == "intel") return {"reporters", "report_coverage_percent"};
    return {"revenue",
            "incremental_sales",
            "pool",
            "leads",
            "handoffs",
            "median_acceptance_hours",
            "attainment_percent",
            "report_coverage_percent",
            "cost_per_incremental",
            "consultations_asked",
            "joint_meetings_held",
            "coffee_pairs_met",
            "budget_planned",
            "budget_spent"};
}

/// Every label of the dashboard in `locale` (prompts `dashboard.*`).
json labels_of(const Engine& engine, const std::string& locale) {
    json out = json::object();
    const std::string prefix = "dashboard.";
    for (const auto& key : engine.prompts().keys(locale)) {
        if (key.rfind(prefix, 0) != 0) continue;
        out[key.substr(prefix.size())] = engine.prompts().render(locale, key);
    }
    return out;
}

// --- field intelligence: reports, price signals, markets and customers ------------------
// Counted by the reports feature's FieldFacts service: every number of reports is
// FieldFacts::count (store::reports::ReportRepository::count) over a store::ReportFilter, the count
// `reports` (`reports week`, `reports customer NAME`) and `intel` show; the rows by market
// are reports::tally_by_market's (field_figures.hpp), the same count as `plan`.

/// The filter of the reports filed in [from, to) by the people of `scope`.
store::ReportFilter reports_filter(const Scope& scope, std::int64_t from, std::int64_t to) {
    store::ReportFilter f;
    f.since_ms = from;
    f.until_ms = to;
    f.limit = -1;
    if (scope.people) f.author_ids.emplace(scope.people->begin(), scope.people->end());
    return f;
}

std::vector<reports::FieldFact> facts_during(const std::vector<reports::FieldFact>& facts,
                                             const Period& p) {
    std::vector<reports::FieldFact> out;
    for (const auto& f : facts) {
        if (p.contains(f.filed_at)) out.push_back(f);
    }
    return out;
}

std::vector<std::string> mentions_of(const store::Report& r, const char* kind) {
    std::vector<std::string> out;
    for (const auto& m : r.mentions) {
        if (m.kind == kind) out.push_back(m.value);
    }
    return out;
}

std::string person_name(const Engine& engine, std::int64_t id) {
    const Person* p = engine.directory().by_id(id);
    return p ? p->name : "#" + std::to_string(id);
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

/// Customer names by id, from the engagements feature's Customers service.
std::map<std::int64_t, std::string> customer_names(const Engine& engine) {
    std::map<std::int64_t, std::string> out;
    if (const auto* customers = engine.services().find<Customers>()) {
        for (const auto& c : customers->all()) out[c.id] = c.name;
    }
    return out;
}

/// The name a report's customer is shown by: the known customer's, else as written.
std::string customer_name(const reports::FieldFact& f,
                          const std::map<std::int64_t, std::string>& names) {
    if (f.customer_id) {
        const auto it = names.find(*f.customer_id);
        if (it != names.end()) return it->second;
    }
    return f.customer_text;
}

/// Rows of a table by market or customer, most reports first, each with its reports
/// newest first; `reports` the number each row shows (by key), else its tally's.
json tallies_json(const std::map<std::string, reports::FieldTally>& tallies,
                  const std::map<std::string, std::string>& names,
                  const std::map<std::string, std::int64_t>& reports = {}) {
    const auto count_of = [&](const std::string& key, const reports::FieldTally& t) {
        const auto it = reports.find(key);
        return it == reports.end() ? t.reports : it->second;
    };
    std::vector<std::pair<const std::string*, const reports::FieldTally*>> sorted;
    for (const auto& [key, t] : tallies) sorted.push_back({&key, &t});
    std::stable_sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) {
        return count_of(*a.first, *a.second) > count_of(*b.first, *b.second);
    });
    json out = json::array();
    for (const auto& [key, t] : sorted) {
        std::vector<std::int64_t> ids(t->report_ids.rbegin(), t->report_ids.rend());
        const auto name = names.find(*key);
        out.push_back({{"name", name == names.end() ? *key : name->second},
                       {"reports", count_of(*key, *t)},
                       {"competitor_mentions", t->competitor_mentions},
                       {"price_signals", t->price_signals},
                       {"report_ids", ids}});
    }
    return out;
}

/// Every price signal of `facts`, oldest first, as `intel` lists them under each report.
json prices_json(const Engine& engine, const std::vector<reports::FieldFact>& facts,
                 const std::map<std::int64_t, std::string>& names, const std::string& zone) {
    json prices = json::array();
    for (const auto& f : facts) {
        for (const auto& p : f.prices) {
            prices.push_back({{"report", f.id},
                              {"day", day_label(f.filed_at, zone)},
                              {"at", format_local(core::from_millis(f.filed_at), zone)},
                              {"author", person_name(engine, f.author_id)},
                              {"customer", customer_name(f, names)},
                              {"competitors", joined(f.competitors)},
                              {"competitor", f.competitors.empty() ? "" : f.competitors.front()},
                              {"text", p.text},
                              {"amount", optional_value(p.amount)},
                              {"unit", p.unit}});
        }
    }
    return prices;
}

/// The needs `facts` named most (at most `top`), each with how often it was named (the
/// tally's count, field_figures.hpp) and its reports, newest first; the need as first
/// written.
json top_needs_json(const std::vector<reports::FieldFact>& facts, std::size_t top = 10) {
    const reports::FieldTally total = reports::tally(facts);
    std::map<std::string, std::pair<std::string, std::vector<std::int64_t>>> seen;
    for (auto f = facts.rbegin(); f != facts.rend(); ++f) {  // newest first
        for (const auto& n : f->needs) {
            auto& [name, ids] = seen[core::ascii_lower(std::string(core::trim(n)))];
            name = std::string(core::trim(n));  // ends as the oldest spelling
            if (ids.empty() || ids.back() != f->id) ids.push_back(f->id);
        }
    }
    std::vector<std::pair<std::string, std::int64_t>> sorted(total.needs.begin(),
                                                             total.needs.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (sorted.size() > top) sorted.resize(top);
    json out = json::array();
    for (const auto& [key, mentions] : sorted) {
        const auto& entry = seen[key];
        out.push_back(
            {{"name", entry.first}, {"mentions", mentions}, {"report_ids", entry.second}});
    }
    return out;
}

/// The intel page's reports, price signals, markets and customers of `period`, and the
/// reports and price signals of each week of `trend` (series `reports`, `price_signals`).
/// Nothing when the reports feature is not registered.
void add_field_intel(json& body, json& series, Turn& turn, const Scope& scope, const Period& period,
                     const std::vector<Period>& trend, const std::string& zone,
                     const std::string& locale) {
    const Engine& engine = turn.engine();
    auto* field = engine.services().find<reports::FieldFacts>();
    const auto count = [&](const store::ReportFilter& f) {
        return field == nullptr ? std::int64_t{0} : field->count(f);
    };
    const auto all = field == nullptr
                         ? std::vector<reports::FieldFact>()
                         : field->matching(reports_filter(
                               scope, std::min(trend.front().from, period.from), period.to));
    const auto facts = facts_during(all, period);
    const auto names = customer_names(engine);
    const auto* plan = engine.services().find<CustomerMarkets>();
    const auto markets = plan ? plan->customer_markets() : std::map<std::int64_t, std::string>();
    const store::ReportFilter in_period = reports_filter(scope, period.from, period.to);

    body["figures"]["reports"] = count(in_period);
    body["figures"]["price_signals"] = reports::tally(facts).price_signals;
    body["prices"] = prices_json(engine, facts, names, zone);
    const std::map<std::string, std::string> market_names = {
        {"", engine.prompts().render(locale, "dashboard.no_market")}};
    body["markets"] = tallies_json(reports::tally_by_market(facts, markets), market_names);
    // Each customer's reports: those `reports customer NAME` lists and counts (filed for
    // the customer or naming it), of the period and the view.
    const auto by_customer = reports::tally_by_customer(facts);
    std::map<std::string, std::string> customer_rows;
    std::map<std::string, std::int64_t> customer_counts;
    for (const auto& entry : by_customer) {
        store::ReportFilter f = in_period;
        reports::filter_customer(f, entry.first);
        customer_counts[entry.first] = count(f);
    }
    for (const auto& f : facts) {
        for (const auto& key : f.customer_keys) {
            if (customer_rows.count(key)) continue;
            const bool known = key[0] == '#';
            const auto it = known ? names.find(std::stoll(key.substr(1))) : names.end();
            customer_rows[key] = it != names.end() ? it->second : known ? key : f.customer_text;
        }
    }
    body["customers"] = tallies_json(by_customer, customer_rows, customer_counts);
    body["needs"] = top_needs_json(facts);

    json weekly_reports = json::array();
    json weekly_prices = json::array();
    for (const Period& w : trend) {
        weekly_reports.push_back(count(reports_filter(scope, w.from, w.to)));
        weekly_prices.push_back(reports::tally(facts_during(all, w)).price_signals);
    }
    series["reports"] = weekly_reports;
    series["price_signals"] = weekly_prices;
}

/// Whether `me` may open a report by `author_id`: the author is in the reader's default
/// view or team view (view_for, the rules of `metrics`): staff their own department's,
/// managers their department's, admins and management's managers everyone's.
bool may_open_report(const Engine& engine, const Person& me, std::int64_t author_id) {
    for (const char* target : {"", "team"}) {
        const View v = view_for(engine, me, target, nullptr);
        if (v.refused.empty() && v.scope.includes(author_id)) return true;
    }
    return false;
}

/// GET /api/v1/dashboard/report?id=N: one field report, for a reader who may see it.
core::ApiResponse report_page(Turn& turn, const ApiCall& call, const Person& me,
                              const std::string& locale) {
    const Engine& engine = turn.engine();
    const std::string id = query(call, "id");
    if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos) {
        return api_error(400, "bad_request", "id is the number of a field report");
    }
    const auto* texts = engine.services().find<reports::ReportTexts>();
    const auto r = texts ? texts->report(std::stoll(id)) : std::nullopt;
    if (!r) return api_error(404, "not_found", "no field report has that number");
    if (!may_open_report(engine, me, r->author_id)) {
        return api_error(403, "forbidden", "a report of a department you may not see");
    }
    const std::string& zone = company_zone_of(engine);
    const Person* author = engine.directory().by_id(r->author_id);
    const reports::FieldFact fact = reports::field_fact_of(*r);
    const std::string customer = customer_name(fact, customer_names(engine));
    std::vector<std::string> prices;
    for (const auto& p : fact.prices) prices.push_back(p.text);
    json body;
    body["page"] = "report";
    body["locale"] = locale;
    body["labels"] = labels_of(engine, locale);
    body["reader"] = {{"name", me.name}, {"department", me.department}, {"role", me.role}};
    body["report"] = {{"id", r->id},
                      {"at", format_local(core::from_millis(r->created_at), zone)},
                      {"zone", zone},
                      {"author", author ? author->name : std::string()},
                      {"department", author ? engine.prompts().render(
                                                  locale, "core.department." + author->department)
                                            : std::string()},
                      {"customer", customer},
                      {"version", r->version},
                      {"text", r->text},
                      {"competitors", mentions_of(*r, "competitor")},
                      {"prices", prices},
                      {"needs", mentions_of(*r, "need")}};
    return json_ok(body);
}

// --- activities: the calendar, attendance and the budget --------------------------------
// Read through the services the meetings and social features offer (MeetingStats,
// ActivityStats): the figures their commands show, computed by the same functions.

/// "2026Q4" for the quarter containing `ms` in `zone`.
std::string quarter_label(std::int64_t ms, const std::string& zone) {
    const date::year_month_day ymd{
        date::floor<date::days>(zone_or_utc(zone)->to_local(core::from_millis(ms)))};
    return std::to_string(static_cast<int>(ymd.year())) + "Q" +
           std::to_string((static_cast<unsigned>(ymd.month()) + 2) / 3);
}

/// The label of an activity kind as `budget` writes it (`social.kind_*`), else the kind.
std::string kind_label(const Engine& engine, const std::string& locale, const std::string& kind,
                       const std::set<std::string>& keys) {
    const std::string key = "social.kind_" + kind;
    return keys.count(key) ? engine.prompts().render(locale, key) : kind;
}

json optional_count(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

/// Labels of the calendar in the reader's language.
struct CalendarText {
    const Engine& engine;
    const std::string& locale;
    std::string kind(const std::string& k) const {
        return engine.prompts().render(locale, "dashboard.kind." + k);
    }
    std::string status(const std::string& s) const {
        return engine.prompts().render(locale, "dashboard.status." + s);
    }
    std::string department(const std::string& d) const {
        return engine.prompts().render(locale, "core.department." + d);
    }
};

/// A calendar entry: what every kind has, the counts it does not have left null.
json calendar_event(const CalendarText& text, const std::string& kind, std::int64_t id,
                    const std::string& title, const std::string& day, const std::string& start,
                    const std::string& status) {
    return {{"kind", kind},
            {"kind_label", text.kind(kind)},
            {"id", id},
            {"title", title},
            {"day", day},
            {"start", start},
            {"status", status},
            {"status_label", text.status(status)},
            {"capacity", nullptr},
            {"registered", nullptr},
            {"waiting", nullptr},
            {"declined", nullptr},
            {"attended", nullptr}};
}

/// The joint meetings held in `range` (those `metrics` counts as joint meetings held).
void add_meetings(std::vector<std::pair<std::int64_t, json>>& events, const Engine& engine,
                  const CalendarText& text, const Period& range, const std::string& zone) {
    auto* meetings = engine.services().find<meetings::MeetingStats>();
    if (meetings == nullptr) return;
    for (const auto& m : meetings->joint_meetings(range.from, range.to)) {
        json e = calendar_event(text, "meeting", m.id, m.title, day_label(m.start_at, zone),
                                format_local(core::from_millis(m.start_at), zone), "booked");
        e["registered"] = m.attendees;
        events.push_back({m.start_at, std::move(e)});
    }
}

/// A training, an outing or a coffee round of the social feature as a calendar entry.
json activity_event(const CalendarText& text, const social::Activity& a, const std::string& zone) {
    std::string title = a.title;
    std::string day = a.day.empty() ? day_label(a.starts_at, zone) : a.day;
    std::string start = a.day.empty() ? format_local(core::from_millis(a.starts_at), zone) : a.day;
    if (a.kind == "coffee") {
        title = text.department(a.left_department) + " × " + text.department(a.right_department) +
                " #" + std::to_string(a.round);
    }
    json e = calendar_event(text, a.kind, a.id, title, day, start, a.status);
    e["capacity"] = a.capacity ? json(*a.capacity) : json(nullptr);
    e["registered"] = optional_count(a.registered);
    e["waiting"] = optional_count(a.waiting);
    e["declined"] = optional_count(a.declined);
    e["attended"] = optional_count(a.attended);
    if (a.voters) e["voters"] = *a.voters;
    if (a.stopped_at) {
        // A round of a stopped programme: the day it stopped.
        const std::string stopped = day_label(*a.stopped_at, zone);
        e["stopped"] = stopped;
        e["status_label"] = text.engine.prompts().render(text.locale, "dashboard.status.stopped_on",
                                                         {{"day", stopped}});
    }
    return e;
}

/// The calendar of the activities page: joint meetings, trainings (cancelled ones marked),
/// outings (every one on a day of the range) and coffee rounds (of stopped programmes too,
/// marked), with their attendance, waiting lists and RSVPs, by start.
json activity_calendar(Turn& turn, const Period& range, const std::string& zone,
                       const std::string& locale) {
    const Engine& engine = turn.engine();
    const CalendarText text{engine, locale};
    std::vector<std::pair<std::int64_t, json>> events;
    add_meetings(events, engine, text, range, zone);
    if (auto* social = engine.services().find<social::ActivityStats>()) {
        for (const auto& a : social->activities(range.from, range.to, zone)) {
            events.push_back({a.starts_at, activity_event(text, a, zone)});
        }
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    json out = json::array();
    for (auto& e : events) out.push_back(std::move(e.second));
    return {{"from", day_label(range.from, zone)},
            {"to", day_label(range.to - 1, zone)},
            {"events", out}};
}

/// The activity budget by kind for the quarter containing `period` and the three before,
/// as `budget` shows each quarter (ActivityStats::budget_by_kind, social::budget_lines).
json activity_budget(Turn& turn, const Period& period, const std::string& zone,
                     const std::string& locale) {
    const Engine& engine = turn.engine();
    json rows = json::array();
    auto* social = engine.services().find<social::ActivityStats>();
    if (social == nullptr) return rows;
    const auto keys = engine.prompts().keys(locale);
    const std::set<std::string> known(keys.begin(), keys.end());
    std::vector<Period> quarters;
    Period q = quarter_of(core::from_millis(period.from), zone);
    for (int i = 0; i < 4; ++i) {
        quarters.insert(quarters.begin(), q);
        q = previous(q, "quarter", zone);
    }
    for (const Period& quarter : quarters) {
        for (const auto& line : social->budget_by_kind(quarter.from, quarter.to)) {
            rows.push_back({{"quarter", quarter_label(quarter.from, zone)},
                            {"kind", line.kind},
                            {"kind_label", kind_label(engine, locale, line.kind, known)},
                            {"budget", line.budget},
                            {"planned", line.planned},
                            {"spent", line.spent}});
        }
    }
    return rows;
}

// --- the request: page, period, view ----------------------------------------------------

/// What a page was asked for: the period's kind, the weeks of the trend and the day.
struct PageRequest {
    std::string kind = "week";
    int weeks = 12;
    core::Timestamp at;
};

/// Reads `period`, `weeks` and `at`; a bad one is answered (the return value).
std::optional<core::ApiResponse> read_request(const ApiCall& call, core::Timestamp now,
                                              const std::string& zone, PageRequest& out) {
    out.at = now;
    if (const std::string kind = query(call, "period"); !kind.empty()) out.kind = kind;
    if (out.kind != "week" && out.kind != "month" && out.kind != "quarter") {
        return api_error(400, "bad_request", "period is week, month or quarter");
    }
    if (const std::string w = query(call, "weeks"); !w.empty()) {
        if (w.size() > 2 || w.find_first_not_of("0123456789") != std::string::npos ||
            std::stoi(w) < 1 || std::stoi(w) > 52) {
            return api_error(400, "bad_request", "weeks is a number from 1 to 52");
        }
        out.weeks = std::stoi(w);
    }
    if (const std::string day = query(call, "at"); !day.empty()) {
        const auto parsed = parse_day(day, zone);
        if (!parsed) return api_error(400, "bad_request", "at is a day written YYYY-MM-DD");
        out.at = core::from_millis(*parsed);
    }
    return std::nullopt;
}

/// Whose figures: the rules of `metrics` (a department or a person asked by name must be
/// one the reader may see). A refusal or bad input is answered (the return value).
std::optional<core::ApiResponse> read_view(const Engine& engine, const ApiCall& call,
                                           const Person& me, const std::string& page, View& out) {
    if (page == "activities" && !sees_activities(me)) {
        return api_error(403, "forbidden", "the activities are HR's, managers' and admins'");
    }
    const std::string department = query(call, "department");
    const std::string person = query(call, "person");
    std::string target = query(call, "view");
    if (!target.empty() && target != "team") {
        return api_error(400, "bad_request", "view is team (or leave it out)");
    }
    const Person* other = nullptr;
    if (!person.empty()) {
        other = engine.directory().by_name_or_email(person);
        if (other == nullptr) {
            bool numeric = person.find_first_not_of("0123456789") == std::string::npos;
            if (numeric && person.size() < 18) other = engine.directory().by_id(std::stoll(person));
        }
        if (other == nullptr) return api_error(404, "not_found", "nobody is called " + person);
        target = "person";
    } else if (!department.empty()) {
        target = "department";
    }
    out = view_for(engine, me, target, other, department);
    if (!out.refused.empty()) {
        return api_error(403, "forbidden",
                         out.refused == "own" ? "only your own and your team's figures"
                                              : "only your own department's figures");
    }
    return std::nullopt;
}

/// The weeks of the trend: `weeks` weeks ending with the last one of `period` that has
/// begun by `now` (this week for the current month or quarter), oldest first.
std::vector<Period> trend_weeks(const Period& period, int weeks, core::Timestamp now,
                                const std::string& zone) {
    std::vector<Period> trend;
    const std::int64_t last = std::min(period.to - 1, core::to_millis(now));
    Period w = week_of(core::from_millis(std::max(last, period.from)), zone);
    for (int i = 0; i < weeks; ++i) {
        trend.insert(trend.begin(), w);
        w = previous(w, "week", zone);
    }
    return trend;
}

// --- the page ---------------------------------------------------------------------------

/// What every page starts with: who reads, whose figures, which period, the labels.
json page_head(const Engine& engine, const std::string& page, const std::string& locale,
               const Person& me, const View& view, const std::string& kind, const Period& period,
               const std::string& zone) {
    json body;
    body["page"] = page;
    body["locale"] = locale;
    body["labels"] = labels_of(engine, locale);
    body["reader"] = {{"name", me.name}, {"department", me.department}, {"role", me.role}};
    body["view"] = view.subject;
    body["department"] = view.department;
    body["subject"] = view.subject == "company" ? engine.prompts().render(locale, "metrics.company")
                      : view.subject == "person"
                          ? view.person->name
                          : engine.prompts().render(locale, "core.department." + view.department);
    body["period"] = {{"kind", kind},
                      {"from", format_local(core::from_millis(period.from), zone)},
                      {"to", format_local(core::from_millis(period.to), zone)},
                      {"zone", zone}};
    body["currency"] = engine.settings().rules.currency;
    return body;
}

/// The figures of the whole period and of each week of the trend, all by compute_metrics
/// (the `metrics` command's computation) over the same data and view.
struct Figures {
    const Engine& engine;
    const MetricsData& data;
    Attribution attribution;
    const Scope& scope;
    Metrics of(const Period& p) const {
        Metrics m = compute_metrics(data, p, attribution, scope);
        m.activity = joint_activity_of(engine, p);
        return m;
    }
};

/// The page's trend: fills `series` and, for the intel page, the competitors' weekly
/// mentions (`competitor_trend`); returns the weeks' labels.
json add_trend(json& body, json& series, const Figures& figures, const std::string& page,
               const std::vector<Period>& trend, const std::string& zone) {
    for (const auto& key : trend_keys(page)) series[key] = json::array();
    json week_labels = json::array();
    std::map<std::string, std::vector<std::int64_t>> competitor_weeks;
    for (std::size_t index = 0; index < trend.size(); ++index) {
        const Metrics m = figures.of(trend[index]);
        const json f = figures_of("metrics", m);
        const json g = figures_of(page, m);
        week_labels.push_back(day_label(trend[index].from, zone));
        for (const auto& key : trend_keys(page)) {
            series[key].push_back(g.contains(key) ? g[key] : f.value(key, json(nullptr)));
        }
        for (const auto& [name, count] : m.top_competitors) {
            auto& counts = competitor_weeks[name];
            counts.resize(trend.size(), 0);
            counts[index] = count;
        }
    }
    if (page != "intel") return week_labels;
    json by_week = json::object();
    for (auto& [name, counts] : competitor_weeks) {
        counts.resize(trend.size(), 0);
        by_week[name] = counts;
    }
    body["competitor_trend"] = by_week;
    return week_labels;
}

json reps_json(const Metrics& now) {
    json reps = json::array();
    for (const auto& r : now.reps) {
        reps.push_back({{"name", r.name},
                        {"revenue_to_date", r.revenue_to_date},
                        {"quota", r.quota},
                        {"percent", r.percent}});
    }
    return reps;
}

json competitors_json(const Metrics& now) {
    json competitors = json::array();
    for (const auto& [name, count] : now.top_competitors) {
        competitors.push_back({{"name", name}, {"mentions", count}});
    }
    return competitors;
}

/// Handoffs still waiting for acceptance at the end of the period (pending now, or
/// decided only after it), oldest first, with the hours they have waited and their
/// acceptance deadline: the instant the engagements feature set when the handoff was
/// asked (working_deadline in the rep's zone and hours) and escalates at, shown in the
/// reader's zone, overdue when it passed while the handoff waited.
json handoffs_waiting(const MetricsData& data, const Period& period, core::Timestamp now,
                      const std::string& zone, const std::string& reader_zone) {
    std::vector<HandoffFact> open;
    for (const auto& h : data.handoffs) {
        const bool decided = h.decided_at && *h.decided_at < period.to;
        if (h.requested_at < period.to && !decided && (h.status == "pending" || h.decided_at)) {
            open.push_back(h);
        }
    }
    std::sort(open.begin(), open.end(),
              [](const auto& a, const auto& b) { return a.requested_at < b.requested_at; });
    json waiting = json::array();
    const std::int64_t until = std::min(period.to, core::to_millis(now));
    for (const auto& h : open) {
        waiting.push_back(
            {{"requested", format_local(core::from_millis(h.requested_at), zone)},
             {"hours", std::max<std::int64_t>(0, until - h.requested_at) / 3600000},
             {"deadline", format_local(core::from_millis(h.deadline_at), reader_zone)},
             {"overdue", h.deadline_at <= until}});
    }
    return waiting;
}

/// The other funnel department than `department`.
std::string other_department(const std::string& department) {
    return department == "sales" ? "marketing" : "sales";
}

/// Whether `me` sees an overlap between departments `a` and `b` on an engagement owned by
/// `owner`: admins all, managers their department's (either side) and their view's,
/// everybody else those of the people in their view (their own and their team's; the
/// marketing view, the company's figures, counts the department's people here).
bool sees_overlap(const Engine& engine, const Person& me, const View& view, const std::string& a,
                  const std::string& b, const std::optional<std::int64_t>& owner) {
    if (me.role == "admin") return true;
    if (me.role == "manager" && (me.department == a || me.department == b)) return true;
    if (view.scope.people) return view.scope.includes(owner);
    if (view.subject != "department") return true;
    const Person* p = owner ? engine.directory().by_id(*owner) : nullptr;
    return p != nullptr && p->department == view.department;
}

/// The overlaps flagged (the engagements feature's "flagged" events: a second department
/// claimed the engagement at the same stage, or moved it across the boundary), newest
/// first, as the reader may see them.
json overlaps_json(Turn& turn, const Person& me, const View& view, const std::string& reader_zone,
                   const std::string& locale) {
    const Engine& engine = turn.engine();
    auto dept = [&](const std::string& d) {
        return engine.prompts().render(locale, "core.department." + d);
    };
    json out = json::array();
    // One query: every flagged event with its engagement, newest first.
    const auto* customers = engine.services().find<Customers>();
    if (customers == nullptr) return out;
    for (const auto& [e, ev] : customers->events_of_kind("flagged")) {
        const json detail = json::parse(ev.detail, nullptr, false);
        const auto text = [&](const char* key, const std::string& fallback) {
            return detail.is_object() && detail.contains(key) && detail[key].is_string()
                       ? detail[key].get<std::string>()
                       : fallback;
        };
        const std::string lead = text("lead", e.lead);
        const std::string other = text("other", other_department(lead));
        if (!sees_overlap(engine, me, view, lead, other, e.owner_id)) continue;
        out.push_back({{"engagement", e.id},
                       {"customer", e.customer_name},
                       {"department", dept(lead)},
                       {"other_department", dept(other)},
                       {"stage", text("stage", e.stage)},
                       {"owner", e.owner_id ? person_name(engine, *e.owner_id) : ""},
                       {"flagged", format_local(core::from_millis(ev.at), reader_zone)}});
    }
    return out;
}

/// The funnel now: engagements at each stage, in the funnel's order, with the lead
/// department (as `engagements` lists them), of the people in the view.
json funnel_json(Turn& turn, const View& view, const std::string& locale) {
    const Engine& engine = turn.engine();
    const auto* funnel = engine.services().find<FunnelStages>();
    if (funnel == nullptr) return json::array();
    std::map<std::pair<std::string, std::string>, std::int64_t> counts;
    const auto* customers = engine.services().find<Customers>();
    if (customers == nullptr) return json::array();
    for (const auto& e : customers->engagements()) {
        if (view.scope.people && !view.scope.includes(e.owner_id)) continue;
        ++counts[{e.stage, e.lead}];
    }
    json stages = json::array();
    for (const auto& stage : funnel->stages()) {
        for (const std::string lead : {"marketing", "sales"}) {
            const auto it = counts.find({stage.name, lead});
            if (it == counts.end()) continue;
            stages.push_back(
                {{"stage", stage.name},
                 {"lead", lead},
                 {"lead_label", engine.prompts().render(locale, "core.department." + lead)},
                 {"closed", stage.closed},
                 {"count", it->second}});
        }
    }
    return stages;
}

/// The calendar (the month of a week, a grid worth looking at; else the period) and the
/// budget of the activities page.
void add_activities(json& body, Turn& turn, const std::string& kind, const Period& period,
                    const std::string& zone, const std::string& locale) {
    Period range = period;
    if (kind == "week") {
        const Period month = month_of(core::from_millis(period.from), zone);
        range = {std::min(month.from, period.from), std::max(month.to, period.to)};
    }
    body["calendar"] = activity_calendar(turn, range, zone, locale);
    body["budget"] = activity_budget(turn, period, zone, locale);
}

core::ApiResponse dashboard_api(Turn& turn, const ApiCall& call) {
    const std::string page = call.params.at("page");
    if (page != "report" &&
        std::find(std::begin(pages), std::end(pages), page) == std::end(pages)) {
        return api_error(404, "not_found", "no such dashboard page: " + page);
    }
    std::optional<core::ApiResponse> refused;
    const Person* me = reader_of(turn, call, refused);
    if (me == nullptr) return *refused;
    const Engine& engine = turn.engine();
    Turn as(turn.engine(), nullptr, me);
    const std::string asked_locale = query(call, "locale");
    const std::string locale =
        asked_locale.empty() ? as.locale() : engine.prompts().normalize_locale(asked_locale);
    if (page == "report") return report_page(turn, call, *me, locale);

    const std::string& zone = company_zone_of(engine);
    PageRequest request;
    if (auto bad = read_request(call, turn.now(), zone, request)) return *bad;
    View view;
    if (auto bad = read_view(engine, call, *me, page, view)) return *bad;

    const Period period = request.kind == "month"     ? month_of(request.at, zone)
                          : request.kind == "quarter" ? quarter_of(request.at, zone)
                                                      : week_of(request.at, zone);
    const std::vector<Period> trend = trend_weeks(period, request.weeks, turn.now(), zone);
    MetricsData data = load_metrics_data(
        turn.read_table<store::metrics::MetricsTables>(), engine.directory(),
        engine.services().find<EngagementFacts>(), std::min(trend.front().from, period.from),
        period.to, field_facts_of(engine));
    data.zone = zone;
    const Figures figures{engine, data, attribution_from(engine.settings()), view.scope};
    const Metrics now = figures.of(period);

    json body = page_head(engine, page, locale, *me, view, request.kind, period, zone);
    body["figures"] = figures_of(page, now);
    json series = json::object();
    const json weeks = add_trend(body, series, figures, page, trend, zone);
    if (page == "intel") {
        add_field_intel(body, series, turn, view.scope, period, trend, zone, locale);
        body["competitors"] = competitors_json(now);
    }
    body["trend"] = {{"weeks", weeks}, {"series", series}};
    if (page == "metrics") body["reps"] = reps_json(now);
    if (page == "activities") add_activities(body, turn, request.kind, period, zone, locale);
    if (page == "engagements") {
        const std::string& reader_zone = me->timezone.empty() ? zone : me->timezone;
        body["handoffs_waiting"] = handoffs_waiting(data, period, turn.now(), zone, reader_zone);
        body["overlaps"] = overlaps_json(turn, *me, view, reader_zone, locale);
        body["funnel"] = funnel_json(turn, view, locale);
    }
    return json_ok(body);
}

}  // namespace
}  // namespace dashboard_page

void register_dashboard(Engine& engine) {
    // No API token scope: the dashboard is a person's view, not an integration's.
    engine.api().add({"GET", "/api/v1/dashboard/{page}", false, dashboard_page::dashboard_api});
}

}  // namespace twintrack::bot::metrics
