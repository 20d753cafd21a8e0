// The real `twintrack` program with its store on PostgreSQL: `--store URL`,
// `store migrate`, and the errors a user sees for a bad URL or an unreachable server.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "tests/integration/process.hpp"
#include "tests/postgres/program_instances.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::testing {
namespace {

using test_support::PostgresServer;
using test_support::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

const char* two_people_csv =
    "name,email,department,role,timezone,locale,working_hours,identities\n"
    "Li Wei,li.wei@example.com,sales,staff,Asia/Shanghai,zh-CN,09:00-18:00,hub:liwei\n"
    "Anna Schmidt,anna@example.com,marketing,manager,Europe/Berlin,en,09:00-17:00,hub:anna\n";

TEST(ProgramStore, MigrateCopiesASqliteStoreAndTheProgramUsesIt) {
    TempDir dir;
    const auto csv = dir.file("people.csv", two_people_csv);
    auto r = run_program(program, {"import", "people", csv, "--data", dir.path()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

    const std::string url = PostgresServer::shared().create_database();
    const std::string from = "sqlite:" + dir.path() + "/twintrack.db";
    r = run_program(program, {"store", "migrate", "--from", from, "--to", url});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("people: 2 rows"));
    EXPECT_THAT(r.out, HasSubstr("identities: 2 rows"));
    EXPECT_THAT(r.out, HasSubstr("every table's row count matches"));

    // The program now reads the people from PostgreSQL.
    r = run_program(program, {"person", "export", "ANNA@example.com", "-", "--store", url});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("Anna Schmidt"));

    // A second copy into the same (no longer empty) database is refused.
    r = run_program(program, {"store", "migrate", "--from", from, "--to", url});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("not empty"));

    // A source that does not exist is named, and nothing is created for it.
    r = run_program(program, {"store", "migrate", "--from", "sqlite:" + dir.path() + "/none.db",
                              "--to", PostgresServer::shared().create_database()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("no SQLite store at " + dir.path() + "/none.db"));
}

TEST(ProgramStore, BadUrlAndUnreachableServerAreClearErrorsWithoutThePassword) {
    TempDir dir;
    int port = 0;
    {
        PostgresServer stopped;  // a port nobody listens on any more
        port = stopped.port();
    }
    ::setenv("TT_TEST_DB_PASSWORD", "s3cret-pw", 1);
    struct Case {
        std::string url;
        std::string says;
    };
    const Case cases[] = {
        {"mysql://tt@127.0.0.1/tt", "expected sqlite:PATH or postgres://"},
        {"postgres://tt:s3cret-pw@127.0.0.1/tt", "write no password in the URL"},
        {"postgres://tt:${TT_TEST_DB_PASSWORD}@127.0.0.1:" + std::to_string(port) + "/tt",
         "cannot connect to PostgreSQL at postgres://tt:***@127.0.0.1:" + std::to_string(port) +
             "/tt"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.url);
        const auto r = run_program(program, {"person", "export", "anna@example.com", "-", "--store",
                                             c.url, "--data", dir.path()});
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_THAT(r.err, HasSubstr(c.says));
        EXPECT_THAT(r.err + r.out, Not(HasSubstr("s3cret-pw")));
    }
    ::unsetenv("TT_TEST_DB_PASSWORD");
}

}  // namespace
}  // namespace twintrack::testing
