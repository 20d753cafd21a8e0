# Runs store/embed_migrations.cmake on folders made here: a gap, a number used twice and a
# badly named file are refused with a message naming the problem; a whole sequence (and
# the project's own store/migrations) is embedded.
#   cmake -DSCRIPT=store/embed_migrations.cmake -DMIGRATIONS=store/migrations -DWORK=DIR -P THIS
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

# The project's own migrations are whole.
execute_process(COMMAND ${CMAKE_COMMAND} -DDIR=${MIGRATIONS} -P ${SCRIPT}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(SEND_ERROR "store/migrations is refused: ${err}")
endif()
