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

const std::vector<Feature>& all_features() {
    // Reports, meetings and metrics still read their settings from BotSettings (their
    // sections are read by app/config.cpp): no read_config here yet.
    static const std::vector<Feature> all = {
        engagements::feature(),
        {"reports",
         "",
         nullptr,
         {3, 4, 5},
         [](Engine& engine, Services&) { reports::register_reports(engine); }},
        {"meetings",
         "",
         nullptr,
         {7},
         [](Engine& engine, Services&) { meetings::register_meetings(engine); }},
        tone::feature(),
        social::feature(),
        {"metrics",
         "",
         nullptr,
         {8},
         [](Engine& engine, Services&) { metrics::register_metrics(engine); }},
    };
    return all;
}

void register_features(Engine& engine) {
    register_builtins(engine);
    register_sign_in(engine);
    for (const Feature& feature : all_features()) feature.register_on(engine, engine.services());
    register_retention(engine);
    register_welcome(engine);
}

}  // namespace twintrack::bot
