#pragma once
// The store a test runs against: SQLite in the test's folder by default, a fresh database
// on the shared test PostgreSQL server when TWINTRACK_TEST_STORE=postgres (how CTest runs
// the tests labelled `postgres`).

#include <cstdint>
#include <memory>
#include <string>

#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::test_support {

/// True when the tests run against PostgreSQL.
bool testing_postgres();

/// A store URL for a new, empty store: `sqlite:DIR/twintrack.db`, or a new database on
/// the test server. Opening it twice opens the same store.
std::string new_store_url(const TempDir& dir);

/// A new store, migrated.
std::unique_ptr<store::Store> open_test_store(const TempDir& dir, std::int64_t now_ms);

/// A new, empty database (no migrations).
std::unique_ptr<store::Database> open_test_database(const TempDir& dir);

}  // namespace twintrack::test_support
