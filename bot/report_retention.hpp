#pragma once
// What the reports feature offers the engine's retention job (bot/retention.cpp,
// `retention.reports_days`): deleting old field reports, whose tables the feature owns
// (bot/features/reports/store/). In bot/ because retention is the engine's, not a
// feature's (namespace bot::reports: its owner). No reports feature, no reports deleted.

#include <cstdint>

namespace twintrack::bot {
class Turn;
}

namespace twintrack::bot::reports {

class ReportRetention {
  public:
    virtual ~ReportRetention() = default;
    /// Deletes the reports filed before `before_ms` with their versions, extractions and
    /// digest entries, in the turn's transaction; returns how many reports.
    virtual int delete_filed_before(Turn& turn, std::int64_t before_ms) = 0;
};

}  // namespace twintrack::bot::reports
