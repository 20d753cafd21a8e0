#include "bot/features/tone/tone_rule_reader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>
#include <set>

#include "bot/features/tone/tone_rule.hpp"
#include "core/text.hpp"

namespace twintrack::bot::tone {

namespace fs = std::filesystem;

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

}  // namespace

std::unique_ptr<Rule> read_rule(const RuleSource& source, std::vector<RuleProblem>& problems) {
    return RuleReader(source, problems).read();
}

bool rule_file(const fs::path& p) {
    const std::string ext = p.extension().string();
    return ext == ".yml" || ext == ".yaml";
}

}  // namespace twintrack::bot::tone
