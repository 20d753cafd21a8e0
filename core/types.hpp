#pragma once
// The vocabulary shared by connectors and the bot: where a message lives, who sent it,
// what happened (Event) and what the bot wants said (Post).

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/api.hpp"

namespace twintrack::core {

using Timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

/// Milliseconds since the Unix epoch (UTC).
inline std::int64_t to_millis(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp from_millis(std::int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }

/// Where a message lives: a connector, a channel on it, and optionally a thread.
/// Direct messages use the channel name "@" + the user's id on that connector.
struct Address {
    std::string connector;
    std::string channel;
    std::string thread;

    bool operator==(const Address& o) const {
        return connector == o.connector && channel == o.channel && thread == o.thread;
    }
};

/// A platform identity: who sent an event, as the platform knows them.
struct Sender {
    std::string connector;
    std::string user_id;
    std::string display;
    /// An email address the platform has verified for this account; empty when the
    /// platform does not say. Lets the bot recognise someone it has not met there yet.
    std::string email = {};
};

/// `action`: someone clicked a button or chose from a menu; `text` is the action's token
/// and `extra.message_id` the platform's id of the post it belongs to.
/// `edit`: someone changed a message they wrote: `target` is its platform id (as its own
/// event's `extra.message_id`) and `text` its new text. `remove`: someone deleted a
/// message they wrote, `target` its platform id.
enum class EventKind { message, join, leave, action, edit, remove };

/// One thing that happened on a chat platform, already translated by its connector.
struct Event {
    std::string id;  ///< the platform's id, used to recognise redelivery
    EventKind kind = EventKind::message;
    Address where;
    Sender who;
    std::string text;  ///< platform mention syntax already stripped
    Timestamp at{};
    bool direct = false;     ///< a direct message to the bot
    bool addressed = false;  ///< the platform marked it as aimed at the bot (mention)
    nlohmann::json extra;    ///< platform details features may read but never need
    /// edit, remove: the platform's id of the message changed (its `extra.message_id`).
    std::string target{};
    /// message: the platform's id of the message this one answers, when the platform says
    /// (a reply in a thread: the thread's first message); empty otherwise.
    std::string reply_to{};
    /// message: the Address::thread a reply to this message goes in (Slack: its ts), on
    /// platforms with threads; empty on the others.
    std::string reply_thread{};
};

/// What a connector can do with a post beyond sending its text (Connector::abilities()).
/// A connector without an ability ignores the Post fields that ask for it.
struct PostAbilities {
    bool edits = false;    ///< changes the text of a message it sent (`Post::edits`)
    bool deletes = false;  ///< deletes a message it sent (`Post::deletes`)
    bool as_name = false;  ///< posts under another display name (`Post::as_name`)
};

/// A file that goes with a post, e.g. a chart picture. Connectors that cannot show it
/// ignore it; the post's text always stands on its own.
struct Attachment {
    std::string name;  ///< file name, e.g. "metrics.png"
    std::string mime;  ///< e.g. "image/png"
    std::string data;  ///< the bytes
    /// Where the file can be opened besides (its platform's public link, or the hub's copy
    /// of a bridged file), for a connector whose server may refuse the upload (XMPP's size
    /// limit) and names the file instead; empty when there is none.
    std::string link = {};
};

/// One choice of a menu (see Action).
struct ActionOption {
    std::string label;
    std::string token;  ///< opaque, signed by the bot; sent back when chosen
    std::string typed;  ///< the command a person types for the same choice
};

/// A button, or a single-choice menu, on a post. Every action has a typed equivalent,
/// so a platform without buttons shows `Post::actions_text` instead.
struct Action {
    std::string kind = "button";        ///< "button" or "menu"
    std::string label;                  ///< the button's text, or the menu's placeholder
    std::string style;                  ///< "", "primary" or "danger" (buttons)
    std::string confirm;                ///< a question to confirm before sending; empty: none
    std::string confirm_yes;            ///< the confirmation's "go ahead", in the post's locale
    std::string confirm_no;             ///< and its "cancel"
    std::string token;                  ///< opaque, signed by the bot (buttons)
    std::string typed;                  ///< the command a person types instead (buttons)
    std::vector<ActionOption> options;  ///< menus only
};

/// Actions as JSON ([{kind, label, style?, confirm?, token?, typed?, options?}]) and back;
/// the outbox keeps them this way and the hub sends them in its frames.
nlohmann::json actions_to_json(const std::vector<Action>& actions);
/// Entries that are not objects are skipped; never throws.
std::vector<Action> actions_from_json(const nlohmann::json& value);

/// Something the bot wants said somewhere.
struct Post {
    Address to;
    std::string text;
    std::string reply_to;    ///< the platform id of the message this answers, if any
    std::string dedupe_key;  ///< stable key for posts that must go out exactly once
    std::vector<Attachment> attachments;
    /// The locale the text is written in ("en", "zh-CN"); empty when unknown. Connectors
    /// that add words of their own (e.g. IRC's "the rest is on the hub") use it.
    std::string locale;
    /// Buttons and menus. Connectors that show them get them; for the others the engine
    /// appends `actions_text` (the numbered typed commands, in `locale`) to `text` and
    /// clears `actions`, so they only ever see text.
    std::vector<Action> actions{};
    std::string actions_text{};
    /// Not empty: this post updates an earlier one, the platform's id of which this is
    /// (its buttons replaced by the outcome). Only sent to connectors that show actions.
    std::string replaces{};
    /// True: only the person of `to` (a direct address, "@" + their id) may see this post:
    /// the answer to their click, e.g. a refusal. `reply_to` is then the clicked post. A
    /// connector that can show a message to one person inside the clicked post's
    /// conversation (an ephemeral message) does so; the others send it to `to`.
    bool private_reply = false;
    /// Not empty: the post is shown under this display name instead of the bot's (a
    /// relayed message: its writer's), by connectors with PostAbilities::as_name; the
    /// others ignore it (the text then says who wrote it).
    std::string as_name{};
    /// Not empty: this post changes the text of an earlier message the connector sent,
    /// the platform's id of which this is, to `text` (PostAbilities::edits).
    std::string edits{};
    /// Not empty: this post deletes an earlier message the connector sent, the platform's
    /// id of which this is (PostAbilities::deletes); `text` is not shown.
    std::string deletes{};
};

/// What a connector reports back after trying to deliver a Post.
struct SendResult {
    bool ok = false;
    std::string message_id;  ///< the platform's id of the delivered message
    std::string error;
    bool retryable = true;  ///< false when sending again can never succeed
    /// Milliseconds since the epoch; set (retryable, not ok) when the platform holds posts
    /// until then, e.g. a daily quota used up. The outbox keeps the post and tries again at
    /// that time without counting an attempt, so a hold never makes it give up.
    std::int64_t held_until_ms = 0;
    /// The Address::thread a reply to the delivered message goes in (Slack: its ts), on
    /// platforms with threads; empty on the others.
    std::string reply_thread = {};
};

using SendDone = std::function<void(SendResult)>;

/// Where connectors push what they receive. Thread-safe; never blocks for long.
class EventSink {
  public:
    virtual ~EventSink() = default;
    virtual void push(Event event) = 0;
    /// An HTTP request the connector accepted (authenticated) for the bot to answer.
    /// `reply` is called exactly once, possibly from another thread. Sinks that serve no
    /// API answer 404.
    virtual void request(ApiRequest request, ApiReply reply) {
        (void)request;
        reply(ApiResponse{404,
                          "application/json; charset=utf-8",
                          R"({"error":"not_found","message":"no such path"})",
                          {}});
    }
};

}  // namespace twintrack::core
