#include "connectors/wecom/wecom_connector.hpp"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <boost/asio.hpp>
#include <ctime>
#include <filesystem>
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
#include "connectors/robots/formats.hpp"
#include "connectors/robots/robot_connector.hpp"
#include "connectors/runtime/access_token.hpp"
#include "connectors/runtime/connector_config.hpp"
#include "connectors/runtime/connector_words.hpp"
#include "connectors/runtime/http_client.hpp"
#include "connectors/runtime/media_names.hpp"
#include "connectors/runtime/recent_ids.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/runtime/session_connector.hpp"
#include "connectors/wecom/aibot_connector.hpp"
#include "connectors/wecom/send_pacer.hpp"
#include "connectors/wecom/wecom_cards.hpp"
#include "connectors/wecom/wecom_crypto.hpp"
#include "connectors/wecom/wecom_xml.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::wecom {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace http::json_reading;

// ---------------------------------------------------------------------------------------
// Config

void read_settings(core::SectionReader& section, WecomSettings& s) {
    section.choice("mode", {"app", "aibot"});
    static const std::regex corp("^[A-Za-z0-9]{6,64}$");
    if (auto id = section.string("corp_id", true)) {
        if (!std::regex_match(*id, corp)) {
            section.error("corp_id",
                          "must be the 企业ID (CorpID, such as ww1436e0e65a779aee) from My "
                          "Company > Company Information, letters and digits only");
        } else {
            s.corp_id = *id;
        }
    }
    if (auto id = section.integer("agent_id", 1, 2147483647, true)) s.agent_id = *id;
    if (auto t = section.secret("secret", true)) s.secret = *t;
    if (auto t = section.secret("token", true)) {
        s.token = *t;
        static const std::regex token("^[A-Za-z0-9]{1,32}$");
        if (!std::regex_match(t->reveal(), token)) {
            section.error("token", "${" + t->env_name() +
                                       "} must hold the callback Token: 1 to 32 letters and "
                                       "digits, as set in the app's 接收消息 settings");
        }
    }
    if (auto k = section.secret("encoding_aes_key", true)) {
        s.encoding_aes_key = *k;
        const std::string why = CallbackCrypto::check_aes_key(k->reveal());
        if (!why.empty()) section.error("encoding_aes_key", "${" + k->env_name() + "} " + why);
    }
    runtime::read_listen(section, s);
    if (auto path = section.string("path")) {
        if (path->empty() || (*path)[0] != '/' || path->find_first_of(" ?#") != std::string::npos) {
            section.error("path",
                          "must start with / and hold no spaces, ? or #, such as "
                          "/wecom/callback");
        } else {
            s.path = *path;
        }
    }
    runtime::read_base_url(section, "api_url", s.api_url);
    if (auto format = section.choice("format", {"text", "markdown"})) {
        s.markdown = *format == "markdown";
    }
    if (auto limit = section.integer("account_limit", 1, 10000000)) {
        s.account_limit = static_cast<std::size_t>(*limit);
    }
    if (auto age = section.integer("max_age_seconds", 30, 3600)) {
        s.max_age = std::chrono::seconds(*age);
    }
    runtime::read_reach(section, s);
    runtime::read_channel_ids(
        section, s, runtime::id_pattern("[A-Za-z0-9_-]{1,32}"),
        "is not a WeCom app group chat id (the chatid of appchat/create: 1 to 32 letters, "
        "digits, _ or -)");
}

// The self-built app: a section with corp_id, or one that says `mode: app` (whose missing
// corp_id is then reported). Without either, and without the AI bot's keys, the group
// robot.
bool app_section(const YAML::Node& section) {
    if (auto mode = mode_of(section)) return *mode != "aibot";
    return section["corp_id"].IsDefined() && !section["corp_id"].IsNull();
}

}  // namespace

