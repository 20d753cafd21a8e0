#pragma once
// Marketing process management, the pure parts (no store, no engine): the `campaigns:`
// settings with their process templates, the owner roles a step may name, the template
// check (unknown roles and steps, cycles) and the working-day schedule of a plan.

#include <date/date.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bot/feature_settings.hpp"

namespace twintrack::core {
class SectionReader;
}

namespace twintrack::bot::campaigns {

/// One step of a process template.
struct StepTemplate {
    std::string name;
    /// Who owns it: a department (`marketing`, `sales`, `hr`, `management`: someone in
    /// it) or a department's manager (`marketing_manager`, `sales_manager`, ...).
    std::string owner;
    int days = 1;              ///< working days (Monday to Friday)
    bool sales_input = false;  ///< sales is asked for input when it starts
    bool review = false;       ///< posts the campaign's figures when it starts
    /// The steps (by index) it starts after; none: at the plan's start.
    std::vector<std::size_t> after;
};

/// The `campaigns:` section.
struct CampaignSettings {
    /// Templates by name; `default` is used when `campaign plan` names none.
    std::map<std::string, std::vector<StepTemplate>> templates = {{"default", default_template()}};
    /// plan -> brief sales -> launch -> sales follow-up -> review.
    static std::vector<StepTemplate> default_template();
};

/// Every owner a step may name: the directory's departments, and each with `_manager`.
std::vector<std::string> owner_roles();

/// The department of an owner role (`sales_manager` -> `sales`), and whether a manager
/// of it is meant.
std::pair<std::string, bool> split_owner(const std::string& owner);

/// The steps of `steps` in an order where each comes after those it waits for; nothing
/// when they wait for each other in a cycle (then `cycle` names its steps in order).
std::optional<std::vector<std::size_t>> step_order(const std::vector<StepTemplate>& steps,
                                                   std::vector<std::string>* cycle = nullptr);

/// True on Monday to Friday.
bool working_day(date::sys_days day);
/// `day` when it is a working day, else the next one.
date::sys_days next_working_day(date::sys_days day);
/// The working day `n` working days after `day` (a working day); n = 0 is `day`.
date::sys_days add_working_days(date::sys_days day, int n);

/// The days of one planned step: its first and its last working day.
struct StepDays {
    date::sys_days first;
    date::sys_days last;
};

/// The working days of every step (index as in `steps`) of a plan starting on `start`:
/// a step without predecessors begins on the first working day from `start`, any other
/// on the working day after the last of the steps it waits for, and lasts its `days`.
/// `steps` must have no cycle (step_order).
std::vector<StepDays> schedule(const std::vector<StepTemplate>& steps, date::sys_days start);

/// Who owns a planned step: a person's id, working hours (minutes after local
/// midnight) and zone.
struct StepOwner {
    std::int64_t id = 0;
    int work_start = 9 * 60;
    int work_end = 18 * 60;
    std::string zone;
};

/// One step of a new plan, as `campaign plan` saves and schedules it.
struct PlannedStep {
    int seq = 0;  ///< 1, 2, ... as on the board
    std::string name;
    std::string owner_role;
    std::int64_t owner_id = 0;
    int days = 1;
    bool sales_input = false;
    bool review = false;
    std::vector<int> waits_for;  ///< the seq numbers it starts after
    std::string starts_on;       ///< YYYY-MM-DD
    std::int64_t due_at = 0;     ///< the end of the owner's last working day
    std::int64_t remind_at = 0;  ///< the start of the owner's last working day
    std::int64_t start_at = 0;   ///< the start of the owner's first working day
};

/// The steps of a plan of template `steps` starting on `start`, owned by `owners` (one for
/// each step, in order): their days (schedule), deadlines, reminders and starts in each
/// owner's hours and zone.
std::vector<PlannedStep> plan_steps(const std::vector<StepTemplate>& steps, date::sys_days start,
                                    const std::vector<StepOwner>& owners);

/// `campaigns: {templates: {NAME: [{name, owner, days, sales_input, review, after}]}}`:
/// every problem (unknown owner role, unknown step in `after`, a cycle, a step named
/// twice, no review step twice) reported with its line.
void read_config(core::SectionReader& section, FeatureSettings& settings);

}  // namespace twintrack::bot::campaigns
