#pragma once
// Base64 (RFC 4648, standard alphabet with padding).

#include <optional>
#include <string>
#include <string_view>

namespace twintrack::core {

std::string base64_encode(std::string_view bytes);
/// Null when `text` is not valid Base64 (whitespace is not allowed).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace twintrack::core
