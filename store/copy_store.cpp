#include "store/copy_store.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace twintrack::store {
namespace {

/// Rows per INSERT, and bound values per INSERT: well below PostgreSQL's 65,535
/// parameters and SQLite's 32,766 variables.
constexpr int max_batch_rows = 1000;
constexpr int max_batch_values = 30000;

bool plain_identifier(const std::string& s) {
    if (s.empty()) return false;
    for (const char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

/// The store's tables in the order they were created (referenced tables first), without
/// the migrations' own bookkeeping.
std::vector<std::string> tables_of(Database& db) {
    std::vector<std::string> out;
    const bool postgres = std::strcmp(db.dialect().name, "postgres") == 0;
    db.query(postgres ? "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
                        "c.relnamespace WHERE c.relkind = 'r' AND n.nspname = "
                        "current_schema() ORDER BY c.oid"
                      : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                        "LIKE 'sqlite_%' ORDER BY rowid",
             {}, [&](const Row& r) {
                 const std::string name = r.text(0);
                 if (name != "schema_migrations") out.push_back(name);
             });
    return out;
}

std::int64_t count_rows(Database& db, const std::string& table) {
    // Table names come from the database's own catalogue and are checked to be plain.
    return db.scalar("SELECT count(*) FROM " + table).value_or(0);
}

}  // namespace

std::vector<CopiedTable> copy_store(Store& from, Store& to) {
    Database& src = from.db();
    Database& dst = to.db();
    const auto version = [](Database& db) {
        return db.scalar("SELECT max(version) FROM schema_migrations").value_or(0);
    };
    if (version(src) != version(dst)) {
        throw DatabaseError("the two stores have different schema versions (" +
                            std::to_string(version(src)) + " and " + std::to_string(version(dst)) +
                            ")");
    }
    const std::vector<std::string> tables = tables_of(src);
    for (const auto& t : tables) {
        if (!plain_identifier(t)) throw DatabaseError("unexpected table name " + t);
    }
    std::vector<CopiedTable> out;
    const bool text_values = std::strcmp(dst.dialect().name, "postgres") == 0;
    Transaction tx(dst);
    for (const auto& t : tables_of(dst)) {
        if (!plain_identifier(t)) throw DatabaseError("unexpected table name " + t);
        if (count_rows(dst, t) > 0) {
            throw DatabaseError("the target store is not empty (table " + t +
                                " has rows); copy only into a new, empty database");
        }
    }
    for (const auto& t : tables) {
        CopiedTable copied{t, 0};
        // Rows go in batches: one INSERT with many rows' values (all bound), so that a
        // large store costs a few thousand statements rather than one per row.
        std::string columns;
        int column_count = 0;
        int batch_rows = 1;
        std::string batch_insert;
        Params pending;
        int pending_rows = 0;
        const auto insert_of = [&](int rows) {
            std::string row = "(";
            for (int c = 0; c < column_count; ++c) row += c ? ", ?" : "?";
            row += ")";
            std::string sql = "INSERT INTO " + t + " (" + columns + ") VALUES ";
            sql.reserve(sql.size() + static_cast<std::size_t>(rows) * (row.size() + 2));
            for (int i = 0; i < rows; ++i) sql += (i ? ", " : "") + row;
            return sql;
        };
        const auto flush = [&] {
            if (pending_rows == 0) return;
            dst.execute(pending_rows == batch_rows ? batch_insert : insert_of(pending_rows),
                        pending);
            pending.clear();
            pending_rows = 0;
        };
        src.query("SELECT * FROM " + t, {}, [&](const Row& r) {
            if (column_count == 0) {
                for (int c = 0; c < r.column_count(); ++c) {
                    const std::string name = r.column_name(c);
                    if (!plain_identifier(name)) {
                        throw DatabaseError("unexpected column name " + t + "." + name);
                    }
                    columns += (c ? ", " : "") + name;
                }
                column_count = r.column_count();
                batch_rows = std::max(1, std::min(max_batch_rows, max_batch_values / column_count));
                batch_insert = insert_of(batch_rows);
                pending.reserve(static_cast<std::size_t>(batch_rows * column_count));
            }
            for (int c = 0; c < column_count; ++c) {
                Value v = r.value(c);
                if (text_values) {
                    // Numbers as text, typed by their column: every batch of a table is
                    // then one statement, prepared once, whichever values are NULL.
                    if (const auto* n = std::get_if<std::int64_t>(&v)) {
                        v = std::to_string(*n);
                    } else if (const auto* d = std::get_if<double>(&v)) {
                        char buf[32];
                        std::snprintf(buf, sizeof buf, "%.17g", *d);
                        v = std::string(buf);
                    }
                }
                pending.push_back(std::move(v));
            }
            ++copied.rows;
            if (++pending_rows == batch_rows) flush();
        });
        flush();
        const std::int64_t there = count_rows(dst, t);
        if (there != copied.rows || there != count_rows(src, t)) {
            throw DatabaseError("table " + t + ": " + std::to_string(count_rows(src, t)) +
                                " rows in the source but " + std::to_string(there) +
                                " in the target; nothing was copied");
        }
        out.push_back(copied);
    }
    if (std::strcmp(dst.dialect().name, "postgres") == 0) {
        // Rows came with their ids: new rows continue after the highest.
        for (const auto& t : tables) {
            const bool identity =
                dst.scalar(
                       "SELECT count(*) FROM information_schema.columns WHERE table_schema "
                       "= current_schema() AND table_name = ? AND column_name = 'id' AND "
                       "is_identity = 'YES'",
                       {t})
                    .value_or(0) > 0;
            if (!identity) continue;
            dst.scalar(
                "SELECT setval(pg_get_serial_sequence(?, 'id'), coalesce(max(id), 0) + 1, "
                "false) FROM " +
                    t,
                {t});
        }
    }
    tx.commit();
    return out;
}

}  // namespace twintrack::store
