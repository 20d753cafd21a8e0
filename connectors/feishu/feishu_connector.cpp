#include "connectors/feishu/feishu_connector.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <cctype>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "connectors/feishu/feishu_cards.hpp"
#include "connectors/feishu/feishu_frame_module.hpp"
#include "connectors/feishu/feishu_protocol.hpp"
#include "connectors/feishu/feishu_stream.hpp"
#include "connectors/http/hook_routes.hpp"
#include "connectors/http/http_listener.hpp"
#include "connectors/http/json_fields.hpp"
#include "connectors/http/text_pieces.hpp"
#include "connectors/http/ws_link.hpp"
#include "connectors/robots/robot_connector.hpp"
#include "connectors/runtime/access_token.hpp"
#include "connectors/runtime/connector_config.hpp"
#include "connectors/runtime/connector_words.hpp"
#include "connectors/runtime/held_events.hpp"
#include "connectors/runtime/http_client.hpp"
#include "connectors/runtime/media_names.hpp"
#include "connectors/runtime/recent_ids.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/runtime/session_connector.hpp"
#include "core/api.hpp"
#include "core/crypto.hpp"
#include "core/event_files.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::feishu {
namespace {

namespace asio = boost::asio;
using namespace http::json_reading;
using Kind = ApiOutcome::Kind;

// ---------------------------------------------------------------------------------------
// Config

void read_settings(core::SectionReader& section, FeishuSettings& s) {
    if (auto mode = section.choice("mode", {"long_connection", "events", "robot"})) {
        if (*mode == "events") s.mode = FeishuSettings::Mode::events;
    }
    const bool events = s.mode == FeishuSettings::Mode::events;
    if (!events) {
        for (const char* key : {"verification_token", "encrypt_key", "bind", "port", "path"}) {
            if (section.has(key)) {
                section.error(key,
                              "is only used with mode: events (the long connection "
                              "needs no callback address)");
                section.node(key);  // known: one error is enough
            }
        }
    }
    if (auto id = section.string("app_id", true)) {
        if (id->rfind("cli_", 0) != 0 || id->find_first_of(" \t") != std::string::npos) {
            section.error("app_id",
                          "must be the app's App ID (cli_ followed by letters and digits), "
                          "got \"" +
                              *id + "\"");
        } else {
            s.app_id = *id;
        }
    }
    if (auto secret = section.secret("app_secret", true)) s.app_secret = *secret;
    if (events) {
        if (auto token = section.secret("verification_token", true)) {
            s.verification_token = *token;
        }
        if (auto key = section.secret("encrypt_key")) s.encrypt_key = *key;
    }
    const auto platform = section.choice("platform", {"feishu", "lark"});
    if (platform && *platform == "lark") s.api_url = "https://open.larksuite.com";
    runtime::read_base_url(section, "api_url", s.api_url);
    if (events) {
        runtime::read_listen(section, s);
        if (auto path = section.string("path")) {
            if (path->empty() || (*path)[0] != '/' ||
                path->find_first_of(" ?#") != std::string::npos) {
                section.error("path",
                              "must be the request URL's path, starting with /, e.g. "
                              "/feishu/events");
            } else {
                s.path = *path;
            }
        }
    }
    runtime::read_max_chars(section, s.max_chars, 500, 30000);
    runtime::read_reach(section, s);
    runtime::read_channel_ids(
        section, s, runtime::id_pattern("oc_[^ \t]*"),
        "is not a Feishu group's chat_id: use the id such as oc_5ad11d72b830411d72b836c20 (see "
        "docs/connectors/feishu.md), not the group's name");
}

// The app bot when the section says so, or names an app_id without saying.
bool app_mode(const YAML::Node& section) {
    if (auto mode = mode_of(section)) return *mode != "robot";
    return section["app_id"].IsDefined();
}

// ---------------------------------------------------------------------------------------
// The connector

struct SendJob : runtime::PostJob {
    bool token_retried = false;      ///< the tenant access token was renewed once for this post
    std::vector<std::string> uuids;  ///< per piece, the same on every retry
    std::optional<json> card;        ///< the last piece goes as this card (the post's actions)
    std::string card_id;             ///< the card's message_id, once sent
    std::size_t next_file = 0;       ///< the attachment to send next
    std::string image_key;           ///< of that attachment once uploaded (image_ or file_key)
    std::string image_uuid;          ///< of its message, the same on every retry
};

struct Answer {
    ApiOutcome outcome;
    json body;
    std::chrono::milliseconds retry_after{0};
    bool no_token = false;  ///< no tenant access token could be had for the call
};

// What a callback is answered with: `{}` for a card click (no toast, the card stays as it
// is until the bot updates it; the bot answers the clicker in a message of its own), ""
// for an event (the usual acknowledgement).
std::string callback_answer(const Callback& c) {
    return c.event_type == "card.action.trigger" ? "{}" : "";
}

// How an attachment goes to Feishu: a picture of at most 10 MB through im/v1/images (an
// image message), any other file (a bigger picture too) of at most 30 MB through
// im/v1/files (a file message); Feishu takes nothing empty and nothing bigger.
enum class UploadAs { image, file, none };

UploadAs upload_as(const core::Attachment& a) {
    if (a.data.empty()) return UploadAs::none;
    if (a.mime.rfind("image/", 0) == 0 && a.data.size() <= 10 * 1024 * 1024) return UploadAs::image;
    return a.data.size() <= 30 * 1024 * 1024 ? UploadAs::file : UploadAs::none;
}

// The `file_type` of im/v1/files for a file name: pdf, doc, xls, ppt by extension, else
// "stream" (any file; opus and mp4 would need the audio's or video's duration).
std::string file_type_of(const std::string& name) {
    const std::string ext = runtime::extension_of(name);
    if (ext == "pdf") return "pdf";
    if (ext == "doc" || ext == "docx") return "doc";
    if (ext == "xls" || ext == "xlsx") return "xls";
    if (ext == "ppt" || ext == "pptx") return "ppt";
    return "stream";
}

// Why Feishu would refuse to update a card, as an admin reads it in the log.
std::string update_refusal(long long code) {
    switch (code) {
        case 230031:
            return " (Feishu updates a message only within 14 days of sending it)";
        case 230011:
            return " (the message was recalled)";
        case 230001:
        case 230099:
            return " (not a card this app sent with update_multi)";
        default:
            return "";
    }
}

using TokenDone = std::function<void(const std::string& token, const Answer& failure)>;

class FeishuConnector final : public runtime::PostingConnector<FeishuStatus, SendJob> {
  public:
    FeishuConnector(FeishuSettings settings, const ConnectorContext& context)
        : PostingConnector(runtime::session_options(
                               "Feishu", "feishu", settings,
                               {settings.app_secret.reveal(), settings.verification_token.reveal(),
                                settings.encrypt_key.reveal()}),
                           context, settings.rate_limit),
          settings_(std::move(settings)),
          words_(context.prompts_dir, "feishu.yaml"),
          token_(
              session_, *clock_, [this] { return token_request(); },
              [this](const runtime::Result& r) { return read_token(r); }, settings_.token_margin),
          seen_(settings_.dedupe_window),
          ping_timer_(session_.io()),
          senders_(
              session_.timers(),
              [this](const std::string& user, std::function<void(runtime::SenderInfo)> done) {
                  fetch_sender(user, std::move(done));
              },
              [this] {
                  runtime::SenderLookupLimits limits = settings_.sender_lookup;
                  limits.capacity = settings_.name_cache;
                  return limits;
              }()),
          link_(link_handlers<http::WsLink::Handlers>(), settings_.tls_ca_file),
          callbacks_([this](const http::ListenerRequest& r) { return on_http(r); }) {
        for (const auto& ch : settings_.channels) known_groups_.insert(ch.name);
        runtime::Protocol protocol;
        if (!events_mode()) {
            frame_codec();  // the frames' module (protobuf-lite), or ModuleMissing now
            protocol.connect = [this] { open_stream(); };
            protocol.drop = [this] { link_.close(); };
        }
        protocol.halt = [this] {
            callbacks_.stop();
            link_.stop();
        };
        protocol.on_stop = [this] {
            ping_timer_.cancel();
            // No download answers any more: what waits for one goes on with the files'
            // names, in order.
            held_.release_all();
        };
        session_.set_protocol(std::move(protocol));
    }

