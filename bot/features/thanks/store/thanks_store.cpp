#include "bot/features/thanks/store/thanks_store.hpp"

namespace twintrack::store::thanks {
namespace {

constexpr const char* columns = "SELECT id, from_id, to_id, note, created_at FROM thanks ";

ThanksRecord record(const Row& r) {
    ThanksRecord t;
    t.id = r.integer(0);
    t.from_id = r.integer(1);
    t.to_id = r.integer(2);
    t.note = r.text(3);
    t.created_at = r.integer(4);
    return t;
}

class SqlThanksTable final : public ThanksTable {
  public:
    explicit SqlThanksTable(Database& db) : db_(db) {}

    std::int64_t add(const ThanksRecord& t) override {
        return db_.insert(
            "INSERT INTO thanks (from_id, to_id, note, created_at) VALUES (?, ?, ?, ?)",
            {t.from_id, t.to_id, t.note, t.created_at});
    }

    std::vector<ThanksRecord> since(std::int64_t since) const override {
        std::vector<ThanksRecord> out;
        db_.query(std::string(columns) + "WHERE created_at >= ? ORDER BY created_at DESC, id DESC",
                  {since}, [&](const Row& r) { out.push_back(record(r)); });
        return out;
    }

    std::vector<ThanksRecord> between(std::int64_t from_ms, std::int64_t to_ms) const override {
        std::vector<ThanksRecord> out;
        db_.query(std::string(columns) +
                      "WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id",
                  {from_ms, to_ms}, [&](const Row& r) { out.push_back(record(r)); });
        return out;
    }

  private:
    Database& db_;
};

}  // namespace

std::unique_ptr<ThanksTable> open_table(Database& db) {
    return std::make_unique<SqlThanksTable>(db);
}

PersonDataPart person_data() {
    PersonDataPart part;
    part.exports = {
        {"thanks_given",
         "SELECT id, to_id, note, created_at FROM thanks WHERE from_id = ?1 ORDER BY id"},
        {"thanks_received",
         "SELECT id, from_id, note, created_at FROM thanks WHERE to_id = ?1 ORDER BY id"},
    };
    part.clears = {"UPDATE thanks SET note = '' WHERE (from_id = ?1 OR to_id = ?1) AND note <> ''"};
    part.scrubs = {"UPDATE thanks SET note = replace(note, ?1, ?2) WHERE instr(note, ?1) > 0"};
    return part;
}

}  // namespace twintrack::store::thanks
