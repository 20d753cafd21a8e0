#pragma once
// What Slack sends, read into plain fields: message events (Socket Mode and Events API)
// and slash commands. Pure and never throwing, whatever the JSON holds: a field that is
// absent or of another type reads as empty.

#include <nlohmann/json.hpp>
#include <string>

namespace twintrack::connectors::slack {

/// A `message` or `app_mention` event.
struct MessageEvent {
    std::string subtype;    ///< "" for a plain message
    bool from_bot = false;  ///< it carries a `bot_id`
    std::string user;
    std::string channel;
    std::string ts;
    std::string thread_ts;
    std::string text;     ///< as Slack wrote it (markup not decoded)
    bool direct = false;  ///< `channel_type` im, or a D… channel when the type is not given
    /// `message_changed` and `message_deleted`: the ts of the message changed (user,
    /// text, thread_ts and from_bot are then those of that message; ts the event's own).
    std::string target_ts = {};
    /// `message_changed`: the text is the same as before (an unfurl, a reply counted).
    bool unchanged = false;
};

MessageEvent read_message_event(const nlohmann::json& event);

/// A slash command (Socket Mode payload or the form fields of an HTTP request).
struct SlashCommand {
    std::string user;
    std::string channel;
    std::string trigger_id;
    std::string command;
    std::string text;
    std::string response_url;
    bool direct = false;  ///< `channel_name` directmessage, or a D… channel
};

SlashCommand read_slash_command(const nlohmann::json& payload);

}  // namespace twintrack::connectors::slack
