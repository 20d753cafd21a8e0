#pragma once
// A small blocking IRC client that plays the human in tests: registers, joins, talks,
// and waits for lines (answering PING by itself). Lines not yet asked for are kept.

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "connectors/irc/irc_message.hpp"

namespace twintrack::irc_test {

using connectors::irc::Message;

class IrcClient {
  public:
    /// Connects to 127.0.0.1:port and registers as `nick` (waits for 001).
    IrcClient(int port, std::string nick);
    ~IrcClient();
    IrcClient(const IrcClient&) = delete;
    IrcClient& operator=(const IrcClient&) = delete;

    void send_line(const std::string& line);
    void join(const std::string& channel, const std::string& key = "");
    void say(const std::string& target, const std::string& text);

    /// The first line (kept or new) that matches; it is removed from the kept lines.
    std::optional<Message> wait_for(const std::function<bool(const Message&)>& match,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// The next PRIVMSG from `from` (to a channel or to us).
    std::optional<Message> next_privmsg(
        const std::string& from, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// The texts of PRIVMSGs from `from`, read until none came for `quiet`.
    std::vector<std::string> privmsgs_until_quiet(const std::string& from,
                                                  std::chrono::milliseconds quiet);
    /// True while the connection is open.
    bool connected() const { return fd_ >= 0; }

  private:
    bool read_some(std::chrono::milliseconds timeout);
    std::string nick_;
    int fd_ = -1;
    std::string buf_;
    std::deque<Message> kept_;
};

}  // namespace twintrack::irc_test
