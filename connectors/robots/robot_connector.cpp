#include "connectors/robots/robot_connector.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "connectors/http/hook_routes.hpp"
#include "connectors/http/http_client.hpp"
#include "connectors/robots/callback_server.hpp"
#include "connectors/robots/platform.hpp"
#include "connectors/robots/signing.hpp"
#include "connectors/runtime/http_client.hpp"
#include "connectors/runtime/rate_limiter.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::robots {
namespace {

using SteadyClock = std::chrono::steady_clock;
using nlohmann::json;
using runtime::RateLimiter;  // the limiter every connector's sender uses

// ---------------------------------------------------------------------------------------
// Config

bool valid_channel_name(const std::string& name) {
    if (name.empty() || name.size() > 64 || name[0] == '@') return false;
    return name.find_first_of(" \t\r\n") == std::string::npos;
}

bool is_http_url(const std::string& url) {
    return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
}

void read_channel_list(core::SectionReader& section, RobotSettings& settings) {
    const YAML::Node list = section.node("channels");
    if (!list.IsDefined() || list.IsNull() || (list.IsSequence() && list.size() == 0)) {
        section.error("channels", "needs at least one robot: [{name, track, url: ${ENV_VAR}}]");
        return;
    }
    if (!list.IsSequence()) {
        section.error("channels", "must be a list of {name, track, url}");
        return;
    }
    const PlatformRules& rules = platform_rules(settings.platform);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string path = section.path() + ".channels[" + std::to_string(i) + "]";
        core::SectionReader ch(list[i], path, section.errors());
        if (!ch.valid()) continue;
        RobotChannel channel;
        auto name = ch.string("name", true);
        auto track = ch.choice("track", {"marketing", "sales", "joint"}, true);
        auto url = ch.secret("url", true);
        std::optional<core::Secret> secret;
        if (rules.signs()) secret = ch.secret("secret");
        std::optional<std::string> conversation;
        if (rules.has_callback()) conversation = ch.string("conversation_id");
        if (name && !valid_channel_name(*name)) {
            ch.error("name", "must be 1-64 characters without spaces, not starting with '@'");
            name.reset();
        }
        if (url && !is_http_url(url->reveal())) {
            // Never print the value: it holds the robot's token.
            ch.error("url", "environment variable " + url->env_name() +
                                " must hold the robot's http:// or https:// webhook URL");
            url.reset();
        }
        ch.finish();
        if (!name || !track || !url) continue;
        if (!seen.insert(*name).second) {
            section.error("channels", "channel \"" + *name + "\" is listed twice");
            continue;
        }
        channel.name = *name;
        channel.track = *track;
        channel.url = *url;
        if (secret) channel.secret = *secret;
        if (conversation) channel.conversation_id = *conversation;
        settings.channels.push_back(std::move(channel));
    }
}

void read_callback(core::SectionReader& section, RobotSettings& settings) {
    const YAML::Node node = section.node("callback");
    if (!node.IsDefined() || node.IsNull()) return;
    core::SectionReader cb(node, section.path() + ".callback", section.errors());
    if (!cb.valid()) return;
    CallbackSettings& c = settings.callback;
    c.enabled = true;
    if (auto bind = cb.string("bind")) c.bind = *bind;
    c.port_given = cb.has("port");
    if (auto port = cb.integer("port", 0, 65535)) c.port = static_cast<int>(*port);
    if (auto path = cb.string("path")) {
        if (path->empty() || (*path)[0] != '/' || path->find(' ') != std::string::npos) {
            cb.error("path", "must start with '/', e.g. /dingtalk/callback");
        } else {
            c.path = *path;
        }
    }
    if (auto secret = cb.secret("app_secret", true)) c.app_secret = *secret;
    cb.finish();
}

// ---------------------------------------------------------------------------------------
// The connector

struct Session {
    std::string url;
    std::int64_t expires_ms = 0;
    std::string staff_id;  ///< who spoke last, mentioned in group answers
    bool group = false;
};

