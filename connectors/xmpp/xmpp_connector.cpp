#include "connectors/xmpp/xmpp_connector.hpp"

#include <spdlog/spdlog.h>
#include <strophe.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "connectors/http/text_pieces.hpp"
#include "connectors/runtime/backoff.hpp"
#include "connectors/runtime/connector_words.hpp"
#include "connectors/runtime/held_events.hpp"
#include "connectors/runtime/http_client.hpp"
#include "connectors/runtime/media_names.hpp"
#include "connectors/runtime/recent_ids.hpp"
#include "connectors/runtime/serial_queues.hpp"
#include "connectors/xmpp/http_upload.hpp"
#include "connectors/xmpp/stanza_reading.hpp"
#include "connectors/xmpp/xmpp_jid.hpp"
#include "core/event_files.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::xmpp {
namespace {

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kMucNs = "http://jabber.org/protocol/muc";
constexpr const char* kMucUserNs = "http://jabber.org/protocol/muc#user";
constexpr const char* kMucOwnerNs = "http://jabber.org/protocol/muc#owner";
constexpr const char* kDelayNs = "urn:xmpp:delay";
constexpr const char* kSidNs = "urn:xmpp:sid:0";
constexpr const char* kCorrectNs = "urn:xmpp:message-correct:0";
constexpr const char* kRetractNs = "urn:xmpp:message-retract:1";
constexpr const char* kRetractOldNs = "urn:xmpp:message-retract:0";
constexpr const char* kFastenNs = "urn:xmpp:fasten:0";
constexpr const char* kReplyNs = "urn:xmpp:reply:0";
constexpr const char* kFallbackNs = "urn:xmpp:fallback:0";
constexpr const char* kHintsNs = "urn:xmpp:hints";
constexpr const char* kPingNs = "urn:xmpp:ping";
/// Stanza-id pairs kept per room for retractions and replies.
constexpr std::size_t kIdPairs = 5000;
/// The first line of the id file DATA_DIR/xmpp-NAME.stanza-ids.
constexpr const char* kIdFileHeader = "twintrack xmpp stanza-ids 1";
/// A changed id file is written at most this often (and when the connector stops).
constexpr auto kIdFileEvery = std::chrono::seconds(1);

// ---------------------------------------------------------------------------------------
// Config

void read_rooms(core::SectionReader& section, XmppSettings& settings) {
    std::set<std::string> seen;
    for (const auto& ch : read_channels(section)) {
        if (!valid_bare_jid(ch.name)) {
            section.error("channels", "room \"" + ch.name +
                                          "\" must be a room's bare JID such as "
                                          "sales@conference.example.com");
            continue;
        }
        const std::string jid = core::ascii_lower(ch.name);
        if (!seen.insert(jid).second) {
            section.error("channels", "room \"" + ch.name + "\" is listed twice");
            continue;
        }
        settings.rooms.push_back({jid, ch.track});
    }
}

// Reads every key but `type` and `name` (the registry owns those).
void read_settings(core::SectionReader& section, XmppSettings& settings) {
    if (auto jid = section.string("jid", true)) {
        if (!valid_bare_jid(*jid)) {
            section.error("jid",
                          "must be the bot's bare JID such as twintrack@example.com "
                          "(no /resource: that goes under resource:); got \"" +
                              *jid + "\"");
        } else {
            settings.jid = core::ascii_lower(*jid);
        }
    }
    if (auto password = section.secret("password", true)) settings.password = *password;
    if (auto resource = section.string("resource")) {
        if (resource->empty() || resource->size() > 100 ||
            resource->find_first_of(" \t\r\n/") != std::string::npos) {
            section.error("resource", "must be 1-100 characters without spaces or '/'");
        } else {
            settings.resource = *resource;
        }
    }
    if (auto server = section.string("server")) {
        if (server->empty() || server->find_first_of(" /") != std::string::npos) {
            section.error("server",
                          "must be a host name or IP address (the port goes under "
                          "port:); got \"" +
                              *server + "\"");
        } else {
            settings.server = *server;
        }
    }
    if (auto port = section.integer("port", 1, 65535)) settings.port = static_cast<int>(*port);
    if (settings.port != 0 && settings.server.empty() && section.has("port")) {
        section.error("port",
                      "needs server: as well (without it the JID's domain and its "
                      "SRV records say where to connect)");
    }
    if (auto tls = section.choice("tls", {"required", "optional"})) {
        settings.tls = *tls == "required" ? TlsMode::required : TlsMode::optional;
    }
    if (auto ca = section.string("tls_ca_file")) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(*ca, ec)) {
            section.error("tls_ca_file", "no such file: " + *ca);
        } else {
            settings.tls_ca_file = *ca;
        }
    }
    if (auto nick = section.string("nick")) {
        if (nick->empty() || nick->size() > 64 ||
            nick->find_first_of("\r\n\t") != std::string::npos) {
            section.error("nick", "must be 1-64 characters on one line");
        } else {
            settings.nick = *nick;
        }
    }
    if (auto chars = section.integer("max_chars", 100, 100000)) {
        settings.max_chars = static_cast<std::size_t>(*chars);
    }
    if (auto ping = section.integer("ping_interval", 0, 3600)) {
        if (*ping != 0 && *ping < 5) {
            section.error("ping_interval", "must be 0 (no pings) or 5 to 3600 seconds");
        } else {
            settings.ping_interval = std::chrono::seconds(*ping);
        }
    }
    if (section.has("upload_hosts")) {
        const YAML::Node list = section.node("upload_hosts");
        std::vector<std::string> hosts;
        if (!list.IsSequence()) {
            section.error("upload_hosts",
                          "must be a list of host names, such as [upload.example.com]");
        } else {
            for (const auto& item : list) {
                const std::string host = item.IsScalar() ? core::ascii_lower(item.Scalar()) : "";
                if (host.empty() ||
                    host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-:") !=
                        std::string::npos ||
                    host.front() == '.' || host.back() == '.') {
                    section.error("upload_hosts",
                                  "\"" + (item.IsScalar() ? item.Scalar() : std::string("?")) +
                                      "\" is not a host name such as upload.example.com (no "
                                      "scheme, port or path)");
                    continue;
                }
                hosts.push_back(host);
            }
        }
        settings.upload_hosts = std::move(hosts);
    }
    read_rooms(section, settings);
}

void validate(core::SectionReader& section, ConnectorSpec& spec) {
    XmppSettings settings;
    read_settings(section, settings);
    spec.channels.clear();
    for (const auto& room : settings.rooms) spec.channels.push_back({room.jid, room.track});
}

std::unique_ptr<Connector> create(const ConnectorSpec& spec, const ConnectorContext& context) {
    XmppSettings settings;
    settings.name = spec.name;
    if (!context.bot_user.empty()) settings.nick = context.bot_user;
    reread_section(spec, "xmpp", [&](core::SectionReader& s) { read_settings(s, settings); });
    return make_xmpp(std::move(settings), context);
}

// ---------------------------------------------------------------------------------------
// Small stanza helpers

xmpp_stanza_t* child(xmpp_stanza_t* s, const char* name, const char* ns) {
    return xmpp_stanza_get_child_by_name_and_ns(s, name, ns);
}

/// Appends <name xmlns=ns attr=value/> to `parent`.
xmpp_stanza_t* add_child(xmpp_ctx_t* ctx, xmpp_stanza_t* parent, const char* name, const char* ns) {
    xmpp_stanza_t* c = xmpp_stanza_new(ctx);
    xmpp_stanza_set_name(c, name);
    if (ns != nullptr) xmpp_stanza_set_ns(c, ns);
    xmpp_stanza_add_child(parent, c);
    xmpp_stanza_release(c);  // the parent holds it
    return c;
}

bool has_status(xmpp_stanza_t* x, const char* code) {
    if (x == nullptr) return false;
    for (xmpp_stanza_t* c = xmpp_stanza_get_children(x); c; c = xmpp_stanza_get_next(c)) {
        const char* n = xmpp_stanza_get_name(c);
        if (n != nullptr && std::strcmp(n, "status") == 0 && attr(c, "code") == code) return true;
    }
    return false;
}

/// XEP-0082 date-time ("2026-12-07T07:40:58.123Z", "+08:00" offsets) in milliseconds.
std::optional<long long> parse_stamp(const std::string& s) {
    std::tm tm{};
    int ms = 0;
    if (s.size() < 19) return std::nullopt;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
        return std::nullopt;
    }
    std::size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        int digits = 0;
        for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
            if (digits < 3) ms = ms * 10 + (s[i] - '0');
            ++digits;
        }
        for (; digits < 3; ++digits) ms *= 10;
    }
    long long offset_s = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        int h = 0, m = 0;
        if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &h, &m) != 2) return std::nullopt;
        offset_s = (h * 3600LL + m * 60LL) * (s[i] == '+' ? 1 : -1);
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const long long t = static_cast<long long>(timegm(&tm)) - offset_s;
    return t * 1000 + ms;
}

