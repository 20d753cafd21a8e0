#include "connectors/dingtalk/dingtalk_connector.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <cctype>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <stdexcept>

#include "connectors/dingtalk/dingtalk_cards.hpp"
#include "connectors/dingtalk/dingtalk_stream.hpp"
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

namespace twintrack::connectors::dingtalk {
namespace {

namespace asio = boost::asio;
using namespace http::json_reading;
using Kind = ApiOutcome::Kind;

// ---------------------------------------------------------------------------------------
// Config

void read_settings(core::SectionReader& section, DingTalkSettings& s) {
    section.choice("mode", {"stream", "robot"});
    if (auto id = section.string("client_id", true)) {
        if (id->empty() || id->find_first_of(" \t") != std::string::npos) {
            section.error("client_id",
                          "must be the app's Client ID (AppKey, e.g. dingxxxxxxxxxxxxxxxx) "
                          "without spaces");
        } else {
            s.client_id = *id;
        }
    }
    if (auto secret = section.secret("client_secret", true)) s.client_secret = *secret;
    if (auto code = section.string("robot_code")) {
        if (code->empty() || code->find_first_of(" \t") != std::string::npos) {
            section.error("robot_code", "must be the robot's RobotCode without spaces");
        } else {
            s.robot_code = *code;
        }
    }
    runtime::read_base_url(section, "api_url", s.api_url);
    runtime::read_base_url(section, "gateway_url", s.gateway_url);
    runtime::read_base_url(section, "oapi_url", s.oapi_url);
    if (auto id = section.string("card_template_id")) {
        if (!valid_card_template_id(*id)) {
            section.error("card_template_id",
                          "must be the card template id the card platform shows, a UUID "
                          "followed by .schema (e.g. 8f250c94-7e4b-4c8e-b1e5-3c0b6b4e2a17."
                          "schema); got \"" +
                              *id + "\"");
        } else {
            s.card_template_id = *id;
        }
    }
    if (auto format = section.choice("format", {"text", "markdown"})) {
        s.markdown = *format == "markdown";
    }
    runtime::read_max_chars(section, s.max_chars, 500, 5000);
    runtime::read_reach(section, s);
    runtime::read_channel_ids(
        section, s, runtime::id_pattern("cid[^ \t]*"),
        "is not a DingTalk group's openConversationId: use the id such as cidXXXXXXXX== (see "
        "docs/connectors/dingtalk.md), not the group's name");
}

// Stream mode when the section says so, or names a client_id without saying.
bool stream_mode(const YAML::Node& section) {
    if (auto mode = mode_of(section)) return *mode != "robot";
    return section["client_id"].IsDefined();
}

// The first IPv4 address of an interface that is up and not loopback ("" when none):
// what the SDKs report as `localIp`. Read from the interfaces; nothing is sent.
std::string local_ip() {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return "";
    std::string found;
    for (ifaddrs* a = list; a != nullptr && found.empty(); a = a->ifa_next) {
        if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
        if ((a->ifa_flags & IFF_UP) == 0 || (a->ifa_flags & IFF_LOOPBACK) != 0) continue;
        char text[INET_ADDRSTRLEN] = {};
        const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
        if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr) found = text;
    }
    ::freeifaddrs(list);
    return found;
}

// ---------------------------------------------------------------------------------------
// The connector

struct SendJob : runtime::PostJob {
    /// What the post is doing: its text, its card, or updating an earlier card.
    enum class Stage { text, card, update } stage = Stage::text;
    bool auth_retried = false;   ///< the access token was renewed once for this post
    std::string out_track_id;    ///< the card's id (Stage::card)
    std::size_t attachment = 0;  ///< the next of `post.attachments` to send
};

struct Session {
    std::string url;
    std::int64_t expires_ms = 0;
};

/// The outcome of an API call as the sending code needs it.
struct Answer {
    ApiOutcome outcome;
    json body;
    std::chrono::milliseconds retry_after{0};
};

using TokenDone = std::function<void(const std::string& token, const Answer& failure)>;

class DingTalkConnector final : public runtime::PostingConnector<DingTalkStatus, SendJob> {
  public:
    DingTalkConnector(DingTalkSettings settings, const ConnectorContext& context)
        : PostingConnector(runtime::session_options("DingTalk", "dingtalk", settings,
                                                    {settings.client_secret.reveal()}),
                           context, settings.rate_limit),
          settings_(std::move(settings)),
          words_(context.prompts_dir, "dingtalk.yaml"),
          token_(
              session_, *clock_, [this] { return token_request(); },
              [this](const runtime::Result& r) { return read_token(r); }, settings_.token_margin),
          seen_(settings_.dedupe_window),
          link_(link_handlers<http::WsLink::Handlers>(), settings_.tls_ca_file),
          senders_(
              session_.timers(),
              [this](const std::string& user, std::function<void(runtime::SenderInfo)> done) {
                  fetch_sender(user, std::move(done));
              },
              settings_.sender_lookup) {
        if (settings_.robot_code.empty()) settings_.robot_code = settings_.client_id;
        for (const auto& ch : settings_.channels) known_groups_.insert(ch.name);
        runtime::Protocol protocol;
        protocol.connect = [this] { open_stream(); };
        protocol.drop = [this] { link_.close(); };
        protocol.halt = [this] { link_.stop(); };
        // No download answers any more: what waits for one goes on with the files' names,
        // in order.
        protocol.on_stop = [this] { held_.release_all(); };
        session_.set_protocol(std::move(protocol));
    }

    ~DingTalkConnector() override { stop(); }

    // Buttons and menus as interactive cards, once the admin imported the template.
    bool shows_actions() const override { return !settings_.card_template_id.empty(); }
    /// Pictures go as sampleImageMsg, other files as sampleFile (both via media/upload).
    bool shows_images() const override { return true; }
    bool shows_files() const override { return true; }
    void fetch_files_up_to(std::uint64_t bytes) override { file_limit_ = bytes; }

  private:
    // --- HTTP (asynchronous: every answer comes back on the connector thread) ----------

    // `hold`: stop() waits for the answer (false: opening the stream, abandoned on stop).
    void call(runtime::Request req, std::function<void(runtime::Result)> done, bool hold = true) {
        req.headers.emplace_back("Accept", "application/json");
        session_.call(std::move(req), std::move(done), hold);
    }

