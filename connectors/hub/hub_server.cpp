#include "connectors/hub/hub_server.hpp"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "connectors/http/server_glue.hpp"
#include "connectors/hub/chat_history.hpp"
#include "connectors/hub/file_store.hpp"
#include "connectors/hub/hub_protocol.hpp"
#include "connectors/hub/hub_sign_in.hpp"
#include "connectors/hub/oidc.hpp"
#include "connectors/hub/platform_sign_in.hpp"
#include "connectors/hub/smtp_mail.hpp"
#include "connectors/runtime/http_client.hpp"
#include "core/base64.hpp"
#include "core/crypto.hpp"
#include "core/event_files.hpp"
#include "core/text.hpp"
#include "hub_page.hpp"
#include "web/dashboard/dashboard_assets.hpp"

namespace twintrack::connectors::hub {
namespace {

// websocketpp's asio config, for an endpoint used from one thread only: every handler,
// send and close of the hub runs on its loop thread (send() and stop() post onto it), so
// the per-connection strands and locks of the multithreaded config are pure overhead on
// every frame read and written.
/// An answer given to a request from its headers alone, its body unread.
struct EarlyAnswer {
    int status = 0;
    std::string body;  ///< JSON
    std::vector<std::pair<std::string, std::string>> headers;
};

/// What a request's headers allow of its body: at most `limit` bytes, or `answer` at once.
struct BodyDecision {
    std::size_t limit = 0;
    std::optional<EarlyAnswer> answer;
    std::shared_ptr<void> ticket;  ///< held until the request is done (uploads in flight)
};
using BodyGate = std::function<BodyDecision(const websocketpp::http::parser::request&)>;

/// websocketpp's request, with the body limit chosen from the headers, before any of the
/// body is read: each hub's gate (HubServer::Loop::admit_body) lets an upload's body be
/// as large as that hub's `max_upload_bytes` only once the request showed it may send
/// it, and answers others (401, 403, 413, 503) without reading it. Every other request
/// keeps the HTTP server's limit (413 before its body is sent).
class HubRequest : public websocketpp::http::parser::request {
  public:
    using Base = websocketpp::http::parser::request;

    void set_gate(const BodyGate* gate) { gate_ = gate; }
    /// The answer the gate gave from the headers; the body was not read.
    const std::optional<EarlyAnswer>& early_answer() const { return answer_; }
    /// The body, moved out (the upload's bytes go to the file worker without a copy).
    std::string take_body() { return std::move(m_body); }

    bool ready() const { return answer_.has_value() || Base::ready(); }

    std::size_t consume(char const* buf, std::size_t len) {
        if (gate_ == nullptr || head_done_) return Base::consume(buf, len);
        // Where the head ends ("\r\n\r\n"), in this piece or across the last one.
        std::size_t end = std::string::npos;
        const std::string joint = tail_ + std::string(buf, std::min<std::size_t>(len, 3));
        if (const auto p = joint.find("\r\n\r\n"); p != std::string::npos) {
            end = p + 4 - tail_.size();
        } else if (const auto q = std::string_view(buf, len).find("\r\n\r\n");
                   q != std::string_view::npos) {
            end = q + 4;
        }
        // The base must not refuse a length before the gate saw the headers.
        set_max_body_size(SIZE_MAX);
        if (end == std::string::npos) {
            tail_ = (tail_ + std::string(buf, len));
            if (tail_.size() > 3) tail_.erase(0, tail_.size() - 3);
            return Base::consume(buf, len);
        }
        head_done_ = true;
        const std::size_t head = Base::consume(buf, end);
        BodyDecision decision = (*gate_)(*this);
        if (decision.answer) {
            answer_ = std::move(decision.answer);
            m_body_bytes_needed = 0;
            return head;
        }
        if (m_body_bytes_needed > decision.limit) {
            throw websocketpp::http::exception(
                "HTTP message body too large",
                websocketpp::http::status_code::request_entity_too_large);
        }
        set_max_body_size(decision.limit);
        ticket_ = std::move(decision.ticket);
        if (Base::ready() || head >= len) return head;
        return head + Base::consume(buf + head, len - head);
    }

  private:
    const BodyGate* gate_ = nullptr;
    bool head_done_ = false;
    std::string tail_;  // the last bytes of the head so far (a "\r\n\r\n" across pieces)
    std::optional<EarlyAnswer> answer_;
    std::shared_ptr<void> ticket_;
};

struct HubConfig : websocketpp::config::asio {
    using type = HubConfig;
    using request_type = HubRequest;
    using base = websocketpp::config::asio;
    using concurrency_type = websocketpp::concurrency::none;
    using alog_type = websocketpp::log::basic<concurrency_type, websocketpp::log::alevel>;
    using elog_type = websocketpp::log::basic<concurrency_type, websocketpp::log::elevel>;
    static const bool enable_multithreading = false;

    struct transport_config : base::transport_config {
        using concurrency_type = type::concurrency_type;
        using request_type = type::request_type;
        using alog_type = type::alog_type;
        using elog_type = type::elog_type;
        static const bool enable_multithreading = false;
    };
    using transport_type = websocketpp::transport::asio::endpoint<transport_config>;
};

using Server = websocketpp::server<HubConfig>;
using Hdl = websocketpp::connection_hdl;
using json = nlohmann::json;

constexpr std::size_t max_frame_bytes = 64 * 1024;
/// The largest picture a message frame carries.
constexpr std::size_t max_image_bytes = 512 * 1024;

/// A picture the web page shows: PNG, JPEG, GIF or WebP, not too large.
bool shown_image(const core::Attachment& a) {
    static const std::set<std::string> types = {"image/png", "image/jpeg", "image/gif",
                                                "image/webp"};
    return types.count(a.mime) > 0 && !a.data.empty() && a.data.size() <= max_image_bytes;
}
/// Action tokens are the bot's; anything longer is not one of them.
constexpr std::size_t max_token_bytes = 512;
constexpr std::size_t max_buffered_bytes = 8 * 1024 * 1024;  // a reader that fell behind
constexpr auto flush_interval = std::chrono::milliseconds(100);
constexpr auto stop_grace = std::chrono::milliseconds(1500);
// Kept files whose time ran out are deleted at start and then daily.
constexpr auto prune_interval = std::chrono::hours(24);
// Each hub instance keeps its files in NAME-files/ ("hub-files").
const char* const files_suffix = "-files";
/// Pictures the page shows inline; every other kept file is served as a download.
bool inline_image(const std::string& mime) {
    return mime == "image/png" || mime == "image/jpeg" || mime == "image/gif" ||
           mime == "image/webp";
}
// Each hub instance keeps its own file: NAME-history.jsonl ("hub-history.jsonl").
const char* const history_suffix = "-history.jsonl";
// The header that tells the bot whose session a forwarded request came with (the bot's
// per-person routes read it; bot/features/metrics/dashboard.cpp).
const char* const signed_in_header = "x-twintrack-signed-in-user";
const char* const locales[] = {"en", "zh-CN"};

std::string host_port(const std::string& host, int port) {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// websocketpp reports listen failures as a generic "pass through" error, so bind a
// plain acceptor to the same endpoint to learn the real reason.
std::string listen_failure(const boost::asio::ip::tcp::endpoint& endpoint) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io);
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec == boost::asio::error::address_in_use) return "address in use";
    if (ec == boost::asio::error::access_denied) return "permission denied";
    if (ec == boost::system::errc::address_not_available) {
        return "address not available on this machine";
    }
    if (ec) return core::ascii_lower(ec.message());
    return "unknown error";
}

std::string random_prefix() {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
    return buf;
}

std::string strip_query(const std::string& resource) {
    return resource.substr(0, resource.find('?'));
}

// Drops nlohmann's "[json.exception.parse_error.101] " prefix and keeps it short.
std::string parse_error_text(const std::string& what) {
    std::string_view text = what;
    if (!text.empty() && text.front() == '[') {
        const auto end = text.find("] ");
        if (end != std::string_view::npos) text.remove_prefix(end + 2);
    }
    return "malformed JSON: " + std::string(core::utf8_prefix(text, 200));
}

struct Session {
    std::string user;
    bool authed = false;
    std::shared_ptr<boost::asio::steady_timer> hello_timer;
    std::string session_hash;    ///< SHA-256 of the session cookie (sign-in required)
    bool hello_pending = false;  ///< the bot is checking the session of a hello
};

/// An OpenID or platform sign-in under way: the browser went to the provider and has not
/// come back.
struct PendingOidc {
    std::string method = "oidc";  ///< oidc, feishu, dingtalk or wecom
    std::string nonce;
    std::string verifier;      ///< PKCE
    std::string browser_hash;  ///< SHA-256 of the cookie binding the state to the browser
    std::int64_t created_ms = 0;
    std::string client;  ///< the address that started it
};

}  // namespace

/// The hub's file worker: one thread that does the disk work of kept files (an upload's
/// bytes and details, a bridged file's copy, the daily prune), so that neither the hub's
/// I/O thread nor the engine's turn waits for a disk. Jobs run in order; those queued
/// when it stops still run.
class FileWorker {
  public:
    explicit FileWorker(std::string hub) : hub_(std::move(hub)), thread_([this] { run(); }) {}
    ~FileWorker() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    FileWorker(const FileWorker&) = delete;
    FileWorker& operator=(const FileWorker&) = delete;

    void post(std::function<void()> job) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            jobs_.push_back(std::move(job));
        }
        cv_.notify_one();
    }

  private:
    void run() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock<std::mutex> lock(mu_);
                cv_.wait(lock, [&] { return done_ || !jobs_.empty(); });
                if (jobs_.empty()) return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            try {
                job();
            } catch (const std::exception& e) {
                spdlog::error("hub {}: file worker: {}", hub_, e.what());
            } catch (...) {
                spdlog::error("hub {}: file worker: unknown error", hub_);
            }
        }
    }

    std::string hub_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool done_ = false;
    std::thread thread_;  // last: starts once the rest is made
};

struct HubServer::Loop {
    Loop(const HubSettings& settings, const ConnectorContext& context, core::EventSink& sink)
        : settings(settings),
          context(context),
          sink(&sink),
          token_required(!is_loopback_bind(settings.bind) || settings.require_token),
          sign_in_required(!settings.sign_in.empty()),
          oidc_enabled(std::find(settings.sign_in.begin(), settings.sign_in.end(), "oidc") !=
                       settings.sign_in.end()),
          platforms_enabled(!settings.platforms.empty()),
          dm_channel("@" + settings.bot_user),
          history(context.data_dir + "/" + settings.name + history_suffix,
                  static_cast<std::size_t>(std::max(1, settings.history_limit))),
          id_prefix(random_prefix()) {
        for (const auto& ch : settings.channels) {
            if (channels.insert(ch.name).second) channel_order.push_back(ch.name);
        }
    }

    // ---- start-up (caller's thread, before the loop runs) ----

    void load_ui() {
        for (const char* locale : locales) {
            const std::string path = context.prompts_dir + "/" + locale + "/hub.yaml";
            try {
                const YAML::Node root = YAML::LoadFile(path);
                const YAML::Node strings = root["ui"];
                if (!strings.IsMap()) throw std::runtime_error("no \"ui:\" mapping");
                json out = json::object();
                for (const auto& kv : strings) {
                    if (!kv.second.IsScalar()) {
                        throw std::runtime_error("ui." + kv.first.as<std::string>() +
                                                 " is not a string");
                    }
                    out[kv.first.as<std::string>()] = kv.second.as<std::string>();
                }
                ui[locale] = dump_json(out);
                ui_json[locale] = std::move(out);
            } catch (const std::exception& e) {
                spdlog::error("hub {}: cannot read UI strings from {}: {}", settings.name, path,
                              e.what());
            }
        }
    }

    int listen() {
        websocketpp::lib::error_code ec;
        server.clear_access_channels(websocketpp::log::alevel::all);
        server.clear_error_channels(websocketpp::log::elevel::all);
        server.init_asio(ec);
        if (ec) throw std::runtime_error("cannot start the hub: " + ec.message());
        server.set_reuse_addr(true);
        server.set_max_message_size(max_frame_bytes);
        // Body and header size, and the time to send a request (WebSocket upgrade or
        // not): the same for every route of the process's one HTTP server.
        http::apply_request_limits(server);
        // Uploads may be larger than other requests, up to this hub's max_upload_bytes,
        // once their headers showed who sends them (HubRequest, admit_body).
        body_gate = [this](const websocketpp::http::parser::request& r) { return admit_body(r); };
        server.set_close_handshake_timeout(1000);
        // Replies are small and come from another thread after the echo of the message
        // they answer; without TCP_NODELAY, Nagle holds them for the peer's delayed ACK.
        server.set_tcp_post_init_handler([this](Hdl h) {
            websocketpp::lib::error_code ec;
            auto con = server.get_con_from_hdl(h, ec);
            if (ec) return;
            boost::system::error_code ignored;
            con->get_raw_socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
            // The request object is the connection's own (not const): only its accessor is.
            const_cast<HubRequest&>(con->get_request()).set_gate(&body_gate);
        });
        server.set_http_handler([this](Hdl h) { guarded("http", [&] { on_http(h); }); });
        server.set_validate_handler([this](Hdl h) { return on_validate(h); });
        server.set_open_handler([this](Hdl h) { guarded("open", [&] { on_open(h); }); });
        server.set_close_handler([this](Hdl h) { forget(h); });
        server.set_fail_handler([this](Hdl h) { forget(h); });
        server.set_message_handler([this](Hdl h, Server::message_ptr m) {
            guarded("message", [&] { on_message(h, m); });
        });

        const std::string host = settings.bind == "localhost" ? "127.0.0.1" : settings.bind;
        const std::string where = host_port(settings.bind, settings.port);
        boost::system::error_code bec;
        const auto address = boost::asio::ip::make_address(host, bec);
        if (bec) {
            throw std::runtime_error("cannot listen on " + where + ": \"" + settings.bind +
                                     "\" is not an IP address");
        }
        if (settings.port < 0 || settings.port > 65535) {
            throw std::runtime_error("cannot listen on " + where + ": port out of range");
        }
        const boost::asio::ip::tcp::endpoint endpoint(address,
                                                      static_cast<unsigned short>(settings.port));
        server.listen(endpoint, ec);
        if (ec)
            throw std::runtime_error("cannot listen on " + where + ": " + listen_failure(endpoint));
        server.start_accept(ec);
        if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
        const auto local = server.get_local_endpoint(bec);
        if (bec) throw std::runtime_error("cannot listen on " + where + ": " + bec.message());
        flush_timer = std::make_unique<boost::asio::steady_timer>(server.get_io_service());
        prune_timer = std::make_unique<boost::asio::steady_timer>(server.get_io_service());
        prune_files();
        if (sign_in_required) {
            sweep_timer = std::make_unique<boost::asio::steady_timer>(server.get_io_service());
            arm_session_sweep();
        }
        if (settings.smtp.enabled()) {
            mailer = std::make_unique<smtp::Mailer>(settings.smtp, *context.clock);
        }
        if (oidc_enabled || platforms_enabled) {
            runtime::Transport transport;
            // Providers on this machine (tests, a local IdP) are never reached by proxy.
            std::vector<std::string> urls;
            if (oidc_enabled) urls.push_back(settings.oidc.issuer);
            for (const auto& [method, p] : settings.platforms) {
                urls.push_back(p.api_url);
                if (!p.oapi_url.empty()) urls.push_back(p.oapi_url);
            }
            const bool all_loopback = std::all_of(urls.begin(), urls.end(), [](const auto& url) {
                std::string scheme, host;
                int port = 0;
                return runtime::parse_http_url(url, scheme, host, port) && is_loopback_bind(host);
            });
            if (all_loopback) transport.proxy = "none";
            http =
                std::make_unique<runtime::HttpClient>(transport, [this](std::function<void()> f) {
                    boost::asio::post(server.get_io_service(), [this, f = std::move(f)] {
                        guarded("OpenID answer", [&] { f(); });
                    });
                });
            for (const auto& [method, p] : settings.platforms) {
                platforms[method] =
                    std::make_unique<platform::PlatformClient>(p, *http, *context.clock);
            }
        }
        return local.port();
    }

