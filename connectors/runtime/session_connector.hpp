#pragma once
// The Connector every platform that runs on a Session shares: its name, start and stop,
// send (handed to the connector's thread, refused while stopped), connected() and the
// status snapshot under one lock. A platform derives from SessionConnector<ItsStatus>,
// builds its Session's options from its settings, and writes only its protocol:
// deliver() (on the connector's thread), prepare() (what must be up before start
// returns, e.g. its callback listener) and, where "connected" means more than
// `status_.connected`, link_up().

#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

#include "connectors/api/connector.hpp"
#include "connectors/runtime/session.hpp"
#include "core/types.hpp"

namespace twintrack::connectors::runtime {

namespace detail {
template <typename S, typename = void>
struct has_connected : std::false_type {};
template <typename S>
struct has_connected<S, std::void_t<decltype(std::declval<S&>().connected)>> : std::true_type {};
}  // namespace detail

template <typename Status>
class SessionConnector : public Connector {
  public:
    explicit SessionConnector(SessionOptions options) : session_(std::move(options)) {}

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

    /// Runs `f(status_)` under the status lock.
    template <typename F>
    void update_status(F&& f) {
        std::lock_guard<std::mutex> lock(status_mu_);
        f(status_);
    }

    core::EventSink* sink_ = nullptr;  ///< set by start()
    Session session_;
    mutable std::mutex status_mu_;
    Status status_;
};

}  // namespace twintrack::connectors::runtime
