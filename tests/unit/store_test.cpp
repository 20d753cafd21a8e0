#include "store/store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "store/migrations.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_store.hpp"

namespace twintrack::store {
namespace {

namespace fs = std::filesystem;

using test_support::open_test_database;
using test_support::open_test_store;
using test_support::TempDir;
using test_support::testing_postgres;

// Tests of how SQLite files behave (corrupt files, folders, file locks) say so; the rest
// run against both backends (CTest label `postgres` for PostgreSQL).
#define SQLITE_ONLY() \
    if (testing_postgres()) GTEST_SKIP() << "SQLite file behaviour"

Person sample(const std::string& email, const std::string& irc) {
    Person p;
    p.name = "Li Wei";
    p.email = email;
    p.department = "sales";
    p.role = "staff";
    p.timezone = "Asia/Shanghai";
    p.locale = "zh-CN";
    p.identities = {{"irc", irc}};
    return p;
}

TEST(Store, MigratesOnceAndRecordsVersion) {
    TempDir dir;
    const std::string url = test_support::new_store_url(dir);
    { auto s = Store::open_url(url, 1); }
    auto s = Store::open_url(url, 2);
    EXPECT_EQ(s->db().scalar("SELECT count(*) FROM schema_migrations"),
              static_cast<std::int64_t>(migrations_for(s->db()).size()));
    EXPECT_EQ(s->db().scalar("SELECT applied_at FROM schema_migrations WHERE version = 1"), 1);
}

// Both backends know the same schema versions (store/migrations/ and
// store/migrations_postgres/); a version added to one folder only is caught here.
TEST(Store, BothBackendsHaveTheSameMigrationVersions) {
    std::vector<int> sqlite;
    std::vector<int> postgres;
    for (const auto& m : known_migrations()) sqlite.push_back(m.version);
    for (const auto& m : postgres_migrations()) postgres.push_back(m.version);
    EXPECT_EQ(sqlite, postgres);
    ASSERT_EQ(known_migrations().size(), postgres_migrations().size());
    for (std::size_t i = 0; i < known_migrations().size(); ++i) {
        EXPECT_EQ(known_migrations()[i].name, postgres_migrations()[i].name);
    }
}

TEST(Store, FailedMigrationLeavesNothingApplied) {
    TempDir dir;
    auto db = open_test_database(dir);
    std::vector<Migration> ms = {{1, "good", "CREATE TABLE a (x INTEGER);"},
                                 {2, "bad", "CREATE TABLE b (x INTEGER); SELEC nonsense;"}};
    EXPECT_THROW(migrate(*db, ms, 0), DatabaseError);
    EXPECT_EQ(db->scalar("SELECT count(*) FROM schema_migrations"), 0);
    EXPECT_THROW(db->scalar("SELECT count(*) FROM a"), DatabaseError);
    EXPECT_THROW(db->scalar("SELECT count(*) FROM b"), DatabaseError);
}

TEST(Store, RefusesADatabaseFromANewerProgram) {
    TempDir dir;
    auto db = open_test_database(dir);
    std::vector<Migration> ms = {{1, "one", "CREATE TABLE a (x INTEGER);"}};
    migrate(*db, ms, 0);
    db->execute("INSERT INTO schema_migrations VALUES (99, 'future', 0)");
    try {
        migrate(*db, ms, 0);
        FAIL() << "expected an error";
    } catch (const DatabaseError& e) {
        EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos);
    }
}

TEST(Store, CorruptFileIsAClearError) {
    SQLITE_ONLY();
    TempDir dir;
    std::ofstream(dir.path() + "/twintrack.db") << std::string(8192, 'x');
    try {
        Store::open_directory(dir.path(), 0);
        FAIL() << "expected an error";
    } catch (const CorruptDatabase& e) {
        EXPECT_NE(std::string(e.what()).find("not a database"), std::string::npos) << e.what();
    }
}

TEST(Store, UnwritableDirectoryIsAClearError) {
    SQLITE_ONLY();
    if (::geteuid() == 0) {
        // root writes anywhere; a path under a regular file cannot be created by anyone.
        TempDir dir;
        std::ofstream(dir.path() + "/file") << "x";
        EXPECT_THROW(Store::open_directory(dir.path() + "/file/sub", 0), DatabaseError);
        return;
    }
    TempDir dir;
    fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_THROW(Store::open_directory(dir.path() + "/sub", 0), DatabaseError);
}

TEST(Store, UniqueViolationIsItsOwnType) {
    TempDir dir;
    auto s = open_test_store(dir, 0);
    s->people().upsert_by_email(sample("a@example.com", "liwei"), 0);
    EXPECT_THROW(s->people().upsert_by_email(sample("b@example.com", "liwei"), 0), UniqueViolation);
    // The failed upsert left nothing half-written.
    EXPECT_EQ(s->people().count(), 1);
}

TEST(Store, UpsertByEmailUpdatesCaseInsensitively) {
    TempDir dir;
    auto s = open_test_store(dir, 0);
    const auto id = s->people().upsert_by_email(sample("Li.Wei@example.com", "liwei"), 0);
    Person changed = sample("li.wei@EXAMPLE.com", "liwei2");
    changed.department = "marketing";
    EXPECT_EQ(s->people().upsert_by_email(changed, 5), id);
    const auto all = s->people().all();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].department, "marketing");
    ASSERT_EQ(all[0].identities.size(), 1u);
    EXPECT_EQ(all[0].identities[0].user_id, "liwei2");
}

