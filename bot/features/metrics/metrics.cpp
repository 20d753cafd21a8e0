#include "bot/features/metrics/metrics.hpp"

#include <date/tz.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "bot/api.hpp"
#include "bot/campaign_results.hpp"
#include "bot/customers.hpp"
#include "bot/engagement_facts.hpp"
#include "bot/engine.hpp"
#include "bot/facts.hpp"
#include "bot/features/kit/kit_stats.hpp"
#include "bot/features/meetings/meeting_stats.hpp"
#include "bot/features/metrics/chart.hpp"
#include "bot/features/metrics/dashboard.hpp"
#include "bot/features/metrics/deal_history.hpp"
#include "bot/features/metrics/deal_input.hpp"
#include "bot/features/metrics/store/metrics_store.hpp"
#include "bot/features/metrics/summarizer.hpp"
#include "bot/features/social/activity_stats.hpp"
#include "bot/features/thanks/thanks_stats.hpp"
#include "bot/field_facts.hpp"
#include "bot/local_time.hpp"
#include "bot/name_key.hpp"
#include "bot/report_texts.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::metrics {
namespace {

using nlohmann::json;
using DealTable = store::metrics::DealRepository;
using QuotaTable = store::metrics::QuotaRepository;
using CampaignTable = store::metrics::CampaignRepository;
using MessageLog = store::metrics::ChannelMessageLog;
using store::metrics::MetricsTables;

const char* const weekly_job = "metrics.weekly";
/// Sentences a summary keeps.
const std::size_t summary_sentences = 5;
/// Weeks of incremental sales in the weekly chart and bars.
const int chart_weeks = 8;

std::int64_t now_ms(const Turn& turn) { return core::to_millis(turn.now()); }

void usage(Turn& turn, const std::string& command) { reply_usage(turn, command); }

bool is_word(const Engine& engine, const std::string& name, const std::string& word) {
    return engine.prompts().is_word("metrics.words." + name, word);
}

std::string strip_quotes(std::string s) {
    for (const std::string q : {"\"", "“", "”"}) {
        if (s.compare(0, q.size(), q) == 0) s.erase(0, q.size());
        if (s.size() >= q.size() && s.compare(s.size() - q.size(), q.size(), q) == 0) {
            s.erase(s.size() - q.size());
        }
    }
    return std::string(core::trim(s));
}

std::string join_words(const std::vector<std::string>& w, std::size_t from, std::size_t to) {
    std::vector<std::string> part(w.begin() + static_cast<long>(from),
                                  w.begin() + static_cast<long>(std::min(to, w.size())));
    return strip_quotes(core::join(part, " "));
}

const std::string& company_zone(const Engine& engine) { return engine.settings().company_timezone; }

/// "1,234,567" (two decimals only when there are cents).
std::string number_text(double v) {
    const bool negative = v < 0;
    const double a = std::fabs(v);
    const long long whole = static_cast<long long>(std::floor(a + 0.005));
    const int cents = static_cast<int>(std::lround((a - static_cast<double>(whole)) * 100));
    std::string digits = std::to_string(whole);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    if (cents > 0 && cents < 100) {
        char buf[8];
        std::snprintf(buf, sizeof buf, ".%02d", cents);
        out += buf;
    }
    return (negative && (whole > 0 || cents > 0) ? "-" : "") + out;
}

std::string money(const Engine& engine, double v) {
    return number_text(v) + " " + engine.settings().rules.currency;
}

std::string percent_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", v);
    std::string s = buf;
    if (s.size() > 3 && s.compare(s.size() - 3, 3, ".0%") == 0) s.erase(s.size() - 3, 2);
    return s;
}

/// "+3", "-1,200", "±0".
std::string delta_text(double now, double before) {
    const double d = now - before;
    if (std::fabs(d) < 0.005) return "±0";
    return (d > 0 ? "+" : "") + number_text(d);
}

std::string person_name(const Engine& engine, std::int64_t id) {
    const Person* p = engine.directory().by_id(id);
    return p ? p->name : "#" + std::to_string(id);
}

bool in_sales(const Person& p) { return p.department == "sales"; }
bool in_marketing(const Person& p) { return p.department == "marketing"; }
bool is_admin(const Person& p) { return p.role == "admin"; }

void refuse(Turn& turn, const std::string& who) {
    turn.reply("metrics.not_allowed", {{"who", turn.text("metrics.who." + who)}});
}

// --- deals, quotas, campaigns -----------------------------------------------------------

std::string local_day_text(std::int64_t ms, const std::string& zone) {
    return date::format(
        "%F", date::floor<date::days>(zone_or_utc(zone)->to_local(core::from_millis(ms))));
}

/// A win that fits several open deals of the customer: the reader says which.
void ask_which_deal(Turn& turn, const std::string& customer,
                    const std::vector<store::metrics::Deal>& deals) {
    const std::string& zone = company_zone(turn.engine());
    json list = json::array();
    for (const auto& d : deals) {
        list.push_back({{"id", d.id},
                        {"amount", number_text(d.amount) + " " + d.currency},
                        {"owner", d.owner_id ? person_name(turn.engine(), *d.owner_id) : "-"},
                        {"created", local_day_text(d.created_at, zone)}});
    }
    turn.reply("metrics.deal_which", {{"customer", customer},
                                      {"count", deals.size()},
                                      {"deals", list},
                                      {"first_id", deals.front().id}});
}

void deal_won(Turn& turn, const CommandArgs& args) {
    const Person& me = *turn.person();
    if (!in_sales(me) && !is_admin(me)) return refuse(turn, "sales");
    // Declared: CUSTOMER... AMOUNT [CURRENCY] [#DEAL] [margin N%] [owner @P]; AMOUNT may be
    // written amount=N. The first word is always the customer's, so that a name like 三一 is
    // not an amount.
    const ParsedArgs& a = args.parsed;
    DealInput in;
    in.customer = strip_quotes(a.word("customer"));
    in.stage = "won";
    const Amount amount = *a.amount("amount");
    in.amount = amount.value;
    in.currency = amount.currency;
    in.margin = a.percent("margin");
    const Person* owner = a.person("owner");
    const std::optional<std::int64_t> ref = a.id("deal");
    // Recording a deal for someone else is for the sales managers and admins.
    const bool may_assign = is_admin(me) || (me.role == "manager" && in_sales(me));
    if (owner && owner->id != me.id && !may_assign) return refuse(turn, "sales_managers");
    in.owner_id = owner ? owner->id : me.id;
    store::Store& db = turn.write();
    const BotSettings& settings = turn.engine().settings();
    store::metrics::Deal deal;
    const Customers* customers = turn.engine().services().find<Customers>();
    if (auto p = make_deal(customers, settings, in, now_ms(turn), deal)) {
        return turn.reply("metrics." + p->key, p->data);
    }
    // An open deal of the customer is the one won: by its number, the only one, or the
    // only one with this amount; otherwise the reader says which.
    const OpenDealMatch match =
        match_open_deal(db, customers, settings, in.customer, in.amount, in.currency, ref);
    if (match.unknown_ref) {
        return turn.reply("metrics.deal_not_open",
                          {{"ref", "#" + std::to_string(*ref)}, {"customer", deal.customer_text}});
    }
    if (!match.ambiguous.empty()) return ask_which_deal(turn, deal.customer_text, match.ambiguous);
    const bool closed_open = match.deal.has_value();
    if (closed_open) {
        deal = close_open_deal(std::move(deal), *match.deal, owner != nullptr);
        turn.write_table<DealTable>().update(deal);
    } else {
        deal.id = turn.write_table<DealTable>().add(deal);
    }
    const std::int64_t owner_id = deal.owner_id.value_or(me.id);
    turn.audit("deal.won", {{"deal", deal.id},
                            {"customer", deal.customer_text},
                            {"amount", deal.amount},
                            {"currency", deal.currency},
                            {"company_amount", deal.company_amount},
                            {"owner", owner_id},
                            {"recorded_by", me.id},
                            {"was_open", closed_open}});
    const bool converted = deal.currency != settings.rules.currency;
    turn.reply("metrics.deal_won", {{"id", deal.id},
                                    {"customer", deal.customer_text},
                                    {"amount", number_text(deal.amount) + " " + deal.currency},
                                    {"converted", converted},
                                    {"company_amount", money(turn.engine(), deal.company_amount)},
                                    {"has_margin", deal.margin.has_value()},
                                    {"margin", deal.margin ? percent_text(*deal.margin * 100) : ""},
                                    {"unknown", !deal.customer_id.has_value()},
                                    {"was_open", closed_open},
                                    {"for_owner", owner_id != me.id},
                                    {"owner", person_name(turn.engine(), owner_id)}});
}

