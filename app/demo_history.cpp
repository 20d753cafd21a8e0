#include "app/demo_history.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "bot/features/engagements/engagements.hpp"
#include "bot/features/engagements/handoff_clock.hpp"
#include "bot/features/engagements/store/engagements_store.hpp"
#include "bot/features/meetings/store/meetings_store.hpp"
#include "bot/features/metrics/deal_input.hpp"
#include "bot/features/metrics/metrics_calc.hpp"
#include "bot/features/metrics/store/metrics_store.hpp"
#include "bot/features/reports/extraction.hpp"
#include "bot/features/reports/store/reports_store.hpp"
#include "bot/features/social/social.hpp"
#include "bot/features/social/store/social_store.hpp"
#include "bot/people_import.hpp"
#include "core/text.hpp"

namespace twintrack::app {
namespace {

using nlohmann::json;

constexpr std::int64_t minute_ms = 60 * 1000;
constexpr std::int64_t hour_ms = 60 * minute_ms;
constexpr std::int64_t day_ms = 24 * hour_ms;

/// std::mt19937 with the project's own mapping of its 32-bit output: the standard
/// distributions differ between standard libraries, this does not.
class Dice {
  public:
    explicit Dice(std::uint32_t seed) : engine_(seed) {}
    /// An integer in [lo, hi].
    std::int64_t between(std::int64_t lo, std::int64_t hi) {
        if (hi <= lo) return lo;
        const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
        return lo + static_cast<std::int64_t>(next64() % span);
    }
    /// True `percent` times out of 100.
    bool chance(int percent) { return between(0, 99) < percent; }
    /// A fraction in [0, 1).
    double fraction() { return static_cast<double>(engine_()) / 4294967296.0; }
    template <typename T>
    const T& pick(const std::vector<T>& items) {
        return items[static_cast<std::size_t>(
            between(0, static_cast<std::int64_t>(items.size()) - 1))];
    }

  private:
    std::uint64_t next64() {
        const std::uint64_t hi = engine_();
        return (hi << 32) | engine_();
    }
    std::mt19937 engine_;
};

const date::time_zone* zone_or_utc(const std::string& name) {
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        return date::locate_zone("UTC");
    }
}

date::local_days local_day(std::int64_t ms, const std::string& zone) {
    return date::floor<date::days>(zone_or_utc(zone)->to_local(core::from_millis(ms)));
}

/// `minutes` after local midnight of `day` in `zone`, in UTC milliseconds.
std::int64_t at_local(date::local_days day, int minutes, const std::string& zone) {
    const auto t =
        zone_or_utc(zone)->to_sys(day + std::chrono::minutes(minutes), date::choose::earliest);
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string ymd(date::local_days day) { return date::format("%F", day); }

bool is_chinese(const std::string& locale) { return locale.rfind("zh", 0) == 0; }

bool has_non_ascii(const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return (c & 0x80) != 0; });
}

/// The customers of the demo company (enterprise software in China and Europe).
const std::vector<std::string>& customer_names() {
    static const std::vector<std::string> names = {
        "上海东方物流", "Nordwind Logistik",  "杭州云帆科技", "Helios Energie",
        "深圳海鸥电子", "Brightwater Retail", "苏州恒泰制造", "Alpenblick Versicherung",
        "北京智远教育", "Kestrel Motors",     "成都天府医疗", "Rheingold Bank",
        "广州南星零售", "Baltic Foods",       "武汉长江能源", "Lumen Pharma",
        "南京紫金金融", "Vesta Telecom",      "青岛海润港务", "Fjord Maritime"};
    return names;
}

/// Field-report sentences; {customer}, {competitor}, {n} (a percentage) and {need}.
const std::vector<std::string>& report_templates(bool chinese) {
    static const std::vector<std::string> en = {
        "Met the IT director of {customer}; {competitor} offered {n}% off. They asked about "
        "{need} before deciding.",
        "Workshop with procurement at {customer}. The {competitor} price is {n}% lower than "
        "ours; their team asked about {need}.",
        "Follow-up call with {customer}: {competitor} quoted {n}% below our list price. Next "
        "step: {need} with their operations team.",
        "Visited {customer} with marketing. {competitor} is in the running with a {n}% discount; "
        "the CFO cares more about {need} and local support.",
        "{customer} compared us with {competitor} again. They liked our roadmap but want to "
        "see {need} first.",
    };
    static const std::vector<std::string> zh = {
        "拜访{customer}信息部总监，{competitor}报价低{n}%，客户想先看{need}再决定。",
        "和{customer}采购开会：{competitor}也在竞标，价格便宜{n}%，客户希望先做{need}。",
        "电话跟进{customer}，客户提到{competitor}给了{n}%优惠，我们强调本地服务，客户关心{need}。",
        "{customer}的运营负责人说{competitor}的方案价格低{n}%，但更看重{need}和交付能力。",
        "和市场部一起拜访{customer}：客户对比了{competitor}，对我们的路线图感兴趣，要求先安排{need}"
        "。",
    };
    return chinese ? zh : en;
}

