#include "tests/support/test_store.hpp"

#include <cstdlib>
#include <cstring>

#include "store/store_url.hpp"
#include "tests/support/postgres_server.hpp"

namespace twintrack::test_support {

bool testing_postgres() {
    const char* v = std::getenv("TWINTRACK_TEST_STORE");
    return v != nullptr && std::strcmp(v, "postgres") == 0;
}

std::string new_store_url(const TempDir& dir) {
    if (testing_postgres()) return PostgresServer::shared().create_database();
    return "sqlite:" + dir.path() + "/twintrack.db";
}

std::unique_ptr<store::Store> open_test_store(const TempDir& dir, std::int64_t now_ms) {
    return store::Store::open_url(new_store_url(dir), now_ms);
}

std::unique_ptr<store::Database> open_test_database(const TempDir& dir) {
    return store::open_database(store::parse_store_url(new_store_url(dir)));
}

}  // namespace twintrack::test_support
