#include "connectors/slack/slack_connector.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>

#include "connectors/http/hook_routes.hpp"
#include "connectors/http/http_client.hpp"
#include "connectors/http/http_listener.hpp"
#include "connectors/http/json_fields.hpp"
#include "connectors/http/text_pieces.hpp"
#include "connectors/http/ws_link.hpp"
#include "connectors/runtime/api_answer.hpp"
#include "connectors/runtime/connector_config.hpp"
#include "connectors/runtime/http_client.hpp"
#include "connectors/runtime/recent_ids.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/runtime/session_connector.hpp"
#include "connectors/slack/slack_blocks.hpp"
#include "connectors/slack/slack_events.hpp"
#include "connectors/slack/slack_text.hpp"
#include "core/event_files.hpp"

namespace twintrack::connectors::slack {
namespace {

namespace asio = boost::asio;
using namespace http::json_reading;

// ---------------------------------------------------------------------------------------
// Config

void read_settings(core::SectionReader& section, SlackSettings& s) {
    if (auto mode = section.choice("mode", {"socket", "events"})) {
        s.mode = *mode == "events" ? SlackSettings::Mode::events : SlackSettings::Mode::socket;
    }
    const bool socket = s.mode == SlackSettings::Mode::socket;
    if (auto t = section.secret("bot_token", true)) s.bot_token = *t;
    if (auto t = section.secret("app_token", socket)) s.app_token = *t;
    if (auto t = section.secret("signing_secret", !socket)) s.signing_secret = *t;
    if (socket && section.has("bind")) section.error("bind", "is only used with mode: events");
    if (socket && section.has("port")) section.error("port", "is only used with mode: events");
    runtime::read_listen(section, s);
    runtime::read_base_url(section, "api_url", s.api_url);
    if (auto v = section.boolean("post_as_person")) s.post_as_person = *v;
    runtime::read_reach(section, s);
    if (s.bot_token.reveal().rfind("xoxb-", 0) != 0 && !s.bot_token.empty()) {
        spdlog::warn("slack {}: bot_token (${}) does not start with xoxb-", s.name,
                     s.bot_token.env_name());
    }
    if (socket && !s.app_token.empty() && s.app_token.reveal().rfind("xapp-", 0) != 0) {
        section.error("app_token",
                      "must be an app-level token (xapp-…) from ${" + s.app_token.env_name() + "}");
    }
    runtime::read_channel_ids(
        section, s, runtime::id_pattern("[CGD][A-Z0-9]{2,30}"),
        "is not a Slack channel ID: use the ID such as C0123ABCD (channel details, bottom), not "
        "the name");
}

// ---------------------------------------------------------------------------------------
// The connector

using ApiResult = runtime::ApiAnswer;  ///< `error`: Slack's, or a transport/HTTP problem

struct SendJob : runtime::PostJob {
    std::size_t next_file = 0;      ///< the attachment being uploaded
    std::string uploaded_file;      ///< its Slack file id once the bytes are uploaded
    bool ephemeral_failed = false;  ///< a private answer Slack would not show in the channel
};

struct SlashReply {
    std::string response_url;
    int uses = 0;
};

// Errors after which sending the same post again cannot succeed.
bool permanent_error(const std::string& error) {
    static const std::set<std::string> permanent = {
        "channel_not_found", "not_in_channel",       "is_archived",      "msg_too_long",
        "no_text",           "invalid_blocks",       "user_not_found",   "cannot_dm_bot",
        "restricted_action", "too_many_attachments", "invalid_arguments"};
    return permanent.count(error) > 0;
}

class SlackConnector final : public runtime::PostingConnector<SlackStatus, SendJob> {
  public:
    SlackConnector(SlackSettings settings, const ConnectorContext& context)
        : PostingConnector(
              runtime::session_options("Slack", "slack", settings,
                                       {settings.bot_token.reveal(), settings.app_token.reveal(),
                                        settings.signing_secret.reveal()}),
              context, settings.rate_limit),
          settings_(std::move(settings)),
          hello_timer_(session_.io()),
          link_(http::WsLink::Handlers{
                    [] {}, [this](const std::string& text) { on_socket_text(text); },
                    session_.on_thread([this](const std::string& why) { on_socket_closed(why); })},
                settings_.tls_ca_file),
          callbacks_([this](const http::ListenerRequest& r) { return on_http(r); }),
          inbound_(session_.timers()) {
        runtime::Protocol protocol;
        protocol.begin = [this] { identify(); };
        if (settings_.mode == SlackSettings::Mode::socket) {
            protocol.connect = [this] { open_socket(); };
            protocol.drop = [this] { link_.close(); };
        }
        protocol.halt = [this] {
            callbacks_.stop();
            link_.stop();
        };
        protocol.on_stop = [this] { hello_timer_.cancel(); };
        session_.set_protocol(std::move(protocol));
    }

    ~SlackConnector() override { stop(); }

    // Buttons and menus as Block Kit; clicks come back as `interactive` envelopes (Socket
    // Mode) or on /slack/interactive (Events API), and a settled post is updated in place.
    bool shows_actions() const override { return true; }
    /// chat.update and chat.delete; a writer's name per post with `post_as_person`.
    core::PostAbilities abilities() const override {
        return {true, true, settings_.post_as_person};
    }
    /// Attachments go up through the external upload flow.
    bool shows_images() const override { return true; }
    bool shows_files() const override { return true; }
    void fetch_files_up_to(std::uint64_t bytes) override { file_limit_ = bytes; }

