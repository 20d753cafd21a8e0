// hub_load: load on a running hub, measured as round trips to the bot.
//
//   hub_load --port P [--clients 100] [--seconds 5] [--in-flight 1]
//
// Opens N WebSocket connections to ws://127.0.0.1:P/ws, says hello as alice1..aliceN,
// then each client keeps `in-flight` direct messages "ping" outstanding to the bot and
// times each one until the bot's reply (a frame whose reply_to is the message id)
// arrives. All clients share one asio thread. Prints round trips per second and the
// p50/p99/max latency. Exits 0 after a run that completed round trips, 1 when it could
// not (no connection, no reply), 2 on bad arguments. Always bounded in time.
//
// Run it against tests/hub/hub_echo, whose bot answers "ping" with "pong".

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

namespace {

using Client = websocketpp::client<websocketpp::config::asio_client>;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr auto connect_budget = std::chrono::seconds(10);
constexpr auto drain_budget = std::chrono::seconds(2);

struct Options {
    int port = 0;
    int clients = 100;
    double seconds = 5;
    int in_flight = 1;
};

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "hub_load: " << why
              << "\nusage: hub_load --port P [--clients 100] [--seconds 5] [--in-flight 1]\n";
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") usage("measures round trips to the hub's bot");
        if (i + 1 >= argc) usage("missing value after " + arg);
        const std::string value = argv[++i];
        try {
            if (arg == "--port") {
                o.port = std::stoi(value);
            } else if (arg == "--clients") {
                o.clients = std::stoi(value);
            } else if (arg == "--seconds") {
                o.seconds = std::stod(value);
            } else if (arg == "--in-flight") {
                o.in_flight = std::stoi(value);
            } else {
                usage("unknown option " + arg);
            }
        } catch (const std::logic_error&) {
            usage("bad number after " + arg);
        }
    }
    if (o.port <= 0 || o.port > 65535) usage("--port is required (1-65535)");
    if (o.clients < 1 || o.clients > 10000) usage("--clients must be 1-10000");
    if (o.seconds <= 0 || o.seconds > 600) usage("--seconds must be above 0 and at most 600");
    if (o.in_flight < 1 || o.in_flight > 1000) usage("--in-flight must be 1-1000");
    return o;
}

class LoadRun {
  public:
    explicit LoadRun(const Options& options) : options_(options), guard_(io_), phase_(io_) {
        client_.clear_access_channels(websocketpp::log::alevel::all);
        client_.clear_error_channels(websocketpp::log::elevel::all);
        client_.init_asio(&io_);
        // Like a browser: no Nagle delay on small frames.
        client_.set_tcp_post_init_handler([this](websocketpp::connection_hdl h) {
            websocketpp::lib::error_code ec;
            auto con = client_.get_con_from_hdl(h, ec);
            if (ec) return;
            boost::system::error_code ignored;
            con->get_raw_socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        });
    }

