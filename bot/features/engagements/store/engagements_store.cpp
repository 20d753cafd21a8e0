#include "bot/features/engagements/store/engagements_store.hpp"

#include <map>

namespace twintrack::store::engagements {
namespace {

const char* const engagement_columns =
    "SELECT e.id, e.customer_id, c.name, e.tag, e.stage, e.lead, e.owner_id, e.amount, "
    "e.closed, e.created_by, e.created_at, e.updated_at FROM engagements e "
    "JOIN customers c ON c.id = e.customer_id ";

Engagement engagement_from(const Row& r) {
    Engagement e;
    e.id = r.integer(0);
    e.customer_id = r.integer(1);
    e.customer_name = r.text(2);
    e.tag = r.text(3);
    e.stage = r.text(4);
    e.lead = r.text(5);
    e.owner_id = r.optional_integer(6);
    e.amount = r.optional_integer(7);
    e.closed = r.integer(8) != 0;
    e.created_by = r.optional_integer(9);
    e.created_at = r.integer(10);
    e.updated_at = r.integer(11);
    return e;
}

const char* const handoff_columns =
    "SELECT id, engagement_id, from_id, to_id, note, requested_at, deadline_at, status, "
    "decided_at, reason, escalated_at FROM handoffs ";

Handoff handoff_from(const Row& r) {
    Handoff h;
    h.id = r.integer(0);
    h.engagement_id = r.integer(1);
    h.from_id = r.optional_integer(2);
    h.to_id = r.integer(3);
    h.note = r.text(4);
    h.requested_at = r.integer(5);
    h.deadline_at = r.integer(6);
    h.status = r.text(7);
    h.decided_at = r.optional_integer(8);
    h.reason = r.text(9);
    h.escalated_at = r.optional_integer(10);
    return h;
}

}  // namespace

// --- CustomerRepository ----------------------------------------------------------------

std::vector<Customer> CustomerRepository::all() const {
    std::vector<Customer> out;
    std::map<std::int64_t, std::size_t> index;
    db_.query("SELECT id, name, name_key FROM customers ORDER BY id", {}, [&](const Row& r) {
        Customer c;
        c.id = r.integer(0);
        c.name = r.text(1);
        c.name_key = r.text(2);
        index[c.id] = out.size();
        out.push_back(std::move(c));
    });
    db_.query("SELECT customer_id, alias, alias_key FROM customer_aliases ORDER BY created_at", {},
              [&](const Row& r) {
                  auto it = index.find(r.integer(0));
                  if (it == index.end()) return;
                  out[it->second].aliases.push_back(r.text(1));
                  out[it->second].alias_keys.push_back(r.text(2));
              });
    return out;
}

std::optional<Customer> CustomerRepository::get(std::int64_t id) const {
    std::optional<Customer> out;
    db_.query("SELECT id, name, name_key FROM customers WHERE id = ?", {id}, [&](const Row& r) {
        out = Customer{r.integer(0), r.text(1), r.text(2), {}, {}};
    });
    if (!out) return out;
    db_.query(
        "SELECT alias, alias_key FROM customer_aliases WHERE customer_id = ? ORDER BY created_at",
        {id}, [&](const Row& r) {
            out->aliases.push_back(r.text(0));
            out->alias_keys.push_back(r.text(1));
        });
    return out;
}

std::optional<Customer> CustomerRepository::find_by_key(const std::string& key) const {
    auto id = db_.scalar("SELECT id FROM customers WHERE name_key = ?", {key});
    if (!id) id = db_.scalar("SELECT customer_id FROM customer_aliases WHERE alias_key = ?", {key});
    return id ? get(*id) : std::nullopt;
}

std::int64_t CustomerRepository::create(const std::string& name, const std::string& key,
                                        std::int64_t now_ms) {
    return db_.insert("INSERT INTO customers (name, name_key, created_at) VALUES (?, ?, ?)",
                      {name, key, now_ms});
}

void CustomerRepository::add_alias(std::int64_t customer_id, const std::string& alias,
                                   const std::string& key, std::int64_t now_ms) {
    db_.execute(
        "INSERT INTO customer_aliases (alias, alias_key, customer_id, created_at) "
        "VALUES (?, ?, ?, ?)",
        {alias, key, customer_id, now_ms});
}

// --- EngagementRepository --------------------------------------------------------------

std::int64_t EngagementRepository::create(const Engagement& e) {
    return db_.insert(
        "INSERT INTO engagements (customer_id, tag, stage, lead, owner_id, amount, closed, "
        "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {e.customer_id, e.tag, e.stage, e.lead, nullable(e.owner_id), nullable(e.amount),
         std::int64_t{e.closed ? 1 : 0}, nullable(e.created_by), e.created_at, e.updated_at});
}

