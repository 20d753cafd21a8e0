#include "connectors/wecom/aibot_connector.hpp"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <stdexcept>

#include "connectors/http/text_pieces.hpp"
#include "connectors/http/ws_link.hpp"
#include "connectors/runtime/connector_config.hpp"
#include "connectors/runtime/connector_words.hpp"
#include "connectors/runtime/recent_ids.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/runtime/session_connector.hpp"
#include "connectors/runtime/transport.hpp"
#include "connectors/wecom/aibot_frames.hpp"
#include "connectors/wecom/wecom_connector.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::wecom {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// ---------------------------------------------------------------------------------------
// Config

void read_aibot_settings(core::SectionReader& section, AibotSettings& s) {
    section.choice("mode", {"app", "aibot"});
    static const std::regex id("^[A-Za-z0-9_-]{4,128}$");
    if (auto bot = section.string("bot_id", true)) {
        if (!std::regex_match(*bot, id)) {
            section.error("bot_id",
                          "must be the AI bot's Bot ID (智能机器人 > API 模式 > 长连接: letters, "
                          "digits, _ and -), not its name");
        } else {
            s.bot_id = *bot;
        }
    }
    if (auto secret = section.secret("secret", true)) s.secret = *secret;
    if (auto url = section.string("ws_url")) {
        if (url->rfind("wss://", 0) != 0 && url->rfind("ws://", 0) != 0) {
            section.error(
                "ws_url",
                "must start with wss:// (or ws:// for a local test server); got \"" + *url + "\"");
        } else {
            s.ws_url = *url;
        }
    }
    if (auto n = section.integer("heartbeat_seconds", 5, 120)) {
        s.heartbeat = std::chrono::seconds(*n);
    }
    runtime::read_max_chars(section, s.max_chars, 500, 6000);
    runtime::read_transport(section, s.proxy, s.tls_ca_file);
    runtime::read_channel_ids(
        section, s, runtime::id_pattern("[A-Za-z0-9_@.-]{1,128}"),
        "is not a WeCom group chatid (the `chatid` of a group message to the bot; the "
        "connector logs it the first time the group writes)");
}

// "Busy" answers after which the same message is tried again.
bool aibot_busy(long long code) { return code == -1 || code == 45009 || code == 45033; }
// A req_id WeCom no longer takes an answer on (invalid, or the stream expired): the
// answer goes as a message of its own instead. As seen from WeCom's gateway.
bool stale_req_id(long long code) { return code == 846605 || code == 846608; }

// ---------------------------------------------------------------------------------------
// The connector

struct AibotJob : runtime::PostJob {
    std::string chat_id;        ///< the member's userid or the group's chatid
    std::string req_id;         ///< of the frame waiting for WeCom's answer
    bool responding = false;    ///< that frame answers a callback (aibot_respond_msg)
    std::uint64_t ack_seq = 0;  ///< which wait for an answer is current
};

struct AibotCallback {
    std::string req_id;
    core::Timestamp at;
};

class AibotConnector final : public runtime::PostingConnector<AibotStatus, AibotJob> {
  public:
    AibotConnector(AibotSettings settings, const ConnectorContext& context)
        : PostingConnector({"WeCom",
                            "wecom",
                            settings.name,
                            {"", settings.tls_ca_file},
                            settings.backoff_initial,
                            settings.backoff_max,
                            {settings.secret.reveal()}},
                           context, runtime::SendLimits{0, 0, 0, 0, 0}),
          settings_(std::move(settings)),
          not_text_(context.prompts_dir, "wecom.yaml", "messages", "not_text"),
          seen_(settings_.dedupe_window),
          link_(link_handlers<http::WsLink::Handlers>(), settings_.tls_ca_file) {
        for (const auto& ch : settings_.channels) known_groups_.insert(ch.name);
        runtime::Protocol protocol;
        protocol.connect = [this] { open(); };
        protocol.drop = [this] { link_.close(); };
        protocol.halt = [this] { link_.stop(); };
        protocol.on_stop = [this] { fail_waiting("connector stopped"); };
        session_.set_protocol(std::move(protocol));
    }

    ~AibotConnector() override { stop(); }

  private:
    std::string new_id(const char* prefix) {
        static const char* hex = "0123456789abcdef";
        std::string id = std::string(prefix) + "_";
        for (int i = 0; i < 20; ++i) id += hex[random_() % 16];
        return id;
    }

