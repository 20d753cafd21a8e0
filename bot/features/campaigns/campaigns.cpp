#include "bot/features/campaigns/campaigns.hpp"

#include <date/tz.h>

#include <algorithm>
#include <optional>
#include <set>

#include "bot/campaign_results.hpp"
#include "bot/customers.hpp"
#include "bot/engine.hpp"
#include "bot/features/campaigns/store/campaigns_store.hpp"
#include "bot/local_time.hpp"
#include "bot/name_key.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::campaigns {
namespace {

using nlohmann::json;
using store::campaigns::CampaignStep;
using StepTable = store::campaigns::CampaignStepRepository;

const char* const start_job = "campaigns.start";
const char* const remind_job = "campaigns.remind";
const std::size_t max_input_bytes = 2000;

std::int64_t now_ms(const Turn& turn) { return core::to_millis(turn.now()); }

const CampaignSettings& settings_of(const Engine& engine) {
    return engine.settings().features.get<CampaignSettings>();
}

std::string zone_of(const Engine& engine, const Person* p) {
    return p != nullptr && !p->timezone.empty() ? p->timezone : engine.settings().company_timezone;
}

date::sys_days local_today(core::Timestamp now, const std::string& zone) {
    const auto local = date::floor<date::days>(zone_or_utc(zone)->to_local(now));
    return date::sys_days{local.time_since_epoch()};
}

std::string name_of(const Engine& engine, std::optional<std::int64_t> id) {
    if (!id) return "-";
    const Person* p = engine.directory().by_id(*id);
    return p ? p->name : "#" + std::to_string(*id);
}

bool is_admin(const Person& p) { return p.role == "admin"; }

/// Marketing, managers and admins plan campaigns (as they create them in the metrics).
bool plans(const Person& p) {
    return p.department == "marketing" || p.role == "manager" || is_admin(p);
}

/// Whether `p` holds an owner role: a department's member, or its manager.
bool holds(const Person& p, const std::string& role) {
    const auto [department, manager] = split_owner(role);
    return p.department == department && (!manager || p.role == "manager");
}

/// Who may mark a step done: its owner, anyone holding its owner role, a manager of the
/// owner role's department, and admins.
bool may_finish(const Person& p, const CampaignStep& step) {
    if (is_admin(p) || (step.owner_id && *step.owner_id == p.id)) return true;
    const std::string department = split_owner(step.owner_role).first;
    return holds(p, step.owner_role) || (p.department == department && p.role == "manager");
}

/// The person who owns a step of the role `role` in a campaign `planner` plans: the
/// planner when they hold it, else the department's first manager, else (a department
/// role) its first member.
const Person* pick_owner(const Engine& engine, const std::string& role, const Person& planner) {
    if (holds(planner, role)) return &planner;
    const auto [department, manager] = split_owner(role);
    const auto managers = engine.directory().managers_of(department);
    if (!managers.empty()) return managers.front();
    if (manager) return nullptr;
    for (const auto& p : engine.directory().all()) {
        if (p.department == department) return &p;
    }
    return nullptr;
}

/// The role as the reader says it: "sales manager" / "销售部经理".
std::string role_text(Turn& turn, const std::string& role) {
    const auto [department, manager] = split_owner(role);
    return turn.text(manager ? "campaigns.role_manager" : "campaigns.role_department",
                     {{"department", turn.text("core.department." + department)}});
}

std::string role_text(const Engine& engine, const std::string& locale, const std::string& role) {
    const auto [department, manager] = split_owner(role);
    return engine.prompts().render(
        locale, manager ? "campaigns.role_manager" : "campaigns.role_department",
        {{"department", engine.prompts().render(locale, "core.department." + department)}});
}

/// The metrics feature's campaigns (CampaignResults); none when it is not registered.
std::vector<Campaign> all_campaigns(Turn& turn) {
    turn.read();
    const auto* results = turn.engine().services().find<CampaignResults>();
    return results ? results->campaigns() : std::vector<Campaign>();
}

std::optional<Campaign> campaign_by_name(Turn& turn, const std::string& name) {
    const std::string key = bot::name_key(name);
    for (auto& c : all_campaigns(turn)) {
        if (c.name_key == key) return c;
    }
    return std::nullopt;
}

std::optional<Campaign> campaign_by_id(Turn& turn, std::int64_t id) {
    for (auto& c : all_campaigns(turn)) {
        if (c.id == id) return c;
    }
    return std::nullopt;
}

std::string strip_quotes(std::string s) {
    for (const std::string q : {"\"", "“", "”"}) {
        if (s.compare(0, q.size(), q) == 0) s.erase(0, q.size());
        if (s.size() >= q.size() && s.compare(s.size() - q.size(), q.size(), q) == 0) {
            s.erase(s.size() - q.size());
        }
    }
    return std::string(core::trim(s));
}

/// A campaign named at the start of `text`, the longest name that fits, and the words
/// after it (a step).
struct Named {
    std::optional<Campaign> campaign;
    std::string rest;
};

Named split_campaign(Turn& turn, const std::string& text) {
    const auto words = core::split_words(text);
    for (std::size_t n = words.size(); n > 0; --n) {
        std::vector<std::string> head(words.begin(), words.begin() + static_cast<long>(n));
        if (auto c = campaign_by_name(turn, strip_quotes(core::join(head, " ")))) {
            std::vector<std::string> tail(words.begin() + static_cast<long>(n), words.end());
            return {c, core::join(tail, " ")};
        }
    }
    return {std::nullopt, text};
}

/// The step `words` names: its number on the board ("2", "#2") or its name.
const CampaignStep* find_step(const std::vector<CampaignStep>& steps, std::string words) {
    words = strip_quotes(words);
    std::string digits = words;
    if (!digits.empty() && digits.front() == '#') digits.erase(0, 1);
    if (!digits.empty() && digits.size() < 6 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        const int seq = std::stoi(digits);
        for (const auto& s : steps) {
            if (s.seq == seq) return &s;
        }
        return nullptr;
    }
    const std::string key = core::ascii_lower(words);
    for (const auto& s : steps) {
        if (core::ascii_lower(s.name) == key) return &s;
    }
    return nullptr;
}

void unknown_campaign(Turn& turn, const std::string& name) {
    std::vector<std::string> names;
    for (const auto& plan : turn.read_table<StepTable>().plans()) {
        if (auto c = campaign_by_id(turn, plan.campaign_id)) names.push_back(c->name);
    }
    turn.reply("campaigns.unknown_campaign", {{"name", std::string(core::utf8_prefix(name, 80))},
                                              {"planned", turn.list_data(names)},
                                              {"has_planned", !names.empty()}});
}

void unknown_step(Turn& turn, const Campaign& c, const std::vector<CampaignStep>& steps,
                  const std::string& words) {
    json list = json::array();
    for (const auto& s : steps) list.push_back({{"seq", s.seq}, {"name", s.name}});
    turn.reply("campaigns.unknown_step", {{"campaign", c.name},
                                          {"step", std::string(core::utf8_prefix(words, 80))},
                                          {"has_step", !words.empty()},
                                          {"steps", list}});
}

json step_data(Engine& engine, const std::string& locale, const std::string& zone,
               const CampaignStep& s) {
    return {{"seq", s.seq},
            {"name", s.name},
            {"owner", name_of(engine, s.owner_id)},
            {"role", role_text(engine, locale, s.owner_role)},
            {"due", format_local(core::from_millis(s.due_at), zone)},
            {"state", engine.prompts().render(locale, "campaigns.state." + s.state)},
            {"sales_input", s.sales_input},
            {"review", s.review}};
}

/// Sales people to ask for input on a campaign's step: the sales owners of engagements
/// with the customers the campaign touched, or, when it touched none of theirs, everyone
/// in sales.
std::vector<const Person*> relevant_reps(Turn& turn, const Campaign& c) {
    const Engine& engine = turn.engine();
    std::set<std::int64_t> ids;
    const auto* results = engine.services().find<CampaignResults>();
    const auto* customers = engine.services().find<Customers>();
    const std::vector<std::int64_t> touched =
        results && customers ? results->touched_customers(c.id) : std::vector<std::int64_t>();
    for (const std::int64_t customer_id : touched) {
        for (const auto& e : customers->engagements_of(customer_id)) {
            if (!e.owner_id) continue;
            const Person* p = engine.directory().by_id(*e.owner_id);
            if (p != nullptr && p->department == "sales") ids.insert(p->id);
        }
    }
    std::vector<const Person*> out;
    for (const auto& p : engine.directory().all()) {
        if (p.department != "sales") continue;
        if (ids.empty() || ids.count(p.id)) out.push_back(&p);
    }
    return out;
}

/// The campaign's figures from the metrics, from its first day until now.
void post_review(Turn& turn, const Campaign& c, const CampaignStep& step) {
    Engine& engine = turn.engine();
    const std::int64_t now = now_ms(turn);
    // The metrics feature counts them; without it there are no figures to post.
    const auto* results = engine.services().find<CampaignResults>();
    if (results == nullptr) return;
    const auto f = results->of(c, c.starts_at, std::max(now, c.starts_at + 1));
    const std::string& zone = engine.settings().company_timezone;
    json data = {{"campaign", c.name},
                 {"seq", step.seq},
                 {"step", step.name},
                 {"from", c.starts_on},
                 {"to", format_local(core::from_millis(now), zone)},
                 {"zone", zone},
                 {"deals", f.deals_won},
                 {"revenue", results->money_text(f.revenue)},
                 {"incremental", results->money_text(f.incremental_sales)},
                 {"cost", results->money_text(f.cost)},
                 {"has_cost_per", f.cost_per_incremental.has_value()},
                 {"cost_per", f.cost_per_incremental ? results->money_text(*f.cost_per_incremental)
                                                     : std::string()}};
    std::set<std::int64_t> told;
    auto tell = [&](std::optional<std::int64_t> id) {
        if (!id || !told.insert(*id).second) return;
        if (const Person* p = engine.directory().by_id(*id))
            turn.tell(*p, "campaigns.review", data);
    };
    tell(step.owner_id);
    if (auto plan = turn.read_table<StepTable>().plan(c.id)) tell(plan->planned_by);
    const std::string& locale = engine.settings().default_locale;
    for (const auto& channel : turn.read().channel_tracks().by_track("joint")) {
        turn.post({channel.connector, channel.channel, ""}, locale, "campaigns.review", data,
                  "campaigns.review." + std::to_string(step.id) + "." + channel.connector + "." +
                      channel.channel);
    }
    turn.audit("campaign.review", {{"campaign", c.name},
                                   {"step", step.seq},
                                   {"incremental_sales", f.incremental_sales},
                                   {"cost", f.cost}});
}

/// waiting -> active: the owner is told, sales is asked for input, the review posts.
void start_step(Turn& turn, const Campaign& c, const CampaignStep& step) {
    Engine& engine = turn.engine();
    if (!turn.write_table<StepTable>().start(step.id, now_ms(turn))) return;
    turn.audit("campaign.step_start", {{"campaign", c.name}, {"step", step.seq}});
    if (step.owner_id) {
        if (const Person* owner = engine.directory().by_id(*step.owner_id)) {
            const std::string locale = engine.locale_for(owner);
            json data = step_data(engine, locale, zone_of(engine, owner), step);
            data["campaign"] = c.name;
            turn.tell(*owner, "campaigns.started", data);
        }
    }
    if (step.sales_input) {
        for (const Person* rep : relevant_reps(turn, c)) {
            if (step.owner_id && *step.owner_id == rep->id) continue;
            const std::string locale = engine.locale_for(rep);
            json data = step_data(engine, locale, zone_of(engine, rep), step);
            data["campaign"] = c.name;
            data["command"] = engine.prompts().render(locale, "campaigns.input_command",
                                                      {{"campaign", c.name}, {"seq", step.seq}});
            turn.tell(*rep, "campaigns.ask_input", data);
        }
    }
    if (step.review) post_review(turn, c, step);
}

/// Starts every waiting step whose predecessors are all done and that has one (steps
/// without any start at the plan's start, by the start job).
void start_ready(Turn& turn, const Campaign& c) {
    const auto steps = turn.read_table<StepTable>().steps(c.id);
    for (const auto& s : steps) {
        if (s.state != "waiting" || s.waits_for.empty()) continue;
        const bool ready = std::all_of(s.waits_for.begin(), s.waits_for.end(), [&](int seq) {
            return std::any_of(steps.begin(), steps.end(), [&](const CampaignStep& o) {
                return o.seq == seq && o.state == "done";
            });
        });
        if (ready) start_step(turn, c, s);
    }
}

// --- campaign plan ----------------------------------------------------------------------

/// The row of a planned step.
CampaignStep step_row(const PlannedStep& s) {
    CampaignStep row;
    row.seq = s.seq;
    row.name = s.name;
    row.owner_role = s.owner_role;
    row.owner_id = s.owner_id;
    row.days = s.days;
    row.sales_input = s.sales_input;
    row.review = s.review;
    row.waits_for = s.waits_for;
    row.starts_on = s.starts_on;
    row.due_at = s.due_at;
    return row;
}

/// Reminds each saved step's owner on its last day (unless that is past or after its
/// deadline) and starts the steps that wait for none: now, or at their first day.
void schedule_plan(Turn& turn, const Campaign& c, const std::vector<CampaignStep>& steps,
                   const std::vector<PlannedStep>& planned) {
    Engine& engine = turn.engine();
    const std::int64_t now = now_ms(turn);
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto& s = steps[i];
        if (planned[i].remind_at > now && planned[i].remind_at < s.due_at) {
            engine.scheduler().schedule(turn, remind_job,
                                        std::string(remind_job) + "." + std::to_string(s.id),
                                        core::from_millis(planned[i].remind_at), {{"step", s.id}});
        }
        if (!s.waits_for.empty()) continue;
        if (planned[i].start_at <= now) {
            start_step(turn, c, s);
        } else {
            engine.scheduler().schedule(turn, start_job,
                                        std::string(start_job) + "." + std::to_string(s.id),
                                        core::from_millis(planned[i].start_at), {{"step", s.id}});
        }
    }
}