    ~FeishuConnector() override { stop(); }

    // Cards show buttons and menus, and a sent card can be updated.
    bool shows_actions() const override { return true; }
    /// Attachments go up through im/v1/images (pictures) and im/v1/files (any file).
    bool shows_images() const override { return true; }
    bool shows_files() const override { return true; }
    void fetch_files_up_to(std::uint64_t bytes) override { file_limit_ = bytes; }

  private:
    void prepare() override {
        if (!events_mode()) return;
        const int port =
            callbacks_.serve(hooks_, settings_.name, {{"/events", settings_.path}}, own_listener_,
                             {settings_.bind, settings_.port, settings_.path, "event callbacks"},
                             session_.log_prefix());
        update_status([port](FeishuStatus& s) { s.listen_port = port; });
    }

    bool link_up(const FeishuStatus& status) const override {
        return events_mode() || status.connected;
    }

    bool events_mode() const { return settings_.mode == FeishuSettings::Mode::events; }

    // --- the long connection -----------------------------------------------------------
    //
    // Every connection starts with /callback/ws/endpoint, which hands out the WebSocket
    // URL (with its service_id) and the ping interval; a lost connection or a refused
    // handshake leads back here after the runtime's backoff.

    void open_stream() {
        runtime::Request req = runtime::Request::json_post(
            settings_.api_url + "/callback/ws/endpoint",
            {{"AppID", settings_.app_id}, {"AppSecret", settings_.app_secret.reveal()}});
        req.headers.emplace_back("locale", "zh");
        call(
            std::move(req),
            [this](runtime::Result r) {
                if (session_.stopping()) return;
                const EndpointAnswer a = read_endpoint(r.body);
                if (!r.ok() || !a.endpoint) {
                    return session_.down("/callback/ws/endpoint failed: " +
                                         (r.status == 0
                                              ? r.error
                                              : "HTTP " + std::to_string(r.status) + " code " +
                                                    std::to_string(a.code) + " " + a.message));
                }
                endpoint_ = *a.endpoint;
                spdlog::info("feishu {}: opening the long connection (ping every {} s)",
                             settings_.name, endpoint_.ping_interval.count());
                link_.connect(endpoint_.url, {},
                              runtime::proxy_for(endpoint_.url, session_.options().transport));
            },
            false);
    }

    void on_link_open() override {
        if (session_.stopping()) return;
        socket_open_ = true;
        session_.up();
        spdlog::info("feishu {}: long connection open", settings_.name);
        {
            std::lock_guard<std::mutex> s(status_mu_);
            status_.connected = true;
            ++status_.connections;
        }
        ++ping_generation_;
        ping(ping_generation_);
    }

    // Pings at once and then every PingInterval (the latest a pong named), as long as
    // this connection lasts.
    void ping(unsigned long long generation) {
        if (session_.stopping() || !socket_open_ || generation != ping_generation_) return;
        link_.send_binary(ping_frame(endpoint_.service_id));
        {
            std::lock_guard<std::mutex> s(status_mu_);
            ++status_.pings;
        }
        ping_timer_.expires_after(endpoint_.ping_interval);
        ping_timer_.async_wait([this, generation](const boost::system::error_code& ec) {
            if (!ec) ping(generation);
        });
    }

    void on_link_closed(const std::string& why) override {
        const bool was = socket_open_;
        socket_open_ = false;
        ++ping_generation_;
        ping_timer_.cancel();
        {
            std::lock_guard<std::mutex> s(status_mu_);
            status_.connected = false;
        }
        session_.down(
            std::string(was ? "long connection lost: " : "long connection handshake failed: ") +
            why);
    }

    void on_link_message(const std::string& bytes) override {
        if (session_.stopping()) return;
        auto frame = decode_frame(bytes);
        if (!frame) return ignored("a long connection message that is not a Frame");
        const std::string type = frame->header("type");
        if (frame->method == frame_control) {
            if (type == "pong" && !frame->payload.empty()) {
                if (auto interval = read_ping_interval(frame->payload)) {
                    endpoint_.ping_interval = *interval;
                }
            }
            return;
        }
        if (frame->method != frame_data)
            return ignored("frames of method " + std::to_string(frame->method));
        if (type != "event") {
            // Clicks come as `card.action.trigger` events (type event). Frames of type card
            // (the message card callbacks of old) are dropped unanswered, as the official
            // SDKs drop them.
            if (type == "card" && session_.once("card frames")) {
                spdlog::warn(
                    "feishu {}: a card callback of the old kind arrived and was dropped; "
                    "subscribe to card.action.trigger (卡片回传交互) under Events and "
                    "callbacks > Callback configuration (logged once)",
                    settings_.name);
            }
            return ignored("long connection messages of type " + type);
        }
        const auto started = std::chrono::steady_clock::now();
        auto payload = parts_.add(frame->header("message_id"), frame->int_header("sum"),
                                  frame->int_header("seq"), frame->payload, started);
        if (!payload) return;  // more parts to come
        auto callback = read_callback(*payload);
        if (callback) on_event(*callback);
        // Acknowledged once handled (handing over to the bot is quick): within Feishu's
        // 3 s, or Feishu sends the event again.
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        link_.send_binary(ack_frame(*frame, callback ? 200 : 500, took,
                                    callback ? callback_answer(*callback) : ""));
    }

