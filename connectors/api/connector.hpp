#pragma once
// The contract every chat platform implements. A connector speaks its platform's wire
// protocol, turns traffic into Events and delivers Posts. It holds no business rules.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/text.hpp"
#include "core/types.hpp"

namespace twintrack::connectors {

/// Something a connector showed the people connected to this process that the same
/// connector in the other processes on the database shows theirs too (the hub: a bot
/// post, a person's message). Opaque outside the connector.
struct Shown {
    std::string kind;     ///< e.g. "post", "update", "private", "message"
    std::string target;   ///< a channel, or "@" + a person's id (their direct conversation)
    std::string payload;  ///< what the connector needs to show it again (the hub: its frame)
};

class Connector {
  public:
    virtual ~Connector() = default;

    /// The configured instance name ("hub", "irc-main", ...); Addresses carry it.
    virtual std::string name() const = 0;

    /// Begins delivering events into `sink`. Returns once the connector is ready to
    /// send (a server is listening, a client has started connecting). Throws
    /// std::runtime_error with a user-facing reason when it cannot start.
    virtual void start(core::EventSink& sink) = 0;

    /// Flushes what it can, closes connections and returns. Idempotent.
    virtual void stop() = 0;

    /// Thread-safe and non-blocking: hands the post to the connector's own thread.
    /// `done` runs later on that thread with the platform's message id or an error.
    virtual void send(const core::Post& post, core::SendDone done) = 0;
    /// Thread-safe: true while the connector can reach its platform (a client is
    /// connected and signed in; a server is listening). Answers at once, never waits on
    /// the network; `GET /readyz` asks it.
    virtual bool connected() const { return true; }
    /// True when the platform shows a post's buttons and menus (`Post::actions`) and
    /// can update a post (`Post::replaces`). Others get the typed commands as text from
    /// the engine and never an update.
    virtual bool shows_actions() const { return false; }
    /// What it can do with a post beyond its text: edit or delete a message it sent,
    /// post under another display name. Default: none of these.
    virtual core::PostAbilities abilities() const { return {}; }
    /// True when it shows `Post::attachments` that are pictures (image/*) as pictures.
    virtual bool shows_images() const { return false; }
    /// True when it uploads any of `Post::attachments` as a file people can open.
    virtual bool shows_files() const { return false; }
    /// True when its server may refuse an upload only when it is sent (XMPP's upload
    /// service and its size limit): relayed attachments then carry a link
    /// (`Attachment::link`) for the line it shows instead.
    virtual bool wants_file_links() const { return false; }
    /// Before start(): files and pictures people send in channels are reported with
    /// their messages (`Event::extra` "files", core/event_files.hpp), their bytes fetched
    /// when they are at most `bytes` (the bridge's max_file_bytes). 0, the default: files
    /// are handled as before (not reported). Connectors that cannot ignore it.
    virtual void fetch_files_up_to(std::uint64_t bytes) { (void)bytes; }

    /// Before start(): `listener` gets, on the connector's thread, everything it shows
    /// the people connected to this process that the other processes on the database
    /// should show theirs (a connector that serves people in every process, the hub).
    /// Not called for what show_from_elsewhere() shows. Default: nothing is reported.
    virtual void on_shown(std::function<void(const Shown&)> listener) { (void)listener; }
    /// Thread-safe and non-blocking: shows what the same connector showed in another
    /// process to the connections here (and keeps it where it keeps its own, e.g. the
    /// hub's history), without sending anything to a platform or reporting it to the
    /// on_shown() listener. Default: ignored.
    virtual void show_from_elsewhere(const Shown& shown) { (void)shown; }
};

/// A person as a connector may show them (e.g. the hub's "pick your name" list).
struct RosterEntry {
    std::string user_id;  ///< the person's identity on this connector
    std::string display;
    std::string department;
    std::string locale = {};  ///< the language the person reads (e.g. zh-CN), for web pages
};

/// The people a connector may show, kept current by the bot. Thread-safe.
class Roster {
  public:
    void set(std::vector<RosterEntry> entries) {
        auto fresh = std::make_shared<Snapshot>();
        fresh->entries = std::move(entries);
        for (std::size_t i = 0; i < fresh->entries.size(); ++i) {
            const RosterEntry& e = fresh->entries[i];
            fresh->by_id.emplace(e.user_id, i);
            fresh->by_lower_id.emplace(core::ascii_lower(e.user_id), i);
        }
        std::lock_guard<std::mutex> lock(mu_);
        snapshot_ = std::move(fresh);
    }
    std::shared_ptr<const std::vector<RosterEntry>> get() const {
        auto snapshot = current();
        return {snapshot, &snapshot->entries};
    }
    /// The language `user_id` reads (e.g. zh-CN), `fallback` when the directory does not
    /// know them or names none. `any_case`: identities compared ignoring ASCII case (WeCom
    /// UserIDs are case-insensitive, as the directory's identities are).
    std::string locale_of(const std::string& user_id, const std::string& fallback,
                          bool any_case = false) const {
        auto snapshot = current();
        const auto& index = any_case ? snapshot->by_lower_id : snapshot->by_id;
        auto it = index.find(any_case ? core::ascii_lower(user_id) : user_id);
        if (it == index.end()) return fallback;
        const std::string& locale = snapshot->entries[it->second].locale;
        return locale.empty() ? fallback : locale;
    }

  private:
    struct Snapshot {
        std::vector<RosterEntry> entries;
        std::unordered_map<std::string, std::size_t> by_id;        ///< the first entry per id
        std::unordered_map<std::string, std::size_t> by_lower_id;  ///< ids in ASCII lower case
    };
    std::shared_ptr<const Snapshot> current() const {
        std::lock_guard<std::mutex> lock(mu_);
        return snapshot_;
    }

    mutable std::mutex mu_;
    std::shared_ptr<const Snapshot> snapshot_ = std::make_shared<const Snapshot>();
};

}  // namespace twintrack::connectors
