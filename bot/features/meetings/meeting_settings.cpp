#include "bot/features/meetings/meeting_settings.hpp"

#include <algorithm>

#include "core/ip_address.hpp"
#include "core/text.hpp"

namespace twintrack::bot::meetings {

using core::SectionReader;

/// `meetings: {work_days: [Mon, ...], default_duration_minutes, default_within_days,
/// calendar_dir, import_horizon_days, calendar_urls, calendar_url_allow}`.
void read_config(SectionReader& s, FeatureSettings& settings) {
    MeetingSettings& m = settings.edit<MeetingSettings>();
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
    if (!core::AddressAllowList::parse(m.calendar_url_allow, error)) {
        s.error("calendar_url_allow", error);
    }
    s.finish();
}

}  // namespace twintrack::bot::meetings
