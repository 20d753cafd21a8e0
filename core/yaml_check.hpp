#pragma once
// Strict reading of YAML config sections: every error carries its line, unknown keys
// are errors, and secrets come from ${ENV_VAR} references only.

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace twintrack::core {

struct ConfigError {
    int line = 0;  ///< 1-based; 0 when the error is not tied to a line
    std::string message;
};

/// Collects every problem found in a config file instead of stopping at the first.
class ConfigErrors {
  public:
    void add(const YAML::Node& at, std::string message);
    void add(int line, std::string message);
    bool empty() const { return errors_.empty(); }
    const std::vector<ConfigError>& all() const { return errors_; }
    /// "FILE:LINE: message" lines, sorted by line.
    std::string describe(const std::string& file) const;

  private:
    std::vector<ConfigError> errors_;
};

/// 1-based line of a node, or 0 when the node has no position.
int line_of(const YAML::Node& node);

/// A secret read from the environment. Never printed: operator<< and str() hide it.
class Secret {
  public:
    Secret() = default;
    Secret(std::string env_name, std::string value)
        : env_(std::move(env_name)), value_(std::move(value)) {}
    const std::string& reveal() const { return value_; }
    const std::string& env_name() const { return env_; }
    bool empty() const { return value_.empty(); }

  private:
    std::string env_;
    std::string value_;
};

/// Reads one mapping. Each accessor records the key as known; finish() reports the
/// keys nobody asked for, with their lines, and suggests the closest known key.
class SectionReader {
  public:
    SectionReader(const YAML::Node& node, std::string path, ConfigErrors& errors);

    bool valid() const { return valid_; }
    bool has(const std::string& key);

    std::optional<std::string> string(const std::string& key, bool required = false);
    std::optional<long long> integer(const std::string& key, long long min, long long max,
                                     bool required = false);
    std::optional<double> number(const std::string& key, double min, double max,
                                 bool required = false);
    std::optional<bool> boolean(const std::string& key);
    /// One of `allowed`.
    std::optional<std::string> choice(const std::string& key,
                                      const std::vector<std::string>& allowed,
                                      bool required = false);
    /// A `${ENV_VAR}` reference, resolved from the environment (a literal is an error).
    std::optional<Secret> secret(const std::string& key, bool required = false);
    /// The raw node (marks the key as known); null when absent.
    YAML::Node node(const std::string& key);
    /// A list of non-empty words or phrases (`what` names them in errors); empty when
    /// absent.
    std::vector<std::string> word_list(const std::string& key, const std::string& what);

    void error(const std::string& key, const std::string& message);
    void finish();

    const std::string& path() const { return path_; }
    ConfigErrors& errors() { return errors_; }

  private:
    YAML::Node node_;
    std::string path_;
    ConfigErrors& errors_;
    bool valid_ = true;
    std::set<std::string> known_;
};

/// Resolves a `${NAME}` environment reference. `getenv` may be replaced in tests.
std::optional<std::string> resolve_env_reference(
    const std::string& text, std::string& env_name,
    const std::function<const char*(const char*)>& getenv_fn);

}  // namespace twintrack::core