    void set_connected(bool up) {
        std::lock_guard<std::mutex> lock(status_mu_);
        status_.connected = up;
    }

    // --- the connection ------------------------------------------------------------------

    void open() {
        if (superseded_) {
            spdlog::warn(
                "wecom {}: not reconnecting: another connection subscribed with this Bot ID "
                "(WeCom keeps one per bot); restart TwinTrack once the other one is gone",
                settings_.name);
            return;
        }
        subscribed_ = false;
        spdlog::info("wecom {}: opening the AI bot long connection to {}", settings_.name,
                     settings_.ws_url);
        link_.connect(
            settings_.ws_url, {},
            runtime::proxy_for(settings_.ws_url, {settings_.proxy, settings_.tls_ca_file}));
    }

    void on_link_open() override {
        if (session_.stopping()) return;
        ++generation_;
        missed_pings_ = 0;
        {
            std::lock_guard<std::mutex> lock(status_mu_);
            ++status_.connections;
        }
        subscribe_req_id_ = new_id(aibot_cmd::subscribe);
        link_.send(subscribe_frame(subscribe_req_id_, settings_.bot_id, settings_.secret.reveal()));
    }

    void on_link_closed(const std::string& why) override {
        const bool was = subscribed_;
        subscribed_ = false;
        ++generation_;
        set_connected(false);
        fail_waiting("the connection to WeCom closed before it answered");
        if (superseded_) return;
        session_.down(std::string(was ? "AI bot connection lost: " : "AI bot connection failed: ") +
                      why);
    }

    void on_link_message(const std::string& text) override {
        if (session_.stopping()) return;
        AibotFrame frame;
        if (!read_aibot_frame(text, frame)) {
            return session_.ignored("a frame that is not a JSON object with headers.req_id");
        }
        if (frame.cmd == aibot_cmd::msg_callback) return on_message(frame);
        if (frame.cmd == aibot_cmd::event_callback) return on_event(frame);
        if (!frame.cmd.empty()) return session_.ignored("command " + frame.cmd);
        // An answer to a frame of ours, by its req_id.
        if (frame.req_id == subscribe_req_id_) return on_subscribed(frame);
        if (frame.req_id.rfind("ping_", 0) == 0) {
            missed_pings_ = 0;
            std::lock_guard<std::mutex> lock(status_mu_);
            ++status_.heartbeats;
            return;
        }
        auto it = waiting_.find(frame.req_id);
        if (it == waiting_.end()) return session_.ignored("an answer to no frame of ours");
        auto job = it->second;
        waiting_.erase(it);
        on_answer(job, frame);
    }

    void on_subscribed(const AibotFrame& frame) {
        if (!frame.has_errcode || frame.errcode != 0) {
            spdlog::error(
                "wecom {}: aibot_subscribe refused: errcode {} ({}); check bot_id and the "
                "Secret (智能机器人 > API 模式 > 长连接)",
                settings_.name, frame.has_errcode ? std::to_string(frame.errcode) : "none",
                session_.redact(frame.errmsg));
            {
                std::lock_guard<std::mutex> lock(status_mu_);
                ++status_.subscribes_refused;
            }
            link_.close();  // on_closed: down, then the backoff's wait
            return;
        }
        subscribed_ = true;
        set_connected(true);
        session_.up();
        spdlog::info("wecom {}: AI bot subscribed", settings_.name);
        heartbeat(generation_);
    }

    // A `ping` every heartbeat; two unanswered in a row: the connection is taken as dead.
    void heartbeat(std::uint64_t generation) {
        session_.later(settings_.heartbeat, [this, generation] {
            if (session_.stopping() || generation != generation_ || !subscribed_) return;
            if (missed_pings_ >= 2) {
                spdlog::warn("wecom {}: no answer to {} heartbeats; reconnecting", settings_.name,
                             missed_pings_);
                link_.close();
                return;
            }
            ++missed_pings_;
            link_.send(ping_frame(new_id("ping")));
            heartbeat(generation);
        });
    }

    std::string locale_of(const std::string& user) const {
        return runtime::reader_locale(roster_, user, default_locale_, true);
    }

    void remember_callback(const std::string& msg_id, const std::string& req_id) {
        callbacks_[msg_id] = {req_id, clock_->now()};
        order_.push_back(msg_id);
        while (order_.size() > settings_.dedupe_window) {
            callbacks_.erase(order_.front());
            order_.pop_front();
        }
    }

