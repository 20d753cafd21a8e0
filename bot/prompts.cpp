#include "bot/prompts.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <kainjow/mustache.hpp>
#include <mutex>

#include "core/text.hpp"

namespace twintrack::bot {

namespace mus = kainjow::mustache;

// A template is checked when the prompts load but compiled only when first rendered:
// most of the hundreds of templates are never used by a given process, and compiled
// mustache trees take several times the memory of their source.
struct Prompts::Template {
    std::string source;
    bool literal = false;  // no tags: render is the text itself
    std::mutex mu;         // guards `compiled`; render may be called from any thread
    std::unique_ptr<mus::mustache> compiled;
};

namespace {

mus::data to_data(const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::object: {
            mus::data d{mus::data::type::object};
            for (auto it = j.begin(); it != j.end(); ++it) d.set(it.key(), to_data(it.value()));
            return d;
        }
        case nlohmann::json::value_t::array: {
            mus::data d{mus::data::type::list};
            for (const auto& v : j) d.push_back(to_data(v));
            return d;
        }
        case nlohmann::json::value_t::string:
            return mus::data(j.get<std::string>());
        case nlohmann::json::value_t::boolean:
            return j.get<bool>() ? mus::data(mus::data::type::bool_true)
                                 : mus::data(mus::data::type::bool_false);
        case nlohmann::json::value_t::null:
            return mus::data(mus::data::type::bool_false);
        default:
            return mus::data(j.dump());
    }
}

std::string where(const std::filesystem::path& file, const YAML::Node& n) {
    return file.string() + ":" + std::to_string(n.Mark().line + 1);
}

std::vector<std::string> string_list(const YAML::Node& n, const std::filesystem::path& file) {
    std::vector<std::string> out;
    if (n.IsScalar()) return {n.Scalar()};
    if (!n.IsSequence()) throw PromptError(where(file, n) + ": expected a list of words");
    for (const auto& v : n) out.push_back(v.as<std::string>());
    return out;
}

}  // namespace

std::shared_ptr<const Prompts> Prompts::load(const std::string& dir,
                                             const std::string& default_locale) {
    namespace fs = std::filesystem;
    auto p = std::make_shared<Prompts>();
    p->default_locale_ = default_locale;
    if (!fs::is_directory(dir)) throw PromptError("prompts folder not found: " + dir);
    std::vector<fs::path> locale_dirs;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_directory()) locale_dirs.push_back(entry.path());
    }
    for (const auto& ldir : locale_dirs) {
        const std::string locale = ldir.filename().string();
        std::vector<fs::path> files;
        for (const auto& f : fs::directory_iterator(ldir)) {
            if (f.path().extension() == ".yaml") files.push_back(f.path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            YAML::Node root;
            try {
                root = YAML::LoadFile(file.string());
            } catch (const YAML::Exception& e) {
                throw PromptError(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " +
                                  e.msg);
            }
            if (!root.IsMap()) throw PromptError(file.string() + ": expected a mapping");
            const std::string stem = file.stem().string();
            for (const auto& section : root) {
                const std::string name = section.first.as<std::string>();
                const YAML::Node body = section.second;
                if (!body.IsMap()) throw PromptError(where(file, body) + ": expected a mapping");
                if (name == "messages") {
                    for (const auto& m : body) {
                        auto t = std::make_shared<Template>();
                        t->source = m.second.as<std::string>();
                        t->literal = t->source.find("{{") == std::string::npos;
                        if (!t->literal) {
                            const mus::mustache check(t->source);
                            if (!check.is_valid()) {
                                throw PromptError(where(file, m.second) + ": template " +
                                                  m.first.as<std::string>() + ": " +
                                                  check.error_message());
                            }
                        }
                        p->messages_[locale][stem + "." + m.first.as<std::string>()] = t;
                    }
                } else if (name == "commands") {
                    for (const auto& c : body) {
                        CommandText text;
                        const YAML::Node spec = c.second;
                        if (!spec.IsMap()) {
                            throw PromptError(where(file, spec) + ": command " +
                                              c.first.as<std::string>() + " needs a mapping");
                        }
                        if (spec["aliases"]) text.aliases = string_list(spec["aliases"], file);
                        if (spec["usage"]) text.usage = spec["usage"].as<std::string>();
                        if (spec["summary"]) text.summary = spec["summary"].as<std::string>();
                        if (spec["example"]) text.example = spec["example"].as<std::string>();
                        p->commands_[locale][c.first.as<std::string>()] = std::move(text);
                    }
                } else if (name == "words") {
                    for (const auto& w : body) {
                        p->words_[locale][stem + ".words." + w.first.as<std::string>()] =
                            string_list(w.second, file);
                    }
                } else if (name != "ui") {  // `ui:` belongs to connectors with a UI
                    throw PromptError(where(file, section.first) + ": unknown section \"" + name +
                                      "\" (expected messages, commands, words or ui)");
                }
            }
        }
    }
    if (!p->messages_.count(default_locale)) {
        throw PromptError("prompts folder " + dir + " has no " + default_locale + " messages");
    }
    return p;
}

