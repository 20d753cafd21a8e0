#pragma once
// The Engine: one thread, one queue. Connectors push Events from their own threads; the
// engine handles them one at a time, so feature code needs no locks. It also runs due
// jobs and delivers the outbox.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>

#include "bot/actions.hpp"
#include "bot/api.hpp"
#include "bot/dialogs.hpp"
#include "bot/directory.hpp"
#include "bot/prompts.hpp"
#include "bot/router.hpp"
#include "bot/scheduler.hpp"
#include "bot/services.hpp"
#include "bot/settings.hpp"
#include "core/clock.hpp"
#include "core/telemetry.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace twintrack::bot {

/// How the engine hands a post to a connector (Connector::send, bound).
using Outlet = std::function<void(const core::Post&, core::SendDone)>;

class Engine final : public core::EventSink {
  public:
    Engine(store::Store& store, const core::Clock& clock, std::shared_ptr<const Prompts> prompts,
           BotSettings settings);
    ~Engine() override;

    // --- wiring, before run() ---------------------------------------------------------
    /// Where posts for connector `name` go. `shows_actions`: the connector shows buttons
    /// and menus and can update a post; others get the typed commands as text.
    void add_outlet(const std::string& name, Outlet outlet, bool shows_actions = false);
    /// Called with the directory after every change (e.g. to refresh a hub's roster).
    void on_directory_changed(std::function<void(const Directory&)> listener);
    /// Called on the engine thread, outside any turn, for every message people write in
    /// a channel that is not for the bot (never for direct messages), with the writer
    /// (null when unknown). A listener that throws is logged and skipped.
    void on_channel_message(std::function<void(const core::Event&, const Person*)> listener);
    /// What connector `name` can do with a post beyond its text (edit, delete, post under
    /// another name); none until set.
    void set_abilities(const std::string& name, core::PostAbilities abilities) {
        abilities_[name] = abilities;
    }
    core::PostAbilities abilities(const std::string& name) const {
        const auto it = abilities_.find(name);
        return it == abilities_.end() ? core::PostAbilities{} : it->second;
    }
    /// Called in a turn of its own for every message people write in a channel that is
    /// not for the bot (no command, no dialog answer, never a direct message), and for
    /// every edit and delete of a channel message, with the event as received. The turn
    /// records its own id for the event (a redelivered event is not handled twice);
    /// what the listener posts through it goes through the outbox once the turn, which
    /// it writes, is committed. A listener that throws has its turn rolled back.
    void on_channel_turn(std::function<void(Turn&, const core::Event&)> listener) {
        channel_turns_.push_back(std::move(listener));
    }
    /// Called on the engine thread when a connector confirmed delivery of an outbox post
    /// that has a dedupe key (`ok`, with the platform's message id), or the outbox gave
    /// it up (not `ok`), with that key and the connector's result. May throw a store
    /// error: the confirmation is then recorded again on the next tick.
    void on_sent(std::function<void(const std::string& dedupe_key, const core::SendResult&)> l) {
        sent_listeners_.push_back(std::move(l));
    }
    Router& router() { return router_; }
    Dialogs& dialogs() { return dialogs_; }
    Scheduler& scheduler() { return scheduler_; }
    /// HTTP routes features serve through connectors that forward requests (the hub).
    ApiRouter& api() { return api_; }
    /// Buttons and menus on posts (tokens, settling, clicks).
    Actions& actions() { return actions_; }
    /// What features offer each other (typed; see services.hpp).
    Services& services() { return services_; }
    const Services& services() const { return services_; }
    /// Channel messages not meant for the bot, from people in the directory, go to each
    /// watcher in turn until one returns true (it may reply through the turn).
    void add_watcher(std::function<bool(Turn&, const std::string& text)> watcher) {
        watchers_.push_back(std::move(watcher));
    }
    /// A source of what a person has waiting for them (`todo`): it appends lines rendered
    /// in the turn's locale (a handoff to accept, an approval, a report due, ...).
    using TodoSource = std::function<void(Turn&, const Person&, std::vector<std::string>&)>;
    void add_todo_source(TodoSource source) { todo_sources_.push_back(std::move(source)); }
    const std::vector<TodoSource>& todo_sources() const { return todo_sources_; }
    /// A feature's part of `rules`: it adds template data for `core.rules` (the reports
    /// feature its `report_window`), rendered in the turn's locale.
    using RulesSource = std::function<void(Turn&, nlohmann::json& data)>;
    void add_rules_source(RulesSource source) { rules_sources_.push_back(std::move(source)); }
    const std::vector<RulesSource>& rules_sources() const { return rules_sources_; }

