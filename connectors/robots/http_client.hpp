#pragma once
// A small blocking HTTP client (libcurl) for the robots' worker threads: one POST of a
// JSON body, the status, body and headers back. HTTPS verified with the system store.

#include <chrono>
#include <map>
#include <string>

namespace twintrack::connectors::robots {

struct HttpResponse {
    bool transport_ok = false;  ///< false: no HTTP answer (DNS, connect, TLS, timeout)
    std::string transport_error;
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  ///< names lower-cased, last value wins
};

class HttpClient {
  public:
    explicit HttpClient(std::chrono::milliseconds timeout);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// POSTs `body` as `application/json; charset=utf-8` to `url`. Not thread-safe: one
    /// client per thread.
    HttpResponse post_json(const std::string& url, const std::string& body);

  private:
    void* curl_;
    std::chrono::milliseconds timeout_;
};

/// `url` with a query parameter appended (`value` must already be encoded).
std::string with_query(const std::string& url, const std::string& name, const std::string& value);

}  // namespace twintrack::connectors::robots
