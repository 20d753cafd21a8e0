#include "core/numbers.hpp"

#include <cmath>
#include <cstdlib>

namespace twintrack::core {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool starts_with(std::string_view s, std::size_t at, std::string_view p) {
    return at <= s.size() && s.substr(at, p.size()) == p;
}

/// A Chinese digit at `at`: its value and byte length.
std::optional<int> chinese_digit(std::string_view s, std::size_t at, std::size_t* len) {
    static const std::pair<std::string_view, int> digits[] = {
        {"零", 0}, {"〇", 0}, {"一", 1}, {"二", 2}, {"两", 2}, {"三", 3},
        {"四", 4}, {"五", 5}, {"六", 6}, {"七", 7}, {"八", 8}, {"九", 9}};
    for (const auto& [d, v] : digits) {
        if (starts_with(s, at, d)) {
            *len = d.size();
            return v;
        }
    }
    return std::nullopt;
}

/// A Chinese unit at `at` (十 百 千 万 亿): its value and byte length.
std::optional<double> chinese_unit(std::string_view s, std::size_t at, std::size_t* len) {
    static const std::pair<std::string_view, double> units[] = {
        {"十", 10}, {"百", 100}, {"千", 1000}, {"万", 1e4}, {"亿", 1e8}};
    for (const auto& [u, v] : units) {
        if (starts_with(s, at, u)) {
            *len = u.size();
            return v;
        }
    }
    return std::nullopt;
}

/// Arabic digits at `at` with thousands separators (a comma before exactly three digits)
/// and one decimal point. Sets `*bad` for a second decimal point (a version number).
std::optional<double> arabic(std::string_view s, std::size_t at, std::size_t* end, bool* bad,
                             bool* single_digit) {
    std::size_t i = at;
    std::string digits;
    bool dot = false;
    while (i < s.size()) {
        if (is_digit(s[i])) {
            digits.push_back(s[i++]);
        } else if (s[i] == ',' && !dot && i + 3 < s.size() && is_digit(s[i + 1]) &&
                   is_digit(s[i + 2]) && is_digit(s[i + 3]) &&
                   (i + 4 >= s.size() || !is_digit(s[i + 4]))) {
            ++i;
        } else if (s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1])) {
            if (dot) {
                *bad = true;
                return std::nullopt;
            }
            dot = true;
            digits.push_back('.');
            ++i;
        } else {
            break;
        }
    }
    if (digits.empty()) return std::nullopt;
    *end = i;
    *single_digit = digits.size() == 1;
    return std::strtod(digits.c_str(), nullptr);
}

/// An English multiplier right after an Arabic number: k, m, mn, bn directly, or a word
/// after one optional space. Not when a letter follows ("5 mbps", "2kg").
double english_multiplier(std::string_view s, std::size_t at, std::size_t* end) {
    static const std::pair<std::string_view, double> glued[] = {
        {"k", 1e3}, {"K", 1e3}, {"mn", 1e6}, {"m", 1e6}, {"M", 1e6}, {"bn", 1e9}, {"BN", 1e9}};
    static const std::pair<std::string_view, double> words[] = {
        {"thousand", 1e3}, {"million", 1e6}, {"billion", 1e9}};
    auto word_ends = [&](std::size_t e) { return e >= s.size() || !is_letter(s[e]); };
    for (const auto& [w, v] : glued) {
        if (starts_with(s, at, w) && word_ends(at + w.size())) {
            *end = at + w.size();
            return v;
        }
    }
    const std::size_t from = at < s.size() && s[at] == ' ' ? at + 1 : at;
    for (const auto& [w, v] : words) {
        std::size_t e = from + w.size();
        if (!starts_with(s, from, w)) continue;
        if (e < s.size() && s[e] == 's') ++e;
        if (word_ends(e)) {
            *end = e;
            return v;
        }
    }
    return 1;
}

}  // namespace

