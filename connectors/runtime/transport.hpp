#pragma once
// How a connector reaches the outside: an optional HTTP(S) proxy and an optional CA file.
// Both are per connector (`proxy:`, `tls_ca_file:`); without `proxy:` the environment's
// HTTPS_PROXY / HTTP_PROXY apply, and NO_PROXY always does.

#include <functional>
#include <string>

#include "core/yaml_check.hpp"

namespace twintrack::connectors::runtime {

struct Transport {
    /// "" = from the environment; "none" = never; else http://[user:pass@]host:port.
    std::string proxy;
    /// A PEM file of CAs to trust besides the system store (private CAs, tests).
    std::string tls_ca_file;
};

/// Reads `proxy` and `tls_ca_file` of a connector section into `transport`; a proxy that
/// is not http://host:port or a CA file that cannot be read or holds no PEM certificate
/// is a config error naming the key.
void read_transport(core::SectionReader& section, Transport& transport);
/// The same into a connector's settings fields.
void read_transport(core::SectionReader& section, std::string& proxy, std::string& tls_ca_file);

/// Checks the ids a connector section lists under `channels:` (read by read_channels):
/// every one that `valid` refuses is an error of `channels`, `"ID" ` + `not_an_id`.
template <class Channels, class Valid>
void check_channel_ids(core::SectionReader& section, const Channels& channels, Valid valid,
                       const std::string& not_an_id) {
    for (const auto& ch : channels) {
        if (!valid(ch.name)) section.error("channels", "\"" + ch.name + "\" " + not_an_id);
    }
}

/// Why `path` cannot serve as a CA file ("" when it can): missing, unreadable, or not a
/// PEM certificate.
std::string check_ca_file(const std::string& path);

/// Why `url` cannot serve as a proxy ("" when it can).
std::string check_proxy_url(const std::string& url);

using GetEnv = std::function<const char*(const char*)>;

/// The proxy to use for `url` ("" for a direct connection): the configured one, else
/// HTTPS_PROXY (https and wss URLs) or HTTP_PROXY (http and ws URLs), upper or lower case; none
/// when the URL's host matches NO_PROXY ("*", a host, ".domain" or "domain" for it and its
/// sub-domains, an address).
std::string proxy_for(const std::string& url, const Transport& transport,
                      const GetEnv& getenv_fn = nullptr);

/// True when `host` (lower case) matches an entry of a NO_PROXY list.
bool no_proxy_matches(const std::string& host, const std::string& no_proxy);

}  // namespace twintrack::connectors::runtime
