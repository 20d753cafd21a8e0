#pragma once
// The one outbound HTTP client of the connectors, on cpprestsdk: every call is
// asynchronous and its completion is handed to the caller's own executor (a connector's
// asio thread), so no reader or connector thread ever waits for the network. Answers
// arrive as a typed result (ok, rate limited with the wait asked for, transient,
// permanent, timeout). TLS is always verified (system store plus an optional CA file);
// a proxy comes from the connector's config or the HTTPS_PROXY/HTTP_PROXY/NO_PROXY
// environment.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "connectors/runtime/transport.hpp"
#include "core/api.hpp"

namespace twintrack::connectors::runtime {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Sets the size of cpprestsdk's shared thread pool (40 threads otherwise). Call once,
/// early in main(); later calls and calls after the pool started are ignored. Every
/// HttpClient makes sure the pool is initialised (with `default_threads`) before use.
void init_thread_pool(std::size_t threads);
constexpr std::size_t default_threads = 2;

/// One part of a multipart/form-data body.
struct FormPart {
    std::string name;
    std::string data;
    std::string filename;      ///< "" for a plain field
    std::string content_type;  ///< "" for a plain field (application/octet-stream for files)
};

struct Request {
    std::string method = "GET";
    std::string url;
    HeaderList headers;
    std::string body;
    std::string content_type;  ///< of `body`; "" sends none
    std::chrono::milliseconds timeout{15000};
    /// An address checked by the caller ("203.0.113.7", "[2001:db8::7]") to connect to
    /// instead of resolving the URL's host again; the Host header, TLS server name and
    /// certificate check still use the URL's host (the calendar fetch pins what it checked).
    std::string connect_to;
    /// The most body bytes accepted (0 = no limit); a longer answer is `too_big`.
    std::size_t max_body = 0;

    /// A JSON body (Content-Type application/json; charset=utf-8).
    static Request json_post(std::string url, const nlohmann::json& body);
    /// A multipart/form-data body made of `parts`.
    static Request multipart_post(std::string url, const std::vector<FormPart>& parts);
};

struct Result {
    enum class Kind {
        ok,            ///< a 2xx answer
        rate_limited,  ///< 429 (or the platform's own limit answer): wait `retry_after`
        transient,     ///< 5xx, 408, connection refused or dropped: worth retrying
        permanent,     ///< other 4xx, bad URL, TLS failure: retrying will not help
        timeout,       ///< no full answer within the request's timeout
    };
    Kind kind = Kind::transient;
    int status = 0;                              ///< 0 when no HTTP answer arrived
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;
    std::string error;  ///< what went wrong (transport or HTTP status), "" when ok
    std::chrono::seconds retry_after{0};
    bool too_big = false;  ///< the body went past Request::max_body (kind permanent)

    bool ok() const { return kind == Kind::ok; }
    bool retryable() const { return kind != Kind::permanent; }
    /// The header's value or "" (`name` in lower case).
    std::string header(const std::string& name) const;
    /// The body as JSON; discarded (is_discarded()) when it is not JSON.
    nlohmann::json json() const;
};

/// "ok", "rate_limited", ... (logs and tests).
const char* kind_name(Result::Kind kind);

/// Classifies an answer by status: 2xx ok, 429 rate_limited (Retry-After seconds, else
/// `fallback`), 408 and 5xx transient, else permanent.
Result::Kind classify(int status);
std::chrono::seconds retry_after(const std::map<std::string, std::string>& headers,
                                 std::chrono::seconds fallback);

/// Runs a completion on the connector's own thread (e.g. `asio::post(io, f)`).
using Executor = std::function<void(std::function<void()>)>;

class HttpClient {
  public:
    /// `transport` is checked already (read_transport); `executor` runs every completion.
    HttpClient(Transport transport, Executor executor);
    /// Same as shutdown().
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Starts `request`; `done` runs later through the executor, exactly once, unless
    /// shutdown() came first. Never blocks and never throws for network errors.
    void send(Request request, std::function<void(Result)> done);

    /// Cancels what is in flight; no completion is handed to the executor afterwards
    /// (after this returns, the executor may be destroyed). The completions not handed on
    /// are destroyed here, on the caller's thread, with everything they captured.
    void shutdown();

    /// Requests started and not yet completed (tests, logs).
    std::size_t in_flight() const;

    struct State;

  private:
    std::shared_ptr<State> state_;
};

/// The scheme (lower case), host (lower case, IPv6 without brackets) and port (the
/// scheme's default when none is written) of an http or https URL; false for anything else.
bool parse_http_url(const std::string& url, std::string& scheme, std::string& host, int& port);

/// RFC 3986 percent-encoding of everything but unreserved characters.
using core::url_encode;
/// Builds `a=1&b=two` from pairs.
using core::form_encode;

}  // namespace twintrack::connectors::runtime
