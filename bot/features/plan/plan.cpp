#include "bot/features/plan/plan.hpp"

#include <date/tz.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "bot/customer_markets.hpp"
#include "bot/customers.hpp"
#include "bot/engine.hpp"
#include "bot/features/metrics/deal_history.hpp"
#include "bot/field_facts.hpp"
#include "bot/field_figures.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/csv.hpp"
#include "core/text.hpp"

namespace twintrack::bot::plan {

/// The feature's own tables (store/plan_store.hpp), opened on a turn.
using PlanTable = store::plan::PlanRepository;

namespace {

using nlohmann::json;

const char* const review_job = "plan.review";
const std::size_t max_listed = 3;
const std::size_t max_outlook_bytes = 2000;
const std::size_t inline_csv_bytes = 3000;

const PlanSettings& settings_of(const Engine& engine) {
    return engine.settings().features.get<PlanSettings>();
}

const std::string& company_zone(const Engine& engine) { return engine.settings().company_timezone; }

std::int64_t now_ms(const Turn& turn) { return core::to_millis(turn.now()); }

// --- quarters in the company zone --------------------------------------------------------

struct Period {
    std::int64_t from = 0;
    std::int64_t to = 0;
};

std::int64_t local_ms(const std::string& zone, date::year_month_day day, int minute = 0) {
    const auto at = zone_or_utc(zone)->to_sys(date::local_days{day} + std::chrono::minutes(minute),
                                              date::choose::earliest);
    return core::to_millis(std::chrono::time_point_cast<std::chrono::milliseconds>(at));
}

date::year_month_day first_day(const Quarter& q) {
    return date::year{q.year} / date::month(static_cast<unsigned>((q.q - 1) * 3 + 1)) / 1;
}

Period period_of(const Quarter& q, const std::string& zone) {
    return {local_ms(zone, first_day(q)), local_ms(zone, first_day(q.next()))};
}

Quarter quarter_at(core::Timestamp at, const std::string& zone) {
    const date::year_month_day ymd{date::floor<date::days>(zone_or_utc(zone)->to_local(at))};
    return {static_cast<int>(ymd.year()),
            static_cast<int>((static_cast<unsigned>(ymd.month()) - 1) / 3 + 1)};
}

std::string day_text(std::int64_t ms, const std::string& zone) {
    return format_local(core::from_millis(ms), zone).substr(0, 10);
}

// --- what the field reported, per market -------------------------------------------------

struct MarketFacts {
    int reports = 0;
    std::map<std::string, int> competitors;
    std::map<std::string, int> needs;
    int prices = 0;
    double won = 0;
};

/// Reports filed and deals won in [from, to), by market ("" for customers without one).
std::map<std::string, MarketFacts> gather(const Engine& engine,
                                          const std::map<std::int64_t, std::string>& markets,
                                          const Period& p) {
    std::map<std::string, MarketFacts> out;
    auto market_of = [&](const std::optional<std::int64_t>& customer) {
        if (!customer) return std::string();
        const auto it = markets.find(*customer);
        return it == markets.end() ? std::string() : it->second;
    };
    if (auto* facts = engine.services().find<reports::FieldFacts>()) {
        // Counted as the dashboard counts them (reports::tally_by_market).
        for (const auto& [market, t] :
             reports::tally_by_market(facts->filed_between(p.from, p.to), markets)) {
            MarketFacts& f = out[market];
            f.reports = static_cast<int>(t.reports);
            for (const auto& [c, n] : t.competitors) f.competitors[c] = static_cast<int>(n);
            for (const auto& [need, n] : t.needs) f.needs[need] = static_cast<int>(n);
            f.prices = static_cast<int>(t.price_signals);
        }
    }
    if (auto* deals = engine.services().find<metrics::DealHistory>()) {
        for (const auto& d : deals->deals_before(p.from, p.to)) {
            if (d.stage != "won" || !d.closed_at || *d.closed_at < p.from || *d.closed_at >= p.to) {
                continue;
            }
            out[market_of(d.customer_id)].won += d.amount;
        }
    }
    return out;
}

/// Open deals created before `to`, by market.
std::map<std::string, double> pipeline(const Engine& engine,
                                       const std::map<std::int64_t, std::string>& markets,
                                       std::int64_t to) {
    std::map<std::string, double> out;
    if (auto* deals = engine.services().find<metrics::DealHistory>()) {
        for (const auto& d : deals->deals_before(to, to)) {
            if (d.stage != "open" || !d.customer_id) continue;
            const auto it = markets.find(*d.customer_id);
            if (it != markets.end()) out[it->second] += d.amount;
        }
    }
    return out;
}

// --- rendering helpers -------------------------------------------------------------------

std::string render(const Engine& engine, const std::string& locale, const std::string& key,
                   const json& data = json::object()) {
    return engine.prompts().render(locale, key, data);
}

std::string money(const Engine& engine, double v) {
    return number_text(v) + " " + engine.settings().rules.currency;
}

/// [{name, count, sep}], most first, at most `limit`.
json counted(const Engine& engine, const std::string& locale, const std::map<std::string, int>& m,
             std::size_t limit = max_listed) {
    std::vector<std::pair<std::string, int>> items(m.begin(), m.end());
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    const std::string sep = render(engine, locale, "core.list_separator");
    json out = json::array();
    for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
        out.push_back({{"name", items[i].first},
                       {"count", items[i].second},
                       {"sep", i == 0 ? std::string() : sep}});
    }
    return out;
}

std::string trend(const Engine& engine, const std::string& locale, int now, int before) {
    return render(engine, locale,
                  now > before   ? "plan.trend.up"
                  : now < before ? "plan.trend.down"
                                 : "plan.trend.flat");
}

int share_of(double part, double whole) {
    return whole > 0 ? static_cast<int>(std::lround(100.0 * part / whole)) : 0;
}

/// Marketing managers (and management's), and admins, plan.
bool plans(const Person& p) {
    return p.role == "admin" ||
           (p.role == "manager" && (p.department == "marketing" || p.department == "management"));
}

bool refuse_unless_planner(Turn& turn) {
    if (turn.person() != nullptr && plans(*turn.person())) return false;
    turn.refuse("plan.not_allowed");
    return true;
}

json markets_data(Turn& turn) { return turn.list_data(market_names(settings_of(turn.engine()))); }

bool no_markets(Turn& turn) {
    if (!settings_of(turn.engine()).markets.empty()) return false;
    turn.reply("plan.no_markets");
    return true;
}

void unknown_market(Turn& turn, const std::string& word) {
    turn.reply("plan.unknown_market", {{"market", std::string(core::utf8_prefix(word, 60))},
                                       {"markets", markets_data(turn)}});
}

/// The amount option `name`: nothing when absent; false (answered) when it is bad.
bool amount_option(Turn& turn, const CommandArgs& args, const std::string& name,
                   std::optional<double>& out) {
    if (!args.parsed.has(name)) return true;
    const std::string raw = args.parsed.word(name);
    const PlanAmount a = read_plan_amount(turn.engine().prompts(), raw);
    if (a.kind == PlanAmount::Kind::ok) {
        out = a.value;
        return true;
    }
    json data = {{"value", std::string(core::utf8_prefix(raw, 40))},
                 {"field", turn.text("plan.field." + name)}};
    turn.reply(a.kind == PlanAmount::Kind::negative ? "plan.negative" : "plan.bad_amount", data);
    return false;
}

// --- customer market ---------------------------------------------------------------------

void customer_market(Turn& turn, const CommandArgs& args) {
    if (no_markets(turn)) return;
    const std::string word = args.parsed.word("market");
    const auto market = find_market(settings_of(turn.engine()), word);
    if (!market) {
        unknown_market(turn, word);
        return;
    }
    const std::string name = args.parsed.word("customer");
    const Customers* customers = turn.engine().services().find<Customers>();
    const auto customer = customers ? customers->find(name) : std::nullopt;
    if (!customer) {
        turn.reply("plan.unknown_customer",
                   {{"customer", std::string(core::utf8_prefix(name, 80))}});
        return;
    }
    turn.write_table<PlanTable>().set_market(customer->id, *market, turn.person()->id,
                                             now_ms(turn));
    turn.audit("plan.market", {{"customer", customer->id}, {"market", *market}});
    turn.reply("plan.market_set", {{"customer", customer->name}, {"market", *market}});
}

// --- plan outlook / target / activity ----------------------------------------------------

void outlook(Turn& turn, const CommandArgs& args) {
    if (refuse_unless_planner(turn) || no_markets(turn)) return;
    const auto market = find_market(settings_of(turn.engine()), args.parsed.word("market"));
    if (!market) {
        unknown_market(turn, args.parsed.word("market"));
        return;
    }
    const std::string text(
        core::utf8_prefix(core::trim(args.parsed.word("text")), max_outlook_bytes));
    turn.write_table<PlanTable>().set_outlook({*market, text, now_ms(turn)}, turn.person()->id);
    turn.audit("plan.outlook", {{"market", *market}, {"text", text}});
    turn.reply("plan.outlook_set", {{"market", *market}, {"text", text}});
}

int this_year(Turn& turn) { return quarter_at(turn.now(), company_zone(turn.engine())).year; }

void target(Turn& turn, const CommandArgs& args) {
    if (refuse_unless_planner(turn) || no_markets(turn)) return;
    const auto market = find_market(settings_of(turn.engine()), args.parsed.word("market"));
    if (!market) {
        unknown_market(turn, args.parsed.word("market"));
        return;
    }
    std::optional<double> revenue, budget;
    if (!amount_option(turn, args, "revenue", revenue) ||
        !amount_option(turn, args, "budget", budget)) {
        return;
    }
    if (!revenue && !budget) {
        turn.reply("plan.target_needs_figure");
        return;
    }
    int year = this_year(turn);
    if (args.parsed.has("year")) {
        const auto y = parse_year(turn.engine().prompts(), args.parsed.word("year"));
        if (!y) {
            turn.reply("plan.bad_year",
                       {{"value", std::string(core::utf8_prefix(args.parsed.word("year"), 20))}});
            return;
        }
        year = *y;
    }
    auto plan = turn.write_table<PlanTable>();
    plan.set_target({year, *market, revenue, budget}, turn.person()->id, now_ms(turn));
    json detail = {{"market", *market}, {"year", year}};
    if (revenue) detail["revenue"] = *revenue;
    if (budget) detail["budget"] = *budget;
    turn.audit("plan.target", detail);
    std::optional<store::plan::PlanTarget> stored;
    for (const auto& t : plan.targets(year)) {
        if (t.market == *market) stored = t;
    }
    const Engine& e = turn.engine();
    turn.reply("plan.target_set",
               {{"market", *market},
                {"year", year},
                {"has_revenue", stored && stored->revenue},
                {"revenue", stored && stored->revenue ? money(e, *stored->revenue) : ""},
                {"has_budget", stored && stored->budget},
                {"budget", stored && stored->budget ? money(e, *stored->budget) : ""}});
}

void activity(Turn& turn, const CommandArgs& args) {
    if (refuse_unless_planner(turn) || no_markets(turn)) return;
    const std::string name(core::utf8_prefix(core::trim(args.parsed.word("name")), 120));
    std::string market;
    if (args.parsed.has("market")) {
        const auto m = find_market(settings_of(turn.engine()), args.parsed.word("market"));
        if (!m) {
            unknown_market(turn, args.parsed.word("market"));
            return;
        }
        market = *m;
    }
    std::optional<double> budget, spent;
    if (!amount_option(turn, args, "budget", budget) ||
        !amount_option(turn, args, "spent", spent)) {
        return;
    }
    if (!budget) {
        turn.reply("plan.activity_needs_budget");
        return;
    }
    Quarter quarter = quarter_at(turn.now(), company_zone(turn.engine()));
    // Declared Arg::quarter: read (and a bad one answered) by the argument parser.
    if (const auto asked = args.parsed.quarter("quarter")) quarter = Quarter{asked->year, asked->q};
    store::plan::PlanActivity a{0, name, market, quarter.text(), *budget, spent};
    a.id = turn.write_table<PlanTable>().set_activity(a, turn.person()->id, now_ms(turn));
    json detail = {{"activity", a.id},
                   {"name", name},
                   {"market", market},
                   {"quarter", a.quarter},
                   {"budget", *budget}};
    if (spent) detail["spent"] = *spent;
    turn.audit("plan.activity", detail);
    const Engine& e = turn.engine();
    turn.reply("plan.activity_set", {{"name", name},
                                     {"has_market", !market.empty()},
                                     {"market", market},
                                     {"quarter", a.quarter},
                                     {"budget", money(e, *budget)},
                                     {"has_spent", spent.has_value()},
                                     {"spent", spent ? money(e, *spent) : ""}});
}

// --- plan import -------------------------------------------------------------------------

void import(Turn& turn, const CommandArgs& args) {
    if (refuse_unless_planner(turn) || no_markets(turn)) return;
    const std::string text = args.rest;
    if (core::trim(text).empty()) {
        turn.reply("plan.import_how");
        return;
    }
    if (text.find('\n') == std::string::npos && args.words.size() == 1) {
        // A file name: the chat cannot read files on the server.
        turn.reply("plan.import_paste",
                   {{"file", std::string(core::utf8_prefix(args.words[0], 120))}});
        return;
    }
    const PlanImportOutcome out =
        import_plan(text, turn.write(), settings_of(turn.engine()), turn.engine().prompts(),
                    turn.locale(), this_year(turn), now_ms(turn), turn.person()->id);
    if (!out.errors.empty()) {
        json list = json::array();
        for (std::size_t i = 0; i < out.errors.size() && i < 10; ++i) {
            list.push_back({{"text", out.errors[i]}});
        }
        turn.reply("plan.import_failed", {{"count", out.errors.size()}, {"errors", list}});
        return;
    }
    turn.audit(
        "plan.import",
        {{"outlooks", out.outlooks}, {"targets", out.targets}, {"activities", out.activities}});
    turn.reply(
        "plan.imported",
        {{"outlooks", out.outlooks}, {"targets", out.targets}, {"activities", out.activities}});
}

// --- the plan's lines --------------------------------------------------------------------

/// Everything `plan`, the review and the export show, for quarter `q` (so far, when it is
/// the current one) and its year up to the end of `q`.
struct Snapshot {
    Quarter quarter;
    Period period;
    Period before;
    Period year;  ///< from the year's start to the quarter's end
    std::map<std::string, MarketFacts> now, last, ytd;
    std::map<std::string, double> pipeline;
    std::map<std::string, std::string> outlooks;
    std::map<std::string, store::plan::PlanTarget> targets;
    std::vector<store::plan::PlanActivity> activities;
    std::map<std::int64_t, std::string> customer_markets;
};

Snapshot snapshot(const Engine& engine, const PlanTable& plan, const Quarter& q,
                  std::int64_t until) {
    const std::string& zone = company_zone(engine);
    Snapshot s;
    s.quarter = q;
    s.period = period_of(q, zone);
    s.period.to = std::min(s.period.to, until);
    s.before = period_of(q.previous(), zone);
    s.year = {period_of({q.year, 1}, zone).from, s.period.to};
    s.customer_markets = plan.customer_markets();
    s.now = gather(engine, s.customer_markets, s.period);
    s.last = gather(engine, s.customer_markets, s.before);
    s.ytd = gather(engine, s.customer_markets, s.year);
    s.pipeline = pipeline(engine, s.customer_markets, s.period.to);
    for (const auto& o : plan.outlooks()) s.outlooks[o.market] = o.text;
    for (const auto& t : plan.targets(q.year)) s.targets[t.market] = t;
    s.activities = plan.activities(q.text());
    return s;
}

double activity_budget(const Snapshot& s, const std::string& market, bool spent) {
    double sum = 0;
    for (const auto& a : s.activities) {
        if (a.market == market) sum += spent ? a.spent.value_or(0) : a.budget;
    }
    return sum;
}

json market_line(const Engine& engine, const std::string& locale, const Snapshot& s,
                 const std::string& market) {
    const MarketFacts none;
    auto facts = [&](const std::map<std::string, MarketFacts>& m) -> const MarketFacts& {
        const auto it = m.find(market);
        return it == m.end() ? none : it->second;
    };
    const MarketFacts& now = facts(s.now);
    const MarketFacts& last = facts(s.last);
    const MarketFacts& ytd = facts(s.ytd);
    const auto target = s.targets.find(market);
    const auto outlook = s.outlooks.find(market);
    const double pipe = s.pipeline.count(market) ? s.pipeline.at(market) : 0;
    const bool has_revenue = target != s.targets.end() && target->second.revenue.has_value();
    const bool has_budget = target != s.targets.end() && target->second.budget.has_value();
    const double revenue = has_revenue ? target->second.revenue.value_or(0) : 0;
    const double budget = has_budget ? target->second.budget.value_or(0) : 0;
    int customers = 0;
    for (const auto& [id, m] : s.customer_markets) customers += m == market ? 1 : 0;
    const double act_budget = activity_budget(s, market, false);
    const double act_spent = activity_budget(s, market, true);
    int mentions = 0;
    for (const auto& [_, n] : now.competitors) mentions += n;
    return {{"market", market},
            {"customers", customers},
            {"has_outlook", outlook != s.outlooks.end()},
            {"outlook", outlook == s.outlooks.end() ? "" : outlook->second},
            {"has_revenue", has_revenue},
            {"revenue", has_revenue ? money(engine, revenue) : ""},
            {"share", share_of(ytd.won, revenue)},
            {"won_year", money(engine, ytd.won)},
            {"won", money(engine, now.won)},
            {"pipeline", money(engine, pipe)},
            {"has_budget", has_budget},
            {"budget", has_budget ? money(engine, budget) : ""},
            {"has_activities", act_budget > 0 || act_spent > 0},
            {"activity_budget", money(engine, act_budget)},
            {"activity_spent", money(engine, act_spent)},
            {"reports", now.reports},
            {"reports_before", last.reports},
            {"trend", trend(engine, locale, now.reports, last.reports)},
            {"has_reports", now.reports > 0},
            {"mentions", mentions},
            {"competitors", counted(engine, locale, now.competitors)},
            {"has_competitors", !now.competitors.empty()},
            {"prices", now.prices},
            {"needs", counted(engine, locale, now.needs)},
            {"has_needs", !now.needs.empty()}};
}

void show(Turn& turn, const CommandArgs&) {
    if (refuse_unless_planner(turn) || no_markets(turn)) return;
    const Engine& engine = turn.engine();
    const Quarter q = quarter_at(turn.now(), company_zone(engine));
    const Snapshot s = snapshot(engine, turn.read_table<PlanTable>(), q, now_ms(turn) + 1);
    json lines = json::array();
    for (const auto& m : market_names(settings_of(engine))) {
        lines.push_back(market_line(engine, turn.locale(), s, m));
    }
    const auto unplaced = s.now.find("");
    const int without = unplaced == s.now.end() ? 0 : unplaced->second.reports;
    turn.reply("plan.view", {{"quarter", q.text()},
                             {"year", q.year},
                             {"markets", lines},
                             {"without", without},
                             {"has_without", without > 0}});
}

// --- the quarterly review ----------------------------------------------------------------

/// The review of quarter `q` in `locale`; nullopt when the quarter had no data at all.
json review_data(const Engine& engine, const std::string& locale, const Snapshot& s) {
    const std::string& zone = company_zone(engine);
    json markets = json::array();
    json contradictions = json::array();
    int reports = 0;
    double won = 0;
    for (const auto& [_, f] : s.now) {
        reports += f.reports;
        won += f.won;
    }
    for (const auto& m : market_names(settings_of(engine))) {
        const bool targeted = s.targets.count(m) > 0;
        const auto now = s.now.find(m);
        const bool has_data =
            now != s.now.end() && (now->second.reports > 0 || now->second.won > 0);
        if (targeted || has_data || activity_budget(s, m, false) > 0) {
            markets.push_back(market_line(engine, locale, s, m));
        }
        if (!targeted) continue;
        if (now == s.now.end() || now->second.reports == 0) {
            contradictions.push_back(
                {{"text",
                  render(engine, locale, "plan.contradiction.no_reports", {{"market", m}})}});
            continue;
        }
        const auto last = s.last.find(m);
        for (const auto& [competitor, count] : now->second.competitors) {
            int before = 0;
            if (last != s.last.end()) {
                const auto it = last->second.competitors.find(competitor);
                if (it != last->second.competitors.end()) before = it->second;
            }
            if (count >= 2 && count > before) {
                contradictions.push_back(
                    {{"text", render(engine, locale, "plan.contradiction.rising",
                                     {{"market", m},
                                      {"competitor", competitor},
                                      {"count", count},
                                      {"before", before}})}});
            }
        }
    }
    json activities = json::array();
    double planned = 0, spent = 0;
    for (const auto& a : s.activities) {
        planned += a.budget;
        spent += a.spent.value_or(0);
        activities.push_back({{"name", a.name},
                              {"has_market", !a.market.empty()},
                              {"market", a.market},
                              {"budget", money(engine, a.budget)},
                              {"has_spent", a.spent.has_value()},
                              {"spent", money(engine, a.spent.value_or(0))},
                              {"over", a.spent && *a.spent > a.budget}});
    }
    const bool empty = reports == 0 && won == 0 && s.activities.empty();
    const auto unplaced = s.now.find("");
    const int without = unplaced == s.now.end() ? 0 : unplaced->second.reports;
    return {{"quarter", s.quarter.text()},
            {"from", day_text(s.period.from, zone)},
            {"to", day_text(s.period.to - 1, zone)},
            {"zone", zone},
            {"empty", empty},
            {"has_targets", !s.targets.empty()},
            {"reports", reports},
            {"markets", markets},
            {"has_markets", !markets.empty()},
            {"activities", activities},
            {"has_activities", !activities.empty()},
            {"planned", money(engine, planned)},
            {"spent", money(engine, spent)},
            {"contradictions", contradictions},
            {"has_contradictions", !contradictions.empty()},
            {"without", without},
            {"has_without", without > 0}};
}

void review(Turn& turn, const CommandArgs& args) {
    if (refuse_unless_planner(turn) || no_markets(turn)) return;
    const Engine& engine = turn.engine();
    Quarter q = quarter_at(turn.now(), company_zone(engine)).previous();
    // Declared Arg::quarter: read (and a bad one answered) by the argument parser.
    if (const auto asked = args.parsed.quarter("quarter")) q = Quarter{asked->year, asked->q};
    const Snapshot s = snapshot(engine, turn.read_table<PlanTable>(), q, now_ms(turn) + 1);
    turn.reply("plan.review", review_data(engine, turn.locale(), s));
}

/// The locales the people of a track read: the company's first.
std::vector<std::string> track_locales(const Engine& engine, const std::string& track) {
    std::set<std::string> found;
    for (const auto& p : engine.directory().all()) {
        const bool reads = track == "joint"
                               ? (p.department == "marketing" || p.department == "sales")
                               : p.department == track;
        if (reads) found.insert(engine.locale_for(&p));
    }
    std::vector<std::string> out = {engine.settings().default_locale};
    for (const auto& l : found) {
        if (l != out.front()) out.push_back(l);
    }
    return out;
}

/// When the review of the quarter before `q` is due: `q`'s first day, company zone.
core::Timestamp review_due(const Engine& engine, const Quarter& q) {
    return core::from_millis(
        local_ms(company_zone(engine), first_day(q), settings_of(engine).review_minute));
}

/// The next review after `after`: its quarter (the one reviewed) and when it is due.
std::pair<Quarter, core::Timestamp> next_review(const Engine& engine, core::Timestamp after) {
    Quarter q = quarter_at(after, company_zone(engine));
    core::Timestamp due = review_due(engine, q);
    if (due <= after) {
        q = q.next();
        due = review_due(engine, q);
    }
    return {q.previous(), due};
}

void review_post(Turn& turn, const json& payload) {
    Engine& engine = turn.engine();
    const auto q = parse_quarter(engine.prompts(), payload.value("quarter", ""));
    if (q && settings_of(engine).review_post && !settings_of(engine).markets.empty()) {
        // The whole quarter, even when the post runs late after a restart.
        const Snapshot s = snapshot(engine, turn.read_table<PlanTable>(), *q,
                                    period_of(*q, company_zone(engine)).to);
        for (const auto& track : settings_of(engine).review_tracks) {
            for (const auto& channel : turn.read().channel_tracks().by_track(track)) {
                for (const auto& locale : track_locales(engine, track)) {
                    turn.post({channel.connector, channel.channel, ""}, locale, "plan.review",
                              review_data(engine, locale, s),
                              std::string(review_job) + "." + q->text() + "." + channel.connector +
                                  "." + channel.channel + "." + locale);
                }
            }
        }
        turn.audit("plan.review", {{"quarter", q->text()}});
    }
    if (!settings_of(engine).review_post) return;
    const auto [next, due] = next_review(engine, turn.now());
    engine.scheduler().schedule(turn, review_job, std::string(review_job) + "." + next.text(), due,
                                {{"quarter", next.text()}});
}

// --- plan export -------------------------------------------------------------------------

std::string plan_csv(const Engine& engine, const Snapshot& s, int& rows) {
    std::string out = core::csv_row([] {
        auto h = plan_csv_header();
        for (const auto& c : plan_actual_columns()) h.push_back(c);
        return h;
    }());
    rows = 0;
    auto plain = [](double v) {
        std::ostringstream o;
        o.precision(15);
        o << v;
        return o.str();
    };
    auto opt_plain = [&](std::optional<double> v) { return v ? plain(*v) : std::string(); };
    for (const auto& [market, text] : s.outlooks) {
        out += core::csv_row(
            {"outlook", market, "", "", "", "", "", "", text, "", "", "", "", "", ""});
        ++rows;
    }
    for (const auto& m : market_names(settings_of(engine))) {
        const auto t = s.targets.find(m);
        const auto now = s.now.find(m);
        const auto last = s.last.find(m);
        const auto ytd = s.ytd.find(m);
        if (t == s.targets.end() && now == s.now.end()) continue;
        int mentions = 0;
        if (now != s.now.end()) {
            for (const auto& [_, n] : now->second.competitors) mentions += n;
        }
        out += core::csv_row({"target", m, "", std::to_string(s.quarter.year), s.quarter.text(),
                              t == s.targets.end() ? "" : opt_plain(t->second.revenue),
                              t == s.targets.end() ? "" : opt_plain(t->second.budget), "", "",
                              std::to_string(now == s.now.end() ? 0 : now->second.reports),
                              std::to_string(last == s.last.end() ? 0 : last->second.reports),
                              std::to_string(mentions),
                              std::to_string(now == s.now.end() ? 0 : now->second.prices),
                              plain(s.pipeline.count(m) ? s.pipeline.at(m) : 0),
                              plain(ytd == s.ytd.end() ? 0 : ytd->second.won)});
        ++rows;
    }
    for (const auto& a : s.activities) {
        out += core::csv_row({"activity", a.market, a.name, "", a.quarter, "", plain(a.budget),
                              opt_plain(a.spent), "", "", "", "", "", "", ""});
        ++rows;
    }
    return out;
}

void export_plan(Turn& turn, const CommandArgs& args) {
    if (refuse_unless_planner(turn) || no_markets(turn)) return;
    const Engine& engine = turn.engine();
    Quarter q = quarter_at(turn.now(), company_zone(engine));
    // Declared Arg::quarter: read (and a bad one answered) by the argument parser.
    if (const auto asked = args.parsed.quarter("quarter")) q = Quarter{asked->year, asked->q};
    const Snapshot s = snapshot(engine, turn.read_table<PlanTable>(), q, now_ms(turn) + 1);
    int rows = 0;
    const std::string csv = plan_csv(engine, s, rows);
    std::string file = "plan-" + q.text() + ".csv";
    if (args.parsed.has("file")) {
        // The chat cannot write files on the server: the name names the attachment.
        std::string name = args.parsed.word("file");
        name = name.substr(
            name.find_last_of("/\\") == std::string::npos ? 0 : name.find_last_of("/\\") + 1);
        if (core::ascii_lower(name).size() < 5 ||
            core::ascii_lower(name).compare(name.size() - 4, 4, ".csv") != 0) {
            turn.reply("plan.export_csv_only",
                       {{"file", std::string(core::utf8_prefix(name, 80))}});
            return;
        }
        file = std::string(core::utf8_prefix(name, 100));
    }
    const bool inline_text = csv.size() <= inline_csv_bytes;
    turn.reply("plan.exported", {{"file", file},
                                 {"rows", rows},
                                 {"quarter", q.text()},
                                 {"inline", inline_text},
                                 {"csv", inline_text ? csv : std::string()}});
    if (!turn.posts().empty()) turn.posts().back().attachments.push_back({file, "text/csv", csv});
}

}  // namespace

