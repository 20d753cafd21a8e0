#include "core/yaml_check.hpp"

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <sstream>

#include "core/text.hpp"

namespace twintrack::core {

int line_of(const YAML::Node& node) {
    if (!node.IsDefined()) return 0;
    const auto mark = node.Mark();
    return mark.line < 0 ? 0 : mark.line + 1;
}

void ConfigErrors::add(const YAML::Node& at, std::string message) {
    add(line_of(at), std::move(message));
}

void ConfigErrors::add(int line, std::string message) {
    errors_.push_back({line, std::move(message)});
}

std::string ConfigErrors::describe(const std::string& file) const {
    auto sorted = errors_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
    std::ostringstream out;
    for (const auto& e : sorted) {
        out << file;
        if (e.line > 0) out << ':' << e.line;
        out << ": " << e.message << '\n';
    }
    return out.str();
}

std::optional<std::string> resolve_env_reference(
    const std::string& text, std::string& env_name,
    const std::function<const char*(const char*)>& getenv_fn) {
    static const std::regex ref(R"(^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$)");
    std::smatch m;
    if (!std::regex_match(text, m, ref)) return std::nullopt;
    env_name = m[1];
    const char* value = getenv_fn(env_name.c_str());
    if (value == nullptr) return std::string();
    return std::string(value);
}

SectionReader::SectionReader(const YAML::Node& node, std::string path, ConfigErrors& errors)
    : node_(node), path_(std::move(path)), errors_(errors) {
    if (!node_.IsDefined() || node_.IsNull()) {
        node_ = YAML::Node(YAML::NodeType::Map);
    } else if (!node_.IsMap()) {
        errors_.add(node, path_ + " must be a mapping of keys to values");
        valid_ = false;
    }
}

bool SectionReader::has(const std::string& key) {
    known_.insert(key);
    return valid_ && node_[key].IsDefined() && !node_[key].IsNull();
}

YAML::Node SectionReader::node(const std::string& key) {
    known_.insert(key);
    if (!valid_) return YAML::Node();
    return node_[key];
}

void SectionReader::error(const std::string& key, const std::string& message) {
    YAML::Node at = valid_ ? node_[key] : node_;
    errors_.add(at.IsDefined() ? at : node_, path_ + "." + key + ": " + message);
}

std::optional<std::string> SectionReader::string(const std::string& key, bool required) {
    if (!has(key)) {
        if (required && valid_) errors_.add(node_, path_ + "." + key + " is required");
        return std::nullopt;
    }
    const YAML::Node n = node_[key];
    if (!n.IsScalar()) {
        error(key, "must be a single value");
        return std::nullopt;
    }
    return n.Scalar();
}

std::optional<long long> SectionReader::integer(const std::string& key, long long min,
                                                long long max, bool required) {
    auto text = string(key, required);
    if (!text) return std::nullopt;
    try {
        std::size_t used = 0;
        const long long v = std::stoll(*text, &used);
        if (used != text->size()) throw std::invalid_argument("trailing");
        if (v < min || v > max) {
            error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                           ", got " + *text);
            return std::nullopt;
        }
        return v;
    } catch (const std::exception&) {
        error(key, "must be a whole number, got \"" + *text + "\"");
        return std::nullopt;
    }
}

std::optional<double> SectionReader::number(const std::string& key, double min, double max,
                                            bool required) {
    auto text = string(key, required);
    if (!text) return std::nullopt;
    try {
        std::size_t used = 0;
        const double v = std::stod(*text, &used);
        if (used != text->size()) throw std::invalid_argument("trailing");
        if (v < min || v > max) {
            std::ostringstream msg;
            msg << "must be between " << min << " and " << max << ", got " << *text;
            error(key, msg.str());
            return std::nullopt;
        }
        return v;
    } catch (const std::exception&) {
        error(key, "must be a number, got \"" + *text + "\"");
        return std::nullopt;
    }
}

std::optional<bool> SectionReader::boolean(const std::string& key) {
    auto text = string(key);
    if (!text) return std::nullopt;
    const std::string v = ascii_lower(*text);
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
    error(key, "must be true or false, got \"" + *text + "\"");
    return std::nullopt;
}

std::optional<std::string> SectionReader::choice(const std::string& key,
                                                 const std::vector<std::string>& allowed,
                                                 bool required) {
    auto text = string(key, required);
    if (!text) return std::nullopt;
    if (std::find(allowed.begin(), allowed.end(), *text) == allowed.end()) {
        error(key, "must be one of " + join(allowed, ", ") + ", got \"" + *text + "\"");
        return std::nullopt;
    }
    return text;
}

std::optional<Secret> SectionReader::secret(const std::string& key, bool required) {
    auto text = string(key, required);
    if (!text) return std::nullopt;
    std::string env;
    auto value = resolve_env_reference(*text, env, [](const char* n) { return std::getenv(n); });
    if (!value) {
        error(key, "is a secret: write it as ${ENV_VAR} and set that variable");
        return std::nullopt;
    }
    if (value->empty()) {
        error(key, "environment variable " + env + " is not set or empty");
        return std::nullopt;
    }
    return Secret(env, *value);
}

void SectionReader::finish() {
    if (!valid_) return;
    for (const auto& kv : node_) {
        const std::string key = kv.first.as<std::string>("");
        if (known_.count(key)) continue;
        std::string best;
        std::size_t best_d = 3;
        for (const auto& k : known_) {
            const std::size_t d = edit_distance(key, k);
            if (d < best_d) best = k, best_d = d;
        }
        std::string msg = path_ + ": unknown key \"" + key + "\"";
        if (!best.empty()) msg += " (did you mean \"" + best + "\"?)";
        errors_.add(kv.first, msg);
    }
}

std::vector<std::string> SectionReader::word_list(const std::string& key, const std::string& what) {
    std::vector<std::string> out;
    const YAML::Node list = node(key);
    if (!list.IsDefined() || list.IsNull()) return out;
    if (!list.IsSequence()) {
        error(key, "must be a list of " + what);
        return out;
    }
    for (const auto& item : list) {
        const std::string text = item.IsScalar() ? std::string(trim(item.Scalar())) : "";
        if (text.empty()) {
            errors_.add(item, path_ + "." + key + ": each entry must be a non-empty word");
            continue;
        }
        out.push_back(text);
    }
    return out;
}

}  // namespace twintrack::core
