#include "bot/engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "bot/access.hpp"
#include "bot/turn.hpp"
#include "core/base64.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"

namespace twintrack::bot {
namespace {

// Outbox rows keep attachments as JSON: [{name, mime, data (Base64), link?}].
std::string encode_attachments(const std::vector<core::Attachment>& files) {
    if (files.empty()) return "";
    nlohmann::json out = nlohmann::json::array();
    for (const auto& f : files) {
        nlohmann::json one{
            {"name", f.name}, {"mime", f.mime}, {"data", core::base64_encode(f.data)}};
        if (!f.link.empty()) one["link"] = f.link;
        out.push_back(std::move(one));
    }
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Outbox rows keep a post's actions as JSON: {actions, text, replaces, private?}, and
// what a relayed post asks beyond its text: {as_name?, edits?, deletes?}.
std::string encode_actions(const core::Post& post) {
    if (post.actions.empty() && post.actions_text.empty() && post.replaces.empty() &&
        !post.private_reply && post.as_name.empty() && post.edits.empty() && post.deletes.empty()) {
        return "";
    }
    nlohmann::json j{{"actions", core::actions_to_json(post.actions)},
                     {"text", post.actions_text},
                     {"replaces", post.replaces}};
    if (post.private_reply) j["private"] = true;
    if (!post.as_name.empty()) j["as_name"] = post.as_name;
    if (!post.edits.empty()) j["edits"] = post.edits;
    if (!post.deletes.empty()) j["deletes"] = post.deletes;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void decode_actions(const std::string& text, core::Post& post) {
    if (text.empty()) return;
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) {
        spdlog::error("outbox actions unreadable, post goes without them");
        return;
    }
    if (j.contains("actions")) post.actions = core::actions_from_json(j["actions"]);
    if (j.contains("text") && j["text"].is_string()) post.actions_text = j["text"];
    if (j.contains("replaces") && j["replaces"].is_string()) post.replaces = j["replaces"];
    const auto secret = j.find("private");
    post.private_reply = secret != j.end() && secret->is_boolean() && secret->get<bool>();
    for (auto [key, field] : {std::pair<const char*, std::string*>{"as_name", &post.as_name},
                              {"edits", &post.edits},
                              {"deletes", &post.deletes}}) {
        const auto it = j.find(key);
        if (it != j.end() && it->is_string()) *field = it->get<std::string>();
    }
}

/// A post as a connector gets it: one that shows no actions gets their typed commands
/// appended to the text (rendered once, here) and never an update of an earlier post;
/// one that cannot delete gets no deletion, one that cannot edit gets the new text as a
/// post of its own, and a display name only when it can post under it.
std::optional<core::Post> shaped_for(core::Post post, bool shows_actions,
                                     core::PostAbilities can = {}) {
    if (!post.deletes.empty() && !can.deletes) return std::nullopt;
    if (!can.edits) post.edits.clear();
    if (!can.as_name) post.as_name.clear();
    if (shows_actions) return post;
    if (!post.replaces.empty()) return std::nullopt;
    if (!post.actions_text.empty()) post.text += "\n\n" + post.actions_text;
    post.actions.clear();
    post.actions_text.clear();
    return post;
}

std::vector<core::Attachment> decode_attachments(const std::string& text) {
    std::vector<core::Attachment> out;
    if (text.empty()) return out;
    try {
        for (const auto& f : nlohmann::json::parse(text)) {
            auto data = core::base64_decode(f.value("data", ""));
            if (!data) continue;
            out.push_back(
                {f.value("name", ""), f.value("mime", ""), std::move(*data), f.value("link", "")});
        }
    } catch (const nlohmann::json::exception& e) {
        spdlog::error("outbox attachments unreadable, post goes without them: {}", e.what());
    }
    return out;
}

constexpr std::size_t recent_ids_kept = 10000;
constexpr std::int64_t tick_interval_ms = 1000;
constexpr int job_attempts = 5;
// With the 10-minute cap this keeps trying for about half a day.
constexpr int outbox_attempts = 80;
// An event the store could not take is tried again after 1, 2 and 4 s before its writer
// is told; at most this many wait at once.
constexpr int event_attempts = 4;
constexpr std::size_t max_event_retries = 1000;
// Fan-out among processes: how often the engine looks for the others' notifications
// (reading what the server pushed, no round trip), how many rows wait while the store
// fails, and how long rows are kept (time and count).
constexpr std::int64_t fan_out_poll_ms = 100;
constexpr std::size_t fan_out_pending_kept = 10000;
constexpr std::int64_t fan_out_kept_ms = 10LL * 60 * 1000;
constexpr std::int64_t fan_out_kept_rows = 10000;

void describe_metrics(core::Telemetry& t) {
    using T = core::Telemetry::Type;
    t.describe("twintrack_events_in_total", T::counter, "Events received, by connector.");
    t.describe("twintrack_events_dropped_total", T::counter,
               "Events not handled because the process was stopping.");
    t.describe("twintrack_posts_out_total", T::counter,
               "Posts handed to connectors, by connector and result.");
    t.describe("twintrack_command_seconds", T::histogram,
               "Time to handle one message meant for the bot.");
    t.describe("twintrack_outbox_depth", T::gauge, "Outbox posts not yet sent.");
    t.describe("twintrack_outbox_oldest_seconds", T::gauge,
               "Age of the oldest outbox post not yet sent.");
    t.describe("twintrack_job_lag_seconds", T::gauge,
               "How late the most overdue scheduled job is.");
    t.describe("twintrack_dialogs_open", T::gauge, "Open multi-step conversations.");
    t.describe("twintrack_event_retries_waiting", T::gauge,
               "Events waiting for the store to become available.");
    t.describe("twintrack_database_errors_total", T::counter,
               "Store failures, by kind (busy, full, io, other).");
    t.describe("twintrack_database_retries_total", T::counter,
               "Work retried after a store failure.");
    t.describe("twintrack_lease_held", T::gauge,
               "1 while this process holds the lease (e.g. connector:irc), else 0.");
    t.describe("twintrack_fan_out_total", T::counter,
               "What the hub showed, passed on to the other processes on the database "
               "(direction out) or shown here from them (in).");
    describe_access_metrics(t);
}

std::int64_t backoff_ms(int attempts) {
    // 1 s, x1.75 per attempt, capped at 10 minutes.
    const double ms = 1000.0 * std::pow(1.75, std::min(attempts, 20));
    return static_cast<std::int64_t>(std::min(ms, 600000.0));
}

}  // namespace

Engine::Engine(store::Store& store, const core::Clock& clock,
               std::shared_ptr<const Prompts> prompts, BotSettings settings)
    : store_(store),
      clock_(clock),
      prompts_(std::move(prompts)),
      settings_(std::move(settings)),
      telemetry_(std::make_shared<core::Telemetry>()) {
    engine_thread_ = std::this_thread::get_id();
    settings_.default_locale = prompts_->normalize_locale(settings_.default_locale);
    holder_ =
        settings_.leases.holder.empty() ? "engine-" + core::random_hex(6) : settings_.leases.holder;
    scheduler_.on("dialog.timeout", [this](Turn& turn, const nlohmann::json& payload) {
        dialogs_.expire(turn, payload.value("person_id", std::int64_t{0}),
                        payload.value("started_at", std::int64_t{0}));
    });
    describe_metrics(*telemetry_);
    actions_.load_key(store_);
    dialogs_.add(Actions::follow_up_dialog());
    reload_directory();
}

Engine::~Engine() = default;

void Engine::set_telemetry(std::shared_ptr<core::Telemetry> telemetry) {
    telemetry_ = std::move(telemetry);
    describe_metrics(*telemetry_);
}

void Engine::add_outlet(const std::string& name, Outlet outlet, bool shows_actions) {
    outlets_[name] = std::move(outlet);
    if (shows_actions) {
        action_outlets_.insert(name);
    } else {
        action_outlets_.erase(name);
    }
}

void Engine::on_channel_message(std::function<void(const core::Event&, const Person*)> listener) {
    channel_listeners_.push_back(std::move(listener));
}

void Engine::on_directory_changed(std::function<void(const Directory&)> listener) {
    listener(directory_);
    directory_listeners_.push_back(std::move(listener));
}

std::vector<std::string> Engine::connector_names() const {
    std::vector<std::string> out;
    for (const auto& [name, _] : outlets_) out.push_back(name);
    return out;
}

std::int64_t Engine::outbox_lease_ms() const {
    return std::chrono::milliseconds(settings_.leases.outbox).count();
}

bool Engine::sends_here(const std::string& connector) const {
    if (outlets_.count(connector) == 0) return false;
    for (const auto& lease : leases_) {
        if (lease.connector == connector) return lease.held;
    }
    return true;
}

std::vector<std::string> Engine::connectors_elsewhere() const {
    std::vector<std::string> out;
    for (const auto& lease : leases_) {
        if (!lease.held) out.push_back(lease.connector);
    }
    return out;
}

bool Engine::on_engine_thread() const { return std::this_thread::get_id() == engine_thread_; }

void Engine::push(core::Event event) {
    const std::string connector = event.where.connector;
    if (enqueue_input([this, e = std::move(event)] { handle(e, 0); })) {
        telemetry_->add("twintrack_events_in_total", {{"connector", connector}});
    }
}

void Engine::request(core::ApiRequest request, core::ApiReply reply) {
    auto shared = std::make_shared<core::ApiReply>(std::move(reply));
    if (!enqueue_input([this, r = std::move(request), shared] { handle_request(r, *shared); })) {
        (*shared)(api_error(503, "shutting_down", "the service is stopping; try again shortly"));
    }
}

bool Engine::enqueue_input(std::function<void()> task) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) {
            ++dropped_;
            return false;
        }
        queue_.push_back({std::move(task), true});
    }
    cv_.notify_one();
    return true;
}

