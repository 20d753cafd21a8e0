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

#include "core/numbers.hpp"
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

bool starts_with(const std::string& s, std::size_t at, const std::string& prefix) {
    return at <= s.size() && s.compare(at, prefix.size(), prefix) == 0;
}
bool ends_with_at(const std::string& s, std::size_t end, const std::string& suffix) {
    return end >= suffix.size() && end <= s.size() &&
           s.compare(end - suffix.size(), suffix.size(), suffix) == 0;
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

/// Occurrences [at, end) of `words` inside [begin, end), longest words first, none
/// overlapping another.
std::vector<std::pair<std::size_t, std::size_t>> occurrences(const Text& text,
                                                             std::vector<std::string> words,
                                                             std::size_t begin, std::size_t end) {
    std::stable_sort(words.begin(), words.end(), [](const std::string& a, const std::string& b) {
        return a.size() > b.size();
    });
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (const auto& w : words) {
        for (std::size_t at : text.find(w)) {
            const std::size_t e = at + w.size();
            if (at < begin || e > end) continue;
            const bool overlaps = std::any_of(out.begin(), out.end(), [&](const auto& o) {
                return at < o.second && e > o.first;
            });
            if (!overlaps) out.emplace_back(at, e);
        }
    }
    return out;
}

/// The distance from [from, to) to the nearest of `words` in [begin, end), if any.
std::optional<std::size_t> nearest(const Text& text, const std::vector<std::string>& words,
                                   std::pair<std::size_t, std::size_t> within, std::size_t from,
                                   std::size_t to) {
    std::optional<std::size_t> best;
    for (const auto& [at, e] : occurrences(text, words, within.first, within.second)) {
        const std::size_t d = e <= from ? from - e : at >= to ? at - to : 0;
        if (!best || d < *best) best = d;
    }
    return best;
}

/// The longest of `words` starting at `at` (ASCII words must end there too); its length.
std::size_t word_at(const std::string& s, std::size_t at, const std::vector<std::string>& words) {
    std::size_t best = 0;
    for (const auto& w : words) {
        if (w.empty() || w.size() <= best || !starts_with(s, at, w)) continue;
        const std::size_t e = at + w.size();
        if (is_alpha(w.back()) && e < s.size() && is_alpha(s[e])) continue;
        best = w.size();
    }
    return best;
}

/// The longest of `words` ending at `end` (ASCII words must start there too); its length.
std::size_t word_before(const std::string& s, std::size_t end,
                        const std::vector<std::string>& words) {
    std::size_t best = 0;
    for (const auto& w : words) {
        if (w.empty() || w.size() <= best || !ends_with_at(s, end, w)) continue;
        const std::size_t b = end - w.size();
        if (is_alpha(w.front()) && b > 0 && is_alpha(s[b - 1])) continue;
        best = w.size();
    }
    return best;
}

/// The currency named by one of its words starting at (or ending at) a position.
struct CurrencyWord {
    std::string code;
    std::size_t length = 0;
};
CurrencyWord currency_at(const std::string& s, std::size_t at, const PriceWords& w, bool before) {
    CurrencyWord best;
    for (const auto& [code, words] : w.currencies) {
        const std::size_t n = before ? word_before(s, at, words) : word_at(s, at, words);
        if (n > best.length) best = {code, n};
    }
    return best;
}

bool chinese_numeral_at(const std::string& s, std::size_t at) {
    static const std::vector<std::string> numerals = {"零", "〇", "一", "二", "两", "三",
                                                      "四", "五", "六", "七", "八", "九",
                                                      "十", "百", "千", "万", "亿"};
    for (const auto& n : numerals) {
        if (starts_with(s, at, n)) return true;
    }
    return false;
}

bool chinese_numeral_before(const std::string& s, std::size_t at) {
    return at >= 3 && chinese_numeral_at(s, at - 3);
}

/// Where a number may start: a digit or Chinese numeral that does not continue another
/// number, a version or a word ("Q3", "v2").
bool number_starts(const std::string& s, std::size_t i) {
    if (is_digit(s[i])) {
        if (i == 0) return true;
        const char p = s[i - 1];
        if (is_digit(p) || p == '.') return false;
        if (p == ',' && i > 1 && is_digit(s[i - 2])) return false;
        return !chinese_numeral_before(s, i);
    }
    if (starts_with(s, i, "万") || starts_with(s, i, "亿")) return false;
    return chinese_numeral_at(s, i) && !chinese_numeral_before(s, i) &&
           !(i > 0 && is_digit(s[i - 1]));
}

std::size_t next_char(const std::string& s, std::size_t i) {
    std::size_t next = i;
    UChar32 c = 0;
    U8_NEXT(s.data(), next, s.size(), c);
    return next > i ? next : i + 1;
}

std::size_t skip_spaces(const std::string& s, std::size_t i) {
    while (i < s.size() && s[i] == ' ') ++i;
    return i;
}

/// One price signal found at [begin, end) of the text.
struct Match {
    PriceSignal signal;
    std::size_t end = 0;
};

/// A number or range as written: [at, last), the digits starting at `first` (after
/// 百分之 when `percent_prefix`).
struct Figure {
    std::size_t at = 0;
    std::size_t first = 0;
    std::size_t last = 0;
    double lo = 0;
    double hi = 0;
    bool range = false;
    bool percent_prefix = false;
};

enum class PriceKind { none, percent, tenths_off, tenths_share, amount };

/// What surrounds a figure: a currency and a sign before it (from `before` on), a unit
/// after it (up to `after`).
struct Surroundings {
    std::size_t before = 0;
    std::string currency;
    int sign = 0;
    PriceKind kind = PriceKind::none;
    std::size_t after = 0;
};

/// Before `f`: a currency, then a sign, not before `floor`. False when a letter touches
/// the figure ("Q3", "v2").
bool read_before(const std::string& s, const PriceWords& w, std::size_t floor, const Figure& f,
                 Surroundings& r) {
    r.before = f.at;
    if (!f.percent_prefix) {
        std::size_t b = r.before;
        while (b > floor && s[b - 1] == ' ') --b;
        const CurrencyWord c = currency_at(s, b, w, true);
        if (c.length > 0 && b - c.length >= floor) {
            r.currency = c.code;
            r.before = b - c.length;
        } else if (r.before > 0 && is_alpha(s[r.before - 1])) {
            return false;
        }
    }
    for (const std::string m : {"-", "−", "+"}) {
        if (r.before >= floor + m.size() && ends_with_at(s, r.before, m) &&
            !(r.before > m.size() && is_digit(s[r.before - m.size() - 1]))) {
            r.sign = m == "+" ? 1 : -1;
            r.before -= m.size();
            break;
        }
    }
    return true;
}

/// After `f`: a unit (percent, 折, 成, a currency, a qualifier such as "per seat").
void read_unit(const std::string& s, const PriceWords& w, const Figure& f, Surroundings& r) {
    r.kind = f.percent_prefix ? PriceKind::percent : PriceKind::none;
    r.after = f.last;
    if (r.kind != PriceKind::none) return;
    const std::size_t j = skip_spaces(s, f.last);
    if (std::size_t n = word_at(s, j, w.percent)) {
        r.kind = PriceKind::percent;
        r.after = j + n;
    } else if (std::size_t n = word_at(s, j, w.tenths_off); n && r.currency.empty()) {
        r.kind = PriceKind::tenths_off;
        r.after = j + n;
    } else if (std::size_t n = word_at(s, j, w.tenths_share); n && r.currency.empty()) {
        r.kind = PriceKind::tenths_share;
        r.after = j + n;
    } else if (const CurrencyWord c = currency_at(s, j, w, false); c.length > 0) {
        r.kind = PriceKind::amount;
        if (r.currency.empty()) r.currency = c.code;
        r.after = j + c.length;
    } else if (!r.currency.empty()) {
        r.kind = PriceKind::amount;
    } else {
        for (const auto& q : w.qualifiers) {
            if (word_at(s, j, q.second) > 0) r.kind = PriceKind::amount;  // "3,000 per seat"
        }
    }
}

/// For an amount: its qualifiers in the clause, and its value in the company currency.
void amount_details(const Text& text, const PriceWords& w,
                    std::pair<std::size_t, std::size_t> within, const std::string& currency,
                    PriceSignal& p) {
    for (const auto& [key, words] : w.qualifiers) {
        if (!occurrences(text, words, within.first, within.second).empty()) p.per.push_back(key);
    }
    const auto rate = w.rates.find(currency);
    if (!currency.empty() && currency != w.company_currency && rate != w.rates.end()) {
        p.company = std::round(p.value * rate->second * 100.0) / 100.0;
        p.company_currency = w.company_currency;
    }
}

/// The signal that `f` makes, given what surrounds it. `floor`: where the previous signal
/// ended, so that its unit is not read again as this one's currency or sign.
std::optional<Match> price_at(const Text& text, const PriceWords& w, std::size_t floor, Figure f) {
    const std::string& s = text.lower();
    double lo = f.lo, hi = f.hi;
    Surroundings r;
    if (!read_before(s, w, floor, f, r)) return std::nullopt;
    read_unit(s, w, f, r);
    if (r.kind == PriceKind::none) return std::nullopt;
    for (const auto& [at, e] : occurrences(text, w.not_price, 0, s.size())) {
        if (at < r.after && e > f.first) return std::nullopt;  // 8折叠屏, 一成不变
    }
    const auto within = clause(s, r.before, r.after);
    const auto lower = nearest(text, w.lower, within, r.before, r.after);
    const auto higher = nearest(text, w.higher, within, r.before, r.after);
    int direction = 0;
    if (lower && (!higher || *lower <= *higher)) direction = -1;
    if (higher && (!lower || *higher < *lower)) direction = 1;

    int sign = r.sign;
    if (r.kind == PriceKind::tenths_off) {
        auto off = [](double v) { return 100 - (v < 10 ? v * 10 : v); };
        const double a = off(lo), b = off(hi);
        if (!(a > 0 && a < 100 && b > 0 && b < 100)) return std::nullopt;
        lo = std::min(a, b);
        hi = std::max(a, b);
        sign = -1;
    } else if (r.kind == PriceKind::tenths_share) {
        if (direction == 0 || lo > 10 || hi > 10) return std::nullopt;  // 八成: "probably"
        lo *= 10;
        hi *= 10;
    }
    if (r.kind == PriceKind::percent && sign == 0 && direction == 0 &&
        !nearest(text, w.context, within, r.before, r.after)) {
        return std::nullopt;  // "50% of users": not about a price
    }
    if (sign == 0) sign = direction != 0 ? direction : 1;
    if (hi == 0) return std::nullopt;
    PriceSignal p;
    p.unit = r.kind == PriceKind::amount ? r.currency : "%";
    p.value = sign * std::max(lo, hi);
    if (f.range) p.low = sign * std::min(lo, hi);
    if (r.kind == PriceKind::amount) amount_details(text, w, within, r.currency, p);
    return Match{std::move(p), r.after};
}

void find_prices(const Text& text, const PriceWords& w, Found<PriceSignal>& found) {
    const std::string& s = text.lower();
    std::size_t i = 0, floor = 0;
    while (i < s.size()) {
        std::size_t start = i;
        bool percent_prefix = false;
        if (std::size_t n = word_at(s, i, w.percent_before)) {
            percent_prefix = true;
            start = skip_spaces(s, i + n);
        } else if (!number_starts(s, i)) {
            i = next_char(s, i);
            continue;
        }
        const auto number = core::read_number(s, start);
        if (!number) {
            i = percent_prefix ? start : next_char(s, i);
            while (!percent_prefix && i < s.size() && (is_digit(s[i]) || s[i] == '.')) {
                ++i;  // "2.5.1": a version, skipped whole
            }
            continue;
        }
        std::optional<Match> m;
        std::size_t last = number->end;
        if (const auto r = core::read_range(s, start, w.range)) {
            m = price_at(
                text, w, floor,
                {i, start, r->high.end, r->low.value, r->high.value, true, percent_prefix});
            if (!m) last = r->high.end;
        }
        if (!m) {
            m = price_at(
                text, w, floor,
                {i, start, number->end, number->value, number->value, false, percent_prefix});
        }
        if (m) {
            found.add(i, std::move(m->signal));
            i = floor = m->end;
        } else {
            i = last;
        }
    }
}

std::vector<std::string> lowered(const std::vector<std::string>& words) {
    std::vector<std::string> out;
    for (const auto& w : words) {
        std::string l = core::ascii_lower(std::string(core::trim(w)));
        if (!l.empty()) out.push_back(std::move(l));
    }
    return out;
}

std::string number_text(double v) {
    char buf[64];
    if (std::fabs(v - std::round(v)) < 1e-9) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
        return buf;
    }
    std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

PriceWords price_words(const Prompts& prompts, const BotSettings& settings) {
    auto words = [&](const std::string& key) {
        return lowered(prompts.words_all_locales("reports.words." + key));
    };
    PriceWords w;
    w.lower = words("price_lower");
    w.higher = words("price_higher");
    w.context = words("price_context");
    w.percent = words("percent");
    w.percent_before = words("percent_before");
    w.tenths_off = words("tenths_off");
    w.tenths_share = words("tenths_share");
    w.range = words("range");
    w.not_price = words("not_price");
    w.competitor_tags = words("tag_competitor");
    w.need_tags = words("tag_need");
    for (const char* q : {"seat", "user", "unit", "year", "month"}) {
        w.qualifiers.emplace_back(q, words(std::string("per_") + q));
    }
    std::set<std::string> codes = {"CNY", "USD", "EUR", "GBP", "HKD", "JPY"};
    const auto& rates = settings.features.get<metrics::MetricsSettings>().rates;
    for (const auto& [code, rate] : rates) codes.insert(code);
    codes.insert(settings.rules.currency);
    for (const auto& code : codes) {
        auto list = words("currency_" + core::ascii_lower(code));
        list.push_back(core::ascii_lower(code));  // the code itself: "AUD 500"
        w.currencies.emplace_back(code, std::move(list));
    }
    w.rates = rates;
    w.company_currency = settings.rules.currency;
    return w;
}

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
    for (const auto& [at, value] : tags(original, text, config.prices.competitor_tags)) {
        competitors.add(at, Mention{competitor_name(value, config), value});
    }
    out.competitors =
        competitors.ordered([](const Mention& m) { return core::ascii_lower(m.name); });

    Found<PriceSignal> prices;
    find_prices(text, config.prices, prices);
    std::size_t n = 0;  // every price signal counts, also the same figure twice
    out.prices = prices.ordered([&n](const PriceSignal&) { return std::to_string(n++); });

    Found<std::string> needs;
    for (const auto& [at, value] : tags(original, text, config.prices.need_tags))
        needs.add(at, value);
    for (const auto& k : config.need_keywords) {
        for (std::size_t at : text.find(k, true)) needs.add(at, std::string(core::trim(k)));
    }
    out.needs = needs.ordered(need_key);
    return out;
}

std::string format_price(const PriceSignal& price,
                         const std::map<std::string, std::string>& per_text) {
    const double v = price.value;
    std::string n = number_text(std::fabs(v));
    if (price.low) n = number_text(std::fabs(*price.low)) + "~" + n;
    if (price.percent()) return (v > 0 ? "+" : "-") + n + "%";
    std::string out = (v < 0 ? "-" : "") + n;
    if (!price.unit.empty()) out += " " + price.unit;
    for (const auto& q : price.per) {
        const auto it = per_text.find(q);
        out += it != per_text.end() ? " " + it->second : "/" + q;
    }
    if (price.company) {
        out += " (≈" + number_text(*price.company) + " " + price.company_currency + ")";
    }
    return out;
}

}  // namespace twintrack::bot::reports
