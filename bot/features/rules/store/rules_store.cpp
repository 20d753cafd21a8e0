#include "bot/features/rules/store/rules_store.hpp"

#include <map>

namespace twintrack::store::rules {
namespace {

Value nullable_text(const std::string& s) { return s.empty() ? Value(nullptr) : Value(s); }

RuleProposal proposal_of(const Row& r) {
    RuleProposal p;
    p.id = r.integer(0);
    p.text = r.text(1);
    p.locale = r.text(2);
    p.replaces = r.optional_integer(3);
    p.proposed_by = r.integer(4);
    p.proposed_at = r.integer(5);
    p.disagreement_id = r.optional_integer(6);
    p.status = r.text(7);
    p.closed_at = r.optional_integer(8);
    p.version = r.optional_integer(9);
    return p;
}

const char* const proposal_columns =
    "id, text, locale, replaces, proposed_by, proposed_at, disagreement_id, status, closed_at, "
    "version";

const char* const disagreement_columns =
    "id, title, facts, locale, raised_by, raised_at, period_from, period_to, found, status, "
    "meeting_id, meeting_at, coalesce(decision, ''), owner_id, coalesce(due_date, ''), due_at, "
    "decided_by, decided_at, rule_proposal_id, done_at, overdue_told_at";

Disagreement disagreement_of(const Row& r) {
    Disagreement d;
    d.id = r.integer(0);
    d.title = r.text(1);
    d.facts = r.text(2);
    d.locale = r.text(3);
    d.raised_by = r.integer(4);
    d.raised_at = r.integer(5);
    d.period_from = r.integer(6);
    d.period_to = r.integer(7);
    d.found = r.text(8);
    d.status = r.text(9);
    d.meeting_id = r.optional_integer(10);
    d.meeting_at = r.optional_integer(11);
    d.decision = r.text(12);
    d.owner_id = r.optional_integer(13);
    d.due_date = r.text(14);
    d.due_at = r.optional_integer(15);
    d.decided_by = r.optional_integer(16);
    d.decided_at = r.optional_integer(17);
    d.rule_proposal_id = r.optional_integer(18);
    d.done_at = r.optional_integer(19);
    d.overdue_told_at = r.optional_integer(20);
    return d;
}

}  // namespace

std::int64_t RulesRepository::current_version() const {
    return db_.scalar("SELECT coalesce(max(version), 0) FROM rule_versions").value_or(0);
}

std::vector<RuleVersion> RulesRepository::versions() const {
    std::vector<RuleVersion> out;
    db_.query("SELECT version, proposal_id, agreed_at FROM rule_versions ORDER BY version", {},
              [&](const Row& r) {
                  out.push_back({r.integer(0), r.optional_integer(1), r.integer(2)});
              });
    return out;
}

void RulesRepository::add_version(const RuleVersion& v) {
    db_.execute("INSERT INTO rule_versions (version, proposal_id, agreed_at) VALUES (?, ?, ?)",
                {v.version, nullable(v.proposal_id), v.agreed_at});
}

std::int64_t RulesRepository::add_rule(
    std::int64_t version, std::optional<std::int64_t> proposal_id,
    const std::vector<std::pair<std::string, std::string>>& texts) {
    const std::int64_t number =
        db_.scalar("SELECT coalesce(max(number), 0) + 1 FROM rule_items").value_or(1);
    db_.execute("INSERT INTO rule_items (number, added_in, proposal_id) VALUES (?, ?, ?)",
                {number, version, nullable(proposal_id)});
    for (const auto& [locale, text] : texts) {
        db_.execute(
            "INSERT INTO rule_texts (number, locale, text) VALUES (?, ?, ?) "
            "ON CONFLICT (number, locale) DO NOTHING",
            {number, locale, text});
    }
    return number;
}

void RulesRepository::retire_rule(std::int64_t number, std::int64_t version) {
    db_.execute("UPDATE rule_items SET retired_in = ? WHERE number = ? AND retired_in IS NULL",
                {version, number});
}

namespace {

std::vector<RuleItem> load_rules(Database& db, const std::string& where, const Params& params) {
    std::vector<RuleItem> out;
    std::map<std::int64_t, std::size_t> at;
    db.query("SELECT number, added_in, retired_in, proposal_id FROM rule_items " + where +
                 " ORDER BY number",
             params, [&](const Row& r) {
                 at[r.integer(0)] = out.size();
                 RuleItem item;
                 item.number = r.integer(0);
                 item.added_in = r.integer(1);
                 item.retired_in = r.optional_integer(2);
                 item.proposal_id = r.optional_integer(3);
                 out.push_back(item);
             });
    db.query("SELECT number, locale, text FROM rule_texts ORDER BY number, locale", {},
             [&](const Row& r) {
                 const auto it = at.find(r.integer(0));
                 if (it != at.end()) out[it->second].texts.push_back({r.text(1), r.text(2)});
             });
    return out;
}

}  // namespace

std::vector<RuleItem> RulesRepository::rules_of(std::int64_t version) const {
    return load_rules(db_, "WHERE added_in <= ? AND (retired_in IS NULL OR retired_in > ?)",
                      {version, version});
}

std::vector<RuleItem> RulesRepository::all_rules() const { return load_rules(db_, "", {}); }

std::int64_t RulesRepository::propose(const RuleProposal& p) {
    return db_.insert(
        "INSERT INTO rule_proposals (text, locale, replaces, proposed_by, proposed_at, "
        "disagreement_id, status) VALUES (?, ?, ?, ?, ?, ?, 'open')",
        {p.text, p.locale, nullable(p.replaces), p.proposed_by, p.proposed_at,
         nullable(p.disagreement_id)});
}

std::optional<RuleProposal> RulesRepository::proposal(std::int64_t id) const {
    std::optional<RuleProposal> out;
    db_.query(std::string("SELECT ") + proposal_columns + " FROM rule_proposals WHERE id = ?", {id},
              [&](const Row& r) { out = proposal_of(r); });
    return out;
}

std::vector<RuleProposal> RulesRepository::open_proposals() const {
    std::vector<RuleProposal> out;
    db_.query(std::string("SELECT ") + proposal_columns +
                  " FROM rule_proposals WHERE status = 'open' ORDER BY id",
              {}, [&](const Row& r) { out.push_back(proposal_of(r)); });
    return out;
}

bool RulesRepository::decide_proposal(std::int64_t id, const RuleApproval& a) {
    return db_.execute(
               "INSERT INTO rule_approvals (proposal_id, department, person_id, decision, note, "
               "at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (proposal_id, department) DO NOTHING",
               {id, a.department, a.person_id, a.decision, a.note, a.at}) > 0;
}

std::vector<RuleApproval> RulesRepository::approvals(std::int64_t id) const {
    std::vector<RuleApproval> out;
    db_.query(
        "SELECT department, person_id, decision, note, at FROM rule_approvals "
        "WHERE proposal_id = ? ORDER BY at, department",
        {id}, [&](const Row& r) {
            out.push_back({r.text(0), r.integer(1), r.text(2), r.text(3), r.integer(4)});
        });
    return out;
}

void RulesRepository::close_proposal(std::int64_t id, const std::string& status, std::int64_t at,
                                     std::optional<std::int64_t> version) {
    db_.execute("UPDATE rule_proposals SET status = ?, closed_at = ?, version = ? WHERE id = ?",
                {status, at, nullable(version), id});
}

std::int64_t RulesRepository::raise(const Disagreement& d) {
    return db_.insert(
        "INSERT INTO disagreements (title, facts, locale, raised_by, raised_at, period_from, "
        "period_to, found, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')",
        {d.title, d.facts, d.locale, d.raised_by, d.raised_at, d.period_from, d.period_to,
         d.found});
}

std::optional<Disagreement> RulesRepository::disagreement(std::int64_t id) const {
    std::optional<Disagreement> out;
    db_.query(std::string("SELECT ") + disagreement_columns + " FROM disagreements WHERE id = ?",
              {id}, [&](const Row& r) { out = disagreement_of(r); });
    return out;
}

std::vector<Disagreement> RulesRepository::disagreements(const std::string& status,
                                                         int limit) const {
    std::vector<Disagreement> out;
    db_.query(std::string("SELECT ") + disagreement_columns +
                  " FROM disagreements WHERE (? = '' OR status = ?) ORDER BY id DESC LIMIT ?",
              {status, status, std::int64_t{limit}},
              [&](const Row& r) { out.push_back(disagreement_of(r)); });
    return out;
}

void RulesRepository::put_on_agenda(std::int64_t id, std::int64_t meeting_id,
                                    std::int64_t meeting_at) {
    db_.execute("UPDATE disagreements SET meeting_id = ?, meeting_at = ? WHERE id = ?",
                {meeting_id, meeting_at, id});
}

void RulesRepository::set_position(std::int64_t id, const DisagreementPosition& p) {
    db_.execute(
        "INSERT INTO disagreement_positions (disagreement_id, department, person_id, position, "
        "at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (disagreement_id, department) DO UPDATE SET "
        "person_id = excluded.person_id, position = excluded.position, at = excluded.at",
        {id, p.department, p.person_id, p.position, p.at});
}

std::vector<DisagreementPosition> RulesRepository::positions(std::int64_t id) const {
    std::vector<DisagreementPosition> out;
    db_.query(
        "SELECT department, person_id, position, at FROM disagreement_positions "
        "WHERE disagreement_id = ? ORDER BY department",
        {id}, [&](const Row& r) {
            out.push_back({r.text(0), r.integer(1), r.text(2), r.integer(3)});
        });
    return out;
}

void RulesRepository::decide(const Disagreement& d) {
    db_.execute(
        "UPDATE disagreements SET status = 'decided', decision = ?, owner_id = ?, due_date = ?, "
        "due_at = ?, decided_by = ?, decided_at = ?, rule_proposal_id = ? WHERE id = ?",
        {d.decision, nullable(d.owner_id), nullable_text(d.due_date), nullable(d.due_at),
         nullable(d.decided_by), nullable(d.decided_at), nullable(d.rule_proposal_id), d.id});
}

void RulesRepository::mark_done(std::int64_t id, std::int64_t at) {
    db_.execute("UPDATE disagreements SET done_at = ? WHERE id = ? AND done_at IS NULL", {at, id});
}

std::vector<Disagreement> RulesRepository::overdue(std::int64_t now) const {
    std::vector<Disagreement> out;
    db_.query(std::string("SELECT ") + disagreement_columns +
                  " FROM disagreements WHERE status = 'decided' AND done_at IS NULL AND "
                  "overdue_told_at IS NULL AND due_at < ? ORDER BY due_at, id",
              {now}, [&](const Row& r) { out.push_back(disagreement_of(r)); });
    return out;
}

void RulesRepository::mark_overdue_told(std::int64_t id, std::int64_t at) {
    db_.execute("UPDATE disagreements SET overdue_told_at = ? WHERE id = ?", {at, id});
}

PersonDataPart person_data() {
    PersonDataPart part;
    part.exports = {
        {"rule_proposals",
         "SELECT id, text, locale, replaces, proposed_at, disagreement_id, status, version "
         "FROM rule_proposals WHERE proposed_by = ?1 ORDER BY id"},
        {"rule_approvals",
         "SELECT proposal_id, department, decision, note, at FROM rule_approvals "
         "WHERE person_id = ?1 ORDER BY proposal_id"},
        {"disagreements",
         "SELECT id, title, facts, raised_by, raised_at, status, decision, owner_id, due_date, "
         "decided_by, decided_at, done_at FROM disagreements "
         "WHERE raised_by = ?1 OR owner_id = ?1 OR decided_by = ?1 ORDER BY id"},
        {"disagreement_positions",
         "SELECT disagreement_id, department, position, at FROM disagreement_positions "
         "WHERE person_id = ?1 ORDER BY disagreement_id"},
    };
    part.scrubs = {
        "UPDATE rule_texts SET text = replace(text, ?1, ?2) WHERE instr(text, ?1) > 0",
        "UPDATE rule_proposals SET text = replace(text, ?1, ?2) WHERE instr(text, ?1) > 0",
        "UPDATE rule_approvals SET note = replace(note, ?1, ?2) WHERE instr(note, ?1) > 0",
        "UPDATE disagreements SET title = replace(title, ?1, ?2), facts = replace(facts, ?1, ?2), "
        "found = replace(found, ?1, ?2), decision = replace(decision, ?1, ?2) "
        "WHERE instr(title, ?1) > 0 OR instr(facts, ?1) > 0 OR instr(found, ?1) > 0 "
        "OR instr(decision, ?1) > 0",
        "UPDATE disagreement_positions SET position = replace(position, ?1, ?2) "
        "WHERE instr(position, ?1) > 0",
    };
    return part;
}

}  // namespace twintrack::store::rules
