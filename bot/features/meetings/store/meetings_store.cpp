#include "bot/features/meetings/store/meetings_store.hpp"

namespace twintrack::store::meetings {
namespace {

const char* const meeting_columns =
    "SELECT m.id, m.uid, m.title, m.organizer_id, m.start_at, m.end_at, m.status, m.series_id, "
    "m.sequence, m.created_at, m.updated_at FROM meetings m ";

Meeting meeting_from(const Row& row) {
    Meeting m;
    m.id = row.integer(0);
    m.uid = row.text(1);
    m.title = row.text(2);
    m.organizer_id = row.integer(3);
    m.start_at = row.integer(4);
    m.end_at = row.integer(5);
    m.status = row.text(6);
    m.series_id = row.optional_integer(7);
    m.sequence = static_cast<int>(row.integer(8));
    m.created_at = row.integer(9);
    m.updated_at = row.integer(10);
    return m;
}

const char* const series_columns =
    "SELECT id, title, rrule, spec, local_minute, zone, duration_min, organizer_id, status, "
    "created_at FROM meeting_series ";

MeetingSeries series_from(const Row& row) {
    MeetingSeries s;
    s.id = row.integer(0);
    s.title = row.text(1);
    s.rrule = row.text(2);
    s.spec = row.text(3);
    s.local_minute = static_cast<int>(row.integer(4));
    s.zone = row.text(5);
    s.duration_min = static_cast<int>(row.integer(6));
    s.organizer_id = row.integer(7);
    s.status = row.text(8);
    s.created_at = row.integer(9);
    return s;
}

}  // namespace

void MeetingRepository::load_attendees(Meeting& m) const {
    m.attendees.clear();
    db_.query(
        "SELECT person_id, required FROM meeting_attendees WHERE meeting_id = ? ORDER BY "
        "required DESC, person_id",
        {m.id}, [&](const Row& r) {
            m.attendees.push_back({r.integer(0), r.integer(1) != 0});
        });
}

std::int64_t MeetingRepository::create(const Meeting& m) {
    const std::int64_t id = db_.insert(
        "INSERT INTO meetings (uid, title, organizer_id, start_at, end_at, status, series_id, "
        "sequence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {m.uid, m.title, m.organizer_id, m.start_at, m.end_at, m.status, nullable(m.series_id),
         std::int64_t{m.sequence}, m.created_at, m.created_at});
    for (const auto& a : m.attendees) {
        db_.execute(
            "INSERT INTO meeting_attendees (meeting_id, person_id, required) VALUES "
            "(?, ?, ?) ON CONFLICT DO NOTHING",
            {id, a.person_id, std::int64_t{a.required ? 1 : 0}});
    }
    return id;
}

std::optional<Meeting> MeetingRepository::get(std::int64_t id) const {
    std::optional<Meeting> out;
    db_.query(std::string(meeting_columns) + "WHERE m.id = ?", {id},
              [&](const Row& r) { out = meeting_from(r); });
    if (out) load_attendees(*out);
    return out;
}

std::optional<Meeting> MeetingRepository::by_series_start(std::int64_t series_id,
                                                          std::int64_t start_at) {
    std::optional<Meeting> out;
    db_.query(std::string(meeting_columns) + "WHERE m.series_id = ? AND m.start_at = ?",
              {series_id, start_at}, [&](const Row& r) { out = meeting_from(r); });
    if (out) load_attendees(*out);
    return out;
}

std::vector<Meeting> MeetingRepository::of_person(std::int64_t person_id, std::int64_t from,
                                                  std::int64_t until) const {
    std::vector<Meeting> out;
    db_.query(std::string(meeting_columns) +
                  "JOIN meeting_attendees a ON a.meeting_id = m.id WHERE a.person_id = ? AND "
                  "m.status = 'booked' AND m.end_at > ? AND m.start_at < ? ORDER BY m.start_at, "
                  "m.id",
              {person_id, from, until}, [&](const Row& r) { out.push_back(meeting_from(r)); });
    for (auto& m : out) load_attendees(m);
    return out;
}

std::vector<Meeting> MeetingRepository::feed_of(std::int64_t person_id, std::int64_t from) const {
    std::vector<Meeting> out;
    db_.query(std::string(meeting_columns) +
                  "JOIN meeting_attendees a ON a.meeting_id = m.id WHERE a.person_id = ? AND "
                  "m.end_at > ? ORDER BY m.start_at, m.id",
              {person_id, from}, [&](const Row& r) { out.push_back(meeting_from(r)); });
    for (auto& m : out) load_attendees(m);
    return out;
}

void MeetingRepository::set_status(std::int64_t id, const std::string& status,
                                   std::int64_t now_ms) {
    db_.execute(
        "UPDATE meetings SET status = ?, sequence = sequence + 1, updated_at = ? WHERE id = ?",
        {status, now_ms, id});
}

