#pragma once
// The Matrix connector: a client of the Matrix Client-Server API over the connector
// runtime. It signs in with an access token (`${ENV}`) or with a user and password
// (m.login.password, signing in again when the homeserver says the token expired), and
// long-polls /sync with the `since` token of the last answer it handled, kept in a state
// file under the data folder so that a restart neither replays nor misses messages. A
// fresh start skips the rooms' backlog. Rooms are mapped to tracks by `channels:` (room
// ids or aliases); invites to mapped rooms and to direct chats are accepted. Posts go out
// as `m.notice` through PUT .../send/m.room.message/{txnId} with a transaction id derived
// from the post's dedupe key (a post sent again is posted once), in order per room, with
// M_LIMIT_EXCEEDED's retry_after_ms honoured; attachments go through the media repository
// and are sent as m.image or m.file. Replies carry m.in_reply_to, posts in a thread
// rel_type m.thread; relayed edits go out as m.replace and deletes as redactions (the
// bridge's PostAbilities), and people's edits (m.replace), redactions, replies and
// threads come in as EventKind::edit / remove and Event::reply_to / reply_thread. One
// Boost.Asio thread per connector owns its state.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::matrix {

struct MatrixSettings {
    std::string name = "matrix";
    std::string homeserver;     ///< https://matrix.example.org (the client API's base)
    core::Secret access_token;  ///< a bot account's token; else user + password
    std::string user;           ///< @bot:example.org or its localpart (password login)
    core::Secret password;      ///< m.login.password
    std::string device_id;      ///< "" = the homeserver's (kept in the state file)
    std::string tls_ca_file;    ///< CAs to trust besides the system store
    std::string proxy;          ///< "" = HTTPS_PROXY/NO_PROXY; "none"; or http://HOST:PORT
    std::vector<ChannelConfig> channels;  ///< room ids (!id:server) or aliases (#a:server)
    std::chrono::milliseconds sync_timeout{30000};  ///< the long-poll's `timeout`
    std::size_t max_chars = 16000;                  ///< per message; longer posts are split
    std::size_t dedupe_window = 5000;               ///< event ids remembered
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{300000};
    std::chrono::seconds max_retry_wait{60};  ///< longer retry_after_ms → the outbox retries
    /// `rate_limit:`. Synapse's default for a user's messages is 0.2 a second with bursts
    /// of 10 (rc_message); homeservers answer M_LIMIT_EXCEEDED with retry_after_ms
    /// beyond their limit, which pauses every room (the limit is per user).
    runtime::SendLimits rate_limit{0, 0, 0, 0, 1000};
};

/// The `type: matrix` entry of the connector registry.
ConnectorType connector_type();

/// Builds a Matrix connector (tests use this directly).
std::unique_ptr<Connector> make_matrix(MatrixSettings settings, const ConnectorContext& context);

/// What a Matrix connector is doing (for tests and logs). Thread-safe.
struct MatrixStatus {
    bool connected = false;  ///< signed in and the last /sync answered
    std::string user_id;     ///< the bot's own user id
    std::string since;       ///< the next_batch handled last
    int syncs = 0;           ///< /sync answers handled
    int logins = 0;          ///< password logins so far
    int gaps = 0;            ///< rooms whose timeline came `limited` (events skipped)
};

MatrixStatus matrix_status(const Connector& connector);

}  // namespace twintrack::connectors::matrix
