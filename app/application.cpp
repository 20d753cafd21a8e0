#include "app/application.hpp"

#include <date/tz.h>
#include <malloc.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/access_tools.hpp"
#include "app/atomic_file.hpp"
#include "app/calendar_fetch.hpp"
#include "app/config.hpp"
#include "app/demo_history.hpp"
#include "app/person_tools.hpp"
#include "bot/access.hpp"
#include "bot/engine.hpp"
#include "bot/features.hpp"
#include "bot/features/bridge/bridge.hpp"
#include "bot/features/engagements/engagements.hpp"
#include "bot/features/metrics/deal_input.hpp"
#include "bot/features/plan/plan.hpp"
#include "bot/features/reports/report_export.hpp"
#include "bot/features/tone/tone.hpp"
#include "bot/features/tone/tone_guide.hpp"
#include "bot/local_time.hpp"
#include "bot/people_import.hpp"
#include "connectors/console/console_connector.hpp"
#include "connectors/http/hook_routes.hpp"
#include "connectors/http/http_listener.hpp"
#include "connectors/hub/hub_connector.hpp"
#include "connectors/registry.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/source_dir.hpp"
#include "core/telemetry.hpp"
#include "core/text.hpp"
#include "store/copy_store.hpp"
#include "store/store.hpp"
#include "store/store_url.hpp"

namespace twintrack::app {
namespace fs = std::filesystem;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_bad_config = 2;

fs::path executable_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : exe.parent_path();
}

/// Loads config and applies command-line overrides. Prints errors; false on failure.
bool prepare(const Options& options, Config& config) {
    std::string path = options.config_path;
    // The demo organisation comes with its own settings (competitors, rules) unless a
    // configuration file is given.
    const std::string demo_config = resource_root() + "/config/demo/twintrack.yaml";
    if (path.empty() && options.demo && fs::exists(demo_config)) path = demo_config;
    if (!path.empty()) {
        core::ConfigErrors errors;
        if (!load_config(path, config, errors)) {
            std::cerr << errors.describe(path);
            std::cerr << "twintrack: the configuration has errors; nothing was started\n";
            return false;
        }
    }
    if (config.connectors.empty()) config.connectors.push_back(default_hub_spec());
    if (!options.data_dir.empty()) config.data_dir = options.data_dir;
    if (!options.store_url.empty()) config.store = options.store_url;
    if (config.prompts_dir.empty()) config.prompts_dir = resource_root() + "/prompts";
    auto& tone = config.bot.features.edit<bot::tone::ToneSettings>();
    if (tone.rules_dir.empty()) tone.rules_dir = resource_root() + "/config/tone";
    if (!options.log_level.empty()) config.log_level = options.log_level;
    if (options.port) {
        for (auto& spec : config.connectors) {
            if (spec.type == "hub") {
                spec.settings["port"] = *options.port;
                break;
            }
        }
    }
    spdlog::set_default_logger(spdlog::stderr_color_mt("twintrack"));
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    return true;
}

/// Loads the tone rules once to report every bad rule file with its line before
/// anything starts. Prints the problems; false when there are any.
bool tone_rules_ok(const std::string& dir) {
    try {
        bot::tone::ToneGuide::load(dir);
        return true;
    } catch (const bot::tone::ToneGuideError& e) {
        std::cerr << e.what() << "twintrack: the tone rules have errors; nothing was started\n";
        return false;
    }
}

struct Core {
    core::SystemClock clock;
    std::unique_ptr<store::Store> store;
    std::shared_ptr<const bot::Prompts> prompts;
    std::unique_ptr<bot::Engine> engine;
    /// After the engine: destroyed (its fetches cancelled) before the engine goes.
    std::unique_ptr<CalendarFetchService> calendar_fetches;
};

/// Opens the store and loads prompts; prints a clear reason on failure.
bool open_core(const Config& config, Core& core) {
    try {
        const auto now_ms = core::to_millis(core.clock.now());
        if (config.store.empty()) {
            core.store = store::Store::open_directory(config.data_dir, now_ms);
        } else {
            // Shown without any password.
            spdlog::info("store: {}", store::parse_store_url(config.store).shown);
            core.store = store::Store::open_url(config.store, now_ms);
        }
    } catch (const std::exception& e) {
        std::cerr << "twintrack: " << e.what() << "\n";
        return false;
    }
    try {
        core.prompts = bot::Prompts::load(config.prompts_dir, config.bot.default_locale);
    } catch (const std::exception& e) {
        std::cerr << "twintrack: " << e.what() << "\n";
        return false;
    }
    return true;
}

