#include "bot/features/reports/store/reports_store.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace twintrack::store::reports {
namespace {

const char* const report_columns =
    "SELECT r.id, r.author_id, r.customer_text, r.customer_id, r.engagement_id, r.source, "
    "r.version, r.created_at, r.updated_at, v.text, r.tags FROM reports r "
    "JOIN report_versions v ON v.report_id = r.id AND v.version = r.version ";

Report report_from(const Row& row) {
    Report r;
    r.id = row.integer(0);
    r.author_id = row.integer(1);
    r.customer_text = row.text(2);
    r.customer_id = row.optional_integer(3);
    r.engagement_id = row.optional_integer(4);
    r.source = row.text(5);
    r.version = static_cast<int>(row.integer(6));
    r.created_at = row.integer(7);
    r.updated_at = row.integer(8);
    r.text = row.text(9);
    r.tags = row.text(10);
    return r;
}

/// The WHERE clause of a filter (fixed SQL fragments) and its bound values.
std::string where(const ReportFilter& f, Params& params) {
    std::string sql = "WHERE 1 = 1";
    if (f.since_ms) {
        sql += " AND r.created_at >= ?";
        params.push_back(*f.since_ms);
    }
    if (f.until_ms) {
        sql += " AND r.created_at < ?";
        params.push_back(*f.until_ms);
    }
    if (f.author_id) {
        sql += " AND r.author_id = ?";
        params.push_back(*f.author_id);
    }
    if (f.author_ids) {
        if (f.author_ids->empty()) {
            sql += " AND 1 = 0";
        } else {
            // One placeholder per person: a statement per view size, each prepared once.
            sql += " AND r.author_id IN (?";
            for (std::size_t i = 1; i < f.author_ids->size(); ++i) sql += ", ?";
            sql += ")";
            for (const auto id : *f.author_ids) params.push_back(id);
        }
    }
    if (f.customer_id) {
        sql +=
            " AND (r.customer_id = ? OR EXISTS (SELECT 1 FROM report_mentions m WHERE "
            "m.report_id = r.id AND m.kind = 'customer' AND m.customer_id = ?))";
        params.push_back(*f.customer_id);
        params.push_back(*f.customer_id);
    }
    if (f.customer_text) {
        sql += " AND r.customer_id IS NULL AND lower(r.customer_text) = ?";
        params.push_back(*f.customer_text);
    }
    if (f.competitor_key) {
        sql +=
            " AND EXISTS (SELECT 1 FROM report_mentions m WHERE m.report_id = r.id AND "
            "m.kind = 'competitor' AND m.value_key = ?)";
        params.push_back(*f.competitor_key);
    }
    return sql;
}

}  // namespace

std::int64_t ReportRepository::create(const Report& r, const std::string& answers_json) {
    const std::int64_t id = db_.insert(
        "INSERT INTO reports (author_id, customer_text, customer_id, engagement_id, source, "
        "version, created_at, updated_at, tags) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
        {r.author_id, r.customer_text, nullable(r.customer_id), nullable(r.engagement_id), r.source,
         r.created_at, r.created_at, r.tags});
    db_.execute(
        "INSERT INTO report_versions (report_id, version, text, answers, edited_by, created_at) "
        "VALUES (?, 1, ?, ?, ?, ?)",
        {id, r.text, answers_json, r.author_id, r.created_at});
    add_mentions(id, r.mentions);
    return id;
}

void ReportRepository::set_customer(std::int64_t report_id, const std::string& customer_text,
                                    std::int64_t customer_id,
                                    std::optional<std::int64_t> engagement_id) {
    db_.execute(
        "UPDATE reports SET customer_text = ?, customer_id = ?, engagement_id = ? WHERE id = ?",
        {customer_text, customer_id, nullable(engagement_id), report_id});
    db_.execute(
        "INSERT INTO report_mentions (report_id, kind, value, value_key, matched, customer_id) "
        "SELECT ?, 'customer', ?, lower(?), ?, ? WHERE NOT EXISTS (SELECT 1 FROM "
        "report_mentions WHERE report_id = ? AND kind = 'customer' AND customer_id = ?)",
        {report_id, customer_text, customer_text, customer_text, customer_id, report_id,
         customer_id});
}