std::string fill(std::string text, const std::map<std::string, std::string>& values) {
    for (const auto& [key, value] : values) {
        const std::string slot = "{" + key + "}";
        for (auto at = text.find(slot); at != std::string::npos; at = text.find(slot, at)) {
            text.replace(at, slot.size(), value);
            at += value.size();
        }
    }
    return text;
}

struct Generator {
    Generator(store::Store& s, const bot::BotSettings& b, const bot::Prompts& p, std::int64_t at,
              std::uint32_t seed)
        : store(s),
          customers(s.db()),
          engagements(s.db()),
          customer_service(bot::engagements::customers_on(s.db())),
          settings(b),
          prompts(p),
          now(at),
          dice(seed) {}

    store::Store& store;
    // The engagements feature's tables (its store part), and its Customers service, through
    // which deals find their customer and engagement as in the running bot.
    store::engagements::CustomerRepository customers;
    store::engagements::EngagementRepository engagements;
    std::shared_ptr<const bot::Customers> customer_service;
    const bot::BotSettings& settings;
    const bot::reports::ReportSettings& report_settings() const {
        return settings.features.get<bot::reports::ReportSettings>();
    }
    const bot::Prompts& prompts;
    std::int64_t now;
    Dice dice;
    DemoHistoryCounts counts;

    std::string zone;  // the company's
    std::vector<store::Person> marketing, sales, everyone;
    std::optional<store::Person> host;  // organises joint activities: HR, else a manager
    date::local_days this_monday;       // the current week's Monday in the company zone
    std::int64_t this_week_from = 0;    // the latest Monday 00:00 of any zone in use

    struct Account {
        store::engagements::Customer customer;
        store::engagements::Engagement engagement;
        std::int64_t sales_since = 0;  // when sales took it over (0: not yet)
    };
    std::vector<Account> accounts;
    std::vector<store::metrics::Deal> deals;
    // Stages of the configured funnel the history moves through.
    std::vector<std::string> top, middle;  // top: marketing's; middle: sales' open ones
    std::string bottom, won_stage, lost_stage;

    const store::Person* by_id(std::int64_t id) const {
        for (const auto& p : everyone) {
            if (p.id == id) return &p;
        }
        return nullptr;
    }

    /// A moment of week `w` (w weeks before the current one; 0: the current week so far)
    /// in `who`'s working hours on a weekday, always before now.
    std::int64_t moment(int w, const store::Person& who) {
        if (w <= 0) return this_week_moment();
        const date::local_days day =
            this_monday - date::days(7 * w) + date::days(dice.between(0, 4));
        const int from = who.work_start + 15;
        const int to = std::max(from, who.work_end - 30);
        return std::min(at_local(day, static_cast<int>(dice.between(from, to)), who.timezone),
                        now - minute_ms);
    }

    /// A moment of the current week so far, in every zone's current week.
    std::int64_t this_week_moment() {
        const std::int64_t span = std::max<std::int64_t>(now - this_week_from, 2);
        return this_week_from + 1 + static_cast<std::int64_t>(dice.fraction() * 0.9 * span);
    }

    void event(const store::engagements::Engagement& e, std::int64_t at,
               std::optional<std::int64_t> who, const std::string& kind, const json& detail) {
        engagements.add_event(e.id, {at, who, kind, detail.dump()});
    }

    void set_stage(Account& a, const std::string& stage, bool closed, std::int64_t at,
                   std::optional<std::int64_t> who) {
        const std::string from = a.engagement.stage;
        a.engagement.stage = stage;
        a.engagement.closed = closed;
        engagements.update(a.engagement, at);
        event(a.engagement, at, who, "stage", {{"from", from}, {"stage", stage}});
    }

    // --- engagements, handoffs, consultations ---------------------------------------------

