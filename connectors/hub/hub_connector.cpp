#include "connectors/hub/hub_connector.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <set>
#include <stdexcept>

#include "connectors/hub/hub_protocol.hpp"
#include "connectors/hub/hub_server.hpp"
#include "connectors/runtime/http_client.hpp"
#include "core/email.hpp"

namespace twintrack::connectors::hub {
namespace {

bool valid_bind(const std::string& bind) {
    if (bind == "localhost") return true;
    boost::system::error_code ec;
    boost::asio::ip::make_address(bind, ec);
    return !ec;
}

bool loopback_http(const std::string& url) {
    std::string scheme, host;
    int port = 0;
    return runtime::parse_http_url(url, scheme, host, port) && scheme == "http" &&
           is_loopback_bind(host);
}

// The `oidc:` block: the provider's issuer (https, or http on loopback for tests), the
// client registered there, and optionally groups mapped to roles.
void read_oidc(core::SectionReader& hub, const YAML::Node& block, HubSettings& settings) {
    if (!block.IsMap()) {
        hub.error("oidc", "must be a mapping with issuer, client_id, client_secret, redirect_url");
        return;
    }
    core::SectionReader section(block, hub.path() + ".oidc", hub.errors());
    oidc::OidcSettings& o = settings.oidc;
    const auto web_url = [&](const char* key) -> std::string {
        auto url = section.string(key, true);
        if (!url) return "";
        if (url->rfind("https://", 0) != 0 && !loopback_http(*url)) {
            section.error(key, "must be an https:// address (http:// only on loopback); got \"" +
                                   *url + "\"");
            return "";
        }
        return *url;
    };
    o.issuer = web_url("issuer");
    if (auto id = section.string("client_id", true)) o.client_id = *id;
    if (auto secret = section.secret("client_secret", true)) o.client_secret = *secret;
    o.redirect_url = web_url("redirect_url");
    if (!o.redirect_url.empty()) {
        const std::string tail = "/sign-in/oidc/callback";
        if (o.redirect_url.size() < tail.size() ||
            o.redirect_url.compare(o.redirect_url.size() - tail.size(), tail.size(), tail) != 0) {
            section.error("redirect_url", "must end in " + tail +
                                              ", e.g. "
                                              "https://chat.example.com" +
                                              tail);
        }
    }
    if (auto claim = section.string("groups_claim")) o.groups_claim = *claim;
    if (const YAML::Node roles = section.node("roles")) {
        if (!roles.IsMap()) {
            section.error("roles", "must map group names to manager, hr or admin");
        } else {
            for (const auto& kv : roles) {
                const std::string role = kv.second.IsScalar() ? kv.second.as<std::string>() : "";
                if (role != "manager" && role != "hr" && role != "admin") {
                    section.error("roles", "group \"" + kv.first.as<std::string>() +
                                               "\": the role must be manager, hr or admin; got \"" +
                                               role + "\"");
                } else {
                    o.roles[kv.first.as<std::string>()] = role;
                }
            }
        }
        if (o.groups_claim.empty()) section.error("roles", "needs groups_claim (e.g. groups)");
    }
    section.finish();
}

// A platform's block (`feishu:`, `dingtalk:`, `wecom:`): the app registered there, its
// secret from the environment, and where the platform sends the browser back.
void read_platform(core::SectionReader& hub, const std::string& method, const YAML::Node& block,
                   HubSettings& settings) {
    const bool feishu = method == "feishu", wecom = method == "wecom";
    const std::string id_key = feishu ? "app_id" : wecom ? "corp_id" : "client_id";
    const std::string secret_key = feishu ? "app_secret" : wecom ? "secret" : "client_secret";
    const std::string keys = id_key + ", " + secret_key + (wecom ? ", agent_id" : "");
    if (!block.IsMap()) {
        hub.error(method, "must be a mapping with " + keys);
        return;
    }
    core::SectionReader section(block, hub.path() + "." + method, hub.errors());
    platform::PlatformSettings p = platform::defaults(method);
    if (auto id = section.string(id_key, true)) p.client_id = *id;
    if (auto secret = section.secret(secret_key, true)) p.secret = *secret;
    if (wecom) {
        if (auto agent = section.string("agent_id", true)) p.agent_id = *agent;
    }
    if (auto connector = section.string("connector")) p.connector = *connector;
    const auto web_url = [&](const char* key, std::string& into) {
        auto url = section.string(key);
        if (!url) return;
        if (url->rfind("https://", 0) != 0 && !loopback_http(*url)) {
            section.error(key, "must be an https:// address (http:// only on loopback); got \"" +
                                   *url + "\"");
            return;
        }
        into = *url;
        while (!into.empty() && into.back() == '/' && std::string(key) != "redirect_url") {
            into.pop_back();
        }
    };
    web_url("authorize_url", p.authorize_url);
    if (wecom) web_url("client_authorize_url", p.client_authorize_url);
    web_url("api_url", p.api_url);
    if (method == "dingtalk") web_url("oapi_url", p.oapi_url);
    web_url("redirect_url", p.redirect_url);
    const std::string tail = "/sign-in/" + method + "/callback";
    if (!p.redirect_url.empty() &&
        (p.redirect_url.size() < tail.size() ||
         p.redirect_url.compare(p.redirect_url.size() - tail.size(), tail.size(), tail) != 0)) {
        section.error("redirect_url",
                      "must end in " + tail + ", e.g. https://chat.example.com" + tail);
    }
    section.finish();
    settings.platforms[method] = std::move(p);
}

// The `smtp:` block: the relay that sends sign-in links by email. The password comes from
// the environment; clear text (`security: none`) carries no password off loopback.
void read_smtp(core::SectionReader& hub, const YAML::Node& block, HubSettings& settings) {
    if (!block.IsMap()) {
        hub.error("smtp",
                  "must be a mapping with host and from (and port, security, user, "
                  "password)");
        return;
    }
    core::SectionReader section(block, hub.path() + ".smtp", hub.errors());
    smtp::SmtpSettings& m = settings.smtp;
    if (auto security = section.string("security")) {
        if (*security == "starttls") {
            m.security = smtp::Security::starttls;
        } else if (*security == "tls") {
            m.security = smtp::Security::tls;
        } else if (*security == "none") {
            m.security = smtp::Security::none;
        } else {
            section.error(
                "security",
                "must be starttls (port 587), tls (port 465) or none; got \"" + *security + "\"");
        }
    }
    m.port = m.security == smtp::Security::tls    ? 465
             : m.security == smtp::Security::none ? 25
                                                  : 587;
    if (auto host = section.string("host", true)) {
        if (host->empty() || host->find_first_of(" /?#@[]") != std::string::npos) {
            section.error("host",
                          "must be a host name or IP address such as smtp.example.com; "
                          "got \"" +
                              *host + "\"");
        } else {
            m.host = *host;
        }
    }
    if (auto port = section.integer("port", 1, 65535)) m.port = static_cast<int>(*port);
    if (auto from = section.string("from", true)) {
        if (!core::is_plain_email(*from)) {
            section.error("from", "must be a plain address such as twintrack@example.com; got \"" +
                                      *from + "\"");
        } else {
            m.from = *from;
        }
    }
    if (auto name = section.string("from_name")) m.from_name = *name;
    if (auto user = section.string("user")) m.user = *user;
    if (auto password = section.secret("password")) m.password = *password;
    if (m.user.empty() != m.password.empty()) {
        section.error(m.user.empty() ? "password" : "user",
                      "user and password go together (the password as ${ENV})");
    }
    if (auto ca = section.string("tls_ca_file")) m.tls_ca_file = *ca;
    if (auto seconds = section.integer("timeout_seconds", 1, 300)) {
        m.timeout = std::chrono::seconds(*seconds);
    }
    if (m.security == smtp::Security::none && !m.user.empty() && !m.host.empty() &&
        !is_loopback_bind(m.host) && m.host != "localhost") {
        section.error("security", "none would send the password in clear text to " + m.host +
                                      ": use starttls or tls");
    }
    section.finish();
}

// `sign_in: [link, oidc, feishu, dingtalk, wecom]`, the `oidc:` and platform blocks, the
// session limits and `public_url`.
void read_sign_in(core::SectionReader& section, HubSettings& settings) {
    if (const YAML::Node list = section.node("sign_in")) {
        if (!list.IsSequence()) {
            section.error("sign_in", "must be a list such as [link]");
        } else {
            for (const auto& item : list) {
                const std::string way = item.IsScalar() ? item.as<std::string>() : "";
                if (way != "link" && way != "oidc" && !platform::is_platform(way)) {
                    section.error("sign_in", "\"" + way +
                                                 "\" is not a sign-in method: link, oidc, "
                                                 "feishu, dingtalk and wecom exist");
                } else if (std::find(settings.sign_in.begin(), settings.sign_in.end(), way) ==
                           settings.sign_in.end()) {
                    settings.sign_in.push_back(way);
                }
            }
        }
    }
    const auto wants = [&](const std::string& way) {
        return std::find(settings.sign_in.begin(), settings.sign_in.end(), way) !=
               settings.sign_in.end();
    };
    const bool wants_oidc = wants("oidc");
    if (const YAML::Node block = section.node("oidc")) {
        read_oidc(section, block, settings);
        if (!wants_oidc)
            section.error("oidc", "is used only with sign_in: [oidc] (or [link, oidc])");
    } else if (wants_oidc) {
        section.error("sign_in",
                      "oidc needs an oidc: block (issuer, client_id, client_secret, "
                      "redirect_url)");
    }
    for (const std::string& method : platform::methods()) {
        const std::string id_key = method == "feishu"  ? "app_id"
                                   : method == "wecom" ? "corp_id, agent_id"
                                                       : "client_id";
        const std::string secret_key = method == "feishu"  ? "app_secret"
                                       : method == "wecom" ? "secret"
                                                           : "client_secret";
        if (const YAML::Node block = section.node(method)) {
            read_platform(section, method, block, settings);
            if (!wants(method)) {
                section.error(method, "is used only with " + method +
                                          " in sign_in, e.g. "
                                          "sign_in: [link, " +
                                          method + "]");
            }
        } else if (wants(method)) {
            section.error("sign_in", method + " needs a " + method + ": block with " + id_key +
                                         " and " + secret_key +
                                         " (the app's credentials, "
                                         "the secret as ${ENV})");
        }
    }
    if (const YAML::Node block = section.node("smtp")) {
        read_smtp(section, block, settings);
        if (!wants("link")) {
            section.error("smtp",
                          "sends sign-in links: it is used only with link in sign_in, "
                          "e.g. sign_in: [link]");
        }
    }
    if (auto hours = section.integer("session_idle_hours", 1, 24 * 365)) {
        settings.session_idle = std::chrono::hours(*hours);
    }
    if (auto days = section.integer("session_days", 1, 3650)) {
        settings.session_absolute = std::chrono::hours(24 * *days);
    }
    if (auto seconds = section.integer("session_check_seconds", 1, 60)) {
        settings.session_check = std::chrono::seconds(*seconds);
    }
    if (auto url = section.string("public_url")) {
        const bool http = url->rfind("http://", 0) == 0 || url->rfind("https://", 0) == 0;
        if (!http) {
            section.error("public_url",
                          "must start with http:// or https://; got \"" + *url + "\"");
        } else {
            settings.public_url = *url;
            while (!settings.public_url.empty() && settings.public_url.back() == '/') {
                settings.public_url.pop_back();
            }
        }
    }
}

// A platform's redirect URL defaults to PUBLIC_URL/sign-in/METHOD/callback.
void complete_platforms(core::SectionReader& section, HubSettings& settings) {
    for (auto& [method, p] : settings.platforms) {
        if (!p.redirect_url.empty()) continue;
        if (settings.public_url.empty()) {
            section.error(method, "needs redirect_url (e.g. https://chat.example.com/sign-in/" +
                                      method + "/callback) or the hub's public_url");
        } else {
            p.redirect_url = settings.public_url + "/sign-in/" + method + "/callback";
        }
    }
}

// Reads everything but `name` and `channels` (the registry and read_channels own those).
void read_settings(core::SectionReader& section, HubSettings& settings) {
    if (auto bind = section.string("bind")) {
        if (valid_bind(*bind)) {
            settings.bind = *bind;
        } else {
            section.error("bind",
                          "must be an IP address such as 127.0.0.1, ::1 or 0.0.0.0, or "
                          "localhost; got \"" +
                              *bind + "\"");
        }
    }
    if (auto port = section.integer("port", 0, 65535)) settings.port = static_cast<int>(*port);
    read_sign_in(section, settings);
    complete_platforms(section, settings);
    const bool has_token = section.has("token");
    if (auto token = section.secret("token")) {
        settings.token = *token;
        // A configured token is always asked for, on loopback too.
        settings.require_token = true;
    }
    if (!settings.sign_in.empty() && settings.public_url.empty() &&
        !is_loopback_bind(settings.bind)) {
        // Links must not point wherever a request's Host header says.
        section.error("public_url", "is required with sign_in when bind (" + settings.bind +
                                        ") is not a loopback address, e.g. "
                                        "public_url: https://chat.example.com");
    }
    if (!has_token && !is_loopback_bind(settings.bind) && settings.sign_in.empty()) {
        section.error("token", "is required when bind (" + settings.bind +
                                   ") is not a loopback address: write token: ${HUB_TOKEN}");
    }
    if (auto history = section.integer("history", 1, 10000)) {
        settings.history_limit = static_cast<int>(*history);
    }
    // Uploads on the page, and files kept for bridged links.
    if (auto bytes = section.integer("max_upload_bytes", 1, 1024LL * 1024 * 1024)) {
        settings.max_upload_bytes = static_cast<std::uint64_t>(*bytes);
    }
    if (auto days = section.integer("file_days", 1, 3650)) {
        settings.file_keep = std::chrono::hours(24 * *days);
    }
    if (auto bytes = section.integer("max_files_bytes", 1024LL * 1024, 1LL << 50)) {
        settings.max_files_bytes = static_cast<std::uint64_t>(*bytes);
    }
}

void validate(core::SectionReader& section, ConnectorSpec& spec) {
    HubSettings settings;
    read_settings(section, settings);

    const bool has_channels = section.has("channels");
    const std::size_t errors_before = section.errors().all().size();
    spec.channels = read_channels(section);
    if (!has_channels) {
        spec.channels = settings.channels;
        return;
    }
    if (section.errors().all().size() != errors_before) return;
    if (spec.channels.empty()) {
        section.error("channels", "must list at least one channel");
        return;
    }
    std::set<std::string> seen;
    for (const auto& ch : spec.channels) {
        const std::string problem = channel_name_problem(ch.name);
        if (!problem.empty()) {
            section.error("channels", "\"" + ch.name + "\": " + problem);
        } else if (!seen.insert(ch.name).second) {
            section.error("channels", "channel \"" + ch.name + "\" is listed twice");
        }
    }
}

std::unique_ptr<Connector> create(const ConnectorSpec& spec, const ConnectorContext& context) {
    core::ConfigErrors errors;
    core::SectionReader section(spec.settings, "connectors." + spec.name, errors);
    HubSettings settings;
    settings.name = spec.name;
    read_settings(section, settings);
    if (!errors.empty()) throw std::runtime_error(errors.describe("hub settings"));
    if (!spec.channels.empty()) settings.channels = spec.channels;
    settings.bot_user = context.bot_user;
    return make_hub(std::move(settings), context);
}

}  // namespace

ConnectorType connector_type() { return {validate, create}; }

std::unique_ptr<Connector> make_hub(HubSettings settings, const ConnectorContext& context) {
    if (context.clock == nullptr) throw std::invalid_argument("make_hub: context.clock is null");
    return std::make_unique<HubServer>(std::move(settings), context);
}

int listening_port(const Connector& connector) {
    const auto* hub = dynamic_cast<const HubServer*>(&connector);
    return hub == nullptr ? 0 : hub->port();
}

FileLinker file_linker(Connector& connector) {
    auto* hub = dynamic_cast<HubServer*>(&connector);
    if (hub == nullptr || !hub->links_files()) return {};
    return [hub](const core::EventFile& file) { return hub->link_file(file); };
}

}  // namespace twintrack::connectors::hub