    // --- event callbacks (on the listener thread: check, answer at once, hand over) ----

    http::ListenerResponse refuse(int status, const std::string& why, const std::string& answer) {
        spdlog::warn("feishu {}: refused a callback: {}", settings_.name, why);
        std::lock_guard<std::mutex> s(status_mu_);
        ++status_.refused;
        return {status, "application/json", json{{"msg", answer}}.dump()};
    }

    http::ListenerResponse on_http(const http::ListenerRequest& r) {
        if (auto early = http::screen_callback(r, {settings_.path})) return *early;
        const json outer = json::parse(r.body, nullptr, false);
        if (!outer.is_object()) return refuse(400, "the body is not a JSON object", "bad body");
        const std::string key = settings_.encrypt_key.reveal();
        std::string plain = r.body;
        if (outer.contains("encrypt")) {
            if (key.empty()) {
                return refuse(400, "an encrypted body, but no encrypt_key is configured",
                              "cannot decrypt");
            }
            auto decrypted = decrypt(key, string_field(outer, "encrypt"));
            if (!decrypted) {
                return refuse(400, "the body does not decrypt with the configured encrypt_key",
                              "cannot decrypt");
            }
            plain = std::move(*decrypted);
        } else if (!key.empty()) {
            // As the SDKs: with an Encrypt Key set in the console every body is encrypted.
            return refuse(400, "a plain body, but encrypt_key is configured", "not encrypted");
        }
        auto callback = read_callback(plain);
        if (!callback) return refuse(400, "the decrypted body is not a JSON object", "bad body");
        const std::string token = settings_.verification_token.reveal();
        if (!core::equal_constant_time(callback->token, token)) {
            return refuse(401, "wrong verification token", "invalid token");
        }
        // The console's check of the request URL carries no signature.
        if (callback->type == "url_verification") {
            return {200, "application/json", json{{"challenge", callback->challenge}}.dump()};
        }
        if (!key.empty()) {
            const std::string expected = signature(r.header("x-lark-request-timestamp"),
                                                   r.header("x-lark-request-nonce"), key, r.body);
            if (!core::equal_constant_time(r.header("x-lark-signature"), expected)) {
                return refuse(401, "wrong X-Lark-Signature", "invalid signature");
            }
        }
        const std::string answer = callback_answer(*callback);
        asio::post(session_.io(), [this, c = std::move(*callback)] { on_event(c); });
        return {200, "application/json", answer.empty() ? R"({"msg":"success"})" : answer};
    }

    void ignored(const std::string& what) { session_.ignored(what); }

    // --- events (on the connector thread) ---------------------------------------------

    void on_event(const Callback& c) {
        if (session_.stopping()) return;
        // Feishu delivers an event again when its callback was not answered with 200 in
        // time (or across long-connection reconnects): its event_id shows that.
        if (!c.event_id.empty() && !seen_.first(c.event_id)) {
            spdlog::debug("feishu {}: event {} delivered again; ignored", settings_.name,
                          c.event_id);
            return;
        }
        const bool click = c.event_type == "card.action.trigger";
        if (!click && c.event_type != "im.message.receive_v1") {
            return ignored("event " + (c.event_type.empty() ? "(no type)" : c.event_type));
        }
        {
            std::lock_guard<std::mutex> s(status_mu_);
            ++status_.events;
        }
        if (click) return on_card_action(c);
        on_message(c.event);
    }

    // A click on a card's button or a choice from its menu: handed to the bot as an action
    // of the clicker (open_id, as for messages), who is answered privately; the bot checks
    // the token and whether the card is the post it belongs to.
    void on_card_action(const Callback& c) {
        const auto a = read_card_action(c.event);
        if (!a) {
            spdlog::warn(
                "feishu {}: a card action without operator, message or button value was "
                "dropped",
                settings_.name);
            return;
        }
        if (sink_ == nullptr) return;
        // The bot's answer names the card as the message it answers: it goes to the
        // clicker on its own, not as a reply in the card's chat.
        remember_card(a->message_id, a->chat_id);
        core::Event e;
        e.id = settings_.name + ":action:" +
               (c.event_id.empty() ? a->message_id + ":" + a->open_id + ":" +
                                         std::to_string(core::to_millis(clock_->now()))
                                   : c.event_id);
        e.kind = core::EventKind::action;
        e.who = {settings_.name, a->open_id, a->open_id};
        e.where = {settings_.name, "@" + a->open_id, ""};
        e.direct = true;
        e.text = a->token;
        e.at = clock_->now();
        e.extra = {{"message_id", a->message_id}};
        if (!a->chat_id.empty()) e.extra["chat_id"] = a->chat_id;
        {
            std::lock_guard<std::mutex> s(status_mu_);
            ++status_.clicks;
        }
        sink_->push(std::move(e));
    }

    void remember_card(const std::string& message_id, const std::string& chat_id) {
        if (!clicked_cards_.emplace(message_id, chat_id).second) return;
        clicked_order_.push_back(message_id);
        if (clicked_order_.size() > settings_.dedupe_window) {
            clicked_cards_.erase(clicked_order_.front());
            clicked_order_.pop_front();
        }
    }

