#pragma once
// What the bot is told by config: the company, its defaults and the cooperation rules.
// Features moved to modules keep their settings in their own folder (`features`);
// reports and meetings still have theirs here.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bot/feature_settings.hpp"

namespace twintrack::bot {

/// The rules both departments agreed on (PRODUCT.md, "Rules over goodwill"); shown to
/// everyone by `rules`.
struct Rules {
    int handoff_acceptance_hours = 24;         ///< working hours in the rep's zone
    double commission_pool_rate = 0.05;        ///< share of incremental sales
    long long key_engagement_amount = 500000;  ///< in the company currency
    std::string currency = "CNY";
    /// Further agreements in each locale, shown as written.
    std::map<std::string, std::vector<std::string>> notes;
};

/// A competitor as configured: `{name: Huawei, aliases: [华为]}`.
struct CompetitorSetting {
    std::string name;
    std::vector<std::string> aliases;  ///< other names, in any language
};

/// A weekly report window of a department, in each person's local time:
/// `{department: sales, opens: "Fri 15:00", closes: "Mon 10:00"}`.
struct ReportWindowSetting {
    std::string department = "sales";
    unsigned open_weekday = 5;  ///< 0 = Sunday ... 6 = Saturday
    int open_minute = 15 * 60;  ///< after local midnight
    unsigned close_weekday = 1;
    int close_minute = 10 * 60;
};

/// The `reports:` section (field reports and competitive intelligence).
struct ReportSettings {
    /// At most one per department. Default: sales, Friday 15:00 to Monday 10:00.
    std::vector<ReportWindowSetting> windows = {ReportWindowSetting{}};
    std::vector<CompetitorSetting> competitors;
    /// Words that mean a customer need, per locale: `{en: [case study], zh-CN: [案例]}`.
    /// Defaults until the config names its own.
    std::map<std::string, std::vector<std::string>> need_keywords = {
        {"en", {"case study", "demo", "trial", "training"}},
        {"zh-CN", {"案例", "演示", "试用", "培训"}}};
};

/// What fetching a calendar for `calendar import URL` came to. The user is told which
/// kind of failure, never the remote server's status or answer (those are logged).
struct CalendarFetchResult {
    enum class Outcome {
        ok,       ///< `body` holds what the server sent
        refused,  ///< the URL or a redirect leads to an internal address not allowed
        too_big,  ///< more than 4 MiB
        failed,   ///< network error, timeout, an error status or a bad URL
        busy      ///< too many fetches at once
    };
    Outcome outcome = Outcome::failed;
    std::string body;
};

/// Fetches `url` off the engine thread and calls `done` exactly once with the result,
/// usually from another thread (so `done` only queues work for the engine). The program
/// passes one in (app/); bot/ itself has no network code.
using CalendarFetcher =
    std::function<void(const std::string& url, std::function<void(CalendarFetchResult)> done)>;

/// The `meetings:` section (meet/book, calendar import, joint meetings).
struct MeetingSettings {
    /// Working days for everyone: bit d set = weekday d works (0 = Sunday). Mon-Fri.
    unsigned work_days = 0x3e;
    int default_duration_minutes = 30;
    int default_within_days = 5;
    /// `calendar import FILE` reads plain file names from this folder; empty: no files.
    std::string calendar_dir;
    /// How far ahead recurring imported events are expanded, in days.
    int import_horizon_days = 90;
    /// `calendar import URL` allowed (http and https); the program then sets the fetcher.
    bool calendar_urls = false;
    /// Hosts (exact names) and addresses or networks (CIDR) that `calendar import URL`
    /// may reach although they are loopback, link-local or private. Empty: none.
    std::vector<std::string> calendar_url_allow;
    /// Fetches `calendar import URL`; unset: URLs are refused.
    CalendarFetcher fetch_calendar;
};

/// The `retention:` section: how many days each kind of record is kept (0: for ever).
/// A daily job deletes what is older, whatever else is configured.
struct RetentionSettings {
    long long channel_messages_days = 120;  ///< channel history for summaries
    long long reports_days = 3 * 365;       ///< field reports with their versions
    long long audit_log_days = 2 * 365;     ///< who changed what
};

/// The welcome each person gets by direct message the first time the bot meets them.
struct WelcomeSettings {
    /// `welcome.enabled`: on unless configured off. Only people the bot can reach by direct
    /// message are welcomed (a group robot cannot send one).
    bool enabled = true;
    /// At most this many welcomes a minute, so importing a whole directory does not flood
    /// a platform.
    int per_minute = 20;
};

/// How the bot recognises someone it has not met on a platform yet.
struct DirectorySettings {
    /// `directory.match_by_email`: a sender whose platform vouches for an email the people
    /// directory holds is that person; the identity is recorded (and audited) as `link`
    /// would. On unless configured off.
    bool match_by_email = true;
};

/// Several processes on one database (docs/STORE.md): who this process is, and how long
/// what it claims stays its own when it stops renewing (it died or hangs).
struct LeaseSettings {
    /// This process among the others, e.g. `host:pid:random`; empty: the engine makes one.
    std::string holder;
    /// `leases.job_seconds`: a claimed job another process may run after this long.
    std::chrono::seconds job{30};
    /// `leases.outbox_seconds`: a claimed outbox post (renewed while its send is under
    /// way) another process may send after this long.
    std::chrono::seconds outbox{30};
    /// `leases.connector_seconds`: a connector's lease (renewed every third of it while
    /// the connector runs) another process may take after this long.
    std::chrono::seconds connector{30};
};

struct BotSettings {
    std::string company_name = "TwinTrack";
    std::string company_timezone = "Asia/Shanghai";
    std::string default_locale = "en";
    std::string bot_user = "twintrack";
    std::chrono::minutes dialog_timeout{30};
    Rules rules;
    ReportSettings reports;
    MeetingSettings meetings;
    RetentionSettings retention;
    WelcomeSettings welcome;
    DirectorySettings directory;
    LeaseSettings leases;
    /// Each moved feature's own settings, read from its own section (bot/feature.hpp).
    FeatureSettings features;
};

}  // namespace twintrack::bot
