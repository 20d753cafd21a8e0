#include "bot/features.hpp"

#include "bot/builtins.hpp"
#include "bot/features/engagements/engagements.hpp"
#include "bot/features/meetings/meetings.hpp"
#include "bot/features/reports/reports.hpp"
#include "bot/features/tone/tone.hpp"

namespace twintrack::bot {

void register_features(Engine& engine) {
    register_builtins(engine);
    engagements::register_engagements(engine);
    reports::register_reports(engine);
    meetings::register_meetings(engine);
    tone::register_tone(engine);
}

}  // namespace twintrack::bot