    void on_message(const json& event) {
        Message m;
        switch (read_message(event, m)) {
            case MessageRead::ok:
                break;
            case MessageRead::incomplete:
                spdlog::warn("feishu {}: a message without message_id, chat or sender was dropped",
                             settings_.name);
                return;
            case MessageRead::not_text:
                // A picture or file in a group is handed on with its file when files are
                // fetched (a bridge); otherwise its writer is told that only text is read.
                if (fetches(m)) break;
                ignored("messages of type " + m.message_type);
                return answer_not_text(m);
        }
        if (m.sender_type != "user" || sink_ == nullptr) return;
        const std::string channel = m.direct() ? "@" + m.open_id : m.chat_id;
        if (!m.direct() && known_groups_.count(m.chat_id) == 0 &&
            session_.once("group " + m.chat_id)) {
            // How an admin learns a group's chat_id for `channels:`.
            spdlog::info(
                "feishu {}: a group with chat_id {} wrote to the bot; list it under "
                "channels: to give it a track (logged once)",
                settings_.name, m.chat_id);
        }
        core::Event e;
        e.id = settings_.name + ":" + m.message_id;
        e.kind = core::EventKind::message;
        // The event names no sender (sender: sender_id, sender_type, tenant_key): the
        // name comes from the contact API (fetch_sender), the open_id until it answers.
        e.who = {settings_.name, m.open_id, m.open_id};
        e.where = {settings_.name, channel, m.thread_id};
        e.direct = m.direct();
        // Group messages reach the bot when they @mention it (im:message.group_at_msg).
        e.addressed = m.direct() || m.mentioned;
        e.text = m.text;
        e.at = m.create_ms > 0 ? core::from_millis(m.create_ms) : clock_->now();
        e.extra = {
            {"message_id", m.message_id}, {"chat_id", m.chat_id}, {"chat_type", m.chat_type}};
        if (!m.root_id.empty()) e.extra["root_id"] = m.root_id;
        if (!m.parent_id.empty()) e.extra["parent_id"] = m.parent_id;
        if (!m.thread_id.empty()) e.extra["thread_id"] = m.thread_id;
        hold_files(m, std::move(e));
    }

    // --- pictures and files of people's messages (bridged groups) ---------------------
    //
    // With fetch_files_up_to(n > 0), an image, file, audio or media message in a group,
    // and the pictures (`img` elements) of a rich-text `post` there, are handed on with
    // their files (core/event_files.hpp): the bytes fetched with the tenant access token
    // from GET im/v1/messages/{message_id}/resources/{key}?type=image|file (the permission
    // im:message or im:message:readonly) when they are at most n bytes, else, or when the
    // download fails, its name only (Feishu gives no link anyone may open). The group's
    // later messages wait for the download (runtime::HeldEvents: per group, so other
    // groups do not wait), so the bot gets them in order; when the connector stops, they
    // go on at once with the files' names.

    bool fetches(const Message& m) const {
        static const std::set<std::string> types = {"image", "file", "audio", "media"};
        return file_limit_ > 0 && !m.direct() && m.sender_type == "user" && !m.file_key.empty() &&
               types.count(m.message_type) > 0;
    }

    using PostingConnector::deliver;  // a post (the one below: an event)

    // Hands an event on to the bot once its sender is named (runtime::SenderLookup).
    void deliver(core::Event event) {
        senders_.deliver(std::move(event), [this](core::Event e) {
            if (sink_ != nullptr) sink_->push(std::move(e));
        });
    }

    // The message's files, held with it while they download: the file of an image, file,
    // audio or media message, or each picture of a post.
    void hold_files(const Message& m, core::Event e) {
        struct Wanted {
            std::string key, type;
        };
        std::vector<Wanted> wanted;
        std::vector<core::EventFile> files;
        const std::string picture = words_.picture.in(default_locale_, default_locale_);
        if (!m.file_key.empty()) {
            wanted.push_back({m.file_key, m.resource_type()});
        } else if (file_limit_ > 0 && !m.direct()) {
            for (const auto& key : m.post_images) wanted.push_back({key, "image"});
        }
        for (const auto& w : wanted) {
            core::EventFile f;
            if (w.type == "image") {
                f.name = picture;
                f.mime = "image/*";
            } else {
                f.name = m.file_name.empty() ? words_.file.in(default_locale_, default_locale_)
                                             : m.file_name;
            }
            files.push_back(std::move(f));
        }
        const auto ticket = held_.hold(std::move(e), files, wanted.size());
        if (ticket == 0 && !wanted.empty()) {
            spdlog::warn(
                "feishu {}: {} files are being fetched already; the files of {} go on by "
                "their names",
                settings_.name, held_.downloads(), m.message_id);
        }
        if (ticket == 0) return;
        for (std::size_t i = 0; i < wanted.size(); ++i) {
            fetch_file(m.message_id, wanted[i].key, wanted[i].type, ticket, i, files[i]);
        }
    }

    void fetch_file(const std::string& message_id, const std::string& key, const std::string& type,
                    runtime::HeldEvents::Ticket ticket, std::size_t index, core::EventFile file) {
        const bool image = type == "image";
        auto done = [this, ticket, index](core::EventFile f) {
            held_.done(ticket, index, std::move(f));
        };
        const std::string base = file.name;
        with_token([this, message_id, key, type, image, base, file, done, ticket](
                       const std::string& token, const Answer& failure) mutable {
            if (!held_.waiting(ticket)) return;  // went on already (the connector stops)
            if (token.empty()) {
                spdlog::warn(
                    "feishu {}: the file of {} was not fetched (tenant_access_token: {}); "
                    "its name goes on",
                    settings_.name, message_id, failure.outcome.message);
                return done(std::move(file));
            }
            runtime::Request req;
            req.url = settings_.api_url + "/open-apis/im/v1/messages/" +
                      runtime::url_encode(message_id) + "/resources/" + runtime::url_encode(key) +
                      "?type=" + type;
            req.headers.emplace_back("Authorization", "Bearer " + token);
            req.timeout = std::chrono::seconds(60);
            req.max_body = static_cast<std::size_t>(file_limit_);
            call(
                std::move(req),
                [this, message_id, file, done, token, image, base](runtime::Result r) mutable {
                    if (r.ok() && !r.body.empty()) {
                        std::string mime = runtime::media_type_of(r.header("content-type"));
                        if (image && mime.rfind("image/", 0) != 0) {
                            mime = runtime::sniff_type("", r.body);
                            if (mime.rfind("image/", 0) != 0) mime.clear();
                        }
                        if (mime.empty() && !image) mime = "application/octet-stream";
                        file.mime = mime;
                        if (image) file.name = runtime::picture_name(base, mime);
                        file.data = std::move(r.body);
                        file.size = file.data.size();
                        return done(std::move(file));
                    }
                    const Answer a = answer_of(r);
                    if (a.outcome.kind == Kind::token_invalid) token_.refused(token);
                    spdlog::warn("feishu {}: the file of {} was not fetched ({}); its name goes on",
                                 settings_.name, message_id,
                                 r.too_big
                                     ? "larger than the bridge's max_file_bytes"
                                     : std::to_string(a.outcome.code) + " " + a.outcome.message);
                    done(std::move(file));
                },
                false);
        });
    }