    Answer answer_of(const runtime::Result& r) const {
        Answer a;
        a.outcome = read_api_answer(r.status, r.body);
        if (r.status == 0) a.outcome.message = r.error;
        if (r.kind == runtime::Result::Kind::rate_limited) a.outcome.kind = Kind::throttled;
        if (r.kind == runtime::Result::Kind::timeout) a.outcome.kind = Kind::transient;
        a.body = r.json();
        a.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(r.retry_after);
        if (a.retry_after.count() <= 0) a.retry_after = settings_.throttle_wait;
        return a;
    }

    void ignored(const std::string& what) { session_.ignored(what); }

    // --- the stream ----------------------------------------------------------------------
    //
    // Every connection starts with connections/open, which hands out a ticket that serves
    // one WebSocket handshake: a lost connection, a refused handshake or the gateway's
    // `disconnect` all lead back here for a fresh one.

    void open_stream() {
        stream_up_ = false;
        if (local_ip_.empty()) local_ip_ = local_ip();
        runtime::Request req = runtime::Request::json_post(
            settings_.gateway_url + "/v1.0/gateway/connections/open",
            connection_open_body(settings_.client_id, settings_.client_secret.reveal(),
                                 "twintrack/1 (dingtalk-stream; C++)", local_ip_));
        call(
            std::move(req),
            [this](runtime::Result r) {
                if (session_.stopping()) return;
                if (r.kind == runtime::Result::Kind::rate_limited) {
                    return session_.down(
                        "connections/open throttled",
                        std::max(
                            settings_.backoff_initial,
                            std::chrono::duration_cast<std::chrono::milliseconds>(r.retry_after)));
                }
                if (!r.ok()) {
                    const ApiOutcome o = read_api_answer(r.status, r.body);
                    return session_.down(
                        "connections/open failed: " +
                        (r.status == 0 ? r.error
                                       : "HTTP " + std::to_string(r.status) +
                                             (o.code.empty() ? "" : " " + o.code) +
                                             (o.message.empty() ? "" : " (" + o.message + ")")));
                }
                Endpoint endpoint;
                if (!read_endpoint(r.body, endpoint)) {
                    return session_.down("connections/open gave no endpoint or ticket");
                }
                {
                    std::lock_guard<std::mutex> s(status_mu_);
                    ++status_.tickets;
                }
                spdlog::info("dingtalk {}: opening the stream connection to {}", settings_.name,
                             endpoint.endpoint);
                const std::string url = stream_url(endpoint);
                link_.connect(url, {}, runtime::proxy_for(url, session_.options().transport));
            },
            false);
    }

    void on_link_open() override {
        if (session_.stopping()) return;
        connected_ = true;
        spdlog::info("dingtalk {}: stream connected", settings_.name);
        std::lock_guard<std::mutex> s(status_mu_);
        status_.connected = true;
        ++status_.connections;
    }

    void on_link_closed(const std::string& why) override {
        const bool was = connected_;
        connected_ = false;
        {
            std::lock_guard<std::mutex> s(status_mu_);
            status_.connected = false;
        }
        // Every attempt starts with connections/open: a new ticket.
        session_.down(std::string(was ? "stream connection lost: " : "stream handshake failed: ") +
                      why);
    }

    // Every frame is acknowledged with its messageId before it is handled.
    void on_link_message(const std::string& text) override {
        if (session_.stopping()) return;
        Frame frame;
        if (!read_frame(text, frame)) {
            return ignored("a stream frame that is not a JSON object with type and headers");
        }
        if (!stream_up_) {
            stream_up_ = true;  // the connection works
            session_.up();
        }
        if (frame.type == "SYSTEM") {
            if (frame.topic == "ping") {
                link_.send(ack_ping(frame));
            } else if (frame.topic == "disconnect") {
                // Acknowledged on this connection first, then closed: the gateway does not
                // send the command again, and a fresh ticket opens the next connection.
                link_.send(ack(frame, 200, "OK", frame.data));
                spdlog::info("dingtalk {}: the gateway asks to reconnect", settings_.name);
                session_.refresh();
                link_.close();
            } else {
                link_.send(ack(frame, 200, "OK", frame.data));
                ignored("system topic " + frame.topic);
            }
        } else if (frame.type == "EVENT") {
            link_.send(ack_event(frame));
            auto type = frame.headers.find("eventType");
            ignored("event " + (type == frame.headers.end() ? frame.topic : type->second));
        } else if (frame.type == "CALLBACK") {
            if (frame.topic == bot_message_topic) {
                link_.send(ack_callback(frame));
                on_robot_message(frame.data);
            } else if (frame.topic == card_callback_topic) {
                link_.send(ack(frame, 200, "OK", card_ack_data()));
                on_card_click(frame);
            } else {
                link_.send(ack_unknown(frame));
                ignored("callback topic " + frame.topic);
            }
        } else {
            ignored("frame type " + frame.type);
        }
    }

