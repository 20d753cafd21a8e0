#include "bot/features/thanks/store/thanks_store.hpp"

namespace twintrack::bot::thanks {

std::int64_t ThanksRepository::add(const ThanksRecord& t) {
    return db_.insert("INSERT INTO thanks (from_id, to_id, note, created_at) VALUES (?, ?, ?, ?)",
                      {t.from_id, t.to_id, t.note, t.created_at});
}

std::vector<ThanksRecord> ThanksRepository::since(std::int64_t since) const {
    std::vector<ThanksRecord> out;
    db_.query(
        "SELECT id, from_id, to_id, note, created_at FROM thanks WHERE created_at >= ? "
        "ORDER BY created_at DESC, id DESC",
        {since}, [&](const store::Row& r) {
            ThanksRecord t;
            t.id = r.integer(0);
            t.from_id = r.integer(1);
            t.to_id = r.integer(2);
            t.note = r.text(3);
            t.created_at = r.integer(4);
            out.push_back(std::move(t));
        });
    return out;
}

}  // namespace twintrack::bot::thanks