std::vector<BusyBlock> MeetingRepository::busy(const std::vector<std::int64_t>& person_ids,
                                               std::int64_t from, std::int64_t until) const {
    std::vector<BusyBlock> out;
    for (std::int64_t p : person_ids) {
        db_.query(
            "SELECT m.start_at, m.end_at, m.title FROM meetings m JOIN meeting_attendees a ON "
            "a.meeting_id = m.id WHERE a.person_id = ? AND m.status = 'booked' AND m.end_at > ? "
            "AND m.start_at < ?",
            {p, from, until}, [&](const Row& r) {
                out.push_back({p, r.integer(0), r.integer(1), r.text(2), "meeting"});
            });
        db_.query(
            "SELECT start_at, end_at, summary, source FROM busy_blocks WHERE person_id = ? AND "
            "end_at > ? AND start_at < ?",
            {p, from, until}, [&](const Row& r) {
                out.push_back({p, r.integer(0), r.integer(1), r.text(2), r.text(3)});
            });
    }
    return out;
}

void MeetingRepository::replace_busy(std::int64_t person_id, const std::string& source,
                                     const std::vector<BusyBlock>& blocks) {
    db_.execute("DELETE FROM busy_blocks WHERE person_id = ? AND source = ?", {person_id, source});
    for (const auto& b : blocks) {
        db_.execute(
            "INSERT INTO busy_blocks (person_id, source, start_at, end_at, summary) VALUES (?, ?, "
            "?, ?, ?)",
            {person_id, source, b.start_at, b.end_at, b.summary});
    }
}

void MeetingRepository::save_proposal(std::int64_t person_id, const std::string& json,
                                      std::int64_t now_ms) {
    db_.execute(
        "INSERT INTO meeting_proposals (person_id, proposal, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT(person_id) DO UPDATE SET proposal = excluded.proposal, "
        "created_at = excluded.created_at",
        {person_id, json, now_ms});
}

std::optional<std::string> MeetingRepository::proposal(std::int64_t person_id) const {
    std::optional<std::string> out;
    db_.query("SELECT proposal FROM meeting_proposals WHERE person_id = ?", {person_id},
              [&](const Row& r) { out = r.text(0); });
    return out;
}

void MeetingRepository::drop_proposal(std::int64_t person_id) {
    db_.execute("DELETE FROM meeting_proposals WHERE person_id = ?", {person_id});
}

std::int64_t MeetingRepository::create_series(const MeetingSeries& s) {
    return db_.insert(
        "INSERT INTO meeting_series (title, rrule, spec, local_minute, zone, duration_min, "
        "organizer_id, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {s.title, s.rrule, s.spec, std::int64_t{s.local_minute}, s.zone,
         std::int64_t{s.duration_min}, s.organizer_id, s.status, s.created_at});
}

std::optional<MeetingSeries> MeetingRepository::series(std::int64_t id) const {
    std::optional<MeetingSeries> out;
    db_.query(std::string(series_columns) + "WHERE id = ?", {id},
              [&](const Row& r) { out = series_from(r); });
    return out;
}

std::vector<MeetingSeries> MeetingRepository::active_series() const {
    std::vector<MeetingSeries> out;
    db_.query(std::string(series_columns) + "WHERE status = 'active' ORDER BY id", {},
              [&](const Row& r) { out.push_back(series_from(r)); });
    return out;
}

void MeetingRepository::cancel_series(std::int64_t id) {
    db_.execute("UPDATE meeting_series SET status = 'cancelled' WHERE id = ?", {id});
}

void MeetingRepository::add_agenda_item(std::int64_t meeting_id, std::int64_t person_id,
                                        const std::string& text, std::int64_t now_ms) {
    db_.execute(
        "INSERT INTO meeting_agenda_items (meeting_id, person_id, text, created_at) VALUES (?, ?, "
        "?, ?)",
        {meeting_id, person_id, text, now_ms});
}

std::vector<AgendaItem> MeetingRepository::agenda(std::int64_t meeting_id) const {
    std::vector<AgendaItem> out;
    db_.query(
        "SELECT id, person_id, text, created_at FROM meeting_agenda_items WHERE meeting_id = ? "
        "ORDER BY id",
        {meeting_id}, [&](const Row& r) {
            out.push_back({r.integer(0), r.integer(1), r.text(2), r.integer(3)});
        });
    return out;
}

void MeetingRepository::save_minutes(const Minutes& m) {
    db_.execute(
        "INSERT INTO meeting_minutes (meeting_id, decisions, actions, recorded_by, recorded_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(meeting_id) DO UPDATE SET decisions = "
        "excluded.decisions, actions = excluded.actions, recorded_by = excluded.recorded_by, "
        "recorded_at = excluded.recorded_at",
        {m.meeting_id, m.decisions, m.actions, m.recorded_by, m.recorded_at});
}