void plan(Turn& turn, const CommandArgs& args) {
    Engine& engine = turn.engine();
    const Person& me = *turn.person();
    if (!plans(me)) {
        turn.refuse("campaigns.plan_not_allowed");
        return;
    }
    const std::string name = strip_quotes(args.parsed.word("campaign"));
    std::string template_name = core::ascii_lower(args.parsed.word("template"));
    if (template_name.empty()) template_name = "default";
    const auto& templates = settings_of(engine).templates;
    const auto t = templates.find(template_name);
    if (t == templates.end()) {
        std::vector<std::string> names;
        for (const auto& [n, steps] : templates) names.push_back(n);
        turn.reply("campaigns.unknown_template",
                   {{"name", std::string(core::utf8_prefix(args.parsed.word("template"), 60))},
                    {"templates", turn.list_data(names)}});
        return;
    }
    auto db = turn.write_table<StepTable>();
    const auto c = campaign_by_name(turn, name);
    if (!c) {
        turn.reply("campaigns.no_such_campaign",
                   {{"name", std::string(core::utf8_prefix(name, 80))}});
        return;
    }
    if (db.plan(c->id)) {
        turn.reply("campaigns.planned_already", {{"campaign", c->name}});
        return;
    }
    const std::string my_zone = zone_of(engine, &me);
    const date::sys_days today = local_today(turn.now(), my_zone);
    date::sys_days start = today;
    if (const auto d = args.parsed.date("start")) {
        start = date::sys_days{*d};
        if (start < today) {
            turn.reply("campaigns.start_past", {{"start", date::format("%F", start)},
                                                {"today", date::format("%F", today)}});
            return;
        }
    }
    const auto& tmpl = t->second;
    std::vector<StepOwner> owners;
    for (const auto& step : tmpl) {
        const Person* owner = pick_owner(engine, step.owner, me);
        if (owner == nullptr) {
            turn.reply("campaigns.no_owner",
                       {{"step", step.name}, {"role", role_text(turn, step.owner)}});
            return;
        }
        owners.push_back({owner->id, owner->work_start, owner->work_end, zone_of(engine, owner)});
    }
    const auto planned = plan_steps(tmpl, start, owners);
    std::vector<CampaignStep> steps;
    for (const auto& s : planned) steps.push_back(step_row(s));
    store::campaigns::CampaignPlan p;
    p.campaign_id = c->id;
    p.template_name = template_name;
    p.starts_on = date::format("%F", start);
    p.planned_by = me.id;
    p.planned_at = now_ms(turn);
    db.create(p, steps);
    turn.audit("campaign.plan", {{"campaign", c->name},
                                 {"template", template_name},
                                 {"start", p.starts_on},
                                 {"steps", steps.size()}});
    json list = json::array();
    for (const auto& s : steps) list.push_back(step_data(engine, turn.locale(), my_zone, s));
    turn.reply("campaigns.planned", {{"campaign", c->name},
                                     {"template", template_name},
                                     {"start", p.starts_on},
                                     {"zone", my_zone},
                                     {"steps", list}});
    schedule_plan(turn, *c, steps, planned);
}