void deal_lost(Turn& turn, const CommandArgs& args) {
    const Person& me = *turn.person();
    if (!in_sales(me) && !is_admin(me)) return refuse(turn, "sales");
    // Declared: CUSTOMER REASON...
    const std::string customer = strip_quotes(args.parsed.word("customer"));
    const std::string reason = args.parsed.word("reason");
    store::Store& db = turn.write();
    // The customer's newest open deal, known customer or not.
    std::optional<store::metrics::Deal> open;
    const Customers* customers = turn.engine().services().find<Customers>();
    const auto candidates = open_deals_of(db, customers, customer);
    if (!candidates.empty()) open = candidates.back();
    store::metrics::Deal deal;
    if (open) {
        deal = *open;
        deal.stage = "lost";
        deal.closed_at = now_ms(turn);
        deal.reason = reason;
        deal.updated_at = now_ms(turn);
        deal.source_updated = now_ms(turn);
        turn.write_table<DealTable>().update(deal);
    } else {
        DealInput in;
        in.customer = customer;
        in.stage = "lost";
        in.reason = reason;
        in.owner_id = me.id;
        if (auto p = make_deal(customers, turn.engine().settings(), in, now_ms(turn), deal)) {
            return turn.reply("metrics." + p->key, p->data);
        }
        deal.id = turn.write_table<DealTable>().add(deal);
    }
    turn.audit("deal.lost",
               {{"deal", deal.id}, {"customer", deal.customer_text}, {"reason", reason}});
    turn.reply("metrics.deal_lost", {{"id", deal.id},
                                     {"customer", deal.customer_text},
                                     {"reason", reason},
                                     {"was_open", open.has_value()},
                                     {"amount", money(turn.engine(), deal.company_amount)}});
}

void quota_set(Turn& turn, const CommandArgs& args) {
    // Declared: @P|DEPARTMENT PERIOD [revenue N] [profit N], one of the two at least.
    const auto revenue = args.parsed.amount("revenue");
    const auto profit = args.parsed.amount("profit");
    if (!revenue && !profit) return usage(turn, "quota set");
    const std::string who = args.parsed.word("subject");
    const std::string period_word = args.parsed.word("quota_period");
    store::metrics::Quota q;
    std::string subject;
    std::string dept;  // a department's name in any locale (core.words.department_*)
    for (const auto& d : departments()) {
        if (turn.engine().prompts().is_word("core.words.department_" + d, who)) dept = d;
    }
    if (!dept.empty()) {
        q.team = dept;
        subject = turn.text("core.department." + dept);
    } else {
        const Person* p = turn.person_arg(who);
        if (p == nullptr) return;
        q.person_id = p->id;
        subject = p->name;
    }
    const Person& me = *turn.person();
    const std::string& target_dept =
        q.person_id ? turn.engine().directory().by_id(*q.person_id)->department : q.team;
    if (!is_admin(me) && target_dept != me.department) return refuse(turn, "own_department");
    const auto period = parse_period(period_word, company_zone(turn.engine()));
    if (!period) return turn.reply("metrics.bad_period", {{"value", period_word}});
    q.period = period->name;
    q.starts_at = period->starts_at;
    q.ends_at = period->ends_at;
    if (revenue) q.revenue = revenue->value;
    if (profit) q.profit = profit->value;
    const bool added = turn.write_table<QuotaTable>().set(q, now_ms(turn));
    turn.audit("quota.set", {{"subject", subject},
                             {"period", q.period},
                             {"revenue", q.revenue ? json(*q.revenue) : json(nullptr)},
                             {"profit", q.profit ? json(*q.profit) : json(nullptr)}});
    turn.reply("metrics.quota_set", {{"subject", subject},
                                     {"period", q.period},
                                     {"has_revenue", q.revenue.has_value()},
                                     {"revenue", q.revenue ? money(turn.engine(), *q.revenue) : ""},
                                     {"has_profit", q.profit.has_value()},
                                     {"profit", q.profit ? money(turn.engine(), *q.profit) : ""},
                                     {"added", added}});
}

void campaign_new(Turn& turn, const CommandArgs& args) {
    // Declared: NAME cost N [CURRENCY] from DATE to DATE [segment TEXT].
    const Person& me = *turn.person();
    if (!in_marketing(me) && !is_admin(me)) return refuse(turn, "marketing");
    auto day_text = [&](const char* name) {
        std::ostringstream out;
        out << *args.parsed.date(name);
        return out.str();
    };
    const auto cost = args.parsed.amount("campaign_cost");
    std::ostringstream cost_text;
    cost_text.precision(15);
    cost_text << cost->value;
    const std::string segment = args.parsed.word("segment");
    Problem p;
    store::Store& db = turn.write();
    auto c = make_campaign(db, turn.engine().settings(), args.parsed.word("campaign_name"),
                           cost_text.str(), cost->currency, day_text("from"), day_text("to"), &p);
    if (!c) return turn.reply("metrics." + p.key, p.data);
    c->segment = segment;
    c->created_by = me.id;
    c->created_at = now_ms(turn);
    c->id = turn.write_table<CampaignTable>().create(*c);
    turn.audit("campaign.new", {{"campaign", c->name}, {"cost", c->cost}});
    turn.reply("metrics.campaign_new", {{"name", c->name},
                                        {"cost", money(turn.engine(), c->cost)},
                                        {"from", c->starts_on},
                                        {"to", c->ends_on},
                                        {"has_segment", !segment.empty()},
                                        {"segment", segment}});
}

void campaign_touch(Turn& turn, const CommandArgs& args) {
    const Person& me = *turn.person();
    if (!in_marketing(me) && !is_admin(me)) return refuse(turn, "marketing");
    // Declared: CAMPAIGN CUSTOMER...
    const std::string name = strip_quotes(args.parsed.word("campaign"));
    const std::string customer = args.parsed.word("customer");
    auto db = turn.write_table<CampaignTable>();
    const auto c = db.find_by_key(bot::name_key(name));
    if (!c) return turn.reply("metrics.unknown_campaign", {{"name", name}});
    const Customers* customers = turn.engine().services().find<Customers>();
    const auto cust = customers ? customers->find(customer) : std::nullopt;
    if (!cust) return turn.reply("metrics.unknown_customer", {{"name", customer}});
    const bool added = db.touch({c->id, cust->id, now_ms(turn)});
    if (added) turn.audit("campaign.touch", {{"campaign", c->name}, {"customer", cust->name}});
    turn.reply("metrics.campaign_touch",
               {{"campaign", c->name}, {"customer", cust->name}, {"again", !added}});
}

