#pragma once
// What the process's HTTP servers (the hub's and the `http:` server, both websocketpp)
// share: the same limits and the same request type for the routes they hand on.
// Header-only: each server has its own websocketpp configuration.

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <websocketpp/config/asio_no_tls.hpp>

#include "connectors/http/hook_routes.hpp"
#include "connectors/http/http_listener.hpp"

namespace twintrack::connectors::http {

/// The socket of the process's HTTP servers: websocketpp's plain socket, except how a
/// connection ends. websocketpp shuts both directions down and closes the socket right
/// after its answer; when the request was not read to its end (431 for headers over the
/// limit, 413 before a body), the kernel then answers the unread bytes with a reset, and
/// a reset makes the client's kernel throw away the answer it had not read yet. This one
/// sends its FIN after the answer and reads (and drops) what the client still sends until
/// the client closes its side, `drain_bytes` were read or `drain_ms` passed, so the
/// client reliably gets the answer. websocketpp's own shutdown timeout (5 s) still bounds it.
namespace draining_socket {

constexpr std::size_t drain_bytes = 4u << 20;
constexpr int drain_ms = 2000;

namespace asio = websocketpp::lib::asio;

class Drain : public std::enable_shared_from_this<Drain> {
  public:
    Drain(asio::ip::tcp::socket& socket,
          websocketpp::transport::asio::socket::shutdown_handler done)
        : socket_(socket), timer_(socket.get_executor()), done_(std::move(done)) {}

    void start() {
        timer_.expires_after(std::chrono::milliseconds(drain_ms));
        timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
            if (ec || self->finished_) return;
            asio::error_code ignored;
            self->socket_.cancel(ignored);  // the read ends with operation_aborted
        });
        read();
    }

  private:
    void read() {
        socket_.async_read_some(
            asio::buffer(buffer_),
            [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                self->read_ += n;
                if (!ec && self->read_ < drain_bytes) {
                    self->read();
                    return;
                }
                self->finished_ = true;
                self->timer_.cancel();
                auto done = std::move(self->done_);
                done(asio::error_code());
            });
    }

    asio::ip::tcp::socket& socket_;
    asio::steady_timer timer_;
    websocketpp::transport::asio::socket::shutdown_handler done_;
    std::array<char, 16384> buffer_{};
    std::size_t read_ = 0;
    bool finished_ = false;
};

class connection : public websocketpp::transport::asio::basic_socket::connection {
  public:
    void async_shutdown(websocketpp::transport::asio::socket::shutdown_handler done) {
        asio::error_code ec;
        get_socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
        if (ec) {
            done(ec);
            return;
        }
        std::make_shared<Drain>(get_socket(), std::move(done))->start();
    }
};

class endpoint : public websocketpp::transport::asio::basic_socket::endpoint {
  public:
    using type = endpoint;
    using socket_con_type = connection;
    using socket_con_ptr = websocketpp::transport::asio::basic_socket::connection::ptr;
};

}  // namespace draining_socket

/// websocketpp's `config::asio` (or a config derived from it) with the draining socket.
template <typename Base>
struct DrainingConfig : Base {
    using type = DrainingConfig;
    struct transport_config : Base::transport_config {
        using socket_type = draining_socket::endpoint;
    };
    using transport_type = websocketpp::transport::asio::endpoint<transport_config>;
};

/// Body size (413 above it), the time a client has to send its whole request, and
/// (fixed by websocketpp) 16000 bytes of headers (431 above them).
template <typename Server>
void apply_request_limits(Server& server) {
    server.set_max_http_body_size(max_request_body);
    server.set_open_handshake_timeout(request_timeout_ms);
}

/// The request a websocketpp connection received, as the one request type.
template <typename ConnectionPtr>
ListenerRequest read_request(const ConnectionPtr& con) {
    ListenerRequest request;
    request.method = con->get_request().get_method();
    const std::string resource = con->get_resource();
    const auto q = resource.find('?');
    request.path = resource.substr(0, q);
    if (q != std::string::npos) request.query = resource.substr(q + 1);
    for (const auto& [name, value] : con->get_request().get_headers()) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        request.headers[lower] = value;
    }
    request.body = con->get_request_body();
    return request;
}

/// Sends `response` on a websocketpp connection.
template <typename ConnectionPtr>
void write_response(const ConnectionPtr& con, const ListenerResponse& response) {
    con->set_status(static_cast<websocketpp::http::status_code::value>(response.status));
    con->replace_header("Content-Type", response.content_type);
    con->replace_header("Cache-Control", "no-store");
    for (const auto& [name, value] : response.headers) con->replace_header(name, value);
    con->set_body(response.body);
}

}  // namespace twintrack::connectors::http
