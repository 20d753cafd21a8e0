#include "bot/features/tone/tone_guide.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/text.hpp"

namespace twintrack::bot::tone {

namespace fs = std::filesystem;

const char* level_name(Level level) {
    switch (level) {
        case Level::suggestion:
            return "suggestion";
        case Level::warning:
            return "warning";
        case Level::error:
            return "error";
    }
    return "suggestion";
}

namespace {

std::string describe(const std::vector<RuleProblem>& problems) {
    std::string out;
    for (const auto& p : problems) {
        out += p.file;
        if (p.line > 0) out += ":" + std::to_string(p.line);
        out += ": " + p.message + "\n";
    }
    return out;
}

}  // namespace

ToneGuideError::ToneGuideError(std::vector<RuleProblem> problems)
    : std::runtime_error(describe(problems)), problems_(std::move(problems)) {}

bool has_error(const std::vector<Finding>& findings) {
    return std::any_of(findings.begin(), findings.end(),
                       [](const Finding& f) { return f.level == Level::error; });
}

// --- regexes ----------------------------------------------------------------------------

namespace {

/// A compiled PCRE2 pattern (UTF mode, JIT when available).
class Regex {
  public:
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;
    ~Regex() {
        if (code_ != nullptr) pcre2_code_free(code_);
    }

    /// Compiles `pattern`; on failure returns null and sets `error`.
    static std::unique_ptr<Regex> compile(const std::string& pattern, bool caseless,
                                          std::string& error, std::uint32_t extra = 0) {
        int code = 0;
        PCRE2_SIZE offset = 0;
        std::uint32_t options = PCRE2_UTF | extra;
        if (caseless) options |= PCRE2_CASELESS;
        pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                       options, &code, &offset, nullptr);
        if (re == nullptr) {
            PCRE2_UCHAR buffer[256];
            pcre2_get_error_message(code, buffer, sizeof buffer);
            error = std::string(reinterpret_cast<const char*>(buffer)) + " (at offset " +
                    std::to_string(offset) + ")";
            return nullptr;
        }
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        return std::unique_ptr<Regex>(new Regex(re));
    }

    pcre2_code* code() const { return code_; }

  private:
    explicit Regex(pcre2_code* code) : code_(code) {}
    pcre2_code* code_;
};

/// Match data for one pattern, owned.
class Matcher {
  public:
    explicit Matcher(const Regex& re)
        : re_(re), data_(pcre2_match_data_create_from_pattern(re.code(), nullptr)) {}
    Matcher(const Matcher&) = delete;
    Matcher& operator=(const Matcher&) = delete;
    ~Matcher() { pcre2_match_data_free(data_); }

    /// Next match in subject[0, length) at or after `start`; false when none.
    bool find(const char* subject, std::size_t length, std::size_t start,
              std::uint32_t options = 0) {
        if (start > length) return false;
        const int rc = pcre2_match(re_.code(), reinterpret_cast<PCRE2_SPTR>(subject), length, start,
                                   options | PCRE2_NO_UTF_CHECK, data_, nullptr);
        if (rc < 0) return false;
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data_);
        begin_ = ov[0];
        end_ = ov[1];
        return true;
    }
    std::size_t begin() const { return begin_; }
    std::size_t end() const { return end_; }
    /// True when capture group `n` took part in the match.
    bool group_set(std::uint32_t n) const {
        if (n >= pcre2_get_ovector_count(data_)) return false;
        return pcre2_get_ovector_pointer(data_)[2 * n] != PCRE2_UNSET;
    }

