#include "connectors/runtime/session.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace twintrack::connectors::runtime {

namespace asio = boost::asio;
using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

Session::Session(SessionOptions options)
    : options_(std::move(options)),
      prefix_(options_.log_name + " " + options_.name),
      backoff_(options_.backoff_initial, options_.backoff_max),
      reconnect_timer_(io_) {
    http_ = std::make_unique<HttpClient>(
        options_.transport, [this](std::function<void()> f) { asio::post(io_, std::move(f)); });
}

Session::~Session() {
    stop();
    std::lock_guard<std::mutex> join(join_mu_);
    if (thread_.joinable()) {
        // Only when the last owner let go on the connector's own thread: it ends by itself.
        thread_.detach();
    }
}

void Session::start(const std::function<void()>& prepare) {
    std::lock_guard<std::mutex> join(join_mu_);
    std::lock_guard<std::mutex> lock(run_mu_);
    if (running_) return;
    if (started_) {
        throw std::runtime_error("a " + options_.platform + " connector cannot start twice");
    }
    if (prepare) prepare();
    started_ = true;
    running_ = true;
    work_.emplace(asio::make_work_guard(io_));
    asio::post(io_, [this] {
        if (protocol_.begin) protocol_.begin();
        if (protocol_.connect && !stopping_) connect_now();
    });
    thread_ = std::thread([this] { run(); });
}

void Session::stop() {
    {
        std::unique_lock<std::mutex> lock(run_mu_);
        if (running_) {
            running_ = false;
            lock.unlock();
            if (protocol_.halt) protocol_.halt();
            asio::post(io_, [this] {
                stopping_ = true;
                reconnect_timer_.cancel();
                for (auto& t : timers_) t->cancel();
                if (protocol_.on_stop) protocol_.on_stop();
            });
            work_.reset();  // the thread ends once the calls it holds have answered
        }
    }
    std::lock_guard<std::mutex> join(join_mu_);
    if (!thread_.joinable() || thread_.get_id() == std::this_thread::get_id()) return;
    thread_.join();
    http_->shutdown();
}

bool Session::running() const {
    std::lock_guard<std::mutex> lock(run_mu_);
    return running_;
}

void Session::send(const core::Post& post, core::SendDone done,
                   std::function<void(const core::Post&, core::SendDone)> deliver) {
    {
        std::lock_guard<std::mutex> lock(run_mu_);
        if (running_) {
            asio::post(io_, [post, done = std::move(done), deliver = std::move(deliver)]() mutable {
                deliver(post, std::move(done));
            });
            return;
        }
    }
    if (done) {
        done({false, "", options_.platform + " connector " + options_.name + " is not running",
              true});
    }
}

void Session::post(std::function<void()> f) {
    std::lock_guard<std::mutex> lock(run_mu_);
    if (running_) asio::post(io_, std::move(f));
}

std::function<void()> Session::on_thread(std::function<void()> f) {
    return [this, f = std::move(f)] { asio::post(io_, f); };
}

std::function<void(const std::string&)> Session::on_thread(
    std::function<void(const std::string&)> f) {
    return [this, f = std::move(f)](const std::string& text) {
        asio::post(io_, [f, text] { f(text); });
    };
}

void Session::ignored(const std::string& what) {
    if (once(what)) spdlog::info("{}: ignoring {} (logged once)", prefix_, what);
}

void Session::later(std::chrono::milliseconds delay, std::function<void()> f) {
    auto timer = std::make_shared<asio::steady_timer>(io_, delay);
    timers_.insert(timer);
    timer->async_wait([this, timer, f = std::move(f)](const boost::system::error_code&) {
        timers_.erase(timer);
        f();
    });
}

void Session::call(Request request, std::function<void(Result)> done, bool hold) {
    std::shared_ptr<WorkGuard> guard;
    if (hold) guard = std::make_shared<WorkGuard>(io_.get_executor());
    http_->send(std::move(request),
                [guard, done = std::move(done)](Result r) { done(std::move(r)); });
}

void Session::up() {
    up_ = true;
    backoff_.connected(std::chrono::steady_clock::now());
}

void Session::down(const std::string& why, std::optional<std::chrono::milliseconds> exact) {
    up_ = false;
    if (stopping_ || pending_ || !protocol_.connect) return;
    if (refresh_) {
        refresh_ = false;
        exact = std::chrono::milliseconds(0);
    }
    const auto delay = exact ? *exact : backoff_.next_delay(std::chrono::steady_clock::now());
    spdlog::warn("{}: {}; reconnecting in {:.1f} s", prefix_, redact(why),
                 static_cast<double>(delay.count()) / 1000.0);
    pending_ = true;
    reconnect_timer_.expires_after(delay);
    reconnect_timer_.async_wait([this](const boost::system::error_code& ec) {
        pending_ = false;
        if (ec || stopping_) return;
        connect_now();
    });
}

void Session::connect_now() {
    ++attempts_;
    protocol_.connect();
}

std::string Session::redact(std::string text) const {
    for (const auto& secret : options_.secrets) {
        if (secret.empty()) continue;
        for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
            text.replace(at, secret.size(), "***");
        }
    }
    return text;
}

// A handler that throws does not end the thread: asio lets run() go on after it.
void Session::run() {
    for (;;) {
        try {
            io_.run();
            return;
        } catch (const std::exception& e) {
            fault(e.what());
        } catch (...) {
            fault("an unknown exception");
        }
    }
}

void Session::fault(const std::string& what) {
    try {
        spdlog::error("{}: a handler failed: {}", prefix_, redact(what));
        if (stopping_ || !protocol_.connect || pending_) return;
        // The connection's state may be half updated: start it afresh.
        if (protocol_.drop) protocol_.drop();
        down("a handler failed");
    } catch (...) {
        // Logging or dropping failed as well: the thread goes on regardless.
    }
}

}  // namespace twintrack::connectors::runtime
