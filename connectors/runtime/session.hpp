#pragma once
// The life of a connector, shared by every platform: one Boost.Asio thread that owns the
// connector's state (kept alive by a work guard while the connector runs), start and
// stop (stop is idempotent, safe from any thread, before start and twice), posts refused
// with a retryable error while the connector is not running, the HTTP client whose
// answers come back to that thread, timers that fire at once when the connector stops,
// and the reconnect loop (runtime::Backoff: 1 s ×1.75 up to the cap, jittered, back to
// the start after a stable minute). No exception leaves the thread: a handler that
// throws is logged (known secrets masked) and the connection is dropped and opened again.
//
// A connector holds one Session and hands it its protocol (Protocol below): how to open
// a connection, what to stop on the caller's thread, what to cancel on its own. The
// protocol reports the connection's state with up() (handshake done) and down(why)
// (an attempt failed or the connection ended); the Session schedules the next attempt.

#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "connectors/runtime/backoff.hpp"
#include "connectors/runtime/http_client.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/runtime/transport.hpp"
#include "core/types.hpp"

namespace twintrack::connectors::runtime {

struct SessionOptions {
    std::string platform;  ///< "Slack": in the error a refused post gets
    std::string log_name;  ///< "slack": log lines start with "slack NAME: "
    std::string name;      ///< the connector's name
    Transport transport;   ///< proxy and CA file of the HTTP client
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{600000};
    /// Values never written to the log by the Session (replaced by ***): tokens, secrets.
    std::vector<std::string> secrets;
};

/// What a connector hands its Session. Every member may be empty.
struct Protocol {
    /// On the connector's thread, once, right after start (e.g. learn the bot's own id).
    std::function<void()> begin;
    /// On the connector's thread: one attempt to open the connection (after `begin`, then
    /// after each down()). Empty: the connector has no connection of its own to keep up.
    std::function<void()> connect;
    /// Closes the current connection (e.g. WsLink::close); its close leads to down().
    std::function<void()> drop;
    /// On the thread that calls stop(): stops what runs threads of its own (the listener,
    /// the WebSocket link) so that none of their handlers runs afterwards.
    std::function<void()> halt;
    /// On the connector's thread when the connector stops: cancels the protocol's timers.
    std::function<void()> on_stop;
};

class Session {
  public:
    explicit Session(SessionOptions options);
    /// stop(); then the thread is joined (detached when the last owner is the thread).
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    /// Sets the protocol; before start().
    void set_protocol(Protocol protocol) { protocol_ = std::move(protocol); }

    /// Starts the thread: `prepare` runs first on the caller's thread (e.g. a listener
    /// that must be up, or throw, before start returns), then Protocol::begin and
    /// Protocol::connect on the connector's thread. Nothing while running; a session
    /// that was stopped cannot start again (std::runtime_error).
    void start(const std::function<void()>& prepare = nullptr);
    /// Stops: Protocol::halt, then the thread ends once the calls in flight that hold it
    /// (call(..., true)) have answered; then no HTTP completion is handed on. Idempotent,
    /// from any thread; from the connector's own thread it does not wait (the destructor
    /// joins).
    void stop();
    /// True between start() and stop(). Thread-safe.
    bool running() const;

    /// Runs `deliver(post, done)` on the connector's thread; while the connector is not
    /// running, `done` gets at once "<platform> connector NAME is not running", retryable.
    /// Thread-safe, never blocks.
    void send(const core::Post& post, core::SendDone done,
              std::function<void(const core::Post&, core::SendDone)> deliver);

    /// Runs `f` on the connector's thread (any thread may call; dropped once stopped).
    void post(std::function<void()> f);
    /// Handlers for another thread (a WebSocket link's, a listener's) that run `f` on the
    /// connector's thread.
    std::function<void()> on_thread(std::function<void()> f);
    std::function<void(const std::string&)> on_thread(std::function<void(const std::string&)> f);

    // --- on the connector's thread --------------------------------------------------

    boost::asio::io_context& io() { return io_; }
    /// True once stop() has begun: nothing new should start.
    bool stopping() const { return stopping_; }
    /// Runs `f` after `delay`, or at once when the connector stops.
    void later(std::chrono::milliseconds delay, std::function<void()> f);
    /// later() as SerialQueues wants it.
    SerialQueues::Later timers() {
        return [this](std::chrono::milliseconds d, std::function<void()> f) {
            later(d, std::move(f));
        };
    }
    /// Logs "ignoring WHAT (logged once)" the first time `what` is ignored.
    void ignored(const std::string& what);
    /// True the first time `key` is asked about (for notes logged once).
    bool once(const std::string& key) { return logged_.insert(key).second; }
    /// Sends `request`; `done` runs on the connector's thread. `hold`: stop() waits for
    /// the answer (posts, tokens); false for attempts that stop may abandon (opening a
    /// connection), whose `done` then never runs.
    void call(Request request, std::function<void(Result)> done, bool hold = true);
    HttpClient& http() { return *http_; }

    /// The connection's handshake is done: the backoff counts a stable minute from now.
    void up();
    /// The attempt failed or the connection ended: Protocol::connect runs again after the
    /// backoff's wait, or after `exact`. Logged with `why`. Nothing while one is pending.
    void down(const std::string& why,
              std::optional<std::chrono::milliseconds> exact = std::nullopt);
    /// The platform asked for a new connection: the next down() reconnects at once.
    void refresh() { refresh_ = true; }
    /// The connection is up (between up() and down()).
    bool is_up() const { return up_; }
    /// Attempts started so far (Protocol::connect calls).
    int attempts() const { return attempts_; }

    /// "slack NAME": how the connector's log lines start.
    const std::string& log_prefix() const { return prefix_; }
    /// `text` with every known secret replaced by ***.
    std::string redact(std::string text) const;
    const SessionOptions& options() const { return options_; }

  private:
    void run();
    void fault(const std::string& what);
    void connect_now();

    SessionOptions options_;
    std::string prefix_;
    Protocol protocol_;
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::unique_ptr<HttpClient> http_;

    mutable std::mutex run_mu_;  ///< running_, started_
    std::mutex join_mu_;         ///< thread_
    bool running_ = false;
    bool started_ = false;
    std::thread thread_;

    // The connector thread's state.
    bool stopping_ = false;
    bool up_ = false;
    bool refresh_ = false;
    bool pending_ = false;  ///< a reconnect is scheduled
    int attempts_ = 0;
    Backoff backoff_;
    boost::asio::steady_timer reconnect_timer_;
    std::set<std::shared_ptr<boost::asio::steady_timer>> timers_;
    std::set<std::string> logged_;
};

}  // namespace twintrack::connectors::runtime
