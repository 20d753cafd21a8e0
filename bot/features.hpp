#pragma once
// Every feature's commands, dialogs and jobs, registered on an engine. The program and
// TestBot both call this, so a feature added here is live everywhere.

namespace twintrack::bot {

class Engine;

void register_features(Engine& engine);

}  // namespace twintrack::bot
