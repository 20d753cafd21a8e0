// hub_echo: the hub with a fake bot, for the browser test and bench/hub_load.
//
//   hub_echo [--port P] [--data-dir DIR] [--prompts DIR] [--history N]
//
// Starts the hub on 127.0.0.1 (port 0 by default: a free one), prints "listening PORT"
// on stdout, and runs until stdin closes or SIGTERM/SIGINT arrives. The bot answers
// "help" with "Commands: ..." and "ping" with "pong", as a reply to the same address;
// "buttons" with a post carrying an Approve button, whose click (an `action` frame with
// its token) updates that post to "Approved by USER"; "stale buttons" with one whose
// click is refused for the clicker's eyes only (a `private` frame).
// Without --data-dir the history goes to a temporary folder removed at exit.

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "connectors/hub/hub_connector.hpp"
#include "core/clock.hpp"
#include "core/source_dir.hpp"
#include "core/text.hpp"

namespace {

using namespace twintrack;

class EchoBot final : public core::EventSink {
  public:
    void attach(connectors::Connector* hub) { hub_ = hub; }

    void push(core::Event event) override {
        if (event.kind == core::EventKind::action) return clicked(event);
        const std::string text = core::ascii_lower(core::trim(event.text));
        std::string answer;
        std::vector<core::Action> actions;
        if (text == "buttons" || text == "stale buttons") {
            answer = "Announcement #1 waits for your approval.";
            core::Action approve;
            approve.label = "Approve";
            approve.style = "primary";
            approve.token = text == "buttons" ? "echo-approve" : "echo-stale";
            approve.typed = "approve 1";
            actions.push_back(approve);
        } else if (text == "help") {
            answer = "Commands: help (this list), ping (answers pong)";
        } else if (text == "ping") {
            answer = "pong";
        } else {
            return;
        }
        core::Post post;
        post.to = event.where;
        post.text = answer;
        post.reply_to = event.extra.value("message_id", "");
        post.actions = std::move(actions);
        hub_->send(post, [](core::SendResult r) {
            if (!r.ok) std::cerr << "hub_echo: reply failed: " << r.error << '\n';
        });
    }

  private:
    void clicked(const core::Event& event) {
        if (event.text == "echo-stale") {
            core::Post refusal;
            refusal.to = event.where;
            refusal.text = "This was already decided: Approved by carol at 10:42";
            refusal.reply_to = event.extra.value("message_id", "");
            refusal.private_reply = true;
            hub_->send(refusal, [](core::SendResult r) {
                if (!r.ok) std::cerr << "hub_echo: refusal failed: " << r.error << '\n';
            });
            return;
        }
        if (event.text != "echo-approve") return;
        core::Post update;
        update.to = event.where;
        update.text = "Announcement #1 waits for your approval.\nApproved by " + event.who.user_id;
        update.replaces = event.extra.value("message_id", "");
        hub_->send(update, [](core::SendResult r) {
            if (!r.ok) std::cerr << "hub_echo: update failed: " << r.error << '\n';
        });
    }

    connectors::Connector* hub_ = nullptr;
};

struct Options {
    int port = 0;
    int history = 200;
    std::string data_dir;
    std::string prompts = core::source_dir() + "/prompts";
};

[[noreturn]] void usage(const char* why) {
    std::cerr << "hub_echo: " << why
              << "\nusage: hub_echo [--port P] [--data-dir DIR] [--prompts DIR] [--history N]\n";
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) usage(("missing value after " + arg).c_str());
        const std::string value = argv[++i];
        try {
            if (arg == "--port") {
                o.port = std::stoi(value);
            } else if (arg == "--history") {
                o.history = std::stoi(value);
            } else if (arg == "--data-dir") {
                o.data_dir = value;
            } else if (arg == "--prompts") {
                o.prompts = value;
            } else {
                usage(("unknown option " + arg).c_str());
            }
        } catch (const std::logic_error&) {
            usage(("bad number after " + arg).c_str());
        }
    }
    return o;
}

std::mutex quit_mu;
std::condition_variable quit_cv;
bool quit = false;

void request_quit() {
    std::lock_guard<std::mutex> lock(quit_mu);
    quit = true;
    quit_cv.notify_all();
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    // stdout carries only the "listening PORT" line; logs go to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_mt("hub_echo"));

    // Every thread inherits this mask; one thread takes the signals with sigwait().
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    std::string data_dir = options.data_dir;
    std::string temp_dir;
    if (data_dir.empty()) {
        char pattern[] = "/tmp/hub_echo.XXXXXX";
        if (mkdtemp(pattern) == nullptr) {
            std::perror("hub_echo: mkdtemp");
            return 1;
        }
        data_dir = temp_dir = pattern;
    }

    core::SystemClock clock;
    auto roster = std::make_shared<connectors::Roster>();
    roster->set({{"alice", "Alice Chen", "marketing"},
                 {"bob", "Bob Li", "sales"},
                 {"carol", "Carol Wu", "hr"},
                 {"wangfang", "王芳", "sales", "zh-CN"}});
    connectors::ConnectorContext context{data_dir, options.prompts, &clock, roster};

    connectors::hub::HubSettings settings;
    settings.port = options.port;
    settings.history_limit = options.history;
    EchoBot bot;
    auto hub = connectors::hub::make_hub(settings, context);
    bot.attach(hub.get());
    try {
        hub->start(bot);
    } catch (const std::exception& e) {
        std::cerr << "hub_echo: " << e.what() << '\n';
        return 1;
    }
    std::cout << "listening " << connectors::hub::listening_port(*hub) << std::endl;

    std::thread([] {
        while (std::cin.get() != std::char_traits<char>::eof()) {
        }
        request_quit();
    }).detach();
    std::thread([signals] {
        int sig = 0;
        sigwait(&signals, &sig);
        request_quit();
    }).detach();

    {
        std::unique_lock<std::mutex> lock(quit_mu);
        quit_cv.wait(lock, [] { return quit; });
    }
    hub->stop();
    if (!temp_dir.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(temp_dir, ec);
    }
    return 0;
}
