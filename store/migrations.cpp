#include "store/migrations.hpp"

#include <cstring>

#include "store/migrations_embedded.inc"
#include "store/postgres_migrations_embedded.inc"

namespace twintrack::store {

const std::vector<Migration>& known_migrations() {
    static const std::vector<Migration> all = embedded_migrations();
    return all;
}

const std::vector<Migration>& postgres_migrations() {
    static const std::vector<Migration> all = embedded_postgres_migrations();
    return all;
}

const std::vector<Migration>& migrations_for(const Database& db) {
    return std::strcmp(db.dialect().name, "postgres") == 0 ? postgres_migrations()
                                                           : known_migrations();
}

int migrate(Database& db, const std::vector<Migration>& migrations, std::int64_t now_ms) {
    // INTEGER is 64 bits in SQLite; PostgreSQL needs BIGINT for millisecond times.
    const bool postgres = std::strcmp(db.dialect().name, "postgres") == 0;
    db.execute_script(
        postgres
            ? "CREATE TABLE IF NOT EXISTS schema_migrations ("
              " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
            : "CREATE TABLE IF NOT EXISTS schema_migrations ("
              " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    Transaction tx(db);
    // Several processes may start at once on one PostgreSQL: one migrates, the others
    // wait here and then find nothing left to do.
    if (postgres) db.scalar("SELECT pg_advisory_xact_lock(20260001)");
    const std::int64_t current =
        db.scalar("SELECT max(version) FROM schema_migrations").value_or(0);
    const int newest = migrations.empty() ? 0 : migrations.back().version;
    if (current > newest) {
        throw DatabaseError("the database has schema version " + std::to_string(current) +
                            " but this program knows only up to " + std::to_string(newest) +
                            "; use a newer twintrack");
    }
    int applied = 0;
    for (const auto& m : migrations) {
        if (m.version <= current) continue;
        try {
            db.execute_script(m.sql);
        } catch (const DatabaseError& e) {
            throw DatabaseError("migration " + std::to_string(m.version) + " (" + m.name +
                                ") failed: " + e.what());
        }
        db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                   {std::int64_t{m.version}, m.name, now_ms});
        ++applied;
    }
    tx.commit();
    return applied;
}

}  // namespace twintrack::store