std::optional<WrittenNumber> read_number(std::string_view s, std::size_t at) {
    double total = 0;    // everything before the last 万/亿
    double section = 0;  // the part below the last 万/亿
    double pending = 0;  // a number not yet multiplied by a unit
    bool has_pending = false;
    bool pending_single = false;  // one digit: 三千五 means 3500
    bool pending_run = false;     // Chinese digits one after another: 七五 is 75
    bool zero = false;            // 零 since the last unit: 一千零五 is 1005
    double last_small = 0, last_big = 0;
    bool chinese = false, arabic_only = true, any = false;
    std::size_t i = at;
    while (i < s.size()) {
        std::size_t len = 0, end = 0;
        bool bad = false, single = false;
        if (is_digit(s[i])) {
            if (has_pending) break;
            const auto v = arabic(s, i, &end, &bad, &single);
            if (bad) return std::nullopt;
            pending = *v;
            has_pending = any = true;
            pending_single = single;
            pending_run = false;
            i = end;
            continue;
        }
        if (const auto d = chinese_digit(s, i, &len)) {
            if (has_pending && !pending_run) break;
            if (*d == 0 && !has_pending && any) {
                zero = true;
            } else if (has_pending) {
                pending = pending * 10 + *d;
                pending_single = false;
            } else {
                pending = *d;
                has_pending = pending_run = pending_single = true;
            }
            any = chinese = true;
            arabic_only = false;
            i += len;
            continue;
        }
        if (starts_with(s, i, "点") && has_pending && pending_run) {
            std::size_t j = i + std::string_view("点").size();
            double scale = 0.1, frac = 0;
            bool digits = false;
            while (const auto d = chinese_digit(s, j, &len)) {
                frac += *d * scale;
                scale /= 10;
                j += len;
                digits = true;
            }
            if (!digits) break;
            pending += frac;
            pending_single = pending_run = false;
            i = j;
            continue;
        }
        if (const auto u = chinese_unit(s, i, &len)) {
            if (*u < 1e4) {
                if (last_small != 0 && *u >= last_small) break;
                if (!has_pending && any && !zero) break;  // 万千: not one number
                section += (has_pending ? pending : 1) * *u;
                last_small = *u;
            } else {
                if (!has_pending && section == 0) {
                    if (!any) break;  // 万一: a word, not a number
                    if (last_big != 0 && *u > last_big) {
                        total *= *u;  // 一万亿
                    } else {
                        break;
                    }
                } else {
                    section += has_pending ? pending : 0;
                    if (last_big == 0 || *u > last_big) {
                        total = (total + section) * *u;
                    } else {
                        total += section * *u;
                    }
                }
                section = 0;
                last_small = 0;
                last_big = *u;
            }
            has_pending = pending_single = pending_run = zero = false;
            pending = 0;
            any = chinese = true;
            arabic_only = false;
            i += len;
            continue;
        }
        break;
    }
    if (!any) return std::nullopt;
    if (has_pending) {
        if (!zero && pending_single && last_small >= 100) {
            section += pending * last_small / 10;  // 三千五, 一百五
        } else if (!zero && pending_single && last_small == 0 && last_big != 0) {
            section += pending * last_big / 10;  // 三万五
        } else {
            section += pending;
        }
    }
    total += section;
    if (arabic_only) {
        std::size_t end = 0;
        const double m = english_multiplier(s, i, &end);
        if (m != 1) {
            total *= m;
            i = end;
        }
    }
    if (!std::isfinite(total)) return std::nullopt;
    // 1.2 times 10000 is 11999.999999999998 in binary: keep six decimals at most.
    if (std::fabs(total) < 1e9) total = std::round(total * 1e6) / 1e6;
    return WrittenNumber{total, at, i, chinese};
}

std::optional<double> parse_number(std::string_view text) {
    std::size_t b = 0, e = text.size();
    while (b < e && (text[b] == ' ' || text[b] == '\t')) ++b;
    while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t')) --e;
    const std::string_view t = text.substr(b, e - b);
    const auto n = read_number(t, 0);
    if (!n || n->end != t.size()) return std::nullopt;
    return n->value;
}

std::optional<WrittenRange> read_range(std::string_view s, std::size_t at,
                                       const std::vector<std::string>& connectors) {
    const auto low = read_number(s, at);
    if (!low) return std::nullopt;
    std::size_t i = low->end;
    while (i < s.size() && s[i] == ' ') ++i;
    const bool spaced = i > low->end;
    for (const auto& c : connectors) {
        if (c.empty() || !starts_with(s, i, c)) continue;
        const bool word = is_letter(c.front());
        std::size_t j = i + c.size();
        const std::size_t after = j;
        while (j < s.size() && s[j] == ' ') ++j;
        if (word && (!spaced || j == after)) continue;
        const auto high = read_number(s, j);
        if (!high) continue;
        return WrittenRange{*low, *high};
    }
    return std::nullopt;
}

}  // namespace twintrack::core
