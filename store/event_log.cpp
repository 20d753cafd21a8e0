#include "store/event_log.hpp"

namespace twintrack::store {

bool ProcessedEvents::record(const std::string& connector, const std::string& event_id,
                             std::int64_t now_ms) {
    return db_.execute(
               "INSERT INTO processed_events (connector, event_id, processed_at) "
               "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
               {connector, event_id, now_ms}) > 0;
}

int ProcessedEvents::prune(std::int64_t before_ms) {
    return db_.execute("DELETE FROM processed_events WHERE processed_at < ?", {before_ms});
}

void AuditLog::record(const AuditEntry& e) {
    const Value person = e.person_id ? Value(e.person_id) : Value(nullptr);
    db_.execute(
        "INSERT INTO audit_log (at, person_id, action, detail, event_id) VALUES (?, ?, ?, ?, ?)",
        {e.at, person, e.action, e.detail.empty() ? std::string("{}") : e.detail, e.event_id});
}

std::vector<AuditEntry> AuditLog::recent(int limit) {
    std::vector<AuditEntry> out;
    db_.query(
        "SELECT at, coalesce(person_id, 0), action, detail, event_id FROM audit_log "
        "ORDER BY id DESC LIMIT ?",
        {std::int64_t{limit}}, [&](const Row& r) {
            out.push_back({r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4)});
        });
    return out;
}

}  // namespace twintrack::store
