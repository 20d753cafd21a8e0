#include "bot/args.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "bot/local_time.hpp"
#include "core/numbers.hpp"
#include "core/text.hpp"

namespace twintrack::bot {
namespace {

using nlohmann::json;

constexpr std::string_view full_width_equals = "\xEF\xBC\x9D";  // ＝
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
        case ArgKind::person:
            return true;
        case ArgKind::amount:
            if (auto a = read_amount(c.prompts, raw)) {
                v.number = a->value;
                v.currency = a->currency;
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
    }
    return true;
}

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
    if (it == values_.end() || it->second.kind != ArgKind::amount) return std::nullopt;
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

// --- the parser ---------------------------------------------------------------------------

bool parse_args(const ArgSpec& spec, const std::string& text, const ArgContext& c, ParsedArgs& out,
                ArgError& error) {
    bool unclosed = false;
    const auto tokens = core::split_tokens(text, &unclosed);
    if (unclosed) {
        error = {"unclosed_quote", {{"token", tokens.empty() ? "" : shown(tokens.back().text)}}};
        return false;
    }
    std::vector<std::string> free;
    std::set<std::string> given;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const auto& t = tokens[i];
        // `key=value` and `key＝value`, the key outside quotes: `"a=b"` is a word.
        std::size_t eq = t.text.find('=');
        std::size_t eq_len = 1;
        const std::size_t wide = t.text.find(full_width_equals);
        if (wide != std::string::npos && (eq == std::string::npos || wide < eq)) {
            eq = wide;
            eq_len = full_width_equals.size();
        }
        if (eq == std::string::npos || eq == 0 || eq >= t.quote_at) {
            free.push_back(t.text);
            continue;
        }
        const std::string key = t.text.substr(0, eq);
        std::string value = t.text.substr(eq + eq_len);
        const ArgSpec::Option* o = option_of(spec, c.prompts, key);
        if (o == nullptr) {
            std::vector<std::string> keys;
            for (const auto& opt : spec.options) keys.push_back(key_text(opt, c.prompts, c.locale));
            error = {"unknown_key",
                     {{"key", shown(key)},
                      {"keys", core::join(keys, ", ")},
                      {"has_keys", !keys.empty()}}};
            return false;
        }
        if (!given.insert(o->arg.name()).second) {
            error = {"duplicate_key", {{"key", shown(key)}}};
            return false;
        }
        // `key= value`: the value is the next word.
        if (value.empty() && i + 1 < tokens.size()) value = tokens[++i].text;
        if (value.empty()) {
            error = {"empty_value", {{"key", shown(key)}}};
            return false;
        }
        ParsedArgs::Value v;
        if (!convert(o->arg, value, c, v, error)) return false;
        out.values()[o->arg.name()] = std::move(v);
    }
    // Too few words: the first required argument left without one when each takes one.
    std::size_t count = 0;
    for (const auto& a : spec.positional) {
        if (!a.required()) continue;
        if (count++ == free.size()) {
            error = {"missing", {{"name", placeholder(a, c.prompts, c.locale)}}};
            return false;
        }
    }
    std::size_t next = 0;
    for (std::size_t i = 0; i < spec.positional.size(); ++i) {
        const Arg& a = spec.positional[i];
        // A text takes the free words left but one for each required argument after it.
        std::size_t after = 0;
        for (std::size_t j = i + 1; j < spec.positional.size(); ++j) {
            if (spec.positional[j].required()) ++after;
        }
        const std::size_t left = free.size() - std::min(free.size(), next);
        if (next >= free.size() || (a.kind() == ArgKind::text && left <= after)) {
            if (a.required()) {
                error = {"missing", {{"name", placeholder(a, c.prompts, c.locale)}}};
                return false;
            }
            continue;
        }
        std::string raw = free[next++];
        if (a.kind() == ArgKind::text) {
            for (; next + after < free.size(); ++next) raw += " " + free[next];
        }
        ParsedArgs::Value v;
        if (!convert(a, raw, c, v, error)) return false;
        out.values()[a.name()] = std::move(v);
    }
    if (next < free.size()) {
        error = {"unexpected", {{"token", shown(free[next])}}};
        return false;
    }
    return true;
}

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
    for (const auto& a : spec.positional) {
        const std::string p = placeholder(a, prompts, locale);
        line += " " + (a.required() ? p : "[" + p + "]");
    }
    for (const auto& o : spec.options) {
        line +=
            " [" + key_text(o, prompts, locale) + "=" + placeholder(o.arg, prompts, locale) + "]";
    }
    return line;
}

}  // namespace twintrack::bot
