#include "store/fan_out.hpp"

#include <algorithm>

namespace twintrack::store {

void FanOutRepository::append(const FanOutEvent& e) {
    db_.execute_unannounced(
        "INSERT INTO fan_out (connector, kind, target, payload, origin, created_at) VALUES (?, "
        "?, ?, ?, ?, ?)",
        {e.connector, e.kind, e.target, e.payload, e.origin, e.created_at});
    db_.announce_fan_out();
}

std::vector<FanOutEvent> FanOutRepository::after(std::int64_t after, const std::string& origin,
                                                 int limit) {
    std::vector<FanOutEvent> out;
    db_.query(
        "SELECT id, connector, kind, target, CASE WHEN origin = ?1 THEN '' ELSE payload END, "
        "origin, created_at FROM fan_out WHERE id > ?2 ORDER BY id LIMIT ?3",
        {origin, after, std::int64_t{limit}}, [&](const Row& r) {
            out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5),
                           r.integer(6)});
        });
    return out;
}

std::int64_t FanOutRepository::last_id() {
    return db_.scalar("SELECT coalesce(max(id), 0) FROM fan_out").value_or(0);
}

int FanOutRepository::prune(std::int64_t created_before, std::int64_t keep) {
    const std::int64_t last = last_id();
    return db_.execute_unannounced("DELETE FROM fan_out WHERE created_at < ? OR id <= ?",
                                   {created_before, last - keep});
}

void FanOutCursor::start(FanOutRepository& repo) {
    low_ = high_ = repo.last_id();
    seen_.clear();
    gaps_.clear();
    started_ = true;
}

std::vector<FanOutEvent> FanOutCursor::read(FanOutRepository& repo, const std::string& origin,
                                            std::int64_t now_ms) {
    if (!started_) start(repo);
    std::vector<FanOutEvent> out;
    constexpr int batch = 500;
    // A jump larger than this is not a transaction still open (the sequence moved on,
    // e.g. after the server restarted): those ids are not waited for.
    constexpr std::int64_t max_gap = 1000;
    std::int64_t from = low_;
    for (;;) {
        auto rows = repo.after(from, origin, batch);
        for (auto& row : rows) {
            if (seen_.count(row.id)) continue;
            gaps_.erase(row.id);
            if (row.id - high_ <= max_gap) {
                for (std::int64_t missing = high_ + 1; missing < row.id; ++missing) {
                    gaps_.emplace(missing, now_ms);
                }
            }
            high_ = std::max(high_, row.id);
            seen_.insert(row.id);
            if (row.origin != origin) out.push_back(std::move(row));
        }
        if (static_cast<int>(rows.size()) < batch) break;
        from = rows.back().id;
    }
    // Missing ids waited for long enough were rolled back (or pruned).
    for (auto it = gaps_.begin(); it != gaps_.end();) {
        it = now_ms - it->second >= gap_wait_ms_ ? gaps_.erase(it) : std::next(it);
    }
    low_ = gaps_.empty() ? high_ : gaps_.begin()->first - 1;
    seen_.erase(seen_.begin(), seen_.upper_bound(low_));
    return out;
}

}  // namespace twintrack::store
