#pragma once
// Field reports and competitive intelligence (issue 4): one-line reports filed in chat,
// understood (customers, competitors, price signals, needs), kept with their versions,
// and queried by period, person, customer and competitor.

#include "bot/feature.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::reports {

/// Registers the report commands.
void register_reports(Engine& engine);

/// The reports feature: migrations 0003, 0004 and 0005 (rotations). Its settings are
/// still `BotSettings::reports`, read by app/config.cpp (not moved yet).
Feature feature();

}  // namespace twintrack::bot::reports
