#include "bot/args.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "bot/local_time.hpp"
#include "core/numbers.hpp"
#include "core/text.hpp"

namespace twintrack::bot {
namespace {

using nlohmann::json;

constexpr std::string_view full_width_equals = "\xEF\xBC\x9D";  // ＝
constexpr std::string_view ideographic_space = "\xE3\x80\x80";  // U+3000
constexpr std::size_t shown_bytes = 64;                         // of a token in an answer
constexpr int max_duration_minutes = 366 * 24 * 60;

// The currencies an amount may name; their words are `args.words.currency_<code>`.
const std::vector<std::string>& currency_codes() {
    static const std::vector<std::string> codes = {"cny", "usd", "eur", "gbp", "hkd", "jpy"};
    return codes;
}

std::string shown(const std::string& token) {
    return std::string(core::utf8_prefix(token, shown_bytes));
}

std::string lower(const std::string& s) { return core::ascii_lower(s); }

// The words `key` of every locale, lower-cased, longest first (so "美元" wins over "元").
std::vector<std::string> words_longest_first(const Prompts& prompts, const std::string& key) {
    std::vector<std::string> out;
    for (const auto& w : prompts.words_all_locales(key)) {
        if (!w.empty()) out.push_back(lower(w));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return out;
}

bool starts_with(const std::string& s, const std::string& p) {
    return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

bool ends_with(const std::string& s, const std::string& p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// `s` without the first of `words` it ends with; false when it ends with none.
bool strip_suffix(std::string& s, const std::vector<std::string>& words) {
    for (const auto& w : words) {
        if (s.size() > w.size() && ends_with(s, w)) {
            s.erase(s.size() - w.size());
            s = std::string(core::trim(s));
            return true;
        }
    }
    return false;
}

bool digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "Y-M-D" or "M-D" with one- or two-digit month and day.
std::optional<date::year_month_day> ymd_of(const std::string& s, date::year_month_day today) {
    std::vector<std::string> parts;
    std::size_t from = 0;
    for (std::size_t at = s.find('-');; at = s.find('-', from)) {
        parts.push_back(s.substr(from, at == std::string::npos ? std::string::npos : at - from));
        if (at == std::string::npos) break;
        from = at + 1;
    }
    for (const auto& p : parts) {
        if (!digits(p)) return std::nullopt;
    }
    if (parts.size() == 3 && parts[0].size() == 4 && parts[1].size() <= 2 && parts[2].size() <= 2) {
        auto pad = [](const std::string& p) { return p.size() == 1 ? "0" + p : p; };
        return parse_ymd(parts[0] + "-" + pad(parts[1]) + "-" + pad(parts[2]));
    }
    if (parts.size() == 2 && parts[0].size() <= 2 && parts[1].size() <= 2) {
        const date::month m(static_cast<unsigned>(std::stoi(parts[0])));
        const date::day d(static_cast<unsigned>(std::stoi(parts[1])));
        date::year_month_day day{today.year(), m, d};
        if (!day.ok() && !(m == date::February && d == date::day(29))) return std::nullopt;
        // The next such day: 12月24日 written in January means this year's.
        if (!day.ok() || date::sys_days(day) < date::sys_days(today)) {
            for (int y = 1; y <= 8; ++y) {
                day = date::year_month_day{today.year() + date::years(y), m, d};
                if (day.ok()) break;
            }
        }
        if (!day.ok()) return std::nullopt;
        return day;
    }
    return std::nullopt;
}

// The option a `key=value` word names, or null.
const ArgSpec::Option* option_of(const ArgSpec& spec, const Prompts& prompts,
                                 const std::string& key) {
    for (const auto& o : spec.options) {
        if (prompts.is_word(o.words_key, key)) return &o;
    }
    return nullptr;
}

// How an option's key is written in `locale`: its first word there, else in any locale.
std::string key_text(const ArgSpec::Option& o, const Prompts& prompts, const std::string& locale) {
    auto words = prompts.words(locale, o.words_key);
    if (words.empty()) words = prompts.words_all_locales(o.words_key);
    return words.empty() ? o.arg.name() : words.front();
}

const char* kind_name(ArgKind kind) {
    switch (kind) {
        case ArgKind::word:
            return "word";
        case ArgKind::text:
            return "text";
        case ArgKind::person:
            return "person";
        case ArgKind::amount:
            return "amount";
        case ArgKind::percent:
            return "percent";
        case ArgKind::date:
            return "date";
        case ArgKind::duration:
            return "duration";
        case ArgKind::id:
            return "id";
        case ArgKind::trailing_amount:
            return "trailing_amount";
        case ArgKind::customer:
            return "customer";
        case ArgKind::verbatim:
            return "verbatim";
        case ArgKind::note:
            return "note";
        case ArgKind::quarter:
            return "quarter";
    }
    return "word";
}

// The placeholder of an argument in `locale`: `args.name.<name>` when there is one, else
// `args.kind.<kind>`.
std::string placeholder(const Arg& a, const Prompts& prompts, const std::string& locale) {
    const std::string named = "args.name." + a.name();
    if (prompts.has(locale, named) || prompts.has(prompts.default_locale(), named)) {
        return prompts.render(locale, named);
    }
    return prompts.render(locale, std::string("args.kind.") + kind_name(a.kind()));
}

// Reads `raw` as `arg`'s kind into `v`; false with `error` set when it is not one.
bool convert(const Arg& arg, const std::string& raw, const ArgContext& c, ParsedArgs::Value& v,
             ArgError& error) {
    v.kind = arg.kind();
    v.raw = raw;
    auto bad = [&](const char* what) {
        error = {std::string("bad_") + what, {{"token", shown(raw)}, {"name", arg.name()}}};
        return false;
    };
    switch (arg.kind()) {
        case ArgKind::word:
        case ArgKind::text:
        case ArgKind::customer:
        case ArgKind::verbatim:
        case ArgKind::note:
            return true;
        case ArgKind::person:
            for (const auto& key : arg.alternatives()) {
                if (c.prompts.is_word(key, raw)) v.alternative = true;
            }
            return true;
        case ArgKind::id:
            if (auto n = read_id(raw)) {
                v.number = static_cast<double>(*n);
                return true;
            }
            return bad("id");
        case ArgKind::amount:
        case ArgKind::trailing_amount:
            if (auto a = read_amount(c.prompts, raw)) {
                v.number = a->value;
                v.currency = a->currency;
                return true;
            }
            if (arg.zero_allowed() && core::trim(raw) == "0") {
                v.number = 0;
                return true;
            }
            return bad("amount");
        case ArgKind::percent:
            if (auto p = read_percent(c.prompts, raw)) {
                v.number = *p;
                return true;
            }
            return bad("percent");
        case ArgKind::date:
            if (auto d = read_date(c.prompts, raw, c.today)) {
                v.day = *d;
                return true;
            }
            return bad("date");
        case ArgKind::duration:
            if (auto m = read_duration(c.prompts, raw)) {
                v.minutes = *m;
                return true;
            }
            return bad("duration");
        case ArgKind::quarter:
            if (auto q = read_quarter(c.prompts, raw, static_cast<int>(c.today.year()))) {
                v.number = q->year * 10 + q->q;
                return true;
            }
            return bad("quarter");
    }
    return true;
}

constexpr std::string_view open_quote = "\xE2\x80\x9C";   // “
constexpr std::string_view close_quote = "\xE2\x80\x9D";  // ”

// Where each word of core::split_tokens(s) begins in `s` (its first letter or quote).
std::vector<std::size_t> token_starts(std::string_view s) {
    std::vector<std::size_t> starts;
    bool in_quote = false;
    bool have_word = false;
    auto ascii_space = [](char ch) {
        return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
    };
    for (std::size_t i = 0; i < s.size();) {
        const std::string_view rest = s.substr(i);
        const bool quote_open = rest.substr(0, 3) == open_quote;
        const bool quote_close = rest.substr(0, 3) == close_quote;
        if (s[i] == '"' || quote_open || quote_close) {
            in_quote = s[i] == '"' ? !in_quote : quote_open;
            if (!have_word) starts.push_back(i);
            have_word = true;
            i += s[i] == '"' ? 1 : 3;
            continue;
        }
        const bool space = ascii_space(s[i]) || rest.substr(0, 3) == ideographic_space;
        if (space && !in_quote) {
            have_word = false;
            i += ascii_space(s[i]) ? 1 : 3;
            continue;
        }
        if (!have_word) starts.push_back(i);
        have_word = true;
        ++i;
    }
    return starts;
}

// How a line with a note was read the first time: words that are no option are kept as
// free words (a note may hold them), and where the note begins.
struct NoteReading {
    std::size_t first_bad = std::string::npos;  ///< the word of the first such refusal
    ArgError bad;                               ///< what it would have been answered
    std::size_t note_at = std::string::npos;    ///< the word the note begins with
};

// Reads the words of a line against `spec` (no note: see parse_args).
bool parse_tokens(const ArgSpec& spec, const std::vector<core::Token>& tokens, const ArgContext& c,
                  ParsedArgs& out, ArgError& error, NoteReading* note);

}  // namespace

// --- the readers --------------------------------------------------------------------------

std::optional<double> positive_amount(const std::string& text) {
    const auto v = core::parse_number(text);
    if (!v || !(*v > 0) || !std::isfinite(*v) || *v > 1e15) return std::nullopt;
    return v;
}

std::optional<Amount> read_amount(const Prompts& prompts, const std::string& text) {
    std::string s = lower(std::string(core::trim(text)));
    // The longest currency word written before or after the number wins ("美元" over "元").
    std::vector<std::pair<std::string, std::string>> words;  // word, code
    for (const auto& code : currency_codes()) {
        for (const auto& w : words_longest_first(prompts, "args.words.currency_" + code)) {
            words.emplace_back(w, code);
        }
    }
    std::stable_sort(words.begin(), words.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    Amount out;
    for (const auto& [w, code] : words) {
        if (s.size() <= w.size()) continue;
        if (starts_with(s, w)) {
            s = std::string(core::trim(s.substr(w.size())));
        } else if (ends_with(s, w)) {
            s = std::string(core::trim(s.substr(0, s.size() - w.size())));
        } else {
            continue;
        }
        for (char c : code) out.currency += static_cast<char>(c - 'a' + 'A');
        break;
    }
    const auto v = positive_amount(s);
    if (!v) return std::nullopt;
    out.value = *v;
    return out;
}

std::optional<std::string> read_currency(const Prompts& prompts, const std::string& text) {
    const std::string s = lower(std::string(core::trim(text)));
    for (const auto& code : currency_codes()) {
        if (prompts.is_word("args.words.currency_" + code, s)) {
            std::string out;
            for (char ch : code) out += static_cast<char>(ch - 'a' + 'A');
            return out;
        }
    }
    if (s.size() != 3) return std::nullopt;
    std::string out;
    for (char ch : s) {
        if (ch < 'a' || ch > 'z') return std::nullopt;
        out += static_cast<char>(ch - 'a' + 'A');
    }
    return out;
}

std::optional<std::int64_t> read_id(const std::string& text) {
    std::string s(core::trim(text));
    if (!s.empty() && s.front() == '#') s.erase(0, 1);
    if (!digits(s) || s.size() > 15) return std::nullopt;
    const std::int64_t n = std::stoll(s);
    if (n <= 0) return std::nullopt;
    return n;
}

std::optional<double> read_percent(const Prompts& prompts, const std::string& text) {
    std::string s = lower(std::string(core::trim(text)));
    if (strip_suffix(s, words_longest_first(prompts, "args.words.tenths_off"))) {
        // 8折 pays 80% of the price: a discount of 20%. 85折 and 8.5折 pay 85%.
        const auto v = core::parse_number(s);
        if (!v || !std::isfinite(*v)) return std::nullopt;
        const double share = *v < 10 ? *v * 10 : *v;
        if (!(share > 0 && share < 100)) return std::nullopt;
        return (100 - share) / 100;
    }
    strip_suffix(s, words_longest_first(prompts, "args.words.percent"));
    const auto v = core::parse_number(s);
    if (!v || !std::isfinite(*v) || *v < 0 || *v > 100) return std::nullopt;
    return *v / 100;
}

std::optional<date::year_month_day> read_date(const Prompts& prompts, const std::string& text,
                                              date::year_month_day today) {
    const std::string s = lower(std::string(core::trim(text)));
    const std::pair<const char*, int> relative[] = {{"args.words.yesterday", -1},
                                                    {"args.words.today", 0},
                                                    {"args.words.tomorrow", 1},
                                                    {"args.words.day_after_tomorrow", 2}};
    for (const auto& [key, days] : relative) {
        if (prompts.is_word(key, s))
            return date::year_month_day{date::sys_days(today) + date::days(days)};
    }
    // 2026年12月24日, 12月24日 and 2026/12/24 become 2026-12-24 and 12-24.
    std::string d = s;
    std::replace(d.begin(), d.end(), '/', '-');
    strip_suffix(d, words_longest_first(prompts, "args.words.date_day"));
    for (const char* mark : {"args.words.date_year", "args.words.date_month"}) {
        for (const auto& w : words_longest_first(prompts, mark)) {
            for (auto at = d.find(w); at != std::string::npos; at = d.find(w, at + 1)) {
                d.replace(at, w.size(), "-");
            }
        }
    }
    return ymd_of(d, today);
}

std::optional<int> read_duration(const Prompts& prompts, const std::string& text) {
    const std::string s = lower(std::string(core::trim(text)));
    std::vector<std::pair<std::string, int>> units;
    for (const auto& [key, factor] :
         std::vector<std::pair<std::string, int>>{{"core.words.unit_minutes", 1},
                                                  {"core.words.unit_hours", 60},
                                                  {"core.words.unit_days", 24 * 60},
                                                  {"core.words.unit_weeks", 7 * 24 * 60}}) {
        for (const auto& w : words_longest_first(prompts, key)) units.emplace_back(w, factor);
    }
    std::stable_sort(units.begin(), units.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    double total = 0;
    std::size_t at = 0;
    while (at < s.size()) {
        // The number: Arabic digits and a point, else Chinese numerals (两小时, 三天).
        double value = 0;
        std::size_t end = at;
        while (end < s.size() && ((s[end] >= '0' && s[end] <= '9') || s[end] == '.')) ++end;
        if (end > at) {
            const auto v = core::parse_number(s.substr(at, end - at));
            if (!v) return std::nullopt;
            value = *v;
        } else if (static_cast<unsigned char>(s[at]) >= 0x80) {
            const auto n = core::read_number(s, at);
            if (!n || !n->chinese) return std::nullopt;
            value = n->value;
            end = n->end;
        } else {
            return std::nullopt;
        }
        while (end < s.size() && s[end] == ' ') ++end;
        const auto unit = std::find_if(units.begin(), units.end(), [&](const auto& u) {
            return s.compare(end, u.first.size(), u.first) == 0;
        });
        if (unit == units.end()) return std::nullopt;  // a number alone is no duration
        total += value * unit->second;
        at = end + unit->first.size();
        while (at < s.size() && s[at] == ' ') ++at;
    }
    // Zero (0d) is a duration; what a command accepts is the command's to say.
    const double minutes = std::round(total);
    if (s.empty() || !(minutes >= 0) || minutes > max_duration_minutes) return std::nullopt;
    return static_cast<int>(minutes);
}

std::optional<YearQuarter> read_quarter(const Prompts& prompts, const std::string& text,
                                        std::optional<int> this_year) {
    std::string s = lower(std::string(core::trim(text)));
    auto replace_all = [&s](const std::string& from, const std::string& to) {
        if (from.empty()) return false;
        bool found = false;
        for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
            s.replace(at, from.size(), to);
            found = true;
        }
        return found;
    };
    // 2027年第1季度 -> 2027q1; 一季度 -> q一 below.
    bool after = false;
    for (const auto& w : words_longest_first(prompts, "args.words.quarter_after")) {
        after = replace_all(w, "") || after;
    }
    for (const auto& w : words_longest_first(prompts, "args.words.quarter_before")) {
        replace_all(w, "q");
    }
    for (const auto& w : words_longest_first(prompts, "args.words.date_year")) replace_all(w, "");
    for (const char* noise : {"-", " ", "/"}) replace_all(noise, "");
    std::size_t q = s.find('q');
    if (q == std::string::npos && after) {
        // 一季度, 2027年一季度: the number after the year is the quarter.
        q = s.size() > 4 && digits(s.substr(0, 4)) ? 4 : 0;
        s.insert(q, "q");
    }
    if (q == std::string::npos || q + 1 >= s.size() || s.find('q', q + 1) != std::string::npos) {
        return std::nullopt;
    }
    const std::string number = s.substr(q + 1);
    std::optional<double> n;
    if (digits(number)) {
        n = std::stod(number);
    } else if (static_cast<unsigned char>(number[0]) >= 0x80) {
        const auto read = core::read_number(number, 0);
        if (read && read->chinese && read->end == number.size()) n = read->value;
    }
    if (!n || *n < 1 || *n > 4 || *n != std::floor(*n)) return std::nullopt;
    YearQuarter out;
    out.q = static_cast<int>(*n);
    if (q == 0) {
        if (!this_year) return std::nullopt;
        out.year = *this_year;
        return out;
    }
    const std::string year = s.substr(0, q);
    if (year.size() != 4 || !digits(year)) return std::nullopt;
    out.year = std::stoi(year);
    if (out.year < 2000 || out.year > 2100) return std::nullopt;
    return out;
}

// --- ParsedArgs ---------------------------------------------------------------------------

std::string ParsedArgs::word(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::string() : it->second.raw;
}

const Person* ParsedArgs::person(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : it->second.person;
}

std::optional<Amount> ParsedArgs::amount(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() ||
        (it->second.kind != ArgKind::amount && it->second.kind != ArgKind::trailing_amount)) {
        return std::nullopt;
    }
    return Amount{it->second.number, it->second.currency};
}

std::optional<double> ParsedArgs::percent(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.kind != ArgKind::percent) return std::nullopt;
    return it->second.number;
}

std::optional<date::year_month_day> ParsedArgs::date(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.kind != ArgKind::date) return std::nullopt;
    return it->second.day;
}

std::optional<int> ParsedArgs::duration(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.kind != ArgKind::duration) return std::nullopt;
    return it->second.minutes;
}

std::optional<std::int64_t> ParsedArgs::id(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.kind != ArgKind::id) return std::nullopt;
    return static_cast<std::int64_t>(it->second.number);
}

