#pragma once
// The rotation tables (rotations, rotation_assignments; made by store/migrations/0005, which
// also changes the outbox, so it stays there): the reports feature's store part, like
// reports_store.hpp. The `rotation` commands open it on the turn's store.
//
// Field rotation plans (one department's staff join the other's in the field, in
// batches, one round every N days) and who went with whom in each round.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store::reports {

struct Rotation {
    std::int64_t id = 0;
    std::string department;       ///< who goes along
    std::string host_department;  ///< whom they join
    int batch = 1;
    int every_days = 14;
    std::int64_t first_start = 0;
    std::optional<std::int64_t> created_by;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> stopped_at;
};

struct RotationAssignment {
    std::int64_t id = 0;
    std::int64_t rotation_id = 0;
    int round = 0;
    std::int64_t person_id = 0;
    std::int64_t host_id = 0;
    std::int64_t starts_at = 0;
    std::int64_t ends_at = 0;
};

class RotationRepository {
  public:
    explicit RotationRepository(Database& db) : db_(db) {}

    std::int64_t create(const Rotation& rotation);
    std::optional<Rotation> get(std::int64_t id) const;
    /// Plans not stopped, oldest first.
    std::vector<Rotation> active() const;
    void stop(std::int64_t id, std::int64_t now_ms);

    void add_assignment(const RotationAssignment& a);
    /// The assignments of one round (empty when the round has not been planned).
    std::vector<RotationAssignment> round(std::int64_t rotation_id, int round);
    /// Assignments of a plan that end after `after_ms`, by start.
    std::vector<RotationAssignment> upcoming(std::int64_t rotation_id, std::int64_t after_ms) const;
    /// How often each person went along (as `person_id`) and hosted (as `host_id`) in
    /// a plan.
    std::map<std::int64_t, int> times_went(std::int64_t rotation_id);
    std::map<std::int64_t, int> times_hosted(std::int64_t rotation_id);
    /// The assignment of `person_id` that covers `at_ms`, counting `after_ms` past its end.
    std::optional<RotationAssignment> covering(std::int64_t person_id, std::int64_t at_ms,
                                               std::int64_t after_ms) const;

  private:
    Database& db_;
};

}  // namespace twintrack::store::reports