namespace {

// ---------------------------------------------------------------------------------------
// The connector

struct SendJob : runtime::PostJob {
    bool token_retried = false;       ///< sent again once after an expired-token answer
    int busy_answers = 0;             ///< 45009 / 45033 / -1 answers so far
    bool member = false;              ///< to a member (message/send), else an app group chat
    json card;                        ///< not null: the post goes as this template card
    std::string task_id;              ///< the card's (or, for an update, the updated card's)
    std::vector<std::size_t> images;  ///< attachments sent (pictures and files), after the text
    std::string media_id;             ///< of the attachment being sent (uploaded)
    /// Files left out (`file_left_out`, one line each) that the post's text could not
    /// carry: refused by media/upload, or a card's post. Sent last, as a text message.
    std::string note;
    std::function<void()> again;  ///< makes the current call once more
};

// The errcodes after which a new access token is fetched and the call made again.
// "2026-12-07T16:00:00Z".
std::string utc_text(core::Timestamp t) {
    const std::time_t secs = static_cast<std::time_t>(core::to_millis(t) / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

bool token_expired(long long code) { return code == 40014 || code == 42001 || code == 41001; }
// "Too often" (45009 API frequency, 45033 concurrency) and -1 (系统繁忙).
bool busy(long long code) { return code == 45009 || code == 45033 || code == -1; }

class WecomConnector final : public runtime::PostingConnector<WecomStatus, SendJob> {
  public:
    WecomConnector(WecomSettings settings, const ConnectorContext& context)
        : PostingConnector({"WeCom",
                            "wecom",
                            settings.name,
                            {settings.proxy, settings.tls_ca_file},
                            std::chrono::milliseconds(1000),
                            std::chrono::milliseconds(600000),
                            {settings.secret.reveal(), settings.token.reveal(),
                             settings.encoding_aes_key.reveal()}},
                           context, settings.rate_limit),
          settings_(std::move(settings)),
          crypto_(settings_.token.reveal(), settings_.encoding_aes_key.reveal(), settings_.corp_id),
          words_(context.prompts_dir, "wecom.yaml", "not_text"),
          token_(
              session_, *clock_, [this] { return token_request(); },
              [this](const runtime::Result& r) { return read_token(r); }, settings_.token_margin),
          callbacks_([this](const http::ListenerRequest& r) { return on_http(r); }),
          senders_(
              session_.timers(),
              [this](const std::string& user, std::function<void(runtime::SenderInfo)> done) {
                  fetch_sender(user, std::move(done));
              },
              settings_.sender_lookup),
          quota_(settings_.daily_limit != 0 ? settings_.daily_limit : settings_.account_limit * 200,
                 context.data_dir.empty()
                     ? std::string()
                     : (fs::path(context.data_dir) / ("wecom-" + settings_.name + ".sent-today"))
                           .string()),
          codes_(5000, context.data_dir.empty() ? std::string()
                                                : (fs::path(context.data_dir) /
                                                   ("wecom-" + settings_.name + ".card-codes"))
                                                      .string()) {
        if (words_.text_only.in(default_locale_, "en").empty()) {
            throw std::runtime_error("no messages.not_text in " + context.prompts_dir + "/" +
                                     default_locale_ + "/wecom.yaml");
        }
        runtime::Protocol protocol;
        // Fetch a token at once: a wrong corp_id or secret shows in the log and /readyz.
        protocol.begin = [this] { with_token([](const std::string&) {}); };
        protocol.halt = [this] { callbacks_.stop(); };
        session_.set_protocol(std::move(protocol));
    }

    ~WecomConnector() override { stop(); }

    // Buttons as template cards to members; app group chats get the typed choices.
    bool shows_actions() const override { return true; }
    /// Attachments go up through media/upload (pictures as image, the rest as file).
    bool shows_images() const override { return true; }
    bool shows_files() const override { return true; }

  private:
    void prepare() override {
        const int port =
            callbacks_.serve(hooks_, settings_.name, {{"/callback", settings_.path}}, own_listener_,
                             {settings_.bind, settings_.port, settings_.path, "the app callback"},
                             session_.log_prefix());
        update_status([port](WecomStatus& s) { s.listen_port = port; });
    }

    bool link_up(const WecomStatus& status) const override {
        return status.listen_port != 0 && status.token_ok;
    }

    // --- the callback (listener thread) ------------------------------------------------

    http::ListenerResponse refuse(int status, const std::string& what) {
        {
            std::lock_guard<std::mutex> s(status_mu_);
            ++status_.refused;
        }
        spdlog::warn("wecom {}: refused a callback: {}", settings_.name, what);
        return {status, "text/plain; charset=utf-8", "refused"};
    }

    // Checks timestamp and signature; "" when both are fine, else why not.
    std::string check_request(const std::map<std::string, std::string>& q,
                              const std::string& encrypted) const {
        const auto get = [&](const char* k) {
            auto it = q.find(k);
            return it == q.end() ? std::string() : it->second;
        };
        const std::string signature = get("msg_signature");
        const std::string timestamp = get("timestamp");
        const std::string nonce = get("nonce");
        if (signature.empty() || timestamp.empty() || nonce.empty() || encrypted.empty()) {
            return "msg_signature, timestamp, nonce or the ciphertext missing";
        }
        if (timestamp.size() > 12 ||
            timestamp.find_first_not_of("0123456789") != std::string::npos) {
            return "timestamp is not a number of seconds";
        }
        const long long now = core::to_millis(clock_->now()) / 1000;
        const long long at = std::stoll(timestamp);
        const long long age = now > at ? now - at : at - now;
        if (age > settings_.max_age.count()) {
            return "timestamp " + timestamp + " is " + std::to_string(age) +
                   " s away from this server's clock (at most " +
                   std::to_string(settings_.max_age.count()) + " s; replayed, or the clock is off)";
        }
        if (!crypto_.signature_matches(signature, timestamp, nonce, encrypted)) {
            return "wrong msg_signature (forged, or the Token differs from the admin console's)";
        }
        return "";
    }

    http::ListenerResponse on_http(const http::ListenerRequest& r) {
        if (auto early = http::screen_callback(r, {settings_.path}, {"GET", "POST"})) return *early;
        std::map<std::string, std::string> q;
        for (const auto& part : http::parse_form(r.query)) q.insert(part);
        if (r.method == "GET") {
            // The URL check of the admin console. '+' in echostr may arrive unencoded
            // (read as a space); Base64 has no spaces, so they are turned back.
            std::string echostr = q.count("echostr") ? q["echostr"] : "";
            for (char& c : echostr) {
                if (c == ' ') c = '+';
            }
            const std::string why = check_request(q, echostr);
            if (!why.empty()) return refuse(401, "URL check: " + why);
            auto opened = crypto_.decrypt(echostr);
            if (opened.problem != CallbackCrypto::Problem::none) {
                return refuse(400, std::string("URL check: ") + problem_name(opened.problem));
            }
            spdlog::info("wecom {}: answered the callback URL check", settings_.name);
            return {200, "text/plain; charset=utf-8", opened.message};
        }
        const auto outer = read_xml_fields(r.body);
        if (!outer) return refuse(400, "the body is not XML");
        const std::string encrypted = field(*outer, "Encrypt");
        const std::string why = check_request(q, encrypted);
        if (!why.empty()) return refuse(401, why);
        auto opened = crypto_.decrypt(encrypted);
        if (opened.problem != CallbackCrypto::Problem::none) {
            return refuse(400, problem_name(opened.problem));
        }
        auto inner = read_xml_fields(opened.message);
        if (!inner) return refuse(400, "the decrypted message is not XML");
        const std::string agent = field(*inner, "AgentID");
        if (!agent.empty() && agent != std::to_string(settings_.agent_id)) {
            return refuse(403, "AgentID " + agent + " is not this app's (" +
                                   std::to_string(settings_.agent_id) + ")");
        }
        asio::post(session_.io(), [this, fields = std::move(*inner)] { on_message(fields); });
        return {200, "text/plain; charset=utf-8", ""};  // WeCom wants 200 within 5 s
    }

    // --- messages (connector thread) ---------------------------------------------------

    // True the first time `id` is seen (the last 5000 are remembered; WeCom redelivers a
    // callback within seconds when it had no answer, and the engine also drops event ids
    // it recorded, across restarts for every message that wrote something).
    bool first_time(const std::string& id) {
        if (seen_.first(id)) return true;
        std::lock_guard<std::mutex> s(status_mu_);
        ++status_.duplicates;
        return false;
    }

    void ignored(const std::string& what) { session_.ignored(what); }

    std::string locale_of(const std::string& user) const {
        // WeCom UserIDs are case-insensitive, as the directory's identities are.
        return runtime::reader_locale(roster_, user, default_locale_, true);
    }

    void on_message(const XmlFields& f) {
        if (sink_ == nullptr || session_.stopping()) return;
        const std::string type = field(f, "MsgType");
        const std::string user = field(f, "FromUserName");
        const std::string msg_id = field(f, "MsgId");
        if (type == "event") {
            const std::string kind = field(f, "Event");
            if (kind == "template_card_event") return on_card_click(f);
            // Other events (enter_agent, subscribe, ...) are not chat.
            return ignored("event " + kind);
        }
        if (user.empty() || msg_id.empty()) return ignored(type + " message without user or MsgId");
        if (!first_time(msg_id)) {
            spdlog::info("wecom {}: message {} delivered again; handled once", settings_.name,
                         msg_id);
            return;
        }
        if (type == "image" || type == "voice" || type == "video" || type == "file" ||
            type == "location" || type == "link") {
            // Acknowledged: the writer learns that only text is read.
            core::Post post;
            post.to = {settings_.name, "@" + user, ""};
            post.locale = locale_of(user);
            post.text = words_.text_only.in(post.locale, default_locale_);
            post.reply_to = settings_.name + ":" + msg_id;
            spdlog::info("wecom {}: {} message from {} answered: only text is read", settings_.name,
                         type, user);
            return deliver(post, nullptr);
        }
        if (type != "text") return ignored("message type " + type);
        core::Event event;
        event.id = settings_.name + ":" + msg_id;
        event.kind = core::EventKind::message;
        event.who = {settings_.name, user, user};
        event.where = {settings_.name, "@" + user, ""};
        event.direct = true;
        event.addressed = true;
        event.text = field(f, "Content");
        const std::string created = field(f, "CreateTime");
        event.at = clock_->now();
        if (!created.empty() && created.size() < 12 &&
            created.find_first_not_of("0123456789") == std::string::npos) {
            event.at = core::from_millis(std::stoll(created) * 1000);
        }
        event.extra = {{"message_id", event.id}, {"wecom_agent", settings_.agent_id}};
        if (!match_by_email_) return sink_->push(std::move(event));
        senders_.deliver(std::move(event), [this](core::Event e) {
            if (sink_ != nullptr) sink_->push(std::move(e));
        });
    }

    // --- senders (directory.match_by_email) ------------------------------------------
    //
    // GET user/get?userid= with the app's access token (读取成员). `biz_mail` counts: the
    // business mailbox WeCom hosts for the company, created by it for the member. `email`
    // is entered by an admin or the member and never confirmed by WeCom, so it is not
    // taken as proof of who writes. WeCom shows either only to apps whose visible range
    // holds the member, and not at all to self-built apps created after 2022-06-20: then
    // nobody is matched and `link` stays the way. 60111 (no such member) is remembered;
    // any other failure lets the message go on as from an unknown sender, and the member
    // is asked again later (runtime::SenderLookup).
    void fetch_sender(const std::string& user, std::function<void(runtime::SenderInfo)> done) {
        with_token([this, user, done = std::move(done)](const std::string& token) {
            runtime::SenderInfo info;
            if (token.empty()) {
                sender_failed("no access token (gettoken failed)");
                return done(info);
            }
            runtime::Request req;
            req.url = settings_.api_url +
                      "/cgi-bin/user/get?access_token=" + runtime::url_encode(token) +
                      "&userid=" + runtime::url_encode(user);
            req.timeout = settings_.lookup_timeout;
            session_.call(std::move(req), [this, done, token](runtime::Result r) {
                runtime::SenderInfo info;
                const json body = r.json();
                const long long code = http::integer_field(body, "errcode", -2);
                if (r.ok() && code == 0) {
                    info.outcome = runtime::SenderInfo::Outcome::found;
                    info.name = string_field(body, "name");
                    info.email = string_field(body, "biz_mail");
                } else if (r.ok() && code == 60111) {
                    info.outcome = runtime::SenderInfo::Outcome::unknown;
                } else {
                    if (r.ok() && token_expired(code)) token_.refused(token);
                    sender_failed(runtime::lookup_failure(r, session_.redact(r.error), token, code,
                                                          string_field(body, "errmsg"), info));
                }
                done(info);
            });
        });
    }

    void sender_failed(const std::string& why) {
        if (!session_.once("user/get: " + why)) return;
        spdlog::warn(
            "wecom {}: cannot look up a sender (user/get: {}); they are treated as unknown "
            "until it answers. The member must be in the app's visible range "
            "(docs/connectors/wecom.md); logged once",
            settings_.name, why);
    }

    // A button of a template card pressed: an action Event from the clicker, whose text is
    // the button's key (the bot's token, which the bot checks). The click's ResponseCode
    // is kept for updating the card once the decision is taken.
    void on_card_click(const XmlFields& f) {
        const auto click = read_card_click(f);
        if (!click) {
            spdlog::warn(
                "wecom {}: ignored a template_card_event without FromUserName, EventKey "
                "or a valid TaskId",
                settings_.name);
            return;
        }
        // WeCom sends the same callback again when it had no answer in time: each click has
        // its own ResponseCode (else its CreateTime tells it apart).
        const std::string id =
            settings_.name + ":card:" + click->task_id + ":" + click->user + ":" +
            (click->response_code.empty() ? click->create_time : click->response_code);
        if (!first_time(id)) {
            spdlog::info("wecom {}: click on card {} by {} delivered again; handled once",
                         settings_.name, click->task_id, click->user);
            return;
        }
        codes_.put(click->task_id, click->response_code);
        {
            std::lock_guard<std::mutex> s(status_mu_);
            ++status_.clicks;
        }
        core::Event event;
        event.id = id;
        event.kind = core::EventKind::action;
        event.who = {settings_.name, click->user, click->user};
        event.where = {settings_.name, "@" + click->user, ""};
        event.direct = true;
        event.addressed = true;
        event.text = click->key;
        event.at = clock_->now();
        if (!click->create_time.empty() && click->create_time.size() < 12 &&
            click->create_time.find_first_not_of("0123456789") == std::string::npos) {
            event.at = core::from_millis(std::stoll(click->create_time) * 1000);
        }
        event.extra = {{"message_id", settings_.name + ":" + click->task_id},
                       {"wecom_card_type", click->card_type},
                       {"wecom_agent", settings_.agent_id}};
        sink_->push(std::move(event));
    }

    // --- access token --------------------------------------------------------------------

    // One token for the app (runtime::AccessToken), fetched again `token_margin` before it
    // expires and when WeCom says it expired; the posts waiting for it share one gettoken.

    using TokenDone = std::function<void(const std::string& token)>;  ///< "" = none

    runtime::Request token_request() const {
        runtime::Request req;
        req.url = settings_.api_url + "/cgi-bin/gettoken?" +
                  runtime::form_encode(
                      {{"corpid", settings_.corp_id}, {"corpsecret", settings_.secret.reveal()}});
        return req;
    }

    runtime::AccessToken::Grant read_token(const runtime::Result& r) {
        const json body = r.json();
        const long long code = http::integer_field(body, "errcode", -2);
        runtime::AccessToken::Grant grant;
        if (r.ok() && code == 0) {
            grant = {string_field(body, "access_token"),
                     std::chrono::seconds(http::integer_field(body, "expires_in", 7200))};
        }
        if (grant.token.empty()) {
            // Never the URL: it holds the secret.
            if (r.status == 0 || !r.ok()) {
                spdlog::error(
                    "wecom {}: gettoken failed: {}", settings_.name,
                    r.status == 0 ? session_.redact(r.error) : "HTTP " + std::to_string(r.status));
            } else {
                spdlog::error(
                    "wecom {}: gettoken refused: errcode {} {}{}", settings_.name, code,
                    string_field(body, "errmsg"),
                    code == 40013 || code == 40001 ? " (check corp_id and the app's Secret)" : "");
            }
        }
        std::lock_guard<std::mutex> s(status_mu_);
        status_.token_ok = !grant.token.empty();
        if (status_.token_ok) ++status_.tokens_fetched;
        return grant;
    }

    void with_token(TokenDone done) {
        token_.get([done = std::move(done)](const std::string& token, const runtime::Result&) {
            done(token);
        });
    }

    // --- sending -------------------------------------------------------------------------

    // A picture WeCom takes as msgtype image: JPG or PNG, more than 5 bytes, at most 10 MB
    // (media/upload type image). Any other attachment goes as msgtype file.
    static bool is_picture(const core::Attachment& a) {
        const bool picture =
            a.mime == "image/png" || a.mime == "image/jpeg" || a.mime == "image/jpg";
        return picture && a.data.size() > 5 && a.data.size() <= 10 * 1024 * 1024;
    }

    // The attachments WeCom takes: pictures, and files of more than 5 bytes up to 20 MB
    // (media/upload type file). One it does not take is named (`file_left_out` of
    // wecom.yaml) in `notes`, so the conversation learns a file was there.
    void pick_images(SendJob& job, std::string& notes) {
        for (std::size_t i = 0; i < job.post.attachments.size(); ++i) {
            const auto& a = job.post.attachments[i];
            if (is_picture(a) || (a.data.size() > 5 && a.data.size() <= 20 * 1024 * 1024)) {
                job.images.push_back(i);
                continue;
            }
            spdlog::warn(
                "wecom {}: attachment {} ({}, {} bytes) to {} not sent: WeCom takes files "
                "of 6 bytes to 20 MB",
                settings_.name, a.name, a.mime, a.data.size(), job.post.to.channel);
            add_note(notes, job.post.locale, a.name);
        }
    }

    void add_note(std::string& notes, const std::string& locale, const std::string& name) const {
        const std::string note = words_.left_out.in_with(
            locale, default_locale_, "name",
            name.empty() ? words_.unnamed.in(locale, default_locale_) : name);
        if (!note.empty()) notes += (notes.empty() ? "" : "\n") + note;
    }

    const core::Attachment& current_attachment(const SendJob& job) const {
        return job.post.attachments[job.images[job.next - job.pieces.size()]];
    }

    void start_job(const std::shared_ptr<SendJob>& job) override {
        if (session_.stopping()) {
            return complete(job, {false, "", "WeCom connector is stopping", true});
        }
        const std::string& to = job->post.to.channel;
        if (to.empty() || to == "@") return complete(job, {false, "", "no recipient", false});
        job->channel = to;
        job->member = to[0] == '@';
        if (!job->post.replaces.empty()) {
            if (!job->member) {
                // App group chats get typed choices, never cards: nothing to update.
                spdlog::info(
                    "wecom {}: update of {} in app group chat {} skipped (group chats "
                    "show typed choices)",
                    settings_.name, job->post.replaces, to);
                return complete(job, {true, job->post.replaces, "", true});
            }
            return update_card(job);
        }
        std::string text = job->post.text;
        if (!job->post.actions.empty()) {
            if (job->member) {
                const std::string task_id = new_task_id(clock_->now());
                if (auto card = button_card(job->post, task_id)) {
                    job->card = std::move(*card);
                    job->task_id = task_id;
                } else {
                    spdlog::info(
                        "wecom {}: the choices of a post to {} do not fit a template "
                        "card (menu, over {} buttons, or text over {} characters); "
                        "sent as text with the typed commands",
                        settings_.name, to, max_card_buttons, max_card_text_chars);
                }
            }
            if (job->card.is_null() && !job->post.actions_text.empty()) {
                text += "\n\n" + job->post.actions_text;
            }
        }
        std::string notes;
        pick_images(*job, notes);
        if (job->card.is_null()) {
            if (!notes.empty()) text += (text.empty() ? "" : "\n") + notes;
        } else {
            job->note = notes;  // a card has no room for them: a message after it
        }
        if (job->card.is_null()) {
            // A post of attachments only (a relayed picture) has no text message.
            if (!text.empty()) job->pieces = robots::split_message(text, settings_.max_bytes);
        } else {
            job->pieces = {""};  // one message: the card
        }
        if (job->pieces.empty() && job->images.empty()) return complete(job, {true, "", "", true});
        if (job->member && !reserve_today(job, steps(*job))) return;
        send_step(job);
    }

    // Counts `n` messages to a member against the app's daily quota; when they do not fit,
    // the post is held: it fails as retryable and the outbox keeps it, sending it again
    // later (the quota is whole again at midnight, China time).
    bool reserve_today(const std::shared_ptr<SendJob>& job, std::size_t n) {
        const core::Timestamp now = clock_->now();
        if (quota_.reserve(n, now)) return true;
        const core::Timestamp next = DailyBudget::next_day(now);
        const std::string why = "WeCom's daily quota for the app is used up (" +
                                std::to_string(quota_.used(now)) + " of " +
                                std::to_string(quota_.limit()) +
                                " messages today; account_limit x 200); held until " +
                                utc_text(next) + " (00:00 China time)";
        const long long day = core::to_millis(next);
        if (day != quota_warned_day_) {
            quota_warned_day_ = day;
            spdlog::warn("wecom {}: {}; posts to members wait in the outbox", settings_.name, why);
        } else {
            spdlog::info("wecom {}: post to {} held: daily quota used up", settings_.name,
                         job->channel);
        }
        {
            std::lock_guard<std::mutex> s(status_mu_);
            ++status_.held;
        }
        job->quiet = true;
        core::SendResult held{false, "", why, true};
        held.held_until_ms = day;
        complete(job, std::move(held));
        return false;
    }

    // The steps of a post: its text pieces (or its card), its attachments, then the note
    // naming the attachments left out, if any.
    std::size_t steps(const SendJob& job) const {
        return job.pieces.size() + job.images.size() + (job.note.empty() ? 0 : 1);
    }
    bool note_step(const SendJob& job) const {
        return !job.note.empty() && job.next == job.pieces.size() + job.images.size();
    }
    bool image_step(const SendJob& job) const {
        return job.next >= job.pieces.size() && !note_step(job);
    }

    json message_body(const SendJob& job) const {
        json body;
        if (note_step(job)) {
            const std::string type = settings_.markdown ? "markdown" : "text";
            body = {{"msgtype", type}, {type, {{"content", job.note}}}};
        } else if (image_step(job)) {
            const std::string type = is_picture(current_attachment(job)) ? "image" : "file";
            body = {{"msgtype", type}, {type, {{"media_id", job.media_id}}}};
        } else if (!job.card.is_null()) {
            body = {{"msgtype", "template_card"}, {"template_card", job.card}};
        } else {
            const std::string& text = job.pieces[job.next];
            const std::string type = settings_.markdown ? "markdown" : "text";
            body = {{"msgtype", type}, {type, {{"content", text}}}};
        }
        if (job.member) {
            body["touser"] = job.channel.substr(1);
            body["agentid"] = settings_.agent_id;
        } else {
            body["chatid"] = job.channel;
        }
        return body;
    }

    void send_step(const std::shared_ptr<SendJob>& job) {
        if (session_.stopping()) {
            job->quiet = true;
            return complete(job, {false, job->first_id, "WeCom connector stopped", true});
        }
        if (job->next >= steps(*job)) {
            if (job->first_id.empty() && !job->images.empty()) {
                // Nothing went out (the only picture could not be uploaded): try again later.
                return complete(job, {false, "", "no picture could be uploaded", true});
            }
            return complete(job, {true, job->first_id, "", true});
        }
        // WeCom drops messages over its limits silently: wait until this one fits.
        const auto wait = pacer_.reserve((job->member ? "member:" : "chat:") + job->channel,
                                         job->member ? member_windows() : chat_windows(),
                                         std::chrono::steady_clock::now());
        if (wait.count() > 0) {
            spdlog::info("wecom {}: pacing posts to {}: next in {} ms", settings_.name,
                         job->channel, wait.count());
            return session_.later(wait, [this, job] { send_step(job); });
        }
        if (image_step(*job) && job->media_id.empty()) return upload_image(job);
        post_step(job);
    }

    // Sends the current step (counted by the pacer already) with the access token.
    void post_step(const std::shared_ptr<SendJob>& job) {
        const std::string path = job->member ? "/cgi-bin/message/send" : "/cgi-bin/appchat/send";
        job->again = [this, job] { post_step(job); };
        call_api(
            job, path, [this, job] { return runtime::Request::json_post("", message_body(*job)); },
            [this, job](const json& body) { on_sent(job, body); });
    }

    void on_sent(const std::shared_ptr<SendJob>& job, const json& body) {
        if (job->first_id.empty()) {
            if (!job->card.is_null()) {
                job->first_id = settings_.name + ":" + job->task_id;
            } else {
                const std::string msgid = string_field(body, "msgid");
                job->first_id = settings_.name + ":" + (msgid.empty() ? job->channel : msgid);
            }
        }
        if (!job->card.is_null() && !image_step(*job) && !note_step(*job)) {
            // The code for updating the card until someone clicks (each click brings a new one).
            codes_.put(job->task_id, string_field(body, "response_code"));
        }
        ++job->next;
        job->media_id.clear();
        send_step(job);
    }

    // A template card refused for another reason than the token or "too often" (an app
    // without a callback URL may not send cards, an old client, ...): the post goes as
    // text with the typed commands instead, so the choice is still offered.
    bool card_refused(const std::shared_ptr<SendJob>& job, const std::string& why) {
        if (job->card.is_null() || image_step(*job) || note_step(*job) || !job->first_id.empty()) {
            return false;
        }
        spdlog::warn(
            "wecom {}: template card to {} refused ({}); sending the text and the typed "
            "commands instead",
            settings_.name, job->channel, why);
        job->card = nullptr;
        job->task_id.clear();
        std::string text = job->post.text;
        if (!job->post.actions_text.empty()) text += "\n\n" + job->post.actions_text;
        job->pieces = robots::split_message(text, settings_.max_bytes);
        if (job->pieces.empty()) job->pieces = {job->post.text};
        if (job->pieces.size() > 1 && !reserve_today(job, job->pieces.size() - 1)) return true;
        send_step(job);
        return true;
    }

    // --- pictures ---------------------------------------------------------------------

    // media/upload (type image or file, multipart field "media", its filename the name
    // WeCom shows); the media_id is then sent as msgtype image or file. A failed upload
    // costs the attachment, never the text.
    void upload_image(const std::shared_ptr<SendJob>& job) {
        const auto& a = current_attachment(*job);
        const bool picture = is_picture(a);
        job->again = [this, job] { upload_image(job); };
        call_api(
            job, "/cgi-bin/media/upload",
            [this, a, picture, locale = job->post.locale] {
                const std::string name =
                    !a.name.empty() ? a.name
                    : picture
                        ? runtime::picture_name(words_.picture.in(locale, default_locale_), a.mime)
                        : words_.file.in(locale, default_locale_);
                return runtime::Request::multipart_post(
                    "", {runtime::FormPart{"media", a.data, name,
                                           a.mime.empty() ? "application/octet-stream" : a.mime}});
            },
            [this, job](const json& body) {
                job->media_id = string_field(body, "media_id");
                if (job->media_id.empty()) {
                    return skip_image(job, "media/upload: answer without media_id");
                }
                post_step(job);
            },
            picture ? "type=image" : "type=file");
    }

    // An attachment WeCom refused (media/upload errcode 40004/40005/40006/40007/40009/...,
    // an answer without media_id) or that could not go up (`passing`: no answer, a 5xx):
    // named in a message after the others (`file_left_out`), so the conversation learns a
    // file was there; logged. A post of attachments only whose upload failed for a while
    // with nothing sent yet is tried again by the outbox instead, as before.
    void skip_image(const std::shared_ptr<SendJob>& job, const std::string& why,
                    bool passing = false) {
        const auto& a = current_attachment(*job);
        spdlog::warn("wecom {}: {} {} for {} not sent: {}{}", settings_.name,
                     is_picture(a) ? "picture" : "file", a.name, job->channel, why,
                     job->first_id.empty() ? "" : " (the post's text went without it)");
        const bool retried =
            passing && job->first_id.empty() && job->card.is_null() && job->pieces.empty();
        // Nothing has gone out yet: the whole post is tried again, so a later attachment
        // that does go up cannot leave this one neither sent nor named.
        if (retried) return complete(job, {false, "", why, true});
        add_note(job->note, job->post.locale, a.name);
        ++job->next;
        job->media_id.clear();
        job->token_retried = false;
        send_step(job);
    }

    // --- updating a card -----------------------------------------------------------------

    // A settled post: its card's buttons give way to the outcome, through
    // message/update_template_card with the latest response_code of the card (one use).
    void update_card(const std::shared_ptr<SendJob>& job) {
        const std::string& id = job->post.replaces;
        const std::string prefix = settings_.name + ":";
        const std::string task = id.rfind(prefix, 0) == 0 ? id.substr(prefix.size()) : "";
        const std::string code = valid_task_id(task) ? codes_.get(task) : "";
        if (code.empty()) {
            spdlog::warn(
                "wecom {}: card {} for {} not updated, its buttons stay: no "
                "response_code known for it (older than the last 5000 cards, sent as text, or "
                "updated already); the bot refuses further clicks on it",
                settings_.name, id, job->channel);
            job->quiet = true;
            return complete(job, {false, id, "no response_code to update " + id, false});
        }
        job->task_id = task;
        job->again = [this, job] { update_card(job); };
        const json body = {{"atall", 1},
                           {"agentid", settings_.agent_id},
                           {"response_code", code},
                           {"template_card", settled_card(job->post.text, task)}};
        call_api(
            job, "/cgi-bin/message/update_template_card",
            [body] { return runtime::Request::json_post("", body); },
            [this, job, id](const json&) {
                codes_.drop(job->task_id);
                spdlog::info("wecom {}: card {} updated with its outcome", settings_.name, id);
                complete(job, {true, id, "", true});
            });
    }

    // --- calling the API -------------------------------------------------------------------

    using MakeRequest = std::function<runtime::Request()>;
    using OnOk = std::function<void(const json& body)>;

    // Calls `path` with the access token (`make` builds the request; its URL is set here),
    // handles the token's expiry (fetched again, the call made once more), "too often"
    // (the conversation waits, then job->again) and failures; `on_ok` gets errcode 0.
    void call_api(const std::shared_ptr<SendJob>& job, const std::string& path, MakeRequest make,
                  OnOk on_ok, const std::string& query = "") {
        if (session_.stopping()) {
            job->quiet = true;
            return complete(job, {false, job->first_id, "WeCom connector stopped", true});
        }
        with_token([this, job, path, make = std::move(make), on_ok = std::move(on_ok),
                    query](const std::string& token) {
            if (token.empty()) {
                return complete(
                    job, {false, job->first_id, "no WeCom access token (gettoken failed)", true});
            }
            runtime::Request req = make();
            req.url = settings_.api_url + path + "?access_token=" + runtime::url_encode(token) +
                      (query.empty() ? "" : "&" + query);
            session_.call(std::move(req), [this, job, path, token, on_ok](runtime::Result r) {
                on_answer(job, path.substr(std::string("/cgi-bin/").size()), token, r, on_ok);
            });
        });
    }

    void on_answer(const std::shared_ptr<SendJob>& job, const std::string& api,
                   const std::string& token, const runtime::Result& r, const OnOk& on_ok) {
        const bool upload = api == "media/upload";
        if (r.status == 0 || !r.ok()) {
            if (r.kind == runtime::Result::Kind::rate_limited) {
                return wait_busy(job, api + ": HTTP 429");
            }
            // The URL holds the access token: never let it into a message.
            const std::string error = runtime::masked(r.error, token);
            if (upload) return skip_image(job, api + ": " + error, r.retryable());
            return complete(job, {false, job->first_id, api + ": " + error, r.retryable()});
        }
        const json body = r.json();
        if (!body.is_object()) {
            if (upload) return skip_image(job, api + ": answer is not JSON");
            return complete(job, {false, job->first_id, api + ": answer is not JSON", true});
        }
        const long long code = http::integer_field(body, "errcode", -2);
        if (code == 0) {
            job->token_retried = false;
            return on_ok(body);
        }
        const std::string why =
            api + ": errcode " + std::to_string(code) + " " + string_field(body, "errmsg");
        if (token_expired(code) && !job->token_retried) {
            job->token_retried = true;
            token_.refused(token);  // fetch a new one, once for all waiting
            spdlog::info("wecom {}: access token expired (errcode {}); fetching a new one",
                         settings_.name, code);
            return with_token([this, job, why](const std::string& fresh) {
                if (fresh.empty()) return complete(job, {false, job->first_id, why, true});
                const auto again = job->again;  // a copy: the call sets job->again anew
                again();
            });
        }
        if (busy(code)) return wait_busy(job, why);
        if (upload) return skip_image(job, why);
        if (api == "message/update_template_card") {
            // The code is spent or expired (valid once, for 72 hours): not asked again.
            codes_.drop(job->task_id);
            spdlog::warn("wecom {}: card {} not updated, its buttons stay: {}", settings_.name,
                         job->post.replaces, why);
            job->quiet = true;
            return complete(job, {false, job->post.replaces, why, false});
        }
        if (card_refused(job, why)) return;
        std::string hint;
        if (code == 60020) hint = " (add this server's public IP to the app's 企业可信IP)";
        if (code == 81013) hint = " (the member is not in the app's visible range)";
        if (code == 86003 || code == 86004) hint = " (no such app group chat; check channels)";
        complete(job, {false, job->first_id, why + hint, false});
    }

    // WeCom said "too often" or "busy": this conversation waits (doubling), then the same
    // call goes again; past max_retry_wait the outbox gets it back to retry later.
    void wait_busy(const std::shared_ptr<SendJob>& job, const std::string& why) {
        const auto wait = settings_.busy_wait * (1LL << std::min(job->busy_answers, 6));
        ++job->busy_answers;
        if (!runtime::pause_post(outbound_, *job, wait, settings_.max_retry_wait)) {
            // The outbox sends it again later (1 s x1.75^n): not lost.
            return complete(job,
                            {false, job->first_id, why + " (still refused; retried later)", true});
        }
        spdlog::warn("wecom {}: {}; post to {} waits {} ms", settings_.name, why, job->channel,
                     wait.count());
        session_.later(wait, [this, job] {
            if (session_.stopping()) {
                job->quiet = true;
                return complete(job, {false, job->first_id, "WeCom connector stopped", true});
            }
            const auto again = job->again;  // a copy: the call sets job->again anew
            again();
        });
    }

    WecomSettings settings_;
    CallbackCrypto crypto_;
    const runtime::FileWords words_;  ///< wecom.yaml: not_text, file_left_out, names of files
    runtime::AccessToken token_;

    runtime::RecentIds seen_{5000};
    SendPacer pacer_;

    http::Callbacks callbacks_;      ///< /hooks/NAME/... (and the own listener)
    runtime::SenderLookup senders_;  ///< senders' names and biz_mail, events waiting for them
    DailyBudget quota_;
    long long quota_warned_day_ = 0;  ///< the quota's "used up" was logged for this day
    ResponseCodes codes_;             ///< the latest response_code of each card sent
};

}  // namespace

// The AI bot, the self-built app, or (no corp_id) the group robot (post-only), as before.
ConnectorType connector_type() {
    return either(
        aibot_section, aibot_type(),
        either(app_section, settings_type<WecomSettings>("wecom", read_settings, make_wecom),
               robots::connector_type(robots::Platform::wecom)));
}

std::unique_ptr<Connector> make_wecom(WecomSettings settings, const ConnectorContext& context) {
    if (settings.corp_id.empty()) throw std::invalid_argument("make_wecom: no corp_id");
    return make_connector<WecomConnector>("make_wecom", std::move(settings), context);
}

WecomStatus wecom_status(const Connector& connector) {
    return status_of<WecomConnector>(connector);
}

}  // namespace twintrack::connectors::wecom
