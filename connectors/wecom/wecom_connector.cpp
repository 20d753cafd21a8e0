#include "connectors/wecom/wecom_connector.hpp"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <boost/asio.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>

#include "connectors/http/http_client.hpp"
#include "connectors/http/http_listener.hpp"
#include "connectors/http/json_fields.hpp"
#include "connectors/robots/formats.hpp"
#include "connectors/robots/robot_connector.hpp"
#include "connectors/runtime/access_token.hpp"
#include "connectors/runtime/http_client.hpp"
#include "connectors/runtime/recent_ids.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/runtime/session.hpp"
#include "connectors/wecom/send_pacer.hpp"
#include "connectors/wecom/wecom_crypto.hpp"
#include "connectors/wecom/wecom_xml.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::wecom {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using json = nlohmann::json;
using http::string_field;

// ---------------------------------------------------------------------------------------
// Config

void read_settings(core::SectionReader& section, WecomSettings& s) {
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
    if (auto bind = section.string("bind")) s.bind = *bind;
    if (auto port = section.integer("port", 0, 65535)) s.port = static_cast<int>(*port);
    if (auto path = section.string("path")) {
        if (path->empty() || (*path)[0] != '/' || path->find_first_of(" ?#") != std::string::npos) {
            section.error("path",
                          "must start with / and hold no spaces, ? or #, such as "
                          "/wecom/callback");
        } else {
            s.path = *path;
        }
    }
    if (auto url = section.string("api_url")) {
        if (url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) {
            section.error("api_url",
                          "must start with https:// (or http:// for a local test server); got "
                          "\"" +
                              *url + "\"");
        } else {
            s.api_url = *url;
            while (!s.api_url.empty() && s.api_url.back() == '/') s.api_url.pop_back();
        }
    }
    if (auto format = section.choice("format", {"text", "markdown"})) {
        s.markdown = *format == "markdown";
    }
    if (auto age = section.integer("max_age_seconds", 30, 3600)) {
        s.max_age = std::chrono::seconds(*age);
    }
    runtime::read_transport(section, s.proxy, s.tls_ca_file);
    s.channels = read_channels(section);
    static const std::regex chat("^[A-Za-z0-9_-]{1,32}$");
    runtime::check_channel_ids(
        section, s.channels, [](const std::string& c) { return std::regex_match(c, chat); },
        "is not a WeCom app group chat id (the chatid of appchat/create: 1 to 32 letters, "
        "digits, _ or -)");
}

void validate(core::SectionReader& section, ConnectorSpec& spec) {
    if (!section.has("corp_id")) {
        // No corp_id: the WeCom group robot (post-only), as before.
        return robots::connector_type(robots::Platform::wecom).validate(section, spec);
    }
    WecomSettings s;
    s.name = spec.name;
    read_settings(section, s);
    spec.channels = s.channels;
}

std::unique_ptr<Connector> create(const ConnectorSpec& spec, const ConnectorContext& context) {
    if (!spec.settings["corp_id"].IsDefined() || spec.settings["corp_id"].IsNull()) {
        return robots::connector_type(robots::Platform::wecom).create(spec, context);
    }
    WecomSettings s;
    s.name = spec.name;
    reread_section(spec, "wecom", [&](core::SectionReader& section) { read_settings(section, s); });
    return make_wecom(std::move(s), context);
}

