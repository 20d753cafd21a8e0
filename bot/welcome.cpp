#include "bot/welcome.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <set>

#include "bot/engine.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot {
namespace {

constexpr const char* welcome_job = "welcome.send";
constexpr const char* welcome_scan_job = "welcome.scan";

struct WelcomeState {
    std::set<std::int64_t> scheduled;  // people whose welcome job exists (this process)
    std::int64_t next_due_ms = 0;      // the rate limit: the earliest free slot
};

bool is_bot_account(const Engine& engine, const Person& p) {
    const std::string bot = core::ascii_lower(engine.settings().bot_user);
    return std::any_of(p.identities.begin(), p.identities.end(), [&](const store::Identity& i) {
        return core::ascii_lower(i.user_id) == bot;
    });
}

bool reachable(const Engine& engine, const Person& p) {
    const auto connectors = engine.connector_names();
    return std::any_of(p.identities.begin(), p.identities.end(), [&](const store::Identity& i) {
        return std::find(connectors.begin(), connectors.end(), i.connector) != connectors.end();
    });
}

void schedule_welcomes(Engine& engine, WelcomeState& state, const Directory& directory) {
    const WelcomeSettings& settings = engine.settings().welcome;
    const std::int64_t now = core::to_millis(engine.clock().now());
    const std::int64_t spacing = 60'000 / std::max(1, settings.per_minute);
    for (const auto& p : directory.all()) {
        if (p.welcomed_at != 0 || state.scheduled.count(p.id) != 0) continue;
        if (is_bot_account(engine, p) || !reachable(engine, p)) continue;
        store::Job job;
        job.kind = welcome_job;
        job.key = std::string(welcome_job) + "." + std::to_string(p.id);
        job.payload = nlohmann::json{{"person", p.id}}.dump();
        job.due_at = std::max(now, state.next_due_ms);
        if (engine.store().jobs().schedule(job)) state.next_due_ms = job.due_at + spacing;
        state.scheduled.insert(p.id);
    }
}

void send_welcome(Turn& turn, const nlohmann::json& payload) {
    Engine& engine = turn.engine();
    const Person* p = engine.directory().by_id(payload.value("person", std::int64_t{0}));
    if (p == nullptr || p->welcomed_at != 0 || is_bot_account(engine, *p)) return;
    const auto address = engine.direct_address(*p, "");
    if (!address) return;
    const std::int64_t now = core::to_millis(turn.now());
    if (!turn.write().people().mark_welcomed(p->id, now)) return;
    const std::string locale = engine.locale_for(p);
    const std::string group = welcome_group(p->department, p->role);
    nlohmann::json things = nlohmann::json::array();
    for (int i = 1; i <= 3; ++i) {
        things.push_back(engine.prompts().render(
            locale, "core.welcome_does." + group + "." + std::to_string(i)));
    }
    turn.post(*address, locale, "core.welcome",
              {{"name", p->name},
               {"bot", engine.settings().bot_user},
               {"company", engine.settings().company_name},
               {"things", things}},
              "welcome." + std::to_string(p->id));
    turn.audit("welcome.sent", {{"person", p->email}, {"connector", address->connector}});
}

}  // namespace

std::string welcome_group(const std::string& department, const std::string& role) {
    if (role == "admin") return "admin";
    if (role == "hr" || department == "hr") return "hr";
    if (department == "management") return "management";
    const std::string side = department == "marketing" ? "marketing" : "sales";
    return side + (role == "manager" ? "_manager" : "_staff");
}

void register_welcome(Engine& engine) {
    engine.scheduler().on(welcome_job, send_welcome);
    if (!engine.settings().welcome.enabled) return;
    auto state = std::make_shared<WelcomeState>();
    engine.on_directory_changed([&engine, state](const Directory& directory) {
        try {
            schedule_welcomes(engine, *state, directory);
        } catch (const std::exception& e) {
            // Tried again at the next directory change; nobody is welcomed twice.
            spdlog::warn("welcomes not scheduled now: {}", e.what());
        }
    });
    // The directory loaded at start (before the connectors were wired): a scan at the
    // first tick, once the platforms are known.
    engine.scheduler().on(welcome_scan_job, [state](Turn& turn, const nlohmann::json&) {
        schedule_welcomes(turn.engine(), *state, turn.engine().directory());
    });
    const std::int64_t now = core::to_millis(engine.clock().now());
    store::Job scan;
    scan.kind = welcome_scan_job;
    scan.key = std::string(welcome_scan_job) + "." + std::to_string(now);
    scan.payload = "{}";
    scan.due_at = now;
    engine.store().jobs().schedule(scan);
}

}  // namespace twintrack::bot
