#pragma once
// The sub-commands of the `twintrack` program, wired from config, store, bot and
// connectors. Each returns the process exit code.

#include <optional>
#include <string>

namespace twintrack::app {

struct Options {
    std::string config_path;  ///< empty: embedded default
    std::string data_dir;     ///< empty: from config, else ./data
    std::string store_url;    ///< `--store URL`; empty: from config, else SQLite in data_dir
    std::optional<int> port;  ///< overrides the first hub's port
    bool demo = false;
    std::string log_level;  ///< empty: from config
};

int run_server(const Options& options);
int run_console(const Options& options, const std::string& who);
int check_config(const std::string& path);
int import_people(const Options& options, const std::string& csv_path);
/// `twintrack import deals|quotas|campaigns FILE.csv` (all rows or none).
int import_metrics(const Options& options, const std::string& kind, const std::string& csv_path);
/// `twintrack export reports FILE.csv` ("-" writes to standard output).
int export_reports(const Options& options, const std::string& csv_path);
/// `twintrack plan import FILE` (the 3-1-3 plan, CSV or YAML; all or nothing).
int plan_import(const Options& options, const std::string& path);
/// `twintrack plan export FILE.csv` (the plan as a plan file; "-" writes to standard output).
int plan_export(const Options& options, const std::string& path);

/// `twintrack person export EMAIL FILE.json` ("-" writes to standard output).
int person_export(const Options& options, const std::string& email, const std::string& path);
/// `twintrack person erase EMAIL`.
int person_erase(const Options& options, const std::string& email);

/// `twintrack token create NAME --scope S [--scope S] [--expires YYYY-MM-DD]`: prints the
/// token once. The token stops working at 00:00 UTC of the expiry date.
int token_create(const Options& options, const std::string& name,
                 const std::vector<std::string>& scopes, const std::string& expires);
/// `twintrack token list`.
int token_list(const Options& options);
/// `twintrack token revoke NAME`.
int token_revoke(const Options& options, const std::string& name);
/// `twintrack sessions revoke EMAIL`: signs the person out of every hub.
int sessions_revoke(const Options& options, const std::string& email);

/// `twintrack store migrate --from sqlite:PATH --to postgres://...`: copies every table
/// into an empty store, checks the row counts; nothing is written on any error.
int store_migrate(const Options& options, const std::string& from, const std::string& to);

/// The folder holding prompts/ and config/ (TWINTRACK_HOME, next to the program, or
/// the source tree the program was built from).
std::string resource_root();

}  // namespace twintrack::app
