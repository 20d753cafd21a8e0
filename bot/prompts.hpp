#pragma once
// Everything the bot says comes from prompts/<locale>/*.yaml: mustache templates under
// `messages:` and command vocabulary (aliases, usage, summary) under `commands:`.
// A key is "<file stem>.<message name>", e.g. "core.pong".

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace twintrack::bot {

/// A prompts folder that cannot be used (missing file, bad YAML, bad template).
class PromptError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// The words for one command in one locale.
struct CommandText {
    std::vector<std::string> aliases;
    std::string usage;
    std::string summary;
    std::string example;  ///< a whole line a newcomer can type as it is; may be empty
};

class Prompts {
  public:
    /// Loads `dir/<locale>/*.yaml` for every locale folder found. Throws PromptError
    /// naming the file and line of the first problem.
    static std::shared_ptr<const Prompts> load(const std::string& dir,
                                               const std::string& default_locale = "en");

    /// Renders a template in `locale` (falling back to the default locale, then to the
    /// key itself so that a missing prompt is visible rather than silent).
    std::string render(const std::string& locale, const std::string& key,
                       const nlohmann::json& data = nlohmann::json::object()) const;

    /// Locales present, e.g. {"en", "zh-CN"}.
    std::vector<std::string> locales() const;
    /// A supported locale matching `requested` ("zh", "zh-cn", "ZH-CN" -> "zh-CN"), or
    /// the default one.
    std::string normalize_locale(const std::string& requested) const;
    const std::string& default_locale() const { return default_locale_; }

    /// Every message key of one locale.
    std::vector<std::string> keys(const std::string& locale) const;
    /// Command words in one locale; empty when the command has none there.
    const CommandText* command(const std::string& locale, const std::string& name) const;
    /// Names of every command that appears in any locale file.
    std::set<std::string> command_names() const;
    /// A list of words (e.g. `core.words.cancel`) gathered across every locale.
    std::vector<std::string> words_all_locales(const std::string& key) const;
    /// The list of words `key` of one locale (empty when that locale has none).
    std::vector<std::string> words(const std::string& locale, const std::string& key) const;
    /// True when the message `key` exists in `locale`.
    bool has(const std::string& locale, const std::string& key) const;
    /// True when `text` (trimmed, case-insensitive) is one of the words `key` of any locale.
    bool is_word(const std::string& key, const std::string& text) const;
    /// The locale `text` names: its code ("zh-CN", "zh_cn", "zh", without case) or one of
    /// its names in any locale (`core.words.language_<base>`: "english", "中文"). Empty when
    /// none.
    std::string locale_named(const std::string& text) const;

    struct Template;

  private:
    std::string default_locale_;
    std::map<std::string, std::map<std::string, std::shared_ptr<Template>>> messages_;
    std::map<std::string, std::map<std::string, CommandText>> commands_;
    std::map<std::string, std::map<std::string, std::vector<std::string>>> words_;
};

}  // namespace twintrack::bot
