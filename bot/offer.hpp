#pragma once
// What a post offers: buttons and menus, each bound to a command line the bot accepts
// when typed (see bot/actions.hpp), or to an answer of the reader's open dialog.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace twintrack::bot {

/// One button, or one option of a menu.
struct Choice {
    std::string label;  ///< prompt key, rendered with `data` in the reader's locale
    nlohmann::json data = nlohmann::json::object();
    /// Canonical command name, e.g. "approve". Empty: the choice answers the question
    /// of the reader's open dialog with `args` as if typed (see DialogSpec::choices).
    std::string command;
    std::string args;     ///< the words after it, e.g. "7"; or the dialog answer
    std::string style;    ///< "", "primary" or "danger"
    std::string confirm;  ///< prompt key of a question to confirm first; empty: none
    /// Prompt key of a follow-up question (rendered with `data`); the answer is added to
    /// the command line (e.g. the reason of a decline). Empty: the command runs at once.
    std::string ask;
    /// Prompt key of a menu's placeholder: consecutive choices with the same `menu` form
    /// one single-choice menu. Empty: a button.
    std::string menu;
};

/// What a post offers and to whom.
struct Offer {
    /// What the post decides, e.g. "announcement:7:marketing". Turn::settle() with the
    /// same subject closes it (clicked or typed), so a decision is taken once.
    std::string subject;
    /// Who may use it (person ids); empty: anyone in the channel.
    std::vector<std::int64_t> audience;
    std::chrono::milliseconds ttl = std::chrono::hours(24 * 14);
    std::vector<Choice> choices;
};

}  // namespace twintrack::bot
