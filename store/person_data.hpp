#pragma once
// Data governance: everything stored about one person (export), erasing a person (rows
// that only concern them deleted, the rest anonymised, aggregates kept), and retention
// (deleting records older than configured).

#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace twintrack::store {

/// Rows of one table (or view of it) as stored: column names and values.
struct DataTable {
    std::string name;
    std::vector<std::string> columns;
    std::vector<std::vector<Value>> rows;
};

/// A feature's own tables in a person's data (the feature's store part supplies it, the
/// registry collects them: bot::person_data_parts()). Statements with the parameters of
/// PersonData's own lists.
struct PersonDataPart {
    struct Export {
        std::string name;  ///< the kind of record in the export
        std::string sql;   ///< ?1 the person's id
    };
    std::vector<Export> exports;
    /// Rows that only concern the person, deleted on erase (?1 the person's id), before
    /// the store's own list deletes the person's identities.
    std::vector<std::string> deletes;
    /// Texts that are theirs but in rows that keep counting, emptied on erase (?1 the
    /// person's id); counted as scrubbed.
    std::vector<std::string> clears;
    /// Texts that may name anyone: ?1 is replaced by ?2 wherever it occurs.
    std::vector<std::string> scrubs;
    /// Records the daily retention job deletes by age: `kind` names the `retention:`
    /// setting (`channel_messages`: retention.channel_messages_days), `sql` deletes the
    /// rows from before ?1 (UTC milliseconds).
    struct Expiry {
        std::string kind;
        std::string sql;
    };
    std::vector<Expiry> expiries;
};

/// What an erase did.
struct EraseCounts {
    int deleted = 0;   ///< rows removed (identities, dialogs, own messages, preferences...)
    int scrubbed = 0;  ///< rows whose text named the person, rewritten
};

class PersonData {
  public:
    explicit PersonData(Database& db) : db_(db) {}

    /// The person with this email (case-insensitive), erased people excluded.
    std::optional<std::int64_t> find(const std::string& email);

    /// Everything stored about person `id`, whose email and name are given (to find
    /// rows that name them in text): one DataTable per kind of record, in a fixed order,
    /// then those of each of `parts` (the features' own tables), in their order.
    std::vector<DataTable> export_person(std::int64_t id, const std::string& email,
                                         const std::string& name,
                                         const std::vector<PersonDataPart>& parts = {});

    /// Erases person `id` in one transaction: deletes their identities, dialogs, link
    /// codes, channel messages, direct messages to them, calendar busy times, proposals,
    /// report pauses and coffee preferences (and everyone's avoid entries about them);
    /// replaces their email and name in every text that holds them by `label`; keeps
    /// their row (marked erased, with `label` as name) so deals, quotas, reports,
    /// engagements, meetings and activities still count under an anonymous owner. The
    /// statements of `parts` (the features' own tables) run in the same transaction.
    EraseCounts erase_person(std::int64_t id, const std::string& email, const std::string& name,
                             const std::string& label, std::int64_t now_ms,
                             const std::vector<PersonDataPart>& parts = {});

    // --- retention: each deletes records from before `before_ms`, returns how many --------
    /// The features' records of `kind` (PersonDataPart::expiries of `parts`).
    int delete_expired(const std::string& kind, std::int64_t before_ms,
                       const std::vector<PersonDataPart>& parts);
    int delete_audit_log(std::int64_t before_ms);
    /// Link codes, used or not.
    int delete_link_codes(std::int64_t before_ms);

  private:
    Database& db_;
};

}  // namespace twintrack::store
