#include "connectors/mattermost/mattermost_connector.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio.hpp>
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
#include "connectors/mattermost/mattermost_actions.hpp"
#include "connectors/mattermost/mattermost_events.hpp"
#include "connectors/runtime/api_answer.hpp"
#include "connectors/runtime/connector_config.hpp"
#include "connectors/runtime/http_client.hpp"
#include "connectors/runtime/recent_ids.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/runtime/session_connector.hpp"
#include "core/crypto.hpp"
#include "core/event_files.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::mattermost {
namespace {

namespace asio = boost::asio;
using namespace http::json_reading;

// ---------------------------------------------------------------------------------------
// Config

void read_settings(core::SectionReader& section, MattermostSettings& s) {
    if (runtime::read_base_url(section, "url", s.url, true,
                               "must be the server's address, such as https://chat.example.com") &&
        s.url.size() >= 7 && s.url.substr(s.url.size() - 7) == "/api/v4") {
        section.error("url", "is the server's address without /api/v4");
    }
    if (auto t = section.secret("token", true)) s.token = *t;
    if (auto t = section.secret("command_token")) s.command_token = *t;
    if (auto t = section.secret("webhook_token")) s.webhook_token = *t;
    if (auto url = section.string("actions_url")) {
        if (!runtime::is_http_url(*url)) {
            section.error("actions_url",
                          "must be the address at which the Mattermost server reaches this "
                          "connector's /mattermost/actions, such as "
                          "https://bot.example.com/mattermost/actions");
        } else {
            s.actions_url = *url;
        }
    }
    if (auto t = section.secret("actions_secret")) s.actions_secret = *t;
    if (section.has("actions_url") && !section.has("actions_secret")) {
        section.error("actions_url", "needs actions_secret (a long random value)");
    }
    if (section.has("actions_secret") && !section.has("actions_url")) {
        section.error("actions_secret", "is only used with actions_url");
    }
    const bool listens =
        section.has("command_token") || section.has("webhook_token") || section.has("actions_url");
    if (!listens && section.has("bind")) {
        section.error("bind", "is only used with command_token, webhook_token or actions_url");
    }
    if (!listens && section.has("port")) {
        section.error("port", "is only used with command_token, webhook_token or actions_url");
    }
    if (auto b = section.boolean("post_as_person")) s.post_as_person = *b;
    runtime::read_listen(section, s);
    runtime::read_reach(section, s);
    runtime::read_channel_ids(
        section, s, runtime::id_pattern("[a-z0-9]{26}"),
        "is not a Mattermost channel ID (26 lower-case letters and digits, under View Info), "
        "not a name");
}

// ---------------------------------------------------------------------------------------

using ApiResult = runtime::ApiAnswer;

// A post on its way; its attachments are uploaded first (POST /files), then go with the
// post (`file_ids`), so an upload that fails for a passing reason leaves nothing posted
// and the outbox sends the whole post again.
struct SendJob : runtime::PostJob {
    std::vector<std::string> file_ids;  ///< the attachments uploaded so far, in order
    std::size_t next_upload = 0;        ///< the attachment to upload next
    bool uploaded = false;              ///< every attachment uploaded or refused
    std::size_t files_from = 0;         ///< the piece the first file ids go with
    std::string refused;                ///< why attachments were refused for good
};

/// Mattermost attaches at most this many files to one post.
constexpr std::size_t files_per_post = 5;

std::string ws_url(const std::string& base) {
    if (base.rfind("https://", 0) == 0) return "wss://" + base.substr(8) + "/api/v4/websocket";
    return "ws://" + base.substr(7) + "/api/v4/websocket";
}

class MattermostConnector final : public runtime::PostingConnector<MattermostStatus, SendJob> {
  public:
    MattermostConnector(MattermostSettings settings, const ConnectorContext& context)
        : PostingConnector(runtime::session_options(
                               "Mattermost", "mattermost", settings,
                               {settings.token.reveal(), settings.command_token.reveal(),
                                settings.webhook_token.reveal(), settings.actions_secret.reveal()}),
                           context, settings.rate_limit),
          settings_(std::move(settings)),
          link_(link_handlers<http::WsLink::Handlers>(), settings_.tls_ca_file),
          callbacks_([this](const http::ListenerRequest& r) { return on_http(r); }),
          inbound_(session_.timers()) {
        runtime::Protocol protocol;
        protocol.connect = [this] { open_socket(); };
        protocol.drop = [this] { link_.close(); };
        protocol.halt = [this] {
            callbacks_.stop();
            link_.stop();
        };
        session_.set_protocol(std::move(protocol));
    }

    ~MattermostConnector() override { stop(); }

