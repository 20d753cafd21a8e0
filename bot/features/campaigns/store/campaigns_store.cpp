#include "bot/features/campaigns/store/campaigns_store.hpp"

#include <sstream>

namespace twintrack::store::campaigns {
namespace {

const char* const step_columns =
    "SELECT id, campaign_id, seq, name, owner_role, owner_id, days, sales_input, review, "
    "waits_for, starts_on, due_at, state, started_at, done_at, done_by FROM campaign_steps ";

std::string join_seqs(const std::vector<int>& seqs) {
    std::string out;
    for (int s : seqs) out += (out.empty() ? "" : ",") + std::to_string(s);
    return out;
}

std::vector<int> split_seqs(const std::string& text) {
    std::vector<int> out;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        if (!part.empty()) out.push_back(std::stoi(part));
    }
    return out;
}

CampaignStep step_of(const Row& r) {
    CampaignStep s;
    s.id = r.integer(0);
    s.campaign_id = r.integer(1);
    s.seq = static_cast<int>(r.integer(2));
    s.name = r.text(3);
    s.owner_role = r.text(4);
    s.owner_id = r.optional_integer(5);
    s.days = static_cast<int>(r.integer(6));
    s.sales_input = r.integer(7) != 0;
    s.review = r.integer(8) != 0;
    s.waits_for = split_seqs(r.text(9));
    s.starts_on = r.text(10);
    s.due_at = r.integer(11);
    s.state = r.text(12);
    s.started_at = r.optional_integer(13);
    s.done_at = r.optional_integer(14);
    s.done_by = r.optional_integer(15);
    return s;
}

CampaignPlan plan_of(const Row& r) {
    CampaignPlan p;
    p.campaign_id = r.integer(0);
    p.template_name = r.text(1);
    p.starts_on = r.text(2);
    p.planned_by = r.optional_integer(3);
    p.planned_at = r.integer(4);
    return p;
}

const char* const plan_columns =
    "SELECT campaign_id, template, starts_on, planned_by, planned_at FROM campaign_plans ";

}  // namespace

void CampaignStepRepository::create(const CampaignPlan& plan, std::vector<CampaignStep>& steps) {
    db_.execute(
        "INSERT INTO campaign_plans (campaign_id, template, starts_on, planned_by, planned_at) "
        "VALUES (?, ?, ?, ?, ?)",
        {plan.campaign_id, plan.template_name, plan.starts_on, nullable(plan.planned_by),
         plan.planned_at});
    for (auto& s : steps) {
        s.campaign_id = plan.campaign_id;
        s.id = db_.insert(
            "INSERT INTO campaign_steps (campaign_id, seq, name, owner_role, owner_id, days, "
            "sales_input, review, waits_for, starts_on, due_at, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {s.campaign_id, static_cast<std::int64_t>(s.seq), s.name, s.owner_role,
             nullable(s.owner_id), static_cast<std::int64_t>(s.days),
             static_cast<std::int64_t>(s.sales_input ? 1 : 0),
             static_cast<std::int64_t>(s.review ? 1 : 0), join_seqs(s.waits_for), s.starts_on,
             s.due_at, s.state});
    }
}

std::optional<CampaignPlan> CampaignStepRepository::plan(std::int64_t campaign_id) const {
    std::optional<CampaignPlan> out;
    db_.query(std::string(plan_columns) + "WHERE campaign_id = ?", {campaign_id},
              [&](const Row& r) { out = plan_of(r); });
    return out;
}

std::vector<CampaignPlan> CampaignStepRepository::plans() const {
    std::vector<CampaignPlan> out;
    db_.query(std::string(plan_columns) + "ORDER BY planned_at, campaign_id", {},
              [&](const Row& r) { out.push_back(plan_of(r)); });
    return out;
}

std::vector<CampaignStep> CampaignStepRepository::steps(std::int64_t campaign_id) const {
    std::vector<CampaignStep> out;
    db_.query(std::string(step_columns) + "WHERE campaign_id = ? ORDER BY seq", {campaign_id},
              [&](const Row& r) { out.push_back(step_of(r)); });
    return out;
}

std::optional<CampaignStep> CampaignStepRepository::step(std::int64_t id) const {
    std::optional<CampaignStep> out;
    db_.query(std::string(step_columns) + "WHERE id = ?", {id},
              [&](const Row& r) { out = step_of(r); });
    return out;
}

bool CampaignStepRepository::start(std::int64_t step_id, std::int64_t at) {
    return db_.execute(
               "UPDATE campaign_steps SET state = 'active', started_at = ? WHERE id = ? AND "
               "state = 'waiting'",
               {at, step_id}) > 0;
}

bool CampaignStepRepository::finish(std::int64_t step_id, std::int64_t by, std::int64_t at) {
    return db_.execute(
               "UPDATE campaign_steps SET state = 'done', done_at = ?, done_by = ?, "
               "started_at = coalesce(started_at, ?) WHERE id = ? AND state <> 'done'",
               {at, by, at, step_id}) > 0;
}

std::int64_t CampaignStepRepository::add_input(const StepInput& input) {
    return db_.insert(
        "INSERT INTO campaign_step_inputs (step_id, person_id, body, at) VALUES (?, ?, ?, ?)",
        {input.step_id, input.person_id, input.body, input.at});
}

std::vector<StepInput> CampaignStepRepository::inputs(std::int64_t step_id) const {
    std::vector<StepInput> out;
    db_.query(
        "SELECT id, step_id, person_id, body, at FROM campaign_step_inputs WHERE step_id = ? "
        "ORDER BY at, id",
        {step_id}, [&](const Row& r) {
            out.push_back({r.integer(0), r.integer(1), r.integer(2), r.text(3), r.integer(4)});
        });
    return out;
}

PersonDataPart person_data() {
    PersonDataPart part;
    part.exports = {
        {"campaign_steps",
         "SELECT campaign_id, seq, name, owner_role, due_at, state, done_at FROM campaign_steps "
         "WHERE owner_id = ?1 OR done_by = ?1 ORDER BY id"},
        {"campaign_step_inputs",
         "SELECT step_id, body, at FROM campaign_step_inputs WHERE person_id = ?1 ORDER BY id"},
    };
    part.scrubs = {
        "UPDATE campaign_step_inputs SET body = replace(body, ?1, ?2) WHERE instr(body, ?1) > 0",
    };
    return part;
}

}  // namespace twintrack::store::campaigns