    int run() {
        const std::string url = "ws://127.0.0.1:" + std::to_string(options_.port) + "/ws";
        users_.resize(options_.clients);
        for (int i = 0; i < options_.clients; ++i) {
            User& u = users_[i];
            u.name = "alice" + std::to_string(i + 1);
            websocketpp::lib::error_code ec;
            auto con = client_.get_connection(url, ec);
            if (ec) {
                std::cerr << "hub_load: " << url << ": " << ec.message() << '\n';
                return 1;
            }
            con->set_open_handler([this, i](websocketpp::connection_hdl) { on_open(i); });
            con->set_fail_handler([this, i](websocketpp::connection_hdl) { on_end(i, true); });
            con->set_close_handler([this, i](websocketpp::connection_hdl) { on_end(i, false); });
            con->set_message_handler([this, i](websocketpp::connection_hdl, Client::message_ptr m) {
                on_frame(i, m->get_payload());
            });
            u.hdl = con->get_handle();
            client_.connect(con);
        }
        // Whatever happens, the run ends: connecting, measuring and draining are bounded.
        const auto limit = connect_budget +
                           std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options_.seconds)) +
                           drain_budget + std::chrono::seconds(3);
        guard_.expires_after(limit);
        guard_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            std::cerr << "hub_load: run did not finish in time; stopping\n";
            client_.stop();
        });
        phase_.expires_after(connect_budget);
        phase_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) begin_measuring();
        });
        client_.run();
        return report();
    }

  private:
    struct User {
        std::string name;
        websocketpp::connection_hdl hdl;
        bool ready = false;
        bool ended = false;
        std::map<std::string, Clock::time_point> outstanding;
        std::uint64_t next = 0;
    };

    void send(int i, const json& frame) {
        websocketpp::lib::error_code ec;
        client_.send(users_[i].hdl, frame.dump(), websocketpp::frame::opcode::text, ec);
        if (ec) ++errors_;
    }

    void on_open(int i) { send(i, {{"type", "hello"}, {"user", users_[i].name}}); }

    void on_end(int i, bool failed) {
        User& u = users_[i];
        if (u.ended) return;
        u.ended = true;
        if (failed) ++connect_failures_;
        if (measuring_) ++dropped_;
        if (--live_ == 0 && finishing_) client_.stop();
        if (!started_ && ready_ + connect_failures_ == options_.clients) begin_measuring();
    }

    void on_frame(int i, const std::string& payload) {
        User& u = users_[i];
        // Most frames are the echo of our own message; only parse what may be a reply.
        const bool maybe_reply = payload.find("\"reply_to\"") != std::string::npos;
        if (u.ready && !maybe_reply && payload.find("\"error\"") == std::string::npos) return;
        const json frame = json::parse(payload, nullptr, false);
        if (frame.is_discarded() || !frame.is_object()) return;
        const std::string type = frame.value("type", "");
        if (type == "welcome") {
            u.ready = true;
            if (++ready_ + connect_failures_ == options_.clients) begin_measuring();
        } else if (type == "error") {
            if (++errors_ <= 3) std::cerr << "hub_load: " << u.name << ": " << payload << '\n';
        } else if (type == "message" && maybe_reply) {
            const auto it = u.outstanding.find(frame.value("reply_to", ""));
            if (it == u.outstanding.end()) return;
            const auto rtt = Clock::now() - it->second;
            u.outstanding.erase(it);
            if (!measuring_) return;
            latencies_us_.push_back(
                std::chrono::duration_cast<std::chrono::microseconds>(rtt).count());
            ping(i);
        }
    }

    void ping(int i) {
        User& u = users_[i];
        const std::string id = "l" + std::to_string(i + 1) + "-" + std::to_string(++u.next);
        u.outstanding[id] = Clock::now();
        send(i, {{"type", "message"}, {"channel", "@twintrack"}, {"text", "ping"}, {"id", id}});
    }

    void begin_measuring() {
        if (started_) return;
        started_ = true;
        phase_.cancel();
        live_ = 0;
        for (const auto& u : users_) live_ += u.ended ? 0 : 1;
        if (ready_ == 0) {
            std::cerr << "hub_load: no client got a welcome from 127.0.0.1:" << options_.port
                      << '\n';
            finish();
            return;
        }
        measuring_ = true;
        began_ = Clock::now();
        for (int i = 0; i < options_.clients; ++i) {
            if (!users_[i].ready || users_[i].ended) continue;
            for (int k = 0; k < options_.in_flight; ++k) ping(i);
        }
        phase_.expires_after(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(options_.seconds)));
        phase_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) finish();
        });
    }

    void finish() {
        if (measuring_) elapsed_ = Clock::now() - began_;
        measuring_ = false;
        finishing_ = true;
        for (auto& u : users_) {
            if (u.ended) continue;
            websocketpp::lib::error_code ec;
            client_.close(u.hdl, websocketpp::close::status::normal, "done", ec);
        }
        if (live_ == 0) {
            client_.stop();
            return;
        }
        phase_.expires_after(drain_budget);
        phase_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) client_.stop();
        });
    }

    int report() {
        const double secs = std::chrono::duration<double>(elapsed_).count();
        std::printf(
            "hub_load: %d clients (%d connected), in-flight %d, %.1f s against "
            "127.0.0.1:%d\n",
            options_.clients, ready_, options_.in_flight, secs, options_.port);
        if (latencies_us_.empty()) {
            std::printf("no round trips completed (errors: %d, failed connections: %d)\n", errors_,
                        connect_failures_);
            return 1;
        }
        std::sort(latencies_us_.begin(), latencies_us_.end());
        auto at = [&](double q) {
            const auto idx = static_cast<std::size_t>(q * (latencies_us_.size() - 1));
            return latencies_us_[idx] / 1000.0;
        };
        std::printf("round trips: %zu (%.0f/s)\n", latencies_us_.size(),
                    latencies_us_.size() / std::max(secs, 1e-9));
        std::printf("latency ms: p50 %.2f  p99 %.2f  max %.2f\n", at(0.50), at(0.99),
                    latencies_us_.back() / 1000.0);
        std::printf("errors: %d, failed connections: %d, dropped during run: %d\n", errors_,
                    connect_failures_, dropped_);
        return 0;
    }

    Options options_;
    boost::asio::io_context io_;  // the one thread all clients share
    Client client_;
    boost::asio::steady_timer guard_;
    boost::asio::steady_timer phase_;
    std::vector<User> users_;
    std::vector<std::int64_t> latencies_us_;
    int ready_ = 0;
    int connect_failures_ = 0;
    int errors_ = 0;
    int dropped_ = 0;
    int live_ = 0;
    bool started_ = false;
    bool measuring_ = false;
    bool finishing_ = false;
    Clock::time_point began_;
    Clock::duration elapsed_{};
};

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    try {
        LoadRun run(options);
        return run.run();
    } catch (const std::exception& e) {
        std::cerr << "hub_load: " << e.what() << '\n';
        return 1;
    }
}