  private:
    const Regex& re_;
    pcre2_match_data* data_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

/// Byte length of the UTF-8 sequence starting with `c`.
std::size_t utf8_step(unsigned char c) {
    if (c < 0x80) return 1;
    if ((c >> 5) == 0x6) return 2;
    if ((c >> 4) == 0xE) return 3;
    if ((c >> 3) == 0x1E) return 4;
    return 1;
}

/// Decodes the code point at `s[i]` (valid UTF-8 assumed).
char32_t decode(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = utf8_step(c);
    if (n == 1 || i + n > s.size()) return c;
    char32_t cp = c & (0xFF >> (n + 1));
    for (std::size_t k = 1; k < n; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    return cp;
}

/// Calls `fn(begin, end)` for every match in subject[0, length), empty matches included
/// once per position.
template <typename Fn>
void each_match(Matcher& m, const char* subject, std::size_t length, Fn fn) {
    std::size_t start = 0;
    while (start <= length && m.find(subject, length, start)) {
        fn(m.begin(), m.end());
        if (m.end() > m.begin()) {
            start = m.end();
        } else {
            if (m.end() >= length) break;
            start = m.end() + utf8_step(static_cast<unsigned char>(subject[m.end()]));
        }
    }
}

bool ascii_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/// True when the token begins with an ASCII word character (a literal, \w or \d).
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

/// True when the token ends with an ASCII word character.
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

/// The alternatives of a regex at its top level: "a|b(c|d)" -> {"a", "b(c|d)"}.
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

/// The token with \b at the ASCII word edges of each of its alternatives (none when
/// `nonword`), so "sign up|报名" finds 报名 inside Chinese text.
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

/// Chinese, Japanese and Korean letters (not punctuation).
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

/// How much one occurrence match counts: 1, or for text with CJK letters one per such
/// letter plus one per run of other (non-space, non-punctuation) characters.
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

// --- scopes -----------------------------------------------------------------------------

enum class Scope { text, paragraph, sentence, heading };

struct Span {
    std::size_t begin;
    std::size_t end;
};

bool space_at(std::string_view s, std::size_t i) {
    const char c = s[i];
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// Trims ASCII and ideographic spaces; empty spans are dropped.
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

/// Sentences end at . ! ? followed by a space or the end, at 。！？ and at line ends.
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

/// Markdown headings: the text of lines starting with 1-6 '#' and a space.
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

}  // namespace

// --- rules ------------------------------------------------------------------------------

/// A match of a rule's pattern: bytes [begin, end) of the text, and for substitutions
/// which swap entry matched.
struct Match {
    std::size_t begin;
    std::size_t end;
    std::size_t entry;
};

/// What one check computes once for all rules: the text's scopes.
class CheckContext {
  public:
    explicit CheckContext(std::string_view text) : text_(text) {}
    std::string_view text() const { return text_; }
    const std::vector<Span>& spans_of(Scope scope) {
        auto it = spans_.find(scope);
        if (it == spans_.end()) it = spans_.emplace(scope, spans(text_, scope)).first;
        return it->second;
    }

  private:
    std::string_view text_;
    std::map<Scope, std::vector<Span>> spans_;
};

struct Rule {
    std::string name;
    std::string kind;
    std::string message;
    Level level = Level::suggestion;
    bool ignorecase = false;
    bool nonword = false;
    bool alpha = false;
    Scope scope = Scope::text;
    std::optional<long long> max;
    std::optional<long long> min;
    std::string match;  ///< capitalization: $title, $sentence, $lower, $upper or a regex
    std::set<std::string> exceptions;
    std::unique_ptr<Regex> pattern;         ///< all tokens (or swap keys) as one alternation
    std::unique_ptr<Regex> anchored;        ///< the same, matching only where it starts
    std::vector<std::string> replacements;  ///< substitution: by swap entry
    std::vector<std::uint32_t> groups;      ///< substitution: capture group of each entry
    /// Lower-cased literal text every match starts with (one per alternative); empty
    /// when some alternative has none, and the whole text is searched instead.
    std::vector<std::string> literals;
    std::string pattern_text;          ///< the combined pattern as compiled
    std::vector<std::string> sources;  ///< the user's regexes (tokens, swap keys, token)

    /// Every match in the text, leftmost first, not overlapping. `starts` (sorted) are
    /// the only places a match can begin, when the rule has literals.
    template <typename Fn>
    void each(std::string_view text, const std::vector<std::size_t>* starts, Fn fn) const;
    void check(CheckContext& context, const std::vector<std::size_t>* starts,
               std::vector<Finding>& out) const;

  private:
    // One kind each (check() picks by `kind`); `parts` are the text's spans of `scope`.
    void check_capitalization(std::string_view text, const std::vector<Span>& parts,
                              std::vector<Finding>& out) const;
    void check_existence(std::string_view text, const std::vector<Span>& parts,
                         const std::vector<std::size_t>* starts, std::vector<Finding>& out) const;
    void check_substitution(std::string_view text, const std::vector<Span>& parts,
                            const std::vector<std::size_t>* starts,
                            std::vector<Finding>& out) const;
    void check_occurrence(std::string_view text, const std::vector<Span>& parts,
                          const std::vector<std::size_t>* starts, std::vector<Finding>& out) const;
    void check_repetition(std::string_view text, const std::vector<Span>& parts,
                          const std::vector<std::size_t>* starts, std::vector<Finding>& out) const;
    void add(std::vector<Finding>& out, std::string_view text, std::size_t b, std::size_t e,
             const std::vector<std::string>& args, std::string suggestion = "") const {
        Finding f;
        f.rule = name;
        f.level = level;
        f.message = format_message(message, args);
        f.matched = std::string(text.substr(b, e - b));
        f.suggestion = std::move(suggestion);
        f.offset = b;
        f.length = e - b;
        out.push_back(std::move(f));
    }
    bool capitalization_ok(std::string_view s) const;
};

namespace {

char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_text(std::string_view a, std::string_view b, bool ignorecase) {
    if (!ignorecase || a.size() != b.size()) return a == b;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (fold(a[i]) != fold(b[i])) return false;
    }
    return true;
}

bool has_letter(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); i += utf8_step(static_cast<unsigned char>(s[i]))) {
        const char32_t cp = decode(s, i);
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp >= 0x80) return true;
    }
    return false;
}

const std::set<std::string>& small_words() {
    static const std::set<std::string> words = {
        "a",  "an",   "and", "as", "at",   "but", "by",   "for",  "from", "in",
        "is", "into", "nor", "of", "off",  "on",  "onto", "or",   "out",  "over",
        "so", "the",  "to",  "up", "upon", "via", "vs",   "with", "yet"};
    return words;
}

bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool lower(char c) { return c >= 'a' && c <= 'z'; }

}  // namespace