// --- campaign NAME: the board ---------------------------------------------------------------

void board(Turn& turn, const CommandArgs& args) {
    Engine& engine = turn.engine();
    const std::string name = strip_quotes(args.parsed.word("campaign"));
    const auto db = turn.read_table<StepTable>();
    if (name.empty()) {
        json list = json::array();
        for (const auto& plan : db.plans()) {
            const auto c = campaign_by_id(turn, plan.campaign_id);
            if (!c) continue;
            const auto steps = db.steps(c->id);
            const auto done = std::count_if(steps.begin(), steps.end(), [](const CampaignStep& s) {
                return s.state == "done";
            });
            list.push_back({{"campaign", c->name}, {"done", done}, {"steps", steps.size()}});
        }
        if (list.empty()) {
            turn.reply("campaigns.none_planned");
        } else {
            turn.reply("campaigns.list", {{"campaigns", list}});
        }
        return;
    }
    const auto c = campaign_by_name(turn, name);
    if (!c) {
        unknown_campaign(turn, name);
        return;
    }
    const auto plan = db.plan(c->id);
    if (!plan) {
        turn.reply("campaigns.not_planned", {{"campaign", c->name}});
        return;
    }
    const std::string zone = zone_of(engine, turn.person());
    json list = json::array();
    for (const auto& s : db.steps(c->id)) {
        json data = step_data(engine, turn.locale(), zone, s);
        json inputs = json::array();
        for (const auto& in : db.inputs(s.id)) {
            inputs.push_back({{"by", name_of(engine, in.person_id)}, {"text", in.body}});
        }
        data["inputs"] = inputs;
        data["has_inputs"] = !inputs.empty();
        data["is_done"] = s.state == "done";
        data["done_at"] = s.done_at ? format_local(core::from_millis(*s.done_at), zone) : "";
        list.push_back(data);
    }
    turn.reply("campaigns.board", {{"campaign", c->name},
                                   {"template", plan->template_name},
                                   {"start", plan->starts_on},
                                   {"zone", zone},
                                   {"steps", list}});
}

