#pragma once
// A connector's own words: the few answers a connector gives by itself, before the bot
// sees anything (e.g. "only text is read" to a picture), read from the connector's prompts
// file in every locale (prompts/<locale>/<platform>.yaml) and given in the reader's
// language.

#include <map>
#include <memory>
#include <string>

namespace twintrack::connectors {
class Roster;
}

namespace twintrack::connectors::runtime {

class ConnectorWords {
  public:
    ConnectorWords() = default;
    /// Reads `section`.`key` (e.g. messages.text_only) from `prompts_dir`/LOCALE/`file` for
    /// every locale folder that has the file. An empty `prompts_dir` gives no words. Throws
    /// std::runtime_error naming the file when one is not valid YAML.
    ConnectorWords(const std::string& prompts_dir, const std::string& file,
                   const std::string& section, const std::string& key);

    /// The words in `locale`, else in `fallback`, else in English; "" when none.
    std::string in(const std::string& locale, const std::string& fallback) const;
    /// True when some locale has the words.
    bool any() const { return !by_locale_.empty(); }
    /// in(locale, fallback) with every `{{name}}` replaced by `value`; "" when none.
    std::string in_with(const std::string& locale, const std::string& fallback,
                        const std::string& name, const std::string& value) const;

  private:
    std::map<std::string, std::string> by_locale_;
};

/// The words of a connector that passes pictures and files on (DingTalk, Feishu, WeCom),
/// from messages.* of its prompts `file`: the answer to a message it cannot read
/// (`text_key`: text_only, or the file's own key for it), the line that names a file the
/// platform did not take (file_left_out, with {{name}}), and the names it gives files sent
/// without one (picture_name before the extension, file_name, unnamed_file).
struct FileWords {
    FileWords(const std::string& prompts_dir, const std::string& file,
              const std::string& text_key = "text_only");

    ConnectorWords text_only;  ///< the answer to a picture, file, ...
    ConnectorWords left_out;   ///< names a file the platform did not take
    ConnectorWords picture;    ///< a picture's name, before its extension
    ConnectorWords file;       ///< a file's name
    ConnectorWords unnamed;    ///< a file that came without a name
};

/// The language `user` reads by the directory (`roster`, may be null), else `fallback`.
/// `any_case`: identities compared ignoring ASCII case.
std::string reader_locale(const std::shared_ptr<Roster>& roster, const std::string& user,
                          const std::string& fallback, bool any_case = false);

}  // namespace twintrack::connectors::runtime
