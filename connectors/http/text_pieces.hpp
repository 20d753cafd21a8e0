#pragma once
// Cuts a long message into pieces a platform accepts, counting characters (code points),
// not bytes: at a line break when one is in the last half of the piece, else at a
// space, else at a character boundary. Pure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace twintrack::connectors::http {

/// Pieces of at most `max_chars` code points each (max_chars >= 16), in order; the
/// separators cut at are dropped. Text that fits is returned as one piece, unchanged.
/// Empty text gives no piece.
std::vector<std::string> split_message(std::string_view text, std::size_t max_chars);

}  // namespace twintrack::connectors::http
