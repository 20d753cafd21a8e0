#include <sqlite3.h>

#include <algorithm>
#include <unordered_map>

#include "store/database.hpp"

namespace twintrack::store {
namespace {

[[noreturn]] void throw_for(int primary, const std::string& msg) {
    switch (primary) {
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
            throw CorruptDatabase(msg);
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            throw DatabaseBusy(msg);
        case SQLITE_FULL:
            throw DatabaseFull(msg);
        case SQLITE_IOERR:
            throw DatabaseIoError(msg);
        default:
            throw DatabaseError(msg);
    }
}

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what) {
    const std::string msg = what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    const int primary = rc & 0xFF;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        throw UniqueViolation(msg);
    }
    throw_for(primary, msg);
}

class SqliteRow final : public Row {
  public:
    explicit SqliteRow(sqlite3_stmt* s) : s_(s) {}
    bool is_null(int col) const override { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
    std::int64_t integer(int col) const override { return sqlite3_column_int64(s_, col); }
    double real(int col) const override { return sqlite3_column_double(s_, col); }
    std::string text(int col) const override {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
                 : std::string();
    }
    int column_count() const override { return sqlite3_column_count(s_); }
    std::string column_name(int col) const override {
        const char* name = sqlite3_column_name(s_, col);
        return name ? name : "";
    }
    Value value(int col) const override {
        switch (sqlite3_column_type(s_, col)) {
            case SQLITE_NULL:
                return nullptr;
            case SQLITE_INTEGER:
                return integer(col);
            case SQLITE_FLOAT:
                return real(col);
            default:
                return text(col);
        }
    }

  private:
    sqlite3_stmt* s_;
};

class SqliteDatabase final : public Database {
  public:
    SqliteDatabase(const std::string& path, int busy_timeout_ms)
        : busy_timeout_ms_(busy_timeout_ms), busy_wait_ms_(busy_timeout_ms) {
        const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                           SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                                       nullptr);
        if (rc != SQLITE_OK) {
            const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close(db_);
            db_ = nullptr;
            throw DatabaseError("cannot open database " + path + ": " + msg);
        }
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, busy_timeout_ms);
        try {
            // Reading the schema is the first thing that notices a file that is not a
            // database, so do it before anything else.
            execute_script("SELECT count(*) FROM sqlite_master;");
            execute_script(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
            // A read-only file opens fine and fails on the first write; find out now.
            execute_script("BEGIN IMMEDIATE; COMMIT;");
        } catch (const DatabaseError& e) {
            finalize_all();
            sqlite3_close(db_);
            db_ = nullptr;
            const std::string what = e.what();
            if (dynamic_cast<const CorruptDatabase*>(&e)) {
                throw CorruptDatabase("cannot use database " + path + ": " + what);
            }
            throw DatabaseError("cannot use database " + path + ": " + what);
        }
    }

    ~SqliteDatabase() override {
        finalize_all();
        if (db_) sqlite3_close(db_);
    }

    int execute(const std::string& sql, const Params& params) override {
        sqlite3_stmt* s = prepare(sql, params);
        for (;;) {
            const int rc = sqlite3_step(s);
            if (rc == SQLITE_ROW) continue;
            if (rc == SQLITE_DONE) break;
            sqlite3_reset(s);
            note_failure(rc);
            fail(db_, rc, "SQL failed");
        }
        sqlite3_reset(s);
        return sqlite3_changes(db_);
    }

    void query(const std::string& sql, const Params& params,
               const std::function<void(const Row&)>& on_row) override {
        sqlite3_stmt* s = prepare(sql, params);
        SqliteRow row(s);
        try {
            for (;;) {
                const int rc = sqlite3_step(s);
                if (rc == SQLITE_ROW) {
                    on_row(row);
                    continue;
                }
                if (rc == SQLITE_DONE) break;
                note_failure(rc);
                fail(db_, rc, "SQL query failed");
            }
        } catch (...) {
            sqlite3_reset(s);
            throw;
        }
        sqlite3_reset(s);
    }

    void execute_script(const std::string& sql) override {
        char* err = nullptr;
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
        if (rc != SQLITE_OK) {
            const std::string msg = err ? err : sqlite3_errstr(rc);
            sqlite3_free(err);
            note_failure(rc);
            throw_for(rc & 0xFF, msg);
        }
    }

    std::int64_t last_insert_id() override { return sqlite3_last_insert_rowid(db_); }

    std::int64_t insert(const std::string& sql, const Params& params) override {
        return execute(sql, params) > 0 ? sqlite3_last_insert_rowid(db_) : 0;
    }

    std::int64_t change_version() override { return scalar("PRAGMA data_version").value_or(0); }

    const Dialect& dialect() const override { return sqlite_dialect(); }

