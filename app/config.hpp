#pragma once
// The program's configuration file (config/twintrack.example.yaml documents every key).
// Reading is strict: every problem is reported with its line, unknown keys included.

#include <string>
#include <vector>

#include "bot/settings.hpp"
#include "connectors/registry.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::app {

struct Config {
    bot::BotSettings bot;
    std::string data_dir = "./data";
    /// `store: sqlite:PATH` or `store: postgres://user@host:port/db` (docs/STORE.md).
    /// Empty: SQLite in data_dir.
    std::string store;
    std::string prompts_dir;  ///< empty: found next to the program
    std::string log_level = "info";
    std::vector<connectors::ConnectorSpec> connectors;
    /// On SIGTERM/SIGINT, queued events are handled for at most this long.
    int shutdown_grace_seconds = 10;
    /// `ops: {listen: "127.0.0.1:9090"}`: where /metrics, /readyz and /healthz are served
    /// when no hub runs (a hub serves them on its own port). Empty: not served.
    std::string ops_listen;
    /// `http: {bind: 127.0.0.1, port: 8090}`: the process's one HTTP server when no hub
    /// runs (a hub is that server when there is one): every connector's platform
    /// callbacks under `/hooks/NAME/...`, and /metrics, /readyz and /healthz.
    bool http_enabled = false;
    std::string http_bind = "127.0.0.1";
    int http_port = 0;  ///< 0: a free port, printed at start
};

/// The hub that serves `/hooks/...` (the first configured), or "" when none: then the
/// `http:` server does, if configured.
std::string hooks_server_hub(const Config& config);

/// Reads a config file. Returns false and fills `errors` when anything is wrong.
bool load_config(const std::string& path, Config& config, core::ConfigErrors& errors);
/// Same, from text (`name` is used in messages).
bool parse_config(const std::string& text, Config& config, core::ConfigErrors& errors);

/// The embedded default: one hub on 127.0.0.1:8080 with the standard channels.
connectors::ConnectorSpec default_hub_spec();

}  // namespace twintrack::app
