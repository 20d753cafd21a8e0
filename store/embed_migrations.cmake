# Writes OUT: a C++ function returning every migrations/NNNN_name.sql as a Migration.
# Without OUT it only checks DIR. With FEATURES (the bot/features folder), the migrations
# a feature owns (bot/features/NAME/migrations/NNNN_name.sql) join those of DIR: one
# sequence, the feature named by its folder. Either way the files must be named
# NNNN_name.sql (four digits, lower-case name) and numbered 1, 2, 3, ... with no gap and
# no number twice, across all the folders: a deployed database records the versions it
# has applied, so a migration is never renumbered, and a number reserved but not used
# gets an empty migration saying so.
include("${CMAKE_CURRENT_LIST_DIR}/migration_files.cmake")
migration_files(files "${DIR}" "${FEATURES}" migrations)
if(NOT files)
    message(FATAL_ERROR "store migrations: no NNNN_name.sql file in ${DIR}")
endif()
set(expected 1)
foreach(f ${files})
    get_filename_component(file_name "${f}" NAME)
    set(shown "${file_name}")
    get_filename_component(folder "${f}" DIRECTORY)
    if(NOT folder STREQUAL DIR)
        # A feature's own: bot/features/NAME/migrations/FILE.
        get_filename_component(feature "${folder}" DIRECTORY)
        get_filename_component(feature "${feature}" NAME)
        set(shown "${file_name} (feature ${feature})")
    endif()
    if(NOT file_name MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
        message(FATAL_ERROR "store migrations: ${shown} is not named NNNN_name.sql "
                            "(four digits, an underscore, lower-case letters, digits and _)")
    endif()
    math(EXPR version "${CMAKE_MATCH_1}")
    if(version LESS expected)
        message(FATAL_ERROR "store migrations: ${shown} repeats version ${version}; "
                            "every number is used once")
    elseif(version GREATER expected)
        message(FATAL_ERROR "store migrations: version ${expected} is missing before "
                            "${shown}; number migrations without gaps (a number reserved "
                            "but not used needs an empty migration saying so)")
    endif()
    math(EXPR expected "${expected} + 1")
endforeach()
if(NOT OUT)
    return()
endif()
set(body "// Generated from store/migrations/*.sql and bot/features/*/migrations/*.sql; do not edit.\n#include <vector>\nnamespace twintrack::store {\ninline std::vector<Migration> embedded_migrations() {\n    return {\n")
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