/// Writes the configured channel -> track mapping into the store: config wins at every
/// start (`track set` changes it until the next start).
void store_channel_tracks(const Config& config, Core& core) {
    store::Transaction tx(core.store->db());
    const std::int64_t now = core::to_millis(core.clock.now());
    for (const auto& spec : config.connectors) {
        for (const auto& channel : spec.channels) {
            core.store->channel_tracks().upsert({spec.name, channel.name, channel.track}, now);
        }
    }
    tx.commit();
}

void start_engine(const Config& config, Core& core) {
    store_channel_tracks(config, core);
    bot::BotSettings settings = config.bot;
    settings.data_dir = config.data_dir;
    // This process among others on the same database (leases, claims): readable in the
    // leases table and in logs, unique even when a host runs several.
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown");
    settings.leases.holder =
        std::string(host) + ":" + std::to_string(getpid()) + ":" + core::random_hex(3);
    core.engine = std::make_unique<bot::Engine>(*core.store, core.clock, core.prompts, settings);
    // Calendars from URLs are fetched by worker threads here (bot/ has no network code);
    // a feature passes its own allow list, checked by config.
    core.calendar_fetches = std::make_unique<CalendarFetchService>();
    core.engine->services().provide<bot::CalendarFetcher>(core.calendar_fetches->fetcher());
    bot::register_features(*core.engine);
}

bool import_file(Core& core, const std::string& locale, const std::string& path,
                 std::ostream& out) {
    std::ifstream in(path);
    if (!in) {
        out << "twintrack: cannot read " << path << "\n";
        return false;
    }
    auto outcome = bot::import_people_csv(in, *core.store, *core.prompts, locale,
                                          core::to_millis(core.clock.now()));
    for (const auto& e : outcome.errors) out << path << ": " << e << "\n";
    if (!outcome.ok()) {
        out << core.prompts->render(locale, "import.failed", {{"count", outcome.errors.size()}})
            << "\n";
        return false;
    }
    out << core.prompts->render(locale, "import.done",
                                {{"added", outcome.added}, {"updated", outcome.updated}})
        << "\n";
    return true;
}

/// Blocks SIGINT and SIGTERM (and SIGUSR1, used to wake it) in every thread started after
/// this call. A waiter thread turns the first SIGINT/SIGTERM into `on_signal`; a second
/// one while shutting down ends the process at once. The waiter is joined by stop(),
/// before the objects `on_signal` uses are destroyed.
class SignalWaiter {
  public:
    SignalWaiter() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        sigaddset(&set_, SIGUSR1);
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    }
    ~SignalWaiter() { stop(); }
    SignalWaiter(const SignalWaiter&) = delete;
    SignalWaiter& operator=(const SignalWaiter&) = delete;

    void start(std::function<void()> on_signal) {
        thread_ = std::thread([this, on_signal = std::move(on_signal)] {
            bool signalled = false;
            for (;;) {
                int sig = 0;
                if (sigwait(&set_, &sig) != 0) continue;
                if (sig == SIGUSR1 && stopping_.load()) return;
                if (sig == SIGUSR1) continue;
                if (signalled) {
                    spdlog::warn("second signal: stopping now without waiting");
                    std::_Exit(1);
                }
                signalled = true;
                try {
                    on_signal();
                } catch (const std::exception& e) {
                    spdlog::error("stopping: {}", e.what());
                }
            }
        });
    }

    /// Ends the waiter thread; `on_signal` is not called after this returns.
    void stop() {
        if (!thread_.joinable()) return;
        stopping_ = true;
        pthread_kill(thread_.native_handle(), SIGUSR1);
        thread_.join();
    }

  private:
    sigset_t set_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
};

