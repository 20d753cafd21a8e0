#pragma once
// Communication activities (issue 5, part B): cross-department coffee pairing, trainings
// with waiting lists and attendance, outings with a date poll and RSVPs, and the
// quarterly activity budget.

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::social {

/// Registers every social command, dialog and job on the engine.
void register_social(Engine& engine);

}  // namespace twintrack::bot::social
