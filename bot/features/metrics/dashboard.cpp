// The dashboard's data (docs/DASHBOARD.md): GET /api/v1/dashboard/{page} answers the
// figures of one page as JSON for the person who reads it. Every figure comes from
// compute_metrics, the computation of the `metrics` command and the weekly post, over the
// same view (view_for); the trends call it once per week.

#include "bot/features/metrics/dashboard.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "bot/api.hpp"
#include "bot/engine.hpp"
#include "bot/features/engagements/engagements.hpp"
#include "bot/features/metrics/deal_input.hpp"
#include "bot/features/metrics/metrics.hpp"
#include "bot/features/social/social.hpp"
#include "bot/local_time.hpp"
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
            "consultations_asked",
            "joint_meetings_held",
            "coffee_pairs_met"};
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

/// The field reports filed in [from, to) by people in `scope`, oldest first: the store
/// query of `reports` and `intel` (ReportRepository::find), kept to the reader's view.
std::vector<store::Report> reports_in(const store::Store& store, const Scope& scope,
                                      std::int64_t from, std::int64_t to) {
    store::ReportFilter f;
    f.since_ms = from;
    f.limit = -1;
    std::vector<store::Report> out;
    for (auto& r : store.reports().find(f)) {
        if (r.created_at < from || r.created_at >= to || !scope.includes(r.author_id)) continue;
        out.push_back(std::move(r));
    }
    std::reverse(out.begin(), out.end());
    return out;
}

/// The customer a report counts for, as the 3-1-3 plan counts it (reports::FieldFacts):
/// the one it was filed under, else the first known customer it names.
std::optional<std::int64_t> customer_of(const store::Report& r) {
    if (r.customer_id) return r.customer_id;
    for (const auto& m : r.mentions) {
        if (m.kind == "customer" && m.customer_id) return m.customer_id;
    }
    return std::nullopt;
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

/// Reports, competitor mentions and price signals of one market or customer.
struct Tally {
    std::string name;
    std::int64_t reports = 0;
    std::int64_t competitor_mentions = 0;
    std::int64_t price_signals = 0;
    std::vector<std::int64_t> report_ids;  ///< newest first
};

json tallies_json(std::map<std::string, Tally>& tallies) {
    std::vector<Tally*> sorted;
    for (auto& [key, t] : tallies) sorted.push_back(&t);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Tally* a, const Tally* b) { return a->reports > b->reports; });
    json out = json::array();
    for (Tally* t : sorted) {
        std::reverse(t->report_ids.begin(), t->report_ids.end());
        out.push_back({{"name", t->name},
                       {"reports", t->reports},
                       {"competitor_mentions", t->competitor_mentions},
                       {"price_signals", t->price_signals},
                       {"report_ids", t->report_ids}});
    }
    return out;
}

