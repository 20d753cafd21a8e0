#include "connectors/matrix/matrix_connector.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "connectors/http/json_fields.hpp"
#include "connectors/http/text_pieces.hpp"
#include "connectors/matrix/matrix_events.hpp"
#include "connectors/runtime/connector_config.hpp"
#include "connectors/runtime/connector_words.hpp"
#include "connectors/runtime/http_client.hpp"
#include "connectors/runtime/recent_ids.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/runtime/session_connector.hpp"
#include "core/crypto.hpp"
#include "core/event_files.hpp"

namespace twintrack::connectors::matrix {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace http::json_reading;
using Kind = runtime::Result::Kind;

// ---------------------------------------------------------------------------------------
// Config

void read_settings(core::SectionReader& section, MatrixSettings& s) {
    runtime::read_base_url(section, "homeserver", s.homeserver, true);
    if (auto t = section.secret("access_token")) s.access_token = *t;
    if (auto u = section.string("user")) s.user = *u;
    if (auto p = section.secret("password")) s.password = *p;
    if (auto d = section.string("device_id")) s.device_id = *d;
    const bool has_token = section.has("access_token");
    const bool has_password = section.has("password");
    if (!has_token && !has_password) {
        section.error("access_token",
                      "is required (or `user` and `password` to sign in with m.login.password)");
    }
    if (has_password && s.user.empty()) {
        section.error("user", "is required with `password` (the bot's @name:server or its name)");
    }
    if (auto t = section.integer("sync_timeout_seconds", 1, 300)) {
        s.sync_timeout = std::chrono::seconds(*t);
    }
    runtime::read_max_chars(section, s.max_chars, 100, 60000);
    if (auto n = section.integer("dedupe_window", 100, 1000000)) {
        s.dedupe_window = static_cast<std::size_t>(*n);
    }
    if (auto n = section.integer("max_retry_wait_seconds", 1, 3600)) {
        s.max_retry_wait = std::chrono::seconds(*n);
    }
    runtime::read_reach(section, s);
    runtime::read_channel_ids(section, s, valid_room,
                              "is not a Matrix room: use its id (!abc:example.org, room "
                              "settings > Advanced) or an alias (#sales:example.org)");
}

// ---------------------------------------------------------------------------------------
// The connector

struct SendJob : runtime::PostJob {
    std::string room;           ///< the resolved room id
    std::string txn_basis;      ///< random, for posts without a dedupe key
    std::size_t next_file = 0;  ///< the attachment being sent
    std::string content_uri;    ///< mxc:// of that attachment once uploaded
    int attempts = 0;           ///< failed attempts of the current request
};

constexpr const char* client_api = "/_matrix/client/v3";

// The array `key` of `object`, else an empty one.
const json& array_of(const json& object, const char* key) {
    static const json empty = json::array();
    if (!object.is_object()) return empty;
    auto it = object.find(key);
    return it != object.end() && it->is_array() ? *it : empty;
}

class MatrixConnector final : public runtime::PostingConnector<MatrixStatus, SendJob> {
  public:
    MatrixConnector(MatrixSettings settings, const ConnectorContext& context)
        : PostingConnector(runtime::session_options(
                               "Matrix", "matrix", settings,
                               {settings.access_token.reveal(), settings.password.reveal()}),
                           context, settings.rate_limit),
          settings_(std::move(settings)),
          state_path_(context.data_dir.empty()
                          ? std::string()
                          : (fs::path(context.data_dir) / ("matrix-" + settings_.name + ".state"))
                                .string()),
          seen_(settings_.dedupe_window),
          text_only_(context.prompts_dir, "matrix.yaml", "messages", "text_only") {
        token_ = settings_.access_token.reveal();
        const SyncState state = read_state(state_path_);
        since_ = state.since;
        device_id_ = settings_.device_id.empty() ? state.device_id : settings_.device_id;
        for (const auto& ch : settings_.channels) {
            if (!ch.name.empty() && ch.name[0] == '!') {
                room_channel_[ch.name] = ch.name;
                channel_room_[ch.name] = ch.name;
            }
        }
        runtime::Protocol protocol;
        protocol.connect = [this] { connect(); };
        session_.set_protocol(std::move(protocol));
    }

    ~MatrixConnector() override { stop(); }

    /// Edits as m.replace and deletes as redactions of the bot's own messages. Matrix has
    /// no display name per message in the Client-Server API (only per room member, which
    /// would rename every message of the bot), so relayed posts keep the writer's name in
    /// their text.
    core::PostAbilities abilities() const override { return {true, true, false}; }
    bool shows_images() const override { return true; }
    bool shows_files() const override { return true; }
    void fetch_files_up_to(std::uint64_t bytes) override { file_limit_ = bytes; }

  private:
    // --- HTTP --------------------------------------------------------------------------

    runtime::Request request(const std::string& method, const std::string& path) const {
        runtime::Request req;
        req.method = method;
        req.url = settings_.homeserver + path;
        if (!token_.empty()) req.headers = {{"Authorization", "Bearer " + token_}};
        return req;
    }

    runtime::Request json_request(const std::string& method, const std::string& path,
                                  const json& body) const {
        runtime::Request req = request(method, path);
        req.body = body.dump();
        req.content_type = "application/json";
        return req;
    }

    static std::string what_failed(const runtime::Result& r) {
        if (r.status == 0) return r.error.empty() ? "no answer" : r.error;
        const MatrixError e = read_error(r.body);
        std::string out = "HTTP " + std::to_string(r.status);
        if (!e.errcode.empty()) out += " " + e.errcode;
        if (!e.error.empty()) out += " (" + e.error + ")";
        return out;
    }

