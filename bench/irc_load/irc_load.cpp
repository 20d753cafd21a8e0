// irc_load: N IRC clients send `ping` to the bot by private message through a real IRC
// server, each keeping K pings in flight, and measure the round trips to the bot's
// `pong`. Prints round trips per second and p50/p99 latency.
//   irc_load --port 6667 [--clients 10] [--inflight 5] [--count 2000] [--nick alice]
//            [--bot twintrack]
// Client i registers as NICK + i (alice1, alice2, ...), so the directory must know
// `irc:alice1` ... for the bot to answer `pong`.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Client {
    int fd = -1;
    std::string nick;
    std::string in;
    std::string out;
    bool registered = false;
    std::deque<Clock::time_point> sent;  ///< send times of pings not answered yet
    int to_send = 0;
    int answered = 0;
};

int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("connect");
        std::exit(1);
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

void flush(Client& c) {
    while (!c.out.empty()) {
        const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0) return;
        c.out.erase(0, static_cast<std::size_t>(n));
    }
}

// Reads what is there; calls on_line for each complete line.
template <class F>
bool pump_in(Client& c, F&& on_line) {
    char buf[65536];
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return true;
    c.in.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0, nl;
    while ((nl = c.in.find('\n', start)) != std::string::npos) {
        std::string line = c.in.substr(start, nl - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        on_line(line);
        start = nl + 1;
    }
    c.in.erase(0, start);
    return true;
}

// ":bot!u@h PRIVMSG nick :pong" from the bot?
bool is_pong_from(const std::string& line, const std::string& bot) {
    if (line.size() < bot.size() + 2 || line[0] != ':') return false;
    if (line.compare(1, bot.size(), bot) != 0 || line[bot.size() + 1] != '!') return false;
    return line.find(" PRIVMSG ") != std::string::npos && line.size() >= 6 &&
           line.compare(line.size() - 5, 5, ":pong") == 0;
}

}  // namespace

int main(int argc, char** argv) {
    int port = 6667, clients = 10, inflight = 5, count = 2000;
    std::string nick = "alice", bot = "twintrack";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        const std::string v = argv[i + 1];
        if (k == "--port")
            port = std::atoi(v.c_str());
        else if (k == "--clients")
            clients = std::atoi(v.c_str());
        else if (k == "--inflight")
            inflight = std::atoi(v.c_str());
        else if (k == "--count")
            count = std::atoi(v.c_str());
        else if (k == "--nick")
            nick = v;
        else if (k == "--bot")
            bot = v;
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    std::vector<Client> cs(static_cast<std::size_t>(clients));
    for (int i = 0; i < clients; ++i) {
        Client& c = cs[static_cast<std::size_t>(i)];
        c.fd = connect_to(port);
        c.nick = nick + std::to_string(i + 1);
        c.out = "NICK " + c.nick + "\r\nUSER " + c.nick + " 0 * :irc_load\r\n";
        flush(c);
    }
    std::vector<pollfd> pfds(cs.size());
    auto loop = [&](auto&& on_line, auto&& done, std::chrono::seconds limit) {
        const auto deadline = Clock::now() + limit;
        while (!done()) {
            if (Clock::now() > deadline) return false;
            for (std::size_t i = 0; i < cs.size(); ++i) {
                pfds[i] = {cs[i].fd, static_cast<short>(POLLIN | (cs[i].out.empty() ? 0 : POLLOUT)),
                           0};
            }
            if (::poll(pfds.data(), pfds.size(), 100) < 0) return false;
            for (std::size_t i = 0; i < cs.size(); ++i) {
                if (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                    if (!pump_in(cs[i], [&](const std::string& l) { on_line(cs[i], l); })) {
                        std::fprintf(stderr, "%s: connection closed\n", cs[i].nick.c_str());
                        return false;
                    }
                }
                flush(cs[i]);
            }
        }
        return true;
    };
    auto answer_ping = [](Client& c, const std::string& line) {
        if (line.rfind("PING", 0) == 0) c.out += "PONG" + line.substr(4) + "\r\n";
    };

    // Registration, then one warm-up round trip each (the bot may still be connecting).
    bool ok = loop(
        [&](Client& c, const std::string& line) {
            answer_ping(c, line);
            if (line.find(" 001 ") != std::string::npos) c.registered = true;
        },
        [&] {
            return std::all_of(cs.begin(), cs.end(), [](const Client& c) { return c.registered; });
        },
        std::chrono::seconds(10));
    if (!ok) {
        std::fprintf(stderr, "registration failed\n");
        return 1;
    }
    for (int attempt = 0; attempt < 30; ++attempt) {
        for (auto& c : cs) {
            if (c.answered == 0) c.out += "PRIVMSG " + bot + " :ping\r\n";
        }
        loop(
            [&](Client& c, const std::string& line) {
                answer_ping(c, line);
                if (is_pong_from(line, bot)) c.answered = 1;
            },
            [&] {
                return std::all_of(cs.begin(), cs.end(),
                                   [](const Client& c) { return c.answered > 0; });
            },
            std::chrono::seconds(1));
        if (std::all_of(cs.begin(), cs.end(), [](const Client& c) { return c.answered > 0; }))
            break;
    }
    // Late pongs of the warm-up retries are drained for a moment.
    loop([&](Client& c, const std::string& line) { answer_ping(c, line); }, [] { return false; },
         std::chrono::seconds(1));
    if (!std::all_of(cs.begin(), cs.end(), [](const Client& c) { return c.answered > 0; })) {
        std::fprintf(stderr,
                     "the bot did not answer ping (is it on the server, and does the "
                     "directory know irc:%s1?)\n",
                     nick.c_str());
        return 1;
    }

    std::vector<double> latencies;
    latencies.reserve(static_cast<std::size_t>(clients) * static_cast<std::size_t>(count));
    const auto start = Clock::now();
    for (auto& c : cs) {
        c.answered = 0;
        c.to_send = count;
        for (int k = 0; k < inflight && c.to_send > 0; ++k, --c.to_send) {
            c.out += "PRIVMSG " + bot + " :ping\r\n";
            c.sent.push_back(Clock::now());
        }
        flush(c);
    }
    ok = loop(
        [&](Client& c, const std::string& line) {
            answer_ping(c, line);
            if (!is_pong_from(line, bot) || c.sent.empty()) return;
            const auto now = Clock::now();
            latencies.push_back(
                std::chrono::duration<double, std::milli>(now - c.sent.front()).count());
            c.sent.pop_front();
            ++c.answered;
            if (c.to_send > 0) {
                --c.to_send;
                c.out += "PRIVMSG " + bot + " :ping\r\n";
                c.sent.push_back(now);
            }
        },
        [&] {
            return std::all_of(cs.begin(), cs.end(),
                               [&](const Client& c) { return c.answered == count; });
        },
        std::chrono::seconds(300));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!ok) {
        std::fprintf(stderr, "timed out after %zu round trips\n", latencies.size());
        return 1;
    }
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) {
        return latencies[std::min(
            latencies.size() - 1,
            static_cast<std::size_t>(p * static_cast<double>(latencies.size())))];
    };
    std::printf(
        "irc_load: %d clients x %d in flight, %zu round trips in %.2f s: %.0f/s, "
        "p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
        clients, inflight, latencies.size(), seconds,
        static_cast<double>(latencies.size()) / seconds, pct(0.50), pct(0.99), latencies.back());
    for (auto& c : cs) {
        c.out += "QUIT :done\r\n";
        flush(c);
        ::close(c.fd);
    }
    return 0;
}