  private:
    void prepare() override {
        if (settings_.mode != SlackSettings::Mode::events) return;
        const int port = callbacks_.serve(
            hooks_, settings_.name,
            {{"/events", "/slack/events"},
             {"/commands", "/slack/commands"},
             {"/interactivity", "/slack/interactive"},
             {"/interactive", "/slack/interactive"}},
            own_listener_, {settings_.bind, settings_.port, "", "Events API and slash commands"},
            session_.log_prefix());
        update_status([port](SlackStatus& s) { s.listen_port = port; });
    }

    bool link_up(const SlackStatus& status) const override {
        return settings_.mode == SlackSettings::Mode::events || status.connected;
    }

    // --- Web API (asynchronous: every answer comes back on the connector thread) -------

    using ApiDone = std::function<void(ApiResult)>;

    // `hold`: stop() waits for the answer (false: opening the socket, abandoned on stop).
    //
    // Slack's rate limits are per Web API method (its tiers: "per API method per app per
    // workspace"), except chat.postMessage's, which is per channel (that conversation's
    // posts wait: wait_and_retry). A 429 on any other method holds that method alone until
    // its Retry-After: a call of it meanwhile is answered "ratelimited" with the wait left,
    // without reaching Slack, and every other method goes on.
    void api(runtime::Request req, ApiDone done, bool hold = true) {
        std::string method = api_method(req.url);
        const auto now = std::chrono::steady_clock::now();
        const auto paused = method_paused_until_.find(method);
        if (paused != method_paused_until_.end()) {
            if (paused->second > now) {
                ApiResult held;
                held.error = "ratelimited";
                held.retry_after =
                    std::max(std::chrono::seconds(1),
                             std::chrono::ceil<std::chrono::seconds>(paused->second - now));
                return done(std::move(held));
            }
            method_paused_until_.erase(paused);
        }
        session_.call(
            std::move(req),
            [this, method = std::move(method), done = std::move(done)](runtime::Result r) {
                ApiResult a = finish(r);
                if (a.error == "ratelimited" && !method.empty() && method != "chat.postMessage") {
                    method_paused_until_[method] = std::chrono::steady_clock::now() +
                                                   std::max(a.retry_after, std::chrono::seconds(1));
                }
                done(std::move(a));
            },
            hold);
    }

    // The Web API method of a request to `api_url` ("users.info"); "" for any other URL.
    std::string api_method(const std::string& url) const {
        const std::string prefix = settings_.api_url + "/";
        if (url.rfind(prefix, 0) != 0) return "";
        return url.substr(prefix.size(), url.find('?', prefix.size()) - prefix.size());
    }

    void call(const std::string& method, const json& body, ApiDone done,
              const core::Secret* token = nullptr, bool hold = true) {
        runtime::Request req = runtime::Request::json_post(settings_.api_url + "/" + method, body);
        req.headers = {
            {"Authorization", "Bearer " + (token ? *token : settings_.bot_token).reveal()}};
        api(std::move(req), std::move(done), hold);
    }

    void call_form(const std::string& method, const runtime::HeaderList& fields, ApiDone done) {
        runtime::Request req;
        req.method = "POST";
        req.url = settings_.api_url + "/" + method;
        req.headers = {{"Authorization", "Bearer " + settings_.bot_token.reveal()}};
        req.content_type = "application/x-www-form-urlencoded";
        req.body = runtime::form_encode(fields);
        api(std::move(req), std::move(done));
    }

    void call_get(const std::string& method, const runtime::HeaderList& query, ApiDone done) {
        runtime::Request req;
        req.url = settings_.api_url + "/" + method + "?" + runtime::form_encode(query);
        req.headers = {{"Authorization", "Bearer " + settings_.bot_token.reveal()}};
        api(std::move(req), std::move(done));
    }

    static ApiResult finish(const runtime::Result& r) {
        ApiResult out = runtime::answer_from(r.status, r.error, "Slack");
        if (r.status == 0) return out;
        if (r.kind == runtime::Result::Kind::rate_limited) {
            out.error = "ratelimited";
            out.retry_after = r.retry_after;
            return out;
        }
        out.body = r.json();
        if (r.status != 200) {
            out.error = "HTTP " + std::to_string(r.status);
        } else if (!out.body.is_object()) {
            out.error = "malformed answer (not a JSON object)";
        } else if (!http::bool_field(out.body, "ok")) {
            out.error = string_field(out.body, "error", "unknown_error");
        }
        return out;
    }

    // Learns the bot's own user id (auth.test) once; `then` runs when it is known or the
    // call failed.
    void identify(std::function<void()> then = nullptr) {
        if (!bot_user_id_.empty() || session_.stopping()) {
            if (then) then();
            return;
        }
        if (then) identify_waiting_.push_back(std::move(then));
        if (identifying_) return;
        identifying_ = true;
        call("auth.test", json::object(), [this](ApiResult r) {
            identifying_ = false;
            if (!r.ok()) {
                spdlog::error("slack {}: auth.test failed: {}", settings_.name, r.error);
            } else {
                bot_user_id_ = string_field(r.body, "user_id");
                spdlog::info("slack {}: signed in as {} ({}) on {}", settings_.name,
                             string_field(r.body, "user"), bot_user_id_,
                             string_field(r.body, "team"));
                std::lock_guard<std::mutex> s(status_mu_);
                status_.bot_user_id = bot_user_id_;
            }
            auto waiting = std::move(identify_waiting_);
            identify_waiting_.clear();
            for (auto& f : waiting) f();
        });
    }

