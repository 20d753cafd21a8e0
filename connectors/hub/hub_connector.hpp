#pragma once
// The built-in chat hub: one websocketpp port serving the web chat page at `/`,
// `/healthz`, `/api/v1/...` JSON and the WebSocket protocol at `/ws`
// (docs/ARCHITECTURE.md, "Hub wire protocol").

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "connectors/api/connector.hpp"
#include "connectors/api/connector_type.hpp"
#include "connectors/hub/oidc.hpp"
#include "connectors/hub/platform_sign_in.hpp"
#include "connectors/hub/smtp_mail.hpp"
#include "core/event_files.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::connectors::hub {

struct HubSettings {
    std::string name = "hub";
    std::string bind = "127.0.0.1";
    int port = 8080;     ///< 0 picks a free port; listening_port() tells which
    core::Secret token;  ///< required unless bound to loopback
    std::vector<ChannelConfig> channels = {
        {"general", "joint"}, {"marketing", "marketing"}, {"sales", "sales"}, {"joint", "joint"}};
    int history_limit = 200;  ///< messages per channel shown on reload
    /// A socket that has not said hello by then is closed.
    std::chrono::milliseconds hello_timeout{30000};
    std::string bot_user = "twintrack";
    /// Requires the token on loopback too (tests exercise the token checks this way).
    bool require_token = false;
    /// How people sign in (`sign_in: [link, oidc, feishu, dingtalk, wecom]`); empty: the
    /// name picker, as before.
    std::vector<std::string> sign_in;
    /// The OpenID provider, with "oidc" in `sign_in`.
    oidc::OidcSettings oidc;
    /// The platforms' apps, by method ("feishu", "dingtalk", "wecom"), for those in `sign_in`.
    std::map<std::string, platform::PlatformSettings> platforms;
    /// The SMTP relay that sends sign-in links by email (`smtp:`, with "link" in
    /// `sign_in`); no host: links go by direct message only.
    smtp::SmtpSettings smtp;
    /// A session ends after this long unused, and this long after sign-in at the latest.
    std::chrono::milliseconds session_idle{std::chrono::hours(12)};
    std::chrono::milliseconds session_absolute{std::chrono::hours(24 * 30)};
    /// How often open sockets' sessions are checked (revoked or ended ones are closed).
    std::chrono::milliseconds session_check{std::chrono::seconds(30)};
    /// The address people open (e.g. https://chat.example.com): sign-in links point here;
    /// https makes the cookie Secure. Empty: http:// plus the Host of the request.
    std::string public_url;
    /// The largest file people may upload on the page (`max_upload_bytes`).
    std::uint64_t max_upload_bytes = 10 * 1024 * 1024;
    /// How long kept files (uploads, bridged files behind links) stay (`file_days`).
    std::chrono::milliseconds file_keep{std::chrono::hours(24 * 30)};
    /// How many bytes the kept files may take together (`max_files_bytes`, 2 GiB).
    std::uint64_t max_files_bytes = 2ULL * 1024 * 1024 * 1024;
};

/// The `type: hub` entry of the connector registry.
ConnectorType connector_type();

/// Builds a hub connector. Its history lives in `context.data_dir`.
std::unique_ptr<Connector> make_hub(HubSettings settings, const ConnectorContext& context);

/// The port a started hub listens on (useful with port 0); 0 for other connectors.
int listening_port(const Connector& connector);

/// Keeps a file and gives a signed link to it that anyone may open until the hub's
/// `file_days` end (`PUBLIC_URL/files/ID/NAME?e=…&s=…`), or "" when it cannot.
using FileLinker = std::function<std::string(const core::EventFile&)>;
/// The linker of a hub with a `public_url`; empty for other connectors and hubs without.
/// Thread-safe; the copy is written on the hub's file worker (never in the caller's turn).
FileLinker file_linker(Connector& connector);

}  // namespace twintrack::connectors::hub