// --- metrics ----------------------------------------------------------------------------

/// "10 h 30 min" / "10 小时 30 分钟", to the minute.
std::string duration_text(const Prompts& prompts, const std::string& locale, double hours) {
    const long long total = std::llround(std::max(0.0, hours) * 60);
    const long long h = total / 60, min = total % 60;
    return prompts.render(locale, "metrics.duration",
                          {{"hours", h},
                           {"minutes", min},
                           {"has_hours", h > 0},
                           {"has_minutes", min > 0 || h == 0},
                           {"has_both", h > 0 && min > 0}});
}

// The reps' quota attainment, one item each.
json reps_json(const Engine& engine, const Metrics& m) {
    json reps = json::array();
    for (const auto& r : m.reps) {
        reps.push_back({{"name", r.name},
                        {"percent", percent_text(r.percent)},
                        {"bar", unicode_bar(r.percent, 100.0, 10)},
                        {"to_date", money(engine, r.revenue_to_date)},
                        {"quota", money(engine, r.quota)}});
    }
    return reps;
}

// The competitors named most, as a list with the locale's separator.
json competitors_json(const Prompts& prompts, const std::string& locale, const Metrics& m) {
    const std::string sep = prompts.render(locale, "metrics.separator");
    json competitors = json::array();
    for (const auto& c : m.top_competitors) {
        competitors.push_back(
            {{"name", c.first}, {"count", c.second}, {"sep", competitors.empty() ? "" : sep}});
    }
    return competitors;
}

// The weekly revenue bars, scaled to the best week.
json weeks_json(const Engine& engine, const std::vector<std::pair<std::string, double>>& weeks) {
    double max_week = 0;
    for (const auto& w : weeks) max_week = std::max(max_week, w.second);
    json week_items = json::array();
    for (const auto& w : weeks) {
        week_items.push_back({{"label", w.first},
                              {"value", money(engine, w.second)},
                              {"bar", unicode_bar(w.second, max_week, 16)}});
    }
    return week_items;
}

// Sales: revenue, profit, deals, pipeline, attainment, with the change on `before`.
json sales_json(const Engine& engine, const std::string& na, const Metrics& m,
                const Metrics& before) {
    return {{"revenue", money(engine, m.revenue)},
            {"revenue_delta", delta_text(m.revenue, before.revenue)},
            {"profit", money(engine, m.profit)},
            {"profit_delta", delta_text(m.profit, before.profit)},
            {"without_margin", m.deals_without_margin},
            {"has_without_margin", m.deals_without_margin > 0},
            {"won", m.deals_won},
            {"won_delta",
             delta_text(static_cast<double>(m.deals_won), static_cast<double>(before.deals_won))},
            {"lost", m.deals_lost},
            {"pipeline", money(engine, m.pipeline_created)},
            {"pipeline_deals", m.pipeline_deals},
            {"pipeline_delta", delta_text(m.pipeline_created, before.pipeline_created)},
            {"attainment", m.attainment_percent ? percent_text(*m.attainment_percent) : na}};
}

// The joint work: leads, handoffs, incremental sales, the pool, campaigns, field reports and
// consultations, with the change on `before`.
json joint_json(const Engine& engine, const std::string& locale, const std::string& na,
                const Metrics& m, const Metrics& before) {
    const Prompts& prompts = engine.prompts();
    return {{"leads", m.leads},
            {"leads_delta",
             delta_text(static_cast<double>(m.leads), static_cast<double>(before.leads))},
            {"handoffs", m.handoffs},
            {"handoffs_delta",
             delta_text(static_cast<double>(m.handoffs), static_cast<double>(before.handoffs))},
            {"accepted", m.handoffs_accepted},
            {"median_hours", m.median_acceptance_hours
                                 ? duration_text(prompts, locale, *m.median_acceptance_hours)
                                 : na},
            {"incremental", money(engine, m.incremental_sales)},
            {"incremental_delta", delta_text(m.incremental_sales, before.incremental_sales)},
            {"pool", money(engine, m.pool)},
            {"pool_delta", delta_text(m.pool, before.pool)},
            {"has_campaign_cost", m.campaign_cost.has_value()},
            {"campaign_cost", m.campaign_cost ? money(engine, *m.campaign_cost) : na},
            {"cost_per", m.cost_per_incremental
                             ? number_text(std::round(*m.cost_per_incremental * 100) / 100)
                             : na},
            {"reporters", m.reporters},
            {"expected", m.expected_reporters},
            {"coverage", m.report_coverage_percent ? percent_text(*m.report_coverage_percent) : na},
            {"coverage_delta",
             delta_text(static_cast<double>(m.reporters), static_cast<double>(before.reporters))},
            {"asked", m.consultations_asked},
            {"answered", m.consultations_answered}};
}

// "3 / 4 (75%)": the kit needs covered; "0 / 0" when none was reported.
std::string kit_text(const JointActivity& a, const std::string& na) {
    if (!a.kit_needs) return na;
    if (*a.kit_needs == 0) return "0 / 0";
    const long long covered = a.kit_covered.value_or(0);
    const long long percent =
        std::lround(100.0 * static_cast<double>(covered) / static_cast<double>(*a.kit_needs));
    return std::to_string(covered) + " / " + std::to_string(*a.kit_needs) + " (" +
           std::to_string(percent) + "%)";
}

// What the other features count (services): joint meetings, coffee pairs, the activity
// budget, the sales kit; `na` where the feature is not registered.
json activity_json(const Engine& engine, const std::string& na, const JointActivity& a) {
    return {{"meetings", a.joint_meetings_held ? std::to_string(*a.joint_meetings_held) : na},
            {"coffee", a.coffee_pairs_met ? std::to_string(*a.coffee_pairs_met) : na},
            {"thanks", a.thanks_across ? std::to_string(*a.thanks_across) : na},
            {"budget", a.budget_spent && a.budget_planned ? money(engine, *a.budget_spent) + " / " +
                                                                money(engine, *a.budget_planned)
                                                          : na},
            {"kit", kit_text(a, na)},
            {"kit_gaps", a.kit_gaps ? std::to_string(*a.kit_gaps) : na}};
}

json metrics_json(const Engine& engine, const std::string& locale, const Metrics& m,
                  const Metrics& before, const std::vector<std::pair<std::string, double>>& weeks) {
    const std::string na = engine.prompts().render(locale, "metrics.na");
    json data = sales_json(engine, na, m, before);
    data.update(joint_json(engine, locale, na, m, before));
    data.update(activity_json(engine, na, m.activity));
    const json reps = reps_json(engine, m);
    const json competitors = competitors_json(engine.prompts(), locale, m);
    const json week_items = weeks_json(engine, weeks);
    data.update({{"reps", reps},
                 {"has_reps", !reps.empty()},
                 {"competitors", competitors},
                 {"has_competitors", !competitors.empty()},
                 {"weeks", week_items},
                 {"has_weeks", !week_items.empty()}});
    return data;
}

