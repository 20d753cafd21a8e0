#pragma once
// The dashboard's data (docs/DASHBOARD.md): GET /api/v1/dashboard/{page}, answered from
// the same computation as the `metrics` command and the weekly post.

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::metrics {

/// Registers GET /api/v1/dashboard/{metrics,activities,engagements,intel}.
void register_dashboard(Engine& engine);

}  // namespace twintrack::bot::metrics
