#pragma once
// The tables of campaigns planned as processes (campaign_plans, campaign_steps,
// campaign_step_inputs; migration bot/features/campaigns/migrations/0025_campaign_steps.sql and the
// PostgreSQL twin): the campaigns feature's own store part (target
// twintrack_feature_campaigns_store, linking only the store layer, nothing from bot/). The
// campaigns themselves are the metrics feature's (CampaignResults, bot/campaign_results.hpp).
// The feature's commands open it on the turn's store (Turn::read_table, write_table).
//
// Marketing process management: a metrics campaign (`campaigns`) planned as steps from a
// template, each with an owner, a due time and a state, and the input sales gave on the
// steps that ask for it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/person_data.hpp"

namespace twintrack::store::campaigns {

struct CampaignPlan {
    std::int64_t campaign_id = 0;
    std::string template_name;
    std::string starts_on;  ///< YYYY-MM-DD
    std::optional<std::int64_t> planned_by;
    std::int64_t planned_at = 0;
};

struct CampaignStep {
    std::int64_t id = 0;
    std::int64_t campaign_id = 0;
    int seq = 0;  ///< 1, 2, ... as on the board
    std::string name;
    std::string owner_role;
    std::optional<std::int64_t> owner_id;
    int days = 1;
    bool sales_input = false;
    bool review = false;
    std::vector<int> waits_for;  ///< the seq numbers this step starts after
    std::string starts_on;       ///< YYYY-MM-DD as planned
    std::int64_t due_at = 0;
    std::string state = "waiting";  ///< waiting, active, done
    std::optional<std::int64_t> started_at;
    std::optional<std::int64_t> done_at;
    std::optional<std::int64_t> done_by;
};

struct StepInput {
    std::int64_t id = 0;
    std::int64_t step_id = 0;
    std::int64_t person_id = 0;
    std::string body;
    std::int64_t at = 0;
};

class CampaignStepRepository {
  public:
    explicit CampaignStepRepository(Database& db) : db_(db) {}

    /// Keeps the plan and its steps (ids filled in). Throws UniqueViolation when the
    /// campaign is planned already.
    void create(const CampaignPlan& plan, std::vector<CampaignStep>& steps);
    std::optional<CampaignPlan> plan(std::int64_t campaign_id) const;
    std::vector<CampaignPlan> plans() const;
    /// A campaign's steps by seq.
    std::vector<CampaignStep> steps(std::int64_t campaign_id) const;
    std::optional<CampaignStep> step(std::int64_t id) const;
    /// waiting -> active; false when the step was not waiting.
    bool start(std::int64_t step_id, std::int64_t at);
    /// -> done; false when it was done already.
    bool finish(std::int64_t step_id, std::int64_t by, std::int64_t at);
    std::int64_t add_input(const StepInput& input);
    /// A step's inputs, oldest first.
    std::vector<StepInput> inputs(std::int64_t step_id) const;

  private:
    Database& db_;
};

/// The feature's part of a person's data (`person export`, `person erase`): the campaign steps they
/// own or marked done and their input on steps; on erase their name is rewritten in every input.
PersonDataPart person_data();

}  // namespace twintrack::store::campaigns
