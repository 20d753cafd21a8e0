// twintrack_http_module.so: the connectors' HTTP client on cpprestsdk (and the URL parser
// of cpprestsdk), loaded by connectors/runtime/http_client.cpp the first time a connector,
// the hub's sign-in or a calendar fetch needs it, so that a process without them (the hub
// with IRC) does not map libcpprest at all. The interface is http_engine.hpp.

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <pplx/threadpool.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <mutex>
#include <system_error>

#include "connectors/runtime/http_engine.hpp"

namespace twintrack::connectors::runtime {
namespace {

namespace client = web::http::client;

std::once_flag pool_once;

void ensure_pool(std::size_t threads) {
    std::call_once(pool_once, [threads] {
        // The pool's threads start with every signal blocked, so SIGTERM and SIGINT keep
        // reaching the program's signal thread (sigwait) whenever the pool starts.
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        try {
            crossplat::threadpool::initialize_with_threads(std::max<std::size_t>(threads, 1));
        } catch (const std::exception&) {
            // Started already (by another user of cpprestsdk): keep it.
        }
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
    });
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool is_timeout(const std::error_code& ec, const std::string& what) {
    return ec == std::errc::timed_out || what.find("timed out") != std::string::npos ||
           what.find("timeout") != std::string::npos;
}

struct TooBig : std::runtime_error {
    TooBig() : std::runtime_error("too big") {}
};

// Reads a body up to `limit` bytes, failing with TooBig past it.
struct LimitedReader : std::enable_shared_from_this<LimitedReader> {
    concurrency::streams::istream in;
    concurrency::streams::container_buffer<std::vector<unsigned char>> buffer;
    std::size_t limit = 0;
    std::size_t total = 0;  ///< bytes read so far (the buffer may hold spare room)
    pplx::task_completion_event<void> finished;

    void next() {
        auto self = shared_from_this();
        in.read(buffer, 64 * 1024).then([self](pplx::task<std::size_t> read) {
            try {
                const std::size_t n = read.get();
                if (n == 0) {
                    self->finished.set();
                    return;
                }
                self->total += n;
                if (self->total > self->limit) {
                    self->finished.set_exception(std::make_exception_ptr(TooBig()));
                    return;
                }
                self->next();
            } catch (...) {
                self->finished.set_exception(std::current_exception());
            }
        });
    }
};

pplx::task<std::vector<unsigned char>> read_body(web::http::http_response& response,
                                                 std::size_t limit) {
    if (limit == 0) return response.extract_vector();
    if (response.headers().content_length() > limit) throw TooBig();
    auto reader = std::make_shared<LimitedReader>();
    reader->in = response.body();
    reader->limit = limit;
    reader->next();
    return pplx::create_task(reader->finished).then([reader] {
        std::vector<unsigned char> body = std::move(reader->buffer.collection());
        body.resize(reader->total);
        return body;
    });
}

bool parse_url(const std::string& url, std::string& scheme, std::string& host, int& port) {
    try {
        const web::uri u(url);
        scheme = lower(u.scheme());
        host = lower(u.host());
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
        }
        port = u.port() > 0 ? u.port() : (scheme == "https" ? 443 : 80);
        return (scheme == "http" || scheme == "https") && !host.empty();
    } catch (const std::exception&) {
        return false;
    }
}

struct EngineState {
    std::string tls_ca_file;
    std::function<std::string(const std::string&)> proxy_for;
    Executor executor;

    std::mutex mu;  // clients, in_flight, cancel
    std::map<std::string, std::shared_ptr<client::http_client>> clients;
    std::size_t in_flight = 0;
    pplx::cancellation_token_source cancel;

    std::recursive_mutex deliver_mu;  // waiting, next_waiting, alive; held while handing on
    bool alive = true;
    // The completions of the requests in flight, by number. The pool's tasks hold only the
    // number, so whatever a completion captures (a connector's connection, say) is
    // destroyed by shutdown() on the owner's thread, never later on a pool thread after
    // the owner's event loop is gone.
    std::map<std::uint64_t, std::function<void(Result)>> waiting;
    std::uint64_t next_waiting = 0;

    std::uint64_t hold(std::function<void(Result)> done) {
        std::lock_guard<std::recursive_mutex> lock(deliver_mu);
        if (!alive || !done) return 0;
        waiting.emplace(++next_waiting, std::move(done));
        return next_waiting;
    }