std::string Prompts::render(const std::string& locale, const std::string& key,
                            const nlohmann::json& data) const {
    Template* t = nullptr;
    for (const std::string* l : {&locale, &default_locale_}) {
        auto loc = messages_.find(*l);
        if (loc == messages_.end()) continue;
        auto it = loc->second.find(key);
        if (it != loc->second.end()) {
            t = it->second.get();
            break;
        }
    }
    if (t == nullptr) return "[" + key + "]";
    if (t->literal) return t->source;
    const mus::data values = to_data(data);
    std::lock_guard<std::mutex> lock(t->mu);
    if (!t->compiled) {
        t->compiled = std::make_unique<mus::mustache>(t->source);
        t->compiled->set_custom_escape([](const std::string& s) { return s; });
    }
    return t->compiled->render(values);
}

std::vector<std::string> Prompts::locales() const {
    std::vector<std::string> out;
    for (const auto& [l, _] : messages_) out.push_back(l);
    return out;
}

std::string Prompts::normalize_locale(const std::string& requested) const {
    const std::string want = core::ascii_lower(requested);
    for (const auto& [l, _] : messages_) {
        if (core::ascii_lower(l) == want) return l;
    }
    // "zh" or "zh_CN" or "zh-Hans": match on the language part.
    const std::string lang = want.substr(0, want.find_first_of("-_"));
    for (const auto& [l, _] : messages_) {
        const std::string ll = core::ascii_lower(l);
        if (ll.substr(0, ll.find('-')) == lang) return l;
    }
    return default_locale_;
}

std::vector<std::string> Prompts::keys(const std::string& locale) const {
    std::vector<std::string> out;
    auto loc = messages_.find(locale);
    if (loc == messages_.end()) return out;
    for (const auto& [k, _] : loc->second) out.push_back(k);
    return out;
}

const CommandText* Prompts::command(const std::string& locale, const std::string& name) const {
    auto loc = commands_.find(locale);
    if (loc == commands_.end()) return nullptr;
    auto it = loc->second.find(name);
    return it == loc->second.end() ? nullptr : &it->second;
}

std::set<std::string> Prompts::command_names() const {
    std::set<std::string> out;
    for (const auto& [_, cmds] : commands_) {
        for (const auto& [name, __] : cmds) out.insert(name);
    }
    return out;
}

std::vector<std::string> Prompts::words_all_locales(const std::string& key) const {
    std::vector<std::string> out;
    for (const auto& [_, words] : words_) {
        auto it = words.find(key);
        if (it != words.end()) out.insert(out.end(), it->second.begin(), it->second.end());
    }
    return out;
}

std::vector<std::string> Prompts::words(const std::string& locale, const std::string& key) const {
    auto loc = words_.find(locale);
    if (loc == words_.end()) return {};
    auto it = loc->second.find(key);
    return it == loc->second.end() ? std::vector<std::string>{} : it->second;
}

bool Prompts::has(const std::string& locale, const std::string& key) const {
    auto loc = messages_.find(locale);
    return loc != messages_.end() && loc->second.count(key) > 0;
}

std::string Prompts::locale_named(const std::string& text) const {
    std::string want = core::ascii_lower(std::string(core::trim(text)));
    std::replace(want.begin(), want.end(), '_', '-');
    for (const auto& l : locales()) {
        const std::string ll = core::ascii_lower(l);
        const std::string base = ll.substr(0, ll.find('-'));
        if (want == ll || want == base || is_word("core.words.language_" + base, want)) return l;
    }
    return "";
}

bool Prompts::is_word(const std::string& key, const std::string& text) const {
    const std::string t = core::ascii_lower(std::string(core::trim(text)));
    for (const auto& w : words_all_locales(key)) {
        if (core::ascii_lower(w) == t) return true;
    }
    return false;
}

}  // namespace twintrack::bot
