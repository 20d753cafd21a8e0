#include "bot/features/social/social.hpp"

#include <algorithm>
#include <memory>

#include "bot/engine.hpp"
#include "bot/features/social/activity_stats.hpp"
#include "bot/features/social/common.hpp"

namespace twintrack::bot::social {
namespace {

/// Reads this engine's store, clock and settings (never another engine's).
class EngineActivityStats final : public ActivityStats {
  public:
    explicit EngineActivityStats(Engine& engine) : engine_(engine) {}

    std::int64_t coffee_pairs_met(std::int64_t from_ms, std::int64_t to_ms) override {
        return engine_.store().social().coffee_groups_met(from_ms, to_ms);
    }

    std::optional<BudgetUse> budget(std::int64_t quarter_from_ms,
                                    std::int64_t quarter_to_ms) override {
        BudgetUse use;
        for (const auto& [kind, amount] :
             engine_.settings().features.get<SocialSettings>().quarterly_budget) {
            use.planned += static_cast<double>(amount);
        }
        const std::int64_t now = core::to_millis(engine_.clock().now());
        for (const auto& t :
             engine_.store().social().cost_totals(quarter_from_ms, quarter_to_ms, now)) {
            use.spent += static_cast<double>(t.spent);
        }
        if (use.planned > 0 || use.spent > 0) return use;
        return std::nullopt;
    }

  private:
    Engine& engine_;
};

}  // namespace

void read_config(core::SectionReader& s, FeatureSettings& settings) {
    SocialSettings& social = settings.edit<SocialSettings>();
    const YAML::Node budget = s.node("budget");
    if (budget.IsDefined() && !budget.IsNull()) {
        if (!budget.IsMap()) {
            s.error("budget",
                    "must give an amount per quarter for each kind of activity, e.g. "
                    "{coffee: 2000, outing: 20000}");
        } else {
            core::SectionReader b(budget, s.path() + ".budget", s.errors());
            for (const auto& entry : budget) {
                const std::string kind = entry.first.Scalar();
                const bool word =
                    !kind.empty() && std::all_of(kind.begin(), kind.end(), [](char ch) {
                        return (ch >= 'a' && ch <= 'z') || ch == '_';
                    });
                if (!word) {
                    b.error(kind, "a kind of activity is one lower-case word, e.g. coffee");
                    b.node(kind);
                    continue;
                }
                if (auto v = b.integer(kind, 0, 1LL << 50)) social.quarterly_budget[kind] = *v;
            }
            b.finish();
        }
    }
    if (auto v = s.integer("coffee_cost_per_group", 0, 1LL << 40)) {
        social.coffee_cost_per_group = *v;
    }
    s.finish();
}

Feature feature() {
    return {"social", "social", read_config, {10}, [](Engine& engine, Services&) {
                register_social(engine);
            }};
}

void register_social(Engine& engine) {
    register_coffee(engine);
    register_trainings(engine);
    register_outings(engine);
    register_budget(engine);
    engine.services().provide<ActivityStats>(std::make_shared<EngineActivityStats>(engine));
}

}  // namespace twintrack::bot::social
