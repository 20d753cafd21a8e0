#include "bot/features/reports/report_export.hpp"

#include <date/date.h>

#include <algorithm>
#include <sstream>

#include "core/csv.hpp"
#include "core/text.hpp"

namespace twintrack::bot::reports {
namespace {

std::string utc_iso(std::int64_t ms) {
    const auto t = std::chrono::time_point_cast<std::chrono::seconds>(core::from_millis(ms));
    return date::format("%Y-%m-%dT%H:%M:%SZ", t);
}

std::string price_text(const store::ReportMention& m) {
    if (!m.amount) return m.value;
    std::ostringstream out;
    out << *m.amount;
    if (m.unit == "%") return out.str() + "%";
    return out.str() + (m.unit.empty() ? "" : " " + m.unit);
}

}  // namespace

std::size_t write_reports_csv(const store::reports::ReportRepository& stored,
                              const Directory& directory, std::ostream& out) {
    out << core::csv_row({"id", "filed_at_utc", "author", "author_email", "customer",
                          "engagement_id", "version", "text", "competitors", "price_signals",
                          "needs", "help_wanted", "tags"});
    store::ReportFilter all;
    all.limit = -1;
    auto reports = stored.find(all);
    std::reverse(reports.begin(), reports.end());
    for (const auto& r : reports) {
        std::vector<std::string> competitors, prices, needs, help;
        for (const auto& m : r.mentions) {
            if (m.kind == "competitor") competitors.push_back(m.value);
            if (m.kind == "price") prices.push_back(price_text(m));
            if (m.kind == "need") needs.push_back(m.value);
            if (m.kind == "help") help.push_back(m.value);
        }
        const Person* author = directory.by_id(r.author_id);
        out << core::csv_row(
            {std::to_string(r.id), utc_iso(r.created_at), author ? author->name : std::string(),
             author ? author->email : std::string(), r.customer_text,
             r.engagement_id ? std::to_string(*r.engagement_id) : std::string(),
             std::to_string(r.version), r.text, core::join(competitors, "; "),
             core::join(prices, "; "), core::join(needs, "; "), core::join(help, "; "), r.tags});
    }
    return reports.size();
}

}  // namespace twintrack::bot::reports
