#pragma once
// The funnel: ordered stages, each on the top side (marketing leads, project-style
// cooperation) or the bottom side (sales leads, transaction-style). Pure rules, no state.

#include <optional>
#include <string>
#include <vector>

namespace twintrack::bot::engagements {

enum class Side { top, bottom };

struct FunnelStage {
    std::string name;
    Side side = Side::top;
    bool closed = false;  ///< an end of the funnel (won, lost): the engagement is over
};

/// What a stage change means.
enum class Transition {
    same,           ///< already at that stage
    within_side,    ///< stays with the same lead department
    needs_handoff,  ///< top -> bottom: only through handoff/accept
    back_to_top,    ///< bottom -> top: the lead would go back to marketing
    unknown_stage,  ///< the target is not a stage of the funnel
};

class Funnel {
  public:
    /// awareness, interest, lead (top) then qualified, proposal, negotiation, won, lost
    /// (bottom; won and lost closed).
    static Funnel defaults();
    static std::vector<FunnelStage> default_stages();

    explicit Funnel(std::vector<FunnelStage> stages);

    const std::vector<FunnelStage>& stages() const { return stages_; }
    /// The stage called `name` (case-insensitive), if any.
    const FunnelStage* find(const std::string& name) const;
    /// The lead department of a side: "marketing" for top, "sales" for bottom.
    static std::string lead_of(Side side);
    /// The lead department at a stage (empty for an unknown stage).
    std::string lead_at(const std::string& stage) const;
    /// The first stage of each side.
    std::string first_stage() const;
    std::string first_bottom_stage() const;
    Transition transition(const std::string& from, const std::string& to) const;
    /// Stage names joined with ", " (for "valid stages are ...").
    std::string names() const;

  private:
    std::vector<FunnelStage> stages_;
};

/// What to do when a change would make two departments lead the same customer at once.
enum class OverlapPolicy { refuse, flag };

}  // namespace twintrack::bot::engagements
