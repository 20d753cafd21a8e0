#pragma once
// Buttons and menus on DingTalk as interactive cards (互动卡片) of one template the admin
// imports (docs/connectors/dingtalk-card-template.json), and the card callback of the
// Stream topic `/v1.0/card/instances/callback`, as plain data. Pure and never throwing.
//
// The template's variables (all strings in `cardParamMap`, lists JSON-encoded):
//   title       the post's first line (at most 60 characters)
//   markdown    the post's text
//   buttons     [{"label","style":"primary|danger|normal","color":"blue|red|gray","token",
//                 "confirm","confirmYes","confirmNo"}]; a click sends params {token}
//   menus       [{"placeholder","options":[{"value": TOKEN, "text":{"zh_CN","en_US"}}]}];
//               choosing sends params {token: the option's value}
//   hasActions  "true" while the card is open ("false" hides buttons and menus)
//   status      "open", or "settled" once decided
//   resultText  the outcome line shown in place of the buttons when settled
//   lastMessage the chat list's preview (the title)

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace twintrack::connectors::dingtalk {

/// The card callback topic (卡片回调).
inline constexpr const char* card_callback_topic = "/v1.0/card/instances/callback";

/// What one card can carry; more than this and the post goes as text with its typed
/// choices instead.
inline constexpr std::size_t max_card_buttons = 6;
inline constexpr std::size_t max_card_menus = 3;
inline constexpr std::size_t max_menu_options = 20;
inline constexpr std::size_t max_card_chars = 5000;  ///< the markdown variable's text

/// True for a card template id as the card platform shows it: a UUID and `.schema`
/// (e.g. 8f250c94-7e4b-4c8e-b1e5-3c0b6b4e2a17.schema).
bool valid_card_template_id(const std::string& id);

/// True when the post's actions fit one card (counts above, every button and option
/// with a label and a token, the text within max_card_chars).
bool fits_card(const core::Post& post);

/// The `cardParamMap` of an open card for `post` (every value a string).
nlohmann::json card_params(const core::Post& post);

/// The `cardParamMap` of a settled card: `text` is the update post's text, the original
/// text and then the outcome on its last line (bot/actions.cpp `settle`).
nlohmann::json settled_card_params(const std::string& text);

/// Where a card goes: `channel` is a group's openConversationId or "@STAFFID".
/// `dtv1.card//IM_GROUP.<openConversationId>` or `dtv1.card//IM_ROBOT.<userid>`.
std::string open_space_id(const std::string& channel);

/// The body of `POST /v1.0/card/instances/createAndDeliver`: callbackType STREAM,
/// userIdType 1 (staff ids), the group or robot space and delivery model.
nlohmann::json create_and_deliver_body(const std::string& template_id,
                                       const std::string& out_track_id,
                                       const std::string& robot_code, const std::string& channel,
                                       const nlohmann::json& params);

/// The body of `PUT /v1.0/card/instances` that settles a card.
nlohmann::json update_card_body(const std::string& out_track_id, const nlohmann::json& params);

/// A createAndDeliver answer of HTTP 200 may still say the card did not reach the
/// conversation (`result.deliverResults[].success` false): "" when it did, else why not.
std::string undelivered_reason(const nlohmann::json& answer);

/// One click (or menu choice) on a card, as the callback topic delivers it.
struct CardClick {
    std::string user_id;       ///< the clicker's staff id
    std::string out_track_id;  ///< the card's id given at createAndDeliver
    std::string token;         ///< content.cardPrivateData.params.token
    std::string corp_id;
    std::string space_type;  ///< IM_GROUP, IM_ROBOT, ...
    std::string space_id;
};
enum class CardRead { ok, not_json, incomplete };
/// Reads a callback frame's data: `incomplete` when the user, outTrackId or token is
/// missing (or `content` is not the JSON string of {cardPrivateData:{params:{token}}}).
CardRead read_card_click(const std::string& data, CardClick& out);

/// The data of the callback's acknowledgement: {"response": {}} (nothing changes on the
/// card there; a settled decision updates it with PUT).
std::string card_ack_data();

/// The `msgKey`/`msgParam` of a picture: sampleImageMsg {photoURL: MEDIA_ID}.
std::string image_msg_param(const std::string& media_id);

}  // namespace twintrack::connectors::dingtalk