bool Rule::capitalization_ok(std::string_view s) const {
    if (match == "$sentence") {
        return !lower(s[0]);
    }
    std::vector<std::string> words;
    std::string word;
    for (char c : s) {
        if (c == ' ' || c == '\t') {
            if (!word.empty()) words.push_back(word);
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty()) words.push_back(word);
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (exceptions.count(w) > 0) continue;
        if (match == "$title") {
            if (i > 0 && small_words().count(core::ascii_lower(w)) > 0) continue;
            if (lower(w[0])) return false;
        } else if (match == "$lower") {
            if (std::any_of(w.begin(), w.end(), upper)) return false;
        } else if (match == "$upper") {
            if (std::any_of(w.begin(), w.end(), lower)) return false;
        }
    }
    return true;
}

template <typename Fn>
void Rule::each(std::string_view text, const std::vector<std::size_t>* starts, Fn fn) const {
    auto entry_of = [&](const Matcher& m) {
        std::size_t entry = 0;
        while (entry < groups.size() && !m.group_set(groups[entry])) ++entry;
        return entry;
    };
    if (starts != nullptr) {
        Matcher m(*anchored);
        std::size_t last_end = 0;
        for (std::size_t start : *starts) {
            if (start < last_end) continue;
            if (!m.find(text.data(), text.size(), start) || m.end() == m.begin()) continue;
            fn(Match{m.begin(), m.end(), entry_of(m)});
            last_end = m.end();
        }
        return;
    }
    Matcher m(*pattern);
    each_match(m, text.data(), text.size(), [&](std::size_t b, std::size_t e) {
        if (e > b) fn(Match{b, e, entry_of(m)});
    });
}

namespace {

// Follows matches, which come in text order, through the parts: the part each is in.
class PartCursor {
  public:
    explicit PartCursor(const std::vector<Span>& parts) : parts_(parts) {}
    /// The index of the part `f` begins in, or -1 when it begins in none.
    long of(const Match& f) {
        while (part_ < parts_.size() && parts_[part_].end <= f.begin) ++part_;
        if (part_ < parts_.size() && parts_[part_].begin <= f.begin)
            return static_cast<long>(part_);
        return -1;
    }

  private:
    const std::vector<Span>& parts_;
    std::size_t part_ = 0;
};

}  // namespace

void Rule::check(CheckContext& context, const std::vector<std::size_t>* starts,
                 std::vector<Finding>& out) const {
    const std::string_view text = context.text();
    const std::vector<Span>& parts = context.spans_of(scope);
    if (kind == "capitalization") return check_capitalization(text, parts, out);
    if (parts.empty()) return;
    if (kind == "existence") {
        check_existence(text, parts, starts, out);
    } else if (kind == "substitution") {
        check_substitution(text, parts, starts, out);
    } else if (kind == "occurrence") {
        check_occurrence(text, parts, starts, out);
    } else if (kind == "repetition") {
        check_repetition(text, parts, starts, out);
    }
}

void Rule::check_capitalization(std::string_view text, const std::vector<Span>& parts,
                                std::vector<Finding>& out) const {
    for (const auto& sp : parts) {
        const std::string_view s = text.substr(sp.begin, sp.end - sp.begin);
        // Only text that starts with a Latin letter has capitals to check.
        if (!upper(s[0]) && !lower(s[0])) continue;
        bool ok;
        if (pattern) {
            Matcher m(*pattern);
            ok = m.find(s.data(), s.size(), 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED);
        } else {
            ok = capitalization_ok(s);
        }
        if (!ok) add(out, text, sp.begin, sp.end, {std::string(s)});
    }
}

void Rule::check_existence(std::string_view text, const std::vector<Span>& parts,
                           const std::vector<std::size_t>* starts,
                           std::vector<Finding>& out) const {
    PartCursor cursor(parts);
    each(text, starts, [&](const Match& f) {
        if (cursor.of(f) < 0) return;
        add(out, text, f.begin, f.end, {std::string(text.substr(f.begin, f.end - f.begin))});
    });
}

void Rule::check_substitution(std::string_view text, const std::vector<Span>& parts,
                              const std::vector<std::size_t>* starts,
                              std::vector<Finding>& out) const {
    PartCursor cursor(parts);
    each(text, starts, [&](const Match& f) {
        if (cursor.of(f) < 0 || f.entry >= replacements.size()) return;
        const std::string_view observed = text.substr(f.begin, f.end - f.begin);
        const std::string& expected = replacements[f.entry];
        const std::string first = expected.substr(0, expected.find('|'));
        // Text already written as the guide wants it is fine.
        if (observed == first) return;
        add(out, text, f.begin, f.end, {expected, std::string(observed)}, first);
    });
}