    // ---- hub thread only ----

    template <typename F>
    void guarded(const char* what, F&& f) {
        try {
            f();
        } catch (const std::exception& e) {
            spdlog::error("hub {}: {} handler failed: {}", settings.name, what, e.what());
        }
    }

    void shutdown() {
        stopping = true;
        close_gate();
        websocketpp::lib::error_code ec;
        server.stop_listening(ec);
        for (auto& [hdl, _] : sessions) {
            server.close(hdl, websocketpp::close::status::going_away, "hub is shutting down", ec);
        }
        if (flush_timer) flush_timer->cancel();
        if (prune_timer) prune_timer->cancel();
        if (sweep_timer) sweep_timer->cancel();
        if (http) http->shutdown();
        if (mailer) mailer->stop();
        history.flush();
    }

    // HTTP

    void reply(Server::connection_ptr& con, websocketpp::http::status_code::value status,
               const std::string& type, const std::string& body) {
        con->set_status(status);
        con->replace_header("Content-Type", type);
        con->replace_header("Cache-Control", "no-store");
        con->replace_header("X-Content-Type-Options", "nosniff");
        con->set_body(body);
    }

    void reply_json(Server::connection_ptr& con, websocketpp::http::status_code::value status,
                    const json& body) {
        reply(con, status, "application/json; charset=utf-8", dump_json(body));
    }

    // On loopback without a token the hub trusts this machine, but only for requests that
    // name a loopback host: a page elsewhere must not reach it through DNS rebinding.
    bool foreign_host(Server::connection_ptr& con) {
        return !token_required && !is_loopback_host(con->get_request_header("Host"));
    }

    bool bearer_ok(Server::connection_ptr& con) {
        if (!token_required) return true;
        const std::string auth = con->get_request_header("Authorization");
        const std::string scheme = "Bearer ";
        if (auth.compare(0, scheme.size(), scheme) != 0) return false;
        return shared_token_ok(std::string_view(auth).substr(scheme.size()));
    }

    // The one hub token: still accepted for this release, with a warning once per start
    // (per-integration API tokens replace it: `twintrack token create`).
    bool shared_token_ok(std::string_view presented) {
        if (settings.token.empty() ||
            !core::equal_constant_time(presented, settings.token.reveal())) {
            return false;
        }
        if (!shared_token_warned) {
            shared_token_warned = true;
            spdlog::warn(
                "hub {}: the shared hub token was used; it is deprecated and goes in the next "
                "release: give each integration its own token (twintrack token create)",
                settings.name);
        }
        return true;
    }

    // Feature routes: the shared token, or a bearer token the bot checks against the
    // per-integration API tokens (`api_token`; scopes, expiry and revocation are its call).
    bool api_authorised(Server::connection_ptr& con, std::string& api_token) {
        if (!token_required) return authorised(con);
        const std::string auth = con->get_request_header("Authorization");
        const std::string scheme = "Bearer ";
        if (auth.compare(0, scheme.size(), scheme) == 0 && auth.size() > scheme.size()) {
            const std::string_view presented = std::string_view(auth).substr(scheme.size());
            if (!shared_token_ok(presented)) api_token = std::string(presented);
            return true;
        }
        return authorised(con);
    }

    void on_http(Hdl hdl) {
        auto con = server.get_con_from_hdl(hdl);
        using Status = websocketpp::http::status_code::value;
        const std::string method = con->get_request().get_method();
        const std::string path = strip_query(con->get_resource());
        // Answered from its headers, its body unread (admit_body).
        if (const auto& early = con->get_request().early_answer()) {
            for (const auto& [name, value] : early->headers) con->replace_header(name, value);
            reply(con, static_cast<Status>(early->status), "application/json; charset=utf-8",
                  early->body);
            return;
        }
        // Platform callbacks (`/hooks/NAME/...`): each connector checks its platform's
        // signature or token itself; the hub's token and sign-in are not theirs to know.
        if (http::HookRoutes::is_hook_path(path)) {
            const http::ListenerRequest request = http::read_request(con);
            http::write_response(
                con, context.hooks ? context.hooks->dispatch(request)
                                   : http::ListenerResponse{404, "application/json; charset=utf-8",
                                                            R"({"error":"not_found"})"});
            return;
        }
        if (sign_in_required && on_sign_in_http(con, method, path)) return;
        if (path == "/api/v1/files") {
            on_upload(con, method);
            return;
        }
        if (path.rfind("/files/", 0) == 0) {
            on_file(con, method, path);
            return;
        }
        if (path.rfind("/api/v1/", 0) == 0 && path.size() > 8 && path != "/api/v1/people" &&
            path.rfind("/api/v1/ui/", 0) != 0) {
            forward_api(con, method, path);
            return;
        }
        if (method != "GET" && method != "HEAD") {
            con->replace_header("Allow", "GET");
            reply_json(con, Status::method_not_allowed,
                       {{"error", "method_not_allowed"}, {"message", "only GET is served"}});
            return;
        }
        if (path == "/" || path == "/index.html") {
            con->replace_header(
                "Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; "
                "style-src 'unsafe-inline'; connect-src 'self'; img-src data: blob:; "
                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
            con->replace_header("Referrer-Policy", "no-referrer");
            reply(con, Status::ok, "text/html; charset=utf-8", std::string(hub_page()));
        } else if (path == "/dashboard" || path.rfind("/dashboard/", 0) == 0) {
            serve_dashboard(con, path);
        } else if (path == "/healthz") {
            reply_json(con, Status::ok, {{"status", "ok"}});
        } else if (path == "/readyz") {
            const auto reasons =
                context.telemetry ? context.telemetry->not_ready() : std::vector<std::string>{};
            // The leases held: this process's role among several on one database.
            const auto leases =
                context.telemetry ? context.telemetry->leases() : std::vector<std::string>{};
            if (reasons.empty()) {
                reply_json(con, Status::ok, {{"status", "ready"}, {"leases", leases}});
            } else {
                reply_json(con, Status::service_unavailable,
                           {{"status", "not_ready"}, {"reasons", reasons}, {"leases", leases}});
            }
        } else if (path == "/metrics") {
            with_api_access(con, "metrics", [this](Server::connection_ptr c) {
                reply(c, Status::ok, "text/plain; version=0.0.4; charset=utf-8",
                      context.telemetry ? context.telemetry->render() : std::string());
            });
        } else if (path == "/api/v1/people") {
            with_api_access(con, "people", [this](Server::connection_ptr c) {
                reply_json(c, Status::ok, people_json());
            });
        } else if (path.rfind("/api/v1/ui/", 0) == 0) {
            const std::string locale = path.substr(std::string("/api/v1/ui/").size());
            const auto it = ui.find(locale);
            if (it == ui.end()) {
                reply_json(con, Status::not_found,
                           {{"error", "not_found"},
                            {"message", "UI strings exist for en and zh-CN only"}});
            } else {
                reply(con, Status::ok, "application/json; charset=utf-8", it->second);
            }
        } else {
            reply_json(con, Status::not_found,
                       {{"error", "not_found"}, {"message", "no such path: " + path}});
        }
    }

    // The dashboard page's built files (web/dashboard): static, the same for everyone;
    // its figures come from /api/v1/dashboard/..., which needs the sign-in.
    void serve_dashboard(Server::connection_ptr& con, const std::string& path) {
        using Status = websocketpp::http::status_code::value;
        std::string name = path.size() > 11 ? path.substr(11) : "index.html";
        const web::Asset* asset = web::dashboard_asset(name);
        if (asset == nullptr) {
            reply_json(con, Status::not_found,
                       {{"error", "not_found"}, {"message", "no such path: " + path}});
            return;
        }
        con->replace_header("Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; "
                            "style-src 'self' 'unsafe-inline'; connect-src 'self'; "
                            "img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; "
                            "frame-ancestors 'none'");
        con->replace_header("Referrer-Policy", "no-referrer");
        con->replace_header("X-Content-Type-Options", "nosniff");
        reply(con, Status::ok, std::string(asset->content_type), std::string(asset->body));
    }

    json people_json() const {
        json people = json::array();
        if (context.roster) {
            for (const auto& p : *context.roster->get()) {
                people.push_back({{"user_id", p.user_id},
                                  {"display", p.display},
                                  {"department", p.department},
                                  {"locale", p.locale}});
            }
        }
        return people;
    }

    bool authorised(Server::connection_ptr& con) {
        using Status = websocketpp::http::status_code::value;
        if (foreign_host(con)) {
            reply_json(con, Status::forbidden,
                       {{"error", "forbidden"}, {"message", "use a loopback host name"}});
            return false;
        }
        if (!bearer_ok(con)) {
            con->replace_header("WWW-Authenticate", "Bearer");
            reply_json(
                con, Status::unauthorized,
                {{"error", "unauthorized"}, {"message", "send Authorization: Bearer TOKEN"}});
            return false;
        }
        return true;
    }

    // Routes the hub answers itself (`/metrics`, `/api/v1/people`): as `authorised`, or
    // with a per-integration API token that the bot checks for the route's scope
    // (`/_hub/api-token/WHAT`: metrics:read, people:read). `serve` fills the response.
    void with_api_access(Server::connection_ptr con, const std::string& what,
                         std::function<void(Server::connection_ptr)> serve) {
        std::string api_token;
        if (!api_authorised(con, api_token)) return;
        if (api_token.empty()) {
            serve(con);
            return;
        }
        if (!defer(con)) return;
        core::ApiRequest request;
        request.connector = settings.name;
        request.method = "GET";
        request.path = "/_hub/api-token/" + what;
        request.api_token = std::move(api_token);
        sink->request(std::move(request), [this, con, gate = reply_gate,
                                           serve = std::move(serve)](core::ApiResponse response) {
            std::lock_guard<std::mutex> lock(gate->mu);
            if (!gate->open) return;
            boost::asio::post(server.get_io_service(),
                              [this, con, serve, response = std::move(response)]() mutable {
                                  guarded("api token answer", [&] {
                                      if (response.status == 200) {
                                          serve(con);
                                      } else {
                                          for (const auto& [name, value] : response.headers) {
                                              con->replace_header(name, value);
                                          }
                                          reply(con, static_cast<Status>(response.status),
                                                response.content_type, response.body);
                                      }
                                      con->send_http_response();
                                  });
                              });
        });
    }

    // Routes served by the bot's features: authenticated here, answered by the engine.
    // The response is deferred and sent from this thread once the engine replies.
    void forward_api(Server::connection_ptr& con, const std::string& method,
                     const std::string& path) {
        if (sign_in_required && !has_bearer(con)) {
            forward_signed_in(con, method, path);
            return;
        }
        core::ApiRequest request;
        if (!api_authorised(con, request.api_token)) return;
        websocketpp::lib::error_code ec = con->defer_http_response();
        if (ec) {
            reply_json(con, websocketpp::http::status_code::internal_server_error,
                       {{"error", "internal"}, {"message", ec.message()}});
            return;
        }
        dispatch_api(con, method, path, std::move(request));
    }

    // Hands a forwarded request to the bot; the response is deferred already.
    void dispatch_api(Server::connection_ptr con, const std::string& method,
                      const std::string& path, core::ApiRequest request) {
        request.connector = settings.name;
        request.method = method;
        request.path = path;
        const std::string& resource = con->get_resource();
        const auto q = resource.find('?');
        if (q != std::string::npos) request.query = core::parse_query(resource.substr(q + 1));
        for (const auto& [name, value] : con->get_request().get_headers()) {
            const std::string lower = core::ascii_lower(name);
            if (lower == "authorization" || lower == signed_in_header) continue;  // never passed on
            request.headers[core::ascii_lower(name)] = value;
        }
        request.body = con->get_request_body();
        sink->request(std::move(request), [this, con,
                                           gate = reply_gate](core::ApiResponse response) {
            // The engine may answer after the hub stopped: the gate tells.
            std::lock_guard<std::mutex> lock(gate->mu);
            if (!gate->open) return;
            boost::asio::post(server.get_io_service(), [this, con,
                                                        response = std::move(response)]() mutable {
                guarded("api reply", [&] {
                    for (const auto& [name, value] : response.headers) {
                        con->replace_header(name, value);
                    }
                    reply(con, static_cast<websocketpp::http::status_code::value>(response.status),
                          response.content_type, response.body);
                    con->send_http_response();
                });
            });
        });
    }

    // ---- Sign-in (`sign_in: [link]`; docs/ARCHITECTURE.md, "Hub sign-in") ----
    // The hub keeps cookies, CSRF and sockets; who a session belongs to, links and
    // revocation are the bot's (internal `/_hub/...` routes, bot/sign_in.hpp).

    using Status = websocketpp::http::status_code::value;
    using BotAnswer = std::function<void(int status, const json& body)>;

    // Asks the bot; `done` runs on the hub thread, and not at all once the hub stopped.
    void ask_bot(const std::string& path, json body, BotAnswer done) {
        core::ApiRequest request;
        request.connector = settings.name;
        request.method = "POST";
        request.path = path;
        body["connector"] = settings.name;
        request.body = dump_json(body);
        sink->request(std::move(request), [this, gate = reply_gate,
                                           done = std::move(done)](core::ApiResponse response) {
            std::lock_guard<std::mutex> lock(gate->mu);
            if (!gate->open) return;
            boost::asio::post(server.get_io_service(),
                              [this, done, response = std::move(response)] {
                                  guarded("sign-in answer", [&] {
                                      json answer = json::parse(response.body, nullptr, false);
                                      if (!answer.is_object()) answer = json::object();
                                      done(response.status, answer);
                                  });
                              });
        });
    }

    bool secure_cookie() const { return settings.public_url.rfind("https://", 0) == 0; }

    bool same_origin(Server::connection_ptr& con) {
        const std::string origin = con->get_request_header("Origin");
        return !origin.empty() &&
               core::ascii_lower(origin) ==
                   expected_origin(settings.public_url, con->get_request_header("Host"));
    }

    bool has_bearer(Server::connection_ptr& con) {
        return con->get_request_header("Authorization").rfind("Bearer ", 0) == 0;
    }

    std::string session_id_of(Server::connection_ptr& con) {
        return cookie_value(con->get_request_header("Cookie"), session_cookie_name);
    }

    // Defers the response; false (and a 500 sent) when websocketpp cannot.
    bool defer(Server::connection_ptr& con) {
        websocketpp::lib::error_code ec = con->defer_http_response();
        if (!ec) return true;
        reply_json(con, Status::internal_server_error,
                   {{"error", "internal"}, {"message", ec.message()}});
        return false;
    }

    void finish(Server::connection_ptr con, Status status, const json& body) {
        reply_json(con, status, body);
        con->send_http_response();
    }

    void not_signed_in(Server::connection_ptr con, bool deferred) {
        con->replace_header("Set-Cookie",
                            session_set_cookie("", std::chrono::seconds(0), secure_cookie()));
        reply_json(con, Status::unauthorized,
                   {{"error", "not_signed_in"},
                    {"message", "sign in first"},
                    {"sign_in", settings.sign_in},
                    {"link_email", mailer != nullptr}});
        if (deferred) con->send_http_response();
    }

    // Runs `then(answer, session id)` once the bot confirmed the request's session (which
    // counts as use); answers 401 otherwise. The response is deferred: `then` sends it.
    void with_session(Server::connection_ptr con,
                      std::function<void(const json&, const std::string&)> then) {
        const std::string id = session_id_of(con);
        if (id.empty()) {
            not_signed_in(con, false);
            return;
        }
        if (!defer(con)) return;
        ask_bot("/_hub/session",
                {{"session_hash", core::sha256_hex(id)},
                 {"idle_ms", static_cast<std::int64_t>(settings.session_idle.count())}},
                [this, con, id, then = std::move(then)](int status, const json& answer) {
                    if (status != 200) {
                        not_signed_in(con, true);
                        return;
                    }
                    then(answer, id);
                });
    }

    // CSRF on routes that change state with the cookie: the request must come from the
    // hub's own origin and carry the session's token in X-CSRF-Token.
    bool csrf_ok(Server::connection_ptr& con) {
        const std::string id = session_id_of(con);
        const std::string presented = con->get_request_header(csrf_header);
        return !id.empty() && same_origin(con) && !presented.empty() &&
               core::equal_constant_time(presented, csrf_token(id));
    }

    // The answer to a state-changing request whose CSRF check failed.
    void refuse_csrf(Server::connection_ptr& con) {
        reply_json(
            con, Status::forbidden,
            {{"error", "csrf"}, {"message", "missing or wrong X-CSRF-Token, or another origin"}});
    }

    void forward_signed_in(Server::connection_ptr con, const std::string& method,
                           const std::string& path) {
        if (method != "GET" && method != "HEAD" && !csrf_ok(con)) {
            spdlog::warn("hub {}: refused {} {}: missing or wrong CSRF token", settings.name,
                         method, path);
            refuse_csrf(con);
            return;
        }
        with_session(con, [this, con, method, path](const json& answer, const std::string&) {
            // Who the session belongs to, for routes that answer per person (the
            // dashboard); a client's own header of that name is never passed on.
            core::ApiRequest request;
            request.headers[signed_in_header] = answer.value("user", "");
            dispatch_api(con, method, path, std::move(request));
        });
    }

    // The sign-in routes; false when `path` is none of them.
    bool on_sign_in_http(Server::connection_ptr& con, const std::string& method,
                         const std::string& path) {
        const bool oidc_route = path == "/sign-in/oidc" || path == "/sign-in/oidc/callback";
        if (oidc_enabled && oidc_route) {
            if (method != "GET") {
                con->replace_header("Allow", "GET");
                reply_json(con, Status::method_not_allowed,
                           {{"error", "method_not_allowed"}, {"message", "use GET"}});
                return true;
            }
            if (!defer(con)) return true;
            if (path == "/sign-in/oidc") {
                oidc_start(con);
            } else {
                oidc_callback(con);
            }
            return true;
        }
        if (platforms_enabled && path.rfind("/sign-in/", 0) == 0) {
            const std::string rest = path.substr(9);
            const std::string suffix = "/callback";
            const bool callback =
                rest.size() > suffix.size() &&
                rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) == 0;
            const std::string way = callback ? rest.substr(0, rest.size() - suffix.size()) : rest;
            if (platforms.count(way)) {
                if (method != "GET") {
                    con->replace_header("Allow", "GET");
                    reply_json(con, Status::method_not_allowed,
                               {{"error", "method_not_allowed"}, {"message", "use GET"}});
                    return true;
                }
                if (!defer(con)) return true;
                if (callback) {
                    platform_callback(con, way);
                } else {
                    platform_start(con, way);
                }
                return true;
            }
        }
        if (path == "/sign-out") {
            sign_out(con, method);
            return true;
        }
        const bool link_route = path == "/sign-in/link" || path == "/sign-in/redeem";
        if (link_route && std::find(settings.sign_in.begin(), settings.sign_in.end(), "link") ==
                              settings.sign_in.end()) {
            reply_json(con, Status::not_found,
                       {{"error", "not_found"}, {"message", "sign-in by link is not enabled"}});
            return true;
        }
        const bool link = path == "/sign-in/link";
        if (link || path == "/sign-in/redeem") {
            if (method != "POST") {
                con->replace_header("Allow", "POST");
                reply_json(con, Status::method_not_allowed,
                           {{"error", "method_not_allowed"}, {"message", "use POST"}});
                return true;
            }
            // No session yet, so no token: the origin check (and SameSite) stop CSRF.
            if (!same_origin(con)) {
                reply_json(con, Status::forbidden,
                           {{"error", "csrf"}, {"message", "a request from another origin"}});
                return true;
            }
            json body = json::parse(con->get_request_body(), nullptr, false);
            const std::string field = link ? "who" : "token";
            const auto value = body.is_object() ? body.find(field) : body.end();
            if (!body.is_object() || value == body.end() || !value->is_string() ||
                core::trim(value->get_ref<const std::string&>()).empty() ||
                value->get_ref<const std::string&>().size() > 320) {
                reply_json(con, Status::bad_request,
                           {{"error", "bad_request"},
                            {"message", "send a JSON object with a string \"" + field + "\""}});
                return true;
            }
            // Without public_url (loopback only) links name the Host of the request:
            // only a loopback one, so a forged Host cannot send people elsewhere.
            if (link && settings.public_url.empty() &&
                !is_loopback_host(con->get_request_header("Host"))) {
                reply_json(con, Status::forbidden,
                           {{"error", "forbidden"}, {"message", "use a loopback host name"}});
                return true;
            }
            if (!defer(con)) return true;
            if (link) {
                const std::string url = settings.public_url.empty()
                                            ? "http://" + con->get_request_header("Host")
                                            : settings.public_url;
                ask_bot("/_hub/sign-in/link",
                        {{"who", std::string(core::trim(value->get_ref<const std::string&>()))},
                         {"client", client_address(con->get_remote_endpoint())},
                         {"url", url},
                         {"email", mailer != nullptr}},
                        [this, con](int status, const json& answer) {
                            if (status == 429) {
                                finish(con, static_cast<Status>(429), answer);
                            } else if (status == 202 && mailer && answer.contains("email") &&
                                       answer["email"].is_object()) {
                                send_link_mail(con, answer["email"]);
                            } else {
                                // The same answer whether or not the person exists.
                                finish(con, Status::accepted, {{"status", "sent"}});
                            }
                        });
            } else {
                ask_bot(
                    "/_hub/sign-in/redeem",
                    {{"token", *value},
                     {"absolute_ms", static_cast<std::int64_t>(settings.session_absolute.count())}},
                    [this, con](int status, const json& answer) {
                        const std::string session = answer.value("session", "");
                        if (status != 200 || session.empty()) {
                            finish(con, Status::unauthorized,
                                   {{"error", answer.value("error", "invalid_link")},
                                    {"message",
                                     "this sign-in link is not valid: ask for a "
                                     "new one"}});
                            return;
                        }
                        con->replace_header(
                            "Set-Cookie",
                            session_set_cookie(session,
                                               std::chrono::duration_cast<std::chrono::seconds>(
                                                   settings.session_absolute),
                                               secure_cookie()));
                        finish(con, Status::ok,
                               {{"user", answer.value("user", "")}, {"csrf", csrf_token(session)}});
                    });
            }
            return true;
        }
        const bool people = path == "/api/v1/people";
        if ((path == "/api/v1/session" || people) && !(people && has_bearer(con))) {
            if (method != "GET" && method != "HEAD") {
                con->replace_header("Allow", "GET");
                reply_json(con, Status::method_not_allowed,
                           {{"error", "method_not_allowed"}, {"message", "only GET is served"}});
                return true;
            }
            with_session(con, [this, con, people](const json& answer, const std::string& id) {
                finish(con, Status::ok,
                       people ? people_json()
                              : json{{"user", answer.value("user", "")},
                                     {"locale", answer.value("locale", "")},
                                     {"csrf", csrf_token(id)},
                                     {"sign_in", settings.sign_in}});
            });
            return true;
        }
        return false;
    }

