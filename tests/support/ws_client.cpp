#include "tests/support/ws_client.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

namespace twintrack::test_support {
namespace {

using Client = websocketpp::client<websocketpp::config::asio_client>;

std::string authority(const std::string& host, int port) {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string lower(std::string s) {
    for (auto& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
}

}  // namespace

struct WsClient::Impl {
    enum class State { idle, connecting, open, closed };

    Client client;
    std::thread io;
    Client::connection_ptr con;

    mutable std::mutex mu;
    std::condition_variable cv;
    State state = State::idle;
    std::deque<WsFrame> frames;
    WsClose closed_with;
    std::string failure;

    Impl() {
        client.clear_access_channels(websocketpp::log::alevel::all);
        client.clear_error_channels(websocketpp::log::elevel::all);
        client.init_asio();
        client.start_perpetual();
        io = std::thread([this] { client.run(); });
    }

    ~Impl() {
        client.stop_perpetual();
        if (con) {
            // On the client's own thread: a connection is not to be touched from two.
            boost::asio::post(client.get_io_service(), [c = con] {
                websocketpp::lib::error_code ec;
                c->close(websocketpp::close::status::going_away, "", ec);
            });
        }
        // Give the close handshake a moment, then stop whatever is left.
        std::unique_lock<std::mutex> lock(mu);
        cv.wait_for(lock, 1s, [&] { return state != State::open; });
        lock.unlock();
        client.stop();
        io.join();
    }

    void ended(State s) {
        std::lock_guard<std::mutex> lock(mu);
        if (state == State::connecting) {
            failure = "connection failed";
            if (con) {
                const int status = con->get_response_code();
                if (status != 0) {
                    failure = "handshake refused with HTTP " + std::to_string(status);
                } else if (con->get_ec()) {
                    failure = con->get_ec().message();
                }
            }
        }
        closed_with.code = con ? con->get_remote_close_code() : 1006;
        closed_with.reason = con ? con->get_remote_close_reason() : "";
        if (closed_with.code == websocketpp::close::status::no_status ||
            closed_with.code == websocketpp::close::status::blank) {
            closed_with.code = websocketpp::close::status::abnormal_close;
        }
        state = s;
        cv.notify_all();
    }

    void require_open() const {
        std::lock_guard<std::mutex> lock(mu);
        if (state != State::open) throw std::runtime_error("WsClient: not connected");
    }

    void send(const std::string& payload, websocketpp::frame::opcode::value op) {
        require_open();
        const auto ec = con->send(payload, op);
        if (ec) throw std::runtime_error("WsClient: send failed: " + ec.message());
    }

    std::optional<WsFrame> pop(std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait_for(lock, timeout, [&] { return !frames.empty() || state == State::closed; });
        if (frames.empty()) return std::nullopt;
        WsFrame f = std::move(frames.front());
        frames.pop_front();
        return f;
    }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}

WsClient::~WsClient() = default;

void WsClient::connect(const std::string& host, int port, const std::string& path,
                       std::chrono::milliseconds timeout, const Headers& headers) {
    const std::string url = "ws://" + authority(host, port) + path;
    {
        std::lock_guard<std::mutex> lock(impl_->mu);
        if (impl_->state != Impl::State::idle) {
            throw std::runtime_error("WsClient: connect() may be called once");
        }
        impl_->state = Impl::State::connecting;
    }
    websocketpp::lib::error_code ec;
    auto con = impl_->client.get_connection(url, ec);
    if (ec) throw std::runtime_error("WsClient: bad url " + url + ": " + ec.message());
    for (const auto& [name, value] : headers) con->append_header(name, value);
    Impl* impl = impl_.get();
    con->set_open_handler([impl](websocketpp::connection_hdl) {
        std::lock_guard<std::mutex> lock(impl->mu);
        impl->state = Impl::State::open;
        impl->cv.notify_all();
    });
    con->set_fail_handler(
        [impl](websocketpp::connection_hdl) { impl->ended(Impl::State::closed); });
    con->set_close_handler(
        [impl](websocketpp::connection_hdl) { impl->ended(Impl::State::closed); });
    con->set_message_handler([impl](websocketpp::connection_hdl, Client::message_ptr msg) {
        std::lock_guard<std::mutex> lock(impl->mu);
        impl->frames.push_back(
            {msg->get_opcode() == websocketpp::frame::opcode::binary, msg->get_payload()});
        impl->cv.notify_all();
    });
    impl_->con = con;
    impl_->client.connect(con);

    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->cv.wait_for(lock, timeout, [&] { return impl_->state != Impl::State::connecting; });
    if (impl_->state == Impl::State::open) return;
    const std::string why = impl_->state == Impl::State::connecting
                                ? "timed out after " + std::to_string(timeout.count()) + " ms"
                                : impl_->failure;
    throw std::runtime_error("WsClient: cannot connect to " + url + ": " + why);
}

bool WsClient::is_open() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->state == Impl::State::open;
}

void WsClient::send_text(const std::string& text) {
    impl_->send(text, websocketpp::frame::opcode::text);
}

void WsClient::send_json(const nlohmann::json& frame) { send_text(frame.dump()); }

void WsClient::send_binary(const std::string& bytes) {
    impl_->send(bytes, websocketpp::frame::opcode::binary);
}

void WsClient::send_raw_text(const std::string& bytes) {
    impl_->require_open();
    // A final text frame, masked with the all-zero key so the payload goes out as is.
    std::string header;
    header.push_back(static_cast<char>(0x81));
    const std::size_t n = bytes.size();
    if (n < 126) {
        header.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xFFFF) {
        header.push_back(static_cast<char>(0x80 | 126));
        header.push_back(static_cast<char>((n >> 8) & 0xFF));
        header.push_back(static_cast<char>(n & 0xFF));
    } else {
        header.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            header.push_back(static_cast<char>((n >> shift) & 0xFF));
        }
    }
    header.append(4, '\0');
    auto msg = impl_->con->get_message(websocketpp::frame::opcode::text, n);
    msg->set_header(header);
    msg->set_payload(bytes);
    msg->set_prepared(true);
    const auto ec = impl_->con->send(msg);
    if (ec) throw std::runtime_error("WsClient: send failed: " + ec.message());
}

std::optional<WsFrame> WsClient::next_frame(std::chrono::milliseconds timeout) {
    return impl_->pop(timeout);
}

std::optional<nlohmann::json> WsClient::next_json(std::chrono::milliseconds timeout) {
    auto frame = impl_->pop(timeout);
    if (!frame) return std::nullopt;
    auto parsed = nlohmann::json::parse(frame->payload, nullptr, false);
    if (parsed.is_discarded()) return nlohmann::json(frame->payload);
    return parsed;
}

std::optional<nlohmann::json> WsClient::wait_for(
    const std::function<bool(const nlohmann::json&)>& match, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto frame = next_json(left);
        if (!frame) return std::nullopt;
        if (match(*frame)) return frame;
    }
}

