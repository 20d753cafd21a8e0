#pragma once
// Cuts a reply into IRC-sized pieces: each input line becomes its own message, and a
// line longer than the budget is cut at a space when it can, otherwise at a UTF-8
// character boundary. Pure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace twintrack::connectors::irc {

/// An IRC line is at most 512 bytes with CR LF (RFC 1459 2.3).
inline constexpr std::size_t max_line_bytes = 512;

/// The text bytes left for a `PRIVMSG target :` line once the server has put
/// `:nick!user@host ` in front of it for the receivers (the prefix is budgeted
/// generously: 128 bytes).
std::size_t text_budget(std::string_view target);

/// Splits `text` into pieces of at most `max_bytes` bytes each (max_bytes >= 4). Blank
/// lines are dropped; '\r' is removed. Invalid UTF-8 is cut at byte positions that are
/// not continuation bytes where possible.
std::vector<std::string> split_text(std::string_view text, std::size_t max_bytes);

}  // namespace twintrack::connectors::irc