std::string day_label(std::int64_t ms, const std::string& zone) {
    const auto local = date::floor<date::days>(zone_or_utc(zone)->to_local(core::from_millis(ms)));
    const date::year_month_day ymd{local};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02u-%02u", static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

/// The joint numbers other features count, from the services this engine's features
/// offer: recurring joint meetings held, coffee groups that met, thanks between marketing
/// and sales, and the activity budget of the quarter the period starts in. n/a where no
/// feature offers them.
JointActivity joint_activity(const Engine& engine, const Period& period) {
    JointActivity a;
    if (auto* held = engine.services().find<meetings::MeetingStats>()) {
        a.joint_meetings_held = held->joint_meetings_held(period.from, period.to);
    }
    if (auto* activities = engine.services().find<social::ActivityStats>()) {
        a.coffee_pairs_met = activities->coffee_pairs_met(period.from, period.to);
        const Period quarter = quarter_of(core::from_millis(period.from), company_zone(engine));
        if (const auto budget = activities->budget(quarter.from, quarter.to)) {
            a.budget_planned = budget->planned;
            a.budget_spent = budget->spent;
        }
    }
    if (auto* thanks = engine.services().find<thanks::ThanksStats>()) {
        a.thanks_across = thanks->cross_track_thanks(period.from, period.to);
    }
    if (auto* kit = engine.services().find<kit::KitStats>()) {
        a.kit_needs = kit->needs_reported(period.from, period.to);
        a.kit_covered = kit->needs_covered(period.from, period.to);
        a.kit_gaps = kit->open_gaps();
    }
    return a;
}

/// The numbers of `period` (and of the one before) for `scope`, with the 8-week series.
struct Computed {
    Metrics now;
    Metrics before;
    std::vector<std::pair<std::string, double>> weeks;
};

Computed compute(const store::Store& store, const MetricsTables& tables, const Engine& engine,
                 const Period& period, const std::string& kind, const Scope& scope) {
    const std::string& zone = company_zone(engine);
    const Period prev = previous(period, kind, zone);
    Period first = week_of(core::from_millis(period.to - 1), zone);
    for (int i = 1; i < chart_weeks; ++i) first = previous(first, "week", zone);
    const std::int64_t from = std::min(prev.from, first.from);
    MetricsData data =
        load_metrics_data(tables, engine.directory(), engine.services().find<EngagementFacts>(),
                          from, period.to, field_facts_of(engine));
    data.zone = zone;
    const Attribution a = attribution_from(engine.settings());
    Computed c;
    c.now = compute_metrics(data, period, a, scope);
    c.before = compute_metrics(data, prev, a, scope);
    c.now.activity = joint_activity(engine, period);
    c.before.activity = joint_activity(engine, prev);
    const Period last_week = week_of(core::from_millis(period.to - 1), zone);
    const auto series = incremental_by_week(data, last_week, chart_weeks, a, zone, scope);
    Period p = last_week;
    std::vector<std::int64_t> starts;
    for (int i = 0; i < chart_weeks; ++i) {
        starts.insert(starts.begin(), p.from);
        p = previous(p, "week", zone);
    }
    for (std::size_t i = 0; i < series.size(); ++i) {
        c.weeks.push_back({day_label(starts[i], zone), series[i]});
    }
    return c;
}

std::string chart_png(const Engine& engine, const std::string& locale, const Computed& c) {
    std::vector<ChartBar> reps;
    for (const auto& r : c.now.reps) reps.push_back({r.name, r.percent});
    std::vector<ChartBar> weeks;
    for (const auto& w : c.weeks) weeks.push_back({w.first, w.second});
    const Prompts& p = engine.prompts();
    return metrics_chart_png(
        reps, weeks,
        {p.render(locale, "metrics.chart_attainment"),
         p.render(locale, "metrics.chart_incremental"), p.render(locale, "metrics.chart_no_data")});
}

void metrics_command(Turn& turn, const CommandArgs& args) {
    const Engine& engine = turn.engine();
    const Person& me = *turn.person();
    std::string kind = "week";
    std::string target;  // empty: the default for the asker's role
    const Person* other = nullptr;
    // Declared: [week|month|quarter] [team|@PERSON], in either order.
    std::vector<std::string> words;
    for (const char* name : {"span", "whom"}) {
        if (args.parsed.has(name)) words.push_back(args.parsed.word(name));
    }
    for (const auto& w : words) {
        if (is_word(engine, "week", w)) {
            kind = "week";
        } else if (is_word(engine, "month", w)) {
            kind = "month";
        } else if (is_word(engine, "quarter", w)) {
            kind = "quarter";
        } else if (is_word(engine, "team", w)) {
            target = "team";
        } else if (!w.empty() && w[0] == '@' && target.empty()) {
            other = turn.person_arg(w);
            if (other == nullptr) return;
            target = "person";
        } else {
            return usage(turn, "metrics");
        }
    }
    const std::string& zone = company_zone(engine);
    const View view = view_for(engine, me, target, other);
    if (!view.refused.empty()) return refuse(turn, view.refused);
    const Scope& scope = view.scope;
    const std::string& department = view.department;
    const std::string subject = view.subject == "company" ? turn.text("metrics.company")
                                : view.subject == "person"
                                    ? view.person->name
                                    : turn.text("core.department." + department);
    const bool activities_only =
        !department.empty() && department != "sales" && department != "marketing";
    const core::Timestamp now = turn.now();
    const Period period = kind == "month"     ? month_of(now, zone)
                          : kind == "quarter" ? quarter_of(now, zone)
                                              : week_of(now, zone);
    const Computed c =
        compute(turn.read(), turn.read_table<MetricsTables>(), engine, period, kind, scope);
    json data = metrics_json(engine, turn.locale(), c.now, c.before, c.weeks);
    data["subject"] = subject;
    data["period"] = turn.text("metrics.period." + kind);
    data["from"] = format_local(core::from_millis(period.from), zone);
    data["to"] = format_local(core::from_millis(std::min(period.to, core::to_millis(now))), zone);
    data["zone"] = zone;
    if (activities_only) {
        data["body"] = std::string(core::trim(turn.text("metrics.body_activities", data)));
        return turn.reply("metrics.report", data);
    }
    data["body"] = std::string(core::trim(turn.text("metrics.body", data)));
    turn.reply("metrics.report", data);
}

void weekly_post(Turn& turn, const json& payload);

/// The next posting time strictly after `after`, in the company zone.
core::Timestamp next_post_at(const Engine& engine, core::Timestamp after) {
    const auto& s = engine.settings().features.get<MetricsSettings>();
    const auto* tz = zone_or_utc(company_zone(engine));
    auto day = date::floor<date::days>(tz->to_local(after));
    for (int i = 0; i < 15; ++i, day += date::days(1)) {
        if (date::weekday{day}.c_encoding() != s.post_weekday) continue;
        const auto at =
            tz->to_sys(day + std::chrono::minutes(s.post_minute), date::choose::earliest);
        const core::Timestamp t = std::chrono::time_point_cast<std::chrono::milliseconds>(at);
        if (t > after) return t;
    }
    return after + date::days(7);
}

std::string local_date(const Engine& engine, core::Timestamp at) {
    const auto day = date::floor<date::days>(zone_or_utc(company_zone(engine))->to_local(at));
    return date::format("%F", day);
}

void schedule_weekly(Turn& turn, core::Timestamp after) {
    const core::Timestamp due = next_post_at(turn.engine(), after);
    const std::string date = local_date(turn.engine(), due);
    turn.engine().scheduler().schedule(turn, weekly_job, std::string(weekly_job) + "." + date, due,
                                       {{"date", date}});
}

/// The locales the people of a track read: the department's for its track, both
/// departments' for the joint track; the company's first.
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

void weekly_post(Turn& turn, const json& payload) {
    Engine& engine = turn.engine();
    const std::string& zone = company_zone(engine);
    const std::string date = payload.value("date", local_date(engine, turn.now()));
    // The week that ended before the post was due (a post sent late after a restart still
    // reports the week it was due for).
    const auto due = parse_day(date, zone);
    const Period this_week = week_of(due ? core::from_millis(*due) : turn.now(), zone);
    const Period period = previous(this_week, "week", zone);
    const Computed c =
        compute(turn.read(), turn.read_table<MetricsTables>(), engine, period, "week", {});
    std::map<std::string, std::string> charts;  // by locale
    for (const std::string track : {"marketing", "sales", "joint"}) {
        for (const auto& channel : turn.read().channel_tracks().by_track(track)) {
            for (const auto& locale : track_locales(engine, track)) {
                json data = metrics_json(engine, locale, c.now, c.before, c.weeks);
                data["subject"] = engine.prompts().render(locale, "metrics.company");
                data["period"] = engine.prompts().render(locale, "metrics.period.week");
                data["from"] = format_local(core::from_millis(period.from), zone);
                data["to"] = format_local(core::from_millis(period.to), zone);
                data["zone"] = zone;
                data["body"] =
                    std::string(core::trim(engine.prompts().render(locale, "metrics.body", data)));
                if (!charts.count(locale)) charts[locale] = chart_png(engine, locale, c);
                turn.post({channel.connector, channel.channel, ""}, locale, "metrics.weekly", data,
                          std::string(weekly_job) + "." + date + "." + channel.connector + "." +
                              channel.channel + "." + locale);
                // The picture, for connectors that show images; the text has the bars.
                // None when the chart module is missing (logged).
                if (!charts[locale].empty()) {
                    turn.posts().back().attachments.push_back(
                        {"metrics-" + date + ".png", "image/png", charts[locale]});
                }
            }
        }
    }
    turn.audit("metrics.weekly", {{"date", date}, {"revenue", c.now.revenue}});
    schedule_weekly(turn, turn.now());
}

// --- summaries ----------------------------------------------------------------------------

/// Words that make a sentence an escalation, in every locale.
std::vector<std::string> escalation_words(const Engine& engine) {
    std::vector<std::string> out;
    for (const auto& w : engine.prompts().words_all_locales("metrics.words.escalation")) {
        out.push_back(core::ascii_lower(w));
    }
    return out;
}

/// The reports feature's extraction (ReportTexts); none when it is not registered: no
/// competitor or need is counted then.
class NoMentions final : public reports::MentionReader {
  public:
    reports::TextMentions read(const std::string&) const override { return {}; }
    const std::vector<reports::KnownName>& competitors() const override { return none_; }
    const std::vector<reports::KnownName>& customers() const override { return none_; }

  private:
    std::vector<reports::KnownName> none_;
};

std::unique_ptr<reports::MentionReader> mention_reader(const Engine& engine) {
    if (const auto* texts = engine.services().find<reports::ReportTexts>()) {
        return texts->mention_reader();
    }
    return std::make_unique<NoMentions>();
}

/// Summary, counts and notable items of `texts`, as template data.
json summary_json(Turn& turn, const std::vector<SourceText>& texts) {
    const Engine& engine = turn.engine();
    const auto reader = mention_reader(engine);
    std::vector<std::string> boost = escalation_words(engine);
    // Each notable name with the sources that named it.
    std::map<std::string, std::vector<std::string>> competitors;
    std::map<std::string, std::vector<std::string>> needs;
    json escalations = json::array();
    const auto escalation = escalation_words(engine);
    for (const auto& t : texts) {
        const auto e = reader->read(t.text);
        for (const auto& c : e.competitors) competitors[c].push_back(t.source);
        for (const auto& n : e.needs) needs[n].push_back(t.source);
        const std::string lower = core::ascii_lower(t.text);
        for (const auto& w : escalation) {
            if (!w.empty() && lower.find(w) != std::string::npos) {
                escalations.push_back(
                    {{"text", std::string(core::utf8_prefix(t.text, 200))}, {"source", t.source}});
                break;
            }
        }
    }
    std::vector<std::string> known;
    for (const auto& c : reader->competitors()) {
        if (competitors.count(c.name)) {
            boost.push_back(core::ascii_lower(c.name));
            for (const auto& a : c.aliases) boost.push_back(core::ascii_lower(a));
        }
        known.push_back(core::ascii_lower(c.name));
        for (const auto& a : c.aliases) known.push_back(core::ascii_lower(a));
    }
    for (const auto& c : reader->customers()) {
        known.push_back(core::ascii_lower(c.name));
        for (const auto& a : c.aliases) known.push_back(core::ascii_lower(a));
    }
    const Summary s = summarize(texts, summary_sentences, 8, boost, known);
    json sentences = json::array();
    for (const auto& x : s.sentences) sentences.push_back({{"text", x.text}, {"source", x.source}});
    const std::string sep = turn.text("metrics.separator");
    // "Huawei ×3 (#1 Sam, #4 王芳, …)": at most three sources each.
    auto items = [&](const std::map<std::string, std::vector<std::string>>& found) {
        json list = json::array();
        for (const auto& [name, sources] : found) {
            std::vector<std::string> shown;
            for (const auto& src : sources) {
                if (std::find(shown.begin(), shown.end(), src) == shown.end()) shown.push_back(src);
            }
            const bool more = shown.size() > 3;
            if (more) shown.resize(3);
            list.push_back({{"name", name},
                            {"count", sources.size()},
                            {"sources", core::join(shown, sep)},
                            {"more", more},
                            {"sep", list.empty() ? "" : sep}});
        }
        return list;
    };
    const json comp = items(competitors);
    const json need = items(needs);
    json out = {{"sentences", sentences},
                {"has_sentences", !sentences.empty()},
                {"keywords", core::join(s.keywords, turn.text("metrics.separator"))},
                {"has_keywords", !s.keywords.empty()},
                {"competitors", comp},
                {"has_competitors", !comp.empty()},
                {"needs", need},
                {"has_needs", !need.empty()},
                {"escalations", escalations},
                {"has_escalations", !escalations.empty()},
                {"texts", texts.size()},
                {"empty", texts.empty()},
                {"sentence_count", s.sentence_count}};
    out["body"] = std::string(core::trim(turn.text("metrics.summary_body", out)));
    return out;
}

std::string zone_of(Turn& turn) {
    const Person* p = turn.person();
    if (p && valid_timezone(p->timezone)) return p->timezone;
    return turn.engine().settings().company_timezone;
}

/// The reports `f` matches, oldest first (the reports feature's ReportTexts); none when it
/// is not registered.
std::vector<store::Report> reports_filed(Turn& turn, const store::ReportFilter& f) {
    turn.read();
    const auto* texts = turn.engine().services().find<reports::ReportTexts>();
    return texts ? texts->filed(f) : std::vector<store::Report>();
}

void summary_reports(Turn& turn, const CommandArgs& args) {
    const std::string zone = zone_of(turn);
    std::int64_t since = now_ms(turn) - 7LL * 24 * 3600 * 1000;
    bool week = false;
    for (const auto& w : args.words) {
        if (!is_word(turn.engine(), "week", w)) return usage(turn, "summary reports");
        week = true;
    }
    if (week) since = week_of(turn.now(), zone).from;
    store::ReportFilter f;
    f.since_ms = since;
    f.limit = -1;
    const auto found = reports_filed(turn, f);
    std::vector<SourceText> texts;
    std::set<std::int64_t> authors;
    for (const auto& r : found) {
        authors.insert(r.author_id);
        texts.push_back(
            {r.text, "#" + std::to_string(r.id) + " " + person_name(turn.engine(), r.author_id)});
    }
    json data = summary_json(turn, texts);
    data["count"] = found.size();
    data["authors"] = authors.size();
    data["since"] = format_local(core::from_millis(since), zone);
    data["zone"] = zone;
    turn.reply("metrics.summary_reports", data);
}

/// Whether `me` may summarise a channel of `track`.
bool may_read_track(const Person& me, const std::string& track) {
    if (is_admin(me)) return true;
    if (me.role != "manager") return false;
    return track == "joint" || track == me.department;
}

void summary_channel(Turn& turn, const CommandArgs& args) {
    // Declared: CHANNEL [since monday|since YYYY-MM-DD].
    const std::string written = args.parsed.word("channel");
    std::string name = written;
    if (!name.empty() && name[0] == '@') return turn.reply("metrics.no_direct");
    if (!name.empty() && name[0] == '#') name.erase(0, 1);
    std::string connector;
    const auto colon = name.find(':');
    if (colon != std::string::npos) {
        connector = name.substr(0, colon);
        name.erase(0, colon + 1);
    }
    if (!name.empty() && name[0] == '@') return turn.reply("metrics.no_direct");
    std::optional<store::ChannelTrack> channel;
    for (const auto& c : turn.read().channel_tracks().all()) {
        if (c.channel != name || (!connector.empty() && c.connector != connector)) continue;
        if (!channel || (turn.event() && c.connector == turn.event()->where.connector)) channel = c;
    }
    if (!channel) return turn.reply("metrics.unknown_channel", {{"channel", written}});
    if (!may_read_track(*turn.person(), channel->track)) {
        return turn.reply("metrics.channel_not_allowed",
                          {{"channel", "#" + channel->channel},
                           {"track", turn.text("metrics.track." + channel->track)}});
    }
    const std::string zone = zone_of(turn);
    std::int64_t since = now_ms(turn) - 24LL * 3600 * 1000;
    std::string since_text;
    if (args.parsed.has("summary_since")) {
        const std::string w = args.parsed.word("summary_since");
        if (is_word(turn.engine(), "monday", w)) {
            since = week_of(turn.now(), zone).from;
        } else if (auto d = parse_day(w, zone)) {
            since = *d;
        } else {
            return turn.reply("metrics.bad_since", {{"value", w}});
        }
    }
    const auto messages = turn.read_table<MessageLog>().between(
        channel->connector, channel->channel, since, now_ms(turn) + 1);
    std::vector<SourceText> texts;
    std::set<std::string> people;
    for (const auto& m : messages) {
        const std::string who = m.person_id ? person_name(turn.engine(), *m.person_id) : m.user_id;
        people.insert(who);
        const std::string when = format_local(core::from_millis(m.at), zone).substr(5);
        texts.push_back({m.text, who + " " + when});
    }
    json data = summary_json(turn, texts);
    data["channel"] = "#" + channel->channel;
    data["count"] = messages.size();
    data["people"] = people.size();
    data["since"] = format_local(core::from_millis(since), zone);
    data["zone"] = zone;
    turn.reply("metrics.summary_channel", data);
}

void summary_customer(Turn& turn, const CommandArgs& args) {
    if (args.words.empty()) return usage(turn, "summary customer");
    const std::string name = join_words(args.words, 0, args.words.size());
    const Customers* customers = turn.engine().services().find<Customers>();
    const auto customer = customers ? customers->find(name) : std::nullopt;
    if (!customer) return turn.reply("metrics.unknown_customer", {{"name", name}});
    const std::string zone = zone_of(turn);
    std::vector<SourceText> texts;
    store::ReportFilter f;
    f.customer_id = customer->id;
    f.limit = -1;
    const auto found = reports_filed(turn, f);
    for (const auto& r : found) {
        texts.push_back(
            {r.text, "#" + std::to_string(r.id) + " " + person_name(turn.engine(), r.author_id)});
    }
    // Channel messages naming the customer, from channels the asker may read.
    std::map<std::pair<std::string, std::string>, std::string> tracks;
    for (const auto& c : turn.read().channel_tracks().all())
        tracks[{c.connector, c.channel}] = c.track;
    std::vector<std::string> names = {customer->name};
    for (const auto& a : customer->aliases) names.push_back(a);
    std::set<std::string> seen;
    std::size_t message_count = 0;
    for (const auto& n : names) {
        for (const auto& m :
             turn.read_table<MessageLog>().containing(core::ascii_lower(n), 0, now_ms(turn) + 1)) {
            auto t = tracks.find({m.connector, m.channel});
            if (t == tracks.end() || !may_read_track(*turn.person(), t->second)) continue;
            if (!seen.insert(m.connector + "\n" + m.event_id).second) continue;
            ++message_count;
            const std::string who =
                m.person_id ? person_name(turn.engine(), *m.person_id) : m.user_id;
            texts.push_back({m.text, "#" + m.channel + " " + who + " " +
                                         format_local(core::from_millis(m.at), zone).substr(5)});
        }
    }
    double won = 0;
    std::int64_t won_count = 0, open_count = 0, lost_count = 0;
    for (const auto& d : turn.read_table<DealTable>().of_customer(customer->id)) {
        if (d.stage == "won") won += d.company_amount, ++won_count;
        if (d.stage == "open") ++open_count;
        if (d.stage == "lost") ++lost_count;
    }
    json stages = json::array();
    for (const auto& e : customers->engagements_of(customer->id)) {
        stages.push_back({{"tag", e.tag},
                          {"stage", e.stage},
                          {"lead", turn.text("core.department." + e.lead)},
                          {"owner", e.owner_id ? person_name(turn.engine(), *e.owner_id) : "-"}});
    }
    json data = summary_json(turn, texts);
    data["customer"] = customer->name;
    data["reports"] = found.size();
    data["messages"] = message_count;
    data["won"] = won_count;
    data["won_amount"] = money(turn.engine(), won);
    data["open"] = open_count;
    data["lost"] = lost_count;
    data["engagements"] = stages;
    data["has_engagements"] = !stages.empty();
    turn.reply("metrics.summary_customer", data);
}

void record_channel_message(Engine& engine, const core::Event& event, const Person* person) {
    if (event.direct || event.where.channel.empty() || event.where.channel[0] == '@') return;
    if (core::trim(event.text).empty() || !core::valid_utf8(event.text)) return;
    store::metrics::ChannelMessage m;
    m.connector = event.where.connector;
    m.channel = event.where.channel;
    m.event_id = event.id;
    if (person) m.person_id = person->id;
    m.user_id = event.who.user_id;
    m.text = std::string(core::utf8_prefix(event.text, 4000));
    m.at = core::to_millis(event.at.time_since_epoch().count() ? event.at : engine.clock().now());
    MessageLog(engine.store().db()).record(m);
}

/// A customer's deals in a period, for features that weigh facts (rules).
class EngineDealFacts final : public bot::DealFacts {
  public:
    std::vector<CustomerDeal> deals_of(Turn& turn, std::int64_t customer_id, std::int64_t from_ms,
                                       std::int64_t to_ms) override {
        std::vector<CustomerDeal> out;
        for (const auto& d : turn.read_table<DealTable>().of_customer(customer_id)) {
            if (d.created_at >= to_ms || (d.closed_at && *d.closed_at < from_ms)) continue;
            out.push_back({d.id, d.stage, d.company_amount, d.owner_id, d.created_at, d.closed_at});
        }
        return out;
    }
};

/// The deals for other features (the 3-1-3 plan), in the company currency.
class EngineDealHistory final : public DealHistory {
  public:
    explicit EngineDealHistory(Engine& engine) : engine_(engine) {}
    std::vector<PastDeal> deals_before(std::int64_t from_ms, std::int64_t to_ms) override {
        std::vector<PastDeal> out;
        for (const auto& d : DealTable(engine_.store().db()).open_during(from_ms, to_ms)) {
            out.push_back(
                {d.id, d.customer_id, d.stage, d.company_amount, d.created_at, d.closed_at});
        }
        return out;
    }

  private:
    Engine& engine_;
};

/// A campaign as CampaignResults offers it, and back.
bot::Campaign offered(const store::metrics::Campaign& c) {
    return {c.id,        c.name,    c.name_key, c.cost,       c.starts_on, c.ends_on,
            c.starts_at, c.ends_at, c.segment,  c.created_by, c.created_at};
}
store::metrics::Campaign stored(const bot::Campaign& c) {
    return {c.id,        c.name,    c.name_key, c.cost,       c.starts_on, c.ends_on,
            c.starts_at, c.ends_at, c.segment,  c.created_by, c.created_at};
}

/// A campaign's results for the campaigns feature: campaign_figures, money_text.
class EngineCampaignResults final : public bot::CampaignResults {
  public:
    explicit EngineCampaignResults(Engine& engine) : engine_(engine) {}
    std::vector<bot::Campaign> campaigns() const override {
        std::vector<bot::Campaign> out;
        for (const auto& c : CampaignTable(engine_.store().db()).all()) out.push_back(offered(c));
        return out;
    }
    std::vector<std::int64_t> touched_customers(std::int64_t campaign_id) const override {
        std::vector<std::int64_t> out;
        for (const auto& t : CampaignTable(engine_.store().db()).touches()) {
            if (t.campaign_id == campaign_id) out.push_back(t.customer_id);
        }
        return out;
    }
    bot::CampaignResult of(const bot::Campaign& campaign, std::int64_t from_ms,
                           std::int64_t to_ms) const override {
        const CampaignFigures f = campaign_figures(MetricsTables(engine_.store().db()), engine_,
                                                   stored(campaign), Period{from_ms, to_ms});
        bot::CampaignResult r;
        r.deals_won = f.deals_won;
        r.revenue = f.revenue;
        r.incremental_sales = f.incremental_sales;
        r.cost = f.cost;
        r.cost_per_incremental = f.cost_per_incremental;
        return r;
    }
    std::string money_text(double amount) const override { return money(engine_, amount); }

  private:
    Engine& engine_;
};

}  // namespace