void Engine::post_task(std::function<void()> task) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        queue_.push_back({std::move(task), false});
    }
    cv_.notify_one();
}

void Engine::stop(std::chrono::milliseconds grace) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!stopping_) {
            stopping_ = true;
            stop_deadline_ = std::chrono::steady_clock::now() + grace;
        }
    }
    cv_.notify_one();
}

std::uint64_t Engine::dropped_on_shutdown() const {
    std::lock_guard<std::mutex> lock(mu_);
    return dropped_;
}

bool Engine::take_task(Task& out) {
    if (queue_.empty()) return false;
    out = std::move(queue_.front());
    queue_.pop_front();
    return true;
}

void Engine::drop_input_locked() {
    std::size_t dropped = 0;
    for (auto it = queue_.begin(); it != queue_.end();) {
        if (it->input) {
            it = queue_.erase(it);
            ++dropped;
        } else {
            ++it;
        }
    }
    dropped_ += dropped;
    if (dropped > 0) {
        spdlog::warn("shutdown: {} queued event(s) not handled within the grace period", dropped);
        telemetry_->add("twintrack_events_dropped_total", {}, static_cast<double>(dropped));
    }
}

void Engine::run_task(Task& task) {
    try {
        task.run();
    } catch (const std::exception& e) {
        spdlog::error("engine task failed: {}", e.what());
    } catch (...) {
        spdlog::error("engine task failed with an unknown error");
    }
}

