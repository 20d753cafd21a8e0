#pragma once
// Reading one Vale-format rule file (YAML) into a Rule, every problem with its file and
// line; which files of a folder are rule files. Inside the tone feature only.

#include <filesystem>
#include <memory>
#include <vector>

#include "bot/features/tone/tone_guide.hpp"

namespace twintrack::bot::tone {

/// The rule `source` holds; null after adding its problems to `problems`.
std::unique_ptr<Rule> read_rule(const RuleSource& source, std::vector<RuleProblem>& problems);

/// True for `*.yml` and `*.yaml`.
bool rule_file(const std::filesystem::path& p);

}  // namespace twintrack::bot::tone
