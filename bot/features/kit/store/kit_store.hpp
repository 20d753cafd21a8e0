#pragma once
// The sales kit's tables (kit_items, kit_tags, kit_useful, kit_needs, kit_gaps; migration
// bot/features/kit/migrations/0022_kit.sql and the PostgreSQL twin): the kit feature's own store
// part (target twintrack_feature_kit_store, linking only the store layer, nothing from bot/). The
// feature's commands open it on the turn's store (Turn::read_table, write_table).
//
// The sales kit: items (a link or a stored file) with their tags, "useful" marks once per
// person, the needs field reports named with the item offered for each, and marketing's
// list of gaps (needs no item covered).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/person_data.hpp"

namespace twintrack::store::kit {

struct KitItem {
    std::int64_t id = 0;
    std::string title;
    std::string lang = "en";  ///< "en" or "zh-CN"
    std::string url;          ///< http(s) link; empty for a file
    std::string file_name;    ///< empty for a link
    std::string file_mime;
    std::int64_t file_size = 0;
    std::vector<std::string> tags;  ///< lower case
    std::int64_t added_by = 0;
    std::int64_t added_at = 0;
    std::int64_t useful = 0;  ///< people who marked it useful (read only)
};

struct KitGap {
    std::int64_t id = 0;
    std::string need_key;  ///< normalised: lower case, single spaces
    std::string need;      ///< as first written
    std::int64_t asked = 0;
    std::int64_t first_asked = 0;
    std::int64_t last_asked = 0;
    std::optional<std::int64_t> closed_at;
    std::optional<std::int64_t> closed_by;  ///< the item that covered it
};

class KitRepository {
  public:
    explicit KitRepository(Database& db) : db_(db) {}

    /// Adds an item with its tags; `file_base64` holds the file's bytes (empty for a link).
    /// Returns the new id.
    std::int64_t add_item(const KitItem& item, const std::string& file_base64);
    /// One item with its tags and useful count (without the file's bytes).
    std::optional<KitItem> item(std::int64_t id) const;
    /// Every item with tags and useful counts, oldest first (without the files' bytes).
    std::vector<KitItem> items() const;
    /// The stored file of an item, Base64; nothing for a link or an unknown item.
    std::optional<std::string> file_data(std::int64_t id) const;

    /// Marks an item useful for a person; false when they had already.
    bool mark_useful(std::int64_t item, std::int64_t person, std::int64_t at);
    /// Whether the person marked the item useful.
    bool marked_useful(std::int64_t item, std::int64_t person) const;
    /// Items by useful marks, most first (ties: the older item first); at most `limit`,
    /// only items marked at least once.
    std::vector<KitItem> most_useful(int limit) const;

    /// A need a report named, with the item offered for it (none: a gap).
    void record_need(std::int64_t report, const std::string& need_key,
                     std::optional<std::int64_t> item, std::int64_t at);
    /// Needs recorded in [from, to): all of them and those an item covered.
    std::int64_t needs_total(std::int64_t from, std::int64_t to) const;
    std::int64_t needs_covered(std::int64_t from, std::int64_t to) const;

    /// One more report asked for `need_key` without an item: counts the open gap (opening
    /// it, or again after it was closed).
    void count_gap(const std::string& need_key, const std::string& need, std::int64_t at);
    /// Open gaps, most asked first (ties: most recently asked first).
    std::vector<KitGap> open_gaps() const;
    std::optional<KitGap> gap(const std::string& need_key) const;
    /// The gap is covered by `item` from `at` on.
    void close_gap(std::int64_t gap, std::int64_t item, std::int64_t at);

  private:
    Database& db_;
};

/// The feature's part of a person's data (`person export`, `person erase`): the items they added
/// and the items they marked useful.
PersonDataPart person_data();

}  // namespace twintrack::store::kit