struct Job {
    core::Post post;
    core::SendDone done;
    std::vector<json> bodies;  ///< built when first handled
    std::size_t next = 0;      ///< the next body to send
    bool built = false;
    SteadyClock::time_point held_since{};
    int failures = 0;
};

struct Target {
    std::string channel;
    bool session = false;
    std::deque<Job> queue;
    RateLimiter limiter;
    SteadyClock::time_point retry_at{};
};

class RobotConnector final : public Connector {
  public:
    RobotConnector(RobotSettings settings, const ConnectorContext& context)
        : settings_(std::move(settings)),
          rules_(platform_rules(settings_.platform)),
          clock_(context.clock),
          hooks_(context.hooks),
          own_listener_(context.own_listener),
          http_(runtime::Transport{settings_.proxy, settings_.tls_ca_file},
                [](std::function<void()> f) { f(); }) {}

    ~RobotConnector() override { stop(); }

    std::string name() const override { return settings_.name; }

    void start(core::EventSink& sink) override {
        std::lock_guard<std::mutex> lock(mu_);
        if (running_) return;
        sink_ = &sink;
        stopping_ = false;
        if (settings_.callback.enabled && own_listener_ && !settings_.callback.port_given) {
            throw std::runtime_error(settings_.name +
                                     ": callback.port is required when neither a hub nor "
                                     "http: serves /hooks/" +
                                     settings_.name + "/callback");
        }
        if (settings_.callback.enabled) {
            hook_.claim(hooks_, settings_.name, [this](const http::ListenerRequest& r) {
                return http::forward_hook(
                    r, {{"/callback", settings_.callback.path}},
                    [this](const http::ListenerRequest& inner) { return on_hook(inner); });
            });
        }
        if (settings_.callback.enabled && own_listener_) {
            callback_ = std::make_unique<CallbackServer>(
                settings_.callback.bind, settings_.callback.port, settings_.callback.max_body,
                [this](const HttpRequest& r) { return on_callback(r); });
            callback_->start();  // throws with the reason when it cannot listen
            port_ = callback_->port();
            spdlog::info("{}: DingTalk callbacks on {}:{}{}", settings_.name,
                         settings_.callback.bind, port_.load(), settings_.callback.path);
        }
        worker_ = std::thread([this] { work(); });
        running_ = true;
    }

