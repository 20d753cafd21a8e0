#include "bot/features/metrics/metrics_calc.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "bot/local_time.hpp"

namespace twintrack::bot::metrics {
namespace {

std::int64_t to_ms(date::local_days day, const std::string& zone) {
    const auto sys = zone_or_utc(zone)->to_sys(day, date::choose::earliest);
    return core::to_millis(std::chrono::time_point_cast<std::chrono::milliseconds>(sys));
}

date::local_days local_day(core::Timestamp at, const std::string& zone) {
    return date::floor<date::days>(zone_or_utc(zone)->to_local(at));
}

Period months(date::year_month first, int count, const std::string& zone) {
    const date::year_month last = first + date::months(count);
    return {to_ms(date::local_days{first / 1}, zone), to_ms(date::local_days{last / 1}, zone)};
}

/// The part of a campaign's cost falling in `period`: the cost is spread evenly over the
/// campaign's calendar days in `zone` (a day with a daylight-saving change costs as much
/// as any other), and a day counts in the period its local midnight falls in.
double campaign_cost_in(const store::metrics::Campaign& c, const Period& period,
                        const std::string& zone) {
    const date::local_days first = local_day(core::from_millis(c.starts_at), zone);
    // ends_at is the midnight after the last day.
    const date::local_days end = local_day(core::from_millis(c.ends_at - 1), zone) + date::days(1);
    const auto days = (end - first).count();
    if (days <= 0 || c.ends_at <= period.from || c.starts_at >= period.to) return 0;
    date::local_days day = std::max(first, local_day(core::from_millis(period.from), zone));
    std::int64_t in_period = 0;
    for (; day < end; day += date::days(1)) {
        const std::int64_t at = to_ms(day, zone);
        if (at >= period.to) break;
        if (at >= period.from) ++in_period;
    }
    return c.cost * static_cast<double>(in_period) / static_cast<double>(days);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// A map from store ids (dense row ids, as SQLite gives them) to values: a vector when
/// the ids are dense enough, a hash map otherwise.
template <typename T>
class IdMap {
  public:
    void build(std::vector<std::pair<std::int64_t, T>> items) {
        std::int64_t max_id = 0;
        for (const auto& [id, v] : items) max_id = std::max(max_id, id);
        dense_ = max_id >= 0 && max_id <= 4 * static_cast<std::int64_t>(items.size()) + 1024;
        if (dense_) {
            values_.assign(static_cast<std::size_t>(max_id) + 1, std::nullopt);
            for (auto& [id, v] : items) {
                if (id >= 0) values_[static_cast<std::size_t>(id)] = std::move(v);
            }
        } else {
            for (auto& [id, v] : items) sparse_[id] = std::move(v);
        }
    }
    const T* find(std::int64_t id) const {
        if (dense_) {
            if (id < 0 || id >= static_cast<std::int64_t>(values_.size())) return nullptr;
            const auto& v = values_[static_cast<std::size_t>(id)];
            return v ? &*v : nullptr;
        }
        auto it = sparse_.find(id);
        return it == sparse_.end() ? nullptr : &it->second;
    }

  private:
    bool dense_ = true;
    std::vector<std::optional<T>> values_;
    std::unordered_map<std::int64_t, T> sparse_;
};

/// Index of what a won deal needs to be attributed.
struct AttributionIndex {
    IdMap<const EngagementFact*> engagements;
    IdMap<std::int64_t> first_touch;  // customer -> earliest touch

    explicit AttributionIndex(const MetricsData& data) {
        std::vector<std::pair<std::int64_t, const EngagementFact*>> e;
        e.reserve(data.engagements.size());
        for (const auto& f : data.engagements) e.emplace_back(f.id, &f);
        engagements.build(std::move(e));
        std::unordered_map<std::int64_t, std::int64_t> earliest;
        for (const auto& t : data.touches) {
            auto it = earliest.find(t.customer_id);
            if (it == earliest.end() || t.at < it->second) earliest[t.customer_id] = t.at;
        }
        first_touch.build({earliest.begin(), earliest.end()});
    }

    double share(const store::metrics::Deal& d, const Attribution& a) const {
        const EngagementFact* e = nullptr;
        if (d.engagement_id) {
            if (const auto* found = engagements.find(*d.engagement_id)) e = *found;
        }
        std::optional<std::int64_t> touch;
        if (d.customer_id) {
            if (const auto* found = first_touch.find(*d.customer_id)) touch = *found;
        }
        return attribution_share(d, e, touch, a);
    }
};

}  // namespace

Period week_of(core::Timestamp at, const std::string& zone) {
    const date::local_days day = local_day(at, zone);
    const date::local_days monday = day - (date::weekday{day} - date::Monday);
    return {to_ms(monday, zone), to_ms(monday + date::days(7), zone)};
}

Period month_of(core::Timestamp at, const std::string& zone) {
    const date::year_month_day ymd{local_day(at, zone)};
    return months(ymd.year() / ymd.month(), 1, zone);
}

Period quarter_of(core::Timestamp at, const std::string& zone) {
    const date::year_month_day ymd{local_day(at, zone)};
    const unsigned first = (static_cast<unsigned>(ymd.month()) - 1) / 3 * 3 + 1;
    return months(ymd.year() / date::month(first), 3, zone);
}

Period previous(const Period& p, const std::string& kind, const std::string& zone) {
    const core::Timestamp before = core::from_millis(p.from - 1);
    if (kind == "month") return month_of(before, zone);
    if (kind == "quarter") return quarter_of(before, zone);
    return week_of(before, zone);
}

double attribution_share(const store::metrics::Deal& deal, const EngagementFact* engagement,
                         std::optional<std::int64_t> first_touch_at, const Attribution& a) {
    if (engagement && engagement->marketing_led) return a.marketing_led;
    // Influence ends when the deal closes: a touch or a consultation afterwards changes
    // nothing about it.
    const std::int64_t closed = deal.closed_at.value_or(deal.created_at);
    const bool touched = first_touch_at && *first_touch_at <= closed;
    const bool consulted =
        engagement && engagement->consulted_at && *engagement->consulted_at <= closed;
    if (consulted || touched) return a.influenced;
    return a.other;
}

namespace {

// The quotas that apply: those whose period contains the last moment of `period`.
std::unordered_map<std::int64_t, const store::metrics::Quota*> quotas_at_end(
    const MetricsData& data, const Period& period, const Scope& scope) {
    const std::int64_t last = period.to - 1;
    std::unordered_map<std::int64_t, const store::metrics::Quota*> rep_quota;
    for (const auto& q : data.quotas) {
        if (!q.person_id || !q.revenue || q.starts_at > last || q.ends_at <= last) continue;
        if (!scope.includes(q.person_id)) continue;
        rep_quota[*q.person_id] = &q;
    }
    return rep_quota;
}

// Sales: the pipeline, deals won and lost, revenue, profit, incremental sales and the pool;
// per rep with a quota, the revenue won since the quota's start (`to_date`).
void sales_metrics(const MetricsData& data, const Period& period, const Attribution& a,
                   const Scope& scope,
                   const std::unordered_map<std::int64_t, const store::metrics::Quota*>& rep_quota,
                   Metrics& m, std::unordered_map<std::int64_t, double>& to_date) {
    const AttributionIndex index(data);
    std::int64_t earliest = period.from;  // the first close that can count for anything
    for (const auto& [id, q] : rep_quota) earliest = std::min(earliest, q->starts_at);
    for (const auto& d : data.deals) {
        const bool closed_counts =
            d.closed_at && *d.closed_at >= earliest && *d.closed_at < period.to;
        if (!closed_counts && !period.contains(d.created_at)) continue;
        if (!scope.includes(d.owner_id)) continue;
        if (period.contains(d.created_at)) {
            ++m.pipeline_deals;
            m.pipeline_created += d.company_amount;
        }
        if (d.stage == "lost" && d.closed_at && period.contains(*d.closed_at)) ++m.deals_lost;
        if (d.stage != "won" || !d.closed_at) continue;
        if (d.owner_id) {
            auto q = rep_quota.find(*d.owner_id);
            if (q != rep_quota.end() && *d.closed_at >= q->second->starts_at &&
                *d.closed_at < period.to) {
                to_date[*d.owner_id] += d.company_amount;
            }
        }
        if (!period.contains(*d.closed_at)) continue;
        ++m.deals_won;
        m.revenue += d.company_amount;
        if (d.margin) {
            m.profit += d.company_amount * *d.margin;
        } else {
            ++m.deals_without_margin;
        }
        m.incremental_sales += d.company_amount * index.share(d, a);
    }
    m.pool = m.incremental_sales * a.pool_rate;
}

// Each rep's attainment of their quota (by name), and the team's.
void rep_attainment(const MetricsData& data,
                    const std::unordered_map<std::int64_t, const store::metrics::Quota*>& rep_quota,
                    std::unordered_map<std::int64_t, double>& to_date, Metrics& m) {
    std::map<std::int64_t, std::string> names;
    for (const auto& p : data.people) names[p.id] = p.name;
    double sum_to_date = 0, sum_quota = 0;
    for (const auto& [id, q] : rep_quota) {
        RepAttainment r;
        r.person_id = id;
        r.name = names.count(id) ? names[id] : "#" + std::to_string(id);
        r.revenue_to_date = to_date[id];
        r.quota = *q->revenue;
        r.percent = r.quota > 0 ? 100.0 * r.revenue_to_date / r.quota : 0;
        sum_to_date += r.revenue_to_date;
        sum_quota += r.quota;
        m.reps.push_back(r);
    }
    std::sort(m.reps.begin(), m.reps.end(),
              [](const RepAttainment& x, const RepAttainment& y) { return x.name < y.name; });
    if (sum_quota > 0) m.attainment_percent = 100.0 * sum_to_date / sum_quota;
}

// Marketing: leads, handoffs and how fast they were accepted, campaign cost.
void marketing_metrics(const MetricsData& data, const Period& period, const Scope& scope,
                       Metrics& m) {
    for (const auto& e : data.engagements) {
        if (e.marketing_created && period.contains(e.created_at)) ++m.leads;
    }
    std::vector<double> hours;
    for (const auto& h : data.handoffs) {
        if (!period.contains(h.requested_at)) continue;
        ++m.handoffs;
        if (h.status == "accepted" && h.decided_at && *h.decided_at < period.to) {
            ++m.handoffs_accepted;
            hours.push_back(static_cast<double>(*h.decided_at - h.requested_at) / 3600000.0);
        }
    }
    if (!hours.empty()) m.median_acceptance_hours = median(std::move(hours));
    if (scope.campaign_cost) {
        double cost = 0;
        for (const auto& c : data.campaigns) cost += campaign_cost_in(c, period, data.zone);
        m.campaign_cost = cost;
        if (m.incremental_sales > 0) m.cost_per_incremental = cost / m.incremental_sales;
    }
}

// Joint: field-report coverage of the sales people, the competitors named most,
// consultations asked and answered.
void joint_metrics(const MetricsData& data, const Period& period, const Scope& scope, Metrics& m) {
    std::set<std::int64_t> sales_people;
    for (const auto& p : data.people) {
        if (p.department == "sales" && scope.includes(p.id)) sales_people.insert(p.id);
    }
    std::set<std::int64_t> reported;
    std::map<std::string, std::int64_t> competitors;
    for (const auto& r : data.reports) {
        if (!period.contains(r.created_at) || !scope.includes(r.author_id)) continue;
        if (sales_people.count(r.author_id)) reported.insert(r.author_id);
        for (const auto& c : r.competitors) ++competitors[c];
    }
    m.reporters = static_cast<std::int64_t>(reported.size());
    m.expected_reporters = static_cast<std::int64_t>(sales_people.size());
    if (!sales_people.empty()) {
        m.report_coverage_percent =
            100.0 * static_cast<double>(m.reporters) / static_cast<double>(m.expected_reporters);
    }
    m.top_competitors.assign(competitors.begin(), competitors.end());
    std::stable_sort(m.top_competitors.begin(), m.top_competitors.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    if (m.top_competitors.size() > 5) m.top_competitors.resize(5);
    for (const auto& c : data.consultations) {
        if (!period.contains(c.requested_at)) continue;
        ++m.consultations_asked;
        if (c.answered_at && *c.answered_at < period.to) ++m.consultations_answered;
    }
}

}  // namespace

Metrics compute_metrics(const MetricsData& data, const Period& period, const Attribution& a,
                        const Scope& scope) {
    Metrics m;
    const auto rep_quota = quotas_at_end(data, period, scope);
    std::unordered_map<std::int64_t, double> to_date;
    sales_metrics(data, period, a, scope, rep_quota, m, to_date);
    rep_attainment(data, rep_quota, to_date, m);
    marketing_metrics(data, period, scope, m);
    joint_metrics(data, period, scope, m);
    return m;
}

std::vector<double> incremental_by_week(const MetricsData& data, const Period& last, int weeks,
                                        const Attribution& a, const std::string& zone,
                                        const Scope& scope) {
    const AttributionIndex index(data);
    std::vector<Period> periods;
    Period p = last;
    for (int i = 0; i < weeks; ++i) {
        periods.insert(periods.begin(), p);
        p = previous(p, "week", zone);
    }
    std::vector<double> out(periods.size(), 0.0);
    for (const auto& d : data.deals) {
        if (d.stage != "won" || !d.closed_at || !scope.includes(d.owner_id)) continue;
        for (std::size_t i = 0; i < periods.size(); ++i) {
            if (periods[i].contains(*d.closed_at)) {
                out[i] += d.company_amount * index.share(d, a);
                break;
            }
        }
    }
    return out;
}

std::string unicode_bar(double value, double max, int width) {
    static const char* const eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    if (max <= 0 || value <= 0 || width <= 0) return "";
    const double cells = std::min(value / max, 1.0) * width;
    const int whole = static_cast<int>(cells);
    const int part = static_cast<int>(std::lround((cells - whole) * 8));
    std::string out;
    for (int i = 0; i < whole; ++i) out += "█";
    if (part == 8) {
        out += "█";
    } else if (part > 0) {
        out += eighths[part];
    }
    if (out.empty()) out = "▏";
    return out;
}

}  // namespace twintrack::bot::metrics