// ---------------------------------------------------------------------------------------
// The connection

struct Room {
    std::string jid;  ///< lower-case bare JID
    std::string track;
    std::string nick;
    enum class State { away, joining, occupant, live } state = State::away;
    SteadyClock::time_point since{};
    int nick_tries = 0;
    std::map<std::string, std::string> occupants;  ///< nick -> real bare JID, when shown
    /// Messages seen in the room: the sender's id <-> the room's stanza-id, and the
    /// sender's nick by id; the oldest forgotten first.
    std::map<std::string, std::string> sid_by_id;
    std::map<std::string, std::string> id_by_sid;
    std::map<std::string, std::string> nick_by_id;
    std::deque<std::string> seen_ids;

    /// Returns whether it learnt something.
    bool remember(const std::string& id, const std::string& sid, const std::string& author) {
        if (id.empty()) return false;
        auto known = nick_by_id.find(id);
        if (known != nick_by_id.end() && known->second == author &&
            (sid.empty() || sid_of(id) == sid)) {
            return false;
        }
        if (known == nick_by_id.end()) seen_ids.push_back(id);
        nick_by_id[id] = author;
        if (!sid.empty()) {
            auto before = sid_by_id.find(id);
            if (before != sid_by_id.end()) id_by_sid.erase(before->second);
            sid_by_id[id] = sid;
            id_by_sid[sid] = id;
        }
        while (seen_ids.size() > kIdPairs) {
            const std::string old = seen_ids.front();
            seen_ids.pop_front();
            auto it = sid_by_id.find(old);
            if (it != sid_by_id.end()) {
                id_by_sid.erase(it->second);
                sid_by_id.erase(it);
            }
            nick_by_id.erase(old);
        }
        return true;
    }
    /// The sender's id of a message a retraction or reply names by the room's stanza-id.
    std::string id_of(const std::string& ref) const {
        auto it = id_by_sid.find(ref);
        return it == id_by_sid.end() ? ref : it->second;
    }
    /// The room's stanza-id of a message, else its sender's id.
    std::string sid_of(const std::string& id) const {
        auto it = sid_by_id.find(id);
        return it == sid_by_id.end() ? id : it->second;
    }
};

// ---------------------------------------------------------------------------------------
// The id file: the pairs of every room, so that retractions and replies after a restart
// still name the room's stanza-id. A header line, then one line per message, oldest
// first: ROOM TAB ID TAB STANZA-ID TAB NICK (STANZA-ID empty while unknown).

bool one_field(const std::string& s) { return s.find_first_of("\t\r\n") == std::string::npos; }

/// Writes the pairs of `rooms` to `path` through PATH.tmp and a rename, readable by its
/// owner only. Returns "" when done, else what went wrong. Never throws.
std::string write_ids(const std::string& path, const std::map<std::string, Room>& rooms) {
    const std::string tmp = path + ".tmp";
    try {
        std::error_code ec;
        {
            std::ofstream out(tmp, std::ios::trunc);
            if (!out) return "cannot write " + tmp;
            std::filesystem::permissions(
                tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                std::filesystem::perm_options::replace, ec);
            out << kIdFileHeader << '\n';
            for (const auto& [jid, room] : rooms) {
                for (const auto& id : room.seen_ids) {
                    auto nick = room.nick_by_id.find(id);
                    auto sid = room.sid_by_id.find(id);
                    const std::string sid_text = sid == room.sid_by_id.end() ? "" : sid->second;
                    if (nick == room.nick_by_id.end() || !one_field(id) || !one_field(sid_text) ||
                        !one_field(nick->second)) {
                        continue;
                    }
                    out << jid << '\t' << id << '\t' << sid_text << '\t' << nick->second << '\n';
                }
            }
            out.flush();
            if (!out) {
                out.close();
                std::filesystem::remove(tmp, ec);
                return "writing " + tmp + " failed";
            }
        }
        std::filesystem::rename(tmp, path, ec);
        if (ec) {
            std::filesystem::remove(tmp, ec);
            return "cannot rename " + tmp + " to " + path;
        }
        return "";
    } catch (const std::exception& e) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        return std::string("writing ") + path + " failed: " + e.what();
    }
}

/// Reads the pairs `write_ids` wrote into the configured `rooms` (lines of other rooms
/// are skipped). A file that is not whole changes nothing. Returns "" when read (or when
/// there is no file), else what is wrong with it; `count` is the pairs read.
std::string read_ids(const std::string& path, std::map<std::string, Room>& rooms,
                     std::size_t& count) {
    count = 0;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return ec ? "cannot see " + path : "";
    std::ifstream in(path);
    if (!in) return "cannot read " + path;
    std::string line;
    if (!std::getline(in, line) || line != kIdFileHeader) {
        return path + " is not an XMPP id file of this version";
    }
    struct Pair {
        std::string room, id, sid, nick;
    };
    std::vector<Pair> pairs;
    for (int n = 2; std::getline(in, line); ++n) {
        Pair p;
        std::string* fields[] = {&p.room, &p.id, &p.sid, &p.nick};
        std::size_t from = 0;
        int i = 0;
        for (; i < 4; ++i) {
            const auto tab = line.find('\t', from);
            if ((tab == std::string::npos) != (i == 3)) break;
            *fields[i] =
                line.substr(from, tab == std::string::npos ? std::string::npos : tab - from);
            from = tab + 1;
        }
        if (i != 4 || p.room.empty() || p.id.empty() || p.nick.empty()) {
            return path + " line " + std::to_string(n) + " is not ROOM, ID, STANZA-ID, NICK";
        }
        pairs.push_back(std::move(p));
    }
    if (in.bad()) return "reading " + path + " failed";
    for (const auto& p : pairs) {
        auto room = rooms.find(p.room);
        if (room == rooms.end()) continue;  // a room no longer configured
        room->second.remember(p.id, p.sid, p.nick);
        ++count;
    }
    return "";
}

/// The code point offsets [start, end) of a XEP-0428 fallback in `text`, as bytes.
std::string without_fallback(const std::string& text, std::size_t start, std::size_t end) {
    std::size_t cp = 0, from = std::string::npos, to = std::string::npos;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
        if (cp == start) from = i;
        if (cp == end) {
            to = i;
            break;
        }
        ++cp;
    }
    if (from == std::string::npos || to == std::string::npos || from >= to) return text;
    return std::string(core::trim(text.substr(0, from) + text.substr(to)));
}

struct Outgoing {
    core::Post post;
    core::SendDone done;
};

std::once_flag strophe_init;

class XmppConnector final : public Connector {
  public:
    XmppConnector(XmppSettings settings, const ConnectorContext& context)
        : settings_(std::move(settings)),
          clock_(context.clock),
          backoff_(settings_.backoff_initial, settings_.backoff_max),
          started_ms_(core::to_millis(context.clock->now())),
          default_locale_(context.default_locale),
          retracted_(context.prompts_dir, "xmpp.yaml", "messages", "retracted"),
          left_out_(context.prompts_dir, "xmpp.yaml", "messages", "file_left_out"),
          left_out_link_(context.prompts_dir, "xmpp.yaml", "messages", "file_left_out_link"),
          file_word_(context.prompts_dir, "xmpp.yaml", "messages", "file_name"),
          unnamed_word_(context.prompts_dir, "xmpp.yaml", "messages", "unnamed_file"),
          upload_(settings_.name),
          ids_path_(context.data_dir.empty() ? std::string()
                                             : (std::filesystem::path(context.data_dir) /
                                                ("xmpp-" + settings_.name + ".stanza-ids"))
                                                   .string()) {
        for (const auto& r : settings_.rooms) {
            Room room;
            room.jid = r.jid;
            room.track = r.track;
            rooms_.emplace(r.jid, std::move(room));
        }
        load_ids();
        std::call_once(strophe_init, [] { xmpp_initialize(); });
    }
    ~XmppConnector() override { stop(); }

    std::string name() const override { return settings_.name; }

    void start(core::EventSink& sink) override {
        std::lock_guard<std::mutex> lock(run_mu_);
        if (running_) return;
        if (thread_.joinable()) throw std::runtime_error("the XMPP connector cannot start again");
        sink_ = &sink;
        running_ = true;
        quit_ = false;
        {
            std::lock_guard<std::mutex> q(queue_mu_);
            accepting_ = true;
        }
        // Fetches linked files and PUTs uploads (XEP-0363); completions come back to the
        // connector's thread through its task queue.
        http_ = std::make_unique<runtime::HttpClient>(runtime::Transport{"", settings_.tls_ca_file},
                                                      [this](std::function<void()> f) {
                                                          std::lock_guard<std::mutex> q(queue_mu_);
                                                          tasks_.push_back(std::move(f));
                                                          queue_cv_.notify_all();
                                                      });
        spdlog::info("xmpp {}: connecting as {} to {}", settings_.name, settings_.jid, where());
        thread_ = std::thread([this] { run(); });
    }