    void on_robot_message(const std::string& data) {
        RobotMessage m;
        switch (read_robot_message(data, m)) {
            case MessageRead::ok:
                break;
            case MessageRead::not_json:
                spdlog::warn("dingtalk {}: a robot message whose data is not JSON was dropped",
                             settings_.name);
                return;
            case MessageRead::incomplete:
                spdlog::warn(
                    "dingtalk {}: a robot message without msgId, sender, conversation "
                    "or text was dropped",
                    settings_.name);
                return;
            case MessageRead::not_text:
                // A picture or file in a group is handed on with its file when files are
                // fetched (a bridge); otherwise its writer is told that only text is read.
                if (fetches(m)) break;
                ignored("robot messages of type " + m.msgtype);
                return answer_not_text(m);
        }
        // DingTalk delivers a message again when its acknowledgement did not arrive (e.g.
        // across a reconnect), a few times within minutes: the most recent msgIds are
        // enough to recognise that, and the engine's own event ids are the last guard.
        if (!seen_.first(m.msg_id)) {
            spdlog::debug("dingtalk {}: message {} delivered again; ignored", settings_.name,
                          m.msg_id);
            return;
        }
        if (sink_ == nullptr) return;
        const std::string user = m.staff_id.empty() ? m.sender_id : m.staff_id;
        const std::string channel = m.direct() ? "@" + user : m.conversation;
        if (!m.direct() && known_groups_.count(m.conversation) == 0) {
            // How an admin learns a group's openConversationId for `channels:`.
            if (session_.once("group " + m.conversation)) {
                spdlog::info(
                    "dingtalk {}: group \"{}\" has openConversationId {}; list it "
                    "under channels: to give it a track (logged once)",
                    settings_.name, m.title, m.conversation);
            }
        }
        if (!m.session_webhook.empty() && runtime::is_http_url(m.session_webhook)) {
            remember_session(channel, {m.session_webhook, m.session_expires_ms});
        }
        core::Event event;
        event.id = settings_.name + ":" + m.msg_id;
        event.kind = core::EventKind::message;
        event.who = {settings_.name, user, m.nick.empty() ? user : m.nick};
        event.where = {settings_.name, channel, ""};
        event.direct = m.direct();
        event.addressed = true;  // group messages reach a robot only when they @mention it
        event.text = std::string(core::trim(m.text));
        event.at = m.created_ms > 0 ? core::from_millis(m.created_ms) : clock_->now();
        event.extra = {{"message_id", m.msg_id},
                       {"conversation_id", m.conversation},
                       {"conversation_type", m.conversation_type}};
        if (!m.title.empty()) event.extra["conversation_title"] = m.title;
        // Only an employee (senderStaffId) can be looked up; outsiders go on as they are.
        const bool look_up = match_by_email_ && !m.staff_id.empty();
        if (look_up) look_up_.insert(event.id);
        if (file_limit_ == 0 || m.direct() || m.download_codes.empty()) {
            return held_.pass(std::move(event));
        }
        hold_files(m, std::move(event));
    }

    // --- pictures and files of people's messages (bridged groups) ---------------------
    //
    // With fetch_files_up_to(n > 0), a picture or file message in a group, and the
    // pictures of a richText one, are handed on with their files (core/event_files.hpp):
    // each downloadCode is exchanged for a short-lived download URL (POST
    // robot/messageFiles/download with the robotCode and the app's access token), whose
    // bytes are fetched without the token when they are at most n bytes; else, or when
    // the download fails, the file is named only (DingTalk gives no link anyone may open).
    // The group's later messages wait for the download (runtime::HeldEvents: per group, so
    // other groups do not wait), so the bot gets them in order; when the connector stops,
    // they go on at once with the files' names.

    bool fetches(const RobotMessage& m) const {
        const bool sender = !m.staff_id.empty() || !m.sender_id.empty();
        return file_limit_ > 0 && !m.direct() && m.conversation_type == "2" && sender &&
               !m.msg_id.empty() && !m.conversation.empty() && !m.download_codes.empty() &&
               (m.msgtype == "picture" || m.msgtype == "file");
    }

    // Hands an event on to the bot, its sender looked up first where asked for.
    void push_event(core::Event event) {
        if (sink_ == nullptr) return;
        if (look_up_.erase(event.id) == 0) return sink_->push(std::move(event));
        senders_.deliver(std::move(event), [this](core::Event e) {
            if (sink_ != nullptr) sink_->push(std::move(e));
        });
    }

    // The message held with its files (each named for now: the file's own name, else the
    // word for a picture) while they download one after another; its group's later
    // messages wait for it (runtime::HeldEvents), other groups do not.
    void hold_files(const RobotMessage& m, core::Event event) {
        const bool picture = m.msgtype != "file";
        std::vector<core::EventFile> files(m.download_codes.size());
        for (auto& f : files) {
            if (picture) {
                f.name = words_.picture.in(default_locale_, default_locale_);
                f.mime = "image/*";
            } else {
                f.name = m.file_name.empty() ? words_.file.in(default_locale_, default_locale_)
                                             : m.file_name;
            }
        }
        const auto ticket = held_.hold(std::move(event), files, files.size());
        if (ticket == 0) {
            spdlog::warn(
                "dingtalk {}: {} files are being fetched already; the files of {} go on by "
                "their names",
                settings_.name, held_.downloads(), m.msg_id);
            return;
        }
        fetch_files(m, 0, ticket, std::move(files));
    }

    void fetch_files(const RobotMessage& m, std::size_t next, runtime::HeldEvents::Ticket ticket,
                     std::vector<core::EventFile> files) {
        if (next >= m.download_codes.size() || !held_.waiting(ticket)) return;
        const bool picture = m.msgtype != "file";
        core::EventFile file = files[next];
        const std::string base = file.name;
        auto done = [this, m, next, ticket, files](core::EventFile f) {
            if (held_.done(ticket, next, std::move(f))) fetch_files(m, next + 1, ticket, files);
        };
        auto failed = [this, m, done, file](const std::string& why) mutable {
            spdlog::warn("dingtalk {}: a file of {} was not fetched ({}); its name goes on",
                         settings_.name, m.msg_id, why);
            done(std::move(file));
        };
        with_token([this, m, next, file, done, failed, picture, base](
                       const std::string& token, const Answer& failure) mutable {
            if (token.empty()) return failed("oauth2/accessToken: " + failure.outcome.message);
            runtime::Request req = runtime::Request::json_post(
                settings_.api_url + "/v1.0/robot/messageFiles/download",
                {{"downloadCode", m.download_codes[next]},
                 {"robotCode", m.robot_code.empty() ? settings_.robot_code : m.robot_code}});
            req.headers.emplace_back("x-acs-dingtalk-access-token", token);
            call(
                std::move(req),
                [this, file, done, failed, token, picture, base](runtime::Result r) mutable {
                    const Answer a = answer_of(r);
                    const std::string url = string_field(a.body, "downloadUrl");
                    if (a.outcome.kind != Kind::ok || !runtime::is_http_url(url)) {
                        if (a.outcome.kind == Kind::auth) token_.refused(token);
                        return failed(
                            "robot/messageFiles/download: " +
                            (a.outcome.code.empty() ? "" : a.outcome.code + " ") +
                            (a.outcome.kind == Kind::ok ? "no downloadUrl" : a.outcome.message));
                    }
                    // A signed, short-lived link: fetched without the access token.
                    runtime::Request get;
                    get.url = url;
                    get.timeout = std::chrono::seconds(60);
                    get.max_body = static_cast<std::size_t>(file_limit_);
                    session_.call(
                        std::move(get),
                        [file, done, failed, picture, base](runtime::Result got) mutable {
                            if (!got.ok() || got.body.empty()) {
                                return failed(
                                    got.too_big       ? "larger than the bridge's max_file_bytes"
                                    : got.status == 0 ? got.error
                                                      : "HTTP " + std::to_string(got.status));
                            }
                            const std::string mime =
                                runtime::media_type_of(got.header("content-type"));
                            if (!mime.empty() && (!picture || mime.rfind("image/", 0) == 0)) {
                                file.mime = mime;
                            }
                            if (file.mime.empty()) file.mime = "application/octet-stream";
                            if (picture) file.name = runtime::picture_name(base, file.mime);
                            file.data = std::move(got.body);
                            file.size = file.data.size();
                            done(std::move(file));
                        },
                        false);
                },
                false);
        });
    }