void Rule::check_occurrence(std::string_view text, const std::vector<Span>& parts,
                            const std::vector<std::size_t>* starts,
                            std::vector<Finding>& out) const {
    // A match counts in every part it overlaps, with the overlapping text only: a run of
    // Chinese without spaces may cover several sentences. Parts before the next match's
    // start are final.
    std::vector<std::size_t> counts(parts.size(), 0);
    std::vector<std::optional<Span>> over(parts.size());
    std::size_t first = 0;
    auto finish = [&](std::size_t p) {
        if (max && over[p]) {
            // Sentences and paragraphs are pointed at whole; the whole text at the first
            // match over the limit.
            const Span at = scope == Scope::text ? *over[p] : parts[p];
            add(out, text, at.begin, at.end, {std::to_string(counts[p])});
        } else if (min && counts[p] < static_cast<std::size_t>(*min)) {
            add(out, text, parts[p].begin, parts[p].end, {std::to_string(counts[p])});
        }
    };
    each(text, starts, [&](const Match& f) {
        while (first < parts.size() && parts[first].end <= f.begin) finish(first++);
        for (std::size_t p = first; p < parts.size() && parts[p].begin < f.end; ++p) {
            const std::size_t b = std::max(f.begin, parts[p].begin);
            const std::size_t e = std::min(f.end, parts[p].end);
            if (e <= b) continue;
            counts[p] += weight(text.substr(b, e - b));
            if (max && counts[p] > static_cast<std::size_t>(*max) && !over[p]) {
                over[p] = Span{b, e};
            }
        }
    });
    while (first < parts.size()) finish(first++);
}

void Rule::check_repetition(std::string_view text, const std::vector<Span>& parts,
                            const std::vector<std::size_t>* starts,
                            std::vector<Finding>& out) const {
    PartCursor cursor(parts);
    std::optional<Match> previous;
    long previous_part = -1;
    each(text, starts, [&](const Match& f) {
        const long p = cursor.of(f);
        const std::string_view word = text.substr(f.begin, f.end - f.begin);
        if (p < 0 || (alpha && !has_letter(word))) {
            previous.reset();
            return;
        }
        if (previous && previous_part == p) {
            const std::string_view before =
                text.substr(previous->begin, previous->end - previous->begin);
            const std::string_view between = text.substr(previous->end, f.begin - previous->end);
            const bool only_space =
                !between.empty() && std::all_of(between.begin(), between.end(),
                                                [](char c) { return c == ' ' || c == '\t'; });
            if (only_space && equal_text(before, word, ignorecase)) {
                add(out, text, previous->begin, f.end, {std::string(word)});
            }
        }
        previous = f;
        previous_part = p;
    });
}

// --- loading ----------------------------------------------------------------------------

namespace {

const std::vector<std::string> kinds = {"existence", "substitution", "occurrence", "capitalization",
                                        "repetition"};

std::set<std::string> keys_of(const std::string& kind) {
    std::set<std::string> keys = {"extends", "message", "level",       "ignorecase",
                                  "nonword", "scope",   "description", "link"};
    if (kind == "existence") keys.insert("tokens");
    if (kind == "substitution") keys.insert("swap");
    if (kind == "occurrence") keys.insert({"token", "max", "min"});
    if (kind == "capitalization") keys.insert({"match", "exceptions"});
    if (kind == "repetition") keys.insert({"tokens", "alpha"});
    return keys;
}

/// Index just past the group opening at t[i] ('('), or npos when it does not close.
std::size_t group_end(const std::string& t, std::size_t i) {
    int depth = 0;
    bool in_class = false;
    for (; i < t.size(); ++i) {
        const char c = t[i];
        if (c == '\\') {
            ++i;
        } else if (in_class) {
            in_class = c != ']';
        } else if (c == '[') {
            in_class = true;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')' && --depth == 0) {
            return i + 1;
        }
    }
    return std::string::npos;
}

bool literal_char_ok(char32_t cp) {
    return cp < 0x80 || cjk_letter(cp) || cjk_punctuation(cp) || (cp >= 0xFF00 && cp <= 0xFFEF);
}

/// The literal text every match of the regex `t` starts with, lower-cased (ASCII); empty
/// when there is none worth searching for. Leading \b and lookarounds are skipped: they
/// take no text.
std::string literal_prefix(const std::string& t) {
    std::size_t i = 0;
    for (;;) {
        if (t.compare(i, 2, "\\b") == 0) {
            i += 2;
        } else if (t.compare(i, 4, "(?<!") == 0 || t.compare(i, 4, "(?<=") == 0 ||
                   t.compare(i, 3, "(?!") == 0 || t.compare(i, 3, "(?=") == 0) {
            i = group_end(t, i);
            if (i == std::string::npos) return "";
        } else {
            break;
        }
    }
    std::string lit;
    bool ascii = true;
    while (i < t.size()) {
        const char c = t[i];
        std::string ch;
        std::size_t next;
        if (c == '\\') {
            if (i + 1 >= t.size() || ascii_word(t[i + 1]) ||
                static_cast<unsigned char>(t[i + 1]) >= 0x80) {
                break;
            }
            ch = std::string(1, t[i + 1]);
            next = i + 2;
        } else if (std::string_view(".[](){}*+?|^$#").find(c) != std::string_view::npos) {
            break;
        } else {
            const std::size_t n = utf8_step(static_cast<unsigned char>(c));
            if (!literal_char_ok(decode(t, i))) return "";
            ascii = ascii && n == 1;
            ch = t.substr(i, n);
            next = i + n;
        }
        // A character a quantifier makes optional is not part of every match.
        if (next < t.size() && (t[next] == '?' || t[next] == '*' || t[next] == '{')) break;
        lit += ch;
        i = next;
        if (next < t.size() && t[next] == '+') break;
    }
    if (lit.empty() || (ascii && lit.size() < 2)) return "";
    return core::ascii_lower(lit);
}

/// Gives the rule its literals and anchored pattern when every alternative of every
/// regex starts with literal text; otherwise the rule searches the whole text.
void use_literals(Rule& rule) {
    if (!rule.pattern || rule.kind == "capitalization") return;
    std::vector<std::string> literals;
    for (const auto& source : rule.sources) {
        for (const auto& alt : alternatives(source)) {
            std::string literal = literal_prefix(alt);
            if (literal.empty()) return;
            literals.push_back(std::move(literal));
        }
    }
    std::string error;
    rule.anchored = Regex::compile(rule.pattern_text, rule.ignorecase, error,
                                   PCRE2_ANCHORED | PCRE2_NO_START_OPTIMIZE);
    if (rule.anchored) rule.literals = std::move(literals);
}

class RuleReader {
  public:
    RuleReader(const RuleSource& source, std::vector<RuleProblem>& problems)
        : source_(source), problems_(problems) {}

