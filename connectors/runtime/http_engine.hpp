#pragma once
// Between the program and twintrack_http_module.so (http_module.cpp, cpprestsdk): the
// module makes the engine behind every HttpClient and parses URLs as cpprestsdk does.
// http_client.cpp loads it on first use (core/module_loader.hpp), so that a process with
// no HTTP connector, no hub sign-in and no calendar URL never maps libcpprest.

#include <functional>
#include <memory>
#include <string>

#include "connectors/runtime/http_client.hpp"

namespace twintrack::connectors::runtime {

/// What an HttpClient does (http_client.hpp says how).
class HttpEngine {
  public:
    virtual ~HttpEngine() = default;
    virtual void send(Request request, std::function<void(Result)> done) = 0;
    virtual void shutdown() = 0;
    virtual std::size_t in_flight() const = 0;
};

struct HttpModule {
    /// An engine on cpprestsdk's pool (started with `pool_threads` unless it runs already);
    /// `proxy` gives the proxy for a URL ("" for none) and may throw for a bad one.
    std::unique_ptr<HttpEngine> (*make)(std::size_t pool_threads, std::string tls_ca_file,
                                        std::function<std::string(const std::string&)> proxy,
                                        Executor executor);
    /// parse_http_url() of http_client.hpp.
    bool (*parse_http_url)(const std::string& url, std::string& scheme, std::string& host,
                           int& port);
};

constexpr const char* http_module_file = "twintrack_http_module.so";
/// Returns `const HttpModule*`.
constexpr const char* http_module_entry = "twintrack_http_module_v1";

}  // namespace twintrack::connectors::runtime
