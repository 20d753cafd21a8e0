#include "connectors/http/ws_link.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_client.hpp>

#include "connectors/runtime/tls_client.hpp"

namespace twintrack::connectors::http {

namespace asio = boost::asio;
using PlainClient = websocketpp::client<websocketpp::config::asio_client>;
using TlsClient = websocketpp::client<websocketpp::config::asio_tls_client>;

namespace {

// Splits http://[user:pass@]host:port into the proxy URI websocketpp takes and the
// credentials for its basic authentication.
struct ProxyAddress {
    std::string uri;
    std::string user;
    std::string password;
};

ProxyAddress split_proxy(const std::string& proxy) {
    ProxyAddress out;
    const std::string scheme = "http://";
    std::string rest = proxy.rfind(scheme, 0) == 0 ? proxy.substr(scheme.size()) : proxy;
    const auto at = rest.rfind('@');
    if (at != std::string::npos) {
        const std::string credentials = rest.substr(0, at);
        rest = rest.substr(at + 1);
        const auto colon = credentials.find(':');
        out.user = credentials.substr(0, colon);
        if (colon != std::string::npos) out.password = credentials.substr(colon + 1);
    }
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    out.uri = scheme + rest;
    return out;
}

}  // namespace

struct WsLink::Impl {
    Handlers handlers;
    std::string ca_file;
    std::size_t max_message_bytes = WsLink::default_max_message_bytes;
    asio::io_context io;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread thread;
    std::unique_ptr<asio::steady_timer> keepalive;
    PlainClient plain;
    TlsClient tls;

    // I/O thread only.
    unsigned gen = 0;
    bool open = false;
    bool is_tls = false;
    std::string host;
    websocketpp::connection_hdl hdl;

    std::mutex mu;  // guards `stopped`
    bool stopped = false;

    template <class Client>
    void setup(Client& client) {
        client.clear_access_channels(websocketpp::log::alevel::all);
        client.clear_error_channels(websocketpp::log::elevel::all);
        client.init_asio(&io);
    }

    void end(unsigned g, const std::string& why) {
        if (g != gen) return;
        ++gen;
        open = false;
        if (handlers.on_close) handlers.on_close(why);
    }

    void close_current() {
        if (hdl.expired()) return;
        websocketpp::lib::error_code ec;
        if (is_tls) {
            tls.close(hdl, websocketpp::close::status::going_away, "", ec);
        } else {
            plain.close(hdl, websocketpp::close::status::going_away, "", ec);
        }
        if (ec) {  // still connecting: drop it
            if (is_tls) {
                if (auto con = tls.get_con_from_hdl(hdl, ec)) con->terminate(ec);
            } else {
                if (auto con = plain.get_con_from_hdl(hdl, ec)) con->terminate(ec);
            }
        }
    }

    // Every 30 s a ping; a connection whose pong does not come within 10 s is dropped,
    // so a silently dead network is noticed (the peer never sent a close).
    void arm_keepalive() {
        keepalive->expires_after(std::chrono::seconds(30));
        keepalive->async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            if (open && !hdl.expired()) {
                websocketpp::lib::error_code ignored;
                if (is_tls) {
                    tls.ping(hdl, "keepalive", ignored);
                } else {
                    plain.ping(hdl, "keepalive", ignored);
                }
            }
            arm_keepalive();
        });
    }

    template <class Client>
    void start(Client& client, const std::string& url, const HeaderList& headers,
               const std::string& proxy) {
        const unsigned g = ++gen;
        websocketpp::lib::error_code ec;
        auto con = client.get_connection(url, ec);
        if (ec) return end(g, "bad WebSocket URL: " + ec.message());
        for (const auto& [name, value] : headers) con->append_header(name, value);
        // A larger message is refused by websocketpp, which closes with 1009.
        con->set_max_message_size(max_message_bytes);
        if (!proxy.empty()) {
            const ProxyAddress p = split_proxy(proxy);
            con->set_proxy(p.uri, ec);
            if (!ec && !p.user.empty()) con->set_proxy_basic_auth(p.user, p.password, ec);
            if (ec) return end(g, "bad proxy for the WebSocket: " + ec.message());
        }
        con->set_open_handshake_timeout(10000);
        con->set_close_handshake_timeout(1000);
        con->set_pong_timeout(10000);
        con->set_pong_timeout_handler(
            [this, g, &client](websocketpp::connection_hdl h, std::string) {
                if (g != gen) return;
                websocketpp::lib::error_code e;
                if (auto c = client.get_con_from_hdl(h, e)) c->terminate(e);
                end(g, "no answer to a ping within 10 s");
            });
        host = con->get_host();
        hdl = con->get_handle();
        con->set_open_handler([this, g](websocketpp::connection_hdl h) {
            if (g != gen) {
                websocketpp::lib::error_code ignored;
                if (is_tls) {
                    tls.close(h, websocketpp::close::status::going_away, "", ignored);
                } else {
                    plain.close(h, websocketpp::close::status::going_away, "", ignored);
                }
                return;
            }
            open = true;
            if (handlers.on_open) handlers.on_open();
        });
        con->set_message_handler(
            [this, g](websocketpp::connection_hdl, typename Client::message_ptr msg) {
                if (g != gen) return;
                if (handlers.on_message) handlers.on_message(msg->get_payload());
            });
        con->set_fail_handler([this, g, &client](websocketpp::connection_hdl h) {
            websocketpp::lib::error_code e;
            auto c = client.get_con_from_hdl(h, e);
            std::string why = "cannot connect";
            if (c) {
                why += ": " + c->get_ec().message();
                if (c->get_response_code() != websocketpp::http::status_code::uninitialized) {
                    why +=
                        " (HTTP " + std::to_string(static_cast<int>(c->get_response_code())) + ")";
                }
            }
            end(g, why);
        });
        con->set_close_handler([this, g, &client](websocketpp::connection_hdl h) {
            websocketpp::lib::error_code e;
            auto c = client.get_con_from_hdl(h, e);
            std::string why = "connection closed";
            if (c && c->get_local_close_code() == websocketpp::close::status::message_too_big) {
                why = "closed with code 1009: an incoming message was larger than " +
                      std::to_string(max_message_bytes) + " bytes";
            } else if (c) {
                why += " (code " + std::to_string(c->get_remote_close_code());
                if (!c->get_remote_close_reason().empty()) {
                    why += ", " + c->get_remote_close_reason();
                }
                why += ")";
            }
            end(g, why);
        });
        client.connect(con);
    }
};