    // The display name of `user` from the cache (the id when unknown).
    std::string display_of(const std::string& user) const {
        auto it = names_.find(user);
        return it == names_.end() ? user : it->second;
    }

    // The email Slack confirmed for `user`, from the cache ("" when unknown).
    std::string email_of(const std::string& user) const {
        auto it = emails_.find(user);
        return it == emails_.end() ? std::string() : it->second;
    }

    // Looks up (users.info) every name of `users` not cached yet, then runs `then`.
    void learn_names(std::vector<std::string> users, std::function<void()> then) {
        while (!users.empty() && names_.count(users.back())) users.pop_back();
        if (users.empty()) return then();
        const std::string user = users.back();
        users.pop_back();
        call_get("users.info", {{"user", user}},
                 [this, user, users = std::move(users), then = std::move(then)](ApiResult r) {
                     if (r.ok()) {
                         const json& u = object_field(r.body, "user");
                         const json& p = object_field(u, "profile");
                         std::string name;
                         for (const char* key : {"display_name", "real_name"}) {
                             if (name.empty()) name = string_field(p, key);
                         }
                         if (name.empty()) {
                             name = string_field(u, "real_name", string_field(u, "name"));
                         }
                         if (name.empty()) name = user;
                         if (names_.size() > 5000) {
                             names_.clear();
                             emails_.clear();
                         }
                         names_[user] = name;
                         // With the users:read.email scope; Slack confirmed the address
                         // unless it says otherwise.
                         const std::string email = string_field(p, "email");
                         const json& confirmed = u.contains("is_email_confirmed")
                                                     ? u["is_email_confirmed"]
                                                     : json(true);
                         if (!email.empty() && confirmed == json(true)) emails_[user] = email;
                     } else {
                         // Not cached: asked again next time.
                         spdlog::warn("slack {}: users.info {} failed: {}", settings_.name, user,
                                      r.error);
                     }
                     learn_names(std::move(users), std::move(then));
                 });
    }

    // The users a text mentions (<@U…>) plus `author`: the names an event needs.
    std::vector<std::string> names_needed(const std::string& text, const std::string& author) {
        std::vector<std::string> users{author};
        decode_incoming(text, bot_user_id_, [&](const std::string& u) {
            users.push_back(u);
            return u;
        });
        return users;
    }

    // --- Socket Mode -----------------------------------------------------------------

    void open_socket() {
        identify();
        call(
            "apps.connections.open", json::object(),
            [this](ApiResult r) {
                if (session_.stopping()) return;
                if (!r.ok()) {
                    if (r.error == "ratelimited") {
                        return session_.down(
                            "apps.connections.open rate limited",
                            std::chrono::duration_cast<std::chrono::milliseconds>(r.retry_after));
                    }
                    return session_.down("apps.connections.open failed: " + r.error);
                }
                const std::string url = string_field(r.body, "url");
                if (url.empty()) return session_.down("apps.connections.open gave no url");
                spdlog::info("slack {}: opening Socket Mode connection", settings_.name);
                link_.connect(url, {}, runtime::proxy_for(url, session_.options().transport));
                hello_timer_.expires_after(std::chrono::seconds(30));
                hello_timer_.async_wait([this](const boost::system::error_code& ec) {
                    if (ec || session_.stopping() || connected_) return;
                    spdlog::warn("slack {}: no hello within 30 s; reconnecting", settings_.name);
                    link_.close();
                });
            },
            &settings_.app_token, false);
    }

    void on_socket_closed(const std::string& why) {
        const bool was = connected_;
        connected_ = false;
        hello_timer_.cancel();
        {
            std::lock_guard<std::mutex> s(status_mu_);
            status_.connected = false;
        }
        session_.down(std::string(was ? "Socket Mode connection lost: " : "") + why);
    }

    // Runs on the WebSocket thread: acknowledge first, then hand over.
    void on_socket_text(const std::string& text) {
        json frame = json::parse(text, nullptr, false);
        if (!frame.is_object()) {
            asio::post(session_.io(), [this] {
                spdlog::warn("slack {}: ignored a Socket Mode frame that is not a JSON object",
                             settings_.name);
            });
            return;
        }
        const json* envelope = frame.contains("envelope_id") ? &frame["envelope_id"] : nullptr;
        if (envelope && envelope->is_string()) {
            link_.send(json{{"envelope_id", *envelope}}.dump());
        }
        asio::post(session_.io(), [this, frame = std::move(frame)] { on_socket_frame(frame); });
    }

    void on_socket_frame(const json& frame) {
        const std::string type = string_field(frame, "type");
        if (type == "hello") {
            connected_ = true;
            session_.up();
            hello_timer_.cancel();
            spdlog::info("slack {}: Socket Mode connected ({} connection(s))", settings_.name,
                         http::integer_field(frame, "num_connections", 1));
            std::lock_guard<std::mutex> s(status_mu_);
            status_.connected = true;
            ++status_.connections;
        } else if (type == "disconnect") {
            const std::string reason = string_field(frame, "reason");
            if (reason == "link_disabled") {
                spdlog::error("slack {}: Socket Mode was turned off for this app (link_disabled)",
                              settings_.name);
            } else {
                spdlog::info("slack {}: Slack asks to reconnect ({})", settings_.name, reason);
                session_.refresh();
            }
            link_.close();
        } else if (type == "events_api") {
            on_event_callback(object_field(frame, "payload"), "socket");
        } else if (type == "slash_commands") {
            on_slash(object_field(frame, "payload"));
        } else if (type == "interactive") {
            on_interactive(object_field(frame, "payload"));
        } else {
            ignored(type.empty() ? "(no type)" : "socket:" + type);
        }
    }

