#pragma once
// The tables of rules and disagreements (rule_versions, rule_items, rule_texts,
// rule_proposals, rule_approvals, disagreements, disagreement_positions; migration
// bot/features/rules/migrations/0024_rules.sql and the PostgreSQL twin): the rules feature's own
// store part (target twintrack_feature_rules_store, linking only the store layer, nothing from
// bot/). The feature's commands open it on the turn's store (Turn::read_table, write_table).
//
// Rules and disagreements (规约, 以理服人): the agreed rule set by version with each rule's
// wording per language, rule proposals with each department's decision, disagreements
// with the facts found when they were raised, the departments' positions and the decision
// (owner, due date, an optional rule change).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/person_data.hpp"

namespace twintrack::store::rules {

/// One rule of a version, its wording in every language it has.
struct RuleItem {
    std::int64_t number = 0;
    std::int64_t added_in = 0;
    std::optional<std::int64_t> retired_in;
    std::optional<std::int64_t> proposal_id;
    std::vector<std::pair<std::string, std::string>> texts;  ///< (locale, text), by locale
};

struct RuleVersion {
    std::int64_t version = 0;
    std::optional<std::int64_t> proposal_id;  ///< none: seeded from the configuration
    std::int64_t agreed_at = 0;
};

struct RuleProposal {
    std::int64_t id = 0;
    std::string text;
    std::string locale = "en";
    std::optional<std::int64_t> replaces;  ///< a rule number
    std::int64_t proposed_by = 0;
    std::int64_t proposed_at = 0;
    std::optional<std::int64_t> disagreement_id;
    std::string status = "open";  ///< open, approved, rejected
    std::optional<std::int64_t> closed_at;
    std::optional<std::int64_t> version;  ///< the version it made
};

struct RuleApproval {
    std::string department;  ///< marketing or sales
    std::int64_t person_id = 0;
    std::string decision;  ///< approved or rejected
    std::string note;
    std::int64_t at = 0;
};

struct Disagreement {
    std::int64_t id = 0;
    std::string title;
    std::string facts;
    std::string locale = "en";
    std::int64_t raised_by = 0;
    std::int64_t raised_at = 0;
    std::int64_t period_from = 0;
    std::int64_t period_to = 0;
    std::string found = "{}";     ///< JSON: what the bot attached when it was raised
    std::string status = "open";  ///< open or decided
    std::optional<std::int64_t> meeting_id;
    std::optional<std::int64_t> meeting_at;
    std::string decision;
    std::optional<std::int64_t> owner_id;
    std::string due_date;                ///< YYYY-MM-DD as decided
    std::optional<std::int64_t> due_at;  ///< the end of the due day, company time
    std::optional<std::int64_t> decided_by;
    std::optional<std::int64_t> decided_at;
    std::optional<std::int64_t> rule_proposal_id;
    std::optional<std::int64_t> done_at;
    std::optional<std::int64_t> overdue_told_at;
};

struct DisagreementPosition {
    std::string department;
    std::int64_t person_id = 0;
    std::string position;
    std::int64_t at = 0;
};

class RulesRepository {
  public:
    explicit RulesRepository(Database& db) : db_(db) {}

    // --- the rule set ---

    /// The newest version (0: none stored yet).
    std::int64_t current_version() const;
    std::vector<RuleVersion> versions() const;
    /// Adds version `version` (the caller takes current_version() + 1).
    void add_version(const RuleVersion& v);
    /// A new rule of `version` with its wording per language; returns its number.
    std::int64_t add_rule(std::int64_t version, std::optional<std::int64_t> proposal_id,
                          const std::vector<std::pair<std::string, std::string>>& texts);
    /// Rule `number` is not part of `version` and later ones.
    void retire_rule(std::int64_t number, std::int64_t version);
    /// The rules of `version`, by number.
    std::vector<RuleItem> rules_of(std::int64_t version) const;
    /// Every rule ever agreed, by number.
    std::vector<RuleItem> all_rules() const;

    // --- proposals ---

    std::int64_t propose(const RuleProposal& p);
    std::optional<RuleProposal> proposal(std::int64_t id) const;
    /// Open proposals, oldest first.
    std::vector<RuleProposal> open_proposals() const;
    /// Records a department's decision; false when that department had decided already.
    bool decide_proposal(std::int64_t id, const RuleApproval& a);
    std::vector<RuleApproval> approvals(std::int64_t id) const;
    void close_proposal(std::int64_t id, const std::string& status, std::int64_t at,
                        std::optional<std::int64_t> version);

    // --- disagreements ---

    std::int64_t raise(const Disagreement& d);
    std::optional<Disagreement> disagreement(std::int64_t id) const;
    /// By status ("open", "decided"; empty: all), newest first, at most `limit`.
    std::vector<Disagreement> disagreements(const std::string& status, int limit) const;
    void put_on_agenda(std::int64_t id, std::int64_t meeting_id, std::int64_t meeting_at);
    /// Records (or replaces) a department's position.
    void set_position(std::int64_t id, const DisagreementPosition& p);
    std::vector<DisagreementPosition> positions(std::int64_t id) const;
    /// Records the decision and marks the disagreement decided.
    void decide(const Disagreement& d);
    void mark_done(std::int64_t id, std::int64_t at);
    /// Decided, not done, due before `now`, not told about yet.
    std::vector<Disagreement> overdue(std::int64_t now) const;
    void mark_overdue_told(std::int64_t id, std::int64_t at);

  private:
    Database& db_;
};

/// The feature's part of a person's data (`person export`, `person erase`): their rule proposals
/// and approvals, the disagreements they raised, own or decided, and their positions; on erase
/// their name is rewritten in every rule text, proposal, approval note, disagreement and position.
PersonDataPart person_data();

}  // namespace twintrack::store::rules
