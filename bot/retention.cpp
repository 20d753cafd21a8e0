#include "bot/retention.hpp"

#include <date/date.h>
#include <spdlog/spdlog.h>

#include "bot/engine.hpp"
#include "bot/report_retention.hpp"
#include "bot/sign_in.hpp"
#include "bot/turn.hpp"

namespace twintrack::bot {
namespace {

constexpr const char* job_kind = "retention.daily";
constexpr std::int64_t day_ms = 24LL * 3600 * 1000;
/// Link codes live 10 minutes; a day keeps them for answering "already used".
constexpr std::int64_t link_codes_kept_ms = 2 * day_ms;

/// One job a UTC day: `retention.daily.YYYY-MM-DD`.
std::string job_key(std::int64_t at) {
    const auto day = date::floor<date::days>(core::from_millis(at));
    return std::string(job_kind) + "." + date::format("%F", day);
}

store::Job job_at(std::int64_t at) {
    store::Job job;
    job.kind = job_kind;
    job.key = job_key(at);
    job.payload = "{}";
    job.due_at = at;
    return job;
}

void run_retention(Turn& turn, const std::vector<store::PersonDataPart>& parts) {
    const RetentionSettings& r = turn.engine().settings().retention;
    const std::int64_t now = core::to_millis(turn.now());
    auto& data = turn.write().person_data();
    auto cutoff = [&](long long days) { return now - static_cast<std::int64_t>(days) * day_ms; };
    const int messages =
        r.channel_messages_days > 0
            ? data.delete_expired("channel_messages", cutoff(r.channel_messages_days), parts)
            : 0;
    auto* report_retention = turn.engine().services().find<reports::ReportRetention>();
    const int reports = r.reports_days > 0 && report_retention != nullptr
                            ? report_retention->delete_filed_before(turn, cutoff(r.reports_days))
                            : 0;
    const int audit = r.audit_log_days > 0 ? data.delete_audit_log(cutoff(r.audit_log_days)) : 0;
    const int codes = data.delete_link_codes(now - link_codes_kept_ms);
    // Hub sign-in: sessions that ended (revoked, or past their absolute end), spent sign-in
    // links a day after they expired, and requests older than the rate-limit window.
    auto& sign_in = turn.write().sign_in();
    const int sessions = sign_in.delete_ended_sessions(now);
    const int links = sign_in.delete_links_expired_before(now - day_ms);
    const int requests =
        sign_in.delete_requests_before(now - std::int64_t{sign_in_window_minutes} * 60 * 1000);
    if (messages + reports + audit + codes + sessions + links + requests > 0) {
        spdlog::info(
            "retention: deleted {} channel messages, {} reports, {} audit rows, {} link "
            "codes, {} ended sessions, {} sign-in links, {} sign-in requests",
            messages, reports, audit, codes, sessions, links, requests);
        turn.audit("retention.run", {{"channel_messages", messages},
                                     {"reports", reports},
                                     {"audit_log", audit},
                                     {"link_codes", codes},
                                     {"sessions", sessions},
                                     {"sign_in_links", links},
                                     {"sign_in_requests", requests}});
    }
    turn.write().jobs().schedule(job_at(now + day_ms));
}

}  // namespace

void register_retention(Engine& engine, std::vector<store::PersonDataPart> parts) {
    engine.scheduler().on(job_kind, [parts = std::move(parts)](Turn& turn, const nlohmann::json&) {
        run_retention(turn, parts);
    });
    // Today's run (at once, unless it ran today already) and tomorrow's, so a day that
    // failed for good does not end the chain.
    const std::int64_t now = core::to_millis(engine.clock().now());
    engine.store().jobs().schedule(job_at(now));
    engine.store().jobs().schedule(job_at(now + day_ms));
}

}  // namespace twintrack::bot
