#include "app/config.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "bot/directory.hpp"
#include "bot/features.hpp"
#include "core/text.hpp"
#include "store/store_url.hpp"

namespace twintrack::app {

using core::SectionReader;

namespace {

void read_company(SectionReader s, Config& c) {
    if (auto v = s.string("name")) c.bot.company_name = *v;
    if (auto v = s.string("timezone")) {
        if (bot::valid_timezone(*v)) {
            c.bot.company_timezone = *v;
        } else {
            s.error("timezone", "\"" + *v + "\" is not an IANA time zone (e.g. Asia/Shanghai)");
        }
    }
    if (auto v = s.choice("locale", {"en", "zh-CN"})) c.bot.default_locale = *v;
    if (auto v = s.string("bot_name")) c.bot.bot_user = *v;
    s.finish();
}

void read_rules(SectionReader s, Config& c) {
    bot::Rules& r = c.bot.rules;
    if (auto v = s.integer("handoff_acceptance_hours", 1, 24 * 30)) {
        r.handoff_acceptance_hours = static_cast<int>(*v);
    }
    if (auto v = s.number("commission_pool_rate", 0.0, 1.0)) r.commission_pool_rate = *v;
    if (auto v = s.integer("key_engagement_amount", 0, 1LL << 50)) r.key_engagement_amount = *v;
    if (auto v = s.string("currency")) r.currency = *v;
    const YAML::Node notes = s.node("notes");
    if (notes.IsDefined() && !notes.IsNull()) {
        SectionReader n(notes, "rules.notes", s.errors());
        for (const std::string locale : {"en", "zh-CN"}) {
            const YAML::Node list = n.node(locale);
            if (!list.IsDefined() || list.IsNull()) continue;
            if (!list.IsSequence()) {
                n.error(locale, "must be a list of sentences");
                continue;
            }
            for (const auto& item : list) {
                if (!item.IsScalar()) {
                    s.errors().add(item,
                                   "rules.notes." + locale + ": each note must be a sentence");
                    continue;
                }
                r.notes[locale].push_back(item.Scalar());
            }
        }
        n.finish();
    }
    s.finish();
}

/// `retention: {channel_messages_days, reports_days, audit_log_days}` (0 keeps forever).
void read_retention(SectionReader s, Config& c) {
    bot::RetentionSettings& r = c.bot.retention;
    const long long most = 100 * 366;
    if (auto v = s.integer("channel_messages_days", 0, most)) r.channel_messages_days = *v;
    if (auto v = s.integer("reports_days", 0, most)) r.reports_days = *v;
    if (auto v = s.integer("audit_log_days", 0, most)) r.audit_log_days = *v;
    s.finish();
}

/// `welcome: {enabled, per_minute}`: the first direct message to each person.
void read_welcome(SectionReader s, Config& c) {
    bot::WelcomeSettings& w = c.bot.welcome;
    if (auto v = s.boolean("enabled")) w.enabled = *v;
    if (auto v = s.integer("per_minute", 1, 6000)) w.per_minute = static_cast<int>(*v);
    s.finish();
}

/// `directory: {match_by_email}`: how people unknown on a platform are recognised.
void read_directory(SectionReader s, Config& c) {
    if (auto v = s.boolean("match_by_email")) c.bot.directory.match_by_email = *v;
    s.finish();
}

}  // namespace

connectors::ConnectorSpec default_hub_spec() {
    connectors::ConnectorSpec spec;
    spec.type = "hub";
    spec.name = "hub";
    spec.settings = YAML::Node(YAML::NodeType::Map);
    spec.settings["type"] = "hub";
    spec.channels = {
        {"general", "joint"}, {"marketing", "marketing"}, {"sales", "sales"}, {"joint", "joint"}};
    return spec;
}

bool parse_config(const std::string& text, Config& c, core::ConfigErrors& errors) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        errors.add(e.mark.line + 1, "not valid YAML: " + e.msg);
        return false;
    }
    SectionReader top(root, "config", errors);
    if (!top.valid()) return false;
    read_company(SectionReader(top.node("company"), "company", errors), c);
    if (auto v = top.string("data_dir")) c.data_dir = *v;
    if (auto v = top.string("store")) {
        try {
            store::parse_store_url(*v);
            c.store = *v;
        } catch (const std::exception& e) {
            top.error("store", e.what());
        }
    }
    if (auto v = top.string("prompts_dir")) c.prompts_dir = *v;
    {
        SectionReader log(top.node("log"), "log", errors);
        if (auto v = log.choice("level", {"trace", "debug", "info", "warn", "error", "off"})) {
            c.log_level = *v;
        }
        log.finish();
    }
    {
        SectionReader d(top.node("dialogs"), "dialogs", errors);
        if (auto v = d.integer("timeout_minutes", 1, 7 * 24 * 60)) {
            c.bot.dialog_timeout = std::chrono::minutes(*v);
        }
        d.finish();
    }
    if (auto v = top.integer("shutdown_grace_seconds", 0, 3600)) c.shutdown_grace_seconds = *v;
    {
        SectionReader l(top.node("leases"), "leases", errors);
        auto& leases = c.bot.leases;
        if (auto v = l.integer("job_seconds", 5, 24 * 3600)) leases.job = std::chrono::seconds(*v);
        if (auto v = l.integer("outbox_seconds", 5, 24 * 3600)) {
            leases.outbox = std::chrono::seconds(*v);
        }
        if (auto v = l.integer("connector_seconds", 5, 3600)) {
            leases.connector = std::chrono::seconds(*v);
        }
        l.finish();
    }
    {
        SectionReader ops(top.node("ops"), "ops", errors);
        if (auto v = ops.string("listen")) {
            const auto colon = v->rfind(':');
            int port = 0;
            bool ok = colon != std::string::npos && colon > 0 && colon + 1 < v->size();
            if (ok) {
                try {
                    std::size_t used = 0;
                    port = std::stoi(v->substr(colon + 1), &used);
                    ok = used == v->size() - colon - 1 && port > 0 && port < 65536;
                } catch (const std::exception&) {
                    ok = false;
                }
            }
            if (ok) {
                c.ops_listen = *v;
            } else {
                ops.error("listen", "must be HOST:PORT, e.g. 127.0.0.1:9090");
            }
        }
        ops.finish();
    }
    if (top.has("http")) {
        SectionReader http(top.node("http"), "http", errors);
        c.http_enabled = true;
        if (auto v = http.string("bind")) c.http_bind = *v;
        if (auto v = http.integer("port", 0, 65535, true)) c.http_port = static_cast<int>(*v);
        http.finish();
    }
    read_rules(SectionReader(top.node("rules"), "rules", errors), c);
    // Each feature of the registry reads and checks its own section.
    for (const bot::Feature& feature : bot::all_features()) {
        if (feature.section.empty() || !feature.read_config || feature.read_section) continue;
        SectionReader section(top.node(feature.section), feature.section, errors);
        feature.read_config(section, c.bot.features);
    }
    read_retention(SectionReader(top.node("retention"), "retention", errors), c);
    read_welcome(SectionReader(top.node("welcome"), "welcome", errors), c);
    read_directory(SectionReader(top.node("directory"), "directory", errors), c);
    const YAML::Node list = top.node("connectors");
    if (list.IsDefined() && !list.IsNull()) {
        if (!list.IsSequence()) {
            top.error("connectors", "must be a list of connector sections");
        } else {
            std::set<std::string> names;
            for (std::size_t i = 0; i < list.size(); ++i) {
                auto spec = connectors::read_connector_spec(list[i], static_cast<int>(i), errors);
                if (!spec) continue;
                if (!names.insert(spec->name).second) {
                    errors.add(
                        list[i],
                        "connectors[" + std::to_string(i) + "]: the name \"" + spec->name +
                            "\" is used twice; give each connector its own name (its platform "
                            "callbacks are served under /hooks/" +
                            spec->name + "/...)");
                    continue;
                }
                c.connectors.push_back(std::move(*spec));
            }
        }
    }
    // Sections that name connectors are read once the connectors are known.
    std::vector<std::string> connector_names;
    for (const auto& spec : c.connectors) connector_names.push_back(spec.name);
    if (c.connectors.empty()) connector_names.push_back(default_hub_spec().name);
    for (const bot::Feature& feature : bot::all_features()) {
        if (feature.section.empty() || !feature.read_section) continue;
        feature.read_section(top.node(feature.section), connector_names, errors, c.bot.features);
    }
    top.finish();
    return errors.empty();
}

std::string hooks_server_hub(const Config& config) {
    for (const auto& spec : config.connectors) {
        if (spec.type == "hub") return spec.name;
    }
    return "";
}

bool load_config(const std::string& path, Config& config, core::ConfigErrors& errors) {
    std::ifstream in(path);
    if (!in) {
        errors.add(0, "cannot read the file");
        return false;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    return parse_config(buf.str(), config, errors);
}

}  // namespace twintrack::app
