// The activity budget: per quarter and kind of activity, what config allows, what the
// activities planned in the quarter cost and what has been spent (activities that have
// taken place).

#include <algorithm>
#include <map>
#include <set>

#include "bot/engine.hpp"
#include "bot/features/social/activity_figures.hpp"
#include "bot/features/social/common.hpp"
#include "bot/features/social/social.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::social {
namespace {

using nlohmann::json;

struct Quarter {
    int year = 0;
    unsigned number = 1;  ///< 1-4
};

date::local_days quarter_start(const Quarter& q) {
    return date::local_days{date::year{q.year} / date::month{q.number * 3 - 2} / 1};
}

void show_budget(Turn& turn, const CommandArgs& args) {
    const std::string zone = turn.engine().settings().company_timezone;
    const date::year_month_day today{local_today(turn.now(), zone)};
    Quarter q{static_cast<int>(today.year()), (static_cast<unsigned>(today.month()) + 2) / 3};
    // Declared Arg::quarter: read (and a bad one answered) by the argument parser.
    if (const auto asked = args.parsed.quarter("quarter")) {
        q = Quarter{asked->year, static_cast<unsigned>(asked->q)};
    }
    const date::local_days from = quarter_start(q);
    const date::local_days to = date::local_days{date::year_month_day{from} + date::months{3}};
    const std::int64_t from_ms = local_instant(from, 0, zone).value_or(0);
    const std::int64_t to_ms = local_instant(to, 0, zone).value_or(0);

    const auto& configured =
        turn.engine().settings().features.get<SocialSettings>().quarterly_budget;
    const auto lines = budget_lines(
        configured, turn.read_table<SocialTable>().cost_totals(from_ms, to_ms, now_ms(turn)));
    const auto keys = turn.engine().prompts().keys(turn.locale());
    const std::set<std::string> known(keys.begin(), keys.end());

    json rows = json::array();
    long long sum_budget = 0, sum_planned = 0, sum_spent = 0;
    for (const BudgetLine& line : lines) {
        const long long budget = line.budget;
        const long long planned = line.planned;
        const long long spent = line.spent;
        const std::string key = "social.kind_" + line.kind;
        rows.push_back({{"kind", known.count(key) ? turn.text(key) : line.kind},
                        {"budget", budget},
                        {"planned", planned},
                        {"spent", spent},
                        {"left", budget - planned},
                        {"over", planned > budget},
                        {"over_by", planned - budget}});
        sum_budget += budget;
        sum_planned += planned;
        sum_spent += spent;
    }
    turn.reply("social.budget",
               {{"quarter", std::to_string(q.year) + "Q" + std::to_string(q.number)},
                {"currency", turn.engine().settings().rules.currency},
                {"rows", rows},
                {"has_rows", !rows.empty()},
                {"budget", sum_budget},
                {"planned", sum_planned},
                {"spent", sum_spent},
                {"left", sum_budget - sum_planned}});
}

}  // namespace

void register_budget(Engine& engine) {
    engine.router().add(CommandSpec("budget", show_budget)
                            .roles(organiser_roles())
                            .arg(Arg::quarter("quarter").optional()));
}

}  // namespace twintrack::bot::social