void Engine::run() {
    engine_thread_ = std::this_thread::get_id();
    if (router_.needs_index()) router_.index(*prompts_);
    tick();
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        if (stopping_ && std::chrono::steady_clock::now() >= stop_deadline_) {
            drop_input_locked();
            break;
        }
        Task task;
        if (take_task(task)) {
            lock.unlock();
            run_task(task);
            if (core::to_millis(clock_.now()) >= next_tick_ms_) tick();
            poll_fan_out();
            lock.lock();
            continue;
        }
        if (stopping_) break;
        const std::int64_t now = core::to_millis(clock_.now());
        if (now >= next_tick_ms_) {
            lock.unlock();
            tick();
            poll_fan_out();
            lock.lock();
            continue;
        }
        const std::int64_t most = fan_out_shows_.empty() ? tick_interval_ms : fan_out_poll_ms;
        cv_.wait_for(lock, std::chrono::milliseconds(
                               std::clamp<std::int64_t>(next_tick_ms_ - now, 1, most)));
        if (!fan_out_shows_.empty()) {
            lock.unlock();
            poll_fan_out();
            lock.lock();
        }
    }
    lock.unlock();
    poll_fan_out();  // what was shown here last still goes to the others
    if (!event_retries_.empty()) {
        spdlog::warn("shutdown: {} event(s) waiting for the store were not handled",
                     event_retries_.size());
    }
}

void Engine::drain() {
    engine_thread_ = std::this_thread::get_id();
    if (router_.needs_index()) router_.index(*prompts_);
    // Deliveries confirmed during a tick queue more work (marking posts sent), so go
    // round until nothing is left.
    for (int round = 0; round < 100; ++round) {
        bool ran = false;
        for (;;) {
            Task task;
            {
                std::lock_guard<std::mutex> lock(mu_);
                if (!take_task(task)) break;
            }
            run_task(task);
            ran = true;
        }
        tick();
        poll_fan_out();
        std::lock_guard<std::mutex> lock(mu_);
        if (queue_.empty() && !ran) break;
    }
}

void Engine::tick() {
    keep_leases();
    const std::int64_t now = core::to_millis(clock_.now());
    if (now < store_retry_at_ms_) {
        next_tick_ms_ = std::min(store_retry_at_ms_, next_lease_ms());
        return;
    }
    try {
        tick_unguarded(now);
        if (store_failures_ > 0) {
            spdlog::info("the store works again after {} failed attempt(s); catching up",
                         store_failures_);
        }
        store_failures_ = 0;
        store_retry_at_ms_ = 0;
        store_healthy_ = true;
    } catch (const std::exception& e) {
        try {
            if (store_.db().in_transaction()) store_.db().rollback();
        } catch (const std::exception& inner) {
            spdlog::debug("rollback after a failed tick: {}", inner.what());
        }
        const auto* db_error = dynamic_cast<const store::DatabaseError*>(&e);
        telemetry_->add("twintrack_database_errors_total",
                        {{"kind", db_error ? store::error_kind(*db_error) : "other"}});
        if (store_failures_ == 0) {
            spdlog::error("scheduled work failed, retrying with backoff: {}", e.what());
        } else {
            spdlog::debug("scheduled work failed again (attempt {}): {}", store_failures_ + 1,
                          e.what());
        }
        store_retry_at_ms_ = now + std::min<std::int64_t>(backoff_ms(store_failures_), 60000);
        ++store_failures_;
        store_healthy_ = false;
        telemetry_->add("twintrack_database_retries_total");
        next_tick_ms_ = std::min(store_retry_at_ms_, next_lease_ms());
    }
}

void Engine::tick_unguarded(std::int64_t now) {
    record_confirmations();
    check_external_changes();
    run_event_retries();
    run_jobs();
    if (directory_stale_) reload_directory();
    send_outbox();
    if (now >= next_prune_ms_) {
        // Redelivery happens within minutes or hours; a month of ids is plenty.
        store_.processed_events().prune(now - 30LL * 24 * 3600 * 1000);
        next_prune_ms_ = now + 3600 * 1000;
    }
    if (now >= next_gauges_ms_) update_gauges(now);
    std::int64_t next = now + tick_interval_ms;
    if (auto due = store_.jobs().next_due_at()) next = std::min(next, std::max(*due, now + 1));
    if (!outbox_in_flight_.empty() && now >= next_claim_renewal_ms_) {
        // Sends under way keep their claims (a platform may hold a post for a while).
        store_.outbox().renew_claims(holder_, now + outbox_lease_ms());
        next_claim_renewal_ms_ = now + outbox_lease_ms() / 3;
    }
    if (auto due = store_.outbox().next_attempt_at(connectors_elsewhere())) {
        next = std::min(next, std::max(*due, now + 1));
    }
    if (!event_retries_.empty()) {
        next = std::min(next, std::max(event_retries_.front().due_ms, now + 1));
    }
    next_tick_ms_ = std::min(next, std::max(next_lease_ms(), now + 1));
}

void Engine::add_connector_lease(const std::string& name, std::function<void(bool)> on_change) {
    LeaseState lease;
    lease.connector = name;
    lease.on_change = std::move(on_change);
    leases_.push_back(std::move(lease));
    telemetry_->set("twintrack_lease_held", {{"lease", "connector:" + name}}, 0);
}

bool Engine::add_fan_out(const std::string& name,
                         std::function<void(const store::FanOutEvent&)> show) {
    if (!store_.db().shared_by_processes()) return false;
    fan_out_shows_[name] = std::move(show);
    if (!fan_out_cursor_.started()) {
        // From here on (before the connector starts and anyone connects to it), not from
        // the first poll: what the others show meanwhile is not missed.
        try {
            fan_out_version_ = store_.db().fan_out_version();
            fan_out_cursor_.start(store_.fan_out());
        } catch (const std::exception& e) {
            spdlog::warn("fan-out: the store cannot be read yet ({}); the first poll starts it",
                         e.what());
        }
    }
    return true;
}

void Engine::fan_out(std::string connector, std::string kind, std::string target,
                     std::string payload) {
    store::FanOutEvent e;
    e.connector = std::move(connector);
    e.kind = std::move(kind);
    e.target = std::move(target);
    e.payload = std::move(payload);
    e.origin = holder_;
    post_task([this, e = std::move(e)]() mutable {
        e.created_at = core::to_millis(clock_.now());
        if (fan_out_pending_.size() >= fan_out_pending_kept) {
            spdlog::warn("fan-out: the store keeps failing; the oldest of {} waiting is dropped",
                         fan_out_pending_.size());
            fan_out_pending_.pop_front();
        }
        fan_out_pending_.push_back(std::move(e));
        poll_fan_out();
    });
}