    // The bot chose email for this link ({"to","subject","body","link"}): the Mailer's
    // thread talks to the relay; the browser hears "sent", or 502 when the relay is down
    // or refuses the mail (logged without the address, the link or any secret).
    void send_link_mail(Server::connection_ptr con, const json& email) {
        smtp::Mail mail;
        mail.to = email.value("to", "");
        mail.subject = email.value("subject", "");
        mail.body = email.value("body", "");
        const std::string link = email.value("link", "");
        mailer->send(std::move(mail),
                     [this, con, link, gate = reply_gate](const smtp::Outcome& outcome) {
                         std::lock_guard<std::mutex> lock(gate->mu);
                         if (!gate->open) return;
                         boost::asio::post(server.get_io_service(), [this, con, link, outcome] {
                             guarded("sign-in email", [&] { link_mail_sent(con, link, outcome); });
                         });
                     });
    }

    void link_mail_sent(Server::connection_ptr con, const std::string& link,
                        const smtp::Outcome& outcome) {
        if (outcome.ok) {
            finish(con, Status::accepted, {{"status", "sent"}});
            return;
        }
        const auto& relay = settings.smtp;
        spdlog::warn("hub {}: could not send a sign-in link by email through {}:{} ({}): {}",
                     settings.name, relay.host, relay.port, smtp::security_name(relay.security),
                     outcome.problem);
        ask_bot("/_hub/sign-in/link/undelivered",
                {{"link", link}, {"why", outcome.problem}, {"reply_code", outcome.reply_code}},
                [](int, const json&) {});
        finish(con, Status::bad_gateway,
               {{"error", "email_failed"},
                {"message",
                 "the sign-in email could not be sent: try again in a few minutes, or ask an "
                 "admin"}});
    }

    // ---- Sign-out: POST /sign-out with the cookie and the CSRF token ----

    void sign_out(Server::connection_ptr con, const std::string& method) {
        if (method != "POST") {
            con->replace_header("Allow", "POST");
            reply_json(con, Status::method_not_allowed,
                       {{"error", "method_not_allowed"}, {"message", "use POST"}});
            return;
        }
        if (!csrf_ok(con)) {
            refuse_csrf(con);
            return;
        }
        if (!defer(con)) return;
        const std::string hash = core::sha256_hex(session_id_of(con));
        ask_bot("/_hub/sign-out", {{"session_hash", hash}},
                [this, con, hash](int status, const json& answer) {
                    if (status != 200) {
                        finish(con, Status::internal_server_error,
                               {{"error", answer.value("error", "internal")},
                                {"message", "could not sign out; try again"}});
                        return;
                    }
                    // This hub's sockets of the session close now; other hubs' sweeps
                    // find the revocation within `session_check`.
                    std::vector<Hdl> closing;
                    for (const auto& [hdl, s] : sessions) {
                        if (s.session_hash == hash) closing.push_back(hdl);
                    }
                    for (const auto& hdl : closing) {
                        refuse(hdl, ErrorCode::session_ended, "you signed out");
                    }
                    con->replace_header(
                        "Set-Cookie",
                        session_set_cookie("", std::chrono::seconds(0), secure_cookie()));
                    finish(con, Status::ok, {{"status", "signed_out"}});
                });
    }

    // ---- OpenID Connect (`sign_in: [oidc]`): authorization code flow with PKCE ----
    // GET /sign-in/oidc sends the browser to the provider with a fresh state, nonce and
    // PKCE challenge, bound to the browser by a cookie; GET /sign-in/oidc/callback
    // exchanges the code, verifies the ID token and asks the bot for a session for the
    // person with that (verified) email.

    static constexpr const char* oidc_cookie_name = "twintrack_oidc";
    static constexpr std::size_t max_pending_oidc = 1000;
    /// Sign-ins under way from one address (so one address cannot crowd out the rest).
    static constexpr std::size_t max_pending_oidc_per_client = 20;

    std::int64_t now_ms() const { return core::to_millis(context.clock->now()); }

    static std::string html_escape(const std::string& text) {
        std::string out;
        for (char c : text) {
            switch (c) {
                case '&':
                    out += "&amp;";
                    break;
                case '<':
                    out += "&lt;";
                    break;
                case '>':
                    out += "&gt;";
                    break;
                case '"':
                    out += "&quot;";
                    break;
                case '\'':
                    out += "&#39;";
                    break;
                default:
                    out += c;
            }
        }
        return out;
    }

    void redirect(Server::connection_ptr con, const std::string& location,
                  const std::string& set_cookie) {
        con->replace_header("Set-Cookie", set_cookie);
        con->replace_header("Location", location);
        reply(con, Status::found, "text/plain; charset=utf-8", "");
        con->send_http_response();
    }

    std::string ui_text(const std::string& locale, const std::string& key) {
        const auto it = ui_json.find(locale);
        if (it != ui_json.end() && it->second.contains(key)) return it->second[key];
        const auto en = ui_json.find("en");
        if (en != ui_json.end() && en->second.contains(key)) return en->second[key];
        return key;
    }

    // A small page in the reader's language for an OpenID sign-in that did not work.
    void oidc_page(Server::connection_ptr con, int status, const std::string& locale,
                   const std::string& key, const std::string& email = "",
                   const std::string& method = "") {
        std::string text = ui_text(locale, key);
        const auto at = text.find("{email}");
        if (at != std::string::npos) text.replace(at, 7, email);
        if (!method.empty()) {
            const std::string platform_name = ui_text(locale, "platform_name_" + method);
            for (auto pos = text.find("{platform}"); pos != std::string::npos;
                 pos = text.find("{platform}", pos + platform_name.size())) {
                text.replace(pos, 10, platform_name);
            }
        }
        const std::string body =
            "<!doctype html>\n<html lang=\"" + locale + "\"><head><meta charset=\"utf-8\">" +
            "<meta name=\"viewport\" content=\"width=device-width\"><title>" +
            html_escape(ui_text(locale, "page_title")) + "</title></head><body><h1>" +
            html_escape(ui_text(locale, "oidc_failed_title")) + "</h1><p id=\"reason\">" +
            html_escape(text) + "</p><p><a href=\"/\">" +
            html_escape(ui_text(locale, "oidc_back")) + "</a></p></body></html>\n";
        con->replace_header("Content-Security-Policy", "default-src 'none'");
        reply(con, static_cast<Status>(status), "text/html; charset=utf-8", body);
        con->send_http_response();
    }

