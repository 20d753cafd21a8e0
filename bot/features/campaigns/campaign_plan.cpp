#include "bot/features/campaigns/campaign_plan.hpp"

#include <date/tz.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <set>

#include "bot/directory.hpp"
#include "bot/local_time.hpp"
#include "core/text.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::bot::campaigns {

std::vector<StepTemplate> CampaignSettings::default_template() {
    std::vector<StepTemplate> t = {
        {"plan", "marketing", 3, false, false, {}},
        {"brief sales", "marketing", 2, true, false, {0}},
        {"launch", "marketing", 5, false, false, {1}},
        {"sales follow-up", "sales_manager", 10, true, false, {2}},
        {"review", "marketing_manager", 2, false, true, {3}},
    };
    return t;
}

std::vector<std::string> owner_roles() {
    std::vector<std::string> out = departments();
    for (const auto& d : departments()) out.push_back(d + "_manager");
    return out;
}

std::pair<std::string, bool> split_owner(const std::string& owner) {
    const std::string suffix = "_manager";
    if (owner.size() > suffix.size() &&
        owner.compare(owner.size() - suffix.size(), suffix.size(), suffix) == 0) {
        return {owner.substr(0, owner.size() - suffix.size()), true};
    }
    return {owner, false};
}

std::optional<std::vector<std::size_t>> step_order(const std::vector<StepTemplate>& steps,
                                                   std::vector<std::string>* cycle) {
    // Depth first: 0 unseen, 1 on the path, 2 done.
    std::vector<int> mark(steps.size(), 0);
    std::vector<std::size_t> order, path;
    bool found = false;
    std::function<void(std::size_t)> visit = [&](std::size_t i) {
        if (found || mark[i] == 2) return;
        if (mark[i] == 1) {
            found = true;
            if (cycle != nullptr) {
                cycle->clear();
                auto from = std::find(path.begin(), path.end(), i);
                for (auto it = from; it != path.end(); ++it) cycle->push_back(steps[*it].name);
                cycle->push_back(steps[i].name);
            }
            return;
        }
        mark[i] = 1;
        path.push_back(i);
        for (std::size_t before : steps[i].after) {
            if (before < steps.size()) visit(before);
        }
        path.pop_back();
        mark[i] = 2;
        order.push_back(i);
    };
    for (std::size_t i = 0; i < steps.size() && !found; ++i) visit(i);
    if (found) return std::nullopt;
    return order;
}

bool working_day(date::sys_days day) {
    const date::weekday w{day};
    return w != date::Saturday && w != date::Sunday;
}

date::sys_days next_working_day(date::sys_days day) {
    while (!working_day(day)) day += date::days(1);
    return day;
}

date::sys_days add_working_days(date::sys_days day, int n) {
    day = next_working_day(day);
    for (int i = 0; i < n; ++i) day = next_working_day(day + date::days(1));
    return day;
}

std::vector<StepDays> schedule(const std::vector<StepTemplate>& steps, date::sys_days start) {
    std::vector<StepDays> out(steps.size(), {start, start});
    const auto order = step_order(steps);
    if (!order) return out;
    for (std::size_t i : *order) {
        date::sys_days first = next_working_day(start);
        for (std::size_t before : steps[i].after) {
            if (before < steps.size()) {
                first = std::max(first, next_working_day(out[before].last + date::days(1)));
            }
        }
        out[i] = {first, add_working_days(first, std::max(1, steps[i].days) - 1)};
    }
    return out;
}

