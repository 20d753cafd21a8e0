#pragma once
// The keys that many connector sections share, read the same way for every platform: a
// base URL (`api_url`, `homeserver`), `max_chars`, the reach keys (`proxy`, `tls_ca_file`,
// `rate_limit`) and the `channels:` list with its ids checked.

#include <cstddef>
#include <functional>
#include <string>

#include "connectors/api/connector_type.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/runtime/transport.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::runtime {

/// True when `url` starts with https:// or http://.
bool is_http_url(const std::string& url);

/// Reads the URL `key` into `into`, without trailing slashes; one that does not start
/// with https:// (or http://, for a local test server) is an error of `key`: `what`
/// (by default "must start with https:// (or http:// for a local test server)"),
/// then `; got "URL"`. `required`: missing is an error. Returns true when it was read.
bool read_base_url(core::SectionReader& section, const char* key, std::string& into,
                   bool required = false, const std::string& what = "");

/// Reads `max_chars` (from `low` to `high`) into `into`.
void read_max_chars(core::SectionReader& section, std::size_t& into, long long low, long long high);

/// A channel id check (for check_channel_ids) that matches the whole id against `regex`.
std::function<bool(const std::string&)> id_pattern(const std::string& regex);

/// `bind` and `port` (0 to 65535) of a connector's own callback listener into its settings.
template <class Settings>
void read_listen(core::SectionReader& section, Settings& s) {
    if (auto bind = section.string("bind")) s.bind = *bind;
    if (auto port = section.integer("port", 0, 65535)) s.port = static_cast<int>(*port);
}

/// `proxy`, `tls_ca_file` and `rate_limit` into a connector's settings.
template <class Settings>
void read_reach(core::SectionReader& section, Settings& s) {
    read_transport(section, s.proxy, s.tls_ca_file);
    read_send_limits(section, s.rate_limit);
}

/// `channels:` into a connector's settings, each id checked with `valid` (else an error
/// of `channels`: "ID" + `not_an_id`).
template <class Settings, class Valid>
void read_channel_ids(core::SectionReader& section, Settings& s, Valid valid,
                      const std::string& not_an_id) {
    s.channels = read_channels(section);
    check_channel_ids(section, s.channels, valid, not_an_id);
}

}  // namespace twintrack::connectors::runtime
