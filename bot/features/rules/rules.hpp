#pragma once
// Rules and disagreements (规约, 以理服人). Cooperation rules are data: `rule propose`,
// approved by the managers of marketing and sales (as announcements are), versioned;
// `rules` shows the current set after the configured numbers, `rules history` every
// version. `raise TITLE: FACTS` opens a disagreement with the facts other features keep
// about the customers and period it names (bot/facts.hpp), asks both departments'
// managers for their position and puts it on the next joint meeting's agenda
// (bot/joint_agenda.hpp); `decide` records the decision, its owner and due date and
// optionally a rule change; a daily job raises overdue decisions to both managers.

#include "bot/feature.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::rules {

/// Registers the commands, the position dialog, the daily job and the `rules` and `todo`
/// lines.
void register_rules(Engine& engine);

/// The rules feature: no config section of its own (it reads `rules.notes`), migration 24.
Feature feature();

}  // namespace twintrack::bot::rules
