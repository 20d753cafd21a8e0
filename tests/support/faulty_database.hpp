#pragma once
// A Database that fails on demand, for tests of what a busy, full or broken store does
// to the bot. It passes everything through to a real database until told to fail. The
// test thread sets faults while the engine thread runs statements: the fault settings are
// behind a mutex.

#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "store/database.hpp"

namespace twintrack::testing {

class FaultyDatabase final : public store::Database {
  public:
    enum class Fault { none, busy, full, io };

    explicit FaultyDatabase(std::unique_ptr<store::Database> inner) : inner_(std::move(inner)) {}

    /// From now on, statements fail with `fault`: only those whose SQL contains
    /// `sql_part` when it is given; reads too when `reads` (busy and full never hit reads
    /// in WAL mode, an I/O error may). `times` < 0 means until cleared.
    void fail(Fault fault, std::string sql_part = {}, bool reads = false, int times = -1) {
        std::lock_guard<std::mutex> lock(mu_);
        fault_ = fault;
        sql_part_ = std::move(sql_part);
        reads_ = reads;
        times_ = times;
    }
    void clear() {
        std::lock_guard<std::mutex> lock(mu_);
        fault_ = Fault::none;
    }
    /// Statements refused so far.
    int failures() const {
        std::lock_guard<std::mutex> lock(mu_);
        return failures_;
    }

    int execute(const std::string& sql, const store::Params& params) override {
        maybe_fail(sql, false);
        return inner_->execute(sql, params);
    }
    void query(const std::string& sql, const store::Params& params,
               const std::function<void(const store::Row&)>& on_row) override {
        maybe_fail(sql, true);
        inner_->query(sql, params, on_row);
    }
    void execute_script(const std::string& sql) override {
        maybe_fail(sql, false);
        inner_->execute_script(sql);
    }
    std::int64_t insert(const std::string& sql, const store::Params& params) override {
        maybe_fail(sql, false);
        return inner_->insert(sql, params);
    }
    std::int64_t last_insert_id() override { return inner_->last_insert_id(); }
    std::int64_t change_version() override { return inner_->change_version(); }
    const store::Dialect& dialect() const override { return inner_->dialect(); }
    void begin() override {
        maybe_fail("BEGIN", false);
        inner_->begin();
    }
    void commit() override {
        maybe_fail("COMMIT", false);
        inner_->commit();
    }
    void rollback() override { inner_->rollback(); }
    bool in_transaction() const override { return inner_->in_transaction(); }
    int busy_wait_ms() const override { return inner_->busy_wait_ms(); }

  private:
    void maybe_fail(const std::string& sql, bool read) {
        std::lock_guard<std::mutex> lock(mu_);
        if (fault_ == Fault::none || times_ == 0) return;
        if (read && !reads_) return;
        if (!sql_part_.empty() && sql.find(sql_part_) == std::string::npos) return;
        if (times_ > 0) --times_;
        ++failures_;
        switch (fault_) {
            case Fault::busy:
                throw store::DatabaseBusy("database is locked (injected)");
            case Fault::full:
                throw store::DatabaseFull("database or disk is full (injected)");
            case Fault::io:
                throw store::DatabaseIoError("disk I/O error (injected)");
            case Fault::none:
                break;
        }
    }

    std::unique_ptr<store::Database> inner_;
    mutable std::mutex mu_;  // the fault settings and the count below
    Fault fault_ = Fault::none;
    std::string sql_part_;
    bool reads_ = false;
    int times_ = -1;
    int failures_ = 0;
};

}  // namespace twintrack::testing
