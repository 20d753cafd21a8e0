#pragma once
// Raw TCP helpers for tests of outbound HTTP: a loopback server that hands each accepted
// connection to a test's function (to answer badly: drop mid-response, never answer), and
// a small HTTP proxy on loopback that forwards absolute-form requests and tunnels CONNECT,
// recording the request line of each.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace twintrack::test_support {

/// Reads from `fd` up to the end of the HTTP head (and the body its Content-Length
/// announces); "" when the peer closed first.
std::string read_http_request(int fd);
/// Writes all of `data`; false when the peer is gone.
bool write_all(int fd, const std::string& data);

class LoopbackServer {
  public:
    /// `serve(fd)` runs on its own thread per connection; the fd is closed after it.
    explicit LoopbackServer(std::function<void(int fd)> serve);
    ~LoopbackServer();  ///< stops accepting, shuts every connection down, joins
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    int port() const { return port_; }
    std::string url(const std::string& path = "/") const;
    int connections() const { return connections_.load(); }
    /// True while the server stops (functions that wait should return).
    bool stopping() const { return stopping_.load(); }

  private:
    void accept_loop();
    std::function<void(int)> serve_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0};
    std::mutex mu_;
    std::vector<int> open_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

class LoopbackProxy {
  public:
    LoopbackProxy();
    std::string url() const;  ///< http://127.0.0.1:PORT
    /// Request lines seen so far ("GET http://127.0.0.1:1234/api/x HTTP/1.1",
    /// "CONNECT 127.0.0.1:443 HTTP/1.1").
    std::vector<std::string> seen() const;
    /// Waits until a request line containing `part` was seen.
    bool wait_seen(const std::string& part,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  private:
    void serve(int fd);
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::vector<std::string> seen_;
    LoopbackServer server_;  // last: stopped first
};

}  // namespace twintrack::test_support
