#include "store/person_data.hpp"

#include <algorithm>
#include <cctype>

namespace twintrack::store {
namespace {

/// One kind of record in an export. Parameters: ?1 the person's id, ?2 their email
/// (lower case), when `with_email`.
struct ExportQuery {
    const char* name;
    const char* sql;
    bool with_email = false;
};

const ExportQuery export_queries[] = {
    {"person",
     "SELECT id, name, email, department, role, timezone, locale, work_start, work_end, "
     "created_at, updated_at FROM people WHERE id = ?1"},
    {"identities", "SELECT connector, user_id FROM identities WHERE person_id = ?1"},
    {"dialogs",
     "SELECT kind, step, state, connector, channel, started_at, updated_at, expires_at "
     "FROM dialogs WHERE person_id = ?1"},
    {"link_codes",
     "SELECT connector, user_id, created_at, expires_at, attempts, status FROM link_codes "
     "WHERE person_id = ?1 ORDER BY id"},
    {"audit_log",
     "SELECT id, at, person_id, action, detail, event_id FROM audit_log WHERE person_id = ?1 "
     "OR instr(lower(detail), ?2) > 0 "
     "OR JSON_PERSON_ID = ?1 "
     "ORDER BY id",
     true},
    {"engagements",
     "SELECT e.id, c.name AS customer, e.tag, e.stage, e.lead, e.owner_id, e.amount, e.closed, "
     "e.created_by, e.created_at, e.updated_at FROM engagements e "
     "JOIN customers c ON c.id = e.customer_id WHERE e.owner_id = ?1 OR e.created_by = ?1 "
     "OR e.id IN (SELECT engagement_id FROM engagement_events WHERE person_id = ?1) "
     "OR e.id IN (SELECT engagement_id FROM consultations "
     "            WHERE consultant_id = ?1 OR requested_by = ?1) "
     "OR e.id IN (SELECT engagement_id FROM handoffs WHERE from_id = ?1 OR to_id = ?1) "
     "ORDER BY e.id"},
    {"engagement_events",
     "SELECT id, engagement_id, at, kind, detail FROM engagement_events WHERE person_id = ?1 "
     "ORDER BY id"},
    {"consultations",
     "SELECT id, engagement_id, consultant_id, requested_by, note, requested_at, answered_at "
     "FROM consultations WHERE consultant_id = ?1 OR requested_by = ?1 ORDER BY id"},
    {"handoffs",
     "SELECT id, engagement_id, from_id, to_id, note, requested_at, deadline_at, status, "
     "decided_at, reason FROM handoffs WHERE from_id = ?1 OR to_id = ?1 ORDER BY id"},
    {"reports",
     "SELECT id, customer_text, customer_id, engagement_id, source, version, tags, created_at, "
     "updated_at FROM reports WHERE author_id = ?1 ORDER BY id"},
    {"report_versions",
     "SELECT v.report_id, v.version, v.text, v.answers, v.edited_by, v.created_at "
     "FROM report_versions v JOIN reports r ON r.id = v.report_id "
     "WHERE r.author_id = ?1 OR v.edited_by = ?1 ORDER BY v.report_id, v.version"},
    {"report_pauses",
     "SELECT until_date, until_at, created_at FROM report_pauses WHERE person_id = ?1"},
    {"direct_messages_from_bot",
     "SELECT connector, channel, text, created_at, sent_at FROM outbox "
     "WHERE (connector, channel) IN (SELECT connector, '@' || user_id FROM identities "
     "                               WHERE person_id = ?1) ORDER BY id"},
    // Posts with buttons sent to them (their direct conversations) or settled by them, and
    // the buttons they pressed (the audit rows of their clicks).
    {"action_posts",
     "SELECT id, subject, connector, channel, text, choices, created_at, expires_at, status, "
     "outcome, settled_by, settled_at FROM action_posts "
     "WHERE (connector, channel) IN (SELECT connector, '@' || user_id FROM identities "
     "                               WHERE person_id = ?1) OR settled_by = ?1 ORDER BY id"},
    {"action_clicks",
     "SELECT at, detail, event_id FROM audit_log WHERE person_id = ?1 "
     "AND action = 'action.click' ORDER BY id"},
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
    {"rotations",
     "SELECT a.rotation_id, a.round, a.person_id, a.host_id, a.starts_at, a.ends_at "
     "FROM rotation_assignments a WHERE a.person_id = ?1 OR a.host_id = ?1 ORDER BY a.id"},
    {"announcements",
     "SELECT id, lead, key_message, campaign, marketing_text, sales_text, status, created_at, "
     "posted_at FROM announcements WHERE author_id = ?1 ORDER BY id"},
    {"announcement_decisions",
     "SELECT announcement_id, department, decision, note, decided_at "
     "FROM announcement_decisions WHERE person_id = ?1"},
    {"coffee_groups",
     "SELECT g.round_id, r.started_at, g.left_id, g.right_id, g.third_id FROM coffee_groups g "
     "JOIN coffee_rounds r ON r.id = g.round_id "
     "WHERE g.left_id = ?1 OR g.right_id = ?1 OR g.third_id = ?1 ORDER BY g.id"},
    {"coffee_answers",
     "SELECT round_id, met, skipped, answered_at FROM coffee_answers WHERE person_id = ?1"},
    {"coffee_preferences",
     "SELECT opted_out, paused_until, updated_at FROM coffee_preferences WHERE person_id = ?1"},
    // Their own avoid list; who avoids them is confidential to those people.
    {"coffee_avoid", "SELECT avoided_id, created_at FROM coffee_avoid WHERE person_id = ?1"},
    {"trainings",
     "SELECT id, topic, trainer_id, audience, starts_at, status, created_by FROM trainings "
     "WHERE trainer_id = ?1 OR created_by = ?1 ORDER BY id"},
    {"training_seats",
     "SELECT training_id, status, joined_at, attended FROM training_seats WHERE person_id = ?1"},
    {"outings",
     "SELECT id, title, status, chosen_day, created_at FROM outings WHERE created_by = ?1 "
     "ORDER BY id"},
    {"outing_votes", "SELECT outing_id, day, voted_at FROM outing_votes WHERE person_id = ?1"},
    {"outing_rsvps", "SELECT outing_id, going, answered_at FROM outing_rsvps WHERE person_id = ?1"},
};

/// Rows that only concern the person, deleted on erase (?1 = id). Direct messages go
/// before the identities that find them.
const char* const erase_deletes[] = {
    "DELETE FROM outbox WHERE (connector, channel) IN "
    "(SELECT connector, '@' || user_id FROM identities WHERE person_id = ?1)",
    "DELETE FROM action_posts WHERE (connector, channel) IN "
    "(SELECT connector, '@' || user_id FROM identities WHERE person_id = ?1)",
    "DELETE FROM identities WHERE person_id = ?1",
    "DELETE FROM dialogs WHERE person_id = ?1",
    "DELETE FROM link_codes WHERE person_id = ?1",
    "DELETE FROM web_sessions WHERE person_id = ?1",
    "DELETE FROM sign_in_links WHERE person_id = ?1",
    "DELETE FROM sign_in_requests WHERE person_id = ?1",
    "DELETE FROM report_pauses WHERE person_id = ?1",
    "DELETE FROM coffee_preferences WHERE person_id = ?1",
    "DELETE FROM coffee_avoid WHERE person_id = ?1 OR avoided_id = ?1",
    "DELETE FROM meeting_proposals WHERE person_id = ?1",
    "DELETE FROM busy_blocks WHERE person_id = ?1",
};

/// Texts that may name anyone: ?1 is replaced by ?2 wherever it occurs.
const char* const erase_scrubs[] = {
    "UPDATE audit_log SET detail = replace(detail, ?1, ?2) WHERE instr(detail, ?1) > 0",
    "UPDATE engagement_events SET detail = replace(detail, ?1, ?2) WHERE instr(detail, ?1) > 0",
    "UPDATE consultations SET note = replace(note, ?1, ?2) WHERE instr(note, ?1) > 0",
    "UPDATE handoffs SET note = replace(note, ?1, ?2), reason = replace(reason, ?1, ?2) "
    "WHERE instr(note, ?1) > 0 OR instr(reason, ?1) > 0",
    "UPDATE report_versions SET text = replace(text, ?1, ?2), answers = replace(answers, ?1, ?2) "
    "WHERE instr(text, ?1) > 0 OR instr(answers, ?1) > 0",
    "UPDATE report_mentions SET value = replace(value, ?1, ?2), "
    "matched = replace(matched, ?1, ?2) WHERE instr(value, ?1) > 0 OR instr(matched, ?1) > 0",
    "UPDATE meetings SET title = replace(title, ?1, ?2) WHERE instr(title, ?1) > 0",
    "UPDATE meeting_series SET title = replace(title, ?1, ?2), spec = replace(spec, ?1, ?2) "
    "WHERE instr(title, ?1) > 0 OR instr(spec, ?1) > 0",
    "UPDATE meeting_agenda_items SET text = replace(text, ?1, ?2) WHERE instr(text, ?1) > 0",
    "UPDATE meeting_minutes SET decisions = replace(decisions, ?1, ?2), "
    "actions = replace(actions, ?1, ?2) WHERE instr(decisions, ?1) > 0 OR instr(actions, ?1) > 0",
    "UPDATE announcements SET key_message = replace(key_message, ?1, ?2), "
    "marketing_text = replace(marketing_text, ?1, ?2), sales_text = replace(sales_text, ?1, ?2) "
    "WHERE instr(key_message, ?1) > 0 OR instr(marketing_text, ?1) > 0 "
    "OR instr(sales_text, ?1) > 0",
    "UPDATE announcement_decisions SET note = replace(note, ?1, ?2) WHERE instr(note, ?1) > 0",
    "UPDATE announcement_history SET detail = replace(detail, ?1, ?2) WHERE instr(detail, ?1) > 0",
    "UPDATE outbox SET text = replace(text, ?1, ?2) WHERE instr(text, ?1) > 0",
    "UPDATE action_posts SET text = replace(text, ?1, ?2), outcome = replace(outcome, ?1, ?2), "
    "choices = replace(choices, ?1, ?2) WHERE instr(text, ?1) > 0 OR instr(outcome, ?1) > 0 "
    "OR instr(choices, ?1) > 0",
    "UPDATE dialogs SET state = replace(state, ?1, ?2) WHERE instr(state, ?1) > 0",
    "UPDATE jobs SET payload = replace(payload, ?1, ?2) WHERE instr(payload, ?1) > 0",
    "UPDATE trainings SET topic = replace(topic, ?1, ?2) WHERE instr(topic, ?1) > 0",
    "UPDATE outings SET title = replace(title, ?1, ?2) WHERE instr(title, ?1) > 0",
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

std::optional<std::int64_t> PersonData::find(const std::string& email) {
    return db_.scalar("SELECT id FROM people WHERE email = ? AND erased_at IS NULL", {email});
}

std::vector<DataTable> PersonData::export_person(std::int64_t id, const std::string& email,
                                                 const std::string& name,
                                                 const std::vector<PersonDataPart>& parts) {
    (void)name;
    std::vector<DataTable> out;
    auto add = [&](const std::string& kind, std::string sql, bool with_email) {
        DataTable t;
        t.name = kind;
        Params params = {id};
        if (with_email) params.push_back(lower(email));
        const std::string marker = "JSON_PERSON_ID";
        if (const auto at = sql.find(marker); at != std::string::npos) {
            sql.replace(at, marker.size(), db_.dialect().json_integer("detail", "person_id"));
        }
        db_.query(sql, params, [&](const Row& r) {
            if (t.columns.empty()) {
                for (int c = 0; c < r.column_count(); ++c) t.columns.push_back(r.column_name(c));
            }
            std::vector<Value> row;
            for (int c = 0; c < r.column_count(); ++c) row.push_back(r.value(c));
            t.rows.push_back(std::move(row));
        });
        out.push_back(std::move(t));
    };
    for (const auto& q : export_queries) add(q.name, q.sql, q.with_email);
    for (const auto& part : parts) {
        for (const auto& q : part.exports) add(q.name, q.sql, false);
    }
    return out;
}

EraseCounts PersonData::erase_person(std::int64_t id, const std::string& email,
                                     const std::string& name, const std::string& label,
                                     std::int64_t now_ms,
                                     const std::vector<PersonDataPart>& parts) {
    EraseCounts counts;
    Transaction tx(db_);
    // The features' first: their rows may be found through the person's identities, which
    // the store's own list deletes.
    for (const auto& part : parts) {
        for (const auto& sql : part.deletes) counts.deleted += db_.execute(sql, {id});
        for (const auto& sql : part.clears) counts.scrubbed += db_.execute(sql, {id});
    }
    for (const char* sql : erase_deletes) counts.deleted += db_.execute(sql, {id});
    const std::string erased_email = "erased-" + std::to_string(id) + "@erased.invalid";
    std::vector<std::pair<std::string, std::string>> replacements = {{email, erased_email}};
    if (lower(email) != email) replacements.push_back({lower(email), erased_email});
    // Very short names would rewrite unrelated words; people are named in full in texts.
    if (name.size() >= 4) replacements.push_back({name, label});
    for (const auto& [from, to] : replacements) {
        for (const char* sql : erase_scrubs) counts.scrubbed += db_.execute(sql, {from, to});
        for (const auto& part : parts) {
            for (const auto& sql : part.scrubs) counts.scrubbed += db_.execute(sql, {from, to});
        }
    }
    db_.execute(
        "UPDATE people SET name = ?, email = ?, role = 'staff', timezone = 'UTC', locale = 'en', "
        "erased_at = ?, updated_at = ? WHERE id = ?",
        {label, erased_email, now_ms, now_ms, id});
    tx.commit();
    return counts;
}

int PersonData::delete_expired(const std::string& kind, std::int64_t before_ms,
                               const std::vector<PersonDataPart>& parts) {
    int deleted = 0;
    for (const auto& part : parts) {
        for (const auto& e : part.expiries) {
            if (e.kind == kind) deleted += db_.execute(e.sql, {before_ms});
        }
    }
    return deleted;
}

int PersonData::delete_reports(std::int64_t before_ms) {
    return db_.execute("DELETE FROM reports WHERE created_at < ?", {before_ms});
}

int PersonData::delete_audit_log(std::int64_t before_ms) {
    return db_.execute("DELETE FROM audit_log WHERE at < ?", {before_ms});
}

int PersonData::delete_link_codes(std::int64_t before_ms) {
    return db_.execute("DELETE FROM link_codes WHERE created_at < ?", {before_ms});
}

}  // namespace twintrack::store
