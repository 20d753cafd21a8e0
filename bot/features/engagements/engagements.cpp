#include "bot/features/engagements/engagements.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "bot/customers.hpp"
#include "bot/engagement_facts.hpp"
#include "bot/engine.hpp"
#include "bot/features/engagements/handoff_clock.hpp"
#include "bot/features/engagements/new_engagement.hpp"
#include "bot/features/engagements/store/engagements_store.hpp"
#include "bot/funnel_stages.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/numbers.hpp"
#include "core/text.hpp"

namespace twintrack::bot::engagements {

Funnel funnel_from(const FunnelSettings& settings) {
    std::vector<FunnelStage> stages;
    for (const auto& s : settings.stages) {
        stages.push_back({s.name, s.side == "bottom" ? Side::bottom : Side::top, s.closed});
    }
    return Funnel(std::move(stages));
}

OverlapPolicy overlap_from(const FunnelSettings& settings) {
    return settings.overlap == "flag" ? OverlapPolicy::flag : OverlapPolicy::refuse;
}

void read_config(core::SectionReader& s, FeatureSettings& settings) {
    FunnelSettings& f = settings.edit<FunnelSettings>();
    if (auto v = s.choice("overlap", {"refuse", "flag"})) f.overlap = *v;
    const YAML::Node list = s.node("stages");
    if (list.IsDefined() && !list.IsNull()) {
        if (!list.IsSequence() || list.size() == 0) {
            s.error("stages", "must be a list of stages such as {name: awareness, side: top}");
        } else {
            std::vector<FunnelStageSetting> stages;
            std::set<std::string> names;
            bool ok = true, top = false, bottom = false;
            for (std::size_t i = 0; i < list.size(); ++i) {
                core::SectionReader st(list[i], s.path() + ".stages[" + std::to_string(i) + "]",
                                       s.errors());
                if (!st.valid()) {
                    ok = false;
                    continue;
                }
                auto name = st.string("name", true);
                auto side = st.choice("side", {"top", "bottom"}, true);
                auto closed = st.boolean("closed");
                st.finish();
                if (!name || !side) {
                    ok = false;
                    continue;
                }
                if (name->empty() || name->find_first_of(" \t=") != std::string::npos) {
                    st.error("name", "must be one word without spaces or \"=\"");
                    ok = false;
                } else if (!names.insert(core::ascii_lower(*name)).second) {
                    st.error("name", "the stage \"" + *name + "\" is listed twice");
                    ok = false;
                }
                if (*side == "top" && bottom) {
                    st.error("side", "top stages (marketing leads) must come before bottom ones");
                    ok = false;
                }
                top = top || *side == "top";
                bottom = bottom || *side == "bottom";
                stages.push_back({*name, *side, closed.value_or(false)});
            }
            if (ok && (!top || !bottom)) {
                s.error("stages", "needs at least one top stage and one bottom stage");
                ok = false;
            }
            if (ok) f.stages = std::move(stages);
        }
    }
    s.finish();
}

namespace {

using nlohmann::json;
using store::engagements::Customer;
using store::engagements::CustomerRepository;
using store::engagements::Engagement;
using store::engagements::EngagementRepository;
using store::engagements::Handoff;

const char* const handoff_job = "engagements.handoff_deadline";
const char* const joint_planning = "joint_planning";

std::int64_t now_ms(const Turn& turn) { return core::to_millis(turn.now()); }

Funnel funnel_of(Turn& turn) {
    return funnel_from(turn.engine().settings().features.get<FunnelSettings>());
}

/// True when `word` is one of the words `engagements.words.<name>` of any locale.
bool is_word(Turn& turn, const std::string& name, const std::string& word) {
    return turn.engine().prompts().is_word("engagements.words." + name, word);
}

/// "marketing" or "sales" for a word naming a department in any locale, else empty.
std::string department_word(Turn& turn, const std::string& word) {
    if (is_word(turn, "marketing", word)) return "marketing";
    if (is_word(turn, "sales", word)) return "sales";
    return "";
}

std::string dept_text(const Engine& engine, const std::string& locale, const std::string& dept) {
    return engine.prompts().render(locale, "core.department." + dept);
}

void usage(Turn& turn, const std::string& command) { reply_usage(turn, command); }

std::string person_name(Turn& turn, const std::optional<std::int64_t>& id) {
    if (!id) return "";
    const Person* p = turn.engine().directory().by_id(*id);
    return p ? p->name : std::string();
}

/// The engagement tag used in channel posts: `#acme`, `#华为`.
std::string make_tag(const std::string& customer) { return "#" + name_key(customer); }

// --- customers ------------------------------------------------------------------------

/// The customer with exactly this name or alias.
std::optional<Customer> exact_customer(Turn& turn, const std::string& text) {
    return turn.read_table<CustomerRepository>().find_by_key(name_key(text));
}

std::string customer_label(const Customer& c) {
    if (c.aliases.empty()) return c.name;
    return c.name + " (" + core::join(c.aliases, ", ") + ")";
}

/// The customer `text` names: exactly, or as the only customer containing it. Otherwise
/// answers (ambiguous: which one; unknown: close matches) and returns nothing.
std::optional<Customer> resolve_customer(Turn& turn, const std::string& text) {
    if (auto c = exact_customer(turn, text)) return c;
    const std::string key = name_key(text);
    const auto all = turn.read_table<CustomerRepository>().all();
    std::vector<const Customer*> containing;
    for (const auto& c : all) {
        bool hit = c.name_key.find(key) != std::string::npos;
        for (const auto& a : c.alias_keys) hit = hit || a.find(key) != std::string::npos;
        if (hit && !key.empty()) containing.push_back(&c);
    }
    if (containing.size() == 1) return *containing.front();
    if (containing.size() > 1) {
        json options = json::array();
        for (const Customer* c : containing) options.push_back(customer_label(*c));
        turn.reply("engagements.ambiguous_customer", {{"customer", text}, {"options", options}});
        return std::nullopt;
    }
    const std::size_t limit = std::max<std::size_t>(1, core::utf8_length(key) / 3);
    std::vector<std::pair<std::size_t, std::string>> scored;
    for (const auto& c : all) {
        std::size_t best = core::edit_distance(key, c.name_key);
        for (const auto& a : c.alias_keys) best = std::min(best, core::edit_distance(key, a));
        if (best <= limit) scored.push_back({best, customer_label(c)});
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> suggestions;
    for (const auto& s : scored) {
        if (suggestions.size() == 3) break;
        suggestions.push_back(s.second);
    }
    turn.reply("engagements.unknown_customer",
               {{"customer", std::string(core::utf8_prefix(text, 64))},
                {"suggestions", turn.list_data(suggestions)},
                {"has_suggestions", !suggestions.empty()}});
    return std::nullopt;
}

// --- engagements ----------------------------------------------------------------------

bool is_consultant(Turn& turn, const Engagement& e, std::int64_t person_id) {
    for (const auto& c : turn.read_table<EngagementRepository>().consultations(e.id)) {
        if (c.consultant_id == person_id) return true;
    }
    return false;
}

/// The engagement of a customer a command is about: an open one (the writer's own, or
/// led by their department, first), else the latest closed one when `open_only` is false.
std::optional<Engagement> engagement_of(Turn& turn, const Customer& customer, bool open_only) {
    const auto list = turn.read_table<EngagementRepository>().of_customer(customer.id);
    const Person* me = turn.person();
    std::optional<Engagement> first_open;
    for (const auto& e : list) {
        if (e.closed) continue;
        if (!first_open) first_open = e;
        if (me && ((e.owner_id && *e.owner_id == me->id) || is_consultant(turn, e, me->id) ||
                   e.lead == me->department)) {
            return e;
        }
    }
    if (first_open) return first_open;
    if (!open_only && !list.empty()) return list.front();
    turn.reply("engagements.no_engagement", {{"customer", customer.name}});
    return std::nullopt;
}

std::optional<Engagement> find_engagement(Turn& turn, const std::string& text, bool open_only) {
    auto customer = resolve_customer(turn, text);
    if (!customer) return std::nullopt;
    return engagement_of(turn, *customer, open_only);
}

/// Whether the writer may change `e`; answers with the role needed when not.
bool may_act(Turn& turn, const Engagement& e) {
    const Person* me = turn.person();
    if (me == nullptr) return false;
    if (me->role == "admin") return true;
    if (me->role == "manager" && me->department == e.lead) return true;
    if (e.owner_id && *e.owner_id == me->id) return true;
    if (is_consultant(turn, e, me->id)) return true;
    turn.reply("engagements.not_allowed",
               {{"customer", e.customer_name},
                {"owner", person_name(turn, e.owner_id)},
                {"lead", dept_text(turn.engine(), turn.locale(), e.lead)}});
    return false;
}

/// A consultant acting on the engagement answers their consultation.
void consultant_acted(Turn& turn, const Engagement& e) {
    const Person* me = turn.person();
    if (me == nullptr) return;
    bool open = false;
    for (const auto& c : turn.read_table<EngagementRepository>().consultations(e.id)) {
        open = open || (c.consultant_id == me->id && !c.answered_at);
    }
    if (!open) return;
    turn.write_table<EngagementRepository>().mark_answered(e.id, me->id, now_ms(turn));
    turn.audit("engagement.consultation_answered",
               {{"customer", e.customer_name}, {"consultant", me->email}});
}

void add_event(Turn& turn, const Engagement& e, const std::string& kind, const json& detail) {
    store::engagements::EngagementEvent ev;
    ev.at = now_ms(turn);
    if (turn.person()) ev.person_id = turn.person()->id;
    ev.kind = kind;
    ev.detail = detail.dump();
    turn.write_table<EngagementRepository>().add_event(e.id, ev);
}

/// Tells `to` a message whose data depends on their locale and zone.
void tell_local(
    Turn& turn, const Person& to, const std::string& key,
    const std::function<json(const std::string& locale, const std::string& zone)>& data) {
    turn.tell(to, key, data(turn.engine().locale_for(&to), to.timezone));
}

/// Tells both departments' managers (once each).
void tell_managers(
    Turn& turn, const std::string& key,
    const std::function<json(const std::string& locale, const std::string& zone)>& data) {
    std::set<std::int64_t> told;
    for (const std::string dept : {"marketing", "sales"}) {
        for (const Person* m : turn.engine().directory().managers_of(dept)) {
            if (!told.insert(m->id).second) continue;
            tell_local(turn, *m, key, data);
        }
    }
}

std::string amount_text(const std::optional<std::int64_t>& amount) {
    return amount ? std::to_string(*amount) : std::string();
}

/// Key engagements reaching `proposal` get one joint planning task; both departments'
/// managers are told.
void check_key_engagement(Turn& turn, const Engagement& e) {
    const Rules& rules = turn.engine().settings().rules;
    if (core::ascii_lower(e.stage) != "proposal" || !e.amount ||
        *e.amount < rules.key_engagement_amount) {
        return;
    }
    if (!turn.write_table<EngagementRepository>().add_task(e.id, joint_planning, now_ms(turn)))
        return;
    add_event(turn, e, "task", {{"task", joint_planning}});
    turn.audit("engagement.joint_planning", {{"customer", e.customer_name}, {"amount", *e.amount}});
    const std::string owner = person_name(turn, e.owner_id);
    tell_managers(turn, "engagements.joint_planning", [&](const std::string&, const std::string&) {
        return json{{"customer", e.customer_name},
                    {"tag", e.tag},
                    {"amount", amount_text(e.amount)},
                    {"currency", rules.currency},
                    {"owner", owner}};
    });
}

json card_data(Turn& turn, const Engagement& e) {
    const std::string zone = turn.person() ? turn.person()->timezone : "UTC";
    json consultants = json::array();
    for (const auto& c : turn.read_table<EngagementRepository>().consultations(e.id)) {
        consultants.push_back({{"name", person_name(turn, c.consultant_id)},
                               {"since", format_local(core::from_millis(c.requested_at), zone)},
                               {"answered", c.answered_at.has_value()}});
    }
    json events = json::array();
    for (const auto& ev : turn.read_table<EngagementRepository>().events(e.id, 5)) {
        json detail = json::parse(ev.detail, nullptr, false);
        if (!detail.is_object()) detail = json::object();
        detail["who"] = person_name(turn, ev.person_id);
        events.push_back({{"at", format_local(core::from_millis(ev.at), zone)},
                          {"text", turn.text("engagements.event." + ev.kind, detail)}});
    }
    const Rules& rules = turn.engine().settings().rules;
    return {{"customer", e.customer_name},
            {"tag", e.tag},
            {"stage", e.stage},
            {"lead", dept_text(turn.engine(), turn.locale(), e.lead)},
            {"owner", person_name(turn, e.owner_id)},
            {"has_owner", e.owner_id.has_value()},
            {"amount", amount_text(e.amount)},
            {"has_amount", e.amount.has_value()},
            {"currency", rules.currency},
            {"key", e.amount && *e.amount >= rules.key_engagement_amount},
            {"closed", e.closed},
            {"consultants", consultants},
            {"has_consultants", !consultants.empty()},
            {"events", events},
            {"created", format_local(core::from_millis(e.created_at), zone)},
            {"updated", format_local(core::from_millis(e.updated_at), zone)}};
}

// --- commands -------------------------------------------------------------------------

bool in_funnel_department(const Person& p) {
    return p.role == "admin" || p.department == "marketing" || p.department == "sales";
}

/// Answers why `plan` refuses the new engagement at `stage`; false when it does not.
bool refuse_new_engagement(Turn& turn, const NewEngagementPlan& plan, const FunnelStage& stage) {
    using Outcome = NewEngagementPlan::Outcome;
    const Engine& engine = turn.engine();
    const std::string& locale = turn.locale();
    switch (plan.outcome) {
        case Outcome::create:
            return false;
        case Outcome::owner_outside_lead:
            turn.reply("engagements.owner_outside_lead",
                       {{"name", plan.owner->name},
                        {"department", dept_text(engine, locale, plan.owner->department)},
                        {"lead", dept_text(engine, locale, plan.lead)},
                        {"stage", stage.name}});
            return true;
        case Outcome::already_open:
            turn.reply("engagements.already_open",
                       {{"customer", plan.conflict->customer_name},
                        {"stage", plan.conflict->stage},
                        {"lead", dept_text(engine, locale, plan.conflict->lead)},
                        {"owner", person_name(turn, plan.conflict->owner_id)}});
            return true;
        case Outcome::overlap_refused:
            turn.reply("engagements.overlap_refused",
                       {{"customer", plan.conflict->customer_name},
                        {"stage", plan.conflict->stage},
                        {"lead", dept_text(engine, locale, plan.conflict->lead)},
                        {"owner", person_name(turn, plan.conflict->owner_id)},
                        {"new_stage", stage.name},
                        {"new_lead", dept_text(engine, locale, plan.lead)}});
            return true;
    }
    return false;
}

/// Creates the engagement `plan` allows (and the customer when new), records and audits
/// it, tells whom it concerns and says "created".
void create_engagement(Turn& turn, const NewEngagementPlan& plan, const FunnelStage& stage,
                       const std::optional<Customer>& customer, const std::string& customer_name,
                       std::optional<std::int64_t> amount) {
    const Person& me = *turn.person();
    const Person* owner = plan.owner;
    auto customers = turn.write_table<CustomerRepository>();
    auto engagements = turn.write_table<EngagementRepository>();
    const std::int64_t now = now_ms(turn);
    Engagement e;
    if (customer) {
        e.customer_id = customer->id;
        e.customer_name = customer->name;
    } else {
        const std::string clean = std::string(core::trim(customer_name));
        e.customer_id = customers.create(clean, name_key(clean), now);
        e.customer_name = clean;
    }
    e.tag = make_tag(e.customer_name);
    e.stage = stage.name;
    e.lead = plan.lead;
    if (owner) e.owner_id = owner->id;
    e.amount = amount;
    e.closed = stage.closed;
    e.created_by = me.id;
    e.created_at = now;
    e.updated_at = now;
    e.id = engagements.create(e);
    add_event(turn, e, "created",
              {{"stage", e.stage}, {"owner", owner ? owner->name : std::string()}});
    turn.audit("engagement.create", {{"customer", e.customer_name},
                                     {"stage", e.stage},
                                     {"lead", e.lead},
                                     {"owner", owner ? owner->email : std::string()},
                                     {"amount", amount ? json(*amount) : json(nullptr)},
                                     {"overlap_flagged", plan.flagged}});
    if (plan.flagged) {
        const Engagement& other = *plan.conflict;
        add_event(turn, e, "flagged",
                  {{"stage", e.stage}, {"lead", e.lead}, {"other", other.lead}});
        tell_managers(turn, "engagements.overlap_flag",
                      [&](const std::string& locale, const std::string&) {
                          return json{{"customer", e.customer_name},
                                      {"stage", other.stage},
                                      {"lead", dept_text(turn.engine(), locale, other.lead)},
                                      {"owner", person_name(turn, other.owner_id)},
                                      {"new_stage", e.stage},
                                      {"new_lead", dept_text(turn.engine(), locale, e.lead)},
                                      {"who", me.name}};
                      });
    }
    if (owner && owner->id != me.id) {
        tell_local(
            turn, *owner, "engagements.assigned", [&](const std::string&, const std::string&) {
                return json{{"customer", e.customer_name}, {"stage", e.stage}, {"who", me.name}};
            });
    }
    check_key_engagement(turn, e);
    turn.reply("engagements.created", {{"customer", e.customer_name},
                                       {"tag", e.tag},
                                       {"stage", e.stage},
                                       {"lead", dept_text(turn.engine(), turn.locale(), e.lead)},
                                       {"owner", owner ? owner->name : std::string()},
                                       {"has_owner", owner != nullptr},
                                       {"flagged", plan.flagged}});
}

/// `engagement new NAME [stage=S] [owner=@P] [amount=N]`: parse, plan
/// (plan_new_engagement, pure), then refuse or create. Opens the turn's transaction
/// before anything is checked, so that a message delivered again (also after a restart)
/// is dropped instead of answered a second time.
void engagement_new(Turn& turn, const CommandArgs& args) {
    const Person& me = *turn.person();
    if (!in_funnel_department(me)) {
        turn.reply("engagements.new_needs_department",
                   {{"department", dept_text(turn.engine(), turn.locale(), me.department)}});
        return;
    }
    // Declared: CUSTOMER... [stage=S] [owner=@P] [amount=N]; the Router has read them.
    const std::string customer_name = args.parsed.word("customer");
    if (name_key(customer_name).empty()) {
        usage(turn, "engagement new");
        return;
    }
    std::optional<std::int64_t> amount;
    if (const auto a = args.parsed.amount("amount")) {
        // Engagement amounts are whole, in the company currency.
        if (std::fabs(a->value - std::round(a->value)) > 1e-6 || !a->currency.empty()) {
            turn.reply(
                "engagements.bad_amount",
                {{"amount", std::string(core::utf8_prefix(args.parsed.word("amount"), 64))}});
            return;
        }
        amount = std::llround(a->value);
    }
    const std::string stage_name = args.parsed.word("stage");
    const Funnel funnel = funnel_of(turn);
    const FunnelStage* stage = funnel.find(stage_name.empty() ? funnel.first_stage() : stage_name);
    if (stage == nullptr) {
        turn.reply("engagements.unknown_stage",
                   {{"stage", std::string(core::utf8_prefix(stage_name, 64))},
                    {"stages", funnel.names()}});
        return;
    }
    const Person* named_owner = args.parsed.person("owner");
    const auto customer = exact_customer(turn, customer_name);
    const auto existing = customer
                              ? turn.read_table<EngagementRepository>().of_customer(customer->id)
                              : std::vector<Engagement>{};
    const auto plan = plan_new_engagement(
        *stage, overlap_from(turn.engine().settings().features.get<FunnelSettings>()), me,
        named_owner, existing);
    if (refuse_new_engagement(turn, plan, *stage)) return;
    create_engagement(turn, plan, *stage, customer, customer_name, amount);
}

void engagement_card(Turn& turn, const CommandArgs& args) {
    auto e = find_engagement(turn, args.parsed.word("customer"), false);
    if (!e) return;
    consultant_acted(turn, *e);
    turn.reply("engagements.card", card_data(turn, *e));
}

void who_owns(Turn& turn, const CommandArgs& args) {
    auto e = find_engagement(turn, args.parsed.word("customer"), false);
    if (!e) return;
    json data = card_data(turn, *e);
    turn.reply("engagements.who_owns", data);
}

void set_stage(Turn& turn, const CommandArgs& args) {
    const Funnel funnel = funnel_of(turn);
    const std::string target = args.parsed.word("stage");
    auto e = find_engagement(turn, args.parsed.word("customer"), true);
    if (!e) return;
    const FunnelStage* to = funnel.find(target);
    if (to == nullptr) {
        turn.reply(
            "engagements.unknown_stage",
            {{"stage", std::string(core::utf8_prefix(target, 64))}, {"stages", funnel.names()}});
        return;
    }
    if (!may_act(turn, *e)) return;
    const Transition t = funnel.transition(e->stage, to->name);
    if (t == Transition::same) {
        turn.reply("engagements.stage_same", {{"customer", e->customer_name}, {"stage", e->stage}});
        return;
    }
    const std::string from = e->stage;
    const std::string new_lead = Funnel::lead_of(to->side);
    bool flagged = false;
    if (t == Transition::needs_handoff || t == Transition::back_to_top ||
        t == Transition::unknown_stage) {
        json facts = {{"customer", e->customer_name},
                      {"from", from},
                      {"to", to->name},
                      {"lead", dept_text(turn.engine(), turn.locale(), e->lead)},
                      {"new_lead", dept_text(turn.engine(), turn.locale(), new_lead)},
                      {"owner", person_name(turn, e->owner_id)},
                      {"handoff", t == Transition::needs_handoff}};
        if (overlap_from(turn.engine().settings().features.get<FunnelSettings>()) ==
            OverlapPolicy::refuse) {
            turn.reply("engagements.boundary_refused", facts);
            return;
        }
        flagged = true;
    }
    const std::string old_lead = e->lead;
    e->stage = to->name;
    e->lead = new_lead;
    e->closed = to->closed;
    turn.write_table<EngagementRepository>().update(*e, now_ms(turn));
    add_event(turn, *e, "stage", {{"from", from}, {"stage", e->stage}});
    turn.audit("engagement.stage", {{"customer", e->customer_name},
                                    {"from", from},
                                    {"to", e->stage},
                                    {"lead", e->lead},
                                    {"overlap_flagged", flagged}});
    consultant_acted(turn, *e);
    if (flagged) {
        add_event(turn, *e, "flagged",
                  {{"stage", e->stage}, {"lead", new_lead}, {"other", old_lead}});
        const std::string who = turn.person()->name;
        const std::string owner = person_name(turn, e->owner_id);
        tell_managers(turn, "engagements.boundary_flag",
                      [&](const std::string& locale, const std::string&) {
                          return json{{"customer", e->customer_name},
                                      {"from", from},
                                      {"to", e->stage},
                                      {"lead", dept_text(turn.engine(), locale, old_lead)},
                                      {"new_lead", dept_text(turn.engine(), locale, new_lead)},
                                      {"owner", owner},
                                      {"who", who}};
                      });
    }
    check_key_engagement(turn, *e);
    turn.reply("engagements.stage_set", {{"customer", e->customer_name},
                                         {"from", from},
                                         {"stage", e->stage},
                                         {"lead", dept_text(turn.engine(), turn.locale(), e->lead)},
                                         {"flagged", flagged}});
}

void list_engagements(Turn& turn, const CommandArgs& args) {
    const Person* me = turn.person();
    // Declared: [mine|DEPARTMENT] [stage=S], one of them.
    std::string mine, dept, stage;
    const std::string filter = args.parsed.word("filter");
    if (!filter.empty() && args.parsed.has("stage")) {
        usage(turn, "engagements");
        return;
    }
    if (is_word(turn, "mine", filter)) {
        mine = "yes";
    } else if (!department_word(turn, filter).empty()) {
        dept = department_word(turn, filter);
    } else if (!filter.empty()) {
        usage(turn, "engagements");
        return;
    } else if (args.parsed.has("stage")) {
        const Funnel funnel = funnel_of(turn);
        const FunnelStage* s = funnel.find(args.parsed.word("stage"));
        if (s == nullptr) {
            turn.reply("engagements.unknown_stage",
                       {{"stage", std::string(core::utf8_prefix(args.parsed.word("stage"), 64))},
                        {"stages", funnel.names()}});
            return;
        }
        stage = s->name;
    }
    json items = json::array();
    for (const auto& e : turn.read_table<EngagementRepository>().all()) {
        if (e.closed && stage.empty()) continue;
        if (!dept.empty() && e.lead != dept) continue;
        if (!stage.empty() && e.stage != stage) continue;
        if (!mine.empty() &&
            !(me && ((e.owner_id && *e.owner_id == me->id) || is_consultant(turn, e, me->id)))) {
            continue;
        }
        items.push_back({{"customer", e.customer_name},
                         {"tag", e.tag},
                         {"stage", e.stage},
                         {"lead", dept_text(turn.engine(), turn.locale(), e.lead)},
                         {"owner", person_name(turn, e.owner_id)}});
    }
    if (items.empty()) {
        turn.reply("engagements.list_empty");
        return;
    }
    turn.reply("engagements.list", {{"items", items}, {"count", items.size()}});
}

void consult(Turn& turn, const CommandArgs& args) {
    // Declared: CUSTOMER... @PERSON|DEPARTMENT [NOTE...]; the customer ends before the first
    // @mention or department word.
    auto e = find_engagement(turn, args.parsed.word("customer"), true);
    if (!e) return;
    if (!may_act(turn, *e)) return;
    std::vector<const Person*> consultants;
    const std::string dept = department_word(turn, args.parsed.word("consultant"));
    if (!dept.empty()) {
        consultants = turn.engine().directory().managers_of(dept);
        if (consultants.empty()) {
            turn.reply("engagements.no_managers",
                       {{"department", dept_text(turn.engine(), turn.locale(), dept)}});
            return;
        }
    } else {
        consultants.push_back(args.parsed.person("consultant"));
    }
    const std::string note = args.parsed.word("note");
    const Person& me = *turn.person();
    consultant_acted(turn, *e);
    store::Store& db = turn.write();
    auto engagements = turn.write_table<EngagementRepository>();
    json names = json::array();
    for (const Person* c : consultants) {
        store::engagements::Consultation row;
        row.engagement_id = e->id;
        row.consultant_id = c->id;
        row.requested_by = me.id;
        row.note = note;
        row.requested_at = now_ms(turn);
        engagements.add_consultation(row);
        names.push_back(c->name);
        tell_local(turn, *c, "engagements.consult_request",
                   [&](const std::string& locale, const std::string&) {
                       return json{{"customer", e->customer_name},
                                   {"tag", e->tag},
                                   {"stage", e->stage},
                                   {"lead", dept_text(turn.engine(), locale, e->lead)},
                                   {"owner", person_name(turn, e->owner_id)},
                                   {"who", me.name},
                                   {"note", note},
                                   {"has_note", !note.empty()}};
                   });
    }
    const std::string joined = core::join(names.get<std::vector<std::string>>(), ", ");
    add_event(turn, *e, "consult", {{"consultants", joined}, {"note", note}});
    turn.audit("engagement.consult", {{"customer", e->customer_name}, {"consultants", names}});
    // The discussion: the lead department's track channels, with the engagement's tag.
    const std::string locale = turn.engine().settings().default_locale;
    json channels = json::array();
    for (const auto& ch : db.channel_tracks().by_track(e->lead)) {
        turn.post({ch.connector, ch.channel, ""}, locale, "engagements.consult_welcome",
                  {{"customer", e->customer_name},
                   {"tag", e->tag},
                   {"consultants", joined},
                   {"who", me.name},
                   {"note", note},
                   {"has_note", !note.empty()}});
        channels.push_back(ch.channel);
    }
    turn.reply("engagements.consult_done",
               {{"customer", e->customer_name},
                {"consultants", joined},
                {"channels", core::join(channels.get<std::vector<std::string>>(), ", ")},
                {"has_channels", !channels.empty()}});
}

std::string handoff_subject(std::int64_t handoff_id) {
    return "handoff:" + std::to_string(handoff_id);
}

/// Accept or decline, as buttons on the request to the rep; declining asks the reason.
Offer handoff_offer(std::int64_t handoff_id, const std::string& customer, const Person& rep) {
    Offer offer;
    offer.subject = handoff_subject(handoff_id);
    offer.audience = {rep.id};
    const std::string args =
        customer.find(' ') == std::string::npos ? customer : "\"" + customer + "\"";
    const json data = {{"customer", customer}};
    offer.choices.push_back(
        {"engagements.button.accept", data, "accept", args, "primary", "", "", ""});
    offer.choices.push_back({"engagements.button.decline", data, "decline", args, "danger", "",
                             "engagements.ask_decline_reason", ""});
    return offer;
}

void handoff(Turn& turn, const CommandArgs& args) {
    // Declared: CUSTOMER... to @REP [NOTE...].
    auto e = find_engagement(turn, args.parsed.word("customer"), true);
    if (!e) return;
    if (!may_act(turn, *e)) return;
    const Funnel funnel = funnel_of(turn);
    const FunnelStage* stage = funnel.find(e->stage);
    if (stage == nullptr || stage->side != Side::top) {
        turn.reply("engagements.handoff_not_top",
                   {{"customer", e->customer_name},
                    {"stage", e->stage},
                    {"lead", dept_text(turn.engine(), turn.locale(), e->lead)}});
        return;
    }
    if (auto h = turn.read_table<EngagementRepository>().latest_handoff(e->id);
        h && h->status == "pending") {
        turn.reply("engagements.handoff_pending",
                   {{"customer", e->customer_name},
                    {"rep", person_name(turn, h->to_id)},
                    {"deadline",
                     format_local(core::from_millis(h->deadline_at), turn.person()->timezone)}});
        return;
    }
    const Person* rep = args.parsed.person("rep");
    if (rep->department != "sales") {
        turn.reply("engagements.handoff_not_sales",
                   {{"name", rep->name},
                    {"department", dept_text(turn.engine(), turn.locale(), rep->department)},
                    {"sales", dept_text(turn.engine(), turn.locale(), "sales")}});
        return;
    }
    const std::string note = args.parsed.word("note");
    consultant_acted(turn, *e);
    const int hours = turn.engine().settings().rules.handoff_acceptance_hours;
    const core::Timestamp deadline =
        working_deadline(turn.now(), hours, rep->timezone, rep->work_start, rep->work_end);
    const Person& me = *turn.person();
    Handoff h;
    h.engagement_id = e->id;
    h.from_id = e->owner_id ? *e->owner_id : me.id;
    h.to_id = rep->id;
    h.note = note;
    h.requested_at = now_ms(turn);
    h.deadline_at = core::to_millis(deadline);
    h.id = turn.write_table<EngagementRepository>().add_handoff(h);
    add_event(turn, *e, "handoff", {{"rep", rep->name}, {"note", note}});
    turn.audit("engagement.handoff",
               {{"customer", e->customer_name}, {"to", rep->email}, {"deadline", h.deadline_at}});
    turn.engine().scheduler().schedule(turn, handoff_job,
                                       "engagements.handoff." + std::to_string(h.id), deadline,
                                       {{"handoff", h.id}});
    turn.tell(*rep, "engagements.handoff_request",
              {{"customer", e->customer_name},
               {"tag", e->tag},
               {"stage", e->stage},
               {"who", me.name},
               {"note", note},
               {"has_note", !note.empty()},
               {"hours", hours},
               {"deadline", format_local(deadline, rep->timezone)}},
              handoff_offer(h.id, e->customer_name, *rep));
    turn.reply("engagements.handoff_sent", {{"customer", e->customer_name},
                                            {"rep", rep->name},
                                            {"hours", hours},
                                            {"deadline", format_local(deadline, rep->timezone)},
                                            {"zone", rep->timezone}});
}

/// The handoff of `customer` addressed to the writer (or the latest one); answers and
/// returns nothing when there is none or it is not theirs to decide.
std::optional<std::pair<Engagement, Handoff>> my_handoff(Turn& turn, const std::string& text) {
    auto customer = resolve_customer(turn, text);
    if (!customer) return std::nullopt;
    std::optional<std::pair<Engagement, Handoff>> found;
    for (const auto& e : turn.read_table<EngagementRepository>().of_customer(customer->id)) {
        auto h = turn.read_table<EngagementRepository>().latest_handoff(e.id);
        if (!h) continue;
        if (h->to_id == turn.person()->id) {
            if (!found || found->second.to_id != h->to_id || h->status == "pending") {
                found = std::make_pair(e, *h);
            }
        } else if (!found) {
            found = std::make_pair(e, *h);
        }
    }
    if (!found) {
        turn.reply("engagements.no_handoff", {{"customer", customer->name}});
        return std::nullopt;
    }
    const Handoff& h = found->second;
    if (h.to_id != turn.person()->id) {
        turn.reply("engagements.handoff_not_yours",
                   {{"customer", customer->name}, {"rep", person_name(turn, h.to_id)}});
        return std::nullopt;
    }
    if (h.status != "pending") {
        turn.reply(h.status == "accepted" ? "engagements.already_accepted"
                                          : "engagements.already_declined",
                   {{"customer", customer->name},
                    {"at", format_local(core::from_millis(h.decided_at.value_or(0)),
                                        turn.person()->timezone)}});
        return std::nullopt;
    }
    return found;
}

void accept(Turn& turn, const CommandArgs& args) {
    auto found = my_handoff(turn, args.parsed.word("customer"));
    if (!found) return;
    Engagement& e = found->first;
    Handoff& h = found->second;
    const Funnel funnel = funnel_of(turn);
    const Person& me = *turn.person();
    const std::int64_t now = now_ms(turn);
    store::Store& db = turn.write();
    auto engagements = turn.write_table<EngagementRepository>();
    engagements.decide_handoff(h.id, "accepted", now, "");
    turn.settle(handoff_subject(h.id), "engagements.outcome.accepted");
    db.jobs().cancel("engagements.handoff." + std::to_string(h.id));
    const std::string from = e.stage;
    e.stage = funnel.first_bottom_stage();
    e.lead = "sales";
    e.owner_id = me.id;
    engagements.update(e, now);
    add_event(turn, e, "accepted", {{"from", from}, {"stage", e.stage}});
    turn.audit("engagement.handoff_accept", {{"customer", e.customer_name},
                                             {"stage", e.stage},
                                             {"hours_taken", (now - h.requested_at) / 3600000.0}});
    if (h.from_id) {
        if (const Person* p = turn.engine().directory().by_id(*h.from_id)) {
            tell_local(turn, *p, "engagements.handoff_accepted_note",
                       [&](const std::string&, const std::string&) {
                           return json{
                               {"customer", e.customer_name}, {"rep", me.name}, {"stage", e.stage}};
                       });
        }
    }
    check_key_engagement(turn, e);
    turn.reply("engagements.accepted", {{"customer", e.customer_name}, {"stage", e.stage}});
}

void decline(Turn& turn, const CommandArgs& args) {
    // Declared: CUSTOMER REASON...; a customer of several words is the longest known name.
    auto found = my_handoff(turn, args.parsed.word("customer"));
    if (!found) return;
    Engagement& e = found->first;
    Handoff& h = found->second;
    const std::string reason = args.parsed.word("reason");
    const Person& me = *turn.person();
    const std::int64_t now = now_ms(turn);
    store::Store& db = turn.write();
    auto engagements = turn.write_table<EngagementRepository>();
    engagements.decide_handoff(h.id, "declined", now, reason);
    turn.settle(handoff_subject(h.id), "engagements.outcome.declined", {{"reason", reason}});
    db.jobs().cancel("engagements.handoff." + std::to_string(h.id));
    if (h.from_id) e.owner_id = h.from_id;
    engagements.update(e, now);
    add_event(turn, e, "declined", {{"reason", reason}});
    turn.audit("engagement.handoff_decline", {{"customer", e.customer_name}, {"reason", reason}});
    const std::string owner = person_name(turn, e.owner_id);
    if (h.from_id) {
        if (const Person* p = turn.engine().directory().by_id(*h.from_id)) {
            tell_local(turn, *p, "engagements.handoff_declined_note",
                       [&](const std::string&, const std::string&) {
                           return json{
                               {"customer", e.customer_name}, {"rep", me.name}, {"reason", reason}};
                       });
        }
    }
    turn.reply("engagements.declined", {{"customer", e.customer_name}, {"owner", owner}});
}

void handoff_deadline(Turn& turn, const json& payload) {
    const std::int64_t id = payload.value("handoff", std::int64_t{0});
    auto h = turn.read_table<EngagementRepository>().handoff(id);
    if (!h || h->status != "pending" || h->escalated_at) return;
    auto e = turn.read_table<EngagementRepository>().get(h->engagement_id);
    if (!e) return;
    turn.write_table<EngagementRepository>().mark_escalated(h->id, now_ms(turn));
    add_event(turn, *e, "escalated", {{"rep", person_name(turn, h->to_id)}});
    turn.audit("engagement.handoff_overdue", {{"customer", e->customer_name}, {"handoff", h->id}});
    const std::string rep = person_name(turn, h->to_id);
    const std::string from = person_name(turn, h->from_id);
    const int hours = turn.engine().settings().rules.handoff_acceptance_hours;
    tell_managers(
        turn, "engagements.handoff_overdue", [&](const std::string&, const std::string& zone) {
            return json{{"customer", e->customer_name},
                        {"rep", rep},
                        {"who", from},
                        {"hours", hours},
                        {"deadline", format_local(core::from_millis(h->deadline_at), zone)}};
        });
}

void track_set(Turn& turn, const CommandArgs& args) {
    // Declared: CHANNEL TRACK.
    const std::string word = args.parsed.word("channel_track");
    std::string track = department_word(turn, word);
    if (track.empty() && is_word(turn, "joint", word)) track = "joint";
    if (track.empty()) {
        turn.reply("engagements.unknown_track",
                   {{"track", std::string(core::utf8_prefix(word, 64))}});
        return;
    }
    store::ChannelTrack m;
    std::string channel = args.parsed.word("channel");
    const auto colon = channel.find(':');
    if (colon != std::string::npos && colon > 0) {
        m.connector = channel.substr(0, colon);
        channel = channel.substr(colon + 1);
    } else {
        m.connector = turn.event() ? turn.event()->where.connector : std::string();
    }
    if (!channel.empty() && channel.front() == '#') channel.erase(0, 1);
    if (channel.empty() || m.connector.empty()) {
        usage(turn, "track set");
        return;
    }
    m.channel = channel;
    m.track = track;
    turn.write().channel_tracks().upsert(m, now_ms(turn));
    turn.audit("track.set", {{"connector", m.connector}, {"channel", m.channel}, {"track", track}});
    turn.reply("engagements.track_set",
               {{"connector", m.connector}, {"channel", m.channel}, {"track", track}});
}

void customer_alias(Turn& turn, const CommandArgs& args) {
    // Declared: CUSTOMER ALIAS...; a customer of several words is the longest known name.
    if (!in_funnel_department(*turn.person())) {
        turn.reply(
            "engagements.new_needs_department",
            {{"department", dept_text(turn.engine(), turn.locale(), turn.person()->department)}});
        return;
    }
    auto customer = resolve_customer(turn, args.parsed.word("customer"));
    if (!customer) return;
    const std::string alias = args.parsed.word("alias");
    if (auto existing = exact_customer(turn, alias)) {
        turn.reply(
            existing->id == customer->id ? "engagements.alias_exists" : "engagements.alias_taken",
            {{"alias", alias}, {"customer", existing->name}});
        return;
    }
    turn.write_table<CustomerRepository>().add_alias(customer->id, alias, name_key(alias),
                                                     now_ms(turn));
    turn.audit("customer.alias", {{"customer", customer->name}, {"alias", alias}});
    turn.reply("engagements.alias_added", {{"customer", customer->name}, {"alias", alias}});
}

}  // namespace

namespace {

// `todo`: handoffs waiting for the reader's answer.
void pending_handoffs(Turn& turn, const Person& me, std::vector<std::string>& items) {
    for (const auto& h : turn.read_table<EngagementRepository>().pending_handoffs_to(me.id)) {
        const auto e = turn.read_table<EngagementRepository>().get(h.engagement_id);
        if (!e || e->closed) continue;
        items.push_back(
            turn.text("engagements.todo_handoff",
                      {{"customer", e->customer_name},
                       {"who", person_name(turn, h.from_id)},
                       {"deadline", format_local(core::from_millis(h.deadline_at), me.timezone)}}));
    }
}

}  // namespace

namespace {

bot::Customer customer_value(store::engagements::Customer c) {
    return {c.id, std::move(c.name), std::move(c.name_key), std::move(c.aliases),
            std::move(c.alias_keys)};
}

bot::Engagement engagement_value(store::engagements::Engagement e) {
    return {e.id,
            e.customer_id,
            std::move(e.customer_name),
            std::move(e.tag),
            std::move(e.stage),
            std::move(e.lead),
            e.owner_id,
            e.amount,
            e.closed,
            e.created_by,
            e.created_at,
            e.updated_at};
}

template <class T, class F>
auto values(std::vector<T> rows, F value) {
    std::vector<decltype(value(std::move(rows.front())))> out;
    out.reserve(rows.size());
    for (auto& r : rows) out.push_back(value(std::move(r)));
    return out;
}

template <class T, class F>
auto value_of(std::optional<T> row, F value) -> std::optional<decltype(value(std::move(*row)))> {
    if (!row) return std::nullopt;
    return value(std::move(*row));
}

/// Customers as other features read them, from a store's database: this engine's (the
/// service), or one the program opened without an engine (customers_on).
class StoreCustomers final : public Customers {
  public:
    explicit StoreCustomers(std::function<store::Database&()> db) : db_(std::move(db)) {}
    std::string key_of(const std::string& name) const override { return name_key(name); }
    std::vector<bot::Customer> all() const override {
        return values(customer_table().all(), customer_value);
    }
    std::optional<bot::Customer> get(std::int64_t id) const override {
        return value_of(customer_table().get(id), customer_value);
    }
    std::optional<bot::Customer> find(const std::string& name) const override {
        const std::string key = name_key(name);
        if (key.empty()) return std::nullopt;
        return value_of(customer_table().find_by_key(key), customer_value);
    }
    std::optional<bot::Engagement> open_engagement(
        std::int64_t customer_id, std::optional<std::int64_t> owner_id) const override {
        std::optional<Engagement> first;
        for (auto& e : engagement_table().of_customer(customer_id)) {
            if (e.closed) continue;
            if (e.owner_id && owner_id && *e.owner_id == *owner_id) return engagement_value(e);
            if (!first) first = std::move(e);
        }
        return value_of(std::move(first), engagement_value);
    }
    std::optional<bot::Engagement> engagement(std::int64_t id) const override {
        return value_of(engagement_table().get(id), engagement_value);
    }
    std::vector<bot::Engagement> engagements_of(std::int64_t customer_id) const override {
        return values(engagement_table().of_customer(customer_id), engagement_value);
    }
    std::vector<bot::Engagement> engagements() const override {
        return values(engagement_table().all(), engagement_value);
    }
    std::vector<std::pair<bot::Engagement, bot::EngagementEvent>> events_of_kind(
        const std::string& kind) const override {
        std::vector<std::pair<bot::Engagement, bot::EngagementEvent>> out;
        for (auto& [e, ev] : engagement_table().events_of_kind(kind)) {
            out.push_back({engagement_value(std::move(e)),
                           {ev.at, ev.person_id, std::move(ev.kind), std::move(ev.detail)}});
        }
        return out;
    }
    std::int64_t add_consultation(Turn& turn, const bot::Consultation& c) const override {
        store::engagements::Consultation row;
        row.engagement_id = c.engagement_id;
        row.consultant_id = c.consultant_id;
        row.requested_by = c.requested_by;
        row.note = c.note;
        row.requested_at = c.requested_at;
        return turn.write_table<EngagementRepository>().add_consultation(row);
    }

