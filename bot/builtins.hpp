#pragma once
// The commands every installation has: help, whoami, whois, rules, ping, profile and
// language, plus the "which person did you mean" dialog.

#include <string>
#include <vector>

namespace twintrack::bot {

class Engine;

/// The canonical names of the commands a person of this department and role most likely
/// needs first (what `help` shows before the topics), best first.
std::vector<std::string> first_commands(const std::string& department, const std::string& role);

void register_builtins(Engine& engine);

}  // namespace twintrack::bot