    static bool token_refused(const runtime::Result& r) {
        return (r.status == 401 || r.status == 403) &&
               read_error(r.body).errcode == "M_UNKNOWN_TOKEN";
    }

    static bool limited(const runtime::Result& r) {
        return r.kind == Kind::rate_limited || read_error(r.body).errcode == "M_LIMIT_EXCEEDED";
    }

    static std::chrono::milliseconds wait_of(const runtime::Result& r) {
        const MatrixError e = read_error(r.body);
        if (e.retry_after.count() > 0) return e.retry_after;
        if (r.retry_after.count() > 0) {
            return std::chrono::duration_cast<std::chrono::milliseconds>(r.retry_after);
        }
        return std::chrono::seconds(1);
    }

    void set_connected(bool on) {
        std::lock_guard<std::mutex> lock(status_mu_);
        status_.connected = on;
    }

    // --- signing in --------------------------------------------------------------------
    //
    // One sign-in at a time (whoami for a configured token, m.login.password otherwise);
    // whoever needs it meanwhile waits for that one.

    void signed_in(std::function<void(bool ok, std::string why)> then) {
        if (!token_.empty() && !user_id_.empty()) return then(true, "");
        sign_in_waiting_.push_back(std::move(then));
        if (signing_in_) return;
        signing_in_ = true;
        if (token_.empty()) return login();
        session_.call(request("GET", std::string(client_api) + "/account/whoami"),
                      [this](runtime::Result r) {
                          if (r.ok()) {
                              user_id_ = string_field(r.json(), "user_id");
                              if (user_id_.empty())
                                  return sign_in_done(false, "whoami gave no user_id");
                              spdlog::info("matrix {}: signed in as {}", settings_.name, user_id_);
                              return sign_in_done(true, "");
                          }
                          if (token_refused(r)) return token_expired("whoami");
                          sign_in_done(false, "whoami: " + what_failed(r));
                      });
    }

    void login() {
        if (settings_.password.empty()) {
            return sign_in_done(false, "no access token and no password to sign in with");
        }
        json body = {{"type", "m.login.password"},
                     {"identifier", {{"type", "m.id.user"}, {"user", settings_.user}}},
                     {"password", settings_.password.reveal()},
                     {"initial_device_display_name", "TwinTrack"}};
        if (!device_id_.empty()) body["device_id"] = device_id_;
        runtime::Request req = json_request("POST", std::string(client_api) + "/login", body);
        req.headers.clear();
        session_.call(std::move(req), [this](runtime::Result r) {
            if (!r.ok()) {
                if (limited(r)) {
                    return sign_in_done(false, "login rate limited", wait_of(r));
                }
                return sign_in_done(false, "login as " + settings_.user + ": " + what_failed(r));
            }
            const json answer = r.json();
            token_ = string_field(answer, "access_token");
            user_id_ = string_field(answer, "user_id");
            if (token_.empty() || user_id_.empty()) {
                token_.clear();
                return sign_in_done(false, "login answer has no access_token or user_id");
            }
            const std::string device = string_field(answer, "device_id");
            if (!device.empty()) device_id_ = device;
            save_state();
            {
                std::lock_guard<std::mutex> lock(status_mu_);
                ++status_.logins;
            }
            spdlog::info("matrix {}: signed in as {} (device {})", settings_.name, user_id_,
                         device_id_);
            sign_in_done(true, "");
        });
    }

    void sign_in_done(bool ok, const std::string& why,
                      std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
        signing_in_ = false;
        if (ok) {
            std::lock_guard<std::mutex> lock(status_mu_);
            status_.user_id = user_id_;
        } else {
            set_connected(false);
            sign_in_wait_ = wait;
        }
        auto waiting = std::move(sign_in_waiting_);
        sign_in_waiting_.clear();
        for (auto& f : waiting) f(ok, why);
    }

    // The homeserver refused the token (M_UNKNOWN_TOKEN): with a password the connector
    // signs in again; without one it is not ready until an admin gives a new token.
    void token_expired(const std::string& where) {
        token_.clear();
        if (!settings_.password.empty()) {
            spdlog::warn("matrix {}: the access token expired ({}); signing in again",
                         settings_.name, where);
            user_id_.clear();
            if (signing_in_) return login();
            return;
        }
        spdlog::error(
            "matrix {}: the homeserver refused the access token (M_UNKNOWN_TOKEN at {}); "
            "give a new one in ${}",
            settings_.name, where, settings_.access_token.env_name());
        token_ = settings_.access_token.reveal();
        set_connected(false);
        if (signing_in_) sign_in_done(false, "access token refused");
    }

    // --- /sync ---------------------------------------------------------------------------

    void connect() {
        signed_in([this](bool ok, const std::string& why) {
            if (session_.stopping()) return;
            if (!ok) {
                if (sign_in_wait_.count() > 0) return session_.down(why, sign_in_wait_);
                return session_.down(why);
            }
            // The rooms of aliased channels first, so that their first messages are
            // recognised; an alias that cannot be looked up now is tried again later.
            resolve_aliases([this] { sync(); });
        });
    }

    // Looks up every configured alias whose room is not known yet in the room directory;
    // `then` runs once every lookup answered (at once when none is needed).
    void resolve_aliases(std::function<void()> then) {
        std::vector<std::string> needed;
        for (const auto& ch : settings_.channels) {
            if (!ch.name.empty() && ch.name[0] == '#' && !channel_room_.count(ch.name)) {
                needed.push_back(ch.name);
            }
        }
        if (needed.empty()) return then();
        auto left = std::make_shared<std::size_t>(needed.size());
        for (const auto& alias : needed) {
            resolve_alias(alias, [left, then] {
                if (--*left == 0) then();
            });
        }
    }

