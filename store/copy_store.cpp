#include "store/copy_store.hpp"

#include <cstring>

namespace twintrack::store {
namespace {

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
        std::string insert;
        src.query("SELECT * FROM " + t, {}, [&](const Row& r) {
            if (insert.empty()) {
                std::string columns;
                std::string marks;
                for (int c = 0; c < r.column_count(); ++c) {
                    const std::string name = r.column_name(c);
                    if (!plain_identifier(name)) {
                        throw DatabaseError("unexpected column name " + t + "." + name);
                    }
                    columns += (c ? ", " : "") + name;
                    marks += c ? ", ?" : "?";
                }
                insert = "INSERT INTO " + t + " (" + columns + ") VALUES (" + marks + ")";
            }
            Params values;
            for (int c = 0; c < r.column_count(); ++c) values.push_back(r.value(c));
            dst.execute(insert, values);
            ++copied.rows;
        });
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
