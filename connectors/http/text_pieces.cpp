#include "connectors/http/text_pieces.hpp"

namespace twintrack::connectors::http {
namespace {

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::vector<std::string> split_message(std::string_view text, std::size_t max_chars) {
    std::vector<std::string> out;
    if (max_chars < 16) max_chars = 16;
    while (!text.empty()) {
        // Byte offset of the first character past the limit.
        std::size_t chars = 0;
        std::size_t end = 0;
        while (end < text.size() && chars < max_chars) {
            ++end;
            while (end < text.size() && continuation(static_cast<unsigned char>(text[end]))) {
                ++end;
            }
            ++chars;
        }
        if (end >= text.size()) {
            out.emplace_back(text);
            break;
        }
        std::size_t cut = text.rfind('\n', end);
        std::size_t skip = 1;
        if (cut == std::string_view::npos || cut < end / 2) {
            cut = text.rfind(' ', end);
            if (cut == std::string_view::npos || cut < end / 2) {
                cut = end;
                skip = 0;
            }
        }
        std::string_view piece = text.substr(0, cut);
        while (!piece.empty() && (piece.back() == '\n' || piece.back() == '\r')) {
            piece.remove_suffix(1);
        }
        if (!piece.empty()) out.emplace_back(piece);
        text.remove_prefix(cut + skip);
        while (!text.empty() && text.front() == '\n') text.remove_prefix(1);
    }
    return out;
}

}  // namespace twintrack::connectors::http