WsLink::WsLink(Handlers handlers, std::string ca_file, std::size_t max_message_bytes)
    : impl_(std::make_unique<Impl>()) {
    Impl& d = *impl_;
    d.handlers = std::move(handlers);
    d.ca_file = std::move(ca_file);
    d.max_message_bytes = max_message_bytes;
    d.setup(d.plain);
    d.setup(d.tls);
    d.tls.set_tls_init_handler([&d](websocketpp::connection_hdl) {
        // websocketpp sends the host name (SNI) itself; the certificate is checked here.
        std::shared_ptr<asio::ssl::context> ctx;
        try {
            ctx = std::make_shared<asio::ssl::context>(runtime::tls_client_context(d.ca_file));
        } catch (const std::exception& e) {
            spdlog::error("WebSocket: {}", e.what());
            return ctx;  // no context: the connection fails (invalid_tls_context)
        }
        ctx->set_verify_callback(asio::ssl::host_name_verification(d.host));
        return ctx;
    });
    d.work.emplace(asio::make_work_guard(d.io));
    d.keepalive = std::make_unique<asio::steady_timer>(d.io);
    d.arm_keepalive();
    d.thread = std::thread([&d] { d.io.run(); });
}

WsLink::~WsLink() { stop(); }

void WsLink::connect(const std::string& url, const HeaderList& headers, const std::string& proxy) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return;
    asio::post(impl_->io, [d = impl_.get(), url, headers, proxy] {
        d->close_current();
        d->open = false;
        d->is_tls = url.rfind("wss://", 0) == 0;
        if (d->is_tls) {
            d->start(d->tls, url, headers, proxy);
        } else {
            d->start(d->plain, url, headers, proxy);
        }
    });
}

bool WsLink::send(const std::string& text) { return send_frame(text, false); }

bool WsLink::send_binary(const std::string& bytes) { return send_frame(bytes, true); }

bool WsLink::send_frame(const std::string& data, bool binary) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return false;
    const auto opcode =
        binary ? websocketpp::frame::opcode::binary : websocketpp::frame::opcode::text;
    asio::post(impl_->io, [d = impl_.get(), data, opcode] {
        if (!d->open) return;
        websocketpp::lib::error_code ec;
        if (d->is_tls) {
            d->tls.send(d->hdl, data, opcode, ec);
        } else {
            d->plain.send(d->hdl, data, opcode, ec);
        }
    });
    return true;
}

void WsLink::close() {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return;
    asio::post(impl_->io, [d = impl_.get()] {
        const unsigned g = d->gen;
        d->close_current();
        d->end(g, "closed by TwinTrack");
    });
}

void WsLink::stop() {
    {
        std::lock_guard<std::mutex> lock(impl_->mu);
        if (impl_->stopped) return;
        impl_->stopped = true;
        asio::post(impl_->io, [d = impl_.get()] {
            ++d->gen;  // no handler runs from now on
            d->open = false;
            d->close_current();
            d->keepalive->cancel();
            d->work.reset();
        });
    }
    if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace twintrack::connectors::http