std::optional<Engagement> EngagementRepository::get(std::int64_t id) const {
    std::optional<Engagement> out;
    db_.query(std::string(engagement_columns) + "WHERE e.id = ?", {id},
              [&](const Row& r) { out = engagement_from(r); });
    return out;
}

std::vector<Engagement> EngagementRepository::all() const {
    std::vector<Engagement> out;
    db_.query(std::string(engagement_columns) + "ORDER BY e.closed, e.updated_at DESC, e.id DESC",
              {}, [&](const Row& r) { out.push_back(engagement_from(r)); });
    return out;
}

std::vector<Engagement> EngagementRepository::of_customer(std::int64_t customer_id) const {
    std::vector<Engagement> out;
    db_.query(std::string(engagement_columns) +
                  "WHERE e.customer_id = ? ORDER BY e.closed, e.updated_at DESC, e.id DESC",
              {customer_id}, [&](const Row& r) { out.push_back(engagement_from(r)); });
    return out;
}

void EngagementRepository::update(const Engagement& e, std::int64_t now_ms) {
    db_.execute(
        "UPDATE engagements SET stage = ?, lead = ?, owner_id = ?, amount = ?, closed = ?, "
        "updated_at = ? WHERE id = ?",
        {e.stage, e.lead, nullable(e.owner_id), nullable(e.amount), std::int64_t{e.closed ? 1 : 0},
         now_ms, e.id});
}

void EngagementRepository::add_event(std::int64_t engagement_id, const EngagementEvent& ev) {
    db_.execute(
        "INSERT INTO engagement_events (engagement_id, at, person_id, kind, detail) "
        "VALUES (?, ?, ?, ?, ?)",
        {engagement_id, ev.at, nullable(ev.person_id), ev.kind, ev.detail});
}

std::vector<EngagementEvent> EngagementRepository::events(std::int64_t engagement_id,
                                                          int limit) const {
    std::vector<EngagementEvent> out;
    db_.query(
        "SELECT at, person_id, kind, detail FROM engagement_events WHERE engagement_id = ? "
        "ORDER BY at DESC, id DESC LIMIT ?",
        {engagement_id, std::int64_t{limit}}, [&](const Row& r) {
            out.push_back({r.integer(0), r.optional_integer(1), r.text(2), r.text(3)});
        });
    return out;
}

std::vector<std::pair<Engagement, EngagementEvent>> EngagementRepository::events_of_kind(
    const std::string& kind) const {
    std::vector<std::pair<Engagement, EngagementEvent>> out;
    // engagement_columns' columns, then the event's.
    db_.query(
        "SELECT e.id, e.customer_id, c.name, e.tag, e.stage, e.lead, e.owner_id, e.amount, "
        "e.closed, e.created_by, e.created_at, e.updated_at, ev.at, ev.person_id, ev.kind, "
        "ev.detail FROM engagements e JOIN customers c ON c.id = e.customer_id "
        "JOIN engagement_events ev ON ev.engagement_id = e.id WHERE ev.kind = ? "
        "ORDER BY ev.at DESC, e.closed, e.updated_at DESC, e.id DESC, ev.id DESC",
        {kind}, [&](const Row& r) {
            out.push_back({engagement_from(r),
                           {r.integer(12), r.optional_integer(13), r.text(14), r.text(15)}});
        });
    return out;
}