int ReportRepository::add_version(std::int64_t report_id, const std::string& text,
                                  const std::string& answers_json, std::int64_t edited_by,
                                  std::int64_t now_ms, const std::vector<ReportMention>& mentions) {
    db_.execute("UPDATE reports SET version = version + 1, updated_at = ? WHERE id = ?",
                {now_ms, report_id});
    const int version = static_cast<int>(
        db_.scalar("SELECT version FROM reports WHERE id = ?", {report_id}).value_or(0));
    db_.execute(
        "INSERT INTO report_versions (report_id, version, text, answers, edited_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        {report_id, static_cast<std::int64_t>(version), text, answers_json, edited_by, now_ms});
    db_.execute("DELETE FROM report_mentions WHERE report_id = ?", {report_id});
    add_mentions(report_id, mentions);
    return version;
}

void ReportRepository::add_mentions(std::int64_t report_id,
                                    const std::vector<ReportMention>& mentions) {
    for (const auto& m : mentions) {
        db_.execute(
            "INSERT INTO report_mentions (report_id, kind, value, value_key, matched, "
            "customer_id, amount, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            {report_id, m.kind, m.value, m.value_key, m.matched, nullable(m.customer_id),
             m.amount ? Value(*m.amount) : Value(nullptr),
             m.unit.empty() ? Value(nullptr) : Value(m.unit)});
    }
}

namespace {

// Columns 1..7 of a report_mentions row (column 0 is report_id).
ReportMention mention_from(const Row& row) {
    ReportMention m;
    m.kind = row.text(1);
    m.value = row.text(2);
    m.value_key = row.text(3);
    m.matched = row.text(4);
    m.customer_id = row.optional_integer(5);
    if (!row.is_null(6)) m.amount = row.real(6);
    m.unit = row.optional_text(7).value_or("");
    return m;
}

const char* const mention_columns =
    "SELECT report_id, kind, value, value_key, matched, customer_id, amount, unit "
    "FROM report_mentions ";

}  // namespace

std::vector<ReportMention> ReportRepository::mentions(std::int64_t report_id) const {
    std::vector<ReportMention> out;
    db_.query(std::string(mention_columns) + "WHERE report_id = ? ORDER BY id", {report_id},
              [&](const Row& row) { out.push_back(mention_from(row)); });
    return out;
}

std::optional<Report> ReportRepository::get(std::int64_t id) const {
    std::optional<Report> out;
    db_.query(std::string(report_columns) + "WHERE r.id = ?", {id},
              [&](const Row& row) { out = report_from(row); });
    if (out) out->mentions = mentions(id);
    return out;
}

std::vector<ReportVersion> ReportRepository::versions(std::int64_t report_id) const {
    std::vector<ReportVersion> out;
    db_.query(
        "SELECT version, text, answers, edited_by, created_at FROM report_versions "
        "WHERE report_id = ? ORDER BY version",
        {report_id}, [&](const Row& row) {
            out.push_back({static_cast<int>(row.integer(0)), row.text(1), row.text(2),
                           row.optional_integer(3), row.integer(4)});
        });
    return out;
}

std::vector<Report> ReportRepository::find(const ReportFilter& filter) const {
    Params params;
    const std::string sql = std::string(report_columns) + where(filter, params) +
                            " ORDER BY r.created_at DESC, r.id DESC LIMIT ?";
    // No limit is the largest one (PostgreSQL refuses SQLite's LIMIT -1).
    params.push_back(filter.limit < 0 ? std::numeric_limits<std::int64_t>::max()
                                      : static_cast<std::int64_t>(filter.limit));
    std::vector<Report> out;
    db_.query(sql, params, [&](const Row& row) { out.push_back(report_from(row)); });
    if (out.empty()) return out;
    // One query for the mentions of every report found, not one per report: ids grow with
    // time, so the id range of a period's reports holds few others.
    std::unordered_map<std::int64_t, Report*> by_id;
    std::int64_t lo = out.front().id, hi = lo;
    for (auto& r : out) {
        by_id[r.id] = &r;
        lo = std::min(lo, r.id);
        hi = std::max(hi, r.id);
    }
    db_.query(std::string(mention_columns) + "WHERE report_id BETWEEN ? AND ? ORDER BY id",
              {lo, hi}, [&](const Row& row) {
                  auto it = by_id.find(row.integer(0));
                  if (it != by_id.end()) it->second->mentions.push_back(mention_from(row));
              });
    return out;
}