PlanImportOutcome import_plan(const std::string& text, store::Store& store,
                              const PlanSettings& settings, const Prompts& prompts,
                              const std::string& locale, int default_year, std::int64_t now_ms,
                              std::optional<std::int64_t> by) {
    PlanImportOutcome out;
    std::vector<PlanFileError> errors;
    const store::plan::PlanImport plan =
        read_plan_file(text, settings, prompts, default_year, errors);
    if (!errors.empty()) {
        json names = json::array();
        const std::string sep = prompts.render(locale, "core.list_separator");
        for (const auto& m : market_names(settings)) {
            names.push_back({{"item", m}, {"sep", names.empty() ? std::string() : sep}});
        }
        for (const auto& e : errors) {
            out.errors.push_back(prompts.render(
                locale, "plan.file." + e.key,
                {{"line", e.line}, {"value", e.value}, {"field", e.field}, {"markets", names}}));
        }
        return out;
    }
    PlanTable table(store.db());
    for (auto o : plan.outlooks) {
        o.set_at = now_ms;
        table.set_outlook(o, by);
    }
    for (const auto& t : plan.targets) table.set_target(t, by, now_ms);
    for (const auto& a : plan.activities) table.set_activity(a, by, now_ms);
    out.outlooks = plan.outlooks.size();
    out.targets = plan.targets.size();
    out.activities = plan.activities.size();
    return out;
}

