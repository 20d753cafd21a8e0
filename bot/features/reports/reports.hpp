#pragma once
// Field reports and competitive intelligence (issue 4): one-line reports filed in chat,
// understood (customers, competitors, price signals, needs), kept with their versions,
// and queried by period, person, customer and competitor.

#include <memory>

#include "bot/feature.hpp"
#include "bot/features/reports/report_settings.hpp"
#include "bot/field_facts.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::store {
class Database;
}

namespace twintrack::bot::reports {

/// Registers the report commands.
void register_reports(Engine& engine);

/// The reports feature: section `reports` (ReportSettings, report_settings.hpp),
/// migrations 0003, 0004 and 0005 (rotations). Reads customers through the Customers
/// service and adds the report windows to `rules`. Its tables are its own (store/).
Feature feature();

/// The FieldFacts service (bot/field_facts.hpp) on the reports stored in `db` (which
/// outlives it): what the feature provides on its engine, for a store without one (the
/// scale benchmark's weekly metrics).
std::shared_ptr<FieldFacts> field_facts_on(store::Database& db);

}  // namespace twintrack::bot::reports
