#pragma once
// One tone rule as loaded (its kind, pattern, literals, limits) and how it checks a text:
// existence, substitution, occurrence, capitalization, repetition. Inside the tone
// feature only; tone_rule_reader reads rules, ToneGuide runs them.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bot/features/tone/tone_guide.hpp"
#include "bot/features/tone/tone_regex.hpp"
#include "bot/features/tone/tone_scopes.hpp"

namespace twintrack::bot::tone {

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

}  // namespace twintrack::bot::tone