    // Buttons and menus as interactive attachments, when the server can reach the action
    // route; a settled post is patched in place.
    bool shows_actions() const override { return !settings_.actions_url.empty(); }
    /// A writer's name per post with `post_as_person` (props.override_username).
    core::PostAbilities abilities() const override {
        return {false, false, settings_.post_as_person};
    }
    /// Attachments are uploaded (POST /files) and posted with their post.
    bool shows_images() const override { return true; }
    bool shows_files() const override { return true; }
    void fetch_files_up_to(std::uint64_t bytes) override { file_limit_ = bytes; }

  private:
    void prepare() override {
        if (settings_.command_token.empty() && settings_.webhook_token.empty() &&
            settings_.actions_url.empty()) {
            return;
        }
        const int port = callbacks_.serve(
            hooks_, settings_.name,
            {{"/command", "/mattermost/command"},
             {"/webhook", "/mattermost/webhook"},
             {"/actions", "/mattermost/actions"}},
            own_listener_, {settings_.bind, settings_.port, "", "slash commands and webhooks"},
            session_.log_prefix());
        update_status([port](MattermostStatus& s) { s.listen_port = port; });
    }

    // --- REST ------------------------------------------------------------------------

    using ApiDone = std::function<void(ApiResult)>;

    // Asynchronous: `done` runs on the connector thread; the thread keeps running (stop()
    // waits) until it has.
    void api(const std::string& method, const std::string& path, const json& body, ApiDone done) {
        runtime::Request req;
        req.method = method;
        req.url = settings_.url + "/api/v4" + path;
        req.headers = {{"Authorization", "Bearer " + settings_.token.reveal()}};
        if (method != "GET") {
            req.content_type = "application/json";
            req.body = body.dump();
        }
        session_.call(std::move(req),
                      [done = std::move(done)](runtime::Result r) { done(finish(r)); });
    }

    static ApiResult finish(const runtime::Result& r) {
        ApiResult out = runtime::answer_from(r.status, r.error, "Mattermost");
        if (r.status == 0) return out;
        out.body = r.json();
        if (r.status == 429) {
            // Mattermost sends X-Ratelimit-Reset (seconds); Retry-After when present wins.
            std::chrono::seconds reset(1);
            const std::string value = r.header("x-ratelimit-reset");
            if (!value.empty() && value.size() < 9 &&
                value.find_first_not_of("0123456789") == std::string::npos) {
                reset = std::chrono::seconds(std::max(1LL, std::stoll(value)));
            }
            out.retry_after = runtime::retry_after(r.headers, reset);
            out.error = "rate limited";
            return out;
        }
        if (r.status < 200 || r.status >= 300) {
            std::string message = string_field(out.body, "id", string_field(out.body, "message"));
            out.error = "HTTP " + std::to_string(r.status) + (message.empty() ? "" : " " + message);
        } else if (out.body.is_discarded()) {
            out.error = "malformed answer (not JSON)";
        }
        return out;
    }

    // Learns the bot user (GET /users/me) once; `then(true)` when it is known.
    void identify(std::function<void(bool)> then) {
        if (!bot_user_id_.empty()) return then(true);
        identify_waiting_.push_back(std::move(then));
        if (identifying_) return;
        identifying_ = true;
        api("GET", "/users/me", nullptr, [this](ApiResult r) {
            identifying_ = false;
            if (!r.ok()) {
                spdlog::error("mattermost {}: GET /users/me failed: {}", settings_.name, r.error);
            } else {
                bot_user_id_ = string_field(r.body, "id");
                bot_username_ = string_field(r.body, "username");
                spdlog::info("mattermost {}: signed in as @{} ({})", settings_.name, bot_username_,
                             bot_user_id_);
                std::lock_guard<std::mutex> s(status_mu_);
                status_.bot_user_id = bot_user_id_;
            }
            auto waiting = std::move(identify_waiting_);
            identify_waiting_.clear();
            for (auto& f : waiting) f(!bot_user_id_.empty());
        });
    }

    // --- WebSocket -------------------------------------------------------------------

    void open_socket() {
        identify([this](bool known) {
            if (session_.stopping()) return;
            if (!known) return session_.down("cannot identify the bot user");
            connect_socket();
        });
    }

    void connect_socket() {
        std::string url = ws_url(settings_.url);
        if (!connection_id_.empty()) {
            url += "?connection_id=" + runtime::url_encode(connection_id_) +
                   "&sequence_number=" + std::to_string(next_seq_);
        }
        spdlog::info("mattermost {}: connecting to the WebSocket", settings_.name);
        link_.connect(url, {}, runtime::proxy_for(url, session_.options().transport));
    }