std::int64_t ReportRepository::count(const ReportFilter& filter) const {
    Params params;
    const std::string sql = "SELECT count(*) FROM reports r " + where(filter, params);
    return db_.scalar(sql, params).value_or(0);
}

void ReportRepository::set_pause(const ReportPause& p, std::int64_t now_ms) {
    db_.execute(
        "INSERT INTO report_pauses (person_id, until_date, until_at, created_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET until_date = "
        "excluded.until_date, until_at = excluded.until_at, created_at = excluded.created_at",
        {p.person_id, p.until_date, p.until_at, now_ms});
}

std::optional<ReportPause> ReportRepository::pause(std::int64_t person_id) const {
    std::optional<ReportPause> out;
    db_.query("SELECT person_id, until_date, until_at FROM report_pauses WHERE person_id = ?",
              {person_id}, [&](const Row& row) {
                  out = ReportPause{row.integer(0), row.text(1), row.integer(2)};
              });
    return out;
}

bool ReportRepository::add_digest(const ReportDigest& d,
                                  const std::vector<ReportVersionRef>& covered) {
    const std::int64_t id = db_.insert(
        "INSERT INTO report_digests (key, department, period_start, period_end, sent_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        {d.key, d.department, d.period_start, d.period_end, d.sent_at});
    if (id == 0) return false;  // already sent
    for (const auto& c : covered) {
        db_.execute(
            "INSERT INTO report_digest_items (digest_id, report_id, version) VALUES (?, ?, ?)",
            {id, c.report_id, static_cast<std::int64_t>(c.version)});
    }
    return true;
}

std::vector<ReportVersionRef> ReportRepository::edited_after_digest() const {
    std::vector<ReportVersionRef> out;
    db_.query(
        "SELECT r.id, r.version FROM reports r WHERE r.version > 1 AND r.version > "
        "(SELECT max(i.version) FROM report_digest_items i WHERE i.report_id = r.id) "
        "ORDER BY r.id",
        {}, [&](const Row& row) {
            out.push_back({row.integer(0), static_cast<int>(row.integer(1))});
        });
    return out;
}

int ReportRepository::delete_filed_before(std::int64_t before_ms) {
    return db_.execute("DELETE FROM reports WHERE created_at < ?", {before_ms});
}

PersonDataPart person_data() {
    PersonDataPart part;
    part.exports = {
        {"reports",
         "SELECT id, customer_text, customer_id, engagement_id, source, version, tags, "
         "created_at, updated_at FROM reports WHERE author_id = ?1 ORDER BY id"},
        {"report_versions",
         "SELECT v.report_id, v.version, v.text, v.answers, v.edited_by, v.created_at "
         "FROM report_versions v JOIN reports r ON r.id = v.report_id "
         "WHERE r.author_id = ?1 OR v.edited_by = ?1 ORDER BY v.report_id, v.version"},
        {"report_pauses",
         "SELECT until_date, until_at, created_at FROM report_pauses WHERE person_id = ?1"},
        {"rotations",
         "SELECT a.rotation_id, a.round, a.person_id, a.host_id, a.starts_at, a.ends_at "
         "FROM rotation_assignments a WHERE a.person_id = ?1 OR a.host_id = ?1 ORDER BY a.id"},
    };
    part.deletes = {"DELETE FROM report_pauses WHERE person_id = ?1"};
    part.scrubs = {
        "UPDATE report_versions SET text = replace(text, ?1, ?2), answers = replace(answers, "
        "?1, ?2) WHERE instr(text, ?1) > 0 OR instr(answers, ?1) > 0",
        "UPDATE report_mentions SET value = replace(value, ?1, ?2), "
        "matched = replace(matched, ?1, ?2) WHERE instr(value, ?1) > 0 OR instr(matched, ?1) > 0",
    };
    return part;
}

}  // namespace twintrack::store::reports
