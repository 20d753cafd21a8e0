#pragma once
// The meetings feature's tables (meetings, meeting_attendees, meeting_series,
// meeting_proposals, busy_blocks, meeting_agenda_items, meeting_minutes; migration
// bot/features/meetings/migrations/0007_meetings.sql and the PostgreSQL twin): its own store
// part (target twintrack_feature_meetings_store, linking only the store layer, nothing from
// bot/). The feature's commands open it on the turn's store (Turn::read_table, write_table).
//
// Meetings: booked events and their attendees, the slots proposed to each organiser,
// busy blocks imported from calendars, recurring joint-meeting series, agenda items and
// minutes. Times are UTC milliseconds.

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/person_data.hpp"

namespace twintrack::store::meetings {

struct MeetingAttendee {
    std::int64_t person_id = 0;
    bool required = true;
};

struct Meeting {
    std::int64_t id = 0;
    std::string uid;
    std::string title;
    std::int64_t organizer_id = 0;
    std::int64_t start_at = 0;
    std::int64_t end_at = 0;
    std::string status = "booked";  ///< booked or cancelled
    std::optional<std::int64_t> series_id;
    int sequence = 0;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::vector<MeetingAttendee> attendees;
};

struct MeetingSeries {
    std::int64_t id = 0;
    std::string title;
    std::string rrule;
    std::string spec;
    int local_minute = 0;
    std::string zone;
    int duration_min = 60;
    std::int64_t organizer_id = 0;
    std::string status = "active";
    std::int64_t created_at = 0;
};

struct BusyBlock {
    std::int64_t person_id = 0;
    std::int64_t start_at = 0;
    std::int64_t end_at = 0;
    std::string summary;
    std::string source;
};

struct AgendaItem {
    std::int64_t id = 0;
    std::int64_t person_id = 0;
    std::string text;
    std::int64_t created_at = 0;
};

struct Minutes {
    std::int64_t meeting_id = 0;
    std::string decisions;
    std::string actions;
    std::int64_t recorded_by = 0;
    std::int64_t recorded_at = 0;
};

class MeetingRepository {
  public:
    explicit MeetingRepository(Database& db) : db_(db) {}

    /// Inserts a meeting with its attendees; returns its id.
    std::int64_t create(const Meeting& meeting);
    std::optional<Meeting> get(std::int64_t id) const;
    std::optional<Meeting> by_series_start(std::int64_t series_id, std::int64_t start_at);
    /// Booked meetings of a person (as attendee or organiser) overlapping [from, until),
    /// by start.
    std::vector<Meeting> of_person(std::int64_t person_id, std::int64_t from,
                                   std::int64_t until) const;
    /// Every meeting of a person, cancelled ones included, by start (for calendar feeds).
    std::vector<Meeting> feed_of(std::int64_t person_id, std::int64_t from) const;
    void set_status(std::int64_t id, const std::string& status, std::int64_t now_ms);

    /// Busy intervals of each person in [from, until): booked meetings and imported
    /// blocks, as (person, start, end).
    std::vector<BusyBlock> busy(const std::vector<std::int64_t>& person_ids, std::int64_t from,
                                std::int64_t until) const;
    /// Replaces the blocks of one person and source.
    void replace_busy(std::int64_t person_id, const std::string& source,
                      const std::vector<BusyBlock>& blocks);

    void save_proposal(std::int64_t person_id, const std::string& json, std::int64_t now_ms);
    std::optional<std::string> proposal(std::int64_t person_id) const;
    void drop_proposal(std::int64_t person_id);

    std::int64_t create_series(const MeetingSeries& series);
    std::optional<MeetingSeries> series(std::int64_t id) const;
    std::vector<MeetingSeries> active_series() const;
    void cancel_series(std::int64_t id);

    void add_agenda_item(std::int64_t meeting_id, std::int64_t person_id, const std::string& text,
                         std::int64_t now_ms);
    std::vector<AgendaItem> agenda(std::int64_t meeting_id) const;

    void save_minutes(const Minutes& minutes);
    std::optional<Minutes> minutes(std::int64_t meeting_id);
    /// The latest series meeting that ended by `now` and has no minutes yet.
    std::optional<Meeting> latest_without_minutes(std::int64_t now_ms) const;
    /// The next booked series meeting starting after `now`.
    std::optional<Meeting> next_of_series(std::int64_t now_ms) const;
    /// Booked meetings of a recurring joint series that ended in [from, to), with their
    /// attendees, by start (the joint meetings held).
    std::vector<Meeting> joint_meetings_ended_between(std::int64_t from, std::int64_t to) const;

  private:
    void load_attendees(Meeting& m) const;
    Database& db_;
};

/// The feature's part of a person's data (`person export`, `person erase`): the meetings
/// they organise or attend, their attendance, the series they organise, their agenda items,
/// the minutes they recorded, their last proposal and their imported busy times; on erase
/// their proposal and busy times go, and titles, agenda items and minutes naming them are
/// rewritten.
PersonDataPart person_data();

}  // namespace twintrack::store::meetings
