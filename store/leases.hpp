#pragma once
// Named leases held by one process at a time among several on one database (e.g.
// `connector:irc`: the process that may run that connector). A holder renews its lease
// before it runs out; once it has run out, any process may take it. Times are the
// processes' own clocks (UTC milliseconds), so their clocks must agree to well within a
// lease.

#include <optional>
#include <string>

#include "store/database.hpp"

namespace twintrack::store {

struct Lease {
    std::string name;
    std::string holder;
    std::int64_t acquired_at = 0;
    std::int64_t expires_at = 0;
};

class LeaseRepository {
  public:
    explicit LeaseRepository(Database& db) : db_(db) {}

    /// Takes the lease `name` for `holder` until `expires_at`, or renews it when `holder`
    /// has it already. False when another holder has it and it has not run out at `now_ms`.
    /// One statement, so two processes trying at once cannot both succeed. Not announced
    /// on the change feed (renewals are frequent and change nothing others show).
    bool acquire(const std::string& name, const std::string& holder, std::int64_t now_ms,
                 std::int64_t expires_at);
    /// Gives the lease up at once (a clean stop), if `holder` has it.
    void release(const std::string& name, const std::string& holder);
    /// The lease's row, run out or not; empty when nobody ever took it.
    std::optional<Lease> get(const std::string& name);

  private:
    Database& db_;
};

}  // namespace twintrack::store
