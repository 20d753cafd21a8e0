# Writes OUT: a C++ function returning every migrations_postgres/NNNN_name.sql as a
# Migration. Sibling of embed_migrations.cmake (which embeds the SQLite set); the two
# folders hold the same version numbers (a test compares them), and so do a feature's
# bot/features/NAME/migrations/ and migrations_postgres/ (FEATURES: bot/features).
include("${CMAKE_CURRENT_LIST_DIR}/migration_files.cmake")
migration_files(files "${DIR}" "${FEATURES}" migrations_postgres)
set(body "// Generated from store/migrations_postgres/*.sql and bot/features/*/migrations_postgres/*.sql; do not edit.\n#include <vector>\nnamespace twintrack::store {\ninline std::vector<Migration> embedded_postgres_migrations() {\n    return {\n")
foreach(f ${files})
    get_filename_component(base "${f}" NAME_WE)
    string(REGEX MATCH "^([0-9]+)_(.*)$" _ "${base}")
    math(EXPR version "${CMAKE_MATCH_1}")
    file(READ "${f}" sql)
    string(APPEND body "        {${version}, \"${CMAKE_MATCH_2}\", R\"TTSQL(${sql})TTSQL\"},\n")
endforeach()
string(APPEND body "    };\n}\n}  // namespace twintrack::store\n")
file(WRITE "${OUT}.tmp" "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
