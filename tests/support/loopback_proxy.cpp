#include "tests/support/loopback_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace twintrack::test_support {
namespace {

int connect_loopback(const std::string& host, int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Copies bytes both ways until either side closes.
void pump(int a, int b) {
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char buf[16384];
    for (;;) {
        if (::poll(fds, 2, 200) < 0) return;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                if (n <= 0) return;
                if (!write_all(fds[1 - i].fd, std::string(buf, static_cast<std::size_t>(n)))) {
                    return;
                }
            }
        }
    }
}

// "host:port" (IPv4 loopback in tests).
bool split_host_port(const std::string& hp, std::string& host, int& port) {
    const auto colon = hp.rfind(':');
    if (colon == std::string::npos) return false;
    host = hp.substr(0, colon);
    port = std::atoi(hp.c_str() + colon + 1);
    return port > 0;
}

}  // namespace

std::string read_http_request(int fd) {
    std::string data;
    char buf[4096];
    std::size_t head_end = std::string::npos;
    while (head_end == std::string::npos) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return "";
        data.append(buf, static_cast<std::size_t>(n));
        head_end = data.find("\r\n\r\n");
    }
    std::size_t length = 0;
    std::string head = data.substr(0, head_end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto cl = head.find("content-length:");
    if (cl != std::string::npos) length = std::stoul(head.substr(cl + 15));
    while (data.size() < head_end + 4 + length) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        data.append(buf, static_cast<std::size_t>(n));
    }
    return data;
}

bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

LoopbackServer::LoopbackServer(std::function<void(int fd)> serve) : serve_(std::move(serve)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
        throw std::runtime_error("loopback server: cannot listen");
    }
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

LoopbackServer::~LoopbackServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(listen_fd_);
    {
        std::lock_guard<std::mutex> lock(mu_);
        for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
}

std::string LoopbackServer::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void LoopbackServer::accept_loop() {
    for (;;) {
        const int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0 || stopping_) {
            if (fd >= 0) ::close(fd);
            return;
        }
        ++connections_;
        std::lock_guard<std::mutex> lock(mu_);
        open_.push_back(fd);
        threads_.emplace_back([this, fd] {
            try {
                serve_(fd);
            } catch (const std::exception&) {
            }
            std::lock_guard<std::mutex> l(mu_);
            open_.erase(std::find(open_.begin(), open_.end(), fd));
            ::close(fd);
        });
    }
}

LoopbackProxy::LoopbackProxy() : server_([this](int fd) { serve(fd); }) {}

std::string LoopbackProxy::url() const {
    return "http://127.0.0.1:" + std::to_string(server_.port());
}

std::vector<std::string> LoopbackProxy::seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
}

bool LoopbackProxy::wait_seen(const std::string& part, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
        for (const auto& s : seen_) {
            if (s.find(part) != std::string::npos) return true;
        }
        return false;
    });
}

void LoopbackProxy::serve(int fd) {
    // One request per connection for absolute-form (the proxy answers with Connection:
    // close); a CONNECT becomes a tunnel.
    std::string request = read_http_request(fd);
    if (request.empty()) return;
    const std::string line = request.substr(0, request.find("\r\n"));
    {
        std::lock_guard<std::mutex> lock(mu_);
        seen_.push_back(line);
        cv_.notify_all();
    }
    const auto sp1 = line.find(' ');
    const auto sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 <= sp1) return;
    const std::string method = line.substr(0, sp1);
    const std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string host;
    int port = 0;
    if (method == "CONNECT") {
        if (!split_host_port(target, host, port)) return;
        const int up = connect_loopback(host, port);
        if (up < 0) {
            write_all(fd, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        write_all(fd, "HTTP/1.1 200 Connection established\r\n\r\n");
        pump(fd, up);
        ::close(up);
        return;
    }
    if (target.rfind("http://", 0) != 0) {
        write_all(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    const std::string rest = target.substr(7);
    const auto slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
    if (!split_host_port(authority, host, port)) return;
    const int up = connect_loopback(host, port);
    if (up < 0) {
        write_all(fd, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    // Origin-form to the server, one request, then relay its answer until it closes.
    std::string head = request.substr(0, request.find("\r\n\r\n"));
    const std::string body = request.substr(request.find("\r\n\r\n") + 4);
    std::string out = method + " " + path + line.substr(sp2) + "\r\n";
    std::size_t pos = head.find("\r\n") + 2;
    while (pos < head.size()) {
        auto end = head.find("\r\n", pos);
        if (end == std::string::npos) end = head.size();
        const std::string h = head.substr(pos, end - pos);
        std::string lower = h;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower.rfind("connection:", 0) != 0 && lower.rfind("proxy-connection:", 0) != 0) {
            out += h + "\r\n";
        }
        pos = end + 2;
    }
    out += "Connection: close\r\n\r\n" + body;
    write_all(up, out);
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(up, buf, sizeof buf);
        if (n <= 0) break;
        if (!write_all(fd, std::string(buf, static_cast<std::size_t>(n)))) break;
    }
    ::close(up);
}

}  // namespace twintrack::test_support