    std::unique_ptr<Rule> read() {
        YAML::Node root;
        try {
            root = YAML::Load(source_.text);
        } catch (const YAML::ParserException& e) {
            problem(e.mark.line + 1, "not valid YAML: " + e.msg);
            return nullptr;
        }
        if (!root.IsMap()) {
            problem(1, "a rule file must be a mapping with at least `extends` and `message`");
            return nullptr;
        }
        auto rule = std::make_unique<Rule>();
        rule->name = source_.name;
        const YAML::Node extends = root["extends"];
        if (!extends) {
            problem(1,
                    "`extends` is missing; name the rule's kind (" + core::join(kinds, ", ") + ")");
            return nullptr;
        }
        rule->kind = scalar(extends, "extends");
        if (std::find(kinds.begin(), kinds.end(), rule->kind) == kinds.end()) {
            problem(line(extends),
                    "the kind \"" + rule->kind +
                        "\" is not supported; supported kinds: " + core::join(kinds, ", "));
            return nullptr;
        }
        const std::set<std::string> allowed = keys_of(rule->kind);
        for (const auto& kv : root) {
            const std::string key = kv.first.Scalar();
            if (allowed.count(key) == 0) {
                problem(
                    line(kv.first),
                    "the key \"" + key + "\" is not supported in " + rule->kind +
                        " rules; supported keys: " +
                        core::join(std::vector<std::string>(allowed.begin(), allowed.end()), ", "));
            }
        }
        const std::size_t before = problems_.size();
        read_common(root, *rule);
        if (rule->kind == "existence") read_existence(root, *rule);
        if (rule->kind == "substitution") read_substitution(root, *rule);
        if (rule->kind == "occurrence") read_occurrence(root, *rule);
        if (rule->kind == "capitalization") read_capitalization(root, *rule);
        if (rule->kind == "repetition") read_repetition(root, *rule);
        if (problems_.size() != before) return nullptr;
        use_literals(*rule);
        return rule;
    }

  private:
    void problem(int line, std::string message) {
        problems_.push_back({source_.file, line, std::move(message)});
    }
    static int line(const YAML::Node& n) {
        const auto mark = n.Mark();
        return mark.line < 0 ? 0 : mark.line + 1;
    }
    std::string scalar(const YAML::Node& n, const std::string& key) {
        if (!n.IsScalar()) {
            problem(line(n), "`" + key + "` must be a single value");
            return "";
        }
        return n.Scalar();
    }
    std::optional<bool> boolean(const YAML::Node& root, const std::string& key) {
        const YAML::Node n = root[key];
        if (!n) return std::nullopt;
        const std::string v = scalar(n, key);
        if (v == "true") return true;
        if (v == "false") return false;
        problem(line(n), "`" + key + "` must be true or false, not \"" + v + "\"");
        return std::nullopt;
    }
    std::optional<long long> integer(const YAML::Node& root, const std::string& key) {
        const YAML::Node n = root[key];
        if (!n) return std::nullopt;
        const std::string v = scalar(n, key);
        try {
            std::size_t used = 0;
            const long long x = std::stoll(v, &used);
            if (used == v.size() && x >= 0) return x;
        } catch (const std::exception&) {
        }
        problem(line(n), "`" + key + "` must be a whole number of 0 or more, not \"" + v + "\"");
        return std::nullopt;
    }
    std::vector<std::pair<std::string, int>> list(const YAML::Node& root, const std::string& key) {
        std::vector<std::pair<std::string, int>> out;
        const YAML::Node n = root[key];
        if (!n) return out;
        if (!n.IsSequence()) {
            problem(line(n), "`" + key + "` must be a list");
            return out;
        }
        for (const auto& item : n) {
            if (!item.IsScalar()) {
                problem(line(item), "each entry of `" + key + "` must be a single value");
                continue;
            }
            out.emplace_back(item.Scalar(), line(item));
        }
        return out;
    }
    /// Compiles one user regex alone, to name it with its line when it is bad.
    bool compiles(const std::string& pattern, int at, bool caseless) {
        std::string error;
        if (Regex::compile(pattern, caseless, error)) return true;
        problem(at, "the regex \"" + pattern + "\" does not compile: " + error);
        return false;
    }
    std::unique_ptr<Regex> combined(const std::string& pattern, int at, bool caseless) {
        std::string error;
        auto re = Regex::compile(pattern, caseless, error);
        if (!re) problem(at, "the rule's regexes do not compile together: " + error);
        return re;
    }

