#pragma once
// The commands every installation has: help, whoami, whois, rules, ping, profile and
// language, plus the "which person did you mean" dialog.

namespace twintrack::bot {

class Engine;

void register_builtins(Engine& engine);

}  // namespace twintrack::bot