    // --- senders' emails (directory.match_by_email) ----------------------------------
    //
    // POST oapi topapi/v2/user/get {userid, language} with the app's access token, as the
    // server API documents it. `org_email` counts: the enterprise mailbox the organisation
    // opened for the employee in DingTalk, an address the organisation itself runs. The
    // address-book `email` is typed in by an admin (or the employee) and never confirmed
    // by DingTalk, so it is not taken as proof of who writes. 60121 (no such user) is
    // remembered; any other failure lets the message go on as from an unknown sender and
    // the sender is asked again later (runtime::SenderLookup).
    void fetch_sender(const std::string& user, std::function<void(runtime::SenderInfo)> done) {
        with_token([this, user, done = std::move(done)](const std::string& token,
                                                        const Answer& failure) {
            runtime::SenderInfo info;
            if (token.empty()) {
                sender_failed("oauth2/accessToken: " + failure.outcome.message);
                info.retry_after = failure.retry_after;
                return done(info);
            }
            runtime::Request req = runtime::Request::json_post(
                settings_.oapi_url + "/topapi/v2/user/get?access_token=" + core::url_encode(token),
                {{"userid", user}, {"language", "zh_CN"}});
            req.timeout = settings_.lookup_timeout;
            call(std::move(req), [this, done, token](runtime::Result r) {
                runtime::SenderInfo info;
                const json body = r.json();
                const long long errcode = integer_field(body, "errcode", -2);
                if (r.ok() && errcode == 0) {
                    info.outcome = runtime::SenderInfo::Outcome::found;
                    info.email = string_field(http::object_field(body, "result"), "org_email");
                } else if (r.ok() && (errcode == 60121 || errcode == 33012)) {
                    info.outcome = runtime::SenderInfo::Outcome::unknown;  // no such user
                } else {
                    if (r.ok() && errcode == 40014) token_.refused(token);  // expired: renew
                    sender_failed(runtime::lookup_failure(r, session_.redact(r.error), token,
                                                          errcode, string_field(body, "errmsg"),
                                                          info));
                }
                done(info);
            });
        });
    }

    void sender_failed(const std::string& why) {
        if (!session_.once("user/get: " + why)) return;
        spdlog::warn(
            "dingtalk {}: cannot look up a sender (topapi/v2/user/get: {}); they are treated as "
            "unknown until it answers. Grant the app 成员信息读权限 and the permission for "
            "email and other personal information (docs/connectors/dingtalk.md); logged once",
            settings_.name, why);
    }

    // A click on a card's button or a menu choice: handed to the bot as an action event
    // from the clicker, who gets every answer directly. The card changes only when the
    // bot settles the decision (update_card).
    void on_card_click(const Frame& frame) {
        CardClick c;
        switch (read_card_click(frame.data, c)) {
            case CardRead::ok:
                break;
            case CardRead::not_json:
                spdlog::warn("dingtalk {}: a card callback whose data is not JSON was dropped",
                             settings_.name);
                return;
            case CardRead::incomplete:
                spdlog::warn(
                    "dingtalk {}: a card callback without userId, outTrackId or token was "
                    "dropped",
                    settings_.name);
                return;
        }
        // A callback DingTalk delivers again keeps its messageId.
        const std::string key =
            "card:" + (frame.message_id.empty() ? c.out_track_id + ":" + c.user_id + ":" + c.token
                                                : frame.message_id);
        if (!seen_.first(key)) {
            spdlog::debug("dingtalk {}: card callback {} delivered again; ignored", settings_.name,
                          frame.message_id);
            return;
        }
        if (sink_ == nullptr) return;
        core::Event event;
        event.id = settings_.name + ":" + key;
        event.kind = core::EventKind::action;
        event.who = {settings_.name, c.user_id, c.user_id};
        event.where = {settings_.name, "@" + c.user_id, ""};
        event.direct = true;
        event.text = c.token;
        event.at = clock_->now();
        event.extra = {{"message_id", card_id(c.out_track_id)},
                       {"out_track_id", c.out_track_id},
                       {"space_type", c.space_type}};
        sink_->push(std::move(event));
    }

    std::string card_id(const std::string& out_track_id) const {
        return settings_.name + ":card:" + out_track_id;
    }

    // A picture, file, voice message ... is not read; its writer is told so (once per
    // message), in the conversation it came from.
    void answer_not_text(const RobotMessage& m) {
        const std::string user = m.staff_id.empty() ? m.sender_id : m.staff_id;
        const bool direct = m.conversation_type == "1";
        if (!words_.text_only.any() || m.msg_id.empty() || user.empty() || m.conversation.empty()) {
            return;
        }
        if (!seen_.first(m.msg_id)) return;
        const std::string channel = direct ? "@" + user : m.conversation;
        if (!m.session_webhook.empty() && runtime::is_http_url(m.session_webhook)) {
            remember_session(channel, {m.session_webhook, m.session_expires_ms});
        }
        core::Post post;
        post.to = {settings_.name, channel, ""};
        post.text = text_only_for(user, post.locale);
        post.reply_to = m.msg_id;
        deliver(post, nullptr);
    }