View view_for(const Engine& engine, const Person& me, const std::string& target,
              const Person* other, const std::string& department) {
    View v;
    const bool manager = me.role == "manager";
    const bool sees_all = is_admin(me) || (manager && me.department == "management");
    // A department's view: sales is judged by its own deals; marketing by the incremental
    // sales of every deal, so its department view is the company's numbers.
    const auto department_view = [&](const std::string& name) {
        if (name != "marketing") {
            std::set<std::int64_t> team;
            for (const auto& p : engine.directory().all()) {
                if (p.department == name) team.insert(p.id);
            }
            v.scope.people = team;
        }
        v.subject = "department";
        v.department = name;
    };
    if (target == "person") {
        const bool allowed =
            is_admin(me) || other->id == me.id || (manager && other->department == me.department);
        if (!allowed) {
            v.refused = manager ? "own_department" : "own";
            return v;
        }
        v.scope.people = std::set<std::int64_t>{other->id};
        // Campaign cost is the company's; a person's share of it is not defined.
        v.scope.campaign_cost = false;
        v.subject = "person";
        v.person = other;
        v.department = other->department;
    } else if (target == "department" && department != me.department) {
        if (!sees_all) {
            v.refused = manager ? "own_department" : "own";
            return v;
        }
        department_view(department);
    } else if (sees_all && target != "department") {
        v.subject = "company";
    } else if (target == "team" || target == "department" || manager) {
        department_view(me.department);
    } else {
        v.scope.people = std::set<std::int64_t>{me.id};
        v.scope.campaign_cost = false;
        v.subject = "person";
        v.person = &me;
        v.department = me.department;
    }
    return v;
}