    // --- people's names and emails (contact API) ---------------------------------------
    //
    // A sender's event goes to the bot with their name and, with `directory.match_by_email`,
    // their enterprise email: from runtime::SenderLookup's cache, else once the contact API
    // answered (GET contact/v3/users/:open_id, asynchronous; the reader goes on). The events
    // of one conversation keep their order. `enterprise_email` counts: the Feishu Mail
    // address the tenant created for the person on its own domain. The contact `email` is,
    // in Feishu's words, a contact detail an admin imported that the person never verified,
    // so it is not taken as proof of who writes. Any failure (no permission, a person
    // outside the app's range, no answer) leaves the open_id as the name and no email,
    // logged once per reason; the sender is asked again later.

    void fetch_sender(const std::string& open_id, std::function<void(runtime::SenderInfo)> done) {
        with_token([this, open_id, done = std::move(done)](const std::string& token,
                                                           const Answer& failure) {
            runtime::SenderInfo info;
            if (token.empty()) {
                sender_failed("tenant_access_token: " + failure.outcome.message);
                info.retry_after = failure.retry_after;
                return done(info);
            }
            runtime::Request req;
            req.url = settings_.api_url + "/open-apis/contact/v3/users/" +
                      core::url_encode(open_id) + "?user_id_type=open_id";
            req.headers.emplace_back("Authorization", "Bearer " + token);
            req.timeout = settings_.name_timeout;
            call(std::move(req), [this, done](runtime::Result r) {
                const Answer a = answer_of(r);
                const json& user = http::object_field(http::object_field(a.body, "data"), "user");
                runtime::SenderInfo info;
                info.name = string_field(user, "name");
                if (info.name.empty()) info.name = string_field(user, "en_name");
                if (a.outcome.kind == Kind::ok && !info.name.empty()) {
                    info.outcome = runtime::SenderInfo::Outcome::found;
                    if (match_by_email_) info.email = string_field(user, "enterprise_email");
                } else if (a.outcome.kind == Kind::ok) {
                    info.outcome = runtime::SenderInfo::Outcome::unknown;
                    sender_failed("the answer names nobody");
                } else {
                    if (a.outcome.kind == Kind::rate_limited) info.retry_after = a.retry_after;
                    sender_failed(std::to_string(a.outcome.code) + " " + a.outcome.message);
                }
                done(info);
            });
        });
    }

    void sender_failed(const std::string& why) {
        if (!session_.once("names: " + why)) return;
        spdlog::warn(
            "feishu {}: cannot read a sender's name from the contact API ({}); people "
            "show as their open_id and are not recognised by email until it answers. Grant "
            "the app 获取用户基本信息 (contact:user.base:readonly), 获取用户邮箱信息 "
            "(contact:user.email:readonly) and include them in its range "
            "(docs/connectors/feishu.md); logged once",
            settings_.name, why);
    }

    void answer_not_text(const Message& m) {
        if (!words_.text_only.any() || m.sender_type != "user") return;
        core::Post post;
        post.to = {settings_.name, m.direct() ? "@" + m.open_id : m.chat_id, ""};
        post.text = text_only_for(m.open_id, post.locale);
        post.reply_to = m.message_id;
        deliver(post, nullptr);
    }

    // The answer to a message that is not text, in the writer's language when the
    // directory knows it (the Roster), else in the bot's default language.
    std::string text_only_for(const std::string& user, std::string& locale) {
        locale = runtime::reader_locale(roster_, user, default_locale_);
        return words_.text_only.in(locale, default_locale_);
    }

    // --- HTTP (asynchronous: every answer comes back on the connector thread) ----------

    // `hold`: stop() waits for the answer (false: opening the stream, abandoned on stop).
    void call(runtime::Request req, std::function<void(runtime::Result)> done, bool hold = true) {
        session_.call(std::move(req), std::move(done), hold);
    }

    Answer answer_of(const runtime::Result& r) const {
        Answer a;
        a.outcome = read_api_answer(r.status, r.body);
        if (r.status == 0) a.outcome.message = r.error;
        if (r.kind == runtime::Result::Kind::timeout) a.outcome.kind = Kind::transient;
        a.body = r.json();
        a.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(r.retry_after);
        // Feishu's gateway names the wait in x-ogw-ratelimit-reset (seconds).
        const std::string reset = r.header("x-ogw-ratelimit-reset");
        if (!reset.empty() && reset.size() < 6 &&
            reset.find_first_not_of("0123456789") == std::string::npos) {
            a.retry_after = std::chrono::seconds(std::stoi(reset));
        }
        if (a.retry_after.count() <= 0) a.retry_after = settings_.throttle_wait;
        return a;
    }

    // --- tenant access token -----------------------------------------------------------
    //
    // One token for the app (runtime::AccessToken), renewed `token_margin` before its
    // `expire` ends; posts that need it while it is being fetched wait for that one request.

    runtime::Request token_request() const {
        return runtime::Request::json_post(
            settings_.api_url + "/open-apis/auth/v3/tenant_access_token/internal",
            {{"app_id", settings_.app_id}, {"app_secret", settings_.app_secret.reveal()}});
    }

    // Why no token came (what the posts waiting for it are told).
    Answer token_failure(const runtime::Result& r) const {
        Answer a = answer_of(r);
        if (a.outcome.kind == Kind::ok) {
            a.outcome = {Kind::transient, 0, "the answer has no tenant_access_token"};
        }
        if (a.outcome.kind == Kind::token_invalid) a.outcome.kind = Kind::permanent;
        return a;
    }

    runtime::AccessToken::Grant read_token(const runtime::Result& r) {
        const Answer a = answer_of(r);
        const std::string token = string_field(a.body, "tenant_access_token");
        if (a.outcome.kind == Kind::ok && !token.empty()) {
            std::lock_guard<std::mutex> s(status_mu_);
            ++status_.token_fetches;
            return {token, std::chrono::seconds(integer_field(a.body, "expire", 7200))};
        }
        const Answer failure = token_failure(r);
        spdlog::error("feishu {}: cannot get a tenant access token: {} {}", settings_.name,
                      failure.outcome.code, failure.outcome.message);
        return {};
    }

    void with_token(TokenDone done) {
        token_.get_as<Answer>([this](const runtime::Result& r) { return token_failure(r); },
                              std::move(done));
    }

    // --- sending -----------------------------------------------------------------------
    //
    // A post's text goes out in pieces of `max_chars`; with actions, the last piece is an
    // interactive card that carries its buttons and menus (or, when a card cannot carry
    // them, the typed choices follow the text). Then its pictures: each is uploaded to
    // im/v1/images and sent as an image message. A post that `replaces` an earlier one
    // PATCHes that card to the outcome instead.