    // A failed OpenID sign-in: audited and counted against the client address by the
    // bot, logged without secrets, and a page for the reader.
    void oidc_fail(Server::connection_ptr con, const std::string& client, const std::string& locale,
                   const std::string& why, int status, const std::string& key,
                   const std::string& email = "", const std::string& method = "oidc") {
        spdlog::warn("hub {}: {} sign-in from {} failed: {}", settings.name,
                     method == "oidc" ? "OpenID" : method, client, why);
        ask_bot("/_hub/sign-in/oidc/failed",
                {{"client", client}, {"why", why}, {"email", email}, {"via", method}},
                [](int, const json&) {});
        oidc_page(con, status, locale, key, email, method == "oidc" ? "" : method);
    }

    static bool endpoint_ok(const json& doc, const char* key) {
        const auto it = doc.find(key);
        if (it == doc.end() || !it->is_string()) return false;
        const std::string url = *it;
        std::string scheme, host;
        int port = 0;
        return runtime::parse_http_url(url, scheme, host, port) &&
               (scheme == "https" || is_loopback_bind(host));
    }

    // Runs `done(true)` once the discovery document is known (fetched once per start).
    void with_discovery(std::function<void(bool)> done) {
        if (!oidc_discovery.is_null()) {
            done(true);
            return;
        }
        discovery_waiters.push_back(std::move(done));
        if (discovery_waiters.size() > 1) return;
        std::string issuer = settings.oidc.issuer;
        while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
        runtime::Request request;
        request.url = issuer + "/.well-known/openid-configuration";
        request.headers = {{"Accept", "application/json"}};
        request.max_body = 256 * 1024;
        request.timeout = std::chrono::seconds(10);
        http->send(std::move(request), [this](runtime::Result result) {
            json doc = result.ok() ? result.json() : json();
            std::string problem;
            if (!result.ok()) {
                problem = result.error;
            } else if (!doc.is_object()) {
                problem = "the discovery document is not JSON";
            } else if (doc.value("issuer", "") != settings.oidc.issuer) {
                problem = "the discovery document names another issuer";
            } else if (!endpoint_ok(doc, "authorization_endpoint") ||
                       !endpoint_ok(doc, "token_endpoint") || !endpoint_ok(doc, "jwks_uri")) {
                problem = "the discovery document lacks an https endpoint";
            }
            if (problem.empty()) {
                oidc_discovery = std::move(doc);
            } else {
                spdlog::warn("hub {}: OpenID provider {}: {}", settings.name, settings.oidc.issuer,
                             problem);
            }
            auto waiters = std::move(discovery_waiters);
            discovery_waiters.clear();
            for (auto& w : waiters) w(problem.empty());
        });
    }

    // Fetches the JWKS again; `done(true)` once it arrived.
    void fetch_jwks(std::function<void(bool)> done) {
        jwks_waiters.push_back(std::move(done));
        if (jwks_waiters.size() > 1) return;
        runtime::Request request;
        request.url = oidc_discovery.value("jwks_uri", "");
        request.headers = {{"Accept", "application/json"}};
        request.max_body = 256 * 1024;
        request.timeout = std::chrono::seconds(10);
        http->send(std::move(request), [this](runtime::Result result) {
            const bool ok = result.ok() && result.json().is_object();
            if (ok) {
                jwks = oidc::KeySet::parse(result.json());
                jwks_fetched_ms = now_ms();
            } else {
                spdlog::warn("hub {}: OpenID provider keys: {}", settings.name,
                             result.ok() ? "not JSON" : result.error);
            }
            auto waiters = std::move(jwks_waiters);
            jwks_waiters.clear();
            for (auto& w : waiters) w(ok);
        });
    }

    void prune_pending() {
        const std::int64_t oldest = now_ms() - oidc::pending_minutes * 60 * 1000;
        for (auto it = oidc_pending.begin(); it != oidc_pending.end();) {
            it = it->second.created_ms < oldest ? oidc_pending.erase(it) : std::next(it);
        }
    }

    // Whether one more sign-in may wait for its callback (OpenID Connect and the platforms
    // share the bounds); otherwise answers 429 (this client has too many) or 503 (all).
    bool room_for_pending(Server::connection_ptr con, const std::string& client,
                          const std::string& locale) {
        prune_pending();
        const auto from_client = static_cast<std::size_t>(
            std::count_if(oidc_pending.begin(), oidc_pending.end(),
                          [&](const auto& kv) { return kv.second.client == client; }));
        if (oidc_pending.size() < max_pending_oidc && from_client < max_pending_oidc_per_client) {
            return true;
        }
        oidc_page(con, from_client >= max_pending_oidc_per_client ? 429 : 503, locale,
                  "sign_in_link_wait");
        return false;
    }

    void oidc_start(Server::connection_ptr con) {
        const std::string client = client_address(con->get_remote_endpoint());
        const std::string locale = oidc::locale_of(con->get_request_header("Accept-Language"));
        ask_bot("/_hub/sign-in/oidc/allowed", {{"client", client}},
                [this, con, client, locale](int status, const json&) {
                    if (status == 429) {
                        oidc_page(con, 429, locale, "sign_in_link_wait");
                        return;
                    }
                    with_discovery([this, con, client, locale](bool ok) {
                        if (!ok) {
                            oidc_page(con, 502, locale, "oidc_unavailable");
                            return;
                        }
                        if (!room_for_pending(con, client, locale)) return;
                        const std::string state = core::random_hex(32);
                        const std::string browser = core::random_hex(32);
                        PendingOidc pending;
                        pending.nonce = core::random_hex(32);
                        pending.verifier = core::random_hex(32);  // 64 characters
                        pending.browser_hash = core::sha256_hex(browser);
                        pending.created_ms = now_ms();
                        pending.client = client;
                        const std::string challenge = oidc::pkce_challenge(pending.verifier);
                        const std::string nonce = pending.nonce;
                        oidc_pending[state] = std::move(pending);
                        std::string url = oidc_discovery.value("authorization_endpoint", "");
                        url += url.find('?') == std::string::npos ? "?" : "&";
                        url += core::form_encode({{"response_type", "code"},
                                                  {"client_id", settings.oidc.client_id},
                                                  {"redirect_uri", settings.oidc.redirect_url},
                                                  {"scope", "openid email profile"},
                                                  {"state", state},
                                                  {"nonce", nonce},
                                                  {"code_challenge", challenge},
                                                  {"code_challenge_method", "S256"}});
                        // Lax, not Strict: the provider sends the browser back with a
                        // cross-site navigation, and the cookie must come along.
                        std::string cookie =
                            std::string(oidc_cookie_name) + "=" + browser +
                            "; Path=/sign-in/oidc; HttpOnly; SameSite=Lax; Max-Age=" +
                            std::to_string(oidc::pending_minutes * 60);
                        if (secure_cookie()) cookie += "; Secure";
                        redirect(con, url, cookie);
                    });
                });
    }

    void oidc_callback(Server::connection_ptr con) {
        const std::string client = client_address(con->get_remote_endpoint());
        const std::string locale = oidc::locale_of(con->get_request_header("Accept-Language"));
        const std::string& resource = con->get_resource();
        const auto q = resource.find('?');
        auto query = core::parse_query(q == std::string::npos ? "" : resource.substr(q + 1));
        const auto it = oidc_pending.find(query["state"]);
        if (query["state"].empty() || it == oidc_pending.end()) {
            oidc_fail(con, client, locale, "unknown_state", 400, "oidc_failed");
            return;
        }
        // A state works once, whatever happens next.
        const PendingOidc pending = std::move(it->second);
        oidc_pending.erase(it);
        if (pending.method != "oidc") {
            oidc_fail(con, client, locale, "state_of_another_method", 400, "oidc_failed");
            return;
        }
        const std::string browser =
            cookie_value(con->get_request_header("Cookie"), oidc_cookie_name);
        if (browser.empty() ||
            !core::equal_constant_time(core::sha256_hex(browser), pending.browser_hash)) {
            oidc_fail(con, client, locale, "other_browser", 400, "oidc_failed");
            return;
        }
        if (now_ms() - pending.created_ms > oidc::pending_minutes * 60 * 1000) {
            oidc_fail(con, client, locale, "state_expired", 400, "oidc_failed");
            return;
        }
        if (!query["error"].empty() || query["code"].empty()) {
            oidc_fail(con, client, locale, "provider_refused", 401, "oidc_failed");
            return;
        }
        with_discovery([this, con, client, locale, pending, code = query["code"]](bool ok) {
            if (!ok) {
                oidc_fail(con, client, locale, "provider_unreachable", 502, "oidc_unavailable");
                return;
            }
            runtime::Request request;
            request.method = "POST";
            request.url = oidc_discovery.value("token_endpoint", "");
            request.content_type = "application/x-www-form-urlencoded";
            request.body = core::form_encode({{"grant_type", "authorization_code"},
                                              {"code", code},
                                              {"redirect_uri", settings.oidc.redirect_url},
                                              {"client_id", settings.oidc.client_id},
                                              {"code_verifier", pending.verifier}});
            request.headers = {
                {"Accept", "application/json"},
                {"Authorization",
                 "Basic " +
                     core::base64_encode(core::url_encode(settings.oidc.client_id) + ":" +
                                         core::url_encode(settings.oidc.client_secret.reveal()))}};
            request.max_body = 256 * 1024;
            request.timeout = std::chrono::seconds(10);
            http->send(
                std::move(request), [this, con, client, locale, pending](runtime::Result result) {
                    const json answer = result.ok() ? result.json() : json();
                    if (!answer.is_object() || !answer.contains("id_token") ||
                        !answer["id_token"].is_string()) {
                        oidc_fail(con, client, locale,
                                  result.ok() ? "no_id_token"
                                              : "token_endpoint_" +
                                                    std::string(runtime::kind_name(result.kind)),
                                  502, "oidc_unavailable");
                        return;
                    }
                    check_id_token(con, client, locale, pending, answer["id_token"], false);
                });
        });
    }

    // Verifies the ID token; an unknown key fetches the provider's keys again (at most
    // once a minute), then tries once more.
    void check_id_token(Server::connection_ptr con, const std::string& client,
                        const std::string& locale, const PendingOidc& pending,
                        const std::string& id_token, bool refetched) {
        const bool stale = !jwks_fetched_ms || now_ms() - *jwks_fetched_ms >= 60 * 1000;
        const oidc::Verified v = oidc::verify_id_token(
            id_token, jwks,
            {settings.oidc.issuer, settings.oidc.client_id, pending.nonce, now_ms()});
        if (v.problem == oidc::Problem::unknown_key && !refetched && stale) {
            fetch_jwks([this, con, client, locale, pending, id_token](bool ok) {
                if (!ok) {
                    oidc_fail(con, client, locale, "keys_unreachable", 502, "oidc_unavailable");
                    return;
                }
                check_id_token(con, client, locale, pending, id_token, true);
            });
            return;
        }
        if (v.problem != oidc::Problem::none) {
            oidc_fail(con, client, locale, std::string("id_token_") + oidc::problem_name(v.problem),
                      401, "oidc_failed");
            return;
        }
        const json& claims = v.claims;
        const std::string email = claims.value("email", "");
        const auto verified = claims.find("email_verified");
        if (email.empty() || verified == claims.end() || *verified != true) {
            oidc_fail(con, client, locale, "email_unverified", 403, "oidc_unverified_email", email);
            return;
        }
        json ask = {{"client", client},
                    {"email", email},
                    {"subject", claims.value("sub", "")},
                    {"absolute_ms", static_cast<std::int64_t>(settings.session_absolute.count())}};
        if (!settings.oidc.groups_claim.empty() && claims.contains(settings.oidc.groups_claim)) {
            ask["role"] =
                oidc::role_for_groups(claims[settings.oidc.groups_claim], settings.oidc.roles);
        }
        ask_bot(
            "/_hub/sign-in/oidc", ask, [this, con, locale, email](int status, const json& answer) {
                const std::string session = answer.value("session", "");
                if (status == 429) {
                    oidc_page(con, 429, locale, "sign_in_link_wait");
                } else if (status == 200 && !session.empty()) {
                    redirect(con, "/",
                             session_set_cookie(session,
                                                std::chrono::duration_cast<std::chrono::seconds>(
                                                    settings.session_absolute),
                                                secure_cookie()));
                } else if (answer.value("error", "") == "unknown_email") {
                    oidc_page(con, 403, locale, "oidc_unknown_email", email);
                } else {
                    oidc_page(con, 403, locale, "oidc_no_hub_identity", email);
                }
            });
    }

    // ---- Platform accounts (`sign_in: [feishu, dingtalk, wecom]`; platform_sign_in.hpp) ----
    // GET /sign-in/METHOD sends the browser to the platform's sign-in page with a fresh
    // state bound to the browser by a cookie (and Feishu's PKCE challenge); GET
    // /sign-in/METHOD/callback checks the state, has the platform say who signed in, and
    // asks the bot for a session for the person with that platform identity.

    static constexpr const char* platform_cookie_name = "twintrack_sign_in";

    void platform_start(Server::connection_ptr con, const std::string& method) {
        const std::string client = client_address(con->get_remote_endpoint());
        const std::string locale = oidc::locale_of(con->get_request_header("Accept-Language"));
        ask_bot("/_hub/sign-in/oidc/allowed", {{"client", client}},
                [this, con, client, locale, method](int status, const json&) {
                    if (status == 429) {
                        oidc_page(con, 429, locale, "sign_in_link_wait");
                        return;
                    }
                    if (!room_for_pending(con, client, locale)) return;
                    const std::string state = core::random_hex(32);
                    const std::string browser = core::random_hex(32);
                    PendingOidc pending;
                    pending.method = method;
                    pending.verifier = core::random_hex(32);
                    pending.browser_hash = core::sha256_hex(browser);
                    pending.created_ms = now_ms();
                    pending.client = client;
                    const std::string challenge = oidc::pkce_challenge(pending.verifier);
                    oidc_pending[state] = std::move(pending);
                    std::string cookie = std::string(platform_cookie_name) + "=" + browser +
                                         "; Path=/sign-in/" + method +
                                         "; HttpOnly; SameSite=Lax; Max-Age=" +
                                         std::to_string(oidc::pending_minutes * 60);
                    if (secure_cookie()) cookie += "; Secure";
                    // Inside the WeCom client its own silent sign-in replaces the web
                    // login page.
                    const bool in_client =
                        method == "wecom" &&
                        platform::in_wecom_client(con->get_request_header("User-Agent"));
                    redirect(con,
                             platform::authorize_location(platforms.at(method)->settings(), state,
                                                          challenge, in_client),
                             cookie);
                });
    }