void Engine::poll_fan_out() {
    if (fan_out_shows_.empty()) return;
    const auto steady = std::chrono::steady_clock::now();
    if (steady < fan_out_retry_at_) return;
    store::FanOutRepository& repo = store_.fan_out();
    try {
        // What this process showed goes first, in one transaction that carries the
        // notification (one commit, however many rows): committed before the send it
        // came from is recorded, since the confirmation is queued after it.
        if (!fan_out_pending_.empty()) {
            store::Transaction tx(store_.db());
            for (const auto& e : fan_out_pending_) repo.append(e);
            tx.commit();
            telemetry_->add("twintrack_fan_out_total", {{"direction", "out"}},
                            static_cast<double>(fan_out_pending_.size()));
            fan_out_pending_.clear();
        }
        // The version first: a notification that arrives while the rows are read is
        // noticed on the next poll.
        const std::int64_t version = store_.db().fan_out_version();
        if (!fan_out_cursor_.started()) {
            fan_out_cursor_.start(repo);
        } else if (version == fan_out_version_ && !fan_out_cursor_.waiting_for_gaps() &&
                   steady < next_fan_out_read_) {
            return;
        }
        fan_out_version_ = version;
        next_fan_out_read_ = steady + std::chrono::seconds(5);
        const std::int64_t steady_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(steady.time_since_epoch())
                .count();
        for (const auto& e : fan_out_cursor_.read(repo, holder_, steady_ms)) {
            const auto show = fan_out_shows_.find(e.connector);
            if (show == fan_out_shows_.end()) continue;
            try {
                show->second(e);
                telemetry_->add("twintrack_fan_out_total", {{"direction", "in"}});
            } catch (const std::exception& ex) {
                spdlog::error("fan-out: {} {} for {} not shown: {}", e.connector, e.kind, e.target,
                              ex.what());
            }
        }
        const std::int64_t now = core::to_millis(clock_.now());
        if (now >= next_fan_out_prune_ms_) {
            repo.prune(now - fan_out_kept_ms, fan_out_kept_rows);
            next_fan_out_prune_ms_ = now + 60000;
        }
        if (fan_out_failures_ > 0) spdlog::info("fan-out to the other processes works again");
        fan_out_failures_ = 0;
    } catch (const std::exception& e) {
        if (fan_out_failures_ == 0) {
            spdlog::warn("fan-out to the other processes failed, retrying: {}", e.what());
        }
        fan_out_retry_at_ = steady + std::chrono::milliseconds(std::min<std::int64_t>(
                                         backoff_ms(fan_out_failures_), 30000));
        ++fan_out_failures_;
    }
}

std::vector<std::string> Engine::held_leases() const {
    std::lock_guard<std::mutex> lock(leases_mu_);
    return held_names_;
}

std::int64_t Engine::next_lease_ms() const {
    std::int64_t next = std::numeric_limits<std::int64_t>::max();
    if (leases_closed_) return next;
    for (const auto& lease : leases_) {
        next = std::min(next, lease.next_try_ms);
        if (lease.held) next = std::min(next, lease.held_until_ms);
    }
    return next;
}

void Engine::lease_changed(LeaseState& lease, bool held) {
    const std::string name = "connector:" + lease.connector;
    lease.held = held;
    if (held) {
        spdlog::info("this process ({}) holds {} now: starting it", holder_, name);
        try {
            lease.on_change(true);
        } catch (const std::exception& e) {
            spdlog::error("{} not started, lease given back: {}", name, e.what());
            lease.held = false;
            try {
                store_.leases().release(name, holder_);
            } catch (const std::exception& inner) {
                spdlog::debug("giving back {}: {}", name, inner.what());
            }
        }
    } else {
        spdlog::warn("this process ({}) lost {}: stopping it; the holder runs it", holder_, name);
        try {
            lease.on_change(false);
        } catch (const std::exception& e) {
            spdlog::error("stopping {}: {}", lease.connector, e.what());
        }
    }
    telemetry_->set("twintrack_lease_held", {{"lease", name}}, lease.held ? 1 : 0);
    std::vector<std::string> names;
    for (const auto& l : leases_) {
        if (l.held) names.push_back("connector:" + l.connector);
    }
    std::sort(names.begin(), names.end());
    telemetry_->set_leases(names);
    std::lock_guard<std::mutex> lock(leases_mu_);
    held_names_ = std::move(names);
}

void Engine::keep_leases() {
    if (leases_.empty() || leases_closed_) return;
    const std::int64_t lease_ms = std::chrono::milliseconds(settings_.leases.connector).count();
    // The holder renews every third of the lease; the others try every 2 s (at most every
    // third of it), so a lease that ran out is taken within about 2 s.
    const std::int64_t renew_ms = std::max<std::int64_t>(lease_ms / 3, 1);
    const std::int64_t try_ms = std::min<std::int64_t>(renew_ms, 2000);
    for (auto& lease : leases_) {
        const std::int64_t now = core::to_millis(clock_.now());
        if (lease.held && now >= lease.held_until_ms) {
            // Not renewed in time (the store failed meanwhile): another process may hold
            // it already, so this one stops.
            lease_changed(lease, false);
        }
        if (now < lease.next_try_ms) continue;
        bool got = false;
        try {
            got = store_.leases().acquire("connector:" + lease.connector, holder_, now,
                                          now + lease_ms);
        } catch (const std::exception& e) {
            spdlog::debug("lease connector:{} not renewed: {}", lease.connector, e.what());
            lease.next_try_ms = now + try_ms;
            continue;
        }
        if (got) {
            lease.held_until_ms = now + lease_ms;
            lease.next_try_ms = now + renew_ms;
            if (!lease.held) lease_changed(lease, true);
        } else {
            lease.next_try_ms = now + try_ms;
            if (lease.held) lease_changed(lease, false);
        }
    }
}

