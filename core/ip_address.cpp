#include "core/ip_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "core/text.hpp"

namespace twintrack::core {
namespace {

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

std::optional<AddressAllowList> AddressAllowList::parse(const std::vector<std::string>& allow,
                                                        std::string& error) {
    AddressAllowList policy;
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

bool AddressAllowList::host_listed(const std::string& host) const {
    const std::string h = core::ascii_lower(host);
    return std::find(hosts_.begin(), hosts_.end(), h) != hosts_.end();
}

bool AddressAllowList::address_allowed(const IpAddress& address) const {
    if (!is_internal_address(address)) return true;
    for (const auto& n : networks_) {
        if (n.base.v6 == address.v6 &&
            in_network(address.bytes.data(), n.base.bytes.data(), n.prefix)) {
            return true;
        }
    }
    return false;
}

}  // namespace twintrack::core