std::optional<YearQuarter> ParsedArgs::quarter(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.kind != ArgKind::quarter) return std::nullopt;
    const int n = static_cast<int>(it->second.number);
    return YearQuarter{n / 10, n % 10};
}

// --- the parser ---------------------------------------------------------------------------

bool parse_args(const ArgSpec& spec, const std::string& text, const ArgContext& c, ParsedArgs& out,
                ArgError& error) {
    if (!spec.positional.empty() && spec.positional.back().kind() == ArgKind::verbatim) {
        // The words before the verbatim text are read as usual; the text is what follows
        // them, as typed.
        const Arg& last = spec.positional.back();
        ArgSpec head = spec;
        head.positional.pop_back();
        std::string_view rest = core::trim(text);
        std::vector<std::string> words;
        while (words.size() < head.positional.size() && !rest.empty()) {
            std::size_t cut = 0;
            while (cut < rest.size() && rest[cut] != ' ' && rest[cut] != '\t' &&
                   rest.substr(cut, ideographic_space.size()) != ideographic_space) {
                ++cut;
            }
            words.emplace_back(rest.substr(0, cut));
            rest = core::trim(rest.substr(cut));
        }
        if (!parse_args(head, core::join(words, " "), c, out, error)) return false;
        if (rest.empty()) {
            if (!last.required()) return true;
            error = {"missing", {{"name", placeholder(last, c.prompts, c.locale)}}};
            return false;
        }
        ParsedArgs::Value v;
        v.kind = ArgKind::verbatim;
        v.raw = std::string(rest);
        out.values()[last.name()] = std::move(v);
        return true;
    }
    bool unclosed = false;
    const auto tokens = core::split_tokens(text, &unclosed);
    auto unclosed_quote = [&] {
        error = {"unclosed_quote", {{"token", tokens.empty() ? "" : shown(tokens.back().text)}}};
        return false;
    };
    if (spec.positional.empty() || spec.positional.back().kind() != ArgKind::note) {
        if (unclosed) return unclosed_quote();
        return parse_tokens(spec, tokens, c, out, error, nullptr);
    }
    // A note: read the line once to find where it begins, then the words before it again
    // on their own (so an option or keyword written in the note is the note's), and the
    // note is the rest of the line as typed.
    NoteReading reading;
    ParsedArgs first;
    if (!parse_tokens(spec, tokens, c, first, error, &reading)) {
        return unclosed ? unclosed_quote() : false;
    }
    // An unclosed quote runs to the end of the line: in the note when there is one.
    if (unclosed && reading.note_at == std::string::npos) return unclosed_quote();
    if (reading.first_bad != std::string::npos &&
        (reading.note_at == std::string::npos || reading.first_bad < reading.note_at)) {
        error = reading.bad;
        return false;
    }
    if (reading.note_at == std::string::npos) {
        out = std::move(first);
        return true;
    }
    const std::size_t offset = token_starts(text).at(reading.note_at);
    ArgSpec head = spec;
    head.positional.pop_back();
    if (!parse_args(head, text.substr(0, offset), c, out, error)) return false;
    ParsedArgs::Value v;
    v.kind = ArgKind::note;
    v.raw = std::string(core::trim(std::string_view(text).substr(offset)));
    out.values()[spec.positional.back().name()] = std::move(v);
    return true;
}

