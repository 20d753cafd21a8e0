#pragma once
// The tone guide: a house style kept as YAML rule files in the Vale format, one rule a
// file, checked against any text (drafts, announcements, every template the bot posts).
//
// Supported kinds (`extends:`): existence, substitution, occurrence, capitalization,
// repetition. Keys: extends, message (with %s or %[1]s), level (suggestion, warning, error),
// ignorecase, tokens, swap, max, min, token, nonword, scope (text, paragraph, sentence,
// heading), match and exceptions (capitalization), alpha (repetition), and the
// descriptive description and link. Anything else is reported when the guide loads.
//
// Regexes are PCRE2 in UTF mode (lookarounds work as in Vale). Word boundaries are
// added only at a token's ASCII word edges, so `营销` matches inside Chinese text
// written without spaces. Occurrence counts a match containing Chinese (or other CJK)
// characters as one per character, so a sentence-length rule counts English words and
// Chinese characters.

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace twintrack::bot::tone {

enum class Level { suggestion, warning, error };

/// "suggestion", "warning" or "error".
const char* level_name(Level level);

/// One problem in a rule file.
struct RuleProblem {
    std::string file;
    int line = 0;  ///< 1-based; 0 when not tied to a line
    std::string message;
};

/// A rules folder that cannot be used. what() lists every problem as "FILE:LINE: message".
class ToneGuideError : public std::runtime_error {
  public:
    explicit ToneGuideError(std::vector<RuleProblem> problems);
    const std::vector<RuleProblem>& problems() const { return problems_; }

  private:
    std::vector<RuleProblem> problems_;
};

/// What a rule found in a text.
struct Finding {
    std::string rule;  ///< the file's stem, prefixed with its style folder if any: "Hype"
    Level level = Level::suggestion;
    std::string message;     ///< the rule's message with %s filled in
    std::string matched;     ///< the text that triggered it
    std::string suggestion;  ///< substitution: what to write instead; empty otherwise
    std::size_t offset = 0;  ///< bytes into the text
    std::size_t length = 0;  ///< bytes
    int line = 1;            ///< 1-based line of the text
};

/// A rule file's text, for loading rules that are not on disk (tests).
struct RuleSource {
    std::string name;  ///< e.g. "Hype"
    std::string file;  ///< shown in problems, e.g. "config/tone/Hype.yml"
    std::string text;  ///< the YAML
};

struct Rule;
struct Prefilter;

class ToneGuide {
  public:
    ToneGuide();
    ToneGuide(ToneGuide&&) noexcept;
    ToneGuide& operator=(ToneGuide&&) noexcept;
    ~ToneGuide();

    /// Loads every `*.yml` / `*.yaml` of `dir`, and of its sub-folders as Vale styles
    /// (rule name "Style.Rule"). Throws ToneGuideError naming file and line of every
    /// problem: bad YAML, unsupported kinds or keys, bad values, regexes that do not
    /// compile. A missing folder is an error too.
    static ToneGuide load(const std::string& dir);
    /// The same from rule texts.
    static ToneGuide from_sources(const std::vector<RuleSource>& sources);

    /// Every finding in `text`, in text order. Invalid UTF-8 gives none.
    std::vector<Finding> check(std::string_view text) const;
    /// `text` with every substitution applied (the first suggestion of each).
    std::string apply_substitutions(std::string_view text) const;

    /// Number of rules.
    std::size_t size() const { return rules_.size(); }

  private:
    std::vector<std::unique_ptr<Rule>> rules_;
    /// Finds, in one pass, where the rules with literal text can match.
    std::unique_ptr<Prefilter> prefilter_;
};

/// True when any finding has level error.
bool has_error(const std::vector<Finding>& findings);

}  // namespace twintrack::bot::tone
