#pragma once
// A throwaway PostgreSQL server for tests: Debian's postgresql-15 binaries, `initdb` into
// a fresh folder under /tmp, `postgres` on a free 127.0.0.1 port with its unix socket in
// that folder, stopped and removed afterwards. PostgreSQL refuses to run as root, so
// under root the server runs as the `postgres` system user (or `nobody`), which then owns
// the folder.

#include <sys/types.h>

#include <mutex>
#include <string>

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

    /// Stops the server (fast shutdown) and waits for it; idempotent.
    void stop();

  private:
    void start_once();
    std::string create_database_from(const std::string& template_db);

    std::string bin_;
    std::string dir_;
    std::string user_;  // the system user the server runs as; empty: this process's
    int port_ = 0;
    pid_t pid_ = -1;
    int next_db_ = 0;
    bool durable_ = false;
    std::mutex mu_;
    std::string migrated_template_;  // made on first use
};

}  // namespace twintrack::test_support
