#pragma once
// Numbers as people write them in English and Chinese: Arabic digits with thousands
// separators and a decimal point, Chinese numerals (零〇一二两三四五六七八九十百千万亿,
// 点 as the decimal point), both mixed (1.5万, 3千5, 十二万, 三万五), and the multiplier
// suffixes k, m, mn, bn, thousand, million and billion. Used by report extraction and by
// command arguments alike, so that an amount reads the same everywhere.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twintrack::core {

/// A number found in a text, with the bytes it was written in.
struct WrittenNumber {
    double value = 0;
    std::size_t begin = 0;  ///< byte offset of its first character
    std::size_t end = 0;    ///< byte offset just past it, multiplier included
    bool chinese = false;   ///< at least one Chinese numeral was used
};

/// The number written at byte `at` of `text` (UTF-8), read as far as it goes. Nothing when
/// no number starts there, when a number is followed by a second decimal point ("2.5.1",
/// a version) or when only a multiplier is written ("万一").
std::optional<WrittenNumber> read_number(std::string_view text, std::size_t at);

/// All of `text` (surrounding spaces ignored) as one number: "120000", "120,000", "1.5",
/// "12万", "十二万", "1.2m", "3k". Nothing when anything else is written.
std::optional<double> parse_number(std::string_view text);

/// Two numbers joined by one of `connectors` ("10-15", "一到两", "10 to 15").
struct WrittenRange {
    WrittenNumber low;
    WrittenNumber high;
};

/// The range starting at byte `at`: a number, spaces, a connector, spaces, a number.
/// ASCII-letter connectors ("to") need spaces around them.
std::optional<WrittenRange> read_range(std::string_view text, std::size_t at,
                                       const std::vector<std::string>& connectors);

}  // namespace twintrack::core
