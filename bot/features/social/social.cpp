#include "bot/features/social/social.hpp"

#include <algorithm>
#include <memory>

#include "bot/engine.hpp"
#include "bot/features/social/activity_figures.hpp"
#include "bot/features/social/activity_stats.hpp"
#include "bot/features/social/common.hpp"

namespace twintrack::bot::social {
namespace {

/// Reads this engine's store, clock and settings (never another engine's).
class EngineActivityStats final : public ActivityStats {
  public:
    explicit EngineActivityStats(Engine& engine) : engine_(engine) {}

    std::int64_t coffee_pairs_met(std::int64_t from_ms, std::int64_t to_ms) override {
        return SocialTable(engine_.store().db()).coffee_groups_met(from_ms, to_ms);
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
             SocialTable(engine_.store().db()).cost_totals(quarter_from_ms, quarter_to_ms, now)) {
            use.spent += static_cast<double>(t.spent);
        }
        if (use.planned > 0 || use.spent > 0) return use;
        return std::nullopt;
    }

    std::vector<BudgetLine> budget_by_kind(std::int64_t quarter_from_ms,
                                           std::int64_t quarter_to_ms) override {
        const std::int64_t now = core::to_millis(engine_.clock().now());
        return budget_lines(
            engine_.settings().features.get<SocialSettings>().quarterly_budget,
            SocialTable(engine_.store().db()).cost_totals(quarter_from_ms, quarter_to_ms, now));
    }

    std::vector<Activity> activities(std::int64_t from_ms, std::int64_t to_ms,
                                     const std::string& zone) override {
        std::vector<Activity> out;
        add_trainings(out, from_ms, to_ms);
        add_outings(out, from_ms, to_ms, zone);
        add_rounds(out, from_ms, to_ms);
        std::stable_sort(out.begin(), out.end(), [](const Activity& a, const Activity& b) {
            return a.starts_at < b.starts_at;
        });
        return out;
    }

  private:
    void add_trainings(std::vector<Activity>& out, std::int64_t from_ms, std::int64_t to_ms) {
        const SocialTable social(engine_.store().db());
        for (const auto& t : social.trainings_between(from_ms, to_ms)) {
            const SeatCount seats = seat_count(social.seats(t.id));
            Activity a;
            a.kind = "training";
            a.id = t.id;
            a.title = t.topic;
            a.starts_at = t.starts_at;
            a.status = t.status;
            a.capacity = t.capacity;
            a.registered = seats.registered;
            a.waiting = seats.waiting;
            a.attended = seats.attended;
            out.push_back(std::move(a));
        }
    }

    void add_outings(std::vector<Activity>& out, std::int64_t from_ms, std::int64_t to_ms,
                     const std::string& zone) {
        const SocialTable social(engine_.store().db());
        const auto day_of = [&](std::int64_t ms) {
            return date::format("%F", local_today(core::from_millis(ms), zone));
        };
        for (const auto& o : social.outings_on_days(day_of(from_ms), day_of(to_ms - 1))) {
            const RsvpCount answers = rsvp_count(social.rsvps(o.id));
            Activity a;
            a.kind = "outing";
            a.id = o.id;
            a.title = o.title;
            a.day = o.chosen_day.value_or(o.days.empty() ? std::string() : o.days.front());
            if (const auto ymd = parse_date(a.day)) {
                a.starts_at = local_instant(date::local_days{*ymd}, 0, zone).value_or(from_ms);
            }
            a.status = o.status;
            a.registered = answers.going;
            a.declined = answers.declined;
            a.voters = social.voter_count(o.id);
            out.push_back(std::move(a));
        }
    }

    void add_rounds(std::vector<Activity>& out, std::int64_t from_ms, std::int64_t to_ms) {
        const SocialTable social(engine_.store().db());
        const std::int64_t now = core::to_millis(engine_.clock().now());
        for (const auto& p : social.programmes_during(from_ms, to_ms)) {
            for (const auto& r : social.rounds_between(p.id, from_ms, to_ms)) {
                const store::social::CoffeeRoundStats s = social.round_stats(r.id);
                Activity a;
                a.kind = "coffee";
                a.id = r.id;
                a.starts_at = r.started_at;
                a.status = round_state(r, p, now);
                a.registered = s.groups;
                a.declined = s.skipped;
                a.attended = s.met_yes;
                a.left_department = p.left_department;
                a.right_department = p.right_department;
                a.round = r.number;
                a.stopped_at = p.stopped_at;
                out.push_back(std::move(a));
            }
        }
    }

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
    Feature f{"social", "social", read_config, {10, 19}, [](Engine& engine, Services&) {
                  register_social(engine);
              }};
    f.person_data = store::social::person_data;
    return f;
}

void register_social(Engine& engine) {
    register_coffee(engine);
    register_trainings(engine);
    register_outings(engine);
    register_budget(engine);
    engine.services().provide<ActivityStats>(std::make_shared<EngineActivityStats>(engine));
}

}  // namespace twintrack::bot::social