std::int64_t EngagementRepository::add_consultation(const Consultation& c) {
    return db_.insert(
        "INSERT INTO consultations (engagement_id, consultant_id, requested_by, note, "
        "requested_at, answered_at) VALUES (?, ?, ?, ?, ?, ?)",
        {c.engagement_id, c.consultant_id, nullable(c.requested_by), c.note, c.requested_at,
         nullable(c.answered_at)});
}

std::vector<Consultation> EngagementRepository::consultations(std::int64_t engagement_id) const {
    std::vector<Consultation> out;
    db_.query(
        "SELECT id, engagement_id, consultant_id, requested_by, note, requested_at, answered_at "
        "FROM consultations WHERE engagement_id = ? ORDER BY id",
        {engagement_id}, [&](const Row& r) {
            Consultation c;
            c.id = r.integer(0);
            c.engagement_id = r.integer(1);
            c.consultant_id = r.integer(2);
            c.requested_by = r.optional_integer(3);
            c.note = r.text(4);
            c.requested_at = r.integer(5);
            c.answered_at = r.optional_integer(6);
            out.push_back(std::move(c));
        });
    return out;
}

int EngagementRepository::mark_answered(std::int64_t engagement_id, std::int64_t consultant_id,
                                        std::int64_t now_ms) {
    return db_.execute(
        "UPDATE consultations SET answered_at = ? WHERE engagement_id = ? AND consultant_id = ? "
        "AND answered_at IS NULL",
        {now_ms, engagement_id, consultant_id});
}

std::int64_t EngagementRepository::add_handoff(const Handoff& h) {
    return db_.insert(
        "INSERT INTO handoffs (engagement_id, from_id, to_id, note, requested_at, deadline_at, "
        "status) VALUES (?, ?, ?, ?, ?, ?, 'pending')",
        {h.engagement_id, nullable(h.from_id), h.to_id, h.note, h.requested_at, h.deadline_at});
}

std::optional<Handoff> EngagementRepository::handoff(std::int64_t id) const {
    std::optional<Handoff> out;
    db_.query(std::string(handoff_columns) + "WHERE id = ?", {id},
              [&](const Row& r) { out = handoff_from(r); });
    return out;
}

std::optional<Handoff> EngagementRepository::latest_handoff(std::int64_t engagement_id) const {
    std::optional<Handoff> out;
    db_.query(std::string(handoff_columns) + "WHERE engagement_id = ? ORDER BY id DESC LIMIT 1",
              {engagement_id}, [&](const Row& r) { out = handoff_from(r); });
    return out;
}

std::vector<Handoff> EngagementRepository::pending_handoffs_to(std::int64_t person_id) const {
    std::vector<Handoff> out;
    db_.query(std::string(handoff_columns) +
                  "h WHERE to_id = ? AND status = 'pending' AND id = (SELECT max(id) FROM "
                  "handoffs WHERE engagement_id = h.engagement_id) ORDER BY deadline_at, id",
              {person_id}, [&](const Row& r) { out.push_back(handoff_from(r)); });
    return out;
}

void EngagementRepository::decide_handoff(std::int64_t id, const std::string& status,
                                          std::int64_t at, const std::string& reason) {
    db_.execute("UPDATE handoffs SET status = ?, decided_at = ?, reason = ? WHERE id = ?",
                {status, at, reason, id});
}

void EngagementRepository::mark_escalated(std::int64_t id, std::int64_t at) {
    db_.execute("UPDATE handoffs SET escalated_at = ? WHERE id = ?", {at, id});
}

bool EngagementRepository::add_task(std::int64_t engagement_id, const std::string& kind,
                                    std::int64_t now_ms) {
    return db_.execute(
               "INSERT INTO tasks (engagement_id, kind, created_at) VALUES (?, ?, ?) "
               "ON CONFLICT (engagement_id, kind) DO NOTHING",
               {engagement_id, kind, now_ms}) > 0;
}

std::int64_t EngagementRepository::count_tasks(std::int64_t engagement_id,
                                               const std::string& kind) {
    return db_
        .scalar("SELECT count(*) FROM tasks WHERE engagement_id = ? AND kind = ?",
                {engagement_id, kind})
        .value_or(0);
}

// --- what the metrics count ------------------------------------------------------------

