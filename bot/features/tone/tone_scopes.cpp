#include "bot/features/tone/tone_scopes.hpp"

#include <algorithm>

#include "bot/features/tone/tone_regex.hpp"

namespace twintrack::bot::tone {

bool space_at(std::string_view s, std::size_t i) {
    const char c = s[i];
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void push_trimmed(std::string_view s, std::size_t b, std::size_t e, std::vector<Span>& out) {
    while (b < e) {
        if (space_at(s, b)) {
            ++b;
        } else if (e - b >= 3 && s.substr(b, 3) == "\u3000") {
            b += 3;
        } else {
            break;
        }
    }
    while (e > b) {
        if (space_at(s, e - 1)) {
            --e;
        } else if (e - b >= 3 && s.substr(e - 3, 3) == "\u3000") {
            e -= 3;
        } else {
            break;
        }
    }
    if (e > b) out.push_back({b, e});
}

std::vector<Span> paragraphs(std::string_view s) {
    std::vector<Span> out;
    std::size_t start = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        if (s[i] == '\n') {
            std::size_t j = i + 1;
            while (j < s.size() && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r')) ++j;
            if (j < s.size() && s[j] == '\n') {
                push_trimmed(s, start, i, out);
                start = j + 1;
                i = j + 1;
                continue;
            }
        }
        ++i;
    }
    push_trimmed(s, start, s.size(), out);
    return out;
}

std::vector<Span> sentences(std::string_view s) {
    std::vector<Span> out;
    std::size_t start = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t n = utf8_step(static_cast<unsigned char>(s[i]));
        const char32_t cp = decode(s, i);
        std::size_t end = std::string_view::npos;
        if (cp == '\n') {
            end = i;
        } else if (cp == '.' || cp == '!' || cp == '?') {
            std::size_t j = i + 1;
            while (j < s.size() && (s[j] == '.' || s[j] == '!' || s[j] == '?' || s[j] == '"' ||
                                    s[j] == ')' || s[j] == '\'')) {
                ++j;
            }
            if (j >= s.size() || space_at(s, j)) end = j;
        } else if (cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F) {
            std::size_t j = i + n;
            while (j < s.size()) {
                const char32_t next = decode(s, j);
                if (next != 0x3002 && next != 0xFF01 && next != 0xFF1F && next != 0x201D &&
                    next != 0xFF09) {
                    break;
                }
                j += utf8_step(static_cast<unsigned char>(s[j]));
            }
            end = j;
        }
        if (end != std::string_view::npos) {
            push_trimmed(s, start, end, out);
            start = end;
            i = std::max(end, i + n);
            continue;
        }
        i += n;
    }
    push_trimmed(s, start, s.size(), out);
    return out;
}

std::vector<Span> headings(std::string_view s) {
    std::vector<Span> out;
    std::size_t line = 0;
    while (line < s.size()) {
        std::size_t end = s.find('\n', line);
        if (end == std::string_view::npos) end = s.size();
        std::size_t i = line;
        while (i < end && s[i] == '#' && i - line < 6) ++i;
        if (i > line && i < end && s[i] == ' ') push_trimmed(s, i, end, out);
        line = end + 1;
    }
    return out;
}

std::vector<Span> spans(std::string_view s, Scope scope) {
    switch (scope) {
        case Scope::text: {
            std::vector<Span> out;
            push_trimmed(s, 0, s.size(), out);
            return out;
        }
        case Scope::paragraph:
            return paragraphs(s);
        case Scope::sentence:
            return sentences(s);
        case Scope::heading:
            return headings(s);
    }
    return {};
}

std::string format_message(const std::string& message, const std::vector<std::string>& args) {
    std::string out;
    std::size_t next = 0;
    for (std::size_t i = 0; i < message.size(); ++i) {
        if (message[i] == '%' && i + 1 < message.size()) {
            if (message[i + 1] == 's') {
                if (next < args.size()) out += args[next];
                ++next;
                ++i;
                continue;
            }
            // Go's explicit argument index, as Vale allows: %[1]s.
            const std::size_t close = message.find("]s", i + 2);
            if (message[i + 1] == '[' && close != std::string::npos && close > i + 2 &&
                close - i <= 5) {
                const std::string digits = message.substr(i + 2, close - i - 2);
                if (std::all_of(digits.begin(), digits.end(),
                                [](char c) { return c >= '0' && c <= '9'; })) {
                    const std::size_t n = std::stoul(digits);
                    if (n >= 1 && n <= args.size()) out += args[n - 1];
                    next = n;
                    i = close + 1;
                    continue;
                }
            }
            if (message[i + 1] == '%') {
                out += '%';
                ++i;
                continue;
            }
        }
        out += message[i];
    }
    return out;
}

}  // namespace twintrack::bot::tone