  private:
    CustomerRepository customer_table() const { return CustomerRepository(db_()); }
    EngagementRepository engagement_table() const { return EngagementRepository(db_()); }
    std::function<store::Database&()> db_;
};

/// The engagements, handoffs and consultations the metrics count, from this engine's
/// store.
class StoreEngagementFacts final : public EngagementFacts {
  public:
    explicit StoreEngagementFacts(Engine& engine) : engine_(engine) {}
    std::vector<EngagementFact> engagements() const override {
        return values(table().facts(), [](store::engagements::EngagementFact f) {
            return EngagementFact{
                f.id,          f.customer_id, f.created_at, f.marketing_created, f.marketing_led,
                f.consulted_at};
        });
    }
    std::vector<HandoffFact> handoffs(std::int64_t from_ms, std::int64_t to_ms) const override {
        return values(table().handoff_facts(from_ms, to_ms), [](store::engagements::HandoffFact h) {
            return HandoffFact{h.requested_at, h.decided_at, std::move(h.status), h.deadline_at};
        });
    }
    std::vector<ConsultationFact> consultations(std::int64_t from_ms,
                                                std::int64_t to_ms) const override {
        return values(table().consultation_facts(from_ms, to_ms),
                      [](store::engagements::ConsultationFact c) {
                          return ConsultationFact{c.requested_at, c.answered_at};
                      });
    }