    // The answer to a message that is not text, in the writer's language when the
    // directory knows it (the Roster), else in the bot's default language.
    std::string text_only_for(const std::string& user, std::string& locale) {
        locale = runtime::reader_locale(roster_, user, default_locale_);
        return words_.text_only.in(locale, default_locale_);
    }

    void remember_session(const std::string& channel, Session session) {
        const std::int64_t now = core::to_millis(clock_->now());
        if (sessions_.size() >= 2000) {
            for (auto it = sessions_.begin(); it != sessions_.end();) {
                it = it->second.expires_ms <= now ? sessions_.erase(it) : std::next(it);
            }
            if (sessions_.size() >= 2000) sessions_.erase(sessions_.begin());
        }
        sessions_[channel] = std::move(session);
    }

    // --- access token --------------------------------------------------------------------
    //
    // One token for the app (runtime::AccessToken), renewed `token_margin` before its
    // expireIn ends; the posts that need it while it is being fetched wait for that one
    // request.

    runtime::Request token_request() const {
        runtime::Request req = runtime::Request::json_post(
            settings_.api_url + "/v1.0/oauth2/accessToken",
            {{"appKey", settings_.client_id}, {"appSecret", settings_.client_secret.reveal()}});
        req.headers.emplace_back("Accept", "application/json");
        return req;
    }

    // Why no token came (what the posts waiting for it are told).
    Answer token_failure(const runtime::Result& r) const {
        Answer a = answer_of(r);
        if (a.outcome.kind == Kind::ok) {
            a.outcome = {Kind::transient, "", "oauth2/accessToken gave no accessToken"};
        }
        if (a.outcome.kind == Kind::auth) a.outcome.kind = Kind::permanent;
        return a;
    }

    runtime::AccessToken::Grant read_token(const runtime::Result& r) {
        const Answer a = answer_of(r);
        const std::string token = string_field(a.body, "accessToken");
        if (a.outcome.kind == Kind::ok && !token.empty()) {
            std::lock_guard<std::mutex> s(status_mu_);
            ++status_.token_fetches;
            return {token, std::chrono::seconds(integer_field(a.body, "expireIn", 7200))};
        }
        const Answer failure = token_failure(r);
        spdlog::error("dingtalk {}: cannot get an access token: {}{}", settings_.name,
                      failure.outcome.code.empty() ? "" : failure.outcome.code + " ",
                      failure.outcome.message);
        return {};
    }

    void with_token(TokenDone done) {
        token_.get_as<Answer>([this](const runtime::Result& r) { return token_failure(r); },
                              std::move(done));
    }

    // --- sending -------------------------------------------------------------------------
    //
    // Posts to one conversation go out one after the other (SerialQueues keyed by the
    // conversation); throttling pauses that conversation, so no later post overtakes the
    // one that waits.

    void start_job(const std::shared_ptr<SendJob>& job) override {
        if (session_.stopping()) {
            return complete(
                job, {false, "", "DingTalk connector " + settings_.name + " is stopping", true});
        }
        job->channel = job->post.to.channel;
        if (job->channel.empty() || job->channel == "@") {
            return complete(job, {false, "", "no conversation to post to", false});
        }
        if (!core::valid_utf8(job->post.text)) {
            return complete(job, {false, "", "the text is not valid UTF-8", false});
        }
        if (!job->post.replaces.empty()) {
            job->stage = SendJob::Stage::update;
            return update_card(job);
        }
        if (!job->post.actions.empty()) {
            if (!settings_.card_template_id.empty() && fits_card(job->post)) {
                job->stage = SendJob::Stage::card;
                job->out_track_id = out_track_id_of(job->post, job->channel);
                return send_card(job);
            }
            if (!settings_.card_template_id.empty()) {
                spdlog::info(
                    "dingtalk {}: a post's {} actions do not fit one card; sent as text with "
                    "the typed choices",
                    settings_.name, job->post.actions.size());
            }
            return send_as_text(job);
        }
        send_text(job);
    }

    void send_text(const std::shared_ptr<SendJob>& job) {
        job->stage = SendJob::Stage::text;
        job->pieces = http::split_message(job->post.text, settings_.max_chars);
        if (job->pieces.empty()) return after_text(job);
        send_piece(job);
    }

    // The post's text with its typed choices ("To answer, type: ..."), no buttons.
    void send_as_text(const std::shared_ptr<SendJob>& job) {
        if (!job->post.actions_text.empty()) {
            job->post.text += (job->post.text.empty() ? "" : "\n\n") + job->post.actions_text;
        }
        job->post.actions.clear();
        send_text(job);
    }

    // Where a job goes on after waiting out throttling.
    void resume(const std::shared_ptr<SendJob>& job) {
        switch (job->stage) {
            case SendJob::Stage::card:
                return send_card(job);
            case SendJob::Stage::update:
                return update_card(job);
            case SendJob::Stage::text:
                return send_piece(job);
        }
    }

    // The card's outTrackId. DingTalk calls it the card's idempotency id (同一个outTrackId
    // 重复创建，卡片数据不覆盖更新): derived from the post's dedupe key, a post the outbox
    // sends again after a lost answer names the same card, and DingTalk keeps the one it
    // delivered, whose buttons keep working. Without a dedupe key: random.
    std::string out_track_id_of(const core::Post& post, const std::string& channel) {
        if (post.dedupe_key.empty()) return new_out_track_id();
        return "tt-" + core::sha256_hex(settings_.name + "\n" + channel + "\n" + post.dedupe_key)
                           .substr(0, 24);
    }

    std::string new_out_track_id() {
        static const char* hex = "0123456789abcdef";
        std::string id = "tt-";
        for (int i = 0; i < 24; ++i) id += hex[random_() % 16];
        return id;
    }

    // --- interactive cards ---------------------------------------------------------------

    // The token could not be had: as for a message (throttled waits, else the outbox
    // tries again later).
    void no_token(const std::shared_ptr<SendJob>& job, const Answer& failure) {
        if (failure.outcome.kind == Kind::throttled) {
            return wait_and_retry(job, failure.retry_after, "oauth2/accessToken");
        }
        complete(job, {false, job->first_id,
                       "oauth2/accessToken: " +
                           (failure.outcome.code.empty() ? "" : failure.outcome.code + " ") +
                           failure.outcome.message,
                       true});
    }

