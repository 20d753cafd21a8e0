#include "connectors/console/console_connector.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include "core/text.hpp"

namespace twintrack::connectors::console {
namespace {

class ConsoleConnector final : public Connector {
  public:
    ConsoleConnector(std::string user_id, std::istream& in, std::ostream& out,
                     std::function<void()> on_eof)
        : user_(std::move(user_id)), in_(in), out_(out), on_eof_(std::move(on_eof)) {
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        session_ =
            std::to_string(::getpid()) + "-" +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
    }
    ~ConsoleConnector() override { stop(); }

    std::string name() const override { return "console"; }

    void start(core::EventSink& sink) override {
        reader_ = std::thread([this, &sink] {
            std::string line;
            long n = 0;
            while (!stopping_ && std::getline(in_, line)) {
                if (!line.empty() && line.back() == '\r') line.pop_back();
                if (core::trim(line).empty()) continue;
                core::Event e;
                e.id = "console-" + session_ + "-" + std::to_string(++n);
                e.where = {"console", "@" + user_, ""};
                e.who = {"console", user_, user_};
                e.text = line;
                e.at = core::Timestamp(std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()));
                e.direct = true;
                sink.push(std::move(e));
            }
            if (!stopping_ && on_eof_) on_eof_();
        });
    }

    void stop() override {
        stopping_ = true;
        if (reader_.joinable()) {
            // A reader blocked on a terminal cannot be woken portably; it ends with stdin.
            reader_.detach();
        }
    }

    void send(const core::Post& post, core::SendDone done) override {
        {
            std::lock_guard<std::mutex> lock(mu_);
            out_ << post.text << "\n" << std::endl;
        }
        if (done) done({true, "console-" + std::to_string(++sent_), "", true});
    }

  private:
    std::string user_;
    std::istream& in_;
    std::ostream& out_;
    std::function<void()> on_eof_;
    std::string session_;
    std::thread reader_;
    std::atomic<bool> stopping_{false};
    std::mutex mu_;
    std::atomic<long> sent_{0};
};

}  // namespace

std::unique_ptr<Connector> make_console(std::string user_id, std::istream& in, std::ostream& out,
                                        std::function<void()> on_eof) {
    return std::make_unique<ConsoleConnector>(std::move(user_id), in, out, std::move(on_eof));
}

}  // namespace twintrack::connectors::console