    void read_common(const YAML::Node& root, Rule& rule) {
        const YAML::Node message = root["message"];
        if (!message) {
            problem(1, "`message` is missing; say what to change (%s stands for the match)");
        } else {
            rule.message = scalar(message, "message");
        }
        if (const YAML::Node n = root["level"]) {
            const std::string v = scalar(n, "level");
            if (v == "suggestion") {
                rule.level = Level::suggestion;
            } else if (v == "warning") {
                rule.level = Level::warning;
            } else if (v == "error") {
                rule.level = Level::error;
            } else {
                problem(line(n), "`level` must be suggestion, warning or error, not \"" + v + "\"");
            }
        }
        rule.ignorecase = boolean(root, "ignorecase").value_or(false);
        rule.nonword = boolean(root, "nonword").value_or(false);
        rule.scope = rule.kind == "capitalization" ? Scope::heading : Scope::text;
        if (const YAML::Node n = root["scope"]) {
            const std::string v = scalar(n, "scope");
            static const std::map<std::string, Scope> scopes = {{"text", Scope::text},
                                                                {"paragraph", Scope::paragraph},
                                                                {"sentence", Scope::sentence},
                                                                {"heading", Scope::heading}};
            const auto it = scopes.find(v);
            if (it == scopes.end()) {
                problem(line(n), "the scope \"" + v +
                                     "\" is not supported; use text, paragraph, sentence or "
                                     "heading");
            } else {
                rule.scope = it->second;
            }
        }
        for (const std::string key : {"description", "link"}) {
            if (const YAML::Node n = root[key]) scalar(n, key);
        }
    }

    /// One alternation of tokens with their word edges.
    void read_tokens(const YAML::Node& root, Rule& rule, bool nonword) {
        const auto tokens = list(root, "tokens");
        if (tokens.empty()) {
            problem(root["tokens"] ? line(root["tokens"]) : 1,
                    "`tokens` is missing or empty; list the words or regexes to look for");
            return;
        }
        bool ok = true;
        std::string pattern;
        for (const auto& [token, at] : tokens) {
            if (token.empty()) {
                problem(at, "an empty token matches everything");
                ok = false;
                continue;
            }
            ok = compiles(token, at, rule.ignorecase) && ok;
            if (!pattern.empty()) pattern += "|";
            pattern += bounded(token, nonword);
        }
        if (!ok) return;
        for (const auto& t : tokens) rule.sources.push_back(t.first);
        rule.pattern_text = pattern;
        rule.pattern = combined(pattern, line(root["tokens"]), rule.ignorecase);
    }

    void read_existence(const YAML::Node& root, Rule& rule) {
        read_tokens(root, rule, rule.nonword);
    }

    void read_repetition(const YAML::Node& root, Rule& rule) {
        rule.alpha = boolean(root, "alpha").value_or(false);
        read_tokens(root, rule, true);
    }

    void read_substitution(const YAML::Node& root, Rule& rule) {
        const YAML::Node swap = root["swap"];
        if (!swap || !swap.IsMap() || swap.size() == 0) {
            problem(swap ? line(swap) : 1,
                    "`swap` is missing or not a mapping; write `observed: expected` pairs");
            return;
        }
        bool ok = true;
        std::string pattern;
        std::size_t n = 0;
        for (const auto& kv : swap) {
            if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
                problem(line(kv.first), "each `swap` entry must be `observed: expected`");
                ok = false;
                continue;
            }
            const std::string key = kv.first.Scalar();
            if (key.empty()) {
                problem(line(kv.first), "an empty swap key matches everything");
                ok = false;
                continue;
            }
            ok = compiles(key, line(kv.first), rule.ignorecase) && ok;
            if (!pattern.empty()) pattern += "|";
            pattern += "(?<tt_s" + std::to_string(n++) + ">" + bounded(key, rule.nonword) + ")";
            rule.replacements.push_back(kv.second.Scalar());
        }
        if (!ok) return;
        for (const auto& kv : swap) rule.sources.push_back(kv.first.Scalar());
        rule.pattern_text = pattern;
        rule.pattern = combined(pattern, line(swap), rule.ignorecase);
        if (!rule.pattern) return;
        for (std::size_t i = 0; i < n; ++i) {
            const std::string name = "tt_s" + std::to_string(i);
            const int number = pcre2_substring_number_from_name(
                rule.pattern->code(), reinterpret_cast<PCRE2_SPTR>(name.c_str()));
            rule.groups.push_back(static_cast<std::uint32_t>(number < 0 ? 0 : number));
        }
    }

