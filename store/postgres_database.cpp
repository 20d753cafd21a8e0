// store::Database on PostgreSQL through libpq. Every statement is prepared once per
// connection and cached by its SQL text (and the types of its parameters); values travel
// as bound parameters in text form, never inside the SQL.

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "store/database.hpp"
#include "store/store_url.hpp"

namespace twintrack::store {
namespace {

// Type OIDs from PostgreSQL's catalog (pg_type.dat); stable across versions.
constexpr Oid kBool = 16;
constexpr Oid kInt8 = 20;
constexpr Oid kInt2 = 21;
constexpr Oid kInt4 = 23;
constexpr Oid kFloat4 = 700;
constexpr Oid kFloat8 = 701;
constexpr Oid kNumeric = 1700;
constexpr Oid kText = 25;

constexpr const char* kChannel = "twintrack_changes";
constexpr const char* kFanOutChannel = "twintrack_fan_out";

/// Maps a failed result to the DatabaseError subclass callers act on, by SQLSTATE.
[[noreturn]] void pg_throw_for(const std::string& sqlstate, bool connection_lost,
                               const std::string& msg) {
    if (connection_lost || sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" ||
        sqlstate == "57P02" || sqlstate == "57P03" || sqlstate == "58030") {
        throw DatabaseIoError(msg);
    }
    if (sqlstate == "23505") throw UniqueViolation(msg);
    // Serialization failure, deadlock, lock not available (lock_timeout), a statement
    // cancelled by its timeout: another session held what this one needed.
    if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03" || sqlstate == "57014") {
        throw DatabaseBusy(msg);
    }
    // disk_full, insufficient_resources, out_of_memory, too_many_connections is 53300
    // (busy rather than full: it clears when other sessions end).
    if (sqlstate == "53300") throw DatabaseBusy(msg);
    if (sqlstate.rfind("53", 0) == 0) throw DatabaseFull(msg);
    if (sqlstate == "XX001" || sqlstate == "XX002") throw CorruptDatabase(msg);
    throw DatabaseError(msg);
}

std::string trimmed(const char* s) {
    std::string out = s ? s : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

/// `?` and `?NNN` placeholders become `$n` / `$NNN`, outside quotes and comments.
/// Returns the number of parameters the statement takes.
int translate_placeholders(const std::string& in, std::string& out) {
    out.clear();
    out.reserve(in.size() + 8);
    int sequential = 0;
    int highest = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '\'' || c == '"') {
            const std::size_t end = in.find(c, i + 1);
            const std::size_t stop = end == std::string::npos ? in.size() : end + 1;
            out.append(in, i, stop - i);
            i = stop - 1;
        } else if (c == '-' && i + 1 < in.size() && in[i + 1] == '-') {
            const std::size_t end = in.find('\n', i);
            const std::size_t stop = end == std::string::npos ? in.size() : end;
            out.append(in, i, stop - i);
            i = stop - 1;
        } else if (c == '?') {
            std::size_t j = i + 1;
            while (j < in.size() && in[j] >= '0' && in[j] <= '9') ++j;
            int n = 0;
            if (j > i + 1) {
                n = std::atoi(in.substr(i + 1, j - i - 1).c_str());
            } else {
                n = ++sequential;
            }
            if (n > highest) highest = n;
            out += '$';
            out += std::to_string(n);
            i = j - 1;
        } else {
            out += c;
        }
    }
    return highest;
}

