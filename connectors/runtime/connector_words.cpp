#include "connectors/runtime/connector_words.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "connectors/api/connector.hpp"

namespace twintrack::connectors::runtime {

namespace fs = std::filesystem;

ConnectorWords::ConnectorWords(const std::string& prompts_dir, const std::string& file,
                               const std::string& section, const std::string& key) {
    if (prompts_dir.empty()) return;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(prompts_dir, ec)) {
        const fs::path path = entry.path() / file;
        if (!fs::is_regular_file(path, ec)) continue;
        try {
            const YAML::Node words = YAML::LoadFile(path.string())[section][key];
            if (words.IsScalar() && !words.Scalar().empty()) {
                by_locale_[entry.path().filename().string()] = words.Scalar();
            }
        } catch (const YAML::Exception& e) {
            throw std::runtime_error(path.string() + ": " + e.what());
        }
    }
}

std::string ConnectorWords::in(const std::string& locale, const std::string& fallback) const {
    for (const std::string* l : {&locale, &fallback}) {
        auto it = by_locale_.find(*l);
        if (it != by_locale_.end()) return it->second;
    }
    auto it = by_locale_.find("en");
    return it == by_locale_.end() ? std::string() : it->second;
}

std::string ConnectorWords::in_with(const std::string& locale, const std::string& fallback,
                                    const std::string& name, const std::string& value) const {
    std::string text = in(locale, fallback);
    const std::string mark = "{{" + name + "}}";
    for (auto at = text.find(mark); at != std::string::npos;
         at = text.find(mark, at + value.size())) {
        text.replace(at, mark.size(), value);
    }
    return text;
}

FileWords::FileWords(const std::string& prompts_dir, const std::string& file,
                     const std::string& text_key)
    : text_only(prompts_dir, file, "messages", text_key),
      left_out(prompts_dir, file, "messages", "file_left_out"),
      picture(prompts_dir, file, "messages", "picture_name"),
      file(prompts_dir, file, "messages", "file_name"),
      unnamed(prompts_dir, file, "messages", "unnamed_file") {}

std::string reader_locale(const std::shared_ptr<Roster>& roster, const std::string& user,
                          const std::string& fallback, bool any_case) {
    return roster ? roster->locale_of(user, fallback, any_case) : fallback;
}

}  // namespace twintrack::connectors::runtime