    void make_engagements() {
        const bot::engagements::Funnel funnel = bot::engagements::funnel_from(
            settings.features.get<bot::engagements::FunnelSettings>());
        bottom = funnel.first_bottom_stage();
        for (const auto& s : funnel.stages()) {
            if (s.side == bot::engagements::Side::top) {
                top.push_back(s.name);
            } else if (s.closed) {
                if (won_stage.empty()) won_stage = s.name;
                lost_stage = s.name;  // the default funnel ends with won, lost
            } else if (s.name != bottom) {
                middle.push_back(s.name);
            }
        }
        if (funnel.find("won")) won_stage = "won";
        if (funnel.find("lost")) lost_stage = "lost";
        if (middle.empty()) middle.push_back(bottom);
        if (won_stage.empty()) won_stage = lost_stage = bottom;
        const auto& names = customer_names();
        const int n = static_cast<int>(names.size());
        const int hours = settings.rules.handoff_acceptance_hours;
        for (int k = 0; k < n; ++k) {
            // Spread over the weeks, oldest first; the last two are this week's.
            const int w = k >= n - 2 ? 0 : demo_weeks - (k * demo_weeks) / (n - 2);
            const bool by_marketing = dice.chance(70) || w == 0;
            const store::Person& creator = dice.pick(by_marketing ? marketing : sales);
            const std::int64_t t0 = moment(w, creator);
            Account a;
            a.customer.name = names[static_cast<std::size_t>(k)];
            a.customer.name_key = bot::engagements::name_key(a.customer.name);
            a.customer.id = customers.create(a.customer.name, a.customer.name_key, t0);
            ++counts.customers;
            store::engagements::Engagement& e = a.engagement;
            e.customer_id = a.customer.id;
            e.customer_name = a.customer.name;
            e.tag = "#" + a.customer.name_key;
            e.stage = by_marketing ? top[static_cast<std::size_t>(dice.between(
                                         0, static_cast<std::int64_t>(top.size()) - 1))]
                                   : bottom;
            e.lead = by_marketing ? "marketing" : "sales";
            e.owner_id = creator.id;
            e.amount = dice.between(12, 90) * 10000;
            e.created_by = creator.id;
            e.created_at = t0;
            e.updated_at = t0;
            e.id = engagements.create(e);
            ++counts.engagements;
            event(e, t0, creator.id, "created", {{"stage", e.stage}, {"owner", creator.name}});
            if (!by_marketing) {
                a.sales_since = t0;
                consult(a, t0, creator);
                accounts.push_back(a);
                continue;
            }
            // Marketing qualifies the lead, then hands it to a sales rep (this week's
            // leads within the week so far).
            std::int64_t t = w == 0 ? t0 + (now - t0) / 4 : t0 + dice.between(4, 60) * hour_ms;
            if (t >= now) {
                accounts.push_back(a);
                continue;
            }
            if (e.stage != top.back()) set_stage(a, top.back(), false, t, creator.id);
            t = w == 0 ? t0 + (now - t0) / 2 : t + dice.between(1, 30) * hour_ms;
            if (t >= now) t = std::max(t0 + minute_ms, now - dice.between(2, 20) * hour_ms);
            const store::Person& rep = dice.pick(sales);
            store::engagements::Handoff h;
            h.engagement_id = e.id;
            h.from_id = creator.id;
            h.to_id = rep.id;
            h.note = is_chinese(creator.locale) ? "客户预算已确认，想尽快见销售。"
                                                : "Budget confirmed, they want to meet sales soon.";
            h.requested_at = t;
            h.deadline_at = core::to_millis(bot::engagements::working_deadline(
                core::from_millis(t), hours, rep.timezone, rep.work_start, rep.work_end));
            h.id = engagements.add_handoff(h);
            ++counts.handoffs;
            event(e, t, creator.id, "handoff", {{"rep", rep.name}, {"note", h.note}});
            // The newest lead waits for the rep's answer, as do those of the last day and
            // a half; this week's first one was accepted within the week.
            const bool recent = now - t < 36 * hour_ms;
            if (k == n - 1 || (recent && w != 0)) {
                accounts.push_back(a);
                continue;
            }
            const std::int64_t decided =
                w == 0 ? t + (now - t) / 2
                       : std::min(t + dice.between(1, 30) * hour_ms, now - minute_ms);
            if (k % 7 == 3) {
                const std::string reason = is_chinese(rep.locale)
                                               ? "客户明年才有预算，先由市场部培育"
                                               : "no budget before next year; "
                                                 "marketing keeps nurturing";
                engagements.decide_handoff(h.id, "declined", decided, reason);
                event(e, decided, rep.id, "declined", {{"reason", reason}});
                accounts.push_back(a);
                continue;
            }
            engagements.decide_handoff(h.id, "accepted", decided, "");
            const std::string from = e.stage;
            e.stage = bottom;
            e.lead = "sales";
            e.owner_id = rep.id;
            engagements.update(e, decided);
            event(e, decided, rep.id, "accepted", {{"from", from}, {"stage", e.stage}});
            a.sales_since = decided;
            if (dice.chance(40)) consult(a, decided, rep);
            accounts.push_back(a);
        }
    }

    /// Sales asks a marketing colleague about the account (answered unless very recent).
    void consult(Account& a, std::int64_t after, const store::Person& asker) {
        const std::int64_t at = after + dice.between(3, 48) * hour_ms;
        if (at >= now) return;
        const store::Person& expert = dice.pick(marketing);
        store::engagements::Consultation c;
        c.engagement_id = a.engagement.id;
        c.consultant_id = expert.id;
        c.requested_by = asker.id;
        c.note = is_chinese(asker.locale) ? "需要一份同行业案例"
                                          : "Need a case study from their industry";
        c.requested_at = at;
        const std::int64_t answered = at + dice.between(2, 40) * hour_ms;
        if (answered < now) c.answered_at = answered;
        engagements.add_consultation(c);
        ++counts.consultations;
        event(a.engagement, at, asker.id, "consult",
              {{"consultants", expert.name}, {"note", c.note}});
    }