std::optional<nlohmann::json> WsClient::wait_for_type(const std::string& type,
                                                      std::chrono::milliseconds timeout) {
    return wait_for(
        [&](const nlohmann::json& f) {
            return f.is_object() && f.contains("type") && f["type"] == type;
        },
        timeout);
}

bool WsClient::nothing_within(std::chrono::milliseconds quiet) {
    std::unique_lock<std::mutex> lock(impl_->mu);
    return !impl_->cv.wait_for(lock, quiet, [&] { return !impl_->frames.empty(); });
}

std::optional<WsClose> WsClient::wait_closed(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(impl_->mu);
    if (!impl_->cv.wait_for(lock, timeout, [&] { return impl_->state == Impl::State::closed; })) {
        return std::nullopt;
    }
    return impl_->closed_with;
}

void WsClient::close(int code, const std::string& reason) {
    if (!is_open()) return;
    websocketpp::lib::error_code ec;
    impl_->con->close(static_cast<websocketpp::close::status::value>(code), reason, ec);
    wait_closed(2s);
}

void WsClient::drop() {
    if (!is_open()) return;
    auto con = impl_->con;
    boost::asio::post(impl_->client.get_io_service(), [con] {
        boost::system::error_code ec;
        con->get_raw_socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        con->get_raw_socket().close(ec);
    });
    wait_closed(2s);
}

