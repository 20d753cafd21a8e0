#pragma once
// `twintrack import people FILE.csv`: header
// name,email,department,role,timezone,locale,working_hours,identities
// Every row is checked first; errors name their line; nothing is written unless all rows
// are good. Rows update the person with the same email.

#include <istream>
#include <string>
#include <vector>

#include "bot/prompts.hpp"
#include "store/store.hpp"

namespace twintrack::bot {

struct ImportOutcome {
    int added = 0;
    int updated = 0;
    std::vector<std::string> errors;  ///< rendered in the requested locale, with lines
    bool ok() const { return errors.empty(); }
};

ImportOutcome import_people_csv(std::istream& in, store::Store& store, const Prompts& prompts,
                                const std::string& locale, std::int64_t now_ms);

}  // namespace twintrack::bot