    void on_link_open() override {
        if (session_.stopping()) return;
        challenge_seq_ = ++action_seq_;
        link_.send(json{{"seq", challenge_seq_},
                        {"action", "authentication_challenge"},
                        {"data", {{"token", settings_.token.reveal()}}}}
                       .dump());
    }

    void on_link_closed(const std::string& why) override {
        const bool was = connected_;
        connected_ = false;
        {
            std::lock_guard<std::mutex> s(status_mu_);
            status_.connected = false;
        }
        session_.down(std::string(was ? "WebSocket connection lost: " : "") + why);
    }

    void ignored(const std::string& what) { session_.ignored(what); }

    void on_link_message(const std::string& text) override {
        json frame = json::parse(text, nullptr, false);
        if (!frame.is_object()) {
            spdlog::warn("mattermost {}: ignored a WebSocket frame that is not a JSON object",
                         settings_.name);
            return;
        }
        if (frame.contains("seq_reply")) {
            if (http::integer_field(frame, "seq_reply") == challenge_seq_) {
                if (string_field(frame, "status") == "OK") {
                    connected_ = true;
                    session_.up();
                    spdlog::info("mattermost {}: WebSocket authenticated", settings_.name);
                    std::lock_guard<std::mutex> s(status_mu_);
                    status_.connected = true;
                    ++status_.connections;
                } else {
                    spdlog::error("mattermost {}: WebSocket authentication failed: {}",
                                  settings_.name, frame.dump());
                    link_.close();
                }
            }
            return;
        }
        const std::string event = string_field(frame, "event");
        if (event.empty()) return ignored("a frame without event");
        track_seq(frame, event);
        if (event == "posted") {
            on_posted(frame);
        } else if (event != "hello") {
            ignored("event " + event);
        }
    }

    void track_seq(const json& frame, const std::string& event) {
        if (!frame.contains("seq") || !frame["seq"].is_number_integer()) return;
        const long long seq = frame["seq"].get<long long>();
        if (event == "hello") {
            const std::string id = string_field(object_field(frame, "data"), "connection_id");
            if (id != connection_id_) {  // a new session: numbering starts again
                connection_id_ = id;
                next_seq_ = seq + 1;
                return;
            }
        }
        if (seq > next_seq_) {
            spdlog::warn("mattermost {}: missed {} event(s) (seq {} after {})", settings_.name,
                         seq - next_seq_, seq, next_seq_ - 1);
            std::lock_guard<std::mutex> s(status_mu_);
            status_.missed_events += seq - next_seq_;
        }
        if (seq >= next_seq_) next_seq_ = seq + 1;
    }

    void on_posted(const json& frame) {
        PostedProblem problem = PostedProblem::none;
        const auto posted = read_posted(frame, &problem);
        if (problem == PostedProblem::no_post) return ignored("posted event without data.post");
        if (!posted) {
            spdlog::warn("mattermost {}: posted event whose data.post is not JSON", settings_.name);
            return;
        }
        deliver_post(posted->post, posted->channel_type, posted->sender);
    }

    // A post (from the WebSocket or an outgoing webhook) becomes an Event.
    void deliver_post(const PostFields& post, const std::string& channel_type,
                      const std::string& sender) {
        if (sink_ == nullptr) return;
        const std::string& id = post.id;
        const std::string& user = post.user;
        const std::string& channel = post.channel;
        if (id.empty() || user.empty() || channel.empty() || user == bot_user_id_) return;
        if (!post.type.empty()) return ignored("post type " + post.type);
        if (!seen_posts_.first(id)) return;
        const bool direct = channel_type == "D";
        std::string text = post.message;
        const bool mentioned = strip_mention(text);
        core::Event event;
        event.id = settings_.name + ":" + id;
        event.kind = core::EventKind::message;
        event.who = {settings_.name, user, sender.empty() ? user : sender};
        event.where = {settings_.name, direct ? "@" + user : channel, post.root_id};
        event.direct = direct;
        event.addressed = mentioned;
        event.text = std::move(text);
        const long long at = post.create_at;
        event.at = at > 0 ? core::from_millis(at) : clock_->now();
        event.extra = {{"message_id", event.id}, {"mattermost_channel", channel}};
        if (direct) dm_channels_[user] = channel;
        push_with_email(std::move(event),
                        file_limit_ > 0 && !direct ? post.files : std::vector<PostFile>());
    }

    bool strip_mention(std::string& text) const { return strip_bot_mention(text, bot_username_); }

    // --- slash commands and outgoing webhooks ------------------------------------------

