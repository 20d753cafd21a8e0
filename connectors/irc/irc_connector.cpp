#include "connectors/irc/irc_connector.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <deque>
#include <filesystem>
#include <kainjow/mustache.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "connectors/irc/flood_control.hpp"
#include "connectors/irc/irc_message.hpp"
#include "connectors/irc/line_splitter.hpp"
#include "connectors/irc/replay_guard.hpp"
#include "connectors/runtime/backoff.hpp"
#include "connectors/runtime/tls_client.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::irc {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------
// Config

bool valid_nick(const std::string& nick) {
    if (nick.empty() || nick.size() > 30) return false;
    const std::string special = "[]\\`_^{|}";
    for (std::size_t i = 0; i < nick.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(nick[i]);
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool digit_or_dash = (c >= '0' && c <= '9') || c == '-';
        if (letter || special.find(static_cast<char>(c)) != std::string::npos) continue;
        if (digit_or_dash && i > 0) continue;
        return false;
    }
    return true;
}

bool valid_channel_name(const std::string& name) {
    if (name.size() < 2 || name.size() > 50 || !is_channel(name)) return false;
    return name.find_first_of(" ,\x07\r\n") == std::string::npos;
}

void read_channel_list(core::SectionReader& section, IrcSettings& settings) {
    const YAML::Node list = section.node("channels");
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
        section.error("channels", "must be a list of {name, key, track}");
        return;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string path = section.path() + ".channels[" + std::to_string(i) + "]";
        core::SectionReader ch(list[i], path, section.errors());
        if (!ch.valid()) continue;
        auto name = ch.string("name", true);
        auto key = ch.string("key");
        auto track = ch.choice("track", {"marketing", "sales", "joint"}, true);
        if (name && !valid_channel_name(*name)) {
            ch.error("name",
                     "must be an IRC channel such as \"#sales\" (quote it: the '#' "
                     "starts a YAML comment), 2-50 bytes without spaces or commas; "
                     "got \"" +
                         *name + "\"");
            name.reset();
        }
        if (key && (key->empty() || key->find_first_of(" ,\r\n") != std::string::npos)) {
            ch.error("key", "must be a channel key without spaces or commas");
            key.reset();
        }
        ch.finish();
        if (!name || !track) continue;
        if (!seen.insert(core::ascii_lower(*name)).second) {
            section.error("channels", "channel \"" + *name + "\" is listed twice");
            continue;
        }
        settings.channels.push_back({*name, key.value_or(""), *track});
    }
}

// Reads every key but `type` and `name` (the registry owns those).
void read_settings(core::SectionReader& section, IrcSettings& settings) {
    if (auto server = section.string("server", true)) {
        if (server->empty() || server->find_first_of(" /:") != std::string::npos) {
            if (server->find(':') == std::string::npos ||
                server->find_first_of(" /") != std::string::npos) {
                section.error("server",
                              "must be a host name or IP address (the port goes "
                              "under port:); got \"" +
                                  *server + "\"");
            } else {
                settings.server = *server;  // an IPv6 address
            }
        } else {
            settings.server = *server;
        }
    }
    if (auto tls = section.boolean("tls")) settings.tls = *tls;
    settings.port = settings.tls ? 6697 : 6667;
    if (auto port = section.integer("port", 1, 65535)) settings.port = static_cast<int>(*port);
    if (auto nick = section.string("nick")) {
        if (valid_nick(*nick)) {
            settings.nick = *nick;
        } else {
            section.error("nick",
                          "must be 1-30 letters, digits, '-' or one of []\\`_^{|} and "
                          "not start with a digit or '-'; got \"" +
                              *nick + "\"");
        }
    }
    const YAML::Node alts = section.node("alt_nicks");
    if (alts.IsDefined() && !alts.IsNull()) {
        if (!alts.IsSequence()) {
            section.error("alt_nicks", "must be a list of nicks");
        } else {
            for (const auto& a : alts) {
                const std::string nick = a.IsScalar() ? a.Scalar() : std::string();
                if (valid_nick(nick)) {
                    settings.alt_nicks.push_back(nick);
                } else {
                    section.error("alt_nicks", "\"" + nick + "\" is not a valid nick");
                }
            }
        }
    }
    const bool has_user = section.has("sasl_user");
    const bool has_password = section.has("sasl_password");
    if (auto user = section.string("sasl_user")) settings.sasl_user = *user;
    if (auto password = section.secret("sasl_password")) settings.sasl_password = *password;
    if (has_user && !has_password) {
        section.error("sasl_user", "needs sasl_password: ${ENV_VAR} as well");
    } else if (has_password && !has_user) {
        section.error("sasl_password", "needs sasl_user as well");
    }
    const YAML::Node flood = section.node("flood");
    if (flood.IsDefined() && !flood.IsNull()) {
        core::SectionReader f(flood, section.path() + ".flood", section.errors());
        if (f.valid()) {
            if (auto burst = f.integer("burst", 1, 1000)) {
                settings.flood_burst = static_cast<double>(*burst);
            }
            if (auto rate = f.number("per_second", 0, 1000)) settings.flood_per_second = *rate;
            if (auto queue = f.integer("queue", 1, 1000000)) {
                settings.max_queue = static_cast<std::size_t>(*queue);
            }
            f.finish();
        }
    }
    if (auto window = section.number("replay_window_seconds", 0, 60)) {
        settings.replay_window = std::chrono::milliseconds(static_cast<long long>(*window * 1000));
    }
    const YAML::Node services = section.node("services");
    if (services.IsDefined() && !services.IsNull()) {
        if (!services.IsSequence()) {
            section.error("services", "must be a list of nicks, e.g. [NickServ, ChanServ]");
        } else {
            settings.services.clear();
            for (const auto& n : services) {
                const std::string nick = n.IsScalar() ? n.Scalar() : std::string();
                if (valid_nick(nick)) {
                    settings.services.push_back(nick);
                } else {
                    section.error("services", "\"" + nick + "\" is not a valid nick");
                }
            }
        }
    }
    if (auto lines = section.integer("max_lines", 0, 1000)) {
        if (*lines == 1) {
            section.error("max_lines",
                          "must be 0 (no limit) or at least 2 (the first lines and the "
                          "pointer to the rest)");
        } else {
            settings.max_lines = static_cast<std::size_t>(*lines);
        }
    }
    if (auto url = section.string("more_url")) {
        const bool web = url->rfind("http://", 0) == 0 || url->rfind("https://", 0) == 0;
        if (!web || url->find_first_of(" \t\r\n") != std::string::npos) {
            section.error("more_url", "must be an http:// or https:// address without spaces");
        } else {
            settings.more_url = *url;
        }
    }
    read_channel_list(section, settings);
}

