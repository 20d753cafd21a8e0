// `store:` URLs: what is accepted, the errors for what is not, and that a password never
// shows in a message.

#include "store/store_url.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "store/store.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::store {
namespace {

TEST(StoreUrl, AcceptsSqliteAndPostgres) {
    struct Case {
        const char* text;
        StoreUrl::Kind kind;
        const char* path;
        const char* shown;
    };
    const Case cases[] = {
        {"sqlite:./data/twintrack.db", StoreUrl::Kind::sqlite, "./data/twintrack.db",
         "sqlite:./data/twintrack.db"},
        {"sqlite:///var/lib/tt.db", StoreUrl::Kind::sqlite, "/var/lib/tt.db",
         "sqlite:/var/lib/tt.db"},
        {"postgres://tt@db.example.com:5432/twintrack", StoreUrl::Kind::postgres, "",
         "postgres://tt@db.example.com:5432/twintrack"},
        {"postgresql://tt@10.0.0.5/twintrack?sslmode=require", StoreUrl::Kind::postgres, "",
         "postgresql://tt@10.0.0.5/twintrack?sslmode=require"},
        {"postgres://tt:${TT_TEST_PW}@[::1]:5433/tt", StoreUrl::Kind::postgres, "",
         "postgres://tt:***@[::1]:5433/tt"},
    };
    ::setenv("TT_TEST_PW", "s3cret", 1);
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const StoreUrl u = parse_store_url(c.text);
        EXPECT_EQ(u.kind, c.kind);
        EXPECT_EQ(u.path, c.path);
        EXPECT_EQ(u.shown, c.shown);
        EXPECT_EQ(u.shown.find("s3cret"), std::string::npos);
    }
    EXPECT_EQ(parse_store_url("postgres://tt:${TT_TEST_PW}@[::1]:5433/tt").connect,
              "postgres://tt:s3cret@[::1]:5433/tt");
    ::unsetenv("TT_TEST_PW");
}

TEST(StoreUrl, BadUrlsAreClearErrors) {
    struct Case {
        const char* text;
        const char* says;
    };
    const Case cases[] = {
        {"mysql://tt@host/db", "expected sqlite:PATH or postgres://"},
        {"./data/twintrack.db", "expected sqlite:PATH or postgres://"},
        {"sqlite:", "no file after sqlite:"},
        {"postgres://tt@/db", "no host"},
        {"postgres://tt@host:5432", "no database name"},
        {"postgres://tt@host:5432/", "no database name"},
        {"postgres://tt@host:port/db", "bad port 'port'"},
        {"postgres://tt@host:99999/db", "bad port '99999'"},
        {"postgres://tt:hunter2@host/db", "write no password in the URL"},
        {"postgres://tt:${TT_UNSET_FOR_TEST}@host/db", "TT_UNSET_FOR_TEST is not set"},
    };
    ::unsetenv("TT_UNSET_FOR_TEST");
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        try {
            parse_store_url(c.text);
            ADD_FAILURE() << "expected an error";
        } catch (const DatabaseError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(c.says), std::string::npos) << what;
            EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
        }
    }
}

TEST(StoreUrl, UnreachableServerIsAClearErrorWithoutThePassword) {
    // A port nothing listens on: the test server's, after it stopped.
    int port = 0;
    {
        test_support::PostgresServer server;
        port = server.port();
    }
    ::setenv("TT_TEST_PW", "s3cret", 1);
    try {
        Store::open_url("postgres://tt:${TT_TEST_PW}@127.0.0.1:" + std::to_string(port) + "/tt", 0);
        ADD_FAILURE() << "expected an error";
    } catch (const DatabaseError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("cannot connect to PostgreSQL at postgres://tt:***@127.0.0.1:" +
                            std::to_string(port) + "/tt"),
                  std::string::npos)
            << what;
        EXPECT_EQ(what.find("s3cret"), std::string::npos) << what;
    }
    ::unsetenv("TT_TEST_PW");
}

TEST(StoreUrl, SqliteUrlCreatesTheFolder) {
    test_support::TempDir dir;
    auto s = Store::open_url("sqlite:" + dir.path() + "/new/sub/tt.db", 0);
    EXPECT_STREQ(s->db().dialect().name, "sqlite");
    s->processed_events().record("hub", "e1", 1);
    s.reset();
    auto again = Store::open_url("sqlite:" + dir.path() + "/new/sub/tt.db", 0);
    EXPECT_FALSE(again->processed_events().record("hub", "e1", 2));
}

}  // namespace
}  // namespace twintrack::store