    void resolve_alias(const std::string& alias, std::function<void()> then) {
        auto& waiting = resolving_[alias];
        waiting.push_back(std::move(then));
        if (waiting.size() > 1) return;  // asked already
        session_.call(request("GET", std::string(client_api) + "/directory/room/" +
                                         runtime::url_encode(alias)),
                      [this, alias](runtime::Result r) {
                          const std::string room = r.ok() ? string_field(r.json(), "room_id") : "";
                          if (room.empty()) {
                              spdlog::warn("matrix {}: cannot find the room of {}: {}",
                                           settings_.name, alias,
                                           r.ok() ? "no room_id" : what_failed(r));
                          } else {
                              spdlog::info("matrix {}: {} is room {}", settings_.name, alias, room);
                              channel_room_[alias] = room;
                              if (is_configured(alias)) room_channel_[room] = alias;
                          }
                          auto waiting = std::move(resolving_[alias]);
                          resolving_.erase(alias);
                          for (auto& f : waiting) f();
                      });
    }

    void sync() {
        if (session_.stopping()) return;
        ++sync_round_;
        const bool initial = since_.empty();
        std::string path = std::string(client_api) + "/sync?timeout=";
        if (initial) {
            // A fresh start: only what happens from now on. The timeline of each room is
            // cut to one event; nothing of it is handed to the bot.
            path += "0&filter=" + runtime::url_encode(R"({"room":{"timeline":{"limit":1}}})");
        } else {
            path += std::to_string(settings_.sync_timeout.count()) +
                    "&since=" + runtime::url_encode(since_);
        }
        runtime::Request req = request("GET", path);
        req.timeout = settings_.sync_timeout + std::chrono::seconds(30);
        session_.call(
            std::move(req),
            [this, initial](runtime::Result r) {
                if (session_.stopping()) return;
                if (!r.ok()) {
                    if (token_refused(r)) {
                        token_expired("sync");
                        return session_.down("sync: access token refused",
                                             settings_.password.empty()
                                                 ? std::nullopt
                                                 : std::optional<std::chrono::milliseconds>(0));
                    }
                    set_connected(false);
                    if (limited(r)) return session_.down("sync rate limited", wait_of(r));
                    return session_.down("sync: " + what_failed(r));
                }
                const json body = r.json();
                const std::string next = string_field(body, "next_batch");
                if (!body.is_object() || next.empty()) {
                    set_connected(false);
                    return session_.down("sync: the answer has no next_batch");
                }
                if (!session_.is_up()) {
                    session_.up();
                    if (initial) {
                        spdlog::info("matrix {}: connected; earlier messages are skipped",
                                     settings_.name);
                    } else {
                        spdlog::info("matrix {}: connected", settings_.name);
                    }
                }
                handle_sync(body, initial);
                auto go_on = [this, next, round = sync_round_] {
                    // Not when a reconnect has begun another /sync meanwhile.
                    if (session_.stopping() || round != sync_round_) return;
                    // The events are with the bot now: the next start goes on from here.
                    since_ = next;
                    save_state();
                    {
                        std::lock_guard<std::mutex> lock(status_mu_);
                        status_.connected = true;
                        status_.since = since_;
                        ++status_.syncs;
                    }
                    sync();
                };
                // Files still being fetched: the events wait for them, and so does `since`
                // (a restart meanwhile gets the same events again).
                if (!held_.empty()) {
                    after_held_ = std::move(go_on);
                    return;
                }
                go_on();
            },
            false);
    }

    void save_state() {
        if (!write_state(state_path_, {since_, device_id_}) && session_.once("state-write")) {
            spdlog::warn("matrix {}: cannot write {}; a restart may hand on messages again",
                         settings_.name, state_path_);
        }
    }

    void handle_sync(const json& body, bool initial) {
        for (const auto& ev : array_of(object_field(body, "account_data"), "events")) {
            if (string_field(ev, "type") == "m.direct") read_direct(object_field(ev, "content"));
        }
        const json& rooms = object_field(body, "rooms");
        for (const auto& [room, data] : object_field(rooms, "invite").items()) {
            on_invite(room, data);
        }
        for (const auto& [room, data] : object_field(rooms, "join").items()) {
            on_joined_room(room, data, initial);
        }
        for (const auto& [room, data] : object_field(rooms, "leave").items()) {
            (void)data;
            direct_rooms_.erase(room);
            member_counts_.erase(room);
        }
    }

    void read_direct(const json& content) {
        if (!content.is_object()) return;
        for (const auto& [user, list] : content.items()) {
            if (!list.is_array()) continue;
            for (const auto& room : list) {
                if (!room.is_string()) continue;
                direct_rooms_.insert(room.get<std::string>());
                room_peer_[room.get<std::string>()] = user;
                dm_room_.emplace(user, room.get<std::string>());
            }
        }
    }

