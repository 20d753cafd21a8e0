#pragma once
// The pure part of the Matrix connector: what a room event of a /sync answer means to
// the bot (Client-Server API, `m.room.message` with its `m.relates_to`: replies,
// threads and edits (`m.replace`); `m.room.redaction`), the reply
// fallback a client puts before a reply's text, the transaction id of a post, the state
// the connector keeps between runs, and the error answers of a homeserver. No network.

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace twintrack::connectors::matrix {

/// One `m.room.message` (or anything else) of a room's timeline, as read.
struct RoomMessage {
    std::string event_id;
    std::string type;      ///< "m.room.message", "m.room.redaction", "m.room.member", ...
    std::string sender;    ///< @user:server
    std::string msgtype;   ///< "m.text", "m.notice", "m.image", ... ("" for other types);
                           ///< an edit's: that of its m.new_content
    std::string body;      ///< the text, reply fallback removed; an edit's: the new text
                           ///< (m.new_content's body, without the "* " fallback)
    std::string thread;    ///< the thread root (rel_type m.thread), else ""
    std::string reply_to;  ///< m.in_reply_to's event id (not a thread's fallback), else ""
    bool edit = false;     ///< rel_type m.replace: an edit of an earlier message
    /// An edit: the event it replaces ("" when the edit is not valid: no m.new_content).
    /// A redaction: the event it removes (content.redacts, or the top-level `redacts` of
    /// room versions before 11).
    std::string target;
    bool mentions_bot = false;  ///< m.mentions.user_ids names the bot (an edit: the new one's)
    long long origin_server_ts = 0;
};

/// Reads a timeline event; `bot_user` decides `mentions_bot`.
RoomMessage read_room_message(const nlohmann::json& event, const std::string& bot_user);

/// A reply's body without the fallback lines ("> <@a:b> quoted", then an empty line) that
/// clients put before the reply's own text.
std::string strip_reply_fallback(const std::string& body);

/// The text without a leading mention of the bot ("Bot: help", "@bot:server help"), and
/// whether there was one. `names` are what the bot is called (its user id, localpart,
/// display name).
std::pair<std::string, bool> strip_mention(const std::string& body,
                                           const std::vector<std::string>& names);

/// The transaction id of piece `piece` of a post: derived from its dedupe key, so the
/// post sent again after a lost answer reuses it and the homeserver posts it once;
/// `fallback` (random, kept with the post) when the post has none.
std::string transaction_id(const std::string& connector, const std::string& dedupe_key,
                           const std::string& fallback, const std::string& piece);

/// A homeserver's error answer: `errcode` ("M_LIMIT_EXCEEDED", "M_UNKNOWN_TOKEN", ...),
/// `error`, and `retry_after_ms` (0 when not given).
struct MatrixError {
    std::string errcode;
    std::string error;
    std::chrono::milliseconds retry_after{0};
};
MatrixError read_error(const std::string& body);

/// What the connector keeps in its state file between runs.
struct SyncState {
    std::string since;      ///< next_batch of the last /sync handled
    std::string device_id;  ///< the device a password login got, reused by the next
};
SyncState read_state(const std::string& path);
/// Writes whole and renames, so a crash leaves the old state or the new one. False on
/// failure.
bool write_state(const std::string& path, const SyncState& state);

/// True for a room id (!opaque:server) or an alias (#name:server).
bool valid_room(const std::string& id);

}  // namespace twintrack::connectors::matrix