    // createAndDeliver: the card is created from the template and delivered to the group
    // or the one-to-one chat with the robot in one call. Its outTrackId is the post's id.
    void send_card(const std::shared_ptr<SendJob>& job) {
        with_token([this, job](const std::string& token, const Answer& failure) {
            if (session_.stopping()) {
                return complete(job, {false, "", "connector stopped", true});
            }
            if (token.empty()) return no_token(job, failure);
            runtime::Request req = runtime::Request::json_post(
                settings_.api_url + "/v1.0/card/instances/createAndDeliver",
                create_and_deliver_body(settings_.card_template_id, job->out_track_id,
                                        settings_.robot_code, job->channel,
                                        card_params(job->post)));
            req.headers.emplace_back("x-acs-dingtalk-access-token", token);
            call(std::move(req), [this, job, token](runtime::Result r) {
                Answer a = answer_of(r);
                if (a.outcome.kind == Kind::ok) {
                    const std::string why = undelivered_reason(a.body);
                    if (why.empty()) {
                        job->first_id = card_id(job->out_track_id);
                        return after_text(job);
                    }
                    a.outcome = {Kind::permanent, "deliverResults", why};
                }
                const std::string step = "card/instances/createAndDeliver";
                if (a.outcome.kind == Kind::permanent && repeated_card(a.outcome)) {
                    // The card of this post was delivered by an earlier attempt whose answer
                    // was lost: it stands, with its buttons.
                    spdlog::info("dingtalk {}: card {} was delivered before; kept", settings_.name,
                                 job->out_track_id);
                    job->first_id = card_id(job->out_track_id);
                    return after_text(job);
                }
                switch (a.outcome.kind) {
                    case Kind::auth:
                        if (!job->auth_retried) {
                            job->auth_retried = true;
                            token_.refused(token);
                            return send_card(job);
                        }
                        return failed(job, step, a);
                    case Kind::permanent:
                        // A template that is not published or not this app's, a missing
                        // permission, a robot not in the group: the post still goes out,
                        // as text with the typed choices.
                        spdlog::error(
                            "dingtalk {}: the card for {} was refused ({}{}); sent as text with "
                            "the typed choices. Check card_template_id (published, bound to "
                            "this app) and the Card.Instance.Write permission "
                            "(docs/connectors/dingtalk.md)",
                            settings_.name, job->channel,
                            a.outcome.code.empty() ? "" : a.outcome.code + " ", a.outcome.message);
                        return send_as_text(job);
                    default:
                        return failed(job, step, a);
                }
            });
        });
    }

    // DingTalk's answer to a card id it has seen already, should it refuse one (its
    // documentation says a repeated outTrackId creates nothing new).
    static bool repeated_card(const ApiOutcome& o) {
        const std::string text = core::ascii_lower(o.code + " " + o.message);
        const bool names_id = text.find("outtrackid") != std::string::npos ||
                              text.find("outtraceid") != std::string::npos;
        return names_id && (text.find("exist") != std::string::npos ||
                            text.find("repeat") != std::string::npos ||
                            text.find("duplicat") != std::string::npos);
    }

    // A settled post: its card shows the outcome line in place of the buttons.
    // `replaces` is the id this connector gave the card: NAME:card:OUTTRACKID.
    void update_card(const std::shared_ptr<SendJob>& job) {
        const std::string prefix = settings_.name + ":card:";
        const std::string& id = job->post.replaces;
        if (id.rfind(prefix, 0) != 0 || id.size() == prefix.size()) {
            if (id.rfind(settings_.name + ":", 0) == 0) {
                // It went out as text (the card was refused or too big): nothing to update.
                spdlog::info("dingtalk {}: {} was sent as text; no card to update", settings_.name,
                             id);
                return complete(job, {true, id, "", true});
            }
            return complete(job, {false, "", "not a DingTalk card id: " + id, false});
        }
        const std::string out_track_id = id.substr(prefix.size());
        with_token([this, job, out_track_id](const std::string& token, const Answer& failure) {
            if (session_.stopping()) {
                return complete(job, {false, "", "connector stopped", true});
            }
            if (token.empty()) return no_token(job, failure);
            runtime::Request req = runtime::Request::json_post(
                settings_.api_url + "/v1.0/card/instances",
                update_card_body(out_track_id, settled_card_params(job->post.text)));
            req.method = "PUT";
            req.headers.emplace_back("x-acs-dingtalk-access-token", token);
            call(std::move(req), [this, job, token](runtime::Result r) {
                Answer a = answer_of(r);
                if (a.outcome.kind == Kind::ok && a.body.is_object() &&
                    a.body.value("success", true) == false) {
                    a.outcome = {Kind::permanent, "success=false", "the card was not updated"};
                }
                switch (a.outcome.kind) {
                    case Kind::ok:
                        return complete(job, {true, job->post.replaces, "", true});
                    case Kind::auth:
                        if (!job->auth_retried) {
                            job->auth_retried = true;
                            token_.refused(token);
                            return update_card(job);
                        }
                        return failed(job, "card/instances (update)", a);
                    default:
                        return failed(job, "card/instances (update)", a);
                }
            });
        });
    }

    void send_piece(const std::shared_ptr<SendJob>& job) {
        if (session_.stopping()) {
            return complete(job, {false, job->first_id, "connector stopped", true});
        }
        if (job->next >= job->pieces.size()) return after_text(job);
        auto session = sessions_.find(job->channel);
        if (session != sessions_.end()) {
            // A little before its end: a post must not arrive the moment it expires.
            const std::int64_t now = core::to_millis(clock_->now());
            if (session->second.expires_ms > now + 5000) {
                return post_session(job, session->second.url);
            }
            sessions_.erase(session);
        }
        post_api(job);
    }

    // --- pictures ----------------------------------------------------------------------
    //
    // After the text (or the card): each picture of `Post::attachments` (e.g. the weekly
    // metrics chart) is uploaded as media (oapi media/upload, as the official SDK does)
    // and sent as msgKey sampleImageMsg with the mediaId as photoURL. A picture that
    // fails is logged and left out; the text went out already.