    void stop() override {
        {
            std::lock_guard<std::mutex> lock(run_mu_);
            if (!running_) return;
            running_ = false;
        }
        quit_ = true;
        queue_cv_.notify_all();
        if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
    }

    void send(const core::Post& post, core::SendDone done) override {
        {
            std::lock_guard<std::mutex> lock(queue_mu_);
            if (accepting_) {
                queue_.push_back({post, std::move(done)});
                queue_cv_.notify_all();
                return;
            }
        }
        if (done) done({false, "", "XMPP connector " + settings_.name + " is not running", true});
    }

    bool connected() const override { return online_; }

    /// XEP-0308 corrections and XEP-0424 retractions of its own messages.
    core::PostAbilities abilities() const override { return {true, true, false}; }
    /// XEP-0066 links are reported as files; those on the upload service's hosts are
    /// fetched when at most `bytes`.
    void fetch_files_up_to(std::uint64_t bytes) override { file_limit_ = bytes; }
    /// Attachments go up to the server's XEP-0363 upload service (connectors/xmpp/
    /// http_upload.hpp) and out as their link; one the service refuses goes as a line
    /// with its name (and its link, which the bridge adds).
    bool shows_images() const override { return true; }
    bool shows_files() const override { return true; }
    bool wants_file_links() const override { return true; }

    XmppStatus status() const {
        std::lock_guard<std::mutex> lock(status_mu_);
        return status_;
    }

  private:
    std::string where() const {
        if (settings_.server.empty()) return jid_domain(settings_.jid);
        return settings_.server + (settings_.port ? ":" + std::to_string(settings_.port) : "");
    }

    // --- the id file -----------------------------------------------------------------

    /// Reads the pairs kept before a restart; a file that cannot be read is logged and
    /// left alone (it is written anew once the connector learns a pair).
    void load_ids() {
        if (ids_path_.empty()) return;
        std::size_t count = 0;
        std::string error;
        try {
            error = read_ids(ids_path_, rooms_, count);
        } catch (const std::exception& e) {
            error = std::string("reading ") + ids_path_ + " failed: " + e.what();
        }
        if (!error.empty()) {
            for (auto& [jid, room] : rooms_) {
                Room fresh;
                fresh.jid = room.jid;
                fresh.track = room.track;
                room = std::move(fresh);
            }
            count = 0;
            spdlog::warn(
                "xmpp {}: ignored the stanza-id file ({}); retractions and replies "
                "of older messages name their own ids",
                settings_.name, error);
        }
        std::lock_guard<std::mutex> lock(status_mu_);
        status_.ids_restored = static_cast<int>(count);
        if (!error.empty()) ++status_.id_file_errors;
    }

    /// Writes the id file if something changed, at most every kIdFileEvery unless `now`.
    void save_ids(bool now) {
        if (!ids_dirty_ || ids_path_.empty()) return;
        if (!now && SteadyClock::now() < ids_due_) return;
        ids_dirty_ = false;
        ids_due_ = SteadyClock::now() + kIdFileEvery;
        const std::string error = write_ids(ids_path_, rooms_);
        if (error.empty()) {
            if (ids_failing_) spdlog::info("xmpp {}: wrote {} again", settings_.name, ids_path_);
            ids_failing_ = false;
            return;
        }
        if (!ids_failing_) spdlog::warn("xmpp {}: {}", settings_.name, error);
        ids_failing_ = true;
        std::lock_guard<std::mutex> lock(status_mu_);
        ++status_.id_file_errors;
    }

    // --- the thread ------------------------------------------------------------------

    void run() {
        log_.handler = &XmppConnector::on_log;
        log_.userdata = this;
        ctx_ = xmpp_ctx_new(nullptr, &log_);
        upload_.use(
            ctx_,
            [this](xmpp_stanza_t* stanza) {
                if (conn_ == nullptr || !online_ || dead_) return false;
                xmpp_send(conn_, stanza);
                return true;
            },
            http_.get(), [this](const UploadService& service) { found_service(service); });
        try {
            loop();
            shutdown();
        } catch (const std::exception& e) {
            spdlog::error("xmpp {}: stopped by an error: {}", settings_.name, e.what());
        } catch (...) {
            spdlog::error("xmpp {}: stopped by an unknown error", settings_.name);
        }
        try {
            save_ids(true);
        } catch (...) {
            spdlog::error("xmpp {}: could not write {}", settings_.name, ids_path_);
        }
        if (http_) http_->shutdown();  // no completion comes after this
        fail_uploads("XMPP connector " + settings_.name + " stopped before sending");
        {
            std::lock_guard<std::mutex> q(queue_mu_);
            tasks_.clear();
        }
        // Messages still waiting for a file go on with their links, in order.
        held_.release_all();
        if (conn_ != nullptr) {
            xmpp_conn_release(conn_);
            conn_ = nullptr;
        }
        online_ = false;
        xmpp_ctx_free(ctx_);
        ctx_ = nullptr;
        std::deque<Outgoing> left;
        {
            std::lock_guard<std::mutex> lock(queue_mu_);
            accepting_ = false;
            left.swap(queue_);
        }
        for (auto& o : left) {
            if (o.done) {
                o.done({false, "", "XMPP connector " + settings_.name + " stopped before sending",
                        true});
            }
        }
    }

    void loop() {
        while (!quit_) {
            std::deque<Outgoing> work;
            std::deque<std::function<void()>> tasks;
            {
                std::unique_lock<std::mutex> lock(queue_mu_);
                if (conn_ == nullptr && queue_.empty() && tasks_.empty() && !quit_) {
                    // Nothing for libstrophe to watch: wait for a post, a stop or the
                    // next attempt.
                    const auto wait = std::min<SteadyClock::duration>(
                        100ms,
                        std::max<SteadyClock::duration>(0ms, next_attempt_ - SteadyClock::now()));
                    queue_cv_.wait_for(lock, wait);
                }
                work.swap(queue_);
                tasks.swap(tasks_);
            }
            for (auto& t : tasks) t();
            for (auto& o : work) submit(std::move(o));
            run_timers();
            if (dead_) reap();
            if (quit_) break;
            if (conn_ == nullptr && SteadyClock::now() >= next_attempt_) connect();
            tick_rooms();
            tick_ping();
            upload_.tick(SteadyClock::now());
            save_ids(false);
            if (conn_ != nullptr) xmpp_run_once(ctx_, 100);
        }
    }

    void shutdown() {
        if (conn_ == nullptr) return;
        if (online_) {
            xmpp_stanza_t* p = xmpp_presence_new(ctx_);
            xmpp_stanza_set_type(p, "unavailable");
            xmpp_send(conn_, p);
            xmpp_stanza_release(p);
        }
        if (!dead_) xmpp_disconnect(conn_);
        const auto deadline = SteadyClock::now() + 2s;
        while (!dead_ && SteadyClock::now() < deadline) xmpp_run_once(ctx_, 50);
        online_ = false;
    }

    void connect() {
        dead_ = false;
        auth_failed_ = false;
        tls_refused_ = false;
        ping_out_ = false;
        ping_dead_ = false;
        signing_in_since_ = SteadyClock::now();
        conn_ = xmpp_conn_new(ctx_);
        long flags = XMPP_CONN_FLAG_DISABLE_SM;
        if (settings_.tls == TlsMode::required) flags |= XMPP_CONN_FLAG_MANDATORY_TLS;
        xmpp_conn_set_flags(conn_, flags);
        const std::string full = settings_.jid + "/" + settings_.resource;
        xmpp_conn_set_jid(conn_, full.c_str());
        xmpp_conn_set_pass(conn_, settings_.password.reveal().c_str());
        if (!settings_.tls_ca_file.empty()) {
            xmpp_conn_set_cafile(conn_, settings_.tls_ca_file.c_str());
        }
        xmpp_conn_set_sockopt_callback(conn_, xmpp_sockopt_cb_keepalive);
        xmpp_handler_add(conn_, &XmppConnector::on_message_cb, nullptr, "message", nullptr, this);
        xmpp_handler_add(conn_, &XmppConnector::on_presence_cb, nullptr, "presence", nullptr, this);
        xmpp_handler_add(conn_, &XmppConnector::on_ping_cb, kPingNs, "iq", "get", this);
        xmpp_handler_add(conn_, &XmppConnector::on_any_cb, nullptr, nullptr, nullptr, this);
        xmpp_handler_add(conn_, &XmppConnector::on_iq_cb, nullptr, "iq", nullptr, this);
        {
            std::lock_guard<std::mutex> lock(status_mu_);
            ++status_.attempts;
        }
        const int rc = xmpp_connect_client(
            conn_, settings_.server.empty() ? nullptr : settings_.server.c_str(),
            static_cast<unsigned short>(settings_.port), &XmppConnector::on_conn_cb, this);
        if (rc != XMPP_EOK) {
            dead_ = true;
            why_ = "cannot start connecting to " + where();
        }
    }

