#include "app/config.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "app/calendar_fetch.hpp"
#include "bot/directory.hpp"
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

/// `funnel: {stages: [{name: awareness, side: top}, ...], overlap: refuse}`. Stages are
/// one word each, listed once, top ones before bottom ones, at least one of each.
void read_funnel(SectionReader s, Config& c) {
    bot::FunnelSettings& f = c.bot.funnel;
    if (auto v = s.choice("overlap", {"refuse", "flag"})) f.overlap = *v;
    const YAML::Node list = s.node("stages");
    if (list.IsDefined() && !list.IsNull()) {
        if (!list.IsSequence() || list.size() == 0) {
            s.error("stages", "must be a list of stages such as {name: awareness, side: top}");
        } else {
            std::vector<bot::FunnelStageSetting> stages;
            std::set<std::string> names;
            bool ok = true, top = false, bottom = false;
            for (std::size_t i = 0; i < list.size(); ++i) {
                SectionReader st(list[i], "funnel.stages[" + std::to_string(i) + "]", s.errors());
                if (!st.valid()) {
                    ok = false;
                    continue;
                }
                auto name = st.string("name", true);
                auto side = st.choice("side", {"top", "bottom"}, true);
                auto closed = st.boolean("closed");
                st.finish();
                if (!name || !side) {
                    ok = false;
                    continue;
                }
                if (name->empty() || name->find_first_of(" \t=") != std::string::npos) {
                    st.error("name", "must be one word without spaces or \"=\"");
                    ok = false;
                } else if (!names.insert(core::ascii_lower(*name)).second) {
                    st.error("name", "the stage \"" + *name + "\" is listed twice");
                    ok = false;
                }
                if (*side == "top" && bottom) {
                    st.error("side", "top stages (marketing leads) must come before bottom ones");
                    ok = false;
                }
                top = top || *side == "top";
                bottom = bottom || *side == "bottom";
                stages.push_back({*name, *side, closed.value_or(false)});
            }
            if (ok && (!top || !bottom)) {
                s.error("stages", "needs at least one top stage and one bottom stage");
                ok = false;
            }
            if (ok) f.stages = std::move(stages);
        }
    }
    s.finish();
}

/// A list of words or phrases at `key` of `s`, each one non-empty; errors name the line.
std::vector<std::string> read_word_list(SectionReader& s, const std::string& key,
                                        const std::string& what) {
    std::vector<std::string> out;
    const YAML::Node list = s.node(key);
    if (!list.IsDefined() || list.IsNull()) return out;
    if (!list.IsSequence()) {
        s.error(key, "must be a list of " + what);
        return out;
    }
    for (const auto& item : list) {
        const std::string text = item.IsScalar() ? std::string(core::trim(item.Scalar())) : "";
        if (text.empty()) {
            s.errors().add(item, s.path() + "." + key + ": each entry must be a non-empty word");
            continue;
        }
        out.push_back(text);
    }
    return out;
}

/// "Fri 15:00" (a weekday in English, short or long, any case; a 24-hour time) as
/// {weekday (0 = Sunday), minute of the day}.
std::optional<std::pair<unsigned, int>> parse_weekday_time(const std::string& text) {
    static const std::vector<std::string> names = {"sunday",   "monday", "tuesday", "wednesday",
                                                   "thursday", "friday", "saturday"};
    const std::string t(core::trim(text));
    const std::size_t space = t.find(' ');
    if (space == std::string::npos) return std::nullopt;
    const std::string day = core::ascii_lower(t.substr(0, space));
    const std::string time(core::trim(t.substr(space + 1)));
    std::optional<unsigned> wd;
    for (unsigned i = 0; i < names.size(); ++i) {
        if (day == names[i] || (day.size() == 3 && names[i].compare(0, 3, day) == 0)) wd = i;
    }
    if (!wd) return std::nullopt;
    if (time.size() != 5 || time[2] != ':') return std::nullopt;
    for (std::size_t i : {0, 1, 3, 4}) {
        if (time[i] < '0' || time[i] > '9') return std::nullopt;
    }
    const int h = std::stoi(time.substr(0, 2));
    const int m = std::stoi(time.substr(3, 2));
    if (h > 23 || m > 59) return std::nullopt;
    return std::make_pair(*wd, h * 60 + m);
}

