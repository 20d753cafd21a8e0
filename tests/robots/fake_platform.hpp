#pragma once
// A fake robot platform for tests: a real HTTP server on a loopback port that records
// every request and answers from a script, plus independent signature checks (the
// `openssl` and `base64` programs, not the connector's code).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "connectors/robots/callback_server.hpp"
#include "core/types.hpp"

namespace twintrack::robots_test {

struct Received {
    std::string method;
    std::string path;
    std::map<std::string, std::string> query;  ///< percent-decoded
    std::map<std::string, std::string> headers;
    std::string body;
    nlohmann::json json;  ///< discarded when the body is not JSON
};

class FakePlatform {
  public:
    FakePlatform();
    ~FakePlatform();

    /// "http://127.0.0.1:PORT" + path_and_query.
    std::string url(const std::string& path_and_query) const;
    /// Answers the next requests in this order; then `fallback`.
    void script(connectors::robots::HttpAnswer answer);
    void set_fallback(connectors::robots::HttpAnswer answer);
    /// Waits until at least `n` requests arrived; returns all so far.
    std::vector<Received> wait_for(std::size_t n,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(20));
    std::vector<Received> received();

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Received> received_;
    std::deque<connectors::robots::HttpAnswer> script_;
    connectors::robots::HttpAnswer fallback_;
    std::unique_ptr<connectors::robots::CallbackServer> server_;
};

/// Base64(HMAC-SHA256(key, message)) computed by `openssl dgst -sha256 -hmac KEY -binary |
/// base64`.
std::string openssl_hmac_base64(const std::string& key, const std::string& message);

/// Percent-decoding of a query value.
std::string percent_decode(const std::string& s);

/// Collects the events a connector pushes.
class RecordingSink : public core::EventSink {
  public:
    void push(core::Event event) override;
    std::vector<core::Event> wait_for(std::size_t n,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
    std::vector<core::Event> events();

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<core::Event> events_;
};

/// A DingTalk answer: HTTP 200 with {"errcode": code, "errmsg": msg}.
connectors::robots::HttpAnswer errcode(long code, const std::string& msg);

/// The wall clock in milliseconds, as the platforms stamp and sign their callbacks.
inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace twintrack::robots_test

namespace twintrack::robots_test {

struct PostAnswer {
    int status = 0;
    std::string body;
};

/// A plain HTTP/1.1 POST over a loopback socket (Boost.Asio, no client library), as
/// DingTalk's servers would send a callback.
PostAnswer raw_post(int port, const std::string& path,
                    const std::map<std::string, std::string>& headers, const std::string& body);

}  // namespace twintrack::robots_test