    void stop() override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (!running_) return;
            stopping_ = true;
        }
        cv_.notify_all();
        hook_.release();
        if (callback_) callback_->stop();
        if (worker_.joinable()) worker_.join();
        std::vector<Job> left;
        {
            std::lock_guard<std::mutex> lock(mu_);
            for (auto& [_, target] : targets_) {
                for (auto& job : target.queue) left.push_back(std::move(job));
                target.queue.clear();
            }
            queued_ = 0;
            running_ = false;
        }
        // Partly sent posts go out whole again later: a repeat, never a loss.
        for (auto& job : left) job.done({false, "", settings_.name + " stopped", true});
    }

    void send(const core::Post& post, core::SendDone done) override {
        std::string error;
        bool retryable = true;
        std::int64_t held_until_ms = 0;
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (!running_ || stopping_) {
                error = settings_.name + " is not running";
            } else if (queued_ >= settings_.max_queue) {
                // As the runtime's sender does: the outbox keeps the post, held for a
                // while, without using up an attempt.
                error = settings_.name + ": " + std::to_string(queued_) +
                        " posts are waiting to go out; the post is kept and sent later";
                held_until_ms = core::to_millis(clock_->now()) + 5000;
            } else if (Target* target = route(post, error)) {
                Job job;
                job.post = post;
                job.done = std::move(done);
                target->queue.push_back(std::move(job));
                ++queued_;
                cv_.notify_all();
                return;
            } else {
                retryable = false;
            }
        }
        spdlog::error("{}: post to \"{}\" refused: {}", settings_.name, post.to.channel, error);
        done({false, "", error, retryable, held_until_ms});
    }

    int port() const { return port_.load(); }

  private:
    const RobotChannel* find_channel(const std::string& name) const {
        for (const auto& c : settings_.channels) {
            if (c.name == name) return &c;
        }
        return nullptr;
    }

    // Under mu_. Answers to a conversation go through its sessionWebhook while it lives;
    // everything else through the channel's robot.
    Target* route(const core::Post& post, std::string& error) {
        const std::string& channel = post.to.channel;
        const RobotChannel* robot = find_channel(channel);
        const auto session = sessions_.find(channel);
        const bool live = session != sessions_.end() &&
                          session->second.expires_ms > core::to_millis(clock_->now()) + 5000;
        if (live && (!post.reply_to.empty() || robot == nullptr)) {
            return &target("session:" + channel, channel, true);
        }
        if (robot != nullptr) return &target("robot:" + channel, channel, false);
        if (!channel.empty() && channel[0] == '@') {
            error = "a group robot cannot send direct messages (to " + channel + ")";
        } else if (session != sessions_.end()) {
            error =
                "the conversation's sessionWebhook has expired and no robot is configured "
                "for \"" +
                channel + "\"";
        } else {
            error = "no robot is configured for channel \"" + channel + "\"";
        }
        return nullptr;
    }

    Target& target(const std::string& key, const std::string& channel, bool session) {
        auto it = targets_.find(key);
        if (it != targets_.end()) return it->second;
        Target t;
        t.channel = channel;
        t.session = session;
        const auto rates = rules_.rates();
        std::vector<RateLimiter::Rule> rules;
        const int per_minute = settings_.per_minute > 0 ? settings_.per_minute : rates.per_minute;
        const int per_second = settings_.per_second > 0 ? settings_.per_second : rates.per_second;
        if (per_minute > 0) rules.push_back({per_minute, std::chrono::minutes(1)});
        if (per_second > 0) rules.push_back({per_second, std::chrono::seconds(1)});
        t.limiter = RateLimiter(std::move(rules));
        return targets_.emplace(key, std::move(t)).first->second;
    }

    // -----------------------------------------------------------------------------------
    // The worker thread

    void work() {
        std::unique_lock<std::mutex> lock(mu_);
        std::uint64_t sequence = 0;
        while (!stopping_) {
            const auto now = SteadyClock::now();
            Target* next = nullptr;
            SteadyClock::time_point next_at = SteadyClock::time_point::max();
            for (auto& [_, t] : targets_) {
                if (t.queue.empty()) continue;
                const auto at = std::max(t.limiter.next_allowed(now), t.retry_at);
                if (at < next_at) next_at = at, next = &t;
            }
            if (next == nullptr) {
                cv_.wait(lock);
                continue;
            }
            if (next_at > now) {
                cv_.wait_until(lock, next_at);
                continue;
            }
            Target& t = *next;
            Job& job = t.queue.front();
            if (!job.built) prepare(t, job);
            if (job.bodies.empty()) {
                finish(t, lock,
                       {true, settings_.name + ":" + std::to_string(++sequence), "", true});
                continue;
            }
            std::string url;
            std::string secret;
            if (t.session) {
                const auto s = sessions_.find(t.channel);
                if (s != sessions_.end()) url = s->second.url;
            } else if (const RobotChannel* robot = find_channel(t.channel)) {
                url = robot->url.reveal();
                secret = robot->secret.reveal();
            }
            json body = job.bodies[job.next];
            t.limiter.record(now);
            lock.unlock();
            const std::string final_url = sign(url, secret, body);
            const http::Response response = post(final_url, body);
            const Outcome outcome = interpret(rules_, response);
            lock.lock();
            handle(t, job, outcome, lock, sequence);
        }
    }

    // The worker thread does nothing but HTTP, so it waits for the answer here (the
    // runtime's own timeout ends the wait; the guard below is for a server that trickles).
    http::Response post(const std::string& url, const json& body) {
        runtime::Request request = runtime::Request::json_post(url, body);
        request.timeout = settings_.timeout;
        auto answer = std::make_shared<std::promise<runtime::Result>>();
        auto future = answer->get_future();
        http_.send(std::move(request),
                   [answer](runtime::Result r) { answer->set_value(std::move(r)); });
        http::Response response;
        if (future.wait_for(settings_.timeout + std::chrono::seconds(5)) !=
            std::future_status::ready) {
            response.error = "timed out";
            return response;
        }
        runtime::Result r = future.get();
        response.status = r.status;
        response.headers = std::move(r.headers);
        response.body = std::move(r.body);
        if (r.status == 0) response.error = r.error.empty() ? "no answer" : r.error;
        return response;
    }

    void prepare(const Target& t, Job& job) {
        Mentions mentions;
        if (t.session) {
            const auto s = sessions_.find(t.channel);
            if (s != sessions_.end() && s->second.group && !s->second.staff_id.empty()) {
                mentions.user_ids.push_back(s->second.staff_id);
            }
        }
        job.bodies =
            build_bodies(rules_, settings_.format, job.post.text, mentions, settings_.limits);
        if (core::trim(job.post.text).empty()) job.bodies.clear();
        job.built = true;
    }

    // Adds the platform's signature (DingTalk in the URL, Feishu in the body).
    std::string sign(const std::string& url, const std::string& secret, json& body) const {
        if (secret.empty()) return url;
        return rules_.sign(url, secret, core::to_millis(clock_->now()), body);
    }

    void handle(Target& t, Job& job, const Outcome& outcome, std::unique_lock<std::mutex>& lock,
                std::uint64_t& sequence) {
        const auto now = SteadyClock::now();
        switch (outcome.kind) {
            case Outcome::Kind::ok:
                job.failures = 0;
                job.held_since = {};
                if (++job.next >= job.bodies.size()) {
                    finish(t, lock,
                           {true, settings_.name + ":" + std::to_string(++sequence), "", true});
                }
                return;
            case Outcome::Kind::rate_limited:
            case Outcome::Kind::retry: {
                if (job.held_since == SteadyClock::time_point{}) job.held_since = now;
                ++job.failures;
                const bool limited = outcome.kind == Outcome::Kind::rate_limited;
                std::chrono::milliseconds wait =
                    settings_.retry_initial * (1 << std::min(job.failures - 1, 10));
                if (limited) {
                    wait = settings_.rate_limit_wait.value_or(
                        outcome.wait.value_or(std::chrono::milliseconds(60000)));
                    t.limiter.pause_until(now + wait);
                }
                const bool give_up = (!limited && job.failures >= settings_.retry_attempts) ||
                                     now + wait - job.held_since > settings_.max_hold;
                if (give_up) {
                    spdlog::warn("{}: post to \"{}\" not delivered yet, back to the outbox: {}",
                                 settings_.name, t.channel, outcome.error);
                    finish(t, lock, {false, "", outcome.error, true});
                } else {
                    spdlog::warn("{}: \"{}\" {}; trying again in {} ms", settings_.name, t.channel,
                                 outcome.error, wait.count());
                    t.retry_at = now + wait;
                }
                return;
            }
            case Outcome::Kind::permanent:
                spdlog::error("{}: post to \"{}\" refused for good: {}", settings_.name, t.channel,
                              outcome.error);
                finish(t, lock, {false, "", outcome.error, false});
                return;
        }
    }

    // Pops the head job and reports it, outside the lock.
    void finish(Target& t, std::unique_lock<std::mutex>& lock, core::SendResult result) {
        Job job = std::move(t.queue.front());
        t.queue.pop_front();
        t.retry_at = {};
        --queued_;
        lock.unlock();
        job.done(std::move(result));
        lock.lock();
    }

    // -----------------------------------------------------------------------------------
    // DingTalk outgoing robot callbacks (listener thread)

    // The same, from the process's HTTP server (`/hooks/NAME/callback`).
    http::ListenerResponse on_hook(const http::ListenerRequest& r) {
        HttpRequest request;
        request.method = r.method;
        request.target = r.query.empty() ? r.path : r.path + "?" + r.query;
        request.headers = r.headers;
        request.body = r.body;
        const HttpAnswer a = on_callback(request);
        return {a.status, "application/json; charset=utf-8", a.body, a.headers};
    }

    HttpAnswer on_callback(const HttpRequest& request) {
        const std::string path = request.target.substr(0, request.target.find('?'));
        if (path != settings_.callback.path) return {404, R"({"error":"not_found"})"};
        if (request.method != "POST") return {405, R"({"error":"method_not_allowed"})"};
        auto header = [&](const char* name) {
            const auto it = request.headers.find(name);
            return it == request.headers.end() ? std::string() : it->second;
        };
        const auto check = check_dingtalk_callback(
            header("timestamp"), header("sign"), settings_.callback.app_secret.reveal(),
            core::to_millis(clock_->now()), settings_.callback.max_skew.count());
        switch (check) {
            case CallbackCheck::ok:
                break;
            case CallbackCheck::missing:
                spdlog::warn("{}: callback without timestamp/sign headers refused", settings_.name);
                return {401, R"({"error":"unsigned"})"};
            case CallbackCheck::bad_timestamp:
            case CallbackCheck::stale:
                spdlog::warn("{}: callback with a timestamp more than {} s off refused",
                             settings_.name, settings_.callback.max_skew.count() / 1000);
                return {403, R"({"error":"stale_timestamp"})"};
            case CallbackCheck::bad_sign:
                spdlog::warn("{}: callback with a wrong signature refused", settings_.name);
                return {403, R"({"error":"bad_signature"})"};
        }
        DingTalkMessage m;
        switch (read_dingtalk_message(request.body, m)) {
            case CallbackBody::ok:
                break;
            case CallbackBody::not_json:
                spdlog::warn("{}: callback body is not a JSON object", settings_.name);
                return {400, R"({"error":"bad_json"})"};
            case CallbackBody::not_text: {
                std::lock_guard<std::mutex> lock(mu_);
                if (ignored_types_.insert(m.msgtype).second) {
                    spdlog::info("{}: callback message type \"{}\" ignored", settings_.name,
                                 m.msgtype);
                }
                return {200, "{}"};
            }
            case CallbackBody::incomplete:
                spdlog::warn("{}: callback without msgId, sender or text refused", settings_.name);
                return {400, R"({"error":"bad_request"})"};
        }
        const std::string& user = m.user;
        const bool direct = m.direct;
        const std::string& conversation = m.conversation;
        std::string channel = direct ? "@" + user : conversation;
        for (const auto& c : settings_.channels) {
            if (!direct && !c.conversation_id.empty() && c.conversation_id == conversation) {
                channel = c.name;
            }
        }
        if (channel.empty()) channel = "@" + user;
        if (!m.session_webhook.empty() && is_http_url(m.session_webhook)) {
            Session s;
            s.url = m.session_webhook;
            s.expires_ms = m.session_expires_ms;
            s.staff_id = m.staff_id;
            s.group = !direct;
            std::lock_guard<std::mutex> lock(mu_);
            const std::int64_t now = core::to_millis(clock_->now());
            for (auto it = sessions_.begin(); it != sessions_.end();) {
                it = it->second.expires_ms < now ? sessions_.erase(it) : std::next(it);
            }
            sessions_[channel] = std::move(s);
        }
        core::Event event;
        event.id = settings_.name + ":" + m.msg_id;
        event.where = {settings_.name, channel, ""};
        event.who = {settings_.name, user, m.nick};
        event.text = std::string(core::trim(m.content));
        event.at = clock_->now();
        event.direct = direct;
        event.addressed = true;  // the outgoing robot only hears messages that mention it
        event.extra = {{"message_id", m.msg_id}, {"conversation_id", conversation}};
        if (sink_ != nullptr) sink_->push(std::move(event));
        return {200, "{}"};
    }

    RobotSettings settings_;
    const PlatformRules& rules_;  ///< the platform's strategy, chosen once here
    const core::Clock* clock_;
    std::shared_ptr<http::HookRoutes> hooks_;
    bool own_listener_ = true;
    http::HookClaim hook_;  // /hooks/NAME/callback on the process's HTTP server
    core::EventSink* sink_ = nullptr;
    std::unique_ptr<CallbackServer> callback_;
    std::atomic<int> port_{0};

    std::mutex mu_;
    std::condition_variable cv_;
    bool running_ = false;
    bool stopping_ = false;
    std::map<std::string, Target> targets_;
    std::map<std::string, Session> sessions_;
    std::set<std::string> ignored_types_;
    std::size_t queued_ = 0;
    std::thread worker_;
    runtime::HttpClient http_;  ///< used by the worker only; stop() joins it first
};