    /// Connector `name` runs in one process at a time among those on the database (its
    /// platform allows one session): only while this process holds the lease
    /// `connector:NAME` in the store. The engine takes the lease when it is free or has
    /// run out, renews it every third of `leases.connector`, and calls `on_change(true)`
    /// when it gains it (start the connector) and `on_change(false)` when it loses it
    /// (stop it), on the engine thread. Meanwhile the outbox's posts for `name` are left
    /// to the holder. A throwing `on_change(true)` gives the lease back.
    void add_connector_lease(const std::string& name, std::function<void(bool held)> on_change);
    /// Connector `name` serves people in every process on the database (the hub). Where
    /// several processes share the database (PostgreSQL), what it shows here is passed on
    /// through the store (fan_out()), and what the others showed reaches `show` on the
    /// engine thread, each once: what they show from this call on (call it before the
    /// connector starts); returns true. Otherwise (SQLite) nothing is written or read,
    /// `show` is never called, and it returns false.
    bool add_fan_out(const std::string& name, std::function<void(const store::FanOutEvent&)> show);

    // --- any thread -------------------------------------------------------------------
    /// The leases this process holds now (`connector:irc`, ...), sorted; `GET /readyz`.
    std::vector<std::string> held_leases() const;
    /// Queues an event for handling. Never blocks for long.
    void push(core::Event event) override;
    /// Queues an HTTP request for the ApiRouter; `reply` runs on the engine thread.
    void request(core::ApiRequest request, core::ApiReply reply) override;
    /// Connector `connector` showed this to the people connected to this process: it is
    /// written to the store for the other processes (on the engine thread, in the order
    /// of the calls; kept and written later while the store fails). Only after a true
    /// add_fan_out().
    void fan_out(std::string connector, std::string kind, std::string target, std::string payload);
    /// Queues a task to run on the engine thread (internal work such as send
    /// confirmations; accepted during shutdown too).
    void post_task(std::function<void()> task);
    /// Asks run() to return: from now on new events and requests are refused, the
    /// queued ones are handled until `grace` has passed, then the rest are dropped
    /// (counted and logged). Safe from any thread, also more than once.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
    /// Events refused or dropped because the engine was stopping.
    std::uint64_t dropped_on_shutdown() const;

    // --- engine thread ----------------------------------------------------------------
    /// Loads the directory, sends what the outbox still holds, then handles the queue and
    /// the scheduler until stop(). Returns once the queue is drained.
    void run();
    /// Tests and tools: runs everything queued, then due jobs and outbox, on this thread.
    void drain();
    /// Runs due jobs and sends due outbox posts. A store failure (busy, full, I/O) is
    /// logged once and retried with backoff; it never leaves this function.
    void tick();
    /// False while the store keeps failing (the last tick could not use it).
    bool store_healthy() const { return store_healthy_.load(); }
    /// Takes, renews or gives up connector leases as due (tick() does it first).
    void keep_leases();
    /// Gives back every lease this process holds (a clean stop: another process takes
    /// over at once instead of after the lease) and takes none from then on. Calls no
    /// `on_change`.
    void release_leases();
    /// Process counters and gauges (`GET /metrics`); shared with the connectors.
    const std::shared_ptr<core::Telemetry>& telemetry() const { return telemetry_; }
    /// Before run(): use this telemetry instead of the engine's own.
    void set_telemetry(std::shared_ptr<core::Telemetry> telemetry);
    /// Reloads people from the store now. Not during a turn: Person pointers held by the
    /// turn would dangle; use directory_changed() there.
    void reload_directory();
    /// Marks the directory stale; it is reloaded as soon as the current turn is over.
    void directory_changed() { directory_stale_ = true; }

    store::Store& store() { return store_; }
    const core::Clock& clock() const { return clock_; }
    const Prompts& prompts() const { return *prompts_; }
    const BotSettings& settings() const { return settings_; }
    const Directory& directory() const { return directory_; }
    /// The locale to use for a person (theirs when supported, else the default).
    std::string locale_for(const Person* person) const;
    /// Where a direct message to `person` goes, preferring the connector of `hint`.
    std::optional<core::Address> direct_address(const Person& person,
                                                const std::string& hint_connector) const;
    bool on_engine_thread() const;
    /// True when connector `name` shows buttons and menus (add_outlet).
    bool shows_actions(const std::string& name) const { return action_outlets_.count(name) > 0; }
    /// This process among others on the same database: the holder of its job and outbox
    /// claims and leases (settings().leases.holder, or made up at start).
    const std::string& holder() const { return holder_; }
    /// Names of the connectors this process delivers to, sorted.
    std::vector<std::string> connector_names() const;

  private:
    struct Task {
        std::function<void()> run;
        bool input = false;  ///< an event or request from outside (dropped at shutdown)
    };
    struct Confirmation {
        std::int64_t outbox_id = 0;
        int attempts = 0;
        core::SendResult result;
        std::string dedupe_key = {};
    };
    struct LeaseState {
        std::string connector;
        std::function<void(bool)> on_change;
        bool held = false;
        std::int64_t held_until_ms = 0;  ///< by this process's clock
        std::int64_t next_try_ms = 0;
    };
    struct EventRetry {
        std::int64_t due_ms = 0;
        int attempt = 0;
        core::Event event;
    };

