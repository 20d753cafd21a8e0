#pragma once
// The fan-out feed among processes on one database: what a connector that serves people
// in every process (the hub) showed to the connections of one process, for the same
// connector in the others to show theirs (a bot post, a person's channel message, a
// direct message to someone connected elsewhere). Rows are written only where several
// processes share the database (Database::shared_by_processes(), PostgreSQL) and are
// pruned after minutes; the payload is the connector's own text (the hub's frame) and
// means nothing to the store.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

struct FanOutEvent {
    std::int64_t id = 0;
    std::string connector;        ///< the connector's configured name, e.g. "hub"
    std::string kind;             ///< the connector's word for it: "post", "update", "message", ...
    std::string target;           ///< a channel, or "@" + a person's id (their direct conversation)
    std::string payload;          ///< what the connector needs to show it again
    std::string origin;           ///< the process that showed it first (HOST:PID:RANDOM)
    std::int64_t created_at = 0;  ///< UTC milliseconds
};

class FanOutRepository {
  public:
    explicit FanOutRepository(Database& db) : db_(db) {}

    /// Appends a row and wakes the readers in the other processes (announced on the
    /// fan-out feed, not on the change feed). Inside a transaction both go with its commit.
    void append(const FanOutEvent& event);
    /// Rows with an id above `after`, oldest first, at most `limit`. Rows of `origin`
    /// (the reader's own) come with an empty payload: the reader skips them, but sees
    /// their ids.
    std::vector<FanOutEvent> after(std::int64_t after, const std::string& origin, int limit);
    /// The highest id so far (0 when the table is empty).
    std::int64_t last_id();
    /// Deletes the rows created before `created_before` and, beyond those, all but the
    /// newest `keep`. Returns how many went.
    int prune(std::int64_t created_before, std::int64_t keep);

  private:
    Database& db_;
};

/// One process's place in the feed. Ids are handed out when a row is inserted but become
/// visible when it commits, so a reader may see id 12 before id 11 of a transaction
/// still open elsewhere: a missing id is looked for again on the following reads for
/// `gap_wait_ms` (then given up: it was rolled back). Not thread-safe.
class FanOutCursor {
  public:
    explicit FanOutCursor(std::int64_t gap_wait_ms = 10000) : gap_wait_ms_(gap_wait_ms) {}

    /// True once start() ran.
    bool started() const { return started_; }
    /// Begins after the rows the table holds now (a process starting shows what comes
    /// from now on).
    void start(FanOutRepository& repo);
    /// The rows not read before, oldest first, without those of `origin` (this process).
    std::vector<FanOutEvent> read(FanOutRepository& repo, const std::string& origin,
                                  std::int64_t now_ms);
    /// True while a missing id is still looked for (read again soon, notified or not).
    bool waiting_for_gaps() const { return !gaps_.empty(); }

  private:
    std::int64_t gap_wait_ms_;
    bool started_ = false;
    std::int64_t low_ = 0;                       ///< every id up to this one is read or given up
    std::int64_t high_ = 0;                      ///< the highest id read
    std::set<std::int64_t> seen_;                ///< ids above low_ read already
    std::map<std::int64_t, std::int64_t> gaps_;  ///< missing id -> when first missed
};

}  // namespace twintrack::store