    static constexpr std::size_t max_image_bytes = 20 * 1024 * 1024;

    // Other files go the same way as media of type file and are sent as msgKey sampleFile
    // (mediaId, fileName, fileType: the name's extension); DingTalk takes files of up to
    // 20 MB (doc, docx, xls, xlsx, ppt, pptx, zip, pdf, rar), refusing the others at
    // upload, which is logged.
    static bool is_picture(const core::Attachment& a) { return a.mime.rfind("image/", 0) == 0; }

    void after_text(const std::shared_ptr<SendJob>& job) {
        const auto& files = job->post.attachments;
        if (job->attachment >= files.size() || session_.stopping()) {
            return complete(job, {true, job->first_id, "", true});
        }
        const core::Attachment& file = files[job->attachment];
        if (file.data.empty() || file.data.size() > max_image_bytes) {
            return image_failed(job, std::to_string(file.data.size()) +
                                         " bytes: DingTalk takes files of 1 byte to 20 MB");
        }
        upload_image(job);
    }

    // A file DingTalk did not take is named in a text message of its own
    // (`file_left_out` of dingtalk.yaml), so the conversation learns a file was there; the
    // text went out already. Logged either way.
    void image_failed(const std::shared_ptr<SendJob>& job, const std::string& why) {
        const core::Attachment& a = job->post.attachments[job->attachment];
        const std::string name =
            a.name.empty() ? words_.unnamed.in(job->post.locale, default_locale_) : a.name;
        spdlog::warn("dingtalk {}: the {} {} was not sent to {} ({}); the text was", settings_.name,
                     is_picture(a) ? "picture" : "file", name, job->channel, why);
        ++job->attachment;
        const std::string note =
            words_.left_out.in_with(job->post.locale, default_locale_, "name", name);
        if (note.empty() || session_.stopping()) return after_text(job);
        with_token([this, job, note](const std::string& token, const Answer&) {
            if (token.empty()) return after_text(job);
            std::string path;
            runtime::Request req =
                robot_request(job->channel, token, robot_body(note, false), path);
            call(std::move(req), [this, job, path](runtime::Result r) {
                const Answer a = answer_of(r);
                if (a.outcome.kind != Kind::ok) {
                    spdlog::warn("dingtalk {}: the note of a left-out file was not sent to {}: {}",
                                 settings_.name, job->channel, path);
                }
                after_text(job);
            });
        });
    }

    void upload_image(const std::shared_ptr<SendJob>& job) {
        with_token([this, job](const std::string& token, const Answer& failure) {
            if (token.empty())
                return image_failed(job, "no access token: " + failure.outcome.message);
            const core::Attachment& file = job->post.attachments[job->attachment];
            const bool picture = is_picture(file);
            const std::string name =
                !file.name.empty() ? file.name
                : picture          ? runtime::picture_name(
                                         words_.picture.in(job->post.locale, default_locale_), file.mime)
                          : words_.file.in(job->post.locale, default_locale_);
            runtime::Request req = runtime::Request::multipart_post(
                settings_.oapi_url + "/media/upload?access_token=" + core::url_encode(token),
                {{"type", picture ? "image" : "file", "", ""},
                 {"media", file.data, name,
                  file.mime.empty() ? "application/octet-stream" : file.mime}});
            call(std::move(req), [this, job](runtime::Result r) {
                const json body = r.json();
                const long long errcode = integer_field(body, "errcode", 0);
                const std::string media_id = string_field(body, "media_id");
                if (!r.ok() || errcode != 0 || media_id.empty()) {
                    return image_failed(
                        job, "media/upload: " + (r.status == 0
                                                     ? r.error
                                                     : "HTTP " + std::to_string(r.status) +
                                                           " errcode " + std::to_string(errcode) +
                                                           " " + string_field(body, "errmsg")));
                }
                send_image(job, media_id);
            });
        });
    }

    void send_image(const std::shared_ptr<SendJob>& job, const std::string& media_id) {
        with_token([this, job, media_id](const std::string& token, const Answer& failure) {
            if (token.empty())
                return image_failed(job, "no access token: " + failure.outcome.message);
            std::string path;
            const core::Attachment& file = job->post.attachments[job->attachment];
            const std::string name =
                file.name.empty() ? words_.file.in(job->post.locale, default_locale_) : file.name;
            const MessageBody message =
                is_picture(file)
                    ? MessageBody{"sampleImageMsg", image_msg_param(media_id)}
                    : MessageBody{"sampleFile", json{{"mediaId", media_id},
                                                     {"fileName", name},
                                                     {"fileType", runtime::extension_of(name)}}
                                                    .dump()};
            runtime::Request req = robot_request(job->channel, token, message, path);
            call(std::move(req), [this, job, path](runtime::Result r) {
                const Answer a = answer_of(r);
                if (a.outcome.kind != Kind::ok) {
                    return image_failed(
                        job, path + ": " + (a.outcome.code.empty() ? "" : a.outcome.code + " ") +
                                 a.outcome.message);
                }
                const std::string key = string_field(a.body, "processQueryKey");
                if (job->first_id.empty() && !key.empty()) {
                    job->first_id = settings_.name + ":" + key;
                }
                ++job->attachment;
                after_text(job);
            });
        });
    }

    // A robot message to a conversation: one-to-one ("@STAFF") or a group.
    runtime::Request robot_request(const std::string& channel, const std::string& token,
                                   const MessageBody& message, std::string& path) const {
        const bool direct = channel[0] == '@';
        json body = {{"robotCode", settings_.robot_code},
                     {"msgKey", message.msg_key},
                     {"msgParam", message.msg_param}};
        if (direct) {
            body["userIds"] = json::array({channel.substr(1)});
            path = "/v1.0/robot/oToMessages/batchSend";
        } else {
            body["openConversationId"] = channel;
            path = "/v1.0/robot/groupMessages/send";
        }
        runtime::Request req = runtime::Request::json_post(settings_.api_url + path, body);
        req.headers.emplace_back("x-acs-dingtalk-access-token", token);
        return req;
    }

