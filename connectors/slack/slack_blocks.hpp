#pragma once
// Buttons and menus on Slack: a post's actions as Block Kit, and the `block_actions`
// payload of a click read into plain fields. Pure and never throwing.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace twintrack::connectors::slack {

/// Slack's limits that decide whether a post's actions can be shown as Block Kit.
inline constexpr std::size_t max_section_chars = 3000;
inline constexpr std::size_t max_blocks = 50;
inline constexpr std::size_t max_elements_per_actions = 25;
inline constexpr std::size_t max_menu_options = 100;
inline constexpr std::size_t max_button_value = 2000;
inline constexpr std::size_t max_option_value = 150;

/// The blocks of a post: `mrkdwn` (already escaped) as section blocks of at most 3,000
/// characters each, then the actions in actions blocks of at most 25 elements: buttons
/// (text cut to 75 characters, style, the confirm dialog with the action's own
/// confirm_yes/confirm_no words) and static-select menus. Each element's value is the
/// action's token. Nothing when the actions do not fit Slack's limits (a menu of more
/// than 100 choices, a token longer than a value may be, more than 50 blocks): the post
/// then goes out as text with its typed choices.
std::optional<nlohmann::json> action_blocks(const std::string& mrkdwn,
                                            const std::vector<core::Action>& actions);

/// The blocks of a post whose buttons were replaced by the outcome: the text only.
nlohmann::json text_blocks(const std::string& mrkdwn);

/// One click of a `block_actions` payload.
struct BlockAction {
    std::string user;        ///< who clicked (U…)
    std::string channel;     ///< where the message is (C…, D…, G…)
    std::string message_ts;  ///< the bot's message that carries the button
    std::string thread_ts;   ///< its thread, if it is in one
    std::string action_ts;   ///< unique per click: with user and message, the click's id
    std::string token;       ///< the button's value or the chosen option's value
    bool direct = false;     ///< the message is in a direct conversation with the bot
};

/// The clicks of a `block_actions` payload (Slack sends one per payload; any other
/// payload type, and actions without a value, give none).
std::vector<BlockAction> read_block_actions(const nlohmann::json& payload);

}  // namespace twintrack::connectors::slack
