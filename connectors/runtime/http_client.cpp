// The program's side of the HTTP client: the engine (cpprestsdk) lives in
// twintrack_http_module.so (http_module.cpp), loaded the first time an HttpClient is made
// or a URL parsed. Without the module every request ends as a permanent failure naming
// it, and no URL parses; the log says which module is missing.

#include "connectors/runtime/http_client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "connectors/runtime/http_engine.hpp"
#include "core/module_loader.hpp"

namespace twintrack::connectors::runtime {
namespace {

std::atomic<std::size_t> pool_threads{0};  // 0 = default_threads

/// The module's functions; throws core::ModuleMissing.
const HttpModule& http_module() {
    void* entry = core::module_entry(http_module_file, http_module_entry);
    return *reinterpret_cast<const HttpModule* (*)()>(entry)();
}

}  // namespace

void init_thread_pool(std::size_t threads) {
    std::size_t unset = 0;
    pool_threads.compare_exchange_strong(unset, std::max<std::size_t>(threads, 1));
}

bool parse_http_url(const std::string& url, std::string& scheme, std::string& host, int& port) {
    try {
        return http_module().parse_http_url(url, scheme, host, port);
    } catch (const core::ModuleMissing& e) {
        spdlog::error("HTTP client: cannot check the URL, {}", e.what());
        return false;
    }
}

struct HttpClient::State {
    Executor executor;
    std::unique_ptr<HttpEngine> engine;  // null when the module is missing
    std::string missing;                 // then why
    std::mutex mu;
    bool alive = true;  // without the engine: false after shutdown()
};

HttpClient::HttpClient(Transport transport, Executor executor) : state_(std::make_shared<State>()) {
    state_->executor = executor;
    try {
        const std::size_t threads = pool_threads.load();
        state_->engine = http_module().make(
            threads == 0 ? default_threads : threads, transport.tls_ca_file,
            [transport](const std::string& url) { return proxy_for(url, transport); },
            std::move(executor));
    } catch (const core::ModuleMissing& e) {
        state_->missing = e.what();
        spdlog::error("HTTP client: no requests can be sent, {}", state_->missing);
    }
}

HttpClient::~HttpClient() { shutdown(); }

void HttpClient::send(Request request, std::function<void(Result)> done) {
    if (state_->engine) {
        state_->engine->send(std::move(request), std::move(done));
        return;
    }
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!done || !state_->alive) return;
    Result r;
    r.kind = Result::Kind::permanent;
    r.error = state_->missing;
    try {
        state_->executor(
            [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    } catch (const std::exception& e) {
        spdlog::error("HTTP client: a completion could not be handed on: {}", e.what());
    }
}

void HttpClient::shutdown() {
    if (state_->engine) {
        state_->engine->shutdown();
        return;
    }
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->alive = false;
}

std::size_t HttpClient::in_flight() const {
    return state_->engine ? state_->engine->in_flight() : 0;
}

}  // namespace twintrack::connectors::runtime
