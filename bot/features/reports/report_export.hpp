#pragma once
// Field reports as CSV, for spreadsheets and the 3-1-3 plan: one row per report, its
// latest text, and what was understood from it.

#include <ostream>

#include "bot/directory.hpp"
#include "bot/features/reports/store/reports_store.hpp"

namespace twintrack::bot::reports {

/// Writes every report, oldest first, with the header
/// id,filed_at_utc,author,author_email,customer,engagement_id,version,text,competitors,
/// price_signals,needs,help_wanted,tags. Returns the number of reports written.
std::size_t write_reports_csv(const store::reports::ReportRepository& reports,
                              const Directory& directory, std::ostream& out);

}  // namespace twintrack::bot::reports