    void begin() override {
        execute_script("BEGIN IMMEDIATE");
        // The write lock was free: waits go back to the configured length.
        set_busy_wait(busy_timeout_ms_);
    }
    void commit() override { execute_script("COMMIT"); }
    void rollback() override {
        if (!sqlite3_get_autocommit(db_)) execute_script("ROLLBACK");
    }
    bool in_transaction() const override { return !sqlite3_get_autocommit(db_); }

    int busy_wait_ms() const override { return busy_wait_ms_; }

  private:
    /// Once a wait for another connection's lock has run out, that connection is known
    /// to hold the database for long (an import, a console session). Until a write lock
    /// is had again, later attempts wait only briefly, so that each retry does not stall
    /// the caller's thread for the whole timeout while the outcome is the same.
    void note_failure(int rc) {
        const int primary = rc & 0xFF;
        if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
            set_busy_wait(std::min(busy_timeout_ms_, kBriefBusyWaitMs));
        }
    }

    void set_busy_wait(int ms) {
        if (ms == busy_wait_ms_) return;
        sqlite3_busy_timeout(db_, ms);
        busy_wait_ms_ = ms;
    }

    static constexpr int kBriefBusyWaitMs = 200;
    sqlite3_stmt* prepare(const std::string& sql, const Params& params) {
        auto it = cache_.find(sql);
        sqlite3_stmt* s = nullptr;
        if (it == cache_.end()) {
            const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                              SQLITE_PREPARE_PERSISTENT, &s, nullptr);
            if (rc != SQLITE_OK) fail(db_, rc, "SQL prepare failed for [" + sql + "]");
            cache_.emplace(sql, s);
        } else {
            s = it->second;
        }
        sqlite3_clear_bindings(s);
        if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(s)) {
            throw DatabaseError("SQL expects " + std::to_string(sqlite3_bind_parameter_count(s)) +
                                " parameters, got " + std::to_string(params.size()));
        }
        for (std::size_t i = 0; i < params.size(); ++i) {
            const int idx = static_cast<int>(i) + 1;
            int rc = SQLITE_OK;
            const Value& v = params[i];
            if (std::holds_alternative<std::nullptr_t>(v)) {
                rc = sqlite3_bind_null(s, idx);
            } else if (auto* n = std::get_if<std::int64_t>(&v)) {
                rc = sqlite3_bind_int64(s, idx, *n);
            } else if (auto* d = std::get_if<double>(&v)) {
                rc = sqlite3_bind_double(s, idx, *d);
            } else {
                const auto& t = std::get<std::string>(v);
                rc = sqlite3_bind_text(s, idx, t.data(), static_cast<int>(t.size()),
                                       SQLITE_TRANSIENT);
            }
            if (rc != SQLITE_OK) fail(db_, rc, "SQL bind failed");
        }
        return s;
    }

    void finalize_all() {
        for (auto& [_, s] : cache_) sqlite3_finalize(s);
        cache_.clear();
    }

    sqlite3* db_ = nullptr;
    int busy_timeout_ms_;
    int busy_wait_ms_;
    std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

std::string sqlite_json_integer(const std::string& column, const std::string& key) {
    return "(CASE WHEN json_valid(" + column + ") THEN json_extract(" + column + ", '$." + key +
           "') END)";
}

}  // namespace

const Dialect& sqlite_dialect() {
    static const Dialect d{"sqlite", &sqlite_json_integer, ""};
    return d;
}

std::unique_ptr<Database> open_sqlite(const std::string& path, int busy_timeout_ms) {
    return std::make_unique<SqliteDatabase>(path, busy_timeout_ms);
}

const char* error_kind(const DatabaseError& e) {
    if (dynamic_cast<const DatabaseBusy*>(&e)) return "busy";
    if (dynamic_cast<const DatabaseFull*>(&e)) return "full";
    if (dynamic_cast<const DatabaseIoError*>(&e)) return "io";
    if (dynamic_cast<const CorruptDatabase*>(&e)) return "corrupt";
    if (dynamic_cast<const UniqueViolation*>(&e)) return "unique";
    return "other";
}

bool is_transient(const DatabaseError& e) {
    return dynamic_cast<const DatabaseBusy*>(&e) != nullptr ||
           dynamic_cast<const DatabaseFull*>(&e) != nullptr ||
           dynamic_cast<const DatabaseIoError*>(&e) != nullptr;
}

Transaction::Transaction(Database& db) : db_(db), owner_(!db.in_transaction()) {
    if (owner_) db_.begin();
}

Transaction::~Transaction() {
    if (owner_ && !done_) {
        try {
            db_.rollback();
        } catch (...) {
        }
    }
}

void Transaction::commit() {
    if (owner_ && !done_) db_.commit();
    done_ = true;
}

}  // namespace twintrack::store
