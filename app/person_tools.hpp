#pragma once
// `twintrack person export|erase`: everything stored about one person as JSON, and
// erasing a person (audited). The SQL is in store/person_data, and for the features'
// own tables in their store parts (bot::person_data_parts()).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "store/store.hpp"

namespace twintrack::app {

/// Everything stored about the person with `email`:
/// `{"format", "email", "exported_at", "times", "tables": {KIND: [{COLUMN: VALUE}]}}`.
/// Nothing when nobody (not erased) has that email.
std::optional<nlohmann::json> person_export_json(store::Store& store, const std::string& email,
                                                 std::int64_t now_ms);

struct EraseOutcome {
    std::int64_t person_id = 0;
    std::string label;  ///< the name the person's row carries from now on
    store::EraseCounts counts;
};

/// Erases the person with `email` and records `person.erase` in the audit log (without
/// their name or email), all in one transaction. Nothing when nobody has that email.
std::optional<EraseOutcome> person_erase(store::Store& store, const std::string& email,
                                         std::int64_t now_ms);

}  // namespace twintrack::app