std::vector<EngagementFact> EngagementRepository::facts() const {
    std::vector<EngagementFact> out;
    db_.query(
        "SELECT e.id, e.customer_id, e.created_at, e.lead = 'marketing' OR EXISTS (SELECT 1 FROM "
        "handoffs h WHERE h.engagement_id = e.id), EXISTS (SELECT 1 FROM handoffs h WHERE "
        "h.engagement_id = e.id AND h.status = 'accepted'), (SELECT min(c.requested_at) FROM "
        "consultations c JOIN people p ON p.id = c.consultant_id WHERE c.engagement_id = e.id "
        "AND p.department = 'marketing') FROM engagements e ORDER BY e.id",
        {}, [&](const Row& row) {
            EngagementFact f;
            f.id = row.integer(0);
            f.customer_id = row.integer(1);
            f.created_at = row.integer(2);
            f.marketing_created = row.integer(3) != 0;
            f.marketing_led = row.integer(4) != 0 || f.marketing_created;
            f.consulted_at = row.optional_integer(5);
            out.push_back(f);
        });
    return out;
}

std::vector<HandoffFact> EngagementRepository::handoff_facts(std::int64_t from,
                                                             std::int64_t to) const {
    std::vector<HandoffFact> out;
    db_.query(
        "SELECT requested_at, decided_at, status, deadline_at FROM handoffs WHERE "
        "requested_at >= ? AND "
        "requested_at < ? ORDER BY requested_at",
        {from, to}, [&](const Row& row) {
            out.push_back({row.integer(0), row.optional_integer(1), row.text(2), row.integer(3)});
        });
    return out;
}

std::vector<ConsultationFact> EngagementRepository::consultation_facts(std::int64_t from,
                                                                       std::int64_t to) const {
    std::vector<ConsultationFact> out;
    db_.query(
        "SELECT requested_at, answered_at FROM consultations WHERE requested_at >= ? AND "
        "requested_at < ? ORDER BY requested_at",
        {from, to}, [&](const Row& row) {
            out.push_back({row.integer(0), row.optional_integer(1)});
        });
    return out;
}

PersonDataPart person_data() {
    PersonDataPart part;
    part.exports = {
        {"engagements",
         "SELECT e.id, c.name AS customer, e.tag, e.stage, e.lead, e.owner_id, e.amount, "
         "e.closed, e.created_by, e.created_at, e.updated_at FROM engagements e "
         "JOIN customers c ON c.id = e.customer_id WHERE e.owner_id = ?1 OR e.created_by = ?1 "
         "OR e.id IN (SELECT engagement_id FROM engagement_events WHERE person_id = ?1) "
         "OR e.id IN (SELECT engagement_id FROM consultations "
         "            WHERE consultant_id = ?1 OR requested_by = ?1) "
         "OR e.id IN (SELECT engagement_id FROM handoffs WHERE from_id = ?1 OR to_id = ?1) "
         "ORDER BY e.id"},
        {"engagement_events",
         "SELECT id, engagement_id, at, kind, detail FROM engagement_events WHERE person_id = ?1 "
         "ORDER BY id"},
        {"consultations",
         "SELECT id, engagement_id, consultant_id, requested_by, note, requested_at, answered_at "
         "FROM consultations WHERE consultant_id = ?1 OR requested_by = ?1 ORDER BY id"},
        {"handoffs",
         "SELECT id, engagement_id, from_id, to_id, note, requested_at, deadline_at, status, "
         "decided_at, reason FROM handoffs WHERE from_id = ?1 OR to_id = ?1 ORDER BY id"},
    };
    // Texts that may name anyone: ?1 is replaced by ?2 wherever it occurs.
    part.scrubs = {
        "UPDATE engagement_events SET detail = replace(detail, ?1, ?2) WHERE instr(detail, ?1) > 0",
        "UPDATE consultations SET note = replace(note, ?1, ?2) WHERE instr(note, ?1) > 0",
        "UPDATE handoffs SET note = replace(note, ?1, ?2), reason = replace(reason, ?1, ?2) "
        "WHERE instr(note, ?1) > 0 OR instr(reason, ?1) > 0",
    };
    return part;
}

}  // namespace twintrack::store::engagements
