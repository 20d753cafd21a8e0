#pragma once
// The tone feature's tables (announcements, announcement_decisions, announcement_history;
// migration bot/features/tone/migrations/0006_announcements.sql and the PostgreSQL twin): its
// own store part (target twintrack_feature_tone_store, linking only the store layer, nothing
// from bot/). The feature's commands open it on the turn's store (Turn::read_table,
// write_table).
//
// Announcements: a key message with a marketing and a sales variant, the current
// decision of each department's manager, and the full history.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/person_data.hpp"

namespace twintrack::store::tone {

struct Announcement {
    std::int64_t id = 0;
    std::int64_t author_id = 0;
    std::string lead = "marketing";  ///< marketing or sales
    std::string key_message;
    std::string campaign;
    std::string marketing_text;
    std::string sales_text;
    std::string locale = "en";
    std::optional<std::int64_t> post_at;
    std::string status = "draft";  ///< draft, scheduled, posted, blocked
    int version = 1;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::optional<std::int64_t> posted_at;
};

/// A department's decision on one version.
struct AnnouncementDecision {
    std::string department;  ///< marketing or sales
    std::int64_t person_id = 0;
    std::string decision;  ///< approved or changes
    std::string note;
    int version = 0;
    std::int64_t decided_at = 0;
};

struct AnnouncementHistoryItem {
    std::int64_t at = 0;
    std::optional<std::int64_t> person_id;
    std::string action;
    std::string detail;
};

class AnnouncementRepository {
  public:
    explicit AnnouncementRepository(Database& db) : db_(db) {}

    /// Inserts a draft (version 1); returns its id.
    std::int64_t create(const Announcement& a);
    std::optional<Announcement> get(std::int64_t id) const;
    /// The newest first.
    std::vector<Announcement> recent(int limit) const;

    /// Replaces one variant's text ("marketing" or "sales"), bumps the version, clears
    /// the decisions and puts the announcement back to draft.
    void edit_variant(std::int64_t id, const std::string& track, const std::string& text,
                      std::int64_t now);
    void set_status(std::int64_t id, const std::string& status, std::int64_t now);
    void mark_posted(std::int64_t id, std::int64_t now);

    /// Records (or replaces) a department's decision.
    void decide(std::int64_t id, const AnnouncementDecision& d);
    std::vector<AnnouncementDecision> decisions(std::int64_t id) const;

    void add_history(std::int64_t id, const AnnouncementHistoryItem& item);
    /// Oldest first.
    std::vector<AnnouncementHistoryItem> history(std::int64_t id) const;

  private:
    Database& db_;
};

/// The feature's part of a person's data (`person export`, `person erase`): the
/// announcements they wrote and their decisions; on erase texts, notes and history naming
/// them are rewritten.
PersonDataPart person_data();

}  // namespace twintrack::store::tone