    // --- deals and quotas -----------------------------------------------------------------

    void add_deal(Account& a, const std::string& stage, double amount, std::int64_t created,
                  std::optional<std::int64_t> closed, std::int64_t owner,
                  const std::string& reason) {
        bot::metrics::DealInput in;
        in.customer = a.customer.name;
        in.stage = stage;
        in.amount = amount;
        if (stage == "won") in.margin = static_cast<double>(dice.between(18, 45)) / 100.0;
        in.owner_id = owner;
        in.reason = reason;
        in.created_at = created;
        in.closed_at = closed;
        store::metrics::Deal d;
        if (bot::metrics::make_deal(customer_service.get(), settings, in, closed.value_or(created),
                                    d)) {
            return;
        }
        d.id = store::metrics::DealRepository(store.db()).add(d);
        deals.push_back(d);
        ++counts.deals;
    }

    std::string lost_reason(const store::Person& owner) {
        const auto& competitors = report_settings().competitors;
        if (competitors.empty()) return is_chinese(owner.locale) ? "价格" : "price";
        const auto& c = competitors[static_cast<std::size_t>(dice.between(
            0, std::min<std::int64_t>(2, static_cast<std::int64_t>(competitors.size()) - 1)))];
        return is_chinese(owner.locale) ? "价格输给" + chinese_name(c)
                                        : "lost on price to " + c.name;
    }

    void make_deals() {
        for (auto& a : accounts) {
            if (a.sales_since == 0 || !a.engagement.owner_id) continue;
            const store::Person* owner = by_id(*a.engagement.owner_id);
            if (owner == nullptr) continue;
            std::int64_t created = a.sales_since + dice.between(1, 5) * day_ms;
            if (created >= now) created = std::min(a.sales_since + hour_ms, now - minute_ms);
            const double amount = static_cast<double>(*a.engagement.amount);
            const std::int64_t closes = created + dice.between(7, 35) * day_ms;
            if (closes >= now) {
                add_deal(a, "open", amount, created, std::nullopt, owner->id, "");
                set_stage(a, dice.pick(middle), false, created, owner->id);
                continue;
            }
            const bool won = dice.chance(70);
            add_deal(a, won ? "won" : "lost", amount, created, closes, owner->id,
                     won ? "" : lost_reason(*owner));
            set_stage(a, won ? won_stage : lost_stage, won_stage != bottom, closes, owner->id);
            // A satisfied customer orders more: a second deal some weeks later.
            if (won && dice.chance(60)) {
                const std::int64_t again = closes + dice.between(5, 20) * day_ms;
                const std::int64_t again_closed = again + dice.between(5, 25) * day_ms;
                const double more = static_cast<double>(dice.between(5, 40) * 10000);
                if (again_closed < now) {
                    add_deal(a, dice.chance(80) ? "won" : "lost", more, again, again_closed,
                             owner->id, "");
                } else if (again < now) {
                    add_deal(a, "open", more, again, std::nullopt, owner->id, "");
                }
            }
        }
        // This week has a win and a loss so far, as weeks usually do: the newest accounts
        // sales has.
        std::int64_t used = 0;
        for (const char* stage : {"won", "lost"}) {
            const bool has =
                std::any_of(deals.begin(), deals.end(), [&](const store::metrics::Deal& d) {
                    return d.stage == stage && d.closed_at && *d.closed_at >= this_week_from;
                });
            if (has) continue;
            for (auto it = accounts.rbegin(); it != accounts.rend(); ++it) {
                Account& a = *it;
                if (a.sales_since == 0 || !a.engagement.owner_id || a.customer.id == used) continue;
                const store::Person* owner = by_id(*a.engagement.owner_id);
                if (owner == nullptr) continue;
                std::int64_t closed = this_week_moment();
                if (closed <= a.sales_since) closed = a.sales_since + (now - a.sales_since) / 2;
                const std::int64_t created =
                    std::min(std::max(a.sales_since, closed - 10 * day_ms), closed - minute_ms);
                add_deal(a, stage, static_cast<double>(dice.between(8, 60) * 10000), created,
                         closed, owner->id,
                         std::string(stage) == "lost" ? lost_reason(*owner) : "");
                used = a.customer.id;
                break;
            }
        }
    }