/// A connector that runs in one process at a time among several on one database
/// (connectors::runs_in_one_process): built at once, started only while the engine holds
/// its lease (`hold(true)`), stopped when the lease is lost; a fresh instance is built for
/// the next time. Posts meanwhile are refused (the outbox leaves them to the holder).
class LeasedConnector final : public connectors::Connector {
  public:
    LeasedConnector(connectors::ConnectorSpec spec, connectors::ConnectorContext context)
        : spec_(std::move(spec)), context_(std::move(context)) {
        inner_ = build();
        name_ = inner_->name();
        shows_actions_ = inner_->shows_actions();
        abilities_ = inner_->abilities();
        shows_images_ = inner_->shows_images();
        shows_files_ = inner_->shows_files();
    }
    std::string name() const override { return name_; }
    void start(core::EventSink& sink) override { sink_ = &sink; }
    void stop() override { hold(false); }
    void send(const core::Post& post, core::SendDone done) override {
        std::shared_ptr<connectors::Connector> inner;
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (running_) inner = inner_;
        }
        if (!inner) {
            core::SendResult refused;
            refused.error = "connector " + name_ + " runs in another process";
            done(refused);
            return;
        }
        inner->send(post, std::move(done));
    }
    bool connected() const override {
        std::lock_guard<std::mutex> lock(mu_);
        return running_ && inner_->connected();
    }
    bool shows_actions() const override { return shows_actions_; }
    core::PostAbilities abilities() const override { return abilities_; }
    bool shows_images() const override { return shows_images_; }
    bool shows_files() const override { return shows_files_; }
    void fetch_files_up_to(std::uint64_t bytes) override {
        fetch_files_ = bytes;
        std::lock_guard<std::mutex> lock(mu_);
        inner_->fetch_files_up_to(bytes);
    }
    /// True while this process holds the lease.
    bool held() const {
        std::lock_guard<std::mutex> lock(mu_);
        return running_;
    }

    /// The engine gained (true) or lost (false) the lease; on the engine thread.
    void hold(bool held) {
        std::shared_ptr<connectors::Connector> inner;
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (held == running_) return;
            inner = inner_;
        }
        if (held) {
            if (stopped_once_) {
                inner = build();
                inner->fetch_files_up_to(fetch_files_);
            }
            if (sink_ == nullptr) throw std::runtime_error("not started");
            inner->start(*sink_);
            std::lock_guard<std::mutex> lock(mu_);
            inner_ = inner;
            running_ = true;
        } else {
            {
                std::lock_guard<std::mutex> lock(mu_);
                running_ = false;
            }
            inner->stop();
            stopped_once_ = true;
        }
    }

  private:
    std::shared_ptr<connectors::Connector> build() {
        return connectors::connector_types().at(spec_.type).create(spec_, context_);
    }

    connectors::ConnectorSpec spec_;
    connectors::ConnectorContext context_;
    std::string name_;
    bool shows_actions_ = false;
    core::PostAbilities abilities_{};
    bool shows_images_ = false;
    bool shows_files_ = false;
    std::uint64_t fetch_files_ = 0;
    core::EventSink* sink_ = nullptr;
    bool stopped_once_ = false;
    mutable std::mutex mu_;
    std::shared_ptr<connectors::Connector> inner_;  ///< guarded by mu_
    bool running_ = false;                          ///< guarded by mu_
};

/// True when a connector's section names a listener of its own (`bind:` or `port:`; a
/// robot's under `callback:`): it keeps it beside `/hooks/NAME/...`.
bool names_own_listener(const connectors::ConnectorSpec& spec) {
    const YAML::Node& s = spec.settings;
    if (!s.IsMap()) return false;
    if (s["bind"] || s["port"]) return true;
    const YAML::Node callback = s["callback"];
    // A missing key reads as an invalid node, which throws on anything but IsDefined().
    return callback.IsDefined() && callback.IsMap() && (callback["bind"] || callback["port"]);
}

/// The process's one HTTP server when no hub runs (`http:`), or nothing.
std::unique_ptr<connectors::http::HttpListener> start_http_server(
    const Config& config, const std::shared_ptr<core::Telemetry>& telemetry,
    const std::shared_ptr<connectors::http::HookRoutes>& hooks) {
    if (!config.http_enabled) return nullptr;
    const std::string hub = hooks_server_hub(config);
    if (!hub.empty()) {
        spdlog::warn(
            "http: not started: the hub {} serves /hooks/..., /metrics, /readyz and "
            "/healthz on its port",
            hub);
        return nullptr;
    }
    auto listener = std::make_unique<connectors::http::HttpListener>(
        connectors::http::process_routes(telemetry, hooks));
    const int port = listener->start(config.http_bind, config.http_port);
    const std::string host = config.http_bind.find(':') != std::string::npos
                                 ? "[" + config.http_bind + "]"
                                 : config.http_bind;
    std::cout << "TwinTrack HTTP server listening on http://" << host << ":" << port
              << "/ (platform callbacks under /hooks/NAME/...)" << std::endl;
    return listener;
}

/// `GET /metrics`, `/readyz` and `/healthz` on `ops.listen`; when neither a hub nor
/// `http:` is configured, every connector's platform callbacks under `/hooks/NAME/...`
/// too (the connectors keep their own listeners as well: see "The HTTP server").
std::unique_ptr<connectors::http::HttpListener> start_ops_listener(
    const Config& config, const std::shared_ptr<core::Telemetry>& telemetry,
    const std::shared_ptr<connectors::http::HookRoutes>& hooks) {
    if (config.ops_listen.empty()) return nullptr;
    const bool serves_hooks = hooks_server_hub(config).empty() && !config.http_enabled;
    auto listener = std::make_unique<connectors::http::HttpListener>(
        connectors::http::process_routes(telemetry, serves_hooks ? hooks : nullptr));
    const auto colon = config.ops_listen.rfind(':');
    std::string host = config.ops_listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const int port = listener->start(host, std::stoi(config.ops_listen.substr(colon + 1)));
    std::cout << "TwinTrack ops endpoints on http://" << config.ops_listen.substr(0, colon) << ":"
              << port << "/metrics" << std::endl;
    return listener;
}

