#pragma once
// The meetings feature's settings (section `meetings:`).

#include <string>
#include <vector>

#include "bot/feature_settings.hpp"
#include "core/yaml_check.hpp"

namespace twintrack::bot::meetings {

/// The `meetings:` section (meet/book, calendar import, joint meetings).
struct MeetingSettings {
    /// Working days for everyone: bit d set = weekday d works (0 = Sunday). Mon-Fri.
    unsigned work_days = 0x3e;
    int default_duration_minutes = 30;
    int default_within_days = 5;
    /// `calendar import FILE` reads plain file names from this folder (relative to the
    /// data directory, BotSettings::data_dir); empty: no files.
    std::string calendar_dir;
    /// How far ahead recurring imported events are expanded, in days.
    int import_horizon_days = 90;
    /// `calendar import URL` allowed (http and https), through the CalendarFetcher the
    /// program offers (bot/calendar_fetcher.hpp).
    bool calendar_urls = false;
    /// Hosts (exact names) and addresses or networks (CIDR) that `calendar import URL`
    /// may reach although they are loopback, link-local or private. Empty: none.
    std::vector<std::string> calendar_url_allow;
};

/// `meetings: {work_days: [Mon, ...], default_duration_minutes, default_within_days,
/// calendar_dir, import_horizon_days, calendar_urls, calendar_url_allow}` into
/// MeetingSettings.
void read_config(core::SectionReader& section, FeatureSettings& settings);

}  // namespace twintrack::bot::meetings