/// The intel page's reports, price signals, markets and customers of `period`, and the
/// reports and price signals of each week of `trend` (series `reports`, `price_signals`).
void add_field_intel(json& body, json& series, Turn& turn, const Scope& scope, const Period& period,
                     const std::vector<Period>& trend, const std::string& zone,
                     const std::string& locale) {
    const Engine& engine = turn.engine();
    const store::Store& store = turn.read();
    const auto reports =
        reports_in(store, scope, std::min(trend.front().from, period.from), period.to);
    std::map<std::int64_t, std::string> customer_names;
    for (const auto& c : store.customers().all()) customer_names[c.id] = c.name;
    const auto markets = store.plan().customer_markets();
    const std::string no_market = engine.prompts().render(locale, "dashboard.no_market");

    std::int64_t report_count = 0;
    std::int64_t price_count = 0;
    json prices = json::array();
    std::map<std::string, Tally> by_market;
    std::map<std::string, Tally> by_customer;
    for (const auto& r : reports) {
        if (!period.contains(r.created_at)) continue;
        ++report_count;
        const auto competitors = mentions_of(r, "competitor");
        const auto customer = customer_of(r);
        std::string customer_name = r.customer_text;
        if (customer && customer_names.count(*customer)) customer_name = customer_names[*customer];
        std::int64_t signals = 0;
        for (const auto& m : r.mentions) {
            if (m.kind != "price") continue;
            ++signals;
            prices.push_back({{"report", r.id},
                              {"day", day_label(r.created_at, zone)},
                              {"at", format_local(core::from_millis(r.created_at), zone)},
                              {"author", person_name(engine, r.author_id)},
                              {"customer", customer_name},
                              {"competitors", joined(competitors)},
                              {"competitor", competitors.empty() ? "" : competitors.front()},
                              {"text", m.value},
                              {"amount", optional_value(m.amount)},
                              {"unit", m.unit}});
        }
        price_count += signals;
        const auto market = customer ? markets.find(*customer) : markets.end();
        const std::string market_name = market == markets.end() ? std::string() : market->second;
        const std::string customer_key =
            customer ? "#" + std::to_string(*customer) : core::ascii_lower(r.customer_text);
        std::vector<Tally*> tallies = {&by_market[market_name]};
        if (!customer_key.empty()) tallies.push_back(&by_customer[customer_key]);
        by_market[market_name].name = market_name.empty() ? no_market : market_name;
        if (!customer_key.empty()) by_customer[customer_key].name = customer_name;
        for (Tally* t : tallies) {
            ++t->reports;
            t->competitor_mentions += static_cast<std::int64_t>(competitors.size());
            t->price_signals += signals;
            t->report_ids.push_back(r.id);
        }
    }
    body["figures"]["reports"] = report_count;
    body["figures"]["price_signals"] = price_count;
    body["prices"] = prices;
    body["markets"] = tallies_json(by_market);
    body["customers"] = tallies_json(by_customer);

    json weekly_reports = json::array();
    json weekly_prices = json::array();
    for (const Period& w : trend) {
        std::int64_t n = 0, p = 0;
        for (const auto& r : reports) {
            if (!w.contains(r.created_at)) continue;
            ++n;
            p += static_cast<std::int64_t>(mentions_of(r, "price").size());
        }
        weekly_reports.push_back(n);
        weekly_prices.push_back(p);
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
    const auto r = turn.read().reports().get(std::stoll(id));
    if (!r) return api_error(404, "not_found", "no field report has that number");
    if (!may_open_report(engine, me, r->author_id)) {
        return api_error(403, "forbidden", "a report of a department you may not see");
    }
    const std::string& zone = company_zone_of(engine);
    const Person* author = engine.directory().by_id(r->author_id);
    std::string customer = r->customer_text;
    if (const auto c = customer_of(*r)) {
        if (const auto known = turn.read().customers().get(*c)) customer = known->name;
    }
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
                      {"prices", mentions_of(*r, "price")},
                      {"needs", mentions_of(*r, "need")}};
    return json_ok(body);
}

// --- activities: the calendar, attendance and the budget --------------------------------

std::string local_day(std::int64_t ms, const std::string& zone) { return day_label(ms, zone); }

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

