#include "bot/features/tone/tone_regex.hpp"

#include <algorithm>

namespace twintrack::bot::tone {

std::size_t utf8_step(unsigned char c) {
    if (c < 0x80) return 1;
    if ((c >> 5) == 0x6) return 2;
    if ((c >> 4) == 0xE) return 3;
    if ((c >> 3) == 0x1E) return 4;
    return 1;
}

char32_t decode(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = utf8_step(c);
    if (n == 1 || i + n > s.size()) return c;
    char32_t cp = c & (0xFF >> (n + 1));
    for (std::size_t k = 1; k < n; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    return cp;
}

bool ascii_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool starts_with_word(const std::string& t) {
    std::size_t i = 0;
    while (i < t.size() && t[i] == '(') {
        ++i;
        if (i + 1 < t.size() && t[i] == '?' && t[i + 1] == ':') i += 2;
    }
    if (i >= t.size()) return false;
    if (t[i] == '\\') return i + 1 < t.size() && (t[i + 1] == 'w' || t[i + 1] == 'd');
    if (t[i] == '[') {
        // A class of ASCII word characters only, e.g. [Tt].
        std::size_t j = i + 1;
        if (j < t.size() && t[j] == '^') return false;
        bool any = false;
        for (; j < t.size() && t[j] != ']'; ++j) {
            if (!ascii_word(t[j]) && t[j] != '-') return false;
            any = true;
        }
        return any;
    }
    return ascii_word(t[i]);
}

bool ends_with_word(const std::string& t) {
    std::size_t j = t.size();
    while (j > 0) {
        const char c = t[j - 1];
        if (c == ')' || c == '?' || c == '*' || c == '+') {
            if (j >= 2 && t[j - 2] == '\\') break;
            --j;
        } else if (c == '}') {
            const std::size_t open = t.rfind('{', j - 1);
            if (open == std::string::npos) break;
            j = open;
        } else {
            break;
        }
    }
    if (j == 0) return false;
    const char c = t[j - 1];
    if (j >= 2 && t[j - 2] == '\\') return c == 'w' || c == 'd';
    if (c == ']') {
        const std::size_t open = t.rfind('[', j - 1);
        if (open == std::string::npos || open + 1 >= j - 1 || t[open + 1] == '^') return false;
        for (std::size_t k = open + 1; k < j - 1; ++k) {
            if (!ascii_word(t[k]) && t[k] != '-') return false;
        }
        return true;
    }
    return ascii_word(c);
}

std::vector<std::string> alternatives(const std::string& t) {
    std::vector<std::string> out;
    std::string cur;
    int depth = 0;
    bool in_class = false;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const char c = t[i];
        if (c == '\\' && i + 1 < t.size()) {
            cur += c;
            cur += t[++i];
            continue;
        }
        if (in_class) {
            in_class = c != ']';
        } else if (c == '[') {
            in_class = true;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')') {
            --depth;
        } else if (c == '|' && depth == 0) {
            out.push_back(cur);
            cur.clear();
            continue;
        }
        cur += c;
    }
    out.push_back(cur);
    return out;
}

std::string bounded(const std::string& token, bool nonword) {
    if (nonword) return "(?:" + token + ")";
    std::string out = "(?:";
    bool first = true;
    for (const auto& alt : alternatives(token)) {
        if (!first) out += "|";
        first = false;
        if (starts_with_word(alt)) out += "\\b";
        out += "(?:" + alt + ")";
        if (ends_with_word(alt)) out += "\\b";
    }
    return out + ")";
}

bool cjk_letter(char32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2FFFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xAC00 && cp <= 0xD7AF);
}

bool cjk_punctuation(char32_t cp) {
    return (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
           (cp >= 0xFF1A && cp <= 0xFF20) || cp == 0x201C || cp == 0x201D || cp == 0x2018 ||
           cp == 0x2019;
}

std::size_t weight(std::string_view m) {
    if (std::all_of(m.begin(), m.end(), [](char c) { return (c & 0x80) == 0; })) return 1;
    std::size_t letters = 0;
    std::size_t runs = 0;
    bool in_run = false;
    for (std::size_t i = 0; i < m.size(); i += utf8_step(static_cast<unsigned char>(m[i]))) {
        const char32_t cp = decode(m, i);
        if (cjk_letter(cp)) {
            ++letters;
            in_run = false;
        } else if (cjk_punctuation(cp) || cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
            in_run = false;
        } else if (!in_run) {
            ++runs;
            in_run = true;
        }
    }
    return letters == 0 ? 1 : letters + runs;
}

}  // namespace twintrack::bot::tone
