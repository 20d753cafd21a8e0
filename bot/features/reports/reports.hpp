#pragma once
// Field reports and competitive intelligence (issue 4): one-line reports filed in chat,
// understood (customers, competitors, price signals, needs), kept with their versions,
// and queried by period, person, customer and competitor.

#include "bot/feature.hpp"
#include "bot/features/reports/report_settings.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::reports {

/// Registers the report commands.
void register_reports(Engine& engine);

/// The reports feature: section `reports` (ReportSettings, report_settings.hpp),
/// migrations 0003, 0004 and 0005 (rotations). Reads customers through the Customers
/// service and adds the report windows to `rules`.
Feature feature();

}  // namespace twintrack::bot::reports