    http::ListenerResponse on_http(const http::ListenerRequest& r) {
        if (auto early = http::screen_callback(
                r, {"/mattermost/command", "/mattermost/webhook", "/mattermost/actions"})) {
            return *early;
        }
        const bool command = r.path == "/mattermost/command";
        const bool action = r.path == "/mattermost/actions";
        if (action) return on_action_request(r.body);
        json fields = json::object();
        if (r.header("content-type").rfind("application/json", 0) == 0) {
            fields = json::parse(r.body, nullptr, false);
            if (!fields.is_object()) return {400, "text/plain", "body must be a JSON object"};
        } else {
            for (auto& [k, v] : http::parse_form(r.body)) fields[k] = v;
        }
        const core::Secret& expected = command ? settings_.command_token : settings_.webhook_token;
        const std::string token = string_field(fields, "token");
        if (expected.empty() || !core::equal_constant_time(token, expected.reveal())) {
            spdlog::warn("mattermost {}: refused a {} with a wrong token", settings_.name,
                         command ? "slash command" : "webhook call");
            return {401, "text/plain", "invalid token"};
        }
        asio::post(session_.io(), [this, fields, command] {
            if (command) {
                on_command(fields);
            } else {
                on_webhook(fields);
            }
        });
        return {200, "text/plain", ""};
    }

    // A button or menu used: the server posts what was chosen; the secret in the
    // integration context proves it came through the server. The bot answers the clicker
    // itself, so the answer here updates nothing.
    http::ListenerResponse on_action_request(const std::string& body) {
        const auto request = read_action_request(body);
        if (!request) return {400, "application/json", R"({"error":"not an action request"})"};
        if (settings_.actions_secret.empty() ||
            !core::equal_constant_time(request->secret, settings_.actions_secret.reveal())) {
            spdlog::warn("mattermost {}: refused an action request with a wrong secret",
                         settings_.name);
            return {401, "application/json", R"({"error":"invalid secret"})"};
        }
        asio::post(session_.io(), [this, r = *request] {
            if (sink_ == nullptr) return;
            core::Event event;
            event.id = settings_.name + ":action:" + r.post_id + ":" + r.user_id + ":" +
                       (r.trigger_id.empty() ? std::to_string(core::to_millis(clock_->now()))
                                             : r.trigger_id);
            event.kind = core::EventKind::action;
            event.who = {settings_.name, r.user_id, r.user_name.empty() ? r.user_id : r.user_name};
            event.where = {settings_.name, "@" + r.user_id, ""};
            event.direct = true;
            event.text = r.token;
            event.at = clock_->now();
            event.extra = {{"message_id", settings_.name + ":" + r.post_id},
                           {"mattermost_channel", r.channel_id}};
            if (!r.channel_id.empty())
                remember_clicked(settings_.name + ":" + r.post_id, r.channel_id);
            sink_->push(std::move(event));
        });
        return {200, "application/json", "{}"};
    }

    // --- people's emails (directory.match_by_email) -----------------------------------
    //
    // As Slack's users.info: GET /api/v4/users/{id} gives `email` (when the server's
    // privacy settings or the bot's permissions show it), which counts only with
    // `email_verified: true`. Each user is looked up once (cached; a lookup that failed
    // for a passing reason is asked again next time). The events of one conversation
    // wait for it in order (inbound_); other conversations and the posts do not.
    //
    // `files` (a bridged channel's post, fetch_files_up_to) are fetched in the same turn,
    // so the channel's later posts wait for them and arrive in order.
    void push_with_email(core::Event event, std::vector<PostFile> files = {}) {
        const std::string key = event.where.channel;
        inbound_.push(key, [this, event = std::move(event),
                            files = std::move(files)](std::function<void()> finished) {
            learn_email(event.who.user_id, [this, event, files, finished] {
                fetch_files(files, 0, {},
                            [this, event, finished](std::vector<core::EventFile> got) {
                                core::Event e = event;
                                e.who.email = email_of(e.who.user_id);
                                for (const auto& f : got) core::add_event_file(e.extra, f);
                                if (sink_ != nullptr) sink_->push(std::move(e));
                                finished();
                            });
            });
        });
    }