namespace {

// Whether `t` ends the text of a keyword: a keyword of the spec, or a `key=value` word
// (an unknown key is then named like anywhere else).
bool ends_keyword_text(const ArgSpec& spec, const ArgContext& c, const core::Token& t) {
    const ArgSpec::Option* k = option_of(spec, c.prompts, t.text);
    if (t.quote_at == std::string::npos && k != nullptr && k->keyword) return true;
    const std::size_t eq = std::min(t.text.find('='), t.text.find(full_width_equals));
    return eq != std::string::npos && eq > 0 && eq < t.quote_at &&
           t.text.find_first_of(":/?&") > eq;
}

// Reads one line's words against a spec: options and keywords first, word by word (the
// other words are free), then the free words into the positional arguments in order.
class TokenReader {
  public:
    TokenReader(const ArgSpec& spec, const std::vector<core::Token>& tokens, const ArgContext& c,
                ParsedArgs& out, ArgError& error, NoteReading* note)
        : spec_(spec), tokens_(tokens), c_(c), out_(out), error_(error), note_(note) {}

    bool read() {
        for (std::size_t i = 0; i < tokens_.size(); ++i) {
            const Step step = read_keyword(i);
            if (step == Step::failed) return false;
            if (step == Step::taken) continue;
            if (!read_option_or_word(i)) return false;
        }
        return enough_words() && assign_positionals() && nothing_left();
    }