    void on_message(const AibotFrame& frame) {
        AibotMessage m;
        const AibotRead read = read_aibot_message(frame.body, m);
        if (read == AibotRead::incomplete) {
            spdlog::warn(
                "wecom {}: a message callback without msgid, userid, chat type or valid text "
                "was dropped",
                settings_.name);
            return;
        }
        // WeCom pushes a message again when it had no answer in time: the latest msgids
        // recognise that, and the engine's event ids are the last guard.
        if (!seen_.first(m.msg_id)) {
            std::lock_guard<std::mutex> lock(status_mu_);
            ++status_.duplicates;
            return;
        }
        remember_callback(m.msg_id, frame.req_id);
        const std::string channel = m.group() ? m.chat_id : "@" + m.user_id;
        if (m.group() && known_groups_.count(m.chat_id) == 0 &&
            session_.once("group " + m.chat_id)) {
            spdlog::info(
                "wecom {}: a group with chatid {} writes to the bot; list it under channels: "
                "to give it a track (logged once)",
                settings_.name, m.chat_id);
        }
        if (read == AibotRead::not_text) return answer_not_text(m, channel);
        if (sink_ == nullptr) return;
        core::Event event;
        event.id = settings_.name + ":" + m.msg_id;
        event.kind = core::EventKind::message;
        event.who = {settings_.name, m.user_id, m.user_id};
        event.where = {settings_.name, channel, ""};
        event.direct = !m.group();
        event.addressed = true;  // group messages reach the bot only when they @mention it
        event.text = m.group() ? strip_leading_mentions(m.text) : std::string(core::trim(m.text));
        event.at = m.created_ms > 0 ? core::from_millis(m.created_ms) : clock_->now();
        event.extra = {{"message_id", m.msg_id}, {"chat_type", m.chattype}};
        if (m.group()) event.extra["chat_id"] = m.chat_id;
        sink_->push(std::move(event));
    }

    // A picture, file or video: its writer learns, in their language, that only text is
    // read; the answer goes back on the message's req_id.
    void answer_not_text(const AibotMessage& m, const std::string& channel) {
        core::Post post;
        post.to = {settings_.name, channel, ""};
        post.locale = locale_of(m.user_id);
        post.text = not_text_.in(post.locale, default_locale_);
        if (post.text.empty()) return;
        post.reply_to = m.msg_id;
        spdlog::info("wecom {}: {} message from {} answered: only text is read", settings_.name,
                     m.msgtype, m.user_id);
        deliver(post, nullptr);
    }

    void on_event(const AibotFrame& frame) {
        const std::string type = aibot_event_type(frame.body);
        if (type == "disconnected_event") {
            // WeCom keeps one connection per bot: a newer one (another TwinTrack with the
            // same Bot ID) took over, and reconnecting would only take it back and forth.
            superseded_ = true;
            spdlog::error(
                "wecom {}: WeCom closed this connection because another one subscribed with "
                "the same Bot ID; not reconnecting",
                settings_.name);
            link_.close();
            return;
        }
        session_.ignored("event " + (type.empty() ? std::string("without eventtype") : type));
    }

    // --- sending -------------------------------------------------------------------------

    void start_job(const std::shared_ptr<AibotJob>& job) override {
        job->channel = job->post.to.channel;
        if (job->channel.empty() || job->channel == "@") {
            return complete(job, {false, "", "no conversation to post to", false});
        }
        job->chat_id = job->channel[0] == '@' ? job->channel.substr(1) : job->channel;
        if (!core::valid_utf8(job->post.text)) {
            return complete(job, {false, "", "the text is not valid UTF-8", false});
        }
        if (!job->post.attachments.empty() && session_.once("attachments")) {
            spdlog::info("wecom {}: pictures are not sent in AI bot mode (only text); logged once",
                         settings_.name);
        }
        job->pieces = http::split_message(job->post.text, settings_.max_chars);
        if (job->pieces.empty()) return complete(job, {true, "", "", true});
        send_piece(job);
    }

