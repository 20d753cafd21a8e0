#include "connectors/irc/irc_message.hpp"

#include <cctype>

namespace twintrack::connectors::irc {

std::string Message::nick() const {
    const auto bang = prefix.find_first_of("!@");
    return bang == std::string::npos ? prefix : prefix.substr(0, bang);
}

const std::string& Message::param(std::size_t i) const {
    static const std::string empty;
    return i < params.size() ? params[i] : empty;
}

std::string unescape_tag_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '\\') {
            out += value[i];
            continue;
        }
        if (++i == value.size()) break;  // a trailing lone backslash is dropped
        switch (value[i]) {
            case ':':
                out += ';';
                break;
            case 's':
                out += ' ';
                break;
            case 'r':
                out += '\r';
                break;
            case 'n':
                out += '\n';
                break;
            default:
                out += value[i];
                break;
        }
    }
    return out;
}

namespace {

std::string_view next_word(std::string_view& rest) {
    const auto space = rest.find(' ');
    std::string_view word = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    return word;
}

}  // namespace

std::optional<Message> parse_message(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    Message m;
    if (!line.empty() && line.front() == '@') {
        line.remove_prefix(1);
        std::string_view tags = next_word(line);
        while (!tags.empty()) {
            const auto semi = tags.find(';');
            std::string_view tag = tags.substr(0, semi);
            tags = semi == std::string_view::npos ? std::string_view() : tags.substr(semi + 1);
            if (tag.empty()) continue;
            const auto eq = tag.find('=');
            std::string key(tag.substr(0, eq));
            m.tags[key] = eq == std::string_view::npos ? std::string()
                                                       : unescape_tag_value(tag.substr(eq + 1));
        }
    }
    if (!line.empty() && line.front() == ':') {
        line.remove_prefix(1);
        m.prefix = std::string(next_word(line));
    }
    m.command = std::string(next_word(line));
    if (m.command.empty()) return std::nullopt;
    for (char& c : m.command) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    while (!line.empty()) {
        if (line.front() == ':') {
            m.params.emplace_back(line.substr(1));
            break;
        }
        m.params.emplace_back(next_word(line));
    }
    return m;
}

std::string format_message(const std::string& command, const std::vector<std::string>& params) {
    std::string out = command;
    for (std::size_t i = 0; i < params.size(); ++i) {
        std::string p = params[i];
        for (char& c : p) {
            if (c == '\r' || c == '\n' || c == '\0') c = ' ';
        }
        out += ' ';
        const bool last = i + 1 == params.size();
        if (last && (p.empty() || p.find(' ') != std::string::npos || p.front() == ':')) {
            out += ':';
        }
        out += p;
    }
    return out;
}

bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

bool is_channel(std::string_view target) {
    return !target.empty() && (target.front() == '#' || target.front() == '&' ||
                               target.front() == '+' || target.front() == '!');
}

namespace {

long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

std::optional<long long> parse_server_time(std::string_view v) {
    int y, mo, d, h, mi, s;
    if (v.size() < 20 || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' ||
        v[16] != ':' || v.back() != 'Z') {
        return std::nullopt;
    }
    if (!digits(v, 0, 4, y) || !digits(v, 5, 2, mo) || !digits(v, 8, 2, d) ||
        !digits(v, 11, 2, h) || !digits(v, 14, 2, mi) || !digits(v, 17, 2, s)) {
        return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
    int ms = 0;
    if (v.size() > 20) {
        if (v[19] != '.') return std::nullopt;
        std::string_view frac = v.substr(20, v.size() - 21);
        if (frac.empty()) return std::nullopt;
        int scale = 100;
        for (char c : frac) {
            if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
            ms += (c - '0') * scale;
            scale /= 10;
        }
    } else if (v.size() != 20) {
        return std::nullopt;
    }
    const long long days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    return ((days * 24 + h) * 60 + mi) * 60000LL + s * 1000LL + ms;
}

std::string base64(std::string_view data) {
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        const unsigned n = (static_cast<unsigned char>(data[i]) << 16) |
                           (static_cast<unsigned char>(data[i + 1]) << 8) |
                           static_cast<unsigned char>(data[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (i + 1 == data.size()) {
        const unsigned n = static_cast<unsigned char>(data[i]) << 16;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == data.size()) {
        const unsigned n = (static_cast<unsigned char>(data[i]) << 16) |
                           (static_cast<unsigned char>(data[i + 1]) << 8);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

}  // namespace twintrack::connectors::irc