/// Runs the engine until a signal; then, in this order: the engine stops taking input
/// and handles what is queued (at most `grace`), the signal waiter ends, connectors
/// stop (flushing their sends), and the confirmations that arrived meanwhile are
/// recorded.
int serve(Core& core, std::vector<std::unique_ptr<connectors::Connector>>& running,
          SignalWaiter& signals, std::chrono::seconds grace) {
    bot::Engine& engine = *core.engine;
    std::thread engine_thread([&engine] {
        try {
            engine.run();
        } catch (const std::exception& e) {
            spdlog::critical("engine stopped: {}", e.what());
        }
    });
    signals.start([&engine, grace] {
        spdlog::info("stopping: finishing queued work (at most {} s)", grace.count());
        engine.stop(grace);
    });
    engine_thread.join();
    signals.stop();
    spdlog::info("stopping connectors");
    for (auto& c : running) {
        try {
            c->stop();
        } catch (const std::exception& e) {
            spdlog::error("connector {} did not stop cleanly: {}", c->name(), e.what());
        }
    }
    // Another process takes the connectors over at once rather than after the lease.
    engine.release_leases();
    // Deliveries confirmed while the connectors closed are recorded now.
    engine.drain();
    return exit_ok;
}

}  // namespace

std::string resource_root() {
    std::vector<fs::path> candidates;
    if (const char* home = std::getenv("TWINTRACK_HOME")) candidates.emplace_back(home);
    const fs::path exe = executable_dir();
    candidates.push_back(exe / ".." / "share" / "twintrack");
    candidates.push_back(exe / "..");
    candidates.push_back(exe / ".." / "..");
    candidates.push_back(fs::current_path());
    candidates.emplace_back(core::source_dir());
    for (const auto& c : candidates) {
        std::error_code ec;
        if (fs::is_directory(c / "prompts" / "en", ec)) return fs::weakly_canonical(c).string();
    }
    return core::source_dir();
}