    // The first piece of a reply answers the message on its req_id while WeCom takes it;
    // everything else is a message of the bot's own.
    void send_piece(const std::shared_ptr<AibotJob>& job) {
        if (session_.stopping()) {
            return complete(job, {false, job->first_id, "connector stopped", true});
        }
        if (!subscribed_) {
            return complete(job, {false, job->first_id, "not connected to WeCom", true});
        }
        const std::string& content = job->pieces[job->next];
        job->responding = false;
        if (job->next == 0 && !job->post.reply_to.empty()) {
            auto it = callbacks_.find(job->post.reply_to);
            if (it != callbacks_.end() &&
                clock_->now() - it->second.at <= settings_.respond_window) {
                job->responding = true;
                job->req_id = it->second.req_id;
            }
        }
        std::string frame;
        if (job->responding) {
            frame = respond_frame(job->req_id, new_id("stream"), content);
        } else {
            job->req_id = new_id(aibot_cmd::send);
            frame = send_frame(job->req_id, job->chat_id, content);
        }
        if (waiting_.count(job->req_id) != 0 || !link_.send(frame)) {
            return complete(job, {false, job->first_id, "not connected to WeCom", true});
        }
        waiting_[job->req_id] = job;
        const std::uint64_t seq = ++ack_seq_;
        job->ack_seq = seq;
        session_.later(settings_.ack_timeout, [this, job, seq] {
            auto it = waiting_.find(job->req_id);
            if (it == waiting_.end() || it->second != job || job->ack_seq != seq) return;
            waiting_.erase(it);
            complete(job, {false, job->first_id,
                           session_.stopping() ? "connector stopped"
                                               : "WeCom did not answer the message in time",
                           true});
        });
    }

    void on_answer(const std::shared_ptr<AibotJob>& job, const AibotFrame& frame) {
        job->ack_seq = 0;  // the wait is over
        const long long code = frame.has_errcode ? frame.errcode : 0;
        if (code == 0) {
            {
                std::lock_guard<std::mutex> lock(status_mu_);
                ++(job->responding ? status_.responds : status_.sends);
            }
            if (job->first_id.empty()) job->first_id = settings_.name + ":" + job->req_id;
            if (++job->next < job->pieces.size()) return send_piece(job);
            return complete(job, {true, job->first_id, "", true});
        }
        const std::string what =
            std::string(job->responding ? aibot_cmd::respond : aibot_cmd::send) + ": errcode " +
            std::to_string(code) + (frame.errmsg.empty() ? "" : " (" + frame.errmsg + ")");
        if (job->responding && stale_req_id(code)) {
            // The message can no longer be answered in place: a message of its own instead.
            callbacks_.erase(job->post.reply_to);
            spdlog::info("wecom {}: {}; sent as a message of its own", settings_.name, what);
            return send_piece(job);
        }
        if (aibot_busy(code)) {
            if (!runtime::pause_post(outbound_, *job, settings_.busy_wait,
                                     settings_.max_retry_wait)) {
                return complete(job, {false, job->first_id, what, true});
            }
            return session_.later(settings_.busy_wait, [this, job] { send_piece(job); });
        }
        complete(job, {false, job->first_id, what, false});
    }

    void fail_waiting(const std::string& why) {
        auto waiting = std::move(waiting_);
        waiting_.clear();
        for (auto& [req_id, job] : waiting) {
            job->ack_seq = 0;
            complete(job, {false, job->first_id, why, true});
        }
    }

    AibotSettings settings_;
    runtime::ConnectorWords not_text_;  ///< the answer to a picture, file, ...
    std::set<std::string> known_groups_;

    runtime::RecentIds seen_;
    http::WsLink link_;

    // The connector thread's state.
    bool subscribed_ = false;
    bool superseded_ = false;
    std::uint64_t generation_ = 0;  ///< counts connections, so old heartbeats stop
    int missed_pings_ = 0;
    std::string subscribe_req_id_;
    std::map<std::string, AibotCallback> callbacks_;            ///< msgid → its callback's req_id
    std::deque<std::string> order_;                             ///< msgids, oldest first
    std::map<std::string, std::shared_ptr<AibotJob>> waiting_;  ///< req_id → job
    std::uint64_t ack_seq_ = 0;
    std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace

bool aibot_section(const YAML::Node& section) {
    if (auto mode = mode_of(section)) return *mode == "aibot";
    return section["bot_id"].IsDefined();
}

ConnectorType aibot_type() {
    return settings_type<AibotSettings>("wecom", read_aibot_settings, make_aibot);
}

std::unique_ptr<Connector> make_aibot(AibotSettings settings, const ConnectorContext& context) {
    if (settings.bot_id.empty()) throw std::invalid_argument("make_aibot: no bot_id");
    return make_connector<AibotConnector>("make_aibot", std::move(settings), context);
}

AibotStatus aibot_status(const Connector& connector) {
    return status_of<AibotConnector>(connector);
}

}  // namespace twintrack::connectors::wecom