    // A failed step of a post: retried later by the outbox unless Feishu refused it for good.
    // Without a token, never for good: wrong credentials are fixed in the console or the
    // config, after which the outbox's next try succeeds.
    void fail(const std::shared_ptr<SendJob>& job, const std::string& step, const Answer& a) {
        if (a.no_token) {
            return complete(job, {false, job->first_id, error_of("tenant_access_token", a), true});
        }
        complete(job, {false, job->first_id, error_of(step, a), a.outcome.kind != Kind::permanent});
    }

    // A uuid per piece (Feishu drops a second send with the same uuid within an hour): from
    // the post's dedupe key when it has one, so that a post the outbox sends again after a
    // lost answer is not shown twice; else random, kept across this job's retries.
    std::string piece_uuid(const core::Post& post, std::size_t piece) {
        if (!post.dedupe_key.empty()) {
            return sha256_hex(settings_.name + "\n" + post.dedupe_key + "\n" +
                              std::to_string(piece))
                .substr(0, 32);
        }
        static const char* digits = "0123456789abcdef";
        std::string out;
        for (int i = 0; i < 32; ++i) out.push_back(digits[rng_() % 16]);
        return out;
    }

    static bool direct(const SendJob& job) {
        return job.channel.size() > 1 && job.channel[0] == '@';
    }
    // Where a new message of the post's conversation goes, and to whom.
    static std::string conversation_path(const SendJob& job) {
        return direct(job) ? "/open-apis/im/v1/messages?receive_id_type=open_id"
                           : "/open-apis/im/v1/messages?receive_id_type=chat_id";
    }
    static std::string receive_id(const SendJob& job) {
        return direct(job) ? job.channel.substr(1) : job.channel;
    }

    void start_job(const std::shared_ptr<SendJob>& job) override {
        if (session_.stopping()) {
            return complete(
                job, {false, "", "Feishu connector " + settings_.name + " is stopping", true});
        }
        job->channel = job->post.to.channel;
        if (!job->post.replaces.empty()) return update_card(job);
        if (job->post.private_reply && direct(*job)) {
            const auto card = clicked_cards_.find(job->post.reply_to);
            if (card != clicked_cards_.end() && known_groups_.count(card->second) > 0) {
                return send_ephemeral(job, card->second);
            }
        }
        if (!direct(*job) && job->channel.rfind("oc_", 0) != 0) {
            return complete(
                job, {false, "",
                      "\"" + job->channel + "\" is neither @open_id nor a group chat_id (oc_...)",
                      false});
        }
        if (!core::valid_utf8(job->post.text)) {
            return complete(job, {false, "", "the text is not valid UTF-8", false});
        }
        std::string text = job->post.text;
        if (!job->post.actions.empty()) {
            const auto pieces = http::split_message(text, settings_.max_chars);
            if (!pieces.empty()) job->card = card_for(pieces.back(), job->post.actions);
            if (!job->card) {
                spdlog::info(
                    "feishu {}: a card cannot carry the actions of a post to {}; they go as "
                    "typed commands",
                    settings_.name, job->channel);
                if (!job->post.actions_text.empty()) text += "\n\n" + job->post.actions_text;
            }
        }
        job->pieces = http::split_message(text, settings_.max_chars);
        for (std::size_t i = 0; i < job->pieces.size(); ++i) {
            job->uuids.push_back(piece_uuid(job->post, i));
        }
        send_piece(job);
    }

    // The answer to a click in a group, for the clicker's eyes only: a card only they see
    // in that group (ephemeral/v1/send, "仅对你可见"). Where Feishu will not show one, the
    // answer goes to the clicker directly.
    void send_ephemeral(const std::shared_ptr<SendJob>& job, const std::string& chat_id) {
        const std::string path = "/open-apis/ephemeral/v1/send";
        const json body = {
            {"chat_id", chat_id},
            {"open_id", job->channel.substr(1)},
            {"msg_type", "interactive"},
            {"card",
             {{"config", {{"wide_screen_mode", true}}},
              {"elements",
               json::array({{{"tag", "div"},
                             {"text", {{"tag", "plain_text"}, {"content", job->post.text}}}}})}}}};
        api(
            job, path,
            [this, path, body] {
                return runtime::Request::json_post(settings_.api_url + path, body);
            },
            [this, job, chat_id](const Answer& a) {
                if (a.outcome.kind == Kind::ok) {
                    return complete(
                        job,
                        {true, string_field(object_field(a.body, "data"), "message_id"), "", true});
                }
                spdlog::info(
                    "feishu {}: a card only the clicker sees in {} was refused ({}); "
                    "the answer goes to them directly",
                    settings_.name, chat_id, a.outcome.message);
                job->post.private_reply = false;
                start_job(job);
            });
    }

    // Goes on with a post where it stopped (after a rate limit or a renewed token).
    void resume(const std::shared_ptr<SendJob>& job) {
        if (!job->post.replaces.empty()) return update_card(job);
        if (job->post.private_reply && job->pieces.empty()) return start_job(job);
        if (job->next < job->pieces.size()) return send_piece(job);
        send_attachments(job);
    }

    // One OpenAPI call of a post, with the tenant access token (`make` builds the request,
    // the Authorization header is added). An invalid token is renewed once per post and
    // the post resumes; a rate limit (of the call or of the token) pauses the conversation
    // and the post resumes after it. Every other answer goes to `done`, also the lack of a
    // token (Answer::no_token).
    void api(const std::shared_ptr<SendJob>& job, const std::string& step,
             std::function<runtime::Request()> make, std::function<void(const Answer&)> done) {
        with_token([this, job, step, make = std::move(make), done = std::move(done)](
                       const std::string& token, const Answer& failure) {
            if (session_.stopping()) {
                return complete(job, {false, job->first_id, "connector stopped", true});
            }
            if (token.empty()) {
                if (failure.outcome.kind == Kind::rate_limited) {
                    return wait_and_retry(job, failure.retry_after, "tenant_access_token", true);
                }
                Answer a = failure;
                a.no_token = true;
                return done(a);
            }
            runtime::Request req = make();
            req.headers.emplace_back("Authorization", "Bearer " + token);
            call(std::move(req), [this, job, step, token, done](runtime::Result r) {
                const Answer a = answer_of(r);
                if (a.outcome.kind == Kind::token_invalid && !job->token_retried) {
                    // Expired or revoked early: one new token, one more try.
                    job->token_retried = true;
                    token_.refused(token);
                    spdlog::info("feishu {}: tenant access token refused; getting a new one",
                                 settings_.name);
                    return resume(job);
                }
                if (a.outcome.kind == Kind::rate_limited) {
                    // 99991400 is the app's limit for the method: every conversation
                    // waits; 230020 (and a bare 429) the one chat's.
                    return wait_and_retry(job, a.retry_after, step, a.outcome.code == 99991400);
                }
                done(a);
            });
        });
    }

