#include "bot/features/reports/report_settings.hpp"

#include <set>

#include "bot/directory.hpp"
#include "bot/local_time.hpp"
#include "core/text.hpp"

namespace twintrack::bot::reports {

using core::SectionReader;

namespace {

/// `reports.windows: [{department: sales, opens: "Fri 15:00", closes: "Mon 10:00"}]`.
void read_windows(SectionReader& s, ReportSettings& r) {
    const YAML::Node list = s.node("windows");
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
        s.error("windows",
                "must be a list such as [{department: sales, opens: \"Fri 15:00\", closes: "
                "\"Mon 10:00\"}]");
        return;
    }
    std::vector<ReportWindowSetting> windows;
    std::set<std::string> seen;
    bool ok = true;
    for (std::size_t i = 0; i < list.size(); ++i) {
        SectionReader ws(list[i], "reports.windows[" + std::to_string(i) + "]", s.errors());
        if (!ws.valid()) {
            ok = false;
            continue;
        }
        ReportWindowSetting w;
        const auto dept = ws.choice("department", departments(), true);
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

}  // namespace

/// `reports: {competitors: [{name: Huawei, aliases: [华为]}], need_keywords: {en: [...],
/// zh-CN: [...]}}`. A competitor name or alias may be listed only once.
void read_config(SectionReader& s, FeatureSettings& settings) {
    ReportSettings& r = settings.edit<ReportSettings>();
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
                CompetitorSetting comp;
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
    read_windows(s, r);
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

}  // namespace twintrack::bot::reports