class PgRow final : public Row {
  public:
    PgRow(PGresult* r, int row) : r_(r), row_(row) {}
    bool is_null(int col) const override { return PQgetisnull(r_, row_, col) != 0; }
    std::int64_t integer(int col) const override {
        const char* v = PQgetvalue(r_, row_, col);
        if (PQftype(r_, col) == kBool) return v[0] == 't' ? 1 : 0;
        if (std::strpbrk(v, ".eE") != nullptr) {
            return static_cast<std::int64_t>(std::strtod(v, nullptr));
        }
        return std::strtoll(v, nullptr, 10);
    }
    double real(int col) const override {
        if (PQftype(r_, col) == kBool) return integer(col);
        return std::strtod(PQgetvalue(r_, row_, col), nullptr);
    }
    std::string text(int col) const override {
        if (PQftype(r_, col) == kBool) return std::to_string(integer(col));
        return std::string(PQgetvalue(r_, row_, col),
                           static_cast<std::size_t>(PQgetlength(r_, row_, col)));
    }
    int column_count() const override { return PQnfields(r_); }
    std::string column_name(int col) const override {
        const char* name = PQfname(r_, col);
        return name ? name : "";
    }
    Value value(int col) const override {
        if (is_null(col)) return nullptr;
        switch (PQftype(r_, col)) {
            case kBool:
            case kInt2:
            case kInt4:
            case kInt8:
                return integer(col);
            case kFloat4:
            case kFloat8:
                return real(col);
            case kNumeric:
                // Sums of integers come back as numeric; keep them integers.
                if (std::strchr(PQgetvalue(r_, row_, col), '.') == nullptr) return integer(col);
                return real(col);
            default:
                return text(col);
        }
    }

  private:
    PGresult* r_;
    int row_;
};

/// Frees a PGresult when it goes out of scope.
struct Result {
    PGresult* r;
    explicit Result(PGresult* p) : r(p) {}
    ~Result() { PQclear(r); }
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;
};

void ignore_notice(void*, const char*) {}

class PgDatabase final : public Database {
  public:
    PgDatabase(const std::string& url, int lock_timeout_ms)
        : where_(describe_store(url)), lock_timeout_ms_(lock_timeout_ms) {
        conn_ = PQconnectdb(url.c_str());
        if (PQstatus(conn_) != CONNECTION_OK) {
            const std::string msg = trimmed(PQerrorMessage(conn_));
            PQfinish(conn_);
            conn_ = nullptr;
            throw DatabaseIoError("cannot connect to PostgreSQL at " + where_ + ": " + msg);
        }
        try {
            set_up_session();
        } catch (...) {
            PQfinish(conn_);
            conn_ = nullptr;
            throw;
        }
    }

    ~PgDatabase() override {
        if (conn_) PQfinish(conn_);
    }

    int execute(const std::string& sql, const Params& params) override {
        Result res(run(sql, params));
        const char* n = PQcmdTuples(res.r);
        const int changed = n && *n ? std::atoi(n) : 0;
        if (changed > 0 && std::strncmp(PQcmdStatus(res.r), "SELECT", 6) != 0) note_write();
        return changed;
    }

    int execute_unannounced(const std::string& sql, const Params& params) override {
        Result res(run(sql, params));
        const char* n = PQcmdTuples(res.r);
        return n && *n ? std::atoi(n) : 0;
    }

    void query(const std::string& sql, const Params& params,
               const std::function<void(const Row&)>& on_row) override {
        Result res(run(sql, params));
        const int rows = PQntuples(res.r);
        for (int i = 0; i < rows; ++i) on_row(PgRow(res.r, i));
        const char* n = PQcmdTuples(res.r);
        // INSERT/UPDATE ... RETURNING read through query() are writes too.
        if (n && *n && PQresultStatus(res.r) == PGRES_TUPLES_OK &&
            std::strncmp(PQcmdStatus(res.r), "SELECT", 6) != 0 && std::atoi(n) > 0) {
            note_write();
        }
    }

    void execute_script(const std::string& sql) override {
        ensure_connected();
        Result res(PQexec(conn_, sql.c_str()));
        check(res.r, "SQL failed");
        note_write();
    }

    std::int64_t insert(const std::string& sql, const Params& params) override {
        std::int64_t id = 0;
        query(sql + " RETURNING id", params, [&](const Row& r) { id = r.integer(0); });
        return id;
    }

    std::int64_t last_insert_id() override { return scalar("SELECT lastval()").value_or(0); }