    // The connection ended or an attempt failed: release it, plan the next attempt.
    void reap() {
        dead_ = false;
        const bool was_online = online_;
        online_ = false;
        if (conn_ != nullptr) {
            xmpp_conn_release(conn_);
            conn_ = nullptr;
        }
        for (auto& [_, room] : rooms_) {
            room.state = Room::State::away;
            room.occupants.clear();
        }
        upload_.reset("the connection ended");
        {
            std::lock_guard<std::mutex> lock(status_mu_);
            status_.online = false;
            status_.live.clear();
        }
        if (quit_) return;
        const auto delay = backoff_.next_delay(SteadyClock::now());
        next_attempt_ = SteadyClock::now() + delay;
        {
            std::lock_guard<std::mutex> lock(status_mu_);
            status_.delays_ms.push_back(static_cast<long long>(delay.count()));
        }
        const double seconds = static_cast<double>(delay.count()) / 1000.0;
        if (auth_failed_) {
            {
                std::lock_guard<std::mutex> lock(status_mu_);
                ++status_.auth_failures;
            }
            spdlog::error(
                "xmpp {}: the server refused the login of {} (wrong password or no such "
                "account; check the account and the password: variable); trying again in "
                "{:.1f} s",
                settings_.name, settings_.jid, seconds);
        } else if (tls_refused_) {
            spdlog::error("xmpp {}: {} ({}); trying again in {:.1f} s", settings_.name, why_,
                          settings_.tls == TlsMode::required
                              ? "tls: required; with a private CA give its file under tls_ca_file:"
                              : "check the server's certificate",
                          seconds);
        } else {
            spdlog::warn("xmpp {}: {}; reconnecting in {:.1f} s{}", settings_.name, why_, seconds,
                         was_online ? " (posts meanwhile fail and are retried)" : "");
        }
    }

    // XEP-0199: after ping_interval without a stanza from the server, a ping; no answer
    // within ping_interval more (a server stopped, a link that silently went away, which
    // TCP keep-alive notices only after minutes): the link is dropped and made again. A
    // sign-in that hangs as long as two intervals (at least 10 s) is given up the same way.
    void tick_ping() {
        const auto interval = settings_.ping_interval;
        if (conn_ == nullptr || dead_ || ping_dead_ || interval.count() <= 0) return;
        const auto now = SteadyClock::now();
        const auto seconds = [](SteadyClock::duration d) {
            return std::chrono::duration<double>(d).count();
        };
        if (!online_) {
            const auto limit = std::max<SteadyClock::duration>(2 * interval, 10s);
            if (now - signing_in_since_ >= limit) {
                ping_dead_ = true;
                ping_why_ = "no sign-in at " + where() + " within " +
                            std::to_string(static_cast<int>(seconds(limit))) + " s";
                xmpp_disconnect(conn_);
            }
            return;
        }
        if (!ping_out_ && now - last_heard_ >= interval) {
            const std::string id = "ping-" + new_id();
            xmpp_stanza_t* iq = xmpp_iq_new(ctx_, "get", id.c_str());
            xmpp_stanza_set_to(iq, jid_domain(settings_.jid).c_str());
            add_child(ctx_, iq, "ping", kPingNs);
            xmpp_send(conn_, iq);
            xmpp_stanza_release(iq);
            ping_out_ = true;
            ping_sent_ = now;
            std::lock_guard<std::mutex> lock(status_mu_);
            ++status_.pings;
        } else if (ping_out_ && now - ping_sent_ >= interval) {
            ping_dead_ = true;
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.1f", seconds(now - ping_sent_));
            ping_why_ = std::string("no answer to a ping for ") + buf + " s (a silent link)";
            spdlog::warn("xmpp {}: {}; dropping the connection", settings_.name, ping_why_);
            {
                std::lock_guard<std::mutex> lock(status_mu_);
                ++status_.dead_links;
            }
            // Closes the stream; libstrophe resets the socket 2 s later at the latest.
            xmpp_disconnect(conn_);
        }
    }

    void tick_rooms() {
        if (!online_) return;
        const auto now = SteadyClock::now();
        for (auto& [jid, room] : rooms_) {
            if (room.state == Room::State::occupant && now - room.since >= settings_.join_grace) {
                spdlog::info("xmpp {}: no subject from {} after joining; taking it as live",
                             settings_.name, jid);
                go_live(room);
            } else if (room.state == Room::State::away && now >= room.since) {
                join(room);
            }
        }
    }

    void join(Room& room) {
        if (room.nick.empty()) room.nick = settings_.nick;
        room.state = Room::State::joining;
        room.since = SteadyClock::now();
        room.occupants.clear();
        xmpp_stanza_t* p = xmpp_presence_new(ctx_);
        const std::string to = room.jid + "/" + room.nick;
        xmpp_stanza_set_to(p, to.c_str());
        xmpp_stanza_t* x = add_child(ctx_, p, "x", kMucNs);
        xmpp_stanza_t* h = add_child(ctx_, x, "history", nullptr);
        const std::string n = std::to_string(std::max(0, settings_.join_history));
        xmpp_stanza_set_attribute(h, "maxstanzas", n.c_str());
        xmpp_send(conn_, p);
        xmpp_stanza_release(p);
    }

    void go_live(Room& room) {
        room.state = Room::State::live;
        spdlog::info("xmpp {}: joined {} as {}", settings_.name, room.jid, room.nick);
        std::lock_guard<std::mutex> lock(status_mu_);
        auto& live = status_.live;
        if (std::find(live.begin(), live.end(), room.jid) == live.end()) live.push_back(room.jid);
    }

    // --- libstrophe callbacks --------------------------------------------------------

    static void on_log(void* self, xmpp_log_level_t level, const char* area, const char* msg) {
        auto* c = static_cast<XmppConnector*>(self);
        if (msg == nullptr) return;
        const std::string text(msg);
        if (text.find("auth failed") != std::string::npos ||
            text.find("Cannot authenticate") != std::string::npos ||
            text.find("not-authorized") != std::string::npos) {
            c->auth_failed_ = true;
        }
        if (text.find("certfail") != std::string::npos || text.find("TLS") != std::string::npos ||
            text.find("certificate") != std::string::npos) {
            if (level >= XMPP_LEVEL_WARN) c->tls_refused_ = true;
        }
        if (level < XMPP_LEVEL_WARN) return;  // debug lines carry stanzas, SASL included
        std::string line = text;
        const std::string& secret = c->settings_.password.reveal();
        if (!secret.empty()) {
            for (auto p = line.find(secret); p != std::string::npos; p = line.find(secret, p)) {
                line.replace(p, secret.size(), "***");
            }
        }
        spdlog::debug("xmpp {}: libstrophe {}: {}", c->settings_.name, area ? area : "", line);
    }

    static void on_conn_cb(xmpp_conn_t*, xmpp_conn_event_t event, int error,
                           xmpp_stream_error_t* stream_error, void* self) {
        auto* c = static_cast<XmppConnector*>(self);
        try {
            c->on_conn(event, error, stream_error);
        } catch (const std::exception& e) {
            spdlog::error("xmpp {}: {}", c->settings_.name, e.what());
            c->dead_ = true;
        }
    }

    void on_conn(xmpp_conn_event_t event, int error, xmpp_stream_error_t* stream_error) {
        if (event == XMPP_CONN_CONNECT) {
            const char* bound = xmpp_conn_get_bound_jid(conn_);
            bound_ = bound ? bound : settings_.jid;
            online_ = true;
            last_heard_ = SteadyClock::now();
            ping_out_ = false;
            backoff_.connected(SteadyClock::now());
            {
                std::lock_guard<std::mutex> lock(status_mu_);
                status_.online = true;
                status_.bound_jid = bound_;
                ++status_.connections;
            }
            spdlog::info("xmpp {}: signed in as {}{}", settings_.name, bound_,
                         xmpp_conn_is_secured(conn_) ? " (TLS)" : " (no TLS)");
            xmpp_stanza_t* p = xmpp_presence_new(ctx_);
            xmpp_send(conn_, p);
            xmpp_stanza_release(p);
            upload_.discover(jid_domain(settings_.jid));
            for (auto& [_, room] : rooms_) {
                room.nick = settings_.nick;
                room.nick_tries = 0;
                join(room);
            }
            return;
        }
        if (event == XMPP_CONN_RAW_CONNECT) return;
        dead_ = true;
        if (stream_error != nullptr) {
            why_ = "the server ended the stream";
            if (stream_error->type == XMPP_SE_NOT_AUTHORIZED) auth_failed_ = true;
            if (stream_error->type == XMPP_SE_CONFLICT) {
                why_ += " (conflict: another client signed in with resource " + settings_.resource +
                        ")";
            }
            if (stream_error->text != nullptr) why_ += std::string(": ") + stream_error->text;
        } else if (error != 0) {
            why_ = (online_ ? "connection lost: " : "cannot connect to " + where() + ": ") +
                   std::string(std::strerror(error));
        } else {
            why_ = online_ ? "the server closed the connection" : "could not sign in at " + where();
        }
        if (ping_dead_) why_ = ping_why_;
    }