void Engine::release_leases() {
    leases_closed_ = true;
    for (auto& lease : leases_) {
        if (!lease.held) continue;
        try {
            store_.leases().release("connector:" + lease.connector, holder_);
        } catch (const std::exception& e) {
            spdlog::warn("lease connector:{} not given back (it runs out): {}", lease.connector,
                         e.what());
        }
        lease.held = false;
        telemetry_->set("twintrack_lease_held", {{"lease", "connector:" + lease.connector}}, 0);
    }
    telemetry_->set_leases({});
    std::lock_guard<std::mutex> lock(leases_mu_);
    held_names_.clear();
}

void Engine::update_gauges(std::int64_t now) {
    auto& t = *telemetry_;
    t.set("twintrack_outbox_depth", {}, static_cast<double>(store_.outbox().pending_count()));
    const auto oldest = store_.outbox().oldest_pending_created_at();
    t.set("twintrack_outbox_oldest_seconds", {},
          oldest ? static_cast<double>(std::max<std::int64_t>(0, now - *oldest)) / 1000.0 : 0.0);
    const auto due = store_.jobs().next_due_at();
    t.set("twintrack_job_lag_seconds", {},
          due ? static_cast<double>(std::max<std::int64_t>(0, now - *due)) / 1000.0 : 0.0);
    t.set("twintrack_dialogs_open", {}, static_cast<double>(dialogs_.open_count()));
    t.set("twintrack_event_retries_waiting", {}, static_cast<double>(event_retries_.size()));
    next_gauges_ms_ = now + 5000;
}

void Engine::reload_directory() {
    directory_stale_ = false;
    directory_.load(store_.people().all());
    dialogs_.load_open(store_.dialogs().open_person_ids());
    data_version_ = store_.data_version();
    for (const auto& listener : directory_listeners_) listener(directory_);
}

void Engine::check_external_changes() {
    const std::int64_t version = store_.data_version();
    if (version != data_version_) reload_directory();
}

std::string Engine::locale_for(const Person* person) const {
    if (person == nullptr || person->locale.empty()) return settings_.default_locale;
    return prompts_->normalize_locale(person->locale);
}

std::optional<core::Address> Engine::direct_address(const Person& person,
                                                    const std::string& hint) const {
    for (const auto& ident : person.identities) {
        if (ident.connector == hint && outlets_.count(hint)) {
            return core::Address{hint, "@" + ident.user_id, ""};
        }
    }
    for (const auto& ident : person.identities) {
        if (outlets_.count(ident.connector)) {
            return core::Address{ident.connector, "@" + ident.user_id, ""};
        }
    }
    if (!person.identities.empty()) {
        const auto& ident = person.identities.front();
        return core::Address{ident.connector, "@" + ident.user_id, ""};
    }
    return std::nullopt;
}

bool Engine::remember_event(const core::Event& event) {
    if (event.id.empty()) return true;
    std::string key = event.where.connector + '\x1f' + event.id;
    if (!recent_ids_.insert(key).second) return false;
    recent_order_.push_back(std::move(key));
    if (recent_order_.size() > recent_ids_kept) {
        recent_ids_.erase(recent_order_.front());
        recent_order_.pop_front();
    }
    return true;
}

const Person* Engine::match_by_email(const core::Event& event) {
    const core::Sender& who = event.who;
    const Person* person = directory_.by_email(who.email);
    if (person == nullptr) return nullptr;
    const std::string shown = who.connector + ":" + who.user_id;
    for (const auto& identity : person->identities) {
        if (identity.connector == who.connector) {
            // Another account on the same platform claims the address: `link` decides.
            spdlog::warn("{} says it is {}, who already is {}:{}; not linked", shown, person->email,
                         identity.connector, identity.user_id);
            return nullptr;
        }
    }
    store::Transaction tx(store_.db());
    if (store_.people().owner_of({who.connector, who.user_id})) return nullptr;
    store_.people().add_identity(person->id, {who.connector, who.user_id});
    store::AuditEntry entry;
    entry.at = core::to_millis(clock_.now());
    entry.person_id = person->id;
    entry.action = "identity.match_by_email";
    entry.detail = nlohmann::json{{"person_id", person->id}, {"identity", shown}}.dump();
    entry.event_id = event.where.connector + ":" + event.id;
    store_.audit().record(entry);
    tx.commit();
    spdlog::info("{} recognised by the email its platform verified (person {})", shown, person->id);
    reload_directory();
    return directory_.resolve(who);
}

void Engine::forget_event(const core::Event& event) {
    if (event.id.empty()) return;
    recent_ids_.erase(event.where.connector + '\x1f' + event.id);
}

void Engine::handle(const core::Event& event, int attempt) {
    const bool change =
        event.kind == core::EventKind::edit || event.kind == core::EventKind::remove;
    if (event.kind != core::EventKind::message && event.kind != core::EventKind::action &&
        !change) {
        return;
    }
    try {
        if (change) {
            // An edit or deletion of a channel message: for the channel turn listeners.
            if (!event.direct && remember_event(event)) {
                run_channel_turns(event, directory_.resolve(event.who));
            }
        } else if (event.kind == core::EventKind::action) {
            handle_action(event);
        } else {
            handle_message(event);
        }
    } catch (const store::DatabaseError& e) {
        telemetry_->add("twintrack_database_errors_total", {{"kind", store::error_kind(e)}});
        if (store::is_transient(e)) {
            retry_or_give_up(event, attempt, e.what());
        } else {
            spdlog::error("event {}:{} failed: {}", event.where.connector, event.id, e.what());
        }
    } catch (const std::exception& e) {
        spdlog::error("event {}:{} failed: {}", event.where.connector, event.id, e.what());
    }
    try {
        if (directory_stale_) reload_directory();
    } catch (const std::exception& e) {
        spdlog::error("directory not reloaded after event {}:{}: {}", event.where.connector,
                      event.id, e.what());
    }
}