    void ignored(const std::string& what) { session_.ignored(what); }

    // --- Events API over HTTP ----------------------------------------------------------

    // Runs on the listener thread: check, answer at once, hand over.
    http::ListenerResponse on_http(const http::ListenerRequest& r) {
        if (auto early = http::screen_callback(
                r, {"/slack/events", "/slack/commands", "/slack/interactive"})) {
            return *early;
        }
        const bool commands = r.path == "/slack/commands";
        const bool interactive = r.path == "/slack/interactive";
        const std::int64_t now_s = core::to_millis(clock_->now()) / 1000;
        const std::string why =
            verify_request(settings_.signing_secret.reveal(), r.header("x-slack-request-timestamp"),
                           r.body, r.header("x-slack-signature"), now_s);
        if (!why.empty()) {
            spdlog::warn("slack {}: refused a request to {}: {}", settings_.name, r.path, why);
            return {401, "text/plain", "invalid request signature"};
        }
        if (interactive) {
            // A form with one field, `payload`: the interaction as JSON.
            json payload;
            for (auto& [k, v] : http::parse_form(r.body)) {
                if (k == "payload") payload = json::parse(v, nullptr, false);
            }
            if (!payload.is_object()) return {400, "text/plain", "payload must be a JSON object"};
            asio::post(session_.io(), [this, payload] { on_interactive(payload); });
            return {200, "text/plain", ""};
        }
        if (commands) {
            auto fields = http::parse_form(r.body);
            json payload = json::object();
            for (auto& [k, v] : fields) payload[k] = v;
            asio::post(session_.io(), [this, payload] { on_slash(payload); });
            return {200, "text/plain", ""};
        }
        json body = json::parse(r.body, nullptr, false);
        if (!body.is_object()) {
            spdlog::warn("slack {}: refused an Events API request whose body is not JSON",
                         settings_.name);
            return {400, "text/plain", "body must be a JSON object"};
        }
        const std::string type = string_field(body, "type");
        if (type == "url_verification") {
            return {200, "application/json",
                    json{{"challenge", string_field(body, "challenge")}}.dump()};
        }
        const std::string retry = r.header("x-slack-retry-num");
        asio::post(session_.io(), [this, body = std::move(body), retry,
                                   reason = r.header("x-slack-retry-reason")] {
            if (!retry.empty()) {
                spdlog::info("slack {}: Events API retry {} ({}) of {}", settings_.name, retry,
                             reason, string_field(body, "event_id"));
            }
            if (string_field(body, "type") == "event_callback") {
                on_event_callback(body, "http");
            } else {
                ignored("callback:" + string_field(body, "type", "(no type)"));
            }
        });
        return {200, "text/plain", ""};
    }

    // --- events ------------------------------------------------------------------------

    // An `event_callback` (both transports): recognises retries by event_id.
    void on_event_callback(const json& payload, const char* via) {
        if (!payload.is_object()) return;
        const std::string event_id = string_field(payload, "event_id");
        if (!event_id.empty() && !seen_events_.first(event_id)) {
            spdlog::debug("slack {}: {} delivered again over {}; ignored", settings_.name, event_id,
                          via);
            return;
        }
        const json& ev = payload.contains("event") && payload["event"].is_object()
                             ? payload["event"]
                             : json::object();
        const std::string type = string_field(ev, "type");
        if (type == "message" || type == "app_mention") {
            on_message(ev, type == "app_mention");
        } else {
            ignored("event:" + (type.empty() ? std::string("(no type)") : type));
        }
    }

    // Messages of one conversation are handled in order, each once the names it needs are
    // known; a slow lookup never holds up other conversations or the sending of posts.
    void on_message(const json& ev, bool app_mention) {
        if (sink_ == nullptr) return;
        MessageEvent m = read_message_event(ev);
        const bool change = m.subtype == "message_changed" || m.subtype == "message_deleted";
        if (!m.subtype.empty() && m.subtype != "thread_broadcast" && m.subtype != "file_share" &&
            !change) {
            return ignored("message subtype " + m.subtype);
        }
        if (change && (m.target_ts.empty() || m.unchanged)) return;
        if (m.from_bot || m.user.empty()) return;
        if (m.channel.empty() || m.ts.empty()) return;
        const std::string key = m.channel;
        json files = file_limit_ > 0 && !m.direct && m.target_ts.empty() && ev.contains("files")
                         ? ev["files"]
                         : json();
        inbound_.push(key, [this, m = std::move(m), app_mention,
                            files = std::move(files)](std::function<void()> finished) {
            // The bot's own id, for mentions, if start-up could not learn it.
            identify([this, m, app_mention, finished, files] {
                if (m.user == bot_user_id_) return finished();
                learn_names(names_needed(m.text, m.user), [this, m, app_mention, finished, files] {
                    if (!files.is_array() || files.empty()) {
                        push_message(m, app_mention);
                        return finished();
                    }
                    fetch_files(files, 0, {},
                                [this, m, app_mention, finished](std::vector<core::EventFile> got) {
                                    push_message(m, app_mention, got);
                                    finished();
                                });
                });
            });
        });
    }

    // --- files of people's messages (bridged channels) ----------------------------------
    //
    // With fetch_files_up_to(n > 0), the `files` of a channel message (file_share) come
    // with it (core/event_files.hpp): each of at most n bytes fetched from its
    // url_private_download with the bot token (the files:read scope), the others named
    // with their size; a file shared publicly carries its permalink_public. The channel's
    // later messages wait (the inbound queue), so the bot gets them in order.

