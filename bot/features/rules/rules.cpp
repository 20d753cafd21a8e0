#include "bot/features/rules/rules.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "bot/customers.hpp"
#include "bot/engine.hpp"
#include "bot/facts.hpp"
#include "bot/features/rules/store/rules_store.hpp"
#include "bot/joint_agenda.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::rules {
namespace {

using nlohmann::json;
using store::rules::Disagreement;
using store::rules::RuleProposal;
using RulesTable = store::rules::RulesRepository;

const char* const daily_job = "rules.daily";
const char* const position_dialog = "disagreement_position";
constexpr std::int64_t day_ms = 24LL * 3600 * 1000;
/// Without from=, the facts of the last 90 days.
constexpr std::int64_t default_period_days = 90;
const std::size_t max_title_chars = 200;
const std::size_t max_text_chars = 2000;
const std::size_t max_rule_chars = 500;
const std::size_t max_customers = 5;
const std::size_t latest_reports = 3;
const int list_limit = 20;

std::int64_t now_ms(const Turn& turn) { return core::to_millis(turn.now()); }

bool is_word(Turn& turn, const std::string& name, const std::string& word) {
    return turn.engine().prompts().is_word("rules.words." + name, word);
}

std::string zone_of(Turn& turn, const Person* p) {
    if (p != nullptr && !p->timezone.empty()) return p->timezone;
    return turn.engine().settings().company_timezone;
}

std::string person_name(Turn& turn, std::int64_t id) {
    const Person* p = turn.engine().directory().by_id(id);
    return p ? p->name : "#" + std::to_string(id);
}

std::string department_text(Turn& turn, const std::string& department) {
    return turn.text("core.department." + department);
}

std::string other_department(const std::string& d) {
    return d == "marketing" ? "sales" : "marketing";
}

std::string local_day(Turn& turn, std::int64_t at_ms) {
    return format_local(core::from_millis(at_ms), zone_of(turn, turn.person())).substr(0, 10);
}

std::string clip(const std::string& text, std::size_t bytes) {
    const std::string_view cut = core::utf8_prefix(text, bytes);
    return cut.size() < text.size() ? std::string(cut) + "…" : text;
}

/// "7", "#7", "7:" or "7：".
std::optional<std::int64_t> parse_id(std::string word) {
    for (const std::string colon : {":", "：", ",", "，"}) {
        if (word.size() >= colon.size() &&
            word.compare(word.size() - colon.size(), colon.size(), colon) == 0) {
            word.erase(word.size() - colon.size());
            break;
        }
    }
    if (!word.empty() && word.front() == '#') word.erase(0, 1);
    if (word.empty() || word.size() > 12 ||
        !std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    return std::stoll(word);
}

/// An id word and the text after it, also when written together: "3:text", "3：文字".
struct IdAndText {
    std::string id;
    std::string text;
};

IdAndText id_and_text(const std::string& id_word, const std::string& text) {
    IdAndText out{id_word, std::string(core::trim(text))};
    for (const std::string colon : {":", "："}) {
        const auto at = id_word.find(colon);
        if (at == std::string::npos || at + colon.size() == id_word.size()) continue;
        out.id = id_word.substr(0, at);
        const std::string glued = id_word.substr(at + colon.size());
        out.text = out.text.empty() ? glued : glued + " " + out.text;
        break;
    }
    return out;
}

/// The parts before and after the first colon (":" or "："), trimmed; no colon: nothing.
std::optional<std::pair<std::string, std::string>> split_colon(const std::string& text) {
    std::size_t at = std::string::npos, len = 0;
    for (const std::string colon : {":", "："}) {
        const auto found = text.find(colon);
        if (found != std::string::npos && found < at) {
            at = found;
            len = colon.size();
        }
    }
    if (at == std::string::npos) return std::nullopt;
    return std::make_pair(std::string(core::trim(text.substr(0, at))),
                          std::string(core::trim(text.substr(at + len))));
}

/// The instant local midnight starts `day` in `zone`.
std::int64_t start_of_day(const date::year_month_day& day, const std::string& zone) {
    const auto sys = zone_or_utc(zone)->to_sys(date::local_days(day), date::choose::earliest);
    return core::to_millis(std::chrono::time_point_cast<std::chrono::milliseconds>(sys));
}

date::year_month_day today_in(Turn& turn, const std::string& zone) {
    const auto local = zone_or_utc(zone)->to_local(turn.now());
    return date::year_month_day(date::floor<date::days>(local));
}

std::string ymd_text(const date::year_month_day& d) {
    return date::format("%F", date::local_days(d));
}

bool is_department_manager(const Person& p) {
    return p.role == "manager" && (p.department == "marketing" || p.department == "sales");
}

std::vector<const Person*> joint_managers(Turn& turn) {
    std::vector<const Person*> out;
    for (const std::string d : {"marketing", "sales"}) {
        for (const Person* p : turn.engine().directory().managers_of(d)) out.push_back(p);
    }
    return out;
}

// --- the rule set ------------------------------------------------------------------------

using Texts = std::vector<std::pair<std::string, std::string>>;

/// Version 1 as the configuration has it: the i-th note of every locale is rule i.
std::vector<Texts> seed_rules(const BotSettings& settings) {
    std::vector<Texts> out;
    for (const auto& [locale, notes] : settings.rules.notes) {
        for (std::size_t i = 0; i < notes.size(); ++i) {
            if (out.size() <= i) out.resize(i + 1);
            out[i].push_back({locale, notes[i]});
        }
    }
    return out;
}

/// The wording for the reader: theirs, the company's, or the one it was written in.
std::string text_for(Turn& turn, const Texts& texts) {
    const std::string& mine = turn.locale();
    const std::string& company = turn.engine().settings().default_locale;
    for (const auto& want : {mine, company}) {
        for (const auto& [locale, text] : texts) {
            if (locale == want) return text;
        }
    }
    return texts.empty() ? std::string() : texts.front().second;
}

struct ShownRule {
    std::int64_t number = 0;
    std::string text;
};

/// The current rules in the reader's words; before any is stored, version 1 as configured.
std::vector<ShownRule> current_rules(Turn& turn) {
    std::vector<ShownRule> out;
    const auto& repo = turn.read_table<RulesTable>();
    const std::int64_t version = repo.current_version();
    if (version == 0) {
        std::int64_t n = 0;
        for (const auto& texts : seed_rules(turn.engine().settings())) {
            out.push_back({++n, text_for(turn, texts)});
        }
        return out;
    }
    for (const auto& r : repo.rules_of(version)) out.push_back({r.number, text_for(turn, r.texts)});
    return out;
}

/// Stores version 1 from `rules.notes` the first time the rule set changes.
void ensure_seeded(Turn& turn) {
    auto repo = turn.write_table<RulesTable>();
    if (repo.current_version() > 0) return;
    repo.add_version({1, std::nullopt, now_ms(turn)});
    const auto seeds = seed_rules(turn.engine().settings());
    for (const auto& texts : seeds) repo.add_rule(1, std::nullopt, texts);
    turn.audit("rule.seed", {{"version", 1}, {"rules", seeds.size()}});
}

/// `rules`: the agreed texts (numbered) in place of the configured notes, and the version.
void rules_data(Turn& turn, json& data) {
    json notes = json::array();
    for (const auto& r : current_rules(turn)) {
        notes.push_back(turn.text("rules.note", {{"number", r.number}, {"text", r.text}}));
    }
    data["notes"] = notes;
    data["has_notes"] = !notes.empty();
    const auto& repo = turn.read_table<RulesTable>();
    const std::int64_t version = repo.current_version();
    std::string agreed;
    for (const auto& v : repo.versions()) {
        if (v.version == version) agreed = local_day(turn, v.agreed_at);
    }
    const auto open = repo.open_proposals().size();
    data["agreed"] =
        turn.text("rules.version_line", {{"version", std::max<std::int64_t>(version, 1)},
                                         {"configured", version <= 1},
                                         {"date", agreed},
                                         {"has_date", version > 1},
                                         {"open", open},
                                         {"has_open", open > 0}});
}

// --- proposals ---------------------------------------------------------------------------

std::string proposal_subject(std::int64_t id, const std::string& department) {
    return "rule:" + std::to_string(id) + ":" + department;
}

Offer approval_offer(std::int64_t id, const Person& manager) {
    Offer offer;
    offer.subject = proposal_subject(id, manager.department);
    offer.audience = {manager.id};
    const std::string args = std::to_string(id);
    offer.choices.push_back(
        {"rules.button.approve", {}, "rule approve", args, "primary", "", "", ""});
    offer.choices.push_back(
        {"rules.button.reject", {{"id", id}}, "rule reject", args, "", "", "rules.ask_reject", ""});
    return offer;
}

/// Asks every manager of both departments (but the writer) to approve proposal `p`.
void request_approvals(Turn& turn, const RuleProposal& p) {
    for (const Person* m : joint_managers(turn)) {
        if (turn.person() != nullptr && m->id == turn.person()->id) continue;
        turn.tell(*m, "rules.approval_request",
                  {{"id", p.id},
                   {"who", person_name(turn, p.proposed_by)},
                   {"text", p.text},
                   {"has_replaces", p.replaces.has_value()},
                   {"replaces", p.replaces.value_or(0)},
                   {"has_disagreement", p.disagreement_id.has_value()},
                   {"disagreement", p.disagreement_id.value_or(0)}},
                  approval_offer(p.id, *m));
    }
}

/// Opens a proposal (the rule set is stored from then on) and asks for approval.
RuleProposal open_proposal(Turn& turn, const std::string& text,
                           std::optional<std::int64_t> replaces,
                           std::optional<std::int64_t> disagreement) {
    ensure_seeded(turn);
    RuleProposal p;
    p.text = text;
    p.locale = turn.engine().prompts().normalize_locale(turn.locale());
    p.replaces = replaces;
    p.proposed_by = turn.person()->id;
    p.proposed_at = now_ms(turn);
    p.disagreement_id = disagreement;
    p.id = turn.write_table<RulesTable>().propose(p);
    turn.audit("rule.propose", {{"proposal", p.id},
                                {"text", text},
                                {"replaces", replaces ? json(*replaces) : json()},
                                {"disagreement", disagreement ? json(*disagreement) : json()}});
    request_approvals(turn, p);
    return p;
}

/// A rule number of the current set, or the answer why not.
bool current_rule(Turn& turn, std::int64_t number) {
    for (const auto& r : current_rules(turn)) {
        if (r.number == number) return true;
    }
    return false;
}

// Declared: rule propose TEXT [replaces=N].
void propose(Turn& turn, const CommandArgs& args) {
    const std::string text(core::trim(args.parsed.word("rule")));
    if (text.empty()) return reply_usage(turn, "rule propose");
    if (core::utf8_length(text) > max_rule_chars) {
        return turn.reply("rules.too_long", {{"limit", max_rule_chars}});
    }
    std::optional<std::int64_t> replaces;
    if (args.parsed.has("replaces")) {
        replaces = parse_id(args.parsed.word("replaces"));
        if (!replaces || !current_rule(turn, *replaces)) {
            return turn.reply("rules.unknown_rule", {{"number", args.parsed.word("replaces")}});
        }
    }
    const RuleProposal p = open_proposal(turn, text, replaces, std::nullopt);
    turn.reply("rules.proposed", {{"id", p.id},
                                  {"text", text},
                                  {"has_replaces", replaces.has_value()},
                                  {"replaces", replaces.value_or(0)}});
}

/// The proposal of `word` when the writer may decide on it for their department now;
/// otherwise answers why not.
std::optional<RuleProposal> decidable(Turn& turn, const std::string& word) {
    const auto id = parse_id(word);
    if (!id) {
        turn.reply("rules.bad_id", {{"word", word}});
        return std::nullopt;
    }
    auto p = turn.read_table<RulesTable>().proposal(*id);
    if (!p) {
        turn.reply("rules.proposal_unknown", {{"id", *id}});
        return std::nullopt;
    }
    if (!is_department_manager(*turn.person())) {
        turn.refuse("rules.not_approver", {{"id", p->id}});
        return std::nullopt;
    }
    if (p->status != "open") {
        turn.reply("rules.proposal_closed", {{"id", p->id},
                                             {"approved", p->status == "approved"},
                                             {"version", p->version.value_or(0)}});
        return std::nullopt;
    }
    for (const auto& a : turn.read_table<RulesTable>().approvals(p->id)) {
        if (a.department != turn.person()->department) continue;
        turn.reply("rules.already_decided", {{"id", p->id},
                                             {"you", a.person_id == turn.person()->id},
                                             {"who", person_name(turn, a.person_id)},
                                             {"approved", a.decision == "approved"},
                                             {"department", department_text(turn, a.department)}});
        return std::nullopt;
    }
    return p;
}

/// Both departments approved: the next version, with the rule added (or replacing one).
std::int64_t agree(Turn& turn, const RuleProposal& p, std::int64_t& number) {
    auto repo = turn.write_table<RulesTable>();
    ensure_seeded(turn);
    const std::int64_t version = repo.current_version() + 1;
    const std::int64_t now = now_ms(turn);
    repo.add_version({version, p.id, now});
    if (p.replaces) repo.retire_rule(*p.replaces, version);
    number = repo.add_rule(version, p.id, {{p.locale, p.text}});
    repo.close_proposal(p.id, "approved", now, version);
    turn.audit("rule.version", {{"version", version},
                                {"proposal", p.id},
                                {"rule", number},
                                {"replaces", p.replaces ? json(*p.replaces) : json()}});
    return version;
}

void approve(Turn& turn, const CommandArgs& args) {
    const auto p = decidable(turn, args.parsed.word("id"));
    if (!p) return;
    const Person& me = *turn.person();
    auto repo = turn.write_table<RulesTable>();
    repo.decide_proposal(p->id, {me.department, me.id, "approved", "", now_ms(turn)});
    turn.audit("rule.approve", {{"proposal", p->id}, {"department", me.department}});
    turn.settle(proposal_subject(p->id, me.department), "rules.outcome.approved");
    bool both = true;
    const auto approvals = repo.approvals(p->id);
    for (const std::string department : {"marketing", "sales"}) {
        both = both && std::any_of(approvals.begin(), approvals.end(), [&](const auto& a) {
                   return a.department == department && a.decision == "approved";
               });
    }
    json data = {{"id", p->id},
                 {"text", p->text},
                 {"department", department_text(turn, me.department)},
                 {"other", department_text(turn, other_department(me.department))},
                 {"both", both}};
    if (both) {
        std::int64_t number = 0;
        data["version"] = agree(turn, *p, number);
        data["number"] = number;
        data["has_replaces"] = p->replaces.has_value();
        data["replaces"] = p->replaces.value_or(0);
    }
    turn.reply("rules.approved", data);
    if (both && p->proposed_by != me.id) {
        if (const Person* author = turn.engine().directory().by_id(p->proposed_by)) {
            turn.tell(*author, "rules.proposer_agreed", data);
        }
    }
}

// Declared: rule reject ID [REASON].
void reject(Turn& turn, const CommandArgs& args) {
    const auto p = decidable(turn, args.parsed.word("id"));
    if (!p) return;
    const Person& me = *turn.person();
    const std::string note = clip(std::string(core::trim(args.parsed.word("reason"))), 500);
    auto repo = turn.write_table<RulesTable>();
    repo.decide_proposal(p->id, {me.department, me.id, "rejected", note, now_ms(turn)});
    repo.close_proposal(p->id, "rejected", now_ms(turn), std::nullopt);
    turn.audit("rule.reject", {{"proposal", p->id}, {"department", me.department}, {"note", note}});
    turn.settle(proposal_subject(p->id, me.department), "rules.outcome.rejected");
    turn.settle(proposal_subject(p->id, other_department(me.department)), "rules.outcome.rejected");
    const json data = {{"id", p->id},    {"text", p->text},
                       {"who", me.name}, {"department", department_text(turn, me.department)},
                       {"note", note},   {"has_note", !note.empty()}};
    turn.reply("rules.rejected", data);
    if (p->proposed_by != me.id) {
        if (const Person* author = turn.engine().directory().by_id(p->proposed_by)) {
            turn.tell(*author, "rules.proposer_rejected", data);
        }
    }
}

json approvals_data(Turn& turn, std::int64_t proposal) {
    json items = json::array();
    for (const auto& a : turn.read_table<RulesTable>().approvals(proposal)) {
        items.push_back({{"who", person_name(turn, a.person_id)},
                         {"department", department_text(turn, a.department)},
                         {"approved", a.decision == "approved"}});
    }
    return items;
}

void history(Turn& turn, const CommandArgs&) {
    const auto& repo = turn.read_table<RulesTable>();
    const auto all = repo.all_rules();
    json versions = json::array();
    const auto stored = repo.versions();
    if (stored.empty()) {
        versions.push_back({{"version", 1},
                            {"configured", true},
                            {"date", ""},
                            {"has_date", false},
                            {"count", seed_rules(turn.engine().settings()).size()}});
    }
    for (const auto& v : stored) {
        json item = {{"version", v.version},
                     {"configured", !v.proposal_id},
                     {"date", local_day(turn, v.agreed_at)},
                     {"has_date", true}};
        if (!v.proposal_id) {
            item["count"] = std::count_if(all.begin(), all.end(),
                                          [](const auto& r) { return r.added_in == 1; });
        } else if (const auto p = repo.proposal(*v.proposal_id)) {
            for (const auto& r : all) {
                if (r.proposal_id == p->id) item["number"] = r.number;
            }
            item["text"] = p->text;
            item["by"] = person_name(turn, p->proposed_by);
            item["has_replaces"] = p->replaces.has_value();
            item["replaces"] = p->replaces.value_or(0);
            item["approvals"] = approvals_data(turn, p->id);
        }
        versions.push_back(item);
    }
    std::reverse(versions.begin(), versions.end());
    json open = json::array();
    for (const auto& p : repo.open_proposals()) {
        json waiting = json::array();
        const auto approvals = repo.approvals(p.id);
        for (const std::string d : {"marketing", "sales"}) {
            const bool done = std::any_of(approvals.begin(), approvals.end(),
                                          [&](const auto& a) { return a.department == d; });
            if (!done) waiting.push_back(department_text(turn, d));
        }
        open.push_back({{"id", p.id},
                        {"text", p.text},
                        {"by", person_name(turn, p.proposed_by)},
                        {"waiting", turn.list_data(waiting.get<std::vector<std::string>>())}});
    }
    turn.reply("rules.history", {{"versions", versions},
                                 {"current", std::max<std::int64_t>(repo.current_version(), 1)},
                                 {"open", open},
                                 {"has_open", !open.empty()}});
}

// --- disagreements: facts -----------------------------------------------------------------

bool ascii_only(const std::string& s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/// Whether `lower_text` names `name` (lower case): as a whole word for Latin names (at least
/// three letters), anywhere for Chinese ones.
bool names(const std::string& lower_text, const std::string& name) {
    const std::string n = core::ascii_lower(std::string(core::trim(name)));
    if (n.empty()) return false;
    if (!ascii_only(n)) return lower_text.find(n) != std::string::npos;
    if (n.size() < 3) return false;
    for (auto at = lower_text.find(n); at != std::string::npos; at = lower_text.find(n, at + 1)) {
        const bool start = at == 0 || !alnum(lower_text[at - 1]);
        const bool end = at + n.size() >= lower_text.size() || !alnum(lower_text[at + n.size()]);
        if (start && end) return true;
    }
    return false;
}

std::vector<std::string> split_names(const std::string& value) {
    std::string s = value;
    for (const std::string sep : {"，", "、", ";", "；"}) {
        for (auto at = s.find(sep); at != std::string::npos; at = s.find(sep, at)) {
            s.replace(at, sep.size(), ",");
        }
    }
    std::vector<std::string> out;
    std::size_t from = 0;
    while (from <= s.size()) {
        const auto to = s.find(',', from);
        const std::string part(
            core::trim(s.substr(from, to == std::string::npos ? std::string::npos : to - from)));
        if (!part.empty()) out.push_back(part);
        if (to == std::string::npos) break;
        from = to + 1;
    }
    return out;
}

/// What the other features know about `customer` in [from, to), as stored with the
/// disagreement (language-neutral: ids, numbers, UTC times).
json customer_facts(Turn& turn, const Customer& customer, std::int64_t from, std::int64_t to) {
    Engine& engine = turn.engine();
    json c = {{"id", customer.id}, {"name", customer.name}};
    if (auto* reports = engine.services().find<ReportFacts>()) {
        const auto found = reports->reports_about(turn, customer.id, from, to);
        c["reports"] = found.size();
        json latest = json::array();
        for (std::size_t i = 0; i < found.size() && i < latest_reports; ++i) {
            latest.push_back({{"id", found[i].id},
                              {"at", found[i].created_at},
                              {"author", person_name(turn, found[i].author_id)},
                              {"text", clip(found[i].text, 160)}});
        }
        c["latest"] = latest;
    }
    if (auto* deals = engine.services().find<DealFacts>()) {
        std::int64_t open = 0, won = 0, lost = 0;
        double open_amount = 0, won_amount = 0;
        for (const auto& d : deals->deals_of(turn, customer.id, from, to)) {
            if (d.stage == "won") {
                ++won;
                won_amount += d.company_amount;
            } else if (d.stage == "lost") {
                ++lost;
            } else {
                ++open;
                open_amount += d.company_amount;
            }
        }
        c["deals"] = {{"open", open},
                      {"open_amount", std::llround(open_amount)},
                      {"won", won},
                      {"won_amount", std::llround(won_amount)},
                      {"lost", lost}};
    }
    if (auto* customers = engine.services().find<Customers>()) {
        if (const auto e = customers->open_engagement(customer.id, std::nullopt)) {
            c["engagement"] = {{"id", e->id},
                               {"stage", e->stage},
                               {"lead", e->lead},
                               {"owner", e->owner_id ? person_name(turn, *e->owner_id) : ""}};
        }
    }
    return c;
}

/// `text` without empty lines (sections that rendered nothing) and trimmed.
std::string without_empty_lines(const std::string& text) {
    std::string out;
    std::size_t from = 0;
    while (from <= text.size()) {
        auto to = text.find('\n', from);
        if (to == std::string::npos) to = text.size();
        const std::string line = text.substr(from, to - from);
        if (!core::trim(line).empty()) {
            if (!out.empty()) out += '\n';
            out += line;
        }
        from = to + 1;
    }
    return out;
}

/// The stored facts as template data in the reader's language.
json found_data(Turn& turn, const std::string& stored) {
    const json found = json::parse(stored, nullptr, false);
    json customers = json::array();
    json unknown = json::array();
    if (found.is_object()) {
        const std::string currency = turn.engine().settings().rules.currency;
        for (const auto& c : found.value("customers", json::array())) {
            json item = {{"name", c.value("name", "")},
                         {"has_reports", c.contains("reports")},
                         {"reports", c.value("reports", 0)},
                         {"currency", currency}};
            json latest = json::array();
            for (const auto& r : c.value("latest", json::array())) {
                latest.push_back({{"id", r.value("id", 0)},
                                  {"date", local_day(turn, r.value("at", std::int64_t{0}))},
                                  {"author", r.value("author", "")},
                                  {"text", r.value("text", "")}});
            }
            item["latest"] = latest;
            item["has_latest"] = !latest.empty();
            item["has_deals"] = c.contains("deals");
            if (c.contains("deals")) {
                for (const auto& [k, v] : c.at("deals").items()) item[k] = v;
            }
            item["has_engagement"] = c.contains("engagement");
            if (c.contains("engagement")) {
                const auto& e = c.at("engagement");
                item["stage"] = e.value("stage", "");
                item["lead"] = department_text(turn, e.value("lead", "marketing"));
                item["owner"] = e.value("owner", "");
                item["has_owner"] = !e.value("owner", "").empty();
            }
            customers.push_back(item);
        }
        for (const auto& u : found.value("unknown", json::array())) unknown.push_back(u);
    }
    return {
        {"customers", customers},
        {"has_customers", !customers.empty()},
        {"unknown", turn.list_data(unknown.get<std::vector<std::string>>())},
        {"has_unknown", !unknown.empty()},
        {"from", local_day(turn, found.is_object() ? found.value("from", std::int64_t{0}) : 0)},
        {"to", local_day(turn, found.is_object() ? found.value("to", std::int64_t{0}) - 1 : 0)}};
}

// --- disagreements: raise, positions --------------------------------------------------------

/// Puts an open disagreement on the next joint meeting's agenda, if there is one.
std::optional<JointMeeting> put_on_agenda(Turn& turn, const Disagreement& d) {
    auto* agenda = turn.engine().services().find<JointAgenda>();
    if (agenda == nullptr) return std::nullopt;
    const auto meeting = agenda->next(turn);
    if (!meeting || (d.meeting_id && *d.meeting_id == meeting->id)) return meeting;
    const std::string item = turn.engine().prompts().render(
        turn.engine().settings().default_locale, "rules.agenda_item",
        {{"id", d.id}, {"title", d.title}, {"who", person_name(turn, d.raised_by)}});
    agenda->add_item(turn, meeting->id, d.raised_by, item);
    turn.write_table<RulesTable>().put_on_agenda(d.id, meeting->id, meeting->start_at);
    turn.audit("disagreement.agenda", {{"disagreement", d.id}, {"meeting", meeting->id}});
    return meeting;
}

json position_state(Turn& turn, const Disagreement& d, const Person& manager) {
    const std::string locale = turn.engine().locale_for(&manager);
    return {{"id", d.id},
            {"title", d.title},
            {"facts", d.facts},
            {"who", person_name(turn, d.raised_by)},
            {"dept", manager.department},
            {"department",
             turn.engine().prompts().render(locale, "core.department." + manager.department)}};
}

/// Asks each department's managers for their position: a short dialog, or, for someone
/// already in another one, a message naming the command.
void ask_positions(Turn& turn, const Disagreement& d) {
    for (const Person* m : joint_managers(turn)) {
        const json state = position_state(turn, d, *m);
        if (!turn.engine().dialogs().start_with(turn, *m, position_dialog, state)) {
            turn.tell(*m, "rules.position_request", state);
        }
    }
}

// Declared: raise TITLE: FACTS [customer=NAME[,NAME]] [from=DATE] [to=DATE].
void raise(Turn& turn, const CommandArgs& args) {
    const auto parts = split_colon(args.parsed.word("text"));
    if (!parts || parts->first.empty() || parts->second.empty()) {
        return turn.reply("rules.raise_usage");
    }
    const auto& [title, facts] = *parts;
    if (core::utf8_length(title) > max_title_chars || core::utf8_length(facts) > max_text_chars) {
        return turn.reply("rules.raise_too_long",
                          {{"title", max_title_chars}, {"facts", max_text_chars}});
    }
    const Person& me = *turn.person();
    const std::string zone = zone_of(turn, &me);
    std::int64_t to = now_ms(turn) + 1;  // up to this moment
    if (const auto day = args.parsed.date("to")) {
        to = start_of_day(date::year_month_day(date::sys_days(*day) + date::days(1)), zone);
    }
    std::int64_t from = to - default_period_days * day_ms;
    if (const auto day = args.parsed.date("from")) from = start_of_day(*day, zone);
    if (from >= to) {
        return turn.reply("rules.bad_period",
                          {{"from", args.parsed.word("from")}, {"to", args.parsed.word("to")}});
    }
    // The customers: those named with customer=, and known ones the text names.
    std::vector<Customer> known;
    std::vector<std::string> unknown;
    auto* customers = turn.engine().services().find<Customers>();
    auto add_known = [&](const Customer& c) {
        if (known.size() >= max_customers) return;
        for (const auto& k : known) {
            if (k.id == c.id) return;
        }
        known.push_back(c);
    };
    for (const auto& name : split_names(args.parsed.word("customer"))) {
        const auto c = customers ? customers->find(name) : std::nullopt;
        if (c) {
            add_known(*c);
        } else if (std::find(unknown.begin(), unknown.end(), name) == unknown.end()) {
            unknown.push_back(clip(name, 60));
        }
    }
    if (customers != nullptr) {
        const std::string lower = core::ascii_lower(title + " " + facts);
        for (const auto& c : customers->all()) {
            bool named = names(lower, c.name);
            for (const auto& alias : c.aliases) named = named || names(lower, alias);
            if (named) add_known(c);
        }
    }
    json found = {{"from", from}, {"to", to}, {"unknown", unknown}};
    found["customers"] = json::array();
    for (const auto& c : known) found["customers"].push_back(customer_facts(turn, c, from, to));

    Disagreement d;
    d.title = title;
    d.facts = facts;
    d.locale = turn.engine().prompts().normalize_locale(turn.locale());
    d.raised_by = me.id;
    d.raised_at = now_ms(turn);
    d.period_from = from;
    d.period_to = to;
    d.found = found.dump();
    d.id = turn.write_table<RulesTable>().raise(d);
    json names_list = json::array();
    for (const auto& c : known) names_list.push_back(c.name);
    turn.audit("disagreement.raise", {{"disagreement", d.id},
                                      {"title", title},
                                      {"customers", names_list},
                                      {"unknown", unknown}});
    const auto meeting = put_on_agenda(turn, d);
    json data = found_data(turn, d.found);
    data["found"] = without_empty_lines(turn.text("rules.found", data));
    data["id"] = d.id;
    data["title"] = title;
    data["on_agenda"] = meeting.has_value();
    data["meeting"] = meeting ? format_local(core::from_millis(meeting->start_at), zone) : "";
    data["managers"] = !joint_managers(turn).empty();
    turn.reply("rules.raised", data);
    ask_positions(turn, d);
}

/// The disagreement of `word`, or the answer why not.
std::optional<Disagreement> disagreement_arg(Turn& turn, const std::string& word) {
    const auto id = parse_id(word);
    if (!id) {
        turn.reply("rules.bad_id", {{"word", word}});
        return std::nullopt;
    }
    auto d = turn.read_table<RulesTable>().disagreement(*id);
    if (!d) turn.reply("rules.unknown_disagreement", {{"id", *id}});
    return d;
}

void save_position(Turn& turn, const Disagreement& d, const std::string& department,
                   const std::string& text) {
    const Person& me = *turn.person();
    turn.write_table<RulesTable>().set_position(d.id, {department, me.id, text, now_ms(turn)});
    turn.audit("disagreement.position",
               {{"disagreement", d.id}, {"department", department}, {"position", text}});
    const json data = {{"id", d.id},
                       {"title", d.title},
                       {"who", me.name},
                       {"position", text},
                       {"department", department_text(turn, department)}};
    turn.reply("rules.position_saved", data);
    if (d.raised_by != me.id) {
        if (const Person* raiser = turn.engine().directory().by_id(d.raised_by)) {
            json told = data;
            told["department"] = turn.engine().prompts().render(turn.engine().locale_for(raiser),
                                                                "core.department." + department);
            turn.tell(*raiser, "rules.position_told", told);
        }
    }
}

bool accept_position(Turn& turn, json& state, const std::string& answer) {
    const std::string text(core::trim(answer));
    if (text.empty()) {
        turn.reply("rules.position_empty");
        return false;
    }
    if (core::utf8_length(text) > max_text_chars) {
        turn.reply("rules.position_too_long", {{"limit", max_text_chars}});
        return false;
    }
    state["position"] = text;
    return true;
}

DialogSpec position_dialog_spec() {
    DialogSpec spec;
    spec.kind = position_dialog;
    // Optional: "skip" leaves the position to the joint meeting.
    spec.steps.push_back({"rules.ask_position", true, accept_position});
    spec.finish = [](Turn& turn, json& state) {
        const auto d =
            turn.read_table<RulesTable>().disagreement(state.value("id", std::int64_t{0}));
        if (!d) return;
        if (!state.contains("position")) {
            return turn.reply("rules.position_skipped", {{"id", d->id}});
        }
        save_position(turn, *d, state.value("dept", turn.person()->department),
                      state.at("position").get<std::string>());
    };
    // A command (or a disagreement decided meanwhile) ends the question: the message is
    // then handled as usual, and `position ID: TEXT` still works later.
    spec.is_answer = [](Turn& turn, const json& state, const std::string& text) {
        const auto d =
            turn.read_table<RulesTable>().disagreement(state.value("id", std::int64_t{0}));
        if (!d || d->status != "open") return false;
        const auto words = core::split_words(text);
        std::vector<std::string> head;
        for (std::size_t n = 0; n < words.size() && n < 3; ++n) {
            head.push_back(words[n]);
            if (turn.engine().router().find(core::join(head, " ")) != nullptr) return false;
        }
        return true;
    };
    spec.quiet_timeout = true;
    return spec;
}

// Declared: position ID [TEXT].
void position(Turn& turn, const CommandArgs& args) {
    const IdAndText in = id_and_text(args.parsed.word("id"), args.parsed.word("position"));
    const Person& me = *turn.person();
    if (!is_department_manager(me)) return turn.refuse("rules.position_not_allowed");
    const auto d = disagreement_arg(turn, in.id);
    if (!d) return;
    if (d->status != "open")
        return turn.reply("rules.already_decided_disagreement", {{"id", d->id}});
    if (in.text.empty()) return reply_usage(turn, "position");
    if (core::utf8_length(in.text) > max_text_chars) {
        return turn.reply("rules.position_too_long", {{"limit", max_text_chars}});
    }
    save_position(turn, *d, me.department, in.text);
}

// --- disagreements: decisions -----------------------------------------------------------

// Declared: decide ID DECISION owner=@P due=DATE [rule=TEXT].
void decide(Turn& turn, const CommandArgs& args) {
    const IdAndText in = id_and_text(args.parsed.word("id"), args.parsed.word("decision"));
    auto d = disagreement_arg(turn, in.id);
    if (!d) return;
    if (d->status != "open") {
        return turn.reply("rules.already_decided_disagreement", {{"id", d->id}});
    }
    if (in.text.empty()) return reply_usage(turn, "decide");
    if (core::utf8_length(in.text) > max_text_chars) {
        return turn.reply("rules.decision_too_long", {{"limit", max_text_chars}});
    }
    const Person* owner = args.parsed.person("owner");
    if (owner == nullptr) return turn.reply("rules.no_owner", {{"id", d->id}});
    const auto due = args.parsed.date("due");
    if (!due) return turn.reply("rules.no_due", {{"id", d->id}});
    const Person& me = *turn.person();
    const auto today = today_in(turn, zone_of(turn, &me));
    if (date::sys_days(*due) < date::sys_days(today)) {
        return turn.reply("rules.due_past", {{"due", ymd_text(*due)}, {"today", ymd_text(today)}});
    }
    const bool has_rule = args.parsed.has("rule");
    const std::string rule(core::trim(args.parsed.word("rule")));
    if (has_rule && rule.empty()) return turn.reply("rules.rule_empty");
    if (core::utf8_length(rule) > max_rule_chars) {
        return turn.reply("rules.too_long", {{"limit", max_rule_chars}});
    }
    d->decision = in.text;
    d->owner_id = owner->id;
    d->due_date = ymd_text(*due);
    // Due at the end of that day where the owner works.
    d->due_at = start_of_day(date::year_month_day(date::sys_days(*due) + date::days(1)),
                             zone_of(turn, owner));
    d->decided_by = me.id;
    d->decided_at = now_ms(turn);
    std::optional<RuleProposal> proposal;
    if (has_rule) proposal = open_proposal(turn, rule, std::nullopt, d->id);
    if (proposal) d->rule_proposal_id = proposal->id;
    turn.write_table<RulesTable>().decide(*d);
    turn.audit("disagreement.decide", {{"disagreement", d->id},
                                       {"decision", d->decision},
                                       {"owner", owner->id},
                                       {"due", d->due_date},
                                       {"proposal", proposal ? json(proposal->id) : json()}});
    const json data = {{"id", d->id},
                       {"title", d->title},
                       {"decision", d->decision},
                       {"owner", owner->name},
                       {"due", d->due_date},
                       {"by", me.name},
                       {"has_rule", proposal.has_value()},
                       {"proposal", proposal ? proposal->id : 0},
                       {"rule", rule}};
    turn.reply("rules.decided", data);
    if (owner->id != me.id) turn.tell(*owner, "rules.owner_told", data);
    if (d->raised_by != me.id && d->raised_by != owner->id) {
        if (const Person* raiser = turn.engine().directory().by_id(d->raised_by)) {
            turn.tell(*raiser, "rules.raiser_told", data);
        }
    }
}

// Declared: decision done ID.
void decision_done(Turn& turn, const CommandArgs& args) {
    const auto d = disagreement_arg(turn, args.parsed.word("id"));
    if (!d) return;
    const Person& me = *turn.person();
    if (d->status != "decided") return turn.reply("rules.not_decided", {{"id", d->id}});
    const bool may =
        (d->owner_id && *d->owner_id == me.id) || me.role == "manager" || me.role == "admin";
    if (!may) {
        return turn.refuse("rules.done_not_allowed",
                           {{"id", d->id}, {"owner", person_name(turn, d->owner_id.value_or(0))}});
    }
    if (d->done_at) return turn.reply("rules.already_done", {{"id", d->id}});
    turn.write_table<RulesTable>().mark_done(d->id, now_ms(turn));
    turn.audit("disagreement.done", {{"disagreement", d->id}});
    turn.reply("rules.done", {{"id", d->id}, {"title", d->title}});
}

// --- showing --------------------------------------------------------------------------------

json summary_data(Turn& turn, const Disagreement& d) {
    const std::int64_t now = now_ms(turn);
    json positions = json::array();
    const auto given = turn.read_table<RulesTable>().positions(d.id);
    for (const std::string department : {"marketing", "sales"}) {
        json item = {{"department", department_text(turn, department)},
                     {"given", false},
                     {"who", ""},
                     {"position", ""}};
        for (const auto& p : given) {
            if (p.department != department) continue;
            item["given"] = true;
            item["who"] = person_name(turn, p.person_id);
            item["position"] = p.position;
        }
        positions.push_back(item);
    }
    return {{"id", d.id},
            {"title", d.title},
            {"facts", d.facts},
            {"who", person_name(turn, d.raised_by)},
            {"date", local_day(turn, d.raised_at)},
            {"open", d.status == "open"},
            {"decided", d.status == "decided"},
            {"decision", d.decision},
            {"owner", d.owner_id ? person_name(turn, *d.owner_id) : ""},
            {"due", d.due_date},
            {"done", d.done_at.has_value()},
            {"overdue", d.status == "decided" && !d.done_at && d.due_at && *d.due_at < now},
            {"has_rule", d.rule_proposal_id.has_value()},
            {"proposal", d.rule_proposal_id.value_or(0)},
            {"on_agenda", d.meeting_at.has_value()},
            {"meeting", d.meeting_at ? format_local(core::from_millis(*d.meeting_at),
                                                    zone_of(turn, turn.person()))
                                     : ""},
            {"positions", positions}};
}

// Declared: disagreements [open|decided|all].
void list(Turn& turn, const CommandArgs& args) {
    const std::string filter = args.parsed.word("filter");
    std::string status = "open";
    if (!filter.empty()) {
        if (is_word(turn, "open", filter)) {
            status = "open";
        } else if (is_word(turn, "decided", filter)) {
            status = "decided";
        } else if (is_word(turn, "all", filter)) {
            status = "";
        } else {
            return turn.reply("rules.bad_filter", {{"word", filter}});
        }
    }
    json items = json::array();
    for (const auto& d : turn.read_table<RulesTable>().disagreements(status, list_limit)) {
        items.push_back(summary_data(turn, d));
    }
    turn.reply("rules.list", {{"items", items},
                              {"empty", items.empty()},
                              {"open", status == "open"},
                              {"decided", status == "decided"},
                              {"all", status.empty()}});
}

// Declared: disagreement ID.
void show(Turn& turn, const CommandArgs& args) {
    const auto d = disagreement_arg(turn, args.parsed.word("id"));
    if (!d) return;
    json data = summary_data(turn, *d);
    const json found = found_data(turn, d->found);
    data["found"] = without_empty_lines(turn.text("rules.found", found));
    turn.reply("rules.card", data);
}

// --- the daily job and todo ------------------------------------------------------------------

std::string job_key(std::int64_t at) {
    const auto day = date::floor<date::days>(core::from_millis(at));
    return std::string(daily_job) + "." + date::format("%F", day);
}

store::Job job_at(std::int64_t at) {
    store::Job job;
    job.kind = daily_job;
    job.key = job_key(at);
    job.payload = "{}";
    job.due_at = at;
    return job;
}

/// Overdue decisions go to both departments' managers and the owner, once; open
/// disagreements not on a coming joint meeting's agenda go onto the next one.
void daily(Turn& turn) {
    const std::int64_t now = now_ms(turn);
    for (const auto& d : turn.read_table<RulesTable>().overdue(now)) {
        const json data = {{"id", d.id},
                           {"title", d.title},
                           {"decision", d.decision},
                           {"owner", person_name(turn, d.owner_id.value_or(0))},
                           {"due", d.due_date}};
        std::set<std::int64_t> told;
        for (const Person* m : joint_managers(turn)) {
            if (told.insert(m->id).second) turn.tell(*m, "rules.overdue", data);
        }
        if (d.owner_id && !told.count(*d.owner_id)) {
            if (const Person* owner = turn.engine().directory().by_id(*d.owner_id)) {
                turn.tell(*owner, "rules.overdue_owner", data);
            }
        }
        turn.write_table<RulesTable>().mark_overdue_told(d.id, now);
        turn.audit("disagreement.overdue", {{"disagreement", d.id}, {"due", d.due_date}});
    }
    for (const auto& d : turn.read_table<RulesTable>().disagreements("open", 200)) {
        if (d.meeting_at && *d.meeting_at > now) continue;
        put_on_agenda(turn, d);
    }
    turn.write().jobs().schedule(job_at(now + day_ms));
}

void todo(Turn& turn, const Person& me, std::vector<std::string>& items) {
    const auto& repo = turn.read_table<RulesTable>();
    if (is_department_manager(me)) {
        for (const auto& p : repo.open_proposals()) {
            const auto approvals = repo.approvals(p.id);
            const bool decided =
                std::any_of(approvals.begin(), approvals.end(),
                            [&](const auto& a) { return a.department == me.department; });
            if (!decided)
                items.push_back(turn.text("rules.todo_approval", {{"id", p.id}, {"text", p.text}}));
        }
        for (const auto& d : repo.disagreements("open", 50)) {
            const auto given = repo.positions(d.id);
            const bool done = std::any_of(given.begin(), given.end(), [&](const auto& p) {
                return p.department == me.department;
            });
            if (!done)
                items.push_back(
                    turn.text("rules.todo_position", {{"id", d.id}, {"title", d.title}}));
        }
    }
    for (const auto& d : repo.disagreements("decided", 200)) {
        if (!d.owner_id || *d.owner_id != me.id || d.done_at) continue;
        items.push_back(
            turn.text("rules.todo_owner", {{"id", d.id},
                                           {"decision", d.decision},
                                           {"due", d.due_date},
                                           {"overdue", d.due_at && *d.due_at < now_ms(turn)}}));
    }
}

}  // namespace

Feature feature() {
    Feature f{
        "rules", "", nullptr, {24}, [](Engine& engine, Services&) { register_rules(engine); }};
    f.person_data = store::rules::person_data;
    return f;
}

void register_rules(Engine& engine) {
    auto& r = engine.router();
    r.add(CommandSpec("rules history", history));
    r.add(CommandSpec("rule propose", propose)
              .arg(Arg::text("rule"))
              .option("rules.words.replaces", Arg::word("replaces"))
              .writes());
    r.add(CommandSpec("rule approve", approve).arg(Arg::word("id")).writes());
    r.add(CommandSpec("rule reject", reject)
              .arg(Arg::word("id"))
              .arg(Arg::note("reason").optional())
              .writes());
    r.add(CommandSpec("raise", raise)
              .arg(Arg::text("text"))
              .option("rules.words.customer", Arg::word("customer"))
              .option("rules.words.from", Arg::date("from"))
              .option("rules.words.to", Arg::date("to"))
              .writes());
    r.add(CommandSpec("position", position)
              .arg(Arg::word("id"))
              .arg(Arg::text("position").optional())
              .writes());
    r.add(CommandSpec("decide", decide)
              .roles({"manager"})
              .arg(Arg::word("id"))
              .arg(Arg::text("decision").optional())
              .option("rules.words.owner", Arg::person("owner"))
              .option("rules.words.due", Arg::date("due"))
              .option("rules.words.rule", Arg::word("rule"))
              .writes());
    r.add(CommandSpec("decision done", decision_done).arg(Arg::word("id")).writes());
    r.add(CommandSpec("disagreements", list).arg(Arg::word("filter").optional()));
    r.add(CommandSpec("disagreement", show).arg(Arg::word("id")));
    engine.dialogs().add(position_dialog_spec());
    engine.add_rules_source(rules_data);
    engine.add_todo_source(todo);
    engine.scheduler().on(daily_job, [](Turn& turn, const json&) { daily(turn); });
    // Today's run (at once, unless it ran today already) and tomorrow's.
    const std::int64_t now = core::to_millis(engine.clock().now());
    engine.store().jobs().schedule(job_at(now));
    engine.store().jobs().schedule(job_at(now + day_ms));
}

}  // namespace twintrack::bot::rules
