#pragma once
// Fetching a calendar from a URL for a feature (`calendar import URL`). bot/ has no network
// code: the program offers a CalendarFetcher on each engine (Engine::services()); with
// none offered, URLs are refused.

#include <functional>
#include <string>
#include <vector>

namespace twintrack::bot {

/// What fetching a calendar came to. The user is told which kind of failure, never the
/// remote server's status or answer (those are logged).
struct CalendarFetchResult {
    enum class Outcome {
        ok,       ///< `body` holds what the server sent
        refused,  ///< the URL or a redirect leads to an internal address not allowed
        too_big,  ///< more than 4 MiB
        failed,   ///< network error, timeout, an error status or a bad URL
        busy      ///< too many fetches at once
    };
    Outcome outcome = Outcome::failed;
    std::string body;
};

class CalendarFetcher {
  public:
    virtual ~CalendarFetcher() = default;
    /// Fetches `url` off the engine thread and calls `done` exactly once with the result,
    /// usually from another thread (so `done` only queues work for the engine). Internal
    /// addresses are reached only where `allow` (host names, addresses or networks, as
    /// core::AddressAllowList reads them) lists them.
    virtual void fetch(const std::string& url, const std::vector<std::string>& allow,
                       std::function<void(CalendarFetchResult)> done) = 0;
};

}  // namespace twintrack::bot