    void on_invite(const std::string& room, const json& data) {
        const json& state = object_field(data, "invite_state");
        bool direct = false;
        bool mapped = room_channel_.count(room) > 0;
        std::string inviter;
        {
            for (const auto& ev : array_of(state, "events")) {
                const std::string type = string_field(ev, "type");
                const json& content = object_field(ev, "content");
                if (type == "m.room.member" && string_field(ev, "state_key") == user_id_) {
                    direct = http::bool_field(content, "is_direct", false);
                    inviter = string_field(ev, "sender");
                } else if (type == "m.room.canonical_alias") {
                    const std::string alias = string_field(content, "alias");
                    if (channel_room_.count(alias) || is_configured(alias)) {
                        mapped = true;
                        channel_room_[alias] = room;
                        room_channel_[room] = alias;
                    }
                }
            }
        }
        if (!mapped && !direct) {
            if (session_.once("invite:" + room)) {
                spdlog::info("matrix {}: not joining {}: not in channels and not a direct chat",
                             settings_.name, room);
            }
            return;
        }
        if (!joining_.insert(room).second) return;
        if (direct && !inviter.empty()) {
            direct_rooms_.insert(room);
            room_peer_[room] = inviter;
            dm_room_[inviter] = room;
        }
        session_.call(
            json_request("POST", std::string(client_api) + "/join/" + runtime::url_encode(room),
                         json::object()),
            [this, room](runtime::Result r) {
                joining_.erase(room);
                if (r.ok()) {
                    spdlog::info("matrix {}: joined {}", settings_.name, room);
                } else {
                    spdlog::warn("matrix {}: joining {} failed: {}", settings_.name, room,
                                 what_failed(r));
                }
            });
    }

    bool is_configured(const std::string& channel) const {
        for (const auto& ch : settings_.channels) {
            if (ch.name == channel) return true;
        }
        return false;
    }

    void on_joined_room(const std::string& room, const json& data, bool initial) {
        const json& summary = object_field(data, "summary");
        if (summary.contains("m.joined_member_count") &&
            summary["m.joined_member_count"].is_number_integer()) {
            member_counts_[room] = summary["m.joined_member_count"].get<int>();
        }
        for (const char* part : {"state", "timeline"}) {
            const json& events = array_of(object_field(data, part), "events");
            for (const auto& ev : events) {
                if (string_field(ev, "type") != "m.room.member") continue;
                const std::string name = string_field(object_field(ev, "content"), "displayname");
                if (!name.empty()) remember_name(string_field(ev, "state_key"), name);
            }
        }
        if (initial) return;
        const json& timeline = object_field(data, "timeline");
        if (http::bool_field(timeline, "limited", false)) {
            {
                std::lock_guard<std::mutex> lock(status_mu_);
                ++status_.gaps;
            }
            spdlog::warn(
                "matrix {}: sync gap in {}: the homeserver left out earlier events "
                "(limited timeline, prev_batch {}); they are not handed to the bot",
                settings_.name, room, string_field(timeline, "prev_batch"));
        }
        for (const auto& ev : array_of(timeline, "events")) on_room_event(room, ev);
    }

    void remember_name(const std::string& user, const std::string& name) {
        if (user.empty()) return;
        if (names_.size() > 5000) names_.clear();
        names_[user] = name;
    }

    std::string display_of(const std::string& user) const {
        auto it = names_.find(user);
        if (it != names_.end()) return it->second;
        // @name:server → name
        const auto colon = user.find(':');
        return user.size() > 1 && user[0] == '@' ? user.substr(1, colon - 1) : user;
    }

    bool is_direct(const std::string& room) const {
        if (direct_rooms_.count(room)) return true;
        if (room_channel_.count(room)) return false;
        auto it = member_counts_.find(room);
        return it != member_counts_.end() && it->second == 2;
    }

    void on_room_event(const std::string& room, const json& ev) {
        const RoomMessage m = read_room_message(ev, user_id_);
        const bool redaction = m.type == "m.room.redaction";
        if ((m.type != "m.room.message" && !redaction) || m.event_id.empty()) return;
        if (!seen_.first(m.event_id)) {
            spdlog::debug("matrix {}: {} delivered again; ignored", settings_.name, m.event_id);
            return;
        }
        if (m.sender == user_id_ || m.sender.empty()) return;  // the bot's own
        const bool direct = is_direct(room);
        auto mapped = room_channel_.find(room);
        if (!direct && mapped == room_channel_.end()) {
            return session_.ignored("messages in rooms not in channels (" + room + ")");
        }
        if (direct) {
            dm_room_[m.sender] = room;
            room_peer_[room] = m.sender;
        }
        const std::string channel = direct ? "@" + m.sender : mapped->second;
        if (redaction) {
            if (m.target.empty()) return session_.ignored("redactions without `redacts`");
            return push_change(m, room, channel, direct, core::EventKind::remove);
        }
        if (m.msgtype == "m.notice") return session_.ignored("notices (m.notice) of other bots");
        if (m.edit) return on_edit(m, room, channel, direct);
        if (m.msgtype == "m.image" || m.msgtype == "m.file" || m.msgtype == "m.video" ||
            m.msgtype == "m.audio") {
            if (direct) {
                answer_not_text(m, room);
            } else if (file_limit_ > 0) {
                on_file(m, ev, room, channel);
            }
            return;
        }
        if (m.msgtype != "m.text" && m.msgtype != "m.emote") {
            return session_.ignored("messages of type " + m.msgtype);
        }
        if (sink_ == nullptr) return;
        remember_writer(m.event_id, m.sender);
        const std::string localpart = display_of(user_id_);
        auto [text, mentioned] = strip_mention(m.body, {user_id_, localpart, "@" + localpart});
        core::Event event;
        event.id = settings_.name + ":" + m.event_id;
        event.kind = core::EventKind::message;
        event.who = {settings_.name, m.sender, display_of(m.sender)};
        event.where = {settings_.name, channel, m.thread};
        event.direct = direct;
        event.addressed = mentioned || m.mentions_bot;
        event.text = text;
        event.at = m.origin_server_ts > 0 ? core::from_millis(m.origin_server_ts) : clock_->now();
        event.extra = {
            {"message_id", event.id}, {"matrix_room", room}, {"matrix_event_id", m.event_id}};
        // A reply names the message answered; a message in a thread that answers none in
        // particular (is_falling_back) answers the thread's first message.
        const std::string answered = !m.reply_to.empty() ? m.reply_to : m.thread;
        if (!answered.empty()) {
            event.reply_to = settings_.name + ":" + answered;
            event.extra["reply_to"] = event.reply_to;
        }
        // Replies to it go in its thread, or in a thread of its own (any event without a
        // rel_type can be a thread's root).
        event.reply_thread = m.thread.empty() ? m.event_id : m.thread;
        hand_on(std::move(event));
    }