    // True for a URL the bot token may go to: Slack's own hosts, or the Web API's.
    bool slack_host(const std::string& url) const {
        std::string scheme, host, api_host;
        int port = 0;
        if (!runtime::parse_http_url(url, scheme, host, port)) return false;
        std::string api_scheme;
        int api_port = 0;
        if (runtime::parse_http_url(settings_.api_url, api_scheme, api_host, api_port) &&
            host == api_host) {
            return true;
        }
        const std::string domain = ".slack.com";
        return host == "slack.com" ||
               (host.size() > domain.size() &&
                host.compare(host.size() - domain.size(), domain.size(), domain) == 0);
    }

    void fetch_files(const json& files, std::size_t next, std::vector<core::EventFile> got,
                     std::function<void(std::vector<core::EventFile>)> done) {
        if (next >= files.size()) return done(std::move(got));
        const json& f = files[next];
        core::EventFile file;
        file.name = string_field(f, "name");
        if (file.name.empty()) file.name = string_field(f, "title");
        file.mime = string_field(f, "mimetype");
        const auto size = f.is_object() ? f.find("size") : f.end();
        if (f.is_object() && size != f.end() && size->is_number_integer() &&
            size->get<long long>() > 0) {
            file.size = size->get<std::uint64_t>();
        }
        if (f.is_object() && f.value("public_url_shared", false)) {
            file.url = string_field(f, "permalink_public");
        }
        std::string url = string_field(f, "url_private_download");
        if (url.empty()) url = string_field(f, "url_private");
        if (!f.is_object() || url.empty() || file.size > file_limit_ || !slack_host(url)) {
            got.push_back(std::move(file));
            return fetch_files(files, next + 1, std::move(got), std::move(done));
        }
        runtime::Request req;
        req.url = url;
        req.headers = {{"Authorization", "Bearer " + settings_.bot_token.reveal()}};
        req.timeout = std::chrono::seconds(60);
        req.max_body = static_cast<std::size_t>(file_limit_);
        session_.call(
            std::move(req),
            [this, files, next, got = std::move(got), file = std::move(file),
             done = std::move(done)](runtime::Result r) mutable {
                if (r.ok()) {
                    file.data = std::move(r.body);
                    file.size = file.data.size();
                } else {
                    spdlog::warn("slack {}: the file {} was not fetched ({}); its name goes on",
                                 settings_.name, file.name,
                                 r.status == 0 ? r.error : "HTTP " + std::to_string(r.status));
                }
                got.push_back(std::move(file));
                fetch_files(files, next + 1, std::move(got), std::move(done));
            },
            false);
    }

    void push_message(const MessageEvent& m, bool app_mention,
                      const std::vector<core::EventFile>& files = {}) {
        auto decoded = decode_incoming(m.text, bot_user_id_,
                                       [this](const std::string& u) { return display_of(u); });
        core::Event event;
        event.id = settings_.name + ":" + m.channel + ":" + m.ts;
        event.kind = core::EventKind::message;
        if (!m.target_ts.empty()) {
            // An edit or delete: its own id, naming the message changed as its event did.
            event.kind =
                m.subtype == "message_deleted" ? core::EventKind::remove : core::EventKind::edit;
            event.id += ":" + m.subtype;
            event.target = settings_.name + ":" + m.channel + ":" + m.target_ts;
        } else if (!m.thread_ts.empty() && m.thread_ts != m.ts) {
            // A reply in a thread answers the thread's first message.
            event.reply_to = settings_.name + ":" + m.channel + ":" + m.thread_ts;
        }
        event.reply_thread = m.thread_ts.empty() ? m.ts : m.thread_ts;
        event.who = {settings_.name, m.user, display_of(m.user), email_of(m.user)};
        event.where = {settings_.name, m.direct ? "@" + m.user : m.channel, m.thread_ts};
        event.direct = m.direct;
        event.addressed = decoded.mentioned || app_mention;
        event.text = std::move(decoded.text);
        const std::int64_t ms = ts_to_millis(m.ts);
        event.at = ms > 0 ? core::from_millis(ms) : clock_->now();
        event.extra = {{"message_id", m.target_ts.empty() ? event.id : event.target},
                       {"slack_channel", m.channel},
                       {"slack_ts", m.ts}};
        for (const auto& f : files) core::add_event_file(event.extra, f);
        if (m.direct) dm_channels_[m.user] = m.channel;
        sink_->push(std::move(event));
    }

    // A click on a button or a menu choice: handed to the bot as an action event, which
    // checks the token and answers the clicker directly.
    void on_interactive(const json& payload) {
        if (sink_ == nullptr) return;
        const auto clicks = read_block_actions(payload);
        if (clicks.empty()) {
            return ignored("interaction " + string_field(payload, "type", "(no type)"));
        }
        for (const auto& c : clicks) {
            // In order with the conversation's messages, once the clicker's name and
            // email are known (as for a message).
            inbound_.push(c.channel, [this, c](std::function<void()> finished) {
                learn_names(names_needed("", c.user), [this, c, finished] {
                    push_click(c);
                    finished();
                });
            });
        }
    }