    void begin() override {
        simple("BEGIN");
        tx_open_ = true;
        dirty_ = false;
        fan_out_dirty_ = false;
    }
    void commit() override {
        // The notification goes out with the commit, and only if it commits.
        std::string sql = dirty_ ? "NOTIFY twintrack_changes; " : "";
        if (fan_out_dirty_) sql += "NOTIFY twintrack_fan_out; ";
        sql += "COMMIT";
        Result res(PQexec(conn_, sql.c_str()));
        tx_open_ = false;
        dirty_ = false;
        fan_out_dirty_ = false;
        check(res.r, "COMMIT failed");
        if (std::strcmp(PQcmdStatus(res.r), "ROLLBACK") == 0) {
            throw DatabaseError("the transaction was rolled back after an earlier error");
        }
    }
    void rollback() override {
        const bool open = tx_open_;
        tx_open_ = false;
        dirty_ = false;
        fan_out_dirty_ = false;
        // A lost connection took its transaction with it.
        if (open && PQstatus(conn_) == CONNECTION_OK) simple("ROLLBACK");
    }
    bool in_transaction() const override { return tx_open_; }

    int busy_wait_ms() const override { return lock_timeout_ms_; }

    std::int64_t change_version() override {
        if (PQstatus(conn_) != CONNECTION_OK) return changes_;
        if (!tx_open_) {
            // One round trip: the server hands over the notifications of every commit
            // that finished before it, ahead of the answer. So whatever another session
            // committed before this call is seen by it, as with SQLite's data_version.
            Result res(PQexec(conn_, ""));
        }
        PQconsumeInput(conn_);
        drain_notifications();
        return changes_;
    }

    const Dialect& dialect() const override { return postgres_dialect(); }

    bool shared_by_processes() const override { return true; }

    void announce_fan_out() override {
        if (tx_open_) {
            fan_out_dirty_ = true;
        } else {
            simple(std::string("NOTIFY ") + kFanOutChannel);
        }
    }

    std::int64_t fan_out_version() override {
        if (PQstatus(conn_) != CONNECTION_OK) return fan_outs_;
        // The server pushes notifications to an idle session as they come: reading what
        // has arrived on the socket is enough (and costs no round trip).
        PQconsumeInput(conn_);
        drain_notifications();
        return fan_outs_;
    }

  private:
    void set_up_session() {
        PQsetNoticeProcessor(conn_, &ignore_notice, nullptr);
        cache_.clear();
        simple("SET lock_timeout = " + std::to_string(lock_timeout_ms_));
        simple(std::string("LISTEN ") + kChannel);
        simple(std::string("LISTEN ") + kFanOutChannel);
    }

    /// After the server went away, the next statement outside a transaction reconnects
    /// (statements prepared on the old connection are gone with it).
    void ensure_connected() {
        if (PQstatus(conn_) == CONNECTION_OK) return;
        if (tx_open_) {
            // Reconnecting would drop what the transaction wrote so far and commit the rest.
            throw DatabaseIoError("lost the connection to PostgreSQL at " + where_ +
                                  " during a transaction");
        }
        PQreset(conn_);
        if (PQstatus(conn_) != CONNECTION_OK) {
            throw DatabaseIoError("lost the connection to PostgreSQL at " + where_ + ": " +
                                  trimmed(PQerrorMessage(conn_)));
        }
        set_up_session();
        ++changes_;  // anything may have changed meanwhile
        ++fan_outs_;
    }

    void simple(const std::string& sql) {
        ensure_connected();
        Result res(PQexec(conn_, sql.c_str()));
        check(res.r, sql + " failed");
    }

    void note_write() {
        if (tx_open_) {
            dirty_ = true;
        } else {
            Result res(PQexec(conn_, "NOTIFY twintrack_changes"));
            check(res.r, "NOTIFY failed");
        }
    }

    void drain_notifications() {
        const int self = PQbackendPID(conn_);
        while (PGnotify* n = PQnotifies(conn_)) {
            if (n->be_pid != self) {
                if (std::strcmp(n->relname, kFanOutChannel) == 0) {
                    ++fan_outs_;
                } else {
                    ++changes_;
                }
            }
            PQfreemem(n);
        }
    }

    void check(PGresult* res, const std::string& what) {
        const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ||
            status == PGRES_EMPTY_QUERY) {
            return;
        }
        const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
        const std::string msg =
            what + ": " + trimmed(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
        pg_throw_for(state ? state : "", PQstatus(conn_) != CONNECTION_OK, msg);
    }