    // --- files of people's posts (bridged channels) -----------------------------------
    //
    // With fetch_files_up_to(n > 0), the files of a channel post come with it
    // (core/event_files.hpp): named and sized by the post's metadata.files (else GET
    // /files/{id}/info), and each of at most n bytes fetched with GET /files/{id} and the
    // bot token, always from the configured server (the id is only ever a path segment
    // there). A file too big, or one that could not be fetched, goes on with its name and
    // size.
    void fetch_files(std::vector<PostFile> files, std::size_t next,
                     std::vector<core::EventFile> got,
                     std::function<void(std::vector<core::EventFile>)> done) {
        if (next >= files.size() || session_.stopping()) return done(std::move(got));
        if (!files[next].described) {
            const std::string path = "/files/" + runtime::url_encode(files[next].id) + "/info";
            return api("GET", path, nullptr,
                       [this, files, next, got = std::move(got),
                        done = std::move(done)](ApiResult r) mutable {
                           if (r.ok()) {
                               read_file_info(r.body, files[next]);
                           } else {
                               spdlog::warn("mattermost {}: GET /files/{}/info failed: {}",
                                            settings_.name, files[next].id, r.error);
                           }
                           files[next].described = true;  // asked once
                           fetch_files(std::move(files), next, std::move(got), std::move(done));
                       });
        }
        const PostFile& f = files[next];
        core::EventFile file;
        file.name = f.name.empty() ? f.id : f.name;
        file.mime = f.mime;
        file.size = f.size;
        if (f.size > file_limit_) {
            got.push_back(std::move(file));
            return fetch_files(std::move(files), next + 1, std::move(got), std::move(done));
        }
        runtime::Request req;
        req.url = settings_.url + "/api/v4/files/" + runtime::url_encode(f.id);
        req.headers = {{"Authorization", "Bearer " + settings_.token.reveal()}};
        req.timeout = std::chrono::seconds(60);
        req.max_body = static_cast<std::size_t>(file_limit_);
        session_.call(std::move(req), [this, files = std::move(files), next, got = std::move(got),
                                       file = std::move(file),
                                       done = std::move(done)](runtime::Result r) mutable {
            if (r.ok()) {
                file.data = std::move(r.body);
                file.size = file.data.size();
            } else {
                spdlog::warn(
                    "mattermost {}: the file {} was not fetched ({}); its name goes on",
                    settings_.name, file.name,
                    r.status == 0 || r.too_big ? r.error : "HTTP " + std::to_string(r.status));
            }
            got.push_back(std::move(file));
            fetch_files(std::move(files), next + 1, std::move(got), std::move(done));
        });
    }

    std::string email_of(const std::string& user) const {
        const auto it = emails_.find(user);
        return it == emails_.end() ? std::string() : it->second;
    }

    void learn_email(const std::string& user, std::function<void()> then) {
        if (emails_.count(user) != 0 || session_.stopping()) return then();
        api("GET", "/users/" + user, nullptr, [this, user, then = std::move(then)](ApiResult r) {
            if (r.ok()) {
                if (emails_.size() > 5000) emails_.clear();
                const bool verified = http::bool_field(r.body, "email_verified");
                emails_[user] = verified ? string_field(r.body, "email") : std::string();
            } else if (r.status == 403 || r.status == 404) {
                emails_[user] = "";  // not shown to the bot, or no such user: no match
            } else {
                spdlog::warn("mattermost {}: GET /users/{} failed: {}", settings_.name, user,
                             r.error);
            }
            then();
        });
    }

    void on_command(const json& f) {
        if (sink_ == nullptr) return;
        auto field = [&](const char* k) { return string_field(f, k); };
        const std::string user = field("user_id");
        const std::string channel = field("channel_id");
        if (user.empty() || channel.empty()) return ignored("slash command without user/channel");
        core::Event event;
        const std::string trigger = field("trigger_id");
        event.id = settings_.name + ":slash:" +
                   (trigger.empty() ? channel + ":" + user + ":" +
                                          std::to_string(core::to_millis(clock_->now()))
                                    : trigger);
        event.kind = core::EventKind::message;
        event.who = {settings_.name, user, field("user_name").empty() ? user : field("user_name")};
        event.where = {settings_.name, channel, ""};
        event.addressed = true;
        event.text = std::string(core::trim(field("text")));
        event.at = clock_->now();
        event.extra = {{"message_id", event.id}, {"mattermost_command", field("command")}};
        const std::string url = field("response_url");
        if (!url.empty()) {
            slash_replies_[event.id] = url;
            slash_order_.push_back(event.id);
            if (slash_order_.size() > 500) {
                slash_replies_.erase(slash_order_.front());
                slash_order_.pop_front();
            }
        }
        push_with_email(std::move(event));
    }

    void on_webhook(const json& f) {
        auto field = [&](const char* k) { return string_field(f, k); };
        PostFields post;
        post.id = field("post_id");
        post.user = field("user_id");
        post.channel = field("channel_id");
        post.message = field("text");
        post.create_at = http::integer_field(f, "timestamp");
        // Outgoing webhooks name a post's files as "id1,id2" (form) or a list (JSON).
        const auto ids = f.find("file_ids");
        std::vector<std::string> file_ids;
        if (ids != f.end() && ids->is_string()) {
            std::string list = ids->get<std::string>();
            std::replace(list.begin(), list.end(), ',', ' ');
            file_ids = core::split_words(list);
        } else if (ids != f.end() && ids->is_array()) {
            for (const auto& id : *ids) {
                if (id.is_string() && !id.get_ref<const std::string&>().empty()) {
                    file_ids.push_back(id.get<std::string>());
                }
            }
        }
        for (auto& id : file_ids) {
            PostFile file;
            file.id = std::move(id);
            post.files.push_back(std::move(file));
        }
        deliver_post(post, "O", field("user_name"));
    }

