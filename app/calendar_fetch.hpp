#pragma once
// Fetching calendars for `calendar import URL` (the bot itself has no network code):
// http and https only, never an internal address unless the config allows it, on worker
// threads so the engine keeps answering while a server is slow.

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bot/settings.hpp"

struct sockaddr;

namespace twintrack::app {

/// An IPv4 or IPv6 address as bytes (IPv4 uses the first 4).
struct IpAddress {
    bool v6 = false;
    std::array<unsigned char, 16> bytes{};

    /// "127.0.0.1", "::1", "[fe80::1]"; nothing when it is not an address.
    static std::optional<IpAddress> parse(const std::string& text);
    /// From a socket address (AF_INET or AF_INET6); nothing for other families.
    static std::optional<IpAddress> from(const sockaddr* address);
    /// As written in a URL: "127.0.0.1", "[::1]".
    std::string literal() const;
};

/// Loopback, link-local (with the cloud metadata address), private, shared (100.64/10),
/// unspecified, multicast, reserved and documentation ranges, also IPv4 written inside
/// IPv6 (::ffff:a.b.c.d, 64:ff9b::a.b.c.d, ::a.b.c.d). The server never fetches these
/// unless `meetings.calendar_url_allow` lists them.
bool is_internal_address(const IpAddress& address);

/// What `meetings.calendar_url_allow` lists: host names (matched exactly, case does not
/// matter) and addresses or networks ("127.0.0.1", "10.20.0.0/16", "fd00::/8").
class CalendarUrlPolicy {
  public:
    /// Reads the list; nothing with `error` naming the first entry that is neither a
    /// host name nor an address or network.
    static std::optional<CalendarUrlPolicy> parse(const std::vector<std::string>& allow,
                                                  std::string& error);

    /// The URL's host is listed by name: every address it resolves to may be used.
    bool host_listed(const std::string& host) const;
    /// A resolved address may be connected to: it is public, or a listed network holds it.
    bool address_allowed(const IpAddress& address) const;

  private:
    struct Network {
        IpAddress base;
        int prefix = 0;
    };
    std::vector<std::string> hosts_;
    std::vector<Network> networks_;
};

/// GETs `url` on this thread: http or https only, at most 3 redirects (each checked like
/// the first URL), no proxy, 10 s in all, at most 4 MiB. The host is resolved here and
/// every address is checked against `policy` before the connector runtime connects to a
/// checked one (the Host header and TLS name stay the URL's host). Remote statuses and errors are
/// logged (host only, never the path or query, which may hold a calendar's secret), not returned.
/// `cancel` set by another thread makes a transfer stop soon.
bot::CalendarFetchResult fetch_calendar(const std::string& url, const CalendarUrlPolicy& policy,
                                        const std::atomic<bool>* cancel = nullptr);

/// Fetches calendars on a few worker threads, so the engine thread never waits for the
/// network. Must outlive every fetcher() it hands out being called; destroy it after the
/// engine thread stopped and before the engine itself.
class CalendarFetchService {
  public:
    explicit CalendarFetchService(CalendarUrlPolicy policy, std::size_t workers = 2,
                                  std::size_t max_waiting = 16);
    /// Cancels running fetches, drops waiting ones (their `done` is not called), joins.
    ~CalendarFetchService();
    CalendarFetchService(const CalendarFetchService&) = delete;
    CalendarFetchService& operator=(const CalendarFetchService&) = delete;

    /// Queues a fetch; `done` runs on a worker thread (or at once with `busy` when too
    /// many fetches wait).
    void fetch(const std::string& url, std::function<void(bot::CalendarFetchResult)> done);
    /// This service as the bot's fetcher.
    bot::CalendarFetcher fetcher();

  private:
    struct Request {
        std::string url;
        std::function<void(bot::CalendarFetchResult)> done;
    };
    void work();

    CalendarUrlPolicy policy_;
    std::size_t max_waiting_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Request> waiting_;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> workers_;
};

}  // namespace twintrack::app
