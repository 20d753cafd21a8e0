#include "bot/features.hpp"

#include "bot/builtins.hpp"
#include "bot/engine.hpp"
#include "bot/features/bridge/bridge.hpp"
#include "bot/features/campaigns/campaigns.hpp"
#include "bot/features/engagements/engagements.hpp"
#include "bot/features/kit/kit.hpp"
#include "bot/features/meetings/meetings.hpp"
#include "bot/features/metrics/metrics.hpp"
#include "bot/features/plan/plan.hpp"
#include "bot/features/reports/reports.hpp"
#include "bot/features/rules/rules.hpp"
#include "bot/features/social/social.hpp"
#include "bot/features/thanks/thanks.hpp"
#include "bot/features/tone/tone.hpp"
#include "bot/retention.hpp"
#include "bot/sign_in.hpp"
#include "bot/welcome.hpp"

namespace twintrack::bot {

const std::vector<Feature>& all_features() {
    // One line per feature, in the order they register. Each folder bot/features/NAME/
    // is built without a line elsewhere (bot/features/CMakeLists.txt), and a test checks
    // that every folder has its line here and every line its folder.
    static const std::vector<Feature> all = {
        engagements::feature(),  //
        reports::feature(),      //
        meetings::feature(),     //
        tone::feature(),         //
        social::feature(),       //
        metrics::feature(),      //
        kit::feature(),          //
        rules::feature(),        // no section: reads rules.notes of the engine's `rules:`
        campaigns::feature(),    //
        plan::feature(),         //
        bridge::feature(),       // `bridge:` is read once the connectors are known
        thanks::feature(),       //
    };
    return all;
}

std::vector<store::PersonDataPart> person_data_parts() {
    std::vector<store::PersonDataPart> out;
    for (const Feature& feature : all_features()) {
        if (feature.person_data) out.push_back(feature.person_data());
    }
    return out;
}

void register_features(Engine& engine) {
    register_builtins(engine);
    register_sign_in(engine);
    for (const Feature& feature : all_features()) feature.register_on(engine, engine.services());
    register_retention(engine, person_data_parts());
    register_welcome(engine);
}

}  // namespace twintrack::bot