std::string plan_file_csv(store::Store& store, std::size_t& rows) {
    const PlanTable table(store.db());
    auto plain = [](std::optional<double> v) {
        if (!v) return std::string();
        std::ostringstream o;
        o.precision(15);
        o << *v;
        return o.str();
    };
    std::string out = core::csv_row(plan_csv_header());
    rows = 0;
    for (const auto& o : table.outlooks()) {
        out += core::csv_row({"outlook", o.market, "", "", "", "", "", "", o.text});
        ++rows;
    }
    for (const auto& t : table.all_targets()) {
        out += core::csv_row({"target", t.market, "", std::to_string(t.year), "", plain(t.revenue),
                              plain(t.budget), "", ""});
        ++rows;
    }
    for (const auto& a : table.activities()) {
        out += core::csv_row(
            {"activity", a.market, a.name, "", a.quarter, "", plain(a.budget), plain(a.spent), ""});
        ++rows;
    }
    return out;
}

void read_config(core::SectionReader& s, FeatureSettings& settings) {
    PlanSettings& plan = settings.edit<PlanSettings>();
    const YAML::Node markets = s.node("markets");
    if (markets.IsDefined() && !markets.IsNull()) {
        if (!markets.IsSequence()) {
            s.error("markets", "must be a list of markets, such as [manufacturing, retail]");
        } else {
            std::set<std::string> seen;
            for (const auto& item : markets) {
                Market m;
                if (item.IsScalar()) {
                    m.name = std::string(core::trim(item.Scalar()));
                } else if (item.IsMap()) {
                    core::SectionReader r(item, s.path() + ".markets", s.errors());
                    if (auto n = r.string("name", true)) m.name = std::string(core::trim(*n));
                    m.aliases = r.word_list("aliases", "market names");
                    r.finish();
                    if (m.name.empty()) continue;
                } else {
                    s.errors().add(item, s.path() +
                                             ".markets: each market is a name or "
                                             "{name: NAME, aliases: [...]}");
                    continue;
                }
                bool clash = m.name.empty() || m.name.find_first_of(" \t,") != std::string::npos;
                if (clash) {
                    s.errors().add(item, s.path() + ".markets: \"" + m.name +
                                             "\" must be one word (use - or _ between words; "
                                             "aliases may have spaces)");
                    continue;
                }
                std::vector<std::string> names = {m.name};
                names.insert(names.end(), m.aliases.begin(), m.aliases.end());
                for (const auto& n : names) {
                    if (!seen.insert(core::ascii_lower(core::trim(n))).second) {
                        s.errors().add(item,
                                       s.path() + ".markets: \"" + n + "\" names two markets");
                        clash = true;
                    }
                }
                if (!clash) plan.markets.push_back(m);
            }
        }
    }
    const YAML::Node post = s.node("review_post");
    if (post.IsDefined() && !post.IsNull()) {
        core::SectionReader r(post, s.path() + ".review_post", s.errors());
        if (auto v = r.boolean("enabled")) plan.review_post = *v;
        if (r.has("tracks")) {
            std::vector<std::string> tracks;
            for (const auto& t : r.word_list("tracks", "tracks")) {
                if (t != "marketing" && t != "sales" && t != "joint") {
                    r.error("tracks",
                            "unknown track \"" + t + "\"; tracks: marketing, sales, joint");
                    continue;
                }
                tracks.push_back(t);
            }
            plan.review_tracks = tracks;
        }
        if (auto v = r.string("at")) {
            const auto& t = *v;
            const bool ok = t.size() == 5 && t[2] == ':' &&
                            std::isdigit(static_cast<unsigned char>(t[0])) &&
                            std::isdigit(static_cast<unsigned char>(t[1])) &&
                            std::isdigit(static_cast<unsigned char>(t[3])) &&
                            std::isdigit(static_cast<unsigned char>(t[4]));
            const int minute = ok ? std::stoi(t.substr(0, 2)) * 60 + std::stoi(t.substr(3, 2)) : -1;
            if (!ok || minute >= 24 * 60 || std::stoi(t.substr(3, 2)) >= 60) {
                r.error("at", "must be a time such as \"09:00\"");
            } else {
                plan.review_minute = minute;
            }
        }
        r.finish();
    }
    s.finish();
}

