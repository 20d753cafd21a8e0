#pragma once
// ReportFollowUp: what a feature does once a field report is filed (Services, owned by the
// engine). The reports feature calls it with what the report named; the feature that
// provides it (the sales kit) answers in the same turn. Neither links the other.

#include <cstdint>
#include <string>
#include <vector>

namespace twintrack::bot {

class Turn;

/// What a filed report named, as the reports feature understood it.
struct FiledReport {
    std::int64_t id = 0;
    std::vector<std::string> competitors;  ///< canonical names
    std::vector<std::string> needs;        ///< as written
};

class ReportFollowUp {
  public:
    virtual ~ReportFollowUp() = default;
    /// Called in the reporter's turn right after "saved", with the turn's transaction open:
    /// it may write and reply to the reporter.
    virtual void report_filed(Turn& turn, const FiledReport& report) = 0;
};

}  // namespace twintrack::bot
