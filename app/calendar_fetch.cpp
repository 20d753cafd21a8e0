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

struct Network4 {
    unsigned char a, b, c, d;
    int prefix;
};

bool in_network(const unsigned char* bytes, const unsigned char* base, int prefix) {
    for (int bit = 0; bit < prefix; ++bit) {
        const int i = bit / 8;
        const unsigned char mask = static_cast<unsigned char>(0x80 >> (bit % 8));
        if ((bytes[i] & mask) != (base[i] & mask)) return false;
    }
    return true;
}

bool internal_v4(const unsigned char* v4) {
    static const Network4 blocked[] = {
        {0, 0, 0, 0, 8},      {10, 0, 0, 0, 8},    {100, 64, 0, 0, 10},   {127, 0, 0, 0, 8},
        {169, 254, 0, 0, 16}, {172, 16, 0, 0, 12}, {192, 0, 0, 0, 24},    {192, 0, 2, 0, 24},
        {192, 168, 0, 0, 16}, {198, 18, 0, 0, 15}, {198, 51, 100, 0, 24}, {203, 0, 113, 0, 24},
        {224, 0, 0, 0, 4},    {240, 0, 0, 0, 4}};
    for (const auto& n : blocked) {
        const unsigned char base[4] = {n.a, n.b, n.c, n.d};
        if (in_network(v4, base, n.prefix)) return true;
    }
    return false;
}

bool host_name_ok(const std::string& s) {
    if (s.empty() || s.size() > 253 || s.front() == '.' || s.front() == '-') return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-';
    });
}

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

std::optional<IpAddress> IpAddress::parse(const std::string& text) {
    std::string s = text;
    if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    IpAddress a;
    if (::inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
    if (::inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
        a.v6 = true;
        return a;
    }
    return std::nullopt;
}

std::optional<IpAddress> IpAddress::from(const sockaddr* address) {
    IpAddress a;
    if (address->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(address);
        std::memcpy(a.bytes.data(), &in->sin_addr, 4);
        return a;
    }
    if (address->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
        std::memcpy(a.bytes.data(), &in6->sin6_addr, 16);
        a.v6 = true;
        return a;
    }
    return std::nullopt;
}

std::string IpAddress::literal() const {
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
    return v6 ? "[" + std::string(text) + "]" : std::string(text);
}

bool is_internal_address(const IpAddress& address) {
    const unsigned char* b = address.bytes.data();
    if (!address.v6) return internal_v4(b);
    static const unsigned char zero[16] = {};
    static const unsigned char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char nat64[16] = {0, 0x64, 0xff, 0x9b};
    static const unsigned char six_to_four[16] = {0x20, 0x02};
    if (in_network(b, zero, 96) || in_network(b, mapped, 96) || in_network(b, nat64, 96)) {
        return internal_v4(b + 12);  // also :: and ::1, which fall in 0.0.0.0/8
    }
    if (in_network(b, six_to_four, 16)) return internal_v4(b + 2);
    static const unsigned char unique_local[16] = {0xfc};
    static const unsigned char link_local[16] = {0xfe, 0x80};
    static const unsigned char site_local[16] = {0xfe, 0xc0};
    static const unsigned char multicast[16] = {0xff};
    static const unsigned char documentation[16] = {0x20, 0x01, 0x0d, 0xb8};
    static const unsigned char discard[16] = {0x01, 0x00};
    return in_network(b, unique_local, 7) || in_network(b, link_local, 10) ||
           in_network(b, site_local, 10) || in_network(b, multicast, 8) ||
           in_network(b, documentation, 32) || in_network(b, discard, 64);
}

std::optional<CalendarUrlPolicy> CalendarUrlPolicy::parse(const std::vector<std::string>& allow,
                                                          std::string& error) {
    CalendarUrlPolicy policy;
    for (const auto& entry : allow) {
        const std::string e = core::ascii_lower(std::string(core::trim(entry)));
        const auto slash = e.find('/');
        const auto ip = IpAddress::parse(e.substr(0, slash));
        if (ip) {
            const int bits = ip->v6 ? 128 : 32;
            int prefix = bits;
            if (slash != std::string::npos) {
                const std::string p = e.substr(slash + 1);
                if (p.empty() || p.size() > 3 ||
                    !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
                    std::stoi(p) > bits) {
                    error = "\"" + entry + "\" has a bad network prefix (0-" +
                            std::to_string(bits) + " after the /)";
                    return std::nullopt;
                }
                prefix = std::stoi(p);
            }
            policy.networks_.push_back({*ip, prefix});
        } else if (slash == std::string::npos && host_name_ok(e)) {
            policy.hosts_.push_back(e);
        } else {
            error = "\"" + entry +
                    "\" is neither a host name nor an address or network such as 10.0.0.0/8";
            return std::nullopt;
        }
    }
    return policy;
}

bool CalendarUrlPolicy::host_listed(const std::string& host) const {
    const std::string h = core::ascii_lower(host);
    return std::find(hosts_.begin(), hosts_.end(), h) != hosts_.end();
}

bool CalendarUrlPolicy::address_allowed(const IpAddress& address) const {
    if (!is_internal_address(address)) return true;
    for (const auto& n : networks_) {
        if (n.base.v6 == address.v6 &&
            in_network(address.bytes.data(), n.base.bytes.data(), n.prefix)) {
            return true;
        }
    }
    return false;
}

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
    : policy_(std::move(policy)), max_waiting_(max_waiting) {
    for (std::size_t i = 0; i < std::max<std::size_t>(workers, 1); ++i) {
        workers_.emplace_back([this] { work(); });
    }
}

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
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!stopping_ && waiting_.size() < max_waiting_) {
            waiting_.push_back({url, std::move(done)});
            cv_.notify_one();
            return;
        }
    }
    spdlog::warn("calendar fetch: {} fetches waiting already; refused", max_waiting_);
    bot::CalendarFetchResult busy;
    busy.outcome = Outcome::busy;
    done(std::move(busy));
}

bot::CalendarFetcher CalendarFetchService::fetcher() {
    return [this](const std::string& url, std::function<void(bot::CalendarFetchResult)> done) {
        fetch(url, std::move(done));
    };
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
            result = fetch_calendar(request.url, policy_, &stopping_);
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