    // An edit (m.replace): handed on as EventKind::edit of the message it replaces, with
    // the new text. An edit whose original the connector saw from someone else is not
    // valid (the specification: same sender) and is dropped; one of a message it never
    // saw (before a restart, or before the bot joined) is handed on, and the bot decides.
    void on_edit(const RoomMessage& m, const std::string& room, const std::string& channel,
                 bool direct) {
        if (m.target.empty()) return session_.ignored("edits (m.replace) without m.new_content");
        if (m.msgtype != "m.text" && m.msgtype != "m.emote") {
            return session_.ignored("edits to messages of type " + m.msgtype);
        }
        auto writer = writers_.find(m.target);
        if (writer != writers_.end() && writer->second != m.sender) {
            return session_.ignored("edits (m.replace) of another person's message");
        }
        push_change(m, room, channel, direct, core::EventKind::edit);
    }

    // An edit or a redaction: its own id, naming the message changed (`target`, also as
    // `extra.message_id`, as that message's event did).
    void push_change(const RoomMessage& m, const std::string& room, const std::string& channel,
                     bool direct, core::EventKind kind) {
        if (sink_ == nullptr) return;
        core::Event event;
        event.id = settings_.name + ":" + m.event_id;
        event.kind = kind;
        event.who = {settings_.name, m.sender, display_of(m.sender)};
        event.where = {settings_.name, channel, ""};
        event.direct = direct;
        event.target = settings_.name + ":" + m.target;
        if (kind == core::EventKind::edit) {
            const std::string localpart = display_of(user_id_);
            auto [text, mentioned] = strip_mention(m.body, {user_id_, localpart, "@" + localpart});
            event.text = text;
            event.addressed = mentioned || m.mentions_bot;
        }
        event.at = m.origin_server_ts > 0 ? core::from_millis(m.origin_server_ts) : clock_->now();
        event.extra = {
            {"message_id", event.target}, {"matrix_room", room}, {"matrix_event_id", m.event_id}};
        hand_on(std::move(event));
    }

    // --- files of people's messages (bridged channels) ----------------------------------
    //
    // With fetch_files_up_to(n > 0), an m.image, m.file, m.video or m.audio in a channel is
    // handed on as a message with its file (core/event_files.hpp): the bytes fetched from
    // the media repository (GET /_matrix/client/v1/media/download/{serverName}/{mediaId},
    // authenticated) when the file is at most n bytes, else its name and size only (the
    // media repository gives no link anyone may open). Events after it wait for the
    // download, so the bot gets them in order.

    struct Held {
        core::Event event;
        bool ready = true;
    };

    // Hands an event on, after the ones still waiting for their files.
    void hand_on(core::Event event) {
        if (sink_ == nullptr) return;
        if (held_.empty()) return sink_->push(std::move(event));
        auto h = std::make_shared<Held>();
        h->event = std::move(event);
        held_.push_back(std::move(h));
    }

    void release_held() {
        while (!held_.empty() && held_.front()->ready) {
            core::Event e = std::move(held_.front()->event);
            held_.pop_front();
            if (sink_ != nullptr) sink_->push(std::move(e));
        }
        if (held_.empty() && after_held_) {
            auto go_on = std::move(after_held_);
            after_held_ = nullptr;
            go_on();
        }
    }

    void on_file(const RoomMessage& m, const json& ev, const std::string& room,
                 const std::string& channel) {
        if (sink_ == nullptr) return;
        const json& content = object_field(ev, "content");
        const json& info = object_field(content, "info");
        core::EventFile file;
        const std::string filename = string_field(content, "filename");
        file.name = !filename.empty() ? filename : m.body;
        file.mime = string_field(info, "mimetype");
        const auto size = info.is_object() ? info.find("size") : info.end();
        if (info.is_object() && size != info.end() && size->is_number_integer() &&
            size->get<long long>() > 0) {
            file.size = size->get<std::uint64_t>();
        }
        core::Event event;
        event.id = settings_.name + ":" + m.event_id;
        event.kind = core::EventKind::message;
        event.who = {settings_.name, m.sender, display_of(m.sender)};
        event.where = {settings_.name, channel, m.thread};
        // A caption: a body that is not the file's name (Matrix 1.10).
        if (!filename.empty() && m.body != filename) event.text = m.body;
        event.at = m.origin_server_ts > 0 ? core::from_millis(m.origin_server_ts) : clock_->now();
        event.extra = {
            {"message_id", event.id}, {"matrix_room", room}, {"matrix_event_id", m.event_id}};
        const std::string answered = !m.reply_to.empty() ? m.reply_to : m.thread;
        if (!answered.empty()) {
            event.reply_to = settings_.name + ":" + answered;
            event.extra["reply_to"] = event.reply_to;
        }
        event.reply_thread = m.thread.empty() ? m.event_id : m.thread;
        remember_writer(m.event_id, m.sender);
        const std::string mxc = string_field(content, "url");
        const std::string prefix = "mxc://";
        const auto slash = mxc.find('/', prefix.size());
        if (mxc.rfind(prefix, 0) != 0 || slash == std::string::npos || (file.size > file_limit_)) {
            core::add_event_file(event.extra, file);
            return hand_on(std::move(event));
        }
        auto h = std::make_shared<Held>();
        h->event = std::move(event);
        h->ready = false;
        held_.push_back(h);
        runtime::Request req = request(
            "GET", "/_matrix/client/v1/media/download/" +
                       runtime::url_encode(mxc.substr(prefix.size(), slash - prefix.size())) + "/" +
                       runtime::url_encode(mxc.substr(slash + 1)));
        req.timeout = std::chrono::seconds(60);
        req.max_body = static_cast<std::size_t>(file_limit_);
        session_.call(
            std::move(req),
            [this, h, file](runtime::Result r) mutable {
                if (r.ok()) {
                    file.data = std::move(r.body);
                    file.size = file.data.size();
                    if (file.mime.empty()) file.mime = r.header("content-type");
                } else {
                    spdlog::warn(
                        "matrix {}: the file {} of {} was not fetched ({}); its name goes on",
                        settings_.name, file.name, h->event.id, what_failed(r));
                }
                core::add_event_file(h->event.extra, file);
                h->ready = true;
                release_held();
            },
            false);
    }

