#pragma once
// The hub connector itself: a websocketpp server whose asio loop runs on one thread
// owned by the connector. All chat state (sockets, history) lives on that thread;
// send() and stop() reach it by posting onto the loop.
//
// What websocketpp enforces before a frame reaches the hub: a text frame that is not
// valid UTF-8 closes the connection with 1007 ("Invalid UTF8 encoding"), and a frame
// over 64 KiB with 1009 ("A message was too large"). JSON escapes that would decode to
// invalid UTF-8 (a lone surrogate) are a parse error: an error frame, bad_request.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connectors/hub/file_store.hpp"
#include "connectors/hub/hub_connector.hpp"

namespace twintrack::connectors::hub {

class FileWorker;  // hub_server.cpp

class HubServer final : public Connector {
  public:
    HubServer(HubSettings settings, const ConnectorContext& context);
    ~HubServer() override;

    std::string name() const override { return settings_.name; }
    void start(core::EventSink& sink) override;
    /// Must not be called on the hub's own thread (from a `done` callback or from the
    /// sink's push): it would wait for itself, so it throws std::logic_error instead.
    void stop() override;
    void send(const core::Post& post, core::SendDone done) override;
    /// The page shows buttons and menus and updates posts (`update` frames).
    bool shows_actions() const override { return true; }
    /// Bot posts are edited and deleted in place (`update` frames).
    core::PostAbilities abilities() const override { return {true, true, false}; }
    /// Small pictures travel in the message frame; other files (and larger pictures) are
    /// kept with the hub's uploads and shown as downloads (pictures inline).
    bool shows_images() const override { return true; }
    bool shows_files() const override { return true; }
    /// Files people upload on the page go with their message's event (`Event::extra`
    /// "files"), their bytes when at most `bytes`.
    void fetch_files_up_to(std::uint64_t bytes) override { fetch_files_ = bytes; }
    /// True with a `public_url`: link_file() gives links others can open.
    bool links_files() const { return !settings_.public_url.empty(); }
    /// Keeps `file` (its bytes, at most what the bridge fetched) and returns a signed
    /// link to it, or "" without a public_url, without bytes or without room for it
    /// (`max_files_bytes`). The copy is written on the hub's file worker after this
    /// returns (the link answers 503 with Retry-After until it is on disk). Thread-safe.
    std::string link_file(const core::EventFile& file);
    /// The kept files (tests put a failing disk in).
    FileStore& files();
    /// Reports each bot post, update, private answer and person's message it shows here.
    void on_shown(std::function<void(const Shown&)> listener) override;
    void show_from_elsewhere(const Shown& shown) override;

    /// The bound port once started, else 0.
    int port() const { return port_.load(); }

  private:
    struct Loop;  // the websocketpp endpoint and all state of the hub thread

    HubSettings settings_;
    ConnectorContext context_;

    std::mutex lifecycle_mu_;  // serialises start() and stop()
    std::unique_ptr<Loop> loop_;
    std::thread thread_;
    std::atomic<std::thread::id> hub_thread_{};
    std::atomic<int> port_{0};
    std::atomic<std::uint64_t> fetch_files_{0};
    std::shared_ptr<FileStore> files_;         // uploads and bridged files (file_store.hpp)
    std::shared_ptr<FileWorker> worker_;       // the disk work of files_ (hub_server.cpp)
    std::function<void(const Shown&)> shown_;  // set before start()

    struct PendingSend {
        core::Post post;
        core::SendDone done;
        Shown elsewhere;               ///< with an empty kind a post to send, else shown elsewhere
        std::vector<StoredFile> kept;  ///< the post's files kept on the file worker
    };
    /// Keeps the files of `post` the page lists (on the file worker).
    std::vector<StoredFile> keep_files(const core::Post& post);
    std::mutex chain_mu_;    // guards chain_pending_
    int chain_pending_ = 0;  // posts on the file worker: later ones queue behind them
    std::mutex send_mu_;     // guards running_ and outbox_
    bool running_ = false;
    std::vector<PendingSend> outbox_;
    /// Queues `p` for the hub's thread; false when the hub is not running.
    bool enqueue(PendingSend p);
};

}  // namespace twintrack::connectors::hub
