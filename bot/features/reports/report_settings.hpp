#pragma once
// The reports feature's settings (section `reports:`), in their own header: the metrics
// feature and the demo history read the competitors and need words.

#include <map>
#include <string>
#include <vector>

#include "bot/feature_settings.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::bot::reports {

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

/// `reports: {competitors: [{name: Huawei, aliases: [华为]}], windows: [{department: sales,
/// opens: "Fri 15:00", closes: "Mon 10:00"}], need_keywords: {en: [...], zh-CN: [...]}}`
/// into ReportSettings. A competitor name or alias may be listed only once, a department
/// have one window.
void read_config(core::SectionReader& section, FeatureSettings& settings);

}  // namespace twintrack::bot::reports
