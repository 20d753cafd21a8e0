#include "bot/features/tone/store/announcements_store.hpp"

namespace twintrack::store::tone {
namespace {

const char* const columns =
    "SELECT id, author_id, lead, key_message, campaign, marketing_text, sales_text, locale, "
    "post_at, status, version, created_at, updated_at, posted_at FROM announcements ";

Announcement announcement_from(const Row& row) {
    Announcement a;
    a.id = row.integer(0);
    a.author_id = row.integer(1);
    a.lead = row.text(2);
    a.key_message = row.text(3);
    a.campaign = row.text(4);
    a.marketing_text = row.text(5);
    a.sales_text = row.text(6);
    a.locale = row.text(7);
    a.post_at = row.optional_integer(8);
    a.status = row.text(9);
    a.version = static_cast<int>(row.integer(10));
    a.created_at = row.integer(11);
    a.updated_at = row.integer(12);
    a.posted_at = row.optional_integer(13);
    return a;
}

}  // namespace

std::int64_t AnnouncementRepository::create(const Announcement& a) {
    return db_.insert(
        "INSERT INTO announcements (author_id, lead, key_message, campaign, marketing_text, "
        "sales_text, locale, post_at, status, version, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'draft', 1, ?, ?)",
        {a.author_id, a.lead, a.key_message, a.campaign, a.marketing_text, a.sales_text, a.locale,
         nullable(a.post_at), a.created_at, a.created_at});
}

std::optional<Announcement> AnnouncementRepository::get(std::int64_t id) const {
    std::optional<Announcement> out;
    db_.query(std::string(columns) + "WHERE id = ?", {id},
              [&](const Row& row) { out = announcement_from(row); });
    return out;
}

std::vector<Announcement> AnnouncementRepository::recent(int limit) const {
    std::vector<Announcement> out;
    db_.query(std::string(columns) + "ORDER BY id DESC LIMIT ?", {std::int64_t{limit}},
              [&](const Row& row) { out.push_back(announcement_from(row)); });
    return out;
}

void AnnouncementRepository::edit_variant(std::int64_t id, const std::string& track,
                                          const std::string& text, std::int64_t now) {
    const char* sql = track == "sales"
                          ? "UPDATE announcements SET sales_text = ?, version = version + 1, "
                            "status = 'draft', updated_at = ? WHERE id = ?"
                          : "UPDATE announcements SET marketing_text = ?, version = version + 1, "
                            "status = 'draft', updated_at = ? WHERE id = ?";
    db_.execute(sql, {text, now, id});
    db_.execute("DELETE FROM announcement_decisions WHERE announcement_id = ?", {id});
}

void AnnouncementRepository::set_status(std::int64_t id, const std::string& status,
                                        std::int64_t now) {
    db_.execute("UPDATE announcements SET status = ?, updated_at = ? WHERE id = ?",
                {status, now, id});
}

void AnnouncementRepository::mark_posted(std::int64_t id, std::int64_t now) {
    db_.execute(
        "UPDATE announcements SET status = 'posted', posted_at = ?, updated_at = ? WHERE id = ?",
        {now, now, id});
}

void AnnouncementRepository::decide(std::int64_t id, const AnnouncementDecision& d) {
    db_.execute(
        "INSERT INTO announcement_decisions (announcement_id, department, person_id, decision, "
        "note, version, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (announcement_id, department) DO UPDATE SET person_id = excluded.person_id, "
        "decision = excluded.decision, note = excluded.note, version = excluded.version, "
        "decided_at = excluded.decided_at",
        {id, d.department, d.person_id, d.decision, d.note, std::int64_t{d.version}, d.decided_at});
}

std::vector<AnnouncementDecision> AnnouncementRepository::decisions(std::int64_t id) const {
    std::vector<AnnouncementDecision> out;
    db_.query(
        "SELECT department, person_id, decision, note, version, decided_at "
        "FROM announcement_decisions WHERE announcement_id = ? ORDER BY department",
        {id}, [&](const Row& row) {
            out.push_back({row.text(0), row.integer(1), row.text(2), row.text(3),
                           static_cast<int>(row.integer(4)), row.integer(5)});
        });
    return out;
}

void AnnouncementRepository::add_history(std::int64_t id, const AnnouncementHistoryItem& item) {
    db_.execute(
        "INSERT INTO announcement_history (announcement_id, at, person_id, action, detail) "
        "VALUES (?, ?, ?, ?, ?)",
        {id, item.at, nullable(item.person_id), item.action, item.detail});
}

std::vector<AnnouncementHistoryItem> AnnouncementRepository::history(std::int64_t id) const {
    std::vector<AnnouncementHistoryItem> out;
    db_.query(
        "SELECT at, person_id, action, detail FROM announcement_history "
        "WHERE announcement_id = ? ORDER BY id",
        {id}, [&](const Row& row) {
            out.push_back({row.integer(0), row.optional_integer(1), row.text(2), row.text(3)});
        });
    return out;
}

PersonDataPart person_data() {
    PersonDataPart part;
    part.exports = {
        {"announcements",
         "SELECT id, lead, key_message, campaign, marketing_text, sales_text, status, "
         "created_at, posted_at FROM announcements WHERE author_id = ?1 ORDER BY id"},
        {"announcement_decisions",
         "SELECT announcement_id, department, decision, note, decided_at "
         "FROM announcement_decisions WHERE person_id = ?1"},
    };
    part.scrubs = {
        "UPDATE announcements SET key_message = replace(key_message, ?1, ?2), "
        "marketing_text = replace(marketing_text, ?1, ?2), sales_text = replace(sales_text, ?1, "
        "?2) WHERE instr(key_message, ?1) > 0 OR instr(marketing_text, ?1) > 0 "
        "OR instr(sales_text, ?1) > 0",
        "UPDATE announcement_decisions SET note = replace(note, ?1, ?2) WHERE instr(note, ?1) > 0",
        "UPDATE announcement_history SET detail = replace(detail, ?1, ?2) "
        "WHERE instr(detail, ?1) > 0",
    };
    return part;
}

}  // namespace twintrack::store::tone