    void platform_callback(Server::connection_ptr con, const std::string& method) {
        const std::string client = client_address(con->get_remote_endpoint());
        const std::string locale = oidc::locale_of(con->get_request_header("Accept-Language"));
        const std::string& resource = con->get_resource();
        const auto q = resource.find('?');
        auto query = core::parse_query(q == std::string::npos ? "" : resource.substr(q + 1));
        const auto fail = [&](const std::string& why, int status, const std::string& key) {
            oidc_fail(con, client, locale, why, status, key, "", method);
        };
        const auto it = oidc_pending.find(query["state"]);
        if (query["state"].empty() || it == oidc_pending.end()) {
            fail("unknown_state", 400, "oidc_failed");
            return;
        }
        // A state works once, whatever happens next.
        const PendingOidc pending = std::move(it->second);
        oidc_pending.erase(it);
        if (pending.method != method) {
            fail("state_of_another_method", 400, "oidc_failed");
            return;
        }
        const std::string browser =
            cookie_value(con->get_request_header("Cookie"), platform_cookie_name);
        if (browser.empty() ||
            !core::equal_constant_time(core::sha256_hex(browser), pending.browser_hash)) {
            fail("other_browser", 400, "oidc_failed");
            return;
        }
        if (now_ms() - pending.created_ms > oidc::pending_minutes * 60 * 1000) {
            fail("state_expired", 400, "oidc_failed");
            return;
        }
        const std::string code = platform::callback_code(query);
        if (!query["error"].empty() || code.empty()) {
            fail("provider_refused", 401, "oidc_failed");
            return;
        }
        platforms.at(method)->identify(
            code, pending.verifier,
            [this, con, client, locale, method](const platform::Identity& who) {
                using Problem = platform::Identity::Problem;
                if (who.problem == Problem::refused) {
                    oidc_fail(con, client, locale, who.why, 401, "oidc_failed", "", method);
                    return;
                }
                if (who.problem == Problem::not_member) {
                    oidc_fail(con, client, locale, who.why, 403, "platform_unknown_person", "",
                              method);
                    return;
                }
                if (who.problem != Problem::none) {
                    oidc_fail(con, client, locale, who.why, 502, "oidc_unavailable", "", method);
                    return;
                }
                platform_session(con, client, locale, method, who);
            });
    }

    void platform_session(Server::connection_ptr con, const std::string& client,
                          const std::string& locale, const std::string& method,
                          const platform::Identity& who) {
        json ask = {{"client", client},
                    {"via", method},
                    {"identity_connector", platforms.at(method)->settings().connector},
                    {"user_id", who.user_id},
                    {"email", who.email},
                    {"absolute_ms", static_cast<std::int64_t>(settings.session_absolute.count())}};
        ask_bot("/_hub/sign-in/platform", ask,
                [this, con, locale, method](int status, const json& answer) {
                    const std::string session = answer.value("session", "");
                    if (status == 429) {
                        oidc_page(con, 429, locale, "sign_in_link_wait");
                    } else if (status == 200 && !session.empty()) {
                        redirect(
                            con, "/",
                            session_set_cookie(session,
                                               std::chrono::duration_cast<std::chrono::seconds>(
                                                   settings.session_absolute),
                                               secure_cookie()));
                    } else if (answer.value("error", "") == "no_identity_on_hub") {
                        oidc_page(con, 403, locale, "platform_no_hub_identity", "", method);
                    } else {
                        oidc_page(con, 403, locale, "platform_unknown_person", "", method);
                    }
                });
    }

    void remember_session_cookie(Hdl hdl, Session& session) {
        auto con = server.get_con_from_hdl(hdl);
        const std::string id = session_id_of(con);
        if (!id.empty()) session.session_hash = core::sha256_hex(id);
    }

    void refuse(Hdl hdl, ErrorCode code, const std::string& message) {
        send_frame(hdl, error_frame(code, message));
        websocketpp::lib::error_code ec;
        server.close(hdl, websocketpp::close::status::policy_violation, to_string(code), ec);
    }

    // hello when sign-in is required: the person comes from the session cookie of the
    // handshake, never from the frame; a `user` in the frame may only repeat it.
    void hello_signed_in(Hdl hdl, Session& session, const json& frame) {
        if (session.hello_pending) {
            send_frame(hdl, error_frame(ErrorCode::bad_request, "hello is being checked already"));
            return;
        }
        if (session.session_hash.empty()) {
            refuse(hdl, ErrorCode::unauthorized, "sign in first: this connection has no session");
            return;
        }
        std::string asked;
        if (const auto u = frame.find("user"); u != frame.end() && u->is_string()) {
            asked = u->get<std::string>();
        }
        session.hello_pending = true;
        ask_bot(
            "/_hub/session",
            {{"session_hash", session.session_hash},
             {"idle_ms", static_cast<std::int64_t>(settings.session_idle.count())}},
            [this, hdl, asked](int status, const json& answer) {
                const auto it = sessions.find(hdl);
                if (it == sessions.end()) return;
                it->second.hello_pending = false;
                const std::string user = answer.value("user", "");
                if (status != 200 || !user_id_problem(user).empty()) {
                    refuse(hdl, ErrorCode::session_ended, "your sign-in has ended: sign in again");
                    return;
                }
                if (!asked.empty() && core::ascii_lower(asked) != core::ascii_lower(user)) {
                    spdlog::warn(
                        "hub {}: refused a hello naming someone else ({} is "
                        "signed in)",
                        settings.name, user);
                    refuse(hdl, ErrorCode::unauthorized,
                           "you are signed in as " + user + "; a hello cannot name someone else");
                    return;
                }
                welcome_user(hdl, it->second, user);
            });
    }

    void arm_session_sweep() {
        sweep_timer->expires_after(settings.session_check);
        sweep_timer->async_wait([this](const boost::system::error_code& ec) {
            if (ec || stopping) return;
            guarded("session sweep", [&] { sweep_sessions(); });
            arm_session_sweep();
        });
    }

    // Sockets whose session was revoked or reached its end are closed.
    void sweep_sessions() {
        std::set<std::string> open;
        for (const auto& [hdl, s] : sessions) {
            if (s.authed && !s.session_hash.empty()) open.insert(s.session_hash);
        }
        if (open.empty()) return;
        ask_bot("/_hub/sessions/check", {{"hashes", open}}, [this](int status, const json& answer) {
            if (status != 200) return;
            std::set<std::string> ended;
            for (const auto& h : answer.value("ended", json::array())) {
                if (h.is_string()) ended.insert(h.get<std::string>());
            }
            std::vector<Hdl> closing;
            for (const auto& [hdl, s] : sessions) {
                if (s.authed && ended.count(s.session_hash)) closing.push_back(hdl);
            }
            for (const auto& hdl : closing) {
                refuse(hdl, ErrorCode::session_ended, "you were signed out: sign in again");
            }
        });
    }

    // WebSocket

    bool on_validate(Hdl hdl) {
        auto con = server.get_con_from_hdl(hdl);
        if (strip_query(con->get_resource()) != "/ws") {
            con->set_status(websocketpp::http::status_code::not_found);
            return false;
        }
        if (sign_in_required) {
            // Browsers always send Origin: a page from elsewhere is refused (CSRF).
            const std::string origin = con->get_request_header("Origin");
            if (!origin.empty() && !same_origin(con)) {
                con->set_status(websocketpp::http::status_code::forbidden);
                return false;
            }
        } else if (!token_required) {
            // A browser page from elsewhere must not chat in someone's name.
            const std::string origin = con->get_request_header("Origin");
            if ((!origin.empty() && !is_loopback_origin(origin)) || foreign_host(con)) {
                con->set_status(websocketpp::http::status_code::forbidden);
                return false;
            }
        }
        return !stopping;
    }

    void on_open(Hdl hdl) {
        if (stopping) {
            websocketpp::lib::error_code ec;
            server.close(hdl, websocketpp::close::status::going_away, "hub is shutting down", ec);
            return;
        }
        Session& session = sessions[hdl];
        session = Session{};
        if (sign_in_required) remember_session_cookie(hdl, session);
        session.hello_timer = std::make_shared<boost::asio::steady_timer>(server.get_io_service());
        session.hello_timer->expires_after(settings.hello_timeout);
        session.hello_timer->async_wait([this, hdl](const boost::system::error_code& ec) {
            if (ec) return;  // cancelled: the socket said hello or went away
            auto it = sessions.find(hdl);
            if (it == sessions.end() || it->second.authed) return;
            send_frame(hdl, error_frame(ErrorCode::hello_timeout,
                                        "no hello within the time allowed; connect again"));
            websocketpp::lib::error_code ignored;
            server.close(hdl, websocketpp::close::status::policy_violation, "no hello", ignored);
        });
    }

    // A text frame ready for the wire (header and payload), made once however many
    // sockets it goes to: websocketpp would otherwise copy the payload into a message
    // and again into a framed one for every socket. Null (nothing is sent) for text that
    // is not UTF-8, which websocketpp refuses too; every frame the hub writes is.
    static Server::message_ptr text_frame(const std::string& payload) {
        if (!core::valid_utf8(payload)) {
            spdlog::error("hub: a frame that is not valid UTF-8 was not sent");
            return nullptr;
        }
        namespace frame = websocketpp::frame;
        auto msg = std::make_shared<HubConfig::message_type>(
            HubConfig::message_type::con_msg_man_ptr(), frame::opcode::text, 0);
        const frame::basic_header header(frame::opcode::text, payload.size(), true, false);
        msg->set_header(frame::prepare_header(header, frame::extended_header(payload.size())));
        msg->get_raw_payload() = payload;
        msg->set_prepared(true);
        return msg;
    }

    void send_frame(Hdl hdl, const std::string& payload) {
        if (const auto msg = text_frame(payload)) send_frame(hdl, msg);
    }

    void send_frame(Hdl hdl, const Server::message_ptr& msg) {
        websocketpp::lib::error_code ec;
        auto con = server.get_con_from_hdl(hdl, ec);
        if (ec || con->get_state() != websocketpp::session::state::open) return;
        if (con->get_buffered_amount() > max_buffered_bytes) {
            spdlog::warn("hub {}: closing a connection of {} that stopped reading", settings.name,
                         sessions[hdl].user);
            con->close(websocketpp::close::status::try_again_later, "client too slow", ec);
            return;
        }
        con->send(msg);
    }

    void send_frame(Hdl hdl, const json& frame) { send_frame(hdl, dump_json(frame)); }

    void broadcast(const std::string& payload) {
        const auto msg = text_frame(payload);
        if (!msg) return;
        for (auto& [hdl, s] : sessions) {
            if (s.authed) send_frame(hdl, msg);
        }
    }

    // A user's own sockets, found through `users` rather than by walking every session.
    void send_to_user(const std::string& user, const std::string& payload) {
        const auto it = users.find(user);
        if (it == users.end()) return;
        const auto msg = text_frame(payload);
        if (!msg) return;
        // send_frame may close a socket that stopped reading; its close handler runs
        // later, on this thread, so the list does not change underneath.
        for (const auto& hdl : it->second) send_frame(hdl, msg);
    }

    // A socket went away: its session, and its place among its user's sockets.
    void forget(Hdl hdl) {
        const auto it = sessions.find(hdl);
        if (it == sessions.end()) return;
        if (it->second.authed) {
            const auto mine = users.find(it->second.user);
            if (mine != users.end()) {
                auto& list = mine->second;
                list.erase(std::remove_if(list.begin(), list.end(),
                                          [&](const Hdl& h) {
                                              return !h.owner_before(hdl) && !hdl.owner_before(h);
                                          }),
                           list.end());
                if (list.empty()) users.erase(mine);
            }
        }
        sessions.erase(it);
    }

    void on_message(Hdl hdl, const Server::message_ptr& msg) {
        const auto it = sessions.find(hdl);
        if (it == sessions.end()) return;
        Session& session = it->second;
        if (msg->get_opcode() != websocketpp::frame::opcode::text) {
            send_frame(hdl, error_frame(ErrorCode::bad_request,
                                        "binary frames are not supported: send JSON text frames"));
            return;
        }
        json frame;
        try {
            frame = json::parse(msg->get_payload());
        } catch (const json::exception& e) {
            send_frame(hdl, error_frame(ErrorCode::bad_request, parse_error_text(e.what())));
            return;
        }
        if (!frame.is_object()) {
            send_frame(hdl, error_frame(ErrorCode::bad_request, "a frame must be a JSON object"));
            return;
        }
        const auto type = frame.find("type");
        if (type == frame.end() || !type->is_string()) {
            send_frame(hdl, error_frame(ErrorCode::bad_request, "a frame needs a string \"type\""));
            return;
        }
        const std::string& kind = type->get_ref<const std::string&>();
        if (kind == "ping") {
            send_frame(hdl, json{{"type", "pong"}});
        } else if (kind == "hello") {
            on_hello(hdl, session, frame);
        } else if (kind == "message") {
            on_chat(hdl, session, frame);
        } else if (kind == "action") {
            on_action(hdl, session, frame);
        } else if (kind == "edit" || kind == "delete") {
            on_change(hdl, session, frame, kind == "delete");
        } else {
            send_frame(hdl, error_frame(ErrorCode::unknown_type,
                                        "unknown frame type \"" +
                                            std::string(core::utf8_prefix(kind, 64)) + "\""));
        }
    }

    void on_hello(Hdl hdl, Session& session, const json& frame) {
        if (session.authed) {
            send_frame(
                hdl, error_frame(ErrorCode::bad_request, "already said hello as " + session.user));
            return;
        }
        if (sign_in_required) {
            hello_signed_in(hdl, session, frame);
            return;
        }
        const auto user_field = frame.find("user");
        if (user_field == frame.end() || !user_field->is_string()) {
            send_frame(hdl, error_frame(ErrorCode::bad_request, "hello needs a string \"user\""));
            return;
        }
        const std::string& user = user_field->get_ref<const std::string&>();
        if (const std::string problem = user_id_problem(user); !problem.empty()) {
            send_frame(hdl, error_frame(ErrorCode::bad_request, problem));
            return;
        }
        if (core::ascii_lower(user) == core::ascii_lower(settings.bot_user)) {
            send_frame(hdl, error_frame(ErrorCode::bad_request,
                                        "the name " + user + " belongs to the bot"));
            return;
        }
        if (token_required) {
            const auto token = frame.find("token");
            if (token == frame.end() || !token->is_string() ||
                !shared_token_ok(token->get_ref<const std::string&>())) {
                spdlog::warn("hub {}: refused hello as {}: wrong or missing token", settings.name,
                             user);
                send_frame(hdl, error_frame(ErrorCode::unauthorized, "wrong or missing token"));
                websocketpp::lib::error_code ec;
                server.close(hdl, websocketpp::close::status::policy_violation, "unauthorized", ec);
                return;
            }
        }
        welcome_user(hdl, session, user);
    }

    // The socket speaks as `user` from now on: the welcome and the history frames.
    void welcome_user(Hdl hdl, Session& session, const std::string& user) {
        session.authed = true;
        if (session.hello_timer) session.hello_timer->cancel();
        session.user = user;
        users[user].push_back(hdl);
        send_frame(hdl, json{{"type", "welcome"},
                             {"user", user},
                             {"bot", settings.bot_user},
                             {"channels", channel_order}});
        for (const auto& channel : channel_order) {
            send_frame(hdl, history_frame(channel, channel));
        }
        send_frame(hdl, history_frame(dm_channel, "@" + user));
    }

