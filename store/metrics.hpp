#pragma once
// The read-only facts the weekly metrics need from engagements. Times are UTC
// milliseconds. The metrics' own tables (deals, quotas, campaigns, channel messages) are in
// their store part, bot/features/metrics/store/.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

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

struct HandoffFact {
    std::int64_t requested_at = 0;
    std::optional<std::int64_t> decided_at;
    std::string status;
    std::int64_t deadline_at = 0;  ///< as the engagements feature set it when asked
};

struct ConsultationFact {
    std::int64_t requested_at = 0;
    std::optional<std::int64_t> answered_at;
};

/// Read-only queries over the engagement tables for the metrics.
class MetricsFacts {
  public:
    explicit MetricsFacts(Database& db) : db_(db) {}
    std::vector<EngagementFact> engagements() const;
    /// Handoffs requested in [from, to).
    std::vector<HandoffFact> handoffs(std::int64_t from, std::int64_t to) const;
    /// Consultations requested in [from, to).
    std::vector<ConsultationFact> consultations(std::int64_t from, std::int64_t to) const;

  private:
    Database& db_;
};

}  // namespace twintrack::store