    void send_piece(const std::shared_ptr<SendJob>& job) {
        if (session_.stopping()) {
            return complete(job, {false, job->first_id, "connector stopped", true});
        }
        if (job->next >= job->pieces.size()) return send_attachments(job);
        const std::string& text = job->pieces[job->next];
        const std::string& uuid = job->uuids[job->next];
        const bool card = job->card && job->next + 1 == job->pieces.size();
        const std::string msg_type = card ? "interactive" : "text";
        const json content = card ? *job->card : json{{"text", text}};
        const std::string& reply_to = job->post.reply_to;
        std::string path;
        json body;
        // The first piece of an answer is a reply to the message it answers (shown quoted,
        // and in its thread); the rest follow it as messages of their own. An answer to a
        // click is not a reply to the card: it goes to the clicker alone.
        if (job->next == 0 && reply_to.rfind("om_", 0) == 0 &&
            clicked_cards_.count(reply_to) == 0) {
            path = "/open-apis/im/v1/messages/" + runtime::url_encode(reply_to) + "/reply";
            body = message_of_type("", msg_type, content, uuid);
        } else {
            path = conversation_path(*job);
            body = message_of_type(receive_id(*job), msg_type, content, uuid);
        }
        api(
            job, path,
            [this, path, body] {
                return runtime::Request::json_post(settings_.api_url + path, body);
            },
            [this, job, path, card](const Answer& a) {
                if (card && !a.no_token && a.outcome.kind == Kind::permanent) {
                    return card_refused(job, a);
                }
                if (a.outcome.kind != Kind::ok) return fail(job, path, a);
                const std::string id = string_field(object_field(a.body, "data"), "message_id");
                if (job->first_id.empty()) job->first_id = id;
                if (card) job->card_id = id;
                ++job->next;
                send_piece(job);
            });
    }

    // Feishu refused the card (its content, its size): the last piece goes as text with
    // the typed choices instead, so the post is not lost.
    void card_refused(const std::shared_ptr<SendJob>& job, const Answer& a) {
        spdlog::warn(
            "feishu {}: the card of a post to {} was refused ({} {}); it goes as text with "
            "typed commands",
            settings_.name, job->channel, a.outcome.code, a.outcome.message);
        job->card.reset();
        std::string last = job->pieces.back();
        if (!job->post.actions_text.empty()) last += "\n\n" + job->post.actions_text;
        job->pieces.pop_back();
        job->uuids.pop_back();
        for (auto& piece : http::split_message(last, settings_.max_chars)) {
            // Not the card's uuid: a message of other content.
            job->uuids.push_back(piece_uuid(job->post, 1000 + job->pieces.size()));
            job->pieces.push_back(std::move(piece));
        }
        send_piece(job);
    }

    static std::string error_of(const std::string& step, const Answer& a) {
        return step + ": " + std::to_string(a.outcome.code) + " " + a.outcome.message;
    }

    // An earlier post with buttons, settled: its card becomes the outcome (the post's text)
    // without buttons, for everyone in the chat (the card has update_multi). `replaces` is
    // the card's message_id. A card Feishu will not update (older than 14 days, recalled,
    // not a card) keeps its buttons: logged once, not retried; a click on them is
    // answered by the bot that it was decided.
    void update_card(const std::shared_ptr<SendJob>& job) {
        const std::string id = job->post.replaces;
        if (id.rfind("om_", 0) != 0 || id.find_first_of("/?#% ") != std::string::npos) {
            return complete(job, {false, "", "not a Feishu message_id: " + id, false});
        }
        const std::string path = "/open-apis/im/v1/messages/" + id;
        const json body = {{"content", text_card(job->post.text).dump()}};
        api(
            job, "PATCH " + path,
            [this, path, body] {
                runtime::Request req = runtime::Request::json_post(settings_.api_url + path, body);
                req.method = "PATCH";
                return req;
            },
            [this, job, id, path](const Answer& a) {
                if (a.outcome.kind == Kind::ok) return complete(job, {true, id, "", true});
                if (a.no_token || a.outcome.kind != Kind::permanent) {
                    return fail(job, "PATCH " + path, a);
                }
                spdlog::warn(
                    "feishu {}: the card {} was not updated with its outcome: {} {}{}; its "
                    "buttons stay (a click on them is answered that it is decided)",
                    settings_.name, id, a.outcome.code, a.outcome.message,
                    update_refusal(a.outcome.code));
                job->quiet = true;
                complete(job, {false, id, error_of("PATCH " + path, a), false});
            });
    }

    // The post's attachments, after its text (the weekly metrics chart, a relayed
    // picture or file): a picture is uploaded to im/v1/images and sent as an image
    // message, any other file to im/v1/files and sent as a file message. When Feishu
    // fails for a while (no answer, 5xx) and the post has a dedupe key, the post goes back
    // to the outbox, which sends it again with the same uuids (Feishu shows what already
    // went once). One that Feishu refuses (no im:resource, too big, a type it does not
    // take) is named in a message of its own instead (`file_left_out` of feishu.yaml), so
    // the conversation learns a file was there; logged.
    void send_attachments(const std::shared_ptr<SendJob>& job) {
        const auto& files = job->post.attachments;
        if (job->next_file >= files.size()) {
            return complete(job,
                            {true, job->card_id.empty() ? job->first_id : job->card_id, "", true});
        }
        if (upload_as(files[job->next_file]) == UploadAs::none) {
            Answer a;
            a.outcome = {Kind::permanent, 0, "Feishu takes no empty file and none over 30 MB"};
            return leave_out_picture(job, "checking it", a);
        }
        if (job->image_key.empty()) return upload_picture(job);
        send_picture(job);
    }