    // --- sending -----------------------------------------------------------------------
    //
    // Posts to one conversation go out one after the other, in the order they were sent;
    // a 429 pauses that conversation until the wait Mattermost asks for is over.

    void start_job(const std::shared_ptr<SendJob>& job) override {
        if (session_.stopping()) {
            return complete(job, {false, "", "Mattermost connector is stopping", true});
        }
        if (!job->post.replaces.empty()) return patch_post(job);
        if (job->post.private_reply) {
            auto clicked = clicked_channels_.find(job->post.reply_to);
            if (clicked != clicked_channels_.end()) return post_ephemeral(job, clicked->second);
        }
        auto slash = slash_replies_.find(job->post.reply_to);
        if (slash != slash_replies_.end()) {
            const std::string url = slash->second;
            slash_replies_.erase(slash);
            return respond_to_command(url, job);
        }
        identify([this, job](bool known) {
            if (!known) return complete(job, {false, "", "cannot identify the bot user", true});
            const std::string& to = job->post.to.channel;
            if (to.size() > 1 && to[0] == '@') {
                const std::string user = to.substr(1);
                auto found = dm_channels_.find(user);
                if (found == dm_channels_.end()) return open_direct(job, user);
                job->channel = found->second;
            } else if (!to.empty()) {
                job->channel = to;
            } else {
                return complete(job, {false, "", "no channel to post to", false});
            }
            start_pieces(job);
        });
    }

    // The channels of posts clicked lately (NAME:POST_ID -> channel id), for answers to
    // those clicks that only the clicker sees.
    void remember_clicked(const std::string& post, const std::string& channel) {
        if (clicked_channels_.emplace(post, channel).second) clicked_order_.push_back(post);
        if (clicked_order_.size() > 2000) {
            clicked_channels_.erase(clicked_order_.front());
            clicked_order_.pop_front();
        }
    }

    // The answer to a click for the clicker's eyes only: an ephemeral post in the clicked
    // post's channel. Mattermost allows it to accounts with the create_post_ephemeral
    // permission (system admins by default); without it, or on any other failure, the
    // answer goes by direct message.
    void post_ephemeral(const std::shared_ptr<SendJob>& job, const std::string& channel) {
        const std::string& to = job->post.to.channel;
        if (to.size() < 2 || to[0] != '@') {
            job->post.private_reply = false;
            return start_job(job);
        }
        const json body = {
            {"user_id", to.substr(1)},
            {"post",
             {{"channel_id", channel},
              {"message", std::string(core::utf8_prefix(job->post.text, settings_.max_chars))}}}};
        api("POST", "/posts/ephemeral", body, [this, job](ApiResult r) {
            if (!r.ok()) {
                if (session_.once("ephemeral " + std::to_string(r.status))) {
                    spdlog::warn(
                        "mattermost {}: POST /posts/ephemeral failed ({}); answers to "
                        "clicks go by direct message (the bot account needs the "
                        "create_post_ephemeral permission)",
                        settings_.name, r.error);
                }
                job->post.private_reply = false;
                return start_job(job);
            }
            complete(job, {true, settings_.name + ":" + string_field(r.body, "id"), "", true});
        });
    }

    void open_direct(const std::shared_ptr<SendJob>& job, const std::string& user) {
        api("POST", "/channels/direct", json::array({bot_user_id_, user}),
            [this, job, user](ApiResult r) {
                if (!r.ok()) {
                    if (r.rate_limited()) return wait_and_retry(job, r.retry_after);
                    return complete(job, {false, "", "channels/direct " + user + ": " + r.error,
                                          r.status == 0 || r.status >= 500});
                }
                job->channel = string_field(r.body, "id");
                if (job->channel.empty()) {
                    return complete(job, {false, "", "channels/direct gave no channel id", true});
                }
                dm_channels_[user] = job->channel;
                start_pieces(job);
            });
    }

    void start_pieces(const std::shared_ptr<SendJob>& job) {
        job->pieces = http::split_message(job->post.text, settings_.max_chars);
        if (!job->post.attachments.empty()) return upload_next(job);
        if (job->pieces.empty()) return complete(job, {true, "", "", true});
        post_pieces(job);
    }