  private:
    EngagementRepository table() const { return EngagementRepository(engine_.store().db()); }
    Engine& engine_;
};

/// The funnel's stages for the dashboard.
class EngineFunnelStages final : public FunnelStages {
  public:
    explicit EngineFunnelStages(const Engine& engine) : engine_(engine) {}
    std::vector<FunnelStep> stages() const override {
        std::vector<FunnelStep> out;
        const Funnel funnel = funnel_from(engine_.settings().features.get<FunnelSettings>());
        for (const auto& stage : funnel.stages()) out.push_back({stage.name, stage.closed});
        return out;
    }

  private:
    const Engine& engine_;
};

}  // namespace

Feature feature() {
    Feature f{"engagements", "funnel", read_config, {2}, [](Engine& engine, Services& services) {
                  register_engagements(engine);
                  services.provide<Customers>(std::make_shared<StoreCustomers>(
                      [&engine]() -> store::Database& { return engine.store().db(); }));
                  services.provide<EngagementFacts>(std::make_shared<StoreEngagementFacts>(engine));
                  services.provide<FunnelStages>(std::make_shared<EngineFunnelStages>(engine));
              }};
    f.person_data = store::engagements::person_data;
    return f;
}

std::shared_ptr<const Customers> customers_on(store::Database& db) {
    return std::make_shared<StoreCustomers>([&db]() -> store::Database& { return db; });
}

void register_engagements(Engine& engine) {
    auto& r = engine.router();
    r.add(CommandSpec("engagement new", engagement_new)
              .arg(Arg::text("customer"))
              .option("engagements.words.stage", Arg::word("stage"))
              .option("engagements.words.owner", Arg::person("owner"))
              .option("engagements.words.amount", Arg::amount("amount"))
              .writes());
    r.add(CommandSpec("engagement", engagement_card).arg(Arg::text("customer")));
    r.add(CommandSpec("who owns", who_owns).arg(Arg::text("customer")));
    r.add(CommandSpec("stage", set_stage)
              .arg(Arg::text("customer"))
              .arg(Arg::word("stage"))
              .writes());
    r.add(CommandSpec("engagements", list_engagements)
              .arg(Arg::word("filter").optional())
              .option("engagements.words.stage", Arg::word("stage")));
    r.add(CommandSpec("consult", consult)
              .arg(Arg::text("customer"))
              .arg(Arg::person("consultant")
                       .or_words({"engagements.words.marketing", "engagements.words.sales"}))
              .arg(Arg::note("note").optional())
              .writes());
    r.add(CommandSpec("handoff", handoff)
              .arg(Arg::text("customer"))
              .keyword("engagements.words.to", Arg::person("rep"))
              .arg(Arg::note("note").optional())
              .writes());
    r.add(CommandSpec("accept", accept).arg(Arg::text("customer")).writes());
    r.add(CommandSpec("decline", decline)
              .arg(Arg::customer("customer"))
              .arg(Arg::note("reason"))
              .writes());
    r.add(CommandSpec("track set", track_set)
              .roles({"admin"})
              .arg(Arg::word("channel"))
              .arg(Arg::word("channel_track"))
              .writes());
    r.add(CommandSpec("customer alias", customer_alias)
              .arg(Arg::customer("customer"))
              .arg(Arg::text("alias"))
              .writes());
    engine.scheduler().on(handoff_job, handoff_deadline);
    engine.add_todo_source(pending_handoffs);
}

}  // namespace twintrack::bot::engagements
