# Runs store/embed_migrations.cmake on folders made here: a gap, a number used twice and a
# badly named file are refused with a message naming the problem; a whole sequence (and
# the project's own store/migrations) is embedded.
# A feature's own migrations (FEATURES/NAME/migrations/) join the same sequence.
#   cmake -DSCRIPT=store/embed_migrations.cmake -DMIGRATIONS=store/migrations
#         -DFEATURES=bot/features -DWORK=DIR -P THIS
set(failures 0)

function(check name files expect_ok expect_message)
    set(dir "${WORK}/${name}")
    file(REMOVE_RECURSE "${dir}")
    file(MAKE_DIRECTORY "${dir}")
    foreach(f ${files})
        file(WRITE "${dir}/${f}" "-- ${f}\n")
    endforeach()
    execute_process(COMMAND ${CMAKE_COMMAND} -DDIR=${dir} -DOUT=${dir}/out.inc -P ${SCRIPT}
                    RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
    if(expect_ok AND NOT rc EQUAL 0)
        message(SEND_ERROR "${name}: refused although whole: ${err}")
    elseif(NOT expect_ok AND rc EQUAL 0)
        message(SEND_ERROR "${name}: accepted although it should be refused")
    elseif(NOT expect_ok AND NOT err MATCHES "${expect_message}")
        message(SEND_ERROR "${name}: refused without saying \"${expect_message}\": ${err}")
    elseif(expect_ok AND NOT EXISTS "${dir}/out.inc")
        message(SEND_ERROR "${name}: nothing was embedded")
    else()
        message(STATUS "${name}: as expected")
    endif()
endfunction()

check(whole "0001_a.sql;0002_b.sql;0003_c.sql" TRUE "")
check(gap "0001_a.sql;0002_b.sql;0004_d.sql" FALSE "version 3 is missing before 0004_d.sql")
check(first_missing "0002_b.sql" FALSE "version 1 is missing before 0002_b.sql")
check(twice "0001_a.sql;0002_b.sql;0002_c.sql" FALSE "0002_c.sql repeats version 2")
check(bad_name "0001_a.sql;2_b.sql" FALSE "2_b.sql is not named NNNN_name.sql")
check(empty "" FALSE "no NNNN_name.sql file")

# `store` files in the store's folder, `features` as NAME/FILE in feature folders.
function(check_features name store_files feature_files expect_ok expect_message)
    set(dir "${WORK}/${name}")
    file(REMOVE_RECURSE "${dir}")
    file(MAKE_DIRECTORY "${dir}/store")
    foreach(f ${store_files})
        file(WRITE "${dir}/store/${f}" "-- ${f}\n")
    endforeach()
    foreach(f ${feature_files})
        string(REPLACE "/" "/migrations/" f "${f}")
        file(WRITE "${dir}/features/${f}" "-- ${f}\n")
    endforeach()
    execute_process(COMMAND ${CMAKE_COMMAND} -DDIR=${dir}/store -DFEATURES=${dir}/features
                            -DOUT=${dir}/out.inc -P ${SCRIPT}
                    RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
    if(expect_ok AND NOT rc EQUAL 0)
        message(SEND_ERROR "${name}: refused although whole: ${err}")
    elseif(NOT expect_ok AND rc EQUAL 0)
        message(SEND_ERROR "${name}: accepted although it should be refused")
    elseif(NOT expect_ok AND NOT err MATCHES "${expect_message}")
        message(SEND_ERROR "${name}: refused without saying \"${expect_message}\": ${err}")
    elseif(expect_ok)
        file(READ "${dir}/out.inc" embedded)
        if(NOT embedded MATCHES "{2, \"b\".*{3, \"c\"")
            message(SEND_ERROR "${name}: not embedded in version order: ${embedded}")
        endif()
        message(STATUS "${name}: as expected")
    else()
        message(STATUS "${name}: as expected")
    endif()
endfunction()

check_features(feature_joins "0001_a.sql;0003_c.sql" "kudos/0002_b.sql" TRUE "")
check_features(feature_gap "0001_a.sql" "kudos/0003_c.sql" FALSE
               "version 2 is missing before 0003_c.sql")
check_features(feature_twice "0001_a.sql;0002_b.sql" "kudos/0002_k.sql" FALSE
               "0002_k.sql \\(feature kudos\\) repeats version 2")

# The project's own migrations are whole.
execute_process(COMMAND ${CMAKE_COMMAND} -DDIR=${MIGRATIONS} -DFEATURES=${FEATURES} -P ${SCRIPT}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(SEND_ERROR "store/migrations is refused: ${err}")
endif()