  private:
    enum class Step { failed, taken, not_a_keyword };

    bool take(const ArgSpec::Option& o, const std::string& key, const std::string& value) {
        if (!given_.insert(o.arg.name()).second) {
            error_ = {"duplicate_key", {{"key", shown(key)}}};
            return false;
        }
        ParsedArgs::Value v;
        if (!convert(o.arg, value, c_, v, error_)) return false;
        out_.values()[o.arg.name()] = std::move(v);
        written_at_[o.arg.name()] = free_.size();
        return true;
    }

    // A currency written as the word after a trailing amount (`12万 美元`, `cost 5000 USD`):
    // taken into `v` when `v` has none and `word` is one.
    bool currency_after(ParsedArgs::Value& v, const std::string& word) const {
        if (!v.currency.empty()) return false;
        auto code = read_currency(c_.prompts, word);
        if (code) v.currency = *code;
        return code.has_value();
    }

    // A keyword: its key as a whole unquoted word after the first free word, its value the
    // next word (`margin 30%`). Once given, its key is a plain word again (`handoff ACME to
    // @sam talk to Bob`). A keyword declared before every positional argument may also open
    // the line (`coffee pause until 2026-12-24`).
    Step read_keyword(std::size_t& i) {
        const core::Token& t = tokens_[i];
        if (t.quote_at != std::string::npos) return Step::not_a_keyword;
        const ArgSpec::Option* k = option_of(spec_, c_.prompts, t.text);
        if (k == nullptr || !k->keyword || given_.count(k->arg.name()) > 0 ||
            (free_.empty() && k->at != 0)) {
            return Step::not_a_keyword;
        }
        if (i + 1 == tokens_.size()) {
            error_ = {
                "keyword_without_value",
                {{"key", shown(t.text)}, {"name", placeholder(k->arg, c_.prompts, c_.locale)}}};
            return Step::failed;
        }
        std::string value = tokens_[++i].text;
        if (k->arg.kind() == ArgKind::text) {
            // A text after a keyword (`segment retail banks`, `poll 2026-12-12 2026-12-13`):
            // the words up to the next keyword or option.
            while (i + 1 < tokens_.size() && !ends_keyword_text(spec_, c_, tokens_[i + 1])) {
                value += " " + tokens_[++i].text;
            }
        }
        if (!take(*k, t.text, value)) return Step::failed;
        if (k->arg.kind() == ArgKind::trailing_amount && i + 1 < tokens_.size() &&
            currency_after(out_.values()[k->arg.name()], tokens_[i + 1].text)) {
            ++i;
        }
        return Step::taken;
    }

