#pragma once
// Field reports and competitive intelligence (issue 4): one-line reports filed in chat,
// understood (customers, competitors, price signals, needs), kept with their versions,
// and queried by period, person, customer and competitor.

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::reports {

/// Registers the report commands.
void register_reports(Engine& engine);

}  // namespace twintrack::bot::reports
