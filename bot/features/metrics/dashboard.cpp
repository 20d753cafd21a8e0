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
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
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

core::ApiResponse dashboard_api(Turn& turn, const ApiCall& call) {
    const std::string page = call.params.at("page");
    if (std::find(std::begin(pages), std::end(pages), page) == std::end(pages)) {
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
    body["trend"] = {{"weeks", week_labels}, {"series", series}};

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
