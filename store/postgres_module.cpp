// The entry point of twintrack_pg_module.so: store/postgres_database.cpp's open_postgres(),
// which the program reaches through store/postgres_loader.cpp.

#include "store/database.hpp"

extern "C" __attribute__((visibility("default"))) void* twintrack_pg_module_v1() {
    return reinterpret_cast<void*>(&twintrack::store::open_postgres);
}
