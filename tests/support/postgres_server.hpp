#pragma once
// A throwaway PostgreSQL server for tests: Debian's postgresql-15 binaries, `initdb` into
// a fresh folder under /tmp, `postgres` on a free 127.0.0.1 port with its unix socket in
// that folder, stopped and removed afterwards. PostgreSQL refuses to run as root, so
// under root the server runs as the `postgres` system user (or `nobody`), which then owns
// the folder.

#include <sys/types.h>

#include <mutex>
#include <string>
#include <vector>

namespace twintrack::test_support {

class PostgresServer {
  public:
    /// `fast` (the tests): no fsync, commits not waited for. `durable`: PostgreSQL's
    /// defaults, every commit flushed to disk (the benchmarks, to compare with SQLite's
    /// synchronous=FULL).
    enum class Durability { fast, durable };

    /// Starts the server and waits until it accepts connections. Throws
    /// std::runtime_error saying what is missing or what the server logged.
    explicit PostgresServer(Durability durability = Durability::fast);
    ~PostgresServer();
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    /// One server for the whole test program, started on first use.
    static PostgresServer& shared();

    int port() const { return port_; }
    const std::string& dir() const { return dir_; }

    /// postgres://postgres@127.0.0.1:PORT/DB
    std::string url(const std::string& db = "postgres") const;

    /// Creates an empty database with a new name and returns its URL.
    std::string create_database();

    /// Creates a database with a new name that already has the store's schema, and returns
    /// its URL: a copy of a template migrated once per test program (CREATE DATABASE ...
    /// TEMPLATE), so that each of hundreds of engine tests does not run every migration
    /// again. Its schema_migrations rows carry applied_at 0. Tests of the migrations
    /// themselves use create_database().
    std::string create_migrated_database();

    /// A database with the store's schema and no rows for a test bot: one given back
    /// earlier (give_back()), emptied and its identity sequences restarted, or else a new
    /// one from create_migrated_database(). Copying the template costs about a quarter of
    /// a second; emptying a used one a few milliseconds.
    std::string take_empty_database();
    /// Gives a database from take_empty_database() back for a later test, once nothing is
    /// connected to it any more.
    void give_back(const std::string& url);

    /// Stops the server (fast shutdown) and waits for it; idempotent.
    void stop();

  private:
    void start_once();
    std::string create_database_from(const std::string& template_db);
    bool empty_database(const std::string& url);

    std::string bin_;
    std::string dir_;
    std::string user_;  // the system user the server runs as; empty: this process's
    int port_ = 0;
    pid_t pid_ = -1;
    int next_db_ = 0;
    bool durable_ = false;
    std::mutex mu_;
    std::string migrated_template_;  // made on first use
    std::vector<std::string> given_back_;
};

}  // namespace twintrack::test_support