std::optional<Minutes> MeetingRepository::minutes(std::int64_t meeting_id) {
    std::optional<Minutes> out;
    db_.query(
        "SELECT meeting_id, decisions, actions, recorded_by, recorded_at FROM meeting_minutes "
        "WHERE meeting_id = ?",
        {meeting_id}, [&](const Row& r) {
            out = Minutes{r.integer(0), r.text(1), r.text(2), r.integer(3), r.integer(4)};
        });
    return out;
}

std::optional<Meeting> MeetingRepository::latest_without_minutes(std::int64_t now_ms) const {
    std::optional<Meeting> out;
    db_.query(std::string(meeting_columns) +
                  "WHERE m.series_id IS NOT NULL AND m.status = 'booked' AND m.start_at <= ? AND "
                  "NOT EXISTS (SELECT 1 FROM meeting_minutes n WHERE n.meeting_id = m.id) "
                  "ORDER BY m.start_at DESC LIMIT 1",
              {now_ms}, [&](const Row& r) { out = meeting_from(r); });
    if (out) load_attendees(*out);
    return out;
}

std::optional<Meeting> MeetingRepository::next_of_series(std::int64_t now_ms) const {
    std::optional<Meeting> out;
    db_.query(std::string(meeting_columns) +
                  "WHERE m.series_id IS NOT NULL AND m.status = 'booked' AND m.start_at > ? "
                  "ORDER BY m.start_at LIMIT 1",
              {now_ms}, [&](const Row& r) { out = meeting_from(r); });
    if (out) load_attendees(*out);
    return out;
}

std::vector<Meeting> MeetingRepository::joint_meetings_ended_between(std::int64_t from,
                                                                     std::int64_t to) const {
    std::vector<std::int64_t> ids;
    db_.query(
        "SELECT id FROM meetings WHERE series_id IS NOT NULL AND status = 'booked' "
        "AND end_at >= ? AND end_at < ? ORDER BY start_at, id",
        {from, to}, [&](const Row& row) { ids.push_back(row.integer(0)); });
    std::vector<Meeting> out;
    for (auto id : ids) {
        if (auto m = get(id)) out.push_back(std::move(*m));
    }
    return out;
}

PersonDataPart person_data() {
    PersonDataPart part;
    part.exports = {
        {"meetings",
         "SELECT id, uid, title, organizer_id, start_at, end_at, status, series_id FROM meetings "
         "WHERE organizer_id = ?1 OR id IN (SELECT meeting_id FROM meeting_attendees "
         "                                  WHERE person_id = ?1) ORDER BY start_at, id"},
        {"meeting_attendance",
         "SELECT meeting_id, required FROM meeting_attendees WHERE person_id = ?1 "
         "ORDER BY meeting_id"},
        {"meeting_series",
         "SELECT id, title, spec, zone, status, created_at FROM meeting_series "
         "WHERE organizer_id = ?1 ORDER BY id"},
        {"meeting_agenda_items",
         "SELECT meeting_id, text, created_at FROM meeting_agenda_items WHERE person_id = ?1 "
         "ORDER BY id"},
        {"meeting_minutes",
         "SELECT meeting_id, decisions, actions, recorded_at FROM meeting_minutes "
         "WHERE recorded_by = ?1"},
        {"meeting_proposals",
         "SELECT proposal, created_at FROM meeting_proposals WHERE person_id = ?1"},
        {"busy_times",
         "SELECT source, start_at, end_at, summary FROM busy_blocks WHERE person_id = ?1 "
         "ORDER BY start_at"},
    };
    part.deletes = {
        "DELETE FROM meeting_proposals WHERE person_id = ?1",
        "DELETE FROM busy_blocks WHERE person_id = ?1",
    };
    part.scrubs = {
        "UPDATE meetings SET title = replace(title, ?1, ?2) WHERE instr(title, ?1) > 0",
        "UPDATE meeting_series SET title = replace(title, ?1, ?2), spec = replace(spec, ?1, ?2) "
        "WHERE instr(title, ?1) > 0 OR instr(spec, ?1) > 0",
        "UPDATE meeting_agenda_items SET text = replace(text, ?1, ?2) WHERE instr(text, ?1) > 0",
        "UPDATE meeting_minutes SET decisions = replace(decisions, ?1, ?2), "
        "actions = replace(actions, ?1, ?2) WHERE instr(decisions, ?1) > 0 OR instr(actions, ?1) "
        "> 0",
    };
    return part;
}

}  // namespace twintrack::store::meetings
