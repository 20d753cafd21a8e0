#include "bot/features/kit/store/kit_store.hpp"

#include <map>

namespace twintrack::store::kit {
namespace {

const char* const item_columns =
    "i.id, i.title, i.lang, coalesce(i.url, ''), coalesce(i.file_name, ''), "
    "coalesce(i.file_mime, ''), coalesce(i.file_size, 0), i.added_by, i.added_at, "
    "(SELECT count(*) FROM kit_useful u WHERE u.item_id = i.id)";

KitItem item_of(const Row& r) {
    KitItem k;
    k.id = r.integer(0);
    k.title = r.text(1);
    k.lang = r.text(2);
    k.url = r.text(3);
    k.file_name = r.text(4);
    k.file_mime = r.text(5);
    k.file_size = r.integer(6);
    k.added_by = r.integer(7);
    k.added_at = r.integer(8);
    k.useful = r.integer(9);
    return k;
}

KitGap gap_of(const Row& r) {
    KitGap g;
    g.id = r.integer(0);
    g.need_key = r.text(1);
    g.need = r.text(2);
    g.asked = r.integer(3);
    g.first_asked = r.integer(4);
    g.last_asked = r.integer(5);
    g.closed_at = r.optional_integer(6);
    g.closed_by = r.optional_integer(7);
    return g;
}

const char* const gap_columns =
    "id, need_key, need, asked, first_asked, last_asked, closed_at, closed_by";

}  // namespace

std::int64_t KitRepository::add_item(const KitItem& item, const std::string& file_base64) {
    const bool file = !file_base64.empty();
    const std::int64_t id = db_.insert(
        "INSERT INTO kit_items (title, lang, url, file_name, file_mime, file_size, file_data, "
        "added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {item.title, item.lang, file ? Value(nullptr) : Value(item.url),
         file ? Value(item.file_name) : Value(nullptr),
         file ? Value(item.file_mime) : Value(nullptr),
         file ? Value(item.file_size) : Value(nullptr), file ? Value(file_base64) : Value(nullptr),
         item.added_by, item.added_at});
    for (const auto& tag : item.tags) {
        db_.execute(
            "INSERT INTO kit_tags (item_id, tag) VALUES (?, ?) ON CONFLICT (item_id, tag) DO "
            "NOTHING",
            {id, tag});
    }
    return id;
}

std::optional<KitItem> KitRepository::item(std::int64_t id) const {
    std::optional<KitItem> out;
    db_.query(std::string("SELECT ") + item_columns + " FROM kit_items i WHERE i.id = ?", {id},
              [&](const Row& r) { out = item_of(r); });
    if (out) {
        db_.query("SELECT tag FROM kit_tags WHERE item_id = ? ORDER BY tag", {id},
                  [&](const Row& r) { out->tags.push_back(r.text(0)); });
    }
    return out;
}

std::vector<KitItem> KitRepository::items() const {
    std::vector<KitItem> out;
    std::map<std::int64_t, std::size_t> at;
    db_.query(std::string("SELECT ") + item_columns + " FROM kit_items i ORDER BY i.id", {},
              [&](const Row& r) {
                  at[r.integer(0)] = out.size();
                  out.push_back(item_of(r));
              });
    db_.query("SELECT item_id, tag FROM kit_tags ORDER BY item_id, tag", {}, [&](const Row& r) {
        const auto it = at.find(r.integer(0));
        if (it != at.end()) out[it->second].tags.push_back(r.text(1));
    });
    return out;
}

std::optional<std::string> KitRepository::file_data(std::int64_t id) const {
    std::optional<std::string> out;
    db_.query("SELECT file_data FROM kit_items WHERE id = ? AND file_data IS NOT NULL", {id},
              [&](const Row& r) { out = r.text(0); });
    return out;
}