// --- step done, step input ------------------------------------------------------------------

void step_done(Turn& turn, const CommandArgs& args) {
    Engine& engine = turn.engine();
    const Person& me = *turn.person();
    auto db = turn.write_table<StepTable>();
    const Named named = split_campaign(turn, args.parsed.word("what"));
    if (!named.campaign) {
        unknown_campaign(turn, args.parsed.word("what"));
        return;
    }
    const Campaign& c = *named.campaign;
    const auto steps = db.steps(c.id);
    if (steps.empty()) {
        turn.reply("campaigns.not_planned", {{"campaign", c.name}});
        return;
    }
    const CampaignStep* step = find_step(steps, named.rest);
    if (step == nullptr) {
        unknown_step(turn, c, steps, named.rest);
        return;
    }
    const std::string zone = zone_of(engine, &me);
    json data = step_data(engine, turn.locale(), zone, *step);
    data["campaign"] = c.name;
    if (!may_finish(me, *step)) {
        turn.refuse("campaigns.done_not_allowed", data);
        return;
    }
    if (step->state == "done") {
        data["by"] = name_of(engine, step->done_by);
        data["at"] = step->done_at ? format_local(core::from_millis(*step->done_at), zone) : "";
        turn.reply("campaigns.done_already", data);
        return;
    }
    if (step->state == "waiting") {
        std::vector<std::string> open;
        for (int seq : step->waits_for) {
            for (const auto& s : steps) {
                if (s.seq == seq && s.state != "done") {
                    open.push_back(std::to_string(s.seq) + " " + s.name);
                }
            }
        }
        // A step whose predecessors are all done waits only for its start day: its owner
        // may finish it early.
        if (!open.empty()) {
            data["waits_for"] = turn.list_data(open);
            turn.reply("campaigns.not_started", data);
            return;
        }
    }
    db.finish(step->id, me.id, now_ms(turn));
    turn.audit("campaign.step_done", {{"campaign", c.name}, {"step", step->seq}});
    const auto after = db.steps(c.id);
    const bool all_done = std::all_of(after.begin(), after.end(),
                                      [](const CampaignStep& s) { return s.state == "done"; });
    data["all_done"] = all_done;
    turn.reply("campaigns.done", data);
    start_ready(turn, c);
}