JointActivity joint_activity_of(const Engine& engine, const Period& period) {
    return joint_activity(engine, period);
}

const std::string& company_zone_of(const Engine& engine) { return company_zone(engine); }

Attribution attribution_from(const BotSettings& settings) {
    const auto& m = settings.features.get<MetricsSettings>();
    Attribution a;
    a.marketing_led = m.marketing_led_share;
    a.influenced = m.influenced_share;
    a.other = m.other_share;
    a.pool_rate = settings.rules.commission_pool_rate;
    return a;
}

reports::FieldFacts* field_facts_of(const Engine& engine) {
    return engine.services().find<reports::FieldFacts>();
}

MetricsData load_metrics_data(const MetricsTables& tables, const Directory& directory,
                              const EngagementFacts* facts, std::int64_t from, std::int64_t to,
                              reports::FieldFacts* field_facts) {
    MetricsData d;
    d.quotas = tables.quotas.overlapping(from, to);
    std::int64_t deals_from = from;
    for (const auto& q : d.quotas) deals_from = std::min(deals_from, q.starts_at);
    d.deals = tables.deals.active_between(deals_from, to);
    d.campaigns = tables.campaigns.all();
    d.touches = tables.campaigns.touches();
    if (facts != nullptr) {
        d.engagements = facts->engagements();
        d.handoffs = facts->handoffs(from, to);
        d.consultations = facts->consultations(from, to);
    }
    if (field_facts != nullptr) {
        for (auto& r : field_facts->filed_between(from, to)) {
            d.reports.push_back({r.author_id, r.filed_at, std::move(r.competitors)});
        }
    }
    for (const auto& p : directory.all()) d.people.push_back({p.id, p.name, p.department});
    return d;
}

