#include "connectors/irc/line_splitter.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace twintrack::connectors::irc {

std::size_t text_budget(std::string_view target) {
    const std::size_t server_prefix = 128;                   // ":nick!user@host "
    const std::size_t overhead = 8 + target.size() + 2 + 2;  // "PRIVMSG " target " :" CRLF
    const std::size_t used = server_prefix + overhead;
    return used + 64 > max_line_bytes ? 64 : max_line_bytes - used;
}

namespace {

// Leading spaces of a line are kept (indented lists); those after a cut are not.
void split_line(std::string_view line, std::size_t max_bytes, std::vector<std::string>& out) {
    if (line.find_first_not_of(' ') == std::string_view::npos) return;
    while (!line.empty()) {
        if (line.size() <= max_bytes) {
            out.emplace_back(line);
            return;
        }
        std::string_view piece = core::utf8_prefix(line, max_bytes);
        if (piece.empty()) piece = line.substr(0, max_bytes);  // not UTF-8 at all
        std::size_t cut = piece.size();
        std::size_t skip = 0;
        // Prefer a space, unless that would leave a very short piece.
        const auto space = line.substr(0, piece.size() + 1).rfind(' ');
        if (space != std::string_view::npos && space >= piece.size() / 3) {
            cut = space;
            skip = 1;
        }
        std::string_view head = line.substr(0, cut);
        while (!head.empty() && head.back() == ' ') head.remove_suffix(1);
        if (!head.empty()) out.emplace_back(head);
        line.remove_prefix(cut + skip);
        while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    }
}

}  // namespace

std::vector<std::string> split_text(std::string_view text, std::size_t max_bytes) {
    max_bytes = std::max<std::size_t>(max_bytes, 4);
    std::vector<std::string> out;
    while (true) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        std::string cleaned;
        cleaned.reserve(line.size());
        for (char c : line) {
            if (c != '\r' && c != '\0') cleaned += c;
        }
        while (!cleaned.empty() && cleaned.back() == ' ') cleaned.pop_back();
        split_line(cleaned, max_bytes, out);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return out;
}

}  // namespace twintrack::connectors::irc
