#pragma once
// Where the store lives: `sqlite:PATH` (the embedded default) or a PostgreSQL URL
// `postgres://user@host:port/db`. The password is never written in the URL itself: it
// comes from `${ENV}` in the URL, PGPASSWORD or ~/.pgpass, and is never logged.

#include <memory>
#include <string>

#include "store/database.hpp"

namespace twintrack::store {

struct StoreUrl {
    enum class Kind { sqlite, postgres };
    Kind kind = Kind::sqlite;
    /// sqlite: the database file.
    std::string path;
    /// postgres: the URL handed to libpq, `${ENV}` expanded (may hold a password: never
    /// log it; log `shown` instead).
    std::string connect;
    /// For logs and errors: the URL without any password.
    std::string shown;
};

/// Parses a `store:` value. Throws DatabaseError saying what is wrong (an unknown scheme,
/// a missing host or database, an unset `${ENV}`, a password written out).
StoreUrl parse_store_url(const std::string& text);

/// A PostgreSQL URL for messages: the password, if any, replaced by `***`.
std::string describe_store(const std::string& url);

/// Opens the database the URL names (creating a SQLite file's folder when missing).
std::unique_ptr<Database> open_database(const StoreUrl& url);

}  // namespace twintrack::store