CampaignFigures campaign_figures(const MetricsTables& tables, const Engine& engine,
                                 const store::metrics::Campaign& campaign, const Period& period) {
    MetricsData data =
        load_metrics_data(tables, engine.directory(), engine.services().find<EngagementFacts>(),
                          period.from, period.to, field_facts_of(engine));
    data.zone = company_zone(engine);
    data.campaigns = {campaign};
    std::map<std::int64_t, std::int64_t> first_touch;  // customer -> this campaign's touch
    std::vector<store::metrics::CampaignTouch> touches;
    for (const auto& t : data.touches) {
        if (t.campaign_id != campaign.id) continue;
        touches.push_back(t);
        auto it = first_touch.find(t.customer_id);
        if (it == first_touch.end() || t.at < it->second) first_touch[t.customer_id] = t.at;
    }
    data.touches = std::move(touches);
    std::vector<store::metrics::Deal> deals;
    for (auto& d : data.deals) {
        if (!d.customer_id) continue;
        const auto it = first_touch.find(*d.customer_id);
        if (it == first_touch.end() || it->second > d.closed_at.value_or(d.created_at)) continue;
        deals.push_back(std::move(d));
    }
    data.deals = std::move(deals);
    data.quotas.clear();
    const Metrics m = compute_metrics(data, period, attribution_from(engine.settings()));
    CampaignFigures f;
    f.deals_won = m.deals_won;
    f.revenue = m.revenue;
    f.incremental_sales = m.incremental_sales;
    f.cost = m.campaign_cost.value_or(0);
    f.cost_per_incremental = m.cost_per_incremental;
    return f;
}

