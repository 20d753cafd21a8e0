#pragma once
// Field reports: reports with every version of their text, the facts extracted from the
// latest version (mentions), and report pauses. Keys (lower-cased values) are computed
// by the caller.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

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

struct ReportVersion {
    int version = 0;
    std::string text;
    std::string answers;  ///< JSON
    std::optional<std::int64_t> edited_by;
    std::int64_t created_at = 0;
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

struct ReportPause {
    std::int64_t person_id = 0;
    std::string until_date;
    std::int64_t until_at = 0;
};

/// A digest sent when a department's report window closed.
struct ReportDigest {
    std::string key;  ///< unique: department and the window's opening date
    std::string department;
    std::int64_t period_start = 0;
    std::int64_t period_end = 0;
    std::int64_t sent_at = 0;
};

/// A report and one of its versions.
struct ReportVersionRef {
    std::int64_t report_id = 0;
    int version = 0;
};

class ReportRepository {
  public:
    explicit ReportRepository(Database& db) : db_(db) {}

    /// Stores a report as version 1 with its text and mentions; returns its id.
    std::int64_t create(const Report& report, const std::string& answers_json = "{}");
    /// Files a report that named an unknown customer under a known one (its unresolved
    /// customer mentions too).
    void set_customer(std::int64_t report_id, const std::string& customer_text,
                      std::int64_t customer_id, std::optional<std::int64_t> engagement_id);
    /// Adds the next version and replaces the mentions; returns the new version number.
    int add_version(std::int64_t report_id, const std::string& text,
                    const std::string& answers_json, std::int64_t edited_by, std::int64_t now_ms,
                    const std::vector<ReportMention>& mentions);

    /// The report with the text of its latest version and its mentions.
    std::optional<Report> get(std::int64_t id) const;
    /// Every version, oldest first.
    std::vector<ReportVersion> versions(std::int64_t report_id) const;
    /// Matching reports, newest first, at most `filter.limit`.
    std::vector<Report> find(const ReportFilter& filter) const;
    /// How many reports match (ignoring the limit).
    std::int64_t count(const ReportFilter& filter) const;

    void set_pause(const ReportPause& pause, std::int64_t now_ms);
    std::optional<ReportPause> pause(std::int64_t person_id) const;

    /// Records a digest and the report versions it covered. False (and nothing stored)
    /// when a digest with the same key was recorded before.
    bool add_digest(const ReportDigest& digest, const std::vector<ReportVersionRef>& covered);
    /// Reports an earlier digest covered that were edited since, with their latest
    /// version, by id.
    std::vector<ReportVersionRef> edited_after_digest() const;

  private:
    void add_mentions(std::int64_t report_id, const std::vector<ReportMention>& mentions);
    std::vector<ReportMention> mentions(std::int64_t report_id) const;
    Database& db_;
};

}  // namespace twintrack::store
