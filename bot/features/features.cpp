#include "bot/features.hpp"

#include "bot/builtins.hpp"
#include "bot/engine.hpp"
#include "bot/features/engagements/engagements.hpp"
#include "bot/features/meetings/meetings.hpp"
#include "bot/features/metrics/metrics.hpp"
#include "bot/features/metrics/metrics_calc.hpp"
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
    // The joint numbers of the weekly metrics that other features count: recurring joint
    // meetings held, coffee groups that met, and the activity budget of the quarter the
    // week falls in (planned: the configured budget; spent: what took place so far).
    const BotSettings settings = engine.settings();
    const core::Clock& clock = engine.clock();
    metrics::set_joint_activity_provider([settings, &clock](store::Store& store,
                                                            const metrics::Period& period) {
        metrics::JointActivity a;
        a.joint_meetings_held = store.meetings().joint_meetings_held(period.from, period.to);
        a.coffee_pairs_met = store.social().coffee_groups_met(period.from, period.to);
        const auto quarter =
            metrics::quarter_of(core::from_millis(period.from), settings.company_timezone);
        double budget = 0;
        for (const auto& [kind, amount] : settings.social.quarterly_budget) budget += amount;
        double spent = 0;
        for (const auto& t :
             store.social().cost_totals(quarter.from, quarter.to, core::to_millis(clock.now()))) {
            spent += static_cast<double>(t.spent);
        }
        if (budget > 0 || spent > 0) {
            a.budget_planned = budget;
            a.budget_spent = spent;
        }
        return a;
    });
}

}  // namespace twintrack::bot