    void upload_picture(const std::shared_ptr<SendJob>& job) {
        const bool image = upload_as(job->post.attachments[job->next_file]) == UploadAs::image;
        const std::string path = image ? "/open-apis/im/v1/images" : "/open-apis/im/v1/files";
        api(
            job, path,
            [this, job, path, image] {
                const core::Attachment& f = job->post.attachments[job->next_file];
                const std::string name =
                    !f.name.empty() ? f.name
                    : image         ? runtime::picture_name(
                                          words_.picture.in(job->post.locale, default_locale_), f.mime)
                            : words_.file.in(job->post.locale, default_locale_);
                const std::string mime = f.mime.empty() ? "application/octet-stream" : f.mime;
                std::vector<runtime::FormPart> parts;
                if (image) {
                    parts.push_back({"image_type", "message", "", ""});
                    parts.push_back({"image", f.data, name, mime});
                } else {
                    parts.push_back({"file_type", file_type_of(name), "", ""});
                    parts.push_back({"file_name", name, "", ""});
                    parts.push_back({"file", f.data, name, mime});
                }
                runtime::Request req =
                    runtime::Request::multipart_post(settings_.api_url + path, parts);
                req.timeout = std::chrono::seconds(60);
                return req;
            },
            [this, job, image](const Answer& a) {
                const char* field = image ? "image_key" : "file_key";
                const std::string key = string_field(object_field(a.body, "data"), field);
                if (a.outcome.kind == Kind::ok && !key.empty()) {
                    job->image_key = key;
                    return send_picture(job);
                }
                Answer why = a;
                if (a.outcome.kind == Kind::ok) {
                    why.outcome = {Kind::transient, 0, std::string("the answer has no ") + field};
                }
                leave_out_picture(job, "uploading it", why);
            });
    }

    void send_picture(const std::shared_ptr<SendJob>& job) {
        if (job->image_uuid.empty()) {
            job->image_uuid = piece_uuid(job->post, job->pieces.size() + job->next_file);
        }
        const bool image = upload_as(job->post.attachments[job->next_file]) == UploadAs::image;
        const std::string path = conversation_path(*job);
        const json body =
            message_of_type(receive_id(*job), image ? "image" : "file",
                            {{image ? "image_key" : "file_key", job->image_key}}, job->image_uuid);
        api(
            job, path,
            [this, path, body] {
                return runtime::Request::json_post(settings_.api_url + path, body);
            },
            [this, job](const Answer& a) {
                if (a.outcome.kind != Kind::ok) return leave_out_picture(job, "sending it", a);
                if (job->first_id.empty()) {
                    job->first_id = string_field(object_field(a.body, "data"), "message_id");
                }
                next_picture(job);
            });
    }

    void leave_out_picture(const std::shared_ptr<SendJob>& job, const std::string& step,
                           const Answer& a) {
        const core::Attachment& f = job->post.attachments[job->next_file];
        const std::string name =
            f.name.empty() ? words_.unnamed.in(job->post.locale, default_locale_) : f.name;
        if ((a.no_token || a.outcome.kind != Kind::permanent) && !job->post.dedupe_key.empty()) {
            // For a while: the outbox sends the post again; what went is not shown twice.
            spdlog::info("feishu {}: {} of a post to {} failed ({} {}); the post is tried again",
                         settings_.name, name, job->channel, step, a.outcome.message);
            return fail(job, step + " " + name, a);
        }
        spdlog::warn("feishu {}: the file {} of a post to {} was left out ({} failed: {}{} {})",
                     settings_.name, name, job->channel, step,
                     a.no_token ? "tenant_access_token " : "", a.outcome.code, a.outcome.message);
        const std::string note =
            words_.left_out.in_with(job->post.locale, default_locale_, "name", name);
        if (note.empty()) return next_picture(job);
        // Its own uuid: a message of other content than the file's.
        const std::string uuid = piece_uuid(job->post, 2000 + job->next_file);
        const std::string path = conversation_path(*job);
        const json body = text_message(receive_id(*job), note, uuid);
        api(
            job, path,
            [this, path, body] {
                return runtime::Request::json_post(settings_.api_url + path, body);
            },
            [this, job, path](const Answer& answer) {
                if (answer.outcome.kind != Kind::ok) return fail(job, path, answer);
                if (job->first_id.empty()) {
                    job->first_id = string_field(object_field(answer.body, "data"), "message_id");
                }
                next_picture(job);
            });
    }

    void next_picture(const std::shared_ptr<SendJob>& job) {
        ++job->next_file;
        job->image_key.clear();
        job->image_uuid.clear();
        send_attachments(job);
    }

    // Rate limited: the conversation waits (the answer's wait, else `throttle_wait`), then
    // the post goes on where it stopped, with the same uuid; the posts behind it wait too.
    // `whole_app`: the limit is the app's, so every conversation's next post waits too.
    void wait_and_retry(const std::shared_ptr<SendJob>& job, std::chrono::milliseconds wait,
                        const std::string& step, bool whole_app = false) {
        retry_later(
            job, wait, settings_.max_retry_wait, step, "rate limited", [this, job] { resume(job); },
            whole_app);
    }

    FeishuSettings settings_;
    const runtime::FileWords words_;  ///< feishu.yaml: text_only, file_left_out, names of files
    std::uint64_t file_limit_ = 0;    ///< fetch_files_up_to(); set before start()
    runtime::AccessToken token_;

    // The connector thread's state.
    std::mt19937 rng_{std::random_device{}()};
    runtime::RecentIds seen_;
    asio::steady_timer ping_timer_;
    StreamEndpoint endpoint_;
    Reassembler parts_;
    bool socket_open_ = false;
    unsigned long long ping_generation_ = 0;
    std::set<std::string> known_groups_;  ///< chat_ids listed in `channels:`
    /// Cards clicked lately (message_id -> chat_id): the bot's answers to a click name the
    /// card as the message they answer, and go to the clicker instead.
    std::unordered_map<std::string, std::string> clicked_cards_;
    std::deque<std::string> clicked_order_;
    runtime::SenderLookup senders_;  ///< senders' names and emails, events waiting for them
    /// Events waiting for the files of earlier ones of their conversation.
    runtime::HeldEvents held_{[this](core::Event e) { deliver(std::move(e)); }};

    http::WsLink link_;
    http::Callbacks callbacks_;  ///< /hooks/NAME/... (and the own listener)
};

}  // namespace

ConnectorType connector_type() {
    return either(app_mode, settings_type<FeishuSettings>("feishu", read_settings, make_feishu),
                  with_mode(robots::connector_type(robots::Platform::feishu),
                            {"long_connection", "events", "robot"}));
}

std::unique_ptr<Connector> make_feishu(FeishuSettings settings, const ConnectorContext& context) {
    return make_connector<FeishuConnector>("make_feishu", std::move(settings), context);
}

FeishuStatus feishu_status(const Connector& connector) {
    return status_of<FeishuConnector>(connector);
}

}  // namespace twintrack::connectors::feishu
