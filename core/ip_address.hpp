#pragma once
// IP addresses for fetches the program makes on a user's behalf: which count as internal
// (never reached unless allowed), and the allow list of hosts and networks that may be
// reached after all. Pure: parsing and comparing only, no connections.

#include <array>
#include <optional>
#include <string>
#include <vector>

struct sockaddr;

namespace twintrack::core {

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
/// unless an allow list (AddressAllowList) holds them.
bool is_internal_address(const IpAddress& address);

/// Internal addresses a fetch may reach after all (e.g. `meetings.calendar_url_allow`): host names
/// (matched exactly, case does not matter) and addresses or networks ("127.0.0.1", "10.20.0.0/16",
/// "fd00::/8").
class AddressAllowList {
  public:
    /// Reads the list; nothing with `error` naming the first entry that is neither a
    /// host name nor an address or network.
    static std::optional<AddressAllowList> parse(const std::vector<std::string>& allow,
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

}  // namespace twintrack::core