int run_server(const Options& options) {
    SignalWaiter signals;
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    if (!tone_rules_ok(config.bot.features.get<bot::tone::ToneSettings>().rules_dir))
        return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    if (options.demo) {
        // An empty store gets the demo people and twelve weeks of their history; a store
        // with people (a restart) is left alone.
        const std::string demo = resource_root() + "/config/demo/people.csv";
        if (start_demo(*core.store, demo, config.bot, *core.prompts, core.clock,
                       config.bot.default_locale, std::cerr) == DemoStart::failed) {
            return exit_failure;
        }
    }
    start_engine(config, core);
    auto telemetry = std::make_shared<core::Telemetry>();
    core.engine->set_telemetry(telemetry);
    telemetry->add_readiness_check("store", [engine = core.engine.get()] {
        return engine->store_healthy() ? std::string() : std::string("the database is failing");
    });

    auto roster = std::make_shared<connectors::Roster>();
    connectors::ConnectorContext base_context{
        config.data_dir,     config.prompts_dir,        &core.clock, roster,
        config.bot.bot_user, config.bot.default_locale, telemetry};
    base_context.match_by_email = config.bot.directory.match_by_email;
    // The process's one HTTP server (a hub, else `http:`) serves every connector's
    // platform callbacks under /hooks/NAME/...
    auto hooks = std::make_shared<connectors::http::HookRoutes>();
    hooks->set_served(!hooks_server_hub(config).empty() || config.http_enabled);
    std::vector<std::unique_ptr<connectors::Connector>> running;
    bool file_linker_set = false;
    for (const auto& spec : config.connectors) {
        connectors::ConnectorContext context = base_context;
        context.hooks = hooks;
        context.own_listener = !hooks->served() || names_own_listener(spec);
        std::unique_ptr<connectors::Connector> connector;
        LeasedConnector* leased = nullptr;
        if (connectors::runs_in_one_process(spec)) {
            auto l = std::make_unique<LeasedConnector>(spec, context);
            leased = l.get();
            connector = std::move(l);
        } else {
            connector = connectors::connector_types().at(spec.type).create(spec, context);
        }
        connectors::Connector* raw = connector.get();
        core.engine->add_outlet(
            raw->name(),
            [raw](const core::Post& p, core::SendDone done) { raw->send(p, std::move(done)); },
            raw->shows_actions());
        core.engine->set_abilities(raw->name(), raw->abilities());
        // Files and pictures of bridged messages: fetched up to the bridge's limit, and
        // uploaded again where the connector shows them.
        raw->fetch_files_up_to(bot::bridge::file_limit(
            core.engine->settings().features.get<bot::bridge::BridgeSettings>(), raw->name()));
        bot::bridge::set_file_abilities(
            *core.engine, raw->name(),
            {raw->shows_images(), raw->shows_files(), raw->wants_file_links()});
        // Files no platform of a bridge shows go as links to the first hub with a
        // public_url that keeps them (docs/BRIDGE.md).
        if (!file_linker_set) {
            if (auto linker = connectors::hub::file_linker(*raw)) {
                bot::bridge::set_file_linker(*core.engine, std::move(linker));
                file_linker_set = true;
            }
        }
        const std::string name = raw->name();
        core.engine->on_directory_changed([roster, name](const bot::Directory& directory) {
            std::vector<connectors::RosterEntry> entries;
            for (const auto& person : directory.all()) {
                for (const auto& ident : person.identities) {
                    if (ident.connector == name) {
                        entries.push_back(
                            {ident.user_id, person.name, person.department, person.locale});
                    }
                }
            }
            roster->set(std::move(entries));
        });
        if (leased != nullptr) {
            // Another process runs it while this one does not hold its lease: a standby
            // is ready all the same.
            core.engine->add_connector_lease(name, [leased](bool held) { leased->hold(held); });
            telemetry->add_readiness_check("connector " + name, [leased] {
                return !leased->held() || leased->connected() ? std::string()
                                                              : std::string("not connected");
            });
        } else {
            telemetry->add_readiness_check("connector " + name, [raw] {
                return raw->connected() ? std::string() : std::string("not connected");
            });
            // It runs in every process: on a database several share, what it shows here
            // reaches the people connected to the others, and the other way round.
            const bool fans_out =
                core.engine->add_fan_out(name, [raw](const store::FanOutEvent& e) {
                    raw->show_from_elsewhere({e.kind, e.target, e.payload});
                });
            if (fans_out) {
                raw->on_shown([engine = core.engine.get(), name](const connectors::Shown& s) {
                    engine->fan_out(name, s.kind, s.target, s.payload);
                });
            }
        }
        running.push_back(std::move(connector));
    }
    for (auto& c : running) {
        try {
            c->start(*core.engine);
        } catch (const std::exception& e) {
            std::cerr << "twintrack: cannot start connector " << c->name() << ": " << e.what()
                      << "\n";
            for (auto& other : running) other->stop();
            return exit_failure;
        }
        if (const int port = connectors::hub::listening_port(*c)) {
            std::string host = "127.0.0.1";
            for (const auto& spec : config.connectors) {
                if (spec.name == c->name() && spec.settings["bind"]) {
                    host = spec.settings["bind"].as<std::string>();
                }
            }
            if (host.find(':') != std::string::npos) host = "[" + host + "]";
            std::cout << "TwinTrack hub " << c->name() << " listening on http://" << host << ":"
                      << port << "/" << std::endl;
        }
    }
    std::unique_ptr<connectors::http::HttpListener> http_server;
    try {
        http_server = start_http_server(config, telemetry, hooks);
    } catch (const std::exception& e) {
        std::cerr << "twintrack: cannot start the http: server: " << e.what() << "\n";
        for (auto& c : running) c->stop();
        return exit_failure;
    }
    // Connectors under a lease start here when it is free, else once it runs out.
    core.engine->keep_leases();
    auto ops = start_ops_listener(config, telemetry, hooks);
    // Start-up parsed configuration, prompts, tone rules and migrations; what it freed
    // goes back to the system instead of staying resident for the life of the process.
    malloc_trim(0);
    const int code =
        serve(core, running, signals, std::chrono::seconds(config.shutdown_grace_seconds));
    if (ops) ops->stop();
    if (http_server) http_server->stop();
    return code;
}

int run_console(const Options& options, const std::string& who) {
    SignalWaiter signals;
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    if (!tone_rules_ok(config.bot.features.get<bot::tone::ToneSettings>().rules_dir))
        return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    start_engine(config, core);
    const bot::Person* person = core.engine->directory().by_name_or_email(who);
    if (person == nullptr && core.engine->directory().match_mention(who).size() > 1) {
        std::cerr << "twintrack: several people are called \"" << who
                  << "\"; use your email instead\n";
        return exit_failure;
    }
    if (person == nullptr) {
        std::cerr << "twintrack: nobody called \"" << who
                  << "\" in the directory; use a full name or an email "
                     "(import people with `twintrack import people FILE.csv`)\n";
        return exit_failure;
    }
    auto console = connectors::console::make_console(person->email, std::cin, std::cout,
                                                     [&core] { core.engine->stop(); });
    connectors::Connector* raw = console.get();
    core.engine->add_outlet(raw->name(), [raw](const core::Post& p, core::SendDone done) {
        raw->send(p, std::move(done));
    });
    std::vector<std::unique_ptr<connectors::Connector>> running;
    running.push_back(std::move(console));
    running.front()->start(*core.engine);
    return serve(core, running, signals, std::chrono::seconds(config.shutdown_grace_seconds));
}

