#pragma once
// Field reports as records: a report with the text of its latest version and the facts
// extracted from it (mentions), and the filter that says which reports a query wants. The
// reports feature keeps them in its own tables (bot/features/reports/store/: its
// repository and SQL); these plain types stay in the store layer because other features
// read reports through the services in bot/ (report_texts.hpp, field_facts.hpp), which may
// not include a feature's store part. No SQL here. Keys (lower-cased values) are computed
// by the caller.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::store {

/// One fact extracted from a report.
struct ReportMention {
    std::string kind;  ///< customer, competitor, price, need, help
    std::string value;
    std::string value_key;
    std::string matched;
    std::optional<std::int64_t> customer_id;
    std::optional<double> amount;  ///< price signals
    std::string unit;              ///< price signals: %, CNY, USD
};

struct Report {
    std::int64_t id = 0;
    std::int64_t author_id = 0;
    std::string customer_text;
    std::optional<std::int64_t> customer_id;
    std::optional<std::int64_t> engagement_id;
    std::string source = "line";  ///< line or dialog
    int version = 1;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::string text;  ///< of the latest version
    std::vector<ReportMention> mentions;
    std::string tags;  ///< space-separated, e.g. "rotation"
};

/// Which reports a query wants; unset fields match everything. The one definition of
/// which reports a listing shows and a count counts: `reports`, `intel` and the
/// dashboard's field figures all ask find() and count() with one of these.
struct ReportFilter {
    std::optional<std::int64_t> since_ms;  ///< filed at or after
    std::optional<std::int64_t> until_ms;  ///< filed before
    std::optional<std::int64_t> author_id;
    /// Written by one of these people (a view's people); an empty list matches nothing.
    std::optional<std::vector<std::int64_t>> author_ids;
    /// About this customer: filed for it or mentioning it (a report on one customer that
    /// names another counts for both).
    std::optional<std::int64_t> customer_id;
    std::optional<std::string> customer_text;   ///< as written (lower-cased), when unknown
    std::optional<std::string> competitor_key;  ///< mentioning this competitor
    int limit = 20;                             ///< negative: no limit
};

}  // namespace twintrack::store
