#pragma once
// The platform callbacks of every connector on the process's one HTTP server: a route
// table under `/hooks/NAME/...` (NAME = the connector's configured name). A connector
// adds its handler when it starts and removes it when it stops; the hub (or, without a
// hub, the `http:` server) hands every request under `/hooks/` to dispatch(). Handlers
// answer at once on the server's thread; slow work goes to the connector's own thread.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "connectors/http/http_listener.hpp"

namespace twintrack::core {
class Telemetry;
}

namespace twintrack::connectors::http {

/// Where every connector's callbacks are served.
constexpr const char* hooks_prefix = "/hooks/";

class HookRoutes {
  public:
    /// Gets the request with `path` relative to `/hooks/NAME` ("/events", "" for the
    /// connector's root) and the query, headers and raw body untouched.
    using Handler = std::function<ListenerResponse(const ListenerRequest&)>;

    /// Claims `/hooks/NAME`. Throws std::runtime_error when another connector holds it.
    void add(const std::string& connector, Handler handler);
    /// Releases `/hooks/NAME`; waits for a request it is answering. Idempotent.
    void remove(const std::string& connector);
    /// True when `/hooks/NAME` is claimed.
    bool has(const std::string& connector) const;

    /// True when `path` is `/hooks/` or below.
    static bool is_hook_path(const std::string& path);
    /// Answers a request under `/hooks/`: the connector's handler, or 404 (JSON) for a
    /// name no running connector holds. Never throws.
    ListenerResponse dispatch(const ListenerRequest& request) const;

    /// Set by the program before connectors start when a server (hub or `http:`) serves
    /// this table: connectors without their own listen keys then use it alone.
    void set_served(bool served) { served_ = served; }
    bool served() const { return served_; }

  private:
    mutable std::shared_mutex mu_;  // shared while a handler answers, unique to change
    std::map<std::string, Handler> routes_;
    bool served_ = false;
};

/// A connector's claim on `/hooks/NAME` for as long as it runs: claim() at start,
/// release() at stop (and on destruction). Without a route table, nothing happens.
class HookClaim {
  public:
    HookClaim() = default;
    ~HookClaim() { release(); }
    HookClaim(const HookClaim&) = delete;
    HookClaim& operator=(const HookClaim&) = delete;

    /// Claims `/hooks/NAME` in `routes` (may be null); throws when another holds it.
    void claim(const std::shared_ptr<HookRoutes>& routes, const std::string& connector,
               HookRoutes::Handler handler);
    /// Releases the claim, waiting for a request being answered. Idempotent.
    void release();

  private:
    std::shared_ptr<HookRoutes> routes_;
    std::string connector_;
};

/// Hands a request under `/hooks/NAME` to a connector's own handler with the path that
/// handler knows from its own listener: `paths` maps the sub-path ("/events") to it
/// ("/slack/events"). Any other sub-path: 404.
ListenerResponse forward_hook(const ListenerRequest& request,
                              const std::map<std::string, std::string>& paths,
                              const HookRoutes::Handler& handler);

/// Where a connector's own listener (when it has one) listens, for serve_callbacks().
struct CallbackListen {
    std::string bind;
    int port = 0;
    std::string path;  ///< shown after the port in the log ("" when several paths)
    std::string what;  ///< for the log: "slash commands and webhooks"
};

/// A connector's callbacks while it runs: claims `/hooks/NAME` in `routes` (may be null)
/// for `handler`, reached through forward_hook with `paths`, and, when `own` is not null
/// (the connector has listen keys of its own), starts that listener on `listen` and logs
/// "PREFIX: listening for WHAT on BIND:PORTPATH". Returns the listener's port, 0 when it
/// has none. Throws when the name is taken or the port cannot be bound.
int serve_callbacks(HookClaim& claim, const std::shared_ptr<HookRoutes>& routes,
                    const std::string& connector, std::map<std::string, std::string> paths,
                    HookRoutes::Handler handler, HttpListener* own, const CallbackListen& listen,
                    const std::string& log_prefix);

/// A connector's inbound routes while it runs, all answered by one handler: its claim on
/// `/hooks/NAME` and, when its section has listen keys of its own, its own listener.
class Callbacks {
  public:
    explicit Callbacks(HookRoutes::Handler handler);

    /// serve_callbacks() with this handler; the own listener only when `own_listener`.
    /// Returns the listener's port, 0 when there is none. Throws as serve_callbacks().
    int serve(const std::shared_ptr<HookRoutes>& routes, const std::string& connector,
              std::map<std::string, std::string> paths, bool own_listener,
              const CallbackListen& listen, const std::string& log_prefix);
    /// Stops answering: the claim released, the listener stopped. Idempotent.
    void stop();

  private:
    HookRoutes::Handler handler_;
    HookClaim claim_;
    HttpListener listener_;
};

/// What a connector's callback handler answers before it reads a request: "ok" to GET
/// /healthz, 404 to a path not among `paths`, 405 to a method not among `methods`.
/// Nothing (nullopt) for a request the connector is to read.
std::optional<ListenerResponse> screen_callback(const ListenerRequest& request,
                                                const std::vector<std::string>& paths,
                                                const std::vector<std::string>& methods = {"POST"});

/// The routes of the `http:` server (and, without `hooks`, of `ops.listen`): every
/// connector's callbacks under `/hooks/`, and GET /metrics, /readyz and /healthz.
/// `telemetry` may be null (tests): /metrics is then empty and /readyz ready.
HttpListener::Handler process_routes(const std::shared_ptr<core::Telemetry>& telemetry,
                                     const std::shared_ptr<HookRoutes>& hooks);

/// The limits every request to the process's HTTP server meets, whichever server (hub or
/// `http:`) answers: a larger body is refused with 413 as soon as its length is known,
/// larger headers with 431 (websocketpp's fixed 16000 bytes), and a client that has not
/// sent its whole request within `request_timeout_ms` is disconnected.
constexpr std::size_t max_request_body = 1024 * 1024;
constexpr long request_timeout_ms = 10000;

}  // namespace twintrack::connectors::http