    // {"channel":...,"messages":[...],"type":"history"}: the kept messages are JSON text
    // already, so the frame is joined rather than built and serialised again.
    std::string history_frame(const std::string& channel, const std::string& conversation) {
        std::string frame = "{\"channel\":" + dump_json(channel) + ",\"messages\":";
        frame += history.messages_text(conversation);
        frame += ",\"type\":\"history\"}";
        return frame;
    }

    void on_chat(Hdl hdl, const Session& session, const json& frame) {
        std::string client_id;
        if (const auto id = frame.find("id"); id != frame.end()) {
            const std::string why = id->is_string()
                                        ? client_id_problem(id->get_ref<const std::string&>())
                                        : "id is not a string";
            if (!why.empty()) {
                send_frame(hdl, error_frame(ErrorCode::bad_request, "bad message " + why));
                return;
            }
            client_id = id->get<std::string>();
        }
        if (!session.authed) {
            send_frame(hdl, error_frame(ErrorCode::not_authenticated,
                                        "say hello before sending messages", client_id));
            return;
        }
        const auto channel_field = frame.find("channel");
        const auto text_field = frame.find("text");
        if (channel_field == frame.end() || !channel_field->is_string() ||
            text_field == frame.end() || !text_field->is_string()) {
            send_frame(hdl,
                       error_frame(ErrorCode::bad_request,
                                   "a message needs a string \"channel\" and \"text\"", client_id));
            return;
        }
        const std::string& channel = channel_field->get_ref<const std::string&>();
        const std::string& text = text_field->get_ref<const std::string&>();
        const bool direct = channel == dm_channel;
        if (!direct && channels.count(channel) == 0) {
            send_frame(hdl, error_frame(ErrorCode::unknown_channel,
                                        "no channel \"" +
                                            std::string(core::utf8_prefix(channel, 64)) + "\"",
                                        client_id));
            return;
        }
        if (text.size() > core::max_message_bytes) {
            send_frame(hdl, error_frame(ErrorCode::too_long,
                                        "text is " + std::to_string(text.size()) +
                                            " bytes; the limit is " +
                                            std::to_string(core::max_message_bytes),
                                        client_id));
            return;
        }
        if (!core::valid_utf8(text)) {
            send_frame(hdl,
                       error_frame(ErrorCode::bad_request, "text is not valid UTF-8", client_id));
            return;
        }
        if (core::trim(text).empty()) {
            send_frame(hdl, error_frame(ErrorCode::bad_request, "text is empty", client_id));
            return;
        }

        std::string reply_to;
        if (const auto r = frame.find("reply_to"); r != frame.end() && r->is_string()) {
            reply_to = r->get<std::string>();
        }
        post_message(session.user, channel, text, client_id, reply_to, nullptr);
    }

    /// A person's message (with a file they uploaded, when `file` is not null): shown,
    /// kept and handed to the bot. Returns the hub's id of it.
    std::string post_message(const std::string& user, const std::string& channel,
                             const std::string& text, const std::string& client_id,
                             const std::string& reply_to_shown,
                             const std::pair<StoredFile, const std::string*>* file) {
        const bool direct = channel == dm_channel;
        const core::Timestamp now = context.clock->now();
        const std::string server_id = new_id();
        const std::string conversation = direct ? "@" + user : channel;
        // An answer to a message shown here (its hub id): as the bot knows that message.
        std::string reply_to;
        if (!reply_to_shown.empty() && client_id_problem(reply_to_shown).empty()) {
            reply_to = event_id_of(conversation, reply_to_shown);
        }
        std::string payload = message_frame_json(
            {channel, user, text, server_id, core::to_millis(now), client_id, reply_to});
        if (file != nullptr) {
            // The page fetches the file from the hub with the reader's sign-in.
            const StoredFile& f = file->first;
            json out = json::parse(payload);
            out["files"] = json::array({{{"id", f.id},
                                         {"name", f.name},
                                         {"mime", f.mime},
                                         {"size", f.size},
                                         {"url", file_path(f)}}});
            payload = dump_json(out);
        }
        if (direct) {
            send_to_user(user, payload);
        } else {
            broadcast(payload);
        }
        report("message", conversation, payload);
        remember(conversation, std::move(payload));

        const std::string message_id = client_id.empty() ? server_id : client_id;
        MentionCheck mention = strip_mention(text, settings.bot_user);
        core::Event event;
        event.id = "hub:" + user + ":" + message_id;
        event.kind = core::EventKind::message;
        event.where = {settings.name, direct ? "@" + user : channel, ""};
        event.who = {settings.name, user, user};
        event.text = std::move(mention.text);
        event.at = now;
        event.direct = direct;
        event.addressed = mention.addressed;
        event.extra = {{"message_id", message_id}};
        event.reply_to = reply_to;
        if (file != nullptr) {
            // For the bridge: the bytes when it asked for files this size, and a link
            // anyone may open when the hub has a public address.
            const StoredFile& f = file->first;
            core::EventFile ef;
            ef.name = f.name;
            ef.mime = f.mime;
            ef.size = f.size;
            if (f.size <= fetch_limit) ef.data = *file->second;
            if (!settings.public_url.empty() && !direct) ef.url = signed_link(f);
            core::add_event_file(event.extra, ef);
        }
        sink->push(std::move(event));
        return server_id;
    }

    // ---- Files (uploads on the page, and bridged files behind signed links) ----

    /// Where the page fetches a kept file (with the reader's sign-in).
    static std::string file_path(const StoredFile& f) {
        return "/files/" + f.id + "/" + core::url_encode(f.name);
    }

    /// A link anyone may open until the file's time runs out.
    std::string signed_link(const StoredFile& f) {
        return settings.public_url + file_path(f) + "?" + files->signed_query(f);
    }

    // At start (on the caller's thread, before anyone is served), then daily on the file
    // worker.
    void prune_files() {
        prune_now(*files, *context.clock, settings.name);
        arm_prune();
    }

    static void prune_now(FileStore& store, const core::Clock& clock, const std::string& hub) {
        try {
            const std::size_t gone = store.prune(clock);
            if (gone > 0) {
                spdlog::info(
                    "hub {}: deleted {} kept files past file_days or left by failed writes", hub,
                    gone);
            }
        } catch (const std::exception& e) {
            spdlog::error("hub {}: pruning kept files failed: {}", hub, e.what());
        }
    }

    void arm_prune() {
        if (!prune_timer || stopping) return;
        prune_timer->expires_after(prune_interval);
        prune_timer->async_wait([this](const boost::system::error_code& ec) {
            if (ec || stopping) return;
            worker->post([files = files, clock = context.clock, hub = settings.name] {
                prune_now(*files, *clock, hub);
            });
            arm_prune();
        });
    }

    // ---- What an upload's headers allow (HubRequest), before its body is read ----

    /// Uploads larger than other requests whose bodies are being received or written at
    /// once; another one is answered 503 with Retry-After until one of them is done.
    static constexpr int max_large_uploads = 4;

    static EarlyAnswer early(int status, const json& body,
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
        return EarlyAnswer{status, dump_json(body), std::move(headers)};
    }

    // POST /api/v1/files (exactly) with a body larger than other requests may send: who
    // sends it is checked from the headers as on_upload would (the token; with sign-in
    // the cookie, the CSRF token and a session this hub's page holds open, signed in),
    // then the size against max_upload_bytes, then the uploads in flight. Any other
    // request keeps the HTTP server's limit.
    BodyDecision admit_body(const websocketpp::http::parser::request& r) {
        BodyDecision d;
        d.limit = http::max_request_body;
        if (r.get_method() != "POST" || strip_query(r.get_uri()) != "/api/v1/files") return d;
        const std::string length_text = r.get_header("Content-Length");
        char* end = nullptr;
        const unsigned long long length = std::strtoull(length_text.c_str(), &end, 10);
        if (length_text.empty() || *end != '\0' || length <= http::max_request_body) return d;
        if (auto refused = upload_sender_refused(r)) {
            d.answer = std::move(refused);
            return d;
        }
        if (length > settings.max_upload_bytes) {
            d.answer = early(413, {{"error", "too_large"},
                                   {"message", "the file is " + std::to_string(length) +
                                                   " bytes; the limit is " +
                                                   std::to_string(settings.max_upload_bytes)},
                                   {"max_bytes", settings.max_upload_bytes}});
            return d;
        }
        if (large_uploads->load() >= max_large_uploads) {
            spdlog::warn("hub {}: {} large uploads under way; asked another to come back",
                         settings.name, max_large_uploads);
            d.answer = early(503,
                             {{"error", "busy"},
                              {"message", "other files are being received; try again shortly"}},
                             {{"Retry-After", "5"}});
            return d;
        }
        ++*large_uploads;
        d.ticket = std::shared_ptr<void>(nullptr, [count = large_uploads](void*) { --*count; });
        d.limit = static_cast<std::size_t>(
            std::min<std::uint64_t>(settings.max_upload_bytes, SIZE_MAX / 2));
        return d;
    }

    std::optional<EarlyAnswer> upload_sender_refused(const websocketpp::http::parser::request& r) {
        const std::string auth = r.get_header("Authorization");
        const std::string scheme = "Bearer ";
        const bool bearer = auth.compare(0, scheme.size(), scheme) == 0;
        const json not_signed_in_body = {{"error", "not_signed_in"},
                                         {"message", "sign in first"},
                                         {"sign_in", settings.sign_in},
                                         {"link_email", mailer != nullptr}};
        if (sign_in_required && !bearer) {
            const std::string id = cookie_value(r.get_header("Cookie"), session_cookie_name);
            if (id.empty()) return early(401, not_signed_in_body);
            const std::string origin = r.get_header("Origin");
            const std::string presented = r.get_header(csrf_header);
            const bool same =
                !origin.empty() && core::ascii_lower(origin) ==
                                       expected_origin(settings.public_url, r.get_header("Host"));
            if (!same || presented.empty() ||
                !core::equal_constant_time(presented, csrf_token(id))) {
                return early(403,
                             {{"error", "csrf"},
                              {"message", "missing or wrong X-CSRF-Token, or another origin"}});
            }
            // The bot's word on a session comes later; a large body is taken only for a
            // session whose page is open here, signed in (its checks run every
            // session_check).
            const std::string hash = core::sha256_hex(id);
            for (const auto& [hdl, session] : sessions) {
                if (session.authed && session.session_hash == hash) return std::nullopt;
            }
            return early(401, not_signed_in_body);
        }
        if (!token_required) {
            if (is_loopback_host(r.get_header("Host"))) return std::nullopt;
            return early(403, {{"error", "forbidden"}, {"message", "use a loopback host name"}});
        }
        if (bearer && shared_token_ok(std::string_view(auth).substr(scheme.size()))) {
            return std::nullopt;
        }
        return early(401,
                     {{"error", "unauthorized"}, {"message", "send Authorization: Bearer TOKEN"}},
                     {{"WWW-Authenticate", "Bearer"}});
    }

    /// An upload refused: `error` is the code the page words in the reader's language.
    void upload_refused(Server::connection_ptr con, bool deferred, Status status,
                        const std::string& error, const std::string& message,
                        json extra = json::object()) {
        extra["error"] = error;
        extra["message"] = message;
        reply_json(con, status, extra);
        if (deferred) con->send_http_response();
    }

    // POST /api/v1/files?channel=C&name=N[&text=T&id=CLIENT_ID&reply_to=ID&user=U] with
    // the file's bytes as the body: kept on disk, then shown as the person's message and
    // answered 201 {"id", "file"}. The person is the session's (with sign-in), else
    // `user` as a hello names it (loopback, or the shared token).
    void on_upload(Server::connection_ptr con, const std::string& method) {
        if (method != "POST") {
            con->replace_header("Allow", "POST");
            reply_json(con, Status::method_not_allowed,
                       {{"error", "method_not_allowed"}, {"message", "use POST"}});
            return;
        }
        if (sign_in_required && !has_bearer(con)) {
            if (session_id_of(con).empty()) {
                not_signed_in(con, false);
                return;
            }
            if (!csrf_ok(con)) {
                refuse_csrf(con);
                return;
            }
            with_session(con, [this, con](const json& answer, const std::string&) {
                upload_as(con, answer.value("user", ""), true);
            });
            return;
        }
        if (!authorised(con)) return;
        upload_as(con, query_of(con)["user"], false);
    }

    std::map<std::string, std::string> query_of(Server::connection_ptr& con) {
        const std::string& resource = con->get_resource();
        const auto q = resource.find('?');
        return q == std::string::npos ? std::map<std::string, std::string>{}
                                      : core::parse_query(resource.substr(q + 1));
    }

    void upload_as(Server::connection_ptr con, const std::string& user, bool deferred) {
        auto query = query_of(con);
        if (!user_id_problem(user).empty()) {
            upload_refused(con, deferred, Status::bad_request, "bad_request",
                           "name the person: user=ID");
            return;
        }
        if (core::ascii_lower(user) == core::ascii_lower(settings.bot_user)) {
            upload_refused(con, deferred, Status::bad_request, "bad_request",
                           "the name " + user + " belongs to the bot");
            return;
        }
        const std::string& channel = query["channel"];
        const bool direct = channel == dm_channel;
        if (!direct && channels.count(channel) == 0) {
            upload_refused(con, deferred, Status::not_found, "unknown_channel",
                           "no channel \"" + std::string(core::utf8_prefix(channel, 64)) + "\"");
            return;
        }
        const std::string& name = query["name"];
        if (const std::string why = file_name_problem(name); !why.empty()) {
            upload_refused(con, deferred, Status::bad_request, "bad_request", why);
            return;
        }
        const std::string& client_id = query["id"];
        const std::string& text = query["text"];
        if ((!client_id.empty() && !client_id_problem(client_id).empty()) ||
            text.size() > core::max_message_bytes || !core::valid_utf8(text)) {
            upload_refused(con, deferred, Status::bad_request, "bad_request", "bad id or text");
            return;
        }
        const std::string& body = con->get_request_body();
        if (body.empty()) {
            upload_refused(con, deferred, Status::bad_request, "bad_request", "the file is empty");
            return;
        }
        if (body.size() > settings.max_upload_bytes) {
            upload_refused(con, deferred, Status::request_entity_too_large, "too_large",
                           "the file is " + std::to_string(body.size()) + " bytes; the limit is " +
                               std::to_string(settings.max_upload_bytes),
                           {{"max_bytes", settings.max_upload_bytes}});
            return;
        }
        const std::string mime = file_type(name, body);
        if (mime.empty()) {
            upload_refused(con, deferred, Status::unsupported_media_type, "wrong_type",
                           "pictures (PNG, JPEG, GIF, WebP), PDF, Office documents, zip and "
                           "text files only");
            return;
        }
        // Room first (507 `quota` when the kept files fill max_files_bytes), then the
        // bytes and details written on the file worker; the message is shown and the
        // upload answered 201 only once both are on disk.
        StoredFile stored;
        try {
            stored = files->reserve(name, mime, body.size(), direct ? "@" + user : channel, user,
                                    *context.clock);
        } catch (const FileStoreFull& e) {
            spdlog::warn("hub {}: refused an upload: {}", settings.name, e.what());
            upload_refused(con, deferred, static_cast<Status>(507), "quota",
                           "there is no room for more files on this hub; ask an admin",
                           {{"max_files_bytes", e.max_bytes}});
            return;
        }
        if (!deferred && !defer(con)) {
            files->cancel(stored);
            return;
        }
        auto bytes =
            std::make_shared<std::string>(const_cast<HubRequest&>(con->get_request()).take_body());
        const std::uint64_t ticket = ++next_upload;
        waiting_uploads[ticket] =
            WaitingUpload{con,       stored,           user, channel, std::string(core::trim(text)),
                          client_id, query["reply_to"]};
        worker->post([this, files = files, stored, bytes, ticket, gate = reply_gate] {
            std::string problem;
            try {
                files->write(stored, *bytes);
            } catch (const std::exception& e) {
                problem = e.what();
            }
            std::lock_guard<std::mutex> lock(gate->mu);
            if (!gate->open) return;
            boost::asio::post(server.get_io_service(), [this, ticket, bytes, problem] {
                guarded("upload written", [&] { upload_written(ticket, *bytes, problem); });
            });
        });
    }