    void piece_sent(const std::shared_ptr<SendJob>& job, const std::string& id) {
        if (job->first_id.empty()) job->first_id = id;
        ++job->next;
        send_piece(job);
    }

    // The conversation's sessionWebhook: no token needed. Any refusal (expired early,
    // throttled, robot removed) sends this piece through the robot API instead.
    void post_session(const std::shared_ptr<SendJob>& job, const std::string& url) {
        runtime::Request req = runtime::Request::json_post(
            url, session_body(job->pieces[job->next], settings_.markdown));
        call(std::move(req), [this, job](runtime::Result r) {
            const json body = r.json();
            const long long errcode = integer_field(body, "errcode", 0);
            if (r.ok() && errcode == 0) {
                return piece_sent(job,
                                  settings_.name + ":session:" + std::to_string(++session_posts_));
            }
            spdlog::info("dingtalk {}: sessionWebhook of {} refused ({}); using the robot API",
                         settings_.name, job->channel,
                         r.status == 0 ? r.error
                                       : "HTTP " + std::to_string(r.status) + " errcode " +
                                             std::to_string(errcode));
            sessions_.erase(job->channel);
            post_api(job);
        });
    }

    void post_api(const std::shared_ptr<SendJob>& job) {
        with_token([this, job](const std::string& token, const Answer& failure) {
            if (session_.stopping()) {
                return complete(job, {false, job->first_id, "connector stopped", true});
            }
            if (token.empty()) {
                // Wrong credentials or a missing permission are fixed in the console or the
                // config, after which the outbox's next try succeeds: never failed for good.
                if (failure.outcome.kind == Kind::throttled) {
                    return wait_and_retry(job, failure.retry_after, "oauth2/accessToken");
                }
                return complete(
                    job, {false, job->first_id,
                          "oauth2/accessToken: " +
                              (failure.outcome.code.empty() ? "" : failure.outcome.code + " ") +
                              failure.outcome.message,
                          true});
            }
            const bool direct = job->channel[0] == '@';
            std::string path;
            runtime::Request req = robot_request(
                job->channel, token, robot_body(job->pieces[job->next], settings_.markdown), path);
            call(std::move(req), [this, job, token, direct, path](runtime::Result r) {
                Answer a = answer_of(r);
                if (a.outcome.kind == Kind::ok && direct) {
                    const std::string user = job->channel.substr(1);
                    auto lists = [&](const char* key) {
                        const json& list = a.body.contains(key) ? a.body[key] : json();
                        if (!list.is_array()) return false;
                        for (const auto& id : list) {
                            if (id.is_string() && id.get<std::string>() == user) return true;
                        }
                        return false;
                    };
                    if (lists("invalidStaffIdList")) {
                        a.outcome = {Kind::permanent, "invalidStaffIdList",
                                     user + " is not a staff id the robot can reach"};
                    } else if (lists("flowControlledStaffIdList")) {
                        a.outcome = {Kind::throttled, "flowControlledStaffIdList",
                                     "too many messages to " + user};
                    }
                }
                switch (a.outcome.kind) {
                    case Kind::ok:
                        return piece_sent(
                            job, settings_.name + ":" + string_field(a.body, "processQueryKey"));
                    case Kind::auth:
                        if (!job->auth_retried) {
                            // Expired or revoked early: one new token, one more try.
                            job->auth_retried = true;
                            token_.refused(token);
                            spdlog::info("dingtalk {}: access token refused; getting a new one",
                                         settings_.name);
                            return post_api(job);
                        }
                        return failed(job, path, a);
                    default:
                        return failed(job, path, a);
                }
            });
        });
    }

    void failed(const std::shared_ptr<SendJob>& job, const std::string& step, const Answer& a) {
        if (a.outcome.kind == Kind::throttled) return wait_and_retry(job, a.retry_after, step);
        const std::string error =
            step + ": " + (a.outcome.code.empty() ? "" : a.outcome.code + " ") + a.outcome.message;
        complete(job, {false, job->first_id, error, a.outcome.kind != Kind::permanent});
    }

    // Throttled: the conversation waits (DingTalk's Retry-After, else `throttle_wait`),
    // then the post goes on where it stopped; the posts behind it wait too.
    void wait_and_retry(const std::shared_ptr<SendJob>& job, std::chrono::milliseconds wait,
                        const std::string& step) {
        retry_later(job, wait, settings_.max_retry_wait, step, "throttled",
                    [this, job] { resume(job); });
    }

    DingTalkSettings settings_;
    const runtime::FileWords words_;  ///< dingtalk.yaml: text_only, file_left_out, names of files
    std::uint64_t file_limit_ = 0;    ///< fetch_files_up_to(); set before start()
    runtime::AccessToken token_;

    // The connector thread's state.
    bool stream_up_ = false;  ///< a frame arrived on the current stream
    bool connected_ = false;
    std::string local_ip_;
    runtime::RecentIds seen_;
    std::set<std::string> known_groups_;       ///< openConversationIds listed in `channels:`
    std::map<std::string, Session> sessions_;  ///< by channel ("@staff" or cid...)
    unsigned long long session_posts_ = 0;
    std::mt19937_64 random_{std::random_device{}()};  ///< card outTrackIds

    http::WsLink link_;
    runtime::SenderLookup senders_;  ///< senders' org_email, events waiting for it
    std::set<std::string> look_up_;  ///< ids of held events whose sender is looked up first
    /// Events waiting for the files of earlier ones of their conversation.
    runtime::HeldEvents held_{[this](core::Event e) { push_event(std::move(e)); }};
};

}  // namespace

ConnectorType connector_type() {
    return either(
        stream_mode, settings_type<DingTalkSettings>("dingtalk", read_settings, make_dingtalk),
        with_mode(robots::connector_type(robots::Platform::dingtalk), {"stream", "robot"}));
}

std::unique_ptr<Connector> make_dingtalk(DingTalkSettings settings,
                                         const ConnectorContext& context) {
    return make_connector<DingTalkConnector>("make_dingtalk", std::move(settings), context);
}

DingTalkStatus dingtalk_status(const Connector& connector) {
    return status_of<DingTalkConnector>(connector);
}

}  // namespace twintrack::connectors::dingtalk
