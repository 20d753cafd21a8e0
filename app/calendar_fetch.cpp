#include "app/calendar_fetch.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>

#include "connectors/runtime/http_client.hpp"
#include "core/text.hpp"

namespace twintrack::app {
namespace {

using Outcome = bot::CalendarFetchResult::Outcome;

constexpr std::size_t max_body = 4 * 1024 * 1024;
constexpr int max_redirects = 3;
constexpr long long total_timeout_ms = 10000;

// Every address `host` resolves to (a literal is itself), as the system resolver sees it.
bool resolve(const std::string& host, int port, std::vector<IpAddress>& out) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list) != 0) {
        return false;
    }
    for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
        if (auto ip = IpAddress::from(a->ai_addr)) {
            if (std::find_if(out.begin(), out.end(), [&](const IpAddress& seen) {
                    return seen.v6 == ip->v6 && seen.bytes == ip->bytes;
                }) == out.end()) {
                out.push_back(*ip);
            }
        }
    }
    ::freeaddrinfo(list);
    return !out.empty();
}

// A Location header made absolute against the URL that answered it.
std::string resolve_location(const std::string& base, const std::string& location) {
    if (location.find("://") != std::string::npos) return location;
    const auto scheme_end = base.find("://");
    if (location.rfind("//", 0) == 0) return base.substr(0, scheme_end + 1) + location;
    const auto path_start = base.find('/', scheme_end + 3);
    const std::string origin = path_start == std::string::npos ? base : base.substr(0, path_start);
    if (!location.empty() && location.front() == '/') return origin + location;
    std::string path = path_start == std::string::npos ? "/" : base.substr(path_start);
    path = path.substr(0, path.find_first_of("?#"));
    return origin + path.substr(0, path.rfind('/') + 1) + location;
}

}  // namespace

bot::CalendarFetchResult fetch_calendar(const std::string& first_url,
                                        const CalendarUrlPolicy& policy,
                                        const std::atomic<bool>* cancel) {
    bot::CalendarFetchResult result;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(total_timeout_ms);
    // No proxy: a proxy would reach what is refused here.
    connectors::runtime::HttpClient client({"none", ""}, [](std::function<void()> f) { f(); });
    std::string url = first_url;
    for (int hop = 0; hop <= max_redirects; ++hop) {
        std::string scheme, host;
        int port = 0;
        if (!connectors::runtime::parse_http_url(url, scheme, host, port)) {
            spdlog::warn("calendar fetch: {} is not an http or https URL{}",
                         hop == 0 ? "the address given" : "a redirect",
                         hop == 0 ? "" : " (not followed)");
            return result;
        }
        // Resolved and checked here; the connection goes to a checked address only.
        std::vector<IpAddress> candidates;
        bool refused = false;
        if (!resolve(host, port, candidates)) {
            spdlog::warn("calendar fetch from {} failed: the name does not resolve", host);
            return result;
        }
        const bool listed = policy.host_listed(host);
        std::vector<IpAddress> allowed;
        for (const auto& a : candidates) {
            if (listed || policy.address_allowed(a)) {
                allowed.push_back(a);
            } else {
                refused = true;
            }
        }
        if (allowed.empty()) {
            spdlog::warn(
                "calendar fetch from {} refused: an internal address not listed "
                "in meetings.calendar_url_allow",
                host);
            result.outcome = Outcome::refused;
            return result;
        }
        connectors::runtime::Result answer;
        for (const auto& address : allowed) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                spdlog::warn("calendar fetch from {}: timed out", host);
                return result;
            }
            connectors::runtime::Request request;
            request.url = url;
            request.connect_to = address.literal();
            request.timeout = left;
            request.max_body = max_body;
            request.headers = {{"User-Agent", "TwinTrack calendar import"}};
            auto promise = std::make_shared<std::promise<connectors::runtime::Result>>();
            auto future = promise->get_future();
            client.send(std::move(request), [promise](connectors::runtime::Result r) {
                promise->set_value(std::move(r));
            });
            while (future.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
                if (cancel != nullptr && cancel->load()) return result;  // shutdown cancels
                if (std::chrono::steady_clock::now() > deadline + std::chrono::seconds(2)) {
                    spdlog::warn("calendar fetch from {}: timed out", host);
                    return result;
                }
            }
            answer = future.get();
            // Another address of the name is tried only when this one did not connect.
            if (answer.status != 0 || answer.too_big ||
                answer.kind == connectors::runtime::Result::Kind::timeout) {
                break;
            }
        }
        (void)refused;
        if (answer.too_big) {
            spdlog::warn("calendar fetch from {}: more than 4 MiB", host);
            result.outcome = Outcome::too_big;
            return result;
        }
        if (answer.status == 0) {
            spdlog::warn("calendar fetch from {} failed: {}", host, answer.error);
            return result;
        }
        if (answer.status >= 300 && answer.status < 400) {
            const std::string next = answer.header("location");
            if (next.empty()) {
                spdlog::warn("calendar fetch from {}: HTTP {} without a location", host,
                             answer.status);
                return result;
            }
            url = resolve_location(url, next);
            continue;
        }
        if (answer.status < 200 || answer.status > 299) {
            spdlog::warn("calendar fetch from {}: the server answered HTTP {}", host,
                         answer.status);
            return result;
        }
        result.outcome = Outcome::ok;
        result.body = std::move(answer.body);
        return result;
    }
    spdlog::warn("calendar fetch: more than {} redirects", max_redirects);
    return result;
}

