#pragma once
// One WebSocket client connection at a time, to a ws:// or wss:// URL, on its own I/O
// thread. Connectors use it for platform event streams (Slack Socket Mode, Mattermost).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "connectors/http/http_client.hpp"

namespace twintrack::connectors::http {

class WsLink {
  public:
    struct Handlers {
        /// The handshake finished; `send` works from now on.
        std::function<void()> on_open;
        /// One text (or binary) frame.
        std::function<void(const std::string&)> on_message;
        /// The connection failed or ended (also after `close`), with a reason to log.
        std::function<void(const std::string&)> on_close;
    };

    /// The largest incoming message accepted by default (16 MiB); a larger one closes the
    /// connection with code 1009 (message too big) and on_close follows.
    static constexpr std::size_t default_max_message_bytes = 16u << 20;

    /// `ca_file`: a PEM file of CAs to trust for wss:// besides the system store.
    explicit WsLink(Handlers handlers, std::string ca_file = "",
                    std::size_t max_message_bytes = default_max_message_bytes);
    ~WsLink();  ///< stop()
    WsLink(const WsLink&) = delete;
    WsLink& operator=(const WsLink&) = delete;

    /// Starts connecting (closing a previous connection first). Handlers run on the
    /// link's thread and only for the latest connection. `proxy`: "" for a direct
    /// connection, else http://[user:pass@]host:port, reached with CONNECT (for ws:// and
    /// wss:// alike; see runtime::proxy_for). Thread-safe.
    void connect(const std::string& url, const HeaderList& headers = {},
                 const std::string& proxy = "");
    /// Sends a text frame; false when no connection is open. Thread-safe.
    bool send(const std::string& text);
    /// Sends a binary frame (e.g. a protobuf message); false when the link is stopped.
    /// Thread-safe.
    bool send_binary(const std::string& bytes);
    /// Closes the current connection (going away); on_close follows. Thread-safe.
    void close();
    /// Closes and joins the I/O thread; no handler runs afterwards. Idempotent.
    void stop();

    struct Impl;

  private:
    bool send_frame(const std::string& data, bool binary);
    std::unique_ptr<Impl> impl_;
};

}  // namespace twintrack::connectors::http