    /// An upload the file worker wrote (or could not: `problem`).
    void upload_written(std::uint64_t ticket, const std::string& data, const std::string& problem) {
        const auto it = waiting_uploads.find(ticket);
        if (it == waiting_uploads.end()) return;
        WaitingUpload w = std::move(it->second);
        waiting_uploads.erase(it);
        if (!problem.empty()) {
            spdlog::error("hub {}: cannot keep an upload: {}", settings.name, problem);
            upload_refused(w.con, true, Status::internal_server_error, "storage",
                           "the file could not be kept (the hub's disk is full or cannot be "
                           "written); try again later");
            return;
        }
        const StoredFile& stored = w.stored;
        const std::pair<StoredFile, const std::string*> file{stored, &data};
        const std::string id =
            post_message(w.user, w.channel, w.text, w.client_id, w.reply_to, &file);
        reply_json(w.con, Status::created,
                   {{"id", id},
                    {"file",
                     {{"id", stored.id},
                      {"name", stored.name},
                      {"mime", stored.mime},
                      {"size", stored.size},
                      {"url", file_path(stored)}}}});
        w.con->send_http_response();
    }

    // GET /files/ID[/NAME]: with `e` and `s` of a signed link, to anyone until it
    // expires; otherwise with the page's sign-in, a channel's file to anyone who may read
    // the channel and a direct conversation's file to its person only.
    void on_file(Server::connection_ptr con, const std::string& method, const std::string& path) {
        if (method != "GET" && method != "HEAD") {
            con->replace_header("Allow", "GET");
            reply_json(con, Status::method_not_allowed,
                       {{"error", "method_not_allowed"}, {"message", "use GET"}});
            return;
        }
        const std::string rest = path.substr(std::string("/files/").size());
        const std::string id = rest.substr(0, rest.find('/'));
        auto query = query_of(con);
        if (query.count("s") || query.count("e")) {
            const LinkCheck check = files->check(id, query["e"], query["s"], *context.clock);
            if (check == LinkCheck::tampered) {
                reply_json(con, Status::forbidden,
                           {{"error", "bad_link"}, {"message", "this link is not valid"}});
            } else if (check == LinkCheck::expired) {
                reply_json(con, Status::gone,
                           {{"error", "link_expired"}, {"message", "this link has expired"}});
            } else if (files->pending(id)) {
                // A bridged file's copy still being written: it comes in a moment.
                con->replace_header("Retry-After", "1");
                reply_json(
                    con, Status::service_unavailable,
                    {{"error", "not_ready"}, {"message", "the file is being kept; try again"}});
            } else {
                serve_file(con, files->find(id), false);
            }
            return;
        }
        if (sign_in_required && !has_bearer(con)) {
            with_session(con, [this, con, id](const json& answer, const std::string&) {
                const std::string user = answer.value("user", "");
                auto f = files->find(id);
                if (f && !may_read(*f, user)) f.reset();
                serve_file(con, f, true);
            });
            return;
        }
        if (!authorised(con)) return;
        auto f = files->find(id);
        const auto user = query.find("user");
        if (f && f->conversation.empty()) f.reset();  // bridged: by signed link only
        if (f && token_required && !f->conversation.empty() && f->conversation[0] == '@' &&
            (user == query.end() || !may_read(*f, user->second))) {
            f.reset();
        }
        serve_file(con, f, false);
    }

    bool may_read(const StoredFile& f, const std::string& user) const {
        if (f.conversation.empty()) return false;
        if (f.conversation[0] != '@') return channels.count(f.conversation) > 0;
        return core::ascii_lower(f.conversation.substr(1)) == core::ascii_lower(user);
    }

    void serve_file(Server::connection_ptr con, const std::optional<StoredFile>& f, bool deferred) {
        std::optional<std::string> data;
        if (f) data = files->read(f->id);
        if (!f || !data) {
            reply_json(con, Status::not_found,
                       {{"error", "not_found"}, {"message", "no such file"}});
        } else {
            con->replace_header("Content-Security-Policy", "default-src 'none'; sandbox");
            con->replace_header("Referrer-Policy", "no-referrer");
            con->replace_header("Content-Disposition",
                                std::string(inline_image(f->mime) ? "inline" : "attachment") +
                                    "; filename*=UTF-8''" + core::url_encode(f->name));
            reply(con, Status::ok, safe_media_type(f->mime), *data);
        }
        if (deferred) con->send_http_response();
    }

    // The id the bot knows a kept message by (its writer's client id, else the hub's id),
    // or `id` itself when it is not kept.
    std::string event_id_of(const std::string& conversation, const std::string& id) const {
        const json kept = history.messages(conversation);
        for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
            if (!it->is_object() || it->value("id", "") != id) continue;
            const std::string client = it->value("client_id", "");
            return client.empty() ? id : client;
        }
        return id;
    }

    // {"type":"edit","channel":C,"message":ID,"text":T,"id":CLIENT_ID} or {"type":"delete",
    // "channel":C,"message":ID}: a person changes or deletes a message they wrote here
    // (ID: the hub's id of it). The kept copy changes, every socket that may show it gets
    // an `update` frame (a deleted one: empty text and "deleted": true), and the bot an
    // edit or remove event naming the message as its message event did.
    void on_change(Hdl hdl, const Session& session, const json& frame, bool remove) {
        std::string client_id;
        if (const auto id = frame.find("id"); id != frame.end()) {
            if (!id->is_string() || !client_id_problem(id->get<std::string>()).empty()) {
                send_frame(hdl, error_frame(ErrorCode::bad_request, "bad id"));
                return;
            }
            client_id = id->get<std::string>();
        }
        if (!session.authed) {
            send_frame(hdl, error_frame(ErrorCode::not_authenticated,
                                        "say hello before changing messages", client_id));
            return;
        }
        const auto channel_field = frame.find("channel");
        const auto message_field = frame.find("message");
        const auto text_field = frame.find("text");
        if (channel_field == frame.end() || !channel_field->is_string() ||
            message_field == frame.end() || !message_field->is_string() ||
            (!remove && (text_field == frame.end() || !text_field->is_string()))) {
            send_frame(hdl, error_frame(ErrorCode::bad_request,
                                        remove ? "a delete needs a string \"channel\" and "
                                                 "\"message\""
                                               : "an edit needs a string \"channel\", "
                                                 "\"message\" and \"text\"",
                                        client_id));
            return;
        }
        const std::string& channel = channel_field->get_ref<const std::string&>();
        const std::string& message_id = message_field->get_ref<const std::string&>();
        const std::string text = remove ? "" : text_field->get<std::string>();
        const bool direct = channel == dm_channel;
        if (!direct && channels.count(channel) == 0) {
            send_frame(hdl, error_frame(ErrorCode::unknown_channel, "no such channel", client_id));
            return;
        }
        if (!remove && (text.size() > core::max_message_bytes || !core::valid_utf8(text) ||
                        core::trim(text).empty())) {
            send_frame(hdl,
                       error_frame(ErrorCode::bad_request,
                                   "text must be 1 byte to the size limit of UTF-8", client_id));
            return;
        }
        const std::string conversation = direct ? "@" + session.user : channel;
        std::string target;
        history.replace(conversation, message_id, [&](json& kept) {
            if (kept.value("user", "") != session.user || kept.value("deleted", false)) return;
            target = kept.value("client_id", "");
            if (target.empty()) target = message_id;
            kept["text"] = text;
            kept[remove ? "deleted" : "edited"] = true;
        });
        if (target.empty()) {
            send_frame(hdl, error_frame(ErrorCode::bad_request,
                                        "no message of yours with that id here", client_id));
            return;
        }
        arm_flush();
        json out = {{"type", "update"}, {"channel", channel}, {"id", message_id}, {"text", text}};
        out[remove ? "deleted" : "edited"] = true;
        const std::string payload = dump_json(out);
        if (direct) {
            send_to_user(session.user, payload);
        } else {
            broadcast(payload);
        }
        report("update", conversation, payload);
        core::Event event;
        event.id = "hub:" + session.user + ":" + (client_id.empty() ? new_id() : client_id);
        event.kind = remove ? core::EventKind::remove : core::EventKind::edit;
        event.where = {settings.name, conversation, ""};
        event.who = {settings.name, session.user, session.user};
        event.text = strip_mention(text, settings.bot_user).text;
        event.at = context.clock->now();
        event.direct = direct;
        event.target = target;
        event.extra = {{"message_id", target}};
        sink->push(std::move(event));
    }

    // {"type":"action","message":ID,"token":TOKEN,"id":CLIENT_ID}: a click on a button or
    // a menu choice of the bot's message ID. The bot checks the token; the hub only
    // checks the frame's shape and who is signed in.
    void on_action(Hdl hdl, const Session& session, const json& frame) {
        std::string client_id;
        if (const auto id = frame.find("id"); id != frame.end()) {
            const std::string why = id->is_string()
                                        ? client_id_problem(id->get_ref<const std::string&>())
                                        : "id is not a string";
            if (!why.empty()) {
                send_frame(hdl, error_frame(ErrorCode::bad_request, "bad action " + why));
                return;
            }
            client_id = id->get<std::string>();
        }
        if (!session.authed) {
            send_frame(hdl, error_frame(ErrorCode::not_authenticated, "say hello before clicking",
                                        client_id));
            return;
        }
        const auto message = frame.find("message");
        const auto token = frame.find("token");
        if (message == frame.end() || !message->is_string() || token == frame.end() ||
            !token->is_string()) {
            send_frame(
                hdl, error_frame(ErrorCode::bad_request,
                                 "an action needs a string \"message\" and \"token\"", client_id));
            return;
        }
        const std::string& token_text = token->get_ref<const std::string&>();
        const std::string& message_id = message->get_ref<const std::string&>();
        if (token_text.empty() || token_text.size() > max_token_bytes ||
            !client_id_problem(message_id).empty()) {
            send_frame(hdl, error_frame(ErrorCode::bad_request,
                                        "an action needs a token of 1-512 bytes and a message id",
                                        client_id));
            return;
        }
        core::Event event;
        event.id = "hub:" + session.user + ":" + (client_id.empty() ? new_id() : client_id);
        event.kind = core::EventKind::action;
        event.where = {settings.name, "@" + session.user, ""};
        event.who = {settings.name, session.user, session.user};
        event.text = token_text;
        event.at = context.clock->now();
        event.direct = true;
        event.extra = {{"message_id", message_id}};
        sink->push(std::move(event));
    }

    // Posts from the bot.

    // An update of an earlier bot message (its buttons replaced by the outcome): the
    // kept copy is replaced and every socket that may show it gets an `update` frame.
    void update(const core::Post& post, const std::string& conversation, bool direct,
                const std::string& user, core::SendResult& result) {
        json out = {{"type", "update"},
                    {"channel", direct ? dm_channel : post.to.channel},
                    {"id", post.replaces},
                    {"text", post.text},
                    {"actions", core::actions_to_json(post.actions)}};
        const std::string payload = dump_json(out);
        history.replace(conversation, post.replaces, [&](json& kept) {
            kept["text"] = post.text;
            if (post.actions.empty()) {
                kept.erase("actions");
            } else {
                kept["actions"] = core::actions_to_json(post.actions);
            }
        });
        arm_flush();
        if (direct) {
            send_to_user(user, payload);
        } else {
            broadcast(payload);
        }
        report("update", conversation, payload);
        result.ok = true;
        result.message_id = post.replaces;
    }

    // A relayed edit or delete of a message the bot posted here: as a person's own.
    void change(const core::Post& post, const std::string& conversation, bool direct,
                const std::string& user, core::SendResult& result) {
        const bool remove = !post.deletes.empty();
        const std::string& id = remove ? post.deletes : post.edits;
        const std::string text = remove ? "" : post.text;
        history.replace(conversation, id, [&](json& kept) {
            kept["text"] = text;
            kept[remove ? "deleted" : "edited"] = true;
        });
        arm_flush();
        json out = {{"type", "update"},
                    {"channel", direct ? dm_channel : post.to.channel},
                    {"id", id},
                    {"text", text}};
        out[remove ? "deleted" : "edited"] = true;
        const std::string payload = dump_json(out);
        if (direct) {
            send_to_user(user, payload);
        } else {
            broadcast(payload);
        }
        report("update", conversation, payload);
        result.ok = true;
        result.message_id = id;
    }

    /// `kept`: the post's files the page lists (all but small pictures), kept on the file
    /// worker before the post came here (HubServer::send).
    void deliver(const core::Post& post, const core::SendDone& done,
                 const std::vector<StoredFile>& kept_files) {
        const std::string& channel = post.to.channel;
        core::SendResult result;
        const bool direct = !channel.empty() && channel.front() == '@';
        const std::string user = direct ? channel.substr(1) : "";
        if (direct ? (!user_id_problem(user).empty() ||
                      core::ascii_lower(user) == core::ascii_lower(settings.bot_user))
                   : channels.count(channel) == 0) {
            result.error = "unknown channel " + channel;
            result.retryable = false;
        } else if (!core::valid_utf8(post.text)) {
            result.error = "text is not valid UTF-8";
            result.retryable = false;
        } else if (!post.edits.empty() || !post.deletes.empty()) {
            change(post, channel, direct, user, result);
        } else if (!post.replaces.empty()) {
            update(post, channel, direct, user, result);
        } else if (post.private_reply && direct) {
            // The answer to a click, for the clicker's eyes only: a `private` frame to
            // their sockets, shown next to the clicked message, kept nowhere.
            const auto shown = action_channels.find(post.reply_to);
            const std::string payload = dump_json(
                json{{"type", "private"},
                     {"channel", shown != action_channels.end() ? shown->second : dm_channel},
                     {"reply_to", post.reply_to},
                     {"text", post.text}});
            send_to_user(user, payload);
            report("private", channel, payload);
            result.ok = true;
        } else {
            const std::string id = new_id();
            const MessageFrame frame{direct ? dm_channel : channel,
                                     settings.bot_user,
                                     post.text,
                                     id,
                                     core::to_millis(context.clock->now()),
                                     {},
                                     post.reply_to};
            // Small pictures travel in the frame (base64); other files were kept on the
            // file worker (HubServer::send) and are listed, for the page to fetch with
            // the reader's sign-in.
            json images;  // null until there is one: most posts have neither
            json kept;
            for (const auto& a : post.attachments) {
                if (shown_image(a)) {
                    images.push_back({{"name", a.name},
                                      {"mime", a.mime},
                                      {"data", core::base64_encode(a.data)}});
                }
            }
            for (const auto& f : kept_files) {
                kept.push_back({{"id", f.id},
                                {"name", f.name},
                                {"mime", f.mime},
                                {"size", f.size},
                                {"url", file_path(f)}});
            }
            std::string payload;
            if (images.empty() && kept.empty() && post.actions.empty()) {
                payload = message_frame_json(frame);
            } else {
                json out = json::parse(message_frame_json(frame));
                if (!images.empty()) out["attachments"] = std::move(images);
                if (!kept.empty()) out["files"] = std::move(kept);
                if (!post.actions.empty()) out["actions"] = core::actions_to_json(post.actions);
                payload = dump_json(out);
            }
            if (direct) {
                send_to_user(user, payload);
            } else {
                broadcast(payload);
            }
            report("post", channel, payload);
            remember(channel, std::move(payload));
            if (!post.actions.empty()) remember_action_channel(id, direct ? dm_channel : channel);
            result.ok = true;
            result.message_id = id;
        }
        if (!done) return;
        guarded("send callback", [&] { done(std::move(result)); });
    }

    // Other processes on the database (the fan-out)

    // What this hub showed its connections, for the hubs of the other processes.
    void report(const char* kind, const std::string& target, const std::string& payload) {
        if (!shown) return;
        guarded("reporting what was shown", [&] { shown({kind, target, payload}); });
    }

    // What the hub of another process showed its connections: shown to the connections
    // here and kept in the history the same way, with the same ids; nothing is reported
    // again and no event reaches the bot (the other process handled it).
    void show_elsewhere(const Shown& s) {
        const bool direct = !s.target.empty() && s.target.front() == '@';
        const std::string user = direct ? s.target.substr(1) : "";
        if (direct ? !user_id_problem(user).empty() : channels.count(s.target) == 0) {
            spdlog::debug("hub {}: not showing a {} for {} from another process", settings.name,
                          s.kind, s.target);
            return;
        }
        json frame = json::parse(s.payload, nullptr, false);
        if (!frame.is_object()) {
            spdlog::warn("hub {}: a {} from another process is not a JSON object; not shown",
                         settings.name, s.kind);
            return;
        }
        if (s.kind == "update") {
            const auto id = frame.find("id");
            const auto text = frame.find("text");
            if (id == frame.end() || !id->is_string() || text == frame.end() ||
                !text->is_string()) {
                return;
            }
            history.replace(s.target, id->get<std::string>(), [&](json& kept) {
                kept["text"] = *text;
                const auto actions = frame.find("actions");
                if (actions == frame.end() || !actions->is_array() || actions->empty()) {
                    kept.erase("actions");
                } else {
                    kept["actions"] = *actions;
                }
            });
            arm_flush();
        } else if (s.kind == "post" || s.kind == "message") {
            const auto id = frame.find("id");
            if (frame.contains("actions") && id != frame.end() && id->is_string()) {
                remember_action_channel(id->get<std::string>(), direct ? dm_channel : s.target);
            }
            remember(s.target, s.payload);
        } else if (s.kind != "private") {
            spdlog::debug("hub {}: unknown kind {} from another process", settings.name, s.kind);
            return;
        }
        if (direct) {
            send_to_user(user, s.payload);
        } else {
            broadcast(s.payload);
        }
    }

    // History

    void remember(const std::string& conversation, std::string message_json) {
        history.append_text(conversation, std::move(message_json));
        arm_flush();
    }

    void arm_flush() {
        if (flush_armed || !flush_timer) return;
        flush_armed = true;
        flush_timer->expires_after(flush_interval);
        flush_timer->async_wait([this](const boost::system::error_code&) {
            flush_armed = false;
            history.flush();
        });
    }

    std::string new_id() { return id_prefix + "-" + std::to_string(++next_id); }

    // Where the page shows each recent message with buttons, for private answers to clicks.
    void remember_action_channel(const std::string& id, const std::string& channel) {
        action_channels[id] = channel;
        action_order.push_back(id);
        if (action_order.size() > 5000) {
            action_channels.erase(action_order.front());
            action_order.pop_front();
        }
    }

    const HubSettings& settings;
    const ConnectorContext& context;
    core::EventSink* sink;
    // Engine replies to forwarded API requests reach the loop only while this is open.
    struct ReplyGate {
        std::mutex mu;
        bool open = true;
    };
    std::shared_ptr<ReplyGate> reply_gate = std::make_shared<ReplyGate>();
    void close_gate() {
        std::lock_guard<std::mutex> lock(reply_gate->mu);
        reply_gate->open = false;
    }
    ~Loop() { close_gate(); }
    const bool token_required;
    const bool sign_in_required;
    const bool oidc_enabled;
    const bool platforms_enabled;
    const std::string dm_channel;
    std::function<void(const Shown&)> shown;  // HubServer::on_shown's listener

    Server server;
    std::set<std::string> channels;
    std::vector<std::string> channel_order;
    std::map<Hdl, Session, std::owner_less<Hdl>> sessions;
    std::unordered_map<std::string, std::vector<Hdl>> users;  // signed-in sockets per user
    ChatHistory history;
    std::map<std::string, std::string> ui;  // locale -> JSON object text
    std::map<std::string, json> ui_json;    // the same, parsed (server-rendered pages)
    // OpenID Connect: the provider's discovery document and keys, fetched on first use;
    // the sign-ins under way, by state.
    std::unique_ptr<runtime::HttpClient> http;
    json oidc_discovery;  // null until fetched
    std::vector<std::function<void(bool)>> discovery_waiters;
    oidc::KeySet jwks;
    std::optional<std::int64_t> jwks_fetched_ms;
    std::vector<std::function<void(bool)>> jwks_waiters;
    std::map<std::string, PendingOidc> oidc_pending;
    std::map<std::string, std::unique_ptr<platform::PlatformClient>> platforms;
    std::unique_ptr<smtp::Mailer> mailer;  // sign-in links by email (`smtp:`)
    std::unique_ptr<boost::asio::steady_timer> flush_timer;
    std::unique_ptr<boost::asio::steady_timer> prune_timer;  // kept files past file_days
    std::shared_ptr<FileStore> files;                        // set before listen()
    FileWorker* worker = nullptr;                            // set before listen()
    BodyGate body_gate;                                      // admit_body, per connection
    std::shared_ptr<std::atomic<int>> large_uploads = std::make_shared<std::atomic<int>>(0);
    struct WaitingUpload {  // an upload whose file the worker is writing
        Server::connection_ptr con;
        StoredFile stored;
        std::string user, channel, text, client_id, reply_to;
    };
    std::map<std::uint64_t, WaitingUpload> waiting_uploads;
    std::uint64_t next_upload = 0;
    std::uint64_t fetch_limit = 0;  // files people send go to the bot up to this size
    std::unique_ptr<boost::asio::steady_timer> sweep_timer;  // sessions of open sockets
    bool flush_armed = false;
    bool stopping = false;
    bool shared_token_warned = false;
    std::string id_prefix;
    std::uint64_t next_id = 0;
    std::unordered_map<std::string, std::string> action_channels;  // message id -> channel
    std::deque<std::string> action_order;
    std::promise<void> finished;
};

