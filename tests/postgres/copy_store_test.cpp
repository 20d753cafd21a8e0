// `twintrack store migrate`: a SQLite store copied into an empty PostgreSQL one.

#include "store/copy_store.hpp"

#include <gtest/gtest.h>

#include <map>

#include "bot/features/engagements/store/engagements_store.hpp"
#include "store/store.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::store {
namespace {

using test_support::PostgresServer;
using test_support::TempDir;

Person person(const std::string& email, const std::string& irc) {
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

/// A SQLite store with a little of everything the copy must carry over.
std::unique_ptr<Store> filled_sqlite(const TempDir& dir) {
    auto s = Store::open_directory(dir.path(), 1);
    s->people().upsert_by_email(person("Li.Wei@example.com", "liwei"), 1);
    s->people().upsert_by_email(person("zhang@example.com", "zhang"), 2);
    s->processed_events().record("hub", "e1", 1'800'000'000'000);
    s->outbox().enqueue({0, "hub", "sales", "", "digest 客户", "", "digest-w45", 0, "", "zh-CN"},
                        5);
    Job job;
    job.kind = "digest";
    job.key = "digest:sales:2026-11-02";
    job.due_at = 1'800'000'000'000;
    s->jobs().schedule(job);
    engagements::CustomerRepository customers(s->db());
    const auto customer = customers.create("Acme", "acme", 3);
    customers.add_alias(customer, "ACME Corp", "acmecorp", 4);
    return s;
}

TEST(CopyStore, CopiesEveryTableAndNewRowsContinueAfterTheCopiedIds) {
    TempDir dir;
    auto from = filled_sqlite(dir);
    auto to = Store::open_url(PostgresServer::shared().create_database(), 1);
    const auto copied = copy_store(*from, *to);

    std::int64_t total = 0;
    for (const auto& t : copied) {
        SCOPED_TRACE(t.name);
        total += t.rows;
        EXPECT_EQ(to->db().scalar("SELECT count(*) FROM " + t.name),
                  from->db().scalar("SELECT count(*) FROM " + t.name));
    }
    EXPECT_EQ(total, 2 + 2 + 1 + 1 + 1 + 1 + 1);  // people, identities, event, post, job,
                                                  // customer, alias
    EXPECT_EQ(
        copied.size() + 1,  // schema_migrations is the target's own
        static_cast<std::size_t>(to->db()
                                     .scalar("SELECT count(*) FROM information_schema.tables WHERE "
                                             "table_schema = current_schema()")
                                     .value_or(0)));

    // What the bot reads comes back the same.
    EXPECT_EQ(to->people().owner_of({"irc", "LIWEI"}), 1);  // user ids ignore case
    ASSERT_EQ(to->people().all().size(), 2u);
    EXPECT_EQ(to->people().all().at(0).email, "Li.Wei@example.com");
    EXPECT_FALSE(to->processed_events().record("hub", "e1", 1'800'000'000'001));
    bool inserted = true;
    to->outbox().enqueue({0, "hub", "sales", "", "digest 客户", "", "digest-w45", 0, "", ""}, 6,
                         &inserted);
    EXPECT_FALSE(inserted);  // the dedupe key came along
    ASSERT_EQ(to->outbox().due(10, 10).size(), 1u);
    EXPECT_EQ(to->outbox().due(10, 10).at(0).text, "digest 客户");

    // A new person gets the next id, not one already taken.
    const auto id = to->people().upsert_by_email(person("wang@example.com", "wang"), 9);
    EXPECT_EQ(id, 3);
}

TEST(CopyStore, CopiesTablesLargerThanOneBatchRowForRow) {
    // Rows go over in batches of many rows per INSERT: a table of several full batches and
    // a partial one arrives whole, every row with its own values.
    TempDir dir;
    auto from = Store::open_directory(dir.path(), 1);
    from->db().begin();
    constexpr int events = 2345;
    for (int i = 0; i < events; ++i) {
        from->processed_events().record(i % 2 ? "hub" : "irc", "e" + std::to_string(i), 1000 + i);
    }
    for (int i = 0; i < 1234; ++i) {
        from->outbox().enqueue(
            {0, "hub", "sales", "", "post " + std::to_string(i) + " 客户", "", "", 0, "", "en"},
            10 + i);
    }
    from->db().commit();
    auto to = Store::open_url(PostgresServer::shared().create_database(), 1);
    const auto copied = copy_store(*from, *to);
    std::map<std::string, std::int64_t> rows;
    for (const auto& t : copied) rows[t.name] = t.rows;
    EXPECT_EQ(rows["processed_events"], events);
    EXPECT_EQ(rows["outbox"], 1234);
    for (int i : {0, 999, 1000, 2000, events - 1}) {
        SCOPED_TRACE(i);
        EXPECT_FALSE(
            to->processed_events().record(i % 2 ? "hub" : "irc", "e" + std::to_string(i), 5000));
        EXPECT_TRUE(
            to->processed_events().record(i % 2 ? "irc" : "hub", "e" + std::to_string(i), 5000));
    }
    const auto due = to->outbox().due(1'000'000, 2000);
    ASSERT_EQ(due.size(), 1234u);
    for (std::size_t i = 0; i < due.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(due[i].text, "post " + std::to_string(i) + " 客户");
    }
}

TEST(CopyStore, RefusesATargetThatIsNotEmpty) {
    TempDir dir;
    auto from = filled_sqlite(dir);
    auto to = Store::open_url(PostgresServer::shared().create_database(), 1);
    to->processed_events().record("irc", "x", 1);
    try {
        copy_store(*from, *to);
        FAIL() << "expected an error";
    } catch (const DatabaseError& e) {
        EXPECT_NE(std::string(e.what()).find("not empty"), std::string::npos) << e.what();
    }
    EXPECT_EQ(to->people().count(), 0);  // nothing was copied
}

}  // namespace
}  // namespace twintrack::store