void step_input(Turn& turn, const CommandArgs& args) {
    Engine& engine = turn.engine();
    const Person& me = *turn.person();
    // CAMPAIGN STEP: TEXT. The text is free (it may hold '=' or quotes), so the command
    // reads its words itself.
    const std::string rest(core::trim(args.rest));
    std::size_t colon = rest.find(':');
    std::size_t colon_len = 1;
    const std::size_t wide = rest.find("：");
    if (wide != std::string::npos && (colon == std::string::npos || wide < colon)) {
        colon = wide;
        colon_len = std::string("：").size();
    }
    const std::string head =
        colon == std::string::npos ? rest : std::string(core::trim(rest.substr(0, colon)));
    const std::string text =
        colon == std::string::npos ? "" : std::string(core::trim(rest.substr(colon + colon_len)));
    if (head.empty() || text.empty()) {
        reply_usage(turn, "step input");
        return;
    }
    if (me.department != "sales") {
        turn.refuse("campaigns.input_sales_only");
        return;
    }
    auto db = turn.write_table<StepTable>();
    const Named named = split_campaign(turn, head);
    if (!named.campaign) {
        unknown_campaign(turn, head);
        return;
    }
    const Campaign& c = *named.campaign;
    const auto steps = db.steps(c.id);
    if (steps.empty()) {
        turn.reply("campaigns.not_planned", {{"campaign", c.name}});
        return;
    }
    const CampaignStep* step = find_step(steps, named.rest);
    if (step == nullptr) {
        unknown_step(turn, c, steps, named.rest);
        return;
    }
    json data = step_data(engine, turn.locale(), zone_of(engine, &me), *step);
    data["campaign"] = c.name;
    if (!step->sales_input) {
        turn.reply("campaigns.no_input_asked", data);
        return;
    }
    if (step->state == "done") {
        turn.reply("campaigns.input_closed", data);
        return;
    }
    const std::string body(core::utf8_prefix(text, max_input_bytes));
    db.add_input({0, step->id, me.id, body, now_ms(turn)});
    turn.audit("campaign.step_input", {{"campaign", c.name}, {"step", step->seq}});
    turn.reply("campaigns.input_saved", data);
    if (step->owner_id && *step->owner_id != me.id) {
        if (const Person* owner = engine.directory().by_id(*step->owner_id)) {
            turn.tell(*owner, "campaigns.input_received",
                      {{"campaign", c.name},
                       {"seq", step->seq},
                       {"step", step->name},
                       {"by", me.name},
                       {"text", body}});
        }
    }
}