    // One cpprestsdk client per host, proxy and timeout, so connections are kept alive
    // and reused.
    std::shared_ptr<client::http_client> client_for(const web::uri& authority,
                                                    const std::string& proxy,
                                                    std::chrono::milliseconds timeout) {
        const std::string key =
            authority.to_string() + "|" + proxy + "|" + std::to_string(timeout.count());
        std::lock_guard<std::mutex> lock(mu);
        auto it = clients.find(key);
        if (it != clients.end()) return it->second;
        client::http_client_config config;
        config.set_timeout(timeout);
        config.set_validate_certificates(true);
        // Never followed here (cpprestsdk would follow 10): a redirect is an answer the
        // caller judges; the calendar fetch checks each target before following it.
        config.set_max_redirects(0);
        if (proxy.empty()) {
            config.set_proxy(web::web_proxy(web::web_proxy::disabled));
        } else {
            config.set_proxy(web::web_proxy(web::uri(proxy)));
        }
        if (!tls_ca_file.empty()) {
            const std::string ca = tls_ca_file;
            config.set_ssl_context_callback([ca](boost::asio::ssl::context& context) {
                boost::system::error_code ec;
                context.load_verify_file(ca, ec);
                if (ec) spdlog::error("TLS: cannot load the CA file {}: {}", ca, ec.message());
            });
        }
        if (clients.size() >= 64) clients.clear();  // e.g. many calendar hosts
        auto made = std::make_shared<client::http_client>(authority, config);
        clients.emplace(key, made);
        return made;
    }

    void deliver(std::uint64_t id, Result result) {
        {
            std::lock_guard<std::mutex> lock(mu);
            if (in_flight > 0) --in_flight;
        }
        std::lock_guard<std::recursive_mutex> lock(deliver_mu);
        const auto it = waiting.find(id);
        if (!alive || it == waiting.end()) return;
        auto done = std::move(it->second);
        waiting.erase(it);
        try {
            executor([done = std::move(done), result = std::move(result)]() mutable {
                done(std::move(result));
            });
        } catch (const std::exception& e) {
            spdlog::error("HTTP client: a completion could not be handed on: {}", e.what());
        }
    }
};

using Build = std::function<web::http::http_request()>;

// Sends one request. A kept-alive connection that the server closed while it was idle
// fails while the request is written ("Failed to write request ..."), before the server
// read it; cpprestsdk drops that connection, and the request goes again. The pool may
// hold as many closed connections as requests ran at once before (a connector fetches up
// to 8 files together), so it goes again up to that many times: each try takes one stale
// connection out, and none reached the server.
void attempt(const std::shared_ptr<EngineState>& state,
             const std::shared_ptr<client::http_client>& http, const std::shared_ptr<Build>& build,
             pplx::cancellation_token token, std::size_t limit, std::uint64_t done, int retries);

constexpr int kStaleConnectionRetries = 10;

void send_request(const std::shared_ptr<EngineState>& state, Request request,
                  std::function<void(Result)> completion) {
    const std::uint64_t done = state->hold(std::move(completion));
    {
        std::lock_guard<std::mutex> lock(state->mu);
        ++state->in_flight;
    }
    std::shared_ptr<client::http_client> http;
    pplx::cancellation_token token = pplx::cancellation_token::none();
    auto build = std::make_shared<Build>();
    try {
        const web::uri uri(request.url);
        const std::string scheme = lower(uri.scheme());
        if ((scheme != "http" && scheme != "https") || uri.host().empty()) {
            throw std::invalid_argument("not an http or https URL");
        }
        const std::string proxy = state->proxy_for(request.url);
        web::uri authority = uri.authority();
        HeaderList headers;
        if (!request.connect_to.empty()) {
            const int port = uri.port() > 0 ? uri.port() : (scheme == "https" ? 443 : 80);
            authority = web::uri(scheme + "://" + request.connect_to + ":" + std::to_string(port));
            // cpprestsdk takes the TLS server name and the name the certificate must carry
            // from the Host header, so over https it holds the bare host name.
            headers.emplace_back("Host", uri.port() > 0 && scheme == "http"
                                             ? uri.host() + ":" + std::to_string(port)
                                             : uri.host());
        }
        headers.emplace_back("User-Agent", "TwinTrack");
        for (auto& h : request.headers) headers.push_back(std::move(h));
        http = state->client_for(authority, proxy, request.timeout);
        *build = [resource = uri.resource(), method = request.method, headers = std::move(headers),
                  body = std::move(request.body), content_type = std::move(request.content_type)] {
            web::http::http_request message;
            message.set_method(method);
            message.set_request_uri(resource);
            for (const auto& [name, value] : headers) message.headers().add(name, value);
            if (!body.empty() || method != "GET") {
                message.set_body(std::vector<unsigned char>(body.begin(), body.end()));
                message.headers().set_content_type(content_type.empty() ? "application/octet-stream"
                                                                        : content_type);
            }
            return message;
        };
        (*build)();  // a bad header or method shows here, not on a pool thread
        std::lock_guard<std::mutex> lock(state->mu);
        token = state->cancel.get_token();
    } catch (const std::exception& e) {
        Result r;
        r.kind = Result::Kind::permanent;
        r.error = std::string("bad request: ") + e.what();
        state->deliver(done, std::move(r));
        return;
    }
    attempt(state, http, build, token, request.max_body, done, kStaleConnectionRetries);
}

void attempt(const std::shared_ptr<EngineState>& state,
             const std::shared_ptr<client::http_client>& http, const std::shared_ptr<Build>& build,
             pplx::cancellation_token token, std::size_t limit, std::uint64_t done, int retries) {
    auto result = std::make_shared<Result>();
    http->request((*build)(), token)
        .then([result, limit](pplx::task<web::http::http_response> answered) {
            web::http::http_response response = answered.get();
            result->status = response.status_code();
            for (const auto& [name, value] : response.headers()) {
                result->headers[lower(name)] = value;
            }
            return read_body(response, limit);
        })
        .then([state, result, done, limit, http, build, token,
               retries](pplx::task<std::vector<unsigned char>> read) {
            Result r = std::move(*result);
            try {
                const std::vector<unsigned char> body = read.get();
                r.body.assign(body.begin(), body.end());
                r.kind = classify(r.status);
                if (r.kind == Result::Kind::rate_limited) {
                    r.retry_after = retry_after(r.headers, std::chrono::seconds(1));
                }
                if (!r.ok()) r.error = "HTTP " + std::to_string(r.status);
            } catch (const TooBig&) {
                r.kind = Result::Kind::permanent;
                r.too_big = true;
                r.error = "the answer is larger than " + std::to_string(limit) + " bytes";
            } catch (const web::http::http_exception& e) {
                const std::string what = e.what();
                if (r.status == 0 && retries > 0 && what.rfind("Failed to write request", 0) == 0 &&
                    !token.is_canceled()) {
                    attempt(state, http, build, token, limit, done, retries - 1);
                    return;
                }
                r.kind = is_timeout(e.error_code(), what) ? Result::Kind::timeout
                                                          : Result::Kind::transient;
                r.status = 0;
                r.headers.clear();
                r.error = what;
                if (r.error.find("certificate") != std::string::npos ||
                    r.error.find("handshake") != std::string::npos) {
                    r.kind = Result::Kind::permanent;
                }
            } catch (const pplx::task_canceled&) {
                r.kind = Result::Kind::transient;
                r.status = 0;
                r.error = "cancelled";
            } catch (const std::exception& e) {
                r.kind = Result::Kind::transient;
                r.status = 0;
                r.error = e.what();
            }
            state->deliver(done, std::move(r));
        });
}

class CpprestEngine : public HttpEngine {
  public:
    CpprestEngine(std::string tls_ca_file, std::function<std::string(const std::string&)> proxy,
                  Executor executor)
        : state_(std::make_shared<EngineState>()) {
        state_->tls_ca_file = std::move(tls_ca_file);
        state_->proxy_for = std::move(proxy);
        state_->executor = std::move(executor);
    }