bool KitRepository::mark_useful(std::int64_t item, std::int64_t person, std::int64_t at) {
    return db_.execute(
               "INSERT INTO kit_useful (item_id, person_id, at) VALUES (?, ?, ?) "
               "ON CONFLICT (item_id, person_id) DO NOTHING",
               {item, person, at}) > 0;
}

bool KitRepository::marked_useful(std::int64_t item, std::int64_t person) const {
    return db_.scalar("SELECT count(*) FROM kit_useful WHERE item_id = ? AND person_id = ?",
                      {item, person})
               .value_or(0) > 0;
}

std::vector<KitItem> KitRepository::most_useful(int limit) const {
    std::vector<KitItem> out;
    db_.query(std::string("SELECT ") + item_columns +
                  " FROM kit_items i WHERE EXISTS (SELECT 1 FROM kit_useful u WHERE u.item_id "
                  "= i.id) ORDER BY 10 DESC, i.id LIMIT ?",
              {std::int64_t{limit}}, [&](const Row& r) { out.push_back(item_of(r)); });
    return out;
}

void KitRepository::record_need(std::int64_t report, const std::string& need_key,
                                std::optional<std::int64_t> item, std::int64_t at) {
    db_.insert("INSERT INTO kit_needs (report_id, need_key, item_id, at) VALUES (?, ?, ?, ?)",
               {report, need_key, nullable(item), at});
}

std::int64_t KitRepository::needs_total(std::int64_t from, std::int64_t to) const {
    return db_.scalar("SELECT count(*) FROM kit_needs WHERE at >= ? AND at < ?", {from, to})
        .value_or(0);
}

std::int64_t KitRepository::needs_covered(std::int64_t from, std::int64_t to) const {
    return db_
        .scalar("SELECT count(*) FROM kit_needs WHERE at >= ? AND at < ? AND item_id IS NOT NULL",
                {from, to})
        .value_or(0);
}

void KitRepository::count_gap(const std::string& need_key, const std::string& need,
                              std::int64_t at) {
    db_.execute(
        "INSERT INTO kit_gaps (need_key, need, asked, first_asked, last_asked) "
        "VALUES (?1, ?2, 1, ?3, ?3) ON CONFLICT (need_key) DO UPDATE SET "
        "asked = CASE WHEN kit_gaps.closed_at IS NULL THEN kit_gaps.asked + 1 ELSE 1 END, "
        "first_asked = CASE WHEN kit_gaps.closed_at IS NULL THEN kit_gaps.first_asked "
        "ELSE excluded.first_asked END, "
        "last_asked = excluded.last_asked, closed_at = NULL, closed_by = NULL",
        {need_key, need, at});
}

std::vector<KitGap> KitRepository::open_gaps() const {
    std::vector<KitGap> out;
    db_.query(std::string("SELECT ") + gap_columns +
                  " FROM kit_gaps WHERE closed_at IS NULL "
                  "ORDER BY asked DESC, last_asked DESC, id",
              {}, [&](const Row& r) { out.push_back(gap_of(r)); });
    return out;
}

std::optional<KitGap> KitRepository::gap(const std::string& need_key) const {
    std::optional<KitGap> out;
    db_.query(std::string("SELECT ") + gap_columns + " FROM kit_gaps WHERE need_key = ?",
              {need_key}, [&](const Row& r) { out = gap_of(r); });
    return out;
}

void KitRepository::close_gap(std::int64_t gap, std::int64_t item, std::int64_t at) {
    db_.execute("UPDATE kit_gaps SET closed_at = ?, closed_by = ? WHERE id = ?", {at, item, gap});
}

PersonDataPart person_data() {
    PersonDataPart part;
    part.exports = {
        {"kit_items",
         "SELECT id, title, lang, url, file_name, added_at FROM kit_items WHERE added_by = ?1 "
         "ORDER BY id"},
        {"kit_useful", "SELECT item_id, at FROM kit_useful WHERE person_id = ?1 ORDER BY item_id"},
    };
    return part;
}

}  // namespace twintrack::store::kit
