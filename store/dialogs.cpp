#include "store/dialogs.hpp"

namespace twintrack::store {

std::optional<DialogRecord> DialogRepository::find(std::int64_t person_id) const {
    std::optional<DialogRecord> out;
    db_.query(
        "SELECT person_id, kind, step, state, connector, channel, thread, started_at, "
        "updated_at, expires_at FROM dialogs WHERE person_id = ?",
        {person_id}, [&](const Row& r) {
            out = DialogRecord{r.integer(0), r.text(1),    static_cast<int>(r.integer(2)),
                               r.text(3),    r.text(4),    r.text(5),
                               r.text(6),    r.integer(7), r.integer(8),
                               r.integer(9)};
        });
    return out;
}

void DialogRepository::save(const DialogRecord& d) {
    db_.execute(
        "INSERT INTO dialogs (person_id, kind, step, state, connector, channel, thread, "
        "started_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (person_id) DO UPDATE SET kind = excluded.kind, step = excluded.step, "
        "state = excluded.state, connector = excluded.connector, channel = excluded.channel, "
        "thread = excluded.thread, started_at = excluded.started_at, "
        "updated_at = excluded.updated_at, expires_at = excluded.expires_at",
        {d.person_id, d.kind, std::int64_t{d.step}, d.state, d.connector, d.channel, d.thread,
         d.started_at, d.updated_at, d.expires_at});
}

void DialogRepository::remove(std::int64_t person_id) {
    db_.execute("DELETE FROM dialogs WHERE person_id = ?", {person_id});
}

std::vector<std::int64_t> DialogRepository::open_person_ids() {
    std::vector<std::int64_t> out;
    db_.query("SELECT person_id FROM dialogs", {},
              [&](const Row& r) { out.push_back(r.integer(0)); });
    return out;
}

}  // namespace twintrack::store
