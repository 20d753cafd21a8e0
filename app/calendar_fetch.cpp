#include "app/calendar_fetch.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>

#include "core/text.hpp"

namespace twintrack::app {
namespace {

using Outcome = bot::CalendarFetchResult::Outcome;

constexpr std::size_t max_body = 4 * 1024 * 1024;
constexpr int max_redirects = 3;
constexpr long total_timeout_ms = 10000;

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

struct Body {
    std::string text;
    bool too_big = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t n, void* user) {
    auto* body = static_cast<Body*>(user);
    if (body->text.size() + size * n > max_body) {
        body->too_big = true;
        return 0;  // makes curl stop with an error
    }
    body->text.append(data, size * n);
    return size * n;
}

/// What the socket callback needs to judge each address curl is about to connect to.
struct Connect {
    const CalendarUrlPolicy* policy = nullptr;
    bool host_listed = false;
    bool refused = false;
};

curl_socket_t open_socket(void* user, curlsocktype, struct curl_sockaddr* address) {
    auto* c = static_cast<Connect*>(user);
    const auto ip = IpAddress::from(&address->addr);
    if (!ip || (!c->host_listed && !c->policy->address_allowed(*ip))) {
        c->refused = true;
        return CURL_SOCKET_BAD;
    }
    return ::socket(address->family, address->socktype, address->protocol);
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* cancel = static_cast<const std::atomic<bool>*>(user);
    return cancel != nullptr && cancel->load() ? 1 : 0;
}

/// The URL's scheme and host (lower case, IPv6 without brackets); false when curl
/// cannot read it or it is not http(s).
bool url_parts(const std::string& url, std::string& scheme, std::string& host) {
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
    if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return false;
    char* part = nullptr;
    if (curl_url_get(u.get(), CURLUPART_SCHEME, &part, 0) != CURLUE_OK) return false;
    scheme = core::ascii_lower(part);
    curl_free(part);
    part = nullptr;
    if (curl_url_get(u.get(), CURLUPART_HOST, &part, 0) != CURLUE_OK) return false;
    host = core::ascii_lower(part);
    curl_free(part);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    return (scheme == "http" || scheme == "https") && !host.empty();
}

bool curl_ready() {
    static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    return initialised;
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
    if (!curl_ready()) {
        spdlog::error("calendar fetch: the HTTP client could not start");
        return result;
    }
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(total_timeout_ms);
    std::string url = first_url;
    for (int hop = 0; hop <= max_redirects; ++hop) {
        std::string scheme, host;
        if (!url_parts(url, scheme, host)) {
            spdlog::warn("calendar fetch: {} is not an http or https URL{}",
                         hop == 0 ? "the address given" : "a redirect",
                         hop == 0 ? "" : " (not followed)");
            return result;
        }
        const long left = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                deadline - std::chrono::steady_clock::now())
                                                .count());
        if (left <= 0) {
            spdlog::warn("calendar fetch from {}: timed out", host);
            return result;
        }
        std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                                 curl_easy_cleanup);
        if (!curl) {
            spdlog::error("calendar fetch: the HTTP client could not start");
            return result;
        }
        Body body;
        Connect connect{&policy, policy.host_listed(host), false};
        CURL* c = curl.get();
        curl_easy_setopt(c, CURLOPT_URL, url.c_str());
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // followed here, checked each time
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");        // a proxy would reach what we refuse
        curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &connect);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(cancel));
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(left, 5000L));
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "TwinTrack calendar import");
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
        const CURLcode rc = curl_easy_perform(c);
        if (body.too_big) {
            spdlog::warn("calendar fetch from {}: more than 4 MiB", host);
            result.outcome = Outcome::too_big;
            return result;
        }
        if (rc != CURLE_OK) {
            if (connect.refused) {
                spdlog::warn(
                    "calendar fetch from {} refused: an internal address not listed "
                    "in meetings.calendar_url_allow",
                    host);
                result.outcome = Outcome::refused;
            } else {
                spdlog::warn("calendar fetch from {} failed: {}", host, curl_easy_strerror(rc));
            }
            return result;
        }
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 300 && status < 400) {
            char* next = nullptr;
            curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &next);
            if (next == nullptr) {
                spdlog::warn("calendar fetch from {}: HTTP {} without a location", host, status);
                return result;
            }
            url = next;
            continue;
        }
        if (status < 200 || status > 299) {
            spdlog::warn("calendar fetch from {}: the server answered HTTP {}", host, status);
            return result;
        }
        result.outcome = Outcome::ok;
        result.body = std::move(body.text);
        return result;
    }
    spdlog::warn("calendar fetch: more than {} redirects", max_redirects);
    return result;
}

CalendarFetchService::CalendarFetchService(CalendarUrlPolicy policy, std::size_t workers,
                                           std::size_t max_waiting)
    : policy_(std::move(policy)), max_waiting_(max_waiting) {
    curl_ready();  // once, before any worker
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