    // Every stanza from the server shows the link is alive.
    static int on_any_cb(xmpp_conn_t*, xmpp_stanza_t*, void* self) {
        auto* c = static_cast<XmppConnector*>(self);
        c->last_heard_ = SteadyClock::now();
        c->ping_out_ = false;
        return 1;
    }

    // XEP-0199: a ping from the server (or anyone) is answered.
    static int on_ping_cb(xmpp_conn_t*, xmpp_stanza_t* stanza, void* self) {
        auto* c = static_cast<XmppConnector*>(self);
        if (c->conn_ == nullptr || child(stanza, "ping", kPingNs) == nullptr) return 1;
        const std::string id = attr(stanza, "id");
        xmpp_stanza_t* result = xmpp_iq_new(c->ctx_, "result", id.c_str());
        const std::string from = attr(stanza, "from");
        if (!from.empty()) xmpp_stanza_set_to(result, from.c_str());
        xmpp_send(c->conn_, result);
        xmpp_stanza_release(result);
        return 1;
    }

    static int on_presence_cb(xmpp_conn_t*, xmpp_stanza_t* stanza, void* self) {
        auto* c = static_cast<XmppConnector*>(self);
        try {
            c->on_presence(stanza);
        } catch (const std::exception& e) {
            spdlog::error("xmpp {}: presence ignored: {}", c->settings_.name, e.what());
        }
        return 1;
    }

    void on_presence(xmpp_stanza_t* stanza) {
        const std::string from = attr(stanza, "from");
        auto it = rooms_.find(core::ascii_lower(bare_jid(from)));
        if (it == rooms_.end()) return;
        Room& room = it->second;
        const std::string nick = jid_resource(from);
        const std::string type = attr(stanza, "type");
        xmpp_stanza_t* x = child(stanza, "x", kMucUserNs);
        const bool self = has_status(x, "110") || (!nick.empty() && nick == room.nick);
        if (type == "error") {
            if (room.state == Room::State::live || nick != room.nick) return;
            xmpp_stanza_t* err = xmpp_stanza_get_child_by_name(stanza, "error");
            std::string condition;
            for (xmpp_stanza_t* e = err ? xmpp_stanza_get_children(err) : nullptr; e;
                 e = xmpp_stanza_get_next(e)) {
                if (xmpp_stanza_is_tag(e) && xmpp_stanza_get_name(e) != nullptr &&
                    std::strcmp(xmpp_stanza_get_name(e), "text") != 0) {
                    condition = xmpp_stanza_get_name(e);
                    break;
                }
            }
            if (condition == "conflict" && room.nick_tries < 3) {
                ++room.nick_tries;
                const std::string next = room.nick + "_";
                spdlog::warn("xmpp {}: nick {} is taken in {}, trying {}", settings_.name,
                             room.nick, room.jid, next);
                room.nick = next;
                join(room);
                return;
            }
            spdlog::error("xmpp {}: cannot join {} ({}); trying again in 60 s", settings_.name,
                          room.jid, condition.empty() ? "error" : condition);
            room.state = Room::State::away;
            room.since = SteadyClock::now() + 60s;
            return;
        }
        xmpp_stanza_t* item = x ? xmpp_stanza_get_child_by_name(x, "item") : nullptr;
        if (type == "unavailable") {
            if (!self) {
                room.occupants.erase(nick);
                return;
            }
            if (quit_) return;           // our own goodbye on stop
            if (has_status(x, "303")) {  // our nick changed
                room.nick = attr(item, "nick").empty() ? room.nick : attr(item, "nick");
                return;
            }
            spdlog::warn("xmpp {}: left {} (removed by the room); joining again in 10 s",
                         settings_.name, room.jid);
            room.state = Room::State::away;
            room.since = SteadyClock::now() + 10s;
            std::lock_guard<std::mutex> lock(status_mu_);
            auto& live = status_.live;
            live.erase(std::remove(live.begin(), live.end(), room.jid), live.end());
            return;
        }
        if (!self) {
            const std::string real = attr(item, "jid");
            if (!real.empty()) room.occupants[nick] = core::ascii_lower(bare_jid(real));
            return;
        }
        if (room.state == Room::State::joining) {
            room.state = Room::State::occupant;
            room.since = SteadyClock::now();
            room.nick = nick.empty() ? room.nick : nick;
            if (has_status(x, "201")) accept_default_configuration(room);
        }
    }

    // A room the bot created: it stays locked until its owner accepts a configuration
    // (XEP-0045 10.1.2, an instant room).
    void accept_default_configuration(const Room& room) {
        spdlog::info("xmpp {}: created room {} with the server's default configuration",
                     settings_.name, room.jid);
        char* id = xmpp_uuid_gen(ctx_);
        xmpp_stanza_t* iq = xmpp_iq_new(ctx_, "set", id ? id : "create");
        if (id) xmpp_free(ctx_, id);
        xmpp_stanza_set_to(iq, room.jid.c_str());
        xmpp_stanza_t* q = add_child(ctx_, iq, "query", kMucOwnerNs);
        xmpp_stanza_t* form = add_child(ctx_, q, "x", "jabber:x:data");
        xmpp_stanza_set_type(form, "submit");
        xmpp_send(conn_, iq);
        xmpp_stanza_release(iq);
    }

    static int on_message_cb(xmpp_conn_t*, xmpp_stanza_t* stanza, void* self) {
        auto* c = static_cast<XmppConnector*>(self);
        try {
            c->on_message(stanza);
        } catch (const std::exception& e) {
            spdlog::error("xmpp {}: message ignored: {}", c->settings_.name, e.what());
        }
        return 1;
    }

    /// The XEP-0359 stanza-id `by` gave the message; "" when none.
    static std::string stanza_id(xmpp_stanza_t* stanza, const std::string& by) {
        for (xmpp_stanza_t* c = xmpp_stanza_get_children(stanza); c; c = xmpp_stanza_get_next(c)) {
            const char* n = xmpp_stanza_get_name(c);
            const char* ns = xmpp_stanza_get_ns(c);
            if (n == nullptr || ns == nullptr || std::strcmp(n, "stanza-id") != 0 ||
                std::strcmp(ns, kSidNs) != 0) {
                continue;
            }
            if (core::ascii_lower(attr(c, "by")) == by && !attr(c, "id").empty()) {
                return attr(c, "id");
            }
        }
        return {};
    }

    /// The XEP-0359 stanza-id `by` gives, else the sender's id, else a counter.
    std::string message_key(xmpp_stanza_t* stanza, const std::string& by, const std::string& from) {
        const std::string sid = stanza_id(stanza, by);
        if (!sid.empty()) return "sid:" + by + ":" + sid;
        const std::string id = attr(stanza, "id");
        if (!id.empty()) return "id:" + normal_jid(from) + ":" + id;
        return "n:" + std::to_string(started_ms_) + ":" + std::to_string(++in_counter_);
    }
    // Strips "nick:" / "nick," (also the full-width ： and ，) from the start of `text`.
    static bool strip_mention(std::string& text, const std::string& nick) {
        if (nick.empty() || text.size() <= nick.size()) return false;
        if (core::ascii_lower(text.substr(0, nick.size())) != core::ascii_lower(nick)) {
            return false;
        }
        std::string_view rest = std::string_view(text).substr(nick.size());
        for (const char* p : {":", ",", "\xEF\xBC\x9A", "\xEF\xBC\x8C"}) {
            const std::string_view ps(p);
            if (rest.substr(0, ps.size()) == ps) {
                rest.remove_prefix(ps.size());
                text = std::string(core::trim(rest));
                return true;
            }
        }
        return false;
    }

    /// What a message does to an earlier one: corrects it (XEP-0308, by the sender's id),
    /// retracts it (XEP-0424, `urn:xmpp:message-retract:1`, or the older fastened
    /// `:0`), answers it (XEP-0461); empty where it does not.
    struct Refers {
        std::string replaces;
        std::string retracts;
        std::string replies_to;
    };

    static Refers refers_of(xmpp_stanza_t* stanza) {
        Refers r;
        r.replaces = attr(child(stanza, "replace", kCorrectNs), "id");
        if (xmpp_stanza_t* retract = child(stanza, "retract", kRetractNs)) {
            r.retracts = attr(retract, "id");
        } else if (xmpp_stanza_t* fasten = child(stanza, "apply-to", kFastenNs);
                   fasten != nullptr && child(fasten, "retract", kRetractOldNs) != nullptr) {
            r.retracts = attr(fasten, "id");
        }
        r.replies_to = attr(child(stanza, "reply", kReplyNs), "id");
        return r;
    }