void Engine::retry_or_give_up(const core::Event& event, int attempt, const std::string& why) {
    forget_event(event);  // the retry must not be taken for a redelivery
    if (attempt + 1 < event_attempts && event_retries_.size() < max_event_retries) {
        const std::int64_t due = core::to_millis(clock_.now()) + 1000LL * (1LL << attempt);
        spdlog::warn("event {}:{} waits for the store (attempt {}): {}", event.where.connector,
                     event.id, attempt + 1, why);
        telemetry_->add("twintrack_database_retries_total");
        event_retries_.push_back({due, attempt + 1, event});
        next_tick_ms_ = std::min(next_tick_ms_, due);
        return;
    }
    spdlog::error("event {}:{} given up after {} attempt(s), the store is unavailable: {}",
                  event.where.connector, event.id, attempt + 1, why);
    const Person* person = directory_.resolve(event.who);
    Turn busy(*this, &event, person);
    busy.reply("core.store_busy");
    deliver(busy);
}

void Engine::run_event_retries() {
    const std::int64_t now = core::to_millis(clock_.now());
    // Retries are queued in order of their due time within one attempt; take what is due.
    std::deque<EventRetry> due;
    for (auto it = event_retries_.begin(); it != event_retries_.end();) {
        if (it->due_ms <= now) {
            due.push_back(std::move(*it));
            it = event_retries_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto& r : due) handle(r.event, r.attempt);
}

void Engine::handle_request(const core::ApiRequest& request, const core::ApiReply& reply) {
    const auto match = api_.match(request.method, request.path);
    if (match.route == nullptr) {
        if (match.other_method) {
            auto r = api_error(405, "method_not_allowed", "use " + core::join(match.allowed, ", "));
            r.headers.emplace_back("Allow", core::join(match.allowed, ", "));
            reply(std::move(r));
        } else {
            reply(api_error(404, "not_found", "no such path: " + request.path));
        }
        return;
    }
    Turn turn(*this, nullptr, nullptr);
    core::ApiResponse response;
    try {
        if (match.route->writes) turn.write();
        std::optional<core::ApiResponse> refused;
        if (!request.api_token.empty()) refused = check_api_token(turn, request, match.scope);
        response = refused ? std::move(*refused)
                           : match.route->handler(turn, ApiCall{request, match.params});
        finish_turn(turn, true);
    } catch (const std::exception& e) {
        finish_turn(turn, false);
        spdlog::error("{} {} failed: {}", request.method, request.path, e.what());
        response = api_error(500, "internal", "the request failed; nothing was changed");
    }
    if (request.method == "HEAD") response.body.clear();
    reply(std::move(response));
    if (directory_stale_) reload_directory();
}

void Engine::handle_message(const core::Event& event) {
    if (!remember_event(event)) {
        spdlog::debug("event {}:{} seen before, ignored", event.where.connector, event.id);
        return;
    }
    std::string_view text = core::trim(event.text);
    bool for_bot = event.direct || event.addressed;
    if (!text.empty() && text.front() == '!') {
        for_bot = true;
        text = core::trim(text.substr(1));
    }
    const Person* person = directory_.resolve(event.who);
    if (person == nullptr && for_bot) {
        check_external_changes();  // someone may have been imported meanwhile
        person = directory_.resolve(event.who);
    }
    if (person == nullptr && !event.who.email.empty() && settings_.directory.match_by_email) {
        person = match_by_email(event);
    }
    const bool in_dialog = person != nullptr && dialogs_.has_open(person->id);
    if (!for_bot && !event.direct) {
        for (const auto& listener : channel_listeners_) {
            try {
                listener(event, person);
            } catch (const std::exception& e) {
                spdlog::error("channel message {}:{} not recorded: {}", event.where.connector,
                              event.id, e.what());
            }
        }
    }
    if (!for_bot && !in_dialog) {
        if (!event.direct) run_channel_turns(event, person);
        if (person != nullptr && !event.direct) watch(event, person);
        return;
    }

    Turn turn(*this, &event, person);
    if (event.text.size() > core::max_message_bytes) {
        turn.reply("core.too_long", {{"limit_kib", core::max_message_bytes / 1024}});
        deliver(turn);
        return;
    }
    if (!core::valid_utf8(event.text)) {
        turn.reply("core.invalid_utf8");
        deliver(turn);
        return;
    }
    if (person == nullptr) {
        turn.reply("core.unknown_sender",
                   {{"user", event.who.user_id}, {"connector", event.who.connector}});
        deliver(turn);
        return;
    }
    const std::string command(text);
    const auto started = std::chrono::steady_clock::now();
    struct Timer {
        core::Telemetry& t;
        std::chrono::steady_clock::time_point at;
        ~Timer() {
            t.observe("twintrack_command_seconds", {},
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - at).count());
        }
    } timer{*telemetry_, started};
    run_turn(turn, event, [&] {
        const bool taken = in_dialog && dialogs_.handle(turn, command);
        if (!taken && for_bot) router_.dispatch(turn, command);
    });
}

void Engine::handle_action(const core::Event& click) {
    if (!remember_event(click)) {
        spdlog::debug("click {}:{} seen before, ignored", click.where.connector, click.id);
        return;
    }
    core::Event event = Actions::as_typed(click);
    const Person* person = directory_.resolve(event.who);
    Turn turn(*this, &event, person);
    run_turn(turn, event, [&] { actions_.click(turn, event); });
}

