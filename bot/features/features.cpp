#include "bot/features.hpp"

#include "bot/builtins.hpp"
#include "bot/engine.hpp"
#include "bot/features/engagements/engagements.hpp"
#include "bot/features/meetings/meetings.hpp"
#include "bot/features/metrics/metrics.hpp"
#include "bot/features/reports/reports.hpp"
#include "bot/features/social/social.hpp"
#include "bot/features/tone/tone.hpp"
#include "bot/retention.hpp"
#include "bot/sign_in.hpp"
#include "bot/welcome.hpp"

namespace twintrack::bot {

void register_features(Engine& engine) {
    register_builtins(engine);
    register_sign_in(engine);
    engagements::register_engagements(engine);
    reports::register_reports(engine);
    meetings::register_meetings(engine);
    tone::register_tone(engine);
    social::register_social(engine);
    metrics::register_metrics(engine);
    register_retention(engine);
    register_welcome(engine);
}

}  // namespace twintrack::bot