    // Attachments, before the post: each uploaded to the channel (POST /files, multipart
    // with channel_id and the file), its id kept for the post. A 429 waits and uploads
    // again; no answer or a 5xx fails the post for the outbox to send again (nothing is
    // posted yet); any other refusal (413 beyond the server's file size, 403 without the
    // upload_file permission, 501 uploads switched off) leaves that file out, the text
    // goes, and the post is reported failed for good with the reason.
    void upload_next(const std::shared_ptr<SendJob>& job) {
        const auto& files = job->post.attachments;
        if (job->next_upload >= files.size()) return files_uploaded(job);
        const core::Attachment& f = files[job->next_upload];
        const std::string name = f.name.empty() ? "attachment" : f.name;
        runtime::Request req = runtime::Request::multipart_post(
            settings_.url + "/api/v4/files",
            {{"channel_id", job->channel, "", ""},
             {"files", f.data, name, f.mime.empty() ? "application/octet-stream" : f.mime}});
        req.headers = {{"Authorization", "Bearer " + settings_.token.reveal()}};
        req.timeout = std::chrono::seconds(60);
        session_.call(std::move(req), [this, job, name](runtime::Result raw) {
            const ApiResult r = finish(raw);
            if (r.ok()) {
                const json& infos = r.body.is_object() && r.body.contains("file_infos")
                                        ? r.body["file_infos"]
                                        : json();
                const std::string id = infos.is_array() && !infos.empty()
                                           ? string_field(infos[0], "id")
                                           : std::string();
                if (id.empty()) {
                    return complete(job, {false, "", "POST /files gave no file id", true});
                }
                job->file_ids.push_back(id);
                ++job->next_upload;
                return upload_next(job);
            }
            if (r.rate_limited()) return wait_and_retry(job, r.retry_after);
            if (r.status == 0 || (r.status >= 500 && r.status != 501) || r.status == 408) {
                return complete(job, {false, "", "POST /files (" + name + "): " + r.error, true});
            }
            spdlog::warn("mattermost {}: the server refused the file {} for {}: {}", settings_.name,
                         name, job->channel, r.error);
            job->refused += std::string(job->refused.empty() ? "" : "; ") + "POST /files (" + name +
                            "): " + r.error;
            ++job->next_upload;
            upload_next(job);
        });
    }

    // A post carries at most files_per_post files: the first of them go with the text's
    // last piece, the others in posts of their own after it.
    void files_uploaded(const std::shared_ptr<SendJob>& job) {
        job->uploaded = true;
        const std::size_t groups = (job->file_ids.size() + files_per_post - 1) / files_per_post;
        if (job->pieces.empty() && groups == 0) {
            job->quiet = true;  // logged already
            return complete(job, {false, "", job->refused, false});
        }
        if (job->pieces.empty()) job->pieces.emplace_back();
        job->files_from = job->pieces.size() - 1;
        for (std::size_t g = 1; g < groups; ++g) job->pieces.emplace_back();
        post_pieces(job);
    }

    // Where a post stopped (a rate limit): its uploads, else its pieces.
    void resume(const std::shared_ptr<SendJob>& job) {
        if (!job->post.attachments.empty() && !job->uploaded) return upload_next(job);
        post_pieces(job);
    }

    void post_pieces(const std::shared_ptr<SendJob>& job) {
        if (job->next >= job->pieces.size()) {
            if (!job->refused.empty()) {
                job->quiet = true;  // logged already
                return complete(job, {false, job->first_id, job->refused, false});
            }
            return complete(job, {true, job->first_id, "", true});
        }
        json body = {{"channel_id", job->channel}, {"message", job->pieces[job->next]}};
        if (!job->file_ids.empty() && job->next >= job->files_from) {
            const std::size_t from = (job->next - job->files_from) * files_per_post;
            json ids = json::array();
            for (std::size_t i = from; i < job->file_ids.size() && i < from + files_per_post; ++i) {
                ids.push_back(job->file_ids[i]);
            }
            if (!ids.empty()) body["file_ids"] = std::move(ids);
        }
        if (!job->post.to.thread.empty()) body["root_id"] = job->post.to.thread;
        if (job->next + 1 == job->pieces.size() && !job->post.actions.empty()) {
            json attachments = action_attachments(job->post.actions, settings_.actions_url,
                                                  settings_.actions_secret.reveal());
            if (!attachments.empty()) {
                body["props"] = {{"attachments", std::move(attachments)}};
            } else if (!job->post.actions_text.empty()) {
                body["message"] = job->pieces[job->next] + "\n\n" + job->post.actions_text;
            }
        }
        if (settings_.post_as_person && !job->post.as_name.empty()) {
            // Shown as the name on the post where the server allows integrations to
            // override it (EnablePostUsernameOverride); else the bot's name shows.
            body["props"]["override_username"] = job->post.as_name;
        }
        api("POST", "/posts", body, [this, job](ApiResult r) {
            if (!r.ok()) {
                if (r.rate_limited()) return wait_and_retry(job, r.retry_after);
                // 4xx other than 429: the post or the channel is wrong; sending again won't help.
                const bool retryable = r.status == 0 || r.status >= 500;
                return complete(job, {false, job->first_id, "POST /posts: " + r.error, retryable});
            }
            if (job->first_id.empty()) {
                job->first_id = settings_.name + ":" + string_field(r.body, "id");
            }
            ++job->next;
            post_pieces(job);
        });
    }