void Engine::run_turn(Turn& turn, const core::Event& event, const std::function<void()>& work) {
    const Person* person = turn.person();
    const std::string who = person != nullptr ? person->email : event.who.user_id;
    try {
        work();
        finish_turn(turn, true);
    } catch (const AlreadyProcessed&) {
        finish_turn(turn, false);
        spdlog::info("event {}:{} was applied before, not again", event.where.connector, event.id);
    } catch (const store::DatabaseError& e) {
        finish_turn(turn, false);
        if (store::is_transient(e)) throw;  // handle() retries the whole event
        spdlog::error("command from {} (event {}:{}) failed: {}", who, event.where.connector,
                      event.id, e.what());
        Turn apology(*this, &event, person);
        apology.reply("core.apology");
        deliver(apology);
    } catch (const std::exception& e) {
        finish_turn(turn, false);
        spdlog::error("command from {} (event {}:{}) failed: {}", who, event.where.connector,
                      event.id, e.what());
        Turn apology(*this, &event, person);
        apology.reply("core.apology");
        deliver(apology);
    }
}

void Engine::watch(const core::Event& event, const Person* person) {
    if (watchers_.empty() || event.text.size() > core::max_message_bytes ||
        !core::valid_utf8(event.text)) {
        return;
    }
    Turn turn(*this, &event, person);
    try {
        for (const auto& watcher : watchers_) {
            if (watcher(turn, event.text)) break;
        }
        finish_turn(turn, true);
    } catch (const AlreadyProcessed&) {
        finish_turn(turn, false);
    } catch (const std::exception& e) {
        finish_turn(turn, false);
        spdlog::error("watching event {}:{} failed: {}", event.where.connector, event.id, e.what());
    }
}

void Engine::run_channel_turns(const core::Event& event, const Person* person) {
    for (std::size_t i = 0; i < channel_turns_.size(); ++i) {
        // The turn's own event id, so that each listener handles an event once (also
        // after a restart) and the turns the message gets elsewhere are not disturbed.
        core::Event marked = event;
        if (!marked.id.empty()) marked.id = "channel" + std::to_string(i) + ":" + event.id;
        Turn turn(*this, &marked, person);
        try {
            channel_turns_[i](turn, event);
            finish_turn(turn, true);
        } catch (const AlreadyProcessed&) {
            finish_turn(turn, false);
        } catch (const store::DatabaseError& e) {
            finish_turn(turn, false);
            if (store::is_transient(e)) throw;  // handle() retries the event
            spdlog::error("channel event {}:{} not handled: {}", event.where.connector, event.id,
                          e.what());
        } catch (const std::exception& e) {
            finish_turn(turn, false);
            spdlog::error("channel event {}:{} not handled: {}", event.where.connector, event.id,
                          e.what());
        }
    }
}

void Engine::finish_turn(Turn& turn, bool ok) {
    if (!turn.writing()) {
        if (ok) deliver(turn);
        return;
    }
    if (!ok) {
        turn.posts().clear();
        try {
            store_.db().rollback();
        } catch (const std::exception& e) {
            spdlog::error("rollback failed: {}", e.what());
        }
        return;
    }
    deliver(turn);
}

void Engine::deliver(Turn& turn) {
    auto posts = std::move(turn.posts());
    turn.posts().clear();
    if (!turn.writing()) {
        for (const auto& original : posts) {
            auto it = outlets_.find(original.to.connector);
            if (it == outlets_.end()) {
                spdlog::warn("no connector {} for a reply; dropped", original.to.connector);
                continue;
            }
            const auto post = shaped_for(original, shows_actions(original.to.connector),
                                         abilities(original.to.connector));
            if (!post) continue;
            it->second(*post, [connector = post->to.connector, t = telemetry_](core::SendResult r) {
                t->add("twintrack_posts_out_total",
                       {{"connector", connector}, {"result", r.ok ? "ok" : "error"}});
                if (!r.ok) spdlog::warn("reply on {} not delivered: {}", connector, r.error);
            });
        }
        return;
    }
    // The turn wrote: its posts join the outbox in the same transaction, then go out.
    // Those this process can send are queued claimed by it, so that it sends them itself
    // (another process on the database would only take them after the claim ran out).
    const std::int64_t now = core::to_millis(clock_.now());
    const std::int64_t claim_until = now + outbox_lease_ms();
    for (const auto& post : posts) {
        store::OutboxEntry e;
        e.connector = post.to.connector;
        e.channel = post.to.channel;
        e.thread = post.to.thread;
        e.text = post.text;
        e.reply_to = post.reply_to;
        e.dedupe_key = post.dedupe_key;
        e.attachments = encode_attachments(post.attachments);
        e.locale = post.locale;
        e.actions = encode_actions(post);
        std::optional<std::pair<std::string, std::int64_t>> claim;
        if (sends_here(e.connector)) claim.emplace(holder_, claim_until);
        store_.outbox().enqueue(e, now, nullptr, claim);
    }
    store_.db().commit();
    // Committed: from here on nothing may report the turn as failed. Sending waits for
    // the next tick if the store cannot be read now.
    try {
        send_outbox();
    } catch (const std::exception& e) {
        spdlog::warn("outbox not sent after a commit, the next tick retries: {}", e.what());
        next_tick_ms_ = core::to_millis(clock_.now());
    }
}