int check_config(const std::string& path) {
    Config config;
    core::ConfigErrors errors;
    if (!load_config(path, config, errors)) {
        std::cerr << errors.describe(path);
        std::cerr << path << ": " << errors.all().size() << " error(s)\n";
        return exit_bad_config;
    }
    auto& tone = config.bot.features.edit<bot::tone::ToneSettings>();
    if (tone.rules_dir.empty()) tone.rules_dir = resource_root() + "/config/tone";
    if (!tone_rules_ok(config.bot.features.get<bot::tone::ToneSettings>().rules_dir))
        return exit_bad_config;
    std::cout << path << ": OK (" << config.connectors.size() << " connector(s))\n";
    // Which server answers platform callbacks (/hooks/NAME/...): one per process.
    const std::string hub = hooks_server_hub(config);
    if (!hub.empty() && config.http_enabled) {
        std::cout << path << ": the hub " << hub
                  << " serves /hooks/NAME/..., /metrics, /readyz and /healthz; http: is not "
                     "started (remove it, or the hub)\n";
    } else if (!hub.empty()) {
        std::cout << path << ": the hub " << hub << " serves /hooks/NAME/...\n";
    } else if (config.http_enabled) {
        std::cout << path << ": http: (" << config.http_bind << ":" << config.http_port
                  << ") serves /hooks/NAME/..., /metrics, /readyz and /healthz\n";
    } else if (!config.ops_listen.empty()) {
        std::cout << path << ": ops.listen (" << config.ops_listen
                  << ") serves /hooks/NAME/..., /metrics, /readyz and /healthz; connectors "
                     "keep their own listeners too\n";
    }
    return exit_ok;
}

int import_people(const Options& options, const std::string& csv_path) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    return import_file(core, config.bot.default_locale, csv_path, std::cout) ? exit_ok
                                                                             : exit_failure;
}

int import_metrics(const Options& options, const std::string& kind, const std::string& csv_path) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    std::ifstream in(csv_path);
    if (!in) {
        std::cerr << "twintrack: cannot read " << csv_path << "\n";
        return exit_failure;
    }
    bot::Directory directory;
    directory.load(core.store->people().all());
    const std::string& locale = config.bot.default_locale;
    const std::int64_t now = core::to_millis(core.clock.now());
    bot::ImportOutcome outcome;
    if (kind == "deals") {
        // Deals are linked to their customers as the running bot links them.
        const auto customers = bot::engagements::customers_on(core.store->db());
        outcome = bot::metrics::import_deals_csv(in, *core.store, customers.get(), directory,
                                                 config.bot, *core.prompts, locale, now);
    } else if (kind == "quotas") {
        outcome = bot::metrics::import_quotas_csv(in, *core.store, directory, config.bot,
                                                  *core.prompts, locale, now);
    } else {
        outcome = bot::metrics::import_campaigns_csv(in, *core.store, config.bot, *core.prompts,
                                                     locale, now);
    }
    for (const auto& e : outcome.errors) std::cout << csv_path << ": " << e << "\n";
    if (!outcome.ok()) {
        std::cout << core.prompts->render(locale, "import.failed",
                                          {{"count", outcome.errors.size()}})
                  << "\n";
        return exit_failure;
    }
    std::cout << core.prompts->render(
                     locale, "metrics.import_done",
                     {{"added", outcome.added},
                      {"updated", outcome.updated},
                      {"what", core.prompts->render(locale, "metrics.import_what." + kind)}})
              << "\n";
    return exit_ok;
}

int export_reports(const Options& options, const std::string& csv_path) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    bot::Directory directory;
    directory.load(core.store->people().all());
    const store::reports::ReportRepository reports(core.store->db());
    if (csv_path == "-") {
        bot::reports::write_reports_csv(reports, directory, std::cout);
        return exit_ok;
    }
    std::size_t count = 0;
    const std::string problem = write_file_atomically(csv_path, [&](std::ostream& out) {
        count = bot::reports::write_reports_csv(reports, directory, out);
    });
    if (!problem.empty()) {
        std::cerr << "twintrack: " << problem << "\n";
        return exit_failure;
    }
    std::cout << core.prompts->render(config.bot.default_locale, "import.export_done",
                                      {{"count", count}, {"file", csv_path}})
              << "\n";
    return exit_ok;
}