// --- jobs -----------------------------------------------------------------------------------

void start_due(Turn& turn, const json& payload) {
    const auto step = turn.read_table<StepTable>().step(payload.value("step", std::int64_t{0}));
    if (!step || step->state != "waiting") return;
    const auto c = campaign_by_id(turn, step->campaign_id);
    if (c) start_step(turn, *c, *step);
}

void remind(Turn& turn, const json& payload) {
    Engine& engine = turn.engine();
    const auto step = turn.read_table<StepTable>().step(payload.value("step", std::int64_t{0}));
    if (!step || step->state == "done" || !step->owner_id) return;
    const auto c = campaign_by_id(turn, step->campaign_id);
    const Person* owner = engine.directory().by_id(*step->owner_id);
    if (!c || owner == nullptr) return;
    const std::string locale = engine.locale_for(owner);
    json data = step_data(engine, locale, zone_of(engine, owner), *step);
    data["campaign"] = c->name;
    data["waiting"] = step->state == "waiting";
    data["command"] = engine.prompts().render(locale, "campaigns.done_command",
                                              {{"campaign", c->name}, {"seq", step->seq}});
    turn.tell(*owner, "campaigns.reminder", data);
}

}  // namespace

Feature feature() {
    Feature f{"campaigns", "campaigns", read_config, {25}, [](Engine& engine, Services&) {
                  register_campaigns(engine);
              }};
    f.person_data = store::campaigns::person_data;
    return f;
}

void register_campaigns(Engine& engine) {
    auto& r = engine.router();
    r.add(CommandSpec("campaign plan", plan)
              .arg(Arg::word("campaign"))
              .option("campaigns.words.template", Arg::word("template"))
              .option("campaigns.words.start", Arg::date("start"))
              .writes());
    r.add(CommandSpec("campaign", board).arg(Arg::text("campaign").optional()));
    r.add(CommandSpec("step done", step_done).arg(Arg::text("what")).writes());
    r.add(CommandSpec("step input", step_input).writes());
    engine.scheduler().on(start_job, start_due);
    engine.scheduler().on(remind_job, remind);
}

}  // namespace twintrack::bot::campaigns