    void push_click(const BlockAction& c) {
        core::Event event;
        event.id = settings_.name + ":action:" + c.channel + ":" + c.message_ts + ":" + c.user +
                   ":" + c.action_ts;
        event.kind = core::EventKind::action;
        event.who = {settings_.name, c.user, display_of(c.user), email_of(c.user)};
        event.where = {settings_.name, "@" + c.user, ""};
        event.direct = true;
        event.text = c.token;
        event.at = clock_->now();
        event.extra = {{"message_id", settings_.name + ":" + c.channel + ":" + c.message_ts},
                       {"slack_channel", c.channel}};
        sink_->push(std::move(event));
    }

    void on_slash(const json& p) {
        if (sink_ == nullptr || !p.is_object()) return;
        SlashCommand c = read_slash_command(p);
        if (c.user.empty() || c.channel.empty()) {
            return ignored("slash command without user/channel");
        }
        const std::string key = c.channel;
        const core::Timestamp at = clock_->now();
        inbound_.push(key, [this, c = std::move(c), at](std::function<void()> finished) {
            learn_names(names_needed(c.text, c.user), [this, c, at, finished] {
                push_slash(c, at);
                finished();
            });
        });
    }

    void push_slash(const SlashCommand& c, core::Timestamp at) {
        core::Event event;
        event.id = settings_.name + ":slash:" +
                   (c.trigger_id.empty()
                        ? c.channel + ":" + c.user + ":" + std::to_string(core::to_millis(at))
                        : c.trigger_id);
        event.kind = core::EventKind::message;
        event.who = {settings_.name, c.user, display_of(c.user), email_of(c.user)};
        event.where = {settings_.name, c.direct ? "@" + c.user : c.channel, ""};
        event.direct = c.direct;
        event.addressed = true;
        event.text = decode_incoming(c.text, bot_user_id_, [this](const std::string& u) {
                         return display_of(u);
                     }).text;
        event.at = at;
        event.extra = {{"message_id", event.id}, {"slack_command", c.command}};
        if (!c.response_url.empty()) {
            slash_replies_[event.id] = {c.response_url, 0};
            slash_order_.push_back(event.id);
            if (slash_order_.size() > 500) {
                slash_replies_.erase(slash_order_.front());
                slash_order_.pop_front();
            }
        }
        sink_->push(std::move(event));
    }

    // --- sending -----------------------------------------------------------------------
    //
    // Posts to one conversation go out one after the other, in the order they were sent
    // (SerialQueues keyed by the conversation); a 429 pauses that conversation for the
    // Retry-After, so no later post overtakes the one that waits.

    // Reports the outcome of a post and lets the next one of its conversation start.
    void complete(const std::shared_ptr<SendJob>& job, core::SendResult result) override {
        // A new message: replies to it go in its thread (the one it is in, or its own).
        const core::Post& post = job->post;
        const std::string prefix = settings_.name + ":";
        if (result.ok && post.replaces.empty() && post.edits.empty() && post.deletes.empty() &&
            result.message_id.rfind(prefix, 0) == 0 &&
            result.message_id.find(":response") == std::string::npos) {
            result.reply_thread = !post.to.thread.empty()
                                      ? post.to.thread
                                      : result.message_id.substr(result.message_id.rfind(':') + 1);
        }
        runtime::finish_post(*job, std::move(result), session_.log_prefix());
    }

    void start_job(const std::shared_ptr<SendJob>& job) override {
        const core::Post& post = job->post;
        if (session_.stopping()) {
            return complete(
                job, {false, "", "Slack connector " + settings_.name + " is stopping", true});
        }
        if (!post.replaces.empty() || !post.edits.empty()) return update_post(job);
        if (!post.deletes.empty()) return delete_post(job);
        if (post.private_reply && !job->ephemeral_failed) return post_ephemeral(job);
        auto slash = slash_replies_.find(post.reply_to);
        if (slash != slash_replies_.end() && slash->second.uses < 5) {
            ++slash->second.uses;
            return respond_to_slash(slash->second.response_url, job);
        }
        const std::string& to = post.to.channel;
        if (to.size() > 1 && to[0] == '@') {
            const std::string user = to.substr(1);
            auto known = dm_channels_.find(user);
            if (known != dm_channels_.end()) {
                job->channel = known->second;
            } else {
                return call(
                    "conversations.open", {{"users", user}}, [this, job, user](ApiResult r) {
                        if (!r.ok()) {
                            if (r.error == "ratelimited") return wait_and_retry(job, r.retry_after);
                            return complete(
                                job, {false, "", "conversations.open " + user + ": " + r.error,
                                      !permanent_error(r.error)});
                        }
                        job->channel = string_field(object_field(r.body, "channel"), "id");
                        if (job->channel.empty()) {
                            return complete(
                                job, {false, "", "conversations.open gave no channel", true});
                        }
                        dm_channels_[user] = job->channel;
                        job->pieces = http::split_message(job->post.text, settings_.max_chars);
                        post_pieces(job);
                    });
            }
        } else if (!to.empty()) {
            job->channel = to;
        } else {
            return complete(job, {false, "", "no channel to post to", false});
        }
        job->pieces = http::split_message(post.text, settings_.max_chars);
        post_pieces(job);
    }

