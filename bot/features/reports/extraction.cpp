#include "bot/features/reports/extraction.hpp"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <utility>

#include "core/text.hpp"

namespace twintrack::bot::reports {
namespace {

bool is_ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/// A lower-cased text with its ICU word boundaries (UTF-8 byte offsets).
class Text {
  public:
    explicit Text(const std::string& text) : lower_(core::ascii_lower(text)) {
        UErrorCode status = U_ZERO_ERROR;
        thread_local std::unique_ptr<icu::BreakIterator> words(
            icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
        UText* ut =
            utext_openUTF8(nullptr, lower_.data(), static_cast<int64_t>(lower_.size()), &status);
        if (U_SUCCESS(status) && words) {
            words->setText(ut, status);
            for (int32_t b = words->first(); b != icu::BreakIterator::DONE; b = words->next()) {
                boundaries_.insert(static_cast<std::size_t>(b));
            }
        }
        utext_close(ut);
        boundaries_.insert(0);
        boundaries_.insert(lower_.size());
    }

    const std::string& lower() const { return lower_; }
    bool boundary(std::size_t at) const { return boundaries_.count(at) > 0; }

    /// Start offsets where `term` occurs: English terms on word boundaries (with plural
    /// endings when `plurals`), any other term as a substring.
    std::vector<std::size_t> find(const std::string& term, bool plurals = false) const {
        std::vector<std::size_t> out;
        const std::string t = core::ascii_lower(core::trim(term));
        if (t.empty()) return out;
        const bool word = is_ascii(t);
        for (std::size_t at = lower_.find(t); at != std::string::npos;
             at = lower_.find(t, at + 1)) {
            if (!word) {
                out.push_back(at);
                continue;
            }
            if (!boundary(at)) continue;
            const std::size_t end = at + t.size();
            bool ok = boundary(end);
            if (!ok && plurals) {
                for (const char* suffix : {"s", "es"}) {
                    const std::string sfx = suffix;
                    ok = ok ||
                         (lower_.compare(end, sfx.size(), sfx) == 0 && boundary(end + sfx.size()));
                }
            }
            if (ok) out.push_back(at);
        }
        if (word && plurals && t.size() > 1 && t.back() == 'y') {
            const std::string ies = t.substr(0, t.size() - 1) + "ies";
            for (std::size_t at = lower_.find(ies); at != std::string::npos;
                 at = lower_.find(ies, at + 1)) {
                if (boundary(at) && boundary(at + ies.size())) out.push_back(at);
            }
        }
        return out;
    }

  private:
    std::string lower_;
    std::set<std::size_t> boundaries_;
};

/// Items found at a position; sorted by position and de-duplicated by key at the end.
template <typename T>
struct Found {
    std::vector<std::pair<std::size_t, T>> items;

    void add(std::size_t at, T item) { items.emplace_back(at, std::move(item)); }

