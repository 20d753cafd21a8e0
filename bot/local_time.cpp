#include "bot/local_time.hpp"

#include <date/tz.h>

#include <vector>

#include "core/text.hpp"

namespace twintrack::bot {

const date::time_zone* zone_or_utc(const std::string& zone) {
    try {
        return date::locate_zone(zone);
    } catch (const std::exception&) {
        return date::locate_zone("UTC");
    }
}

std::string format_local(core::Timestamp at, const std::string& zone) {
    const auto* tz = zone_or_utc(zone);
    const auto local = date::make_zoned(tz, std::chrono::time_point_cast<std::chrono::minutes>(at));
    return date::format("%Y-%m-%d %H:%M", local);
}

std::optional<date::year_month_day> parse_ymd(const std::string& text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
    }
    const date::year_month_day ymd{date::year(std::stoi(text.substr(0, 4))),
                                   date::month(static_cast<unsigned>(std::stoi(text.substr(5, 2)))),
                                   date::day(static_cast<unsigned>(std::stoi(text.substr(8, 2))))};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

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

}  // namespace twintrack::bot
