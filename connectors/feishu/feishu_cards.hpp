#pragma once
// Buttons and menus on Feishu / Lark: a post's actions as an interactive card (message
// card JSON, `msg_type: interactive`), and the `card.action.trigger` callback of a click
// read into plain fields. Pure and never throwing.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace twintrack::connectors::feishu {

/// The card of a post: its text as plain text (no Markdown surprises), then one action
/// row of buttons (primary/danger/default, with a confirm dialog when the action asks
/// for one) and static select menus. A button's callback value is {"tt": TOKEN}; a
/// menu's options carry their tokens as values. `update_multi` is on, so an update
/// (PATCH of the message) shows to everyone in the chat. Actions without a token are
/// left out.
nlohmann::json action_card(const std::string& text, const std::vector<core::Action>& actions);

/// The card a settled post becomes: the text (the outcome) without actions. A text too
/// long for a card is cut (on a character boundary) so that the card stays within
/// card_max_bytes.
nlohmann::json text_card(const std::string& text);

/// Feishu refuses a card message whose request body is over 30 KB; the card itself is
/// kept below that with room for the rest of the body (receive_id, uuid).
inline constexpr std::size_t card_max_bytes = 28 * 1024;

/// The card of a post when Feishu can carry it: nothing when no action has a token (no
/// button to show) or the card is over card_max_bytes. The post then goes as text with
/// its typed choices (`Post::actions_text`).
std::optional<nlohmann::json> card_for(const std::string& text,
                                       const std::vector<core::Action>& actions);

/// A click, from a schema 2.0 `card.action.trigger` event.
struct CardAction {
    std::string open_id;     ///< the operator
    std::string message_id;  ///< the card's message (om_...)
    std::string chat_id;     ///< oc_...
    std::string token;       ///< the button's {"tt"} value or the chosen option
};

/// Nothing when the event lacks the operator, the message or a token.
std::optional<CardAction> read_card_action(const nlohmann::json& event);

}  // namespace twintrack::connectors::feishu