    // An earlier post with buttons, settled: its text (the outcome) replaces it and the
    // attachments go. `replaces` is the id this connector gave it: NAME:POST_ID.
    void patch_post(const std::shared_ptr<SendJob>& job) {
        const std::string& id = job->post.replaces;
        const std::string prefix = settings_.name + ":";
        if (id.rfind(prefix, 0) != 0 || id.size() == prefix.size()) {
            return complete(job, {false, "", "not a Mattermost post id: " + id, false});
        }
        const std::string post_id = id.substr(prefix.size());
        const json body = {
            {"message", std::string(core::utf8_prefix(job->post.text, settings_.max_chars))},
            {"props", {{"attachments", json::array()}}}};
        api("PUT", "/posts/" + post_id + "/patch", body, [this, job, id](ApiResult r) {
            if (!r.ok()) {
                if (r.rate_limited()) return wait_and_retry(job, r.retry_after);
                return complete(job, {false, id, "PUT /posts/patch: " + r.error,
                                      r.status == 0 || r.status >= 500});
            }
            complete(job, {true, id, "", true});
        });
    }

    void wait_and_retry(const std::shared_ptr<SendJob>& job, std::chrono::seconds wait) {
        if (!runtime::pause_post(outbound_, *job, wait, settings_.max_retry_wait)) {
            job->quiet = true;
            return complete(job, {false, job->first_id,
                                  "rate limited by Mattermost (retry after " +
                                      std::to_string(wait.count()) + " s)",
                                  true});
        }
        session_.later(std::chrono::duration_cast<std::chrono::milliseconds>(wait), [this, job] {
            if (session_.stopping()) {
                job->quiet = true;
                return complete(job, {false, "", "Mattermost connector stopped", true});
            }
            if (job->channel.empty()) return start_job(job);
            resume(job);
        });
    }

    void respond_to_command(const std::string& url, const std::shared_ptr<SendJob>& job) {
        runtime::Request req = runtime::Request::json_post(
            url, json{{"response_type", "ephemeral"},
                      {"text", std::string(core::utf8_prefix(job->post.text, 60000))}});
        req.content_type = "application/json";
        session_.call(std::move(req), [this, job](runtime::Result r) {
            job->quiet = true;
            if (r.status >= 200 && r.status < 300) {
                return complete(job, {true, job->post.reply_to + ":response", "", true});
            }
            const std::string error =
                r.status == 0 ? r.error : "response_url answered HTTP " + std::to_string(r.status);
            complete(job, {false, "", error, r.status == 0 || r.status >= 500 || r.status == 429});
        });
    }

    MattermostSettings settings_;

    bool connected_ = false;
    long long action_seq_ = 0;
    long long challenge_seq_ = 0;
    std::string connection_id_;
    long long next_seq_ = 0;
    std::string bot_user_id_, bot_username_;
    bool identifying_ = false;
    std::vector<std::function<void(bool)>> identify_waiting_;
    std::map<std::string, std::string> dm_channels_;
    runtime::RecentIds seen_posts_{5000};
    std::map<std::string, std::string> slash_replies_;
    std::deque<std::string> slash_order_;
    std::map<std::string, std::string> clicked_channels_;
    std::deque<std::string> clicked_order_;

    http::WsLink link_;
    http::Callbacks callbacks_;      ///< /hooks/NAME/... (and the own listener)
    runtime::SerialQueues inbound_;  ///< events waiting for their sender's email, by channel
    std::map<std::string, std::string> emails_;  ///< verified emails by user id ("" none)
    std::uint64_t file_limit_ = 0;               ///< fetch_files_up_to(); set before start()
};

}  // namespace

ConnectorType connector_type() {
    return settings_type<MattermostSettings>("mattermost", read_settings, make_mattermost);
}

std::unique_ptr<Connector> make_mattermost(MattermostSettings settings,
                                           const ConnectorContext& context) {
    if (settings.url.empty()) throw std::invalid_argument("make_mattermost: no url");
    return make_connector<MattermostConnector>("make_mattermost", std::move(settings), context);
}

MattermostStatus mattermost_status(const Connector& connector) {
    return status_of<MattermostConnector>(connector);
}

}  // namespace twintrack::connectors::mattermost