    /// Quotas of each sales rep (and the sales team) for the quarters the history covers,
    /// set so that attainment varies around the target.
    void make_quotas() {
        const std::int64_t first = at_local(this_monday - date::days(7 * demo_weeks), 0, zone);
        std::vector<bot::metrics::Period> quarters;
        for (auto q = bot::metrics::quarter_of(core::from_millis(first), zone);;
             q = bot::metrics::quarter_of(core::from_millis(q.to), zone)) {
            quarters.push_back(q);
            if (q.to > now) break;
        }
        for (const auto& q : quarters) {
            const date::year_month_day start{local_day(q.from, zone)};
            const int quarter =
                (static_cast<int>(static_cast<unsigned>(start.month())) - 1) / 3 + 1;
            const auto period = bot::metrics::parse_period(
                std::to_string(static_cast<int>(start.year())) + "-Q" + std::to_string(quarter),
                zone);
            if (!period) continue;
            double team = 0;
            for (const auto& rep : sales) {
                double won = 0;
                for (const auto& d : deals) {
                    if (d.stage == "won" && d.owner_id == rep.id && d.closed_at &&
                        q.contains(*d.closed_at)) {
                        won += d.company_amount;
                    }
                }
                const double target =
                    std::ceil(std::max(600000.0,
                                       won * static_cast<double>(dice.between(90, 170)) / 100.0) /
                              100000.0) *
                    100000.0;
                team += target;
                store::metrics::Quota quota;
                quota.person_id = rep.id;
                quota.period = period->name;
                quota.starts_at = period->starts_at;
                quota.ends_at = period->ends_at;
                quota.revenue = target;
                quota.profit = std::round(target * 0.3);
                store::metrics::QuotaRepository(store.db()).set(quota, now);
                ++counts.quotas;
            }
            store::metrics::Quota quota;
            quota.team = "sales";
            quota.period = period->name;
            quota.starts_at = period->starts_at;
            quota.ends_at = period->ends_at;
            quota.revenue = team;
            store::metrics::QuotaRepository(store.db()).set(quota, now);
            ++counts.quotas;
        }
    }

    // --- campaigns ------------------------------------------------------------------------

    void make_campaigns() {
        struct Plan {
            const char* name;
            int starts_weeks_ago;
            int days;
            int cost;
            const char* segment;
        };
        const std::vector<Plan> plans = {
            {"Autumn webinar series", 11, 18, 45000, "manufacturing"},
            {"CIO 圆桌会 上海", 6, 2, 80000, "finance"},
            {"Year-end trial offer", 2, 28, 30000, "retail"},
        };
        for (const auto& p : plans) {
            const date::local_days from =
                this_monday - date::days(7 * p.starts_weeks_ago) + date::days(1);
            const date::local_days to = from + date::days(p.days - 1);
            bot::metrics::Problem problem;
            auto c = bot::metrics::make_campaign(store, settings, p.name, std::to_string(p.cost),
                                                 "", ymd(from), ymd(to), &problem);
            if (!c) continue;
            c->segment = p.segment;
            c->created_by = marketing.front().id;
            c->created_at = at_local(from - date::days(7), 10 * 60, zone);
            c->id = store::metrics::CampaignRepository(store.db()).create(*c);
            ++counts.campaigns;
            // The campaign reached some customers while it ran.
            for (const auto& a : accounts) {
                const std::int64_t at = c->starts_at + dice.between(0, p.days * 24 - 1) * hour_ms;
                if (at >= now || !dice.chance(35)) continue;
                if (store::metrics::CampaignRepository(store.db())
                        .touch({c->id, a.customer.id, at})) {
                    ++counts.touches;
                }
            }
        }
    }

    // --- field reports --------------------------------------------------------------------

    std::string chinese_name(const bot::reports::CompetitorSetting& c) const {
        for (const auto& alias : c.aliases) {
            if (has_non_ascii(alias)) return alias;
        }
        return c.name;
    }

    /// The competitor a report names: the first configured one most often.
    const bot::reports::CompetitorSetting* competitor() {
        const auto& all = report_settings().competitors;
        if (all.empty()) return nullptr;
        const auto n = static_cast<std::int64_t>(all.size());
        std::int64_t roll = dice.between(0, 3 * n - 1);  // the first has n of 3n chances
        if (roll < n) return &all.front();
        roll = dice.between(0, n - 1);
        return &all[static_cast<std::size_t>(roll)];
    }

    std::string need(bool chinese) {
        const auto& words = report_settings().need_keywords;
        auto it = words.find(chinese ? "zh-CN" : "en");
        if (it == words.end() || it->second.empty()) return chinese ? "案例" : "case study";
        return dice.pick(it->second);
    }