    PGresult* run(const std::string& sql, const Params& params) {
        ensure_connected();
        std::string key = sql;
        key += '\x1f';
        std::vector<Oid> types(params.size(), 0);
        for (std::size_t i = 0; i < params.size(); ++i) {
            const Value& v = params[i];
            if (std::holds_alternative<std::int64_t>(v)) {
                types[i] = kInt8;
            } else if (std::holds_alternative<double>(v)) {
                types[i] = kFloat8;
            }
            // Text goes in untyped, so that the server takes the type from where it is used
            // (CITEXT columns compare without case); see prepare(). So does NULL, which
            // therefore shares text's statement (its prepared types are the same).
            key += std::to_string(types[i]);
            key += types[i] == 0 ? "t," : ",";
        }
        auto it = cache_.find(key);
        if (it == cache_.end()) {
            std::string translated;
            const int wanted = translate_placeholders(sql, translated);
            if (wanted != static_cast<int>(params.size())) {
                throw DatabaseError("SQL expects " + std::to_string(wanted) + " parameters, got " +
                                    std::to_string(params.size()));
            }
            const std::string name = "s" + std::to_string(++statements_);
            Result res(PQprepare(conn_, name.c_str(), translated.c_str(),
                                 static_cast<int>(params.size()),
                                 types.empty() ? nullptr : types.data()));
            const char* state = PQresultErrorField(res.r, PG_DIAG_SQLSTATE);
            if (state && (std::strcmp(state, "42P18") == 0 || std::strcmp(state, "42725") == 0 ||
                          std::strcmp(state, "42883") == 0)) {
                // Where the server cannot tell a text parameter's type (`? IS NULL`,
                // `coalesce(?, ...)`), say it is TEXT.
                for (std::size_t i = 0; i < params.size(); ++i) {
                    if (std::holds_alternative<std::string>(params[i])) types[i] = kText;
                }
                Result again(PQprepare(conn_, name.c_str(), translated.c_str(),
                                       static_cast<int>(params.size()), types.data()));
                check(again.r, "SQL prepare failed for [" + sql + "]");
            } else {
                check(res.r, "SQL prepare failed for [" + sql + "]");
            }
            it = cache_.emplace(std::move(key), name).first;
        }
        std::vector<std::string> texts(params.size());
        std::vector<const char*> values(params.size(), nullptr);
        for (std::size_t i = 0; i < params.size(); ++i) {
            const Value& v = params[i];
            if (auto* n = std::get_if<std::int64_t>(&v)) {
                texts[i] = std::to_string(*n);
            } else if (auto* d = std::get_if<double>(&v)) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%.17g", *d);
                texts[i] = buf;
            } else if (auto* s = std::get_if<std::string>(&v)) {
                texts[i] = *s;
            } else {
                continue;  // NULL
            }
            values[i] = texts[i].c_str();
        }
        PGresult* res =
            PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                           values.empty() ? nullptr : values.data(), nullptr, nullptr, 0);
        try {
            check(res, "SQL failed");
        } catch (...) {
            PQclear(res);
            throw;
        }
        return res;
    }

    PGconn* conn_ = nullptr;
    std::string where_;  // the server and database, without the password, for errors
    int lock_timeout_ms_;
    bool tx_open_ = false;
    bool dirty_ = false;
    bool fan_out_dirty_ = false;  // announce_fan_out() inside the open transaction
    std::int64_t changes_ = 0;
    std::int64_t fan_outs_ = 0;  // fan-out notifications of other sessions
    int statements_ = 0;
    std::unordered_map<std::string, std::string> cache_;  // SQL and types -> statement name
};

std::string postgres_json_integer(const std::string& column, const std::string& key) {
    return "tt_json_integer(" + column + ", '" + key + "')";
}

}  // namespace

const Dialect& postgres_dialect() {
    static const Dialect d{"postgres", &postgres_json_integer, " FOR UPDATE SKIP LOCKED"};
    return d;
}

std::unique_ptr<Database> open_postgres(const std::string& url, int lock_timeout_ms) {
    return std::make_unique<PgDatabase>(url, lock_timeout_ms);
}

}  // namespace twintrack::store