int plan_import(const Options& options, const std::string& path) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::cerr << "twintrack: cannot read " << path << "\n";
        return exit_failure;
    }
    std::ostringstream text;
    text << in.rdbuf();
    const std::string& locale = config.bot.default_locale;
    const auto& settings = config.bot.features.get<bot::plan::PlanSettings>();
    if (settings.markets.empty()) {
        std::cerr << core.prompts->render(locale, "plan.no_markets") << "\n";
        return exit_failure;
    }
    const auto today = date::year_month_day{date::floor<date::days>(
        bot::zone_or_utc(config.bot.company_timezone)->to_local(core.clock.now()))};
    store::Transaction tx(core.store->db());
    const auto out = bot::plan::import_plan(text.str(), *core.store, settings, *core.prompts,
                                            locale, static_cast<int>(today.year()),
                                            core::to_millis(core.clock.now()), std::nullopt);
    for (const auto& e : out.errors) std::cout << path << ": " << e << "\n";
    if (!out.errors.empty()) {
        std::cout << core.prompts->render(locale, "import.failed",
                                          {{"count", static_cast<std::int64_t>(out.errors.size())}})
                  << "\n";
        return exit_failure;
    }
    store::AuditEntry audit;
    audit.at = core::to_millis(core.clock.now());
    audit.action = "plan.import";
    audit.detail = nlohmann::json{{"file", path},
                                  {"outlooks", static_cast<std::int64_t>(out.outlooks)},
                                  {"targets", static_cast<std::int64_t>(out.targets)},
                                  {"activities", static_cast<std::int64_t>(out.activities)}}
                       .dump();
    core.store->audit().record(audit);
    tx.commit();
    std::cout << core.prompts->render(locale, "plan.imported",
                                      {{"outlooks", static_cast<std::int64_t>(out.outlooks)},
                                       {"targets", static_cast<std::int64_t>(out.targets)},
                                       {"activities", static_cast<std::int64_t>(out.activities)}})
              << "\n";
    return exit_ok;
}

int plan_export(const Options& options, const std::string& path) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    std::size_t rows = 0;
    const std::string csv = bot::plan::plan_file_csv(*core.store, rows);
    if (path == "-") {
        std::cout << csv;
        return exit_ok;
    }
    const std::string problem = write_file_atomically(path, [&](std::ostream& out) { out << csv; });
    if (!problem.empty()) {
        std::cerr << "twintrack: " << problem << "\n";
        return exit_failure;
    }
    std::cout << core.prompts->render(config.bot.default_locale, "plan.file_exported",
                                      {{"rows", rows}, {"file", path}})
              << "\n";
    return exit_ok;
}

int person_export(const Options& options, const std::string& email, const std::string& path) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    const std::string& locale = config.bot.default_locale;
    const auto data = person_export_json(*core.store, email, core::to_millis(core.clock.now()));
    if (!data) {
        std::cerr << core.prompts->render(locale, "import.person_unknown", {{"email", email}})
                  << "\n";
        return exit_failure;
    }
    const std::string text =
        data->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (path == "-") {
        std::cout << text;
        return exit_ok;
    }
    // Readable by the owner only, as it holds personal data.
    const std::string problem = write_file_atomically(
        path, [&](std::ostream& out) { out << text; }, true);
    if (!problem.empty()) {
        std::cerr << "twintrack: " << problem << "\n";
        return exit_failure;
    }
    std::size_t rows = 0, kinds = 0;
    for (const auto& [kind, list] : (*data)["tables"].items()) {
        rows += list.size();
        if (!list.empty()) ++kinds;
    }
    std::cout << core.prompts->render(
                     locale, "import.person_exported",
                     {{"email", email}, {"rows", rows}, {"tables", kinds}, {"file", path}})
              << "\n";
    return exit_ok;
}

int person_erase(const Options& options, const std::string& email) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    const std::string& locale = config.bot.default_locale;
    std::optional<EraseOutcome> outcome;
    try {
        outcome = person_erase(*core.store, email, core::to_millis(core.clock.now()));
    } catch (const std::exception& e) {
        std::cerr << "twintrack: nothing was erased: " << e.what() << "\n";
        return exit_failure;
    }
    if (!outcome) {
        std::cerr << core.prompts->render(locale, "import.person_unknown", {{"email", email}})
                  << "\n";
        return exit_failure;
    }
    std::cout << core.prompts->render(locale, "import.person_erased",
                                      {{"email", email},
                                       {"deleted", outcome->counts.deleted},
                                       {"scrubbed", outcome->counts.scrubbed},
                                       {"label", outcome->label}})
              << "\n";
    return exit_ok;
}