    void post_pieces(const std::shared_ptr<SendJob>& job) {
        if (job->next >= job->pieces.size()) return upload_files(job);
        json body = {{"channel", job->channel},
                     {"text", escape_text(job->pieces[job->next])},
                     {"unfurl_links", false}};
        if (job->next + 1 == job->pieces.size() && !job->post.actions.empty()) {
            // The buttons go with the last piece; what Slack would refuse goes as the
            // typed choices instead.
            auto blocks = action_blocks(body["text"], job->post.actions);
            if (blocks) {
                body["blocks"] = std::move(*blocks);
            } else if (!job->post.actions_text.empty()) {
                body["text"] =
                    escape_text(job->pieces[job->next] + "\n\n" + job->post.actions_text);
            }
        }
        if (!job->post.to.thread.empty()) body["thread_ts"] = job->post.to.thread;
        if (!job->post.as_name.empty() && settings_.post_as_person) {
            body["username"] = job->post.as_name;
        }
        call("chat.postMessage", body, [this, job](ApiResult r) {
            if (!r.ok()) {
                if (r.error == "ratelimited") return wait_and_retry(job, r.retry_after);
                return complete(job, {false, job->first_id, "chat.postMessage: " + r.error,
                                      !permanent_error(r.error)});
            }
            if (job->first_id.empty()) {
                job->first_id =
                    settings_.name + ":" + job->channel + ":" + string_field(r.body, "ts");
            }
            ++job->next;
            post_pieces(job);
        });
    }

    // An earlier post with buttons, settled: its text (the outcome) replaces it, without
    // the buttons. `replaces` is the id this connector gave it: NAME:CHANNEL:TS.
    void update_post(const std::shared_ptr<SendJob>& job) {
        const std::string& id = job->post.replaces.empty() ? job->post.edits : job->post.replaces;
        const std::string prefix = settings_.name + ":";
        const auto last = id.rfind(':');
        if (id.rfind(prefix, 0) != 0 || last == std::string::npos || last < prefix.size()) {
            return complete(job, {false, "", "not a Slack message id: " + id, false});
        }
        const std::string channel = id.substr(prefix.size(), last - prefix.size());
        const std::string ts = id.substr(last + 1);
        const std::string text = escape_text(job->post.text.substr(0, 39000));
        call("chat.update",
             {{"channel", channel}, {"ts", ts}, {"text", text}, {"blocks", text_blocks(text)}},
             [this, job, id](ApiResult r) {
                 if (!r.ok()) {
                     if (r.error == "ratelimited") return wait_and_retry(job, r.retry_after);
                     return complete(job,
                                     {false, id, "chat.update: " + r.error,
                                      !permanent_error(r.error) && r.error != "message_not_found" &&
                                          r.error != "cant_update_message"});
                 }
                 complete(job, {true, id, "", true});
             });
    }

    // A relayed delete of a message the bot posted (`deletes`: NAME:CHANNEL:TS).
    void delete_post(const std::shared_ptr<SendJob>& job) {
        const std::string& id = job->post.deletes;
        const std::string prefix = settings_.name + ":";
        const auto last = id.rfind(':');
        if (id.rfind(prefix, 0) != 0 || last == std::string::npos || last < prefix.size()) {
            return complete(job, {false, "", "not a Slack message id: " + id, false});
        }
        call("chat.delete",
             {{"channel", id.substr(prefix.size(), last - prefix.size())},
              {"ts", id.substr(last + 1)}},
             [this, job, id](ApiResult r) {
                 if (r.ok() || r.error == "message_not_found") {
                     return complete(job, {true, id, "", true});  // gone either way
                 }
                 if (r.error == "ratelimited") return wait_and_retry(job, r.retry_after);
                 complete(job, {false, id, "chat.delete: " + r.error,
                                !permanent_error(r.error) && r.error != "cant_delete_message"});
             });
    }

    // The answer to a click for the clicker's eyes only: an ephemeral message in the
    // clicked message's conversation (`reply_to` is NAME:CHANNEL:TS). Where Slack will not
    // show one (the bot left the channel, a rate limit), the answer goes by direct message.
    void post_ephemeral(const std::shared_ptr<SendJob>& job) {
        const core::Post& post = job->post;
        const std::string prefix = settings_.name + ":";
        const std::string& clicked = post.reply_to;
        const auto last = clicked.rfind(':');
        const std::string& to = post.to.channel;
        if (clicked.rfind(prefix, 0) != 0 || last == std::string::npos || last <= prefix.size() ||
            to.size() < 2 || to[0] != '@') {
            job->ephemeral_failed = true;
            return start_job(job);
        }
        const std::string channel = clicked.substr(prefix.size(), last - prefix.size());
        json body = {{"channel", channel},
                     {"user", to.substr(1)},
                     {"text", escape_text(post.text.substr(0, 39000))}};
        call("chat.postEphemeral", body, [this, job, channel](ApiResult r) {
            if (!r.ok()) {
                spdlog::info(
                    "slack {}: chat.postEphemeral in {} failed ({}); answering by "
                    "direct message",
                    settings_.name, channel, r.error);
                job->ephemeral_failed = true;
                return start_job(job);
            }
            complete(job, {true,
                           settings_.name + ":" + channel + ":" +
                               string_field(r.body, "message_ts") + ":ephemeral",
                           "", true});
        });
    }