/// `metrics: {rates: {USD: 7.1}, attribution: {marketing_led: 1, influenced: 0.5, other: 0},
/// weekly_post: {enabled: true, at: "Mon 09:00"}}`.
void read_metrics(SectionReader s, Config& c) {
    bot::MetricsSettings& m = c.bot.metrics;
    const YAML::Node rates = s.node("rates");
    if (rates.IsDefined() && !rates.IsNull()) {
        if (!rates.IsMap()) {
            s.error("rates", "must map currency codes to rates, such as {USD: 7.1}");
        } else {
            for (const auto& kv : rates) {
                const std::string code = kv.first.Scalar();
                bool ok = code.size() == 3;
                for (char ch : code) ok = ok && ch >= 'A' && ch <= 'Z';
                double rate = 0;
                try {
                    rate = kv.second.as<double>();
                } catch (const YAML::Exception&) {
                    ok = false;
                }
                if (!ok || rate <= 0) {
                    s.errors().add(kv.first, "metrics.rates." + code +
                                                 ": needs a three-letter upper-case code and a "
                                                 "positive rate (company currency per unit)");
                    continue;
                }
                m.rates[code] = rate;
            }
        }
    }
    const YAML::Node attribution = s.node("attribution");
    if (attribution.IsDefined() && !attribution.IsNull()) {
        SectionReader a(attribution, "metrics.attribution", s.errors());
        if (auto v = a.number("marketing_led", 0.0, 1.0)) m.marketing_led_share = *v;
        if (auto v = a.number("influenced", 0.0, 1.0)) m.influenced_share = *v;
        if (auto v = a.number("other", 0.0, 1.0)) m.other_share = *v;
        a.finish();
    }
    const YAML::Node post = s.node("weekly_post");
    if (post.IsDefined() && !post.IsNull()) {
        SectionReader w(post, "metrics.weekly_post", s.errors());
        if (auto v = w.boolean("enabled")) m.weekly_post = *v;
        if (auto v = w.string("at")) {
            if (auto t = parse_weekday_time(*v)) {
                m.post_weekday = t->first;
                m.post_minute = t->second;
            } else {
                w.error("at", "must be a weekday and a time such as \"Mon 09:00\"");
            }
        }
        w.finish();
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
        const auto o = parse_weekday_time(*opens);
        const auto c = parse_weekday_time(*closes);
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
                comp.aliases = read_word_list(cs, "aliases", "other names");
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
                auto words = read_word_list(n, locale, "words or phrases");
                if (!words.empty()) r.need_keywords[locale] = std::move(words);
            }
            n.finish();
        }
    }
    s.finish();
}

/// `social: {budget: {coffee: 2000, training: 10000, outing: 20000, meeting: 5000},
/// coffee_cost_per_group: 60}`: amounts per quarter in whole units of rules.currency.
void read_social(SectionReader s, Config& c) {
    bot::SocialSettings& social = c.bot.social;
    const YAML::Node budget = s.node("budget");
    if (budget.IsDefined() && !budget.IsNull()) {
        if (!budget.IsMap()) {
            s.error("budget",
                    "must give an amount per quarter for each kind of activity, e.g. "
                    "{coffee: 2000, outing: 20000}");
        } else {
            SectionReader b(budget, "social.budget", s.errors());
            for (const auto& entry : budget) {
                const std::string kind = entry.first.Scalar();
                const bool word =
                    !kind.empty() && std::all_of(kind.begin(), kind.end(), [](char ch) {
                        return (ch >= 'a' && ch <= 'z') || ch == '_';
                    });
                if (!word) {
                    b.error(kind, "a kind of activity is one lower-case word, e.g. coffee");
                    b.node(kind);
                    continue;
                }
                if (auto v = b.integer(kind, 0, 1LL << 50)) social.quarterly_budget[kind] = *v;
            }
            b.finish();
        }
    }
    if (auto v = s.integer("coffee_cost_per_group", 0, 1LL << 40)) {
        social.coffee_cost_per_group = *v;
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
    m.calendar_url_allow = read_word_list(s, "calendar_url_allow", "host names or networks");
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

/// `tone: {rules: DIR, watch: [CHANNEL, CONNECTOR:CHANNEL]}` (the shared tone guide).
void read_tone(SectionReader s, Config& c) {
    if (auto v = s.string("rules")) {
        if (std::string(core::trim(*v)).empty()) {
            s.error("rules", "must name a folder of tone rule files");
        } else {
            c.bot.tone.rules_dir = *v;
        }
    }
    c.bot.tone.watch_channels = read_word_list(s, "watch", "channel names");
    s.finish();
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
    read_funnel(SectionReader(top.node("funnel"), "funnel", errors), c);
    read_reports(SectionReader(top.node("reports"), "reports", errors), c);
    read_meetings(SectionReader(top.node("meetings"), "meetings", errors), c);
    read_tone(SectionReader(top.node("tone"), "tone", errors), c);
    read_social(SectionReader(top.node("social"), "social", errors), c);
    read_metrics(SectionReader(top.node("metrics"), "metrics", errors), c);
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