    // Who wrote the recent messages handed on, to check the sender of their edits.
    void remember_writer(const std::string& event_id, const std::string& sender) {
        if (!writers_.emplace(event_id, sender).second) return;
        writer_order_.push_back(event_id);
        while (writer_order_.size() > settings_.dedupe_window) {
            writers_.erase(writer_order_.front());
            writer_order_.pop_front();
        }
    }

    // A picture, file, video or voice message in a direct chat: the connector's own words
    // in the writer's language (the people directory's), else the bot's default.
    void answer_not_text(const RoomMessage& m, const std::string& room) {
        (void)room;
        if (!text_only_.any()) return;
        core::Post post;
        post.to = {settings_.name, "@" + m.sender, m.thread};
        post.locale = runtime::reader_locale(roster_, m.sender, default_locale_);
        post.text = text_only_.in(post.locale, default_locale_);
        post.reply_to = settings_.name + ":" + m.event_id;
        post.dedupe_key = "matrix-text-only:" + m.event_id;
        deliver(post, nullptr);
    }

    // --- sending -----------------------------------------------------------------------
    //
    // Posts to one room go out one after the other (SerialQueues by conversation). Each
    // message has a transaction id derived from the post's dedupe key: after a lost
    // answer the same PUT goes again and the homeserver answers with the event it made
    // the first time. M_LIMIT_EXCEEDED pauses every room for retry_after_ms (Matrix
    // limits a user, not a room).

    void complete(const std::shared_ptr<SendJob>& job, core::SendResult result) override {
        // A new message: replies to it go in its thread (the one it is in, or its own).
        const core::Post& post = job->post;
        const std::string prefix = settings_.name + ":";
        if (result.ok && post.edits.empty() && post.deletes.empty() &&
            result.message_id.rfind(prefix, 0) == 0) {
            result.reply_thread =
                !post.to.thread.empty() ? post.to.thread : result.message_id.substr(prefix.size());
        }
        runtime::finish_post(*job, std::move(result), session_.log_prefix());
    }

    // The event id of `id` (NAME:$event) when it is one of this connector's, else "".
    std::string own_event(const std::string& id) const {
        const std::string prefix = settings_.name + ":";
        if (id.rfind(prefix, 0) != 0 || id.size() <= prefix.size() + 1) return "";
        const std::string event = id.substr(prefix.size());
        return event[0] == '$' ? event : "";
    }

    void start_job(const std::shared_ptr<SendJob>& job) override {
        if (session_.stopping()) {
            return complete(
                job, {false, "", "Matrix connector " + settings_.name + " is stopping", true});
        }
        if (job->txn_basis.empty()) job->txn_basis = core::random_hex(16);
        if (token_.empty() || user_id_.empty()) {
            return signed_in([this, job](bool ok, const std::string& why) {
                if (!ok) return complete(job, {false, "", "not signed in: " + why, true});
                start_job(job);
            });
        }
        const std::string& to = job->post.to.channel;
        if (to.size() > 1 && to[0] == '@') {
            const std::string user = to.substr(1);
            auto known = dm_room_.find(user);
            if (known != dm_room_.end()) {
                job->room = known->second;
                return send_next(job);
            }
            return open_direct(job, user);
        }
        auto mapped = channel_room_.find(to);
        if (mapped != channel_room_.end()) {
            job->room = mapped->second;
            job->attempts = 0;
        } else if (!to.empty() && to[0] == '!') {
            job->room = to;
        } else if (!to.empty() && to[0] == '#') {
            if (job->attempts++ > 0) {
                return complete(job, {false, "", "cannot find the room of " + to, true});
            }
            return resolve_alias(to, [this, job] { start_job(job); });
        } else {
            return complete(job, {false, "", "no room to post to: \"" + to + "\"", false});
        }
        send_next(job);
    }

    // A direct chat with `user` the bot has none with yet: a new room with is_direct.
    void open_direct(const std::shared_ptr<SendJob>& job, const std::string& user) {
        json body = {{"is_direct", true},
                     {"invite", json::array({user})},
                     {"preset", "trusted_private_chat"}};
        session_.call(json_request("POST", std::string(client_api) + "/createRoom", body),
                      [this, job, user](runtime::Result r) {
                          if (!r.ok()) {
                              return failed(job, r, [this, job] { start_job(job); });
                          }
                          const std::string room = string_field(r.json(), "room_id");
                          if (room.empty()) {
                              return complete(job, {false, "", "createRoom gave no room_id", true});
                          }
                          dm_room_[user] = room;
                          room_peer_[room] = user;
                          direct_rooms_.insert(room);
                          job->room = room;
                          job->attempts = 0;
                          send_next(job);
                      });
    }