/// The calendar of the activities page: joint meetings, trainings, outings and coffee
/// rounds of `range`, with their attendance, waiting lists and RSVPs, by start.
json activity_calendar(Turn& turn, const Period& range, const std::string& zone,
                       const std::string& locale) {
    const Engine& engine = turn.engine();
    const store::Store& store = turn.read();
    auto status = [&](const std::string& s) {
        return engine.prompts().render(locale, "dashboard.status." + s);
    };
    auto kind = [&](const std::string& k) {
        return engine.prompts().render(locale, "dashboard.kind." + k);
    };
    std::vector<std::pair<std::int64_t, json>> events;
    // The meetings joint_meetings_held counts: booked meetings of a recurring series that
    // end in the range (found through their attendees, each once).
    std::map<std::int64_t, store::Meeting> joint;
    for (const auto& p : engine.directory().all()) {
        for (auto& m : store.meetings().of_person(p.id, range.from, range.to)) {
            if (!m.series_id || m.status != "booked" || m.end_at < range.from ||
                m.end_at >= range.to) {
                continue;
            }
            joint.emplace(m.id, std::move(m));
        }
    }
    for (const auto& [id, m] : joint) {
        events.push_back({m.start_at,
                          {{"kind", "meeting"},
                           {"kind_label", kind("meeting")},
                           {"id", m.id},
                           {"title", m.title},
                           {"day", local_day(m.start_at, zone)},
                           {"start", format_local(core::from_millis(m.start_at), zone)},
                           {"status", "booked"},
                           {"status_label", status("booked")},
                           {"capacity", nullptr},
                           {"registered", m.attendees.size()},
                           {"waiting", nullptr},
                           {"declined", nullptr},
                           {"attended", nullptr}}});
    }
    // Scheduled trainings (a cancelled one leaves the calendar, as it leaves `trainings`).
    for (const auto& t : store.social().upcoming_trainings(range.from, 500)) {
        if (t.starts_at >= range.to) continue;
        std::int64_t registered = 0, waiting = 0, attended = 0;
        for (const auto& seat : store.social().seats(t.id)) {
            (seat.status == "registered" ? registered : waiting) += 1;
            if (seat.attended) ++attended;
        }
        events.push_back({t.starts_at,
                          {{"kind", "training"},
                           {"kind_label", kind("training")},
                           {"id", t.id},
                           {"title", t.topic},
                           {"day", local_day(t.starts_at, zone)},
                           {"start", format_local(core::from_millis(t.starts_at), zone)},
                           {"status", t.status},
                           {"status_label", status(t.status)},
                           {"capacity", t.capacity ? json(*t.capacity) : json(nullptr)},
                           {"registered", registered},
                           {"waiting", waiting},
                           {"declined", nullptr},
                           {"attended", attended}}});
    }
    // Outings on their chosen day, or (while the poll is open) on the first day polled.
    const std::string first = local_day(range.from, zone);
    const std::string last = local_day(range.to - 1, zone);
    for (const auto& o : store.social().open_outings()) {
        std::string day = o.chosen_day.value_or("");
        if (day.empty() && !o.days.empty()) day = o.days.front();
        if (day.empty() || day < first || day > last) continue;
        std::int64_t going = 0, declined = 0;
        for (const auto& r : store.social().rsvps(o.id)) (r.going ? going : declined) += 1;
        const auto at = parse_day(day, zone);
        events.push_back({at.value_or(range.from),
                          {{"kind", "outing"},
                           {"kind_label", kind("outing")},
                           {"id", o.id},
                           {"title", o.title},
                           {"day", day},
                           {"start", day},
                           {"status", o.status},
                           {"status_label", status(o.status)},
                           {"capacity", nullptr},
                           {"registered", going},
                           {"waiting", nullptr},
                           {"declined", declined},
                           {"voters", store.social().voter_count(o.id)},
                           {"attended", nullptr}}});
    }
    // The rounds of the running coffee programmes that started in the range.
    std::vector<std::pair<store::CoffeeProgramme, store::CoffeeRound>> rounds;
    for (const auto& p : store.social().active_programmes()) {
        for (const auto& r : store.social().recent_rounds(p.id, 200)) {
            if (r.started_at >= range.from && r.started_at < range.to) rounds.push_back({p, r});
        }
    }
    for (const auto& [p, r] : rounds) {
        const std::string title =
            engine.prompts().render(locale, "core.department." + p.left_department) + " × " +
            engine.prompts().render(locale, "core.department." + p.right_department) + " #" +
            std::to_string(r.number);
        const store::CoffeeRoundStats s = store.social().round_stats(r.id);
        const std::string state = r.ends_at <= core::to_millis(turn.now()) ? "ended" : "running";
        events.push_back({r.started_at,
                          {{"kind", "coffee"},
                           {"kind_label", kind("coffee")},
                           {"id", r.id},
                           {"title", title},
                           {"day", local_day(r.started_at, zone)},
                           {"start", format_local(core::from_millis(r.started_at), zone)},
                           {"status", state},
                           {"status_label", status(state)},
                           {"capacity", nullptr},
                           {"registered", s.groups},
                           {"waiting", nullptr},
                           {"declined", s.skipped},
                           {"attended", s.met_yes}}});
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    json out = json::array();
    for (auto& e : events) out.push_back(std::move(e.second));
    return {{"from", first}, {"to", last}, {"events", out}};
}

/// The activity budget by kind for the quarter containing `period` and the three before:
/// what config allows, what is planned and spent, as `budget` shows each quarter (the
/// social feature's quarterly_budget and SocialRepository::cost_totals).
json activity_budget(Turn& turn, const Period& period, const std::string& zone,
                     const std::string& locale) {
    const Engine& engine = turn.engine();
    const auto& configured =
        engine.settings().features.get<social::SocialSettings>().quarterly_budget;
    const auto keys = engine.prompts().keys(locale);
    const std::set<std::string> known(keys.begin(), keys.end());
    std::vector<Period> quarters;
    Period q = quarter_of(core::from_millis(period.from), zone);
    for (int i = 0; i < 4; ++i) {
        quarters.insert(quarters.begin(), q);
        q = previous(q, "quarter", zone);
    }
    json rows = json::array();
    for (const Period& quarter : quarters) {
        std::map<std::string, store::CostTotal> totals;
        for (const auto& t : turn.read().social().cost_totals(quarter.from, quarter.to,
                                                              core::to_millis(turn.now()))) {
            totals[t.kind] = t;
        }
        std::set<std::string> kinds;
        for (const auto& [k, v] : configured) kinds.insert(k);
        for (const auto& [k, v] : totals) kinds.insert(k);
        for (const auto& kind : kinds) {
            const auto b = configured.find(kind);
            const auto t = totals.find(kind);
            rows.push_back({{"quarter", quarter_label(quarter.from, zone)},
                            {"kind", kind},
                            {"kind_label", kind_label(engine, locale, kind, known)},
                            {"budget", b == configured.end() ? 0LL : b->second},
                            {"planned", t == totals.end() ? 0 : t->second.planned},
                            {"spent", t == totals.end() ? 0 : t->second.spent}});
        }
    }
    return rows;
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

    // Bad input first: the period, the number of weeks, the day.
    std::string kind = query(call, "period");
    if (kind.empty()) kind = "week";
    if (kind != "week" && kind != "month" && kind != "quarter") {
        return api_error(400, "bad_request", "period is week, month or quarter");
    }
    int weeks = 12;
    if (const std::string w = query(call, "weeks"); !w.empty()) {
        if (w.size() > 2 || w.find_first_not_of("0123456789") != std::string::npos ||
            std::stoi(w) < 1 || std::stoi(w) > 52) {
            return api_error(400, "bad_request", "weeks is a number from 1 to 52");
        }
        weeks = std::stoi(w);
    }
    const std::string& zone = company_zone_of(engine);
    core::Timestamp at = turn.now();
    if (const std::string day = query(call, "at"); !day.empty()) {
        const auto parsed = parse_day(day, zone);
        if (!parsed) return api_error(400, "bad_request", "at is a day written YYYY-MM-DD");
        at = core::from_millis(*parsed);
    }

    // Whose figures: the rules of `metrics` (a department or a person asked by name must
    // be one the reader may see).
    if (page == "activities" && !sees_activities(*me)) {
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
    const View view = view_for(engine, *me, target, other, department);
    if (!view.refused.empty()) {
        return api_error(403, "forbidden",
                         view.refused == "own" ? "only your own and your team's figures"
                                               : "only your own department's figures");
    }

    const Period period = kind == "month"     ? month_of(at, zone)
                          : kind == "quarter" ? quarter_of(at, zone)
                                              : week_of(at, zone);
    // The weeks of the trend: `weeks` weeks ending with the last one of the period that
    // has begun (this week for the current month or quarter).
    std::vector<Period> trend;
    const std::int64_t last = std::min(period.to - 1, core::to_millis(turn.now()));
    Period w = week_of(core::from_millis(std::max(last, period.from)), zone);
    for (int i = 0; i < weeks; ++i) {
        trend.insert(trend.begin(), w);
        w = previous(w, "week", zone);
    }
    const std::int64_t from = std::min(trend.front().from, period.from);
    MetricsData data = load_metrics_data(turn.read(), engine.directory(), from, period.to);
    data.zone = zone;
    const Attribution attribution = attribution_from(engine.settings());
    Metrics now = compute_metrics(data, period, attribution, view.scope);
    now.activity = joint_activity_of(engine, period);

    json body;
    body["page"] = page;
    body["locale"] = locale;
    body["labels"] = labels_of(engine, locale);
    body["reader"] = {{"name", me->name}, {"department", me->department}, {"role", me->role}};
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
    body["figures"] = figures_of(page, now);

    json series = json::object();
    for (const auto& key : trend_keys(page)) series[key] = json::array();
    json week_labels = json::array();
    std::map<std::string, std::vector<std::int64_t>> competitor_weeks;
    std::size_t index = 0;
    for (const Period& p : trend) {
        Metrics m = compute_metrics(data, p, attribution, view.scope);
        m.activity = joint_activity_of(engine, p);
        const json f = figures_of("metrics", m);
        const json g = figures_of(page, m);
        week_labels.push_back(day_label(p.from, zone));
        for (const auto& key : trend_keys(page)) {
            series[key].push_back(g.contains(key) ? g[key] : f.value(key, json(nullptr)));
        }
        for (const auto& [name, count] : m.top_competitors) {
            auto& counts = competitor_weeks[name];
            counts.resize(trend.size(), 0);
            counts[index] = count;
        }
        ++index;
    }
    if (page == "intel") {
        add_field_intel(body, series, turn, view.scope, period, trend, zone, locale);
    }
    body["trend"] = {{"weeks", week_labels}, {"series", series}};
    if (page == "activities") {
        // The calendar: the month of a week (a grid worth looking at), else the period.
        Period range = period;
        if (kind == "week") {
            const Period month = month_of(core::from_millis(period.from), zone);
            range = {std::min(month.from, period.from), std::max(month.to, period.to)};
        }
        body["calendar"] = activity_calendar(turn, range, zone, locale);
        body["budget"] = activity_budget(turn, period, zone, locale);
    }

    if (page == "metrics") {
        json reps = json::array();
        for (const auto& r : now.reps) {
            reps.push_back({{"name", r.name},
                            {"revenue_to_date", r.revenue_to_date},
                            {"quota", r.quota},
                            {"percent", r.percent}});
        }
        body["reps"] = reps;
    }
    if (page == "intel") {
        json competitors = json::array();
        for (const auto& [name, count] : now.top_competitors) {
            competitors.push_back({{"name", name}, {"mentions", count}});
        }
        body["competitors"] = competitors;
        json by_week = json::object();
        for (auto& [name, counts] : competitor_weeks) {
            counts.resize(trend.size(), 0);
            by_week[name] = counts;
        }
        body["competitor_trend"] = by_week;
    }
    if (page == "engagements") {
        // Handoffs still waiting for acceptance at the end of the period, oldest first.
        json waiting = json::array();
        std::vector<store::HandoffFact> open;
        for (const auto& h : data.handoffs) {
            // Pending now, or decided only after the end of the period.
            const bool decided = h.decided_at && *h.decided_at < period.to;
            if (h.requested_at < period.to && !decided && (h.status == "pending" || h.decided_at)) {
                open.push_back(h);
            }
        }
        std::sort(open.begin(), open.end(),
                  [](const auto& a, const auto& b) { return a.requested_at < b.requested_at; });
        for (const auto& h : open) {
            const std::int64_t until = std::min(period.to, core::to_millis(turn.now()));
            waiting.push_back(
                {{"requested", format_local(core::from_millis(h.requested_at), zone)},
                 {"hours", std::max<std::int64_t>(0, until - h.requested_at) / 3600000}});
        }
        body["handoffs_waiting"] = waiting;
        // The funnel now: engagements at each stage, in the funnel's order, with the
        // lead department (as `engagements` lists them), of the people in the view.
        const engagements::Funnel funnel =
            engagements::funnel_from(engine.settings().features.get<engagements::FunnelSettings>());
        std::map<std::pair<std::string, std::string>, std::int64_t> counts;
        for (const auto& e : turn.read().engagements().all()) {
            if (view.scope.people && !view.scope.includes(e.owner_id)) continue;
            ++counts[{e.stage, e.lead}];
        }
        json stages = json::array();
        for (const auto& stage : funnel.stages()) {
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
        body["funnel"] = stages;
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
