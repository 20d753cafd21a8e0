#pragma once
// The engagements feature's tables (customers, customer_aliases, engagements,
// engagement_events, consultations, handoffs, tasks; made by
// store/migrations/0002_engagements.sql, which stays in store/ because it also makes the
// engine's channel_tracks): the feature's own store part (target
// twintrack_feature_engagements_store, linking only the store layer, nothing from bot/).
// The feature's commands open the repositories on the turn's store (Turn::read_table,
// write_table); other features read through the services the feature offers
// (bot/customers.hpp, bot/engagement_facts.hpp, with their own value types). Name keys
// (lower-cased, whitespace removed) are computed by the caller.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/database.hpp"
#include "store/person_data.hpp"

namespace twintrack::store::engagements {

struct Customer {
    std::int64_t id = 0;
    std::string name;
    std::string name_key;
    std::vector<std::string> aliases;
    std::vector<std::string> alias_keys;
};

struct Engagement {
    std::int64_t id = 0;
    std::int64_t customer_id = 0;
    std::string customer_name;
    std::string tag;
    std::string stage;
    std::string lead;  ///< marketing or sales
    std::optional<std::int64_t> owner_id;
    std::optional<std::int64_t> amount;
    bool closed = false;
    std::optional<std::int64_t> created_by;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

struct EngagementEvent {
    std::int64_t at = 0;
    std::optional<std::int64_t> person_id;
    std::string kind;
    std::string detail;  ///< JSON
};

struct Consultation {
    std::int64_t id = 0;
    std::int64_t engagement_id = 0;
    std::int64_t consultant_id = 0;
    std::optional<std::int64_t> requested_by;
    std::string note;
    std::int64_t requested_at = 0;
    std::optional<std::int64_t> answered_at;
};

struct Handoff {
    std::int64_t id = 0;
    std::int64_t engagement_id = 0;
    std::optional<std::int64_t> from_id;
    std::int64_t to_id = 0;
    std::string note;
    std::int64_t requested_at = 0;
    std::int64_t deadline_at = 0;
    std::string status;  ///< pending, accepted, declined
    std::optional<std::int64_t> decided_at;
    std::string reason;
    std::optional<std::int64_t> escalated_at;
};

/// What the weekly metrics read from engagements: one row per engagement.
struct EngagementFact {
    std::int64_t id = 0;
    std::int64_t customer_id = 0;
    std::int64_t created_at = 0;
    bool marketing_created = false;  ///< created in a marketing-led stage (a lead)
    bool marketing_led = false;      ///< marketing led it at the top of the funnel
    /// When a marketing person was first consulted on it; a deal closed before then was
    /// not influenced by the consultation.
    std::optional<std::int64_t> consulted_at;
};

/// A handoff as the metrics count it.
struct HandoffFact {
    std::int64_t requested_at = 0;
    std::optional<std::int64_t> decided_at;
    std::string status;
    std::int64_t deadline_at = 0;  ///< as the engagements feature set it when asked
};

/// A consultation as the metrics count it.
struct ConsultationFact {
    std::int64_t requested_at = 0;
    std::optional<std::int64_t> answered_at;
};

class CustomerRepository {
  public:
    explicit CustomerRepository(Database& db) : db_(db) {}
    /// Every customer with its aliases, ordered by id.
    std::vector<Customer> all() const;
    std::optional<Customer> get(std::int64_t id) const;
    /// The customer whose name key or one of whose alias keys is `key`.
    std::optional<Customer> find_by_key(const std::string& key) const;
    /// Throws UniqueViolation when the key is taken.
    std::int64_t create(const std::string& name, const std::string& key, std::int64_t now_ms);
    /// Throws UniqueViolation when the alias key is taken.
    void add_alias(std::int64_t customer_id, const std::string& alias, const std::string& key,
                   std::int64_t now_ms);

  private:
    Database& db_;
};

/// An engagement and everything that hangs off it.
class EngagementRepository {
  public:
    explicit EngagementRepository(Database& db) : db_(db) {}

    std::int64_t create(const Engagement& e);
    std::optional<Engagement> get(std::int64_t id) const;
    /// Every engagement (open first, then newest first).
    std::vector<Engagement> all() const;
    std::vector<Engagement> of_customer(std::int64_t customer_id) const;
    /// Saves stage, lead, owner, amount and closed.
    void update(const Engagement& e, std::int64_t now_ms);

    void add_event(std::int64_t engagement_id, const EngagementEvent& event);
    /// The latest `limit` events, newest first.
    std::vector<EngagementEvent> events(std::int64_t engagement_id, int limit) const;
    /// Every event of `kind` of every engagement, with its engagement, newest first (on
    /// the same instant: in the order of all()).
    std::vector<std::pair<Engagement, EngagementEvent>> events_of_kind(
        const std::string& kind) const;

    std::int64_t add_consultation(const Consultation& c);
    std::vector<Consultation> consultations(std::int64_t engagement_id) const;
    /// Marks the consultant's open consultations on the engagement answered; returns how
    /// many.
    int mark_answered(std::int64_t engagement_id, std::int64_t consultant_id, std::int64_t now_ms);

    std::int64_t add_handoff(const Handoff& h);
    std::optional<Handoff> handoff(std::int64_t id) const;
    /// The newest handoff of an engagement.
    std::optional<Handoff> latest_handoff(std::int64_t engagement_id) const;
    /// The handoffs waiting for `person_id`'s answer (the newest of their engagement,
    /// still pending), soonest deadline first.
    std::vector<Handoff> pending_handoffs_to(std::int64_t person_id) const;
    /// Sets status, decided_at and reason.
    void decide_handoff(std::int64_t id, const std::string& status, std::int64_t at,
                        const std::string& reason);
    void mark_escalated(std::int64_t id, std::int64_t at);

    /// Adds a task unless the engagement has one of that kind; true when added.
    bool add_task(std::int64_t engagement_id, const std::string& kind, std::int64_t now_ms);
    std::int64_t count_tasks(std::int64_t engagement_id, const std::string& kind);

    // --- what the metrics count ----------------------------------------------------------
    /// One fact per engagement, by id.
    std::vector<EngagementFact> facts() const;
    /// Handoffs requested in [from, to), oldest first.
    std::vector<HandoffFact> handoff_facts(std::int64_t from, std::int64_t to) const;
    /// Consultations requested in [from, to), oldest first.
    std::vector<ConsultationFact> consultation_facts(std::int64_t from, std::int64_t to) const;

  private:
    Database& db_;
};

/// The feature's part of a person's data (`person export`, `person erase`): the
/// engagements they own, created or took part in, their events, consultations and
/// handoffs. The rows stay on erase (the funnel keeps counting under the anonymous
/// person); texts naming them are rewritten.
PersonDataPart person_data();

}  // namespace twintrack::store::engagements