// The connector's own words (prompts/<locale>/wecom.yaml, messages.not_text), by locale.
std::map<std::string, std::string> load_not_text(const std::string& prompts_dir) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(prompts_dir, ec)) {
        const fs::path file = entry.path() / "wecom.yaml";
        if (!fs::is_regular_file(file, ec)) continue;
        try {
            const YAML::Node text = YAML::LoadFile(file.string())["messages"]["not_text"];
            if (text.IsScalar()) out[entry.path().filename().string()] = text.Scalar();
        } catch (const YAML::Exception& e) {
            throw std::runtime_error(file.string() + ": " + e.what());
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// The connector

struct SendJob : runtime::PostJob {
    bool token_retried = false;  ///< sent again once after an expired-token answer
    int busy_answers = 0;        ///< 45009 / 45033 / -1 answers so far
};

// The errcodes after which a new access token is fetched and the call made again.
bool token_expired(long long code) { return code == 40014 || code == 42001 || code == 41001; }
// "Too often" (45009 API frequency, 45033 concurrency) and -1 (系统繁忙).
bool busy(long long code) { return code == 45009 || code == 45033 || code == -1; }

class WecomConnector final : public Connector {
  public:
    WecomConnector(WecomSettings settings, const ConnectorContext& context)
        : settings_(std::move(settings)),
          clock_(context.clock),
          roster_(context.roster),
          default_locale_(context.default_locale),
          crypto_(settings_.token.reveal(), settings_.encoding_aes_key.reveal(), settings_.corp_id),
          session_({"WeCom",
                    "wecom",
                    settings_.name,
                    {settings_.proxy, settings_.tls_ca_file},
                    std::chrono::milliseconds(1000),
                    std::chrono::milliseconds(600000),
                    {settings_.secret.reveal(), settings_.token.reveal(),
                     settings_.encoding_aes_key.reveal()}}),
          token_(
              session_, *clock_, [this] { return token_request(); },
              [this](const runtime::Result& r) { return read_token(r); }, settings_.token_margin),
          listener_([this](const http::ListenerRequest& r) { return on_http(r); }),
          outbound_(session_.timers()) {
        not_text_ = load_not_text(context.prompts_dir);
        if (!not_text_.count(default_locale_) && !not_text_.count("en")) {
            throw std::runtime_error("no messages.not_text in " + context.prompts_dir + "/" +
                                     default_locale_ + "/wecom.yaml");
        }
        runtime::Protocol protocol;
        // Fetch a token at once: a wrong corp_id or secret shows in the log and /readyz.
        protocol.begin = [this] { with_token([](const std::string&) {}); };
        protocol.halt = [this] { listener_.stop(); };
        session_.set_protocol(std::move(protocol));
    }

    ~WecomConnector() override { stop(); }

    std::string name() const override { return settings_.name; }

    void start(core::EventSink& sink) override {
        session_.start([&] {
            sink_ = &sink;
            const int port = listener_.start(settings_.bind, settings_.port);
            {
                std::lock_guard<std::mutex> s(status_mu_);
                status_.listen_port = port;
            }
            spdlog::info("wecom {}: listening for the app callback on {}:{}{}", settings_.name,
                         settings_.bind, port, settings_.path);
        });
    }

    void stop() override { session_.stop(); }

    void send(const core::Post& post, core::SendDone done) override {
        session_.send(post, std::move(done),
                      [this](const core::Post& p, core::SendDone d) { deliver(p, std::move(d)); });
    }

    bool connected() const override {
        std::lock_guard<std::mutex> lock(status_mu_);
        return status_.listen_port != 0 && status_.token_ok;
    }

    WecomStatus status() const {
        std::lock_guard<std::mutex> lock(status_mu_);
        return status_;
    }

  private:
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
        if (r.method == "GET" && r.path == "/healthz") return {200, "text/plain", "ok"};
        if (r.path != settings_.path) return {404, "text/plain", "not found"};
        if (r.method != "GET" && r.method != "POST") return {405, "text/plain", "GET or POST"};
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
        if (roster_) {
            auto people = roster_->get();
            // WeCom UserIDs are case-insensitive, as the directory's identities are.
            const std::string wanted = core::ascii_lower(user);
            for (const auto& p : *people) {
                if (core::ascii_lower(p.user_id) == wanted && !p.locale.empty()) return p.locale;
            }
        }
        return default_locale_;
    }

    void on_message(const XmlFields& f) {
        if (sink_ == nullptr || session_.stopping()) return;
        const std::string type = field(f, "MsgType");
        const std::string user = field(f, "FromUserName");
        const std::string msg_id = field(f, "MsgId");
        if (type == "event") {
            // Template card button presses (template_card_event) belong to the actions
            // model; like the other events (enter_agent, subscribe) they are not chat.
            return ignored("event " + field(f, "Event"));
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
            auto it = not_text_.find(post.locale);
            if (it == not_text_.end()) it = not_text_.find(default_locale_);
            if (it == not_text_.end()) it = not_text_.find("en");
            post.text = it->second;
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

    void deliver(const core::Post& post, core::SendDone done) {
        runtime::queue_new_post<SendJob>(
            outbound_, post, std::move(done),
            [this](const std::shared_ptr<SendJob>& j) { start_job(j); });
    }

    void complete(const std::shared_ptr<SendJob>& job, core::SendResult result) {
        runtime::finish_post(*job, std::move(result), session_.log_prefix());
    }

    void start_job(const std::shared_ptr<SendJob>& job) {
        if (session_.stopping()) {
            return complete(job, {false, "", "WeCom connector is stopping", true});
        }
        const std::string& to = job->post.to.channel;
        if (to.empty() || to == "@") return complete(job, {false, "", "no recipient", false});
        job->channel = to;
        // Template cards (buttons) are built by the actions model; a post carrying
        // actions would become msgtype template_card in message_body().
        job->pieces = robots::split_message(job->post.text, settings_.max_bytes);
        if (job->pieces.empty()) return complete(job, {true, "", "", true});
        send_piece(job);
    }

    json message_body(const SendJob& job) const {
        const std::string& text = job.pieces[job.next];
        const std::string type = settings_.markdown ? "markdown" : "text";
        json body = {{"msgtype", type}, {type, {{"content", text}}}};
        if (job.channel[0] == '@') {
            body["touser"] = job.channel.substr(1);
            body["agentid"] = settings_.agent_id;
        } else {
            body["chatid"] = job.channel;
        }
        return body;
    }

    void send_piece(const std::shared_ptr<SendJob>& job) {
        if (session_.stopping()) {
            job->quiet = true;
            return complete(job, {false, job->first_id, "WeCom connector stopped", true});
        }
        if (job->next >= job->pieces.size()) return complete(job, {true, job->first_id, "", true});
        const bool member = job->channel[0] == '@';
        // WeCom drops messages over its limits silently: wait until this one fits.
        const auto wait = pacer_.reserve((member ? "member:" : "chat:") + job->channel,
                                         member ? member_windows() : chat_windows(),
                                         std::chrono::steady_clock::now());
        if (wait.count() > 0) {
            spdlog::info("wecom {}: pacing posts to {}: next in {} ms", settings_.name,
                         job->channel, wait.count());
            return session_.later(wait, [this, job] { send_piece(job); });
        }
        post_piece(job);
    }

    void on_sent(const std::shared_ptr<SendJob>& job, const std::string& token,
                 const runtime::Result& r) {
        const std::string api = job->channel[0] == '@' ? "message/send" : "appchat/send";
        if (r.status == 0 || !r.ok()) {
            if (r.kind == runtime::Result::Kind::rate_limited) {
                return wait_busy(job, api + ": HTTP 429");
            }
            // The URL holds the access token: never let it into a message.
            std::string error = r.error;
            for (auto at = error.find(token); !token.empty() && at != std::string::npos;
                 at = error.find(token)) {
                error.replace(at, token.size(), "***");
            }
            return complete(job, {false, job->first_id, api + ": " + error, r.retryable()});
        }
        const json body = r.json();
        if (!body.is_object()) {
            return complete(job, {false, job->first_id, api + ": answer is not JSON", true});
        }
        const long long code = http::integer_field(body, "errcode", -2);
        if (code == 0) {
            if (job->first_id.empty()) {
                const std::string msgid = string_field(body, "msgid");
                job->first_id = settings_.name + ":" + (msgid.empty() ? job->channel : msgid);
            }
            ++job->next;
            job->token_retried = false;
            return send_piece(job);
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
                post_piece(job);
            });
        }
        if (busy(code)) return wait_busy(job, why);
        std::string hint;
        if (code == 60020) hint = " (add this server's public IP to the app's 企业可信IP)";
        if (code == 81013) hint = " (the member is not in the app's visible range)";
        if (code == 86003 || code == 86004) hint = " (no such app group chat; check channels)";
        complete(job, {false, job->first_id, why + hint, false});
    }

    // Sends the current piece (counted by the pacer already) with the access token.
    void post_piece(const std::shared_ptr<SendJob>& job) {
        if (session_.stopping()) {
            job->quiet = true;
            return complete(job, {false, job->first_id, "WeCom connector stopped", true});
        }
        with_token([this, job](const std::string& token) {
            if (token.empty()) {
                return complete(
                    job, {false, job->first_id, "no WeCom access token (gettoken failed)", true});
            }
            const bool member = job->channel[0] == '@';
            runtime::Request req = runtime::Request::json_post(
                settings_.api_url + (member ? "/cgi-bin/message/send" : "/cgi-bin/appchat/send") +
                    "?access_token=" + runtime::url_encode(token),
                message_body(*job));
            session_.call(std::move(req),
                          [this, job, token](runtime::Result r) { on_sent(job, token, r); });
        });
    }

    // WeCom said "too often" or "busy": this conversation waits (doubling), then the same
    // piece goes again; past max_retry_wait the outbox gets it back to retry later.
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
        session_.later(wait, [this, job] { post_piece(job); });
    }

    WecomSettings settings_;
    const core::Clock* clock_;
    std::shared_ptr<Roster> roster_;
    std::string default_locale_;
    CallbackCrypto crypto_;
    std::map<std::string, std::string> not_text_;
    core::EventSink* sink_ = nullptr;
    runtime::Session session_;  ///< the thread, start/stop, HTTP; before its users
    runtime::AccessToken token_;

    runtime::RecentIds seen_{5000};
    SendPacer pacer_;

    http::HttpListener listener_;
    runtime::SerialQueues outbound_;

    mutable std::mutex status_mu_;
    WecomStatus status_;
};

}  // namespace

ConnectorType connector_type() { return {validate, create}; }

std::unique_ptr<Connector> make_wecom(WecomSettings settings, const ConnectorContext& context) {
    if (context.clock == nullptr) throw std::invalid_argument("make_wecom: context.clock is null");
    if (settings.corp_id.empty()) throw std::invalid_argument("make_wecom: no corp_id");
    return std::make_unique<WecomConnector>(std::move(settings), context);
}

WecomStatus wecom_status(const Connector& connector) {
    const auto* w = dynamic_cast<const WecomConnector*>(&connector);
    return w == nullptr ? WecomStatus{} : w->status();
}

}  // namespace twintrack::connectors::wecom
