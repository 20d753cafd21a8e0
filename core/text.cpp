#include "core/text.hpp"

#include <algorithm>
#include <cstdint>

namespace twintrack::core {
namespace {

// Decodes one code point at s[i]; returns its byte length, 0 when malformed.
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    std::size_t len;
    char32_t min;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

std::vector<char32_t> code_points(std::string_view s) {
    std::vector<char32_t> out;
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        std::size_t n = decode(s, i, cp);
        if (n == 0) {
            cp = static_cast<unsigned char>(s[i]);
            n = 1;
        }
        out.push_back(cp);
        i += n;
    }
    return out;
}

constexpr std::string_view ideographic_space = "\xE3\x80\x80";
constexpr std::string_view open_quote = "\xE2\x80\x9C";   // “
constexpr std::string_view close_quote = "\xE2\x80\x9D";  // ”

bool ascii_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp;
        const std::size_t n = decode(s, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
    if (s.size() <= max_bytes) return s;
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return s.substr(0, end);
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string_view trim(std::string_view s) {
    for (;;) {
        if (!s.empty() && ascii_space(s.front())) {
            s.remove_prefix(1);
        } else if (s.substr(0, 3) == ideographic_space) {
            s.remove_prefix(3);
        } else {
            break;
        }
    }
    for (;;) {
        if (!s.empty() && ascii_space(s.back())) {
            s.remove_suffix(1);
        } else if (s.size() >= 3 && s.substr(s.size() - 3) == ideographic_space) {
            s.remove_suffix(3);
        } else {
            break;
        }
    }
    return s;
}

std::vector<Token> split_tokens(std::string_view s, bool* unclosed) {
    std::vector<Token> words;
    Token cur;
    bool in_quote = false;
    bool have_word = false;
    for (std::size_t i = 0; i < s.size();) {
        const std::string_view rest = s.substr(i);
        const bool quote_open = rest.substr(0, 3) == open_quote;
        const bool quote_close = rest.substr(0, 3) == close_quote;
        if (s[i] == '"' || quote_open || quote_close) {
            in_quote = s[i] == '"' ? !in_quote : quote_open;
            have_word = true;
            if (cur.quote_at == std::string::npos) cur.quote_at = cur.text.size();
            i += s[i] == '"' ? 1 : 3;
            continue;
        }
        const bool space = ascii_space(s[i]) || rest.substr(0, 3) == ideographic_space;
        if (space && !in_quote) {
            if (have_word) words.push_back(std::move(cur));
            cur = Token{};
            have_word = false;
            i += ascii_space(s[i]) ? 1 : 3;
            continue;
        }
        cur.text.push_back(s[i]);
        have_word = true;
        ++i;
    }
    if (have_word) words.push_back(std::move(cur));
    if (unclosed != nullptr) *unclosed = in_quote;
    return words;
}

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> words;
    for (auto& t : split_tokens(s)) words.push_back(std::move(t.text));
    return words;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Optimal string alignment: a swap of two neighbours ("hlep") costs one edit.
    const auto x = code_points(a);
    const auto y = code_points(b);
    const std::size_t w = y.size() + 1;
    std::vector<std::size_t> d((x.size() + 1) * w);
    for (std::size_t i = 0; i <= x.size(); ++i) d[i * w] = i;
    for (std::size_t j = 0; j <= y.size(); ++j) d[j] = j;
    for (std::size_t i = 1; i <= x.size(); ++i) {
        for (std::size_t j = 1; j <= y.size(); ++j) {
            const std::size_t cost = x[i - 1] == y[j - 1] ? 0 : 1;
            std::size_t v = std::min(
                {d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1, d[(i - 1) * w + j - 1] + cost});
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1]) {
                v = std::min(v, d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    return d[x.size() * w + y.size()];
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

}  // namespace twintrack::core