void validate(Platform platform, core::SectionReader& section, ConnectorSpec& spec) {
    RobotSettings settings;
    settings.platform = platform;
    read_settings(section, settings);
    spec.channels.clear();
    for (const auto& ch : settings.channels) spec.channels.push_back({ch.name, ch.track});
}

std::unique_ptr<Connector> create(Platform platform, const ConnectorSpec& spec,
                                  const ConnectorContext& context) {
    RobotSettings settings;
    settings.name = spec.name;
    settings.platform = platform;
    reread_section(spec, spec.type, [&](core::SectionReader& section) {
        read_settings(section, settings);
        section.finish();
    });
    return make_robot(std::move(settings), context);
}

}  // namespace

void read_settings(core::SectionReader& section, RobotSettings& settings) {
    const PlatformRules& rules = platform_rules(settings.platform);
    const auto formats = rules.format_names();
    settings.format = parse_format(formats.front());
    if (auto format = section.choice("format", formats)) settings.format = parse_format(*format);
    settings.limits = rules.default_limits(settings.format);
    if (auto max = section.integer("max_bytes", 256,
                                   static_cast<long long>(settings.limits.content_bytes))) {
        settings.limits.content_bytes = static_cast<std::size_t>(*max);
    }
    const auto rates = rules.rates();
    settings.per_minute = rates.per_minute;
    settings.per_second = rates.per_second;
    if (auto rate = section.integer("rate_per_minute", 1, rates.most)) {
        settings.per_minute = static_cast<int>(*rate);
    }
    if (auto timeout = section.integer("timeout_seconds", 1, 120)) {
        settings.timeout = std::chrono::seconds(*timeout);
    }
    read_channel_list(section, settings);
    if (rules.has_callback()) read_callback(section, settings);
    runtime::Transport transport{settings.proxy, settings.tls_ca_file};
    runtime::read_transport(section, transport);
    settings.proxy = transport.proxy;
    settings.tls_ca_file = transport.tls_ca_file;
}

ConnectorType connector_type(Platform platform) {
    return {[platform](core::SectionReader& section, ConnectorSpec& spec) {
                validate(platform, section, spec);
            },
            [platform](const ConnectorSpec& spec, const ConnectorContext& context) {
                return create(platform, spec, context);
            }};
}

std::unique_ptr<Connector> make_robot(RobotSettings settings, const ConnectorContext& context) {
    if (context.clock == nullptr) throw std::invalid_argument("make_robot: context.clock is null");
    if (settings.name.empty()) settings.name = platform_rules(settings.platform).name();
    return std::make_unique<RobotConnector>(std::move(settings), context);
}

int callback_port(const Connector& connector) {
    const auto* robot = dynamic_cast<const RobotConnector*>(&connector);
    return robot != nullptr ? robot->port() : 0;
}

}  // namespace twintrack::connectors::robots