HubServer::HubServer(HubSettings settings, const ConnectorContext& context)
    : settings_(std::move(settings)),
      context_(context),
      files_(std::make_shared<FileStore>(context_.data_dir + "/" + settings_.name + files_suffix,
                                         settings_.file_keep, settings_.max_files_bytes)),
      worker_(std::make_shared<FileWorker>(settings_.name)) {}

FileStore& HubServer::files() { return *files_; }

std::string HubServer::link_file(const core::EventFile& file) {
    if (!links_files() || file.data.empty()) return "";
    const std::string name = file_name_problem(file.name).empty() ? file.name : "file";
    StoredFile f;
    std::string link;
    try {
        // Room and the link now (no disk write in the engine's turn); the copy is written
        // on the file worker, and its link answers "try again" (503) until it is.
        f = files_->reserve(name, file.mime.empty() ? "application/octet-stream" : file.mime,
                            file.data.size(), "", "", *context_.clock);
        link = settings_.public_url + "/files/" + f.id + "/" + core::url_encode(f.name) + "?" +
               files_->signed_query(f);
    } catch (const std::exception& e) {
        if (!f.id.empty()) files_->cancel(f);
        spdlog::warn("hub {}: a bridged file {} goes without a link: {}", settings_.name,
                     core::utf8_prefix(name, 64), e.what());
        return "";
    }
    worker_->post(
        [files = files_, f, data = std::make_shared<std::string>(file.data), hub = settings_.name] {
            try {
                files->write(f, *data);
            } catch (const std::exception& e) {
                spdlog::error("hub {}: cannot keep a bridged file: {}", hub, e.what());
            }
        });
    return link;
}

HubServer::~HubServer() {
    stop();
    worker_.reset();  // runs what is queued while the rest is still here
}

void HubServer::start(core::EventSink& sink) {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    if (loop_) throw std::runtime_error("hub " + settings_.name + " is already running");
    if (!is_loopback_bind(settings_.bind) && settings_.token.empty() && settings_.sign_in.empty()) {
        throw std::runtime_error("hub " + settings_.name + ": a token is required when bind (" +
                                 settings_.bind + ") is not a loopback address");
    }
    auto loop = std::make_unique<Loop>(settings_, context_, sink);
    loop->shown = shown_;
    loop->files = files_;
    loop->worker = worker_.get();
    try {
        files_->make_key();  // so that a link never waits for the disk
    } catch (const std::exception& e) {
        spdlog::error("hub {}: cannot make the key of file links: {}", settings_.name, e.what());
    }
    loop->fetch_limit = fetch_files_.load();
    loop->history.open();
    loop->load_ui();
    const int port = loop->listen();

    loop_ = std::move(loop);
    port_ = port;
    {
        std::lock_guard<std::mutex> lock(send_mu_);
        running_ = true;
    }
    thread_ = std::thread([this, loop = loop_.get()] {
        hub_thread_ = std::this_thread::get_id();
        for (;;) {
            try {
                loop->server.run();
                break;
            } catch (const std::exception& e) {
                spdlog::error("hub {}: loop error: {}", loop->settings.name, e.what());
            }
        }
        hub_thread_ = std::thread::id();
        loop->finished.set_value();
    });
    spdlog::info("hub {}: web chat on http://{}/ ({} messages of history per channel)",
                 settings_.name, host_port(settings_.bind, port), settings_.history_limit);
}

void HubServer::stop() {
    // The hub thread would wait for itself: callbacks must hand work back to their owner.
    if (std::this_thread::get_id() == hub_thread_.load()) {
        throw std::logic_error("hub " + settings_.name + ": stop() called on the hub's thread");
    }
    std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
    if (!loop_) return;
    {
        std::lock_guard<std::mutex> lock(send_mu_);
        running_ = false;
    }
    auto finished = loop_->finished.get_future();
    boost::asio::post(loop_->server.get_io_service(), [loop = loop_.get()] {
        loop->guarded("shutdown", [&] { loop->shutdown(); });
    });
    if (finished.wait_for(stop_grace) != std::future_status::ready) {
        spdlog::warn("hub {}: connections did not close in time; stopping anyway", settings_.name);
        loop_->server.stop();
    }
    thread_.join();
    loop_->history.close();

    std::vector<PendingSend> left;
    {
        std::lock_guard<std::mutex> lock(send_mu_);
        left.swap(outbox_);
    }
    loop_.reset();
    port_ = 0;
    for (auto& p : left) {
        if (p.done) p.done({false, "", "hub " + settings_.name + " stopped", true});
    }
}

bool HubServer::enqueue(PendingSend p) {
    std::lock_guard<std::mutex> lock(send_mu_);
    if (!running_) return false;
    const bool first = outbox_.empty();
    outbox_.push_back(std::move(p));
    if (first) {
        boost::asio::post(loop_->server.get_io_service(), [this] {
            std::vector<PendingSend> batch;
            {
                std::lock_guard<std::mutex> lock(send_mu_);
                batch.swap(outbox_);
            }
            for (auto& p : batch) {
                if (p.elsewhere.kind.empty()) {
                    loop_->deliver(p.post, p.done, p.kept);
                } else {
                    loop_->guarded("showing what another process showed",
                                   [&] { loop_->show_elsewhere(p.elsewhere); });
                }
            }
        });
    }
    return true;
}

std::vector<StoredFile> HubServer::keep_files(const core::Post& post) {
    std::vector<StoredFile> kept;
    for (const auto& a : post.attachments) {
        if (shown_image(a) || a.data.empty()) continue;
        try {
            const std::string name = file_name_problem(a.name).empty() ? a.name : "file";
            kept.push_back(files_->put(name, a.mime.empty() ? "application/octet-stream" : a.mime,
                                       a.data, post.to.channel, settings_.bot_user,
                                       *context_.clock));
        } catch (const std::exception& e) {
            spdlog::error("hub {}: cannot keep the file {} of a post: {}", settings_.name,
                          core::utf8_prefix(a.name, 64), e.what());
        }
    }
    return kept;
}

void HubServer::send(const core::Post& post, core::SendDone done) {
    // A post with files the page lists (all but small pictures) has them kept on the file
    // worker first, not on the hub's thread; posts after it wait behind it there, so
    // the order of posts stays.
    const bool keeps =
        std::any_of(post.attachments.begin(), post.attachments.end(),
                    [](const core::Attachment& a) { return !shown_image(a) && !a.data.empty(); });
    {
        std::unique_lock<std::mutex> lock(chain_mu_);
        if (keeps || chain_pending_ > 0) {
            ++chain_pending_;
            lock.unlock();
            worker_->post([this, post, done] {
                PendingSend p{post, done, {}, keep_files(post)};
                if (!enqueue(std::move(p)) && done) {
                    done({false, "", "hub " + settings_.name + " is not running", true});
                }
                std::lock_guard<std::mutex> relock(chain_mu_);
                --chain_pending_;
            });
            return;
        }
    }
    if (enqueue({post, done, {}, {}})) return;
    if (done) done({false, "", "hub " + settings_.name + " is not running", true});
}

void HubServer::on_shown(std::function<void(const Shown&)> listener) {
    shown_ = std::move(listener);
}

void HubServer::show_from_elsewhere(const Shown& shown) {
    if (shown.kind.empty()) return;
    // Not running: nobody is connected here to show it to.
    enqueue({{}, {}, shown, {}});
}

}  // namespace twintrack::connectors::hub