    void report(const store::Person& author, std::int64_t at, const Account& a, bool chinese,
                const bot::reports::CompetitorSetting* forced = nullptr) {
        const bot::reports::CompetitorSetting* c = forced ? forced : competitor();
        const std::string competitor_text = c == nullptr ? (chinese ? "竞争对手" : "a competitor")
                                            : chinese    ? chinese_name(*c)
                                                         : c->name;
        const std::string text =
            fill(dice.pick(report_templates(chinese)), {{"customer", a.customer.name},
                                                        {"competitor", competitor_text},
                                                        {"n", std::to_string(dice.between(5, 25))},
                                                        {"need", need(chinese)}});
        bot::reports::ExtractionConfig config = bot::reports::extraction_config(
            report_settings(), {{a.customer.id, a.customer.name, {}}});
        config.prices = bot::reports::price_words(prompts, settings);
        const bot::reports::Extraction found = bot::reports::extract(text, config);
        const std::string locale = chinese ? "zh-CN" : "en";
        std::map<std::string, std::string> per;
        for (const char* q : {"seat", "user", "unit", "year", "month"}) {
            per[q] = prompts.render(locale, std::string("reports.price_per_") + q);
        }
        store::Report r;
        r.author_id = author.id;
        r.customer_text = a.customer.name;
        r.customer_id = a.customer.id;
        r.engagement_id = a.engagement.id;
        r.created_at = at;
        r.updated_at = at;
        r.text = text;
        // As the reports feature keeps them: the report's customer, then what the text says.
        r.mentions.push_back({"customer", a.customer.name, core::ascii_lower(a.customer.name),
                              a.customer.name, a.customer.id, std::nullopt, ""});
        for (const auto& m : found.competitors) {
            r.mentions.push_back({"competitor", m.name, core::ascii_lower(m.name), m.matched,
                                  std::nullopt, std::nullopt, ""});
        }
        for (const auto& p : found.prices) {
            const std::string shown = bot::reports::format_price(p, per);
            r.mentions.push_back({"price", shown, shown, "", std::nullopt, p.value, p.unit});
        }
        for (const auto& n : found.needs) {
            r.mentions.push_back(
                {"need", n, core::ascii_lower(n), n, std::nullopt, std::nullopt, ""});
        }
        store::reports::ReportRepository(store.db()).create(r, json::object().dump());
        ++counts.reports;
    }

    void make_reports() {
        for (int w = demo_weeks; w >= 0; --w) {
            const int n = w == 0 ? 2 : static_cast<int>(dice.between(4, 7));
            for (int i = 0; i < n; ++i) {
                const store::Person& author = dice.pick(dice.chance(80) ? sales : marketing);
                const std::int64_t at = moment(w, author);
                std::vector<const Account*> known;
                for (const auto& a : accounts) {
                    if (a.engagement.created_at <= at) known.push_back(&a);
                }
                const Account& a = known.empty() ? accounts.front() : *dice.pick(known);
                // Chinese-speaking colleagues write in Chinese; some with Chinese names
                // switch between the two.
                const bool chinese =
                    is_chinese(author.locale) || (has_non_ascii(author.name) && dice.chance(50));
                report(author, at, a, chinese);
            }
        }
        // This week so far: the first competitor in both languages.
        const bot::reports::CompetitorSetting* first = report_settings().competitors.empty()
                                                           ? nullptr
                                                           : &report_settings().competitors.front();
        for (const bool chinese : {true, false}) {
            const store::Person* author = &sales.front();
            for (const auto& p : sales) {
                if (is_chinese(p.locale) == chinese) author = &p;
            }
            report(*author, this_week_moment(), dice.pick(accounts), chinese, first);
        }
    }

    // --- joint meetings, coffee, a training, an outing --------------------------------------

    std::vector<const store::Person*> managers() const {
        std::vector<const store::Person*> out;
        for (const auto& p : everyone) {
            if (p.role == "manager" && (p.department == "marketing" || p.department == "sales")) {
                out.push_back(&p);
            }
        }
        return out;
    }

    void make_joint_meetings() {
        store::meetings::MeetingRepository meetings(store.db());
        const store::Person& organizer = host ? *host : marketing.front();
        store::meetings::MeetingSeries s;
        s.title = prompts.render(settings.default_locale, "meetings.joint_title");
        s.rrule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU";
        s.spec = "every 2 weeks on tuesday at 10:00";
        s.local_minute = 10 * 60;
        s.zone = zone;
        s.duration_min = 60;
        s.organizer_id = organizer.id;
        const date::local_days first_tuesday =
            this_monday - date::days(7 * demo_weeks) + date::days(1);
        s.created_at = at_local(first_tuesday - date::days(3), 11 * 60, zone);
        s.id = meetings.create_series(s);
        std::optional<store::meetings::Meeting> last;
        date::local_days day = first_tuesday;
        for (;; day += date::days(14)) {
            store::meetings::Meeting m;
            m.start_at = at_local(day, s.local_minute, zone);
            m.end_at = m.start_at + s.duration_min * minute_ms;
            if (m.end_at > now) break;
            m.uid = "series-" + std::to_string(s.id) + "-" + ymd(day) + "@" +
                    core::ascii_lower(settings.bot_user);
            m.title = s.title;
            m.organizer_id = organizer.id;
            m.series_id = s.id;
            m.created_at = std::max(s.created_at, m.start_at - 14 * day_ms);
            m.updated_at = m.created_at;
            m.attendees.push_back({organizer.id, true});
            for (const auto* p : managers()) {
                if (p->id != organizer.id) m.attendees.push_back({p->id, true});
            }
            m.id = meetings.create(m);
            ++counts.meetings;
            const bool chinese = is_chinese(organizer.locale);
            meetings.save_minutes(
                {m.id,
                 chinese ? "本季度重点客户由市场部和销售部共同跟进；案例库每月更新。"
                         : "Key accounts are followed by both departments this quarter; the case "
                           "study library is updated monthly.",
                 chinese ? "市场部准备两份行业案例；销售部汇总本周竞品报价。"
                         : "Marketing prepares two industry case studies; sales collects this "
                           "week's competitor prices.",
                 organizer.id, m.end_at + 2 * hour_ms});
            last = m;
        }
        // The next meeting is booked; when it ends, the meetings feature books the one
        // after it (its own job), as for a series created in chat.
        const date::local_days next_day = day;
        store::meetings::Meeting next;
        next.start_at = at_local(next_day, s.local_minute, zone);
        next.end_at = next.start_at + s.duration_min * minute_ms;
        next.uid = "series-" + std::to_string(s.id) + "-" + ymd(next_day) + "@" +
                   core::ascii_lower(settings.bot_user);
        next.title = s.title;
        next.organizer_id = organizer.id;
        next.series_id = s.id;
        next.created_at = last ? last->end_at : s.created_at;
        next.updated_at = next.created_at;
        next.attendees.push_back({organizer.id, true});
        for (const auto* p : managers()) {
            if (p->id != organizer.id) next.attendees.push_back({p->id, true});
        }
        next.id = meetings.create(next);
        store::Job job;
        job.kind = "meetings.joint_next";
        job.key = "meetings.joint_next." + std::to_string(next.id);
        job.payload = json{{"meeting", next.id}, {"series", s.id}}.dump();
        job.due_at = next.end_at;
        store.jobs().schedule(job);
    }

