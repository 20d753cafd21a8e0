#pragma once
// Report windows (issue 4): when each department is asked for its weekly field report,
// computed in each person's own zone. The work is rows in the job queue: a daily plan
// schedules, per person and window occurrence, the opening question and the reminder at
// 80 % of the window, each with a unique key so a restart never sends twice.

#include <string>
#include <vector>

#include "bot/features/reports/report_settings.hpp"
#include "bot/settings.hpp"
#include "core/types.hpp"

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

/// Registers the window jobs and schedules today's plan (once per UTC day).
void register_windows(Engine& engine);

}  // namespace twintrack::bot::reports
