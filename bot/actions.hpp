#pragma once
// Buttons and menus on posts. Every choice is bound to a command line the bot accepts when
// typed (`approve 7`, `book 2`), so a click runs the same handler, roles and audit. Each
// choice carries a token signed with HMAC-SHA256 (key in the store, made at first start)
// naming the post, the choice, who may use it and until when. Platforms without buttons
// get the typed commands instead, rendered here in the reader's language.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/dialogs.hpp"
#include "bot/directory.hpp"
#include "bot/offer.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace twintrack::bot {

class Engine;
class Turn;

/// What a token says, once its signature is checked.
struct TokenClaims {
    std::int64_t post_id = 0;
    int choice = 0;
    std::vector<std::int64_t> audience;  ///< empty: anyone in the channel
    std::int64_t expires_at = 0;         ///< UTC milliseconds
};

/// `v1.POST.CHOICE.AUDIENCE.EXPIRES.SIGNATURE` (audience `*` or ids joined by `-`,
/// signature: hex HMAC-SHA256 of everything before it under `key`).
std::string sign_token(const std::string& key, const TokenClaims& claims);
/// The claims of a token signed with `key`; null when it is malformed or altered.
std::optional<TokenClaims> verify_token(const std::string& key, const std::string& token);

class Actions {
  public:
    /// Reads the signing key from the store, making it at first start.
    void load_key(store::Store& store);

    /// Attaches `offer` to `post` (read by `reader`, null in a channel): saves the action
    /// post in the turn's transaction, signs a token per choice and renders the labels
    /// and the typed fallback in the post's locale.
    void attach(Turn& turn, core::Post& post, const Offer& offer, const Person* reader);

    /// Settles every open post about `subject`: the outcome line (`outcome_key` rendered
    /// with `data` plus `name` of the turn's person and local `time`) replaces its
    /// buttons where the platform can update a post.
    void settle(Turn& turn, const std::string& subject, const std::string& outcome_key,
                const nlohmann::json& data);

    /// The event a click is handled as: a direct message from the clicker on the same
    /// connector (every answer goes to them alone), its text still the token.
    static core::Event as_typed(const core::Event& click);
    /// Handles a click in `turn`, made on `event` (from as_typed()). Checks token, post,
    /// clicker, expiry and whether the post is still open, then runs the command line as
    /// if the clicker had typed it (`event.text` becomes that line). Refusals are
    /// answered in the clicker's language.
    void click(Turn& turn, core::Event& event);

    /// The follow-up question of a choice with `ask` (e.g. the reason of a decline).
    static DialogSpec follow_up_dialog();

  private:
    std::string key_;
};

}  // namespace twintrack::bot
