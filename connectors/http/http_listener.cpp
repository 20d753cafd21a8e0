#include "connectors/http/http_listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <stdexcept>
#include <thread>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "connectors/http/server_glue.hpp"

namespace twintrack::connectors::http {

using Server = websocketpp::server<websocketpp::config::asio>;

struct HttpListener::Impl {
    Handler handler;
    Server server;
    std::thread thread;
    bool running = false;
};

std::string ListenerRequest::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

HttpListener::HttpListener(Handler handler) : impl_(std::make_unique<Impl>()) {
    impl_->handler = std::move(handler);
}

HttpListener::~HttpListener() { stop(); }

int HttpListener::start(const std::string& bind, int port) {
    Impl& d = *impl_;
    if (d.running) throw std::runtime_error("HTTP listener already started");
    d.server.clear_access_channels(websocketpp::log::alevel::all);
    d.server.clear_error_channels(websocketpp::log::elevel::all);
    d.server.init_asio();
    d.server.set_reuse_addr(true);
    apply_request_limits(d.server);
    d.server.set_validate_handler([](websocketpp::connection_hdl) { return false; });
    d.server.set_http_handler([&d](websocketpp::connection_hdl hdl) {
        auto con = d.server.get_con_from_hdl(hdl);
        const ListenerRequest request = read_request(con);
        ListenerResponse response;
        try {
            response = d.handler(request);
        } catch (const std::exception& e) {
            spdlog::error("HTTP listener: handler failed for {} {}: {}", request.method,
                          request.path, e.what());
            response = {500, "text/plain; charset=utf-8", "internal error"};
        }
        write_response(con, response);
    });
    websocketpp::lib::error_code ec;
    boost::system::error_code aec;
    const auto address = boost::asio::ip::make_address(bind, aec);
    if (aec) throw std::runtime_error("cannot listen on " + bind + ": not an IP address");
    d.server.listen(boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port)), ec);
    if (ec) {
        throw std::runtime_error("cannot listen on " + bind + ":" + std::to_string(port) + ": " +
                                 ec.message());
    }
    d.server.start_accept(ec);
    if (ec) throw std::runtime_error("cannot accept on " + bind + ": " + ec.message());
    boost::system::error_code lec;
    const int actual = d.server.get_local_endpoint(lec).port();
    d.running = true;
    d.thread = std::thread([&d] {
        try {
            d.server.run();
        } catch (const std::exception& e) {
            spdlog::error("HTTP listener stopped: {}", e.what());
        }
    });
    return actual;
}

void HttpListener::stop() {
    Impl& d = *impl_;
    if (!d.running) return;
    d.running = false;
    // The acceptor belongs to the listener's thread: closing it from here could race an
    // accept that is just completing there (a crash seen under load).
    boost::asio::post(d.server.get_io_service(), [&d] {
        websocketpp::lib::error_code ec;
        d.server.stop_listening(ec);
        d.server.stop();
    });
    if (d.thread.joinable()) d.thread.join();
}

}  // namespace twintrack::connectors::http