    void send(Request request, std::function<void(Result)> done) override {
        send_request(state_, std::move(request), std::move(done));
    }

    void shutdown() override {
        std::map<std::uint64_t, std::function<void(Result)>> dropped;
        {
            std::lock_guard<std::recursive_mutex> lock(state_->deliver_mu);
            state_->alive = false;
            dropped.swap(state_->waiting);
        }
        {
            std::lock_guard<std::mutex> lock(state_->mu);
            state_->cancel.cancel();
        }
        dropped.clear();  // here, on the caller's thread, outside the locks
    }

    std::size_t in_flight() const override {
        std::lock_guard<std::mutex> lock(state_->mu);
        return state_->in_flight;
    }

  private:
    std::shared_ptr<EngineState> state_;
};

std::unique_ptr<HttpEngine> make_engine(std::size_t pool_threads, std::string tls_ca_file,
                                        std::function<std::string(const std::string&)> proxy,
                                        Executor executor) {
    ensure_pool(pool_threads);
    return std::make_unique<CpprestEngine>(std::move(tls_ca_file), std::move(proxy),
                                           std::move(executor));
}

const HttpModule module{&make_engine, &parse_url};

}  // namespace
}  // namespace twintrack::connectors::runtime

extern "C" __attribute__((visibility("default"))) const void* twintrack_http_module_v1() {
    return &twintrack::connectors::runtime::module;
}
