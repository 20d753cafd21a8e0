#pragma once
// Report windows (issue 4): when each department is asked for its weekly field report,
// computed in each person's own zone. The work is rows in the job queue: a daily plan
// schedules, per person and window occurrence, the opening question and the reminder at
// 80 % of the window, each with a unique key so a restart never sends twice.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bot/features/reports/report_settings.hpp"
#include "bot/settings.hpp"
#include "core/types.hpp"
#include "store/report_records.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::reports {

/// One occurrence of a weekly window in one zone.
struct WindowOccurrence {
    core::Timestamp opens;
    core::Timestamp closes;
    std::string date;  ///< the local date it opens, YYYY-MM-DD
};

/// The occurrences of `window` in `zone` (UTC when unknown) that open in [from, to),
/// oldest first. Local times skipped by a daylight-saving change move to its end.
std::vector<WindowOccurrence> window_occurrences(const ReportWindowSetting& window,
                                                 const std::string& zone, core::Timestamp from,
                                                 core::Timestamp to);

/// When 80 % of the occurrence has passed.
core::Timestamp reminder_at(const WindowOccurrence& occurrence);

/// What a window's digest counts (pure): this period's reports, the competitors they
/// mention with the count of the period before, the needs by how often.
struct DigestCounts {
    struct Competitor {
        std::string name;
        std::int64_t count = 0;     ///< this period
        std::int64_t previous = 0;  ///< the period before; 0: new
    };
    std::vector<store::Report> current;   ///< this period's, oldest first
    std::vector<Competitor> competitors;  ///< most mentioned first (by name when equal);
                                          ///< ones mentioned only before count 0
    std::map<std::string, std::int64_t> needs;
};
/// Counts `reports` (newest first, as the store finds them since the previous period
/// began): those created in [start_ms, closes_ms) are this period's, those before
/// `start_ms` the previous period's; later ones are left out.
DigestCounts count_digest(std::vector<store::Report> reports, std::int64_t start_ms,
                          std::int64_t closes_ms);

/// Registers the window jobs and schedules today's plan (once per UTC day).
void register_windows(Engine& engine);

}  // namespace twintrack::bot::reports
