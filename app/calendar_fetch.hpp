#pragma once
// Fetching calendars for `calendar import URL` (the bot itself has no network code):
// http and https only, never an internal address unless the config allows it, on worker
// threads so the engine keeps answering while a server is slow.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bot/calendar_fetcher.hpp"
#include "core/ip_address.hpp"

namespace twintrack::app {

/// The address helpers, as this file's users know them (core/ip_address.hpp).
using core::IpAddress;
using core::is_internal_address;
using CalendarUrlPolicy = core::AddressAllowList;

/// GETs `url` on this thread: http or https only, at most 3 redirects (each checked like
/// the first URL), no proxy, 10 s in all, at most 4 MiB. The host is resolved here and
/// every address is checked against `policy` before the connector runtime connects to a
/// checked one (the Host header and TLS name stay the URL's host). Remote statuses and errors are
/// logged (host only, never the path or query, which may hold a calendar's secret), not returned.
/// `cancel` set by another thread makes a transfer stop soon.
bot::CalendarFetchResult fetch_calendar(const std::string& url, const CalendarUrlPolicy& policy,
                                        const std::atomic<bool>* cancel = nullptr);

/// Fetches calendars on a few worker threads (started at the first fetch), so the engine
/// thread never waits for the network. Must outlive every fetcher() it hands out being
/// called; destroy it after the engine thread stopped and before the engine itself.
class CalendarFetchService {
  public:
    /// `policy`: what fetch(url, done) may reach.
    explicit CalendarFetchService(CalendarUrlPolicy policy = CalendarUrlPolicy(),
                                  std::size_t workers = 2, std::size_t max_waiting = 16);
    /// Cancels running fetches, drops waiting ones (their `done` is not called), joins.
    ~CalendarFetchService();
    CalendarFetchService(const CalendarFetchService&) = delete;
    CalendarFetchService& operator=(const CalendarFetchService&) = delete;

    /// Queues a fetch; `done` runs on a worker thread (or at once with `busy` when too
    /// many fetches wait).
    void fetch(const std::string& url, std::function<void(bot::CalendarFetchResult)> done);
    /// The same under another policy.
    void fetch(const std::string& url, CalendarUrlPolicy policy,
               std::function<void(bot::CalendarFetchResult)> done);
    /// This service as the bot's fetcher (offered on the engine, Engine::services()): each
    /// fetch under the allow list the feature passes.
    std::shared_ptr<bot::CalendarFetcher> fetcher();

  private:
    struct Request {
        std::string url;
        CalendarUrlPolicy policy;
        std::function<void(bot::CalendarFetchResult)> done;
    };
    void work();

    CalendarUrlPolicy policy_;
    std::size_t worker_count_;
    std::size_t max_waiting_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Request> waiting_;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> workers_;
};

}  // namespace twintrack::app