    void read_occurrence(const YAML::Node& root, Rule& rule) {
        rule.max = integer(root, "max");
        rule.min = integer(root, "min");
        if (!rule.max && !rule.min && !root["max"] && !root["min"]) {
            problem(1, "an occurrence rule needs `max` or `min`");
        }
        const YAML::Node token = root["token"];
        if (!token) {
            problem(1, "`token` is missing; give the regex to count");
            return;
        }
        const std::string t = scalar(token, "token");
        if (t.empty()) {
            problem(line(token), "an empty token matches everything");
            return;
        }
        if (compiles(t, line(token), rule.ignorecase)) {
            rule.sources.push_back(t);
            rule.pattern_text = rule.nonword ? t : bounded(t, false);
            rule.pattern = combined(rule.pattern_text, line(token), rule.ignorecase);
        }
    }

    void read_capitalization(const YAML::Node& root, Rule& rule) {
        const YAML::Node match = root["match"];
        if (!match) {
            problem(1, "`match` is missing; use $title, $sentence, $lower, $upper or a regex");
            return;
        }
        rule.match = scalar(match, "match");
        for (const auto& [word, at] : list(root, "exceptions")) rule.exceptions.insert(word);
        if (rule.match.empty()) {
            problem(line(match), "`match` is empty");
        } else if (rule.match[0] == '$') {
            if (rule.match != "$title" && rule.match != "$sentence" && rule.match != "$lower" &&
                rule.match != "$upper") {
                problem(line(match), "`match` \"" + rule.match +
                                         "\" is not supported; use $title, $sentence, $lower, "
                                         "$upper or a regex");
            }
        } else if (compiles(rule.match, line(match), rule.ignorecase)) {
            rule.pattern = combined(rule.match, line(match), rule.ignorecase);
        }
    }

    const RuleSource& source_;
    std::vector<RuleProblem>& problems_;
};

bool rule_file(const fs::path& p) {
    const std::string ext = p.extension().string();
    return ext == ".yml" || ext == ".yaml";
}

}  // namespace

/// Aho-Corasick over the rules' literals: one pass over the text (ASCII letters folded
/// to lower case on the way) gives, per rule, every place one of its matches may start.
/// Bytes that occur in no literal share one class, which keeps the table small.
struct Prefilter {
    struct Output {
        std::uint32_t length;
        std::uint32_t rule;
    };
    std::array<std::uint8_t, 256> byte_class{};
    std::size_t classes = 1;
    std::vector<std::int32_t> next;          ///< state * classes + class -> state
    std::vector<std::uint32_t> output_from;  ///< state -> first output; state + 1 -> end
    std::vector<Output> outputs;
    std::vector<bool> uses;  ///< by rule: has literals

    explicit Prefilter(const std::vector<std::unique_ptr<Rule>>& rules) : uses(rules.size()) {
        std::set<std::pair<std::string, std::uint32_t>> literals;
        for (std::uint32_t r = 0; r < rules.size(); ++r) {
            uses[r] = !rules[r]->literals.empty();
            for (const auto& literal : rules[r]->literals) literals.insert({literal, r});
        }
        classify_bytes(literals);
        Trie trie = trie_of(literals);
        link_failures(trie);
        flatten(trie);
    }

    /// Per rule, the sorted places its matches may start in `text`.
    std::vector<std::vector<std::size_t>> starts(std::string_view text) const {
        std::vector<std::vector<std::size_t>> found(uses.size());
        std::int32_t state = 0;
        const std::size_t width = classes;
        for (std::size_t i = 0; i < text.size(); ++i) {
            state = next[static_cast<std::size_t>(state) * width +
                         byte_class[static_cast<unsigned char>(text[i])]];
            const std::uint32_t from = output_from[state];
            const std::uint32_t to = output_from[state + 1];
            for (std::uint32_t o = from; o < to; ++o) {
                found[outputs[o].rule].push_back(i + 1 - outputs[o].length);
            }
        }
        for (auto& v : found) {
            if (std::is_sorted(v.begin(), v.end())) continue;
            std::sort(v.begin(), v.end());
            v.erase(std::unique(v.begin(), v.end()), v.end());
        }
        return found;
    }

  private:
    using Literals = std::set<std::pair<std::string, std::uint32_t>>;
    /// The automaton as nested per-state rows while it is built.
    struct Trie {
        std::vector<std::vector<std::int32_t>> go;
        std::vector<std::vector<Output>> out;
    };

    // A class per byte the literals use (upper-case letters as their lower-case ones).
    void classify_bytes(const Literals& literals) {
        for (const auto& [literal, r] : literals) {
            for (unsigned char c : literal) {
                // Past 255 classes the rest share class 0: more candidates, same matches.
                if (byte_class[c] == 0 && classes < 256) {
                    byte_class[c] = static_cast<std::uint8_t>(classes++);
                }
            }
        }
        for (int c = 'A'; c <= 'Z'; ++c) byte_class[c] = byte_class[c - 'A' + 'a'];
    }

    // The trie of the literals, each ending state with its literal's length and rule.
    Trie trie_of(const Literals& literals) const {
        Trie t;
        t.go.assign(1, std::vector<std::int32_t>(classes, -1));
        t.out.resize(1);
        for (const auto& [literal, r] : literals) {
            std::int32_t state = 0;
            for (unsigned char c : literal) {
                const std::uint8_t k = byte_class[c];
                if (t.go[state][k] < 0) {
                    t.go[state][k] = static_cast<std::int32_t>(t.go.size());
                    t.go.emplace_back(classes, -1);
                    t.out.emplace_back();
                }
                state = t.go[state][k];
            }
            t.out[state].push_back({static_cast<std::uint32_t>(literal.size()), r});
        }
        return t;
    }

