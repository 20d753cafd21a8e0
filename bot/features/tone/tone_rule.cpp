#include "bot/features/tone/tone_rule.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace twintrack::bot::tone {

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

}  // namespace twintrack::bot::tone
