#include "connectors/robots/callback_server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <stdexcept>
#include <thread>

#include "core/text.hpp"

namespace twintrack::connectors::robots {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket socket, std::size_t max_body, const CallbackServer::Handler& handler)
        : stream_(std::move(socket)), max_body_(max_body), handler_(handler) {}

    /// Reads one request; after an answer that keeps the connection, reads the next.
    void run() {
        parser_.emplace();
        parser_->body_limit(max_body_);
        parser_->header_limit(16 * 1024);
        stream_.expires_after(std::chrono::seconds(10));
        auto self = shared_from_this();
        http::async_read(stream_, buffer_, *parser_,
                         [self](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

  private:
    void on_read(beast::error_code ec) {
        if (ec == http::error::body_limit) {
            // Answered before the body is read; the rest is read and dropped afterwards
            // so that the client, still sending, gets the answer rather than a reset.
            drain_after_answer_ = true;
            answer({413, R"({"error":"too_large"})"}, 11);
            return;
        }
        if (ec) return;  // closed, timed out or not HTTP: nothing to answer
        const auto& req = parser_->get();
        HttpRequest request;
        request.method = std::string(req.method_string());
        request.target = std::string(req.target());
        for (const auto& field : req) {
            request.headers[core::ascii_lower(std::string(field.name_string()))] =
                std::string(field.value());
        }
        request.body = req.body();
        HttpAnswer a;
        try {
            a = handler_(request);
        } catch (const std::exception& e) {
            spdlog::error("callback handler failed: {}", e.what());
            a = {500, R"({"error":"internal"})"};
        }
        answer(a, req.version(), req.keep_alive());
    }

    void answer(const HttpAnswer& a, unsigned version, bool keep_alive = false) {
        auto res = std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(a.status), version);
        res->set(http::field::content_type, "application/json; charset=utf-8");
        for (const auto& [name, value] : a.headers) res->set(name, value);
        res->keep_alive(keep_alive);
        res->body() = a.body;
        res->prepare_payload();
        auto self = shared_from_this();
        http::async_write(stream_, *res, [self, res](beast::error_code ec, std::size_t) {
            // A client that keeps the connection (platform SDKs and our own poster do)
            // sends its next request on it; each request gets the same 10 s to arrive.
            if (!ec && res->keep_alive()) return self->run();
            beast::error_code ignored;
            self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            if (self->drain_after_answer_) self->drain();
        });
    }

    // Reads and drops what the client still sends, until it closes or the 10 s expire.
    void drain() {
        auto self = shared_from_this();
        stream_.async_read_some(asio::buffer(scratch_), [self](beast::error_code ec, std::size_t) {
            if (!ec) self->drain();
        });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::size_t max_body_;
    std::optional<http::request_parser<http::string_body>> parser_;
    bool drain_after_answer_ = false;
    std::array<char, 4096> scratch_{};
    const CallbackServer::Handler& handler_;
};

}  // namespace

struct CallbackServer::Impl {
    std::string bind;
    int port;
    std::size_t max_body;
    Handler handler;
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::thread thread;
    int bound_port = 0;

    void accept() {
        acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec) {
                if (ec == asio::error::operation_aborted) return;
            } else {
                std::make_shared<Session>(std::move(socket), max_body, handler)->run();
            }
            accept();
        });
    }
};

CallbackServer::CallbackServer(std::string bind, int port, std::size_t max_body, Handler handler)
    : impl_(std::make_unique<Impl>()) {
    impl_->bind = std::move(bind);
    impl_->port = port;
    impl_->max_body = max_body;
    impl_->handler = std::move(handler);
}

CallbackServer::~CallbackServer() { stop(); }

void CallbackServer::start() {
    beast::error_code ec;
    const auto address = asio::ip::make_address(impl_->bind, ec);
    if (ec) throw std::runtime_error("callback bind \"" + impl_->bind + "\" is not an address");
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(impl_->port));
    impl_->acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl_->acceptor.bind(endpoint, ec);
    if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        throw std::runtime_error("cannot listen for callbacks on " + impl_->bind + ":" +
                                 std::to_string(impl_->port) + ": " + ec.message());
    }
    impl_->bound_port = impl_->acceptor.local_endpoint().port();
    impl_->accept();
    impl_->thread = std::thread([this] { impl_->io.run(); });
}

void CallbackServer::stop() {
    if (!impl_->thread.joinable()) return;
    asio::post(impl_->io, [this] {
        beast::error_code ignored;
        impl_->acceptor.close(ignored);
        impl_->io.stop();
    });
    impl_->thread.join();
}

int CallbackServer::port() const { return impl_->bound_port; }

}  // namespace twintrack::connectors::robots
