#pragma once
// Retention: a daily job (`retention.daily`) deletes channel messages, field reports and
// audit rows older than the `retention:` config says, spent link codes, and the hub's
// ended sessions, expired sign-in links and sign-in requests past the rate-limit window.
// It runs whatever else is configured. Records of a feature's own tables go by the
// statements of its part of a person's data (store::PersonDataPart::expiries).

#include <vector>

#include "store/person_data.hpp"

namespace twintrack::bot {

class Engine;

/// Registers the job and schedules it: now (once a day) and a day later. `parts`: the
/// features' parts of a person's data (bot::person_data_parts()).
void register_retention(Engine& engine, std::vector<store::PersonDataPart> parts);

}  // namespace twintrack::bot
