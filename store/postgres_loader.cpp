// open_postgres() as the program has it: the PostgreSQL code and libpq (with Kerberos and
// LDAP behind it) live in the module twintrack_pg_module.so (store/postgres_module.cpp),
// loaded the first time a postgres:// store is opened. A SQLite store never maps them.

#include "core/module_loader.hpp"
#include "store/database.hpp"

namespace twintrack::store {

std::unique_ptr<Database> open_postgres(const std::string& url, int lock_timeout_ms) {
    using Open = std::unique_ptr<Database> (*)(const std::string&, int);
    void* entry = nullptr;
    try {
        entry = core::module_entry("twintrack_pg_module.so", "twintrack_pg_module_v1");
    } catch (const core::ModuleMissing& e) {
        throw DatabaseError(std::string("the PostgreSQL store is not available: ") + e.what());
    }
    const Open open = reinterpret_cast<Open (*)()>(entry)();
    return open(url, lock_timeout_ms);
}

}  // namespace twintrack::store
