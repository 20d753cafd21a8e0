#pragma once
// A store filled with generated sales data, the same for every backend and every run
// (fixed seed): people with quarterly quotas, deals and field reports over ten weeks.

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bot/features/metrics/store/metrics_store.hpp"
#include "bot/features/reports/store/reports_store.hpp"
#include "store/store.hpp"

namespace twintrack::bench {

inline const std::int64_t day_ms = 24LL * 3600 * 1000;
// Monday 2026-11-02 00:00 in Asia/Shanghai.
inline const std::int64_t week_start = 1793548800000LL - 8 * 3600 * 1000;
inline const std::string zone = "Asia/Shanghai";

/// `people` people, `rows` deals and `rows` reports (a third naming a competitor), in one
/// transaction; prints how long it took.
inline void fill(store::Store& s, const char* kind, int people, int rows) {
    const auto started = std::chrono::steady_clock::now();
    std::mt19937_64 rng(42);
    auto& db = s.db();
    db.begin();
    std::vector<std::int64_t> ids;
    for (int i = 1; i <= people; ++i) {
        store::Person p;
        p.name = "Rep " + std::to_string(i);
        p.email = "rep" + std::to_string(i) + "@example.com";
        p.department = i % 5 == 0 ? "marketing" : "sales";
        p.role = "staff";
        p.timezone = zone;
        p.locale = "en";
        ids.push_back(s.people().upsert_by_email(p, week_start));
    }
    for (int i = 0; i < people; ++i) {
        store::metrics::Quota q;
        q.person_id = ids[static_cast<std::size_t>(i)];
        q.period = "2026-Q4";
        q.starts_at = week_start - 32 * day_ms;
        q.ends_at = week_start + 60 * day_ms;
        q.revenue = 1000000.0;
        store::metrics::QuotaRepository(db).set(q, week_start);
    }
    const char* stages[] = {"open", "won", "won", "lost"};
    for (int i = 1; i <= rows; ++i) {
        store::metrics::Deal d;
        d.customer_text = "Customer" + std::to_string(rng() % 100000);
        d.owner_id = ids[rng() % people];
        d.stage = stages[rng() % 4];
        d.company_amount = d.amount = static_cast<double>(1000 + rng() % 500000);
        d.currency = "CNY";
        if (i % 2) d.margin = 0.25;
        d.created_at = week_start - static_cast<std::int64_t>(rng() % (70 * day_ms));
        if (d.stage != "open") {
            d.closed_at = d.created_at + static_cast<std::int64_t>(rng() % (20 * day_ms));
        }
        d.updated_at = d.created_at;
        store::metrics::DealRepository(db).add(d);
    }
    const std::vector<std::string> rivals = {"Huawei", "ZTE", "Foo", "Bar", "Baz"};
    store::reports::ReportRepository reports(s.db());
    for (int i = 0; i < rows; ++i) {
        store::Report r;
        r.author_id = ids[rng() % people];
        r.created_at = week_start - static_cast<std::int64_t>(rng() % (60 * day_ms)) + 7 * day_ms;
        r.updated_at = r.created_at;
        r.customer_text = "Customer" + std::to_string(rng() % 100000);
        r.text = "met the buyer";
        if (i % 3 == 0) {
            const std::string& rival = rivals[rng() % rivals.size()];
            r.mentions.push_back(
                {"competitor", rival, rival, rival, std::nullopt, std::nullopt, ""});
        }
        reports.create(r);
    }
    db.commit();
    std::printf("filled %s with %d people, %d deals, %d reports in %.0f s\n", kind, people, rows,
                rows,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace twintrack::bench
