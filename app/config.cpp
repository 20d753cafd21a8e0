#include "app/config.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "app/calendar_fetch.hpp"
#include "bot/directory.hpp"
#include "bot/features.hpp"
#include "bot/local_time.hpp"
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

/// `reports.windows: [{department: sales, opens: "Fri 15:00", closes: "Mon 10:00"}]`.
void read_report_windows(SectionReader& s, bot::ReportSettings& r) {
    const YAML::Node list = s.node("windows");
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
        s.error("windows",
                "must be a list such as [{department: sales, opens: \"Fri 15:00\", closes: "
                "\"Mon 10:00\"}]");
        return;
    }
    std::vector<bot::ReportWindowSetting> windows;
    std::set<std::string> seen;
    bool ok = true;
    for (std::size_t i = 0; i < list.size(); ++i) {
        SectionReader ws(list[i], "reports.windows[" + std::to_string(i) + "]", s.errors());
        if (!ws.valid()) {
            ok = false;
            continue;
        }
        bot::ReportWindowSetting w;
        const auto dept = ws.choice("department", bot::departments(), true);
        const auto opens = ws.string("opens", true);
        const auto closes = ws.string("closes", true);
        ws.finish();
        if (!dept || !opens || !closes) {
            ok = false;
            continue;
        }
        w.department = *dept;
        const auto o = bot::parse_weekday_time(*opens);
        const auto c = bot::parse_weekday_time(*closes);
        if (!o) ws.error("opens", "must be a weekday and a time such as \"Fri 15:00\"");
        if (!c) ws.error("closes", "must be a weekday and a time such as \"Mon 10:00\"");
        if (!o || !c) {
            ok = false;
            continue;
        }
        if (*o == *c) {
            ws.error("closes", "must differ from opens");
            ok = false;
            continue;
        }
        if (!seen.insert(w.department).second) {
            ws.error("department",
                     "\"" + w.department + "\" has a window already; one per department");
            ok = false;
            continue;
        }
        w.open_weekday = o->first;
        w.open_minute = o->second;
        w.close_weekday = c->first;
        w.close_minute = c->second;
        windows.push_back(w);
    }
    if (ok) r.windows = std::move(windows);
}

/// `reports: {competitors: [{name: Huawei, aliases: [华为]}], need_keywords: {en: [...],
/// zh-CN: [...]}}`. A competitor name or alias may be listed only once.
void read_reports(SectionReader s, Config& c) {
    bot::ReportSettings& r = c.bot.reports;
    const YAML::Node list = s.node("competitors");
    if (list.IsDefined() && !list.IsNull()) {
        if (!list.IsSequence()) {
            s.error("competitors", "must be a list such as [{name: Huawei, aliases: [华为]}]");
        } else {
            std::set<std::string> names;
            for (std::size_t i = 0; i < list.size(); ++i) {
                SectionReader cs(list[i], "reports.competitors[" + std::to_string(i) + "]",
                                 s.errors());
                if (!cs.valid()) continue;
                bot::CompetitorSetting comp;
                auto name = cs.string("name", true);
                comp.aliases = cs.word_list("aliases", "other names");
                cs.finish();
                if (!name) continue;
                comp.name = std::string(core::trim(*name));
                if (comp.name.empty()) {
                    cs.error("name", "must not be empty");
                    continue;
                }
                bool ok = true;
                std::vector<std::string> all = {comp.name};
                all.insert(all.end(), comp.aliases.begin(), comp.aliases.end());
                for (const auto& n : all) {
                    if (!names.insert(core::ascii_lower(n)).second) {
                        cs.error(
                            n == comp.name ? "name" : "aliases",
                            "\"" + n + "\" is listed twice; each name may mean one competitor");
                        ok = false;
                    }
                }
                if (ok) r.competitors.push_back(std::move(comp));
            }
        }
    }
    read_report_windows(s, r);
    const YAML::Node needs = s.node("need_keywords");
    if (needs.IsDefined() && !needs.IsNull()) {
        SectionReader n(needs, "reports.need_keywords", s.errors());
        if (n.valid()) {
            for (const std::string locale : {"en", "zh-CN"}) {
                auto words = n.word_list(locale, "words or phrases");
                if (!words.empty()) r.need_keywords[locale] = std::move(words);
            }
            n.finish();
        }
    }
    s.finish();
}

/// `meetings: {work_days: [Mon, ...], default_duration_minutes, default_within_days,
/// calendar_dir, import_horizon_days, calendar_urls, calendar_url_allow}`.
void read_meetings(SectionReader s, Config& c) {
    bot::MeetingSettings& m = c.bot.meetings;
    static const std::vector<std::string> names = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    const YAML::Node days = s.node("work_days");
    if (days.IsDefined() && !days.IsNull()) {
        unsigned mask = 0;
        bool ok = days.IsSequence() && days.size() > 0;
        for (std::size_t i = 0; ok && i < days.size(); ++i) {
            const std::string d =
                days[i].IsScalar() ? core::ascii_lower(days[i].Scalar()).substr(0, 3) : "";
            const auto at = std::find(names.begin(), names.end(), d);
            if (at == names.end()) {
                ok = false;
                break;
            }
            mask |= 1U << static_cast<unsigned>(at - names.begin());
        }
        if (ok) {
            m.work_days = mask;
        } else {
            s.error("work_days", "must be a non-empty list of weekdays such as [Mon, Tue, Wed]");
        }
    }
    if (auto v = s.integer("default_duration_minutes", 15, 8 * 60)) {
        m.default_duration_minutes = static_cast<int>(*v);
    }
    if (auto v = s.integer("default_within_days", 1, 28))
        m.default_within_days = static_cast<int>(*v);
    if (auto v = s.string("calendar_dir")) m.calendar_dir = *v;
    if (auto v = s.integer("import_horizon_days", 1, 366)) {
        m.import_horizon_days = static_cast<int>(*v);
    }
    if (auto v = s.boolean("calendar_urls")) m.calendar_urls = *v;
    m.calendar_url_allow = s.word_list("calendar_url_allow", "host names or networks");
    std::string error;
    if (!CalendarUrlPolicy::parse(m.calendar_url_allow, error)) {
        s.error("calendar_url_allow", error);
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
    read_rules(SectionReader(top.node("rules"), "rules", errors), c);
    // Each feature of the registry reads and checks its own section.
    for (const bot::Feature& feature : bot::all_features()) {
        if (feature.section.empty() || !feature.read_config) continue;
        SectionReader section(top.node(feature.section), feature.section, errors);
        feature.read_config(section, c.bot.features);
    }
    read_reports(SectionReader(top.node("reports"), "reports", errors), c);
    read_meetings(SectionReader(top.node("meetings"), "meetings", errors), c);
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
                    errors.add(list[i], "connectors[" + std::to_string(i) + "]: the name \"" +
                                            spec->name +
                                            "\" is used twice; give each connector its own name");
                    continue;
                }
                c.connectors.push_back(std::move(*spec));
            }
        }
    }
    top.finish();
    return errors.empty();
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
