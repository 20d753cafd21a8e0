#pragma once
// Numbered SQL migrations (store/migrations/NNNN_name.sql), compiled into the program.

#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

struct Migration {
    int version;
    std::string name;
    std::string sql;
};

/// Every migration the program knows, in version order (SQLite: store/migrations/).
const std::vector<Migration>& known_migrations();

/// The same versions for PostgreSQL (store/migrations_postgres/).
const std::vector<Migration>& postgres_migrations();

/// The set for the database's backend.
const std::vector<Migration>& migrations_for(const Database& db);

/// Applies the missing migrations in one transaction. Throws DatabaseError when the
/// database was written by a newer program or a migration fails (nothing is applied).
/// Returns the number applied.
int migrate(Database& db, const std::vector<Migration>& migrations, std::int64_t now_ms);

}  // namespace twintrack::store
