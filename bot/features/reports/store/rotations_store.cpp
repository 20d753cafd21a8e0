#include "bot/features/reports/store/rotations_store.hpp"

namespace twintrack::store::reports {
namespace {

const char* const rotation_columns =
    "SELECT id, department, host_department, batch, every_days, first_start, created_by, "
    "created_at, stopped_at FROM rotations ";

Rotation rotation_from(const Row& r) {
    Rotation out;
    out.id = r.integer(0);
    out.department = r.text(1);
    out.host_department = r.text(2);
    out.batch = static_cast<int>(r.integer(3));
    out.every_days = static_cast<int>(r.integer(4));
    out.first_start = r.integer(5);
    out.created_by = r.optional_integer(6);
    out.created_at = r.integer(7);
    out.stopped_at = r.optional_integer(8);
    return out;
}

const char* const assignment_columns =
    "SELECT id, rotation_id, round, person_id, host_id, starts_at, ends_at "
    "FROM rotation_assignments ";

RotationAssignment assignment_from(const Row& r) {
    return {r.integer(0), r.integer(1), static_cast<int>(r.integer(2)), r.integer(3), r.integer(4),
            r.integer(5), r.integer(6)};
}

}  // namespace

std::int64_t RotationRepository::create(const Rotation& r) {
    return db_.insert(
        "INSERT INTO rotations (department, host_department, batch, every_days, first_start, "
        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {r.department, r.host_department, std::int64_t{r.batch}, std::int64_t{r.every_days},
         r.first_start, nullable(r.created_by), r.created_at});
}

std::optional<Rotation> RotationRepository::get(std::int64_t id) const {
    std::optional<Rotation> out;
    db_.query(std::string(rotation_columns) + "WHERE id = ?", {id},
              [&](const Row& r) { out = rotation_from(r); });
    return out;
}

std::vector<Rotation> RotationRepository::active() const {
    std::vector<Rotation> out;
    db_.query(std::string(rotation_columns) + "WHERE stopped_at IS NULL ORDER BY id", {},
              [&](const Row& r) { out.push_back(rotation_from(r)); });
    return out;
}

void RotationRepository::stop(std::int64_t id, std::int64_t now_ms) {
    db_.execute("UPDATE rotations SET stopped_at = ? WHERE id = ? AND stopped_at IS NULL",
                {now_ms, id});
}

void RotationRepository::add_assignment(const RotationAssignment& a) {
    db_.execute(
        "INSERT INTO rotation_assignments (rotation_id, round, person_id, host_id, starts_at, "
        "ends_at) VALUES (?, ?, ?, ?, ?, ?)",
        {a.rotation_id, std::int64_t{a.round}, a.person_id, a.host_id, a.starts_at, a.ends_at});
}

std::vector<RotationAssignment> RotationRepository::round(std::int64_t rotation_id, int round) {
    std::vector<RotationAssignment> out;
    db_.query(std::string(assignment_columns) + "WHERE rotation_id = ? AND round = ? ORDER BY id",
              {rotation_id, std::int64_t{round}},
              [&](const Row& r) { out.push_back(assignment_from(r)); });
    return out;
}

std::vector<RotationAssignment> RotationRepository::upcoming(std::int64_t rotation_id,
                                                             std::int64_t after_ms) const {
    std::vector<RotationAssignment> out;
    db_.query(std::string(assignment_columns) +
                  "WHERE rotation_id = ? AND ends_at > ? ORDER BY starts_at, id",
              {rotation_id, after_ms}, [&](const Row& r) { out.push_back(assignment_from(r)); });
    return out;
}

std::map<std::int64_t, int> RotationRepository::times_went(std::int64_t rotation_id) {
    std::map<std::int64_t, int> out;
    db_.query(
        "SELECT person_id, count(*) FROM rotation_assignments WHERE rotation_id = ? "
        "GROUP BY person_id",
        {rotation_id}, [&](const Row& r) { out[r.integer(0)] = static_cast<int>(r.integer(1)); });
    return out;
}

std::map<std::int64_t, int> RotationRepository::times_hosted(std::int64_t rotation_id) {
    std::map<std::int64_t, int> out;
    db_.query(
        "SELECT host_id, count(*) FROM rotation_assignments WHERE rotation_id = ? "
        "GROUP BY host_id",
        {rotation_id}, [&](const Row& r) { out[r.integer(0)] = static_cast<int>(r.integer(1)); });
    return out;
}

std::optional<RotationAssignment> RotationRepository::covering(std::int64_t person_id,
                                                               std::int64_t at_ms,
                                                               std::int64_t after_ms) const {
    std::optional<RotationAssignment> out;
    db_.query(std::string(assignment_columns) +
                  "WHERE person_id = ? AND starts_at <= ? AND ends_at + ? >= ? "
                  "ORDER BY starts_at DESC LIMIT 1",
              {person_id, at_ms, after_ms, at_ms}, [&](const Row& r) { out = assignment_from(r); });
    return out;
}

}  // namespace twintrack::store::reports
