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
};

/// Texts that may name anyone: ?1 is replaced by ?2 wherever it occurs.
const char* const erase_scrubs[] = {
    "UPDATE audit_log SET detail = replace(detail, ?1, ?2) WHERE instr(detail, ?1) > 0",
    "UPDATE outbox SET text = replace(text, ?1, ?2) WHERE instr(text, ?1) > 0",
    "UPDATE action_posts SET text = replace(text, ?1, ?2), outcome = replace(outcome, ?1, ?2), "
    "choices = replace(choices, ?1, ?2) WHERE instr(text, ?1) > 0 OR instr(outcome, ?1) > 0 "
    "OR instr(choices, ?1) > 0",
    "UPDATE dialogs SET state = replace(state, ?1, ?2) WHERE instr(state, ?1) > 0",
    "UPDATE jobs SET payload = replace(payload, ?1, ?2) WHERE instr(payload, ?1) > 0",
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

int PersonData::delete_audit_log(std::int64_t before_ms) {
    return db_.execute("DELETE FROM audit_log WHERE at < ?", {before_ms});
}

int PersonData::delete_link_codes(std::int64_t before_ms) {
    return db_.execute("DELETE FROM link_codes WHERE created_at < ?", {before_ms});
}

}  // namespace twintrack::store