TEST(Store, ProcessedEventsRecognisesRedelivery) {
    TempDir dir;
    auto s = open_test_store(dir, 0);
    EXPECT_TRUE(s->processed_events().record("hub", "e1", 10));
    EXPECT_FALSE(s->processed_events().record("hub", "e1", 11));
    EXPECT_TRUE(s->processed_events().record("irc", "e1", 11));
    EXPECT_EQ(s->processed_events().prune(11), 1);
    EXPECT_TRUE(s->processed_events().record("hub", "e1", 12));
}

TEST(Store, OutboxDedupesRetriesAndGivesUp) {
    TempDir dir;
    auto s = open_test_store(dir, 0);
    OutboxEntry e{0, "hub", "sales", "", "digest", "", "digest-2026-w45", 0, "", "zh-CN"};
    bool inserted = false;
    const auto id = s->outbox().enqueue(e, 100, &inserted);
    EXPECT_TRUE(inserted);
    EXPECT_EQ(s->outbox().enqueue(e, 101, &inserted), id);
    EXPECT_FALSE(inserted);
    ASSERT_EQ(s->outbox().due(100, 10).size(), 1u);
    EXPECT_EQ(s->outbox().due(100, 10).at(0).locale, "zh-CN");  // connectors' own words
    s->outbox().mark_failed(id, "down", 500);
    EXPECT_TRUE(s->outbox().due(499, 10).empty());
    EXPECT_EQ(s->outbox().due(500, 10).at(0).attempts, 1);
    s->outbox().mark_sent(id, "remote-1", 600);
    EXPECT_TRUE(s->outbox().due(10000, 10).empty());
    EXPECT_EQ(s->outbox().pending_count(), 0);

    const auto id2 = s->outbox().enqueue({0, "hub", "x", "", "t", "", "", 0, "", ""}, 0);
    s->outbox().mark_failed(id2, "unknown channel", std::nullopt);
    EXPECT_EQ(s->outbox().pending_count(), 0);
}

TEST(Store, TransactionRollsBackUnlessCommitted) {
    TempDir dir;
    auto s = open_test_store(dir, 0);
    {
        Transaction tx(s->db());
        s->people().upsert_by_email(sample("a@example.com", "a"), 0);
    }
    EXPECT_EQ(s->people().count(), 0);
    {
        Transaction tx(s->db());
        s->people().upsert_by_email(sample("a@example.com", "a"), 0);
        tx.commit();
    }
    EXPECT_EQ(s->people().count(), 1);
}

// While another process holds the write lock for long, each retry must not stall the
// engine thread for the whole busy timeout: after one wait has run out, waits are brief
// until the lock is had again, and then the configured wait is back.
TEST(Store, AfterALongLockWaitsAreBriefUntilTheLockIsHadAgain) {
    SQLITE_ONLY();
    TempDir dir;
    const std::string path = dir.path() + "/shared.db";
    auto bot = open_sqlite(path, 300);
    bot->execute_script("CREATE TABLE t (a INTEGER)");
    auto other = open_sqlite(path, 300);
    EXPECT_EQ(bot->busy_wait_ms(), 300);

    other->begin();  // e.g. `twintrack import` writing
    EXPECT_THROW(bot->begin(), DatabaseBusy);
    EXPECT_LT(bot->busy_wait_ms(), 300);
    EXPECT_GT(bot->busy_wait_ms(), 0);
    EXPECT_THROW(bot->begin(), DatabaseBusy);  // still held: the retry fails as before
    EXPECT_LT(bot->busy_wait_ms(), 300);
    other->execute("INSERT INTO t VALUES (?)", {std::int64_t{1}});
    other->commit();

    bot->begin();  // the lock is free again: the write goes through...
    bot->execute("INSERT INTO t VALUES (?)", {std::int64_t{2}});
    bot->commit();
    EXPECT_EQ(bot->busy_wait_ms(), 300);  // ...and the next one may wait the full time
    EXPECT_EQ(bot->scalar("SELECT count(*) FROM t"), 2);
}

TEST(Store, ParameterCountMismatchIsAnError) {
    TempDir dir;
    auto db = open_test_database(dir);
    db->execute_script("CREATE TABLE t (a INTEGER, b TEXT)");
    EXPECT_THROW(db->execute("INSERT INTO t VALUES (?, ?)", {std::int64_t{1}}), DatabaseError);
    // Text with quotes and SQL goes in as data, never as SQL.
    db->execute("INSERT INTO t VALUES (?, ?)",
                {std::int64_t{1}, std::string("x'); DROP TABLE t;--")});
    EXPECT_EQ(db->scalar("SELECT count(*) FROM t"), 1);
}

}  // namespace
}  // namespace twintrack::store