    // In a line with a note, a word that is no option may be the note's: kept as a free
    // word, and refused only when it comes before the note.
    bool keep_for_note(std::size_t i) {
        if (note_ == nullptr) return false;
        if (note_->first_bad == std::string::npos) {
            note_->first_bad = i;
            note_->bad = error_;
        }
        free_.push_back(tokens_[i].text);
        free_at_.push_back(i);
        return true;
    }

    // `key=value` and `key＝value` (the key outside quotes: `"a=b"` is a word), or a free word.
    bool read_option_or_word(std::size_t& i) {
        const core::Token& t = tokens_[i];
        std::size_t eq = t.text.find('=');
        std::size_t eq_len = 1;
        const std::size_t wide = t.text.find(full_width_equals);
        if (wide != std::string::npos && (eq == std::string::npos || wide < eq)) {
            eq = wide;
            eq_len = full_width_equals.size();
        }
        // A link's query (`https://example.com/a?b=c`) is a word, not an option.
        if (eq == std::string::npos || eq == 0 || eq >= t.quote_at ||
            t.text.find_first_of(":/?&") < eq) {
            free_.push_back(t.text);
            free_at_.push_back(i);
            return true;
        }
        const std::string key = t.text.substr(0, eq);
        std::string value = t.text.substr(eq + eq_len);
        const ArgSpec::Option* o = option_of(spec_, c_.prompts, key);
        if (o == nullptr) {
            std::vector<std::string> keys;
            for (const auto& opt : spec_.options)
                keys.push_back(key_text(opt, c_.prompts, c_.locale));
            error_ = {"unknown_key",
                      {{"key", shown(key)},
                       {"keys", core::join(keys, ", ")},
                       {"has_keys", !keys.empty()}}};
            return keep_for_note(i);
        }
        if (given_.count(o->arg.name()) > 0) {
            error_ = {"duplicate_key", {{"key", shown(key) + "="}}};
            return keep_for_note(i);
        }
        // `key= value`: the value is the next word.
        if (value.empty() && i + 1 < tokens_.size()) value = tokens_[++i].text;
        if (value.empty()) {
            error_ = {"empty_value", {{"key", shown(key)}}};
            return false;
        }
        return take(*o, key + "=", value);
    }