void Engine::send_outbox() {
    const std::int64_t now = core::to_millis(clock_.now());
    // Claimed first (one statement), so no other process on the database sends these
    // posts while this one does; posts for connectors another process runs are left.
    // Posts already handed to a connector and waiting for its answer are claimed again
    // (the claim is this process's) but not sent again: they must not fill the batch, or
    // a platform slow to answer would hold back every post queued behind them.
    const int batch = 200 + static_cast<int>(outbox_in_flight_.size());
    for (const auto& entry : store_.outbox().claim_due(now, batch, holder_, now + outbox_lease_ms(),
                                                       connectors_elsewhere())) {
        if (outbox_in_flight_.count(entry.id)) continue;
        auto it = outlets_.find(entry.connector);
        if (it == outlets_.end()) {
            // Another process may run that connector (e.g. `console` next to `run`).
            if (entry.attempts + 1 >= outbox_attempts) {
                spdlog::error("outbox post {} given up: connector {} never ran", entry.id,
                              entry.connector);
                store_.outbox().mark_failed(entry.id, "connector not running", std::nullopt);
            } else {
                store_.outbox().mark_failed(
                    entry.id, "connector " + entry.connector + " not running", now + 60000);
            }
            continue;
        }
        core::Post stored;
        stored.to = {entry.connector, entry.channel, entry.thread};
        stored.text = entry.text;
        stored.reply_to = entry.reply_to;
        stored.dedupe_key = entry.dedupe_key;
        stored.attachments = decode_attachments(entry.attachments);
        stored.locale = entry.locale;
        decode_actions(entry.actions, stored);
        const auto post = shaped_for(std::move(stored), shows_actions(entry.connector),
                                     abilities(entry.connector));
        if (!post) {
            // An update or deletion of a post on a platform that cannot do it: nothing to send.
            store_.outbox().mark_sent(entry.id, "", now);
            continue;
        }
        outbox_in_flight_.insert(entry.id);
        const std::int64_t id = entry.id;
        const int attempts = entry.attempts;
        it->second(*post, [this, id, attempts, connector = entry.connector,
                           key = entry.dedupe_key](core::SendResult r) {
            telemetry_->add("twintrack_posts_out_total",
                            {{"connector", connector}, {"result", r.ok ? "ok" : "error"}});
            post_task([this, id, attempts, key, r = std::move(r)] {
                confirmations_.push_back({id, attempts, r, key});
                try {
                    record_confirmations();
                } catch (const std::exception& e) {
                    // Kept in confirmations_; the next tick records them.
                    spdlog::warn("send confirmation for outbox post {} not recorded yet: {}", id,
                                 e.what());
                    next_tick_ms_ = core::to_millis(clock_.now());
                }
            });
        });
    }
}

void Engine::record_confirmations() {
    while (!confirmations_.empty()) {
        const Confirmation& c = confirmations_.front();
        const std::int64_t t = core::to_millis(clock_.now());
        if (c.result.ok) {
            store_.outbox().mark_sent(c.outbox_id, c.result.message_id, t);
            if (!c.dedupe_key.empty()) {
                for (const auto& listener : sent_listeners_) listener(c.dedupe_key, c.result);
            }
        } else if (c.result.retryable && c.result.held_until_ms > t) {
            // The platform holds it (a quota): wait without using up an attempt.
            spdlog::info("outbox post {} held for {} s: {}", c.outbox_id,
                         (c.result.held_until_ms - t) / 1000, c.result.error);
            store_.outbox().hold(c.outbox_id, c.result.error, c.result.held_until_ms);
        } else if (c.result.retryable && c.attempts + 1 < outbox_attempts) {
            spdlog::warn("outbox post {} failed (attempt {}): {}", c.outbox_id, c.attempts + 1,
                         c.result.error);
            store_.outbox().mark_failed(c.outbox_id, c.result.error, t + backoff_ms(c.attempts));
            // The conversation's later posts wait for this one: they keep their order.
            store_.outbox().keep_order(c.outbox_id);
        } else {
            spdlog::error("outbox post {} given up: {}", c.outbox_id, c.result.error);
            store_.outbox().mark_failed(c.outbox_id, c.result.error, std::nullopt);
            if (!c.dedupe_key.empty()) {
                core::SendResult failed = c.result;
                failed.ok = false;
                for (const auto& listener : sent_listeners_) listener(c.dedupe_key, failed);
            }
        }
        outbox_in_flight_.erase(c.outbox_id);
        confirmations_.erase(confirmations_.begin());
    }
}

void Engine::run_jobs() {
    const std::int64_t now = core::to_millis(clock_.now());
    const std::int64_t lease_ms = std::chrono::milliseconds(settings_.leases.job).count();
    // Claimed first (committed on its own), so no other process on the database runs
    // these jobs while this one does; a claim this process fails to finish runs out.
    for (const auto& job : store_.jobs().claim_due(now, 100, holder_, now + lease_ms)) {
        const Scheduler::Handler* handler = scheduler_.handler(job.kind);
        if (handler == nullptr) {
            spdlog::error("job {} has unknown kind {}; given up", job.key, job.kind);
            store_.jobs().mark_failed(job.id, "unknown job kind", std::nullopt, now, holder_);
            continue;
        }
        Turn turn(*this, nullptr, nullptr);
        try {
            turn.write();
            auto payload = nlohmann::json::parse(job.payload, nullptr, false);
            (*handler)(turn, payload.is_discarded() ? nlohmann::json::object() : payload);
            if (!store_.jobs().mark_done(job.id, now, holder_)) {
                // The lease ran out and another process took the job: its run counts.
                finish_turn(turn, false);
                spdlog::warn("job {} ({}) was taken over by another process; this run is undone",
                             job.key, job.kind);
                continue;
            }
            finish_turn(turn, true);
        } catch (const store::DatabaseError& e) {
            finish_turn(turn, false);
            // The store itself failed: not the job's fault, so no attempt is counted; the
            // tick backs off and the job runs again then.
            if (store::is_transient(e)) throw;
            fail_job(job, e.what(), now);
        } catch (const std::exception& e) {
            finish_turn(turn, false);
            fail_job(job, e.what(), now);
        }
    }
}

void Engine::fail_job(const store::Job& job, const std::string& error, std::int64_t now) {
    const bool again = job.attempts + 1 < job_attempts;
    spdlog::error("job {} ({}) failed, attempt {}: {}", job.key, job.kind, job.attempts + 1, error);
    store_.jobs().mark_failed(
        job.id, error,
        again ? std::optional<std::int64_t>(now + 60000 * (1LL << job.attempts)) : std::nullopt,
        now, holder_);
}

}  // namespace twintrack::bot