std::string HttpResponse::header(const std::string& name) const {
    const auto it = headers.find(lower(name));
    return it == headers.end() ? "" : it->second;
}

nlohmann::json HttpResponse::json() const { return nlohmann::json::parse(body); }

HttpResponse http_request(const std::string& method, const std::string& host, int port,
                          const std::string& target, const Headers& headers,
                          const std::string& body, std::chrono::milliseconds timeout) {
    namespace asio = boost::asio;
    using asio::ip::tcp;
    const std::string where = method + " http://" + authority(host, port) + target;
    asio::io_context io;
    tcp::socket socket(io);
    std::string request = method + " " + target + " HTTP/1.1\r\nConnection: close\r\n";
    bool has_host = false;
    for (const auto& [name, value] : headers) {
        request += name + ": " + value + "\r\n";
        has_host = has_host || lower(name) == "host";
    }
    if (!has_host) request += "Host: " + authority(host, port) + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT") {
        request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    request += "\r\n" + body;

    boost::system::error_code failure;
    std::string raw;
    std::array<char, 8192> buf{};
    std::function<void()> read_more = [&] {
        socket.async_read_some(asio::buffer(buf), [&](boost::system::error_code ec, std::size_t n) {
            raw.append(buf.data(), n);
            if (ec) {
                if (ec != asio::error::eof) failure = ec;
                return;
            }
            read_more();
        });
    };
    boost::system::error_code address_ec;
    const tcp::endpoint endpoint(asio::ip::make_address(host, address_ec),
                                 static_cast<unsigned short>(port));
    if (address_ec) throw std::runtime_error(where + ": host must be an IP address");
    socket.async_connect(endpoint, [&](boost::system::error_code ec) {
        if (ec) {
            failure = ec;
            return;
        }
        asio::async_write(socket, asio::buffer(request),
                          [&](boost::system::error_code wec, std::size_t) {
                              if (wec) {
                                  failure = wec;
                                  return;
                              }
                              read_more();
                          });
    });
    io.run_for(timeout);
    if (!io.stopped()) throw std::runtime_error(where + ": timed out");
    if (failure) throw std::runtime_error(where + ": " + failure.message());

    HttpResponse response;
    const auto head_end = raw.find("\r\n\r\n");
    if (raw.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos) {
        throw std::runtime_error(where + ": malformed response");
    }
    const auto first_line_end = raw.find("\r\n");
    const auto space = raw.find(' ');
    response.status = std::atoi(raw.c_str() + space + 1);
    for (auto pos = first_line_end + 2; pos < head_end;) {
        const auto eol = raw.find("\r\n", pos);
        const std::string line = raw.substr(pos, eol - pos);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            auto value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            response.headers[lower(line.substr(0, colon))] = value;
        }
        pos = eol + 2;
    }
    response.body = raw.substr(head_end + 4);
    const std::string length = response.header("content-length");
    if (!length.empty())
        response.body.resize(std::min<std::size_t>(response.body.size(), std::stoul(length)));
    return response;
}

HttpResponse http_get(const std::string& host, int port, const std::string& target,
                      const Headers& headers, std::chrono::milliseconds timeout) {
    return http_request("GET", host, port, target, headers, "", timeout);
}

bool wait_until_healthy(const std::string& host, int port, const std::string& path,
                        std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            if (http_get(host, port, path, {}, 1s).status == 200) return true;
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

}  // namespace twintrack::test_support