    // A positional argument may also be given as an option of the same name (`deal won
    // ACME amount=12万`); it then takes no free word.
    bool by_option(const Arg& a) const { return given_.count(a.name()) > 0; }

    bool missing(const Arg& a) {
        error_ = {"missing", {{"name", placeholder(a, c_.prompts, c_.locale)}}};
        return false;
    }

    // Too few words: the first required argument left without one when each takes one.
    bool enough_words() {
        std::size_t count = 0;
        for (const auto& a : spec_.positional) {
            if (!a.required() || by_option(a)) continue;
            if (count++ == free_.size()) return missing(a);
        }
        return true;
    }

    bool assign_positionals() {
        for (std::size_t i = 0; i < spec_.positional.size(); ++i) {
            if (!assign(i)) return false;
        }
        return true;
    }

    // Positional argument `i` from the free words from next_ on.
    bool assign(std::size_t i) {
        const Arg& a = spec_.positional[i];
        if (by_option(a)) {
            // amount=12万 USD: the currency is the word written after the option.
            auto& v = out_.values()[a.name()];
            if (a.kind() == ArgKind::trailing_amount && next_ < free_.size() &&
                written_at_[a.name()] == next_ && currency_after(v, free_[next_])) {
                ++next_;
            }
            return true;
        }
        // A text takes the free words left but one for each required argument after it.
        std::size_t after = 0;
        for (std::size_t j = i + 1; j < spec_.positional.size(); ++j) {
            if (spec_.positional[j].required() && !by_option(spec_.positional[j])) ++after;
        }
        const std::size_t left = free_.size() - std::min(free_.size(), next_);
        const bool several = a.kind() == ArgKind::text || a.kind() == ArgKind::customer ||
                             a.kind() == ArgKind::note || a.kind() == ArgKind::quarter;
        if (next_ >= free_.size() || (several && left <= after)) {
            return a.required() ? missing(a) : true;
        }
        if (several) return assign_words(i, after);
        ParsedArgs::Value v;
        if (!convert(a, free_[next_++], c_, v, error_)) return false;
        // 120000 USD, 12万 美元: a currency as the word after the amount.
        if (a.kind() == ArgKind::trailing_amount && next_ < free_.size() &&
            currency_after(v, free_[next_])) {
            ++next_;
        }
        out_.values()[a.name()] = std::move(v);
        return true;
    }