    template <typename Key>
    std::vector<T> ordered(Key key) {
        std::stable_sort(items.begin(), items.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<T> out;
        std::set<std::string> seen;
        for (auto& i : items) {
            if (seen.insert(key(i.second)).second) out.push_back(std::move(i.second));
        }
        return out;
    }
};

/// The value of a tag starting at `at`: up to a space or punctuation (`-` and `_` kept).
std::string tag_value(const std::string& text, std::size_t at) {
    std::size_t i = at;
    while (i < text.size()) {
        std::size_t next = i;
        UChar32 c = 0;
        U8_NEXT(text.data(), next, text.size(), c);
        if (c < 0 || u_isspace(c) || (u_ispunct(c) && c != '-' && c != '_' && c != '.')) break;
        i = next;
    }
    std::string out = text.substr(at, i - at);
    while (!out.empty() && (out.back() == '.' || out.back() == '-')) out.pop_back();
    return out;
}

/// Positions and values of `#PREFIX:value` tags, for each spelling of the prefix.
std::vector<std::pair<std::size_t, std::string>> tags(const std::string& original, const Text& text,
                                                      const std::vector<std::string>& prefixes) {
    std::vector<std::pair<std::size_t, std::string>> out;
    for (const auto& p : prefixes) {
        for (const std::string colon : {":", "："}) {
            const std::string start = "#" + p + colon;
            for (std::size_t at = text.lower().find(start); at != std::string::npos;
                 at = text.lower().find(start, at + 1)) {
                std::string v = tag_value(original, at + start.size());
                if (!v.empty()) out.emplace_back(at, std::move(v));
            }
        }
    }
    return out;
}

std::string need_key(const std::string& need) {
    std::string k = core::ascii_lower(need);
    for (char& c : k) {
        if (c == '-' || c == '_') c = ' ';
    }
    return core::join(core::split_words(k), " ");
}

// --- price signals --------------------------------------------------------------------

const std::vector<std::string>& negative_words() {
    static const std::vector<std::string> w = {
        "off",   "discount", "discounts", "discounted", "lower",  "cheaper", "cheap",
        "below", "less",     "cut",       "undercut",   "rebate", "低",      "便宜",
        "降",    "折扣",     "优惠",      "减",         "让利",   "少"};
    return w;
}

bool starts_with(const std::string& s, std::size_t at, const std::string& prefix) {
    return s.compare(at, prefix.size(), prefix) == 0;
}
bool ends_with_at(const std::string& s, std::size_t end, const std::string& suffix) {
    return end >= suffix.size() && s.compare(end - suffix.size(), suffix.size(), suffix) == 0;
}

/// The clause around [from, to): up to the nearest separator on each side.
std::pair<std::size_t, std::size_t> clause(const std::string& s, std::size_t from, std::size_t to) {
    static const std::vector<std::string> wide = {"；", "。", "，", "！", "？", "、"};
    auto separator_at = [&](std::size_t i) -> std::size_t {  // length of a separator at i
        const char c = s[i];
        if (c == '\n' || c == ';' || c == '!' || c == '?') return 1;
        if (c == ',' || c == '.') {
            const bool between =
                i > 0 && i + 1 < s.size() && is_digit(s[i - 1]) && is_digit(s[i + 1]);
            return between ? 0 : 1;
        }
        for (const auto& w : wide) {
            if (starts_with(s, i, w)) return w.size();
        }
        return 0;
    };
    std::size_t begin = 0;
    for (std::size_t i = from; i > 0; --i) {
        const std::size_t n = separator_at(i - 1);
        if (n > 0) {
            begin = i - 1 + n;
            break;
        }
    }
    std::size_t end = s.size();
    for (std::size_t i = to; i < s.size(); ++i) {
        if (separator_at(i) > 0) {
            end = i;
            break;
        }
    }
    return {begin, end};
}

bool has_word(const Text& text, const std::vector<std::string>& words, std::size_t begin,
              std::size_t end) {
    for (const auto& w : words) {
        for (std::size_t at : text.find(w)) {
            if (at >= begin && at + w.size() <= end) return true;
        }
    }
    return false;
}

void find_prices(const Text& text, Found<PriceSignal>& found) {
    const std::string& s = text.lower();
    std::size_t i = 0;
    while (i < s.size()) {
        if (!is_digit(s[i]) || (i > 0 && (is_digit(s[i - 1]) || s[i - 1] == '.'))) {
            ++i;
            continue;
        }
        // The number: digits with thousands commas and one decimal point.
        const std::size_t start = i;
        std::string digits;
        while (i < s.size()) {
            if (is_digit(s[i])) {
                digits.push_back(s[i++]);
            } else if ((s[i] == ',' || s[i] == '.') && i + 1 < s.size() && is_digit(s[i + 1]) &&
                       (s[i] == '.' ? digits.find('.') == std::string::npos : true)) {
                if (s[i] == '.') digits.push_back('.');
                ++i;
            } else {
                break;
            }
        }
        std::size_t end = i;
        double value = std::strtod(digits.c_str(), nullptr);
        std::size_t before = start;
        std::string unit;
        bool discount_form = false;
        // Prefixes: currency symbols or codes, then a sign.
        auto take_prefix = [&](const std::string& p) {
            if (ends_with_at(s, before, p)) {
                before -= p.size();
                return true;
            }
            return false;
        };
        while (before > 0 && s[before - 1] == ' ' && before >= 2 && !is_digit(s[before - 2])) {
            --before;
        }
        if (take_prefix("$") || take_prefix("usd")) {
            unit = "USD";
        } else if (take_prefix("¥") || take_prefix("￥") || take_prefix("rmb") ||
                   take_prefix("cny")) {
            unit = "CNY";
        }
        if (unit.empty()) before = start;
        int sign = 0;
        const std::size_t unsigned_at = before;
        if (take_prefix("-") || take_prefix("−")) {
            sign = -1;
        } else if (take_prefix("+")) {
            sign = 1;
        }
        if (sign != 0 && before > 0 && is_digit(s[before - 1])) {  // a range: 10-15%
            sign = 0;
            before = unsigned_at;
        }
        // Suffixes: a multiplier, then a unit.
        std::size_t after = end;
        if (starts_with(s, after, "万")) {
            value *= 10000;
            after += std::string("万").size();
        } else if (starts_with(s, after, "k") &&
                   (after + 1 >= s.size() || !is_alpha(s[after + 1]))) {
            value *= 1000;
            after += 1;
        }
        std::size_t skip = after;
        while (skip < s.size() && s[skip] == ' ') ++skip;
        if (starts_with(s, skip, "%") || starts_with(s, skip, "％")) {
            unit = "%";
            after = skip + (s[skip] == '%' ? 1 : std::string("％").size());
        } else if (starts_with(s, after, "折") && unit.empty()) {
            const double tenths = value < 10 ? value * 10 : value;
            if (tenths > 0 && tenths < 100) {
                value = 100 - tenths;
                unit = "%";
                discount_form = true;
            }
            after += std::string("折").size();
        } else if (unit.empty()) {
            for (const char* cny : {"元", "块", "yuan", "rmb", "cny"}) {
                if (starts_with(s, skip, cny) &&
                    (is_ascii(cny) ? text.boundary(skip + std::string(cny).size()) : true)) {
                    unit = "CNY";
                    after = skip + std::string(cny).size();
                    break;
                }
            }
            for (const char* usd : {"usd", "dollars", "dollar"}) {
                if (unit.empty() && starts_with(s, skip, usd) &&
                    text.boundary(skip + std::string(usd).size())) {
                    unit = "USD";
                    after = skip + std::string(usd).size();
                }
            }
        }
        if (unit.empty() || value == 0) continue;
        if (discount_form) {
            sign = -1;
        } else if (sign == 0) {
            const auto c = clause(s, before, after);
            sign = has_word(text, negative_words(), c.first, c.second) ? -1 : 1;
        }
        found.add(start, PriceSignal{sign * value, unit});
        i = after;
    }
}

}  // namespace

ExtractionConfig extraction_config(const ReportSettings& settings,
                                   std::vector<KnownCustomer> customers) {
    ExtractionConfig c;
    c.competitors = settings.competitors;
    for (const auto& [locale, words] : settings.need_keywords) {
        for (const auto& w : words) c.need_keywords.push_back(w);
    }
    c.customers = std::move(customers);
    return c;
}

std::string competitor_name(const std::string& text, const ExtractionConfig& config) {
    const std::string key = core::ascii_lower(core::trim(text));
    for (const auto& c : config.competitors) {
        if (core::ascii_lower(c.name) == key) return c.name;
        for (const auto& a : c.aliases) {
            if (core::ascii_lower(a) == key) return c.name;
        }
    }
    return std::string(core::trim(text));
}

Extraction extract(const std::string& original, const ExtractionConfig& config) {
    const Text text(original);
    Extraction out;

    Found<Mention> customers;
    for (const auto& c : config.customers) {
        std::vector<std::string> names = {c.name};
        names.insert(names.end(), c.aliases.begin(), c.aliases.end());
        for (const auto& n : names) {
            for (std::size_t at : text.find(n)) {
                customers.add(at, Mention{c.name, original.substr(at, core::trim(n).size()), c.id});
            }
        }
    }
    out.customers = customers.ordered([](const Mention& m) { return m.name; });

    Found<Mention> competitors;
    for (const auto& c : config.competitors) {
        std::vector<std::string> names = {c.name};
        names.insert(names.end(), c.aliases.begin(), c.aliases.end());
        for (const auto& n : names) {
            for (std::size_t at : text.find(n)) {
                competitors.add(at, Mention{c.name, original.substr(at, core::trim(n).size())});
            }
        }
    }
    for (const auto& [at, value] : tags(original, text, {"competitor", "竞品"})) {
        competitors.add(at, Mention{competitor_name(value, config), value});
    }
    out.competitors =
        competitors.ordered([](const Mention& m) { return core::ascii_lower(m.name); });

    Found<PriceSignal> prices;
    find_prices(text, prices);
    std::size_t n = 0;  // every price signal counts, also the same figure twice
    out.prices = prices.ordered([&n](const PriceSignal&) { return std::to_string(n++); });

    Found<std::string> needs;
    for (const auto& [at, value] : tags(original, text, {"need", "需求"})) needs.add(at, value);
    for (const auto& k : config.need_keywords) {
        for (std::size_t at : text.find(k, true)) needs.add(at, std::string(core::trim(k)));
    }
    out.needs = needs.ordered(need_key);
    return out;
}

std::string format_price(const PriceSignal& price) {
    char buf[64];
    const double v = price.value;
    if (std::fabs(v - std::round(v)) < 1e-9) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
    } else {
        std::snprintf(buf, sizeof buf, "%.2f", v);
        std::string s = buf;
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
        std::snprintf(buf, sizeof buf, "%s", s.c_str());
    }
    std::string n = buf;
    if (price.unit == "%") return (v > 0 ? "+" : "") + n + "%";
    return n + " " + price.unit;
}

}  // namespace twintrack::bot::reports