namespace {

/// One template: a list of steps, each a mapping.
std::optional<std::vector<StepTemplate>> read_template(const YAML::Node& list,
                                                       const std::string& path,
                                                       core::ConfigErrors& errors) {
    if (!list.IsSequence() || list.size() == 0) {
        errors.add(list, path + " must be a list of steps, each {name, owner, days}");
        return std::nullopt;
    }
    const auto roles = owner_roles();
    std::vector<StepTemplate> steps;
    std::vector<std::vector<std::string>> after_names;
    std::vector<bool> after_given;
    std::vector<YAML::Node> nodes;
    bool ok = true;
    std::set<std::string> names;
    int reviews = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const YAML::Node node = list[i];
        core::SectionReader s(node, path + "[" + std::to_string(i) + "]", errors);
        StepTemplate step;
        if (auto v = s.string("name", true)) step.name = std::string(core::trim(*v));
        if (s.valid() && step.name.empty()) ok = false;
        if (!step.name.empty() && !names.insert(core::ascii_lower(step.name)).second) {
            s.error("name", "step \"" + step.name + "\" is named twice");
            ok = false;
        }
        if (auto v = s.string("owner", true)) {
            step.owner = core::ascii_lower(std::string(core::trim(*v)));
            if (std::find(roles.begin(), roles.end(), step.owner) == roles.end()) {
                s.error("owner", "unknown role \"" + *v + "\"; known: " + core::join(roles, ", "));
                ok = false;
            }
        } else {
            ok = false;
        }
        if (auto v = s.integer("days", 1, 250, true)) {
            step.days = static_cast<int>(*v);
        } else {
            ok = false;
        }
        if (auto v = s.boolean("sales_input")) step.sales_input = *v;
        if (auto v = s.boolean("review")) step.review = *v;
        if (step.review) ++reviews;
        after_given.push_back(s.has("after"));
        after_names.push_back(s.word_list("after", "step names"));
        nodes.push_back(s.valid() && node["after"].IsDefined() ? node["after"] : node);
        s.finish();
        if (!s.valid()) ok = false;
        steps.push_back(step);
    }
    if (reviews > 1) {
        errors.add(list, path + ": only one step may be the review (review: true)");
        ok = false;
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (!after_given[i]) {
            // Without `after`, a step follows the one before it.
            if (i > 0) steps[i].after = {i - 1};
            continue;
        }
        for (const auto& name : after_names[i]) {
            const auto it = std::find_if(steps.begin(), steps.end(), [&](const StepTemplate& t) {
                return core::ascii_lower(t.name) == core::ascii_lower(name);
            });
            if (it == steps.end()) {
                errors.add(nodes[i], path + "[" + std::to_string(i) + "].after: unknown step \"" +
                                         name + "\"");
                ok = false;
                continue;
            }
            steps[i].after.push_back(static_cast<std::size_t>(it - steps.begin()));
        }
    }
    if (!ok) return std::nullopt;
    std::vector<std::string> cycle;
    if (!step_order(steps, &cycle)) {
        errors.add(list, path + ": the steps wait for each other in a cycle: " +
                             core::join(cycle, " -> "));
        return std::nullopt;
    }
    return steps;
}

}  // namespace

void read_config(core::SectionReader& s, FeatureSettings& settings) {
    CampaignSettings& c = settings.edit<CampaignSettings>();
    const YAML::Node templates = s.node("templates");
    if (templates.IsDefined() && !templates.IsNull()) {
        if (!templates.IsMap()) {
            s.error("templates", "must map template names to lists of steps");
        } else {
            for (const auto& kv : templates) {
                const std::string name = core::ascii_lower(kv.first.Scalar());
                auto steps = read_template(kv.second, s.path() + ".templates." + name, s.errors());
                if (steps) c.templates[name] = std::move(*steps);
            }
        }
    }
    s.finish();
}

std::vector<PlannedStep> plan_steps(const std::vector<StepTemplate>& steps, date::sys_days start,
                                    const std::vector<StepOwner>& owners) {
    // Minute `minute` of local day `day` in `zone` (the earlier of an hour that repeats).
    auto instant = [](date::sys_days day, int minute, const std::string& zone) {
        const date::local_days local{day.time_since_epoch()};
        const auto at =
            zone_or_utc(zone)->to_sys(local + std::chrono::minutes(minute), date::choose::earliest);
        return core::to_millis(std::chrono::time_point_cast<std::chrono::milliseconds>(at));
    };
    const auto days = schedule(steps, start);
    std::vector<PlannedStep> out;
    for (std::size_t i = 0; i < steps.size() && i < owners.size(); ++i) {
        const StepOwner& o = owners[i];
        PlannedStep s;
        s.seq = static_cast<int>(i) + 1;
        s.name = steps[i].name;
        s.owner_role = steps[i].owner;
        s.owner_id = o.id;
        s.days = steps[i].days;
        s.sales_input = steps[i].sales_input;
        s.review = steps[i].review;
        for (std::size_t before : steps[i].after)
            s.waits_for.push_back(static_cast<int>(before) + 1);
        s.starts_on = date::format("%F", days[i].first);
        s.due_at = instant(days[i].last, o.work_end, o.zone);
        s.remind_at = instant(days[i].last, o.work_start, o.zone);
        s.start_at = instant(days[i].first, o.work_start, o.zone);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace twintrack::bot::campaigns