    bool enqueue_input(std::function<void()> task);
    void run_task(Task& task);
    /// Drops queued input at the end of the shutdown grace period. The caller holds mu_.
    void drop_input_locked();
    void handle(const core::Event& event, int attempt);
    void handle_message(const core::Event& event);
    void handle_action(const core::Event& event);
    /// Runs a turn's work with the engine's error handling (rollback, apology, retry of
    /// transient store errors by handle()).
    void run_turn(Turn& turn, const core::Event& event, const std::function<void()>& work);
    /// A store failure that may pass: retry the event later, or tell the writer.
    void retry_or_give_up(const core::Event& event, int attempt, const std::string& why);
    void run_event_retries();
    void tick_unguarded(std::int64_t now);
    void record_confirmations();
    void update_gauges(std::int64_t now);
    void lease_changed(LeaseState& lease, bool held);
    std::int64_t next_lease_ms() const;
    void forget_event(const core::Event& event);
    void handle_request(const core::ApiRequest& request, const core::ApiReply& reply);
    void watch(const core::Event& event, const Person* person);
    /// Runs the on_channel_turn() listeners for a channel event.
    void run_channel_turns(const core::Event& event, const Person* person);
    void run_jobs();
    void fail_job(const store::Job& job, const std::string& error, std::int64_t now);
    void send_outbox();
    std::int64_t outbox_lease_ms() const;
    /// True when this process delivers to `connector` now (it has the outlet and, for a
    /// connector under a lease, holds the lease).
    bool sends_here(const std::string& connector) const;
    /// Connectors under a lease this process does not hold: another process sends for them.
    std::vector<std::string> connectors_elsewhere() const;
    void check_external_changes();
    /// Writes what this process showed and shows what the others did (add_fan_out()):
    /// cheap unless the others announced something, so it runs after every task.
    void poll_fan_out();
    bool remember_event(const core::Event& event);
    /// The person whose directory email the platform vouches for, their identity recorded.
    const Person* match_by_email(const core::Event& event);
    void finish_turn(Turn& turn, bool ok);
    /// Sends posts produced by a turn: through the outbox when the turn wrote.
    void deliver(Turn& turn);
    /// Moves the next queued task into `out`; false when none. The caller holds mu_.
    bool take_task(Task& out);

    store::Store& store_;
    const core::Clock& clock_;
    std::string holder_;
    std::shared_ptr<const Prompts> prompts_;
    BotSettings settings_;
    Directory directory_;
    Router router_;
    Dialogs dialogs_;
    Scheduler scheduler_;
    ApiRouter api_;
    Actions actions_;
    Services services_;
    std::map<std::string, Outlet> outlets_;
    std::set<std::string> action_outlets_;
    std::vector<std::function<void(const Directory&)>> directory_listeners_;
    std::vector<std::function<bool(Turn&, const std::string&)>> watchers_;
    std::vector<TodoSource> todo_sources_;
    std::vector<RulesSource> rules_sources_;
    std::vector<std::function<void(const core::Event&, const Person*)>> channel_listeners_;
    std::vector<std::function<void(Turn&, const core::Event&)>> channel_turns_;
    std::vector<std::function<void(const std::string&, const core::SendResult&)>> sent_listeners_;
    std::map<std::string, core::PostAbilities> abilities_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Task> queue_;
    bool stopping_ = false;
    /// Shutdown deadline: wall time of the process, not the business clock.
    std::chrono::steady_clock::time_point stop_deadline_;
    std::uint64_t dropped_ = 0;
    std::thread::id engine_thread_;
    std::shared_ptr<core::Telemetry> telemetry_;

    std::vector<Confirmation> confirmations_;
    std::deque<EventRetry> event_retries_;
    std::atomic<bool> store_healthy_{true};
    int store_failures_ = 0;
    std::int64_t store_retry_at_ms_ = 0;
    std::int64_t next_gauges_ms_ = 0;

    std::vector<LeaseState> leases_;
    bool leases_closed_ = false;  ///< release_leases() ran: none is taken again
    mutable std::mutex leases_mu_;
    std::vector<std::string> held_names_;  ///< guarded by leases_mu_
    std::set<std::int64_t> outbox_in_flight_;
    std::int64_t next_claim_renewal_ms_ = 0;
    std::unordered_set<std::string> recent_ids_;
    std::deque<std::string> recent_order_;
    std::int64_t data_version_ = -1;
    bool directory_stale_ = false;
    std::int64_t next_prune_ms_ = 0;
    std::int64_t next_tick_ms_ = 0;

    std::map<std::string, std::function<void(const store::FanOutEvent&)>> fan_out_shows_;
    std::deque<store::FanOutEvent> fan_out_pending_;  ///< shown here, not written yet
    store::FanOutCursor fan_out_cursor_;
    std::int64_t fan_out_version_ = -1;
    /// Read the feed by then even without a notification (one lost with a connection).
    std::chrono::steady_clock::time_point next_fan_out_read_{};
    std::chrono::steady_clock::time_point fan_out_retry_at_{};  ///< after a store failure
    int fan_out_failures_ = 0;
    std::int64_t next_fan_out_prune_ms_ = 0;
};

}  // namespace twintrack::bot
