#include "store/leases.hpp"

namespace twintrack::store {

bool LeaseRepository::acquire(const std::string& name, const std::string& holder,
                              std::int64_t now_ms, std::int64_t expires_at) {
    // A conflicting row is updated only when it is the holder's own or has run out; else
    // nothing changes and no row counts.
    return db_.execute_unannounced(
               "INSERT INTO leases (name, holder, acquired_at, expires_at) VALUES (?1, ?2, ?3, "
               "?4) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = "
               "excluded.expires_at, acquired_at = CASE WHEN leases.holder = excluded.holder "
               "THEN leases.acquired_at ELSE excluded.acquired_at END "
               "WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3",
               {name, holder, now_ms, expires_at}) > 0;
}

void LeaseRepository::release(const std::string& name, const std::string& holder) {
    db_.execute_unannounced("DELETE FROM leases WHERE name = ? AND holder = ?", {name, holder});
}

std::optional<Lease> LeaseRepository::get(const std::string& name) {
    std::optional<Lease> out;
    db_.query("SELECT name, holder, acquired_at, expires_at FROM leases WHERE name = ?", {name},
              [&](const Row& r) {
                  out = Lease{r.text(0), r.text(1), r.integer(2), r.integer(3)};
              });
    return out;
}

}  // namespace twintrack::store