    // Attachments, after the text, with Slack's external upload flow: ask for an upload
    // URL, POST the bytes there, then share the file in the channel (and thread).
    void upload_files(const std::shared_ptr<SendJob>& job) {
        const auto& files = job->post.attachments;
        if (job->next_file >= files.size()) return complete(job, {true, job->first_id, "", true});
        auto failed = [this, job](const std::string& step, const std::string& error,
                                  bool retryable) {
            spdlog::warn("slack {}: uploading {} to {} failed at {}: {}", settings_.name,
                         job->post.attachments[job->next_file].name, job->channel, step, error);
            complete(job, {false, job->first_id, step + ": " + error, retryable});
        };
        const core::Attachment& file = files[job->next_file];
        const std::string name = file.name.empty() ? "attachment" : file.name;
        if (!job->uploaded_file.empty()) return share_file(job, name, failed);
        call_form(
            "files.getUploadURLExternal",
            {{"filename", name}, {"length", std::to_string(file.data.size())}},
            [this, job, name, failed](ApiResult r) {
                if (!r.ok()) {
                    if (r.error == "ratelimited") return wait_and_retry(job, r.retry_after);
                    return failed("files.getUploadURLExternal", r.error, !permanent_error(r.error));
                }
                const std::string url = string_field(r.body, "upload_url");
                const std::string id = string_field(r.body, "file_id");
                if (url.empty() || id.empty()) {
                    return failed("files.getUploadURLExternal", "no upload_url or file_id", true);
                }
                const core::Attachment& f = job->post.attachments[job->next_file];
                runtime::Request req;
                req.method = "POST";
                req.url = url;
                req.content_type = f.mime.empty() ? "application/octet-stream" : f.mime;
                req.body = f.data;
                req.timeout = std::chrono::seconds(60);
                session_.call(std::move(req), [this, job, id, name, failed](runtime::Result up) {
                    if (up.kind == runtime::Result::Kind::rate_limited) {
                        return wait_and_retry(job, up.retry_after);
                    }
                    if (up.status != 200) {
                        return failed(
                            "upload",
                            up.status == 0 ? up.error : "HTTP " + std::to_string(up.status),
                            up.status != 413);
                    }
                    job->uploaded_file = id;
                    share_file(job, name, failed);
                });
            });
    }

    template <typename Failed>
    void share_file(const std::shared_ptr<SendJob>& job, const std::string& name,
                    const Failed& failed) {
        runtime::HeaderList fields = {
            {"files", json::array({{{"id", job->uploaded_file}, {"title", name}}}).dump()},
            {"channel_id", job->channel}};
        if (!job->post.to.thread.empty()) fields.emplace_back("thread_ts", job->post.to.thread);
        call_form("files.completeUploadExternal", fields, [this, job, failed](ApiResult r) {
            if (!r.ok()) {
                if (r.error == "ratelimited") return wait_and_retry(job, r.retry_after);
                return failed("files.completeUploadExternal", r.error, !permanent_error(r.error));
            }
            job->uploaded_file.clear();
            ++job->next_file;
            upload_files(job);
        });
    }

    // HTTP 429: the conversation waits as long as Slack says (within reason), then the post
    // goes on where it stopped; the posts behind it wait too.
    void wait_and_retry(const std::shared_ptr<SendJob>& job, std::chrono::seconds wait) {
        if (!runtime::pause_post(outbound_, *job, wait, settings_.max_retry_wait)) {
            return complete(
                job, {false, job->first_id,
                      "rate limited by Slack (Retry-After " + std::to_string(wait.count()) + " s)",
                      true});
        }
        spdlog::info("slack {}: rate limited; retrying in {} s as Slack asks", settings_.name,
                     wait.count());
        session_.later(std::chrono::duration_cast<std::chrono::milliseconds>(wait), [this, job] {
            if (session_.stopping()) {
                return complete(job, {false, "", "Slack connector stopped", true});
            }
            if (job->channel.empty()) return start_job(job);
            post_pieces(job);
        });
    }

    void respond_to_slash(const std::string& url, const std::shared_ptr<SendJob>& job) {
        const core::Post& post = job->post;
        runtime::Request req = runtime::Request::json_post(
            url, json{{"response_type", "ephemeral"},
                      {"text", escape_text(post.text.substr(0, 39000))}});
        session_.call(std::move(req), [this, job](runtime::Result r) {
            if (r.status >= 200 && r.status < 300) {
                return complete(job, {true, job->post.reply_to + ":response", "", true});
            }
            const std::string error =
                r.status == 0 ? r.error : "response_url answered HTTP " + std::to_string(r.status);
            spdlog::warn("slack {}: slash command response failed: {}", settings_.name, error);
            complete(job, {false, "", error, r.status == 0 || r.status >= 500 || r.status == 429});
        });
    }

    SlackSettings settings_;

    // The connector thread's state.
    asio::steady_timer hello_timer_;
    bool connected_ = false;
    bool identifying_ = false;
    std::vector<std::function<void()>> identify_waiting_;
    std::string bot_user_id_;
    std::map<std::string, std::string> names_;
    /// Web API methods answered 429, until when (see api()).
    std::map<std::string, std::chrono::steady_clock::time_point> method_paused_until_;
    std::map<std::string, std::string> emails_;  ///< confirmed emails, by user id
    std::map<std::string, std::string> dm_channels_;
    runtime::RecentIds seen_events_{5000};
    std::map<std::string, SlashReply> slash_replies_;
    std::deque<std::string> slash_order_;

    http::WsLink link_;
    http::Callbacks callbacks_;      ///< /hooks/NAME/... (and the own listener)
    runtime::SerialQueues inbound_;  ///< events, by channel
    std::uint64_t file_limit_ = 0;   ///< fetch_files_up_to(); set before start()
};

}  // namespace

ConnectorType connector_type() {
    return settings_type<SlackSettings>("slack", read_settings, make_slack);
}

std::unique_ptr<Connector> make_slack(SlackSettings settings, const ConnectorContext& context) {
    return make_connector<SlackConnector>("make_slack", std::move(settings), context);
}

SlackStatus slack_status(const Connector& connector) {
    return status_of<SlackConnector>(connector);
}

}  // namespace twintrack::connectors::slack
