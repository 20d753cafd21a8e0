#pragma once
// What the engagements feature offers the metrics (Engine::services()): its engagements,
// handoffs and consultations as the weekly metrics count them (metrics::load_metrics_data):
// who led each engagement and when marketing was first consulted, and the handoffs and
// consultations asked in a week with when they were answered. A missing service means
// none.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::bot {

/// One engagement as the metrics count it.
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
    std::string status;            ///< pending, accepted, declined
    std::int64_t deadline_at = 0;  ///< as the engagements feature set it when asked
};

/// A consultation as the metrics count it.
struct ConsultationFact {
    std::int64_t requested_at = 0;
    std::optional<std::int64_t> answered_at;
};

class EngagementFacts {
  public:
    virtual ~EngagementFacts() = default;
    /// One fact per engagement, by id.
    virtual std::vector<EngagementFact> engagements() const = 0;
    /// Handoffs requested in [from_ms, to_ms), oldest first.
    virtual std::vector<HandoffFact> handoffs(std::int64_t from_ms, std::int64_t to_ms) const = 0;
    /// Consultations requested in [from_ms, to_ms), oldest first.
    virtual std::vector<ConsultationFact> consultations(std::int64_t from_ms,
                                                        std::int64_t to_ms) const = 0;
};

}  // namespace twintrack::bot
