# Writes OUT: a C++ function returning every migrations/NNNN_name.sql as a Migration.
# Without OUT it only checks DIR. Either way the files must be named NNNN_name.sql (four
# digits, lower-case name) and numbered 1, 2, 3, ... with no gap and no number twice:
# a deployed database records the versions it has applied, so a migration is never
# renumbered, and a number reserved but not used gets an empty migration saying so.
file(GLOB files "${DIR}/*.sql")
list(SORT files)
if(NOT files)
    message(FATAL_ERROR "store migrations: no NNNN_name.sql file in ${DIR}")
endif()
set(expected 1)
foreach(f ${files})
    get_filename_component(file_name "${f}" NAME)
    if(NOT file_name MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
        message(FATAL_ERROR "store migrations: ${file_name} is not named NNNN_name.sql "
                            "(four digits, an underscore, lower-case letters, digits and _)")
    endif()
    math(EXPR version "${CMAKE_MATCH_1}")
    if(version LESS expected)
        message(FATAL_ERROR "store migrations: ${file_name} repeats version ${version}; "
                            "every number is used once")
    elseif(version GREATER expected)
        message(FATAL_ERROR "store migrations: version ${expected} is missing before "
                            "${file_name}; number migrations without gaps (a number reserved "
                            "but not used needs an empty migration saying so)")
    endif()
    math(EXPR expected "${expected} + 1")
endforeach()
if(NOT OUT)
    return()
endif()
set(body "// Generated from store/migrations/*.sql; do not edit.\n#include <vector>\nnamespace twintrack::store {\ninline std::vector<Migration> embedded_migrations() {\n    return {\n")
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