void validate(core::SectionReader& section, ConnectorSpec& spec) {
    IrcSettings settings;
    read_settings(section, settings);
    spec.channels.clear();
    for (const auto& ch : settings.channels) spec.channels.push_back({ch.name, ch.track});
}

std::unique_ptr<Connector> create(const ConnectorSpec& spec, const ConnectorContext& context) {
    IrcSettings settings;
    settings.name = spec.name;
    // Without nick: the bot's configured name (company.bot_name), when IRC allows it.
    if (valid_nick(context.bot_user)) settings.nick = context.bot_user;
    reread_section(spec, "irc", [&](core::SectionReader& s) { read_settings(s, settings); });
    return make_irc(std::move(settings), context);
}

// ---------------------------------------------------------------------------------------
// Words of its own: prompts/<locale>/irc.yaml

namespace mus = kainjow::mustache;

/// The `more` template of every locale folder that has an irc.yaml.
std::map<std::string, std::string> load_more_templates(const std::string& prompts_dir) {
    namespace fs = std::filesystem;
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(prompts_dir, ec)) {
        const fs::path file = entry.path() / "irc.yaml";
        if (!entry.is_directory() || !fs::exists(file)) continue;
        try {
            const YAML::Node more = YAML::LoadFile(file.string())["messages"]["more"];
            if (more.IsScalar()) out[entry.path().filename().string()] = more.Scalar();
        } catch (const YAML::Exception& e) {
            throw std::runtime_error("cannot read " + file.string() + ": " + e.what());
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// The connection

struct OutLine {
    std::string line;  ///< with CR LF
    core::SendDone done;
    std::string id;
};

class IrcConnector final : public Connector {
  public:
    IrcConnector(IrcSettings settings, const ConnectorContext& context)
        : settings_(std::move(settings)),
          clock_(context.clock),
          resolver_(io_),
          reconnect_timer_(io_),
          register_timer_(io_),
          watchdog_(io_),
          flood_timer_(io_),
          stop_timer_(io_),
          bucket_(settings_.flood_burst, settings_.flood_per_second, SteadyClock::now()),
          backoff_(settings_.backoff_initial, settings_.backoff_max),
          started_ms_(core::to_millis(context.clock->now())),
          default_locale_(context.default_locale),
          guard_(settings_.replay_window) {
        for (const auto& [locale, source] : load_more_templates(context.prompts_dir)) {
            auto compiled = std::make_unique<mus::mustache>(source);
            if (!compiled->is_valid()) {
                throw std::runtime_error("prompts " + locale +
                                         "/irc.yaml: messages.more: " + compiled->error_message());
            }
            compiled->set_custom_escape([](const std::string& t) { return t; });
            more_[locale] = std::move(compiled);
        }
        if (!more_.count(default_locale_)) {
            throw std::runtime_error("no messages.more in " + context.prompts_dir + "/" +
                                     default_locale_ + "/irc.yaml");
        }
        // A TLS context initialises OpenSSL and takes megabytes: only TLS connections
        // get one.
        if (settings_.tls) {
            ssl_.emplace(runtime::tls_client_context(settings_.tls_ca_file));
        }
        nicks_.push_back(settings_.nick);
        for (const auto& n : settings_.alt_nicks) nicks_.push_back(n);
    }

    ~IrcConnector() override { stop(); }

    std::string name() const override { return settings_.name; }
    bool connected() const override { return up_.load(); }

    void start(core::EventSink& sink) override {
        std::lock_guard<std::mutex> lock(run_mu_);
        if (running_) return;
        if (thread_.joinable()) throw std::runtime_error("an IRC connector cannot start twice");
        sink_ = &sink;
        running_ = true;
        work_.emplace(asio::make_work_guard(io_));
        asio::post(io_, [this] { connect(); });
        thread_ = std::thread([this] {
            try {
                io_.run();
            } catch (const std::exception& e) {
                spdlog::error("irc {}: I/O thread failed: {}", settings_.name, e.what());
            }
        });
    }

    void stop() override {
        {
            std::lock_guard<std::mutex> lock(run_mu_);
            if (!running_) return;
            running_ = false;
            asio::post(io_, [this] { begin_shutdown(); });
            work_.reset();
        }
        if (thread_.joinable()) thread_.join();
    }

    void send(const core::Post& post, core::SendDone done) override {
        {
            std::lock_guard<std::mutex> lock(run_mu_);
            if (running_) {
                asio::post(io_, [this, post, done = std::move(done)]() mutable {
                    deliver(post, std::move(done));
                });
                return;
            }
        }
        if (done) done({false, "", "IRC connector " + settings_.name + " is not running", true});
    }

    IrcStatus status() const {
        std::lock_guard<std::mutex> lock(status_mu_);
        IrcStatus s = status_;
        const auto now = SteadyClock::now();
        for (const auto& ch : s.joined) {
            if (guard_.burst_over(ch, now)) s.live.push_back(ch);
        }
        return s;
    }

  private:
    // --- connecting ------------------------------------------------------------------

    void connect() {
        if (stopping_) return;
        const unsigned gen = ++gen_;
        if (ssl_) {
            stream_ = std::make_unique<ssl::stream<tcp::socket>>(io_, *ssl_);
        } else {
            plain_ = std::make_unique<tcp::socket>(io_);
        }
        read_buf_ = std::make_unique<asio::streambuf>(16 * 1024);
        spdlog::info("irc {}: connecting to {}:{}{}", settings_.name, settings_.server,
                     settings_.port, settings_.tls ? " (TLS)" : "");
        resolver_.async_resolve(
            settings_.server, std::to_string(settings_.port),
            [this, gen](const boost::system::error_code& ec, tcp::resolver::results_type r) {
                if (gen != gen_) return;
                if (ec) return lost("cannot resolve " + settings_.server + ": " + ec.message());
                asio::async_connect(
                    socket(), r,
                    [this, gen](const boost::system::error_code& ec2, const tcp::endpoint&) {
                        if (gen != gen_) return;
                        if (ec2) return lost("cannot connect: " + ec2.message());
                        if (settings_.tls) return handshake(gen);
                        on_connected(gen);
                    });
            });
    }

    void handshake(unsigned gen) {
        runtime::verify_host(*stream_, settings_.server);
        stream_->async_handshake(ssl::stream_base::client,
                                 [this, gen](const boost::system::error_code& ec) {
                                     if (gen != gen_) return;
                                     if (ec) return lost("TLS handshake failed: " + ec.message());
                                     on_connected(gen);
                                 });
    }

    void on_connected(unsigned gen) {
        connected_ = true;
        registered_ = false;
        nick_try_ = 0;
        underscores_ = 0;
        cap_ls_.clear();
        last_rx_ = SteadyClock::now();
        ping_sent_ = false;
        current_nick_ = nicks_.front();
        {
            std::lock_guard<std::mutex> lock(status_mu_);
            guard_.reset();
        }
        spdlog::info("irc {}: connected, registering as {}", settings_.name, current_nick_);
        urgent("CAP LS 302");
        urgent(format_message("NICK", {current_nick_}));
        urgent(format_message("USER", {current_nick_, "0", "*", "TwinTrack bot"}));
        register_timer_.expires_after(std::chrono::seconds(60));
        register_timer_.async_wait([this, gen](const boost::system::error_code& ec) {
            if (ec || gen != gen_ || registered_) return;
            lost("the server did not complete registration within 60 s");
        });
        arm_watchdog(gen);
        read(gen);
    }

    void arm_watchdog(unsigned gen) {
        watchdog_.expires_after(std::chrono::seconds(30));
        watchdog_.async_wait([this, gen](const boost::system::error_code& ec) {
            if (ec || gen != gen_ || stopping_) return;
            const auto idle = SteadyClock::now() - last_rx_;
            if (idle > std::chrono::seconds(240)) return lost("no traffic for 4 minutes");
            if (idle > std::chrono::seconds(90) && !ping_sent_) {
                ping_sent_ = true;
                urgent("PING :twintrack");
            }
            if (registered_ && !same_name(current_nick_, settings_.nick)) {
                urgent(format_message("NICK", {settings_.nick}));  // try to get it back
            }
            arm_watchdog(gen);
        });
    }

    // Called when the connection failed or dropped: fails what waits, plans a reconnect.
    void lost(const std::string& why) {
        const bool was_registered = registered_;
        close_connection("disconnected from IRC server: " + why);
        if (stopping_) return;
        const auto delay = backoff_.next_delay(SteadyClock::now());
        spdlog::warn("irc {}: {}; reconnecting in {:.1f} s{}", settings_.name, why,
                     static_cast<double>(delay.count()) / 1000.0,
                     was_registered ? " (posts meanwhile fail and are retried)" : "");
        const unsigned gen = gen_;
        reconnect_timer_.expires_after(delay);
        reconnect_timer_.async_wait([this, gen](const boost::system::error_code& ec) {
            if (ec || gen != gen_) return;
            connect();
        });
    }

    void close_connection(const std::string& error) {
        ++gen_;
        connected_ = false;
        registered_ = false;
        up_ = false;
        writing_ = false;
        boost::system::error_code ignored;
        resolver_.cancel();
        register_timer_.cancel();
        watchdog_.cancel();
        flood_timer_.cancel();
        if (stream_ || plain_) {
            socket().shutdown(tcp::socket::shutdown_both, ignored);
            socket().close(ignored);
        }
        urgent_.clear();
        std::vector<std::pair<core::SendDone, std::string>> failed;
        for (auto& d : inflight_) failed.emplace_back(std::move(d.done), d.id);
        inflight_.clear();
        for (auto& q : queued_) {
            if (q.done) failed.emplace_back(std::move(q.done), q.id);
        }
        queued_.clear();
        {
            std::lock_guard<std::mutex> lock(status_mu_);
            status_.registered = false;
            status_.joined.clear();
        }
        for (auto& [done, id] : failed) {
            if (done) done({false, "", error, true});
        }
    }

    void begin_shutdown() {
        stopping_ = true;
        reconnect_timer_.cancel();
        // Posts still waiting for flood control are reported, not sent after the QUIT.
        fail_queued("IRC connector " + settings_.name + " stopped before sending");
        if (!connected_) return shutdown_now();
        urgent("QUIT :TwinTrack is stopping");
        stop_timer_.expires_after(std::chrono::milliseconds(500));
        stop_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) shutdown_now();
        });
    }

    void fail_queued(const std::string& error) {
        std::vector<core::SendDone> failed;
        for (auto& q : queued_) {
            if (q.done) failed.push_back(std::move(q.done));
        }
        queued_.clear();
        for (auto& done : failed) done({false, "", error, true});
    }

    void shutdown_now() {
        stop_timer_.cancel();
        reconnect_timer_.cancel();
        close_connection("IRC connector " + settings_.name + " stopped");
    }

    // --- reading ---------------------------------------------------------------------

    void read(unsigned gen) {
        auto handler = [this, gen](const boost::system::error_code& ec, std::size_t n) {
            if (gen != gen_) return;
            if (ec) {
                if (ec == asio::error::not_found) return lost("line too long from server");
                return lost(ec == asio::error::eof ? "the server closed the connection"
                                                   : ec.message());
            }
            std::string line(asio::buffers_begin(read_buf_->data()),
                             asio::buffers_begin(read_buf_->data()) + static_cast<long>(n));
            read_buf_->consume(n);
            last_rx_ = SteadyClock::now();
            ping_sent_ = false;
            on_line(line);
            if (gen == gen_) read(gen);
        };
        if (settings_.tls) {
            asio::async_read_until(*stream_, *read_buf_, '\n', handler);
        } else {
            asio::async_read_until(socket(), *read_buf_, '\n', handler);
        }
    }

    void on_line(const std::string& line) {
        auto parsed = parse_message(line);
        if (!parsed) return;
        const Message& m = *parsed;
        const std::string& c = m.command;
        if (c == "PING") {
            urgent(format_message(
                "PONG", m.params.empty() ? std::vector<std::string>{"twintrack"} : m.params));
        } else if (c == "CAP") {
            on_cap(m);
        } else if (c == "AUTHENTICATE") {
            on_authenticate(m);
        } else if (c == "903") {
            spdlog::info("irc {}: SASL authentication succeeded", settings_.name);
            urgent("CAP END");
        } else if (c == "902" || c == "904" || c == "905" || c == "906" || c == "908") {
            spdlog::error("irc {}: SASL authentication failed ({} {}); going on without it",
                          settings_.name, c, m.params.empty() ? "" : m.params.back());
            urgent("CAP END");
        } else if (c == "001") {
            on_welcome(m);
        } else if (c == "433" || c == "432" || c == "437") {
            if (!registered_) next_nick(c);
        } else if (c == "NICK") {
            if (same_name(m.nick(), current_nick_) && !m.params.empty()) {
                current_nick_ = m.params[0];
                spdlog::info("irc {}: now known as {}", settings_.name, current_nick_);
                std::lock_guard<std::mutex> lock(status_mu_);
                status_.nick = current_nick_;
            }
        } else if (c == "JOIN") {
            if (same_name(m.nick(), current_nick_) && !m.params.empty()) {
                spdlog::info("irc {}: joined {}", settings_.name, m.params[0]);
                {
                    std::lock_guard<std::mutex> lock(status_mu_);
                    guard_.joined(m.params[0], server_time(m), SteadyClock::now());
                }
                set_joined(m.params[0], true);
            }
        } else if (c == "366") {
            std::lock_guard<std::mutex> lock(status_mu_);
            guard_.numerics_done(m.param(1));
        } else if (c == "376" || c == "422") {
            std::lock_guard<std::mutex> lock(status_mu_);
            guard_.numerics_done(ReplayGuard::direct);
        } else if (c == "BATCH") {
            std::lock_guard<std::mutex> lock(status_mu_);
            guard_.on_batch(m);
        } else if (c == "PART") {
            if (same_name(m.nick(), current_nick_) && !m.params.empty()) {
                set_joined(m.params[0], false);
            }
        } else if (c == "KICK") {
            if (m.params.size() >= 2 && same_name(m.params[1], current_nick_)) {
                spdlog::warn("irc {}: kicked from {} by {}", settings_.name, m.params[0], m.nick());
                set_joined(m.params[0], false);
                join_one(m.params[0]);
            }
        } else if (c == "471" || c == "473" || c == "474" || c == "475" || c == "403" ||
                   c == "405") {
            spdlog::error("irc {}: cannot join {}: {}", settings_.name, m.param(1),
                          m.params.empty() ? "" : m.params.back());
        } else if (c == "ERROR") {
            spdlog::warn("irc {}: server says: {}", settings_.name, m.param(0));
        } else if (c == "PRIVMSG") {
            on_privmsg(m);
        } else if (c == "NOTICE") {
            // RFC 1459 4.4.2: a NOTICE is never answered automatically, so it never
            // reaches the bot (server notices and services' notices come this way too).
            std::lock_guard<std::mutex> lock(status_mu_);
            ++status_.not_people;
        }
    }

    static std::optional<long long> server_time(const Message& m) {
        auto time = m.tags.find("time");
        if (time == m.tags.end()) return std::nullopt;
        return parse_server_time(time->second);
    }

    // A person's message has a `nick!user@host` source that is neither a server nor one
    // of the services.
    bool from_person(const Message& m) const {
        const auto bang = m.prefix.find('!');
        const auto at = m.prefix.find('@');
        if (bang == std::string::npos || at == std::string::npos || at < bang || bang == 0) {
            return false;
        }
        const std::string nick = m.prefix.substr(0, bang);
        if (nick.find('.') != std::string::npos || same_name(nick, server_name_)) return false;
        for (const auto& service : settings_.services) {
            if (same_name(nick, service)) return false;
        }
        return true;
    }

    // Played-back history: recorded as seen (its msgid too, so a later copy is known)
    // and never handed to the bot.
    bool history(const std::string& where, const Message& m) {
        auto msgid = m.tags.find("msgid");
        const bool known = msgid != m.tags.end() && !msgid->second.empty() &&
                           history_ids_.count(msgid->second) > 0;
        {
            std::lock_guard<std::mutex> lock(status_mu_);
            if (!known && !guard_.is_history(where, m, SteadyClock::now())) return false;
            ++status_.history_skipped;
        }
        if (!known && msgid != m.tags.end() && !msgid->second.empty()) {
            history_ids_.insert(msgid->second);
            history_order_.push_back(msgid->second);
            if (history_order_.size() > 5000) {
                history_ids_.erase(history_order_.front());
                history_order_.pop_front();
            }
        }
        spdlog::debug("irc {}: history line from {} in {} recorded as seen, not answered",
                      settings_.name, m.nick(), where.empty() ? "a direct message" : where);
        return true;
    }

    void on_cap(const Message& m) {
        const std::string& sub = m.param(1);
        if (sub == "LS") {
            const bool more = m.params.size() >= 4 && m.params[2] == "*";
            std::string list = m.params.empty() ? std::string() : m.params.back();
            if (!cap_ls_.empty()) cap_ls_ += ' ';
            cap_ls_ += list;
            if (more) return;
            std::set<std::string> offered;
            for (const auto& word : core::split_words(cap_ls_)) {
                offered.insert(word.substr(0, word.find('=')));
            }
            std::vector<std::string> want;
            for (const char* cap : {"server-time", "message-tags", "batch"}) {
                if (offered.count(cap)) want.emplace_back(cap);
            }
            if (!settings_.sasl_user.empty()) {
                if (offered.count("sasl")) {
                    want.emplace_back("sasl");
                } else {
                    spdlog::error(
                        "irc {}: the server does not offer SASL; registering without "
                        "it",
                        settings_.name);
                }
            }
            if (want.empty()) return urgent("CAP END");
            urgent("CAP REQ :" + core::join(want, " "));
        } else if (sub == "ACK") {
            const auto acked = core::split_words(m.params.empty() ? "" : m.params.back());
            const bool sasl = std::find(acked.begin(), acked.end(), "sasl") != acked.end();
            if (sasl && !settings_.sasl_user.empty()) {
                urgent("AUTHENTICATE PLAIN");
            } else {
                urgent("CAP END");
            }
        } else if (sub == "NAK") {
            spdlog::warn("irc {}: server refused capabilities: {}", settings_.name,
                         m.params.empty() ? "" : m.params.back());
            urgent("CAP END");
        }
    }

    void on_authenticate(const Message& m) {
        if (m.param(0) != "+") return;
        const std::string& user = settings_.sasl_user;
        const std::string payload = base64(user + std::string(1, '\0') + user +
                                           std::string(1, '\0') + settings_.sasl_password.reveal());
        std::size_t pos = 0;
        do {
            const std::string chunk = payload.substr(pos, 400);
            urgent("AUTHENTICATE " + chunk);
            pos += 400;
            if (chunk.size() == 400 && pos == payload.size()) urgent("AUTHENTICATE +");
        } while (pos < payload.size());
    }

    void next_nick(const std::string& code) {
        std::string next;
        if (nick_try_ + 1 < nicks_.size()) {
            next = nicks_[++nick_try_];
        } else if (underscores_ < 3) {
            ++underscores_;
            next = current_nick_ + "_";
        } else {
            return lost("every nick is taken");
        }
        spdlog::warn("irc {}: nick {} refused ({}), trying {}", settings_.name, current_nick_, code,
                     next);
        current_nick_ = next;
        urgent(format_message("NICK", {current_nick_}));
    }

    void on_welcome(const Message& m) {
        registered_ = true;
        up_ = true;
        server_name_ = m.prefix;
        {
            std::lock_guard<std::mutex> lock(status_mu_);
            guard_.joined(ReplayGuard::direct, server_time(m), SteadyClock::now());
        }
        register_timer_.cancel();
        backoff_.connected(SteadyClock::now());
        if (!m.params.empty()) current_nick_ = m.params[0];
        spdlog::info("irc {}: registered on {} as {}", settings_.name, settings_.server,
                     current_nick_);
        {
            std::lock_guard<std::mutex> lock(status_mu_);
            status_.registered = true;
            status_.nick = current_nick_;
            ++status_.connections;
        }
        for (const auto& ch : settings_.channels) join_one(ch.name);
        pump();
    }

    void join_one(const std::string& channel) {
        for (const auto& ch : settings_.channels) {
            if (!same_name(ch.name, channel)) continue;
            urgent(ch.key.empty() ? format_message("JOIN", {ch.name})
                                  : format_message("JOIN", {ch.name, ch.key}));
        }
    }

    void set_joined(const std::string& channel, bool joined) {
        const std::string lower = core::ascii_lower(channel);
        std::lock_guard<std::mutex> lock(status_mu_);
        if (!joined) guard_.left(channel);
        auto& list = status_.joined;
        list.erase(std::remove(list.begin(), list.end(), lower), list.end());
        if (joined) list.push_back(lower);
    }

    // Strips "nick:" / "nick," (also the full-width ： and ，) from the start of `text`.
    bool strip_mention(std::string& text) const {
        for (const std::string* nick : {&current_nick_, &settings_.nick}) {
            if (text.size() <= nick->size()) continue;
            if (!same_name(std::string_view(text).substr(0, nick->size()), *nick)) continue;
            std::string_view rest = std::string_view(text).substr(nick->size());
            bool punct = false;
            for (const char* p : {":", ",", "\xEF\xBC\x9A", "\xEF\xBC\x8C"}) {
                const std::string_view ps(p);
                if (rest.substr(0, ps.size()) == ps) {
                    rest.remove_prefix(ps.size());
                    punct = true;
                    break;
                }
            }
            if (!punct) continue;
            text = std::string(core::trim(rest));
            return true;
        }
        return false;
    }

    void on_privmsg(const Message& m) {
        if (m.params.size() < 2 || sink_ == nullptr) return;
        const std::string from = m.nick();
        if (!from.empty() && same_name(from, current_nick_)) return;
        if (!from_person(m)) {
            spdlog::debug("irc {}: message from {} is not a person's; ignored", settings_.name,
                          m.prefix);
            std::lock_guard<std::mutex> lock(status_mu_);
            ++status_.not_people;
            return;
        }
        const std::string& target = m.params[0];
        std::string text = m.params[1];
        if (!text.empty() && text.front() == '\x01') return;  // CTCP (ACTION, VERSION, ...)
        if (history(is_channel(target) ? target : ReplayGuard::direct, m)) return;
        core::Event event;
        auto msgid = m.tags.find("msgid");
        event.id = msgid != m.tags.end() && !msgid->second.empty()
                       ? settings_.name + ":" + msgid->second
                       : settings_.name + ":" + std::to_string(started_ms_) + ":" +
                             std::to_string(++in_counter_);
        event.kind = core::EventKind::message;
        event.who = {settings_.name, from, from};
        if (is_channel(target)) {
            event.where = {settings_.name, target, ""};
            if (!(!text.empty() && text.front() == '!')) event.addressed = strip_mention(text);
        } else if (same_name(target, current_nick_)) {
            event.where = {settings_.name, "@" + from, ""};
            event.direct = true;
        } else {
            return;
        }
        event.text = std::move(text);
        auto time = m.tags.find("time");
        std::optional<long long> at;
        if (time != m.tags.end()) at = parse_server_time(time->second);
        event.at = at ? core::from_millis(*at) : clock_->now();
        event.extra = {{"message_id", event.id}, {"irc_target", target}};
        sink_->push(std::move(event));
    }

    // --- writing ---------------------------------------------------------------------

    void urgent(std::string line) {
        if (!connected_) return;
        line += "\r\n";
        urgent_.push_back(std::move(line));
        pump();
    }

    void deliver(const core::Post& post, core::SendDone done) {
        auto fail = [&](const std::string& error, bool retryable) {
            if (done) done({false, "", error, retryable});
        };
        if (stopping_) return fail("IRC connector " + settings_.name + " is stopping", true);
        const std::string& to = post.to.channel;
        std::string target;
        if (is_channel(to) && valid_channel_name(to)) {
            target = to;
        } else if (to.size() > 1 && to.front() == '@' &&
                   to.find_first_of(" ,\r\n", 1) == std::string::npos) {
            target = to.substr(1);
        } else {
            return fail("\"" + to + "\" is neither an IRC channel nor @nick", false);
        }
        if (!registered_) {
            return fail("not connected to IRC server " + settings_.server + ":" +
                            std::to_string(settings_.port),
                        true);
        }
        auto pieces = split_text(post.text, text_budget(target));
        if (settings_.max_lines > 0 && pieces.size() > settings_.max_lines) {
            const std::size_t hidden = pieces.size() - (settings_.max_lines - 1);
            pieces.resize(settings_.max_lines - 1);
            for (auto& p : split_text(more_line(post.locale, hidden), text_budget(target))) {
                pieces.push_back(std::move(p));
            }
        }
        const std::string id = settings_.name + ":out:" + std::to_string(++out_counter_);
        if (pieces.empty()) {
            if (done) done({true, id, "", true});
            return;
        }
        if (queued_.size() + pieces.size() > settings_.max_queue) {
            spdlog::error("irc {}: send queue full ({} lines waiting), post to {} refused",
                          settings_.name, queued_.size(), to);
            return fail("IRC send queue full (" + std::to_string(queued_.size()) +
                            " lines waiting for flood control)",
                        true);
        }
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            OutLine out;
            out.line = format_message("PRIVMSG", {target, pieces[i]}) + "\r\n";
            if (i + 1 == pieces.size()) {
                out.done = std::move(done);
                out.id = id;
            }
            queued_.push_back(std::move(out));
        }
        pump();
    }

    std::string more_line(const std::string& locale, std::size_t hidden) {
        auto it = more_.find(locale);
        if (it == more_.end()) it = more_.find(default_locale_);
        mus::data data{mus::data::type::object};
        data.set("hidden", std::to_string(hidden));
        data.set("url", settings_.more_url.empty() ? mus::data(mus::data::type::bool_false)
                                                   : mus::data(settings_.more_url));
        return it->second->render(data);
    }

    void pump() {
        if (!connected_ || writing_) return;
        std::string batch;
        while (!urgent_.empty()) {
            batch += urgent_.front();
            urgent_.pop_front();
        }
        bool throttled = false;
        if (registered_ && !stopping_) {
            const auto now = SteadyClock::now();
            while (!queued_.empty() && batch.size() < 64 * 1024) {
                if (!bucket_.try_take(now)) {
                    throttled = true;
                    break;
                }
                OutLine& out = queued_.front();
                batch += out.line;
                if (out.done) inflight_.push_back({std::string(), std::move(out.done), out.id});
                queued_.pop_front();
            }
            if (throttled && !flood_armed_) {
                flood_armed_ = true;
                const unsigned gen = gen_;
                flood_timer_.expires_after(bucket_.wait(now));
                flood_timer_.async_wait([this, gen](const boost::system::error_code& ec) {
                    flood_armed_ = false;
                    if (ec || gen != gen_) return;
                    pump();
                });
            }
        }
        if (batch.empty()) return;
        writing_ = true;
        write_buf_ = std::move(batch);
        const unsigned gen = gen_;
        auto handler = [this, gen](const boost::system::error_code& ec, std::size_t) {
            if (gen != gen_) return;
            writing_ = false;
            if (ec) return lost("write failed: " + ec.message());
            std::vector<OutLine> finished;
            finished.swap(inflight_);
            for (auto& f : finished) {
                if (f.done) f.done({true, f.id, "", true});
            }
            if (stopping_ && urgent_.empty()) return shutdown_now();
            pump();
        };
        if (settings_.tls) {
            asio::async_write(*stream_, asio::buffer(write_buf_), handler);
        } else {
            asio::async_write(socket(), asio::buffer(write_buf_), handler);
        }
    }

    IrcSettings settings_;
    const core::Clock* clock_;
    core::EventSink* sink_ = nullptr;

    asio::io_context io_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    std::thread thread_;
    std::mutex run_mu_;
    bool running_ = false;

    // Everything below belongs to the I/O thread.
    std::optional<ssl::context> ssl_;  // with `tls` only
    tcp::resolver resolver_;
    std::unique_ptr<ssl::stream<tcp::socket>> stream_;  // the connection with `tls`
    std::unique_ptr<tcp::socket> plain_;                // the connection without
    tcp::socket& socket() { return stream_ ? stream_->next_layer() : *plain_; }
    std::unique_ptr<asio::streambuf> read_buf_;
    asio::steady_timer reconnect_timer_, register_timer_, watchdog_, flood_timer_, stop_timer_;
    unsigned gen_ = 0;
    bool connected_ = false;
    bool registered_ = false;
    std::atomic<bool> up_{false};  // registered, readable from any thread (readiness)
    bool stopping_ = false;
    bool writing_ = false;
    bool flood_armed_ = false;
    bool ping_sent_ = false;
    SteadyClock::time_point last_rx_{};
    std::string cap_ls_;
    std::vector<std::string> nicks_;
    std::size_t nick_try_ = 0;
    int underscores_ = 0;
    std::string current_nick_;
    std::deque<std::string> urgent_;
    std::deque<OutLine> queued_;
    std::vector<OutLine> inflight_;
    std::string write_buf_;
    TokenBucket bucket_;
    runtime::Backoff backoff_;
    long long started_ms_;
    unsigned long long in_counter_ = 0;
    unsigned long long out_counter_ = 0;
    std::string default_locale_;
    std::map<std::string, std::unique_ptr<mus::mustache>> more_;  // locale -> template
    std::string server_name_;
    std::set<std::string> history_ids_;
    std::deque<std::string> history_order_;

    mutable std::mutex status_mu_;
    IrcStatus status_;
    ReplayGuard guard_;  // changed on the I/O thread under status_mu_, read by status()
};

}  // namespace

std::vector<std::string> default_services() {
    return {"NickServ", "ChanServ", "MemoServ", "OperServ",  "BotServ", "HostServ", "HelpServ",
            "StatServ", "SaslServ", "InfoServ", "GroupServ", "Global",  "ALIS"};
}

ConnectorType connector_type() { return {validate, create}; }

std::unique_ptr<Connector> make_irc(IrcSettings settings, const ConnectorContext& context) {
    if (settings.server.empty()) throw std::invalid_argument("make_irc: no server");
    return make_connector<IrcConnector>("make_irc", std::move(settings), context);
}

IrcStatus irc_status(const Connector& connector) { return status_of<IrcConnector>(connector); }

}  // namespace twintrack::connectors::irc