    /// The body without the quote a XEP-0461 reply carries for clients without replies
    /// (its XEP-0428 fallback range).
    static std::string reply_text(xmpp_stanza_t* stanza, const std::string& text) {
        for (xmpp_stanza_t* c = xmpp_stanza_get_children(stanza); c; c = xmpp_stanza_get_next(c)) {
            const char* n = xmpp_stanza_get_name(c);
            const char* ns = xmpp_stanza_get_ns(c);
            if (n == nullptr || ns == nullptr || std::strcmp(n, "fallback") != 0 ||
                std::strcmp(ns, kFallbackNs) != 0 || attr(c, "for") != kReplyNs) {
                continue;
            }
            xmpp_stanza_t* range = xmpp_stanza_get_child_by_name(c, "body");
            const std::string start = attr(range, "start");
            const std::string end = attr(range, "end");
            if (start.empty() || end.empty()) return text;
            try {
                return without_fallback(text, std::stoul(start), std::stoul(end));
            } catch (const std::exception&) {
                return text;
            }
        }
        return text;
    }

    void on_message(xmpp_stanza_t* stanza) {
        if (sink_ == nullptr) return;
        std::string type = attr(stanza, "type");
        if (type.empty()) type = "normal";
        if (type == "error" || type == "headline") return;
        const std::string from = attr(stanza, "from");
        if (from.empty()) return;
        const std::string bare = core::ascii_lower(bare_jid(from));
        const std::string nick = jid_resource(from);
        const std::string id = attr(stanza, "id");
        xmpp_stanza_t* body_el = xmpp_stanza_get_child_by_name(stanza, "body");
        const Refers refers = refers_of(stanza);
        const bool retraction = !refers.retracts.empty();
        const bool has_body = body_el != nullptr;
        // A retraction's body is the fallback for clients without retractions.
        std::string text = retraction ? std::string() : text_of(body_el);
        if (!refers.replies_to.empty()) text = reply_text(stanza, text);
        xmpp_stanza_t* delay = child(stanza, "delay", kDelayNs);
        auto room_it = rooms_.find(bare);

        core::Event event;
        event.kind = core::EventKind::message;
        if (type == "groupchat") {
            if (room_it == rooms_.end()) return;
            Room& room = room_it->second;
            if (xmpp_stanza_get_child_by_name(stanza, "subject") != nullptr && !has_body &&
                !retraction) {
                // The subject ends the join burst (XEP-0045 7.2.15).
                if (room.state == Room::State::joining || room.state == Room::State::occupant) {
                    go_live(room);
                }
                return;
            }
            if ((!has_body && !retraction) || nick.empty()) return;
            if (!retraction && room.remember(id, stanza_id(stanza, room.jid), nick)) {
                ids_dirty_ = true;
            }
            if (nick == room.nick) {
                std::lock_guard<std::mutex> lock(status_mu_);
                ++status_.own_skipped;
                return;
            }
            if (delay != nullptr || room.state != Room::State::live) {
                spdlog::debug("xmpp {}: history from {} not answered", settings_.name, from);
                std::lock_guard<std::mutex> lock(status_mu_);
                ++status_.history_skipped;
                return;
            }
            auto real = room.occupants.find(nick);
            const std::string user = real != room.occupants.end() ? real->second : from;
            event.id = settings_.name + ":" + message_key(stanza, room.jid, from);
            event.where = {settings_.name, room.jid, ""};
            event.who = {settings_.name, user, nick};
            if (retraction) {
                event.kind = core::EventKind::remove;
                event.target = room.id_of(refers.retracts);
            } else if (!refers.replaces.empty()) {
                event.kind = core::EventKind::edit;
                event.target = refers.replaces;
            }
            if (event.kind != core::EventKind::message) {
                // Only the writer changes a message: not someone else under its id.
                auto author = room.nick_by_id.find(event.target);
                if (author != room.nick_by_id.end() && author->second != nick) {
                    spdlog::warn("xmpp {}: {} tried to change a message of {} in {}; ignored",
                                 settings_.name, nick, author->second, room.jid);
                    return;
                }
            }
            if (!refers.replies_to.empty()) event.reply_to = room.id_of(refers.replies_to);
            if (event.kind == core::EventKind::message && !(!text.empty() && text.front() == '!')) {
                event.addressed =
                    strip_mention(text, room.nick) ||
                    (room.nick != settings_.nick && strip_mention(text, settings_.nick));
            }
        } else {
            if (!has_body && !retraction) return;                  // chat states, receipts
            if (bare == core::ascii_lower(settings_.jid)) return;  // ourselves
            if (child(stanza, "x", "jabber:x:conference") != nullptr) return;  // invitations
            const std::string own = core::ascii_lower(settings_.jid);
            event.id = settings_.name + ":" + message_key(stanza, own, from);
            if (room_it != rooms_.end()) {
                // A private message from a room's occupant: answered to them in the room.
                auto real = room_it->second.occupants.find(nick);
                const std::string user =
                    real != room_it->second.occupants.end() ? real->second : bare + "/" + nick;
                event.where = {settings_.name, "@" + bare + "/" + nick, ""};
                event.who = {settings_.name, user, nick};
            } else {
                const auto at = bare.find('@');
                event.where = {settings_.name, "@" + bare, ""};
                event.who = {settings_.name, bare,
                             at == std::string::npos ? bare : bare.substr(0, at)};
            }
            event.direct = true;
            if (retraction) {
                event.kind = core::EventKind::remove;
                event.target = refers.retracts;
            } else if (!refers.replaces.empty()) {
                event.kind = core::EventKind::edit;
                event.target = refers.replaces;
            }
            event.reply_to = refers.replies_to;
        }
        if (!recent_.first(event.id)) {
            std::lock_guard<std::mutex> lock(status_mu_);
            ++status_.repeats;
            return;
        }
        event.text = std::move(text);
        std::optional<long long> at;
        if (delay != nullptr) at = parse_stamp(attr(delay, "stamp"));
        event.at = at ? core::from_millis(*at) : clock_->now();
        event.extra = {{"message_id", id}, {"xmpp_from", from}, {"xmpp_type", type}};
        std::vector<core::EventFile> files;
        if (file_limit_ > 0 && type == "groupchat" && event.kind == core::EventKind::message) {
            files = linked_files(stanza, event.text);
        }
        push_event(std::move(event), std::move(files));
    }

    // --- files people link to (bridged rooms) -------------------------------------------
    //
    // A linked file on the upload service's hosts (upload_hosts) is fetched with the
    // connector runtime's HTTP client, when at most fetch_files_up_to() bytes (the
    // Content-Length, and the bytes as they are read); any other link stays a link, so
    // the bot never fetches an address a person made up. The room's later messages wait
    // for the file, so every message arrives in order; other rooms do not wait
    // (runtime::HeldEvents). When the connector stops, they go on at once with the links.
    void push_event(core::Event event, std::vector<core::EventFile> files) {
        std::vector<std::size_t> wanted;
        for (std::size_t i = 0; i < files.size(); ++i) {
            if (http_ &&
                on_upload_host(files[i].url, upload_hosts(), settings_.upload_hosts.has_value()))
                wanted.push_back(i);
        }
        const auto ticket = held_.hold(std::move(event), files, wanted.size());
        if (ticket == 0 && !wanted.empty()) {
            spdlog::warn(
                "xmpp {}: {} files are being fetched already; the links of a message go on "
                "unfetched",
                settings_.name, held_.downloads());
        }
        if (ticket == 0) return;
        for (std::size_t i : wanted) {
            runtime::Request req;
            req.url = files[i].url;
            req.timeout = std::chrono::seconds(60);
            req.max_body = static_cast<std::size_t>(file_limit_);
            http_->send(std::move(req), [this, ticket, i, file = files[i]](runtime::Result r) {
                on_fetched(ticket, i, file, std::move(r));
            });
        }
    }

    void on_fetched(runtime::HeldEvents::Ticket ticket, std::size_t i, core::EventFile file,
                    runtime::Result r) {
        if (!held_.waiting(ticket)) return;
        if (r.ok()) {
            file.data = std::move(r.body);
            file.size = file.data.size();
            const std::string type = runtime::media_type_of(r.header("content-type"));
            if (!type.empty() && type != "application/octet-stream") file.mime = type;
            std::lock_guard<std::mutex> lock(status_mu_);
            ++status_.files_fetched;
        } else {
            spdlog::warn("xmpp {}: the linked file {} was not fetched ({}); the link goes on",
                         settings_.name, file.name, r.error);
        }
        held_.done(ticket, i, std::move(file));
    }

