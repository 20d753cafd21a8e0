// The test PostgreSQL server (tests/support/postgres_server.hpp).

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "tests/support/postgres_server.hpp"

namespace twintrack::test_support {
namespace {

using test_support::PostgresServer;

TEST(PostgresServer, RunsAsAnUnprivilegedUserAndAnswers) {
    auto& server = PostgresServer::shared();
    const std::string conninfo =
        "host=127.0.0.1 port=" + std::to_string(server.port()) + " user=postgres dbname=postgres";
    EXPECT_EQ(PQping(conninfo.c_str()), PQPING_OK);
    struct stat st {};
    ASSERT_EQ(::stat((server.dir() + "/data").c_str(), &st), 0);
    EXPECT_NE(st.st_uid, 0u) << "the server's files must not belong to root";
    // Its unix socket is in the test's folder, not in /var/run/postgresql.
    EXPECT_EQ(::access((server.dir() + "/.s.PGSQL." + std::to_string(server.port())).c_str(), F_OK),
              0);
}

TEST(PostgresServer, MissingBinariesAreAClearError) {
    ::setenv("TWINTRACK_PG_BIN", "/nonexistent/postgresql/bin", 1);
    try {
        PostgresServer server;
        ::unsetenv("TWINTRACK_PG_BIN");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        ::unsetenv("TWINTRACK_PG_BIN");
        const std::string what = e.what();
        EXPECT_NE(what.find("/nonexistent/postgresql/bin/initdb"), std::string::npos) << what;
        EXPECT_NE(what.find("install-deps.sh --test"), std::string::npos) << what;
    }
}

TEST(PostgresServer, StopsTheServer) {
    PostgresServer server;
    const std::string conninfo =
        "host=127.0.0.1 port=" + std::to_string(server.port()) + " user=postgres dbname=postgres";
    ASSERT_EQ(PQping(conninfo.c_str()), PQPING_OK);
    server.stop();
    EXPECT_EQ(PQping(conninfo.c_str()), PQPING_NO_RESPONSE);
}

}  // namespace
}  // namespace twintrack::test_support
