#pragma once
// Buttons and menus on Mattermost: a post's actions as interactive message attachments,
// and the request Mattermost sends to the bot's action URL when one is used, read into
// plain fields. Pure and never throwing.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace twintrack::connectors::mattermost {

/// The `props.attachments` of a post with `actions`: one attachment whose buttons and
/// select menus call `url` (the connector's action route as the Mattermost server
/// reaches it). Each action's integration context carries its token and `secret`, which
/// proves a request came through the Mattermost server (it never shows the context to
/// clients). Action ids are letters and digits only, as the server's route requires.
/// Mattermost has no confirmation dialog: a button's confirm text is not shown.
nlohmann::json action_attachments(const std::vector<core::Action>& actions, const std::string& url,
                                  const std::string& secret);

/// One use of a button or menu, as Mattermost posts it to the action URL.
struct ActionRequest {
    std::string user_id;
    std::string user_name;
    std::string channel_id;
    std::string post_id;     ///< the bot's post that carries the action
    std::string trigger_id;  ///< unique per use, when the server sends one
    std::string token;       ///< the button's token, or the chosen option's
    std::string secret;      ///< from the integration context; compare before trusting
};

/// Nothing when the body is not such a request or lacks the user, channel, post, token
/// or secret.
std::optional<ActionRequest> read_action_request(const std::string& body);

}  // namespace twintrack::connectors::mattermost
