#pragma once
// Small text helpers that every layer needs: UTF-8 validation and cutting, case folding
// of ASCII words, and splitting command lines into words.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace twintrack::core {

/// The most text one message may carry (16 KiB of UTF-8).
inline constexpr std::size_t max_message_bytes = 16 * 1024;

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s);

/// Number of code points in valid UTF-8.
std::size_t utf8_length(std::string_view s);

/// The longest prefix of `s` of at most `max_bytes` bytes that ends on a character
/// boundary.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);

/// ASCII lower-casing; other bytes are left as they are (Chinese has no case).
std::string ascii_lower(std::string_view s);

/// Trims ASCII whitespace and the ideographic space (U+3000) at both ends.
std::string_view trim(std::string_view s);

/// Splits a command line into words on whitespace (ASCII and U+3000). Double quotes
/// (ASCII or Chinese “”) group words; the quotes are removed.
std::vector<std::string> split_words(std::string_view s);

/// One word of a command line as split_words() splits it, and where in `text` its first
/// quoted part begins (npos: none), so that `key="two words"` is still a key and a value
/// while `"a=b"` is not.
struct Token {
    std::string text;
    std::size_t quote_at = std::string::npos;
};

/// The words of split_words() with their quoting. `unclosed` (when given) is set to true
/// when a quote was opened and never closed (the last word then runs to the end).
std::vector<Token> split_tokens(std::string_view s, bool* unclosed = nullptr);

/// Edit distance in code points (a swap of neighbours counts once), for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b);

/// Joins `parts` with `sep`.
std::string join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace twintrack::core
