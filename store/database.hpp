#pragma once
// The one door to SQL. Statements are prepared once and cached; values are always
// bound, never pasted into SQL text. Used from one thread (the engine's).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace twintrack::store {

/// Any failure talking to the database.
class DatabaseError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A UNIQUE or PRIMARY KEY constraint refused a write.
class UniqueViolation : public DatabaseError {
  public:
    using DatabaseError::DatabaseError;
};

/// Another connection (another process) held the database longer than the busy
/// timeout. Retrying later usually succeeds.
class DatabaseBusy : public DatabaseError {
  public:
    using DatabaseError::DatabaseError;
};

/// The disk (or the database's size limit) is full. Retrying helps once room is made.
class DatabaseFull : public DatabaseError {
  public:
    using DatabaseError::DatabaseError;
};

/// An I/O error other than busy or full (e.g. the disk went away).
class DatabaseIoError : public DatabaseError {
  public:
    using DatabaseError::DatabaseError;
};

/// True for errors that may go away by themselves (busy, full, I/O), as opposed to a
/// statement that will fail the same way every time.
bool is_transient(const DatabaseError& e);
/// "busy", "full", "io", "corrupt", "unique" or "other", for logs and metrics.
const char* error_kind(const DatabaseError& e);

/// The file exists but is not a database this program can use.
class CorruptDatabase : public DatabaseError {
  public:
    using DatabaseError::DatabaseError;
};

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;
using Params = std::vector<Value>;

/// NULL for an empty optional.
inline Value nullable(const std::optional<std::int64_t>& v) {
    return v ? Value(*v) : Value(nullptr);
}

/// One result row; column accessors by index.
class Row {
  public:
    virtual ~Row() = default;
    virtual bool is_null(int col) const = 0;
    virtual std::int64_t integer(int col) const = 0;
    virtual double real(int col) const = 0;
    virtual std::string text(int col) const = 0;
    std::optional<std::string> optional_text(int col) const {
        return is_null(col) ? std::nullopt : std::optional<std::string>(text(col));
    }
    std::optional<std::int64_t> optional_integer(int col) const {
        return is_null(col) ? std::nullopt : std::optional<std::int64_t>(integer(col));
    }
    /// How many columns the row has, and their names (for generic dumps such as a
    /// person's data export). Backends that cannot tell report none.
    virtual int column_count() const { return 0; }
    virtual std::string column_name(int col) const {
        (void)col;
        return {};
    }
    /// A column as stored: NULL, integer, real or text (blobs as text).
    virtual Value value(int col) const {
        (void)col;
        return nullptr;
    }
};

/// SQL that differs between SQLite and PostgreSQL, for the few repositories that need it.
/// Everything else is written once in the SQL both understand (`ON CONFLICT ... DO
/// NOTHING` rather than `INSERT OR IGNORE`, `instr` exists in both schemas, etc.).
struct Dialect {
    /// "sqlite" or "postgres".
    const char* name;
    /// An integer member `key` of a JSON object stored as text in `column`; NULL when the
    /// text is not JSON or has no such member.
    std::string (*json_integer)(const std::string& column, const std::string& key);
    /// Appended to the SELECT that picks rows for a claim (`UPDATE t SET claimed_by = ...
    /// WHERE id IN (SELECT id FROM t WHERE ... LIMIT ?<skip_locked>)`): PostgreSQL's
    /// ` FOR UPDATE SKIP LOCKED`, so that processes claiming at once take different rows;
    /// empty on SQLite, whose single writer serialises the claims already.
    const char* skip_locked;
};

const Dialect& sqlite_dialect();
const Dialect& postgres_dialect();

class Database {
  public:
    virtual ~Database() = default;

    /// Runs one statement with bound parameters; returns the number of changed rows.
    virtual int execute(const std::string& sql, const Params& params = {}) = 0;

    /// Like execute(), but the write is not announced on the change feed (PostgreSQL: no
    /// NOTIFY), for bookkeeping other processes need not react to, such as renewing a
    /// lease. SQLite cannot tell writes apart: its data_version changes either way.
    virtual int execute_unannounced(const std::string& sql, const Params& params = {}) {
        return execute(sql, params);
    }

    /// Runs a query and calls `on_row` for each row.
    virtual void query(const std::string& sql, const Params& params,
                       const std::function<void(const Row&)>& on_row) = 0;

    /// Runs a script of several statements without parameters (migrations only).
    virtual void execute_script(const std::string& sql) = 0;

    /// Runs an INSERT into a table whose key is an `id` column and returns the new row's
    /// id, or 0 when nothing was inserted (`ON CONFLICT ... DO NOTHING`). Portable: SQLite
    /// reads the last rowid, PostgreSQL appends `RETURNING id`. Prefer this to
    /// last_insert_id().
    virtual std::int64_t insert(const std::string& sql, const Params& params = {}) = 0;

    /// The id the last INSERT on this connection made (SQLite's rowid; PostgreSQL's
    /// lastval()). Kept for callers not yet using insert().
    virtual std::int64_t last_insert_id() = 0;

    virtual void begin() = 0;
    virtual void commit() = 0;
    virtual void rollback() = 0;
    virtual bool in_transaction() const = 0;

    /// How long the next statement waits for another connection's lock before it fails
    /// with DatabaseBusy: the configured timeout, or a brief wait after a wait has run
    /// out, until a write transaction begins again. 0 when the backend does not wait.
    virtual int busy_wait_ms() const { return 0; }

    /// The change feed: a number that changes whenever another connection (another
    /// process) committed to the database. SQLite: `PRAGMA data_version`; PostgreSQL: the
    /// count of change notifications other sessions sent (`LISTEN twintrack_changes`).
    virtual std::int64_t change_version() = 0;

    /// The few statements that differ between backends.
    virtual const Dialect& dialect() const = 0;

    /// True when several processes use this database at once and each must show people
    /// live what the others did (PostgreSQL): the hub's fan-out (store/fan_out.hpp) is on.
    /// SQLite: false (one `run` process per file), and nothing is fanned out.
    virtual bool shared_by_processes() const { return false; }
    /// Wakes the fan-out readers of the other sessions (PostgreSQL: `NOTIFY
    /// twintrack_fan_out`, sent with the commit inside a transaction). Not part of the
    /// change feed: it makes nobody reload the directory. Nothing on SQLite.
    virtual void announce_fan_out() {}
    /// The fan-out feed: counts the announce_fan_out() of other sessions received so far.
    /// Reads only what the server has pushed already (no round trip), so it may be called
    /// often. Always 0 on SQLite.
    virtual std::int64_t fan_out_version() { return 0; }

    /// Convenience: first column of the first row, if any.
    std::optional<std::int64_t> scalar(const std::string& sql, const Params& params = {});
};

/// Opens (creating when missing) a SQLite database in WAL mode with foreign keys on
/// and a busy timeout. Throws DatabaseError with a user-facing reason.
std::unique_ptr<Database> open_sqlite(const std::string& path, int busy_timeout_ms = 5000);

/// Opens a PostgreSQL database from a `postgres://` or `postgresql://` URL (any libpq
/// URI), with the schema left as it is. Throws DatabaseError naming the server (never the
/// password) and the reason when it cannot connect.
std::unique_ptr<Database> open_postgres(const std::string& url, int lock_timeout_ms = 5000);

/// Commits on commit(); rolls back when destroyed without it. Nested use joins the
/// outer transaction.
class Transaction {
  public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    Database& db_;
    bool owner_;
    bool done_ = false;
};

}  // namespace twintrack::store
