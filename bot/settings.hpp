#pragma once
// What the engine is told by config: the company, its defaults, the cooperation rules,
// retention, the welcome and the directory. Each feature keeps its settings in its own
// folder, read from its own section (`features`, bot/feature.hpp).

#include <chrono>
#include <map>
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
    /// The program's data folder; features resolve relative paths in their settings
    /// against it (empty: the working directory).
    std::string data_dir;
    Rules rules;
    RetentionSettings retention;
    WelcomeSettings welcome;
    DirectorySettings directory;
    LeaseSettings leases;
    /// Each feature's own settings, read from its own section (bot/feature.hpp).
    FeatureSettings features;
};

}  // namespace twintrack::bot
