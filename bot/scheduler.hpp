#pragma once
// Time-based work as rows in the store: due and missed jobs run once, each in its own
// transaction; a failed job is retried with backoff, then given up and logged.

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/types.hpp"

namespace twintrack::bot {

class Turn;

class Scheduler {
  public:
    using Handler = std::function<void(Turn&, const nlohmann::json& payload)>;

    /// Registers the handler for a job kind.
    void on(const std::string& kind, Handler handler);

    /// Schedules a job unless one with `key` exists (in the turn's transaction).
    void schedule(Turn& turn, const std::string& kind, const std::string& key, core::Timestamp due,
                  const nlohmann::json& payload);

    const Handler* handler(const std::string& kind) const;

  private:
    std::map<std::string, Handler> handlers_;
};

}  // namespace twintrack::bot