    // A room message's XEP-0066 out-of-band links (<x xmlns='jabber:x:oob'><url/></x>,
    // what clients send for a XEP-0363 upload) as its files: a link anyone may open, the
    // name from its path. A body that is the link itself (the fallback for clients
    // without XEP-0066) is not repeated as text.
    static std::vector<core::EventFile> linked_files(xmpp_stanza_t* stanza, std::string& text) {
        std::vector<core::EventFile> files;
        for (xmpp_stanza_t* c = xmpp_stanza_get_children(stanza); c != nullptr;
             c = xmpp_stanza_get_next(c)) {
            const char* name = xmpp_stanza_get_name(c);
            const char* ns = xmpp_stanza_get_ns(c);
            if (name == nullptr || ns == nullptr || std::strcmp(name, "x") != 0 ||
                std::strcmp(ns, "jabber:x:oob") != 0) {
                continue;
            }
            core::EventFile file;
            file.url = text_of(xmpp_stanza_get_child_by_name(c, "url"));
            if (file.url.rfind("https://", 0) != 0 && file.url.rfind("http://", 0) != 0) continue;
            std::string path = file.url.substr(0, file.url.find_first_of("?#"));
            file.name = path.substr(path.rfind('/') + 1);
            const std::string ext = runtime::extension_of(file.name);
            if (ext == "png" || ext == "gif" || ext == "webp") {
                file.mime = "image/" + ext;
            } else if (ext == "jpg" || ext == "jpeg") {
                file.mime = "image/jpeg";
            }
            if (text == file.url) text.clear();
            files.push_back(std::move(file));
        }
        return files;
    }

    // --- XEP-0363 uploads (the work is in http_upload.cpp) ------------------------------

    // Answers to the uploader's disco and slot questions.
    static int on_iq_cb(xmpp_conn_t*, xmpp_stanza_t* stanza, void* self) {
        auto* c = static_cast<XmppConnector*>(self);
        const char* type = xmpp_stanza_get_type(stanza);
        if (type == nullptr ||
            (std::strcmp(type, "result") != 0 && std::strcmp(type, "error") != 0)) {
            return 1;
        }
        try {
            c->upload_.on_iq(stanza);
        } catch (const std::exception& e) {
            spdlog::error("xmpp {}: answer ignored: {}", c->settings_.name, e.what());
        }
        return 1;
    }

    // Without `upload_hosts:`, links are fetched from the upload service discovery found
    // (and the hosts of the get URLs it gave the bot): its address is its host, as for
    // Prosody's upload.example.com and ejabberd's upload.@HOST@.
    void found_service(const UploadService& service) {
        if (service.jid.empty()) return;
        learn_host(service.jid);
    }

    void learn_host(std::string host) {
        for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (std::find(found_hosts_.begin(), found_hosts_.end(), host) == found_hosts_.end()) {
            found_hosts_.push_back(host);
        }
    }

    const std::vector<std::string>& upload_hosts() const {
        return settings_.upload_hosts ? *settings_.upload_hosts : found_hosts_;
    }

    void fail_uploads(const std::string& why) {
        auto behind = outbound_.take_waiting();  // before the uploads' ends start them
        std::map<unsigned long long, core::SendDone> open;
        open.swap(uploading_);
        for (auto& [_, done] : open) {
            if (done) done({false, "", why, true});
        }
        refuse(behind, why);
        timed_.clear();
    }

    // Posts to one conversation go out in the order they came, one after the other
    // (runtime::SerialQueues keyed by the room or person): while a post's files go up
    // (discovery, a slot, a PUT), later posts to the same room or person wait behind it.
    void submit(Outgoing o) {
        auto out = std::make_shared<Outgoing>(std::move(o));
        outbound_.push(core::ascii_lower(out->post.to.channel),
                       [this, out](std::function<void()> finished) {
                           if (refusing_) {
                               if (out->done) out->done({false, "", *refusing_, true});
                               return finished();
                           }
                           deliver(out->post, [done = std::move(out->done),
                                               finished = std::move(finished)](core::SendResult r) {
                               if (done) done(std::move(r));
                               finished();
                           });
                       });
    }

    // Fails the posts of `jobs` (taken out of outbound_, in order), retryable, with `why`.
    void refuse(std::vector<runtime::SerialQueues::Job>& jobs, const std::string& why) {
        refusing_ = why;
        for (auto& job : jobs) job([] {});
        refusing_.reset();
    }

    // Runs the SerialQueues' timers that are due (on the loop's thread).
    void run_timers() {
        const auto now = SteadyClock::now();
        while (!timed_.empty() && timed_.begin()->first <= now) {
            auto f = std::move(timed_.begin()->second);
            timed_.erase(timed_.begin());
            f();
        }
    }

    // A post with attachments: each uploaded first, then the text goes and each file as a
    // message of its own with the get URL as body and a XEP-0066 <x xmlns='jabber:x:oob'>
    // so clients show it inline. A passing failure (no answer, the service busy, a PUT
    // without an answer or with a 5xx) sends nothing and fails the post for the outbox to
    // send again; a file refused for good (over max-file-size, a slot refused, a PUT
    // refused, no upload service) is named under the text instead (`file_left_out` of
    // xmpp.yaml, with the attachment's link when it has one).
    void upload_files(const core::Post& post, core::SendDone done) {
        const unsigned long long key = ++upload_seq_;
        uploading_.emplace(key, std::move(done));
        const std::string channel = core::ascii_lower(post.to.channel);
        // A file sent without a name goes up under the post's word for "file" (the get
        // URL's last part, which people see).
        std::vector<core::Attachment> files = post.attachments;
        const std::string post_locale = post.locale.empty() ? default_locale_ : post.locale;
        for (auto& f : files) {
            if (f.name.empty()) f.name = file_word_.in(post_locale, default_locale_);
        }
        upload_.upload(files, [this, key, post, channel](Uploaded up) {
            auto it = uploading_.find(key);
            if (it == uploading_.end()) return;
            core::SendDone finish = std::move(it->second);
            uploading_.erase(it);
            if (up.temporary) {
                spdlog::warn(
                    "xmpp {}: the files of a post to {} were not uploaded ({}); the "
                    "post is sent again later",
                    settings_.name, post.to.channel, up.why);
                // The posts behind it go back to the outbox too, so that it sends them
                // again after this one.
                auto behind = outbound_.take_waiting(channel);
                if (finish) finish({false, "", "XEP-0363 upload: " + up.why, true});
                refuse(behind, "waiting behind a post whose files did not go up: " + up.why);
                return;
            }
            core::Post rest = post;
            rest.attachments.clear();
            std::vector<std::string> urls;
            const std::string locale = post.locale.empty() ? default_locale_ : post.locale;
            for (std::size_t i = 0; i < post.attachments.size(); ++i) {
                const core::Attachment& a = post.attachments[i];
                if (!up.urls[i].empty()) {
                    urls.push_back(up.urls[i]);
                    std::string scheme, host;
                    int port = 0;
                    if (runtime::parse_http_url(up.urls[i], scheme, host, port)) learn_host(host);
                    continue;
                }
                const std::string name =
                    a.name.empty() ? unnamed_word_.in(locale, default_locale_) : a.name;
                std::string line;
                if (!a.link.empty() && left_out_link_.any()) {
                    line = left_out_link_.in_with(locale, default_locale_, "name", name);
                    for (auto at = line.find("{{url}}"); at != std::string::npos;
                         at = line.find("{{url}}", at + a.link.size())) {
                        line.replace(at, 7, a.link);
                    }
                } else {
                    line = left_out_.in_with(locale, default_locale_, "name", name);
                }
                if (!line.empty()) rest.text += (rest.text.empty() ? "" : "\n") + line;
            }
            {
                std::lock_guard<std::mutex> lock(status_mu_);
                status_.files_uploaded += static_cast<int>(urls.size());
                status_.files_left_out += static_cast<int>(post.attachments.size() - urls.size());
            }
            deliver(rest, std::move(finish), urls);  // then the posts behind it go
        });
    }

    // One message per uploaded file: its get URL as body and as XEP-0066 link. Returns the
    // first one's id ("" when none).
    std::string send_file_links(const char* type, const std::string& target, Room* room,
                                const std::vector<std::string>& urls) {
        std::string first;
        for (const auto& url : urls) {
            const std::string id = new_id();
            xmpp_stanza_t* m = new_message(type, target, id);
            xmpp_message_set_body(m, url.c_str());
            xmpp_stanza_t* x = add_child(ctx_, m, "x", "jabber:x:oob");
            xmpp_stanza_t* u = add_child(ctx_, x, "url", nullptr);
            xmpp_stanza_t* t = xmpp_stanza_new(ctx_);
            xmpp_stanza_set_text(t, url.c_str());
            xmpp_stanza_add_child(u, t);
            xmpp_stanza_release(t);
            if (room != nullptr && room->remember(id, "", room->nick)) ids_dirty_ = true;
            xmpp_send(conn_, m);
            xmpp_stanza_release(m);
            if (first.empty()) first = id;
        }
        return first;
    }

    // --- writing ---------------------------------------------------------------------

    std::string new_id() {
        char* uuid = xmpp_uuid_gen(ctx_);
        std::string id = uuid ? uuid : settings_.name + "-" + std::to_string(++out_counter_);
        if (uuid) xmpp_free(ctx_, uuid);
        return id;
    }