    void make_coffee() {
        store::social::SocialRepository social(store.db());
        const auto& social_settings = settings.features.get<bot::social::SocialSettings>();
        store::social::CoffeeProgramme p;
        p.left_department = "marketing";
        p.right_department = "sales";
        p.every_days = 14;
        p.started_by = host ? std::optional<std::int64_t>(host->id) : std::nullopt;
        p.created_at = at_local(this_monday - date::days(7 * demo_weeks), 9 * 60 + 30, zone);
        p.id = social.start_programme(p);
        std::optional<store::social::CoffeeRound> last;
        for (int number = 1;; ++number) {
            store::social::CoffeeRound r;
            r.programme_id = p.id;
            r.number = number;
            r.started_at = p.created_at + std::int64_t{number - 1} * p.every_days * day_ms;
            if (r.started_at >= now) break;
            r.ends_at = r.started_at + std::int64_t{p.every_days} * day_ms;
            std::vector<store::social::CoffeeGroupRow> groups;
            const std::size_t pairs = std::min(marketing.size(), sales.size());
            for (std::size_t i = 0; i < pairs; ++i) {
                store::social::CoffeeGroupRow g;
                g.left_id = marketing[i].id;
                g.right_id = sales[(i + static_cast<std::size_t>(number)) % sales.size()].id;
                groups.push_back(g);
            }
            // Whoever is left over joins the last group.
            if (sales.size() > pairs && !groups.empty()) {
                groups.back().third_id =
                    sales[(pairs + static_cast<std::size_t>(number)) % sales.size()].id;
            }
            r.id = social.add_round(r, groups);
            ++counts.coffee_rounds;
            for (const auto& g : social.groups(r.id)) {
                if (social_settings.coffee_cost_per_group > 0) {
                    social.set_cost({"coffee", "coffee." + std::to_string(g.id),
                                     social_settings.coffee_cost_per_group, r.ends_at},
                                    r.started_at);
                }
                if (r.ends_at > now) continue;  // this round is still on
                const bool met = dice.chance(85);
                for (const std::int64_t id : {g.left_id, g.right_id}) {
                    social.answer(r.id, id, met, r.ends_at - dice.between(1, 48) * hour_ms);
                }
            }
            last = r;
        }
        if (last) {
            // The social feature starts the next round when this one ends.
            store::Job job;
            job.kind = "social.coffee_round";
            job.key = "social.coffee_round." + std::to_string(p.id) + "." +
                      std::to_string(last->number + 1);
            job.payload = json{{"programme", p.id}, {"number", last->number + 1}}.dump();
            job.due_at = last->ends_at;
            store.jobs().schedule(job);
        }
    }

    void make_training() {
        store::social::SocialRepository social(store.db());
        const store::Person& trainer = sales.front();
        store::social::Training t;
        const bool chinese = is_chinese(settings.default_locale);
        t.topic = chinese ? "销售演示技巧（面向市场部）" : "Demo skills for marketing";
        t.trainer_id = trainer.id;
        t.audience = "marketing";
        t.starts_at = at_local(this_monday - date::days(18), 14 * 60, zone);
        t.capacity = 8;
        t.cost = 3000;
        t.created_by = host ? host->id : trainer.id;
        t.created_at = t.starts_at - 10 * day_ms;
        t.id = social.add_training(t);
        ++counts.trainings;
        social.set_cost({"training", "training." + std::to_string(t.id), t.cost, t.starts_at},
                        t.created_at);
        for (const auto& p : marketing) {
            social.add_seat(
                t.id, {p.id, "registered", t.created_at + dice.between(1, 72) * hour_ms, false});
            if (dice.chance(85)) social.mark_attended(t.id, p.id, t.starts_at + hour_ms);
        }
    }