    // Positional argument `i`, which takes several words: up to `end` (see words_end).
    bool assign_words(std::size_t i, std::size_t after) {
        const Arg& a = spec_.positional[i];
        std::size_t end = free_.size() - after;
        if (i + 1 < spec_.positional.size() && !words_end(a, spec_.positional[i + 1], end)) {
            return false;
        }
        if (a.kind() == ArgKind::note && note_ != nullptr) note_->note_at = free_at_[next_];
        std::string raw = free_[next_++];
        for (; next_ < end; ++next_) raw += " " + free_[next_];
        ParsedArgs::Value v;
        if (!convert(a, raw, c_, v, error_)) return false;
        out_.values()[a.name()] = std::move(v);
        return true;
    }

    // Where the words of `a` end when `b` follows it: before the first @someone, after a
    // known customer's name, before an amount, before an option; false (answered) when `b`
    // is a trailing amount that no word reads as.
    bool words_end(const Arg& a, const Arg& b, std::size_t& end) {
        if (b.kind() == ArgKind::person && !by_option(b)) end = before_person(b, end);
        if (a.kind() == ArgKind::customer &&
            (b.kind() == ArgKind::text || b.kind() == ArgKind::customer ||
             b.kind() == ArgKind::note)) {
            end = after_known_customer(end);
        }
        if (b.kind() == ArgKind::trailing_amount && !by_option(b)) {
            // The text ends at the first word after its first that is an amount.
            end = next_ + 1;
            while (end < free_.size() && !read_amount(c_.prompts, free_[end])) ++end;
            if (end == free_.size()) return missing(b);
        }
        // A text followed by another argument ends where an option was written.
        for (const auto& [_, at] : written_at_) {
            if (at > next_ && at < end) end = at;
        }
        return true;
    }