int token_create(const Options& options, const std::string& name,
                 const std::vector<std::string>& scopes, const std::string& expires) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    const std::string& locale = config.bot.default_locale;
    const auto say = [&](std::ostream& out, const std::string& key, const nlohmann::json& data) {
        out << core.prompts->render(locale, "import." + key, data) << "\n";
    };
    std::optional<std::int64_t> expires_at;
    if (!expires.empty()) {
        const auto day = bot::parse_ymd(expires);
        if (!day) {
            say(std::cerr, "token_bad_date", {{"date", expires}});
            return exit_failure;
        }
        expires_at = core::to_millis(core::Timestamp(date::sys_days(*day)));
    }
    const auto created =
        app::token_create(*core.store, name, scopes, expires_at, core::to_millis(core.clock.now()));
    if (created.error == "taken") {
        say(std::cerr, "token_taken", {{"name", name}});
        return exit_failure;
    }
    if (!created.error.empty()) {
        say(std::cerr, "token_bad_scope",
            {{"scope", created.error.substr(created.error.find(':') + 1)},
             {"known", core::join(bot::api_scopes(), ", ")}});
        return exit_failure;
    }
    nlohmann::json data = {
        {"name", name}, {"scopes", core::join(scopes, " ")}, {"token", created.token}};
    if (expires_at) data["expires"] = bot::format_local(core::from_millis(*expires_at), "UTC");
    say(std::cout, "token_created", data);
    return exit_ok;
}

int token_list(const Options& options) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    const std::string& locale = config.bot.default_locale;
    const std::int64_t now = core::to_millis(core.clock.now());
    const auto tokens = core.store->sign_in().tokens();
    if (tokens.empty()) {
        std::cout << core.prompts->render(locale, "import.token_none", {}) << "\n";
        return exit_ok;
    }
    for (const auto& t : tokens) {
        nlohmann::json state = nlohmann::json::object();
        std::string key = "import.token_state_live";
        if (t.expires_at)
            state["expires"] = bot::format_local(core::from_millis(*t.expires_at), "UTC");
        if (t.last_used_at)
            state["used"] = bot::format_local(core::from_millis(*t.last_used_at), "UTC");
        if (t.revoked_at) {
            key = "import.token_state_revoked";
        } else if (t.expires_at && now >= *t.expires_at) {
            key = "import.token_state_expired";
        }
        std::cout << core.prompts->render(locale, "import.token_line",
                                          {{"name", t.name},
                                           {"scopes", core::join(t.scopes, " ")},
                                           {"state", core.prompts->render(locale, key, state)}})
                  << "\n";
    }
    return exit_ok;
}

int token_revoke(const Options& options, const std::string& name) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    const std::string& locale = config.bot.default_locale;
    if (!app::token_revoke(*core.store, name, core::to_millis(core.clock.now()))) {
        std::cerr << core.prompts->render(locale, "import.token_unknown", {{"name", name}}) << "\n";
        return exit_failure;
    }
    std::cout << core.prompts->render(locale, "import.token_revoked", {{"name", name}}) << "\n";
    return exit_ok;
}

int store_migrate(const Options& options, const std::string& from, const std::string& to) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    std::shared_ptr<const bot::Prompts> prompts;
    try {
        prompts = bot::Prompts::load(config.prompts_dir, config.bot.default_locale);
    } catch (const std::exception& e) {
        std::cerr << "twintrack: " << e.what() << "\n";
        return exit_failure;
    }
    const std::string& locale = config.bot.default_locale;
    try {
        const auto source = store::parse_store_url(from);
        const auto target = store::parse_store_url(to);
        if (source.kind == store::StoreUrl::Kind::sqlite && !fs::exists(source.path)) {
            throw store::DatabaseError("no SQLite store at " + source.path);
        }
        const auto now_ms = core::to_millis(core::SystemClock().now());
        auto src = store::Store::open_url(from, now_ms);
        auto dst = store::Store::open_url(to, now_ms);
        const auto copied = store::copy_store(*src, *dst);
        std::int64_t rows = 0;
        for (const auto& t : copied) {
            rows += t.rows;
            std::cout << prompts->render(locale, "import.store_table",
                                         {{"table", t.name}, {"rows", std::to_string(t.rows)}})
                      << "\n";
        }
        std::cout << prompts->render(locale, "import.store_copied",
                                     {{"rows", std::to_string(rows)},
                                      {"tables", std::to_string(copied.size())},
                                      {"from", source.shown},
                                      {"to", target.shown}})
                  << "\n";
        return exit_ok;
    } catch (const std::exception& e) {
        std::cerr << "twintrack: " << e.what() << "\n";
        return exit_failure;
    }
}

int sessions_revoke(const Options& options, const std::string& email) {
    Config config;
    if (!prepare(options, config)) return exit_bad_config;
    Core core;
    if (!open_core(config, core)) return exit_failure;
    const std::string& locale = config.bot.default_locale;
    const auto count = app::sessions_revoke(*core.store, email, core::to_millis(core.clock.now()));
    if (!count) {
        std::cerr << core.prompts->render(locale, "import.person_unknown", {{"email", email}})
                  << "\n";
        return exit_failure;
    }
    std::cout << core.prompts->render(locale, "import.sessions_revoked",
                                      {{"email", email}, {"count", *count}})
              << "\n";
    return exit_ok;
}

}  // namespace twintrack::app
