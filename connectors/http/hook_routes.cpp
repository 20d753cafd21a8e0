#include "connectors/http/hook_routes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/telemetry.hpp"

namespace twintrack::connectors::http {

namespace {

ListenerResponse hook_error(int status, const std::string& error, const std::string& message) {
    std::string body = R"({"error":")" + error + R"(","message":")";
    for (char c : message) {
        if (c == '"' || c == '\\') body += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) body += c;
    }
    body += "\"}";
    return {status, "application/json; charset=utf-8", body};
}

}  // namespace

void HookRoutes::add(const std::string& connector, Handler handler) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    if (!routes_.emplace(connector, std::move(handler)).second) {
        throw std::runtime_error(std::string(hooks_prefix) + connector +
                                 " is already served for another connector named \"" + connector +
                                 "\"");
    }
}

void HookRoutes::remove(const std::string& connector) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    routes_.erase(connector);
}

bool HookRoutes::has(const std::string& connector) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    return routes_.count(connector) > 0;
}

bool HookRoutes::is_hook_path(const std::string& path) {
    return path.rfind(hooks_prefix, 0) == 0 || path == "/hooks";
}

ListenerResponse HookRoutes::dispatch(const ListenerRequest& request) const {
    if (!is_hook_path(request.path)) {
        return hook_error(404, "not_found", "no such path: " + request.path);
    }
    const std::size_t start = std::string(hooks_prefix).size();
    const std::size_t slash = request.path.find('/', start);
    const std::string name =
        request.path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    ListenerRequest inner = request;
    inner.path = slash == std::string::npos ? std::string() : request.path.substr(slash);
    std::shared_lock<std::shared_mutex> lock(mu_);
    const auto it = name.empty() ? routes_.end() : routes_.find(name);
    if (it == routes_.end()) {
        return hook_error(404, "not_found",
                          name.empty() ? std::string("name a connector: /hooks/NAME/...")
                                       : "no running connector is called \"" + name + "\"");
    }
    try {
        return it->second(inner);
    } catch (const std::exception& e) {
        spdlog::error("{}{}: handler failed for {} {}: {}", hooks_prefix, name, request.method,
                      inner.path, e.what());
        return hook_error(500, "internal", "internal error");
    }
}

void HookClaim::claim(const std::shared_ptr<HookRoutes>& routes, const std::string& connector,
                      HookRoutes::Handler handler) {
    release();
    if (!routes) return;
    routes->add(connector, std::move(handler));
    routes_ = routes;
    connector_ = connector;
    // Where the platform must send its callbacks: an admin who used to give the
    // connector's own port reads here that it is now the process's one HTTP server.
    if (routes->served()) {
        spdlog::info("{}: platform callbacks are taken at {}{}/... on this process's HTTP server",
                     connector, hooks_prefix, connector);
    }
}

void HookClaim::release() {
    if (!routes_) return;
    routes_->remove(connector_);
    routes_.reset();
}

ListenerResponse forward_hook(const ListenerRequest& request,
                              const std::map<std::string, std::string>& paths,
                              const HookRoutes::Handler& handler) {
    const auto it = paths.find(request.path);
    if (it == paths.end()) {
        return hook_error(404, "not_found", "no such callback: " + request.path);
    }
    ListenerRequest inner = request;
    inner.path = it->second;
    return handler(inner);
}

int serve_callbacks(HookClaim& claim, const std::shared_ptr<HookRoutes>& routes,
                    const std::string& connector, std::map<std::string, std::string> paths,
                    HookRoutes::Handler handler, HttpListener* own, const CallbackListen& listen,
                    const std::string& log_prefix) {
    claim.claim(routes, connector,
                [paths = std::move(paths), handler](const ListenerRequest& request) {
                    return forward_hook(request, paths, handler);
                });
    if (own == nullptr) return 0;
    const int port = own->start(listen.bind, listen.port);
    spdlog::info("{}: listening for {} on {}:{}{}", log_prefix, listen.what, listen.bind, port,
                 listen.path);
    return port;
}

/// `GET /metrics`, `/readyz` and `/healthz`, and with `hooks` every connector's platform
/// callbacks under `/hooks/NAME/...`: the `http:` server and `ops.listen`.
HttpListener::Handler process_routes(const std::shared_ptr<core::Telemetry>& telemetry,
                                     const std::shared_ptr<HookRoutes>& hooks) {
    return [telemetry, hooks](const ListenerRequest& request) {
        if (hooks && HookRoutes::is_hook_path(request.path)) {
            return hooks->dispatch(request);
        }
        ListenerResponse r;
        r.content_type = "application/json; charset=utf-8";
        if (request.method != "GET" && request.method != "HEAD") {
            r.status = 405;
            r.body = R"({"error":"method_not_allowed"})";
        } else if (request.path == "/healthz") {
            r.body = R"({"status":"ok"})";
        } else if (request.path == "/readyz") {
            const auto reasons = telemetry ? telemetry->not_ready() : std::vector<std::string>{};
            r.status = reasons.empty() ? 200 : 503;
            nlohmann::json body = {
                {"status", reasons.empty() ? "ready" : "not_ready"},
                {"leases", telemetry ? telemetry->leases() : std::vector<std::string>{}}};
            if (!reasons.empty()) body["reasons"] = reasons;
            r.body = body.dump();
        } else if (request.path == "/metrics") {
            r.content_type = "text/plain; version=0.0.4; charset=utf-8";
            r.body = telemetry ? telemetry->render() : std::string();
        } else {
            r.status = 404;
            r.body = R"({"error":"not_found"})";
        }
        return r;
    };
}

Callbacks::Callbacks(HookRoutes::Handler handler)
    : handler_(std::move(handler)), listener_(handler_) {}

int Callbacks::serve(const std::shared_ptr<HookRoutes>& routes, const std::string& connector,
                     std::map<std::string, std::string> paths, bool own_listener,
                     const CallbackListen& listen, const std::string& log_prefix) {
    return serve_callbacks(claim_, routes, connector, std::move(paths), handler_,
                           own_listener ? &listener_ : nullptr, listen, log_prefix);
}

void Callbacks::stop() {
    claim_.release();
    listener_.stop();
}

std::optional<ListenerResponse> screen_callback(const ListenerRequest& request,
                                                const std::vector<std::string>& paths,
                                                const std::vector<std::string>& methods) {
    if (request.method == "GET" && request.path == "/healthz") {
        return ListenerResponse{200, "text/plain", "ok"};
    }
    if (std::find(paths.begin(), paths.end(), request.path) == paths.end()) {
        return ListenerResponse{404, "text/plain", "not found"};
    }
    if (std::find(methods.begin(), methods.end(), request.method) == methods.end()) {
        std::string allowed;
        for (const auto& m : methods) allowed += (allowed.empty() ? "" : " or ") + m;
        return ListenerResponse{405, "text/plain", allowed + (methods.size() == 1 ? " only" : "")};
    }
    return std::nullopt;
}

}  // namespace twintrack::connectors::http