    void make_outing() {
        store::social::SocialRepository social(store.db());
        const store::Person& organizer = host ? *host : marketing.front();
        store::social::Outing o;
        o.title = is_chinese(settings.default_locale) ? "秋季团建：徒步和烧烤"
                                                      : "Autumn outing: hike and barbecue";
        o.budget = 8000;
        o.created_by = organizer.id;
        const date::local_days saturday = this_monday - date::days(28) + date::days(5);
        o.days = {ymd(saturday), ymd(saturday + date::days(1)), ymd(saturday + date::days(7))};
        o.created_at = at_local(saturday - date::days(12), 10 * 60, zone);
        o.id = social.add_outing(o);
        ++counts.outings;
        for (const auto& p : everyone) {
            std::vector<std::string> days;
            for (const auto& d : o.days) {
                if (dice.chance(55)) days.push_back(d);
            }
            if (days.empty()) days.push_back(o.days.front());
            social.set_votes(o.id, p.id, days, o.created_at + dice.between(1, 96) * hour_ms);
        }
        const std::int64_t closed = o.created_at + 5 * day_ms;
        social.close_outing(o.id, o.days.front(), closed);
        for (const auto& p : everyone) {
            social.set_rsvp(o.id, p.id, dice.chance(80), closed + dice.between(1, 48) * hour_ms);
        }
        social.set_cost(
            {"outing", "outing." + std::to_string(o.id), o.budget, at_local(saturday, 0, zone)},
            closed);
    }
};

}  // namespace

std::optional<DemoHistoryCounts> load_demo_history(store::Store& store,
                                                   const bot::BotSettings& settings,
                                                   const bot::Prompts& prompts,
                                                   const core::Clock& clock, std::uint32_t seed) {
    if (store.actions().setting(demo_history_key)) return std::nullopt;
    if (!store::engagements::CustomerRepository(store.db()).all().empty() ||
        !store::engagements::EngagementRepository(store.db()).all().empty() ||
        store::metrics::DealRepository(store.db()).count() > 0 ||
        store::reports::ReportRepository(store.db()).count({}) > 0) {
        return std::nullopt;
    }
    Generator g(store, settings, prompts, core::to_millis(clock.now()), seed);
    g.zone = settings.company_timezone;
    g.everyone = store.people().all();
    for (const auto& p : g.everyone) {
        if (p.department == "marketing") g.marketing.push_back(p);
        if (p.department == "sales") g.sales.push_back(p);
        if (!g.host && p.role == "hr") g.host = p;
    }
    if (!g.host) {
        for (const auto& p : g.everyone) {
            if (p.department == "management" && !g.host) g.host = p;
        }
    }
    if (g.marketing.empty() || g.sales.empty()) return std::nullopt;
    g.this_monday = date::local_days{
        local_day(bot::metrics::week_of(core::from_millis(g.now), g.zone).from, g.zone)};
    g.this_week_from = bot::metrics::week_of(core::from_millis(g.now), g.zone).from;
    for (const auto& p : g.everyone) {
        g.this_week_from = std::max(
            g.this_week_from, bot::metrics::week_of(core::from_millis(g.now), p.timezone).from);
    }

    store::Transaction tx(store.db());
    g.make_engagements();
    g.make_deals();
    g.make_quotas();
    g.make_campaigns();
    g.make_reports();
    g.make_joint_meetings();
    g.make_coffee();
    g.make_training();
    g.make_outing();
    store.actions().setting_or_init(demo_history_key, std::to_string(g.now));
    tx.commit();
    return g.counts;
}

DemoStart start_demo(store::Store& store, const std::string& people_csv,
                     const bot::BotSettings& settings, const bot::Prompts& prompts,
                     const core::Clock& clock, const std::string& locale, std::ostream& out) {
    if (store.people().count() > 0) return DemoStart::left_alone;
    std::ifstream in(people_csv);
    if (!in) {
        out << "twintrack: cannot read " << people_csv << "\n";
        return DemoStart::failed;
    }
    auto outcome = bot::import_people_csv(in, store, prompts, locale, core::to_millis(clock.now()));
    for (const auto& e : outcome.errors) out << people_csv << ": " << e << "\n";
    if (!outcome.ok()) {
        out << prompts.render(locale, "import.failed", {{"count", outcome.errors.size()}}) << "\n";
        return DemoStart::failed;
    }
    out << prompts.render(locale, "import.done",
                          {{"added", outcome.added}, {"updated", outcome.updated}})
        << "\n";
    load_demo_history(store, settings, prompts, clock);
    return DemoStart::loaded;
}

}  // namespace twintrack::app