CalendarFetchService::CalendarFetchService(CalendarUrlPolicy policy, std::size_t workers,
                                           std::size_t max_waiting)
    : policy_(std::move(policy)),
      worker_count_(std::max<std::size_t>(workers, 1)),
      max_waiting_(max_waiting) {}

CalendarFetchService::~CalendarFetchService() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
        waiting_.clear();
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
}

void CalendarFetchService::fetch(const std::string& url,
                                 std::function<void(bot::CalendarFetchResult)> done) {
    fetch(url, policy_, std::move(done));
}

void CalendarFetchService::fetch(const std::string& url, CalendarUrlPolicy policy,
                                 std::function<void(bot::CalendarFetchResult)> done) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!stopping_ && waiting_.size() < max_waiting_) {
            // Threads only once someone fetches: most programs never do.
            while (workers_.size() < worker_count_) workers_.emplace_back([this] { work(); });
            waiting_.push_back({url, std::move(policy), std::move(done)});
            cv_.notify_one();
            return;
        }
    }
    spdlog::warn("calendar fetch: {} fetches waiting already; refused", max_waiting_);
    bot::CalendarFetchResult busy;
    busy.outcome = Outcome::busy;
    done(std::move(busy));
}

namespace {

/// The service as the bot sees it: the feature's allow list read for each fetch (config
/// checked it already; a list that does not read allows nothing internal).
class ServiceFetcher final : public bot::CalendarFetcher {
  public:
    explicit ServiceFetcher(CalendarFetchService& service) : service_(service) {}
    void fetch(const std::string& url, const std::vector<std::string>& allow,
               std::function<void(bot::CalendarFetchResult)> done) override {
        std::string error;
        auto policy = CalendarUrlPolicy::parse(allow, error);
        service_.fetch(url, policy ? std::move(*policy) : CalendarUrlPolicy(), std::move(done));
    }

  private:
    CalendarFetchService& service_;
};

}  // namespace

std::shared_ptr<bot::CalendarFetcher> CalendarFetchService::fetcher() {
    return std::make_shared<ServiceFetcher>(*this);
}

void CalendarFetchService::work() {
    for (;;) {
        Request request;
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
            if (stopping_) return;
            request = std::move(waiting_.front());
            waiting_.pop_front();
        }
        bot::CalendarFetchResult result;
        try {
            result = fetch_calendar(request.url, request.policy, &stopping_);
        } catch (const std::exception& e) {
            spdlog::error("calendar fetch failed: {}", e.what());
        }
        if (stopping_) return;
        try {
            request.done(std::move(result));
        } catch (const std::exception& e) {
            spdlog::error("calendar fetch result not handed on: {}", e.what());
        }
    }
}

}  // namespace twintrack::app