    /// A message with a fresh id that is also its XEP-0359 origin-id.
    xmpp_stanza_t* new_message(const char* type, const std::string& to, const std::string& id) {
        xmpp_stanza_t* m = xmpp_message_new(ctx_, type, to.c_str(), id.c_str());
        xmpp_stanza_t* origin = add_child(ctx_, m, "origin-id", kSidNs);
        xmpp_stanza_set_attribute(origin, "id", id.c_str());
        return m;
    }

    void deliver(const core::Post& post, core::SendDone done,
                 const std::vector<std::string>& file_urls = {}) {
        auto fail = [&](const std::string& error, bool retryable) {
            if (done) done({false, "", error, retryable});
        };
        if (quit_) return fail("XMPP connector " + settings_.name + " is stopping", true);
        const std::string& to = post.to.channel;
        std::string target;
        Room* room = nullptr;
        const char* type = "chat";
        if (to.size() > 1 && to.front() == '@') {
            target = to.substr(1);
            if (!valid_bare_jid(bare_jid(target))) {
                return fail("\"" + to + "\" is not @ and a JID", false);
            }
        } else {
            auto it = rooms_.find(core::ascii_lower(to));
            if (it == rooms_.end()) {
                return fail("\"" + to + "\" is not a room of XMPP connector " + settings_.name +
                                " (rooms are listed under channels:)",
                            false);
            }
            if (online_ && it->second.state != Room::State::live) {
                return fail("not in room " + to + " yet", true);
            }
            target = it->first;
            room = &it->second;
            type = "groupchat";
        }
        if (!online_) return fail("not connected to XMPP server " + where(), true);

        if (!post.deletes.empty()) {
            // XEP-0424: in a room the retraction names the room's stanza-id.
            xmpp_stanza_t* m = new_message(type, target, new_id());
            xmpp_stanza_t* r = add_child(ctx_, m, "retract", kRetractNs);
            const std::string ref = room ? room->sid_of(post.deletes) : post.deletes;
            xmpp_stanza_set_attribute(r, "id", ref.c_str());
            xmpp_stanza_t* fb = add_child(ctx_, m, "fallback", kFallbackNs);
            xmpp_stanza_set_attribute(fb, "for", kRetractNs);
            const std::string words =
                retracted_.in(post.locale.empty() ? default_locale_ : post.locale, default_locale_);
            if (!words.empty()) xmpp_message_set_body(m, words.c_str());
            add_child(ctx_, m, "store", kHintsNs);
            xmpp_send(conn_, m);
            xmpp_stanza_release(m);
            if (done) done({true, post.deletes, "", true});
            return;
        }

        // XEP-0308: a correction names the first message's id, however often corrected.
        // A new text longer than max_chars is split as a new post would be: the first
        // piece corrects the message, the rest follow as new messages, so nothing is cut
        // and no message goes over the server's limit.
        const std::string corrects = !post.edits.empty() ? post.edits : post.replaces;
        if (!post.attachments.empty() && corrects.empty()) {
            return upload_files(post, std::move(done));
        }
        const auto pieces = http::split_message(post.text, settings_.max_chars);
        std::string last_id;
        bool first = true;
        for (const auto& piece : pieces) {
            last_id = new_id();
            xmpp_stanza_t* m = new_message(type, target, last_id);
            xmpp_message_set_body(m, piece.c_str());
            if (!corrects.empty() && first) {
                xmpp_stanza_t* r = add_child(ctx_, m, "replace", kCorrectNs);
                xmpp_stanza_set_attribute(r, "id", corrects.c_str());
            } else if (first && !post.reply_to.empty() && corrects.empty()) {
                // XEP-0461: in a room the reply names the room's stanza-id and the
                // writer's occupant JID.
                xmpp_stanza_t* r = add_child(ctx_, m, "reply", kReplyNs);
                std::string ref = post.reply_to;
                std::string author = target;
                if (room != nullptr) {
                    ref = room->sid_of(post.reply_to);
                    auto nick = room->nick_by_id.find(post.reply_to);
                    author = nick == room->nick_by_id.end() ? "" : room->jid + "/" + nick->second;
                }
                if (!author.empty()) xmpp_stanza_set_attribute(r, "to", author.c_str());
                xmpp_stanza_set_attribute(r, "id", ref.c_str());
            }
            if (room != nullptr && (corrects.empty() || !first) &&
                room->remember(last_id, "", room->nick)) {
                ids_dirty_ = true;
            }
            first = false;
            xmpp_send(conn_, m);
            xmpp_stanza_release(m);
        }
        const std::string first_file = send_file_links(type, target, room, file_urls);
        if (last_id.empty()) last_id = first_file;
        if (done) done({true, corrects.empty() ? last_id : corrects, "", true});
    }

    XmppSettings settings_;
    const core::Clock* clock_;
    core::EventSink* sink_ = nullptr;

    std::mutex run_mu_;
    bool running_ = false;
    std::thread thread_;
    std::atomic<bool> quit_{false};

    std::mutex queue_mu_;
    std::condition_variable queue_cv_;
    std::deque<Outgoing> queue_;
    bool accepting_ = false;

    // Everything below belongs to the connector's thread (online_ is read by others).
    xmpp_log_t log_{};
    xmpp_ctx_t* ctx_ = nullptr;
    xmpp_conn_t* conn_ = nullptr;
    std::atomic<bool> online_{false};
    bool dead_ = false;
    bool auth_failed_ = false;
    bool tls_refused_ = false;
    std::string why_;
    std::string bound_;
    SteadyClock::time_point next_attempt_{};
    std::map<std::string, Room> rooms_;
    runtime::Backoff backoff_;
    runtime::RecentIds recent_{5000};
    long long started_ms_;
    std::string default_locale_;
    runtime::ConnectorWords retracted_;
    runtime::ConnectorWords left_out_;       ///< a file the upload service did not take
    runtime::ConnectorWords left_out_link_;  ///< the same with the file's link
    runtime::ConnectorWords file_word_;      ///< the name of a file sent without one
    runtime::ConnectorWords unnamed_word_;   ///< a missing name in file_left_out
    HttpUpload upload_;                      ///< XEP-0363 (http_upload.hpp)
    std::vector<std::string> found_hosts_;   ///< upload_hosts found by discovery
    std::map<unsigned long long, core::SendDone> uploading_;  ///< posts whose files go up
    /// Posts by room or person, each after the one before (whose files may go up first).
    runtime::SerialQueues outbound_{
        [this](std::chrono::milliseconds delay, std::function<void()> f) {
            timed_.emplace(SteadyClock::now() + delay, std::move(f));
        }};
    std::multimap<SteadyClock::time_point, std::function<void()>> timed_;  ///< its timers
    std::optional<std::string> refusing_;  ///< while refuse() fails posts taken out
    unsigned long long upload_seq_ = 0;
    SteadyClock::time_point signing_in_since_{};
    SteadyClock::time_point last_heard_{};
    SteadyClock::time_point ping_sent_{};
    bool ping_out_ = false;
    bool ping_dead_ = false;
    std::string ping_why_;
    unsigned long long in_counter_ = 0;
    unsigned long long out_counter_ = 0;
    /// DATA_DIR/xmpp-NAME.stanza-ids; empty: no data dir, nothing kept.
    std::string ids_path_;
    /// fetch_files_up_to(); > 0: XEP-0066 links reported (and fetched); before start()
    std::uint64_t file_limit_ = 0;
    std::unique_ptr<runtime::HttpClient> http_;  ///< fetches linked files; made by start()
    std::deque<std::function<void()>> tasks_;    ///< its completions, under queue_mu_
    /// Messages waiting for the files of earlier ones of their room (or chat).
    runtime::HeldEvents held_{[this](core::Event e) {
        if (sink_ != nullptr) sink_->push(std::move(e));
    }};
    bool ids_dirty_ = false;
    bool ids_failing_ = false;  ///< the last write failed (logged once)
    SteadyClock::time_point ids_due_{};

    mutable std::mutex status_mu_;
    XmppStatus status_;
};

}  // namespace

ConnectorType connector_type() { return {validate, create}; }

std::unique_ptr<Connector> make_xmpp(XmppSettings settings, const ConnectorContext& context) {
    if (!valid_bare_jid(settings.jid)) throw std::invalid_argument("make_xmpp: no valid jid");
    return make_connector<XmppConnector>("make_xmpp", std::move(settings), context);
}

bool on_upload_host(const std::string& url, const std::vector<std::string>& hosts,
                    bool subdomains) {
    std::string scheme, host;
    int port = 0;
    if (!runtime::parse_http_url(url, scheme, host, port)) return false;
    for (const auto& h : hosts) {
        if (host == h) return true;
        if (subdomains && host.size() > h.size() + 1 && host[host.size() - h.size() - 1] == '.' &&
            host.compare(host.size() - h.size(), h.size(), h) == 0 &&
            h.find_first_not_of("0123456789.") != std::string::npos) {
            return true;
        }
    }
    return false;
}

XmppStatus xmpp_status(const Connector& connector) { return status_of<XmppConnector>(connector); }

}  // namespace twintrack::connectors::xmpp