namespace {

/// The markets customers are in, for the dashboard.
class EngineCustomerMarkets final : public CustomerMarkets {
  public:
    explicit EngineCustomerMarkets(Engine& engine) : engine_(engine) {}
    std::map<std::int64_t, std::string> customer_markets() const override {
        return PlanTable(engine_.store().db()).customer_markets();
    }

  private:
    Engine& engine_;
};

}  // namespace

Feature feature() {
    return {"plan", "plan", read_config, {26}, [](Engine& engine, Services& services) {
                register_plan(engine);
                services.provide<CustomerMarkets>(std::make_shared<EngineCustomerMarkets>(engine));
            }};
}

void register_plan(Engine& engine) {
    auto& r = engine.router();
    r.add(CommandSpec("customer market", customer_market)
              .arg(Arg::text("customer"))
              .arg(Arg::word("market"))
              .writes());
    const std::vector<std::string> planners = {"manager", "admin"};
    r.add(CommandSpec("plan", show).roles(planners).no_args());
    r.add(CommandSpec("plan outlook", outlook)
              .roles(planners)
              .arg(Arg::word("market"))
              .arg(Arg::text("text"))
              .writes());
    r.add(CommandSpec("plan target", target)
              .roles(planners)
              .arg(Arg::word("market"))
              .option("plan.words.revenue", Arg::word("revenue"))
              .option("plan.words.budget", Arg::word("budget"))
              .option("plan.words.year", Arg::word("year"))
              .writes());
    r.add(CommandSpec("plan activity", activity)
              .roles(planners)
              .arg(Arg::text("name"))
              .option("plan.words.market", Arg::word("market"))
              .option("plan.words.budget", Arg::word("budget"))
              .option("plan.words.spent", Arg::word("spent"))
              .option("plan.words.quarter", Arg::quarter("quarter"))
              .writes());
    r.add(CommandSpec("plan import", import).roles(planners).writes());
    r.add(CommandSpec("plan export", export_plan)
              .roles(planners)
              .arg(Arg::word("file").optional())
              .option("plan.words.quarter", Arg::quarter("quarter")));
    r.add(CommandSpec("plan review", review)
              .roles(planners)
              .option("plan.words.quarter", Arg::quarter("quarter")));
    engine.scheduler().on(review_job, review_post);
    if (!settings_of(engine).review_post) return;
    // The next review, unless it is scheduled already.
    const auto [q, due] = next_review(engine, engine.clock().now());
    store::Job job;
    job.kind = review_job;
    job.key = std::string(review_job) + "." + q.text();
    job.payload = json{{"quarter", q.text()}}.dump();
    job.due_at = core::to_millis(due);
    engine.store().jobs().schedule(job);
}

}  // namespace twintrack::bot::plan
