#pragma once
// The reports feature's tables (reports, report_versions, report_mentions, report_pauses,
// report_digests, report_digest_items; migrations bot/features/reports/migrations/0003 and
// 0004, the reports' column and index of store/migrations/0005, and the PostgreSQL twins):
// the feature's own store part (target twintrack_feature_reports_store, linking only the
// store layer, nothing from bot/). The feature's commands open it on the turn's store
// (Turn::read_table, write_table); other features read reports through its services
// (bot/report_texts.hpp, bot/field_facts.hpp), with the records of store/report_records.hpp.
//
// Field reports: reports with every version of their text, the facts extracted from the
// latest version (mentions), report pauses and the digests sent. Keys (lower-cased
// values) are computed by the caller.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/person_data.hpp"
#include "store/report_records.hpp"

namespace twintrack::store::reports {

/// One version of a report's text.
struct ReportVersion {
    int version = 0;
    std::string text;
    std::string answers;  ///< JSON
    std::optional<std::int64_t> edited_by;
    std::int64_t created_at = 0;
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

    /// Retention: deletes the reports filed before `before_ms` with their versions,
    /// extractions and digest entries; returns how many reports.
    int delete_filed_before(std::int64_t before_ms);

  private:
    void add_mentions(std::int64_t report_id, const std::vector<ReportMention>& mentions);
    std::vector<ReportMention> mentions(std::int64_t report_id) const;
    Database& db_;
};

/// The feature's part of a person's data (`person export`, `person erase`): the reports
/// they filed, the versions they wrote or edited, their report pause and the rotation
/// rounds they went on or hosted (rotations_store.hpp); erase deletes the pause and
/// rewrites their name and email in the reports' texts and extractions.
PersonDataPart person_data();

}  // namespace twintrack::store::reports