    json relation(const std::shared_ptr<SendJob>& job, bool first) const {
        const core::Post& post = job->post;
        const std::string prefix = settings_.name + ":";
        std::string reply = post.reply_to;
        if (reply.rfind(prefix, 0) == 0) reply = reply.substr(prefix.size());
        if (reply.empty() || reply[0] != '$') reply.clear();
        const std::string& thread = post.to.thread;
        if (!thread.empty()) {
            // In a thread; clients without threads show it as a reply to the thread's
            // latest message (here: the message answered, else the root). Answering a
            // message of the thread other than its root is a reply within the thread
            // (is_falling_back false).
            const bool answers = first && !reply.empty() && reply != thread;
            json rel = {{"rel_type", "m.thread"},
                        {"event_id", thread},
                        {"is_falling_back", !answers},
                        {"m.in_reply_to", {{"event_id", reply.empty() ? thread : reply}}}};
            return rel;
        }
        if (first && !reply.empty()) return json{{"m.in_reply_to", {{"event_id", reply}}}};
        return json(nullptr);
    }

    void send_next(const std::shared_ptr<SendJob>& job) {
        if (!job->post.edits.empty()) return send_edit(job);
        if (!job->post.deletes.empty()) return send_redaction(job);
        if (job->pieces.empty() && job->next == 0 && !job->post.text.empty()) {
            job->pieces = http::split_message(job->post.text, settings_.max_chars);
        }
        if (job->next < job->pieces.size()) {
            json content = {{"msgtype", "m.notice"}, {"body", job->pieces[job->next]}};
            json rel = relation(job, job->next == 0);
            if (!rel.is_null()) content["m.relates_to"] = rel;
            return put_message(job, content, "text:" + std::to_string(job->next), [this, job] {
                ++job->next;
                send_next(job);
            });
        }
        if (job->next_file < job->post.attachments.size()) return send_file(job);
        complete(job, {true, job->first_id, "", true});
    }

    void put_message(const std::shared_ptr<SendJob>& job, const json& content,
                     const std::string& piece, std::function<void()> then) {
        const std::string txn =
            transaction_id(settings_.name, job->post.dedupe_key, job->txn_basis, piece);
        const std::string path = std::string(client_api) + "/rooms/" +
                                 runtime::url_encode(job->room) + "/send/m.room.message/" + txn;
        session_.call(json_request("PUT", path, content),
                      [this, job, content, piece, then = std::move(then)](runtime::Result r) {
                          if (!r.ok()) {
                              return failed(job, r, [this, job, content, piece, then] {
                                  put_message(job, content, piece, then);
                              });
                          }
                          job->attempts = 0;
                          const std::string id = string_field(r.json(), "event_id");
                          if (job->first_id.empty() && !id.empty()) {
                              job->first_id = settings_.name + ":" + id;
                          }
                          then();
                      });
    }

    // A relayed edit of a message the bot sent (`edits`: NAME:$event): an m.room.message
    // replacing it (rel_type m.replace) with the new text in m.new_content and, for
    // clients without edits, "* " and the new text as its own body. A message sent in
    // pieces gets its first piece replaced by the new text (cut to max_chars).
    void send_edit(const std::shared_ptr<SendJob>& job) {
        const std::string target = own_event(job->post.edits);
        if (target.empty()) {
            return complete(
                job, {false, "", "not a Matrix event of " + settings_.name + ": " + job->post.edits,
                      false});
        }
        const auto pieces = http::split_message(job->post.text, settings_.max_chars);
        const std::string text = pieces.empty() ? std::string() : pieces.front();
        json content = {{"msgtype", "m.notice"},
                        {"body", "* " + text},
                        {"m.new_content", {{"msgtype", "m.notice"}, {"body", text}}},
                        {"m.relates_to", {{"rel_type", "m.replace"}, {"event_id", target}}}};
        put_message(job, content, "edit", [this, job] {
            complete(job, {true, job->post.edits, "", true});
        });
    }

    // A relayed delete of a message the bot sent (`deletes`: NAME:$event): a redaction,
    // PUT .../redact/{eventId}/{txnId} with a transaction id of its own (sent again after
    // a lost answer, it redacts once). An event the homeserver does not know is gone.
    void send_redaction(const std::shared_ptr<SendJob>& job) {
        const std::string target = own_event(job->post.deletes);
        if (target.empty()) {
            return complete(
                job, {false, "",
                      "not a Matrix event of " + settings_.name + ": " + job->post.deletes, false});
        }
        const std::string txn =
            transaction_id(settings_.name, job->post.dedupe_key, job->txn_basis, "redact");
        const std::string path = std::string(client_api) + "/rooms/" +
                                 runtime::url_encode(job->room) + "/redact/" +
                                 runtime::url_encode(target) + "/" + txn;
        session_.call(json_request("PUT", path, json::object()), [this, job](runtime::Result r) {
            if (r.ok() || (r.status == 404 && read_error(r.body).errcode == "M_NOT_FOUND")) {
                return complete(job, {true, job->post.deletes, "", true});
            }
            failed(job, r, [this, job] { send_redaction(job); });
        });
    }

