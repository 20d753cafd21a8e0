// The program's calendar fetcher against a one-shot HTTP server on a loopback port:
// a 200 body, an error status, and protocols other than http/https refused.

#include "app/calendar_fetch.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace twintrack::app {
namespace {

using ::testing::HasSubstr;

/// Answers one HTTP request on 127.0.0.1 with `response`, on its own thread.
class OneShotServer {
  public:
    explicit OneShotServer(std::string response) : response_(std::move(response)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 1);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] {
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            char buf[4096];
            std::string request;
            while (request.find("\r\n\r\n") == std::string::npos) {
                const auto n = ::read(c, buf, sizeof buf);
                if (n <= 0) break;
                request.append(buf, static_cast<std::size_t>(n));
            }
            (void)!::write(c, response_.data(), response_.size());
            ::close(c);
        });
    }
    ~OneShotServer() {
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }

  private:
    std::string response_;
    int fd_ = -1;
    int port_ = 0;
    std::thread thread_;
};

TEST(CalendarFetch, ReturnsTheBodyOfA200) {
    const std::string ics = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    OneShotServer server("HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: " +
                         std::to_string(ics.size()) + "\r\nConnection: close\r\n\r\n" + ics);
    std::string error;
    const auto body = fetch_calendar_url(server.url("/cal.ics"), error);
    ASSERT_TRUE(body.has_value()) << error;
    EXPECT_EQ(*body, ics);
}

TEST(CalendarFetch, AnErrorStatusIsNamed) {
    OneShotServer server(
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    std::string error;
    EXPECT_FALSE(fetch_calendar_url(server.url("/missing.ics"), error).has_value());
    EXPECT_EQ(error, "the server answered HTTP 404");
}

TEST(CalendarFetch, OnlyHttpAndHttpsAreFetched) {
    std::string error;
    EXPECT_FALSE(fetch_calendar_url("file:///etc/hostname", error).has_value());
    EXPECT_THAT(error, HasSubstr("nsupported protocol"));
}

}  // namespace
}  // namespace twintrack::app
