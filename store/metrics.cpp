#include "store/metrics.hpp"

namespace twintrack::store {

std::vector<EngagementFact> MetricsFacts::engagements() const {
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

std::vector<HandoffFact> MetricsFacts::handoffs(std::int64_t from, std::int64_t to) const {
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

std::vector<ConsultationFact> MetricsFacts::consultations(std::int64_t from,
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

}  // namespace twintrack::store
