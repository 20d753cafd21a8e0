#pragma once
// Retention: a daily job (`retention.daily`) deletes channel messages, field reports and
// audit rows older than the `retention:` config says, spent link codes, and the hub's
// ended sessions, expired sign-in links and sign-in requests past the rate-limit window.
// It runs whatever else is configured.

namespace twintrack::bot {

class Engine;

/// Registers the job and schedules it: now (once a day) and a day later.
void register_retention(Engine& engine);

}  // namespace twintrack::bot