std::string money_text(const Engine& engine, double amount) { return money(engine, amount); }

void register_metrics(Engine& engine) {
    register_dashboard(engine);
    engine.services().provide<bot::DealFacts>(std::make_shared<EngineDealFacts>());
    engine.services().provide<bot::CampaignResults>(
        std::make_shared<EngineCampaignResults>(engine));
    engine.router().add(CommandSpec("deal won", deal_won)
                            .arg(Arg::text("customer"))
                            .arg(Arg::trailing_amount("amount"))
                            .arg(Arg::id("deal").optional())
                            .option("metrics.words.amount", Arg::amount("amount"))
                            .keyword("metrics.words.margin", Arg::percent("margin").optional())
                            .keyword("metrics.words.owner", Arg::person("owner").optional())
                            .writes());
    engine.router().add(CommandSpec("deal lost", deal_lost)
                            .arg(Arg::word("customer"))
                            .arg(Arg::note("reason"))
                            .writes());
    engine.router().add(CommandSpec("quota set", quota_set)
                            .arg(Arg::word("subject"))
                            .arg(Arg::word("quota_period"))
                            .keyword("metrics.words.revenue", Arg::amount("revenue").optional())
                            .keyword("metrics.words.profit", Arg::amount("profit").optional())
                            .roles({"manager", "admin"})
                            .writes());
    engine.router().add(
        CommandSpec("campaign new", campaign_new)
            .arg(Arg::text("campaign_name"))
            .keyword("metrics.words.cost", Arg::trailing_amount("campaign_cost").or_zero())
            .keyword("metrics.words.from", Arg::date("from"))
            .keyword("metrics.words.to", Arg::date("to"))
            .keyword("metrics.words.segment", Arg::text("segment").optional())
            .writes());
    engine.router().add(CommandSpec("campaign touch", campaign_touch)
                            .arg(Arg::word("campaign"))
                            .arg(Arg::text("customer"))
                            .writes());
    engine.router().add(CommandSpec("metrics", metrics_command)
                            .arg(Arg::word("span").optional())
                            .arg(Arg::word("whom").optional()));
    engine.router().add(CommandSpec("summary reports", summary_reports)
                            .roles({"manager", "admin"})
                            .arg(Arg::word("period").optional()));
    engine.router().add(CommandSpec("summary channel", summary_channel)
                            .arg(Arg::word("channel"))
                            .keyword("metrics.words.since", Arg::word("summary_since").optional())
                            .roles({"manager", "admin"}));
    engine.router().add(CommandSpec("summary customer", summary_customer)
                            .roles({"manager", "admin"})
                            .arg(Arg::note("customer")));
    engine.scheduler().on(weekly_job, weekly_post);
    engine.services().provide<DealHistory>(std::make_shared<EngineDealHistory>(engine));
    // POST /api/v1/deals: a CRM's deal, idempotent by its external id (docs/METRICS.md).
    engine.api().add({"POST", "/api/v1/deals", true,
                      [](Turn& turn, const ApiCall& call) {
                          const ApiOutcome out = apply_deal_json(
                              turn.write(), turn.engine().services().find<Customers>(),
                              turn.engine().directory(), turn.engine().settings(),
                              turn.engine().prompts(), call.request.body, now_ms(turn));
                          if (out.status < 300) {
                              turn.audit("deal.api", {{"status", out.body.value("status", "")},
                                                      {"deal", out.body.value("id", 0)}});
                          }
                          core::ApiResponse r;
                          r.status = out.status;
                          r.body = out.body.dump();
                          return r;
                      }},
                     "deals:write");
    engine.on_channel_message([&engine](const core::Event& event, const Person* person) {
        record_channel_message(engine, event, person);
    });
    if (!engine.settings().features.get<MetricsSettings>().weekly_post) return;
    // The next post, unless it is scheduled already.
    const core::Timestamp due = next_post_at(engine, engine.clock().now());
    store::Job job;
    job.kind = weekly_job;
    job.key = std::string(weekly_job) + "." + local_date(engine, due);
    job.payload = json{{"date", local_date(engine, due)}}.dump();
    job.due_at = core::to_millis(due);
    engine.store().jobs().schedule(job);
}

/// `metrics: {rates: {USD: 7.1}, attribution: {marketing_led: 1, influenced: 0.5, other: 0},
/// weekly_post: {enabled: true, at: "Mon 09:00"}}`.
void read_config(core::SectionReader& s, FeatureSettings& settings) {
    MetricsSettings& m = settings.edit<MetricsSettings>();
    const YAML::Node rates = s.node("rates");
    if (rates.IsDefined() && !rates.IsNull()) {
        if (!rates.IsMap()) {
            s.error("rates", "must map currency codes to rates, such as {USD: 7.1}");
        } else {
            for (const auto& kv : rates) {
                const std::string code = kv.first.Scalar();
                bool ok = code.size() == 3;
                for (char ch : code) ok = ok && ch >= 'A' && ch <= 'Z';
                double rate = 0;
                try {
                    rate = kv.second.as<double>();
                } catch (const YAML::Exception&) {
                    ok = false;
                }
                if (!ok || rate <= 0) {
                    s.errors().add(kv.first, "metrics.rates." + code +
                                                 ": needs a three-letter upper-case code and a "
                                                 "positive rate (company currency per unit)");
                    continue;
                }
                m.rates[code] = rate;
            }
        }
    }
    const YAML::Node attribution = s.node("attribution");
    if (attribution.IsDefined() && !attribution.IsNull()) {
        core::SectionReader a(attribution, s.path() + ".attribution", s.errors());
        if (auto v = a.number("marketing_led", 0.0, 1.0)) m.marketing_led_share = *v;
        if (auto v = a.number("influenced", 0.0, 1.0)) m.influenced_share = *v;
        if (auto v = a.number("other", 0.0, 1.0)) m.other_share = *v;
        a.finish();
    }
    const YAML::Node post = s.node("weekly_post");
    if (post.IsDefined() && !post.IsNull()) {
        core::SectionReader w(post, s.path() + ".weekly_post", s.errors());
        if (auto v = w.boolean("enabled")) m.weekly_post = *v;
        if (auto v = w.string("at")) {
            if (auto t = bot::parse_weekday_time(*v)) {
                m.post_weekday = t->first;
                m.post_minute = t->second;
            } else {
                w.error("at", "must be a weekday and a time such as \"Mon 09:00\"");
            }
        }
        w.finish();
    }
    s.finish();
}

Feature feature() {
    Feature f{"metrics", "metrics", read_config, {8}, [](Engine& engine, Services&) {
                  register_metrics(engine);
              }};
    f.person_data = store::metrics::person_data;
    return f;
}

}  // namespace twintrack::bot::metrics
