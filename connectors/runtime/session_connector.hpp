#pragma once
// The Connector every platform that runs on a Session shares: its name, start and stop,
// send (handed to the connector's thread, refused while stopped), connected() and the
// status snapshot under one lock, what it was told at creation (clock, hooks, roster,
// locale), and the handlers of a link (a WebSocket) that run on the connector's thread.
// A platform derives from SessionConnector<ItsStatus>, builds its Session's options from
// its settings (session_options), and writes only its protocol: deliver() (on the
// connector's thread), prepare() (what must be up before start returns, e.g. its
// callback listener), the link's on_link_open/message/closed and, where "connected"
// means more than `status_.connected`, link_up().

#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/runtime/session.hpp"
#include "core/types.hpp"

namespace twintrack::connectors::runtime {

namespace detail {
template <typename S, typename = void>
struct has_connected : std::false_type {};
template <typename S>
struct has_connected<S, std::void_t<decltype(std::declval<S&>().connected)>> : std::true_type {};
}  // namespace detail

/// The Session's options of a connector whose settings have `name`, `proxy`,
/// `tls_ca_file`, `backoff_initial` and `backoff_max`.
template <typename Settings>
SessionOptions session_options(std::string platform, std::string log_name, const Settings& s,
                               std::vector<std::string> secrets) {
    return {std::move(platform),      std::move(log_name), s.name,
            {s.proxy, s.tls_ca_file}, s.backoff_initial,   s.backoff_max,
            std::move(secrets)};
}

template <typename Status>
class SessionConnector : public Connector {
  public:
    SessionConnector(SessionOptions options, const ConnectorContext& context)
        : clock_(context.clock),
          hooks_(context.hooks),
          own_listener_(context.own_listener),
          roster_(context.roster),
          default_locale_(context.default_locale),
          match_by_email_(context.match_by_email),
          session_(std::move(options)) {}

    std::string name() const override { return session_.options().name; }

    /// Keeps `sink`, runs prepare() on the caller's thread, then the Session's thread.
    void start(core::EventSink& sink) override {
        session_.start([&] {
            sink_ = &sink;
            prepare();
        });
    }

    void stop() override { session_.stop(); }

    void send(const core::Post& post, core::SendDone done) override {
        session_.send(post, std::move(done),
                      [this](const core::Post& p, core::SendDone d) { deliver(p, std::move(d)); });
    }

    bool connected() const override {
        std::lock_guard<std::mutex> lock(status_mu_);
        return link_up(status_);
    }

    /// A copy of the connector's counters and state. Thread-safe.
    Status status() const {
        std::lock_guard<std::mutex> lock(status_mu_);
        return status_;
    }

  protected:
    /// On the connector's thread: sends `post`, then `done` (see Connector::send).
    virtual void deliver(const core::Post& post, core::SendDone done) = 0;
    /// On the thread that calls start(), before the Session's thread starts; may throw.
    virtual void prepare() {}
    /// connected() from the status (under its lock): `status.connected` by default.
    virtual bool link_up(const Status& status) const {
        if constexpr (detail::has_connected<Status>::value) {
            return status.connected;
        } else {
            (void)status;
            return true;
        }
    }

    /// The link's handshake finished, a message came, it failed or ended (with why): on
    /// the connector's thread, when the link was built with link_handlers().
    virtual void on_link_open() {}
    virtual void on_link_message(const std::string& message) { (void)message; }
    virtual void on_link_closed(const std::string& why) { (void)why; }
    /// A link's handlers (open, message, close: e.g. http::WsLink::Handlers) that call
    /// the three above on the connector's thread.
    template <typename Handlers>
    Handlers link_handlers() {
        return Handlers{
            session_.on_thread([this] { on_link_open(); }),
            session_.on_thread([this](const std::string& m) { on_link_message(m); }),
            session_.on_thread([this](const std::string& why) { on_link_closed(why); })};
    }

    /// Runs `f(status_)` under the status lock.
    template <typename F>
    void update_status(F&& f) {
        std::lock_guard<std::mutex> lock(status_mu_);
        f(status_);
    }

    // What the connector was told at creation (ConnectorContext).
    const core::Clock* const clock_;
    const std::shared_ptr<http::HookRoutes> hooks_;
    const bool own_listener_;
    const std::shared_ptr<Roster> roster_;
    const std::string default_locale_;
    const bool match_by_email_;

    core::EventSink* sink_ = nullptr;  ///< set by start()
    Session session_;
    mutable std::mutex status_mu_;
    Status status_;
};

/// A SessionConnector whose posts go out through SerialQueues (a Web-API platform): a
/// post becomes a `Job` (a PostJob) queued behind the earlier posts to its conversation
/// (or handed back at once, retryable, when `limits.queue` posts wait already);
/// start_job() runs when its turn comes, and complete() ends it so that the next post of
/// its conversation starts. A platform writes start_job() and its steps, and overrides
/// complete() only to do more with a post's outcome.
template <typename Status, typename Job>
class PostingConnector : public SessionConnector<Status> {
  public:
    PostingConnector(SessionOptions options, const ConnectorContext& context, SendLimits limits)
        : SessionConnector<Status>(std::move(options), context),
          outbound_(this->session_.timers(), limits, context.clock) {}

  protected:
    /// On the connector's thread: `job` is the first post of its conversation now.
    virtual void start_job(const std::shared_ptr<Job>& job) = 0;

    /// Hands `result` to whoever sent the post (logging a failure that is not `quiet`),
    /// then lets the next post of its conversation start.
    virtual void complete(const std::shared_ptr<Job>& job, core::SendResult result) {
        finish_post(*job, std::move(result), this->session_.log_prefix());
    }

    /// A "too fast" answer to `job` at `step` (an API call): its conversation waits `wait`
    /// (every conversation with `whole_connector`: a limit per app or per method), the
    /// posts behind it too, then `resume` runs on the connector's thread. Once the post has
    /// waited more than `max` in all it fails instead, retryable, as "STEP: WHAT by
    /// PLATFORM for too long" (`what`: "rate limited"), and the outbox sends it again later.
    void retry_later(const std::shared_ptr<Job>& job, std::chrono::milliseconds wait,
                     std::chrono::milliseconds max, const std::string& step,
                     const std::string& what, std::function<void()> resume,
                     bool whole_connector = false) {
        if (!pause_post(outbound_, *job, wait, max, whole_connector)) {
            return complete(job, {false, job->first_id,
                                  step + ": " + what + " by " + this->session_.options().platform +
                                      " for too long",
                                  true});
        }
        spdlog::info("{}: {} {}; retrying in {:.1f} s", this->session_.log_prefix(), step, what,
                     static_cast<double>(wait.count()) / 1000.0);
        this->session_.later(wait, std::move(resume));
    }

    void deliver(const core::Post& post, core::SendDone done) final {
        queue_new_post<Job>(outbound_, post, std::move(done),
                            [this](const std::shared_ptr<Job>& j) { start_job(j); });
    }

    SerialQueues outbound_;  ///< posts, by conversation
};

}  // namespace twintrack::connectors::runtime
