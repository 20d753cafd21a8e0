#pragma once
// IRC protocol lines (RFC 1459/2812) with IRCv3 message tags: parsing and formatting.
// Pure functions, no I/O.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twintrack::connectors::irc {

/// One IRC line: `@tags :prefix COMMAND params... :trailing`.
struct Message {
    std::map<std::string, std::string> tags;  ///< values unescaped; a bare key maps to ""
    std::string prefix;                       ///< without the leading ':'
    std::string command;                      ///< upper-cased (numerics as they are)
    std::vector<std::string> params;          ///< the trailing parameter is the last one

    /// The nick part of the prefix (`nick!user@host` → `nick`).
    std::string nick() const;
    /// Parameter `i`, or "" when there are fewer.
    const std::string& param(std::size_t i) const;
};

/// Parses one line without its CR LF. Nothing when there is no command.
std::optional<Message> parse_message(std::string_view line);

/// Formats `COMMAND p1 p2 :last` (no CR LF). The last parameter gets a ':' when it is
/// empty, has a space or starts with ':'. Line breaks inside parameters become spaces.
std::string format_message(const std::string& command, const std::vector<std::string>& params);

/// Unescapes an IRCv3 tag value (`\:` → ';', `\s` → ' ', `\\`, `\r`, `\n`).
std::string unescape_tag_value(std::string_view value);

/// ASCII case-insensitive equality (IRC nicks and channels, close enough to rfc1459).
bool same_name(std::string_view a, std::string_view b);

/// True for channel names (`#`, `&`, `+`, `!`).
bool is_channel(std::string_view target);

/// Parses the IRCv3 `time` tag (`2026-11-28T18:00:00.123Z`) into milliseconds since the
/// epoch; nothing when malformed.
std::optional<long long> parse_server_time(std::string_view value);

/// Standard base64 (for SASL PLAIN).
std::string base64(std::string_view data);

}  // namespace twintrack::connectors::irc