    // An attachment: its bytes to the media repository, then an m.image (pictures) or
    // m.file message naming the mxc:// URI.
    void send_file(const std::shared_ptr<SendJob>& job) {
        const core::Attachment& file = job->post.attachments[job->next_file];
        const std::string name = file.name.empty() ? "attachment" : file.name;
        const std::string mime = file.mime.empty() ? "application/octet-stream" : file.mime;
        if (job->content_uri.empty()) {
            runtime::Request req =
                request("POST", "/_matrix/media/v3/upload?filename=" + runtime::url_encode(name));
            req.content_type = mime;
            req.body = file.data;
            req.timeout = std::chrono::seconds(60);
            return session_.call(std::move(req), [this, job](runtime::Result r) {
                if (!r.ok()) return failed(job, r, [this, job] { send_file(job); });
                job->attempts = 0;
                job->content_uri = string_field(r.json(), "content_uri");
                if (job->content_uri.empty()) {
                    return complete(job,
                                    {false, job->first_id, "upload gave no content_uri", true});
                }
                send_file(job);
            });
        }
        json content = {{"msgtype", mime.rfind("image/", 0) == 0 ? "m.image" : "m.file"},
                        {"body", name},
                        {"filename", name},
                        {"url", job->content_uri},
                        {"info", {{"mimetype", mime}, {"size", file.data.size()}}}};
        json rel = relation(job, job->pieces.empty() && job->next_file == 0);
        if (!rel.is_null()) content["m.relates_to"] = rel;
        put_message(job, content, "file:" + std::to_string(job->next_file), [this, job] {
            job->content_uri.clear();
            ++job->next_file;
            send_next(job);
        });
    }

    // A request of a post failed: wait and go again where the homeserver asks for it
    // (M_LIMIT_EXCEEDED, a lost answer), sign in again (M_UNKNOWN_TOKEN with a
    // password), or hand the failure to the outbox.
    void failed(const std::shared_ptr<SendJob>& job, const runtime::Result& r,
                std::function<void()> again) {
        if (session_.stopping()) {
            return complete(job, {false, job->first_id, "Matrix connector stopped", true});
        }
        if (limited(r)) {
            const auto wait = wait_of(r);
            if (!runtime::pause_post(
                    outbound_, *job, wait,
                    std::chrono::duration_cast<std::chrono::milliseconds>(settings_.max_retry_wait),
                    true)) {
                return complete(job, {false, job->first_id,
                                      "rate limited by the homeserver (retry_after_ms " +
                                          std::to_string(wait.count()) + ")",
                                      true});
            }
            spdlog::info("matrix {}: rate limited (M_LIMIT_EXCEEDED); sending again in {} ms",
                         settings_.name, wait.count());
            return session_.later(wait, std::move(again));
        }
        if (token_refused(r)) {
            token_expired("send");
            if (settings_.password.empty() || ++job->attempts > 2) {
                return complete(job, {false, job->first_id, "access token refused", true});
            }
            return signed_in(
                [this, job, again = std::move(again)](bool ok, const std::string& why) {
                    if (!ok)
                        return complete(job, {false, job->first_id, "signing in: " + why, true});
                    again();
                });
        }
        if (r.kind == Kind::transient || r.kind == Kind::timeout) {
            if (++job->attempts <= 3) {
                spdlog::info(
                    "matrix {}: sending to {} failed ({}); again with the same "
                    "transaction id",
                    settings_.name, job->room, what_failed(r));
                return session_.later(std::chrono::milliseconds(250) * job->attempts,
                                      std::move(again));
            }
            return complete(job, {false, job->first_id, what_failed(r), true});
        }
        complete(job, {false, job->first_id, what_failed(r), false});
    }

    MatrixSettings settings_;
    std::string state_path_;

    // The connector thread's state.
    std::string token_;
    std::string user_id_;
    std::string since_;
    std::string device_id_;
    bool signing_in_ = false;
    std::chrono::milliseconds sign_in_wait_{0};
    std::vector<std::function<void(bool, std::string)>> sign_in_waiting_;
    std::map<std::string, std::string> room_channel_;  ///< room id → configured channel
    std::map<std::string, std::string> channel_room_;  ///< configured channel → room id
    /// Aliases being looked up, with what waits for each.
    std::map<std::string, std::vector<std::function<void()>>> resolving_;
    std::set<std::string> joining_;                 ///< rooms being joined
    std::set<std::string> direct_rooms_;            ///< m.direct and direct invites
    std::map<std::string, int> member_counts_;      ///< m.joined_member_count by room
    std::map<std::string, std::string> dm_room_;    ///< user → their direct room
    std::map<std::string, std::string> room_peer_;  ///< direct room → the other user
    std::map<std::string, std::string> names_;      ///< display names by user id
    runtime::RecentIds seen_;
    std::uint64_t file_limit_ = 0;            ///< fetch_files_up_to(); set before start()
    std::deque<std::shared_ptr<Held>> held_;  ///< events waiting for a file before them
    std::function<void()> after_held_;        ///< the next /sync, once held_ is empty
    std::uint64_t sync_round_ = 0;            ///< /sync requests begun
    std::unordered_map<std::string, std::string> writers_;  ///< recent event id → sender
    std::deque<std::string> writer_order_;                  ///< writers_' ids, oldest first
    const runtime::ConnectorWords text_only_;
};

}  // namespace

ConnectorType connector_type() {
    return settings_type<MatrixSettings>("matrix", read_settings, make_matrix);
}

std::unique_ptr<Connector> make_matrix(MatrixSettings settings, const ConnectorContext& context) {
    return make_connector<MatrixConnector>("make_matrix", std::move(settings), context);
}

MatrixStatus matrix_status(const Connector& connector) {
    return status_of<MatrixConnector>(connector);
}

}  // namespace twintrack::connectors::matrix