    // Before the first @someone (or word the person `b` may be) after the first word.
    std::size_t before_person(const Arg& b, std::size_t end) const {
        for (std::size_t k = next_ + 1; k < end; ++k) {
            const bool alternative =
                std::any_of(b.alternatives().begin(), b.alternatives().end(),
                            [&](const auto& key) { return c_.prompts.is_word(key, free_[k]); });
            if (starts_with(free_[k], "@") || alternative) return k;
        }
        return end;
    }

    // The longest run of words from next_ that names a known customer, else one word.
    std::size_t after_known_customer(std::size_t end) const {
        for (std::size_t n = end; n > next_ + 1 && c_.known_name; --n) {
            std::vector<std::string> run(free_.begin() + static_cast<long>(next_),
                                         free_.begin() + static_cast<long>(n));
            if (c_.known_name(core::join(run, " "))) return n;
        }
        return next_ + 1;
    }

    // No free word left over, and every required keyword given.
    bool nothing_left() {
        if (next_ < free_.size()) {
            error_ = {"unexpected", {{"token", shown(free_[next_])}}};
            return false;
        }
        for (const auto& o : spec_.options) {
            if (o.keyword && o.arg.required() && !by_option(o.arg)) {
                error_ = {"missing",
                          {{"name", key_text(o, c_.prompts, c_.locale) + " " +
                                        placeholder(o.arg, c_.prompts, c_.locale)}}};
                return false;
            }
        }
        return true;
    }

    const ArgSpec& spec_;
    const std::vector<core::Token>& tokens_;
    const ArgContext& c_;
    ParsedArgs& out_;
    ArgError& error_;
    NoteReading* note_;
    std::vector<std::string> free_;
    std::vector<std::size_t> free_at_;  // the word each free word is
    std::set<std::string> given_;
    // Where each option was written: how many free words came before it.
    std::map<std::string, std::size_t> written_at_;
    std::size_t next_ = 0;  // the first free word not yet assigned
};

bool parse_tokens(const ArgSpec& spec, const std::vector<core::Token>& tokens, const ArgContext& c,
                  ParsedArgs& out, ArgError& error, NoteReading* note) {
    return TokenReader(spec, tokens, c, out, error, note).read();
}

}  // namespace

std::string command_word(const std::string& command, const Prompts& prompts,
                         const std::string& locale) {
    if (locale != prompts.default_locale()) {
        const CommandText* t = prompts.command(locale, command);
        if (t != nullptr && !t->aliases.empty()) return t->aliases.front();
    }
    return command;
}

std::string usage_line(const std::string& command, const ArgSpec& spec, const Prompts& prompts,
                       const std::string& locale) {
    std::string line = command_word(command, prompts, locale);
    // Keywords stand where they were declared among the positional arguments (`handoff
    // CUSTOMER to @REP [NOTE]`); `key=value` options come last.
    // A positional argument that a keyword may also give (`report pause [until] DATE`) is
    // shown once, as the keyword, required when either is.
    auto positional_named = [&](const std::string& name) -> const Arg* {
        for (const auto& a : spec.positional) {
            if (a.name() == name) return &a;
        }
        return nullptr;
    };
    auto keyword_named = [&](const std::string& name) {
        return std::any_of(spec.options.begin(), spec.options.end(),
                           [&](const auto& o) { return o.keyword && o.arg.name() == name; });
    };
    auto keywords_at = [&](std::size_t at) {
        for (const auto& o : spec.options) {
            if (!o.keyword || o.at != at) continue;
            const std::string k =
                key_text(o, prompts, locale) + " " + placeholder(o.arg, prompts, locale);
            const Arg* same = positional_named(o.arg.name());
            const bool required = o.arg.required() || (same != nullptr && same->required());
            line += " " + (required ? k : "[" + k + "]");
        }
    };
    for (std::size_t i = 0; i < spec.positional.size(); ++i) {
        keywords_at(i);
        const Arg& a = spec.positional[i];
        if (keyword_named(a.name())) continue;
        const std::string p = placeholder(a, prompts, locale);
        line += " " + (a.required() ? p : "[" + p + "]");
    }
    keywords_at(spec.positional.size());
    for (const auto& o : spec.options) {
        // An option that gives a positional argument another way is not shown twice.
        const bool shown_already =
            std::any_of(spec.positional.begin(), spec.positional.end(),
                        [&](const Arg& a) { return a.name() == o.arg.name(); });
        if (o.keyword || shown_already) continue;
        line +=
            " [" + key_text(o, prompts, locale) + "=" + placeholder(o.arg, prompts, locale) + "]";
    }
    return line;
}

}  // namespace twintrack::bot