    // Breadth first: failure links folded into the table, outputs merged.
    void link_failures(Trie& t) const {
        std::vector<std::int32_t> fail(t.go.size(), 0);
        std::vector<std::int32_t> queue;
        for (std::size_t k = 0; k < classes; ++k) {
            if (t.go[0][k] < 0) {
                t.go[0][k] = 0;
            } else {
                queue.push_back(t.go[0][k]);
            }
        }
        for (std::size_t q = 0; q < queue.size(); ++q) {
            const std::int32_t state = queue[q];
            const auto inherited = t.out[fail[state]];
            t.out[state].insert(t.out[state].end(), inherited.begin(), inherited.end());
            for (std::size_t k = 0; k < classes; ++k) {
                const std::int32_t child = t.go[state][k];
                if (child < 0) {
                    t.go[state][k] = t.go[fail[state]][k];
                } else {
                    fail[child] = t.go[fail[state]][k];
                    queue.push_back(child);
                }
            }
        }
    }

    // The rows into one table (`next`) and the outputs into one list (`output_from`).
    void flatten(const Trie& t) {
        next.reserve(t.go.size() * classes);
        for (const auto& row : t.go) next.insert(next.end(), row.begin(), row.end());
        for (const auto& o : t.out) {
            output_from.push_back(static_cast<std::uint32_t>(outputs.size()));
            outputs.insert(outputs.end(), o.begin(), o.end());
        }
        output_from.push_back(static_cast<std::uint32_t>(outputs.size()));
    }
};

ToneGuide::ToneGuide() = default;
ToneGuide::ToneGuide(ToneGuide&&) noexcept = default;
ToneGuide& ToneGuide::operator=(ToneGuide&&) noexcept = default;
ToneGuide::~ToneGuide() = default;

ToneGuide ToneGuide::from_sources(const std::vector<RuleSource>& sources) {
    std::vector<RuleProblem> problems;
    ToneGuide guide;
    std::set<std::string> names;
    for (const auto& source : sources) {
        if (!names.insert(source.name).second) {
            problems.push_back({source.file, 0, "a second rule named \"" + source.name + "\""});
            continue;
        }
        RuleReader reader(source, problems);
        if (auto rule = reader.read()) guide.rules_.push_back(std::move(rule));
    }
    if (!problems.empty()) throw ToneGuideError(std::move(problems));
    guide.prefilter_ = std::make_unique<Prefilter>(guide.rules_);
    return guide;
}

ToneGuide ToneGuide::load(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw ToneGuideError({{dir, 0, "the tone rules folder does not exist"}});
    }
    std::vector<fs::path> files;
    std::vector<std::string> names;
    auto add = [&](const fs::path& p, const std::string& prefix) {
        files.push_back(p);
        names.push_back(prefix + p.stem().string());
    };
    std::vector<fs::directory_entry> entries(fs::directory_iterator(dir, ec), {});
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries) {
        if (entry.is_regular_file() && rule_file(entry.path())) {
            add(entry.path(), "");
        } else if (entry.is_directory()) {
            std::vector<fs::directory_entry> inner(fs::directory_iterator(entry.path(), ec), {});
            std::sort(inner.begin(), inner.end());
            for (const auto& f : inner) {
                if (f.is_regular_file() && rule_file(f.path())) {
                    add(f.path(), entry.path().filename().string() + ".");
                }
            }
        }
    }
    std::vector<RuleSource> sources;
    for (std::size_t i = 0; i < files.size(); ++i) {
        std::ifstream in(files[i], std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        sources.push_back({names[i], files[i].string(), text.str()});
    }
    return from_sources(sources);
}

std::vector<Finding> ToneGuide::check(std::string_view text) const {
    std::vector<Finding> out;
    if (!core::valid_utf8(text) || rules_.empty()) return out;
    const auto starts = prefilter_->starts(text);
    CheckContext context(text);
    for (std::size_t r = 0; r < rules_.size(); ++r) {
        rules_[r]->check(context, prefilter_->uses[r] ? &starts[r] : nullptr, out);
    }
    std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
        return a.offset != b.offset ? a.offset < b.offset : a.rule < b.rule;
    });
    // Line numbers in one pass over the text.
    int line = 1;
    std::size_t pos = 0;
    for (auto& f : out) {
        for (; pos < f.offset && pos < text.size(); ++pos) {
            if (text[pos] == '\n') ++line;
        }
        f.line = line;
    }
    return out;
}

std::string ToneGuide::apply_substitutions(std::string_view text) const {
    std::vector<Finding> swaps;
    for (auto& f : check(text)) {
        if (!f.suggestion.empty()) swaps.push_back(std::move(f));
    }
    std::string out;
    std::size_t pos = 0;
    for (const auto& f : swaps) {
        if (f.offset < pos) continue;  // overlaps one applied already
        out.append(text.substr(pos, f.offset - pos));
        out += f.suggestion;
        pos = f.offset + f.length;
    }
    out.append(text.substr(pos));
    return out;
}

}  // namespace twintrack::bot::tone
